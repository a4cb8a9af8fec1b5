"""A resolver written per item pair, answering the host's batch call."""

import pytest

import pmsync_sdk as sdk


class LongerWins(sdk.Resolver):
    def name(self):
        return "longer_wins"

    def resolve_one(self, request):
        out = []
        for conflict in request.conflicts:
            if not isinstance(conflict.source, str) or not isinstance(conflict.target, str):
                out.append(sdk.Defer(f"`{conflict.field}` is not text on both sides"))
            elif conflict.source.upper() == conflict.target:
                out.append(sdk.Merged(conflict.source + "!"))
            elif len(conflict.source) >= len(conflict.target):
                out.append(sdk.TAKE_SOURCE)
            else:
                out.append(sdk.TAKE_TARGET)
        return out


def request(*conflicts):
    return sdk.ResolveRequest(sdk.Item("1", "PROJ-1"), sdk.Item("2", "#2"), list(conflicts))


def test_resolve_one_answers_one_resolution_per_conflict():
    got = LongerWins().resolve([request(
        sdk.Conflict("summary", "longer", "short"),
        sdk.Conflict("title", "a", "abc"),
        sdk.Conflict("points", 3, 5),
    )])
    assert got == [("ok", [sdk.TAKE_SOURCE, sdk.TAKE_TARGET, sdk.Defer("`points` is not text on both sides")])]


def test_a_resolver_answering_the_wrong_number_of_resolutions_fails_that_item():
    class Forgetful(LongerWins):
        def resolve_one(self, request):
            return []

    status, error = Forgetful().resolve([request(sdk.Conflict("summary", "a", "b"))])[0]
    assert status == "err" and "answered 0 resolutions for 1 conflicts" in error.message


def wit_item(wit, key, **fields):
    types = wit.imports.types
    return types.Item(key, key, f"https://x/{key}", "2024-05-01T00:00:00Z",
                      [types.Field(k, v) for k, v in fields.items()])


def test_the_exported_class_converts_items_conflicts_and_resolutions(bindings):
    wit = bindings("resolver")
    from componentize_py_types import Ok

    types, resolver = wit.imports.types, wit.exports.resolver
    seen = []

    class Recording(LongerWins):
        def resolve_one(self, request):
            seen.append(request)
            return super().resolve_one(request)

    conflicts = [
        resolver.Conflict("summary", types.Value_Text("abc"), types.Value_Text("ABC"), None),
        resolver.Conflict("title", types.Value_Text("x"), types.Value_Text("xyz"), types.Value_Null()),
        resolver.Conflict("labels", types.Value_TextList(["a"]), types.Value_Text("b"), types.Value_Text("b")),
    ]
    req = resolver.ResolveRequest(wit_item(wit, "PROJ-1", priority=types.Value_Integer(2)),
                                  wit_item(wit, "#2"), conflicts)
    answer = sdk.export_resolver(Recording)().resolve([req])
    assert answer == [Ok([
        resolver.Resolution_Merged(types.Value_Text("abc!")),
        resolver.Resolution_TakeTarget(),
        resolver.Resolution_Defer("`labels` is not text on both sides"),
    ])]
    plain = seen[0]
    assert plain.source.fields == {"priority": 2} and plain.target.key == "#2"
    assert (plain.conflicts[0].has_base, plain.conflicts[1].has_base) == (False, True)
    assert plain.conflicts[1].base is None and plain.conflicts[2].base == "b"
    assert sdk.export_resolver(Recording)().name() == "longer_wins"


def test_something_that_is_not_a_resolution_fails_the_item_saying_what_to_return(bindings):
    wit = bindings("resolver")
    types, resolver = wit.imports.types, wit.exports.resolver

    class Sloppy(LongerWins):
        def resolve_one(self, request):
            return ["source"]

    req = resolver.ResolveRequest(wit_item(wit, "A"), wit_item(wit, "B"),
                                  [resolver.Conflict("f", types.Value_Null(), types.Value_Null(), None)])
    answer = sdk.export_resolver(Sloppy)().resolve([req])
    assert "not a resolution: 'source'" in answer[0].value.value


@pytest.mark.parametrize("resolution", [sdk.TAKE_SOURCE, sdk.TakeTarget(), sdk.Merged(1), sdk.Defer("x")])
def test_resolutions_compare_by_value(resolution):
    assert resolution == type(resolution)(*vars(resolution).values())
