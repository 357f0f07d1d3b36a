"""Commands that write a file (`report html -o`, `keygen`) never write over the ledger's own
files, nor any SQLite database, and replace another existing file only with --force: a refusal
is one line, exit 2, with nothing written."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import EXIT_BAD_INPUT, EXIT_OK
from tests.conftest import EXAMPLE


def _run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", str(db), "--as", "tester", *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    assert _run(path, "-q", "import", str(EXAMPLE)).exit_code == EXIT_OK
    return path


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _assert_refused(result: Result, *words: str) -> None:
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")
    for word in words:
        assert word in result.stderr


@pytest.mark.parametrize(
    "name", ["ledger.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-journal"]
)
def test_report_html_refuses_to_write_over_the_ledgers_own_files(db: Path, name: str) -> None:
    (db.parent / "ledger.db-journal").write_bytes(b"")  # so that each name exists
    before = _files(db.parent)
    # Check --force does not lift the refusal: these files are the ledger.
    result = _run(db, "report", "html", "-o", str(db.parent / name), "--force")
    _assert_refused(result, "ledger's own files")
    assert _files(db.parent) == before
    assert _run(db, "verify").exit_code == EXIT_OK


def test_report_html_refuses_a_file_the_ledger_keeps_beside_it_before_it_exists(
    db: Path,
) -> None:
    for target in (db.parent / "ledger.db.evidence", db.parent / "ledger.db.evidence" / "a.html"):
        result = _run(db, "report", "html", "-o", str(target))
        _assert_refused(result, "ledger's own files")
        assert not target.exists()


def test_report_html_refuses_the_ledger_under_another_name(db: Path) -> None:
    _run(db, "-q", "project")  # settle the WAL into the file, so links see the whole ledger
    (db.parent / "symlink.html").symlink_to(db)
    os.link(db, db.parent / "hardlink.html")
    relative = os.path.relpath(db, Path.cwd())
    for target in ("symlink.html", "hardlink.html"):
        result = _run(db, "report", "html", "-o", str(db.parent / target), "--force")
        _assert_refused(result, "ledger's own files")
    _assert_refused(_run(db, "report", "html", "-o", relative, "--force"), "ledger's own files")
    assert _run(db, "verify").exit_code == EXIT_OK


def test_report_html_refuses_any_sqlite_database_even_with_force(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    assert _run(other, "-q", "init").exit_code == EXIT_OK
    before = other.read_bytes()
    _assert_refused(_run(db, "report", "html", "-o", str(other), "--force"), "SQLite database")
    assert other.read_bytes() == before


def test_report_html_replaces_another_existing_file_only_with_force(
    db: Path, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text("an older page")
    _assert_refused(_run(db, "report", "html", "-o", str(page)), "already exists", "--force")
    assert page.read_text() == "an older page"
    assert _run(db, "report", "html", "-o", str(page), "--force").exit_code == EXIT_OK
    assert page.read_text().startswith("<!DOCTYPE html>")
    # Check no temporary file is left beside it.
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_keygen_refuses_the_ledgers_own_files_and_existing_keys_without_force(
    db: Path, tmp_path: Path
) -> None:
    before = _files(tmp_path)
    wal = str(db) + "-wal"
    _assert_refused(_run(db, "keygen", wal, str(tmp_path / "k.pub")), "ledger's own files")
    _assert_refused(_run(db, "keygen", str(tmp_path / "k.key"), str(db), "--force"), "own files")
    assert _files(tmp_path) == before
    private, public = tmp_path / "k.key", tmp_path / "k.pub"
    assert _run(db, "keygen", str(private), str(public)).exit_code == EXIT_OK
    keys = private.read_bytes(), public.read_bytes()
    _assert_refused(_run(db, "keygen", str(private), str(public)), "already exists")
    assert (private.read_bytes(), public.read_bytes()) == keys
    assert _run(db, "keygen", str(private), str(public), "--force").exit_code == EXIT_OK
    assert private.read_bytes() != keys[0]
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
