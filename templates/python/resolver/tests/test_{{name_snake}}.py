"""{{name}}'s logic, natively: `.venv/bin/python -m pytest tests` (no wasm needed)."""

import pytest

import pmsync_sdk as sdk
from app import {{name_camel}}


def request(source_at, target_at, *conflicts):
    return sdk.ResolveRequest(
        source=sdk.Item("10001", "PROJ-1", updated_at=source_at),
        target=sdk.Item("42", "#42", updated_at=target_at),
        conflicts=list(conflicts),
    )


def test_the_side_changed_last_wins():
    plugin = {{name_camel}}()
    later_source = request("2024-05-02T10:00:00Z", "2024-05-01T10:00:00Z", sdk.Conflict("status", "Done", "open"))
    later_target = request("2024-05-01T10:00:00+02:00", "2024-05-01T09:00:00Z", sdk.Conflict("status", "Done", "open"))
    assert plugin.resolve_one(later_source) == [sdk.TAKE_SOURCE]
    assert plugin.resolve_one(later_target) == [sdk.TAKE_TARGET]


def test_text_both_sides_appended_to_is_merged():
    conflict = sdk.Conflict("description", "Steps.\nSource note.", "Steps.\nTarget note.", base="Steps.", has_base=True)
    got = {{name_camel}}().resolve_one(request("2024-05-01T00:00:00Z", "2024-05-02T00:00:00Z", conflict))
    assert got == [sdk.Merged("Steps.\nSource note.\nTarget note.")]


def test_a_tie_goes_to_a_person_unless_the_operator_names_a_side():
    tie = request("2024-05-01T00:00:00Z", "2024-05-01T00:00:00Z", sdk.Conflict("title", "a", "b"))
    assert {{name_camel}}().resolve_one(tie) == [sdk.Defer("`title` changed on both sides at 2024-05-01T00:00:00Z")]
    sdk.testing.settings = {"on_tie": "target"}
    assert {{name_camel}}().resolve_one(tie) == [sdk.TAKE_TARGET]


def test_a_wrong_on_tie_setting_is_refused_saying_what_is_allowed():
    sdk.testing.settings = {"on_tie": "coin"}
    with pytest.raises(sdk.InvalidInput, match="expected source, target or person"):
        {{name_camel}}()


def test_a_bad_update_time_fails_only_its_item():
    results = {{name_camel}}().resolve([
        request("yesterday", "2024-05-01T00:00:00Z", sdk.Conflict("title", "a", "b")),
        request("2024-05-02T00:00:00Z", "2024-05-01T00:00:00Z", sdk.Conflict("title", "a", "b")),
    ])
    assert results[0][0] == "err" and "'yesterday' is not an RFC 3339 instant" in results[0][1].message
    assert results[1] == ("ok", [sdk.TAKE_SOURCE])
