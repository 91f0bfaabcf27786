"""The docs site as an analyst meets it: dbt generates it (the self-contained static page), a local HTTP
server serves it, and Debian's headless Chromium renders it. The overview is the project's own and links the run
report, each mart's page answers (grain, where the rates are, an example query, its metrics, a lineage one can
read) and lists its columns with their shared definitions, a metric's page gives its formula, dimensions and an
`mf query`, and the lineage graph draws its nodes. (The last build's facts on a mart page need a built warehouse:
test_job.py checks them on the job's site.)

Screenshots land in $OUTREACH_ARTIFACTS_DIR/screenshots (default: target/screenshots) for a person to look
at. No warehouse is needed: the site is generated from the project alone (`--no-compile`)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import struct
import subprocess
import threading
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterator

import pytest

from conftest import PROJECT_DIR
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine

SCREENSHOTS = Path(os.environ.get("OUTREACH_ARTIFACTS_DIR", PROJECT_DIR / "target")) / "screenshots"
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1400,1000", "--virtual-time-budget=10000",
)
MART = "model.outreach_warehouse.campaign_analytics"
FUNNEL_COUNTERS = (
    "sent", "delivered", "opened_tracked", "clicked_tracked", "replied", "bounced", "unsubscribed", "spam_complaints",
)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the generated site without logging every request into the test output."""

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The static docs page, generated into a directory of its own and served on a free loopback port."""
    workdir = tmp_path_factory.mktemp("docs-site")
    engine = Engine.duckdb(workdir / "empty.duckdb")
    project = DbtProject(PROJECT_DIR, workdir / "dbt-artifacts")
    # docs generate --static --no-compile reads the manifest that parse writes
    project.run(engine, "parse")
    project.run(engine, "docs", "generate", "--static", "--no-compile")
    target = project.artifacts_dir / "target"
    assert (target / "static_index.html").is_file() and (target / "index.html").is_file()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(target)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/static_index.html"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def render(url: str, route: str, screenshot: str, tmp_path: Path) -> str:
    """Open one route of the site in headless Chromium: save a screenshot, return the rendered page's text
    (markup outside scripts and styles: the static page also embeds the manifest, which must not count)."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make setup` installs Debian's package (apt-get install chromium)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    command = [
        chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}",
        f"--screenshot={SCREENSHOTS / screenshot}", "--dump-dom", f"{url}#!/{route}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-3000:]}"
    assert (SCREENSHOTS / screenshot).stat().st_size > 0
    return re.sub(r"<(script|style)\b.*?</\1>", "", result.stdout, flags=re.S)


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup))


def test_overview_is_the_projects_own(site_url: str, tmp_path: Path) -> None:
    page = text_of(render(site_url, "overview", "overview.png", tmp_path))
    assert "The analysts' warehouse of the cold-email outreach platform" in page
    assert "The seven marts and their grain" in page and "Where the rates live" in page
    assert "Welcome to the auto-generated documentation" not in page  # dbt's default overview


def test_a_mart_page_lists_its_columns_with_their_definitions(site_url: str, tmp_path: Path) -> None:
    page = render(site_url, f"model/{MART}", "campaign_analytics.png", tmp_path)
    assert "Rules: the message funnel" in text_of(page)  # the rules page, shown on the mart
    columns = text_of(page[page.index('id="columns"'):])
    for counter in FUNNEL_COUNTERS:
        assert re.search(rf"\b{counter}\b", columns), counter
    assert "Open rate = opened_tracked / delivered" in columns  # the doc block, rendered in the column table
    assert "{{ doc(" not in columns


def test_the_overview_links_the_run_report(site_url: str, tmp_path: Path) -> None:
    """The job writes report.html beside docs/static_index.html: the overview links it relatively."""
    page = render(site_url, "overview", "overview_run_report.png", tmp_path)
    assert re.search(r'<a href="\.\./report\.html"[^>]*>the run report \(report\.html\)</a>', page), page[:2000]
    assert "The last build and the run report" in text_of(page)


@pytest.mark.parametrize("mart", MARTS)
def test_a_mart_page_answers(site_url: str, tmp_path: Path, mart: str) -> None:
    """Its grain, where its rates are, an example query over the published mart, its metrics with an `mf query`, a
    link to its lineage without the metrics, and where its last build is told."""
    page = render(site_url, f"model/model.outreach_warehouse.{mart}", f"mart_{mart}.png", tmp_path)
    description = text_of(page[page.index("Description"):page.index('id="columns"')])
    assert "Grain: one row per" in description and "Where the rates are." in description, description[:2000]
    # the query is highlighted token by token: the text has spaces around its dots
    assert "Example query" in description and re.search(rf"from analytics\s*\.\s*{mart}\b", description), mart
    assert re.search(r"Metrics\s*:.*?mf query --metrics [a-z_,]+ --group-by metric_time__\w+", description), mart
    lineage = re.findall(r'href="(#!/model/model\.outreach_warehouse\.' + mart + r'\?g_v=1&amp;g_i=[^"]*g_e=metric:\*[^"]*)"',
                         page)
    assert lineage, f"{mart}: no link to its lineage without the metrics"
    assert "Last build." in description and "Details box at the top of this page" in description


