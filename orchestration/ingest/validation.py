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

VERDICTS = "_verdicts"
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


STORED_AS = {
    "occurred_at": "occurred_at_utc",
    "amount": "amount_decimal",
    "properties": "properties_json",
}
_BATCH_REPEATS = "_batch_repeats"
_LOGGED = "_logged"


def _stored_values(fields: tuple[str, ...], alias: str) -> list[str]:
    """A staged record's values as the raw tables store them: cleaned text, typed time,
    amount and JSON."""
    return [f"{alias}.{STORED_AS.get(f, f)}" for f in fields]


def content_hash(values: list[str]) -> str:
    """md5 of a record's stored values: equal hashes mean the same content. Computed only
    where an event_id collides, on the new record and on the row already in the log."""
    text = ", ".join(f"coalesce(cast({value} as varchar), '')" for value in values)
    return f"md5(concat_ws(chr(31), {text}))"


def _collisions(
    con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], event_tables: list[str]
) -> None:
    """`_batch_repeats`: hashes of event_ids staged more than once (a rare hash collision
    only adds a record to those ranked, never a verdict); `_logged`: (event_id, content
    hash) of the log rows whose event_id is staged again. Both are small: only they get
    content hashes."""
    staged_ids = f"select event_id from {STAGED}"
    con.execute(
        f"create or replace temp table {_BATCH_REPEATS} as select hash(event_id) as id_hash "
        f"from ({staged_ids}) where event_id is not null group by 1 having count(*) > 1"
    )
    logged_ids = " union all ".join(f"select event_id from {t}" for t in event_tables)
    con.execute(
        f"create or replace temp table {_LOGGED} as select distinct event_id, "
        f"cast(null as varchar) as event_hash from ({logged_ids}) "
        f"where event_id in ({staged_ids})"
    )
    if con.execute(f"select count(*) from {_LOGGED}").fetchone()[0]:
        stored = content_hash(list(fields))
        rows = " union all ".join(
            f"select event_id, {stored} as event_hash from {t} "
            f"where event_id in (select event_id from {_LOGGED})"
            for t in event_tables
        )
        con.execute(f"create or replace temp table {_LOGGED} as {rows}")


def classify_staged(
    con: duckdb.DuckDBPyConnection,
    stream: str,
    fields: tuple[str, ...],
    event_tables: list[str],
    loaded_at: str,
) -> None:
    """Build `_verdicts`: every staged record that is NOT simply loaded, with its outcome.

    The outcome is `quarantine` (a failed check, with its reason and detail), `duplicate`
    or `conflict` (an event_id already in the log, or earlier in the batch by file order,
    then line, with the same or different content). Every other staged record loads
    (`insert_loadable`), so the wide classified batch is never written: only this narrow
    table of exceptions is.

    `event_tables` are the raw event tables of every stream, so an event_id stays unique
    across sources. Content hashes are computed only for records whose event_id collides
    with the log or repeats in the batch.
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
    _collisions(con, fields, event_tables)
    con.execute(
        f"""
        create or replace temp table {VERDICTS} as
        -- The checks read each field by its contract name; properties as its JSON.
        with timed as (select *, properties_json as properties from {STAGED}),
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
        exceptions as (
            select *
            from checked
            where quarantine_reason is not null
                or hash(event_id) in (select r.id_hash from {_BATCH_REPEATS} as r)
                or event_id in (select g.event_id from {_LOGGED} as g)
        ),
        described as (
            select
                s.*,
                {detail_sql} as quarantine_detail,
                {content_hash(_stored_values(fields, "s"))} as event_hash
            from exceptions as s
            cross join file_stream as f
            cross join limits as l
            left join catalog as c on s.event_type = c.event_type
        ),
        judged as (
            select
                d.*,
                case
                    when d.quarantine_reason is not null then 'quarantine'
                    when g.event_hash = d.event_hash then 'duplicate'
                    when g.event_hash is not null then 'conflict'
                end as log_outcome
            from described as d
            left join {_LOGGED} as g on d.event_id = g.event_id
        ),
        ranked as (
            -- Valid records new to the log whose event_id repeats in the batch: the first
            -- (by file, then line) loads; a later one is a duplicate if its content is the
            -- first's, else a conflict.
            select
                *,
                coalesce(
                    log_outcome,
                    case
                        when event_hash <> first_value(event_hash) over same_id then 'conflict'
                        when row_number() over same_id > 1 then 'duplicate'
                    end
                ) as outcome
            from judged
            window same_id as (
                partition by event_id, log_outcome order by file_index, line_number
            )
        )
        select
            file_index,
            line_number,
            event_id,
            event_type,
            outcome,
            coalesce(
                quarantine_reason,
                case when outcome = 'conflict' then {_quote(CONFLICT_REASON)} end
            ) as reason,
            coalesce(
                quarantine_detail,
                case
                    when outcome = 'conflict'
                        then 'event_id ' || event_id || ' was already loaded with different content'
                end
            ) as detail,
            raw_record
        from ranked
        where outcome is not null
        """
    )


def insert_loadable(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fields: tuple[str, ...],
    batch_files: str,
    loaded_at: str,
) -> None:
    """Append every staged record without a verdict to `table`, typed as the log stores it.

    `batch_files` maps each file_index to its file_path and load_id.
    """
    con.execute(
        f"""
        insert into {table}
        with timed as (select * from {STAGED})
        select
            {", ".join(_stored_values(fields, "s"))},
            f.file_path,
            s.line_number,
            f.load_id,
            cast({_quote(loaded_at)} as timestamp)
        from timed as s
        inner join {batch_files} as f on s.file_index = f.file_index
        anti join {VERDICTS} as v
            on s.file_index = v.file_index and s.line_number = v.line_number
        """
    )
