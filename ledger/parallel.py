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
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

Task = tuple[Callable[..., Any], tuple[Any, ...]]

# Tasks sent ahead to the worker: one running, one queued. When this process takes tasks too,
# one more: a task done here may take as long as two there, and the worker must not run dry.
_QUEUED, _QUEUED_SHARING = 2, 3
# Results done here and held until the worker's earlier ones arrive: memory stays bounded
# even when the worker is stuck on one large task.
_LOCAL_AHEAD = 4
_REMOTE = object()

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

    def ordered(self, tasks: Iterable[Task], *, share: bool = False) -> Iterator[Any]:
        """Each task's result, in the tasks' order. The worker holds tasks queued behind the
        one it is on, so the next is ready when this process has used the last result.

        With `share`, this process takes the next task itself whenever the worker's result is
        not ready yet, instead of waiting for it: where the worker's part of the work is the
        larger (folding, in a rebuild's second pass), both cores stay busy."""
        if self.process is None:
            for function, args in tasks:
                yield function(*args)
            return
        queued = _QUEUED_SHARING if share else _QUEUED
        # In task order: _REMOTE for a task the worker has, or the outcome of one done here.
        pending: deque[Any] = deque()
        remote = local = 0
        upcoming = iter(tasks)
        exhausted = False
        while True:
            while remote < queued and not exhausted:
                task = next(upcoming, None)
                if task is None:
                    exhausted = True
                    break
                try:
                    self.connection.send(task)
                except OSError:  # the pipe broke: the worker is gone
                    raise _ended() from None
                pending.append(_REMOTE)
                remote += 1
            if not pending:
                return
            if pending[0] is not _REMOTE:
                local -= 1
                failed, value = pending.popleft()
                if failed:  # raised where the worker's would be: after the results before it
                    raise value
                yield value
            elif share and not exhausted and local < _LOCAL_AHEAD and not self.connection.poll():
                task = next(upcoming, None)
                if task is None:
                    exhausted = True
                    continue
                pending.append(_outcome(task))
                local += 1
            else:
                pending.popleft()
                remote -= 1
                yield self._result()

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


def _outcome(task: Task, caught: type[BaseException] = Exception) -> tuple[bool, Any]:
    """(False, the task's result), or (True, what it raised): the caller raises it where it
    would have used the result. Here a Ctrl-C is not caught: it stops this process at once."""
    function, args = task
    try:
        return False, function(*args)
    except caught as e:
        return True, e


def _ended() -> RuntimeError:
    return RuntimeError("the worker process ended unexpectedly")


def _serve(connection: Connection, parents_end: Connection) -> None:
    """The worker: one thread receives tasks and another sends results while the main thread
    computes. So this process never blocks sending a result while the other blocks sending the
    next task, and goes on to its next task while the caller is still busy (folding a task of
    its own, say) and not yet reading: a result larger than the pipe would otherwise hold the
    worker until then."""
    # The fork copied the parent's end of the pipe too: close it, or this process would keep
    # the pipe open itself and never see it end when the parent dies (killed, say), and would
    # wait for tasks forever.
    parents_end.close()
    # The threads move big messages in many pipe-sized pieces and need the lock for each:
    # hand it over every 0.5 ms, not the default 5 ms, or the other process waits on each.
    sys.setswitchinterval(0.0005)
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    results: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()

    def receive() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                tasks.put(connection.recv())
        tasks.put(None)

    def send() -> None:
        with contextlib.suppress(OSError):  # the caller is gone: nobody to tell
            while (message := results.get()) is not None:
                connection.send_bytes(message)

    threading.Thread(target=receive, daemon=True).start()
    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    while (task := tasks.get()) is not None:
        # Everything, even SystemExit, goes back to the caller, which raises it where it waits.
        results.put(_pickled(_outcome(task, BaseException)))
    results.put(None)
    sender.join()


def _pickled(outcome: tuple[bool, Any]) -> bytes:
    """The outcome as `Connection.recv` reads it, or, for a value that cannot be pickled, an
    error that says in words what it was."""
    try:
        return bytes(ForkingPickler.dumps(outcome))
    except Exception:
        failed, value = outcome
        words = f"{type(value).__name__}: {value}" if failed else "a result that cannot travel"
        return bytes(ForkingPickler.dumps((True, RuntimeError(words))))
