"""The forked worker: results in order, the caller's exceptions, the worker's context."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.infra.parallel import Task, Worker, _packed, _unpacked, shared


def square_plus_context(n: int) -> tuple[int, int]:
    return n * n + shared(), os.getpid()


def fail_on(n: int, bad: int) -> int:
    if n == bad:
        raise ValueError(f"task {n} is bad")
    return n


class Unpicklable(Exception):
    def __init__(self, handle: object) -> None:
        super().__init__("cannot travel")
        self.handle = handle

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("no pickling")


def fail_unpicklably(_n: int) -> int:
    raise Unpicklable(lambda: None)


def die(_n: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return 0


def tasks(function: object, count: int, *extra: object) -> Iterator[Task]:
    for n in range(count):
        yield function, (n, *extra)  # type: ignore[misc]


@pytest.mark.parametrize("parallel", [True, False])
def test_results_come_back_in_task_order_with_the_workers_context(parallel: bool) -> None:
    with Worker(100, parallel=parallel) as worker:
        results = list(worker.ordered(tasks(square_plus_context, 25)))
    # Check every result, in order, computed with the context the worker was started with.
    assert [value for value, _ in results] == [n * n + 100 for n in range(25)]
    pids = {pid for _, pid in results}
    # Check where they ran: another process in parallel (where there are two cores), or here.
    if parallel and (os.cpu_count() or 1) > 1:
        assert pids and os.getpid() not in pids
    else:
        assert pids == {os.getpid()}
    # Check the context does not outlive the worker.
    assert shared() is None


@pytest.mark.parametrize("parallel", [True, False])
def test_a_task_that_raises_raises_in_the_caller_after_the_results_before_it(
    parallel: bool,
) -> None:
    received: list[int] = []
    with Worker(parallel=parallel) as worker, pytest.raises(ValueError, match="task 3 is bad"):
        for value in worker.ordered(tasks(fail_on, 10, 3)):
            received.append(value)
    assert received == [0, 1, 2]


def test_an_exception_that_cannot_be_pickled_still_reaches_the_caller_in_words() -> None:
    with Worker() as worker, pytest.raises(Exception, match="cannot travel"):
        list(worker.ordered(tasks(fail_unpicklably, 2)))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no worker process on a single core")
def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    with Worker() as worker, pytest.raises(RuntimeError, match="ended unexpectedly"):
        list(worker.ordered(tasks(die, 2)))


def test_a_worker_ends_when_its_parent_is_killed() -> None:
    import subprocess
    import sys

    # A parent that starts a worker, says the worker's pid, and waits; then it is killed -9.
    code = (
        "import sys, time\n"
        "from ledger.infra.parallel import Worker\n"
        "worker = Worker(None)\n"
        "print(worker.process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker_pid = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    # Check the orphaned worker sees the pipe end and exits, instead of waiting forever (the
    # minute bounds a failing run: a passing one ends as soon as the worker does, and a busy
    # machine may keep the orphan unscheduled for seconds).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(worker_pid, 0)
        except ProcessLookupError:
            return
        # An exited orphan is reaped by init; a zombie here counts as gone too.
        with open(f"/proc/{worker_pid}/stat") as stat:
            if stat.read().split(") ", 1)[1].startswith("Z"):
                return
        time.sleep(0.05)
    os.kill(worker_pid, signal.SIGKILL)
    pytest.fail("the worker outlived its killed parent")


PARENT = os.getpid()  # the forked worker inherits this value and has another pid


def _wait_for_here(marks: str, count: int) -> None:
    """In this process, mark a task run here; in the worker, wait until `count` tasks have run
    here: what each process runs is then decided by the test, never by the machine's speed (a
    sleep in the worker raced a busy machine, where this process could be descheduled past it).
    The minute's limit only ends a broken run."""
    if os.getpid() == PARENT:
        with open(os.path.join(marks, str(len(os.listdir(marks)))), "x"):
            return
    deadline = time.monotonic() + 60
    while len(os.listdir(marks)) < count and time.monotonic() < deadline:
        time.sleep(0.005)


def slow_square(n: int, marks: str) -> tuple[int, int]:
    """Held in the worker until this process has run one task itself."""
    _wait_for_here(marks, 1)
    return n * n, os.getpid()


