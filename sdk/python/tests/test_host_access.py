"""Settings, logging and HTTP: natively through `sdk.testing`, in the host through its imports."""

import logging

import pytest

import pmsync_sdk as sdk


def test_settings_natively_come_from_testing_settings():
    sdk.testing.settings = {"field": "rank", "aliases": '{"bugfix": "bug", "n": 2, "on": true}'}
    assert sdk.setting("field") == "rank"
    assert sdk.setting("missing", "default") == "default"
    assert sdk.settings() == sdk.testing.settings
    assert sdk.setting_map("aliases") == {"bugfix": "bug", "n": "2", "on": "true"}
    assert sdk.setting_map("missing") == {}
    with pytest.raises(sdk.InvalidInput, match="the plugin setting `missing` is required but not set"):
        sdk.require_setting("missing")
    with pytest.raises(sdk.InvalidInput, match="`field` is not a mapping"):
        sdk.setting_map("field")


def test_in_the_host_settings_logs_and_requests_go_through_its_imports(bindings, monkeypatch):
    wit = bindings("connector")
    from componentize_py_types import Err

    monkeypatch.setattr(sdk, "IN_HOST", True)
    monkeypatch.setattr(wit.imports.config, "get", lambda key: {"project": "P"}.get(key))
    monkeypatch.setattr(wit.imports.config, "entries", lambda: [("project", "P")])
    logged = []
    monkeypatch.setattr(wit.imports.log, "log", lambda level, message: logged.append((level, message)))
    sent = []

    def send(request):
        sent.append(request)
        if "denied" in request.url:
            raise Err(wit.imports.http.HttpError_Denied("host not granted"))
        return wit.imports.http.Response(200, [("content-type", "application/json")], b'{"ok": true}')

    monkeypatch.setattr(wit.imports.http, "send", send)

    assert sdk.setting("project") == "P" and sdk.settings() == {"project": "P"}
    sdk.log.warn("careful")
    assert logged == [(wit.imports.log.Level.WARN, "careful")]
    answer = sdk.http_request("post", "https://t/items", json={"a": 1}, credential="token")
    assert answer.json() == {"ok": True}
    assert (sent[0].method, sent[0].body, sent[0].credential) == ("POST", b'{"a": 1}', "token")
    assert ("content-type", "application/json") in sent[0].headers
    with pytest.raises(sdk.Unauthorized, match="GET https://denied/x was refused by the host: host not granted"):
        sdk.http_request("GET", "https://denied/x?token=1")


def test_native_logging_goes_to_python_logging(caplog):
    with caplog.at_level(logging.DEBUG, logger="pmsync.plugin"):
        sdk.log.info("hello")
        sdk.log.trace("detail")
    assert [r.getMessage() for r in caplog.records] == ["hello", "detail"]


def test_a_test_http_handler_sees_the_request_and_answers():
    seen = []

    def handler(request):
        seen.append(request)
        return sdk.testing.response(201, json={"id": "7"})

    sdk.testing.http_handler = handler
    answer = sdk.http_request("GET", "https://t/items", query={"page": 2, "q": "a b"}, credential="token")
    assert answer.status == 201 and answer.json() == {"id": "7"}
    assert seen[0].url == "https://t/items?page=2&q=a+b" and seen[0].credential == "token"


def test_without_a_handler_a_native_request_says_how_to_give_one():
    with pytest.raises(sdk.Transient, match="set pmsync_sdk.testing.http_handler"):
        sdk.http_request("GET", "https://t/items")


def test_a_refused_request_is_unauthorized_and_a_timeout_transient():
    sdk.testing.http_handler = lambda r: sdk.HttpFailure("Denied", "not granted")
    with pytest.raises(sdk.Unauthorized, match="refused by the host: not granted"):
        sdk.http_request("GET", "https://t/x")
    sdk.testing.http_handler = lambda r: sdk.HttpFailure("Timeout", "30 s")
    with pytest.raises(sdk.Transient, match="timed out"):
        sdk.http_request("GET", "https://t/x")


@pytest.mark.parametrize("status, headers, error, retry_ms", [
    (429, [("Retry-After", "2")], sdk.RateLimited, 2000),
    (429, [], sdk.RateLimited, sdk.DEFAULT_RETRY_AFTER_MS),
    (403, [("x-ratelimit-remaining", "0")], sdk.RateLimited, sdk.DEFAULT_RETRY_AFTER_MS),
    (403, [], sdk.Unauthorized, None),
    (401, [], sdk.Unauthorized, None),
    (404, [], sdk.NotFound, None),
    (410, [], sdk.NotFound, None),
    (408, [], sdk.Transient, None),
    (503, [], sdk.Transient, None),
    (503, [("retry-after", "0.5")], sdk.RateLimited, 500),
    (422, [], sdk.InvalidInput, None),
])
def test_statuses_become_the_errors_the_host_acts_on(status, headers, error, retry_ms):
    response = sdk.HttpResponse(status, headers, b'{"message":  "nope"}', "GET https://t/x")
    with pytest.raises(error) as raised:
        response.raise_for_status()
    assert raised.value.message == f'GET https://t/x answered {status}: {{"message": "nope"}}'
    if retry_ms is not None:
        assert raised.value.retry_after_ms == retry_ms


def test_a_success_status_is_returned_as_is():
    response = sdk.HttpResponse(204, [], b"")
    assert response.raise_for_status() is response
