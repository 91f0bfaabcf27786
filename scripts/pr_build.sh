#!/usr/bin/env bash
# Pull-request build (slim CI): `dbt build --select state:modified+ --defer --state <state dir>`, the models
# a change modifies and everything downstream of them, every other parent deferred to production's state
# (<state dir>/manifest.json, from the nightly job's artifacts). Usage: scripts/pr_build.sh prod-artifacts
#
# It never connects to production. generate_schema_name gives every target the same schemas (staging,
# intermediate, analytics_build; analytics, the published marts, only on a whole audited build), so a build on the
# production server would overwrite production's tables, and
# Postgres cannot read another database's relations, so a CI database there could not defer to them.
# Instead, on a throwaway Postgres (scripts/pg.sh) whose database takes production's name, the parents the
# change needs (dbt's @ operator) are first built from demo data under production's relation names (their
# code is unmodified, so it is production's SQL); the change is then built deferring to them. The manifest
# is compared on the postgres target, as production parsed it (a duckdb parse differs in grants and types).
set -euo pipefail

state_dir="${1:?usage: scripts/pr_build.sh <dir holding the production manifest.json>}"
cd "$(dirname "$0")/.."
bin=.venv/bin
state=(--state "$state_dir")

export DBT_TARGET=postgres
eval "$(scripts/pg.sh start)"
trap 'scripts/pg.sh stop' EXIT

# Production's database name (the relations deferred to carry it); created on the throwaway server if needed.
database="$(jq -r '[.nodes[] | select(.resource_type == "model") | .database][0]' "$state_dir/manifest.json")"
if [ "$database" != "$DBT_POSTGRES_DATABASE" ]; then
    "$bin/python" - "$database" <<'PY'
import os, sys
import psycopg2
connection = psycopg2.connect(host=os.environ["DBT_POSTGRES_HOST"], port=os.environ["DBT_POSTGRES_PORT"],
                              user=os.environ["DBT_POSTGRES_USER"], dbname=os.environ["DBT_POSTGRES_DATABASE"])
connection.autocommit = True
connection.cursor().execute(f'create database "{sys.argv[1]}"')
PY
    export DBT_POSTGRES_DATABASE="$database"
fi

selected="$("$bin/dbt" ls --quiet --resource-type model --select state:modified+ "${state[@]}" | wc -l)"
echo "pr_build: $selected modified or downstream models" >&2
if [ "$selected" = "0" ]; then
    exit 0
fi

"$bin/python" -m outreach_warehouse load --target postgres --messages 20000 --seed 7
# Production's state, as far as this change needs it: unmodified parents of the change and of its children.
"$bin/dbt" build --select @state:modified --exclude state:modified+ --exclude-resource-type test --exclude-resource-type unit_test "${state[@]}"
"$bin/dbt" build --select state:modified+ --defer "${state[@]}"