def test_a_metric_page_gives_its_formula_dimensions_and_mf_query(site_url: str, tmp_path: Path) -> None:
    page = text_of(render(site_url, "metric/metric.outreach_warehouse.reply_rate", "metric_reply_rate.png", tmp_path))
    assert "Formula: sum(replied) / sum(delivered)" in page, page[:3000]
    assert "Dimensions: metric_time" in page and "message__mailbox_provider" in page
    assert "mf query --metrics reply_rate --group-by" in page


def test_a_marts_readable_lineage_leaves_the_metrics_out(site_url: str, tmp_path: Path) -> None:
    """The lineage link of a mart page selects the mart with its parents and children and leaves out the ~45
    metrics and saved queries that make the default graph unreadable: drawn, it has models and sources and no
    metric node, where the same selection with the metrics draws many."""
    page = render(site_url, f"model/{MART}", "campaign_analytics_links.png", tmp_path)
    route = re.findall(r'href="#!/(model/[^"]*g_e=metric:\*[^"]*)"', page)[0].replace("&amp;", "&")
    render(site_url, route, "lineage_readable.png", tmp_path)
    readable = pixel_colours(SCREENSHOTS / "lineage_readable.png")
    render(site_url, route.split("&g_e=")[0], "lineage_with_metrics.png", tmp_path)
    crowded = pixel_colours(SCREENSHOTS / "lineage_with_metrics.png")

    def near(colours: Counter[tuple[int, ...]], fill: tuple[int, int, int], tolerance: int = 30) -> int:
        return sum(count for rgb, count in colours.items()
                   if all(abs(channel - wanted) <= tolerance for channel, wanted in zip(rgb, fill)))

    metric, model, source = (0xFF, 0x56, 0x88), (0x00, 0x94, 0xB3), (0x5F, 0xB8, 0x25)
    assert near(crowded, metric) > 2000, near(crowded, metric)
    assert near(readable, metric) < 50 and near(readable, model) > 2000 and near(readable, source) > 300, (
        near(readable, metric), near(readable, model), near(readable, source))


def test_the_lineage_graph_draws_its_nodes(site_url: str, tmp_path: Path) -> None:
    page = render(site_url, f"model/{MART}?g_v=1", "lineage_graph.png", tmp_path)
    assert 'data-id="layer2-node"' in page, "the graph's node layer (cytoscape canvas) is missing"
    # The nodes are drawn on a canvas, so count them in the screenshot, by the fill dbt gives each kind.
    # Small nodes are anti-aliased, so count the pixels within a few shades of each fill; the graph's own
    # background (#005e7a) is far from all three.
    colours = pixel_colours(SCREENSHOTS / "lineage_graph.png")

    def near(fill: tuple[int, int, int], tolerance: int = 30) -> int:
        return sum(count for rgb, count in colours.items()
                   if all(abs(channel - wanted) <= tolerance for channel, wanted in zip(rgb, fill)))

    drawn = {kind: near(fill) for kind, fill in {
        "models": (0x00, 0x94, 0xB3), "sources": (0x5F, 0xB8, 0x25), "exposures": (0xFF, 0x69, 0x4B),
    }.items()}
    assert drawn["models"] > 2000 and drawn["sources"] > 300 and drawn["exposures"] > 50, drawn


def pixel_colours(png: Path) -> Counter[tuple[int, ...]]:
    """How many pixels of each RGB colour an 8-bit, non-interlaced RGB or RGBA PNG (Chromium's) has."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", png
    position, compressed = 8, b""
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        position += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
    assert depth == 8 and interlace == 0 and colour_type in (2, 6), (depth, colour_type, interlace)
    step = 3 if colour_type == 2 else 4
    stride = width * step
    raw = zlib.decompress(compressed)
    previous = bytearray(stride)
    counts: Counter[tuple[int, ...]] = Counter()
    for row in range(height):
        start = row * (stride + 1)
        line = bytearray(raw[start + 1:start + 1 + stride])
        unfilter(raw[start], line, previous, step)
        counts.update(zip(line[0::step], line[1::step], line[2::step]))
        previous = line
    return counts


def unfilter(filter_type: int, line: bytearray, previous: bytearray, step: int) -> None:
    """Undo a PNG scanline filter in place (sub, up, average, Paeth)."""
    if filter_type == 0:
        return
    for x in range(len(line)):
        left = line[x - step] if x >= step else 0
        up = previous[x]
        up_left = previous[x - step] if x >= step else 0
        if filter_type == 1:
            line[x] = (line[x] + left) & 0xFF
        elif filter_type == 2:
            line[x] = (line[x] + up) & 0xFF
        elif filter_type == 3:
            line[x] = (line[x] + (left + up) // 2) & 0xFF
        elif filter_type == 4:
            estimate = left + up - up_left
            distances = (abs(estimate - left), abs(estimate - up), abs(estimate - up_left))
            predictor = left if distances[0] <= distances[1] and distances[0] <= distances[2] else (
                up if distances[1] <= distances[2] else up_left)
            line[x] = (line[x] + predictor) & 0xFF
