"""The benchmark: every figure side by side with its reference, measured in the same run.

    python -m tests.benchmarks.run [--incidents 1000] [--reports 100] [--runs 3]
                                   [--postgres URL] [--big [--big-incidents 10000]]
                                   [--json bench-results/latest.json]

It generates its own deterministic data, runs each measurement `--runs` times and reports the
median with the spread (min-max) so noise is visible, then prints one table and writes it as JSON.
`--big` adds the 1,000,000-event figures (peak RSS; import, rebuild and verify rates beside the
default size's, to show they stay flat; report latency); `--postgres` repeats the store figures
on PostgreSQL beside SQLite's. Its data and ledgers live in a temporary folder removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.benchmarks.data import write_dataset

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ledger", "cli", "projections")
BIN = Path(sys.executable).parent
LEDGER = str(BIN / "ledger")


@dataclass
class Figure:
    name: str
    unit: str
    samples: list[float]
    reference_name: str = ""
    reference: list[float] = field(default_factory=list)
    target: str = ""
    higher_is_better: bool = True

    @property
    def value(self) -> float:
        return statistics.median(self.samples)

    @property
    def ref(self) -> float | None:
        return statistics.median(self.reference) if self.reference else None

    @property
    def paired(self) -> bool:
        """Each sample has its reference, measured right beside it (same run, same minute)."""
        return len(self.samples) == len(self.reference) > 0

    @property
    def ratios(self) -> list[float]:
        """The ratio of each run to its own reference: on a machine whose speed drifts from one
        minute to the next, a pair measured together cancels the drift that medians of two
        columns measured minutes apart would keep."""
        if not self.paired:
            return []
        return [s / r for s, r in zip(self.samples, self.reference, strict=True) if r]

    @property
    def ratio(self) -> float | None:
        if self.ratios:
            return statistics.median(self.ratios)
        if self.ref is None or self.ref == 0:
            return None
        return self.value / self.ref

    def spread(self, samples: list[float]) -> str:
        if len(samples) < 2:
            return ""
        mid = statistics.median(samples)
        return f"±{(max(samples) - min(samples)) / 2 / mid * 100:.0f}%" if mid else ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "figure": self.name,
            "unit": self.unit,
            "value": self.value,
            "samples": self.samples,
            "reference": self.reference_name,
            "reference_value": self.ref,
            "reference_samples": self.reference,
            "ratio": self.ratio,
            "ratios": self.ratios,
            "target": self.target,
        }


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DB"] = db
    return env


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - started


def peak_rss_mb(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Peak resident memory of one command's whole process tree (a rebuild's worker process
    included), in MB: the sum over the tree, sampled every 20 ms from /proc; and its wall
    time in seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args)
    return peak / 1024, seconds


def _tree_rss_kb(root: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue  # ended while we looked
        pid = int(entry.name)
        parents[pid] = int(stat.rsplit(")", 1)[1].split()[1])
        rss[pid] = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
        )
    tree = {root}
    grew = True
    while grew:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        grew = bool(children)
        tree |= children
    return sum(rss.get(pid, 0) for pid in tree)


def repeat(runs: int, measure: Callable[[], float]) -> list[float]:
    return [measure() for _ in range(runs)]


# ---------------------------------------------------------------------------------------------
# References


def reference_pipeline(
    data: Path, db: Path | None, postgres: str | None = None, aggregates_per_save: int = 100
) -> float:
    """The library's plain pipeline: parse each line, one aggregate per incident, app.save in
    batches of `aggregates_per_save` aggregates, eventsourcing.sqlite (or eventsourcing.postgres
    on the database named by `postgres`, a URL). Returns seconds."""
    if postgres is None:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(db)}
    else:
        from ledger.store.config import resolve

        target = resolve(postgres)
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": target.dbname,
            "POSTGRES_HOST": target.host,
            "POSTGRES_PORT": str(target.port),
            "POSTGRES_USER": target.user,
            "POSTGRES_PASSWORD": target.password or "",
        }
    code = f"""
import json, time
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

class Incident(Aggregate):
    @event("Opened")
    def __init__(self, data: dict):
        self.reports = []
    @event("Reported")
    def report(self, data: dict):
        self.reports.append(data.get("report"))

class Reference(Application):
    env = {env!r}

started = time.perf_counter()
app = Reference()
batch, current = [], {{}}
with open({str(data)!r}) as handle:
    for raw in handle:
        line = json.loads(raw)
        if line["type"] == "incident":
            incident = Incident(data=line)
            current[line["incident"]] = incident
            batch.append(incident)
            if len(batch) >= {aggregates_per_save}:
                app.save(*batch)
                batch.clear()
        else:
            current[line["incident"]].report(data=line)
