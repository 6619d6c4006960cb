"""Every check names a rule of seeds/data_quality_rules.csv and carries its severity."""

from __future__ import annotations

import json
from pathlib import Path

from expectations.rules import data_quality_rules
from tests.checks import planted
from tests.dbt_runner import dbt_target


def test_dbt_rule_tests_carry_the_seed_severity(tmp_path: Path) -> None:
    database = tmp_path / "parse.duckdb"
    parse = planted.run_dbt(database, "parse")
    assert parse.returncode == 0, parse.stdout[-2000:]
    manifest = json.loads((dbt_target(database) / "manifest.json").read_text())
    rules = data_quality_rules()
    tagged = {}
    for node in manifest["nodes"].values():
        rule_key = node["config"].get("meta", {}).get("rule_key")
        if node["resource_type"] == "test" and rule_key:
            assert node["config"]["severity"].lower() == rules[rule_key].severity, node["name"]
            assert node["config"]["store_failures"], node["name"]
            tagged[rule_key] = node["name"]
    # Every rule has a dbt test, except those only the raw-layer GX suites can see.
    assert set(rules) - set(tagged) == {"required_fields_present"}
