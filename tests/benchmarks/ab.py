"""Does each piece of speed machinery pay for itself? Each figure with and without the piece.

    python -m tests.benchmarks.ab [--incidents 1000] [--reports 100] [--runs 5]
                                  [--pieces worker,pipe-size,...]
                                  [--postgres URL] [--json bench-results/ab.json]

For every piece (issue 18, item 5), the figure it speeds up is timed as a whole `ledger`
process, once as shipped and once with the piece disabled, on the same data in the same run;
with `--postgres`, again on PostgreSQL.
The product has no switch for any of them: `tests/benchmarks/launch.py` patches the one name
that turns the piece on, then runs the command, and reports what it saw (forks, pipe
sizes). A pair whose probes do not show the piece on in one and off in the other stops the
run: renamed or moved code must not be timed twice and called a tie.

Each pair is timed in ABBA order (with, without; then without, with; ...), so a machine
slowing down or speeding up through the run does not favour either side, and its ratio is
the time without over the time with: 1.25 is a 25% gain. The verdict is the issue's bar: a
median gain of 15% or more keeps the piece; under it, the piece should go. Beside the wall
time, the CPU time of the whole process tree (the worker's included) shows what a piece costs
in work, which a loaded machine's wall times hide. The load average is printed at the start
and the end, so a loaded machine's figures are not taken for an idle one's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.data import write_dataset
from tests.benchmarks.run import (
    LEDGER,
    ROOT,
    _env,
    compile_bytecode,
    drop_postgres,
    fresh_postgres,
    fresh_sqlite,
)

LAUNCH = str(Path(__file__).with_name("launch.py"))
BAR = 1.15  # the bar: a piece whose figure gains less than 15% goes
MISSING = 97  # launch.py's exit status for a piece it cannot find


@dataclass(frozen=True)
class Piece:
    name: str
    what: str
    figures: tuple[str, ...]
    on: str  # a probe that must count one or more with the piece, none without
    off: str | None = None  # and one that must count one or more without it, none with


PIECES = (
    Piece(
        "worker",
        "forked rebuild/verify worker",
        ("rebuild", "verify"),
        "workers forked",
        "workers in-process",
    ),
    Piece("pipe-size", "1 MB pipes", ("rebuild", "verify"), "pipes widened", "pipes left"),
    Piece("validating-child", "validating child of the import", ("import --no-project",), "forks"),
)


@dataclass
class Pair:
    with_s: float
    without_s: float
    with_cpu: float  # CPU seconds of the whole process tree, the worker's included
    without_cpu: float

    @property
    def gain(self) -> float:
        return self.without_s / self.with_s


@dataclass
class Result:
    backend: str
    piece: Piece
    figure: str
    pairs: list[Pair] = field(default_factory=list)

    @property
    def gain(self) -> float:
        return statistics.median(p.gain for p in self.pairs)

    @property
    def verdict(self) -> str:
        return "pays (stays)" if self.gain >= BAR else "under the bar (goes)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "piece": self.piece.name,
            "figure": self.figure,
            "with_s": [p.with_s for p in self.pairs],
            "without_s": [p.without_s for p in self.pairs],
            "gains": [p.gain for p in self.pairs],
            "with_cpu_s": [p.with_cpu for p in self.pairs],
            "without_cpu_s": [p.without_cpu for p in self.pairs],
            "median_gain": self.gain,
            "verdict": self.verdict,
        }


class ProbeFailed(RuntimeError):
    pass


@dataclass
class Bench:
    backend: str  # "SQLite" or "PostgreSQL"
    folder: Path
    data: Path
    db: str  # the imported, projected ledger that rebuild, verify and the report read
    fresh: Callable[[], str]  # a new ledger with its schema, for each import

    def command(self, figure: str) -> tuple[list[str], Callable[[], str]]:
        """(the ledger's arguments, a function giving the ledger to run them on, called
        before each timing and not timed)."""
        if figure == "rebuild":
            return ["project", "--rebuild"], lambda: self.db
        if figure == "verify":
            return ["verify"], lambda: self.db
        if figure == "import --no-project":
            # What the validating child serves: a big file into a ledger that has its schema.
            return ["import", str(self.data), "--no-project"], self.fresh
        raise ValueError(figure)

    def timed(self, piece: Piece, figure: str, disable: bool) -> tuple[float, float]:
        """(wall seconds, CPU seconds) of one command, its probes checked."""
        arguments, ledger = self.command(figure)
        db = ledger()
        probe = self.folder / "probe.txt"
        probe.unlink(missing_ok=True)
        mode = "without" if disable else "with"
        cpu = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, LAUNCH, piece.name, mode, str(probe), "--", *arguments],
            env=_env(db),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        seconds = time.perf_counter() - started
        # The launcher joins its worker or child, so their CPU time is counted in its own.
        cpu = _children_cpu() - cpu
        if done.returncode == MISSING:
            raise ProbeFailed(done.stderr.strip())
        if done.returncode:
            raise subprocess.CalledProcessError(
                done.returncode, [piece.name, mode, *arguments], stderr=done.stderr
            )
        check(piece, disable, read_probe(probe), figure)
        return seconds, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_probe(probe: Path) -> Counter[str]:
    seen: Counter[str] = Counter()
    if probe.exists():
        for line in probe.read_text().splitlines():
            name, _, count = line.rpartition(" ")
            seen[name] += int(count)
    return seen


def check(piece: Piece, disable: bool, seen: Counter[str], figure: str) -> None:
    """Refuse a timing whose probes do not show the piece on (with) or off (without)."""
    on, off = (0, 1) if disable else (1, 0)
    wanted = {piece.on: on} | ({piece.off: off} if piece.off else {})
    for name, present in wanted.items():
        if bool(seen[name]) != bool(present):
            mode = "without" if disable else "with"
            raise ProbeFailed(
                f"{piece.name} {mode}, {figure}: expected {name!r} "
                f"{'at least once' if present else 'never'}, saw {dict(seen) or 'nothing'}: "
                "the patch did not take effect, or the figure does not use this piece"
            )


def measure(bench: Bench, pieces: list[Piece], runs: int) -> list[Result]:
    results = []
    for piece in pieces:
        for figure in piece.figures:
            result = Result(bench.backend, piece, figure)
            # One untimed run each way first: warms the caches, and checks both probes before
            # any time is spent on pairs.
            bench.timed(piece, figure, disable=False)
            bench.timed(piece, figure, disable=True)
            for run in range(runs):
                # ABBA: with first in even pairs, without first in odd ones.
                order = (False, True) if run % 2 == 0 else (True, False)
                seconds = {disable: bench.timed(piece, figure, disable) for disable in order}
                (wall, cpu), (wall_off, cpu_off) = seconds[False], seconds[True]
                result.pairs.append(Pair(wall, wall_off, cpu, cpu_off))
                print(
                    f"  {bench.backend:10} {piece.name:17} {figure:20} pair {run + 1}: "
                    f"with {wall:.3f} s (CPU {cpu:.2f}), without {wall_off:.3f} s "
                    f"(CPU {cpu_off:.2f}), "
                    f"gain {result.pairs[-1].gain:.2f}x",
                    flush=True,
                )
            results.append(result)
    return results


def print_table(results: list[Result]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="Each piece with and without (same data, same run; gain = time without / time "
        f"with, per ABBA pair; bar: ≥ {BAR:.2f}x)"
    )
    for column in (
        "piece",
        "figure",
        "with (median)",
        "without (median)",
        "CPU with / without",
        "gain per pair",
        "median gain",
        "verdict",
    ):
        table.add_column(column)
    for r in results:
        table.add_row(
            r.piece.what,
            f"{r.backend}: {r.figure}",
            f"{statistics.median(p.with_s for p in r.pairs):.3f} s",
            f"{statistics.median(p.without_s for p in r.pairs):.3f} s",
            f"{statistics.median(p.with_cpu for p in r.pairs):.2f} / "
            f"{statistics.median(p.without_cpu for p in r.pairs):.2f} s",
            ", ".join(f"{p.gain:.2f}" for p in r.pairs),
            f"{r.gain:.2f}x",
            r.verdict,
        )
    Console(width=200).print(table)


def ledger_bench(
    backend: str, folder: Path, data: Path, args: argparse.Namespace, fresh: Callable[[str], str]
) -> Bench:
    """The imported, projected ledger of `backend` that rebuild, verify and the report read,
    and a new ledger named `…import` for each timed import."""
    db = fresh(f"ab_{os.getpid()}_ledger")
    subprocess.run([LEDGER, "import", str(data)], env=_env(db), check=True, capture_output=True)
    return Bench(backend, folder, data, db, lambda: fresh(f"ab_{os.getpid()}_import"))


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="pairs per figure")
    parser.add_argument(
        "--pieces",
        default=",".join(p.name for p in PIECES),
        help="comma-separated, of: " + ", ".join(p.name for p in PIECES),
    )
    parser.add_argument(
        "--postgres",
        default=None,
        help="admin URL (e.g. postgresql://postgres@127.0.0.1:5432/test): the figures again "
        "on PostgreSQL, in databases this run creates and drops",
    )
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "ab.json"))
    args = parser.parse_args()
    by_name = {p.name: p for p in PIECES}
    unknown = [n for n in args.pieces.split(",") if n not in by_name]
    if unknown:
        parser.error(f"unknown piece(s): {', '.join(unknown)}")
    pieces = [by_name[n] for n in args.pieces.split(",")]

    folder = Path(tempfile.mkdtemp(prefix="ledger-ab-"))
    url: str = args.postgres or ""
    created: list[str] = []
    try:
        compile_bytecode()
        data = folder / "data.jsonl"
        events = write_dataset(data, args.incidents, args.reports)
        benches = [
            ledger_bench("SQLite", folder, data, args, lambda n: fresh_sqlite(folder, f"{n}.db"))
        ]
        if args.postgres:
            # Named after this run: another benchmark on the same server keeps its databases.
            names = [f"ab_{os.getpid()}_ledger", f"ab_{os.getpid()}_import"]
            created += names
            benches.append(
                ledger_bench("PostgreSQL", folder, data, args, lambda n: fresh_postgres(url, n))
            )
        started_load = load()
        print(
            f"{events:,} events, {args.runs} pair(s) per figure, {os.cpu_count()} cores, "
            f"{started_load}",
            flush=True,
        )
        results = [r for bench in benches for r in measure(bench, pieces, args.runs)]
    except ProbeFailed as e:
        raise SystemExit(f"ab: {e}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if created:
            drop_postgres(url, created)
    ended_load = load()
    print(f"at the end: {ended_load}")
    print_table(results)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {
                "events": events,
                "runs": args.runs,
                "cores": os.cpu_count(),
                "load": [started_load, ended_load],
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
