"""Many writers at once (real processes): nothing lost, nothing duplicated, chains unbroken."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.application import IncidentLedger
from ledger.fold import fold
from ledger.records import to_record
from ledger.store.config import resolve
from tests.conftest import ROOT

WRITERS = 8
REPORTS = 60


def _run_writers(db_url: str, mode: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.integration.concurrent_writer",
                db_url,
                str(w),
                str(REPORTS),
                mode,
            ],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    for process in processes:
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, stderr


def _views(db_url: str, runner: CliRunner) -> dict[str, list[dict[str, object]]]:
    out = {}
    for name in ("claims", "disputes", "actors", "incidents"):
        result = runner.invoke(app, ["--db", db_url, "report", name, "--format", "json"])
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)
        for row in rows:
            row.pop("last_recorded_at", None)
        out[name] = rows
    return out


@pytest.mark.parametrize("mode", ["shared", "own"])
def test_eight_writers_record_every_report_exactly_once_with_gap_free_chains(
    db_url: str, mode: str
) -> None:
    runner = CliRunner()
    if mode == "shared":
        opened = runner.invoke(app, ["--db", db_url, "open", "shared-incident", "--title", "T"])
        assert opened.exit_code == 0, opened.output

    _run_writers(db_url, mode)

    ledger = IncidentLedger(resolve(db_url))
    incidents = ["shared-incident"] if mode == "shared" else [f"writer-{w}" for w in range(WRITERS)]
    total = 0
    for slug in incidents:
        events = ledger.positioned_events(slug)
        # Check versions are 1..N with no gap, and every prev_hash links to the previous hash.
        assert [e.originator_version for _, e in events] == list(range(1, len(events) + 1))
        assert all(b.prev_hash == a.hash for (_, a), (_, b) in itertools.pairwise(events))
        total += len(events) - 1
    # Check every report was recorded exactly once.
    reports = [
        to_record(n.id, ledger.decode(n))["report"]
        for batch in ledger.iter_notifications()
        for n in batch
    ]
    assert len(reports) == len(set(reports))
    assert total == WRITERS * REPORTS
    expected = {f"w{w}-r{n}" for w in range(WRITERS) for n in range(REPORTS)}
    assert expected <= set(reports)

    # Check the log verifies, and the incrementally built views equal a rebuild and the fold.
    verified = runner.invoke(app, ["--db", db_url, "verify"])
    assert verified.exit_code == 0, verified.output
    assert runner.invoke(app, ["--db", db_url, "project"]).exit_code == 0
    incremental = _views(db_url, runner)
    assert runner.invoke(app, ["--db", db_url, "project", "--rebuild"]).exit_code == 0
    assert _views(db_url, runner) == incremental
    records = [to_record(n.id, ledger.decode(n)) for b in ledger.iter_notifications() for n in b]
    claims = {r["report"]: r["status"] for r in fold(records)["claims"]}
    assert {r["report"]: r["status"] for r in incremental["claims"]} == claims
    assert sum(1 for s in claims.values() if s == "disputed") == WRITERS * (REPORTS // 4)
    ledger.close()


def test_a_writer_waiting_too_long_for_the_lock_gets_one_clear_line(sqlite_url: str) -> None:
    import sqlite3

    blocker = sqlite3.connect(sqlite_url, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock and does not let go
    try:
        result = CliRunner().invoke(
            app, ["--db", sqlite_url, "--lock-timeout", "1", "open", "x", "--title", "T"]
        )
    finally:
        blocker.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "locked by another writer for more than 1 s" in result.output
    assert "Traceback" not in result.output
    assert Path(sqlite_url).exists()
