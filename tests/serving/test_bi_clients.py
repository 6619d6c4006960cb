"""The ways the README tells BI tools to connect, each read-only, on the session's serving copy."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from orchestration.serving.locations import PARQUET_LINK, SERVING_DATABASE


@pytest.fixture(scope="module")
def serving(warehouse) -> Path:
    return warehouse.database.parent / SERVING_DATABASE


@pytest.fixture
def engine(serving: Path) -> sa.Engine:
    # The URL the README gives BI tools. Disposed after each test: DuckDB refuses a second
    # in-process connection to the same file with another configuration while one is open.
    engine = sa.create_engine(f"duckdb:///{serving}?access_mode=read_only")
    yield engine
    engine.dispose()


def test_sqlalchemy_version_is_one_duckdb_engine_reflects_with():
    # duckdb-engine's column reflection queries pg_catalog.pg_collation from SQLAlchemy 2.0.45
    # on, which DuckDB lacks; pyproject pins below it.
    major, minor, patch = (int(part) for part in sa.__version__.split(".")[:3])
    assert (major, minor) == (2, 0) and patch < 45, sa.__version__


def test_sqlalchemy_reflects_the_marts(engine: sa.Engine, warehouse):
    metadata = sa.MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "doesn't yet support reflection on indices"
        metadata.reflect(bind=engine, schema="marts")
    journey = metadata.tables["marts.fct_customer_journey"]
    expected = [
        name
        for (name,) in warehouse.query(
            "select column_name from information_schema.columns where table_schema = 'marts' "
            "and table_name = 'fct_customer_journey' order by ordinal_position"
        )
    ]
    assert [column.name for column in journey.columns] == expected
    assert isinstance(journey.c.occurred_at.type, sa.DateTime)
    with engine.connect() as con:
        rows = con.execute(sa.select(sa.func.count()).select_from(journey)).scalar_one()
    assert rows == warehouse.scalar("select count(*) from marts.fct_customer_journey")


def test_sqlalchemy_connection_is_read_only(engine: sa.Engine):
    with (
        engine.connect() as con,
        pytest.raises(sa.exc.DBAPIError, match=r"read-only|Cannot execute"),
    ):
        con.exec_driver_sql("create table marts.scratch (x integer)")


def test_python_client_reads_read_only(serving: Path):
    with duckdb.connect(str(serving), read_only=True) as con:
        stages = con.execute("select count(*) from marts.dim_stages").fetchone()[0]
        with pytest.raises(duckdb.Error):
            con.execute("delete from marts.dim_stages")
    assert stages > 0


def test_parquet_reads_with_pandas(serving: Path, warehouse):
    frame = pd.read_parquet(serving.parent / PARQUET_LINK / "fct_customer_journey.parquet")
    assert len(frame) == warehouse.scalar("select count(*) from marts.fct_customer_journey")
    assert {"journey_key", "stage_key", "occurred_at"} <= set(frame.columns)


def duckdb_1x_cli(database: Path, sql: str) -> subprocess.CompletedProcess:
    cli = Path(sys.executable).parent / "duckdb"  # the duckdb-cli package, a DuckDB 1.x build
    return subprocess.run(
        [str(cli), "-readonly", str(database), "-csv", "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_duckdb_1x_cli_opens_the_serving_copy_but_not_the_warehouse(serving: Path, warehouse):
    version = duckdb_1x_cli(serving, "select version()")
    assert version.returncode == 0, version.stderr
    assert version.stdout.splitlines()[-1].startswith("v1."), version.stdout
    counted = duckdb_1x_cli(serving, "select count(*) from marts.fct_customer_journey")
    assert counted.returncode == 0, counted.stderr
    expected = warehouse.scalar("select count(*) from marts.fct_customer_journey")
    assert int(counted.stdout.splitlines()[-1]) == expected
    # The served view unnests its touches with functions a 1.x client has.
    credits = duckdb_1x_cli(serving, "select count(*) from marts.stage_attribution")
    assert credits.returncode == 0, credits.stderr
    expected = warehouse.scalar("select count(*) from marts.stage_attribution")
    assert int(credits.stdout.splitlines()[-1]) == expected
    # The warehouse itself is in DuckDB 2.0's format, which a 1.x client cannot open.
    refused = duckdb_1x_cli(warehouse.database, "select 1")
    assert refused.returncode != 0
