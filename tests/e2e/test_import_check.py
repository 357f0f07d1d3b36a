"""`ledger import --check FILE`: every bad line listed with its field, domain rules checked
against the ledger when there is one, and nothing written (not even a new ledger)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.store.config import resolve
from tests.conftest import EXAMPLE, EXAMPLE_EVENTS

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"


def _events(run_cli) -> int:  # type: ignore[no-untyped-def]
    return len(json.loads(run_cli("history", AIRSTRIKE, "--format", "json").output))


def _file(tmp_path: Path, *lines: str | dict) -> Path:  # type: ignore[type-arg]
    path = tmp_path / "reports.jsonl"
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    )
    return path


def _check(db: str, path: Path):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from cli.main import app

    return CliRunner().invoke(app, ["--db", db, "import", "--check", str(path)])


def test_a_good_file_checks_clean_and_creates_no_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    result = _check(str(db), EXAMPLE)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"checked {EXAMPLE_EVENTS} line(s) against a new ledger: {EXAMPLE_EVENTS} new, "
        "0 already there; nothing written"
    )
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.postgres
def test_a_good_file_checks_clean_and_creates_no_postgres_tables(pg_server: None) -> None:
    import uuid

    from tests.conftest import _admin_connect, _pg_url

    name = f"ledger_check_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        # A domain problem needs no ledger: a claim on an incident the file never opens.
        result = _check(_pg_url(name), EXAMPLE)
        assert result.exit_code == 0, result.output
        with psycopg_connect(_pg_url(name)) as connection:
            found = connection.execute(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
            ).fetchone()
        assert found == (0,)
    finally:
        with _admin_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def psycopg_connect(url: str):  # type: ignore[no-untyped-def]
    return resolve(url).connect_postgres(autocommit=True)


def test_every_bad_line_is_listed_with_its_field_and_nothing_is_written(
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    before = _events(run_cli)
    path = _file(
        tmp_path,
        *EXAMPLE.read_text().splitlines(),  # already there: fine
        {"type": "claim", "incident": AIRSTRIKE, "by": "", "summary": "x"},
        '{"type": "claim"',
        {"type": "claim", "incident": "nowhere", "by": "A", "summary": "x"},
        {"type": "denial", "incident": AIRSTRIKE, "by": "B", "summary": "no",
         "refers_to": ["ghost"]},
        # The worked example's first claim's id, with other content: an id clash.
        {"type": "claim", "incident": AIRSTRIKE, "report": "sdf-airstrike-claim", "by": "C",
         "summary": "different"},
        {"type": "claim", "incident": AIRSTRIKE, "by": "D", "summary": "fine", "report": "new-1"},
        {"type": "denial", "incident": AIRSTRIKE, "by": "E", "summary": "no",
         "refers_to": ["new-1"]},
    )  # fmt: skip
    result = run_cli("import", "--check", str(path))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert (
        lines[0]
        == f"line {EXAMPLE_EVENTS + 1}, field 'by': string should have at least 1 character"
    )
    assert lines[1].startswith(f"line {EXAMPLE_EVENTS + 2}: not valid JSON")
    assert lines[2].startswith(f"line {EXAMPLE_EVENTS + 3}: incident 'nowhere' does not exist")
    assert (
        lines[3]
        == f"line {EXAMPLE_EVENTS + 4}: refers_to names report 'ghost', which is not in the ledger"
    )
    assert lines[4].startswith(f"line {EXAMPLE_EVENTS + 5}: ") and "sdf-airstrike-claim" in lines[4]
    assert lines[5] == f"error: 5 of {EXAMPLE_EVENTS + 7} line(s) are bad; nothing written"
    assert len(lines) == 6
    assert _events(run_cli) == before


def test_past_a_hundred_bad_lines_the_rest_are_counted(
    tmp_path: Path,
    run_cli,  # type: ignore[no-untyped-def]
) -> None:
    path = _file(tmp_path, *["not json"] * 250)
    result = run_cli("import", "--check", str(path))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 102
    assert lines[99].startswith("line 100: not valid JSON")
    assert lines[100] == "... and 150 more bad line(s)"
    assert lines[101] == "error: 250 of 250 line(s) are bad; nothing written"


def test_standard_input_is_checked_too(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("import", "--check", "-", input=EXAMPLE.read_text() + "[]\n")
    assert result.exit_code == 2
    assert result.output.splitlines()[0].startswith(f"line {EXAMPLE_EVENTS + 1}: ")
