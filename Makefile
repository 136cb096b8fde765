# deltajson — every command the README names. `make help` lists them.
.DEFAULT_GOAL := help
# bash: the fuzz recipe reads PIPESTATUS.
SHELL := /bin/bash
PYTHON ?= python3
PIP := $(PYTHON) -m pip
# The development toolchain is pinned: uv (requirements/uv.txt, installed with pip) installs the
# test lock (requirements/test.txt: the `test` extra's ranges resolved for CPython 3.10+) and the
# tools lock (requirements/tools.txt: maturin, twine, ziglang, auditwheel) that `make lock`
# writes.
UV := $(PYTHON) -m uv
# The interpreter behind $(PYTHON), for uv's --python (evaluated when a recipe uses it).
PYTHON_EXE = $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
LOCK := requirements/test.txt
TOOLS_LOCK := requirements/tools.txt
LOCK_PYTHON := 3.10
# The free-threaded CPython 3.13 (3.13t): built once by scripts/build-python-ft from Debian's
# source package into a cache outside the repository, reused afterwards. Its test dependencies
# are their own lock (requirements/test-ft.txt: the test extra resolved for it, without what
# requirements/test-ft-excludes.txt names).
FT_PYTHON_DIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/deltajson/cpython-3.13t
FT_PYTHON := $(FT_PYTHON_DIR)/bin/python3.13t
FT_LOCK := requirements/test-ft.txt
FT_EXCLUDES := requirements/test-ft-excludes.txt
# The release tools live in their own venv, so their dependencies never move the test lock's.
TOOLS_VENV := target/venvs/tools
TOOLS := $(TOOLS_VENV)/bin
# `make test-matrix`: a fresh venv per CPython, each with its own wheel (from MATRIX_WHEELS, or
# built there). The main leg is the suite's main pytest run (HYPOTHESIS_PROFILE, the browser
# test required); the others run MATRIX_PROFILE's smaller budget; the free-threaded leg then
# runs every test again in STRESS_THREADS threads at once.
MATRIX_PYTHONS ?= 3.10 3.11 3.12 3.13 3.13t
MATRIX_MAIN ?= 3.11
MATRIX_PROFILE ?= matrix
MATRIX_WHEELS ?= target/matrix
STRESS_THREADS ?= 4
# The free-threaded interpreter, when a leg needs it.
NEEDS_FT := $(if $(filter %t,$(MATRIX_PYTHONS)),python-ft)
# Hypothesis budget for the property tests: dev (default), ci, thorough (and matrix, stress:
# the matrix's other legs, the threaded stress run).
HYPOTHESIS_PROFILE ?= ci
# Seconds each fuzz target runs in `make fuzz` (`make test` runs a short round).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := chunking serde_agreement lenient repair
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

.PHONY: bootstrap
bootstrap:  ## Install the pinned uv (requirements/uv.txt) that the other targets install with
	$(PIP) install --quiet --disable-pip-version-check -r requirements/uv.txt

.PHONY: lock
lock: bootstrap python-ft  ## Re-resolve the locks from the ranges (pyproject's test extra, requirements/tools.in, requirements/peer-tests.in, test-ft.in; Cargo.ft.lock)
	$(UV) pip compile --quiet --upgrade --universal --python-version $(LOCK_PYTHON) \
		--custom-compile-command "make lock" --extra test pyproject.toml -o $(LOCK)
	$(UV) pip compile --quiet --upgrade --universal --python-version $(LOCK_PYTHON) \
		--custom-compile-command "make lock" requirements/tools.in -o $(TOOLS_LOCK)
	$(UV) pip compile --quiet --upgrade --universal --python-version $(LOCK_PYTHON) \
		--custom-compile-command "make lock" -c $(LOCK) requirements/peer-tests.in -o $(PEER_LOCK)
	$(UV) pip compile --quiet --upgrade --universal --python-version $(LOCK_PYTHON) \
		--custom-compile-command "make lock" requirements/docs.in -o $(DOCS_LOCK)
	@# For the free-threaded interpreter itself: uv keeps to the wheels it can install.
	$(UV) pip compile --quiet --upgrade --python $(FT_PYTHON) --emit-build-options \
		--custom-compile-command "make lock" --excludes $(FT_EXCLUDES) \
		--extra test pyproject.toml requirements/test-ft.in -o $(FT_LOCK)
	$(PYTHON) scripts/wheels.py ft-lock

.PHONY: python-ft
python-ft:  ## Build the free-threaded CPython 3.13 once (scripts/build-python-ft), into FT_PYTHON_DIR; reused after
	scripts/build-python-ft $(FT_PYTHON_DIR)

.PHONY: install-test
install-test: bootstrap  ## Install the locked test tools, the package (editable, release build) and Chromium
	$(UV) pip install --quiet --python $(PYTHON_EXE) -r $(LOCK)
	$(UV) pip install --quiet --python $(PYTHON_EXE) --build-constraints $(TOOLS_LOCK) \
		--no-deps --reinstall-package deltajson -e .
	scripts/install-browser
	scripts/install-js-test-deps
	scripts/install-redis

.PHONY: tools
tools: bootstrap  ## The locked maturin, twine, ziglang and auditwheel in their own venv (target/venvs/tools)
	test -x $(TOOLS)/python || $(UV) venv --quiet --python $(PYTHON_EXE) $(TOOLS_VENV)
	$(UV) pip sync --quiet --python $(TOOLS)/python $(TOOLS_LOCK)

