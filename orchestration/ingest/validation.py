"""Classify records: load them, count them as duplicates, or quarantine them with a reason.

The checks run in the order of `seeds/quarantine_reasons.csv` (check_order); the first
one that fails is the record's reason. Event types, required fields per type, streams
and time limits come from the seeds, never from literals here.

The record checks read a record alone (`reason_sql`; the catalog entry of its type is
looked up by position, `catalog_index_sql`), so they run inline while a batch is read in
bulk, without a join that could reorder the rows. Duplicates and conflicts are judged
afterwards among the batch's records that passed and the log (`classify_collisions`).
"""

from __future__ import annotations

import duckdb

from orchestration.ingest.contract import (
    PERSON_IDENTITY_FIELDS,
    always_required_fields,
    offset_timestamp_pattern,
)
from orchestration.ingest.readers import STAGED, sql_literal
from orchestration.seeds import (
    event_catalog,
    ingestion_limits,
    quarantine_reason_keys,
    required_fields,
)

VERDICTS = "_verdicts"
ROW_VERDICTS = "_row_verdicts"
COLLISION_VERDICTS = "_collision_verdicts"
CONFLICT_REASON = "conflicting_event_id"
# The record's position in the event catalog (1-based, null if its type is not there);
# every catalog attribute is read from a list literal at this position.
CATALOG_INDEX = "catalog_index"


def _requires(field: str) -> str:
    return f"requires_{field}"


def sql_list(values: list[str] | list[bool]) -> str:
    items = (sql_literal(v) if isinstance(v, str) else str(v).lower() for v in values)
    return "[" + ", ".join(items) + "]"


def catalog_index_sql(event_type: str) -> str:
    """SQL for a record's `catalog_index`: its event type's position in the event catalog.

    An ENUM cast is one hash lookup, and unlike a join it keeps the rows in order.
    """
    types = ", ".join(sql_literal(t) for t in event_catalog())
    return f"enum_code(try_cast({event_type} as enum({types}))) + 1"


def _catalog(attribute: str, fields: tuple[str, ...]) -> str:
    """SQL for one attribute of the record's catalog entry (null if the type is unknown):
    a seed column, or `requires_<field>` (is the field required for the type)."""
    catalog = event_catalog()
    if attribute.startswith("requires_"):
        field = next(f for f in fields if _requires(f) == attribute)
        values: list[str] | list[bool] = [field in required_fields(t) for t in catalog]
    else:
        values = [row[attribute] for row in catalog.values()]
    return f"{sql_list(values)}[s.{CATALOG_INDEX}]"


def _limits(loaded_at: str) -> dict[str, str]:
    limits = ingestion_limits()
    return {
        "earliest_occurred_at": (
            f"cast({sql_literal(limits['earliest_occurred_at'])} as timestamp)"
        ),
        "future_tolerance_hours": (
            f"cast({sql_literal(limits['future_tolerance_hours'])} as integer)"
        ),
        "loaded_at": f"cast({sql_literal(loaded_at)} as timestamp)",
    }


def _reason_cases(
    fields: tuple[str, ...], stream: str, loaded_at: str
) -> list[tuple[str, str, str]]:
    """(reason key, condition, detail expression) per check, keyed to the quarantine seed.

    The record is `s` (staged columns, `properties` as its JSON, and `catalog_index`).
    """

    def c(attribute: str) -> str:
        return _catalog(attribute, fields)

    limit = _limits(loaded_at)
    file_stream = sql_literal(stream)
    required = " or ".join(f"s.{f} is null" for f in always_required_fields())
    missing_base = " || ".join(
        f"case when s.{f} is null then '{f} ' else '' end" for f in always_required_fields()
    )
    presence = ", ".join(f"{{'field': '{f}', 'missing': s.{f} is null}}" for f in fields)
    missing_by_type = (
        f"list_transform(list_filter([{presence}], lambda p: p.missing and "
        f"list_contains(string_split(coalesce({c('required_fields')}, ''), '|'), p.field)), "
        f"lambda p: p.field)"
    )
    # The condition reads the catalog's per-field flags; the detail, built only for records
    # that fail, lists the fields. Fields no event type requires are left out.
    missing_for_type = (
        " or ".join(
            f"({c(_requires(f))} and s.{f} is null)"
            for f in fields
            if any(f in required_fields(t) for t in event_catalog())
        )
        or "false"
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
            f"{c('event_type')} is null",
            "'event type ' || s.event_type || ' is not in the event catalog'",
        ),
        (
            "wrong_stream",
            f"{c('stream')} <> {file_stream}",
            f"'event type ' || s.event_type || ' belongs to the ' || {c('stream')} "
            f"|| ' stream, but the file is in ' || {file_stream}",
        ),
        (
            "missing_required_field",
            missing_for_type,
            f"'required for ' || s.event_type || ' but missing: ' "
            f"|| array_to_string({missing_by_type}, ', ')",
        ),
        (
            "missing_identity",
            f"{c('is_person_level')} = 'true' and {no_identity}",
            "'a person-level event needs one of " + ", ".join(PERSON_IDENTITY_FIELDS) + "'",
        ),
        (
            "invalid_timestamp",
            f"not regexp_full_match(s.occurred_at, {sql_literal(offset_timestamp_pattern())}) "
            "or s.occurred_at_utc is null",
            "'occurred_at ' || s.occurred_at || ' is not ISO-8601 with a UTC offset'",
        ),
        (
            "timestamp_out_of_range",
            f"s.occurred_at_utc < {limit['earliest_occurred_at']} "
            f"or s.occurred_at_utc > {limit['loaded_at']} "
            f"+ to_hours({limit['future_tolerance_hours']})",
            f"'occurred_at ' || s.occurred_at || ' is before ' || {limit['earliest_occurred_at']} "
            f"|| ' or more than ' || {limit['future_tolerance_hours']} "
            "|| ' hours after the load'",
        ),
        (
            "invalid_amount",
            "s.amount is not null and s.amount_decimal is null",
            "'amount ' || s.amount || ' is not a number'",
        ),
    ]


