"""`ledger project --status` reports the last error the follower hit, which the follower writes
when a catch-up fails and deletes on its next success (issue 22: position, lag, last error)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.integration.test_follow_service import LEDGER, TIMEOUT_S, _env, _ledger

INCIDENT = "status-error-incident"


def _status(db: str) -> subprocess.CompletedProcess[str]:
    return _ledger(db, "project", "--status", "--max-lag", "86400")


def test_status_reports_the_followers_last_error_until_its_next_success(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    db = str(path)
    lines = [
        {"type": "incident", "incident": INCIDENT, "title": "T"},
        {"type": "claim", "incident": INCIDENT, "report": "c1", "by": "A", "summary": "S"},
    ]
    done = _ledger(
        db, "import", "--no-project", "-", input="".join(json.dumps(line) + "\n" for line in lines)
    )
    assert done.returncode == 0, done.stderr
    first = _status(db)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "last error: none" in first.stdout

    # A fault the follower cannot wait out: a view table gone. It records it and ends.
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE claims RENAME TO claims_away")
    failed = _ledger(db, "project", "--follow", "--interval", "0.2")
    assert failed.returncode != 0
    status = _status(db)
    assert status.returncode == 1, status.stdout
    error = next(line for line in status.stdout.splitlines() if line.startswith("last error:"))
    assert "claims" in error and "views at position 0" in error, status.stdout
    assert "the follower's last catch-up failed" in status.stdout.splitlines()[-1]

    # Repaired, a follower's first successful catch-up deletes the error.
    with sqlite3.connect(path) as connection:
        connection.execute("ALTER TABLE claims_away RENAME TO claims")
    follower = subprocess.Popen(
        [LEDGER, "project", "--follow", "--interval", "0.2"],
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while "last error: none" not in (status := _status(db)).stdout:
            assert time.monotonic() < deadline, status.stdout
            time.sleep(0.2)
        assert status.returncode == 0, status.stdout
        assert "lag: 0 event(s)" in status.stdout
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=TIMEOUT_S)
