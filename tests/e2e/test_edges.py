"""Edges found in review: cut syntax, unknown incidents on export, fresh directories, exit codes
of bad corrections, end-of-day cut-offs, and a projection failing after a committed write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS

SHELLING = "deir-ez-zor-shelling-2017-09"


def test_a_bare_year_in_diff_is_a_stated_date_not_a_position(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    # Check: by the end of 2017 everything had been stated, so nothing changes after that cut
    # (positions after the example's actor lines).
    result = run_cli("diff", SHELLING, "--from", "2017", "--format", "json")
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)
    assert changes["new_reports"] == [
        {
            "position": EXAMPLE_ACTORS + 9,
            "report": "mod-shelling-bank-discrepancy",
            "type": "discrepancy",
            "by": None,
            "stated_at": None,
        },
        {
            "position": EXAMPLE_ACTORS + 10,
            "report": "mod-shelling-date-discrepancy",
            "type": "discrepancy",
            "by": None,
            "stated_at": None,
        },
        {
            "position": EXAMPLE_ACTORS + 11,
            "report": "mod-shelling-assessment",
            "type": "assessment",
            "by": "Ledger analyst",
            "stated_at": None,
        },
        {
            "position": EXAMPLE_ACTORS + 12,
            "report": "shelling-context-airstrike",
            "type": "link",
            "by": None,
            "stated_at": None,
        },
    ]
    bad = run_cli("diff", SHELLING, "--from", "#x")
    assert bad.exit_code == 2
    assert "'#x' is not '#' followed by a log position" in bad.output


def test_export_of_an_unknown_incident_exits_1(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli("export", "--incident", "no-such-incident")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "incident 'no-such-incident' does not exist" in result.output


@pytest.mark.parametrize(
    "args",
    [("export", "--incident", "no-such-incident"), ("show", "deir-ez-zor-shelling-2017-09")],
    ids=["refused", "succeeded"],
)
def test_every_ledger_a_command_opens_is_closed_when_it_ends(
    run_cli, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    # Check: a reader's ledger is closed by the command, on the main thread, also when the
    # command is refused; left to the garbage collector, a PostgreSQL ledger may be closed on
    # one of its pool's own threads, which cannot join itself.
    import threading

    from ledger.application import IncidentLedger

    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    opened: list[IncidentLedger] = []
    closed: list[tuple[IncidentLedger, bool]] = []
    init, close = IncidentLedger.__init__, IncidentLedger.close

    def spy_init(self, *a, **k):  # type: ignore[no-untyped-def]
        opened.append(self)
        init(self, *a, **k)

    def spy_close(self):  # type: ignore[no-untyped-def]
        closed.append((self, threading.current_thread() is threading.main_thread()))
        close(self)

    monkeypatch.setattr(IncidentLedger, "__init__", spy_init)
    monkeypatch.setattr(IncidentLedger, "close", spy_close)
    result = run_cli(*args)
    assert result.exit_code == (1 if args[0] == "export" else 0), result.output
    assert len(opened) == 1
    assert (opened[0], True) in closed


def test_a_report_on_a_ledger_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    result = CliRunner().invoke(
        app, ["--db", str(path), "claim", "x", "--by", "A", "--summary", "S"]
    )
    assert result.exit_code == 1
    assert "incident 'x' does not exist" in result.output
    # Check nothing was written: not even an empty schema.
    assert not path.exists()


def test_a_correction_with_an_invalid_new_value_is_bad_input(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    result = run_cli(
        "correct",
        SHELLING,
        "--refers-to",
        "mod-shelling",
        "--reason",
        "r",
        "--change",
        "stated_at=2017-02-30",
    )
    assert result.exit_code == 2
    assert "changes.stated_at is not valid for a claim: '2017-02-30' is not a real date" in (
        result.output
    )
    assert (
        run_cli(
            "correct",
            SHELLING,
            "--refers-to",
            "mod-shelling",
            "--reason",
            "r",
            "--change",
            "nope=1",
        ).exit_code
        == 1
    )


def test_reported_by_a_date_includes_that_whole_day(run_cli) -> None:  # type: ignore[no-untyped-def]
    assert run_cli("open", "inc", "--title", "T").exit_code == 0
    assert (
        run_cli(
            "claim",
            "inc",
            "--report",
            "c1",
            "--by",
            "A",
            "--summary",
            "S",
            "--stated-at",
            "2017-09-21T14:05Z",
        ).exit_code
        == 0
    )
    same_day = run_cli("show", "inc", "--format", "json", "--reported-by", "2017-09-21")
    assert same_day.exit_code == 0, same_day.output
    assert [a["report"] for a in json.loads(same_day.stdout)["assertions"]] == ["c1"]
    day_before = run_cli("show", "inc", "--format", "json", "--reported-by", "2017-09-20")
    assert json.loads(day_before.stdout)["assertions"] == []


def test_a_projection_failing_after_a_committed_write_is_a_warning(
    run_cli,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    assert run_cli("open", "inc", "--title", "T").exit_code == 0

    def broken(*_: object, **__: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("projections.after_write.catch_up", broken)
    result = run_cli("claim", "inc", "--report", "c1", "--by", "A", "--summary", "S")
    # Check the write stands (exit 0, id printed) and the user is told the views lag.
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("c1")
    assert "the report was recorded, but the projections were not updated (disk full)" in (
        result.output
    )
    history = run_cli("history", "inc", "--format", "json")
    assert [e.get("report") for e in json.loads(history.stdout)] == [None, "c1"]


@pytest.mark.parametrize(
    "folder", ["a b#c?d", "50%25 & ?mode=rw#x", "file:x", "x:memory:y", "mode=memory"]
)
def test_a_ledger_path_that_looks_like_a_uri_is_still_a_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    # SQLite and SQLAlchemy read `?`, `#` and `%` in a URI: a path must never be parsed as one,
    # or commands write to stray files beside the ledger and later ones find no ledger. The
    # event store's library takes a name holding ':memory:' or 'mode=memory' for an in-memory
    # database (no WAL, one connection at a time: an import then waited on itself).
    monkeypatch.chdir(tmp_path)
    path = Path(folder) / "l.db"  # relative: "file:x/l.db" would be a URI to uri=True
    runner = CliRunner()

    def ok(*args: str) -> str:
        result = runner.invoke(app, ["--db", str(path), "--as", "tester", *args])
        assert result.exit_code == 0, (args, result.output)
        return result.output

    ok("init")
    from ledger.application import IncidentLedger
    from ledger.store.config import resolve

    store = IncidentLedger(resolve(str(path)))
    assert not store.recorder.datastore.pool.is_sqlite_memory_mode  # type: ignore[attr-defined]
    store.close()
    assert "added 12 report(s)" in ok("import", str(EXAMPLE))
    assert ok("report", "disputed", "--columns", "incident", "-f", "csv").splitlines() == [
        "incident",
        "deir-ez-zor-shelling-2017-09",
        "deir-ez-zor-airstrike-2017-09-16",
    ]
    ok("project", "--rebuild")
    assert f"verified: {EXAMPLE_EVENTS} event(s)" in ok("verify")
    assert "mod-shelling" in ok("audit", "mod-shelling")
    ok("report", "html", "--output", "page.html")
    beside = sorted(p.name for p in tmp_path.iterdir())
    assert beside == sorted([Path(folder).parts[0], "page.html"])
    assert {p.name for p in (tmp_path / folder).iterdir()} <= {"l.db", "l.db-wal", "l.db-shm"}
