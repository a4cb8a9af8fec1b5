#!/usr/bin/env bash
# Builds every Rust plugin (a folder with plugin.toml and Cargo.toml under plugins/ or
# tests/plugins/) for wasm32-wasip2 and puts its component beside its manifest, under the
# file name the manifest's `component` key gives.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
    rustup target add wasm32-wasip2
fi

target_dir=${CARGO_TARGET_DIR:-target}
packages=()
folders=()
for manifest in plugins/*/plugin.toml tests/plugins/*/plugin.toml; do
    [ -f "$manifest" ] || continue
    folder=$(dirname "$manifest")
    [ -f "$folder/Cargo.toml" ] || continue
    package=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$folder/Cargo.toml" | head -n 1)
    packages+=("$package")
    folders+=("$folder")
done
[ ${#packages[@]} -gt 0 ] || { echo "no plugins to build"; exit 0; }

args=()
for package in "${packages[@]}"; do args+=(-p "$package"); done
cargo build --quiet --release --target wasm32-wasip2 "${args[@]}"

for i in "${!packages[@]}"; do
    folder=${folders[$i]}
    component=$(sed -n 's/^component *= *"\(.*\)"/\1/p' "$folder/plugin.toml" | head -n 1)
    built="$target_dir/wasm32-wasip2/release/${packages[$i]//-/_}.wasm"
    cp "$built" "$folder/$component"
done
echo "built ${#packages[@]} plugins: ${packages[*]}"
bash scripts/build-python-plugins.sh
bash scripts/build-js-plugins.sh
