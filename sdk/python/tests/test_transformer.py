"""A transformer written per item, answering the host's batch call."""

import pmsync_sdk as sdk

CONTEXT = sdk.TransformContext("labels -> labels", "jira", "github", "PROJ-1")


class Shout(sdk.Transformer):
    made = 0

    def __init__(self):
        Shout.made += 1
        self.calls = 0

    def names(self):
        return ["shout"]

    def transform(self, name, value, context):
        self.calls += 1
        if value == "boom":
            raise ValueError(f"cannot shout at boom: {context.item_key}")
        if not isinstance(value, str):
            raise sdk.InvalidInput(f"expected text, got {value!r}")
        return value.upper()


def test_the_batch_default_calls_transform_per_item_and_a_raise_fails_only_its_item():
    results = Shout().transform_batch([
        sdk.TransformRequest("shout", "hi", CONTEXT),
        sdk.TransformRequest("shout", "boom", CONTEXT),
        sdk.TransformRequest("shout", 3, CONTEXT),
    ])
    assert results[0] == ("ok", "HI")
    assert results[1][0] == "err" and "ValueError: cannot shout at boom: PROJ-1" in results[1][1].message
    assert results[2] == ("err", results[2][1]) and results[2][1].message == "expected text, got 3"


def wit_request(wit, value, key="PROJ-1"):
    transformer = wit.exports.transformer
    context = transformer.TransformContext("labels -> labels", "jira", "github", key)
    return transformer.TransformRequest("shout", value, context)


def test_the_exported_class_answers_the_host_with_ok_and_err(bindings):
    wit = bindings("transformer")
    from componentize_py_types import Err, Ok

    types = wit.imports.types
    export = sdk.export_transformer(Shout)
    assert export.__name__ == "Transformer"
    answers = export().transform_batch([
        wit_request(wit, types.Value_Text("hi")),
        wit_request(wit, types.Value_Text("boom"), key="PROJ-2"),
        wit_request(wit, types.Value_Json("{broken")),
    ])
    assert answers[0] == Ok(types.Value_Text("HI"))
    assert isinstance(answers[1], Err) and isinstance(answers[1].value, types.PluginError_InvalidInput)
    assert "cannot shout at boom: PROJ-2" in answers[1].value.value
    assert "does not parse" in answers[2].value.value
    assert export().names() == ["shout"]


def test_the_plugin_instance_is_made_once_and_serves_every_call(bindings):
    wit = bindings("transformer")
    Shout.made = 0
    export = sdk.export_transformer(Shout)
    export().transform_batch([wit_request(wit, wit.imports.types.Value_Text("a"))])
    export().transform_batch([wit_request(wit, wit.imports.types.Value_Text("b"))])
    assert Shout.made == 1
    assert sdk._instance(Shout).calls == 2


def test_a_value_the_plugin_cannot_send_fails_its_item(bindings):
    wit = bindings("transformer")

    class Setty(sdk.Transformer):
        def names(self):
            return ["setty"]

        def transform(self, name, value, context):
            return {1, 2}

    answers = sdk.export_transformer(Setty)().transform_batch([wit_request(wit, wit.imports.types.Value_Null())])
    assert "cannot send a set" in answers[0].value.value


def test_a_batch_override_that_answers_too_few_fails_the_rest(bindings):
    wit = bindings("transformer")

    class Short(Shout):
        def transform_batch(self, requests):
            return [("ok", "only one")]

    types = wit.imports.types
    answers = sdk.export_transformer(Short)().transform_batch(
        [wit_request(wit, types.Value_Text("a")), wit_request(wit, types.Value_Text("b"))])
    assert answers[0].value == types.Value_Text("only one")
    assert "fewer results than requests" in answers[1].value.value


def test_a_plugin_that_cannot_be_made_fails_every_item_with_the_reason(bindings):
    wit = bindings("transformer")

    class NeedsSetting(Shout):
        def __init__(self):
            self.prefix = sdk.require_setting("prefix")

    types = wit.imports.types
    answers = sdk.export_transformer(NeedsSetting)().transform_batch(
        [wit_request(wit, types.Value_Text("a")), wit_request(wit, types.Value_Text("b"))])
    assert [a.value for a in answers] == [
        types.PluginError_InvalidInput("the plugin setting `prefix` is required but not set")] * 2


def test_the_names_are_given_even_when_a_bad_setting_stops_the_plugin_being_made(bindings):
    bindings("transformer")

    class NeedsSetting(Shout):
        def __init__(self):
            self.prefix = sdk.require_setting("prefix")

    assert sdk.export_transformer(NeedsSetting)().names() == ["shout"]
