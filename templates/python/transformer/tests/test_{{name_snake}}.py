"""{{name}}'s logic, natively: `.venv/bin/python -m pytest tests` (no wasm needed)."""

import pytest

import pmsync_sdk as sdk
from app import {{name_camel}}

CONTEXT = sdk.TransformContext(field="summary -> title", source_platform="jira",
                               target_platform="github", item_key="PROJ-1")


def test_text_is_written_in_title_case_with_small_words_lowercase():
    plugin = {{name_camel}}()
    assert plugin.transform("{{name_snake}}", "the fix OF the login bug", CONTEXT) == "The Fix of the Login Bug"


def test_labels_are_converted_each_and_no_value_stays_none():
    plugin = {{name_camel}}()
    assert plugin.transform("{{name_snake}}", ["needs review", "ui"], CONTEXT) == ["Needs Review", "Ui"]
    assert plugin.transform("{{name_snake}}", None, CONTEXT) is None


def test_the_operator_chooses_the_small_words():
    sdk.testing.settings = {"small_words": "login"}
    assert {{name_camel}}().transform("{{name_snake}}", "fix login of app", CONTEXT) == "Fix login Of App"


def test_a_number_fails_only_its_own_item():
    results = {{name_camel}}().transform_batch([
        sdk.TransformRequest("{{name_snake}}", 7, CONTEXT),
        sdk.TransformRequest("{{name_snake}}", "ok then", CONTEXT),
    ])
    assert results[0][0] == "err" and "expected text, got 7" in results[0][1].message
    assert results[1] == ("ok", "Ok Then")


def test_an_unknown_transform_name_is_invalid_input():
    with pytest.raises(sdk.InvalidInput, match="no transform `other`"):
        {{name_camel}}().transform("other", "x", CONTEXT)
