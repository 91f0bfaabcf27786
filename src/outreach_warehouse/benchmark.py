"""Benchmark the dbt project on DuckDB against "the floor", a hand-written script that computes the same marts.

For each size (messages of the base extract), in a fresh DuckDB file under the work directory:

1. load the generated raw extracts (`python -m outreach_warehouse load`);
2. `dbt parse`;
3. a full `dbt build` (wall time, peak memory, per-node timings from run_results.json);
4. the floor (`benchmarks/floor.sql`) on the same raw data, schema `floor`, same threads and memory limit;
5. one more daily extract (`load --increment-day 1`) and an incremental `dbt build`.

Every step runs in a child process whose peak resident memory is the larger of `os.wait4`'s (the largest
process that was waited for) and the peak of its process tree's summed Pss, sampled every second: pyspark's JVM
is a child that dbt never waits for, so `wait4` alone misses it. The results are rendered
to markdown (BENCHMARKS.md) against the targets: full build <= 2x the floor, an incremental day <= 10 % of
the full build, cost per million messages not growing with size, peak memory <= 8 GB.

`python -m outreach_warehouse benchmark --sizes 1000000,10000000 --output BENCHMARKS.md --workdir /tmp/bench`
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

import duckdb

from outreach_warehouse import day_shares
from outreach_warehouse.connections import PostgresSettings
from outreach_warehouse.dbt_commands import Dbt
from outreach_warehouse.raw_schema import RAW_TABLES

PROJECT_DIR = Path(__file__).resolve().parents[2]
FLOOR_SQL = PROJECT_DIR / "benchmarks" / "floor.sql"
POLICY_CSV = PROJECT_DIR / "seeds" / "audit_action_policy.csv"

THREADS = 2
MEMORY_LIMIT = "6GB"  # the buffer limit; dbt and Python add about 0.5 GB to the process peak
# the targets the report judges
MAX_BUILD_OVER_FLOOR = 2.0
MAX_INCREMENTAL_SHARE = 0.10
INCREMENTAL_TARGET_MESSAGES = 10_000_000
# the incremental day's share of a full build, by size: 10% at 10M, under 25% at 1M
INCREMENTAL_SHARE_TARGETS = {10_000_000: 0.10, 1_000_000: 0.25}
MAX_RUN_OVER_FLOOR = 1.2
MAX_PEAK_MEMORY_BYTES = 8 * 10**9
TOP_NODES = 10

Results = dict[str, Any]


# --- the floor ------------------------------------------------------------------------------------

def floor_sql(policy_csv: Path = POLICY_CSV) -> str:
    """The floor script with its placeholder substituted."""
    return FLOOR_SQL.read_text(encoding="utf-8").replace("{{policy_csv}}", str(policy_csv))


def run_floor(
    connection: duckdb.DuckDBPyConnection, threads: int = THREADS, memory_limit: str = MEMORY_LIMIT
) -> float:
    """Run the floor on a connection whose database holds `raw_oltp`; returns the seconds the SQL took.

    The settings are those of the dbt profile (threads, memory limit, UTC, no insertion order)."""
    connection.execute(f"set threads = {int(threads)}")
    connection.execute(f"set memory_limit = '{memory_limit}'")
    connection.execute("set preserve_insertion_order = false")
    connection.execute("set TimeZone = 'UTC'")
    sql = floor_sql()
    started = time.perf_counter()
    connection.execute(sql)
    return time.perf_counter() - started


def _floor_process(argv: Sequence[str]) -> int:
    """Child-process entry (`python -m outreach_warehouse.benchmark floor DB`): run the floor, print its time."""
    parser = argparse.ArgumentParser(prog="outreach_warehouse.benchmark")
    parser.add_argument("step", choices=["floor"])
    parser.add_argument("database")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--memory-limit", default=MEMORY_LIMIT)
    args = parser.parse_args(argv)
    with duckdb.connect(args.database) as connection:
        seconds = run_floor(connection, args.threads, args.memory_limit)
    print(json.dumps({"floor_seconds": seconds}))
    return 0


# --- timed child processes ----------------------------------------------------------------------

@dataclass(frozen=True)
class Timed:
    """One child process: its wall time, peak resident memory and exit code; output kept in a log file."""

    seconds: float
    peak_rss_bytes: int
    returncode: int
    log: Path
    timed_out: bool = False

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def run_timed(
    command: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path = PROJECT_DIR,
    timeout: float | None = None, on_timeout: Callable[[], None] | None = None,
) -> Timed:
    """Run a command, timing it; its peak RSS (the largest of it and its waited-for children) via wait4. With a
    timeout, `on_timeout` runs when it is reached (while the command still runs), then the command's process group
    is killed: the result has `timed_out` set."""
    log.parent.mkdir(parents=True, exist_ok=True)
    expired = threading.Event()
    with log.open("w", encoding="utf-8") as handle:
        handle.write("$ " + " ".join(command) + "\n")
        handle.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=dict(env), stdout=handle, stderr=subprocess.STDOUT,
                                   start_new_session=timeout is not None)

        def expire() -> None:
            expired.set()
            if on_timeout is not None:
                try:
                    on_timeout()
                except Exception as error:  # noqa: BLE001 - the kill must happen whatever the hook did
                    sys.stderr.write(f"[benchmark] at the timeout: {error}\n")
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, expire) if timeout is not None else None
        if timer is not None:
            timer.start()
        sampler = TreeMemorySampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
        if timer is not None:
            timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    # Linux reports ru_maxrss in kilobytes
    return Timed(seconds, max(int(usage.ru_maxrss) * 1024, sampler.peak_bytes), process.returncode, log,
                 expired.is_set())


def tree_memory_bytes(root: int, proc: Path = Path("/proc")) -> int:
    """The memory of a process and all its descendants, read from /proc (0 once it is gone): the sum of their
    proportional set sizes (Pss), so that pages shared by a fork and its parent count once."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8")
        except OSError:
            continue  # the process ended while being read
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += _pss_bytes(proc / str(pid))
        pending.extend(children.get(pid, []))
    return total


def _pss_bytes(process: Path) -> int:
    try:
        for line in (process / "smaps_rollup").read_text(encoding="utf-8").splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass  # gone, or not ours to read
    return 0


