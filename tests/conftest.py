"""Shared fixtures: one parametrised `backend` fixture runs storage tests on SQLite and PostgreSQL.

PostgreSQL tests use a throwaway database per test, cloned from a migrated template, on the
server named by LEDGER_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test). Where no
server answers they skip with the reason, except in CI (CI=true), where they fail: CI must run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_ADMIN_URL = os.environ.get("LEDGER_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "deir-ez-zor-2017.jsonl"
# What the worked example holds, counted from the file: its actor registry's lines come first,
# then the incidents and their reports (an incident line counts as a report when imported).
_EXAMPLE_TYPES = [json.loads(line)["type"] for line in EXAMPLE.read_text("utf-8").splitlines()]
EXAMPLE_ACTORS = _EXAMPLE_TYPES.count("actor")
EXAMPLE_EVENTS = len(_EXAMPLE_TYPES)
EXAMPLE_REPORTS = EXAMPLE_EVENTS - EXAMPLE_ACTORS
EXAMPLE_IMPORTED = (
    f"added {EXAMPLE_REPORTS} report(s) to 2 incident(s) and {EXAMPLE_ACTORS} line(s) to "
    f"{EXAMPLE_ACTORS} actor(s); 0 already recorded"
)


def example_reports_only(folder: Path) -> Path:
    """The worked example without its registry's actor lines, written into `folder`: for tests
    that pin the incidents' events at positions 1-12 (the names then resolve as in version 1)."""
    path = folder / "deir-ez-zor-2017-reports.jsonl"
    path.write_text(
        "".join(
            line + "\n"
            for line in EXAMPLE.read_text(encoding="utf-8").splitlines()
            if json.loads(line)["type"] != "actor"
        ),
        encoding="utf-8",
    )
    return path


_TEMPLATE = f"ledger_tmpl_{os.getpid()}"


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    from ledger.store.config import resolve

    admin = resolve(PG_ADMIN_URL)
    return psycopg.connect(
        host=admin.host,
        port=admin.port,
        user=admin.user,
        dbname=admin.dbname,
        password=admin.password or None,
        autocommit=True,
        connect_timeout=3,
    )


def _pg_url(dbname: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{dbname}"


@pytest.fixture(scope="session")
def pg_server() -> None:
    """The PostgreSQL server answers at PG_ADMIN_URL: a test that needs it and asks for no
    database of ours (it makes its own) requests this, to skip with the reason when none does
    (to fail in CI), rather than to error on its first connection. Not applied to every test
    marked `postgres`: the standby, promotion and follow-service tests start clusters of their
    own (initdb on spare ports) and run without this server (21 of them would skip)."""
    try:
        _admin_connect().close()
    except Exception as e:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must be reachable in CI at {PG_ADMIN_URL}: {e}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_ADMIN_URL}: {e}")


@pytest.fixture(scope="session")
def pg_template(pg_server: None) -> Iterator[str]:
    """A migrated template database; each test gets a fresh copy of it."""
    from ledger.store.config import resolve
    from ledger.store.migrate import upgrade

    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"')
        connection.execute(f'CREATE DATABASE "{_TEMPLATE}"')
    upgrade(resolve(_pg_url(_TEMPLATE)))
    yield _TEMPLATE
    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for one test."""
    name = f"ledger_test_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    yield _pg_url(name)
    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh, migrated SQLite ledger file for one test."""
    from ledger.store.config import resolve
    from ledger.store.migrate import upgrade

    path = tmp_path / "ledger.db"
    upgrade(resolve(str(path)))
    return str(path)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated ledger database on each backend."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def ledger(db_url: str) -> Iterator[object]:
    """An IncidentLedger application on a fresh database (both backends)."""
    from ledger.application import IncidentLedger
    from ledger.store.config import resolve

    app = IncidentLedger(resolve(db_url), lock_timeout=10)
    yield app
    app.close()


def read_lines(path: Path = EXAMPLE):  # type: ignore[no-untyped-def]
    """A re-iterable source of validated lines from a JSON Lines file (for `ledger.append`)."""
    from ledger.interchange import parse_line, report_fields

    def lines():  # type: ignore[no-untyped-def]
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if raw.strip():
                    fields = report_fields(parse_line(raw, number))
                    yield number, fields.pop("type"), fields

    return lines


def lines_of(*dicts: dict) -> object:  # type: ignore[type-arg]
    """A re-iterable source of validated lines from dicts (for `ledger.append`)."""
    from ledger.interchange import report_fields, validate_report

    validated = []
    for number, data in enumerate(dicts, start=1):
        fields = report_fields(validate_report(data, number))
        validated.append((number, fields.pop("type"), fields))
    return lambda: list(validated)


@pytest.fixture
def run_cli(db_url: str):  # type: ignore[no-untyped-def]
    """Invoke the real Typer app in-process against the test database; returns the Result."""
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(app, ["--db", db_url, "--as", "tester", *args], input=input)

    return invoke


def modules_imported(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run the installed `ledger` script under `-X importtime`: its result, and every module it
    imported (importtime logs each one the moment it is first imported, lazily or not)."""
    ledger = str(Path(sys.executable).parent / "ledger")
    result = subprocess.run(
        [sys.executable, "-X", "importtime", ledger, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    return result, modules
