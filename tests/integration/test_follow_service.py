"""`ledger project --follow` as a service on a primary of our own: woken by each append's NOTIFY,
through a server restart (one line per event on stderr), stopped cleanly by SIGTERM; and
`ledger project --status` as its health check, on the primary and on the standby."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.standby import Cluster, create_database

pytestmark = pytest.mark.postgres

LEDGER = str(Path(sys.executable).parent / "ledger")
TIMEOUT_S = 60.0  # generous: only a failure waits this long
INCIDENT = "follow-service-incident"


class Lines:
    """A process's stderr, read line by line on a thread, so a test can wait for a line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        assert process.stderr is not None
        self._thread = threading.Thread(target=self._read, args=(process.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, fragment: str, after: int = 0) -> int:
        """The index of the first line from `after` on holding `fragment`."""
        deadline = time.monotonic() + TIMEOUT_S
        with self._changed:
            while True:
                for index in range(after, len(self.lines)):
                    if fragment in self.lines[index]:
                        return index
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line with {fragment!r} in {self.lines}")
                self._changed.wait(left)


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DB"] = db
    env["LEDGER_USER"] = "tester"
    return env


def _ledger(db: str, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LEDGER, *args], env=_env(db), input=input, capture_output=True, text=True, timeout=120
    )


def _append_unprojected(db: str, report: str) -> None:
    """Append one claim without projecting it, as a writer role does."""
    line = {"type": "claim", "incident": INCIDENT, "report": report, "by": "A", "summary": "S"}
    done = _ledger(db, "append", "--no-project", input=json.dumps(line) + "\n")
    assert done.returncode == 0, done.stderr


def _wait_until_projected(db: str, report: str) -> None:
    """Poll the views (not a fixed sleep) until they hold the report."""
    import psycopg

    deadline = time.monotonic() + TIMEOUT_S
    with psycopg.connect(db, autocommit=True) as connection:
        while time.monotonic() < deadline:
            found = connection.execute("SELECT 1 FROM claims WHERE report = %s", [report])
            if found.fetchone():
                return
            time.sleep(0.02)
    raise AssertionError(f"{report} never reached the views")


@pytest.fixture
def ledger_db(cluster: Cluster) -> Iterator[str]:
    name = f"follow_{uuid.uuid4().hex[:8]}"
    create_database(cluster, name)
    url = cluster.primary.url(name)
    line = {"type": "incident", "incident": INCIDENT, "title": "T"}
    done = _ledger(url, "append", input=json.dumps(line) + "\n")
    assert done.returncode == 0, done.stderr
    yield url


def test_follower_is_woken_by_appends_survives_a_restart_and_stops_on_sigterm(
    cluster: Cluster, ledger_db: str
) -> None:
    # An hour between polls: only a notification can bring an append into the views in time.
    follower = subprocess.Popen(
        [LEDGER, "project", "--follow", "--interval", "3600"],
        env=_env(ledger_db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    stderr = Lines(follower)
    try:
        stderr.wait_for("following the log")
        # Check: an append reaches the views without waiting for a poll.
        _append_unprojected(ledger_db, "before-restart")
        _wait_until_projected(ledger_db, "before-restart")
        healthy = _ledger(ledger_db, "project", "--status")
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
        assert "follower: connected" in healthy.stdout
        assert "lag: 0 event(s)" in healthy.stdout

        # Check: the server restarts; the follower says it lost the connection and when it
        # retries, then that it reconnected, one line each, and catches up what came meanwhile.
        cluster.pg_ctl(cluster.primary, "restart", "-m", "fast")
        lost = stderr.wait_for("lost connection to")
        assert "retrying in 1s" in stderr.lines[lost]
        _append_unprojected(ledger_db, "after-restart")
        stderr.wait_for("reconnected", after=lost)
        _wait_until_projected(ledger_db, "after-restart")
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(timeout=TIMEOUT_S)
    # Check it stopped cleanly on SIGTERM, saying so, without a traceback.
    stderr._thread.join(TIMEOUT_S)
    assert follower.returncode == 0, stderr.lines
    assert stderr.lines[-1] == "stopped"
    assert not any("Traceback" in line for line in stderr.lines)
    # Check the restart cost one "lost" line per failed attempt and one "reconnected".
    retries = [line for line in stderr.lines if line.startswith("lost connection")]
    assert len(retries) >= 1
    assert sum(line == "reconnected" for line in stderr.lines) == 1

    # Check: with no follower connected the health check fails (exit 1), saying why.
    unhealthy = _ledger(ledger_db, "project", "--status")
    assert unhealthy.returncode == 1
    assert "follower: none connected" in unhealthy.stdout
    assert unhealthy.stdout.splitlines()[-1].startswith("status: unhealthy")


def test_status_on_the_standby_reports_the_lag_it_replicates(
    cluster: Cluster, ledger_db: str
) -> None:
    _append_unprojected(ledger_db, "waiting")
    cluster.wait_for_replay(ledger_db.rsplit("/", 1)[1])
    standby = cluster.standby.url(ledger_db.rsplit("/", 1)[1])
    # Check: the standby's views lag by the one unprojected event; a lag within --max-lag is
    # healthy, and the follower is looked for on the primary, not here.
    status = _ledger(standby, "project", "--status", "--max-lag", "3600")
    assert status.returncode == 0, status.stdout + status.stderr
    assert "lag: 1 event(s)" in status.stdout
    assert "follower: not visible from a standby" in status.stdout
    # Check: once the event has waited longer than --max-lag, it is unhealthy.
    stale = _ledger(standby, "project", "--status", "--max-lag", "0")
    assert stale.returncode == 1
    assert "over --max-lag 0" in stale.stdout
