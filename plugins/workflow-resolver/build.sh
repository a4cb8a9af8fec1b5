#!/bin/sh
# Builds this plugin's component (the file plugin.toml's `component` key names), from
# this folder: `sh build.sh`. Needs node (20 or later) and npm.
#
# The toolchain (componentize-js, the exact version package.json pins) is installed into
# ./node_modules when missing. Set PMSYNC_COMPONENTIZE_JS_DIR to a folder whose
# node_modules already holds it to use that one instead.
set -eu
cd "$(dirname "$0")"

command -v node >/dev/null 2>&1 || { echo "build.sh: node is not installed (node 20 or later is needed)" >&2; exit 2; }

if [ -n "${PMSYNC_COMPONENTIZE_JS_DIR:-}" ]; then
    if [ ! -d "$PMSYNC_COMPONENTIZE_JS_DIR/node_modules/@bytecodealliance/componentize-js" ]; then
        echo "build.sh: PMSYNC_COMPONENTIZE_JS_DIR=$PMSYNC_COMPONENTIZE_JS_DIR has no node_modules/@bytecodealliance/componentize-js" >&2
        exit 2
    fi
elif [ ! -d node_modules/@bytecodealliance/componentize-js ]; then
    command -v npm >/dev/null 2>&1 || { echo "build.sh: npm is not installed" >&2; exit 2; }
    if [ -f package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    else
        npm install --no-audit --no-fund --loglevel=error
    fi
fi

exec node build.mjs
