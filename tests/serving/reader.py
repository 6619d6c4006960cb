"""A BI tool stand-in, run as its own process: reads the serving file until told to stop.

`hold` opens one read-only connection and keeps it for the whole run; `reopen` opens a new
connection for every read. Each read counts every mart in one transaction and prints the
counts as one JSON line; an error is printed as {"error": ...} and ends the process with 1.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

COUNTS_SQL = "select table_name from duckdb_tables() where schema_name = 'marts' order by 1"


def read_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    con.execute("begin transaction")
    tables = [name for (name,) in con.execute(COUNTS_SQL).fetchall()]
    counts = {t: con.execute(f'select count(*) from marts."{t}"').fetchone()[0] for t in tables}
    con.execute("commit")
    return counts


def main(database: Path, mode: str, stop_file: Path) -> int:
    held = duckdb.connect(str(database), read_only=True) if mode == "hold" else None
    print(json.dumps({"ready": True}), flush=True)
    try:
        while not stop_file.exists():
            if held is not None:
                counts = read_counts(held)
            else:
                with duckdb.connect(str(database), read_only=True) as con:
                    counts = read_counts(con)
            print(json.dumps({"counts": counts}), flush=True)
            time.sleep(0.2)
    except Exception as error:  # report any failure to the test, which fails on it
        print(json.dumps({"error": repr(error)}), flush=True)
        return 1
    finally:
        if held is not None:
            held.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
