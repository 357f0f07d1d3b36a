"""On PostgreSQL a command holds at most two connections, and an import whose transaction
waits longer than the library's idle-in-transaction timeout still commits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import _admin_connect

pytestmark = pytest.mark.postgres

LEDGER = str(Path(sys.executable).parent / "ledger")
INCIDENTS = 20
CLAIMS = 10


class ConnectionCount:
    """The most psycopg connections open at once in this process (the library's pool, the
    projector's own and SQLAlchemy's all come through `psycopg.Connection.connect`)."""

    def __init__(self) -> None:
        self.open: weakref.WeakSet[psycopg.Connection[Any]] = weakref.WeakSet()
        self.peak = 0

    def opened(self, connection: psycopg.Connection[Any]) -> None:
        self.open.add(connection)
        self.peak = max(self.peak, sum(1 for c in list(self.open) if not c.closed))


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConnectionCount]:
    count = ConnectionCount()
    original = psycopg.Connection.connect.__func__  # type: ignore[attr-defined]

    def connect(cls: Any, *args: Any, **kwargs: Any) -> Any:
        connection = original(cls, *args, **kwargs)
        count.opened(connection)
        return connection

    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(connect))
    # `psycopg.connect` is the class method as bound when psycopg was imported.
    monkeypatch.setattr(psycopg, "connect", psycopg.Connection.connect)
    yield count


def _lines(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _incidents(path: Path) -> Path:
    lines: list[dict[str, Any]] = []
    for i in range(INCIDENTS):
        lines.append({"type": "incident", "incident": f"inc-{i}", "title": f"Incident {i}"})
        lines += [
            {
                "type": "claim",
                "incident": f"inc-{i}",
                "report": f"inc-{i}-c{j}",
                "by": "Claimant",
                "summary": "Said something",
            }
            for j in range(CLAIMS)
        ]
    return _lines(path, lines)


def _denials(path: Path) -> Path:
    """One denial into each existing incident: the import loads every one of them."""
    return _lines(
        path,
        [
            {
                "type": "denial",
                "incident": f"inc-{i}",
                "report": f"inc-{i}-d",
                "by": "Denier",
                "refers_to": [f"inc-{i}-c0"],
                "summary": "Denied",
            }
            for i in range(INCIDENTS)
        ],
    )


def _invoke(db: str, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["import", "{denials}"],
        ["claim", "inc-3", "--report", "typed", "--by", "X", "--summary", "S"],
        ["show", "inc-3"],
        ["report", "claims", "--format", "json"],
        ["project", "--rebuild"],
    ],
    ids=["import", "claim", "show", "report", "rebuild"],
)
def test_a_command_holds_at_most_two_connections(
    pg_url: str, tmp_path: Path, connections: ConnectionCount, command: list[str]
) -> None:
    _invoke(pg_url, "import", str(_incidents(tmp_path / "incidents.jsonl")))
    denials = str(_denials(tmp_path / "denials.jsonl"))
    connections.peak = 0
    _invoke(pg_url, *(arg.format(denials=denials) for arg in command))
    assert 1 <= connections.peak <= 2, f"{connections.peak} connections at once"


def test_an_import_idle_in_its_transaction_past_the_librarys_timeout_still_commits(
    pg_url: str, tmp_path: Path
) -> None:
    _invoke(pg_url, "import", str(_incidents(tmp_path / "incidents.jsonl")))
    dbname = pg_url.rpartition("/")[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env |= {
        "LEDGER_DB": pg_url,
        # The library's session setting (5 s by default), at its smallest.
        "INCIDENTLEDGER_POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "1",
        # Before its first insert: after an executemany, PostgreSQL (15) no longer times out
        # an idle transaction, so it was the loading before that which the timeout cut short.
        "LEDGER_STOP_AT": "append.loaded",
    }
    process = subprocess.Popen(
        [LEDGER, "import", str(_denials(tmp_path / "denials.jsonl"))],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), "the import ended without loading an incident"
    # The import's transaction is idle now (its process is stopped) while it loads the
    # incidents it touches. Wait until the server has ended the session, or until it has sat
    # idle for three times the library's timeout: whichever comes first, however slow the
    # machine.
    with _admin_connect() as admin:
        while True:
            rows = admin.execute(
                "SELECT clock_timestamp() - state_change > interval '3 s' FROM pg_stat_activity "
                "WHERE datname = %s AND state = 'idle in transaction'",
                [dbname],
            ).fetchall()
            if not rows or rows[0][0]:
                break
            admin.execute("SELECT pg_sleep(0.1)")
    process.send_signal(signal.SIGCONT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    result = CliRunner().invoke(app, ["--db", pg_url, "show", "inc-7", "--format", "json"])
    assert "inc-7-d" in result.stdout
