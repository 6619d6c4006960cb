"""Generated events as columns of numpy arrays, plus the group helpers used on them.

Events are built in bulk: one array per column, one row per event, integer codes instead
of strings. Strings are produced once, at render time.
"""

from __future__ import annotations

import numpy as np

Frame = dict[str, np.ndarray]

# column -> (dtype, default). -1 means "not carried".
COLUMNS: dict[str, tuple[type, int]] = {
    "entity": (np.int64, -1),  # the journey (person or person-less opportunity) by construction
    "t": (np.int64, 0),  # seconds since the data start, UTC
    "etype": (np.int16, -1),
    "anon": (np.bool_, False),  # carries the entity's anonymous_id
    "email": (np.bool_, False),  # carries the entity's email
    "contact": (np.bool_, False),  # carries the entity's contact_id
    "account": (np.int32, -1),
    "opp": (np.int64, -1),
    "campaign": (np.int16, -1),
    "content": (np.int16, -1),
    "owner": (np.int16, -1),
    "amount": (np.int64, -1),  # cents
    "reason": (np.int16, -1),
    "page": (np.int16, -1),
    "form": (np.int16, -1),
    "industry": (np.int16, -1),
    "company_size": (np.int16, -1),
    "seniority": (np.int16, -1),
    "job_title": (np.int16, -1),
    "crm_stage": (np.int16, -1),
}


def make(n: int, **values: np.ndarray | int | bool) -> Frame:
    """A frame of `n` events; columns not given take their default."""
    unknown = set(values) - set(COLUMNS)
    if unknown:
        raise KeyError(f"unknown frame columns: {sorted(unknown)}")
    frame: Frame = {}
    for name, (dtype, default) in COLUMNS.items():
        value = np.asarray(values.get(name, default), dtype=dtype)
        frame[name] = np.broadcast_to(value, (n,)).copy()
    return frame


def size(frame: Frame) -> int:
    """Number of events in a frame."""
    return len(frame["t"])


def concat(frames: list[Frame]) -> Frame:
    """All frames stacked, in the given order."""
    frames = [f for f in frames if f] or [make(0)]
    return {name: np.concatenate([f[name] for f in frames]) for name in COLUMNS}


def take(frame: Frame, index: np.ndarray) -> Frame:
    """The rows at `index` (an integer or boolean array)."""
    return {name: values[index] for name, values in frame.items()}


def before(frame: Frame, end: int) -> Frame:
    """Only the events strictly before `end`."""
    return take(frame, frame["t"] < end)


def expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of `counts` rows: each row's group index and position inside its group."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(len(group)) - starts[group]


def sorted_offsets(rng: np.random.Generator, group: np.ndarray, span: np.ndarray) -> np.ndarray:
    """Random offsets in [0, span[group]) that increase inside each (sorted) group."""
    u = rng.random(len(group))
    u = u[np.lexsort((u, group))]  # group is already sorted, so this sorts within groups
    return (u * span[group]).astype(np.int64)


def group_starts(group: np.ndarray) -> np.ndarray:
    """Boolean mask of the first row of each run of equal values in a sorted array."""
    first = np.ones(len(group), dtype=bool)
    first[1:] = group[1:] != group[:-1]
    return first


def group_cumsum(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Inclusive running sum of `values` restarting at each group (sorted by group)."""
    total = np.cumsum(values)
    run = np.cumsum(group_starts(group)) - 1
    first_index = np.flatnonzero(group_starts(group))
    return total - (total - values)[first_index][run]


def group_cummax(group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Inclusive running maximum of integer `values` restarting at each group."""
    if len(values) == 0:
        return values.copy()
    low = values.min()
    shifted = values - low
    width = int(shifted.max()) + 1
    run = np.cumsum(group_starts(group)) - 1
    keyed = run * width + shifted  # runs never mix: each lives in its own band
    return np.maximum.accumulate(keyed) - run * width + low


def strictly_increasing(group: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Nudge equal or decreasing times forward by whole seconds so each group strictly increases.

    Rows must be sorted by (group, t). Distinct timestamps inside a journey keep the event
    order (and so every 'first event' rule) unambiguous.
    """
    position = (
        np.arange(len(t)) - np.flatnonzero(group_starts(group))[np.cumsum(group_starts(group)) - 1]
    )
    return group_cummax(group, t - position) + position