app.save(*batch)
print(time.perf_counter() - started)
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def reference_read(db: str) -> float:
    """Reading and decoding the whole log with the library: its recorder's query and its own
    mapper and JSONTranscoder (not the ledger's faster transcoder), into the ledger's events."""
    code = f"""
import time
from eventsourcing.persistence import DatetimeAsISO, JSONTranscoder, Mapper
from ledger.application import IncidentLedger
from ledger.integrity import SEALS_ID
from ledger.store.config import resolve
app = IncidentLedger(resolve({db!r}), read_only=True)
transcoder = JSONTranscoder()
transcoder.register(DatetimeAsISO())
mapper = Mapper(transcoder=transcoder)
started = time.perf_counter()
position = 0
while True:
    batch = app.recorder.select_notifications(start=position, limit=5000, inclusive_of_start=False)
    if not batch:
        break
    for n in batch:
        if n.originator_id != SEALS_ID:
            mapper.to_domain_event(n)
    position = batch[-1].id
print(time.perf_counter() - started)
"""
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return float(out.stdout.strip())


def raw_sqlite_ceiling(source_db: Path, scratch: Path) -> tuple[float, int]:
    """The same event rows written by raw sqlite3 executemany in one transaction."""
    import sqlite3

    rows = (
        sqlite3.connect(source_db)
        .execute("SELECT originator_id, originator_version, topic, state FROM ledger_events")
        .fetchall()
    )
    target = sqlite3.connect(scratch, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute(
        "CREATE TABLE e (originator_id TEXT, originator_version INTEGER, topic TEXT, "
        "state BLOB, PRIMARY KEY (originator_id, originator_version))"
    )
    started = time.perf_counter()
    target.execute("BEGIN")
    target.executemany("INSERT INTO e VALUES (?, ?, ?, ?)", rows)
    target.execute("COMMIT")
    return time.perf_counter() - started, len(rows)


# ---------------------------------------------------------------------------------------------


def compile_bytecode() -> int:
    """Compile the project's modules to __pycache__ first, as pip does for an installed package
    and Python does on a checkout's first run. Without it, a machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) recompiles the whole CLI from source on every
    command, and each latency figure would measure the compiler. Returns how many modules."""
    import py_compile

    sources = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    for source in sources:
        py_compile.compile(str(source), doraise=True)  # writes even under that variable
    return len(sources)


def fresh_sqlite(folder: Path, name: str) -> str:
    path = folder / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    subprocess.run([LEDGER, "--db", str(path), "init"], check=True, capture_output=True)
    return str(path)


def empty_postgres(url: str, name: str) -> str:
    """A new, empty database `name` on the server of `url` (an admin URL); returns its URL."""
    _administer(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url: str, names: list[str]) -> None:
    """Drop the run's databases, so a benchmark leaves the server as it found it."""
    _administer(url, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names))


def _administer(url: str, *statements: str) -> None:
    import psycopg

    from ledger.store.config import resolve

    admin = resolve(url)
    with psycopg.connect(
        host=admin.host, port=admin.port, user=admin.user, dbname=admin.dbname, autocommit=True
    ) as connection:
        for statement in statements:
            connection.execute(statement)


def fresh_postgres(url: str, name: str) -> str:
    db = empty_postgres(url, name)
    subprocess.run([LEDGER, "--db", db, "init"], check=True, capture_output=True)
    return db


def store_figures(
    label: str,
    make_db: Callable[[str], str],
    make_empty: Callable[[str], str],
    data: Path,
    events: int,
    runs: int,
    reference_import: Callable[[int], float],
) -> tuple[list[Figure], str]:
    import_e2e, import_bulk, first, rebuild, verify, read_ref = [], [], [], [], [], []
    reference_seconds: list[float] = []
    db = ""
    for run in range(runs):
        # Each run measures the reference first, then the ledger, so every ratio compares
        # figures taken within the same minute or two.
        reference_seconds.append(reference_import(run))
        db = make_db(f"bench_e2e_{run}")
        import_e2e.append(events / timed([LEDGER, "import", str(data)], _env(db)))
        db = make_db(f"bench_bulk_{run}")
        import_bulk.append(events / timed([LEDGER, "import", str(data), "--no-project"], _env(db)))
        # What a user does first: `ledger init`, then the whole file into the new ledger; both
        # whole processes, start-up included (the other import figures start from a ledger
        # `init` made before the clock started).
        new = make_empty(f"bench_first_{run}")
        first.append(
            events
            / (timed([LEDGER, "init"], _env(new)) + timed([LEDGER, "import", str(data)], _env(new)))
        )
    timed([LEDGER, "project"], _env(db))
    for _ in range(runs):
        rebuild.append(events / timed([LEDGER, "project", "--rebuild"], _env(db)))
        read_ref.append(events / reference_read(db))
        verify.append(events / timed([LEDGER, "verify"], _env(db)))
    ref_rate = [events / s for s in reference_seconds]
    figures = [
        Figure(
            f"{label}: ledger import (validated, hashed, projected)",
            "events/s",
            import_e2e,
            f"eventsourcing plain pipeline ({label})",
            ref_rate,
            ">= 0.5x",
        ),
        Figure(
            f"{label}: ledger init, then the first import (whole processes, start-up included)",
            "events/s",
            first,
            f"eventsourcing plain pipeline ({label})",
            ref_rate,
            ">= 0.5x",
        ),
        Figure(
            f"{label}: ledger import --no-project",
            "events/s",
            import_bulk,
            f"eventsourcing plain pipeline ({label})",
            ref_rate,
            ">= 0.8x",
        ),
        Figure(
            f"{label}: ledger project --rebuild",
            "events/s",
            rebuild,
            "library read + decode of the log",
            read_ref,
            ">= 25,000/s and >= 0.3x",
        ),
        Figure(
            f"{label}: ledger verify",
            "events/s",
            verify,
            "library read + decode of the log",
            read_ref,
            ">= 50,000/s",
        ),
    ]
    return figures, db


