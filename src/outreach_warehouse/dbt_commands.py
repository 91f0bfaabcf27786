"""Build and run the project's dbt commands: the job (job.py), the benchmark (benchmark.py) and the test suite
(warehouse.py's DbtProject) all invoke dbt through `Dbt`.

One place says which dbt runs (the one of this Python environment), from where (the project directory, which is
also where dbt finds profiles.yml unless told another profiles directory), where it writes (target and log
paths), with which vars and selector, and in which environment (the caller's, without usage tracking, without
colour codes when asked, plus the target's settings: DBT_TARGET, DBT_DUCKDB_PATH, ...).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

# dbt_project.yml turns usage statistics off too; the environment holds whatever a project's flags say
NO_TRACKING = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
# dbt_project.yml asks for colours; the environment overrides project flags, on the console and in dbt.log
NO_COLOURS = {"DBT_USE_COLORS": "false", "DBT_USE_COLORS_FILE": "false"}


def dbt_executable() -> Path:
    """The dbt of the running Python environment."""
    return Path(sys.executable).with_name("dbt")


@dataclass(frozen=True)
class DbtCommand:
    """One dbt command line, ready to run: its arguments, its working directory and its environment."""

    argv: tuple[str, ...]
    cwd: Path
    env: Mapping[str, str]

    def __str__(self) -> str:
        return " ".join(self.argv)

    def run(self, **options: Any) -> subprocess.CompletedProcess[Any]:
        """Run it to its end (never raising on its exit code); `options` go to subprocess.run (where the output
        goes, text or bytes)."""
        return subprocess.run(self.argv, cwd=self.cwd, env=dict(self.env), check=False, **options)

    def popen(self, **options: Any) -> subprocess.Popen[Any]:
        """Start it and return at once (to watch its output as it runs); `options` go to subprocess.Popen."""
        return subprocess.Popen(self.argv, cwd=self.cwd, env=dict(self.env), **options)


@dataclass(frozen=True)
class Dbt:
    """How dbt is invoked on the project: each command runs in `project_dir`, writes its artifacts to `target_path`
    and its log to `log_path` (dbt's defaults, `target/` and `logs/` of the project, when None), reads profiles.yml
    from `profiles_dir` (when None, dbt's own lookup: DBT_PROFILES_DIR, else the project directory), and runs in the
    caller's environment with `env` on top (a target's settings)."""

    project_dir: Path
    target_path: Path | None = None
    log_path: Path | None = None
    profiles_dir: Path | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    colours: bool = True

    def command(self, *args: str, selector: str | None = None, vars: Mapping[str, Any] | None = None,
                quiet: bool = False) -> DbtCommand:
        """`dbt [--quiet] <args> [--selector ...] [--target-path ...] [--log-path ...] [--vars <json>]`."""
        argv = [str(dbt_executable()), *(["--quiet"] if quiet else []), *args]
        if selector is not None:
            argv += ["--selector", selector]
        if self.target_path is not None:
            argv += ["--target-path", str(self.target_path)]
        if self.log_path is not None:
            argv += ["--log-path", str(self.log_path)]
        if vars:
            argv += ["--vars", json.dumps(vars)]
        return DbtCommand(tuple(argv), self.project_dir, self.environ())

    def environ(self) -> dict[str, str]:
        """The environment of every command (and of whatever else runs beside it against the same target)."""
        return {
            **os.environ,
            **({"DBT_PROFILES_DIR": str(self.profiles_dir)} if self.profiles_dir is not None else {}),
            **NO_TRACKING,
            **({} if self.colours else NO_COLOURS),
            **self.env,
        }
