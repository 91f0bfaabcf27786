"""The scheduler's entry point (`python -m outreach_warehouse job`): each exit code it documents, on a real
DuckDB warehouse, with the artifacts of every step kept under the run's directory, and what it says: a line per
step as it starts and ends, a summary naming the warnings and whether the marts were published, no colour codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import PROJECT_DIR, run_cli
from test_docs_site import CHROMIUM_FLAGS, SCREENSHOTS, pixel_colours, render, text_of
from outreach_warehouse.job import (
    EXIT_BUILD_FAILED,
    EXIT_DBT_ERROR,
    EXIT_OK,
    EXIT_RAW_EXTRACTS_BROKEN,
    EXIT_STALE_SOURCES,
    read_artifact,
)
from outreach_warehouse.raw_schema import RAW_TABLES
from outreach_warehouse.report import _run_labels
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine


@pytest.fixture(scope="module")
def loaded_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo extracts (dated in the loader's past, hence stale for today's freshness check)."""
    path = tmp_path_factory.mktemp("job") / "stale.duckdb"
    run_cli("load", "--target", "duckdb", "--messages", "3000", "--seed", "5", env={"DBT_DUCKDB_PATH": str(path)})
    return path


def copy_of(warehouse: Path, tmp_path: Path) -> Engine:
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    return Engine.duckdb(copy)


def make_fresh(engine: Engine) -> None:
    """Shift each table's extracts so that its latest one was taken an hour ago: every source passes freshness."""
    for table in RAW_TABLES:
        engine.execute(
            f"update raw_oltp.{table} set _extracted_at = _extracted_at "
            f"+ (now() - interval '1 hour' - (select max(_extracted_at) from raw_oltp.{table}))"
        )


JOB_LINE = re.compile(r"^outreach-warehouse job: \d\d:\d\d:\d\dZ (?P<step>[a-z-]+): (?P<said>.*)$")


def run_job(engine: Engine, artifacts: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, Path]:
    code, run, _ = run_job_saying(engine, artifacts, *args, env=env)
    return code, run


def run_job_saying(engine: Engine, artifacts: Path, *args: str,
                   env: dict[str, str] | None = None) -> tuple[int, Path, list[tuple[str, str]]]:
    """The job's exit code, its run directory and what it said on stderr: (step, what) a line."""
    result = subprocess.run(
        [sys.executable, "-m", "outreach_warehouse", "job", "--artifacts-dir", str(artifacts), *args],
        cwd=PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR), **engine.env, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    runs = sorted(artifacts.iterdir())
    assert len(runs) == 1, runs
    assert (runs[0] / "exit_code").read_text().strip() == str(result.returncode), result.stderr
    said = []
    for line in result.stderr.splitlines():
        match = JOB_LINE.match(line)
        assert match, f"a line the job printed is not one of its step lines: {line!r}\n{result.stderr}"
        said.append((match["step"], match["said"]))
    return result.returncode, runs[0], said