class TreeMemorySampler:
    """Samples tree_memory_bytes of one process in a thread until stopped; keeps the peak."""

    def __init__(self, root: int, interval: float = 1.0) -> None:
        self.root, self.interval, self.peak_bytes = root, interval, 0
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stopped.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_memory_bytes(self.root))
            self._stopped.wait(self.interval)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


def _progress(messages: int, step: str, timed: Timed) -> None:
    """One line per finished step on stderr, so that a long run shows where it is."""
    sys.stderr.write(
        f"[benchmark] {messages:,} messages: {step} {timed.seconds:,.1f} s, peak {timed.peak_rss_bytes / 10**9:.2f} GB"
        f"{'' if timed.returncode == 0 else f', exit code {timed.returncode}'}"
        f"{' (stopped at the timeout)' if timed.timed_out else ''}\n"
    )
    sys.stderr.flush()


def _step(messages: int, label: str, command: Sequence[str], env: Mapping[str, str], log: Path,
          required: bool = True) -> Timed:
    """One timed step, reported on stderr; a required step that fails stops the benchmark."""
    timed = run_timed(command, env, log)
    _progress(messages, label, timed)
    if required:
        _require_success(timed, label)
    return timed


def _require_success(timed: Timed, what: str) -> None:
    if timed.returncode != 0:
        tail = "\n".join(timed.output().splitlines()[-40:])
        raise RuntimeError(f"{what} failed with exit code {timed.returncode} (log {timed.log}):\n{tail}")


# --- dbt ------------------------------------------------------------------------------------------

def size_dbt(artifacts: Path, database: Path, settings: Mapping[str, str] | None = None) -> Dbt:
    """dbt for one size: the project's profile on the size's DuckDB file (or on the target whose settings `settings`
    gives), artifacts under `artifacts`, logs without colour codes. Its environment is that of every step of the size
    (the loader's and the floor's too)."""
    return Dbt(PROJECT_DIR, target_path=artifacts / "target", log_path=artifacts / "logs", profiles_dir=PROJECT_DIR,
               colours=False, env={"DBT_TARGET": "duckdb", "DBT_DUCKDB_PATH": str(database),
                                   "DBT_DUCKDB_MEMORY_LIMIT": MEMORY_LIMIT, **(settings or {})})


def node_timings(run_results: Path) -> list[dict[str, Any]]:
    """Every node of a run_results.json (models, tests, seeds...), slowest first."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"]
    nodes = [
        {
            "name": result["unique_id"].split(".")[-1] if result["unique_id"].startswith("model.")
            else result["unique_id"].split(".", 2)[-1],
            "type": result["unique_id"].split(".")[0],
            "status": str(result.get("status")),
            "seconds": float(result.get("execution_time") or 0.0),
        }
        for result in results
    ]
    return sorted(nodes, key=lambda node: node["seconds"], reverse=True)


def busy_seconds(run_results: Path) -> float:
    """Wall time during which at least one node was compiling or executing (the union of their intervals)."""
    intervals: list[tuple[datetime, datetime]] = []
    for result in json.loads(run_results.read_text(encoding="utf-8"))["results"]:
        steps = [step for step in result.get("timing", []) if step.get("started_at") and step.get("completed_at")]
        if steps:
            intervals.append((
                min(_timestamp(step["started_at"]) for step in steps),
                max(_timestamp(step["completed_at"]) for step in steps),
            ))
    busy = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(intervals):
        if current is None or start > current[1]:
            if current is not None:
                busy += (current[1] - current[0]).total_seconds()
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        busy += (current[1] - current[0]).total_seconds()
    return busy


def _timestamp(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _status_counts(nodes: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for node in nodes:
        counts[node["status"]] = counts.get(node["status"], 0) + 1
    return counts


def print_nodes(label: str, nodes: list[dict[str, Any]], top: int = TOP_NODES) -> None:
    """The slowest nodes of a build (from its run_results.json), on stderr."""
    lines = [f"[benchmark] {label}: the slowest {top} nodes"]
    lines += [f"    {node['seconds']:9.2f} s  {node['type']:<6} {node['status']:<8} {node['name']}"
              for node in nodes[:top]]
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def print_day(label: str, day_seconds: float, build_seconds: float, shares: Mapping[str, Any],
              timed_out: bool = False) -> None:
    """A day's time beside what it had to do (day_shares), on stderr."""
    took = (f"did not finish in {day_seconds:,.1f} s" if timed_out
            else f"took {day_seconds:,.1f} s = {_pct(day_seconds / build_seconds)} of")
    lines = [f"[benchmark] {label}: the day {took} the full build ({build_seconds:,.1f} s)"]
    lines += [f"    {line}" for line in day_shares.describe(shares.get("raw"), shares.get("models"))]
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


def duckdb_query(database: Path) -> Callable[[str], list[tuple[Any, ...]]]:
    """A query function on a DuckDB file (read-only, UTC), for day_shares."""

    def query(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(database), read_only=True) as connection:
            connection.execute("set TimeZone = 'UTC'")
            return connection.execute(sql).fetchall()

    return query


def postgres_query(settings: PostgresSettings) -> Callable[[str], list[tuple[Any, ...]]]:
    """A query function on a Postgres database (one connection per query, rolled back), for day_shares."""

    def query(sql: str) -> list[tuple[Any, ...]]:
        connection = settings.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        finally:
            connection.rollback()
            connection.close()

    return query


# --- one size ------------------------------------------------------------------------------------

def _raw_row_counts(database: Path) -> dict[str, int]:
    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            table: int(connection.execute(f"select count(*) from raw_oltp.{table}").fetchone()[0])  # type: ignore[index]
            for table in RAW_TABLES
        }


def _remove_database(database: Path) -> None:
    for path in (database, database.with_name(database.name + ".wal")):
        path.unlink(missing_ok=True)


def _keep_run_results(artifacts: Path, destination: Path) -> tuple[list[dict[str, Any]], float]:
    """The last dbt command's per-node timings and busy time; its run_results.json copied to `destination`."""
    run_results = artifacts / "target" / "run_results.json"
    shutil.copy(run_results, destination)
    return node_timings(run_results), busy_seconds(run_results)


