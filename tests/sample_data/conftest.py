"""Small generated samples, made once per test session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from orchestration.sample_data import generate
from tests.sample_data.records import Judged, judge, read_landing

EVENTS = 3000
SEED = 11


@dataclass(frozen=True)
class Sample:
    landing: Path
    truth: dict
    judged: list[Judged]

    def loaded(self) -> list[dict]:
        return [j.line.record for j in self.judged if j.outcome == "load"]


def make_sample(
    root: Path, fmt: str = "jsonl", events: int = EVENTS, seed: int = SEED, **kwargs
) -> Sample:
    landing = root / fmt
    generate(landing, events=events, seed=seed, fmt=fmt, **kwargs)
    truth = json.loads((landing / "_ground_truth.json").read_text(encoding="utf-8"))
    return Sample(landing, truth, judge(read_landing(landing)))


@pytest.fixture(scope="session")
def jsonl_sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    return make_sample(tmp_path_factory.mktemp("jsonl"))


@pytest.fixture(scope="session", params=["csv", "parquet"])
def other_format_sample(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Sample:
    return make_sample(tmp_path_factory.mktemp(request.param), request.param)


@pytest.fixture(scope="session")
def larger_sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """Big enough for returns, renewals and churn to occur."""
    return make_sample(tmp_path_factory.mktemp("larger"), events=20_000, seed=3)
