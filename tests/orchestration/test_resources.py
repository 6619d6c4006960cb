"""The dbt manifest is refreshed when the project changed after it was written."""

from __future__ import annotations

import os
import time
from pathlib import Path

from orchestration.resources import dbt_inputs_changed_since


def make_project(root: Path) -> Path:
    (root / "models" / "marts").mkdir(parents=True)
    (root / "dbt_project.yml").write_text("name: p\n")
    (root / "models" / "marts" / "a.sql").write_text("select 1\n")
    return root


def test_an_untouched_project_needs_no_new_manifest(tmp_path: Path):
    project = make_project(tmp_path)
    assert not dbt_inputs_changed_since(time.time() + 1, project)


def test_a_model_changed_after_the_manifest_needs_a_new_one(tmp_path: Path):
    project = make_project(tmp_path)
    manifest_written = time.time() - 60
    for path in project.rglob("*"):
        os.utime(path, (manifest_written - 60, manifest_written - 60))
    assert not dbt_inputs_changed_since(manifest_written, project)
    (project / "models" / "marts" / "b.sql").write_text("select 2\n")
    assert dbt_inputs_changed_since(manifest_written, project)
