"""{{name}}: a pmsync conflict resolver (`conflict_strategy: custom`,
`resolver: {{name_snake}}` in a sync config).

Per conflict: when both sides appended to the same base text, the two additions are merged;
otherwise the side whose item was updated last wins. Equal update times go to the side the
operator's `on_tie` setting names, or to a person.
"""

import pmsync_sdk as sdk


class {{name_camel}}(sdk.Resolver):
    def __init__(self):
        self.on_tie = sdk.setting("on_tie", "person")
        if self.on_tie not in ("source", "target", "person"):
            raise sdk.InvalidInput(f"the setting `on_tie` is {self.on_tie!r}; expected source, target or person")

    def name(self):
        return "{{name_snake}}"

    def resolve_one(self, request):
        # One resolution per conflict, in order.
        return [self.decide(request, conflict) for conflict in request.conflicts]

    def decide(self, request, conflict):
        base, source, target = conflict.base, conflict.source, conflict.target
        if all(isinstance(v, str) for v in (base, source, target)) and base and \
                source.startswith(base) and target.startswith(base):
            return sdk.Merged(base + source[len(base):] + target[len(base):])
        newer_source = request.source.updated_at
        newer_target = request.target.updated_at
        if not newer_source or not newer_target:
            return sdk.Defer(f"`{conflict.field}`: an item has no update time")
        source_time = sdk.DateTime(newer_source).to_datetime()
        target_time = sdk.DateTime(newer_target).to_datetime()
        if source_time > target_time:
            return sdk.TAKE_SOURCE
        if target_time > source_time:
            return sdk.TAKE_TARGET
        if self.on_tie == "source":
            return sdk.TAKE_SOURCE
        if self.on_tie == "target":
            return sdk.TAKE_TARGET
        return sdk.Defer(f"`{conflict.field}` changed on both sides at {newer_source}")


# The class componentize-py exports: the host's batch calls, answered per item pair.
Resolver = sdk.export_resolver({{name_camel}})
