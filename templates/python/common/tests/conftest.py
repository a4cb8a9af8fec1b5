"""Puts the plugin's folder (app.py, pmsync_sdk.py) on the import path, and gives every
test a clean stand-in for the host (no settings, no HTTP handler)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pmsync_sdk  # noqa: E402


@pytest.fixture(autouse=True)
def clean_host():
    pmsync_sdk.testing.reset()
    yield
    pmsync_sdk.testing.reset()
