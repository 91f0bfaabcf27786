"""The docs site is a product: every model, seed, source and column is described, and the marts' grains
are guarded by a uniqueness test."""

from __future__ import annotations

import json

from outreach_warehouse.warehouse import MARTS, DbtProject, Engine


def test_every_node_and_column_is_described(duckdb_engine: Engine, dbt_project: DbtProject) -> None:
    dbt_project.run(duckdb_engine, "parse")
    manifest = json.loads((dbt_project.artifacts_dir / "target" / "manifest.json").read_text())
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


def test_mart_grains_and_contracts(duckdb_engine: Engine, dbt_project: DbtProject) -> None:
    dbt_project.run(duckdb_engine, "parse")
    manifest = json.loads((dbt_project.artifacts_dir / "target" / "manifest.json").read_text())
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
