"""A connector written per item, answering the host's batch calls."""

import pmsync_sdk as sdk


class Tracker(sdk.Connector):
    def __init__(self):
        self.items = {"1": sdk.Item("1", "T-1", "https://t/1", "2024-05-01T00:00:00Z", {"title": "One"})}

    def describe(self):
        return sdk.Descriptor("tracker", [sdk.FieldSpec("title"), sdk.FieldSpec("points", "number", False)],
                              incremental=True, origin_markers=True)

    def list_changed(self, request):
        if request.filter.query == "broken":
            raise sdk.InvalidInput("the query does not parse")
        return sdk.Page(list(self.items.values()), next_cursor=None)

    def get_one(self, id):
        if id not in self.items:
            raise sdk.NotFound(f"no item {id}")
        return self.items[id]

    def create_one(self, request):
        item = sdk.Item(str(len(self.items) + 1), f"T-{len(self.items) + 1}", "", "", dict(request.fields))
        self.items[item.id] = item
        return item

    def find_one_by_origin(self, origin):
        return None


def test_batch_defaults_call_the_per_item_methods():
    tracker = Tracker()
    got = tracker.get(["1", "9"])
    assert got[0] == ("ok", tracker.items["1"])
    assert got[1][0] == "err" and isinstance(got[1][1], sdk.NotFound)
    assert tracker.update([sdk.UpdateRequest("1", {})])[0][1].case == "unsupported"


def test_the_exported_class_converts_descriptor_pages_and_items(bindings):
    wit = bindings("connector")
    from componentize_py_types import Err, Ok

    types, connector = wit.imports.types, wit.exports.connector
    export = sdk.export_connector(Tracker)()
    described = export.describe()
    assert described.platform == "tracker"
    assert described.fields[1] == connector.FieldSpec("points", types.FieldType.NUMBER, False)
    assert described.capabilities == connector.Capabilities.INCREMENTAL | connector.Capabilities.ORIGIN_MARKERS

    request = connector.ListRequest(None, None, 50, connector.Filter([], [], [], None))
    page = export.list_changed(request)
    assert page.items[0].fields == [types.Field("title", types.Value_Text("One"))]
    assert page.next_cursor is None

    created = export.create([connector.CreateRequest("origin-1", [types.Field("title", types.Value_Text("Two"))])])
    assert isinstance(created[0], Ok) and created[0].value.key == "T-2"
    assert export.find_by_origin(["origin-1"]) == [Ok(None)]
    assert isinstance(export.get(["404"])[0], Err)


def test_a_failing_list_is_raised_as_the_err_the_host_expects(bindings):
    wit = bindings("connector")
    from componentize_py_types import Err

    connector = wit.exports.connector
    request = connector.ListRequest(None, None, 50, connector.Filter([], [], [], "broken"))
    try:
        sdk.export_connector(Tracker)().list_changed(request)
        raise AssertionError("list_changed should have raised")
    except Err as raised:
        assert raised.value == wit.imports.types.PluginError_InvalidInput("the query does not parse")


def test_webhooks_are_unsupported_unless_implemented(bindings):
    wit = bindings("connector")
    from componentize_py_types import Err

    delivery = wit.exports.connector.WebhookDelivery([("x", "y")], b"{}")
    try:
        sdk.export_connector(Tracker)().parse_webhook(delivery)
        raise AssertionError("parse_webhook should have raised")
    except Err as raised:
        assert isinstance(raised.value, wit.imports.types.PluginError_Unsupported)
