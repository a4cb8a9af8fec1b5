# The two commands a new user needs:
#   make run    sync the built-in sandbox platforms through the WASM connectors
#   make test   build the plugins and run every test
.PHONY: run test plugins test-tools bench lint

plugins:
	bash scripts/build-plugins.sh

# `run` builds exactly what `test` builds (the workspace with its tests: one feature set), so
# `make run` after `make test` (or the other way round) starts at once instead of recompiling
# the dependencies for a different feature set. Cargo shows its progress while it builds.
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)

run: plugins
	cargo test --workspace --no-run
	$(TARGET_DIR)/debug/pmsync-host run --plugins ./plugins

# Debian packages the tests drive for real (shells for the completion tests, a pty, the OCI
# registry of the bundle tests, headless Chromium for the status page), installed when missing.
test-tools:
	bash scripts/ensure-test-tools.sh
	bash scripts/ensure-chromium.sh

test: plugins test-tools
	cargo test --workspace

bench: plugins
	cargo bench -p pmsync-host

# Formatting and clippy (warnings are errors) over every crate, tests and benches included.
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
