"""Deterministic, vectorised sample data for the revenue funnel: landing files plus ground truth.

    from orchestration.sample_data import generate
    truth = generate(Path("data/landing"), events=100_000, seed=7)

or `python -m orchestration.sample_data --events 100000 --seed 7 --out data/landing`.
"""

from orchestration.sample_data.generate import generate
from orchestration.sample_data.truth import GroundTruth

__all__ = ["GroundTruth", "generate"]
