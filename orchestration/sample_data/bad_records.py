"""Bad records: extra lines with exactly one defect each, plus exact duplicates.

They never replace a journey's own events, so journey truth is unaffected. Each kind is
built from copies of valid records (with fresh event ids, except duplicates and conflicts)
and changed in one way that trips its quarantine check and no earlier one in the seeds'
check order. Kinds are keyed by the reason keys of seeds/quarantine_reasons.csv.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.sample_data.landing import csv_lines, json_lines
from orchestration.sample_data.render import SCHEMA, scrambled_ids, timestamps
from orchestration.sample_data.rules import DAY, Rules

DUPLICATE = "duplicate"
# Kinds a format cannot carry: Parquet has no text lines and typed properties.
UNREPRESENTABLE = {"jsonl": (), "csv": (), "parquet": ("invalid_encoding", "malformed_record")}
BROKEN_BYTES_TOKEN = "@@not-utf8@@"  # replaced by \xff\xfe in the written line
UNKNOWN_MARKETING_TYPES = ("page_scrolled", "video_played", "chat_started")
UNKNOWN_SALES_TYPE = "quote_sent"
TEXT_AMOUNTS = ("12,50 EUR", "n/a", "1.234,56", "USD 1,200")
PAST_OUT_OF_RANGE = np.datetime64("1970-01-01T00:00:00", "s").astype(np.int64)
FUTURE_OUT_OF_RANGE = np.datetime64("2099-01-01T00:00:00", "s").astype(np.int64)


@dataclass
class Context:
    """What the kind builders share: the valid records to copy from and fresh ids."""

    rng: np.random.Generator
    rules: Rules
    valid: pa.Table
    fmt: str
    next_id: int

    def pool(self, *event_types: str, require: str | None = None) -> np.ndarray:
        """Rows of the given types (optionally with a non-null field)."""
        mask = pc.is_in(self.valid["event_type"], value_set=pa.array(event_types, pa.string()))
        if require is not None:
            mask = pc.and_(mask, self.valid[require].is_valid())
        return np.flatnonzero(mask.to_numpy(zero_copy_only=False))

    def copies(self, pool: np.ndarray, k: int) -> pa.Table:
        """`k` copies of random rows of `pool`, with fresh event ids."""
        rows = self.valid.take(pa.array(self.rng.choice(pool, k)))
        ids = scrambled_ids("evt_", np.arange(self.next_id, self.next_id + k))
        self.next_id += k
        return replace(rows, event_id=ids)


def replace(table: pa.Table, **columns: pa.Array | list) -> pa.Table:
    """`table` with some columns replaced."""
    for name, values in columns.items():
        index = table.schema.get_field_index(name)
        target = table.schema.field(name)
        array = (
            values
            if isinstance(values, pa.Array | pa.ChunkedArray)
            else pa.array(values, target.type)
        )
        table = table.set_column(index, target, array)
    return table


def _variants(
    ctx: Context, k: int, options: list[tuple[np.ndarray, Callable[[pa.Table], pa.Table]]]
) -> pa.Table:
    """Split `k` round-robin over (pool, change) options; empty pools fall back to the first."""
    usable = [option for option in options if len(option[0])] or options[:1]
    parts = []
    for i, (pool, change) in enumerate(usable):
        count = k // len(usable) + (1 if i < k % len(usable) else 0)
        if count:
            parts.append(change(ctx.copies(pool, count)))
    return pa.concat_tables(parts) if parts else SCHEMA.empty_table()


def _nulls(table: pa.Table, name: str) -> pa.Array:
    return pa.nulls(table.num_rows, table.schema.field(name).type)


def _everyday(ctx: Context) -> np.ndarray:
    return ctx.pool("page_viewed", "email_opened", "ad_clicked", "form_submitted", "meeting_held")


def _text_lines(ctx: Context, rows: pa.Table) -> list[str]:
    return json_lines(rows) if ctx.fmt == "jsonl" else csv_lines(rows)


def invalid_encoding(ctx: Context, k: int) -> pa.Table:
    """A well-formed line with \xff\xfe bytes inside a string value: not UTF-8 text."""
    rows = ctx.copies(_everyday(ctx), k)
    marked = pc.binary_join_element_wise(rows["source_system"], BROKEN_BYTES_TOKEN, "")
    lines = _text_lines(ctx, replace(rows, source_system=marked))
    raw = [line.encode().replace(BROKEN_BYTES_TOKEN.encode(), b"\xff\xfe") for line in lines]
    return replace(rows, _raw=pa.array(raw, pa.binary()))


def malformed_record(ctx: Context, k: int) -> pa.Table:
    """JSONL: truncated JSON, or a JSON array instead of an object.
    CSV: a row whose properties are JSON but not an object."""
    rows = ctx.copies(ctx.pool("page_viewed", "form_submitted", require="properties"), k)
    if ctx.fmt == "csv":
        texts = [
            json.dumps(
                list(p.values()) if i % 2 == 0 else "; ".join(f"{k}={v}" for k, v in p.items())
            )
            for i, p in enumerate(dict(m) for m in rows["properties"].to_pylist())
        ]
        return replace(rows, _properties_text=texts)
    raw = []
    for i, line in enumerate(json_lines(rows)):
        if i % 2 == 0:
            raw.append(line[: int(ctx.rng.integers(10, len(line) - 5))].encode())
        else:
            raw.append(json.dumps(list(json.loads(line).values())).encode())
    return replace(rows, _raw=pa.array(raw, pa.binary()))


def missing_required_field(ctx: Context, k: int) -> pa.Table:
    """No event_id; a deal without its opportunity; a rejection without its reason; an ad
    click without its channel."""
    return _variants(
        ctx,
        k,
        [
            (ctx.pool("page_viewed"), lambda t: replace(t, event_id=_nulls(t, "event_id"))),
            # Keeps its contact id, so the contract's identity requirement still holds.
            (
                ctx.pool("deal_won", require="contact_id"),
                lambda t: replace(t, opportunity_id=_nulls(t, "opportunity_id")),
            ),
            (ctx.pool("lead_rejected"), lambda t: replace(t, reason=_nulls(t, "reason"))),
            (ctx.pool("ad_clicked"), lambda t: replace(t, channel=_nulls(t, "channel"))),
        ],
    )


def unknown_event_type(ctx: Context, k: int) -> pa.Table:
    """An event type that is not in the catalog (otherwise a well-formed event)."""
    unknown = [*UNKNOWN_MARKETING_TYPES, UNKNOWN_SALES_TYPE]
    if set(unknown) & set(ctx.rules.event_types):
        raise ValueError("an 'unknown' sample event type is in the catalog")

    def marketing(t: pa.Table) -> pa.Table:
        names = [
            UNKNOWN_MARKETING_TYPES[i % len(UNKNOWN_MARKETING_TYPES)] for i in range(t.num_rows)
        ]
        return replace(t, event_type=names)

    return _variants(
        ctx,
        k,
        [
            (ctx.pool("page_viewed"), marketing),
            (
                ctx.pool("meeting_held"),
                lambda t: replace(t, event_type=[UNKNOWN_SALES_TYPE] * t.num_rows),
            ),
        ],
    )


def wrong_stream(ctx: Context, k: int) -> pa.Table:
    """A valid event of one stream dropped into the other stream's folder (same month)."""
    streams = ctx.rules.streams

    def moved(t: pa.Table) -> pa.Table:
        stream, month = zip(*(path.split("/") for path in t["_file"].to_pylist()), strict=True)
        other = [
            streams[1 - streams.index(s)] + "/" + m for s, m in zip(stream, month, strict=True)
        ]
        return replace(t, _file=other)

    return _variants(
        ctx,
        k,
        [
            (ctx.pool("meeting_held", "lead_accepted", "opportunity_created"), moved),
            (ctx.pool("email_opened", "page_viewed"), moved),
        ],
    )


