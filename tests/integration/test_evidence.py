"""The evidence store through the CLI, on both backends (issue 20, item 1): attach and give
back, idempotent re-attach, verify on a tampered, truncated and missing stored file, bad input
that writes and stores nothing, export --with-evidence, and the output guard."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK, EXIT_REFUSED
from tests.conftest import EXAMPLE

INCIDENT = "deir-ez-zor-shelling-2017-09"
Run = Callable[..., Result]


@pytest.fixture
def store_dir(db_url: str, tmp_path: Path) -> Path:
    """Where the evidence goes: beside a SQLite ledger file, a folder of its own on PostgreSQL
    (which has no "beside")."""
    if db_url.startswith("postgresql"):
        return tmp_path / "evidence-store"
    return Path(db_url + ".evidence")


@pytest.fixture
def run(db_url: str, store_dir: Path) -> Run:
    """The CLI on the test ledger (the example imported), with --evidence-dir on PostgreSQL."""
    extra = ["--evidence-dir", str(store_dir)] if db_url.startswith("postgresql") else []
    uses_store = {"attach", "evidence", "verify", "export"}

    def invoke(*args: str) -> Result:
        more = extra if args and args[0] in uses_store else []
        return CliRunner().invoke(app, ["--db", db_url, "--as", "tester", *args, *more])

    assert run_plain(db_url, "-q", "import", str(EXAMPLE)).exit_code == EXIT_OK
    return invoke


def run_plain(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db_url, "--as", "tester", *args])


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    path = tmp_path / "strike.mp4"
    path.write_bytes(os.urandom(3 * (1 << 20) + 12_345))  # more than one 1 MiB chunk
    return path


def _events(run: Run) -> int:
    result = run("export", "--format", "events")
    assert result.exit_code == EXIT_OK, result.output
    return len(result.stdout.splitlines())


def _objects(store: Path) -> list[Path]:
    return sorted(p for p in store.rglob("*") if p.is_file())


def _attach(run: Run, clip: Path, *more: str) -> str:
    result = run("attach", INCIDENT, str(clip), "--supports", "mod-shelling", *more)
    assert result.exit_code == EXIT_OK, result.output
    return result.stdout.strip()


def _one_line_error(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ")


def test_attach_stores_the_file_once_and_gives_it_back(
    run: Run, clip: Path, store_dir: Path, tmp_path: Path
) -> None:
    import hashlib

    report = _attach(run, clip, "--title", "Strike video", "--captured-at", "2017-09-21")
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    stored = store_dir / "sha256" / digest[:2] / digest
    assert _objects(store_dir) == [stored]
    assert stored.read_bytes() == clip.read_bytes()
    assert not stat.S_IMODE(stored.stat().st_mode) & 0o222  # write-once: read-only
    listed = run("evidence", "--list", "--format", "json")
    assert listed.exit_code == EXIT_OK, listed.output
    (row,) = json.loads(listed.stdout)
    assert row["report"] == report and row["sha256"] == digest
    assert row["bytes"] == clip.stat().st_size and row["media_type"] == "video/mp4"
    assert row["kind"] == "video" and row["supports"] == ["mod-shelling"] and row["stored"]
    out = tmp_path / "back.mp4"
    given = run("evidence", report, "-o", str(out))
    assert given.exit_code == EXIT_OK, given.output
    assert out.read_bytes() == clip.read_bytes()
    assert run("verify").exit_code == EXIT_OK


def test_attaching_the_same_file_again_adds_and_stores_nothing(
    run: Run, clip: Path, store_dir: Path
) -> None:
    _attach(run, clip)
    events, objects = _events(run), _objects(store_dir)
    again = run("attach", INCIDENT, str(clip), "--supports", "mod-shelling")
    assert again.exit_code == EXIT_OK, again.output
    assert again.stdout == "" and "already recorded" in again.stderr
    assert _events(run) == events
    assert _objects(store_dir) == objects


def test_the_same_bytes_under_another_report_share_one_object(
    run: Run, clip: Path, store_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.mp4"
    copy.write_bytes(clip.read_bytes())
    first = _attach(run, clip)
    second = _attach(run, copy, "--title", "Another copy")
    assert first != second
    assert len(_objects(store_dir)) == 1


def _stored(store_dir: Path) -> Path:
    (stored,) = _objects(store_dir)
    stored.chmod(0o644)  # the read-only mode is a guard, not a lock: tampering ignores it
    return stored


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("tampered", "altered"),
        ("truncated", "truncated"),
    ],
)
def test_verify_finds_a_tampered_or_truncated_stored_file(
    run: Run, clip: Path, store_dir: Path, damage: str, words: str
) -> None:
    _attach(run, clip)
    stored = _stored(store_dir)
    if damage == "tampered":
        data = bytearray(stored.read_bytes())
        data[1000] ^= 1
        stored.write_bytes(bytes(data))
    else:
        with stored.open("r+b") as handle:
            handle.truncate(1000)
    assert run("verify").exit_code == EXIT_INTEGRITY
    as_json = run("verify", "--format", "json")
    assert as_json.exit_code == EXIT_INTEGRITY
    findings = json.loads(as_json.stdout)["findings"]
    assert len(findings) == 1 and words in findings[0]["problem"]


def test_a_missing_stored_file_is_a_note_and_a_finding_only_when_required(
    run: Run, clip: Path, store_dir: Path
) -> None:
    _attach(run, clip)
    _stored(store_dir).unlink()
    result = run("verify")
    assert result.exit_code == EXIT_OK, result.output
    assert "note:" in result.stderr and "not in the evidence store" in result.stderr
    as_json = json.loads(run("verify", "--format", "json").stdout)
    assert as_json["ok"] and len(as_json["missing_evidence"]) == 1
    required = run("verify", "--require-evidence", "--format", "json")
    assert required.exit_code == EXIT_INTEGRITY, required.output
    (finding,) = json.loads(required.stdout)["findings"]
    assert "not in the evidence store" in finding["problem"]
    # Attaching the same file again appends nothing and puts the file back.
    again = run("attach", INCIDENT, str(clip), "--supports", "mod-shelling")
    assert again.exit_code == EXIT_OK and again.stdout == ""
    assert run("verify", "--require-evidence").exit_code == EXIT_OK


def test_evidence_with_only_a_url_needs_no_stored_file(run: Run) -> None:
    cited = run("cite", INCIDENT, "--kind", "video", "--url", "https://example.org/v.mp4")
    assert cited.exit_code == EXIT_OK, cited.output
    assert run("verify", "--require-evidence").exit_code == EXIT_OK
    (row,) = json.loads(run("evidence", "--list", "-f", "json").stdout)
    assert row["url"] == "https://example.org/v.mp4" and row["stored"] is False


def _view_rows(db_url: str) -> list[tuple[object, ...]]:
    from ledger.store.config import resolve

    config = resolve(db_url)
    sql = "SELECT report, incident, sha256, bytes, media_type, supports FROM evidence"
    if config.backend == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(config.sqlite_file)) as connection:
            return list(connection.execute(sql).fetchall())
    with config.connect_postgres() as connection:
        return list(connection.execute(sql).fetchall())


def test_the_evidence_view_holds_what_the_log_says(run: Run, db_url: str, clip: Path) -> None:
    import hashlib

    report = _attach(run, clip)
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    expected = (report, INCIDENT, digest, clip.stat().st_size, "video/mp4", '["mod-shelling"]')
    assert _view_rows(db_url) == [expected]
    assert run("verify", "--views").exit_code == EXIT_OK
    # A correction of its hash is what the view shows, and what verify then looks for.
    corrected = run(
        "correct", INCIDENT, "--refers-to", report, "--reason", "wrong file",
        "--change", f"sha256={'a' * 64}",
    )  # fmt: skip
    assert corrected.exit_code == EXIT_OK, corrected.output
    assert _view_rows(db_url)[0][2] == "a" * 64
    assert run("verify", "--require-evidence").exit_code == EXIT_INTEGRITY


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("no-such-incident", "{clip}"), EXIT_REFUSED),
        ((INCIDENT, "{clip}", "--supports", "no-such-report"), EXIT_REFUSED),
        ((INCIDENT, "{clip}", "--contradicts", "no-such-report"), EXIT_REFUSED),
        ((INCIDENT, "{missing}"), EXIT_BAD_INPUT),
        ((INCIDENT, "{folder}"), EXIT_BAD_INPUT),
        ((INCIDENT, "{clip}", "--url", "ftp://example.org/v.mp4"), EXIT_BAD_INPUT),
        ((INCIDENT, "{clip}", "--captured-at", "yesterday"), EXIT_BAD_INPUT),
    ],
)
def test_bad_input_writes_nothing_and_stores_nothing(
    run: Run, clip: Path, store_dir: Path, tmp_path: Path, args: tuple[str, ...], code: int
) -> None:
    names = {"clip": clip, "missing": tmp_path / "nope.mp4", "folder": tmp_path}
    events = _events(run)
    result = run("attach", *(a.format(**names) for a in args))
    _one_line_error(result, code)
    assert _events(run) == events
    assert _objects(store_dir) == []  # no object, and no copy left in tmp/


@pytest.mark.postgres
def test_a_postgres_ledger_needs_an_evidence_dir(pg_url: str, clip: Path) -> None:
    db_url = pg_url
    assert run_plain(db_url, "-q", "import", str(EXAMPLE)).exit_code == EXIT_OK
    result = run_plain(db_url, "attach", INCIDENT, str(clip))
    _one_line_error(result, EXIT_BAD_INPUT)
    assert "--evidence-dir" in result.stderr
    required = run_plain(db_url, "verify", "--require-evidence")
    _one_line_error(required, EXIT_BAD_INPUT)


def test_export_with_evidence_copies_the_named_files(
    run: Run, clip: Path, store_dir: Path, tmp_path: Path
) -> None:
    _attach(run, clip)
    out = tmp_path / "exported"
    result = run("export", "--incident", INCIDENT, "--with-evidence", str(out))
    assert result.exit_code == EXIT_OK, result.output
    assert [p.relative_to(out) for p in _objects(out)] == [
        p.relative_to(store_dir) for p in _objects(store_dir)
    ]
    assert _objects(out)[0].read_bytes() == clip.read_bytes()
    # The other incident names no file: nothing copied.
    other = tmp_path / "other"
    result = run("export", "-i", "deir-ez-zor-airstrike-2017-09-16", "--with-evidence", str(other))
    assert result.exit_code == EXIT_OK and _objects(other) == []
    inside = run("export", "--with-evidence", str(store_dir / "sha256"))
    _one_line_error(inside, EXIT_BAD_INPUT)
    assert len(_objects(store_dir)) == 1


def test_giving_back_respects_the_output_guard_and_the_hash(
    run: Run, db_url: str, clip: Path, store_dir: Path, tmp_path: Path
) -> None:
    report = _attach(run, clip)
    existing = tmp_path / "existing.mp4"
    existing.write_bytes(b"keep me")
    _one_line_error(run("evidence", report, "-o", str(existing)), EXIT_BAD_INPUT)
    assert existing.read_bytes() == b"keep me"
    if not db_url.startswith("postgresql"):
        _one_line_error(run("evidence", report, "-o", db_url, "--force"), EXIT_BAD_INPUT)
    _one_line_error(
        run("evidence", report, "-o", str(store_dir / "copy.mp4"), "--force"), EXIT_BAD_INPUT
    )
    assert run("evidence", report, "-o", str(existing), "--force").exit_code == EXIT_OK
    assert existing.read_bytes() == clip.read_bytes()
    stored = _stored(store_dir)
    stored.write_bytes(stored.read_bytes()[:-1] + b"\0")
    altered = tmp_path / "altered.mp4"
    _one_line_error(run("evidence", report, "-o", str(altered)), EXIT_INTEGRITY)
    assert not altered.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_attach_and_verify_through_the_installed_entry_point(tmp_path: Path, clip: Path) -> None:
    ledger = str(Path(sys.executable).parent / "ledger")
    db = str(tmp_path / "ledger.db")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ledger, "--db", db, "--as", "tester", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("-q", "import", str(EXAMPLE)).returncode == EXIT_OK
    attached = cli("attach", INCIDENT, str(clip))
    assert attached.returncode == EXIT_OK, attached.stderr
    assert attached.stdout.startswith("evidence-")
    assert cli("verify").returncode == EXIT_OK
    (stored,) = _objects(Path(db + ".evidence"))
    stored.chmod(0o644)
    stored.write_bytes(b"")
    damaged = cli("verify", "--format", "json")
    assert damaged.returncode == EXIT_INTEGRITY
    assert "truncated" in json.loads(damaged.stdout)["findings"][0]["problem"]


def test_the_html_report_shows_evidence_beside_what_it_bears_on(
    run: Run, clip: Path, tmp_path: Path
) -> None:
    import hashlib

    report = _attach(run, clip, "--title", "Strike video")
    out = tmp_path / "report.html"
    result = run("report", "html", "-o", str(out))
    assert result.exit_code == EXIT_OK, result.output
    page = out.read_text(encoding="utf-8")
    section = page[page.index('id="report-mod-shelling"') :]
    section = section[: section.index("</article>")]
    assert "Evidence" in section and report in section and "Strike video" in section
    assert hashlib.sha256(clip.read_bytes()).hexdigest() in section


def test_attaching_to_a_ledger_that_does_not_exist_creates_nothing(
    tmp_path: Path, clip: Path
) -> None:
    db = tmp_path / "new" / "ledger.db"
    db.parent.mkdir()
    result = run_plain(str(db), "attach", INCIDENT, str(clip))
    _one_line_error(result, EXIT_REFUSED)
    assert list(db.parent.iterdir()) == []