.PHONY: test
test: install-test lint docs  ## Install what tests need; lint, the docs site, cargo test, dist, the CPython matrix on dist's wheels, peer tests, fuzz briefly, leakcheck
	cargo test --quiet
	$(MAKE) --no-print-directory dist
	$(MAKE) --no-print-directory test-matrix MATRIX_WHEELS=dist
	$(MAKE) --no-print-directory peer-tests
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=20
	$(PYTHON) benches/leakcheck.py --lifecycles 100000 --feeds 1000000 --check

.PHONY: test-matrix
test-matrix: tools $(NEEDS_FT)  ## Each CPython's wheel (MATRIX_WHEELS, or built); pytest on it in a fresh venv per CPython 3.10-3.13 and 3.13t (MATRIX_PYTHONS), a threaded stress run on 3.13t
	scripts/install-browser
	scripts/install-js-test-deps
	scripts/install-redis
	$(if $(filter target/matrix,$(MATRIX_WHEELS)),rm -rf target/matrix)
	@# scripts/test_matrix.py takes or builds each version's wheel (the wheels are per interpreter).
	$(PYTHON) scripts/test_matrix.py --wheel-dir $(MATRIX_WHEELS) --lock $(LOCK) --maturin $(TOOLS)/maturin \
		--interpreter 3.13t=$(FT_PYTHON) --ft-lock $(FT_LOCK) --ft-excludes $(FT_EXCLUDES) \
		--stress-threads $(STRESS_THREADS) --main $(MATRIX_MAIN) --main-profile $(HYPOTHESIS_PROFILE) \
		--profile $(MATRIX_PROFILE) $(MATRIX_PYTHONS)

# `make peer-tests`: the peers' own tests from their sdists (target/peers/), in a venv of their
# own (the test lock, requirements/peer-tests.txt and the wheel), without and with deltajson.
PEER_LOCK := requirements/peer-tests.txt
PEERS_VENV := target/venvs/peers

.PHONY: peer-tests
peer-tests: tools  ## The peers' own tests (jiter, langchain-core, instructor, openai, anthropic) without and with deltajson
	rm -rf target/peers/wheel
	@# For the venv's interpreter (the wheels are per interpreter unless built with abi3).
	$(TOOLS)/maturin build --quiet --release --interpreter $(PYTHON_EXE) --out target/peers/wheel
	$(PYTHON) scripts/peer_tests.py --wheel-dir target/peers/wheel --lock $(LOCK) \
		--peer-lock $(PEER_LOCK) --venv $(PEERS_VENV) --python $(PYTHON_EXE)

.PHONY: dist
dist: tools $(NEEDS_FT)  ## The sdist and a manylinux_2_17 wheel per CPython of the matrix into dist/; auditwheel, twine and metadata checks; each wheel's README example in a fresh venv; the sdist built from source
	rm -rf dist
	$(TOOLS)/maturin sdist --out dist
	@# Each wheel with zig (manylinux2014), checked with auditwheel show, installed into a fresh
	@# venv of its interpreter that runs the README's first example.
	$(PYTHON) scripts/dist_wheels.py --out dist --interpreter 3.13t=$(FT_PYTHON) $(MATRIX_PYTHONS)
	$(TOOLS)/twine check --strict dist/*
	$(TOOLS)/python scripts/check_dist.py dist/deltajson-*.tar.gz dist/deltajson-*.whl
	$(UV) venv --quiet --clear --python $(PYTHON_EXE) target/venvs/sdist
	@# From source: the unpacked sdist's crate compiles in a target dir of its own (kept, so the
	@# dependency crates stay compiled). --no-cache: never a wheel uv built from an sdist at this
	@# path before (uv judges a local file fresh by its time, and would then compile nothing).
	CARGO_TARGET_DIR=$(CURDIR)/target/sdist-build $(UV) pip install --python target/venvs/sdist/bin/python \
		--build-constraints $(TOOLS_LOCK) --no-cache dist/deltajson-*.tar.gz
	cd target && venvs/sdist/bin/python $(CURDIR)/scripts/readme_example.py $(CURDIR)/README.md

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

# `make docs`: the documentation site, from docs/ and mkdocs.yml, in a venv of its own
# (requirements/docs.txt), into target/site; --strict fails on any broken link or reference.
DOCS_LOCK := requirements/docs.txt
DOCS_VENV := target/venvs/docs

.PHONY: docs
docs: bootstrap  ## Build the documentation site with --strict (target/site); its examples run in pytest (tests/test_docs.py)
	test -x $(DOCS_VENV)/bin/python || $(UV) venv --quiet --python $(PYTHON_EXE) $(DOCS_VENV)
	$(UV) pip sync --quiet --python $(DOCS_VENV)/bin/python $(DOCS_LOCK)
	NO_MKDOCS_2_WARNING=1 $(DOCS_VENV)/bin/python -m mkdocs build --strict --quiet --site-dir target/site

.PHONY: lint
lint:  ## rustfmt, clippy, ruff, mypy --strict
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --features python -- -D warnings
	$(PYTHON) -m ruff check python tests benches scripts
	$(PYTHON) -m ruff format --check python tests benches scripts
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
bench-sse: install  ## Server CPU per document against the naive and raw relays (benches/serve.py); latency and faults under load; resumable streams' stores
	$(PIP) install --quiet '.[serve,redis]' jiter
	scripts/install-redis
	$(PYTHON) benches/serve.py
	$(PYTHON) benches/sse_load.py
	$(PYTHON) benches/sse_faults.py
	$(PYTHON) benches/resume.py

.PHONY: clean
clean:  ## Remove build products
	cargo clean
	rm -rf target dist benches/results .pytest_cache .hypothesis .mypy_cache .ruff_cache
