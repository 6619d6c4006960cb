"""The journey the warehouse derives matches the journeys the generator constructed."""

from __future__ import annotations

from orchestration.seeds import stages
from tests.conftest import BuiltWarehouse


def test_journeys_reaching_each_stage(warehouse: BuiltWarehouse):
    found = dict(
        warehouse.query(
            "select stage_key, count(distinct journey_key) "
            "from marts.fct_journey_stage_entries group by 1"
        )
    )
    expected = warehouse.ground_truth["journeys_reaching_stage"]
    assert {s["stage_key"]: found.get(s["stage_key"], 0) for s in stages()} == expected


def test_mql_people_and_mql_entries(warehouse: BuiltWarehouse):
    truth = warehouse.ground_truth
    mql = warehouse.query(
        """
        select count(distinct entries.journey_key), count(*)
        from marts.fct_journey_stage_entries as entries
        inner join definitions.funnel_stages as stages
            on entries.stage_key = stages.stage_key
        where stages.entry_trigger = 'lead_rule'
        """
    )[0]
    assert mql == (truth["mql_people"], truth["mql_entries"])


def test_sales_sourced_journeys(warehouse: BuiltWarehouse):
    found = warehouse.scalar(
        "select count(distinct journey_key) from marts.fct_customer_journey where is_sales_sourced"
    )
    assert found == warehouse.ground_truth["sales_sourced_journeys"]


def test_one_fact_row_per_journey_event_no_fan_out(warehouse: BuiltWarehouse):
    """Every loaded event with a person or an opportunity is in the fact table exactly once."""
    events, journey_events = warehouse.query(
        """
        select
            (select count(*) from marts.fct_customer_journey),
            (select count(*) from intermediate.int_events_identified)
        """
    )[0]
    assert events == journey_events
    spend = warehouse.ground_truth["events_by_type"].get("campaign_spend", 0)
    assert events == warehouse.ground_truth["valid_events"] - spend


def test_no_email_address_reaches_the_marts(warehouse: BuiltWarehouse):
    columns = warehouse.query(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'marts' and data_type = 'VARCHAR'"
    )
    assert columns, "the marts schema has text columns to scan"
    for table_name, column_name in columns:
        leaked = warehouse.scalar(
            f'select count(*) from marts."{table_name}" where "{column_name}" like \'%@%\''
        )
        assert leaked == 0, f"marts.{table_name}.{column_name} holds email addresses"


def test_stage_entries_never_go_backwards_within_a_cycle(warehouse: BuiltWarehouse):
    backwards = warehouse.query(
        """
        select journey_key
        from (
            select
                journey_key,
                stage_order,
                lag(stage_order) over (
                    partition by journey_key, journey_cycle order by entered_at, stage_order
                ) as previous_order
            from marts.fct_journey_stage_entries
        )
        where stage_order <= previous_order
        """
    )
    assert backwards == []