def fail_where_run(n: int, bad: int, marks: str) -> int:
    """Held in the worker until this process has run as many tasks as it may run ahead (4):
    so here takes the tasks after the worker's first ones."""
    _wait_for_here(marks, 4)
    if n == bad:
        raise ValueError(f"task {n} is bad in {os.getpid()}")
    return n


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no worker process on a single core")
def test_a_shared_run_does_tasks_in_both_processes_and_keeps_their_order(tmp_path: Path) -> None:
    with Worker() as worker:
        results = list(worker.ordered(tasks(slow_square, 40, str(tmp_path)), share=True))
    assert [value for value, _ in results] == [n * n for n in range(40)]
    # Check this process took tasks while the worker was busy, and the worker did too.
    pids = [pid for _, pid in results]
    assert os.getpid() in pids
    assert len(set(pids)) == 2


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no worker process on a single core")
@pytest.mark.parametrize(("bad", "here"), [(0, False), (1, False), (3, True), (5, True)])
def test_a_shared_task_that_raises_raises_after_the_results_before_it(
    bad: int, here: bool, tmp_path: Path
) -> None:
    # The worker gets tasks 0-2 first; while it is held on task 0, this process runs 3-6.
    received: list[int] = []
    with Worker() as worker, pytest.raises(ValueError, match=f"task {bad} is bad") as raised:
        for value in worker.ordered(tasks(fail_where_run, 12, bad, str(tmp_path)), share=True):
            received.append(value)
    # Check the results before the bad task came first, whichever process ran it...
    assert received == list(range(bad))
    # ...and that it ran where this case says: the worker's raise and this process's are both
    # exercised.
    ran_in = int(str(raised.value).rsplit(" ", 1)[1])
    assert (ran_in == os.getpid()) is here


@pytest.mark.parametrize("parallel", [True, False])
def test_a_task_started_in_the_worker_runs_while_this_process_works(parallel: bool) -> None:
    with Worker(parallel=parallel) as worker:
        result = worker.start((pow, (3, 4)))
        here = sum(range(1000))
        assert (result(), here) == (81, 499500)
        failing = worker.start((int, ("not a number",)))
        with pytest.raises(ValueError, match="invalid literal"):
            failing()


class _Point(NamedTuple):
    x: int
    y: int


def echo(value: object) -> object:
    return value


_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.frozensets(st.text(max_size=3) | st.integers(), max_size=3)
        | st.sets(st.text(max_size=3), max_size=3)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)
# Objects beside the plain data: dates, decimals, a named tuple keeps its class.
_OBJECTS = (
    st.datetimes() | st.decimals(allow_nan=False) | st.builds(_Point, st.integers(), st.integers())
)


@settings(max_examples=200, deadline=None)
@given(value=_PLAIN | _OBJECTS | st.lists(_PLAIN | _OBJECTS, max_size=3))
def test_every_value_is_unpacked_as_it_was_packed_types_included(value: object) -> None:
    # Check -0.0, NaN, infinities, big integers, bools among ints, sets, dict keys: the same
    # value, of the same types all the way down.
    outcome = (False, value)
    assert _typed(_unpacked(_packed(outcome))) == _typed(outcome)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="no worker process on a single core")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.lists(_PLAIN | _OBJECTS, max_size=5))
def test_every_result_from_the_worker_comes_back_equal_and_of_its_type(
    values: list[object],
) -> None:
    with Worker() as worker:
        assert worker.process is not None  # the values cross between processes
        results = list(worker.ordered((echo, (value,)) for value in values))
    assert [_typed(r) for r in results] == [_typed(v) for v in values]


def _typed(value: object) -> object:
    """The value with every part's type beside it, floats by their repr (-0.0 is not 0.0, NaN
    is NaN): equal only if the values and all their types match."""
    if isinstance(value, list | tuple):
        return type(value), tuple(_typed(v) for v in value)
    if isinstance(value, dict):
        return type(value), tuple((_typed(k), _typed(v)) for k, v in value.items())
    if isinstance(value, set | frozenset):
        return type(value), frozenset(_typed(v) for v in value)
    if isinstance(value, float):
        return float, repr(value)
    return type(value), value


def test_an_exception_comes_back_as_itself() -> None:
    back = _unpacked(_packed((True, ValueError("bad"))))
    assert back[0] is True and type(back[1]) is ValueError and str(back[1]) == "bad"
