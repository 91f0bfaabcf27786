"""The scheduled job: source freshness, the daily build, one `dbt retry` on failure, the docs site
published (`docs/static_index.html`, one self-contained page) once the warehouse is built, artifacts kept.

Exit codes a scheduler can act on:
    0  the published marts were replaced by a build that passed (possibly on the retry), whatever dbt's own exit
       code after the publication committed (a dbt that died after publishing still published)
    1  the build failed, and failed again on `dbt retry`: the published marts were kept as they were
    2  a source is staler than its error threshold: nothing was built (the extract job needs a look)
    3  dbt could not run at all (profile, connection or project error), or what happened to the published marts
       is unknown (no outcome in the publication log: look before trusting them)
    4  the raw extracts are broken (contract, values or volume, checked before anything builds): nothing built
    5  another job run holds the warehouse (at once, or after `wait_seconds`): this run did nothing

What happened to the published marts (published, kept, unknown) is read from the publication log,
`intermediate.warehouse_audits` (macros/publication.sql: an invocation's outcome is written in the transaction
that publishes), not from dbt's exit code alone; the summary line says it.

One run at a time per warehouse: the job holds a lock from its first step to its last (job_lock.py: an
advisory lock in the Postgres database, a file lock beside the DuckDB file), so two runs started together,
on one machine or two, never build at the same time.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import yaml

from outreach_warehouse.connections import PostgresSettings, duckdb_path
from outreach_warehouse.job_lock import LOCKED_TARGETS, WarehouseBusy, warehouse_lock

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_STALE_SOURCES = 2
EXIT_DBT_ERROR = 3
EXIT_RAW_EXTRACTS_BROKEN = 4
EXIT_WAREHOUSE_BUSY = 5
# What start_warehouse_run says when it stops a build on a broken extract (macros/warehouse_runs.sql).
RAW_EXTRACTS_BROKEN = "The raw extracts are broken; nothing was built"
ARTIFACTS = ("run_results.json", "manifest.json", "sources.json")
# The publication log (macros/publication.sql: warehouse_audits_relation, beside the run log in `intermediate`).
PUBLICATION_LOG = "intermediate.warehouse_audits"
PUBLISHED, KEPT, UNKNOWN = "published", "kept", "unknown"
# The targets whose publication log the job reads; on others (Spark: no transaction across the marts, and no
# connection outside dbt) the outcome follows dbt's exit code, as the summary says.
PUBLICATION_LOG_TARGETS = ("duckdb", "postgres")


@dataclass(frozen=True)
class JobStep:
    name: str
    returncode: int
    seconds: float


def _dbt(args: Sequence[str], project_dir: Path, target_path: Path, log: Path) -> int:
    command = [str(Path(sys.executable).with_name("dbt")), *args, "--target-path", str(target_path)]
    started = datetime.now(timezone.utc)
    with log.open("a") as handle:
        handle.write(f"\n$ {' '.join(command)}  # {started.isoformat()}\n")
        handle.flush()
        result = subprocess.run(command, cwd=project_dir, stdout=handle, stderr=subprocess.STDOUT, check=False)
    return result.returncode


def _pinned_as_of(project_dir: Path, target_path: Path, log: Path, extra_args: Sequence[str]) -> list[str] | None:
    """`extra_args` with the run's as-of fixed in its `--vars`: the one given, else the latest extract now."""
    args = list(extra_args)
    given: dict[str, Any] = {}
    if "--vars" in args:
        index = args.index("--vars")
        given = yaml.safe_load(args[index + 1]) or {}
        del args[index:index + 2]
    if not given.get("as_of"):
        command = [str(Path(sys.executable).with_name("dbt")), "--quiet", "run-operation", "print_as_of", *args,
                   "--target-path", str(target_path)]
        result = subprocess.run(command, cwd=project_dir, capture_output=True, text=True, check=False)
        with log.open("a") as handle:
            handle.write(f"\n$ {' '.join(command)}\n{result.stdout}{result.stderr}")
        printed = [line for line in result.stdout.splitlines() if line.startswith("as_of: ")]
        if result.returncode != 0 or not printed:
            return None
        given["as_of"] = printed[-1].removeprefix("as_of: ").strip()
    return [*args, "--vars", json.dumps(given)]


def _keep_artifacts(target_path: Path, destination: Path) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for name in ARTIFACTS:
        if (target_path / name).exists():
            shutil.copy2(target_path / name, destination / name)


def freshness_status(sources_json: Path) -> str:
    """The worst freshness status in sources.json: pass, warn, error or runtime error."""
    if not sources_json.exists():
        return "runtime error"
    results = json.loads(sources_json.read_text()).get("results", [])
    statuses = {result.get("status") for result in results}
    for status in ("runtime error", "error", "warn"):
        if status in statuses:
            return status
    return "pass"


