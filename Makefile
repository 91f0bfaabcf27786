# The outreach warehouse: one entry point for people, CI and schedulers.
#   make demo   set up, load demo data into DuckDB, run the main job (dbt build)
#   make test   set up, then lint, build on DuckDB and on a throwaway Postgres, and run pytest

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_MESSAGES ?= 200000
DEMO_SEED ?= 42

export DBT_PROFILES_DIR := $(CURDIR)
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DO_NOT_TRACK := 1
export DBT_DUCKDB_PATH ?= $(CURDIR)/outreach.duckdb
export PGTZ := UTC

.PHONY: help setup demo load-demo build lint metrics test test-duckdb test-postgres pytest docs job benchmark clean

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

$(BIN)/dbt: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/dbt

setup: $(BIN)/dbt

load-demo: setup
	$(BIN)/python -m outreach_warehouse load --target duckdb --messages $(DEMO_MESSAGES) --seed $(DEMO_SEED)

build: setup
	$(BIN)/dbt build

demo: load-demo build

# sqlfluff, then dbt-score's floor (pyproject.toml [tool.dbt-score]: every item >= 9.0, the project >= 9.5)
lint: setup
	$(BIN)/sqlfluff lint models tests/singular
	$(BIN)/dbt-score lint --run-dbt-parse

# dbt build on DuckDB from demo data in a file of its own
test-duckdb: setup
	DBT_DUCKDB_PATH=$(CURDIR)/target/ci-duckdb.duckdb $(BIN)/python -m outreach_warehouse load --target duckdb --messages 50000 --seed 7
	DBT_DUCKDB_PATH=$(CURDIR)/target/ci-duckdb.duckdb $(BIN)/dbt build

# MetricFlow (make test runs it): the semantic manifest, then its semantic models, dimensions, entities,
# measures and metrics queried against the DuckDB warehouse test-duckdb built. mf reads
# target/semantic_manifest.json, whose relations name the DuckDB file of the parse: parsed against it first.
metrics: test-duckdb
	DBT_DUCKDB_PATH=$(CURDIR)/target/ci-duckdb.duckdb $(BIN)/dbt parse --quiet
	DBT_DUCKDB_PATH=$(CURDIR)/target/ci-duckdb.duckdb $(BIN)/mf validate-configs

# dbt build on a Postgres server started for the run (scripts/pg.sh) and stopped afterwards
test-postgres: setup
	eval "$$(scripts/pg.sh start)"; trap 'scripts/pg.sh stop' EXIT; \
	$(BIN)/python -m outreach_warehouse load --target postgres --messages 50000 --seed 7; \
	DBT_TARGET=postgres $(BIN)/dbt build

pytest: setup
	eval "$$(scripts/pg.sh start)"; trap 'scripts/pg.sh stop' EXIT; \
	$(BIN)/python -m pytest

test: lint test-duckdb metrics test-postgres pytest

docs: setup
	$(BIN)/dbt docs generate

clean:
	rm -rf target logs outreach.duckdb outreach.duckdb.wal
