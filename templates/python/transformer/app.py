"""{{name}}: a pmsync field transformer.

`{{name_snake}}` writes text in title case; a list of text (labels) is converted label by
label. Words the operator lists in the `small_words` setting stay lowercase unless first.
A transform on a two-way mapping needs a `reverse_transform`: add a second name to
`names()` and to `[provides] transforms` in plugin.toml for the way back.
"""

import pmsync_sdk as sdk


class {{name_camel}}(sdk.Transformer):
    def __init__(self):
        # Made once per plugin instance, on its first call: read settings here.
        words = sdk.setting("small_words", "a,an,and,of,the,to")
        self.small_words = {w.strip().lower() for w in words.split(",") if w.strip()}

    def names(self):
        return ["{{name_snake}}"]

    def transform(self, name, value, context):
        if name != "{{name_snake}}":
            raise sdk.InvalidInput(f"{{name}} has no transform `{name}`")
        if value is None:
            return None
        if isinstance(value, str):
            return self.title(value)
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [self.title(v) for v in value]
        # InvalidInput fails this item only, with this message, and is not retried.
        raise sdk.InvalidInput(f"`{context.field}` of {context.item_key}: expected text, got {value!r}")

    def title(self, text):
        words = text.split(" ")
        return " ".join(
            w.lower() if i > 0 and w.lower() in self.small_words else w[:1].upper() + w[1:].lower()
            for i, w in enumerate(words)
        )


# The class componentize-py exports: the host's batch calls, answered per item.
Transformer = sdk.export_transformer({{name_camel}})
