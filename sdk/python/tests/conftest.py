"""Fixtures for the SDK's tests: the SDK on the import path, a clean stand-in host per test,
and componentize-py's generated bindings for a world (when componentize-py is installed),
so the boundary between plain Python and the WIT types is tested as the host drives it."""

import importlib
import os
import shutil
import subprocess
import sys

import pytest

SDK = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(os.path.dirname(SDK))
sys.path.insert(0, SDK)

import pmsync_sdk  # noqa: E402


@pytest.fixture(autouse=True)
def clean_host():
    pmsync_sdk.testing.reset()
    yield
    pmsync_sdk.testing.reset()


def _componentize_py():
    found = os.environ.get("PMSYNC_COMPONENTIZE_PY") or shutil.which("componentize-py")
    beside = os.path.join(os.path.dirname(sys.executable), "componentize-py")
    return found or (beside if os.path.exists(beside) else None)


_GENERATED = {}


def _bindings_for(kind, tmp_path_factory):
    if kind in _GENERATED:
        return _GENERATED[kind]
    tool = _componentize_py()
    if tool is None:
        pytest.skip("SKIPPED: componentize-py is not installed (set PMSYNC_COMPONENTIZE_PY)")
    out = tmp_path_factory.mktemp(f"bindings-{kind}")
    subprocess.run(
        [tool, "-d", os.path.join(REPO, "wit"), "-w", f"{kind}-plugin", "bindings", str(out)],
        check=True, capture_output=True,
    )
    _GENERATED[kind] = out
    return out


def _forget_bindings():
    for name in list(sys.modules):
        if name == "wit_world" or name.startswith("wit_world.") or name == "componentize_py_types":
            del sys.modules[name]


@pytest.fixture
def bindings(request, tmp_path_factory):
    """``bindings("transformer")`` puts that world's generated modules on the path."""
    added = []

    def load(kind):
        _forget_bindings()
        path = str(_bindings_for(kind, tmp_path_factory))
        sys.path.insert(0, path)
        added.append(path)
        importlib.invalidate_caches()
        imports = ["types", "config", "log"] + (["http"] if kind == "connector" else [])
        for module in [f"imports.{m}" for m in imports] + [f"exports.{kind}"]:
            importlib.import_module(f"wit_world.{module}")
        return importlib.import_module("wit_world")

    yield load
    for path in added:
        sys.path.remove(path)
    _forget_bindings()
