"""The scheduled job: source freshness, the daily build, one `dbt retry` on failure, the docs site
published (`docs/static_index.html`, one self-contained page) once the warehouse is built, the run report page
(`report.html`, report.py), artifacts kept once each (about 4.5 MB a run). It says what it does: a line per step
as it starts and ends on stderr and in job.log (dbt's output there, without colour codes), then a summary with the
outcome, whether the marts were published and the warnings by name (also in summary.json).

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
`intermediate.warehouse_audits` (macros/publication/publication.sql: an invocation's outcome is written in the transaction
that publishes), not from dbt's exit code alone; the summary line says it.

One run at a time per warehouse: the job holds a lock from its first step to its last (job_lock.py: an
advisory lock in the Postgres database, a file lock beside the DuckDB file), so two runs started together,
on one machine or two, never build at the same time.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

import yaml

from outreach_warehouse.connections import PostgresSettings, duckdb_path
from outreach_warehouse.dbt_commands import Dbt
from outreach_warehouse.job_lock import LOCKED_TARGETS, WarehouseBusy, warehouse_lock

EXIT_OK = 0
EXIT_BUILD_FAILED = 1
EXIT_STALE_SOURCES = 2
EXIT_DBT_ERROR = 3
EXIT_RAW_EXTRACTS_BROKEN = 4
EXIT_WAREHOUSE_BUSY = 5
# What start_warehouse_run says when it stops a build on a broken extract (macros/runs/warehouse_runs.sql).
RAW_EXTRACTS_BROKEN = "The raw extracts are broken; nothing was built"
# The publication log (macros/publication/publication.sql: warehouse_audits_relation, beside the run log in `intermediate`).
PUBLICATION_LOG = "intermediate.warehouse_audits"
PUBLISHED, KEPT, UNKNOWN = "published", "kept", "unknown"
# The targets whose publication log the job reads; on others (Spark: no transaction across the marts, and no
# connection outside dbt) the outcome follows dbt's exit code and its publication line, as the summary says.
PUBLICATION_LOG_TARGETS = ("duckdb", "postgres")


# What publish_marts logs (macros/publication/publication.sql) when it publishes, and when it leaves the published marts as they are.
PUBLISHING = "Publishing the marts in "
LEFT_AS_THEY_ARE = "The published marts in "
# Kept per run: one gzipped manifest (of the run's last parse), each step's results gzipped, the docs page, the report.
# dbt's target directory (compiled SQL, partial parse, a second manifest) lives in a temporary directory, removed.
STEP_ARTIFACTS = ("run_results.json", "sources.json")
# run_results' unique_id prefixes, as the job's lines name them, in the order they are listed
NODE_KINDS = {"seed": "seeds", "model": "models", "snapshot": "snapshots", "test": "data tests",
              "unit_test": "unit tests", "operation": "hooks"}


@dataclass
class StepResult:
    """One dbt invocation of the job: its exit code, time, output (this step's part of job.log) and artifacts."""

    name: str
    returncode: int
    seconds: float
    output: str
    results: dict[str, Any] | None = None

    @property
    def invocation_id(self) -> str | None:
        return (self.results or {}).get("metadata", {}).get("invocation_id")


class JobLog:
    """The job's own lines: on stderr and in job.log (among dbt's output, which is written there without colour)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def line(self, message: str) -> None:
        stamp = datetime.now(timezone.utc).strftime("%H:%M:%SZ")
        text = f"outreach-warehouse job: {stamp} {message}"
        with self.path.open("a") as handle:
            handle.write(f"\n# {text}\n")
        print(text, file=sys.stderr, flush=True)


def _job_dbt(project_dir: Path, target_path: Path) -> Dbt:
    """The job's dbt: the run's target directory, without colour codes in job.log."""
    return Dbt(project_dir, target_path=target_path, colours=False)


def _dbt(name: str, args: Sequence[str], project_dir: Path, target_path: Path, log: Path) -> StepResult:
    """Run one dbt step, its output appended to job.log; its run_results.json / sources.json read back."""
    command = _job_dbt(project_dir, target_path).command(*args)
    def stamp(name: str) -> int | None:  # an artifact's mtime (dbt retry reads the last step's run_results.json)
        return (target_path / name).stat().st_mtime_ns if (target_path / name).exists() else None

    before = {name: stamp(name) for name in STEP_ARTIFACTS}
    started = time.monotonic()
    with log.open("a") as handle:
        handle.write(f"\n$ {command}  # {datetime.now(timezone.utc).isoformat()}\n")
        handle.flush()
        offset = handle.tell()
        result = command.run(stdout=handle, stderr=subprocess.STDOUT)
    with log.open() as handle:
        handle.seek(offset)
        output = handle.read()
    step = StepResult(name, result.returncode, time.monotonic() - started, output)
    for artifact in STEP_ARTIFACTS:
        if stamp(artifact) not in (None, before[artifact]):  # written by this step
            step.results = json.loads((target_path / artifact).read_text())
    return step


def _pinned_as_of(project_dir: Path, target_path: Path, log: Path, extra_args: Sequence[str]) -> list[str] | None:
    """`extra_args` with the run's as-of fixed in its `--vars`: the one given, else the latest extract now."""
    args = list(extra_args)
    given: dict[str, Any] = {}
    if "--vars" in args:
        index = args.index("--vars")
        given = yaml.safe_load(args[index + 1]) or {}
        del args[index:index + 2]
    if not given.get("as_of"):
        command = _job_dbt(project_dir, target_path).command("run-operation", "print_as_of", *args, quiet=True)
        result = command.run(capture_output=True, text=True)
        with log.open("a") as handle:
            handle.write(f"\n$ {command}\n{result.stdout}{result.stderr}")
        printed = [line for line in result.stdout.splitlines() if line.startswith("as_of: ")]
        if result.returncode != 0 or not printed:
            return None
        given["as_of"] = printed[-1].removeprefix("as_of: ").strip()
    return [*args, "--vars", json.dumps(given)]


def _keep_artifacts(step: StepResult, destination: Path) -> None:
    """The step's results, gzipped (zcat to read): <run>/<step>/run_results.json.gz or sources.json.gz."""
    if step.results is None:
        return
    destination.mkdir(parents=True, exist_ok=True)
    name = "sources.json" if "sources" in step.results.get("metadata", {}).get("dbt_schema_version", "") \
        else "run_results.json"
    with gzip.open(destination / f"{name}.gz", "wt") as handle:
        json.dump(step.results, handle)


def _keep_manifest(target_path: Path, run_dir: Path) -> None:
    """One manifest per run, of its last parse: <run>/manifest.json.gz."""
    if (target_path / "manifest.json").exists():
        with (target_path / "manifest.json").open("rb") as source, gzip.open(run_dir / "manifest.json.gz", "wb") as out:
            shutil.copyfileobj(source, out)


def read_artifact(path: Path) -> dict[str, Any]:
    """A kept JSON artifact, gzipped or not."""
    if path.suffix == ".gz":
        with gzip.open(path, "rt") as handle:
            return json.load(handle)
    return json.loads(path.read_text())


def node_counts(results: dict[str, Any] | None) -> dict[str, Counter[str]]:
    """Statuses of a run_results.json by node kind (models, data tests, ...), in NODE_KINDS' order."""
    counts: dict[str, Counter[str]] = {}
    for result in (results or {}).get("results", []):
        kind = NODE_KINDS.get(result["unique_id"].split(".")[0])
        if kind is not None:
            counts.setdefault(kind, Counter())[result["status"]] += 1
    return {kind: counts[kind] for kind in NODE_KINDS.values() if kind in counts}


def describe_counts(counts: dict[str, Counter[str]]) -> str:
    """`35 models (35 success), 185 data tests (177 pass, 8 warn), ...`"""
    return ", ".join(
        f"{sum(statuses.values())} {kind} ({', '.join(f'{n} {status}' for status, n in statuses.most_common())})"
        for kind, statuses in counts.items()
    ) or "no nodes ran"


def _node_name(unique_id: str) -> str:
    """`test.outreach_warehouse.not_null_x.79a210536d` -> `not_null_x` (a node's name, without a test's hash)."""
    parts = unique_id.split(".")
    if parts[0] == "source":
        return ".".join(parts[2:4])  # source.outreach_warehouse.oltp.email_messages -> oltp.email_messages
    return parts[2] if len(parts) > 2 else unique_id


def nodes_with_status(results: dict[str, Any] | None, statuses: Sequence[str]) -> list[str]:
    """Names of the nodes of a run_results.json / sources.json with one of `statuses`."""
    return [_node_name(result["unique_id"]) for result in (results or {}).get("results", [])
            if result.get("status") in statuses]


def publication_outcome(step: StepResult) -> tuple[bool, str]:
    """Whether a build or retry published the marts, and the job's line saying so (from publish_marts' log line
    and the on-run-end hook's result)."""
    hook_ok = any(result["unique_id"].endswith("on-run-end-0") and result["status"] == "success"
                  for result in (step.results or {}).get("results", []))
    lines = step.output.splitlines()
    if step.returncode == 0 and hook_ok and any(PUBLISHING in line for line in lines):
        return True, "the marts were published to analytics"
    left = [line[line.index(LEFT_AS_THEY_ARE):] for line in lines if LEFT_AS_THEY_ARE in line]
    if left:
        return False, f"not published: {left[-1]}"
    return False, "not published: the publication hook did not run to its end"


def freshness_status(sources: dict[str, Any] | None) -> str:
    """The worst freshness status of a sources.json: pass, warn, error or runtime error."""
    if sources is None:
        return "runtime error"
    statuses = {result.get("status") for result in sources.get("results", [])}
    for status in ("runtime error", "error", "warn"):
        if status in statuses:
            return status
    return "pass"


def published_marts_state(kind: str, project_dir: Path, since: datetime,
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


def target_kind(extra_args: Sequence[str], environ: dict[str, str] | None = None) -> str:
    """The dbt target the job runs on: its `--target`, else DBT_TARGET, else the profile's default (duckdb)."""
    args = list(extra_args)
    if "--target" in args and args.index("--target") + 1 < len(args):
        return args[args.index("--target") + 1]
    return (os.environ if environ is None else environ).get("DBT_TARGET", "duckdb")


@dataclass
class JobRun:
    """One run of the job: where it keeps things, what it says, and what its summary will say."""

    project_dir: Path
    run_dir: Path
    target: str
    log: JobLog = field(init=False)
    steps: list[StepResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    published: bool = False
    freshness: str = "not checked"
    target_path: Path | None = None  # dbt's target directory for the run (temporary), once a step has run

    def __post_init__(self) -> None:
        self.log = JobLog(self.run_dir / "job.log")

    def dbt(self, name: str, args: Sequence[str], target_path: Path, describe: str) -> StepResult:
        """A dbt step between a line that says it starts and one that says how it ended."""
        self.log.line(f"{name}: started (dbt {describe})")
        step = _dbt(name, args, self.project_dir, target_path, self.log.path)
        self.steps.append(step)
        return step

    def finish(self, code: int, outcome: str) -> int:
        """The summary line (outcome, warnings by name, publication, artifacts), summary.json and exit_code."""
        (self.run_dir / "exit_code").write_text(f"{code}\n")
        if self.target_path is not None:
            _keep_manifest(self.target_path, self.run_dir)
        published = "the marts were published to analytics" if self.published else \
            "the published marts in analytics were left as they were"
        summary = {
            "exit_code": code, "outcome": outcome, "target": self.target, "freshness": self.freshness,
            "published": self.published, "warnings": self.warnings, "failures": self.failures,
            "steps": [{"name": step.name, "returncode": step.returncode, "seconds": round(step.seconds, 1),
                       "invocation_id": step.invocation_id,
                       "counts": {kind: dict(statuses) for kind, statuses in node_counts(step.results).items()}}
                      for step in self.steps],
        }
        builds = [step for step in self.steps if step.name in ("build", "retry") and step.results is not None]
        if builds:
            self._report(summary, builds[-1])
        (self.run_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        warned = f"{len(self.warnings)} warning(s): {', '.join(self.warnings)}" if self.warnings else "no warnings"
        failed = f"; failed: {', '.join(self.failures)}" if self.failures else ""
        size = sum(path.stat().st_size for path in self.run_dir.rglob("*") if path.is_file())
        self.log.line(f"summary: exit {code}, {outcome}; {published}; {warned}{failed}; "
                      f"artifacts in {self.run_dir} ({size / 1e6:.1f} MB)")
        return code


    def _report(self, summary: dict[str, Any], build: StepResult) -> None:
        """The run's report page (report.py): plots across the last runs, from the warehouse's run report."""
        self.log.line("report: started (the run report in the warehouse, plotted)")
        started = time.monotonic()
        fresh = next((step.results for step in self.steps if step.name == "freshness"), None)
        try:
            from outreach_warehouse.report import warehouse_query, write_report

            page = write_report(self.run_dir / "report.html", self.run_dir.name, summary, fresh, build.results,
                                warehouse_query(self.target))
        except Exception as error:  # a report that cannot be drawn fails nothing: the build stands
            summary["warnings"].append("run report not written")
            self.log.line(f"report: failed in {time.monotonic() - started:.1f} s: {type(error).__name__}: {error}")
            return
        self.log.line(f"report: written in {time.monotonic() - started:.1f} s: report.html "
                      f"({page.stat().st_size / 1e6:.1f} MB)")


def run_job(project_dir: Path, artifacts_root: Path, selector: str = "daily", extra_args: Sequence[str] = (),
            wait_seconds: float = 0.0, keep_artifacts_days: float | None = 14.0) -> int:
    """Run the daily job once, holding the warehouse's job lock throughout; returns the exit code (see module
    docstring). When another run holds the lock, wait up to `wait_seconds` for it, then exit 5. Under the lock, the
    artifacts of runs started more than `keep_artifacts_days` ago are removed (None keeps everything)."""
    kind = target_kind(extra_args)
    job = JobRun(project_dir, _new_run_dir(artifacts_root), kind)
    job.log.line(f"run: {job.run_dir.name} on target {kind}, selector {selector}; artifacts in {job.run_dir}")

    def waiting(holder: str) -> None:
        job.log.line(f"lock: waiting up to {wait_seconds:g} s for the job lock: {holder} holds it")

    with ExitStack() as stack:
        if kind not in LOCKED_TARGETS:
            # a target this job has no lock for (or none at all: dbt then says so, exit 3) runs unguarded
            job.log.line(f"lock: no job lock for target {kind!r}: runs on it are not kept from overlapping")
            code = _run_steps(job, selector, extra_args)
            prune_artifacts(artifacts_root, keep_artifacts_days, job.log)
            return code
        try:
            stack.enter_context(warehouse_lock(kind, project_dir, wait_seconds, on_wait=waiting))
        except WarehouseBusy as busy:
            waited = f" (waited {wait_seconds:g} s)" if wait_seconds > 0 else ""
            return job.finish(EXIT_WAREHOUSE_BUSY,
                              f"another job run holds the warehouse{waited}: {busy}; this run did nothing")
        except Exception as error:  # no lock, no run: the warehouse cannot be reached
            return job.finish(EXIT_DBT_ERROR, f"the job lock of target {kind!r} could not be taken: {error}")
        job.log.line(f"lock: held (one job run at a time on this {kind} warehouse)")
        code = _run_steps(job, selector, extra_args)
        prune_artifacts(artifacts_root, keep_artifacts_days, job.log)
        return code


# A run's directory: its UTC start, and a suffix when another run started in the same second (_new_run_dir).
RUN_DIR_NAME = re.compile(r"^(\d{8}T\d{6}Z)(-\d+)?$")
# The newest runs are kept whatever their age (a job that has not run for weeks keeps its last artifacts).
KEEP_NEWEST_RUNS = 3


def prune_artifacts(artifacts_root: Path, keep_days: float | None, log: JobLog,
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
        log.line(f"artifacts: removed those of {len(removed)} runs older than {keep_days:g} days "
                 f"(--keep-artifacts-days): {removed[0]} .. {removed[-1]}")
    return removed


def _run_steps(job: JobRun, selector: str, extra_args: Sequence[str]) -> int:
    """The job's steps, under its lock, with dbt's target directory in a temporary directory removed at the end."""
    with tempfile.TemporaryDirectory(prefix=f"outreach-job-{job.run_dir.name}-") as scratch:
        job.target_path = Path(scratch) / "target"
        return _steps(job, job.target_path, selector, extra_args)


def _steps(job: JobRun, target_path: Path, selector: str, extra_args: Sequence[str]) -> int:
    """Freshness, the as-of, the build, the retry, the docs site."""
    log = job.log
    fresh = job.dbt("freshness", ["source", "freshness", *extra_args], target_path, "source freshness")
    _keep_artifacts(fresh, job.run_dir / "1-freshness")
    job.freshness = freshness_status(fresh.results)
    sources = Counter(result.get("status") for result in (fresh.results or {}).get("results", []))
    job.warnings += [f"freshness of {name}" for name in nodes_with_status(fresh.results, ("warn",))]
    log.line(f"freshness: {job.freshness} in {fresh.seconds:.1f} s ("
             f"{', '.join(f'{n} {status}' for status, n in sources.most_common()) or 'no sources checked'})")
    if job.freshness == "runtime error":
        return job.finish(EXIT_DBT_ERROR, f"source freshness could not run (exit {fresh.returncode}; see job.log)")
    if job.freshness == "error":
        job.failures += [f"freshness of {name}" for name in nodes_with_status(fresh.results, ("error",))]
        return job.finish(EXIT_STALE_SOURCES, "a source is staler than its error threshold; nothing built")

    # One as-of for the build and its retry, even if an extract lands in between (dbt retry reuses the vars).
    log.line("as-of: started (dbt run-operation print_as_of, unless --vars gives it)")
    as_of_args = _pinned_as_of(job.project_dir, target_path, log.path, extra_args)
    if as_of_args is None:
        return job.finish(EXIT_DBT_ERROR, "the as-of could not be resolved (see job.log)")
    log.line(f"as-of: {json.loads(as_of_args[-1])['as_of']}")

    # what happened to the published marts is read from the publication log, not from dbt's exit alone
    started = datetime.now(timezone.utc).replace(microsecond=0)
    build, state = _build_step(job, "build", ["build", "--selector", selector, *as_of_args],
                               f"build --selector {selector}", "2-build", started)
    if state == PUBLISHED:
        return _after_a_passing_build(job, build, target_path, as_of_args, "built and published")
    if build.returncode == 0:
        return job.finish(EXIT_DBT_ERROR, f"dbt build exited 0 but the published marts were {state} "
                          "(the publication log shows no publication, or cannot be read; see job.log)")
    if RAW_EXTRACTS_BROKEN in build.output:
        # a retry would stop the same way: the extract needs a look, or an operator's accept_raw_shrink
        job.failures += [line.strip() for line in build.output.splitlines()
                         if "raw contract:" in line or "raw value:" in line or "raw volume:" in line][:20]
        return job.finish(EXIT_RAW_EXTRACTS_BROKEN, "the raw extracts are broken; nothing built (see job.log)")
    if build.returncode != 1 or build.results is None:
        return job.finish(EXIT_DBT_ERROR, f"dbt build could not run (exit {build.returncode}; see job.log); "
                          f"the published marts: {state}")

    retry, state = _build_step(job, "retry", ["retry", *as_of_args], "retry: the failed and skipped nodes once more",
                               "3-retry", started)
    if state == PUBLISHED:
        return _after_a_passing_build(job, retry, target_path, as_of_args, "built and published on retry")
    job.failures = nodes_with_status(retry.results, ("error", "fail"))
    if state == UNKNOWN:
        return job.finish(EXIT_DBT_ERROR, f"the build failed (retry exit {retry.returncode}) and the publication log "
                          "cannot be read: the published marts are unknown, look before trusting them (see job.log)")
    return job.finish(EXIT_BUILD_FAILED, "the build failed, and again on retry (see job.log)")


def _build_step(job: JobRun, name: str, args: Sequence[str], describe: str, kept_in: str,
                started: datetime) -> tuple[StepResult, str]:
    """A build or retry: run it, keep its artifacts, say how it ended, and what the published marts are now."""
    assert job.target_path is not None
    step = job.dbt(name, args, job.target_path, describe)
    _keep_artifacts(step, job.run_dir / kept_in)
    _say_build(job, step)
    state = _marts_state(job, step, started)
    if state == PUBLISHED:
        job.published = True
    return step, state


def _marts_state(job: JobRun, step: StepResult, started: datetime) -> str:
    """What the job's invocations since `started` did to the published marts: from the publication log where the
    job reads it, else from the step's exit code and publication line (Spark)."""
    if job.target in PUBLICATION_LOG_TARGETS:
        return published_marts_state(job.target, job.project_dir, started)
    return PUBLISHED if step.returncode == 0 and job.published else KEPT


def _say_build(job: JobRun, step: StepResult) -> None:
    """The lines ending a build or retry: its counts, then whether it published."""
    outcome = "passed" if step.returncode == 0 else f"failed (exit {step.returncode})"
    job.log.line(f"{step.name}: {outcome} in {step.seconds:.1f} s: {describe_counts(node_counts(step.results))}")
    failed = nodes_with_status(step.results, ("error", "fail"))
    if failed:
        job.log.line(f"{step.name}: failed: {', '.join(failed)}")
    job.published, said = publication_outcome(step)
    job.log.line(f"publication: {said}")


def _after_a_passing_build(job: JobRun, build: StepResult, target_path: Path, args: Sequence[str],
                           outcome: str) -> int:
    """After a build (or retry) that published: its warnings in the summary, the docs site."""
    if build.returncode != 0:
        outcome += f" (dbt then exited {build.returncode})"
    job.warnings += nodes_with_status(build.results, ("warn",))
    _publish_docs(job, target_path, args)
    return job.finish(EXIT_OK, f"{outcome} (freshness: {job.freshness})")


def _publish_docs(job: JobRun, target_path: Path, args: Sequence[str]) -> None:
    """The docs site of what was just built, one self-contained page kept with the run's artifacts (its manifest
    is the run's manifest.json.gz); a failure here fails nothing."""
    docs = job.dbt("docs", ["docs", "generate", "--static", *args], target_path, "docs generate --static")
    page = target_path / "static_index.html"
    if docs.returncode == 0 and page.exists():
        (job.run_dir / "docs").mkdir(exist_ok=True)
        shutil.copy2(page, job.run_dir / "docs" / "static_index.html")
        job.log.line(f"docs: written in {docs.seconds:.1f} s: docs/static_index.html ({page.stat().st_size / 1e6:.1f} MB)")
    else:
        job.warnings.append("docs site not generated")
        job.log.line(f"docs: failed (exit {docs.returncode}) in {docs.seconds:.1f} s; the build stands (see job.log)")


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