def benchmark_size(messages: int, workdir: Path, seed: int, keep_database: bool = False) -> Results:
    """Load, parse, build, floor, one incremental day, for one size; the measurements as a dict."""
    size_dir = workdir / f"messages-{messages}"
    if size_dir.exists():
        shutil.rmtree(size_dir)
    size_dir.mkdir(parents=True)
    database = size_dir / "warehouse.duckdb"
    artifacts = size_dir / "dbt"
    dbt = size_dbt(artifacts, database)
    env = dbt.environ()
    loader = [sys.executable, "-m", "outreach_warehouse", "load", "--target", "duckdb",
              "--messages", str(messages), "--seed", str(seed)]

    load = run_timed(loader, env, size_dir / "load.log")
    _progress(messages, "load", load)
    _require_success(load, "load")
    raw_rows = _raw_row_counts(database)

    parse = run_timed(dbt.command("parse").argv, env, size_dir / "dbt-parse.log")
    _progress(messages, "dbt parse", parse)
    _require_success(parse, "dbt parse")

    build = run_timed(dbt.command("build").argv, env, size_dir / "dbt-build.log")
    _progress(messages, "dbt build (full)", build)
    build_nodes, build_busy = _keep_run_results(artifacts, size_dir / "run_results-full.json")
    print_nodes(f"{messages:,} messages, duckdb, full build", build_nodes)

    floor = run_timed(
        [sys.executable, "-m", "outreach_warehouse.benchmark", "floor", str(database),
         "--threads", str(THREADS), "--memory-limit", MEMORY_LIMIT],
        env, size_dir / "floor.log",
    )
    _progress(messages, "floor", floor)
    _require_success(floor, "floor")
    floor_seconds = float(json.loads(floor.output().strip().splitlines()[-1])["floor_seconds"])
    with duckdb.connect(str(database)) as connection:
        connection.execute("drop schema if exists floor cascade")

    # the models alone (no tests), from scratch
    models_only = run_timed(dbt.command("run", "--full-refresh").argv, env, size_dir / "dbt-run.log")
    _progress(messages, "dbt run --full-refresh (models alone)", models_only)
    _require_success(models_only, "dbt run --full-refresh")

    increment = run_timed([*loader, "--increment-day", "1"], env, size_dir / "load-increment.log")
    _progress(messages, "load --increment-day 1", increment)
    _require_success(increment, "load --increment-day 1")
    # the daily job's build: every model, the tests over big tables on the touched periods
    day_started = datetime.now(timezone.utc)
    incremental = run_timed(dbt.command("build", selector="daily").argv, env, size_dir / "dbt-build-incremental.log")
    _progress(messages, "dbt build (incremental)", incremental)
    incremental_nodes, incremental_busy = _keep_run_results(artifacts, size_dir / "run_results-incremental.json")
    print_nodes(f"{messages:,} messages, duckdb, incremental day", incremental_nodes)
    query = duckdb_query(database)
    shares = {"raw": day_shares.raw_day(query),
              "models": day_shares.model_shares(query, artifacts / "target" / "manifest.json", day_started, None)}
    print_day(f"{messages:,} messages, duckdb", incremental.seconds, build.seconds, shares)

    if not keep_database:
        _remove_database(database)
    return {
        "messages": messages,
        "raw_rows": raw_rows,
        "load_seconds": load.seconds,
        "parse_seconds": parse.seconds,
        "build_seconds": build.seconds,
        "build_peak_rss_bytes": build.peak_rss_bytes,
        "build_returncode": build.returncode,
        "build_status": _status_counts(build_nodes),
        "build_busy_seconds": build_busy,
        "floor_seconds": floor_seconds,
        "floor_wall_seconds": floor.seconds,
        "floor_peak_rss_bytes": floor.peak_rss_bytes,
        "run_seconds": models_only.seconds,
        "run_peak_rss_bytes": models_only.peak_rss_bytes,
        "increment_load_seconds": increment.seconds,
        "incremental_seconds": incremental.seconds,
        "incremental_peak_rss_bytes": incremental.peak_rss_bytes,
        "incremental_returncode": incremental.returncode,
        "incremental_status": _status_counts(incremental_nodes),
        "incremental_busy_seconds": incremental_busy,
        "models": build_nodes,
        "incremental_models": incremental_nodes,
        "day_shares": shares,
    }


def benchmark_spark_size(messages: int, workdir: Path, seed: int) -> Results:
    """The same steps on the `spark` target (local mode, two cores): load, parse, full build, one incremental day
    under the daily selector. No floor: the hand-written floor is DuckDB SQL. Peak memory is the largest process of
    each step (the JVM that pyspark starts is one of dbt's children)."""
    size_dir = workdir / f"spark-messages-{messages}"
    if size_dir.exists():
        shutil.rmtree(size_dir)
    size_dir.mkdir(parents=True)
    artifacts = size_dir / "dbt"
    dbt = size_dbt(artifacts, size_dir / "unused.duckdb",
                   {"DBT_TARGET": "spark", "DBT_SPARK_WAREHOUSE_DIR": str(size_dir / "spark-warehouse")})
    env = dbt.environ()
    loader = [sys.executable, "-m", "outreach_warehouse", "load", "--target", "spark",
              "--messages", str(messages), "--seed", str(seed)]
    steps: dict[str, Timed] = {}
    for name, command in (
        ("load", loader),
        ("parse", dbt.command("parse").argv),
        ("build", dbt.command("build").argv),
        ("increment_load", [*loader, "--increment-day", "1"]),
        ("incremental", dbt.command("build", selector="daily").argv),
    ):
        steps[name] = run_timed(command, env, size_dir / f"{name}.log")
        _progress(messages, f"spark {name}", steps[name])
        _require_success(steps[name], f"spark {name}")
        if name in ("build", "incremental"):
            _keep_run_results(artifacts, size_dir / f"run_results-{name}.json")
    results = {
        "messages": messages,
        **{f"{name}_seconds": timed.seconds for name, timed in steps.items()},
        **{f"{name}_peak_rss_bytes": timed.peak_rss_bytes for name, timed in steps.items()},
        "build_busy_seconds": busy_seconds(size_dir / "run_results-build.json"),
        "incremental_busy_seconds": busy_seconds(size_dir / "run_results-incremental.json"),
    }
    (size_dir / "results.json").write_text(json.dumps(results, indent=2))
    return results


# --- Postgres -------------------------------------------------------------------------------------

