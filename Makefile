# The outreach warehouse: one entry point for people, CI and schedulers.
#   make demo           the core set-up, a fresh demo warehouse in DuckDB, the main build (dbt build)
#   make test           the whole set-up, then lint, build on DuckDB and on a throwaway Postgres, and pytest (Spark in it)
#   make setup-core     .venv with the core layer only (requirements.lock): DuckDB, the job and its report, mf
#   make setup-lint     the core plus the lint layer (requirements-lint.lock): sqlfluff, dbt-score
#   make setup-postgres the core plus the Postgres target (dbt-postgres, psycopg2): what the daily job installs
#   make setup          every layer (+ requirements-test.lock: Postgres, Spark, pytest), Debian's Java 17 and chromium
#   make load-demo      generated raw extracts into a fresh demo DuckDB file ($DBT_DUCKDB_PATH)
#   make build          dbt build on the default target
#   make lint           sqlfluff on models, singular tests and analyses; dbt-score's floor
#   make metrics        MetricFlow's validate-configs against the DuckDB test warehouse
#   make test-duckdb    dbt build on 50k generated messages in a DuckDB file of its own
#   make test-postgres  dbt build on 50k generated messages in a throwaway Postgres
#   make test-spark     dbt build on 20k generated messages in a local Spark warehouse of its own (not in make
#                       test: pytest builds the acceptance sample on Spark with every test, and a Spark day)
#   make pytest         the Python suite on two workers, with a throwaway Postgres
#   make docs           the docs site: target/index.html and the self-contained target/static_index.html
#   make docs-serve     serve the generated docs site on http://localhost:8080
#   make clean          remove target, logs and the default DuckDB file
#   make help           this list

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

.PHONY: help setup setup-core setup-lint setup-postgres demo load-demo build lint metrics test test-duckdb test-postgres test-spark pytest docs job benchmark clean

help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

# The set-up in layers, each a lock file and a stamp in the venv: core (the DuckDB demo, the job, mf), lint, test
# (Postgres and Spark targets, pytest). A later layer is installed with the earlier locks as constraints, so it never
# moves their pins; pyproject.toml's extras name the same split.
$(VENV)/.core-installed: requirements.lock pyproject.toml
	[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.lint-installed: $(VENV)/.core-installed requirements-lint.lock
	$(BIN)/pip install --quiet -r requirements-lint.lock -c requirements.lock
	touch $@

$(VENV)/.test-installed: $(VENV)/.lint-installed requirements-test.lock
	$(BIN)/pip install --quiet -r requirements-test.lock -c requirements.lock -c requirements-lint.lock
	touch $@

# The daily job on the production Postgres (.github/workflows/daily.yml): the core and the Postgres adapter, pinned as
# the test layer pins them; no lint, Spark, pytest, browser or Java.
POSTGRES_PINS := ^(dbt-postgres|psycopg2-binary)==
$(VENV)/.postgres-installed: $(VENV)/.core-installed requirements-test.lock
	grep -E '$(POSTGRES_PINS)' requirements-test.lock | $(BIN)/pip install --quiet -r /dev/stdin -c requirements.lock
	touch $@

setup-core: $(VENV)/.core-installed
setup-lint: $(VENV)/.lint-installed
setup-postgres: $(VENV)/.postgres-installed
setup: $(VENV)/.test-installed browser java

.PHONY: browser java docs-serve

# Java 17 for the spark target (pyspark runs Spark in a JVM it starts): Debian's headless JRE, installed when no
# java is on PATH (as root, as CI runs); anyone else is told how. pyspark finds it on PATH, or by JAVA_HOME.
java:
	@command -v java >/dev/null || [ -n "$${JAVA_HOME:-}" ] || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; \
		else echo "java is missing: sudo apt-get install openjdk-17-jre-headless (for the spark target)"; fi; }

# Debian's chromium, for tests/python/test_docs_site.py: installed when missing (as root, as CI runs);
# anyone else is told how, and only that test needs it.
browser:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else echo "chromium is missing: sudo apt-get install chromium (for tests/python/test_docs_site.py)"; fi; }

# Demo extracts dated up to the present hour, so that the scheduled job runs on them as on real ones. Each demo
# starts a new warehouse file (--fresh removes the previous demo's, never a file the loader did not write), so a
# smaller demo after a bigger one does not stop at the raw volume check.
DEMO_AS_OF ?= $(shell date -u +%Y-%m-%dT%H:00:00+00:00)
load-demo: setup-core
	$(BIN)/python -m outreach_warehouse load --target duckdb --fresh --messages $(DEMO_MESSAGES) --seed $(DEMO_SEED) \
		--as-of $(DEMO_AS_OF)

build: setup-core
	$(BIN)/dbt build

demo: load-demo build

# sqlfluff, then dbt-score's floor (pyproject.toml [tool.dbt-score]: every item >= 9.0, the project >= 9.5). sqlfluff
# compiles on profiles.yml's lint target (an empty in-memory DuckDB), so any warehouse, or none, lints the same.
lint: setup-lint
	$(BIN)/sqlfluff lint models tests/singular analyses
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

# dbt build (seeds, models, data and unit tests) on Spark in local mode, in a warehouse directory of its own.
# Not part of make test: pytest's acceptance sample on Spark is the same dbt build (with every test), and
# test_spark.py builds a base and a day, so CI does not pay a third round of JVM starts.
SPARK_CI_ENV := DBT_TARGET=spark DBT_SPARK_WAREHOUSE_DIR=$(CURDIR)/target/ci-spark
test-spark: setup
	rm -rf $(CURDIR)/target/ci-spark
	$(SPARK_CI_ENV) $(BIN)/python -m outreach_warehouse load --target spark --messages 20000 --seed 7
	$(SPARK_CI_ENV) $(BIN)/dbt build

# on PYTEST_WORKERS pytest-xdist workers: a module's shared build stays on one worker, the longest start first
# (tests/python/conftest.py); PYTEST_WORKERS=0 runs it in one process
PYTEST_WORKERS ?= 2
pytest: setup
	eval "$$(scripts/pg.sh start)"; trap 'scripts/pg.sh stop' EXIT; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test: lint test-duckdb metrics test-postgres pytest

# DOCS_FLAGS=--no-compile builds the site without a warehouse (no raw data, no compiled SQL shown).
DOCS_FLAGS ?=
docs: setup-core
	$(BIN)/dbt parse --quiet
	$(BIN)/dbt docs generate --static $(DOCS_FLAGS)

docs-serve: setup-core
	$(BIN)/dbt docs serve --port 8080 --no-browser

clean:
	rm -rf target logs outreach.duckdb outreach.duckdb.wal outreach.duckdb.job.lock
