"""Command line: python -m orchestration.sample_data --events N --seed S --out DIR."""

from __future__ import annotations

import argparse
import time
from datetime import date
from pathlib import Path

from orchestration.sample_data.generate import (
    DEFAULT_BAD_SHARE,
    DEFAULT_DAYS,
    DEFAULT_START,
    generate,
)
from orchestration.sample_data.landing import FORMATS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.sample_data", description=__doc__
    )
    parser.add_argument(
        "--events", type=int, required=True, help="records to write, bad ones included"
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="landing directory")
    parser.add_argument("--format", choices=FORMATS, default="jsonl")
    parser.add_argument("--bad-share", type=float, default=DEFAULT_BAD_SHARE)
    parser.add_argument(
        "--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (UTC)"
    )
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    began = time.perf_counter()
    truth = generate(
        args.out, args.events, args.seed, args.format, args.bad_share, args.start, args.days
    )
    seconds = time.perf_counter() - began
    quarantined = sum(truth.quarantined.values())
    print(
        f"wrote {truth.records_written:,} records to {len(truth.files)} {args.format} files "
        f"in {args.out} ({truth.valid_events:,} valid, {truth.duplicates:,} duplicates, "
        f"{quarantined:,} quarantined; {truth.mql_entries:,} MQL entries, "
        f"{truth.deals_won:,} deals won) in {seconds:.1f}s"
    )


if __name__ == "__main__":
    main()
