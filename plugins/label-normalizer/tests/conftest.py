"""Puts the plugin folder (app.py, pmsync_sdk.py) on the import path."""

import os
import sys

PLUGIN = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, PLUGIN)
