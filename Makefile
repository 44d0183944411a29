# The map of everyday commands. `make run` and `make test` create the virtualenv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit integration e2e bench lock clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -c "import site, pathlib; pathlib.Path(site.getsitepackages()[0], 'dui-dev.pth').write_text(''.join(str(pathlib.Path(p).resolve()) + chr(10) for p in ('shared', 'services/admission', 'services/dossier', 'services/soins', 'services/agenda', 'services/habilitations', 'services/reporting', 'services/oidc', 'services/gateway', '.')))"
	touch $(STAMP)

## Run the whole platform: embedded NATS JetStream + PostgreSQL, every service, demo data.
run: $(STAMP)
	$(PY) -m dui_shared.runtime.platform

## Lint, type-check and run every test tier against real NATS and PostgreSQL.
test: $(STAMP) lint typecheck
	command -v chromium >/dev/null || apt-get install -y -q chromium || sudo apt-get install -y -q chromium
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check shared services tests bench
	$(VENV)/bin/ruff format --check shared services tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

e2e: $(STAMP)
	$(PY) -m pytest -q tests/e2e

## Side-by-side throughput and latency figures (not a test).
bench: $(STAMP)
	$(PY) -m bench.run

## The reporting read model over a generated log of 1M events: generation, rebuild, queries, increment (not a test).
.PHONY: bench-reporting
bench-reporting: $(STAMP)
	$(PY) -m bench.reporting $(ARGS)

## The AsyncAPI document of the public integration events (DUI_INT), from their contracts.
.PHONY: asyncapi
asyncapi: $(STAMP)
	$(PY) -m dui_reporting asyncapi --out docs/asyncapi.json

lock:
	$(PY) -m uv pip compile pyproject.toml --extra dev -o requirements.lock --python-version 3.11 --universal

clean:
	rm -rf $(VENV) data .mypy_cache .pytest_cache .ruff_cache
