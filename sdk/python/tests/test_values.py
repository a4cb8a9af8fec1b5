"""Plain Python values <-> the WIT `value` variant."""

from datetime import date, datetime, timedelta, timezone

import pytest

import pmsync_sdk as sdk


def test_each_wit_value_case_becomes_a_plain_python_value_and_back(bindings):
    types = bindings("transformer").imports.types
    cases = [
        (types.Value_Null(), None),
        (types.Value_Boolean(True), True),
        (types.Value_Integer(-7), -7),
        (types.Value_Number(2.5), 2.5),
        (types.Value_Text("hello"), "hello"),
        (types.Value_TextList(["a", "b"]), ["a", "b"]),
        (types.Value_Date("2024-05-01"), sdk.Date("2024-05-01")),
        (types.Value_Datetime("2024-05-01T12:00:00Z"), sdk.DateTime("2024-05-01T12:00:00Z")),
        (types.Value_Json('{"k": [1, 2]}'), {"k": [1, 2]}),
    ]
    for wit, plain in cases:
        got = sdk.from_wit(wit)
        assert got == plain and type(got) is type(plain), (wit, got)
        assert sdk.to_wit(got) == (types.Value_Json('{"k": [1, 2]}') if isinstance(plain, dict) else wit)


def test_dates_and_datetimes_are_text_that_parses():
    assert sdk.Date("2024-05-01").to_date() == date(2024, 5, 1)
    assert sdk.DateTime("2024-05-01T12:00:00Z").to_datetime() == datetime(2024, 5, 1, 12, tzinfo=timezone.utc)
    assert sdk.Date("2024-05-01").upper() == "2024-05-01"
    with pytest.raises(sdk.InvalidInput, match="'May 1st' is not a date"):
        sdk.Date("May 1st").to_date()


def test_python_dates_are_sent_as_date_and_utc_datetime(bindings):
    types = bindings("transformer").imports.types
    assert sdk.to_wit(date(2024, 5, 1)) == types.Value_Date("2024-05-01")
    paris = timezone(timedelta(hours=2))
    assert sdk.to_wit(datetime(2024, 5, 1, 14, tzinfo=paris)) == types.Value_Datetime("2024-05-01T12:00:00Z")
    with pytest.raises(sdk.InvalidInput, match="no time zone"):
        sdk.to_wit(datetime(2024, 5, 1, 14))


def test_lists_of_text_are_labels_and_other_lists_are_json(bindings):
    types = bindings("transformer").imports.types
    assert sdk.to_wit([]) == types.Value_TextList([])
    assert sdk.to_wit(("x",)) == types.Value_TextList(["x"])
    assert sdk.to_wit([1, "x"]) == types.Value_Json('[1, "x"]')


def test_values_that_cannot_travel_are_invalid_input_saying_why(bindings):
    bindings("transformer")
    with pytest.raises(sdk.InvalidInput, match="does not fit a 64-bit integer"):
        sdk.to_wit(2**63)
    with pytest.raises(sdk.InvalidInput, match="cannot send a set"):
        sdk.to_wit({1, 2})
    with pytest.raises(sdk.InvalidInput, match="cannot send as JSON"):
        sdk.to_wit({"k": object()})


def test_json_from_the_host_that_does_not_parse_is_invalid_input(bindings):
    types = bindings("transformer").imports.types
    with pytest.raises(sdk.InvalidInput, match="does not parse"):
        sdk.from_wit(types.Value_Json("{nope"))
