#!/usr/bin/env bash
# Installs the real services the tests run, when missing: the CNCF distribution registry
# (Debian's `docker-registry` package), which the bundle tests (host/tests/all/bundles.rs)
# start on loopback to push and pull plugin bundles. Installs only as root with apt-get;
# otherwise says what is missing (those tests then fail under CI=true, skip visibly otherwise).
set -euo pipefail

if command -v docker-registry >/dev/null 2>&1 || command -v registry >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing docker-registry (the OCI registry the bundle tests push to)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null
    # The package's service is not wanted: the tests start their own on loopback.
    exit 0
fi
echo "docker-registry is missing and cannot be installed here (needs root and apt-get):" >&2
echo "  sudo apt-get install docker-registry    # the bundle registry tests need it" >&2
