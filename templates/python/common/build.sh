#!/bin/sh
# Builds this plugin's WebAssembly component: `sh build.sh`, run in the plugin's folder.
#
# The component is written beside plugin.toml under the file name its `component` key
# gives, for the world its `kind` names (transformer-plugin, resolver-plugin or
# connector-plugin in wit/pmsync.wit). The toolchain is componentize-py at the version
# pinned below, installed on first use into .venv/ here (with pytest, for the tests);
# PMSYNC_COMPONENTIZE_PY=/path/to/componentize-py uses one already installed instead.
set -eu
cd "$(dirname "$0")"

COMPONENTIZE_PY_VERSION=0.25.1
PYTEST_VERSION=9.2.0

manifest_value() {
    sed -n "s/^$1 *= *\"\(.*\)\"/\1/p" plugin.toml | head -n 1
}
component=$(manifest_value component)
kind=$(manifest_value kind)
[ -n "$component" ] || { echo "build.sh: plugin.toml has no \`component = \"NAME.wasm\"\`" >&2; exit 2; }
case "$kind" in
    transformer | resolver | connector) ;;
    *) echo "build.sh: plugin.toml's kind is \"$kind\"; expected transformer, resolver or connector" >&2; exit 2 ;;
esac
[ -f app.py ] || { echo "build.sh: no app.py here (the module componentize-py wraps)" >&2; exit 2; }
[ -f pmsync_sdk.py ] || { echo "build.sh: no pmsync_sdk.py here (copy it from the pmsync repository's sdk/python/)" >&2; exit 2; }

tool=${PMSYNC_COMPONENTIZE_PY:-}
if [ -z "$tool" ]; then
    tool=.venv/bin/componentize-py
    if ! "$tool" --version 2>/dev/null | grep -qx "componentize-py $COMPONENTIZE_PY_VERSION"; then
        echo "installing componentize-py $COMPONENTIZE_PY_VERSION and pytest $PYTEST_VERSION into .venv/"
        python3 -m venv .venv
        .venv/bin/pip install --quiet --disable-pip-version-check \
            "componentize-py==$COMPONENTIZE_PY_VERSION" "pytest==$PYTEST_VERSION"
    fi
fi

"$tool" --quiet -d wit -w "$kind-plugin" componentize app -o "$component.tmp"
mv "$component.tmp" "$component"
echo "built $component ($(wc -c < "$component") bytes)"
