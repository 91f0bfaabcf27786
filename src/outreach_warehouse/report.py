"""The job's run report: one self-contained HTML page per run (`<run>/report.html`), its plots drawn by matplotlib
as inline SVG (no script, nothing fetched), from the run report that every build records in the warehouse
(macros/runs/run_report.sql: intermediate.run_report_*) and from the run's own artifacts:

- row counts of the marts across the last runs;
- quarantine by reason across the last runs;
- the share of messages and mart rows each run recomputed (run_report_recomputed), plotted across the last runs
  and tabled for this run;
- test outcomes over time, and since when each test that warns now has been warning;
- the slowest models of this run;
- freshness: the age of each source's latest extract at this run, against its warn and error thresholds.

On Spark the warehouse is not read (its metastore admits one JVM at a time): the page shows this run only.
"""

from __future__ import annotations

import html
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from outreach_warehouse.day_shares import _share as share_text

LAST_RUNS = 20
SLOWEST = 15
Query = Callable[[str], list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Figure:
    """One plot of the page: its id, title, a sentence saying what it shows, and the SVG."""

    key: str
    title: str
    caption: str
    svg: str


def warehouse_query(target: str) -> Query | None:
    """A function running SQL on the job's warehouse (DuckDB read-only, Postgres), or None on Spark."""
    if target == "duckdb":
        import duckdb

        from outreach_warehouse.connections import duckdb_path

        def query_duckdb(sql: str) -> list[tuple[Any, ...]]:
            with duckdb.connect(str(duckdb_path()), read_only=True) as connection:
                return connection.execute(sql).fetchall()

        return query_duckdb
    if target == "postgres":
        from outreach_warehouse.connections import PostgresSettings

        def query_postgres(sql: str) -> list[tuple[Any, ...]]:
            connection = PostgresSettings.from_env().connect()
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return list(cursor.fetchall())
            finally:
                connection.close()

        return query_postgres
    return None


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                                "axes.spines.right": False, "svg.hashsalt": "outreach"})
    import matplotlib.pyplot as plt

    return plt


def _svg(figure: Any) -> str:
    plt = _pyplot()
    buffer = io.StringIO()
    figure.tight_layout()
    figure.savefig(buffer, format="svg")
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _run_labels(runs: Sequence[tuple[str, datetime]]) -> list[str]:
    """Each run's start to the second; runs that started within the same second get their order appended."""
    labels = [started.strftime("%m-%d %H:%M:%S") for _, started in runs]
    return [label if labels.count(label) == 1 else f"{label} #{labels[:index].count(label) + 1}"
            for index, label in enumerate(labels)]


def _lines(key: str, title: str, caption: str, runs: Sequence[tuple[str, datetime]],
           series: dict[str, dict[str, float]], ylabel: str, stacked: bool = False) -> Figure:
    """A plot over the last runs: one line per series (or stacked bars)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 3.6))
    labels = _run_labels(runs)
    positions = list(range(len(runs)))
    bottom = [0.0] * len(runs)
    for name, values in sorted(series.items()):
        heights = [values.get(run_id, 0.0) for run_id, _ in runs]
        if stacked:
            axes.bar(positions, heights, bottom=bottom, label=name, width=0.7)
            bottom = [low + high for low, high in zip(bottom, heights)]
        else:
            axes.plot(positions, heights, marker="o", label=name)
    axes.set_xticks(positions, labels, rotation=30, ha="right")
    axes.set_ylabel(ylabel)
    if series:
        axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    else:
        axes.text(0.5, 0.5, "nothing recorded yet", ha="center", va="center", transform=axes.transAxes)
    return Figure(key, title, caption, _svg(figure))


def _bars(key: str, title: str, caption: str, names: Sequence[str], values: Sequence[float], xlabel: str,
          colours: Sequence[str] | None = None, marks: dict[str, float] | None = None) -> Figure:
    """Horizontal bars, one per name (and vertical lines at `marks`: thresholds)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 0.3 * max(len(names), 3) + 1.0))
    axes.barh(list(range(len(names))), values, color=colours)
    axes.set_yticks(list(range(len(names))), names)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    for label, at in (marks or {}).items():
        axes.axvline(at, linestyle="--", color="grey", linewidth=1)
        axes.text(at, -0.6, f" {label}", fontsize=7, color="grey")
    if not names:
        axes.text(0.5, 0.5, "nothing to show", ha="center", va="center", transform=axes.transAxes)
    return Figure(key, title, caption, _svg(figure))


def _seconds(period: dict[str, Any] | None) -> float | None:
    if not period or not period.get("count") or not period.get("period"):
        return None
    unit = {"minute": 60, "hour": 3600, "day": 86400}[period["period"]]
    return float(period["count"]) * unit


