"""A refused write leaves nothing behind: no new ledger file, no schema in someone else's
SQLite database; and a damaged file is one line, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_REFUSED
from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS

CLAIM_ON_NO_INCIDENT = '{"type":"claim","incident":"nowhere","by":"A","summary":"S"}\n'


def _run(db: Path, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["--db", str(db), "--as", "tester", *args], input=input)


@pytest.mark.parametrize("how", ["import", "append"])
def test_a_refused_first_write_leaves_no_file_and_no_folder_behind(
    tmp_path: Path, how: str
) -> None:
    db = tmp_path / "new" / "folder" / "ledger.db"
    source = tmp_path / "lines.jsonl"
    source.write_text(CLAIM_ON_NO_INCIDENT)
    args = ("import", str(source)) if how == "import" else ("append",)
    result = _run(db, *args, input=CLAIM_ON_NO_INCIDENT)
    assert result.exit_code == EXIT_REFUSED
    assert "incident 'nowhere' does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lines.jsonl"]


def test_a_first_write_that_succeeds_creates_the_whole_ledger_under_its_name(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new" / "ledger.db"
    assert _run(db, "-q", "import", str(EXAMPLE)).exit_code == EXIT_OK
    # Check the file alone holds every event (its WAL folded in) and nothing else is left.
    assert sorted(p.name for p in db.parent.iterdir()) == ["ledger.db"]
    assert _run(db, "verify").stdout == (
        f"verified: {EXAMPLE_EVENTS} event(s) in 2 incident(s) and {EXAMPLE_ACTORS} actor(s), "
        "0 seal(s)\n"
    )
    assert "mod-shelling" in _run(db, "report", "claims", "-f", "csv").stdout


@pytest.mark.parametrize(
    "args", [("import", str(EXAMPLE)), ("init",), ("open", "x", "--title", "X"), ("project",)]
)
def test_a_sqlite_database_that_is_not_a_ledger_is_left_untouched(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "other.db"
    with sqlite3.connect(db) as connection:
        connection.execute("CREATE TABLE foo (x)")
        connection.execute("INSERT INTO foo VALUES (1)")
    connection.close()
    before = db.read_bytes()
    result = _run(db, *args)
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == (
        f"error: {db} is a SQLite database but not a ledger (it holds table 'foo'); "
        "refusing to change it\n"
    )
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]


@pytest.mark.parametrize(
    "args",
    [("report", "html", "-o", "-"), ("verify",), ("report", "claims"), ("audit", "mod-shelling")],
)
def test_a_truncated_ledger_file_is_one_line_not_a_traceback(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    whole = tmp_path / "whole.db"
    assert _run(whole, "-q", "import", str(EXAMPLE)).exit_code == EXIT_OK
    truncated = tmp_path / "truncated.db"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    result = _run(truncated, *args)
    assert result.exit_code == EXIT_REFUSED, result.output
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [("seal",), ("project",), ("project", "--rebuild")])
def test_seal_and_project_on_a_mistyped_path_create_no_ledger(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    db = tmp_path / "ledgr.db"
    result = _run(db, *args)
    # Check: refused as the readers refuse it, and no file is left (no empty ledger, no seal
    # over nothing) for the user to mistake for theirs.
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == (
        f"error: {db} holds no ledger yet: run 'ledger init' "
        "(or 'ledger import FILE', which creates one)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_demo_refuses_a_ledger_holding_other_incidents_and_writes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "mine.db"
    assert _run(db, "open", "my-incident", "--title", "Mine").exit_code == EXIT_OK
    result = _run(db, "demo")
    # Check: exit 2, one line naming the remedy, and the log as it was (one event).
    assert result.exit_code == EXIT_BAD_INPUT
    assert result.stderr == (
        f"error: {db} already holds other incidents or actors, and nothing leaves the log: "
        "load the worked example into a new ledger (ledger --db demo.db demo)\n"
    )
    assert _run(db, "verify").stdout == "verified: 1 event(s) in 1 incident(s), 0 seal(s)\n"


def test_demo_loads_into_a_new_ledger_and_again_into_its_own_adding_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "demo.db"
    assert _run(db, "demo").exit_code == EXIT_OK
    assert _run(db, "seal").exit_code == EXIT_OK  # a seal is not another incident
    again = _run(db, "demo")
    assert again.exit_code == EXIT_OK, again.stderr
    assert f"{EXAMPLE_EVENTS} already recorded" in again.stderr
