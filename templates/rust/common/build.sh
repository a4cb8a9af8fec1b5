#!/bin/sh
# Builds this plugin's component and puts it beside plugin.toml. One command: `sh build.sh`.
# Needs Rust (rustup); installs the wasm32-wasip2 target when it is missing.
set -eu
cd "$(dirname "$0")"
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi
cargo build --release --target wasm32-wasip2
target_dir=${CARGO_TARGET_DIR:-target}
cp "$target_dir/wasm32-wasip2/release/{{name_snake}}.wasm" {{name_snake}}.wasm
echo "built {{name_snake}}.wasm: load it with  pmsync-host plugins inspect {{name}} --plugins ."
