# Advisor Portal — the two front doors are `make up` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
NPM ?= /usr/bin/npm

.PHONY: up reset lag test install lint format bench bench-all faults soak asyncapi clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip uv
	$(BIN)/uv pip install --python $(BIN)/python -q -e '.[dev]'
	$(BIN)/python -m gateway.pages.vendor  # browser libraries from the npm registry (uPlot)
	touch $(STAMP)

install: $(STAMP)

## Install everything and start the whole system on the embedded defaults.
up: $(STAMP)
	$(BIN)/python -m deploy.stack

## Delete the book `make up` keeps in .data/ (refused while a stack runs on it): the next start is new.
reset: $(STAMP)
	$(BIN)/python -m deploy.data_dir reset

lag: $(STAMP)
	$(BIN)/python -m deploy.lag

## Install everything and run the whole test suite (unit, integration, end-to-end, browser).
test: $(STAMP) $(CHROMIUM) $(NPM)
	$(BIN)/python -m pytest

# The browser tests drive Debian's chromium (never a browser download).
$(CHROMIUM):
	test -x $(CHROMIUM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

# The accessibility checks fetch axe-core from the npm registry (never a CDN) with Debian's npm.
$(NPM):
	test -x $(NPM) || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench.pipeline

## Every benchmark and its lean reference, then one table of figures, targets and ratios (bench/README.md).
bench-all: $(STAMP)
	$(BIN)/python -m bench.all $(BENCH_ARGS)

## The fault campaign: SIGKILLs, a PostgreSQL and a broker restart, then every effect counted (bench/README.md).
faults: $(STAMP)
	$(BIN)/python -m bench.faults $(FAULTS_ARGS)

## Ten minutes of a mixed portal workload with the simulator running: errors and memory per process.
soak: $(STAMP)
	$(BIN)/python -m bench.soak $(SOAK_ARGS)

asyncapi: $(STAMP)
	$(BIN)/python -m contracts.asyncapi > docs/asyncapi.json

clean:
	rm -rf $(VENV) .data
