"""The results name the commit of the project the benchmark measured, or say they cannot."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench import report


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],
        cwd=folder, capture_output=True, text=True, check=True,
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
    return report.markdown({"machine": machine, "sizes": {}})


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
        assert "project measured: main abc1234, from a git archive (a copy without" in summary
        assert "repository at" not in summary
