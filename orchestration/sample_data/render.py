"""Turn generated events (integer codes) into contract records (strings), in file order.

The result is one Arrow table with the contract's fields plus helper columns (prefixed
`_`) that say which file a row goes to and keep what bad-record builders need.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from orchestration.sample_data import frame as fr
from orchestration.sample_data.rules import Rules
from orchestration.sample_data.world import (
    CHANNELS,
    COMPANY_SUFFIXES,
    COMPANY_WORDS,
    CRM_STAGES,
    FIRST_NAMES,
    FORMS,
    LAST_NAMES,
    N_CONTENT,
    N_OWNERS,
    PAGES,
    Entities,
    World,
)

FIELDS = (
    "event_id",
    "event_type",
    "occurred_at",
    "source_system",
    "anonymous_id",
    "email",
    "contact_id",
    "account_id",
    "opportunity_id",
    "campaign_id",
    "channel",
    "content_id",
    "owner_id",
    "amount",
    "currency",
    "reason",
    "properties",
)
PROPERTIES_TYPE = pa.map_(pa.string(), pa.string())
SCHEMA = pa.schema(
    [(name, PROPERTIES_TYPE if name == "properties" else pa.string()) for name in FIELDS]
    + [
        ("_file", pa.string()),  # "<stream>/<YYYY-MM>": the folder of the file the row goes to
        ("_t", pa.int64()),  # epoch seconds (UTC) of occurred_at
        ("_offset", pa.int16()),  # minutes of the UTC offset occurred_at is written with
        ("_amount_is_number", pa.bool_()),  # amount is written as a JSON number
        ("_raw", pa.binary()),  # a raw line written as is instead of the rendered one (bad lines)
        ("_properties_text", pa.string()),  # CSV only: properties text written instead of the map
        ("_kind", pa.string()),  # "valid", "duplicate" or the quarantine reason key
    ]
)
NON_UTC_SHARE = 0.2
NON_UTC_OFFSETS = np.array([-480, -300, -180, 60, 120, 330, 540], np.int16)  # minutes
SOURCES = ("hubspot", "salesforce", "web", "google_ads", "linkedin_ads")
CURRENCY = "USD"
# Scrambled, zero-padded identifiers: n -> (n * M + A) mod 10^12 is a bijection when M is
# odd and not a multiple of 5, so ids are unique without looking sequential. M and A come
# from a hash of the prefix, so one entity's cookie and contact ids share no visible pattern.
_DIGITS = 12
_MOD = 10**_DIGITS


def _scramble_key(prefix: str) -> tuple[int, int]:
    digest = int.from_bytes(hashlib.sha256(prefix.encode()).digest()[:16], "big")
    multiplier, addend = digest % _MOD, (digest // _MOD) % _MOD
    while multiplier % 2 == 0 or multiplier % 5 == 0:
        multiplier += 1
    return multiplier, addend


def scrambled_ids(prefix: str, numbers: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """`prefix` + 12 scrambled digits per number; null where `missing`."""
    n = np.asarray(numbers, np.int64) % _MOD
    multiplier, addend = _scramble_key(prefix)
    high, low = divmod(multiplier, 10**6)
    # (n * M + A) mod 10^12, in two halves so int64 never overflows.
    scrambled = ((n * high % 10**6) * 10**6 + n * low + addend) % _MOD
    digits = pc.utf8_lpad(pc.cast(pa.array(scrambled, mask=missing), pa.string()), _DIGITS, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def lookup(values: list[str] | tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """The string of each code; null where the code is negative."""
    codes = np.asarray(codes)
    return pa.array(values, pa.string()).take(pa.array(np.maximum(codes, 0), mask=codes < 0))


def timestamps(epoch: np.ndarray, offset_minutes: np.ndarray) -> pa.Array:
    """ISO-8601 local times with their offset ('Z' for UTC) for the given instants."""
    local = pa.array(epoch + offset_minutes.astype(np.int64) * 60, pa.timestamp("s"))
    # Arrow renders "YYYY-MM-DD HH:MM:SS" (fast); ISO-8601 wants the T.
    text = pc.replace_substring(local.cast(pa.string()), " ", "T", max_replacements=1)
    kinds, inverse = np.unique(offset_minutes, return_inverse=True)
    suffixes = [
        "Z" if m == 0 else f"{'+' if m > 0 else '-'}{abs(m) // 60:02d}:{abs(m) % 60:02d}"
        for m in kinds.tolist()
    ]
    return pc.binary_join_element_wise(
        text, pa.array(suffixes, pa.string()).take(pa.array(inverse)), ""
    )


def amounts(cents: np.ndarray) -> pa.Array:
    """Decimal text with two places; null where cents is negative."""
    missing = cents < 0
    whole = pc.cast(pa.array(cents // 100, mask=missing), pa.string())
    part = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), 2, "0")
    return pc.binary_join_element_wise(whole, part, ".")


def campaign_ids(world: World) -> list[str]:
    """Readable campaign ids: channel and running number within the channel."""
    seen: dict[int, int] = {}
    names = []
    for channel in world.campaign_channel.tolist():
        seen[channel] = seen.get(channel, 0) + 1
        names.append(f"cmp_{CHANNELS[channel]}_{seen[channel]:02d}")
    return names


def _company_domains(world: World) -> list[str]:
    words = np.array(COMPANY_WORDS)[world.account_word[:, 0]]
    suffixes = np.array(COMPANY_SUFFIXES)[world.account_word[:, 1]]
    return [
        f"{w}{s}{i}.com"
        for i, (w, s) in enumerate(zip(words.tolist(), suffixes.tolist(), strict=True))
    ]


def person_emails(rules: Rules, world: World, entities: Entities) -> pa.Array:
    """One email per entity: name, entity number (unique) and company or free-mail domain."""
    entity = np.arange(len(entities))
    first = pa.array(FIRST_NAMES).take(pa.array(entity * 7 % len(FIRST_NAMES)))
    last = pa.array(LAST_NAMES).take(pa.array((entity * 11 + entity // 25) % len(LAST_NAMES)))
    company = lookup(_company_domains(world), entities.account)
    free = lookup(rules.free_mail_domains, entities.free_mail)
    domain = pc.coalesce(free, company, pa.scalar("example.com"))
    local = pc.binary_join_element_wise(first, last, pc.cast(pa.array(entity), pa.string()), ".")
    return pc.binary_join_element_wise(local, domain, "@")


def _email_variants(rng: np.random.Generator, emails: pa.Array) -> pa.Array:
    """Emails as people type them: mostly lowercase, some capitalised, shouted or padded."""
    roll = rng.random(len(emails))
    varied = pc.if_else(pa.array(roll < 0.08), pc.utf8_capitalize(emails), emails)
    varied = pc.if_else(pa.array(roll > 0.98), pc.utf8_upper(emails), varied)
    padded = pc.binary_join_element_wise(" ", emails, " ", "")
    return pc.if_else(pa.array((roll >= 0.08) & (roll < 0.09)), padded, varied)


def _properties(rules: Rules, world: World, events: fr.Frame) -> pa.Array:
    """A map of the properties each event carries; null when it carries none."""
    columns = (
        ("page", "page", PAGES),
        ("form_name", "form", FORMS),
        ("industry", "industry", rules.fit_values["industry"]),
        ("company_size", "company_size", rules.fit_values["company_size"]),
        ("seniority", "seniority", rules.fit_values["seniority"]),
        ("job_title", "job_title", world.titles),
        ("crm_stage", "crm_stage", CRM_STAGES),
    )
    rows, slots, items = [], [], []
    for slot, (_, column, vocabulary) in enumerate(columns):
        present = np.flatnonzero(events[column] >= 0)
        rows.append(present)
        slots.append(np.full(len(present), slot))
        items.append(lookup(vocabulary, events[column][present]))
    row, slot = np.concatenate(rows), np.concatenate(slots)
    order = np.lexsort((slot, row))
    counts = np.bincount(row, minlength=fr.size(events))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    keys = pa.array([key for key, _, _ in columns]).take(pa.array(slot[order]))
    values = pa.concat_arrays(items).take(pa.array(order))
    return pa.MapArray.from_arrays(
        offsets, keys, values, type=PROPERTIES_TYPE, mask=pa.array(counts == 0)
    )


def file_order(rules: Rules, events: fr.Frame, start_epoch: int) -> np.ndarray:
    """Row order of the landing files: by stream, UTC month, time, journey, generation order."""
    month = (
        (start_epoch + events["t"]).astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    )
    stream = rules.stream_of_type[events["etype"]]
    return np.lexsort((np.arange(fr.size(events)), events["entity"], events["t"], month, stream))


def render(
    rng: np.random.Generator,
    rules: Rules,
    world: World,
    entities: Entities,
    events: fr.Frame,
    start_epoch: int,
) -> pa.Table:
    """Contract records for `events`, which must already be in file order; ids follow that order."""
    n = fr.size(events)
    entity, etype = events["entity"], events["etype"]
    epoch = start_epoch + events["t"]
    spend = etype == rules.code("campaign_spend")
    offset = np.where(
        (rng.random(n) < NON_UTC_SHARE) & ~spend, rng.choice(NON_UTC_OFFSETS, n), 0
    ).astype(np.int16)  # spend is reported per UTC day

    campaign = events["campaign"]
    channel = np.where(campaign >= 0, world.campaign_channel[np.maximum(campaign, 0)], -1)
    source = np.where(rules.stream_of_type[etype] == rules.streams.index("sales"), 1, 0)
    source = np.where(etype == rules.code("page_viewed"), 2, source)
    by_channel = np.isin(etype, rules.codes("ad_clicked", "campaign_spend"))
    source = np.where(by_channel & (channel == CHANNELS.index("paid_search")), 3, source)
    source = np.where(by_channel & (channel == CHANNELS.index("paid_social")), 4, source)

    emails = person_emails(rules, world, entities).take(
        pa.array(np.maximum(entity, 0), mask=~events["email"])
    )
    campaign_names = campaign_ids(world)
    amount = events["amount"]
    months, month_code = np.unique(
        epoch.astype("datetime64[s]").astype("datetime64[M]"), return_inverse=True
    )
    month = lookup([str(m) for m in months], month_code)
    columns = {
        "event_id": scrambled_ids("evt_", np.arange(n)),
        "event_type": lookup(rules.event_types, etype),
        "occurred_at": timestamps(epoch, offset),
        "source_system": lookup(SOURCES, source),
        "anonymous_id": scrambled_ids("anon_", entity, ~events["anon"]),
        "email": _email_variants(rng, emails),
        "contact_id": scrambled_ids("ctc_", entity, ~events["contact"]),
        "account_id": scrambled_ids("acc_", events["account"], events["account"] < 0),
        "opportunity_id": scrambled_ids("opp_", events["opp"], events["opp"] < 0),
        "campaign_id": lookup(campaign_names, campaign),
        "channel": lookup(CHANNELS, channel),
        "content_id": lookup([f"cnt_{i:03d}" for i in range(1, N_CONTENT + 1)], events["content"]),
        "owner_id": lookup([f"own_{i:02d}" for i in range(1, N_OWNERS + 1)], events["owner"]),
        "amount": amounts(amount),
        "currency": lookup([CURRENCY], np.where(amount >= 0, 0, -1)),
        "reason": lookup(rules.reason_keys, events["reason"]),
        "properties": _properties(rules, world, events),
        "_file": pc.binary_join_element_wise(
            lookup(rules.streams, rules.stream_of_type[etype]), month, "/"
        ),
        "_t": pa.array(epoch),
        "_offset": pa.array(offset),
        "_amount_is_number": pa.array(amount >= 0),
        "_raw": pa.nulls(n, pa.binary()),
        "_properties_text": pa.nulls(n, pa.string()),
        "_kind": lookup(["valid"], np.zeros(n, np.int64)),
    }
    return pa.table(columns, schema=SCHEMA)
