"""{{name}}'s logic, natively, against a fake tracker given as the SDK's HTTP handler:
`.venv/bin/python -m pytest tests` (no wasm needed)."""

from urllib.parse import parse_qs, urlsplit

import pytest

import pmsync_sdk as sdk
from app import {{name_camel}}

BASE = "https://tracker.example.com"


def raw_item(id, title, labels=()):
    return {"id": id, "key": f"TRK-{id}", "url": f"{BASE}/TRK-{id}", "updated_at": "2024-05-01T00:00:00Z",
            "fields": {"title": title, "description": "", "status": "open", "labels": list(labels), "due": "2024-06-01"}}


@pytest.fixture
def tracker():
    """A fake tracker: items by id; every request is recorded."""
    state = {"items": {"1": raw_item("1", "One", ["sync"]), "2": raw_item("2", "Two")}, "seen": []}

    def handle(request):
        state["seen"].append(request)
        url = urlsplit(request.url)
        path, query = url.path, parse_qs(url.query)
        if request.method == "GET" and path == "/api/projects/WEB/items":
            items = list(state["items"].values())
            if "origin" in query:
                items = [i for i in items if i.get("origin") == query["origin"][0]]
            return sdk.testing.response(200, json={"items": items[:1], "next_cursor": "c2" if len(items) > 1 else None})
        if request.method == "GET" and path.startswith("/api/items/"):
            item = state["items"].get(path.rsplit("/", 1)[1])
            return sdk.testing.response(200, json=item) if item else sdk.testing.response(404, json={"error": "no such item"})
        if request.method == "POST":
            body = request.json()
            item = raw_item(str(len(state["items"]) + 1), body["fields"].get("title", ""))
            item["fields"].update(body["fields"])
            item["origin"] = body["origin"]
            state["items"][item["id"]] = item
            return sdk.testing.response(201, json=item)
        return sdk.testing.response(500, body=b"unexpected")

    sdk.testing.settings = {"base_url": BASE + "/", "project": "WEB"}
    sdk.testing.http_handler = handle
    return state


def test_a_page_lists_items_with_their_fields_and_the_next_cursor(tracker):
    page = {{name_camel}}().list_changed(sdk.ListRequest(since="2024-01-01T00:00:00Z", page_size=1000,
                                                 filter=sdk.Filter(labels=["sync"])))
    assert [i.key for i in page.items] == ["TRK-1"] and page.next_cursor == "c2"
    assert page.items[0].fields["labels"] == ["sync"] and page.items[0].fields["due"] == sdk.Date("2024-06-01")
    request = tracker["seen"][0]
    assert request.credential == "token"
    assert "limit=100" in request.url and "label=sync" in request.url and "updated_since=2024-01-01" in request.url


def test_a_created_item_is_found_again_by_its_origin(tracker):
    plugin = {{name_camel}}()
    created = plugin.create_one(sdk.CreateRequest("pmsync:jira:PROJ-1", {"title": "New", "labels": ["a"]}))
    assert created.fields["title"] == "New"
    assert plugin.find_one_by_origin("pmsync:jira:PROJ-1").id == created.id


def test_a_missing_item_is_not_found_and_fails_only_itself(tracker):
    results = {{name_camel}}().get(["1", "404"])
    assert results[0][1].key == "TRK-1"
    assert isinstance(results[1][1], sdk.NotFound) and "answered 404" in results[1][1].message


def test_writing_a_field_the_tracker_does_not_have_is_unsupported(tracker):
    with pytest.raises(sdk.Unsupported, match="no writable field points"):
        {{name_camel}}().create_one(sdk.CreateRequest("o", {"points": 3}))


def test_a_server_error_is_transient_and_a_malformed_item_invalid_input(tracker):
    with pytest.raises(sdk.Transient):
        {{name_camel}}().update_one(sdk.UpdateRequest("1", {"title": "x"}))
    with pytest.raises(sdk.InvalidInput, match="without a valid `updated_at`"):
        {{name_camel}}().item({"id": "1", "fields": {}})


def test_without_its_settings_the_connector_says_which_is_missing():
    with pytest.raises(sdk.InvalidInput, match="`base_url` is required"):
        {{name_camel}}()
