#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, when they are missing:
# zsh and fish (shell completion tests), util-linux `script` (a terminal for the colour
# tests), the CNCF distribution registry (`docker-registry`, which the bundle tests start on
# loopback to push and pull plugin bundles). Installs with apt-get as root (or through sudo); otherwise says what is missing,
# and the tests that need it fail under CI and are skipped elsewhere.
set -euo pipefail

declare -A package_of=(
    [zsh]=zsh
    [fish]=fish
    [script]=bsdutils
    [timeout]=coreutils
    [docker-registry]=docker-registry
)

missing=()
for command in "${!package_of[@]}"; do
    command -v "$command" >/dev/null 2>&1 || missing+=("${package_of[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo -n)
else
    echo "test tools missing (${missing[*]}); install them with: apt-get install ${missing[*]}" >&2
    exit 0
fi
echo "installing test tools: ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