def check_reasons(
    fields: tuple[str, ...], stream: str, loaded_at: str
) -> list[tuple[str, str, str]]:
    """The checks, after making sure every reason they give is in the quarantine seed."""
    cases = _reason_cases(fields, stream, loaded_at)
    unknown = ({key for key, _, _ in cases} | {CONFLICT_REASON}) - quarantine_reason_keys()
    if unknown:
        raise ValueError(f"quarantine reasons missing from seeds/quarantine_reasons.csv: {unknown}")
    return cases


def reason_sql(cases: list[tuple[str, str, str]]) -> str:
    """The first failing check's reason key, or null if the record passes them all."""
    return "case " + " ".join(f"when {cond} then '{key}'" for key, cond, _ in cases) + " end"


STORED_AS = {
    "occurred_at": "occurred_at_utc",
    "amount": "amount_decimal",
    "properties": "properties_json",
}


def _stored_values(fields: tuple[str, ...], alias: str) -> list[str]:
    """A staged record's values as the raw tables store them: cleaned text, typed time,
    amount and JSON."""
    return [f"{alias}.{STORED_AS.get(f, f)}" for f in fields]


def content_hash(values: list[str]) -> str:
    """md5 of a record's stored values: equal hashes mean the same content. Computed only
    where an event_id collides, on the new record and on the row already in the log."""
    text = ", ".join(f"coalesce(cast({value} as varchar), '')" for value in values)
    return f"md5(concat_ws(chr(31), {text}))"


def classify_rows(con: duckdb.DuckDBPyConnection, cases: list[tuple[str, str, str]]) -> None:
    """Build `_row_verdicts`: every staged record that fails a check, with its reason and
    detail (the staged records are the batch's CSV, Parquet and line-by-line files, and
    the bulk-read lines that failed a check inline)."""
    # Only records that fail get a detail: CASE stops at the first branch for the rest.
    detail_sql = (
        "case when quarantine_reason is null then null "
        + " ".join(f"when {cond} then {detail}" for _, cond, detail in cases)
        + " end"
    )
    con.execute(
        f"""
        create or replace temp table {ROW_VERDICTS} as
        -- The checks read each field by its contract name; properties as its JSON.
        with timed as (
            select *, properties_json as properties, {catalog_index_sql("event_type")}
                as {CATALOG_INDEX}
            from {STAGED}
        ),
        checked as (
            select s.*, {reason_sql(cases)} as quarantine_reason
            from timed as s
        )
        select
            s.file_index,
            s.line_number,
            s.event_id,
            s.event_type,
            'quarantine' as outcome,
            s.quarantine_reason as reason,
            {detail_sql} as detail,
            s.raw_record
        from checked as s
        where s.quarantine_reason is not null
        """
    )


_BATCH_REPEATS = "_batch_repeats"
_LOGGED = "_logged"
_COLLIDED = "_collided"
_COLLIDED_IDS = "_collided_ids"
_BATCH_KEYS = "_batch_keys"
BATCH_ROWS = "_batch_rows"


STAGED_ROWS = "_staged_rows"


def create_batch_rows(
    con: duckdb.DuckDBPyConnection, fields: tuple[str, ...], bulk_rows: str, staged_files: list[int]
) -> None:
    """`_batch_rows(file_index, line_number, <fields as stored>)`: every record of the batch
    that passed the checks: the bulk-read ones (already in the log, unfinished) and
    `_staged_rows`, the staged ones of `staged_files` (still to append)."""
    values = ", ".join(
        f"{value} as {f}" for f, value in zip(fields, _stored_values(fields, "s"), strict=True)
    )
    con.execute(
        f"""
        create or replace temp view {STAGED_ROWS} as
        select s.file_index, s.line_number, {values}
        from {STAGED} as s
        anti join {ROW_VERDICTS} as v
            on s.file_index = v.file_index and s.line_number = v.line_number
        where s.file_index in ({", ".join(str(i) for i in staged_files) or "null"})
        """
    )
    con.execute(
        f"""
        create or replace temp view {BATCH_ROWS} as
        select file_index, line_number, {", ".join(fields)} from {bulk_rows}
        union all
        select * from {STAGED_ROWS}
        """
    )