def latency_figures(folder: Path, big_db: str, runs: int) -> list[Figure]:
    """Wall time of single commands, each beside the bare interpreter doing the same imports."""
    pass_time = repeat(runs, lambda: timed([sys.executable, "-c", "pass"]))
    help_time = repeat(runs, lambda: timed([LEDGER, "--help"]))
    import_time = repeat(runs, lambda: timed([sys.executable, "-c", "import ledger"]))

    audit_data = folder / "audit.jsonl"
    write_dataset(audit_data, 1, 10_000, seed=7)
    audit_db = fresh_sqlite(folder, "audit.db")
    subprocess.run(
        [LEDGER, "import", str(audit_data)], env=_env(audit_db), check=True, capture_output=True
    )
    audit_time = repeat(runs, lambda: timed([LEDGER, "audit", "bench-000000-r0"], _env(audit_db)))

    counter = iter(range(10**6))
    claim_time = repeat(
        runs,
        lambda: timed(
            [
                LEDGER,
                "claim",
                "bench-000000",
                "--report",
                f"extra-{next(counter)}",
                "--by",
                "X",
                "--summary",
                "One more claim",
            ],
            _env(big_db),
        ),
    )
    return [
        Figure("ledger --help", "s", help_time, "python -c pass", pass_time, "<= 0.3 s", False),
        Figure(
            "ledger audit, incident of 10,000 reports",
            "s",
            audit_time,
            'python -c "import ledger"',
            import_time,
            "<= 1.0 s",
            False,
        ),
        Figure(
            "one ledger claim on the import's ledger (store + projections)",
            "s",
            claim_time,
            "python -c pass",
            pass_time,
            "<= 0.8 s",
            False,
        ),
    ]


def big_figures(
    folder: Path, runs: int, small: dict[str, Figure], incidents: int = 10_000
) -> list[Figure]:
    """The 1,000,000-event figures: peak RSS of import, rebuild and verify, and their rates
    beside the same commands' rates at the default size (flat as the log grows: ratio ~1);
    report latency."""
    data = folder / "big.jsonl"
    events = write_dataset(data, incidents, 100, seed=11)
    db = fresh_sqlite(folder, "big.db")
    env = _env(db)
    import_rss, import_s = peak_rss_mb([LEDGER, "import", str(data), "--no-project"], env)
    rebuild_rss, rebuild_s = peak_rss_mb([LEDGER, "project", "--rebuild"], env)
    verify_rss, verify_s = peak_rss_mb([LEDGER, "verify"], env)
    rates = [
        Figure(
            f"{name} at {events:,}",
            "events/s",
            [events / seconds],
            f"{small[name].name.split(': ', 1)[-1]} at the default size",
            small[name].samples,
            "printed (flat: ~1x)",
        )
        for name, seconds in (
            ("import --no-project", import_s),
            ("project --rebuild", rebuild_s),
            ("verify", verify_s),
        )
    ]
    disputed = repeat(runs, lambda: timed([LEDGER, "report", "disputed", "-f", "csv"], env))
    claims = repeat(
        runs, lambda: timed([LEDGER, "report", "claims", "--status", "disputed", "-f", "csv"], env)
    )
    return [
        *rates,
        Figure(
            f"peak RSS: import of {events:,} events",
            "MB",
            [import_rss],
            target="<= 500 MB",
            higher_is_better=False,
        ),
        Figure(
            f"peak RSS: project --rebuild at {events:,}",
            "MB",
            [rebuild_rss],
            target="<= 200 MB",
            higher_is_better=False,
        ),
        Figure(
            f"peak RSS: verify at {events:,}",
            "MB",
            [verify_rss],
            target="<= 200 MB",
            higher_is_better=False,
        ),
        Figure(
            f"report disputed at {events:,}",
            "s",
            disputed,
            target="<= 0.5 s",
            higher_is_better=False,
        ),
        Figure(
            f"report claims --status disputed at {events:,}",
            "s",
            claims,
            target="<= 0.5 s",
            higher_is_better=False,
        ),
    ]


