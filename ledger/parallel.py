"""CPU work shared with one forked worker process, for the commands that read the whole log.

A rebuild or a verify alternates between the database (reading events, writing rows) and pure
Python (decoding, folding, hashing). With a worker process the pure part of one batch runs
while this process does the database part of the next, on a second core. The worker never
touches a database: tasks are plain functions of plain data, and results come back in order.

What a task needs besides its arguments (the ledger's decoder, a public key) is handed to the
worker by the fork itself, through `shared()`: pickled as an argument, the pool would keep it
(and the ledger's open connection behind it) alive until the interpreter exits.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

Task = tuple[Callable[..., Any], tuple[Any, ...]]

_shared: Any = None


def shared() -> Any:
    """What the running `Worker` was started with (in the worker, inherited by the fork)."""
    return _shared


class Worker:
    """One forked worker process; none where fork is missing (Windows) or there is a single
    core, and then the tasks run here, one after another, with the same results.

    Tasks and results travel over a pipe that this process writes and reads itself: no helper
    threads here, which would wait for the interpreter lock while this process computes."""

    def __init__(self, context: Any = None, *, parallel: bool = True) -> None:
        global _shared
        _shared = context
        self.process: Any = None
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if parallel and forkable and (os.cpu_count() or 1) > 1:
            fork = multiprocessing.get_context("fork")
            self.connection, theirs = fork.Pipe()
            self.process = fork.Process(target=_serve, args=(theirs, self.connection), daemon=True)
            self.process.start()
            theirs.close()

    def ordered(self, tasks: Iterable[Task]) -> Iterator[Any]:
        """Each task's result, in the tasks' order. The worker holds one task queued behind the
        one it is on, so the next is ready when this process has used the last result."""
        if self.process is None:
            for function, args in tasks:
                yield function(*args)
            return
        in_flight = 0
        for task in tasks:
            try:
                self.connection.send(task)
            except OSError:  # the pipe broke: the worker is gone
                raise _ended() from None
            in_flight += 1
            if in_flight > 1:
                yield self._result()
                in_flight -= 1
        while in_flight:
            yield self._result()
            in_flight -= 1

    def _result(self) -> Any:
        try:
            failed, value = self.connection.recv()
        except (EOFError, OSError):  # closed, or reset when the worker died mid-send
            raise _ended() from None
        if failed:
            raise value
        return value

    def close(self) -> None:
        global _shared
        _shared = None
        if self.process is not None:
            self.process.kill()
            self.process.join()
            self.connection.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ended() -> RuntimeError:
    return RuntimeError("the worker process ended unexpectedly")


def _serve(connection: Connection, parents_end: Connection) -> None:
    """The worker: a thread receives tasks while the main thread computes, so this process
    never blocks sending a result while the other blocks sending the next task."""
    # The fork copied the parent's end of the pipe too: close it, or this process would keep
    # the pipe open itself and never see it end when the parent dies (killed, say), and would
    # wait for tasks forever.
    parents_end.close()
    # The receiving thread reads a big task in many pipe-sized pieces and needs the lock for
    # each: hand it over every 0.5 ms, not the default 5 ms, or the sender waits on every piece.
    sys.setswitchinterval(0.0005)
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def receive() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                tasks.put(connection.recv())
        tasks.put(None)

    threading.Thread(target=receive, daemon=True).start()
    while (task := tasks.get()) is not None:
        function, args = task
        try:
            outcome = (False, function(*args))
        except BaseException as e:  # handed to the caller, which raises it where it waits
            outcome = (True, e)
        try:
            connection.send(outcome)
        except Exception:  # a value that cannot be pickled: say in words what it was
            failed, value = outcome
            words = f"{type(value).__name__}: {value}" if failed else "a result that cannot travel"
            connection.send((True, RuntimeError(words)))