def classify_collisions(
    con: duckdb.DuckDBPyConnection,
    fields: tuple[str, ...],
    event_tables: list[str],
    earlier_loads: str,
) -> None:
    """Build `_collision_verdicts`: the records of `_batch_rows` that are NOT loaded, as
    `duplicate` or `conflict`.

    An event_id already in the log (any stream's table) or earlier in the batch (by file,
    then line) makes the record a duplicate if its content is the same, else a conflict.
    Content hashes are computed only for event_ids that collide. `earlier_loads` is SQL
    that tells a logged row from the batch's own (unfinished) rows.
    """
    con.execute(
        f"create or replace temp table {_BATCH_KEYS} as select event_id, "
        f"hash(event_id) as id_hash from {BATCH_ROWS}"
    )
    con.execute(
        f"create or replace temp table {_BATCH_REPEATS} as select id_hash "
        f"from {_BATCH_KEYS} group by 1 having count(*) > 1"
    )
    stored = content_hash(list(fields))
    # Only tables holding earlier loads are probed: in a table holding none (a first load),
    # the probe would hash every key of the batch to find nothing. Asking reads only
    # `_loaded_at`, and DuckDB skips the row groups whose load times rule them out.
    probe = f"event_id in (select k.event_id from {_BATCH_KEYS} as k) and {earlier_loads}"
    logged = " union all ".join(
        f"select event_id, {stored} as event_hash from {t} "
        f"where {probe if _holds_rows(con, t, earlier_loads) else 'false'}"
        for t in event_tables
    )
    con.execute(f"create or replace temp table {_LOGGED} as {logged}")
    # The colliding event_ids are few; as a table of known size, they are the side DuckDB
    # hashes, and their filter reaches the log's scan of the batch's rows (only the rows
    # of those event_ids are read whole).
    con.execute(
        f"""
        create or replace temp table {_COLLIDED_IDS} as
        select distinct k.event_id
        from {_BATCH_KEYS} as k
        where k.id_hash in (select r.id_hash from {_BATCH_REPEATS} as r)
            or k.event_id in (select g.event_id from {_LOGGED} as g)
        """
    )
    con.execute(
        f"""
        create or replace temp table {_COLLIDED} as
        select b.file_index, b.line_number, b.event_id, b.event_type, {stored} as event_hash
        from {BATCH_ROWS} as b
        semi join {_COLLIDED_IDS} as k on b.event_id = k.event_id
        """
    )
    con.execute(
        f"""
        create or replace temp table {COLLISION_VERDICTS} as
        with judged as (
            select
                d.*,
                case
                    when g.event_hash = d.event_hash then 'duplicate'
                    when g.event_hash is not null then 'conflict'
                end as log_outcome
            from {_COLLIDED} as d
            left join {_LOGGED} as g on d.event_id = g.event_id
        ),
        ranked as (
            -- Records new to the log whose event_id repeats in the batch: the first (by
            -- file, then line) loads; a later one is a duplicate if its content is the
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
            case when outcome = 'conflict' then {sql_literal(CONFLICT_REASON)} end as reason,
            case
                when outcome = 'conflict'
                    then 'event_id ' || event_id || ' was already loaded with different content'
            end as detail
        from ranked
        where outcome is not null
        """
    )


def _holds_rows(con: duckdb.DuckDBPyConnection, table: str, condition: str) -> bool:
    """Whether any row of `table` meets `condition`."""
    (held,) = con.execute(f"select exists (select 1 from {table} where {condition})").fetchone()  # type: ignore[misc]
    return bool(held)


def append_loadable(
    con: duckdb.DuckDBPyConnection,
    table: str,
    fields: tuple[str, ...],
    file_paths: list[str],
    load_ids: list[str],
    loaded_at: str,
) -> None:
    """Append every staged record (`_staged_rows`) that is neither a duplicate nor a
    conflict to `table`, under its file's path and load id (listed by file_index). The
    bulk-read records are in the log already."""

    def by_file(values: list[str]) -> str:
        listed = ", ".join(sql_literal(v) for v in values)
        return f"[{listed}][b.file_index + 1]"

    con.execute(
        f"""
        insert into {table}
        select
            {", ".join(f"b.{f}" for f in fields)},
            {by_file(file_paths)},
            b.line_number,
            {by_file(load_ids)},
            cast({sql_literal(loaded_at)} as timestamp)
        from {STAGED_ROWS} as b
        anti join {COLLISION_VERDICTS} as v
            on b.file_index = v.file_index and b.line_number = v.line_number
        """
    )
