"""The plugin's logic, natively: `python -m pytest` in this folder (no wasm needed)."""

import pytest

import pmsync_sdk as sdk
from app import LabelNormalizer

CONTEXT = sdk.TransformContext(field="labels -> labels", source_platform="jira",
                               target_platform="github", item_key="PROJ-1")


@pytest.fixture(autouse=True)
def clean_host():
    sdk.testing.reset()
    yield
    sdk.testing.reset()


def plugin(aliases=None):
    if aliases is not None:
        sdk.testing.settings = {"aliases": aliases}
    return LabelNormalizer()


def test_labels_are_trimmed_lowercased_and_dashed():
    labels = [" Needs Review ", "good_first__issue", "UI", "a - b"]
    assert plugin().transform("normalize_labels", labels, CONTEXT) == [
        "needs-review", "good-first-issue", "ui", "a-b"]


def test_aliases_from_the_settings_replace_labels_and_duplicates_collapse():
    p = plugin('{"bugfix": "bug", "Feature Request": "enhancement"}')
    got = p.transform("normalize_labels", ["BugFix", "bug", "feature_request"], CONTEXT)
    assert got == ["bug", "enhancement"]


def test_denormalize_maps_an_alias_target_back_to_its_first_alias():
    p = plugin('{"bugfix": "bug", "defect": "bug", "feature-request": "enhancement"}')
    assert p.transform("denormalize_labels", ["bug", "Enhancement", "docs"], CONTEXT) == [
        "bugfix", "feature-request", "docs"]


def test_a_label_round_trips_through_both_transforms_unchanged():
    p = plugin('{"bugfix": "bug"}')
    there = p.transform("normalize_labels", ["bugfix", "needs-review"], CONTEXT)
    assert p.transform("denormalize_labels", there, CONTEXT) == ["bugfix", "needs-review"]


def test_no_labels_and_a_single_label_are_accepted():
    assert plugin().transform("normalize_labels", None, CONTEXT) == []
    assert plugin().transform("normalize_labels", "Help Wanted", CONTEXT) == ["help-wanted"]


def test_a_number_is_invalid_input_naming_the_item():
    with pytest.raises(sdk.InvalidInput, match="PROJ-1"):
        plugin().transform("normalize_labels", 5, CONTEXT)


def test_aliases_that_are_not_a_mapping_fail_with_the_setting_named():
    with pytest.raises(sdk.InvalidInput, match="`aliases` is not a mapping"):
        plugin("bugfix=bug")


def test_the_batch_fails_only_the_bad_item():
    results = plugin().transform_batch([
        sdk.TransformRequest("normalize_labels", ["A B"], CONTEXT),
        sdk.TransformRequest("normalize_labels", 3.5, CONTEXT),
        sdk.TransformRequest("no_such_transform", [], CONTEXT),
    ])
    assert results[0] == ("ok", ["a-b"])
    assert results[1][0] == "err" and isinstance(results[1][1], sdk.InvalidInput)
    assert "no transform `no_such_transform`" in results[2][1].message