def render_report(page: Path, tmp_path: Path) -> tuple[str, dict[str, int]]:
    """The report page as headless Chromium renders it (its DOM), and how many pixels of the screenshot
    (run_report.png, beside the docs site's) have matplotlib's first colour and the fresh sources' green."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make setup` installs Debian's package (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    flags = [flag for flag in CHROMIUM_FLAGS if not flag.startswith("--window-size")]
    result = subprocess.run(
        [chromium, *flags, "--window-size=1100,4200", f"--user-data-dir={tmp_path / 'chromium-profile'}",
         f"--screenshot={SCREENSHOTS / 'run_report.png'}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-3000:]}"
    colours = pixel_colours(SCREENSHOTS / "run_report.png")

    def near(fill: tuple[int, int, int], tolerance: int = 20) -> int:
        return sum(count for rgb, count in colours.items()
                   if all(abs(channel - wanted) <= tolerance for channel, wanted in zip(rgb, fill)))

    return result.stdout, {"bars and lines": near((0x1F, 0x77, 0xB4)), "fresh sources": near((0x4C, 0x9A, 0x2A))}


def statuses(run_results: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in read_artifact(run_results)["results"]:
        counts[result["status"]] = counts.get(result["status"], 0) + 1
    return counts


def test_fresh_sources_build_and_exit_0(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    DbtProject(PROJECT_DIR, tmp_path / "by-hand").run(engine, "build")  # a build by hand: the report's first run
    code, run, said = run_job_saying(engine, tmp_path / "artifacts")
    assert code == EXIT_OK, (run / "job.log").read_text()[-5000:]
    assert read_artifact(run / "1-freshness" / "sources.json.gz")["results"]
    build = statuses(run / "2-build" / "run_results.json.gz")
    assert build.get("success", 0) > 20 and build.get("pass", 0) > 50, build
    assert not (run / "3-retry").exists()
    assert engine.scalar("select count(*) from analytics.billing_analytics") > 0
    # the summary follows the publication log; the freshness step left no run-log row that never completes
    assert "the marts were published" in (run / "job.log").read_text()
    assert engine.scalar("select count(*) from intermediate.warehouse_runs where completed_at is null") == 0
    # the docs site of the build, published with the run's artifacts
    site = (run / "docs" / "static_index.html").read_text()
    assert "billing_analytics" in site and len(site) > 1_000_000
    # as a person sees it: a mart page says when it was last built (this build), its rows and its tests' outcome as
    # the run report recorded them, and the overview links the run report beside the site
    site_url = (run / "docs" / "static_index.html").as_uri()
    mart = "campaign_analytics"
    page = text_of(render(site_url, f"model/model.outreach_warehouse.{mart}", "job_mart_page.png", tmp_path))
    assert f"Last build: rows {engine.scalar(f'select count(*) from analytics_build.{mart}'):,}" in page, page[:3000]
    built = r"Last build \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC: success \(dbt build, published\)"
    assert re.search(built, page), page[:3000]
    manifest = read_artifact(run / "manifest.json.gz")
    mart_id = f"model.outreach_warehouse.{mart}"
    # its data tests (attached to it, or singular tests reading it) and its unit tests, as the page counts them
    mart_tests = {uid for uid, node in manifest["nodes"].items() if node["resource_type"] == "test" and (
        [node["attached_node"]] if node.get("attached_node") else node["depends_on"]["nodes"]).count(mart_id)}
    mart_tests |= {uid for uid in manifest["unit_tests"] if uid.startswith(f"unit_test.outreach_warehouse.{mart}.")}
    outcomes: dict[str, int] = {}
    for result in read_artifact(run / "2-build" / "run_results.json.gz")["results"]:
        if result["unique_id"] in mart_tests:
            outcomes[result["status"]] = outcomes.get(result["status"], 0) + 1
    assert sum(outcomes.values()) > 10, outcomes  # those the daily selector runs
    assert "Last build: tests " + ", ".join(f"{n} {status}" for status, n in sorted(outcomes.items())) in page
    # every mart page's example query runs on the published marts and answers with rows
    for name in MARTS:
        queries = re.findall(r"```sql\n(.*?)```", manifest["nodes"][f"model.outreach_warehouse.{name}"]["description"],
                             flags=re.S)
        assert queries and all(engine.query(sql) for sql in queries), name
    overview = render(site_url, "overview", "job_overview.png", tmp_path)
    links = set(re.findall(r'href="([^"#]*report\.html)"', overview))
    assert links == {"../report.html"}, links
    assert (run / "docs" / "../report.html").resolve() == (run / "report.html").resolve()
    assert (run / "report.html").is_file()

    # what the job said: each step as it starts and ends, in order, the build with its counts, then a summary
    steps = [step for step, _ in said]
    assert steps == ["run", "lock", "freshness", "freshness", "as-of", "as-of", "build", "build", "publication", "docs", "docs",
                     "report", "report", "summary"], said
    lines = dict(reversed(said))  # the first line of each step
    ends = {step: what for step, what in said}  # the last line of each step
    assert lines["freshness"] == "started (dbt source freshness)" and re.fullmatch(
        r"pass in [\d.]+ s \(\d+ pass\)", ends["freshness"]), said
    assert lines["build"] == "started (dbt build --selector daily)", said
    counted = re.fullmatch(r"passed in [\d.]+ s: (.*)", ends["build"])
    assert counted, said
    counts = dict(re.findall(r"(\d+ [a-z ]+) \(([^)]*)\)", counted[1]))
    models = [key for key in counts if key.endswith(" models")]
    assert models and counts[models[0]] == models[0].split()[0] + " success", counts
    tests = [key for key in counts if key.endswith(" data tests")]
    warned = re.search(r"(\d+) warn", counts[tests[0]])
    assert warned and int(warned[1]) >= 3, counts  # the loader's bad input: vocabularies, null ids, quarantine
    assert ends["publication"] == "the marts were published to analytics", said
    assert re.fullmatch(r"written in [\d.]+ s: docs/static_index.html \([\d.]+ MB\)", ends["docs"]), said
    summary = ends["summary"]
    assert summary.startswith("exit 0, built and published (freshness: pass); the marts were published"), summary
    warnings = json.loads((run / "summary.json").read_text())["warnings"]
    assert len(warnings) == int(warned[1]) and "quarantine_reported" in warnings, json.dumps(warnings)
    assert f"{len(warnings)} warning(s): " in summary and all(name in summary for name in warnings), summary

    # job.log: dbt's output and the job's lines, without a colour code; the artifacts: no copies, under 5 MB
    log = (run / "job.log").read_text()
    assert "\x1b" not in log and "Completed with" in log and "summary: exit 0" in log
    kept = {str(path.relative_to(run)): path.stat().st_size for path in run.rglob("*") if path.is_file()}
    assert set(kept) == {"job.log", "exit_code", "summary.json", "manifest.json.gz", "1-freshness/sources.json.gz",
                         "2-build/run_results.json.gz", "docs/static_index.html", "report.html"}, kept
    assert sum(kept.values()) < 5_000_000, kept
    assert read_artifact(run / "manifest.json.gz")["nodes"]
    assert re.fullmatch(r"written in [\d.]+ s: report.html \([\d.]+ MB\)", ends["report"]), said

    # the run report in the warehouse: both builds (by hand, then the job's), each node, each mart, the quarantine
    build = read_artifact(run / "2-build" / "run_results.json.gz")
    job_id = build["metadata"]["invocation_id"]
    invocations = engine.query("select invocation_id, command, is_published, warnings, errors "
                               "from intermediate.run_report_invocations order by run_started_at")
    assert [row[1:] for row in invocations] == [("build", True, len(warnings), 0)] * 2, invocations
    assert invocations[-1][0] == job_id
    nodes = {row[0]: row[1:] for row in engine.query(
        "select unique_id, status, execution_seconds, failures from intermediate.run_report_nodes "
        f"where invocation_id = '{job_id}'")}
    built = [result for result in build["results"] if not result["unique_id"].startswith("operation.")]  # no hooks
    assert len(nodes) == len(built)
    for result in built:
        status, seconds, failures = nodes[result["unique_id"]]
        assert status == result["status"] and abs(seconds - result["execution_time"]) < 0.01, result["unique_id"]
        assert failures == result["failures"], result["unique_id"]  # a test's failing rows, null for a model
    assert nodes[[uid for uid in nodes if ".quarantine_reported" in uid][0]][2] > 0
    counted = dict(engine.query("select mart, row_count from intermediate.run_report_row_counts "
                                f"where invocation_id = '{job_id}'"))
    assert counted == {mart: engine.scalar(f"select count(*) from analytics_build.{mart}") for mart in MARTS}
    quarantined = engine.query("select source_table, reason, row_count from intermediate.run_report_quarantine "
                               f"where invocation_id = '{job_id}' order by 1, 2")
    assert quarantined and quarantined == engine.query(
        "select source_table, reason, count(*) from intermediate.int_quarantine group by 1, 2 order by 1, 2")

    # the report page, opened in headless Chromium: every plot drawn, the warnings named, since the first build
    page, drawn = render_report(run / "report.html", tmp_path)
    plots = re.findall(r'<section class="plot" id="([a-z_]+)">(.*?)</section>', page, flags=re.S)
    assert [key for key, _ in plots] == ["row_counts", "quarantine", "recomputed", "tests", "slowest", "freshness"], \
        page[:2000]
    for key, markup in plots:
        assert "<svg" in markup and len(re.findall(r"<path\b", markup)) > 10, key
    row_ticks = re.findall(r"\d\d-\d\d \d\d:\d\d:\d\d(?: #\d+)?", dict(plots)["row_counts"])
    assert len(set(row_ticks)) == 2, row_ticks  # the two builds on the x axis
    since = re.findall(r"<tr><td><code>([a-z_]+)</code></td><td>([^<]+)</td><td>(\d+)</td></tr>", page)
    assert {name for name, _, _ in since} == set(warnings) and {runs for _, _, runs in since} == {"2"}, since
    assert "The marts were published to analytics" in page
    assert drawn["bars and lines"] > 3000 and drawn["fresh sources"] > 300, drawn

    # the share of messages and mart rows the job's build recomputed: in the run report, as SQL counts them, and on
    # the page (rows written are those stamped with the build's start, as the run report recorded it)
    started = engine.scalar(
        f"select run_started_at from intermediate.run_report_invocations where invocation_id = '{job_id}'")
    since = f"cast('{started:%Y-%m-%d %H:%M:%S}+00' as timestamptz)"
    messages = engine.scalar("select count(*) from intermediate.int_messages_classified")
    expected = {
        "int_messages_classified": (engine.scalar("select count(*) from intermediate.int_messages_classified "
                                                  f"where recomputed_at >= {since}"), messages),
        "int_changed_messages": (engine.scalar("select count(*) from intermediate.int_changed_messages"), messages),
    }
    for mart in [mart for mart in MARTS if "updated" in engine.columns("analytics_build", mart)]:  # not the audit log
        expected[mart] = engine.query(f"select count(case when updated >= {since} then 1 end), count(*) "
                                      f"from analytics_build.{mart}")[0]
    recorded = {relation: (part, whole) for relation, part, whole in engine.query(
        "select relation_name, recomputed_rows, row_count from intermediate.run_report_recomputed "
        f"where invocation_id = '{job_id}'")}
    assert recorded == expected, (recorded, expected)
    table = page[page.index('id="recomputed"'):]
    shown = {relation: (part, share) for relation, part, share in re.findall(
        r"<tr><td><code>([a-z_]+)</code></td><td>([\d,]+)</td><td>[\d,]+</td><td>([\d.]+%)</td></tr>",
        table[:table.index("</table>")])}
    assert shown == {relation: (f"{part:,}", f"{100 * part / whole:.1f}%")
                     for relation, (part, whole) in expected.items()}, shown


def test_stale_sources_exit_2_and_build_nothing(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    code, run = run_job(engine, tmp_path / "artifacts")
    assert code == EXIT_STALE_SOURCES
    freshness = read_artifact(run / "1-freshness" / "sources.json.gz")["results"]
    assert "error" in {result["status"] for result in freshness}
    assert not (run / "2-build").exists()
    assert engine.scalar("select count(*) from information_schema.tables where table_schema = 'analytics'") == 0


def test_a_build_failing_twice_is_retried_once_and_exits_1(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    # a quarantine threshold below zero: the share test errors on any data, on the build and on the retry
    code, run, said = run_job_saying(engine, tmp_path / "artifacts", "--vars", '{"quarantine_error_share": -1}')
    assert code == EXIT_BUILD_FAILED
    assert statuses(run / "2-build" / "run_results.json.gz").get("fail") == 1
    retried = read_artifact(run / "3-retry" / "run_results.json.gz")["results"]
    failed = [result["unique_id"] for result in retried if result["status"] in ("fail", "error")]
    assert len(failed) == 1 and "quarantine_share_within_limit" in failed[0], failed
    assert "the published marts in analytics were left as they were" in (run / "job.log").read_text()
    # the build and its retry ran at one as-of, pinned by the job before the build
    build_args = read_artifact(run / "2-build" / "run_results.json.gz")["args"]["vars"]
    retry_args = read_artifact(run / "3-retry" / "run_results.json.gz")["args"]["vars"]
    assert build_args["as_of"] and build_args == retry_args, (build_args, retry_args)
    assert build_args["quarantine_error_share"] == -1
    recorded = engine.query("select distinct as_of_at from intermediate.warehouse_runs")
    assert len(recorded) == 1, recorded
    # it said so: the build and the retry failed on the share test, nothing was published, and the summary names it
    ends = {step: what for step, what in said}
    assert [step for step, _ in said].count("publication") == 2, said
    assert ends["publication"].startswith("not published: The published marts in analytics are left as they are: "
                                          "1 node(s) failed: "), said
    assert ends["retry"].startswith("failed: ") and "quarantine_share_within_limit" in ends["retry"], said
    assert ends["summary"].startswith("exit 1, the build failed, and again on retry (see job.log); the published "
                                      "marts in analytics were left as they were; "), said
    assert "failed: quarantine_share_within_limit" in ends["summary"], said


def test_a_broken_extract_exits_4_and_builds_nothing(loaded_warehouse: Path, tmp_path: Path) -> None:
    """Fresh sources, but a raw column renamed: the build stops before anything builds, without a retry."""
    engine = copy_of(loaded_warehouse, tmp_path)
    make_fresh(engine)
    engine.execute("alter table raw_oltp.email_events rename column is_bot to bot")
    code, run = run_job(engine, tmp_path / "artifacts")
    assert code == EXIT_RAW_EXTRACTS_BROKEN, (run / "job.log").read_text()[-5000:]
    assert "raw contract: raw_oltp.email_events has no column is_bot" in (run / "job.log").read_text()
    assert not (run / "3-retry").exists()
    assert engine.scalar("select count(*) from information_schema.tables where table_schema = 'analytics'") == 0


def test_dbt_that_cannot_run_exits_3(loaded_warehouse: Path, tmp_path: Path) -> None:
    engine = copy_of(loaded_warehouse, tmp_path)
    code, run = run_job(engine, tmp_path / "artifacts", env={"DBT_TARGET": "no_such_target"})
    assert code == EXIT_DBT_ERROR
    assert "no_such_target" in (run / "job.log").read_text()


def test_runs_started_within_one_minute_or_one_second_keep_apart_on_the_report_axis() -> None:
    started = datetime(2026, 12, 6, 21, 8, 5, tzinfo=timezone.utc)
    runs = [("a", started), ("b", started + timedelta(seconds=40)), ("c", started + timedelta(seconds=40))]
    assert _run_labels(runs) == ["12-06 21:08:05", "12-06 21:08:45 #1", "12-06 21:08:45 #2"]
