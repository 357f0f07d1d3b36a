"""CPU work shared with one forked worker process, for the commands that read the whole log.

A rebuild or a verify alternates between the database (reading events, writing rows) and pure
Python (decoding, folding, hashing). With a worker process the pure part of one batch runs
while this process does the database part of the next, on a second core. The worker never
writes to a database, nor uses a connection it inherited (one forked with the process is not
safe to use): tasks are plain functions of plain data, which may open a read-only connection of
their own, and results come back in order. This process may run tasks too (`share`).

What a task needs besides its arguments (the ledger's decoder, a public key) is handed to the
worker by the fork itself, through `shared()`: pickled as an argument, the pool would keep it
(and the ledger's open connection behind it) alive until the interpreter exits.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any

Task = tuple[Callable[..., Any], tuple[Any, ...]]

# Tasks sent ahead to the worker: one running, one queued. When this process takes tasks too,
# one more: a task done here may take as long as two there, and the worker must not run dry.
_QUEUED, _QUEUED_SHARING = 2, 3
# Results done here and held until the worker's earlier ones arrive: memory stays bounded
# even when the worker is stuck on one large task.
_LOCAL_AHEAD = 4
_REMOTE = object()
_PIPE_BYTES = 1 << 20

_shared: Any = None


def shared() -> Any:
    """What the running `Worker` was started with (in the worker, inherited by the fork)."""
    return _shared


class Worker:
    """One forked worker process; none where fork is missing (Windows) or there is a single
    core, and then the tasks run here, one after another, with the same results.

    Tasks and results travel over two pipes that this process writes and reads itself: no
    helper threads here, which would wait for the interpreter lock while this process
    computes. Each pipe holds up to a megabyte (where Linux allows; 64 KB is the default): a
    result goes in whole and the worker moves on, even while this process is busy with a task
    of its own and not reading."""

    def __init__(self, context: Any = None, *, parallel: bool = True) -> None:
        global _shared
        _shared = context
        self.process: Any = None
        forkable = "fork" in multiprocessing.get_all_start_methods()
        if parallel and forkable and (os.cpu_count() or 1) > 1:
            fork = multiprocessing.get_context("fork")
            tasks_in, self.tasks_out = fork.Pipe(duplex=False)
            self.results_in, results_out = fork.Pipe(duplex=False)
            for writer in (self.tasks_out, results_out):
                _widen(writer)
            ours = (self.tasks_out, self.results_in)
            self.process = fork.Process(
                target=_serve, args=(tasks_in, results_out, ours), daemon=True
            )
            self.process.start()
            tasks_in.close()
            results_out.close()

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
                self._send(task)
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
            elif share and not exhausted and local < _LOCAL_AHEAD and not self.results_in.poll():
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

    def start(self, task: Task) -> Callable[[], Any]:
        """Send one task to the worker and return at once: this process does something else
        meanwhile, then calls the function returned, which waits for the task's result (and
        raises what it raised). Without a worker, the task runs when its result is asked for.
        Not to be mixed with a running `ordered`."""
        if self.process is None:
            function, args = task
            return lambda: function(*args)
        self._send(task)
        return self._result

    def _send(self, task: Task) -> None:
        try:
            self.tasks_out.send(task)
        except OSError:  # the pipe broke: the worker is gone
            raise _ended() from None

    def _result(self) -> Any:
        try:
            failed, value = _unpacked(self.results_in.recv_bytes())
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
            self.tasks_out.close()
            self.results_in.close()

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


def _serve(tasks_in: Connection, results_out: Connection, parents: tuple[Connection, ...]) -> None:
    """The worker: a thread receives tasks while the main thread computes, so this process
    never blocks sending a result while the other blocks sending the next task."""
    # The fork copied the parent's ends of the pipes too: close them, or this process would
    # keep the task pipe open itself and never see it end when the parent dies (killed, say),
    # and would wait for tasks forever.
    for end in parents:
        end.close()
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()

    def receive() -> None:
        with contextlib.suppress(EOFError, OSError):
            while True:
                tasks.put(tasks_in.recv())
        tasks.put(None)

    threading.Thread(target=receive, daemon=True).start()
    while (task := tasks.get()) is not None:
        # Everything, even SystemExit, goes back to the caller, which raises it where it waits.
        outcome = _outcome(task, BaseException)
        try:
            packed = _packed(outcome)  # whole before a byte is written
        except Exception:  # a value that cannot be pickled: say in words what it was
            failed, value = outcome
            words = f"{type(value).__name__}: {value}" if failed else "a result that cannot travel"
            packed = _packed((True, RuntimeError(words)))
        results_out.send_bytes(packed)


# A result travels pickled, whole. Marshal framing (plain data by `marshal`, the rest by pickle)
# saved ~0.1 s of CPU per 100,000 events rebuilt, too little to show in a rebuild's time: see
# docs/performance.md, "Does each piece pay for itself?".
def _packed(outcome: tuple[bool, Any]) -> bytes:
    return pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)


def _unpacked(data: bytes) -> tuple[bool, Any]:
    outcome: tuple[bool, Any] = pickle.loads(data)
    return outcome


def _widen(writer: Connection) -> None:
    """Let the pipe behind `writer` hold a megabyte, where the system allows (Linux)."""
    # No fcntl (Windows, where there is no worker anyway), no F_SETPIPE_SZ, or over the limit.
    with contextlib.suppress(ImportError, AttributeError, OSError):
        import fcntl  # Unix only: the suppress takes its ImportError

        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
