"""Command line: `python -m outreach_warehouse {load,load-parquet,job,benchmark} ...`."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable, Sequence

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _load(args: argparse.Namespace) -> int:
    from outreach_warehouse.connections import RawTarget
    from outreach_warehouse.loader import DEFAULT_AS_OF, LoadSpec, load_generated, render_report

    as_of = datetime.fromisoformat(args.as_of) if args.as_of else DEFAULT_AS_OF
    spec = LoadSpec(messages=args.messages, seed=args.seed, as_of=as_of, increment_day=args.increment_day)
    started = time.monotonic()
    result = load_generated(RawTarget.from_env(args.target), spec)
    result["seconds"] = round(time.monotonic() - started, 2)
    print(render_report(result))
    return 0


def _load_parquet(args: argparse.Namespace) -> int:
    from outreach_warehouse.connections import RawTarget
    from outreach_warehouse.loader import load_parquet, render_report

    print(render_report(load_parquet(RawTarget.from_env(args.target), Path(args.dir))))
    return 0


def _job(args: argparse.Namespace) -> int:
    from outreach_warehouse.job import run_job

    extra = ["--target", args.target] if args.target else []
    return run_job(PROJECT_DIR, Path(args.artifacts_dir).resolve(), selector=args.selector, extra_args=extra)


def _benchmark(args: argparse.Namespace) -> int:
    from outreach_warehouse import benchmark

    return benchmark.main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="outreach_warehouse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    load = commands.add_parser("load", help="generate realistic raw extracts into a target's raw schema")
    load.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    load.add_argument("--messages", type=int, default=50_000, help="approximate messages of the base extract")
    load.add_argument("--seed", type=int, default=42)
    load.add_argument("--as-of", help="as-of of the base extract (ISO 8601, UTC); default 2026-01-01 01:00")
    load.add_argument("--increment-day", type=int, default=0,
                      help="K >= 1: append the K-th later daily extract instead (apply 1, 2, ... in order)")
    load.set_defaults(handler=_load)

    parquet = commands.add_parser("load-parquet", help="load <table>.parquet files into a target's raw schema")
    parquet.add_argument("--target", choices=["duckdb", "postgres"], default="duckdb")
    parquet.add_argument("--dir", required=True)
    parquet.set_defaults(handler=_load_parquet)

    job = commands.add_parser("job", help="freshness, the daily build, one retry; exit codes for schedulers")
    job.add_argument("--target", choices=["duckdb", "postgres"])
    job.add_argument("--selector", default="daily")
    job.add_argument("--artifacts-dir", default="artifacts")
    job.set_defaults(handler=_job)

    bench = commands.add_parser("benchmark", help="time full and incremental builds against a hand-written floor")
    try:
        from outreach_warehouse import benchmark

        benchmark.add_arguments(bench)
    except ImportError:
        pass
    bench.set_defaults(handler=_benchmark)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
