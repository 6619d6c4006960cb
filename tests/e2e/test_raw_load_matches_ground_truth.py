"""The real Dagster job on generated data: the raw layer matches the generator's ground truth."""

from __future__ import annotations

from tests.conftest import BuiltWarehouse


def test_every_record_read_is_loaded_duplicate_or_quarantined(warehouse: BuiltWarehouse):
    truth = warehouse.ground_truth
    read, loaded, duplicate, quarantined = warehouse.query(
        "select sum(rows_read), sum(rows_loaded), sum(rows_duplicate), sum(rows_quarantined) "
        "from raw.load_ledger where status = 'loaded'"
    )[0]
    assert read == truth["records_written"]
    assert loaded == truth["valid_events"]
    assert duplicate == truth["duplicates"]
    assert quarantined == sum(truth["quarantined"].values())


def test_each_file_reconciles(warehouse: BuiltWarehouse):
    unbalanced = warehouse.query(
        "select file_path from raw.load_ledger "
        "where rows_read <> rows_loaded + rows_duplicate + rows_quarantined"
    )
    assert unbalanced == []
    per_load = warehouse.query(
        """
        select ledger.file_path
        from raw.load_ledger as ledger
        left join (
            select _load_id, count(*) as n from raw.marketing_events group by 1
            union all
            select _load_id, count(*) from raw.sales_events group by 1
        ) as events on events._load_id = ledger.load_id
        where ledger.status = 'loaded' and coalesce(events.n, 0) <> ledger.rows_loaded
        """
    )
    assert per_load == []


def test_quarantine_reasons_match_the_planted_bad_records(warehouse: BuiltWarehouse):
    found = dict(warehouse.query("select reason, count(*) from raw.quarantined_records group by 1"))
    expected = {reason: n for reason, n in warehouse.ground_truth["quarantined"].items() if n}
    assert found == expected


def test_events_per_stream_and_type(warehouse: BuiltWarehouse):
    truth = warehouse.ground_truth
    by_stream = dict(
        warehouse.query(
            "select 'marketing', count(*) from raw.marketing_events "
            "union all select 'sales', count(*) from raw.sales_events"
        )
    )
    assert by_stream == truth["events_by_stream"]
    by_type = dict(
        warehouse.query(
            "select event_type, count(*) from (select event_type from raw.marketing_events "
            "union all select event_type from raw.sales_events) group by 1"
        )
    )
    assert by_type == {k: v for k, v in truth["events_by_type"].items() if v}