def missing_identity(ctx: Context, k: int) -> pa.Table:
    """A person-level event with no cookie, email or contact id.

    Its campaign id still satisfies the contract's anyOf, so only the identity check fails.
    """
    return _variants(
        ctx,
        k,
        [
            (ctx.pool("ad_clicked"), lambda t: replace(t, anonymous_id=_nulls(t, "anonymous_id"))),
            (ctx.pool("email_opened"), lambda t: replace(t, email=_nulls(t, "email"))),
        ],
    )


def invalid_timestamp(ctx: Context, k: int) -> pa.Table:
    """occurred_at without an offset, or not ISO-8601 at all."""

    def naive(t: pa.Table) -> pa.Table:
        return replace(t, occurred_at=pc.utf8_slice_codeunits(t["occurred_at"], 0, 19))

    def minutes(t: pa.Table) -> pa.Table:
        text = pc.replace_substring(pc.utf8_slice_codeunits(t["occurred_at"], 0, 16), "T", " ")
        return replace(t, occurred_at=text)

    def day_first(t: pa.Table) -> pa.Table:
        local = (t["_t"].to_numpy() + t["_offset"].to_numpy().astype(np.int64) * 60).astype(
            "datetime64[s]"
        )
        stamps = pa.array(local.astype("datetime64[s]"), pa.timestamp("s"))
        return replace(t, occurred_at=pc.strftime(stamps, format="%d/%m/%Y %H:%M:%S"))

    pool = _everyday(ctx)
    return _variants(ctx, k, [(pool, naive), (pool, minutes), (pool, day_first)])


