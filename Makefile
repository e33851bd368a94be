# The two commands that matter: `make run` and `make test`. See README.md.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

PYTEST_PLAIN := $(PY) -m pytest -p no:pytest_nameko
UNIT_TESTS   := contracts/tests chassis/tests/unit gateway/tests demo/tests $(wildcard services/*/tests/unit)
GREEN_TESTS  := chassis/tests/integration $(wildcard services/*/tests/integration)
E2E_TESTS    := tests

.PHONY: install infra migrate run demo test lint typecheck unit integration e2e bench clean proto

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON)"; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

infra:
	scripts/ensure-infra.sh

migrate: install
	$(PY) -m chassis.migrate

run: install infra migrate
	scripts/run.sh

# drives the first flow against a platform started by `make run` in another terminal
demo: install
	$(PY) -m demo.drive

# the gRPC stubs (and their type stubs) from contracts/proto/*.proto; a test fails if they drift
proto: install
	PATH="$(VENV)/bin:$$PATH" $(PY) -m grpc_tools.protoc -I . --python_out=. --grpc_python_out=. \
		--mypy_out=. --mypy_grpc_out=. contracts/proto/*.proto

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy contracts chassis services gateway tests demo bench

unit: install
	$(PYTEST_PLAIN) -q $(UNIT_TESTS)

# nameko integration tests: eventlet monkey-patched before anything else is imported
integration: install
	$(PY) -m chassis.testing.green_pytest -q $(GREEN_TESTS)

# asyncio and end-to-end tests: no monkey-patching; services run as subprocesses
e2e: install
	$(PYTEST_PLAIN) -q $(E2E_TESTS)

test: lint typecheck unit integration e2e

# benchmarks never run inside `make test`; each prints its figure beside its floor
bench: install
	$(PY) -m bench.gateway_roundtrip
	$(PY) -m bench.sighting_ingestion
	$(PY) -m bench.data_cube
	$(PY) -m bench.lookback

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
