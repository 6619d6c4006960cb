"""Classify every staged record: load it, count it as a duplicate, or quarantine it with a reason.

The checks run in the order of `seeds/quarantine_reasons.csv` (check_order); the first
one that fails is the record's reason. Event types, required fields per type, streams
and time limits come from the seeds, never from literals here.
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.contract import (
    PERSON_IDENTITY_FIELDS,
    always_required_fields,
    offset_timestamp_pattern,
)
from orchestration.ingest.readers import STAGED
from orchestration.paths import SEEDS_DIR

CLASSIFIED = "_classified"
CONFLICT_REASON = "conflicting_event_id"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def register_seed_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Expose the seeds the loader needs as temp tables, read straight from the CSVs."""
    for seed in ("event_catalog", "ingestion_limits", "quarantine_reasons"):
        con.execute(
            f"create or replace temp table _seed_{seed} as "
            f"select * from read_csv({_quote(str(SEEDS_DIR / f'{seed}.csv'))}, header = true, "
            f"all_varchar = true)"
        )


def _requires(field: str) -> str:
    return f"requires_{field}"


def _catalog_sql(fields: tuple[str, ...]) -> str:
    """The event catalog with one boolean per contract field: is it required for the type."""
    flags = ", ".join(
        f"list_contains(string_split(coalesce(required_fields, ''), '|'), {_quote(f)}) "
        f"as {_requires(f)}"
        for f in fields
    )
    return f"select *, {flags} from _seed_event_catalog"


