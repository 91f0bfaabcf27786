"""The docs site is a product: every model, seed, source and column is described, the marts' grains are
guarded by a uniqueness test, the rules are the repository's own pages (no "spec N" pointing outside it),
and the overview is the project's. The rendered site itself is checked in a browser by test_docs_site.py."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import PROJECT_DIR
from outreach_warehouse.warehouse import MARTS, DbtProject, Engine


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project's parsed manifest (dbt parse needs no warehouse), shared by the tests of this file."""
    workdir: Path = tmp_path_factory.mktemp("docs")
    project = DbtProject(PROJECT_DIR, workdir / "dbt-artifacts")
    project.run(Engine.duckdb(workdir / "warehouse.duckdb"), "parse")
    return json.loads((project.artifacts_dir / "target" / "manifest.json").read_text())


def test_every_node_and_column_is_described(manifest: dict[str, Any]) -> None:
    undocumented = []
    for node in [*manifest["nodes"].values(), *manifest["sources"].values()]:
        if node["resource_type"] not in {"model", "seed", "source"}:
            continue
        if not node.get("description", "").strip():
            undocumented.append(node["unique_id"])
        undocumented += [f"{node['unique_id']}.{name}" for name, column in node["columns"].items()
                         if not column.get("description", "").strip()]
    assert not undocumented, undocumented
    macros = [m for m in manifest["macros"].values() if m["package_name"] == "outreach_warehouse"]
    assert macros, "no project macros found"


def test_mart_grains_and_contracts(manifest: dict[str, Any]) -> None:
    for mart in MARTS:
        node = manifest["nodes"][f"model.outreach_warehouse.{mart}"]
        assert node["config"]["contract"]["enforced"], mart
        tests = [
            n for n in manifest["nodes"].values()
            if n["resource_type"] == "test" and f"model.outreach_warehouse.{mart}" in n["depends_on"]["nodes"]
        ]
        names = {t.get("test_metadata", {}).get("name") for t in tests}
        assert {"unique", "not_null"} <= names, mart
        if mart != "admin_audit_log":
            assert "unique_combination" in names, mart


# Descriptions owned by work in progress elsewhere (the incremental rewrite): their references to the old
# external spec go with that change. Remove an entry once its files no longer cite the spec.
SPEC_REFERENCE = re.compile(r"\bspec(?: sections?)? \d", re.IGNORECASE)


def described_texts(manifest: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(unique id, file, text) of every description the docs site shows: nodes, sources, exposures, groups,
    macros, and their columns and arguments."""
    for section in ("nodes", "sources", "exposures", "groups", "macros"):
        for node in manifest[section].values():
            if node.get("package_name") != "outreach_warehouse":
                continue
            path = node.get("original_file_path", "")
            yield node["unique_id"], path, node.get("description") or ""
            for name, column in (node.get("columns") or {}).items():
                yield f"{node['unique_id']}.{name}", path, column.get("description") or ""
            for argument in node.get("arguments") or []:
                yield f"{node['unique_id']}({argument['name']})", path, argument.get("description") or ""
            if section == "sources":
                yield f"source:{node['source_name']}", path, node.get("source_description") or ""


def test_no_description_cites_the_external_spec(manifest: dict[str, Any]) -> None:
    """The rules live in the repository (models/docs); a description points there, never at "spec N"."""
    citing = [
        unique_id for unique_id, path, text in described_texts(manifest)
        if SPEC_REFERENCE.search(text)
    ]
    assert not citing, citing


def test_the_overview_and_the_rules_pages_are_the_projects_own(manifest: dict[str, Any]) -> None:
    """The site opens on the project's overview (not dbt's default), and every rules page is shown on some
    model, source or seed page (a docs block nothing references is never displayed)."""
    overview = manifest["docs"].get("doc.outreach_warehouse.__overview__")
    assert overview, "the project has no __overview__ docs block"
    assert "# Outreach analytics warehouse" in overview["block_contents"]
    assert "The seven marts and their grain" in overview["block_contents"]
    rules = {doc["name"]: doc["block_contents"] for doc in manifest["docs"].values()
             if doc["package_name"] == "outreach_warehouse" and doc["name"].startswith("rules_")}
    assert len(rules) >= 6, sorted(rules)
    shown = [text for _, _, text in described_texts(manifest)]
    unshown = [name for name, block in rules.items() if not any(block in text for text in shown)]
    assert not unshown, f"rules pages no description shows: {unshown}"


def test_no_jinja_comment_leaves_a_quote_open(manifest: dict[str, Any]) -> None:
    """The docs site highlights a model's source as SQL, where a quote inside a Jinja comment opens a string that runs
    to the next quote: an odd number of single quotes in a model's `{# ... #}` comments blanks the Source tab's lines
    after it (campaign_analytics's did). Possessives in comments use a typographic apostrophe."""
    open_quotes = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        for comment in re.findall(r"\{#.*?#\}", node["raw_code"], flags=re.S):
            if comment.count("'") % 2:
                open_quotes.append(node["name"])
    assert not open_quotes, open_quotes


def test_every_metric_gives_its_formula_dimensions_and_mf_query(manifest: dict[str, Any]) -> None:
    """A metric's page on the docs site is its description: the formula, the dimensions it groups by and an
    `mf query` example, for every metric."""
    metrics = [metric for metric in manifest["metrics"].values() if metric["package_name"] == "outreach_warehouse"]
    assert len(metrics) > 40, len(metrics)
    lacking = {}
    for metric in metrics:
        text = " ".join(metric["description"].split())
        lacking[metric["name"]] = [part for part in ("Formula:", "Dimensions:") if part not in text]
        if not re.search(rf"`mf query --metrics [\w,]*\b{metric['name']}\b[^`]* --group-by [^`]+`", text):
            lacking[metric["name"]].append("an mf query example")
    assert not {name: parts for name, parts in lacking.items() if parts}, lacking
