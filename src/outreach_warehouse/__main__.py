"""Command line: `python -m outreach_warehouse {load,load-parquet,job,benchmark} ...`.

Each subcommand is one `Command`: a function adding its arguments and a function running it (returning
the exit code). Add a subcommand by adding an entry to `COMMANDS`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

PROJECT_DIR = Path(__file__).resolve().parents[2]
TARGETS = ("duckdb", "postgres", "spark")


@dataclass(frozen=True)
class Command:
    """One subcommand: its name, one-line help, argument setup and handler."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _as_of(value: str) -> datetime:
    """An ISO 8601 instant; without an offset it is taken as UTC."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--messages", type=int, default=50_000,
                        help="approximate campaign + warmup messages of the base history (default 50000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--as-of", type=_as_of, default=None,
                        help="as-of of the base extract, ISO 8601 (default 2026-01-01T01:00:00+00:00)")
    parser.add_argument("--increment-day", type=int, default=0, metavar="K",
                        help="K >= 1: append the K-th later daily extract (same --messages, --seed and --as-of "
                             "as the base; apply 1, 2, ... in order)")
    parser.add_argument("--fresh", action="store_true",
                        help="duckdb: start a new warehouse file, removing the one at DBT_DUCKDB_PATH first if the "
                             "demo loader wrote it (make demo does: a smaller demo after a bigger one would stop at "
                             "the raw volume check); a file the loader did not write is refused, exit 2")


def _load(args: argparse.Namespace) -> int:
    from outreach_warehouse.connections import Target
    from outreach_warehouse.loader import DEFAULT_AS_OF, LoadSpec, NotADemoWarehouse, load_generated, start_fresh_demo

    target = Target.from_env(args.target)
    if args.fresh:
        if target.kind != "duckdb" or args.increment_day:
            print("--fresh starts a base load on the duckdb target only", file=sys.stderr)
            return 2
        try:
            done = start_fresh_demo(target.duckdb_path or Path("outreach.duckdb"))
        except NotADemoWarehouse as refused:
            print(refused, file=sys.stderr)
            return 2
        if done:
            print(done, file=sys.stderr)
    spec = LoadSpec(messages=args.messages, seed=args.seed, as_of=args.as_of or DEFAULT_AS_OF,
                    increment_day=args.increment_day)
    started = time.monotonic()

    def progress(step: str) -> None:
        print(f"[{time.monotonic() - started:7.1f} s] {step}", file=sys.stderr, flush=True)

    result = load_generated(target, spec, progress=progress).as_dict()
    result["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(result, indent=2))
    return 0


def _load_parquet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--dir", required=True, type=Path, help="a directory of <table>.parquet files")


def _load_parquet(args: argparse.Namespace) -> int:
    from outreach_warehouse.connections import Target
    from outreach_warehouse.loader import load_parquet

    print(json.dumps(load_parquet(Target.from_env(args.target), args.dir), indent=2))
    return 0


def _job_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", choices=TARGETS)
    parser.add_argument("--selector", default="daily")
    parser.add_argument("--artifacts-dir", default="artifacts")
    parser.add_argument("--vars", help="dbt vars for every step, as YAML or JSON (a backfill's as_of, say)")
    parser.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                        help="when another job run holds the warehouse, wait up to SECONDS for it "
                             "(default 0: exit 5 at once)")
    parser.add_argument("--keep-artifacts-days", type=float, default=14.0, metavar="DAYS",
                        help="remove the artifacts of earlier runs started more than DAYS ago (default 14: "
                             "about 300 MB of daily runs; the newest runs are always kept)")


def _job(args: argparse.Namespace) -> int:
    from outreach_warehouse.job import run_job

    extra = ["--target", args.target] if args.target else []
    if args.vars:
        extra += ["--vars", args.vars]
    return run_job(PROJECT_DIR, Path(args.artifacts_dir).resolve(), selector=args.selector, extra_args=extra,
                   wait_seconds=args.wait, keep_artifacts_days=args.keep_artifacts_days)


def _benchmark_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from outreach_warehouse import benchmark
    except ImportError:
        return
    benchmark.add_arguments(parser)


def _benchmark(args: argparse.Namespace) -> int:
    from outreach_warehouse import benchmark

    return int(benchmark.main(args))


COMMANDS: tuple[Command, ...] = (
    Command("load", "generate realistic raw extracts into a target's raw schema", _load_arguments, _load),
    Command("load-parquet", "load <table>.parquet files into a target's raw schema", _load_parquet_arguments,
            _load_parquet),
    Command("job", "freshness, the daily build, one retry; exit codes for schedulers", _job_arguments, _job),
    Command("benchmark", "time full and incremental builds against a hand-written floor", _benchmark_arguments,
            _benchmark),
)


def build_parser(commands: Sequence[Command] = COMMANDS) -> argparse.ArgumentParser:
    """The argument parser, one subparser per command."""
    parser = argparse.ArgumentParser(prog="outreach_warehouse", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in commands:
        subparser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.add_arguments(subparser)
        subparser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; returns its exit code."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
