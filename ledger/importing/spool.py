"""Validating an import file into a spool, and reading the validated lines back.

`validate_file` validates every line first, then the append starts: what a new ledger needs,
since nothing (not even its schema) may be created for a file with a bad line. The validating
child (`ledger.infra.validating_child`) writes the same spool, chunk by chunk, beside the append.

A spool line is `[line number, fields, fingerprint]` as compact JSON: read back without
validating again, and with the report's fingerprint already computed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from ledger.batch import FingerprintedLine, Mentions, ValidatedLine
from ledger.domain import report_fingerprint
from ledger.interchange import read_line


def validate_file(
    path: Path, spool: Path, on_progress: Callable[[int], None] | None = None
) -> tuple[int, Mentions]:
    """Validate every line of `path` (raising on the first bad one) into `spool`, as compact
    JSON of the validated fields; returns how many lines there were and the ids they name.
    `on_progress` hears the lines validated so far, every 1,000 and at the end."""
    count = 0
    mentions = Mentions()
    with spool.open("wb") as out:
        chunk = None if on_progress is None else 1_000
        for _, count, chunk_mentions in validated_chunks(path, out, chunk=chunk):
            # Chunked, each message names only its chunk's ids.
            mentions.incidents |= chunk_mentions.incidents
            mentions.reports |= chunk_mentions.reports
            if on_progress is not None:
                on_progress(count)
    return count, mentions


def validated_chunks(
    path: Path, out: BinaryIO, chunk: int | None, first: int | None = None
) -> Iterator[tuple[int, int, Mentions]]:
    """(spool bytes, lines so far, ids the chunk names) after the first `first` lines (default
    `chunk`), then after every `chunk` lines, and at the end; raises InvalidLine on the first
    bad line."""
    count = 0
    since = 0
    limit = first or chunk
    mentions = Mentions()
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue  # blank lines (e.g. a trailing newline) carry nothing
            fields = read_line(raw.rstrip(b"\r\n"), number)
            # The report's fingerprint, computed here: in an import's validating child this is
            # hashing the appending process does not have to do.
            report_type = fields["type"]
            fingerprint = (
                None
                if report_type in ("incident", "actor")
                else report_fingerprint(report_type, fields)
            )
            out.write(orjson.dumps([number, fields, fingerprint]) + b"\n")
            mentions.add(fields["type"], fields)
            count += 1
            since += 1
            if limit is not None and since >= limit:
                out.flush()
                yield out.tell(), count, mentions
                mentions, since, limit = Mentions(), 0, chunk
        out.flush()
        yield out.tell(), count, mentions


def lines_from_spool(
    spool: Path, end: int | None = None
) -> Iterator[ValidatedLine | FingerprintedLine]:
    """The validated lines again, without re-validating (up to byte `end`, if given)."""
    with spool.open("rb") as handle:
        yield from read_lines(handle, end)


def read_lines(handle: Any, end: int | None) -> Iterator[ValidatedLine | FingerprintedLine]:
    """The spool's lines from `handle`'s position, up to byte `end` (None: to the end)."""
    # Up to `end` in one read: asking the file its position before every line cost more than
    # decoding the line.
    lines = handle if end is None else handle.read(max(end - handle.tell(), 0)).splitlines()
    for raw in lines:
        number, fields, fingerprint = orjson.loads(raw)
        report_type = fields.pop("type")
        if fingerprint is None:
            yield number, report_type, fields
        else:
            yield number, report_type, fields, fingerprint
