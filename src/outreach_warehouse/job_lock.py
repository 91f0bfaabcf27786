"""One job at a time per warehouse: a lock the scheduled job holds from its first step to its last.

- Postgres: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of its own, open for the
  job's lifetime. Advisory locks belong to the database, so every job on any machine that points at the
  same database contends for the same lock, and the server releases it when the session ends (a killed
  job never leaves it behind).
- DuckDB: an exclusive POSIX record lock (`fcntl.lockf`) on `<database file>.job.lock`, beside the file.
  The kernel releases it when the process ends. (DuckDB's own file lock stops a second writer too, but
  in the middle of its work and with an error that looks like any other; this lock stops it first.)

The holder writes who it is (host, process id, start time) where the other job can read it: into the lock
file, or as the lock connection's `application_name`.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from outreach_warehouse.connections import PostgresSettings, duckdb_path

# The advisory lock's key: the first 16 hex digits of md5 of this name, as a signed 64-bit integer.
LOCK_NAME = "outreach_warehouse job"
# The targets whose warehouse the job can lock.
LOCKED_TARGETS = ("duckdb", "postgres")
POLL_SECONDS = 1.0
# How long a run that finds the lock taken waits for the holder to write who it is.
LABEL_WAIT_SECONDS = 2.0


class WarehouseBusy(Exception):
    """Another job run holds the warehouse (the message says which, when it can be known)."""


def advisory_key(name: str = LOCK_NAME) -> int:
    """The advisory lock key of a name: md5's first 64 bits, as the signed bigint Postgres takes."""
    unsigned = int(hashlib.md5(name.encode()).hexdigest()[:16], 16)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def holder_label() -> str:
    """Who holds the lock, as the other job reports it."""
    started = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"outreach_warehouse job pid {os.getpid()} on {socket.gethostname()} since {started}"


def lock_path(database: Path) -> Path:
    """The lock file of a DuckDB database file: `<file>.job.lock` beside it."""
    return database.with_name(database.name + ".job.lock")


def _poll(try_acquire: Callable[[], bool], wait_seconds: float, on_wait: Callable[[], None]) -> bool:
    """Try at once, then every POLL_SECONDS until `wait_seconds` have passed; `on_wait` once before waiting."""
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    if try_acquire():
        return True
    if wait_seconds > 0:
        on_wait()
    while time.monotonic() < deadline:
        time.sleep(min(POLL_SECONDS, max(deadline - time.monotonic(), 0.0)))
        if try_acquire():
            return True
    return False


@contextmanager
def duckdb_lock(database: Path, wait_seconds: float = 0.0,
                on_wait: Callable[[str], None] = lambda holder: None) -> Iterator[None]:
    """Hold the job lock of a DuckDB database file; raises WarehouseBusy when another process holds it."""
    path = lock_path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        def try_acquire() -> bool:
            try:
                fcntl.lockf(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except (BlockingIOError, PermissionError):
                return False

        def holder() -> str:
            # the holder writes its label just after it takes the lock: a run that lost the race by a few
            # microseconds may find the file still empty, so it looks again for up to LABEL_WAIT_SECONDS
            deadline = time.monotonic() + LABEL_WAIT_SECONDS
            while True:
                label = path.read_text().strip()
                if label or time.monotonic() >= deadline:
                    return label or "another process"
                time.sleep(0.05)

        if not _poll(try_acquire, wait_seconds, lambda: on_wait(holder())):
            raise WarehouseBusy(f"{holder()} holds {path}")
        # never removed: a process that opened the old file would lock a file nobody else sees
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, (holder_label() + "\n").encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(descriptor, 0)
            fcntl.lockf(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _postgres_connect(settings: PostgresSettings, application_name: str) -> Any:
    import psycopg2

    return psycopg2.connect(
        host=settings.host, port=settings.port, user=settings.user, password=settings.password,
        dbname=settings.database, application_name=application_name[:63], connect_timeout=10,
        # the lock lives as long as this session: keep it alive through idle hours, and let the server
        # notice a dead client (and release the lock) within minutes
        keepalives=1, keepalives_idle=60, keepalives_interval=10, keepalives_count=6,
    )


@contextmanager
def postgres_lock(settings: PostgresSettings, wait_seconds: float = 0.0,
                  on_wait: Callable[[str], None] = lambda holder: None) -> Iterator[None]:
    """Hold the job's advisory lock in a Postgres database; raises WarehouseBusy when another session holds it."""
    key = advisory_key()
    connection = _postgres_connect(settings, holder_label())
    connection.autocommit = True
    try:
        def try_acquire() -> bool:
            with connection.cursor() as cursor:
                cursor.execute("select pg_try_advisory_lock(%s)", (key,))
                return bool(cursor.fetchone()[0])

        def holder() -> str:
            # a bigint key shows in pg_locks as its high and low 32 bits (objsubid 1)
            with connection.cursor() as cursor:
                cursor.execute(
                    "select coalesce(nullif(activity.application_name, ''), 'a session') || ' (backend pid ' "
                    "|| locks.pid || coalesce(', from ' || host(activity.client_addr), '') || ')' "
                    "from pg_locks as locks left join pg_stat_activity as activity on activity.pid = locks.pid "
                    "where locks.locktype = 'advisory' and locks.granted and locks.objsubid = 1 "
                    "and locks.database = (select oid from pg_database where datname = current_database()) "
                    "and locks.classid = %s and locks.objid = %s",
                    ((key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF),
                )
                row = cursor.fetchone()
            return row[0] if row else "another session"

        if not _poll(try_acquire, wait_seconds, lambda: on_wait(holder())):
            raise WarehouseBusy(f"{holder()} holds the job lock of database {settings.database}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("select pg_advisory_unlock(%s)", (key,))
    finally:
        connection.close()


@contextmanager
def warehouse_lock(kind: str, project_dir: Path, wait_seconds: float = 0.0,
                   environ: Mapping[str, str] | None = None,
                   on_wait: Callable[[str], None] = lambda holder: None) -> Iterator[None]:
    """The job lock of the warehouse that dbt's profile points at (the same environment variables as
    `profiles.yml`; a relative DuckDB path is taken from the project directory, where dbt runs)."""
    env = os.environ if environ is None else environ
    if kind == "postgres":
        with postgres_lock(PostgresSettings.from_env(env), wait_seconds, on_wait):
            yield
        return
    if kind != "duckdb":
        raise ValueError(f"unknown target {kind!r}: duckdb or postgres")
    database = duckdb_path(env)
    # keyed on the file itself: a symlinked or relative path to the same warehouse takes the same lock
    real = Path(os.path.realpath(database if database.is_absolute() else project_dir / database))
    with duckdb_lock(real, wait_seconds, on_wait):
        yield
