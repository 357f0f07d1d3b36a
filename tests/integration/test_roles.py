"""Least privilege on PostgreSQL: what the writer, projector and reader roles are refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.store.config import resolve
from tests.conftest import EXAMPLE, _admin_connect

pytestmark = pytest.mark.postgres


@pytest.fixture
def logins(pg_url: str) -> Iterator[dict[str, str]]:
    """One login role per group role, for this test only; returns role -> database URL."""
    runner = CliRunner()
    assert runner.invoke(app, ["--db", pg_url, "import", str(EXAMPLE)]).exit_code == 0
    result = runner.invoke(app, ["--db", pg_url, "db", "roles"])
    assert result.exit_code == 0, result.output
    suffix = uuid.uuid4().hex[:8]
    names = {group: f"{group}_{suffix}" for group in ("writer", "projector", "reader")}
    base, _, dbname = pg_url.rpartition("/")
    with _admin_connect() as admin:
        for group, name in names.items():
            admin.execute(f"CREATE ROLE {name} LOGIN IN ROLE ledger_{group}")
    host = base.split("@", 1)[1]
    yield {group: f"postgresql://{name}@{host}/{dbname}" for group, name in names.items()}
    with _admin_connect() as admin:
        for name in names.values():
            admin.execute(f"DROP ROLE IF EXISTS {name}")  # owns nothing: grants are to groups


def _refused(url: str, statement: str) -> bool:
    store = resolve(url)
    with psycopg.connect(
        host=store.host, port=store.port, user=store.user, dbname=store.dbname, autocommit=True
    ) as connection:
        try:
            connection.execute(statement)  # type: ignore[arg-type]
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.RaiseException):
            return True
    return False


def _cli(url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", url, "--as", "tester", *args])
    return result.exit_code, result.output


def test_the_writer_appends_but_can_neither_change_the_log_nor_write_views(
    logins: dict[str, str],
) -> None:
    writer = logins["writer"]
    code, output = _cli(
        writer,
        "claim",
        "deir-ez-zor-shelling-2017-09",
        "--by",
        "X",
        "--summary",
        "Something",
        "--report",
        "by-writer",
    )
    # Check the append succeeded, and the views were left to the projector with a warning.
    assert code == 0, output
    assert "may not update the projections" in output
    for statement in (
        "UPDATE ledger_events SET topic = 'x'",
        "DELETE FROM ledger_events",
        "TRUNCATE ledger_events",
        "DELETE FROM ledger_reports",
        "INSERT INTO claims (report) VALUES ('x')",
        "DELETE FROM incidents",
    ):
        assert _refused(writer, statement), statement


def test_the_projector_writes_only_the_views(logins: dict[str, str]) -> None:
    projector = logins["projector"]
    _cli(
        logins["writer"],
        "claim",
        "deir-ez-zor-shelling-2017-09",
        "--by",
        "X",
        "--summary",
        "Something",
        "--report",
        "by-writer",
        "--no-project",
    )
    code, output = _cli(projector, "project")
    assert code == 0, output
    assert "applied 1 report(s) and 0 actor line(s)" in output
    for statement in (
        "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
        "VALUES ('x', 1, 't', 'x')",
        "UPDATE ledger_events SET topic = 'x'",
        "DELETE FROM ledger_reports",
    ):
        assert _refused(projector, statement), statement


def test_the_reader_only_reads_the_views(logins: dict[str, str]) -> None:
    reader = logins["reader"]
    code, output = _cli(reader, "report", "claims", "--format", "csv", "--columns", "report,status")
    assert code == 0, output
    assert "mod-shelling,disputed" in output
    # Check the SQL views over the tables read too, with the actor filter that uses one.
    code, output = _cli(
        reader, "report", "provenance", "--actor", "Syrian Democratic Forces", "--format", "csv"
    )
    assert code == 0, output
    assert "sdf-shelling-denial,0," in output
    for statement in (
        "SELECT * FROM ledger_events",
        "DELETE FROM claims",
        "INSERT INTO incidents (incident) VALUES ('x')",
    ):
        assert _refused(reader, statement), statement
    code, output = _cli(
        reader, "claim", "deir-ez-zor-shelling-2017-09", "--by", "X", "--summary", "S"
    )
    assert code == 1
    assert "permission denied" in output
    assert "Traceback" not in output