def postgres_figures(url: str, data: Path, events: int, runs: int) -> list[Figure]:
    """The store figures on PostgreSQL, in databases `bench_{ref,e2e,bulk}_{run}`."""
    # 20 aggregates (2,000 events) a save on PostgreSQL: at 100 (10,000 events) the library's
    # pipelined executemany stalled here for good (server waiting on the client, client on
    # the server), so its transactions are kept to what it completes.
    pg, _ = store_figures(
        "PostgreSQL",
        lambda n: fresh_postgres(url, n),
        lambda n: empty_postgres(url, n),
        data,
        events,
        runs,
        lambda run: reference_pipeline(
            data, None, empty_postgres(url, f"bench_ref_{run}"), aggregates_per_save=20
        ),
    )
    for figure in pg:
        figure.target = "(no target yet)"
    return pg


def print_table(figures: list[Figure]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title="Incident Ledger benchmark (median of runs; ± is half the range; "
        "ratio: median of each run's figure over its reference, measured beside it)"
    )
    for column in ("figure", "value", "reference", "ref value", "ratio", "target"):
        table.add_column(column)
    for f in figures:
        table.add_row(
            f.name,
            f"{f.value:,.3g} {f.unit} {f.spread(f.samples)}".strip()
            if f.value < 100
            else f"{f.value:,.0f} {f.unit} {f.spread(f.samples)}",
            f.reference_name,
            ""
            if f.ref is None
            else (f"{f.ref:,.3g}" if f.ref < 100 else f"{f.ref:,.0f}")
            + f" {f.spread(f.reference)}",
            "" if f.ratio is None else f"{f.ratio:.2f}x {f.spread(f.ratios)}".strip(),
            f.target,
        )
    Console(width=200).print(table)


def measure(args: argparse.Namespace, folder: Path) -> tuple[int, int, list[Figure]]:
    """Every figure the arguments ask for, with the data and ledgers in `folder`: (events at
    the default size, project modules compiled, figures)."""
    data = folder / "data.jsonl"
    events = write_dataset(data, args.incidents, args.reports)
    compiled = compile_bytecode()
    stored, big_db = store_figures(
        "SQLite",
        lambda n: fresh_sqlite(folder, f"{n}.db"),
        lambda n: str(folder / f"{n}.db"),
        data,
        events,
        args.runs,
        lambda run: reference_pipeline(data, folder / f"ref-{run}.db"),
    )
    _, rows = raw_sqlite_ceiling(Path(big_db), folder / "raw.db")
    ceiling = [
        rows / raw_sqlite_ceiling(Path(big_db), folder / f"raw-{r}.db")[0] for r in range(args.runs)
    ]
    figures = [
        *stored[:3],
        Figure(
            "raw sqlite3 executemany, one transaction (the ceiling)",
            "rows/s",
            ceiling,
            target="printed",
        ),
        *stored[3:],
    ]
    figures += latency_figures(folder, big_db, args.runs)
    if args.postgres:
        try:
            figures += postgres_figures(args.postgres, data, events, args.runs)
        finally:
            drop_postgres(
                args.postgres,
                [
                    f"bench_{kind}_{run}"
                    for kind in ("ref", "e2e", "bulk", "first")
                    for run in range(args.runs)
                ],
            )
    if args.big:
        _, _, bulk, rebuild, verify = stored
        small = {"import --no-project": bulk, "project --rebuild": rebuild, "verify": verify}
        figures += big_figures(folder, max(1, args.runs), small, args.big_incidents)
    return events, compiled, figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--postgres", default=None, help="admin URL, e.g. postgresql://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--big", action="store_true", help="also the 1,000,000-event figures")
    parser.add_argument(
        "--big-incidents", type=int, default=10_000, help="incidents of 100 reports for --big"
    )
    parser.add_argument("--json", default=str(ROOT / "bench-results" / "latest.json"))
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="ledger-bench-"))
    try:
        events, compiled, figures = measure(args, folder)
    finally:
        # Its ledgers and data take several GB with --big: never leave them behind.
        shutil.rmtree(folder, ignore_errors=True)
    print(
        f"{events:,} events ({args.incidents} incidents x {args.reports} reports), "
        f"{args.runs} run(s), {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"bytecode compiled for {compiled} project modules first"
    )
    print_table(figures)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(
        json.dumps(
            {"events": events, "runs": args.runs, "figures": [f.as_dict() for f in figures]},
            indent=2,
        )
    )
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
