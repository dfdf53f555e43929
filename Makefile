# Every target sets itself up: a fresh clone needs only Python 3.11 (and, for the
# Node-based checks, Node.js with npm; without them those checks skip and say so).
# python3.11 where it is on PATH, else python3 (checked to be 3.11+ before the venv is made).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST := $(BIN)/python -m pytest

.PHONY: help contracts test lint unit sdk audit audit-pytest emulator benchmarks kill-matrix lower-bounds node-tools clean

help:
	@echo "make contracts   - the main job: contract suite against the embedded emulator (reports/)"
	@echo "make test        - every test: lint, unit tests, contracts, SDK checks, audits"
	@echo "make emulator    - serve the emulator on http://127.0.0.1:8765"
	@echo "make audit       - run the compliance audit (reports/audit.*)"
	@echo "make sdk         - drive the official SDKs against the emulator (reports/sdk.html)"
	@echo "make benchmarks  - performance figures (long)"
	@echo "make kill-matrix - the suite against every catalogued defect and benign variant (long)"
	@echo "make lower-bounds - every test on the oldest versions pyproject.toml allows (.venv-lower)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "need Python 3.11 or newer: put python3.11 on PATH or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Node tools are optional: a machine without npm gets a marker saying so, and the
# tests that need them skip with that reason.
$(NODE_STAMP): package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else \
		echo "npm not found: Node-based checks (spec lint, Node SDK) will be skipped"; \
	fi

node-tools: $(NODE_STAMP)

contracts: $(STAMP)
	$(PYTEST) contracts --profile=ci

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy openapi emulator contracts audits sdkcheck benchmarks tests conftest.py

unit: $(STAMP) node-tools
	$(PYTEST) tests -n 2

sdk: $(STAMP) node-tools
	$(PYTEST) sdkcheck

audit: $(STAMP)
	$(BIN)/python -m audits --out reports

audit-pytest: $(STAMP)
	$(PYTEST) audits

# `pytest audits` itself exits 1 on the demo inventory, whose findings are critical by
# design; tests/audits runs it and asserts on its verdicts instead.
test: lint unit contracts sdk

emulator: $(STAMP)
	$(BIN)/python -m emulator --port 8765

benchmarks: $(STAMP) node-tools
	$(BIN)/python -m benchmarks

# The matrix, then stock schemathesis (the shipped config, every phase) against every variant;
# make test runs the same sweep with a quicker phase set.
kill-matrix: $(STAMP)
	$(BIN)/python -m contracts.killmatrix
	STOCK_SWEEP=full $(PYTEST) tests/spec/test_spec_stock_tools.py

# pyproject.toml's lower bounds are versions CI has run: uv resolves every direct dependency
# to the oldest release its range allows (--resolution lowest-direct) in a venv of its own
# (seeded with pip: the wheel test builds with it),
# and lint, the tests, the contract suite and the SDK checks run there.
LOWER := .venv-lower
lower-bounds: $(STAMP) node-tools
	$(BIN)/python -m pip install --quiet 'uv>=0.5,<1'
	rm -rf $(LOWER)
	$(BIN)/uv venv --quiet --seed --python $(PYTHON) $(LOWER)
	$(BIN)/uv pip install --quiet --python $(LOWER)/bin/python --resolution lowest-direct -e '.[dev]'
	$(BIN)/uv pip list --python $(LOWER)/bin/python
	$(LOWER)/bin/ruff check .
	# mypy's verdict depends on the libraries' own annotations, so its oldest release checks
	# the code against .venv's libraries (what `make lint` sees), not the oldest ones.
	$(LOWER)/bin/mypy --python-executable $(BIN)/python openapi emulator contracts audits sdkcheck benchmarks tests conftest.py
	$(LOWER)/bin/python -m pytest tests -n 2
	$(LOWER)/bin/python -m pytest contracts --profile=ci
	$(LOWER)/bin/python -m pytest sdkcheck

clean:
	rm -rf $(VENV) $(LOWER) node_modules .mypy_cache .ruff_cache .hypothesis .schemathesis
	find reports -mindepth 1 ! -name .gitkeep -delete
