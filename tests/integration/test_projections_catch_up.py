"""Projections: a crash inside a batch, `ledger project` and `--no-project` through the CLI,
and reports in one incident that change another incident's row.

The reference is `ledger.fold.fold` over every record in the log. The SQL tables must equal
it whether they were kept current one report at a time, caught up in one go, rebuilt from
scratch, or caught up after a crash in the middle of a batch; and the CLI reports must show
exactly the statuses DOMAIN.md ("Derived status") derives for the worked example.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from ledger.application import IncidentLedger
from ledger.store.config import resolve
from projections.catchup import InjectedFailure, catch_up, connect
from projections.rebuild import rebuild
from projections.staleness import tracked_position
from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS, EXAMPLE_REPORTS, read_lines
from tests.integration.projection_tables import (
    ALL_INCIDENTS,
    ALL_TABLES,
    MORE_REPORTS,
    CliInvoke,
    Row,
    append,
    fold_of_log,
    fold_tables,
    read_tables,
    records_of,
    views_of,
)

# ---------------------------------------------------------------------------------------------
# 4. A crash inside a batch leaves the views at the last committed batch


@pytest.mark.parametrize("fail_after", [0, 1, 3, 5, 10])
def test_a_crash_inside_a_batch_leaves_the_views_at_the_last_committed_batch(
    ledger: IncidentLedger, db_url: str, fail_after: int
) -> None:
    store = resolve(db_url)
    # Check the starting point: the worked example, projected.
    ledger.append(read_lines(), recorded_by="tester")
    assert catch_up(ledger, store) == EXAMPLE_EVENTS
    append(ledger, *MORE_REPORTS)
    new_positions = [r["position"] for r in records_of(ledger, ALL_INCIDENTS)][EXAMPLE_EVENTS:]
    assert len(new_positions) == len(MORE_REPORTS) == 11

    committed = [read_tables(db_url, ALL_TABLES)]

    def remember_committed(_position: int, _target: int) -> None:
        committed.append(read_tables(db_url, ALL_TABLES))

    # Check the injected failure escapes the catch-up.
    with pytest.raises(InjectedFailure):
        catch_up(ledger, store, batch=3, fail_after=fail_after, on_progress=remember_committed)

    # Check exactly the whole batches before the failure were committed, nothing of the next.
    whole_batches = fail_after // 3
    assert len(committed) == 1 + whole_batches
    expected_position = new_positions[3 * whole_batches - 1] if whole_batches else EXAMPLE_EVENTS
    with connect(store) as db:
        assert tracked_position(db.raw) == expected_position
    after_crash = read_tables(db_url, ALL_TABLES)
    assert after_crash == committed[-1]
    # Check those tables are the fold of the log up to the committed position.
    assert views_of(db_url) == fold_tables(
        records_of(ledger, ALL_INCIDENTS, up_to=expected_position)
    )

    # Check the next catch-up applies exactly the rest and ends where a clean rebuild does.
    assert catch_up(ledger, store, batch=3) == len(MORE_REPORTS) - 3 * whole_batches
    resumed = read_tables(db_url, ALL_TABLES)
    assert views_of(db_url) == fold_tables(records_of(ledger, ALL_INCIDENTS))
    # A rebuild counts what a catch-up counts: the reports and the registry's lines.
    assert rebuild(ledger, store) == EXAMPLE_EVENTS + len(MORE_REPORTS)
    assert read_tables(db_url, ALL_TABLES) == resumed


# ---------------------------------------------------------------------------------------------
# 5. `ledger project` and `--no-project` through the CLI


def test_project_rebuild_leaves_the_tables_as_incremental_appends_left_them(
    run_cli: CliInvoke, db_url: str
) -> None:
    # Check importing the example, then appending more one line at a time (each projected as
    # it lands, several reaching into other incidents), succeeds.
    result = run_cli("import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    for line in MORE_REPORTS:
        result = run_cli("append", input=json.dumps(line) + "\n")
        assert result.exit_code == 0, result.output
    total = EXAMPLE_EVENTS + len(MORE_REPORTS)
    incremental = read_tables(db_url, ALL_TABLES)
    assert incremental["projection_tracking"] == [{"projection": "views", "position": total}]
    assert views_of(db_url) == fold_of_log(db_url, ALL_INCIDENTS)
    # Check a full rebuild replays every event and leaves every table exactly as it was.
    result = run_cli("project", "--rebuild")
    assert result.exit_code == 0, result.output
    # (It counts the reports and the registry's lines, as a catch-up does.)
    rebuilt = f"{EXAMPLE_REPORTS + len(MORE_REPORTS)} report(s) and {EXAMPLE_ACTORS} actor line(s)"
    assert f"projections: applied {rebuilt}" in result.stderr.splitlines()
    assert read_tables(db_url, ALL_TABLES) == incremental


def test_a_catch_up_and_a_rebuild_count_the_same_things_in_the_same_words(
    run_cli: CliInvoke,
) -> None:
    result = run_cli("import", "--no-project", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    # The example's log: 12 reports (its 2 incident lines among them, as `import` counts) and
    # 4 actor lines; its seal, no view's, is counted by neither.
    assert run_cli("seal").exit_code == 0
    said = "projections: applied 12 report(s) and 4 actor line(s)"
    caught_up = run_cli("project")
    assert caught_up.exit_code == 0, caught_up.output
    assert said in caught_up.stderr.splitlines()
    rebuilt = run_cli("project", "--rebuild")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert said in rebuilt.stderr.splitlines()


def test_projecting_twice_applies_nothing_the_second_time(run_cli: CliInvoke, db_url: str) -> None:
    result = run_cli("import", "--no-project", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    # Check the first run applies all the example's events (its actor lines too), the second none.
    first = run_cli("project")
    assert first.exit_code == 0, first.output
    said = f"projections: applied {EXAMPLE_REPORTS} report(s) and {EXAMPLE_ACTORS} actor line(s)"
    assert said in first.stderr.splitlines()
    second = run_cli("project")
    assert second.exit_code == 0, second.output
    assert "projections: applied 0 report(s) and 0 actor line(s)" in second.stderr.splitlines()
    with connect(resolve(db_url)) as db:
        assert tracked_position(db.raw) == EXAMPLE_EVENTS


def test_importing_without_projecting_warns_until_projected(run_cli: CliInvoke) -> None:
    result = run_cli("import", "--no-project", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    # Check the report is empty and says on stderr that the views are the whole example behind.
    behind = run_cli("report", "claims", "--format", "json")
    assert behind.exit_code == 0, behind.output
    assert json.loads(behind.stdout) == []
    assert behind.stderr.splitlines() == [
        f"warning: the projections are {EXAMPLE_EVENTS} event(s) behind the log; "
        "run 'ledger project'"
    ]
    # Check `ledger project` fills the views, after which no warning is printed.
    assert run_cli("project").exit_code == 0
    current = run_cli("report", "claims", "--format", "json")
    assert current.exit_code == 0, current.output
    assert "behind" not in current.stderr
    assert [(r["report"], r["status"]) for r in json.loads(current.stdout)] == [
        ("sdf-airstrike-claim", "disputed"),
        ("mod-airstrike-denial", "unverified"),
        ("mod-shelling", "disputed"),
        ("mod-retaliation-warning", "unverified"),
        ("mod-special-forces-deployed", "unverified"),
        ("sdf-shelling-denial", "unverified"),
    ]


# ---------------------------------------------------------------------------------------------
# 6. Reports in one incident that change another incident's row


def incident_row(url: str, slug: str) -> Row:
    rows = [r for r in read_tables(url, ("incidents",))["incidents"] if r["incident"] == slug]
    assert len(rows) == 1
    return rows[0]


def summary_of(row: Row) -> tuple[Any, ...]:
    return (
        row["status"],
        row["assertions"],
        row["disputed"],
        row["reports"],
        row["last_position"],
        row["version"],
    )


def test_a_denial_filed_in_another_incident_disputes_the_claims_incident_incrementally(
    ledger: IncidentLedger, db_url: str
) -> None:
    store = resolve(db_url)
    append(
        ledger,
        {"type": "incident", "incident": "a", "title": "A"},
        {"type": "claim", "incident": "a", "report": "c", "by": "Alpha", "summary": "x"},
        {"type": "incident", "incident": "b", "title": "B"},
    )
    assert catch_up(ledger, store) == 3
    # Check before the denial: A unverified with its own last position, B open.
    assert summary_of(incident_row(db_url, "a")) == ("unverified", 1, 0, 2, 2, 2)
    assert summary_of(incident_row(db_url, "b")) == ("open", 0, 0, 1, 3, 1)

    append(
        ledger,
        {
            "type": "denial",
            "incident": "b",
            "report": "d",
            "by": "Beta",
            "refers_to": ["c"],
            "summary": "no",
        },
    )
    assert catch_up(ledger, store) == 1
    # Check A is now disputed and last active at the denial's position (4), its own version
    # and report count unchanged; B holds the denial.
    a_row = incident_row(db_url, "a")
    assert summary_of(a_row) == ("disputed", 1, 1, 2, 4, 2)
    assert summary_of(incident_row(db_url, "b")) == ("open", 0, 0, 2, 4, 2)
    denial_at = records_of(ledger, ["b"])[-1]["recorded_at"]
    assert a_row["last_recorded_at"] == denial_at
    # Check the dispute belongs to the claim's incident and names the denial's incident.
    disputes = read_tables(db_url, ("disputes",))["disputes"]
    assert [(d["claim"], d["denial"], d["incident"], d["denial_incident"]) for d in disputes] == [
        ("c", "d", "a", "b"),
    ]
    assert views_of(db_url) == fold_tables(records_of(ledger, ["a", "b"]))


def test_retracting_then_voiding_the_retraction_elsewhere_updates_the_claims_incident(
    ledger: IncidentLedger, db_url: str
) -> None:
    store = resolve(db_url)
    append(
        ledger,
        {"type": "incident", "incident": "a", "title": "A"},
        {"type": "claim", "incident": "a", "report": "c", "by": "Alpha", "summary": "x"},
        {"type": "incident", "incident": "b", "title": "B"},
        {
            "type": "denial",
            "incident": "b",
            "report": "d",
            "by": "Beta",
            "refers_to": ["c"],
            "summary": "no",
        },
        {"type": "incident", "incident": "z", "title": "Z"},
    )
    assert catch_up(ledger, store) == 5
    assert incident_row(db_url, "a")["status"] == "disputed"

    # Check a retraction (filed in Z) of B's denial by its denier, two hops from A's claim,
    # makes A unverified again; A's last position stays the denial's (the retraction refers
    # to B's report, not into A).
    append(
        ledger,
        {"type": "retraction", "incident": "z", "report": "r", "by": "BETA", "refers_to": ["d"]},
    )
    assert catch_up(ledger, store) == 1
    assert summary_of(incident_row(db_url, "a")) == ("unverified", 1, 0, 2, 4, 2)
    assert incident_row(db_url, "b")["last_position"] == 6
    assert [d["retracted"] for d in read_tables(db_url, ("disputes",))["disputes"]] == [True]

    # Check voiding the retraction (three hops from the claim) disputes A again.
    append(
        ledger,
        {
            "type": "correction",
            "incident": "z",
            "report": "k",
            "void": True,
            "refers_to": ["r"],
            "reason": "Not a retraction after all.",
        },
    )
    assert catch_up(ledger, store) == 1
    assert summary_of(incident_row(db_url, "a")) == ("disputed", 1, 1, 2, 4, 2)
    assert [d["retracted"] for d in read_tables(db_url, ("disputes",))["disputes"]] == [False]

    # Check a later report on A alone, which recomputes A from its reports and everything
    # referring into them (denial -> retraction -> voiding correction), keeps A disputed.
    append(
        ledger, {"type": "claim", "incident": "a", "report": "c2", "by": "Alpha", "summary": "y"}
    )
    assert catch_up(ledger, store) == 1
    assert summary_of(incident_row(db_url, "a")) == ("disputed", 2, 1, 3, 8, 3)
    assert views_of(db_url) == fold_tables(records_of(ledger, ["a", "b", "z"]))


def test_the_projector_frees_view_pages_without_scrubbing_them(sqlite_url: str) -> None:
    # Check the projector's connection turns secure_delete off, even where SQLite is built with
    # it on (Debian's is): emptying the views would otherwise zero and write every freed page.
    from projections.rows import connect

    with sqlite3.connect(sqlite_url) as plain:
        built_with = plain.execute("PRAGMA secure_delete").fetchone()[0]
    with connect(resolve(sqlite_url)) as db:
        assert db.rows("PRAGMA secure_delete") == [(0,)], f"built with secure_delete={built_with}"
