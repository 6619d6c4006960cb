"""The results name the commit of the project the benchmark measured, or say they cannot."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from bench import report, run_bench

# The developer's own git settings (signing, hooks, an inherited GIT_DIR) stay out.
_GIT_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=folder, env=_GIT_ENV, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def _repository(folder: Path) -> str:
    """A one-commit repository; its full commit id."""
    folder.mkdir()
    (folder / "model.sql").write_text("select 1\n")
    _git(folder, "init", "--quiet")
    _git(folder, "add", "model.sql")
    _git(folder, "commit", "--quiet", "-m", "first")
    return _git(folder, "log", "-1", "--format=%H")


def _summary(machine: dict) -> str:
    """The RESULTS.md line that describes the machine and the project measured."""
    markdown = report.markdown({"machine": machine, "sizes": {}})
    return next(line for line in markdown.splitlines() if line.startswith("Machine:"))


def test_the_commit_is_the_measured_checkouts(tmp_path: Path):
    full_id = _repository(tmp_path / "project")
    machine = report.machine("the label", tmp_path / "project")
    assert machine["commit"] and full_id.startswith(machine["commit"])
    assert machine["uncommitted_changes"] is False
    assert f"(repository at {machine['commit']})" in _summary(machine)

    (tmp_path / "project" / "model.sql").write_text("select 2\n")
    changed = report.machine("the label", tmp_path / "project")
    assert changed["uncommitted_changes"] is True
    assert f"(repository at {changed['commit']} with uncommitted changes)" in _summary(changed)


def test_a_copy_without_git_history_has_no_commit(tmp_path: Path):
    _repository(tmp_path / "repository")
    # An archive extracted on its own, and one extracted inside another repository.
    for copy in (tmp_path / "archive", tmp_path / "repository" / "archive"):
        copy.mkdir()
        (copy / "model.sql").write_text("select 1\n")
        machine = report.machine("main abc1234, from a git archive", copy)
        assert machine["commit"] is None, copy
        assert machine["uncommitted_changes"] is False, copy
        summary = _summary(machine)
        assert "project measured: main abc1234, from a git archive (no commit recorded" in summary
        assert "repository at" not in summary


def test_a_copy_without_git_history_is_not_measured_without_a_label(tmp_path: Path):
    copy = tmp_path / "archive"
    copy.mkdir()
    with pytest.raises(SystemExit, match="name its commit with --label"):
        run_bench.main(
            ["--sizes", "10", "--project", str(copy), "--results", str(tmp_path),
             "--out", str(tmp_path / "out")]
        )  # fmt: skip
    assert not (tmp_path / "results.json").exists()
