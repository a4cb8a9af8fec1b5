"""Exceptions <-> the WIT `plugin-error` variant."""

import pytest

import pmsync_sdk as sdk


def test_each_error_class_becomes_its_wit_case(bindings):
    types = bindings("transformer").imports.types
    assert sdk.InvalidInput("bad").to_wit() == types.PluginError_InvalidInput("bad")
    assert sdk.Transient("later").to_wit() == types.PluginError_Transient("later")
    assert sdk.Unauthorized("who").to_wit() == types.PluginError_Unauthorized("who")
    assert sdk.NotFound("gone").to_wit() == types.PluginError_NotFound("gone")
    assert sdk.Unsupported("no").to_wit() == types.PluginError_Unsupported("no")
    assert sdk.RateLimited("slow", retry_after_ms=1500).to_wit() == types.PluginError_RateLimited(
        types.RateLimit(retry_after_ms=1500, message="slow"))


def test_only_transient_and_rate_limited_are_retryable():
    assert sdk.Transient("x").retryable and sdk.RateLimited("x").retryable
    assert not sdk.InvalidInput("x").retryable and not sdk.NotFound("x").retryable


def test_an_unexpected_exception_names_its_type_message_and_line():
    def parse(text):
        return int(text)

    try:
        parse("twelve")
    except ValueError as raised:
        error = sdk.plugin_error(raised)
    assert isinstance(error, sdk.InvalidInput)
    assert error.message.startswith("ValueError: invalid literal for int() with base 10: 'twelve' (at ")
    assert "test_errors.py:" in error.message and "in parse" in error.message


def test_a_message_longer_than_the_limit_is_cut(bindings):
    bindings("transformer")
    sent = sdk.InvalidInput("x" * 10_000).to_wit().value
    assert len(sent) == sdk.MAX_ERROR_CHARS and sent.endswith("…")


def test_a_plugin_error_stays_itself():
    error = sdk.NotFound("PROJ-9 is gone")
    assert sdk.plugin_error(error) is error