def publication_outcome(kind: str, project_dir: Path, since: datetime,
                       environ: dict[str, str] | None = None) -> str:
    """What the dbt invocations started at or after `since` did to the published marts, from the publication log:
    `published` when one of them published, else `kept` (publication and its log row commit in one transaction,
    so an invocation without a published row, finished or killed, published nothing), `unknown` when the log
    cannot be read (or the target's publication is not one transaction: Spark)."""
    env = os.environ if environ is None else environ
    query = (f"select invocation_id, is_passed, published_at from {PUBLICATION_LOG} "
             "where run_started_at >= %s and command in ('build', 'run', 'retry')")
    try:
        if kind == "duckdb":
            import duckdb

            database = duckdb_path(env)
            path = database if database.is_absolute() else project_dir / database
            with duckdb.connect(str(path), read_only=True) as connection:
                rows = connection.execute(query.replace("%s", "?"), [since]).fetchall()
        elif kind == "postgres":
            connection = PostgresSettings.from_env(env).connect()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(query, (since,))
                    rows = cursor.fetchall()
            finally:
                connection.close()
        else:
            return UNKNOWN
    except Exception:  # no log, no answer: the marts' state is unknown
        return UNKNOWN
    return PUBLISHED if any(published_at is not None for _, _, published_at in rows) else KEPT


def _outcome(kind: str, project_dir: Path, since: datetime, dbt_exit: int) -> str:
    """The publication outcome from the log; on a target without one the job can read, from dbt's exit code."""
    if kind not in PUBLICATION_LOG_TARGETS:
        return PUBLISHED if dbt_exit == 0 else KEPT
    return publication_outcome(kind, project_dir, since)