PG_SCRIPT = PROJECT_DIR / "scripts" / "pg.sh"
POSTGRES_DAY_TIMEOUT = 900.0
# the settings that decide plans and speed, recorded with the results
POSTGRES_SETTINGS_SHOWN = (
    "server_version", "work_mem", "shared_buffers", "effective_cache_size", "maintenance_work_mem",
    "max_parallel_workers_per_gather", "random_page_cost", "jit", "fsync", "synchronous_commit",
)


@contextmanager
def postgres_server(workdir: Path) -> Iterator[tuple[dict[str, str], Path | None]]:
    """The Postgres to measure, as DBT_POSTGRES_* variables: the server the environment names (DBT_POSTGRES_HOST
    set), or a throwaway one that scripts/pg.sh starts with PostgreSQL's default settings (PG_SETTINGS=default) in
    a directory of its own under the work directory, and stops afterwards. Yields the variables and the server's
    log (None for a server of the environment)."""
    if os.environ.get("DBT_POSTGRES_HOST"):
        yield {name: value for name, value in os.environ.items() if name.startswith("DBT_POSTGRES_")}, None
        return
    state_dir = workdir / "postgres-server"
    env = {**os.environ, "PG_SETTINGS": "default", "PG_STATE_DIR": str(state_dir)}
    started = subprocess.run([str(PG_SCRIPT), "start"], env=env, capture_output=True, text=True, check=False)
    if started.returncode != 0:
        raise RuntimeError(f"scripts/pg.sh start failed:\n{started.stderr[-2000:]}")
    exported = dict(re.findall(r"^export (\w+)=(.*)$", started.stdout, flags=re.MULTILINE))
    try:
        yield {name: value for name, value in exported.items() if name.startswith("DBT_POSTGRES_")}, \
            state_dir / "server.log"
    finally:
        subprocess.run([str(PG_SCRIPT), "stop"], env=env, capture_output=True, check=False)


def _admin(settings: PostgresSettings, statements: Sequence[str]) -> None:
    """Statements outside a transaction, on the server's `postgres` database (create and drop database)."""
    connection = PostgresSettings(settings.host, settings.port, settings.user, settings.password,
                                  "postgres").connect()
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def postgres_settings_snapshot(settings: PostgresSettings) -> dict[str, str]:
    """The settings that decide speed, and every setting not at its built-in default (with where it comes from)."""
    rows = postgres_query(settings)(
        "select name, current_setting(name), source from pg_settings "
        f"where name in ({', '.join(repr(name) for name in POSTGRES_SETTINGS_SHOWN)}) "
        "or source not in ('default', 'override', 'client', 'session') order by name"
    )
    snapshot = {str(name): f"{value} ({source})" for name, value, source in rows}
    snapshot["server_version"] = str(postgres_query(settings)("show server_version")[0][0])
    return snapshot


