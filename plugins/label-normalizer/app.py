"""label-normalizer: labels made alike on their way between platforms.

``normalize_labels`` trims each label, lowercases it, turns runs of spaces and underscores
into one ``-``, maps it through the operator's ``aliases`` setting and drops empty labels
and duplicates (first one kept). ``denormalize_labels`` is its reverse for two-way
mappings: a label some alias maps to goes back as that alias (the first one given), so a
label that came from the other side round-trips unchanged.
"""

import re

import pmsync_sdk as sdk

_SEPARATORS = re.compile(r"[\s_]+")
_DASHES = re.compile(r"-{2,}")


def normalize(label: str) -> str:
    """`  Needs_Review ` -> `needs-review`."""
    text = _SEPARATORS.sub("-", label.strip().lower())
    return _DASHES.sub("-", text).strip("-")


class LabelNormalizer(sdk.Transformer):
    def __init__(self) -> None:
        aliases = sdk.setting_map("aliases")
        # Both sides of an alias are normalised, so `Bug Fix: Bug` means `bug-fix -> bug`.
        self.forward = {normalize(k): normalize(v) for k, v in aliases.items()}
        self.reverse = {}
        for alias, canonical in self.forward.items():
            self.reverse.setdefault(canonical, alias)

    def names(self):
        return ["normalize_labels", "denormalize_labels"]

    def transform(self, name, value, context):
        if name == "normalize_labels":
            table = self.forward
        elif name == "denormalize_labels":
            table = self.reverse
        else:
            raise sdk.InvalidInput(f"label-normalizer has no transform `{name}`")
        if value is None:
            return []
        if isinstance(value, str):
            labels = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            labels = value
        else:
            raise sdk.InvalidInput(
                f"`{context.field}` of {context.item_key}: expected labels (a list of text), got {value!r}"
            )
        out = []
        for label in labels:
            text = normalize(label)
            text = table.get(text, text)
            if text and text not in out:
                out.append(text)
        return out


Transformer = sdk.export_transformer(LabelNormalizer)
