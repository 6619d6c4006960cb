"""The command line writes files and prints a one-line summary; bad arguments are refused."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from orchestration.sample_data import generate
from orchestration.sample_data.__main__ import main


def test_command_writes_landing_files_and_prints_a_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    main(
        [
            "--events",
            "1500",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
            "--days",
            "90",
            "--start",
            "2025-03-01",
            "--bad-share",
            "0.02",
        ]
    )
    output = capsys.readouterr().out.strip().splitlines()
    assert len(output) == 1 and "1,500 records" in output[0]
    truth = json.loads((tmp_path / "_ground_truth.json").read_text(encoding="utf-8"))
    assert truth["args"] == {
        "events": 1500,
        "seed": 4,
        "format": "csv",
        "bad_share": 0.02,
        "start": "2025-03-01",
        "days": 90,
    }
    assert sum(truth["quarantined"].values()) + truth["duplicates"] == 30
    assert all(path.startswith(("marketing/2025-0", "sales/2025-0")) for path in truth["files"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"events": 10}, "events"),
        ({"fmt": "xml"}, "format"),
        ({"bad_share": 0.9}, "bad_share"),
        ({"days": 3}, "days"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, kwargs: dict, message: str):
    arguments = {"out_dir": tmp_path, "events": 1000, "seed": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        generate(**arguments)


def test_windows_the_loader_would_reject_are_refused(tmp_path: Path):
    with pytest.raises(ValueError, match="past"):
        generate(tmp_path, events=1000, seed=1, start=date(2099, 1, 1))
    with pytest.raises(ValueError, match="start"):
        generate(tmp_path, events=1000, seed=1, start=date(2001, 1, 1))
