# The two commands a new user needs:
#   make run    sync the built-in sandbox platforms through the WASM connectors
#   make test   build the plugins and run every test
.PHONY: run test plugins bench lint

plugins:
	bash scripts/build-plugins.sh

run: plugins
	cargo run --quiet -p pmsync-host -- run --plugins ./plugins

test: plugins
	cargo test --workspace

bench: plugins
	cargo bench -p pmsync-host

# Formatting and clippy (warnings are errors) over every crate, tests and benches included.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