def _reason_cases(fields: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(reason key, condition, detail expression) per check, keyed to the quarantine seed."""
    required = " or ".join(f"s.{f} is null" for f in always_required_fields())
    missing_base = " || ".join(
        f"case when s.{f} is null then '{f} ' else '' end" for f in always_required_fields()
    )
    presence = ", ".join(f"{{'field': '{f}', 'missing': s.{f} is null}}" for f in fields)
    missing_by_type = (
        f"list_transform(list_filter([{presence}], lambda p: p.missing and "
        f"list_contains(string_split(coalesce(c.required_fields, ''), '|'), p.field)), "
        f"lambda p: p.field)"
    )
    # The condition reads the catalog's per-field flags (see `_catalog_sql`); the detail,
    # built only for records that fail, lists the fields.
    missing_for_type = " or ".join(f"(c.{_requires(f)} and s.{f} is null)" for f in fields)
    no_identity = " and ".join(f"s.{f} is null" for f in PERSON_IDENTITY_FIELDS)
    return [
        ("invalid_encoding", "s.parse_error = 'invalid_encoding'", "'the line is not valid UTF-8'"),
        (
            "malformed_record",
            "s.parse_error = 'malformed_record'",
            "'the record is not a JSON object, or its properties are not a JSON object'",
        ),
        (
            "missing_required_field",
            required,
            f"'required by the contract but missing: ' || trim({missing_base})",
        ),
        (
            "unknown_event_type",
            "c.event_type is null",
            "'event type ' || s.event_type || ' is not in the event catalog'",
        ),
        (
            "wrong_stream",
            "c.stream <> f.stream",
            "'event type ' || s.event_type || ' belongs to the ' || c.stream "
            "|| ' stream, but the file is in ' || f.stream",
        ),
        (
            "missing_required_field",
            missing_for_type,
            f"'required for ' || s.event_type || ' but missing: ' "
            f"|| array_to_string({missing_by_type}, ', ')",
        ),
        (
            "missing_identity",
            f"c.is_person_level = 'true' and {no_identity}",
            "'a person-level event needs one of " + ", ".join(PERSON_IDENTITY_FIELDS) + "'",
        ),
        (
            "invalid_timestamp",
            f"not regexp_full_match(s.occurred_at, {_quote(offset_timestamp_pattern())}) "
            "or s.occurred_at_utc is null",
            "'occurred_at ' || s.occurred_at || ' is not ISO-8601 with a UTC offset'",
        ),
        (
            "timestamp_out_of_range",
            "s.occurred_at_utc < l.earliest_occurred_at "
            "or s.occurred_at_utc > l.loaded_at + to_hours(l.future_tolerance_hours)",
            "'occurred_at ' || s.occurred_at || ' is before ' || l.earliest_occurred_at "
            "|| ' or more than ' || l.future_tolerance_hours || ' hours after the load'",
        ),
        (
            "invalid_amount",
            "s.amount is not null and s.amount_decimal is null",
            "'amount ' || s.amount || ' is not a number'",
        ),
    ]


def classify_staged(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    fields: tuple[str, ...],
    existing_events_sql: str,
    loaded_at: str,
) -> None:
    """Build `_classified`: each staged record with its outcome (load/duplicate/quarantine).

    Fields are cleaned text, except `occurred_at_utc`, `amount_decimal` and
    `properties_json`, typed as the raw tables store them.

    The staged records are a batch of files; a record is a duplicate of (or conflicts
    with) an earlier one in the batch by file order, then line. `existing_events_sql`
    selects (event_id, _event_hash) of everything already in the log, across all streams,
    so an event_id stays unique across sources.
    """
    cases = _reason_cases(fields)
    known = {
        row[0] for row in con.execute("select reason_key from _seed_quarantine_reasons").fetchall()
    }
    unknown = ({key for key, _, _ in cases} | {CONFLICT_REASON}) - known
    if unknown:
        raise ValueError(f"quarantine reasons missing from seeds/quarantine_reasons.csv: {unknown}")
    reason_sql = "case " + " ".join(f"when {cond} then '{key}'" for key, cond, _ in cases) + " end"
    # Only records that fail get a detail: CASE stops at the first branch for the rest.
    detail_sql = (
        "case when quarantine_reason is null then null "
        + " ".join(f"when {cond} then {detail}" for _, cond, detail in cases)
        + " end"
    )
    cleaned = ", ".join(f"nullif(trim({f}), '') as {f}" for f in fields if f != "properties")
    hashed = ", ".join(
        {
            "occurred_at": "coalesce(cast(s.occurred_at_utc as varchar), '')",
            "amount": "coalesce(cast(s.amount_decimal as varchar), '')",
            "properties": "coalesce(cast(s.properties_json as varchar), '')",
        }.get(f, f"coalesce(s.{f}, '')")
        for f in fields
    )
    con.execute(
        f"""
        create or replace temp table {CLASSIFIED} as
        with staged as (
            select
                file_index, line_number, raw_record, parse_error, {cleaned}, properties,
                try(json(properties)) as properties_json
            from {STAGED}
        ),
        timed as (
            select
                *,
                cast(timezone('UTC', try_cast(occurred_at as timestamptz)) as timestamp)
                    as occurred_at_utc,
                try_cast(amount as decimal(18, 2)) as amount_decimal
            from staged
        ),
        file_stream as (select {_quote(stream)} as stream),
        limits as (
            select
                cast(max(case when limit_key = 'earliest_occurred_at' then limit_value end)
                    as timestamp) as earliest_occurred_at,
                cast(max(case when limit_key = 'future_tolerance_hours' then limit_value end)
                    as integer) as future_tolerance_hours,
                cast({_quote(loaded_at)} as timestamp) as loaded_at
            from _seed_ingestion_limits
        ),
        catalog as ({_catalog_sql(fields)}),
        checked as (
            select
                s.*,
                {reason_sql} as quarantine_reason
            from timed as s
            cross join file_stream as f
            cross join limits as l
            left join catalog as c on s.event_type = c.event_type
        ),
        described as (
            select
                s.*,
                {detail_sql} as quarantine_detail,
                md5(concat_ws(chr(31), {hashed})) as event_hash
            from checked as s
            cross join file_stream as f
            cross join limits as l
            left join catalog as c on s.event_type = c.event_type
        ),
        judged as (
            select
                d.*,
                case
                    when d.quarantine_reason is not null then 'quarantine'
                    when e._event_hash = d.event_hash then 'duplicate'
                    when e._event_hash is not null then 'conflict'
                    else 'load'
                end as outcome
            from described as d
            left join ({existing_events_sql}) as e on d.event_id = e.event_id
        )
        select
            -- The typed values replace the text ones they were parsed from.
            * exclude (occurred_at, amount, properties, outcome),
            case when outcome = 'conflict' then {_quote(CONFLICT_REASON)} end as conflict_reason,
            outcome
        from judged
        """
    )
    _judge_repeats_within_batch(con)


def _judge_repeats_within_batch(con: duckdb.DuckDBPyConnection) -> None:
    """Among valid records new to the log whose event_id repeats in the batch, the first
    (by file, then line) loads; a later one is a duplicate if its content hash is the
    first's, else a conflict. Only those few rows are ranked and rewritten."""
    con.execute(
        f"""
        update {CLASSIFIED} as c
        set
            outcome = j.outcome,
            conflict_reason = case when j.outcome = 'conflict' then {_quote(CONFLICT_REASON)} end
        from (
            select
                file_index,
                line_number,
                case
                    when event_hash <> first_value(event_hash) over same_id then 'conflict'
                    when row_number() over same_id > 1 then 'duplicate'
                end as outcome
            from {CLASSIFIED}
            where outcome = 'load' and event_id in (
                select event_id from {CLASSIFIED}
                where outcome = 'load'
                group by event_id
                having count(*) > 1
            )
            window same_id as (partition by event_id order by file_index, line_number)
        ) as j
        where j.outcome is not null
            and c.file_index = j.file_index
            and c.line_number = j.line_number
        """
    )
