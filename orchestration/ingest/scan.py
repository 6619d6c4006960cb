"""One pass over a landing file's bytes: its checksum and where each of its lines ends.

The checksum identifies the file in the load ledger; the line ends let the loader count
lines and fetch the raw text of the few lines it quarantines, without reading the file
as text again. The file's size and modification time, taken around that pass, let a later
run recognise the same file without reading it (`file_sha256` re-reads it only when they
differ).
"""

from __future__ import annotations

import codecs
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK_BYTES = 16 << 20
_NEWLINE = 0x0A

# Bytes that are not UTF-8 become one `?` each, as DuckDB's own readers store them.
_UNDECODABLE = "ingest_question_mark"
codecs.register_error(_UNDECODABLE, lambda error: ("?" * (error.end - error.start), error.end))


@dataclass(frozen=True)
class FileScan:
    """A file's size, sha256 and the byte offset just past each line (newline excluded).

    `mtime_ns` is the modification time the file had while it was read, or None if its
    size or modification time changed during the read (the checksum may then describe
    neither version, so a later run must not trust the time).
    """

    path: Path
    size: int
    sha256: str
    line_ends: np.ndarray
    mtime_ns: int | None = None

    @property
    def lines(self) -> int:
        """Lines in the file, blank ones included; a last line without a newline counts."""
        return len(self.line_ends)

    def raw_lines(self, numbers: Iterable[int]) -> dict[int, bytes]:
        """The bytes of the given 1-based lines, without the newline or a trailing CR."""
        found = {}
        with self.path.open("rb") as handle:
            for number in sorted(set(numbers)):
                start = 0 if number == 1 else int(self.line_ends[number - 2]) + 1
                handle.seek(start)
                found[number] = handle.read(int(self.line_ends[number - 1]) - start).rstrip(b"\r")
        return found


def _stable_mtime(before: os.stat_result, after: os.stat_result, size: int) -> int | None:
    """The modification time if the file kept its size and time while `size` bytes were read."""
    unchanged = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)
    return before.st_mtime_ns if unchanged and size == before.st_size else None


def scan_file(path: Path) -> FileScan:
    """Read a file once, in chunks: checksum and line ends."""
    digest = hashlib.sha256()
    ends: list[np.ndarray] = []
    size = 0
    last = b""
    with path.open("rb") as handle:
        before = os.fstat(handle.fileno())
        for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
            digest.update(chunk)
            ends.append(np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == _NEWLINE) + size)
            size += len(chunk)
            last = chunk[-1:]
        mtime_ns = _stable_mtime(before, os.fstat(handle.fileno()), size)
    if size and last != b"\n":
        ends.append(np.array([size]))
    line_ends = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    return FileScan(path, size, digest.hexdigest(), line_ends, mtime_ns)


def file_sha256(path: Path) -> tuple[str, int | None]:
    """A file's sha256 alone (no line scan), with its modification time as `FileScan` has it."""
    with path.open("rb") as handle:
        before = os.fstat(handle.fileno())
        digest = hashlib.file_digest(handle, "sha256")
        size = handle.tell()
        mtime_ns = _stable_mtime(before, os.fstat(handle.fileno()), size)
    return digest.hexdigest(), mtime_ns


def decode_line(raw: bytes) -> str:
    """A raw line as text to keep in quarantine (undecodable bytes become `?`)."""
    return raw.decode("utf-8", errors=_UNDECODABLE)


def line_parse_error(raw: bytes, fields: tuple[str, ...]) -> str | None:
    """Why a line the bulk JSON reader returned empty is not a record, or None if it is one.

    The bulk reader yields a row of nulls for a line it cannot read; so does a JSON object
    that carries none of the contract's fields, which is a record (missing fields).
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_encoding"
    try:
        value = json.loads(text)
    except ValueError:
        return "malformed_record"
    if not isinstance(value, dict) or any(value.get(f) is not None for f in fields):
        # Not an object, or an object DuckDB's reader could not read although Python can.
        return "malformed_record"
    return None
