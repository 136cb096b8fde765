# deltajson — every command the README names. `make help` lists them.
.DEFAULT_GOAL := help
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# Hypothesis budget for the property tests: dev (default), ci, thorough.
HYPOTHESIS_PROFILE ?= ci

.PHONY: help
help:  ## Show this help
	@grep -E '^[a-z][a-z-]*:.*##' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

.PHONY: install
install:  ## Build the extension (release) and install the package
	$(PIP) install --quiet .

.PHONY: demo
demo:  ## Install (with the CLI extras), then stream a recorded LLM reply into a live view
	$(PIP) install --quiet '.[cli]'
	deltajson demo

.PHONY: install-test
install-test:  ## Install the package (editable, release build) with the test tools and Chromium
	$(PIP) install --quiet -e '.[test]'
	scripts/install-browser

.PHONY: test
test: install-test lint  ## Install what tests need, lint, then run cargo test and pytest
	cargo test --quiet
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) DELTAJSON_REQUIRE_BROWSER=1 $(PYTHON) -m pytest -q

.PHONY: lint
lint:  ## rustfmt, clippy, ruff, mypy --strict
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --features python -- -D warnings
	$(PYTHON) -m ruff check python tests benches
	$(PYTHON) -m ruff format --check python tests benches
	$(PYTHON) -m mypy
	$(PYTHON) -m mypy.stubtest deltajson._deltajson

.PHONY: bench-peers
bench-peers:  ## Install the peer parsers the benchmark compares against
	$(PIP) install --quiet '.[bench]'
	$(PIP) install --quiet --upgrade --target benches/.peers/sjp-native streaming-json-parser streaming-json-parser-native
	$(PIP) install --quiet --upgrade --target benches/.peers/sjp-python streaming-json-parser

.PHONY: bench
bench: install bench-peers  ## Compare with peers on token-chunk streams; table, JSON and chart in benches/results/
	$(PYTHON) benches/compare.py --plot benches/results/compare.png

.PHONY: bench-sse
bench-sse: install  ## 200 concurrent SSE clients on loopback: server CPU, bytes and latency per stream
	$(PIP) install --quiet '.[serve]'
	$(PYTHON) benches/sse_load.py

.PHONY: clean
clean:  ## Remove build products
	cargo clean
	rm -rf target benches/results .pytest_cache .hypothesis .mypy_cache .ruff_cache
