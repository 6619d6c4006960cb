"""The raw event contract, read from the published JSON Schema so it is defined once."""

from __future__ import annotations

import json
from functools import cache

from orchestration.paths import CONTRACTS_DIR

SCHEMA_FILE = CONTRACTS_DIR / "raw_event.schema.json"

# Identity keys of which a person-level event needs at least one (issue contract).
PERSON_IDENTITY_FIELDS = ("anonymous_id", "email", "contact_id")


@cache
def contract_schema() -> dict:
    """The parsed JSON Schema of one raw event."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def contract_fields() -> tuple[str, ...]:
    """Every field of the contract, in the published order."""
    return tuple(contract_schema()["properties"])


@cache
def always_required_fields() -> tuple[str, ...]:
    """Fields every event needs, whatever its type."""
    return tuple(contract_schema()["required"])


@cache
def offset_timestamp_pattern() -> str:
    """The regular expression an `occurred_at` must match (ISO-8601 with a UTC offset)."""
    return contract_schema()["properties"]["occurred_at"]["pattern"]
