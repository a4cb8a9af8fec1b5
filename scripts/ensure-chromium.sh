#!/usr/bin/env bash
# Installs Debian's headless browser for the status-page tests (`serve::` in host/tests/all)
# when it is missing: `chromium` and `chromium-driver` (WebDriver). Needs root or sudo and
# apt; without them it says what to install and exits 0, and the tests needing the browser
# skip with a visible SKIPPED line (under CI=true they fail instead).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "ensure-chromium: chromium and chromedriver are missing; install them (apt-get install chromium chromium-driver) to run the status-page tests" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install chromium and chromedriver to run the status-page tests" >&2
    exit 0
fi
echo "ensure-chromium: installing chromium and chromium-driver (status-page tests)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
