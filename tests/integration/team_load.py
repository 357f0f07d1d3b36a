"""A team's load on a primary and its standby, for the slow test and the benchmark.

16 writer processes append claims to the primary for a fixed time, `ledger project --follow`
keeps the views current, 4 reader processes run reports on the standby, and the primary may be
restarted mid-run. Writers retry an append the restart cut off (the same report id: an append
that did commit is then "already recorded", never doubled). The parent samples the views'
position every few milliseconds, so each append's latency to the views is the first sample at
or past its position minus the moment its commit returned.

Writers and readers: `python -m tests.integration.team_load writer|reader DB SECONDS INDEX`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ledger.store.config import StoreConfig
from tests.integration.standby import Cluster

LEDGER = str(Path(sys.executable).parent / "ledger")
INCIDENT = "load-incident"


@dataclass
class LoadResult:
    committed: dict[str, int | None] = field(default_factory=dict)  # report -> position
    latencies: list[float] = field(default_factory=list)  # seconds, append to view
    reports_read: int = 0
    writer_retries: int = 0
    follower_stderr: str = ""

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else float("nan")


def run_load(
    cluster: Cluster,
    db: str,
    *,
    seconds: float,
    writers: int = 16,
    readers: int = 4,
    restart_after: int | None = None,
) -> LoadResult:
    """Run the load against `db` (a migrated ledger on the cluster's primary); with
    `restart_after`, restart the primary once the views hold that many events (mid-run by
    progress, not by the clock, which a busy machine stretches)."""
    import psycopg

    standby = cluster.standby.url(db.rsplit("/", 1)[1])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DB"] = db
    follower = subprocess.Popen(
        [LEDGER, "project", "--follow", "--interval", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    me = [sys.executable, "-m", "tests.integration.team_load"]
    started = time.time()
    procs = [
        subprocess.Popen(
            [*me, "writer", db, str(seconds), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(writers)
    ] + [
        subprocess.Popen(
            [*me, "reader", standby, str(seconds), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(readers)
    ]
    samples: list[tuple[float, int]] = []
    done = threading.Event()
    sampler = threading.Thread(target=_sample, args=(db, samples, done), daemon=True)
    sampler.start()
    if restart_after is not None:
        while (samples[-1][1] if samples else 0) < restart_after:
            # Each writer runs `seconds` from its own start, which a busy machine delays.
            assert time.time() < started + seconds + 120, "the writers never got going"
            time.sleep(0.01)
        cluster.pg_ctl(cluster.primary, "restart", "-m", "fast")
    result = LoadResult()
    moments: list[tuple[float, int]] = []
    for proc in procs:
        out, err = proc.communicate(timeout=seconds + 300)
        assert proc.returncode == 0, err
        for line in out.splitlines():
            record = json.loads(line)
            if record["kind"] == "append":
                result.committed[record["report"]] = record["position"]
                if record["position"] is not None:
                    moments.append((record["at"], record["position"]))
            elif record["kind"] == "read":
                result.reports_read += record["count"]
        result.writer_retries += err.count("retrying")
    # The follower catches up what is left, then stops on SIGTERM.
    with psycopg.connect(db, autocommit=True) as connection:
        (head,) = connection.execute("SELECT max(notification_id) FROM ledger_events").fetchone()  # type: ignore[misc]
    deadline = time.monotonic() + 300
    while (samples[-1][1] if samples else 0) < head and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    sampler.join()
    follower.send_signal(signal.SIGTERM)
    _, result.follower_stderr = follower.communicate(timeout=120)
    assert follower.returncode == 0, result.follower_stderr
    result.latencies = _latencies(moments, samples)
    return result


def _sample(db: str, samples: list[tuple[float, int]], done: threading.Event) -> None:
    import psycopg

    while not done.is_set():
        try:
            with psycopg.connect(db, autocommit=True, connect_timeout=2) as connection:
                while not done.is_set():
                    row = connection.execute(
                        "SELECT position FROM projection_tracking WHERE projection = 'views'"
                    ).fetchone()
                    samples.append((time.time(), int(row[0]) if row else 0))
                    time.sleep(0.005)
        except psycopg.OperationalError:
            time.sleep(0.1)  # the primary is restarting


def _latencies(moments: list[tuple[float, int]], samples: list[tuple[float, int]]) -> list[float]:
    found = []
    for at, position in moments:
        seen = next((t for t, p in samples if p >= position and t >= at), None)
        if seen is not None:
            found.append(seen - at)
    return found


# -- the child processes ---------------------------------------------------------------------


def _writer(db: str, seconds: float, index: int) -> None:
    from ledger.application import IncidentLedger
    from ledger.interchange import report_fields, validate_report
    from ledger.store.config import resolve
    from ledger.store.errors import connection_lost

    store = resolve(db)
    ledger: IncidentLedger | None = None
    deadline = time.time() + seconds
    n = 0
    while time.time() < deadline:
        report = f"w{index}-r{n}"
        line = {
            "type": "claim",
            "incident": INCIDENT,
            "report": report,
            "by": f"Actor {n % 7}",
            "summary": f"Report {n} of writer {index}",
        }
        fields = report_fields(validate_report(line))
        validated = [(None, fields.pop("type"), fields)]
        try:
            ledger = ledger or IncidentLedger(store, lock_timeout=60)
            result = ledger.append(lambda v=validated: v, recorded_by=f"w{index}")
            at = time.time()
            position = _position_of(store, report) if result.added else None
        except Exception as e:
            if not connection_lost(e):
                raise
            print(f"writer {index}: {type(e).__name__}, retrying", file=sys.stderr)
            if ledger is not None:
                ledger.close()
            ledger = None
            time.sleep(0.2)
            continue  # the same report again: idempotent if it did commit
        print(
            json.dumps({"kind": "append", "report": report, "position": position, "at": at}),
            flush=True,
        )
        n += 1
    if ledger is not None:
        ledger.close()


def _position_of(store: StoreConfig, report: str) -> int:
    with store.connect_postgres(autocommit=True) as connection:
        (position,) = connection.execute(
            "SELECT e.notification_id FROM ledger_events e JOIN ledger_reports r "
            "ON r.incident = e.originator_id AND r.version = e.originator_version "
            "WHERE r.report = %s",
            [report],
        ).fetchone()
        return int(position)


def _reader(db: str, seconds: float, index: int) -> None:
    from ledger.store.config import resolve
    from projections.queries import report_rows

    store = resolve(db)
    deadline = time.time() + seconds
    count = 0
    while time.time() < deadline:
        report_rows(store, "claims", columns=["report", "status"])
        count += 1
    print(json.dumps({"kind": "read", "count": count}), flush=True)


if __name__ == "__main__":
    role, db, seconds, index = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    (_writer if role == "writer" else _reader)(db, seconds, index)
