"""Validating an import file into a spool, either before appending or beside it.

`validate_file` validates every line first, then the append starts: what a new ledger needs,
since nothing (not even its schema) may be created for a file with a bad line.

`ValidatingChild` validates in a forked child process while this process appends what is
already valid, inside the import's one transaction: validation and appending each take about
half of an import's time, and there are two cores. The guarantees stay those of the serial
path: the append commits only after the child has validated every line, a bad line anywhere
rolls the whole transaction back and is reported as exit 2 even when a domain rule broke on an
earlier line (validation errors are reported first, as before), and a child that dies is an
error, never a partial import.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import orjson

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from ledger.application import FingerprintedLine, Mentions, ValidatedLine

CHUNK = 2_000  # lines per message from the child: enough to keep both processes busy


def validate_file(path: Path, spool: Path) -> tuple[int, Mentions]:
    """Validate every line of `path` (raising on the first bad one) into `spool`, as compact
    JSON of the validated fields; returns how many lines there were and the ids they name."""
    count = 0
    mentions = None
    with spool.open("wb") as out:
        for message in _validated_chunks(path, out, chunk=None):
            _, count, mentions = message
    assert mentions is not None
    return count, mentions


def _validated_chunks(
    path: Path, out: BinaryIO, chunk: int | None
) -> Iterator[tuple[int, int, Mentions]]:
    """(spool bytes, lines so far, ids the chunk names) after every `chunk`
    lines and at the end; raises InvalidLine on the first bad line."""
    from ledger.application import Mentions
    from ledger.domain import report_fingerprint
    from ledger.interchange import read_line

    count = 0
    since = 0
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
                None if report_type == "incident" else report_fingerprint(report_type, fields)
            )
            out.write(orjson.dumps([number, fields, fingerprint]) + b"\n")
            mentions.add(fields["type"], fields)
            count += 1
            since += 1
            if chunk is not None and since >= chunk:
                out.flush()
                yield out.tell(), count, mentions
                mentions, since = Mentions(), 0
        out.flush()
        yield out.tell(), count, mentions


def lines_from_spool(
    spool: Path, end: int | None = None
) -> Iterator[ValidatedLine | FingerprintedLine]:
    """The validated lines again, without re-validating (up to byte `end`, if given)."""
    with spool.open("rb") as handle:
        yield from _read_lines(handle, end)


def _read_lines(handle: Any, end: int | None) -> Iterator[ValidatedLine | FingerprintedLine]:
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


def _child(path: Path, spool: BinaryIO, sender: Connection, parents_end: Connection) -> None:
    from ledger.interchange import InvalidLine

    # The fork copied the parent's end of the pipe too. Open here, it would keep the pipe
    # readable after the parent died (kill -9), and a send into a full pipe would wait forever;
    # closed, that send fails with EPIPE, and this process ends.
    parents_end.close()
    try:
        try:
            for end, _, mentions in _validated_chunks(path, spool, CHUNK):
                sender.send(("chunk", end, mentions))
            sender.send(("done",))
        except InvalidLine as e:
            sender.send(("invalid", e.line_no, e.field, e.problem))
        except OSError:
            raise  # the pipe (see below), or the spool's disk: the parent hears EOF either way
        except BaseException as e:  # reported by the parent as a failed import, never partial
            sender.send(("failed", f"{type(e).__name__}: {e}"))
    except OSError:
        pass  # the parent is gone (BrokenPipeError), or cannot be told: end quietly
    finally:
        spool.close()
        with contextlib.suppress(OSError):
            sender.close()


class ValidatingChild:
    """A forked child validating `path` into a spool; this side reads what it has validated.

    The spool is a temporary file without a name (unlinked as soon as both processes have it
    open): whichever way the two processes end, kill -9 included, nothing is left behind."""

    def __init__(self, path: Path) -> None:
        descriptor, name = tempfile.mkstemp(prefix="ledger-valid-", suffix=".jsonl")
        try:
            writer = os.fdopen(descriptor, "wb")
            # A second open file, with a position of its own: the child writes at its end of
            # the file while this side reads behind it.
            self.reader: BinaryIO = open(name, "rb")  # noqa: SIM115 (closed in close())
        finally:
            os.unlink(name)
        context = multiprocessing.get_context("fork")
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(path, writer, sender, self.receiver), daemon=True
        )
        self.process.start()
        sender.close()
        writer.close()
        self.started = False
        self.finished = False
        self.problem: tuple[Any, ...] | None = None

    def stream(self) -> Iterator[ValidatedLine | FingerprintedLine | Mentions]:
        """Each chunk's ids, then its lines, as soon as the child has validated them; raises
        the child's InvalidLine (or failure) where it happens."""
        if self.started:
            # A retried append (another writer got there first) must see every line again,
            # not the chunks still in the pipe: let the child finish, then read the whole spool.
            self.wait()
            yield from self._complete_stream()
            return
        self.started = True
        while (message := self._receive()) is not None:
            _, end, mentions = message
            yield mentions
            yield from _read_lines(self.reader, end)

    def _complete_stream(self) -> Iterator[ValidatedLine | FingerprintedLine | Mentions]:
        """After the child is done (a retried append): the whole spool, ids first."""
        from ledger.application import Mentions

        self.raise_problem()
        yield Mentions.of(self._whole_spool())
        yield from self._whole_spool()

    def _whole_spool(self) -> Iterator[ValidatedLine | FingerprintedLine]:
        self.reader.seek(0)
        yield from _read_lines(self.reader, None)

    def _receive(self) -> tuple[Any, ...] | None:
        try:
            message: tuple[Any, ...] = self.receiver.recv()
        except EOFError:
            message = ("failed", "the validating process ended without a word")
        if message[0] == "chunk":
            return message
        self.finished = True
        self.process.join()
        if message[0] != "done":
            self.problem = message
        self.raise_problem()
        return None

    def wait(self) -> None:
        """Let the child finish (reading what it reports), so its verdict is known."""
        while not self.finished:
            self._receive_quietly()

    def _receive_quietly(self) -> None:
        # A problem is kept in self.problem; raise_problem reports it when it is wanted.
        with contextlib.suppress(Exception):
            self._receive()

    def raise_problem(self) -> None:
        from ledger.errors import LedgerError
        from ledger.interchange import InvalidLine

        if self.problem is None:
            return
        if self.problem[0] == "invalid":
            _, line_no, field, problem = self.problem
            raise InvalidLine(line_no, field, problem)
        raise LedgerError(f"validating the file failed ({self.problem[1]})")

    def close(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.receiver.close()
        self.reader.close()
