# The two commands a newcomer needs are `make run` and `make test`; both create .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: run test lint typecheck package bench clean sdk sdk-check system-packages

$(STAMP): requirements.txt requirements-dev.txt constraints.txt client/pyproject.toml node_agent/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -r requirements-dev.txt
	@touch $(STAMP)

# Debian packages the sandbox hosts and the tests use (OpenSSH server and client), via apt-get when missing.
system-packages:
	@sh scripts/ensure-system-packages.sh

run: $(STAMP) system-packages
	$(BIN)/python -m localcloud run

# Linters, the type checker (mypy --strict, config in pyproject.toml), the stale-SDK check, then every suite.
test: $(STAMP) system-packages sdk-check
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest

typecheck: $(STAMP)
	$(BIN)/mypy

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The SDK's generated layer (client/gpuaas_client/_api) from doc/openapi.yaml; sdk-check fails when it is stale.
sdk: $(STAMP)
	$(BIN)/python client/scripts/generate_sdk.py

sdk-check: $(STAMP)
	$(BIN)/python client/scripts/generate_sdk.py --check

package: $(STAMP)
	$(BIN)/python infra/package.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build .pytest_cache .ruff_cache .benchmarks
