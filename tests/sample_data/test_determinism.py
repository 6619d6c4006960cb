"""Same arguments, same bytes; another seed, other data."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.sample_data import generate


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_same_arguments_write_identical_bytes(tmp_path: Path, fmt: str):
    generate(tmp_path / "a", events=2000, seed=5, fmt=fmt)
    generate(tmp_path / "b", events=2000, seed=5, fmt=fmt)
    first, second = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert len(first) > 2
    assert first == second


def test_another_seed_writes_other_data(tmp_path: Path):
    generate(tmp_path / "a", events=2000, seed=5)
    generate(tmp_path / "b", events=2000, seed=6)
    assert _files(tmp_path / "a") != _files(tmp_path / "b")


def test_rerun_into_the_same_directory_replaces_old_files(tmp_path: Path):
    generate(tmp_path, events=2000, seed=5, fmt="csv")
    generate(tmp_path, events=2000, seed=5, fmt="jsonl")
    assert not list(tmp_path.rglob("*.csv"))
    assert list(tmp_path.rglob("*.jsonl"))
