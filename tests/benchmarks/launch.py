"""Run one `ledger` command with one piece of speed machinery instrumented, and, with
`without`, disabled: the A/B benchmark's launcher (`tests/benchmarks/ab.py`).

    python tests/benchmarks/launch.py PIECE with|without PROBE_FILE -- LEDGER_ARGS...

The product has no switches for its speed machinery (they would be clutter read by nobody
else); this launcher patches the one name that turns each piece on, in this process only, then
calls `cli.main.run()` as the `ledger` script does. Both modes go through the same patched
names, recording that they were reached, so the two sides of a pair differ only in the piece.

What it saw goes to PROBE_FILE as lines `name count` (appended, also from the forked worker, so
the file holds the sum); the harness refuses a measurement whose probes do not show the patch
took effect. A name that is gone (renamed, moved) stops the launcher with exit 97 before the
command runs: the A/B must never quietly time the same code twice.

It is run as a script, not with `-m`: importing the `tests` package would be start-up that
the plain `ledger` command does not pay.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "cli", "projections")
MISSING = 97  # the exit status for "the name this piece is found by is gone"

counts: Counter[str] = Counter()
probe_file = ""


class NameGone(Exception):
    pass


def record_now(name: str) -> None:
    """Record at once, from any process (the worker ends by os._exit: no chance later)."""
    descriptor = os.open(probe_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, f"{name} 1\n".encode())
    finally:
        os.close(descriptor)


def attribute(module_name: str, name: str) -> tuple[Any, Any]:
    """(the module, its attribute `name`); NameGone if either is missing."""
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise NameGone(f"module {module_name} is gone ({e})") from None
    if not hasattr(module, name):
        raise NameGone(f"{module_name}.{name} is gone")
    return module, getattr(module, name)


def defining_module(constant: str) -> str:
    """The one product module that assigns `constant` at its top level (a module may move
    between packages while the constant keeps its name); NameGone for none or several."""
    pattern = re.compile(rf"^{re.escape(constant)}\s*(:[^=]+)?=", re.MULTILINE)
    found = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    if len(found) != 1:
        raise NameGone(f"{constant} is assigned in {len(found)} modules ({found}), not one")
    return found[0]


def count_forks() -> None:
    """Every fork of this process (multiprocessing's fork start method calls os.fork)."""
    fork = os.fork

    def counted() -> int:
        pid = fork()
        if pid:
            counts["forks"] += 1
        return pid

    os.fork = counted


# --- the pieces: each patches the one name that turns it on -----------------------------------


def worker(disable: bool) -> None:
    """The forked rebuild/verify worker: `Worker(parallel=False)` runs every task here."""
    _, worker_class = attribute("ledger.infra.parallel", "Worker")
    init: Callable[..., None] = worker_class.__init__

    def patched(self: Any, context: Any = None, *, parallel: bool = True) -> None:
        init(self, context, parallel=parallel and not disable)
        counts["workers forked" if self.process is not None else "workers in-process"] += 1

    worker_class.__init__ = patched


def pipe_size(disable: bool) -> None:
    """The worker's pipes widened to a megabyte: without it, the system's default (64 KB)."""
    module, widen = attribute("ledger.infra.parallel", "_widen")
    _, size = attribute("ledger.infra.parallel", "_PIPE_BYTES")

    def patched(writer: Any) -> None:
        if not disable:
            widen(writer)
        counts["pipes widened" if _pipe_bytes(writer) >= size else "pipes left"] += 1

    module._widen = patched


def _pipe_bytes(writer: Any) -> int:
    try:
        import fcntl

        return int(fcntl.fcntl(writer.fileno(), fcntl.F_GETPIPE_SZ))
    except (ImportError, AttributeError, OSError):
        return 0


def validating_child(disable: bool) -> None:
    """A big file on a ledger with its schema validated in a forked child beside the append:
    without it, validated first, then appended (the path a new ledger takes)."""
    module, _ = attribute(defining_module("PIPELINE_FROM_BYTES"), "PIPELINE_FROM_BYTES")
    if disable:
        module.PIPELINE_FROM_BYTES = sys.maxsize
    count_forks()


PIECES: dict[str, Callable[[bool], None]] = {
    "worker": worker,
    "pipe-size": pipe_size,
    "validating-child": validating_child,
}


def main() -> None:
    global probe_file
    piece, mode, probe_file, separator, *arguments = sys.argv[1:]
    assert separator == "--" and mode in ("with", "without"), sys.argv
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the checkout, as the editable install has it
    try:
        PIECES[piece](mode == "without")
    except NameGone as e:
        print(f"launch.py: cannot find {piece}: {e}", file=sys.stderr)
        raise SystemExit(MISSING) from None
    pid = os.getpid()
    from cli.main import run

    sys.argv = ["ledger", *arguments]
    try:
        run()
    finally:
        if os.getpid() == pid:  # not in a forked child that unwinds through here
            with open(probe_file, "a", encoding="utf-8") as out:
                out.writelines(f"{name} {n}\n" for name, n in counts.items())


if __name__ == "__main__":
    main()
