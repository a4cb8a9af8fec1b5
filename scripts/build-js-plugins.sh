#!/usr/bin/env bash
# Builds every JavaScript plugin (a folder with plugin.toml, package.json and build.sh under
# plugins/ or tests/plugins/) with componentize-js, installed once, at the exact version
# scripts/js-toolchain/package-lock.json pins, under target/plugin-toolchains/js/.
#
# A plugin is rebuilt only when its sources (its .js/.mjs files, wit/, plugin.toml,
# package.json, build.sh) or the toolchain changed since its last build. Before building,
# each first-party plugin's copies of the SDK (sdk/js/pmsync_sdk.js) and of the WIT
# (wit/pmsync.wit) are refreshed, as `plugins new` would write them.
set -euo pipefail
cd "$(dirname "$0")/.."

folders=()
for manifest in plugins/*/plugin.toml tests/plugins/*/plugin.toml; do
    [ -f "$manifest" ] || continue
    folder=$(dirname "$manifest")
    [ -f "$folder/package.json" ] && [ -f "$folder/build.sh" ] || continue
    folders+=("$folder")
done
[ ${#folders[@]} -gt 0 ] || exit 0

command -v node >/dev/null 2>&1 || { echo "build-js-plugins: node (20 or later) is needed for the JavaScript plugins: ${folders[*]}" >&2; exit 2; }
command -v npm >/dev/null 2>&1 || { echo "build-js-plugins: npm is needed for the JavaScript plugins: ${folders[*]}" >&2; exit 2; }

target_dir=${CARGO_TARGET_DIR:-target}
toolchain="$target_dir/plugin-toolchains/js"
stamps="$toolchain/stamps"
mkdir -p "$stamps"

# The toolchain: reinstalled when the pinned lock file changes.
lock_sum=$(sha256sum scripts/js-toolchain/package-lock.json | cut -d' ' -f1)
if [ ! -f "$toolchain/installed" ] || [ "$(cat "$toolchain/installed")" != "$lock_sum" ] \
    || [ ! -d "$toolchain/node_modules/@bytecodealliance/componentize-js" ]; then
    echo "installing componentize-js into $toolchain"
    cp scripts/js-toolchain/package.json scripts/js-toolchain/package-lock.json "$toolchain/"
    (cd "$toolchain" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$toolchain/installed"
fi
toolchain_abs=$(cd "$toolchain" && pwd)

built=()
for folder in "${folders[@]}"; do
    name=$(basename "$folder")
    if [ "${folder%%/*}" = plugins ]; then
        cmp -s sdk/js/pmsync_sdk.js "$folder/pmsync_sdk.js" || cp sdk/js/pmsync_sdk.js "$folder/pmsync_sdk.js"
        mkdir -p "$folder/wit"
        cmp -s wit/pmsync.wit "$folder/wit/pmsync.wit" || cp wit/pmsync.wit "$folder/wit/pmsync.wit"
    fi
    component=$(sed -n 's/^component *= *"\(.*\)"/\1/p' "$folder/plugin.toml" | head -n 1)
    sum=$( (echo "$lock_sum"; cd "$folder" && find . -path ./node_modules -prune -o -type f \
        \( -name '*.js' -o -name '*.mjs' -o -name '*.wit' -o -name plugin.toml -o -name package.json -o -name build.sh \) \
        -not -path './tests/*' -print | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -d' ' -f1)
    stamp="$stamps/${folder//\//_}"
    if [ -f "$folder/$component" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
        continue
    fi
    PMSYNC_COMPONENTIZE_JS_DIR="$toolchain_abs" sh "$folder/build.sh"
    echo "$sum" > "$stamp"
    built+=("$name")
done
if [ ${#built[@]} -gt 0 ]; then
    echo "built ${#built[@]} JavaScript plugins: ${built[*]}"
else
    echo "JavaScript plugins up to date: ${#folders[@]}"
fi