_DBT_LINE = re.compile(r"^(\d\d:\d\d:\d\d)\s+(\d+) of \d+ (START|OK|PASS|WARN|ERROR|FAIL|SKIP)\s+(.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_DBT_NAME = re.compile(r"^(?:.*?\b(?:model|test|seed|snapshot|unit_test|hook)\s+)?([\w.]+)")


def _dbt_lines(log_text: str) -> Iterator[tuple[str, str, str, str]]:
    """(clock, node index, verb, node name) of each START / finish line of dbt's console log."""
    for line in _ANSI.sub("", log_text).splitlines():
        match = _DBT_LINE.match(line.strip())
        if match:
            clock, index, verb, rest = match.groups()
            name = _DBT_NAME.match(rest)
            yield clock, index, verb, name.group(1) if name else rest.split(" ")[0]


def running_nodes(log_text: str, stopped_at: datetime) -> list[dict[str, Any]]:
    """Nodes a killed dbt had started and not finished, from its console log, with how long they had run."""
    started: dict[str, tuple[str, str]] = {}
    for clock, index, verb, name in _dbt_lines(log_text):
        if verb == "START":
            started[index] = (name, clock)
        else:
            started.pop(index, None)
    result = []
    for name, clock in started.values():
        at = datetime.combine(stopped_at.date(), datetime.strptime(clock, "%H:%M:%S").time(), tzinfo=timezone.utc)
        result.append({"name": name, "started": clock, "seconds": max(0.0, (stopped_at - at).total_seconds())})
    return result


def finished_nodes(log_text: str) -> list[dict[str, Any]]:
    """Nodes a killed dbt finished, from its console log (`... [SELECT 1 in 2.51s]`), slowest first."""
    nodes = []
    plain = _ANSI.sub("", log_text)
    for line, (_, _, verb, name) in zip(
        [raw for raw in plain.splitlines() if _DBT_LINE.match(raw.strip())], _dbt_lines(plain)
    ):
        timing = re.search(r" in (\d+(?:\.\d+)?)s\]\s*$", line)
        if verb != "START" and timing:
            nodes.append({"name": name.split(".")[-1], "type": "node", "status": verb.lower(),
                          "seconds": float(timing.group(1))})
    return sorted(nodes, key=lambda node: node["seconds"], reverse=True)


def explain_running(settings: PostgresSettings, artifacts: Path, nodes: list[dict[str, Any]], into: Path) -> None:
    """`explain` (no analyze) of the compiled select of each running model (target/compiled/..., as the running
    invocation compiled it: incremental), in a separate session, into a file: the plan of what did not finish."""
    lines: list[str] = []
    compiled = artifacts / "target" / "compiled"
    for node in nodes:
        name = node["name"].split(".")[-1]
        for path in sorted(compiled.rglob(f"{name}.sql")):
            if path.parent.name.endswith(".yml"):
                continue  # a test named after the model
            sql = path.read_text(encoding="utf-8").strip().rstrip(";")
            lines += [f"-- {node['name']} ({path.relative_to(artifacts)}), running {node['seconds']:.0f} s", ""]
            try:
                lines += [str(row[0]) for row in postgres_query(settings)(f"explain {sql}")]
            except Exception as error:  # noqa: BLE001 - a statement of temp relations cannot be explained apart
                lines.append(f"(explain failed: {str(error).strip().splitlines()[0]})")
            lines.append("")
    into.write_text("\n".join(lines) + "\n", encoding="utf-8")


def stop_dbt_sessions(settings: PostgresSettings) -> int:
    """Cancel the statements of the benchmark's dbt in its database (a killed client's query runs on otherwise)."""
    rows = postgres_query(settings)(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity "
        "where datname = current_database() and pid <> pg_backend_pid() and application_name like 'dbt%'"
    )
    return int(rows[0][0])


def benchmark_postgres_size(
    messages: int, workdir: Path, seed: int, server: Mapping[str, str], day_timeout: float = POSTGRES_DAY_TIMEOUT,
    explain_min_seconds: float | None = None, keep_database: bool = False, server_log: Path | None = None,
) -> Results:
    """Load, full build and one day on Postgres, in a fresh database `outreach_bench_<messages>` of the server.
    The day stops at `day_timeout` seconds: then the statements still running are explained (explain_running),
    their sessions terminated, and the nodes that finished read from the console log. With explain_min_seconds,
    the database logs the plan of every statement slower than that (auto_explain, no analyze) to the server log;
    plans then go to `<size dir>/day-slow-plans.log` when the server's log is known (`server_log`)."""
    size_dir = workdir / f"postgres-messages-{messages}"
    if size_dir.exists():
        shutil.rmtree(size_dir)
    size_dir.mkdir(parents=True)
    artifacts = size_dir / "dbt"
    database = f"outreach_bench_{messages}"
    dbt = size_dbt(artifacts, size_dir / "unused.duckdb",
                   {**server, "DBT_TARGET": "postgres", "DBT_POSTGRES_DATABASE": database, "PGTZ": "UTC"})
    env = dbt.environ()
    settings = PostgresSettings.from_env(env)
    _admin(settings, [f"drop database if exists {database}", f"create database {database}"])
    snapshot = postgres_settings_snapshot(settings)
    sys.stderr.write("[benchmark] postgres settings: " + ", ".join(
        f"{name} {snapshot[name]}" for name in POSTGRES_SETTINGS_SHOWN if name in snapshot) + "\n")
    loader = [sys.executable, "-m", "outreach_warehouse", "load", "--target", "postgres",
              "--messages", str(messages), "--seed", str(seed)]
    results: Results = {"messages": messages, "database": database, "settings": snapshot}

    load = _step(messages, "postgres load", loader, env, size_dir / "load.log")
    build = _step(messages, "postgres dbt build (full)", dbt.command("build").argv, env,
                  size_dir / "dbt-build.log", required=False)
    build_nodes, build_busy = _keep_run_results(artifacts, size_dir / "run_results-full.json")
    print_nodes(f"{messages:,} messages, postgres, full build", build_nodes)
    increment = _step(messages, "postgres load --increment-day 1", [*loader, "--increment-day", "1"], env,
                      size_dir / "load-increment.log")
    if explain_min_seconds is not None:
        _admin(settings, [
            f"alter database {database} set session_preload_libraries = 'auto_explain'",
            f"alter database {database} set auto_explain.log_min_duration = '{int(explain_min_seconds * 1000)}ms'",
        ])

    stuck: list[dict[str, Any]] = []

    def at_timeout() -> None:
        stuck.extend(running_nodes(
            (size_dir / "dbt-build-incremental.log").read_text(encoding="utf-8", errors="replace"),
            datetime.now(timezone.utc)))
        explain_running(settings, artifacts, stuck, size_dir / "day-running-plans.txt")
        stop_dbt_sessions(settings)

    server_log_offset = server_log.stat().st_size if server_log is not None and server_log.exists() else 0
    day_started = datetime.now(timezone.utc)
    day = run_timed(dbt.command("build", selector="daily").argv, env,
                    size_dir / "dbt-build-incremental.log", timeout=day_timeout, on_timeout=at_timeout)
    _progress(messages, "postgres dbt build (incremental)", day)
    if day.timed_out:
        stop_dbt_sessions(settings)
        day_nodes, day_busy = finished_nodes(day.output()), None
        sys.stderr.write(
            f"[benchmark] {messages:,} messages, postgres: the day did not finish in {day_timeout:,.0f} s; running "
            "then: " + ", ".join(f"{node['name']} ({node['seconds']:,.0f} s)" for node in stuck)
            + f"; plans in {size_dir / 'day-running-plans.txt'}\n")
    else:
        day_nodes, day_busy = _keep_run_results(artifacts, size_dir / "run_results-incremental.json")
    print_nodes(f"{messages:,} messages, postgres, incremental day"
                + (" (finished nodes, from the log)" if day.timed_out else ""), day_nodes)
    if explain_min_seconds is not None:
        _copy_log_tail(server_log, server_log_offset, size_dir / "day-slow-plans.log")
    query = postgres_query(settings)
    shares = {"raw": day_shares.raw_day(query),
              "models": None if day.timed_out or day.returncode != 0 else
              day_shares.model_shares(query, artifacts / "target" / "manifest.json", day_started, None)}
    print_day(f"{messages:,} messages, postgres", day.seconds, build.seconds, shares, day.timed_out)
    if not keep_database:
        _admin(settings, [f"drop database if exists {database}"])
    results.update({
        "load_seconds": load.seconds,
        "build_seconds": build.seconds,
        "build_returncode": build.returncode,
        "build_status": _status_counts(build_nodes),
        "build_busy_seconds": build_busy,
        "build_peak_rss_bytes": build.peak_rss_bytes,
        "increment_load_seconds": increment.seconds,
        "incremental_seconds": day.seconds,
        "incremental_timed_out": day.timed_out,
        "incremental_timeout_seconds": day_timeout,
        "incremental_returncode": day.returncode,
        "incremental_status": _status_counts(day_nodes),
        "incremental_busy_seconds": day_busy,
        "incremental_running_at_timeout": stuck,
        "models": build_nodes,
        "incremental_models": day_nodes,
        "day_shares": shares,
    })
    (size_dir / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    return results


def _copy_log_tail(log: Path | None, offset: int, into: Path) -> None:
    """What a log gained past `offset` (the server log's auto_explain plans of the day), into a file."""
    if log is None or not log.exists():
        return
    with log.open("rb") as handle:
        handle.seek(offset)
        into.write_bytes(handle.read())


# --- machine --------------------------------------------------------------------------------------

def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_bytes() -> int:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpus() -> int:
    try:
        return int(subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError, ValueError):
        return os.cpu_count() or 0


def machine_description(seed: int) -> dict[str, Any]:
    """Where the numbers come from: CPUs, memory, CPU model, software versions, the engine settings."""

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    return {
        "cpus": _cpus(),
        "memory_bytes": _memory_bytes(),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt": f"{version('dbt-core')} (dbt-duckdb {version('dbt-duckdb')})",
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
        "seed": seed,
    }


# --- the report -----------------------------------------------------------------------------------

def _gb(value: float) -> str:
    return f"{value / 10**9:.2f} GB"


def _s(value: float) -> str:
    return f"{value:,.1f} s"


def _n(value: int) -> str:
    return f"{value:,}"


def _ratio(value: float) -> str:
    return f"{value:.2f}x"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def _per_million(size: Mapping[str, Any]) -> float:
    return float(size["build_seconds"]) / (int(size["messages"]) / 1_000_000)


def _peak(size: Mapping[str, Any]) -> int:
    return max(int(size["build_peak_rss_bytes"]), int(size.get("incremental_peak_rss_bytes", 0)))


def _build_flag(size: Mapping[str, Any]) -> str:
    failed = size.get("build_returncode", 0) != 0 or size.get("incremental_returncode", 0) != 0
    return " (dbt exited non-zero, see the logs)" if failed else ""


def _targets(sizes: list[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(target, measured, verdict) rows."""
    rows: list[tuple[str, str, str]] = []
    for size in sizes:
        ratio = size["build_seconds"] / size["floor_seconds"]
        rows.append((
            f"full build <= 2x floor ({_n(size['messages'])} messages)",
            f"{_s(size['build_seconds'])} / {_s(size['floor_seconds'])} = {_ratio(ratio)}",
            _verdict(ratio <= MAX_BUILD_OVER_FLOOR),
        ))
    for size in sizes:
        if "run_seconds" in size:
            ratio = size["run_seconds"] / size["floor_seconds"]
            rows.append((
                f"models alone (dbt run) <= 1.2x floor ({_n(size['messages'])} messages)",
                f"{_s(size['run_seconds'])} / {_s(size['floor_seconds'])} = {_ratio(ratio)}",
                _verdict(ratio <= MAX_RUN_OVER_FLOOR),
            ))
    at_target = [size for size in sizes if size["messages"] == INCREMENTAL_TARGET_MESSAGES]
    for size in sizes:
        share = size["incremental_seconds"] / size["build_seconds"]
        target = INCREMENTAL_SHARE_TARGETS.get(size["messages"])
        if target is None:
            rows.append((f"(for reference) incremental day at {_n(size['messages'])}", _pct(share), "info"))
            continue
        rows.append((
            f"incremental day (the daily job's build) <= {target:.0%} of full build (at {_n(size['messages'])})",
            f"{_s(size['incremental_seconds'])} / {_s(size['build_seconds'])} = {_pct(share)}",
            _verdict(share <= target),
        ))
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = _per_million(large) / _per_million(small)
        rows.append((
            f"cost per million messages grows no faster than data ({_n(small['messages'])} -> "
            f"{_n(large['messages'])})",
            f"{_s(_per_million(small))} -> {_s(_per_million(large))} per million = {_ratio(growth)}",
            _verdict(growth <= 1.0),
        ))
    else:
        rows.append(("cost per million messages grows no faster than data", "not measured (one size only)", "n/a"))
    memory_size = at_target[0] if at_target else sizes[-1]
    rows.append((
        f"peak memory <= 8 GB (dbt process, at {_n(memory_size['messages'])})",
        _gb(_peak(memory_size)),
        _verdict(_peak(memory_size) <= MAX_PEAK_MEMORY_BYTES) if at_target
        else f"{_verdict(_peak(memory_size) <= MAX_PEAK_MEMORY_BYTES)} (not at {_n(INCREMENTAL_TARGET_MESSAGES)})",
    ))
    return rows


def _node_table(nodes: list[Mapping[str, Any]], total: float) -> list[str]:
    lines = ["| node | type | status | seconds | share of the build |", "| --- | --- | --- | ---: | ---: |"]
    for node in nodes[:TOP_NODES]:
        share = node["seconds"] / total if total else 0.0
        lines.append(f"| `{node['name']}` | {node.get('type', 'model')} | {node.get('status', '')} "
                     f"| {node['seconds']:.2f} | {_pct(share)} |")
    return lines


def _where_the_time_goes(size: Mapping[str, Any], threads: int) -> list[str]:
    nodes: list[Mapping[str, Any]] = size["models"]
    build = float(size["build_seconds"])
    by_type: dict[str, float] = {}
    for node in nodes:
        by_type[node.get("type", "model")] = by_type.get(node.get("type", "model"), 0.0) + float(node["seconds"])
    node_total = sum(by_type.values())
    lines = [
        f"At {_n(size['messages'])} messages the full build took {_s(build)} of wall time. "
        f"Its nodes ran {_s(node_total)} in all ("
        + ", ".join(f"{kind}s {_s(seconds)}" for kind, seconds in sorted(by_type.items(), key=lambda kv: -kv[1]))
        + f") on {threads} threads."
    ]
    if "build_busy_seconds" in size:
        idle = max(0.0, build - float(size["build_busy_seconds"]))
        lines.append(
            f"No node was running for {_s(idle)} ({_pct(idle / build if build else 0.0)} of the wall time): "
            "dbt's start-up, parsing, on-run-start hooks and the as-of and incremental-state queries."
        )
    top = nodes[:3]
    if top and node_total:
        lines.append(
            "The slowest nodes: "
            + "; ".join(f"`{node['name']}` {_s(node['seconds'])} ({_pct(node['seconds'] / node_total)} of node time)"
                        for node in top)
            + "."
        )
    floor = float(size["floor_seconds"])
    lines.append(
        f"The floor computes the same seven marts in {_s(floor)}: the project spends {_ratio(build / floor)} "
        f"the floor's time ({_s(build - floor)} more), for its layers, its tests and dbt itself."
    )
    incremental_nodes: list[Mapping[str, Any]] = size.get("incremental_models", [])
    if incremental_nodes:
        incremental = float(size["incremental_seconds"])
        lines.append(
            f"The incremental day took {_s(incremental)} ({_pct(incremental / build if build else 0.0)} of the "
            "full build); its slowest nodes: "
            + "; ".join(f"`{node['name']}` {_s(node['seconds'])}" for node in incremental_nodes[:3])
            + "."
        )
    return lines


def _day_share_lines(sizes: Sequence[Mapping[str, Any]], engine: str) -> list[str]:
    lines: list[str] = []
    for size in sizes:
        shares = size.get("day_shares")
        if shares is None:
            continue
        lines.append(f"- {_n(size['messages'])} messages, {engine}:")
        lines += [f"  - {line}" for line in day_shares.describe(shares.get("raw"), shares.get("models"))]
    return lines


def render_postgres(postgres: Sequence[Mapping[str, Any]]) -> list[str]:
    """The Postgres section of the report: load, full build and one day per size, the server's settings, the day's
    shares, the slowest nodes, and what was running when a day was stopped."""
    if not postgres:
        return []
    lines = [
        "## Postgres", "",
        "Load, full build (`dbt build`) and one day (`dbt build --selector daily`) on the same generated data as "
        "DuckDB, on a server with PostgreSQL's default settings (`scripts/pg.sh` with `PG_SETTINGS=default`, "
        "or the server `DBT_POSTGRES_*` name). A day that runs past the timeout is stopped.", "",
        "| messages | load | full build | day load | day | day / full build |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in postgres:
        if size.get("incremental_timed_out"):
            day, share = f"did not finish in {_s(size['incremental_timeout_seconds'])}", "n/a"
        else:
            day = _s(size["incremental_seconds"]) + _build_flag(size)
            share = _pct(size["incremental_seconds"] / size["build_seconds"])
        lines.append(f"| {_n(size['messages'])} | {_s(size['load_seconds'])} | {_s(size['build_seconds'])} "
                     f"| {_s(size['increment_load_seconds'])} | {day} | {share} |")
    lines += [""]
    for size in postgres:
        settings = size.get("settings", {})
        lines.append(f"- {_n(size['messages'])} messages, server settings: " + ", ".join(
            f"{name} {settings[name]}" for name in POSTGRES_SETTINGS_SHOWN if name in settings))
        for node in size.get("incremental_running_at_timeout", []):
            lines.append(f"- {_n(size['messages'])} messages: `{node['name']}` had run {_s(node['seconds'])} when "
                         "the day was stopped")
    lines += ["", *_day_share_lines(postgres, "postgres"), ""]
    for size in postgres:
        lines += [f"### Postgres full build, {_n(size['messages'])} messages", ""]
        lines += _node_table(size["models"], float(size["build_seconds"]))
        lines += ["", f"### Postgres day, {_n(size['messages'])} messages"
                  + (" (nodes that finished before the stop)" if size.get("incremental_timed_out") else ""), ""]
        lines += _node_table(size["incremental_models"], float(size["incremental_seconds"]))
        lines += [""]
    return lines


def render_report(results: Mapping[str, Any]) -> str:
    """BENCHMARKS.md from the results of run_benchmark (a pure function of them)."""
    machine: Mapping[str, Any] = results["machine"]
    sizes: list[Mapping[str, Any]] = sorted(results["sizes"], key=lambda size: size["messages"])
    postgres: list[Mapping[str, Any]] = sorted(results.get("postgres", []), key=lambda size: size["messages"])
    threads = int(machine.get("threads", THREADS))
    if not sizes:
        return "\n".join(["# Benchmarks", "", *render_postgres(postgres)]) + "\n"
    lines = [
        "# Benchmarks",
        "",
        "The dbt project's DuckDB build against *the floor*: `benchmarks/floor.sql`, a hand-written DuckDB "
        "script that computes the same seven marts (every column but `updated`, proven equal on the acceptance "
        "sample by `tests/python/test_floor.py`) straight from `raw_oltp`, with the same threads and memory "
        "limit. The floor is what the engine needs at least; the ratio is what the project's structure costs.",
        "",
        "Reproduce with `python -m outreach_warehouse benchmark --sizes "
        + ",".join(str(size["messages"]) for size in sizes)
        + f" --seed {machine.get('seed', 42)} --output BENCHMARKS.md --workdir /tmp/bench`.",
        "",
        "## Machine",
        "",
        f"- CPUs (`nproc`): {machine['cpus']}; CPU model: {machine['cpu_model']}",
        f"- memory: {machine['memory_bytes'] / 2**30:.1f} GiB",
        f"- Python {machine['python']}, DuckDB {machine['duckdb']}, dbt {machine['dbt']}",
        f"- engine settings (dbt profile and floor alike): {threads} threads, memory_limit "
        f"{machine.get('memory_limit', MEMORY_LIMIT)}",
        "",
        "## Results",
        "",
        "Wall times of each step, run as a child process; peak memory is the larger of that process's maximum "
        "resident set and its process tree's summed Pss, sampled every second (dbt runs DuckDB in-process, so "
        "the two agree). The floor's time is its SQL alone; the build's includes dbt's "
        "start-up and its tests (`dbt build`).",
        "",
        "| messages | raw events | load | dbt parse | full build | build peak memory | floor | floor peak memory "
        "| build / floor | dbt run (models) | run / floor | day load | incremental build (daily) | incremental / full "
        "| full build per million |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for size in sizes:
        events = size.get("raw_rows", {}).get("email_events")
        lines.append(
            f"| {_n(size['messages'])} | {_n(events) if events is not None else 'n/a'} "
            f"| {_s(size['load_seconds'])} | {_s(size['parse_seconds'])} | {_s(size['build_seconds'])}"
            f"{_build_flag(size)} | {_gb(size['build_peak_rss_bytes'])} | {_s(size['floor_seconds'])} "
            f"| {_gb(size['floor_peak_rss_bytes'])} | {_ratio(size['build_seconds'] / size['floor_seconds'])} "
            f"| {_s(size['run_seconds']) if 'run_seconds' in size else 'n/a'} "
            f"| {_ratio(size['run_seconds'] / size['floor_seconds']) if 'run_seconds' in size else 'n/a'} "
            f"| {_s(size['increment_load_seconds'])} "
            f"| {_s(size['incremental_seconds'])} | {_pct(size['incremental_seconds'] / size['build_seconds'])} "
            f"| {_s(_per_million(size))} |"
        )
    status_lines = [
        f"- {_n(size['messages'])} messages, {label}: node statuses "
        + ", ".join(f"{status} {count}" for status, count in sorted(size[key].items()))
        for size in sizes
        for label, key in (("full build", "build_status"), ("incremental build", "incremental_status"))
        if size.get(key)
    ]
    if status_lines:
        lines += ["", *status_lines]
    lines += ["", "## Targets", "", "| target | measured | verdict |", "| --- | --- | --- |"]
    lines += [f"| {target} | {measured} | {verdict} |" for target, measured, verdict in _targets(sizes)]
    lines += ["", "## Per-model timings", ""]
    for size in sizes:
        lines += [f"### Full build, {_n(size['messages'])} messages (top {TOP_NODES} nodes by execution time)", ""]
        lines += _node_table(size["models"], float(size["build_seconds"]))
        lines += [""]
        if size.get("incremental_models"):
            lines += [f"### Incremental day, {_n(size['messages'])} messages", ""]
            lines += _node_table(size["incremental_models"], float(size["incremental_seconds"]))
            lines += [""]
    lines += ["## Where the time goes", ""]
    for size in sizes:
        lines += [" ".join(_where_the_time_goes(size, threads)), ""]
    share_lines = _day_share_lines(sizes, "duckdb")
    if share_lines:
        lines += ["## What the day had to do", "",
                  "Measured after each day: the day's extract on the raw tables, then what the models recomputed "
                  "(`int_changed_messages` when the project has it; per mart, the rows whose `updated` is the day "
                  "run's start).", "", *share_lines, ""]
    lines += render_postgres(postgres)
    largest = sizes[-1]
    lines += ["## Larger sizes", ""]
    if largest["messages"] > INCREMENTAL_TARGET_MESSAGES:
        lines.append(
            f"The largest size tried, {_n(largest['messages'])} messages, built in {_s(largest['build_seconds'])} "
            f"with a peak of {_gb(_peak(largest))} on this {machine['memory_bytes'] / 2**30:.0f} GiB machine."
        )
    else:
        lines.append(
            f"Not tried: the largest size run is {_n(largest['messages'])} messages (peak {_gb(_peak(largest))} "
            f"on a {machine['memory_bytes'] / 2**30:.0f} GiB machine). Add a size to `--sizes` to measure "
            "how far it goes; DuckDB spills to disk past its memory limit, so disk and time bound it before memory."
        )
    return "\n".join(lines) + "\n"


# --- the command ----------------------------------------------------------------------------------

def run_benchmark(
    sizes: list[int], output: Path, workdir: Path, seed: int, keep_databases: bool = False,
    engines: Sequence[str] = ("duckdb",), postgres_day_timeout: float = POSTGRES_DAY_TIMEOUT,
    postgres_explain_seconds: float | None = None,
) -> int:
    """Benchmark every size on each engine (DuckDB: load, parse, build, floor, models alone, one day; Postgres:
    load, build, one day, on the same generated data), write the report to `output` and the raw results beside the
    work files."""
    workdir.mkdir(parents=True, exist_ok=True)
    results: Results = {"machine": machine_description(seed), "sizes": [], "postgres": []}

    def save() -> None:
        (workdir / "results.json").write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")

    for messages in sizes:
        if "duckdb" in engines:
            results["sizes"].append(benchmark_size(messages, workdir, seed, keep_databases))
            save()
    if "postgres" in engines:
        with postgres_server(workdir) as (server, server_log):
            for messages in sizes:
                results["postgres"].append(benchmark_postgres_size(
                    messages, workdir, seed, server, postgres_day_timeout, postgres_explain_seconds,
                    keep_databases, server_log))
                save()
    report = render_report(results)
    output.write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


def parse_sizes(text: str) -> list[int]:
    """'1000000,10M,200k' -> [1000000, 10000000, 200000]."""
    sizes: list[int] = []
    for part in text.split(","):
        part = part.strip().replace("_", "").lower()
        if not part:
            continue
        multiplier = {"k": 1_000, "m": 1_000_000}.get(part[-1], 1)
        sizes.append(int(float(part[:-1] if multiplier != 1 else part) * multiplier))
    if not sizes or any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be positive message counts, not {text!r}")
    return sizes


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `python -m outreach_warehouse benchmark`."""
    parser.add_argument("--sizes", type=parse_sizes, default=[1_000_000, 10_000_000],
                        help="messages of the base extract, comma separated (1000000,10M,...)")
    parser.add_argument("--output", type=Path, default=PROJECT_DIR / "BENCHMARKS.md", help="the markdown report")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/outreach-bench"),
                        help="DuckDB files, dbt artifacts, logs and results.json")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep-databases", action="store_true", help="keep each size's DuckDB file")
    parser.add_argument("--spark", action="store_true",
                        help="measure the spark target instead (load, full build, one day); prints the results as JSON")
    parser.add_argument("--engines", type=_engines, default=("duckdb",),
                        help="duckdb, postgres or both (duckdb,postgres): Postgres runs load, full build and one day "
                             "on the same generated data, on the server DBT_POSTGRES_* name when DBT_POSTGRES_HOST is "
                             "set, else on one scripts/pg.sh starts with PostgreSQL's default settings")
    parser.add_argument("--postgres-day-timeout", type=float, default=POSTGRES_DAY_TIMEOUT, metavar="SECONDS",
                        help="stop a Postgres day after this long (default 900): the running statements are explained "
                             "and the nodes that finished reported")
    parser.add_argument("--postgres-explain-seconds", type=float, default=None, metavar="SECONDS",
                        help="log the plan of every statement of the Postgres day slower than this (auto_explain, no "
                             "analyze) and copy them beside the results (a server the benchmark started)")


def main(args: argparse.Namespace) -> int:
    if getattr(args, "spark", False):
        workdir = Path(args.workdir).resolve()
        for messages in args.sizes:
            print(json.dumps(benchmark_spark_size(messages, workdir, int(args.seed)), indent=2))
        return 0
    return run_benchmark(
        list(args.sizes), Path(args.output).resolve(), Path(args.workdir).resolve(), int(args.seed),
        bool(getattr(args, "keep_databases", False)), tuple(getattr(args, "engines", ("duckdb",))),
        float(getattr(args, "postgres_day_timeout", POSTGRES_DAY_TIMEOUT)),
        getattr(args, "postgres_explain_seconds", None),
    )


def _engines(text: str) -> tuple[str, ...]:
    engines = tuple(part.strip().lower() for part in text.split(",") if part.strip())
    if not engines or set(engines) - {"duckdb", "postgres"}:
        raise argparse.ArgumentTypeError(f"engines are duckdb and/or postgres, not {text!r}")
    return engines


if __name__ == "__main__":
    sys.exit(_floor_process(sys.argv[1:]))