def timestamp_out_of_range(ctx: Context, k: int) -> pa.Table:
    """A well-formed timestamp in 1970 or 2099."""
    earliest = np.datetime64(ctx.rules.earliest_occurred_at, "s").astype(np.int64)
    if earliest <= PAST_OUT_OF_RANGE:
        raise ValueError("the seeds accept 1970 timestamps; pick an earlier out-of-range year")
    rows = ctx.copies(_everyday(ctx), k)
    base = np.where(np.arange(k) % 2 == 0, PAST_OUT_OF_RANGE, FUTURE_OUT_OF_RANGE)
    epoch = base + ctx.rng.integers(0, 300 * DAY, k)
    return replace(rows, occurred_at=timestamps(epoch, np.zeros(k, np.int16)), _t=pa.array(epoch))


def invalid_amount(ctx: Context, k: int) -> pa.Table:
    """Campaign spend whose amount is text that is not a number."""
    rows = ctx.copies(ctx.pool("campaign_spend"), k)
    text = [TEXT_AMOUNTS[i % len(TEXT_AMOUNTS)] for i in range(k)]
    return replace(rows, amount=text, _amount_is_number=[False] * k)


def originals(ctx: Context, k_duplicates: int, k_conflicts: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct valid rows to copy as duplicates and to conflict with."""
    n = ctx.valid.num_rows
    total = k_duplicates + k_conflicts
    chosen = ctx.rng.choice(n, total, replace=total > n)
    return chosen[:k_duplicates], chosen[k_duplicates:]


def conflicting_event_id(ctx: Context, rows: np.ndarray) -> pa.Table:
    """Same event_id as a valid event, different content: its time moved by minutes."""
    table = ctx.valid.take(pa.array(rows, pa.int64()))
    epoch = table["_t"].to_numpy() + ctx.rng.integers(60, 3600, len(rows))
    stamps = timestamps(epoch, table["_offset"].to_numpy())
    return replace(table, occurred_at=stamps, _t=pa.array(epoch))


BUILDERS: dict[str, Callable[[Context, int], pa.Table]] = {
    "invalid_encoding": invalid_encoding,
    "malformed_record": malformed_record,
    "missing_required_field": missing_required_field,
    "unknown_event_type": unknown_event_type,
    "wrong_stream": wrong_stream,
    "missing_identity": missing_identity,
    "invalid_timestamp": invalid_timestamp,
    "timestamp_out_of_range": timestamp_out_of_range,
    "invalid_amount": invalid_amount,
}


def plan(rules: Rules, n_bad: int, fmt: str) -> tuple[dict[str, int], list[str]]:
    """How many records of each kind; kinds the format cannot carry get 0 and are listed."""
    kinds = [*rules.quarantine_keys, DUPLICATE]
    skipped = [kind for kind in kinds if kind in UNREPRESENTABLE[fmt]]
    active = [kind for kind in kinds if kind not in skipped]
    base, extra = divmod(n_bad, len(active))
    counts = {kind: 0 for kind in kinds}
    for i, kind in enumerate(active):
        counts[kind] = base + (1 if i < extra else 0)
    return counts, skipped


def bad_records(
    rng: np.random.Generator, rules: Rules, valid: pa.Table, counts: dict[str, int], fmt: str
) -> pa.Table:
    """All bad records and duplicates, shuffled; writers put them after every valid row."""
    unknown = set(rules.quarantine_keys) - set(BUILDERS) - {"conflicting_event_id"}
    if unknown:
        raise ValueError(f"no sample builder for quarantine reasons {sorted(unknown)}")
    ctx = Context(rng, rules, valid, fmt, next_id=valid.num_rows)
    duplicate_rows, conflict_rows = originals(
        ctx, counts[DUPLICATE], counts["conflicting_event_id"]
    )
    parts = []
    for kind, count in counts.items():
        if not count:
            continue
        if kind == DUPLICATE:
            table = valid.take(pa.array(duplicate_rows, pa.int64()))
        elif kind == "conflicting_event_id":
            table = conflicting_event_id(ctx, conflict_rows)
        else:
            table = BUILDERS[kind](ctx, count)
        parts.append(replace(table, _kind=[kind] * table.num_rows))
    bad = pa.concat_tables(parts) if parts else SCHEMA.empty_table()
    return bad.take(pa.array(rng.permutation(bad.num_rows), pa.int64()))
