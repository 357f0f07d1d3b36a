"""Where a PostgreSQL command's CPU goes: this process, its worker, and each server backend.

    python -m tests.benchmarks.pg_cpu [--by-statement] -- --db URL project --rebuild

Runs one `ledger` command in this process (the CLI's Typer app, not a subprocess) and prints,
as one JSON line on stderr: the wall time, this process's CPU (`time.process_time`), its
worker's (`RUSAGE_CHILDREN`), and the CPU of every server backend a psycopg connection of
this process opened (`/proc/PID/stat` of its `backend_pid`, read when the connection closes,
or at the end): the projector's, and the library's pool that reads and appends the log. The
server must run on this machine. On a shared machine compare CPU times, alternating the two
sides (ABAB; `PYTHONPATH=<an extracted main>` runs the other side; docs/performance.md,
"PostgreSQL's bulk projection, halved?").

With `--by-statement`, the projector's backend CPU and the client's wall time are also summed
by statement (each table's COPY, the closures' reads, ...), measured from the client around
each statement: a backend's CPU is counted in clock ticks, so only sums over many statements
mean much.
"""

from __future__ import annotations

import collections
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

_TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu(pid: int) -> float:
    """User and system CPU seconds of a process of this machine (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


class Backends:
    """Every psycopg connection opened from now on, and its backend's CPU while it was open."""

    def __init__(self) -> None:
        import psycopg

        self.spent: dict[int, float] = {}
        self.open: dict[int, float] = {}
        connect = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]
        backends = self

        def tracked(cls: Any, *args: Any, **kwargs: Any) -> Any:
            connection = connect(cls, *args, **kwargs)
            pid = connection.info.backend_pid
            backends.open[pid] = backend_cpu(pid)
            close = connection.close

            def closing() -> None:
                if pid in backends.open and not connection.closed:
                    backends.spent[pid] = backend_cpu(pid) - backends.open.pop(pid)
                close()

            connection.close = closing
            return connection

        psycopg.Connection.connect = classmethod(tracked)  # type: ignore[method-assign,assignment]
        psycopg.connect = psycopg.Connection.connect  # type: ignore[assignment]

    def totals(self) -> list[float]:
        for pid, start in list(self.open.items()):
            self.spent[pid] = backend_cpu(pid) - start
        return sorted(self.spent.values(), reverse=True)


def by_statement() -> Callable[[], dict[str, tuple[float, float, int]]]:
    """Sum the projector's backend CPU, and the wall time, by statement; returns the reader."""
    import projections.rows as rows

    sums: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    pid = [0]

    def key_of(statement: str) -> str:
        words = " ".join(statement.split())
        for known in (
            "FROM timeline WHERE report", "FROM timeline WHERE incident",
            "FROM report_refs WHERE target", "FROM report_refs WHERE source", "DELETE FROM",
        ):  # fmt: skip
            if known in words:
                return known
        return words[:50]

    def timed(key: str, function: Callable[..., Any], *args: Any) -> Any:
        cpu, started = backend_cpu(pid[0]), time.perf_counter()
        try:
            return function(*args)
        finally:
            entry = sums[key]
            entry[0] += backend_cpu(pid[0]) - cpu
            entry[1] += time.perf_counter() - started
            entry[2] += 1

    opened = rows._open

    def open_tracked(*args: Any) -> Any:
        connection = opened(*args)
        if connection.postgres:
            pid[0] = connection.raw.info.backend_pid
        return connection

    run, select, insert = rows.Connection.run, rows.Connection.rows, rows.insert_tuples
    rows._open = open_tracked
    rows.Connection.run = lambda self, s, p=(): timed(key_of(s), run, self, s, p)  # type: ignore[method-assign]
    rows.Connection.rows = lambda self, s, p=(): timed(key_of(s), select, self, s, p)  # type: ignore[method-assign]
    rows.insert_tuples = lambda db, table, r: timed(f"COPY {table}", insert, db, table, r)
    return lambda: {k: (round(c, 2), round(w, 2), int(n)) for k, (c, w, n) in sums.items()}


def main() -> None:
    args = sys.argv[1:]
    split = "--by-statement" in args
    args = [a for a in args if a not in ("--by-statement", "--")]
    backends = Backends()
    statements = by_statement() if split else None
    from cli.main import app

    started, cpu = time.perf_counter(), time.process_time()
    try:
        app(args, standalone_mode=False)
    finally:
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker = children.ru_utime + children.ru_stime
        servers = backends.totals()
        figures: dict[str, Any] = {
            "wall": round(wall, 2),
            "process": round(cpu, 2),
            "worker": round(worker, 2),
            "backends": [round(b, 2) for b in servers],
            "total": round(cpu + worker + sum(servers), 2),
        }
        if statements is not None:
            ranked = sorted(statements().items(), key=lambda item: -item[1][0])
            figures["by_statement"] = dict(ranked)
        print(json.dumps(figures), file=sys.stderr)


if __name__ == "__main__":
    main()