def target_kind(extra_args: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """The dbt target the job runs on: its `--target`, else DBT_TARGET, else the profile's default (duckdb)."""
    args = list(extra_args)
    if "--target" in args and args.index("--target") + 1 < len(args):
        return args[args.index("--target") + 1]
    return (os.environ if environ is None else environ).get("DBT_TARGET", "duckdb")


def run_job(project_dir: Path, artifacts_root: Path, selector: str = "daily", extra_args: Sequence[str] = (),
            wait_seconds: float = 0.0, keep_artifacts_days: float | None = 14.0) -> int:
    """Run the daily job once, holding the warehouse's job lock throughout; returns the exit code (see module
    docstring). When another run holds the lock, wait up to `wait_seconds` for it, then exit 5. Under the lock, the
    artifacts of runs started more than `keep_artifacts_days` ago are removed (None keeps everything)."""
    run_dir = _new_run_dir(artifacts_root)
    log = run_dir / "job.log"
    kind = target_kind(extra_args)

    def waiting(holder: str) -> None:
        _note(log, f"waiting up to {wait_seconds:g} s for the job lock: {holder} holds it")

    with ExitStack() as stack:
        if kind not in LOCKED_TARGETS:
            # a target this job has no lock for (or none at all: dbt then says so, exit 3) runs unguarded
            _note(log, f"no job lock for target {kind!r}: runs on it are not kept from overlapping")
            code = _run_steps(project_dir, run_dir, selector, extra_args)
            prune_artifacts(artifacts_root, keep_artifacts_days, log)
            return code
        try:
            stack.enter_context(warehouse_lock(kind, project_dir, wait_seconds, on_wait=waiting))
        except WarehouseBusy as busy:
            waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
            return _finish(run_dir, EXIT_WAREHOUSE_BUSY,
                           f"another job run holds the warehouse{waited}: {busy}; this run did nothing")
        except Exception as error:  # no lock, no run: the warehouse cannot be reached
            return _finish(run_dir, EXIT_DBT_ERROR, f"the job lock of target {kind!r} could not be taken: {error}")
        code = _run_steps(project_dir, run_dir, selector, extra_args)
        prune_artifacts(artifacts_root, keep_artifacts_days, log)
        return code


# A run's directory: its UTC start, and a suffix when another run started in the same second (_new_run_dir).
RUN_DIR_NAME = re.compile(r"^(\d{8}T\d{6}Z)(-\d+)?$")
# The newest runs are kept whatever their age (a job that has not run for weeks keeps its last artifacts).
KEEP_NEWEST_RUNS = 3


def prune_artifacts(artifacts_root: Path, keep_days: float | None, log: Path,
                    now: datetime | None = None) -> list[str]:
    """Remove the run directories under `artifacts_root` started more than `keep_days` ago, except the newest
    KEEP_NEWEST_RUNS; only directories named as the job names them. Returns the names removed (noted in job.log)."""
    if keep_days is None:
        return []
    now = now or datetime.now(timezone.utc)
    runs = sorted(
        (path for path in artifacts_root.iterdir() if path.is_dir() and RUN_DIR_NAME.match(path.name)),
        key=lambda path: (path.name[:16], int((RUN_DIR_NAME.match(path.name).group(2) or "-0")[1:])),  # type: ignore[union-attr]
    )
    removed = []
    for path in runs[:-KEEP_NEWEST_RUNS] if KEEP_NEWEST_RUNS else runs:
        started = datetime.strptime(path.name[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        if (now - started).total_seconds() > keep_days * 86400:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    if removed:
        _note(log, f"removed the artifacts of {len(removed)} runs older than {keep_days:g} days "
                   f"(--keep-artifacts-days): {removed[0]} .. {removed[-1]}")
    return removed


def _run_steps(project_dir: Path, run_dir: Path, selector: str, extra_args: Sequence[str]) -> int:
    """The job's steps, under its lock: freshness, the build, the retry, the docs site."""
    target_path = run_dir / "target"
    log = run_dir / "job.log"

    _dbt(["source", "freshness", *extra_args], project_dir, target_path, log)
    _keep_artifacts(target_path, run_dir / "1-freshness")
    freshness = freshness_status(target_path / "sources.json")
    if freshness == "runtime error":
        return _finish(run_dir, EXIT_DBT_ERROR, f"source freshness could not run (see {log})")
    if freshness == "error":
        return _finish(run_dir, EXIT_STALE_SOURCES, "a source is staler than its error threshold; nothing built")

    # One as-of for the build and its retry, even if an extract lands in between (dbt retry reuses the vars).
    as_of_args = _pinned_as_of(project_dir, target_path, log, extra_args)
    if as_of_args is None:
        return _finish(run_dir, EXIT_DBT_ERROR, f"the as-of could not be resolved (see {log})")
    log_size = log.stat().st_size
    kind = target_kind(extra_args)
    started = datetime.now(timezone.utc).replace(microsecond=0)
    build = _dbt(["build", "--selector", selector, *as_of_args], project_dir, target_path, log)
    _keep_artifacts(target_path, run_dir / "2-build")
    outcome = _outcome(kind, project_dir, started, build)
    if outcome == PUBLISHED:
        _publish_docs(project_dir, target_path, run_dir, log, as_of_args)
        return _finish(run_dir, EXIT_OK, f"build passed (freshness: {freshness}); the marts were published"
                       + ("" if build == 0 else f" (dbt then exited {build})"))
    if build == 0:
        return _finish(run_dir, EXIT_DBT_ERROR, f"dbt build exited 0 but the published marts were {outcome} "
                       f"(the publication log shows no publication, or cannot be read; see {log})")
    with log.open() as handle:
        handle.seek(log_size)
        if RAW_EXTRACTS_BROKEN in handle.read():
            # a retry would stop the same way: the extract needs a look, or an operator's accept_raw_shrink
            return _finish(run_dir, EXIT_RAW_EXTRACTS_BROKEN, f"the raw extracts are broken; nothing built (see {log})")
    if build != 1 or not (target_path / "run_results.json").exists():
        return _finish(run_dir, EXIT_DBT_ERROR, f"dbt build could not run (exit {build}; see {log}); "
                       f"the published marts: {outcome}")

    retry = _dbt(["retry", *as_of_args], project_dir, target_path, log)
    _keep_artifacts(target_path, run_dir / "3-retry")
    outcome = _outcome(kind, project_dir, started, retry)
    if outcome == PUBLISHED:
        _publish_docs(project_dir, target_path, run_dir, log, as_of_args)
        return _finish(run_dir, EXIT_OK, "build passed on retry; the marts were published"
                       + ("" if retry == 0 else f" (dbt then exited {retry})"))
    if outcome == UNKNOWN:
        return _finish(run_dir, EXIT_DBT_ERROR, f"build failed (retry exit {retry}) and the publication log cannot "
                       f"be read: the published marts are unknown, look before trusting them (see {log})")
    return _finish(run_dir, EXIT_BUILD_FAILED, f"build failed, and again on retry; the published marts were kept "
                   f"(see {log})")


def _publish_docs(project_dir: Path, target_path: Path, run_dir: Path, log: Path, args: Sequence[str]) -> None:
    """The docs site of what was just built, kept with the run's artifacts; a failure here fails nothing."""
    if _dbt(["docs", "generate", "--static", *args], project_dir, target_path, log) == 0:
        (run_dir / "docs").mkdir(exist_ok=True)
        for name in ("static_index.html", "catalog.json", "manifest.json"):
            if (target_path / name).exists():
                shutil.copy2(target_path / name, run_dir / "docs" / name)


def _new_run_dir(artifacts_root: Path) -> Path:
    """<artifacts_root>/<UTC run id>, never shared with an earlier run (a suffix if one started this second)."""
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    artifacts_root.mkdir(parents=True, exist_ok=True)
    for attempt in range(1000):
        run_dir = artifacts_root / (run_id if attempt == 0 else f"{run_id}-{attempt}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RuntimeError(f"no free run directory under {artifacts_root}")


def _note(log: Path, message: str) -> None:
    """A line of the job's own in job.log and on stderr."""
    line = f"outreach-warehouse job: {message}"
    with log.open("a") as handle:
        handle.write(f"\n# {datetime.now(timezone.utc).isoformat()} {line}\n")
    print(line, file=sys.stderr, flush=True)


def _finish(run_dir: Path, code: int, message: str) -> int:
    (run_dir / "exit_code").write_text(f"{code}\n")
    _note(run_dir / "job.log", f"{message}; exit {code}; artifacts in {run_dir}")
    return code
