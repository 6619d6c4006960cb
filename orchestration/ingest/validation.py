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
            f"len({missing_by_type}) > 0",
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
            "or try_cast(s.occurred_at as timestamptz) is null",
            "'occurred_at ' || s.occurred_at || ' is not ISO-8601 with a UTC offset'",
        ),
        (
            "timestamp_out_of_range",
            "utc.occurred_at < l.earliest_occurred_at "
            "or utc.occurred_at > l.loaded_at + to_hours(l.future_tolerance_hours)",
            "'occurred_at ' || s.occurred_at || ' is before ' || l.earliest_occurred_at "
            "|| ' or more than ' || l.future_tolerance_hours || ' hours after the load'",
        ),
        (
            "invalid_amount",
            "s.amount is not null and try_cast(s.amount as decimal(18, 2)) is null",
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

    The staged records are a batch of files; a record is a duplicate of (or conflicts
    with) an earlier one in the batch by file order, then line. `existing_events_sql`
    selects (event_id, _event_hash) of everything already in the log, across all streams,
    so an event_id stays unique across sources.
    """
    cases = _reason_cases(fields)
    known = {
        row[0] for row in con.execute("select reason_key from _seed_quarantine_reasons").fetchall()
    }
    unknown = {key for key, _, _ in cases} - known
    if unknown:
        raise ValueError(f"quarantine reasons missing from seeds/quarantine_reasons.csv: {unknown}")
    reason_sql = "case " + " ".join(f"when {cond} then '{key}'" for key, cond, _ in cases) + " end"
    detail_sql = (
        "case " + " ".join(f"when {cond} then {detail}" for _, cond, detail in cases) + " end"
    )
    cleaned = ", ".join(f"nullif(trim({f}), '') as {f}" for f in fields if f != "properties")
    hashed = ", ".join(
        {
            "occurred_at": "coalesce(cast(s.occurred_at_utc as varchar), '')",
            "amount": "coalesce(cast(try_cast(s.amount as decimal(18, 2)) as varchar), '')",
            "properties": "coalesce(cast(try(json(s.properties)) as varchar), '')",
        }.get(f, f"coalesce(s.{f}, '')")
        for f in fields
    )
    con.execute(
        f"""
        create or replace temp table {CLASSIFIED} as
        with staged as (
            select file_index, line_number, raw_record, parse_error, {cleaned}, properties
            from {STAGED}
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
        checked as (
            select
                s.*,
                utc.occurred_at as occurred_at_utc,
                {reason_sql} as quarantine_reason,
                {detail_sql} as quarantine_detail
            from staged as s
            cross join file_stream as f
            cross join limits as l
            left join _seed_event_catalog as c on s.event_type = c.event_type
            cross join lateral (
                select cast(timezone('UTC', try_cast(s.occurred_at as timestamptz)) as timestamp)
                    as occurred_at
            ) as utc
        ),
        hashed as (
            select
                s.*,
                md5(concat_ws(chr(31), {hashed}))
                    as event_hash
            from checked as s
        ),
        ranked as (
            select
                h.*,
                e._event_hash as existing_hash,
                row_number() over (
                    partition by h.event_id order by h.file_index, h.line_number
                ) as occurrence,
                first_value(h.event_hash) over (
                    partition by h.event_id order by h.file_index, h.line_number
                ) as first_hash
            from hashed as h
            left join ({existing_events_sql}) as e on h.event_id = e.event_id
            where h.quarantine_reason is null
        ),
        valid as (
            select
                *,
                case
                    when existing_hash = event_hash then 'duplicate'
                    when existing_hash is not null then 'conflict'
                    when first_hash <> event_hash then 'conflict'
                    when occurrence > 1 then 'duplicate'
                    else 'load'
                end as outcome
            from ranked
        )
        select
            * exclude (existing_hash, occurrence, first_hash, outcome),
            case when outcome = 'conflict' then 'conflicting_event_id' end as conflict_reason,
            outcome
        from valid
        union all by name
        select *, null as conflict_reason, 'quarantine' as outcome
        from hashed
        where quarantine_reason is not null
        """
    )
