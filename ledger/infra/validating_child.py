"""Validating an import file beside its append, in a forked child.

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

from ledger.batch import FingerprintedLine, Mentions, ValidatedLine
from ledger.errors import LedgerError
from ledger.importing.spool import read_lines, validated_chunks
from ledger.interchange import InvalidLine

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

CHUNK = 2_000  # lines per message from the child: enough to keep both processes busy
# The first message comes sooner: the appending process has nothing to do until it arrives.
FIRST_CHUNK = 200


def _child(path: Path, spool: BinaryIO, sender: Connection, parents_end: Connection) -> None:
    # The fork copied the parent's end of the pipe too. Open here, it would keep the pipe
    # readable after the parent died (kill -9), and a send into a full pipe would wait forever;
    # closed, that send fails with EPIPE, and this process ends.
    parents_end.close()
    try:
        try:
            for end, _, mentions in validated_chunks(path, spool, CHUNK, FIRST_CHUNK):
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
            yield from read_lines(self.reader, end)

    def _complete_stream(self) -> Iterator[ValidatedLine | FingerprintedLine | Mentions]:
        """After the child is done (a retried append): the whole spool, ids first."""
        self.raise_problem()
        yield Mentions.of(self._whole_spool())
        yield from self._whole_spool()

    def _whole_spool(self) -> Iterator[ValidatedLine | FingerprintedLine]:
        self.reader.seek(0)
        yield from read_lines(self.reader, None)

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