def freshness_figure(sources: dict[str, Any] | None) -> Figure:
    """The age of each source's latest extract at this run, coloured by its freshness status."""
    results = sorted((sources or {}).get("results", []), key=lambda result: result["unique_id"])
    names = [".".join(result["unique_id"].split(".")[2:4]) for result in results]
    hours = [float(result.get("max_loaded_at_time_ago_in_s") or 0) / 3600 for result in results]
    palette = {"pass": "#4c9a2a", "warn": "#e0a000", "error": "#c0392b"}
    colours = [palette.get(result.get("status"), "#888888") for result in results]
    marks: dict[str, float] = {}
    for result in results[:1]:
        criteria = result.get("criteria", {})
        for label in ("warn_after", "error_after"):
            seconds = _seconds(criteria.get(label))
            if seconds is not None:
                marks[label.replace("_", " ")] = seconds / 3600
    return _bars("freshness", "Freshness at this run",
                 "Hours since each source's latest extract when the job checked (green pass, amber warn, red error).",
                 names, hours, "hours since the latest extract", colours, marks)


def slowest_figure(run_results: dict[str, Any] | None) -> Figure:
    """The slowest models of this run's build (or retry)."""
    models = [result for result in (run_results or {}).get("results", [])
              if result["unique_id"].startswith("model.")]
    models.sort(key=lambda result: -float(result.get("execution_time") or 0))
    models = models[:SLOWEST]
    return _bars("slowest", "Slowest models of this run",
                 f"The {len(models)} models that took longest in this run's build, in seconds.",
                 [result["unique_id"].split(".")[2] for result in models],
                 [float(result.get("execution_time") or 0) for result in models], "seconds")


def warehouse_figures(query: Query) -> tuple[list[Figure], list[tuple[str, str, int]]]:
    """The plots across the last runs, from the run report in the warehouse; and the tests warning now with the
    run they started warning in (of the runs shown) and how many runs in a row."""
    schema = "intermediate"
    runs = [(str(invocation), started) for invocation, started in query(
        f"select invocation_id, run_started_at from {schema}.run_report_invocations "
        f"where command in ('build', 'retry') order by run_started_at desc limit {LAST_RUNS}")][::-1]
    ids = ", ".join(f"'{run_id}'" for run_id, _ in runs) or "''"
    rows: dict[str, dict[str, float]] = defaultdict(dict)
    for invocation, mart, count in query(
            f"select invocation_id, mart, row_count from {schema}.run_report_row_counts where invocation_id in ({ids})"):
        rows[mart][str(invocation)] = float(count)
    quarantine: dict[str, dict[str, float]] = defaultdict(dict)
    for invocation, source_table, reason, count in query(
            f"select invocation_id, source_table, reason, row_count from {schema}.run_report_quarantine "
            f"where invocation_id in ({ids})"):
        name = f"{source_table}: {str(reason).split(':')[0]}"
        quarantine[name][str(invocation)] = quarantine[name].get(str(invocation), 0.0) + float(count)
    outcomes: dict[str, dict[str, float]] = defaultdict(dict)
    warned: dict[str, set[str]] = defaultdict(set)
    for invocation, name, status, count in query(
            f"select invocation_id, node_name, status, count(*) from {schema}.run_report_nodes "
            f"where invocation_id in ({ids}) and resource_type in ('test', 'unit_test') "
            f"group by invocation_id, node_name, status"):
        outcomes[str(status)][str(invocation)] = outcomes[str(status)].get(str(invocation), 0.0) + float(count)
        if status == "warn":
            warned[str(name)].add(str(invocation))
    since: list[tuple[str, str, int]] = []
    if runs:
        labels = dict(zip([run_id for run_id, _ in runs], _run_labels(runs)))
        for name, invocations in sorted(warned.items()):
            if runs[-1][0] not in invocations:
                continue
            streak = 0
            for run_id, _ in reversed(runs):
                if run_id not in invocations:
                    break
                streak += 1
            since.append((name, labels[runs[-streak][0]], streak))
    recomputed: dict[str, dict[str, float]] = defaultdict(dict)
    for invocation, relation, part, whole in recomputed_rows(query, ids):
        if whole:
            recomputed[str(relation)][str(invocation)] = 100.0 * float(part) / float(whole)
    figures = [
        _lines("row_counts", "Mart row counts", f"Rows of each mart after each of the last {len(runs)} builds.",
               runs, rows, "rows"),
        _lines("quarantine", "Quarantine by reason",
               "Rows set aside by the bad-input rules, by source table and reason, at each build.",
               runs, quarantine, "rows", stacked=True),
        _lines("recomputed", "Share recomputed",
               "Per build, the share of messages (int_messages_classified) and of each mart's rows that it wrote "
               "(stamped with its start), and int_changed_messages: the messages an incremental build found "
               "changed (none on a full build, which recomputes every message).",
               runs, recomputed, "% of rows"),
        _lines("tests", "Test outcomes over time", "Data and unit tests by outcome at each build.", runs, outcomes,
               "tests", stacked=True),
    ]
    return figures, since


