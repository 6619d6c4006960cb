"""`python -m orchestration.ingest`: load the landing directory into the warehouse."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from orchestration.ingest.loader import iter_load_all
from orchestration.paths import landing_dir, warehouse_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--landing", type=Path, default=landing_dir())
    parser.add_argument("--warehouse", type=Path, default=warehouse_path())
    args = parser.parse_args()
    for result in iter_load_all(args.warehouse, args.landing):
        print(json.dumps(result.as_dict()), flush=True)


if __name__ == "__main__":
    main()
