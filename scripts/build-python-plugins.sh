#!/usr/bin/env bash
# Builds every Python plugin (a folder with plugin.toml and app.py under plugins/ or
# tests/plugins/) with its own `sh build.sh`, against one toolchain installed once:
# componentize-py and pytest, pinned, in a venv under target/plugin-toolchains/python/.
# Each plugin gets the SDK (sdk/python/pmsync_sdk.py) copied in first, as `plugins new`
# does for an author. A plugin whose sources, SDK, WIT and toolchain are unchanged since
# its last build (a stamp under the venv) is not rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPONENTIZE_PY_VERSION=0.25.1
PYTEST_VERSION=9.2.0

plugins=()
for manifest in plugins/*/plugin.toml tests/plugins/*/plugin.toml; do
    [ -f "$manifest" ] || continue
    folder=$(dirname "$manifest")
    [ -f "$folder/app.py" ] && [ -f "$folder/build.sh" ] || continue
    plugins+=("$folder")
done
[ ${#plugins[@]} -gt 0 ] || exit 0

target_dir=${CARGO_TARGET_DIR:-target}
venv="$target_dir/plugin-toolchains/python"
wanted="componentize-py==$COMPONENTIZE_PY_VERSION pytest==$PYTEST_VERSION"
if [ "$(cat "$venv/pinned" 2>/dev/null)" != "$wanted" ]; then
    started=$SECONDS
    echo "installing $wanted into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check $wanted
    echo "$wanted" > "$venv/pinned"
    echo "python toolchain installed in $((SECONDS - started)) s"
fi
export PMSYNC_COMPONENTIZE_PY
PMSYNC_COMPONENTIZE_PY="$(cd "$venv/bin" && pwd)/componentize-py"

built=()
for folder in "${plugins[@]}"; do
    cmp -s sdk/python/pmsync_sdk.py "$folder/pmsync_sdk.py" || cp sdk/python/pmsync_sdk.py "$folder/pmsync_sdk.py"
    component=$(sed -n 's/^component *= *"\(.*\)"/\1/p' "$folder/plugin.toml" | head -n 1)
    stamp="$venv/stamps/$(echo "$folder" | tr '/' '_')"
    digest=$(
        cd "$folder"
        { echo "$wanted"; find -L . -path ./tests -prune -o -path ./.venv -prune -o \
            \( -name '*.py' -o -name '*.wit' -o -name plugin.toml -o -name build.sh \) -print \
            | LC_ALL=C sort | xargs -d '\n' sha256sum; } | sha256sum | cut -d' ' -f1
    )
    if [ -f "$folder/$component" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$digest" ]; then
        continue
    fi
    started=$SECONDS
    sh "$folder/build.sh"
    mkdir -p "$venv/stamps"
    echo "$digest" > "$stamp"
    echo "$folder built in $((SECONDS - started)) s"
    built+=("$folder")
done
echo "python plugins: ${#plugins[@]}, rebuilt ${#built[@]}${built:+: ${built[*]}}"