def recomputed_rows(query: Query, ids: str) -> list[tuple[Any, ...]]:
    """(invocation, relation, rows recomputed, rows) of run_report_recomputed for the quoted invocation ids `ids`
    (none from a warehouse whose run report predates that table)."""
    try:
        return query("select invocation_id, relation_name, recomputed_rows, row_count "
                     f"from intermediate.run_report_recomputed where invocation_id in ({ids})")
    except Exception:  # noqa: BLE001 - a run report without the table: nothing to show
        return []


def recomputed_table(query: Query, run_results: dict[str, Any] | None) -> str:
    """The table of this run's build: each relation's rows recomputed, its rows and the share (day_shares' wording)."""
    invocation = (run_results or {}).get("metadata", {}).get("invocation_id", "")
    first = ("int_messages_classified", "int_changed_messages")  # the messages, then the marts by name
    rows = sorted(recomputed_rows(query, f"'{invocation}'"),
                  key=lambda row: (first.index(row[1]) if row[1] in first else len(first), row[1]))
    body = "".join(
        f"<tr><td><code>{html.escape(str(relation))}</code></td><td>{int(part):,}</td><td>{int(whole):,}</td>"
        f"<td>{share_text(part, whole)}</td></tr>" for _, relation, part, whole in rows)
    return ("<h2>Recomputed by this run</h2><p>The messages and mart rows this run's build wrote (stamped with its "
            "start), and the messages it found changed (int_changed_messages), over all rows.</p>"
            "<table id=recomputed><tr><th>relation</th><th>recomputed</th><th>rows</th><th>share</th></tr>"
            f"{body or '<tr><td colspan=4>nothing recorded</td></tr>'}</table>")


def write_report(path: Path, run_id: str, summary: dict[str, Any], sources: dict[str, Any] | None,
                 run_results: dict[str, Any] | None, query: Query | None) -> Path:
    """Write the page; returns its path."""
    figures: list[Figure] = []
    since: list[tuple[str, str, int]] = []
    note = recomputed = ""
    if query is not None:
        trend, since = warehouse_figures(query)
        figures += trend
        recomputed = recomputed_table(query, run_results)
    else:
        note = "<p class=note>The warehouse is not read on this target: this run's plots only.</p>"
    figures += [slowest_figure(run_results), freshness_figure(sources)]
    published = "published to analytics" if summary.get("published") else "not published (left as they were)"
    warnings = "".join(f"<li><code>{html.escape(name)}</code></li>" for name in summary.get("warnings", []))
    failures = "".join(f"<li><code>{html.escape(name)}</code></li>" for name in summary.get("failures", []))
    since_rows = "".join(
        f"<tr><td><code>{html.escape(name)}</code></td><td>{html.escape(first)}</td><td>{streak}</td></tr>"
        for name, first, streak in since)
    sections = "".join(
        f'<section class=plot id="{figure.key}"><h2>{html.escape(figure.title)}</h2>'
        f"<p>{html.escape(figure.caption)}</p>{figure.svg}</section>" for figure in figures)
    page = f"""<!doctype html>
<html lang=en><head><meta charset=utf-8><title>Run report {html.escape(run_id)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }}
h1 {{ font-size: 1.4em; }} h2 {{ font-size: 1.1em; margin-top: 2em; }}
.outcome {{ font-size: 1.05em; }} .note {{ color: #666; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left; }}
svg {{ max-width: 100%; height: auto; }}
</style></head>
<body>
<h1>Run report {html.escape(run_id)}</h1>
<p class=outcome id=outcome>Exit {summary.get("exit_code")}: {html.escape(str(summary.get("outcome", "")))}.
The marts were {published}. Target {html.escape(str(summary.get("target", "")))}, freshness
{html.escape(str(summary.get("freshness", "")))}.</p>
{note}
<h2>Warnings ({len(summary.get("warnings", []))})</h2><ul id=warnings>{warnings or "<li>none</li>"}</ul>
{f"<h2>Failures</h2><ul id=failures>{failures}</ul>" if failures else ""}
<h2>Warning since</h2>
<p>Each test that warns now, the first of the runs shown in which it warned without a break, and for how many runs.</p>
<table id=since><tr><th>test</th><th>warning since</th><th>runs</th></tr>{since_rows}</table>
{recomputed}
{sections}
</body></html>
"""
    path.write_text(page)
    return path
