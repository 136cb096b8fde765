# deltajson — every command the README names. `make help` lists them.
.DEFAULT_GOAL := help
# bash: the fuzz recipe reads PIPESTATUS.
SHELL := /bin/bash
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# Hypothesis budget for the property tests: dev (default), ci, thorough.
HYPOTHESIS_PROFILE ?= ci
# Seconds each fuzz target runs in `make fuzz` (`make test` runs a short round).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := chunking serde_agreement lenient
# cargo-fuzz needs nightly features: the nightly toolchain if installed, else stable with
# RUSTC_BOOTSTRAP.
FUZZ_CARGO := $(shell rustup run nightly cargo --version >/dev/null 2>&1 && echo "cargo +nightly" || echo "RUSTC_BOOTSTRAP=1 cargo")

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
test: install-test lint  ## Install what tests need, lint, run cargo test and pytest, then fuzz briefly
	cargo test --quiet
	HYPOTHESIS_PROFILE=$(HYPOTHESIS_PROFILE) DELTAJSON_REQUIRE_BROWSER=1 $(PYTHON) -m pytest -q
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
	$(PYTHON) benches/leakcheck.py --lifecycles 100000 --feeds 1000000 --check

.PHONY: fuzz
fuzz:  ## Run each cargo-fuzz target for FUZZ_SECONDS (default 60) from the seeds in fuzz/seeds
	command -v cargo-fuzz >/dev/null 2>&1 || cargo install --quiet --locked cargo-fuzz
	cd fuzz && for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t && \
		$(FUZZ_CARGO) fuzz run -O $$t corpus/$$t seeds/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -max_len=4096 -print_final_stats=1 2>&1 \
			| grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss|INFO: Running with|==|SUMMARY|thread)' ; \
		test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	done

.PHONY: lint
lint:  ## rustfmt, clippy, ruff, mypy --strict
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --features python -- -D warnings
	$(PYTHON) -m ruff check python tests benches
	$(PYTHON) -m ruff format --check python tests benches
	$(PYTHON) -m mypy
	$(PYTHON) -m mypy.stubtest deltajson._deltajson

.PHONY: leakcheck
leakcheck:  ## RSS over 10^6 parser lifecycles and 10^7 feeds must stay flat (prints the curve)
	$(PYTHON) benches/leakcheck.py --check

.PHONY: memcheck
memcheck:  ## valgrind memcheck of scripts/memcheck.py: no definite leak, no error in deltajson's frames
	command -v valgrind >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq valgrind)
	PYTHONMALLOC=malloc valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
		--errors-for-leak-kinds=definite --num-callers=30 --log-file=target/memcheck.log \
		$$($(PYTHON) -c 'import sys; print(sys.executable)') scripts/memcheck.py
	@grep -q "definitely lost: 0 bytes" target/memcheck.log || { grep "definitely lost" target/memcheck.log; exit 1; }
	@! grep -q "deltajson" target/memcheck.log || { echo "memcheck: errors in deltajson's frames, see target/memcheck.log"; exit 1; }
	@echo "memcheck: no definite leak, no error in deltajson's frames (target/memcheck.log)"

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
