"""Projections: the CLI reports show the worked example's documented statuses, and plain SQL
from any tool reads them.

The reference is `ledger.fold.fold` over every record in the log. The SQL tables must equal
it whether they were kept current one report at a time, caught up in one go, rebuilt from
scratch, or caught up after a crash in the middle of a batch; and the CLI reports must show
exactly the statuses DOMAIN.md ("Derived status") derives for the worked example.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE, EXAMPLE_ACTORS, EXAMPLE_EVENTS, EXAMPLE_IMPORTED, ROOT
from tests.integration.projection_tables import (
    AIRSTRIKE,
    SHELLING,
    CliInvoke,
    _relation,
    pg_databases,
)

# ---------------------------------------------------------------------------------------------
# 1. The worked example through the CLI


def cli_json(run_cli: CliInvoke, *args: str) -> Any:
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def cli_csv(run_cli: CliInvoke, *args: str) -> list[list[str]]:
    result = run_cli(*args, "--format", "csv")
    assert result.exit_code == 0, result.output
    return list(csv.reader(io.StringIO(result.stdout)))


def cli_on(url: str) -> CliInvoke:
    """Invoke the real Typer app in-process against one database (as `run_cli` does)."""
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Any:
        return runner.invoke(app, ["--db", url, "--as", "tester", *args], input=input)

    return invoke


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def imported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CliInvoke]:
    """The worked example imported through the CLI (which projects it), once per backend:
    the tests that use it only read."""
    if request.param == "sqlite":
        databases: Any = nullcontext([str(tmp_path_factory.mktemp("example") / "ledger.db")])
    else:
        databases = pg_databases(request.getfixturevalue("pg_template"), 1)
    with databases as (url,):
        run_cli = cli_on(url)
        result = run_cli("import", str(EXAMPLE))
        assert result.exit_code == 0, result.output
        assert EXAMPLE_IMPORTED in result.stderr
        yield run_cli


def test_the_worked_example_gives_each_assertion_its_documented_status(
    imported: CliInvoke,
) -> None:
    # Check the claims report derives DOMAIN.md's statuses, in log order.
    rows = cli_json(imported, "report", "claims")
    # Denials are assertions in v2, with rows of their own; nothing answers these two.
    assert [(r["report"], r["status"]) for r in rows] == [
        ("sdf-airstrike-claim", "disputed"),
        ("mod-airstrike-denial", "unverified"),
        ("mod-shelling", "disputed"),
        ("mod-retaliation-warning", "unverified"),
        ("mod-special-forces-deployed", "unverified"),
        ("sdf-shelling-denial", "unverified"),
    ]
    assert {r["report"]: r["outcome"] for r in rows}["mod-retaliation-warning"] == "pending"
    # Check the counts kept alongside the headline status.
    shelling = rows[2]
    assert (
        shelling["denials"],
        shelling["discrepancies"],
        shelling["reliability"],
        shelling["credibility"],
        shelling["corroborations"],
    ) == (1, 2, "D", 3, 0)
    assert shelling["against"] == ["Syrian Democratic Forces", "US special forces"]  # an array


def test_disputed_incidents_are_listed_most_recently_active_first(imported: CliInvoke) -> None:
    # Check both incidents are disputed, the shelling one (appended last) first; the example's
    # actor lines come before its incidents' events.
    rows = cli_json(imported, "report", "disputed")
    assert [(r["incident"], r["status"], r["last_position"]) for r in rows] == [
        (SHELLING, "disputed", EXAMPLE_EVENTS),
        (AIRSTRIKE, "disputed", EXAMPLE_ACTORS + 3),
    ]
    # Check the counts of the shelling incident: 3 assertions, 1 disputed, 9 reports.
    assert (rows[0]["assertions"], rows[0]["disputed"], rows[0]["reports"]) == (3, 1, 9)


def test_the_disputes_report_pairs_each_claim_with_its_denier(imported: CliInvoke) -> None:
    rows = cli_json(imported, "report", "disputes")
    # Check one row per (claim, denial), ordered by claim, denier named as given.
    assert [
        (r["claim"], r["denial"], r["claimant"], r["denier"], r["denial_stated_at"], r["retracted"])
        for r in rows
    ] == [
        (
            "mod-shelling",
            "sdf-shelling-denial",
            "Russian Ministry of Defence",
            "Syrian Democratic Forces",
            "2017-09-21",
            False,
        ),
        (
            "sdf-airstrike-claim",
            "mod-airstrike-denial",
            "Syrian Democratic Forces",
            "Russian Ministry of Defence",
            "2017-09-17",
            False,
        ),
    ]


def test_the_actors_report_counts_what_each_actor_said_and_was_accused_of(
    imported: CliInvoke,
) -> None:
    rows = cli_json(imported, "report", "actors")
    # Check every actor named anywhere or registered, by id, with its tallies.
    assert [
        (
            r["actor"],
            r["name"],
            r["claims_made"],
            r["warnings_issued"],
            r["denials_issued"],
            r["accused_in"],
            r["corroborations_given"],
            r["retractions"],
        )
        for r in rows
    ] == [
        ("government-of-russia", "Government of Russia", 0, 0, 0, 0, 0, 0),
        ("ledger-analyst", "Ledger analyst", 0, 0, 0, 0, 0, 0),
        ("maj-gen-igor-konashenkov", "Maj Gen Igor Konashenkov", 0, 0, 0, 0, 0, 0),
        ("russian-air-force", "Russian Air Force", 0, 0, 0, 1, 0, 0),
        ("russian-ministry-of-defence", "Russian Ministry of Defence", 2, 1, 1, 0, 0, 0),
        ("syrian-democratic-forces", "Syrian Democratic Forces", 1, 0, 1, 2, 0, 0),
        ("syrian-government-forces", "Syrian government forces", 0, 0, 0, 1, 0, 0),
        ("us-led-coalition", "US-led coalition", 0, 0, 0, 0, 0, 0),
        ("us-military-command", "US military command", 0, 0, 0, 0, 0, 0),
        ("us-special-forces", "US special forces", 0, 0, 0, 1, 0, 0),
    ]


def test_provenance_of_the_shelling_claim_runs_from_the_speaker_outward(
    imported: CliInvoke,
) -> None:
    rows = cli_json(imported, "report", "provenance", "--report", "mod-shelling")
    # Check hop 0 is the speaker, then whom he spoke for, then the sources in order.
    assert [
        (r["hop"], r["agent"], r["role"], r["kind"], r["quote_mode"], r["published_at"])
        for r in rows
    ] == [
        (0, "Maj Gen Igor Konashenkov", "speaker", None, None, None),
        (1, "Russian Ministry of Defence", "on_behalf_of", None, None, None),
        (2, "Russian Ministry of Defence", "channel", "statement", None, None),
        (3, "Associated Press", "relay", "wire", None, None),
        (4, "Firstpost", "outlet", "web", "direct", "2017-09-21T21:07:52+05:30"),
    ]
    assert {r["report"] for r in rows} == {"mod-shelling"}


def test_the_incidents_report_filters_by_status(imported: CliInvoke) -> None:
    # Check both incidents are disputed, ordered by slug; none is unverified.
    disputed = cli_json(imported, "report", "incidents", "--status", "disputed")
    assert [(r["incident"], r["status"]) for r in disputed] == [
        (AIRSTRIKE, "disputed"),
        (SHELLING, "disputed"),
    ]
    assert cli_json(imported, "report", "incidents", "--status", "unverified") == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("claims", "--actor", "US special forces"), ["mod-shelling"]),
        (("claims", "--actor", "us SPECIAL forces"), ["mod-shelling"]),
        (
            ("claims", "--actor", "Syrian Democratic Forces"),
            # v2: the SDF's denial is an assertion too, a row of `claims`.
            [
                "sdf-airstrike-claim",
                "mod-shelling",
                "mod-retaliation-warning",
                "sdf-shelling-denial",
            ],
        ),
        (
            ("claims", "--since", "2017-09-18"),
            [
                "mod-shelling",
                "mod-retaliation-warning",
                "mod-special-forces-deployed",
                "sdf-shelling-denial",
            ],
        ),
        (("claims", "--until", "2017-09-20"), ["sdf-airstrike-claim", "mod-airstrike-denial"]),
        (
            ("claims", "--status", "unverified"),
            [
                "mod-airstrike-denial",
                "mod-retaliation-warning",
                "mod-special-forces-deployed",
                "sdf-shelling-denial",
            ],
        ),
        (("incidents", "--since", "2017-09-18"), [SHELLING]),
        (("incidents", "--until", "2017-09-17"), [AIRSTRIKE]),
        (("incidents", "--since", "2017-09-16", "--until", "2017-09-21"), [AIRSTRIKE, SHELLING]),
        (("disputed", "--since", "2017-09-21", "--until", "2017-09-21"), [SHELLING]),
        (("disputes", "--actor", "US special forces"), ["mod-shelling"]),
        (
            ("disputes", "--actor", "Russian Ministry of Defence"),
            ["mod-shelling", "sdf-airstrike-claim"],
        ),
        (("disputes", "--since", "2017-09-18"), ["mod-shelling"]),
        (("disputes", "--until", "2017-09-17"), ["sdf-airstrike-claim"]),
        (("actors", "--actor", "syrian democratic forces"), ["syrian-democratic-forces"]),
        (
            ("provenance", "--incident", AIRSTRIKE),
            ["mod-airstrike-denial"] * 6 + ["sdf-airstrike-claim"] * 3,
        ),
    ],
)
def test_report_filters_select_exactly_the_expected_rows(
    imported: CliInvoke, args: tuple[str, ...], expected: list[str]
) -> None:
    # Check each filter keeps exactly these rows, in the report's own order (first column).
    rows = cli_json(imported, "report", *args)
    first = {
        "claims": "report",
        "incidents": "incident",
        "disputed": "incident",
        "disputes": "claim",
        "actors": "actor",
        "provenance": "report",
    }[args[0]]
    assert [r[first] for r in rows] == expected


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("Syrian Democratic Forces", [AIRSTRIKE, SHELLING]),  # claimant; accused in and denies
        ("Russian Ministry of Defence", [AIRSTRIKE, SHELLING]),  # claimant; denies the airstrike
        ("US special forces", [SHELLING]),  # accused in the shelling claim
        ("us-special-forces", [SHELLING]),  # the same actor by id
        ("Nobody in this story", []),
    ],
)
def test_the_incidents_report_filters_by_an_actor_who_is_accused_or_denies(
    imported: CliInvoke, actor: str, expected: list[str]
) -> None:
    # Check --actor keeps the incidents where the actor claims, is accused, or denies.
    rows = cli_json(imported, "report", "incidents", "--actor", actor)
    assert [r["incident"] for r in rows] == expected
    # Check the disputed report filters the same way, most recently active first.
    disputed = cli_json(imported, "report", "disputed", "--actor", actor)
    assert [r["incident"] for r in disputed] == sorted(expected, key=[SHELLING, AIRSTRIKE].index)


@pytest.mark.parametrize(
    ("report", "table"),
    [
        ("incidents", "incidents"),
        ("disputed", "incidents"),
        ("claims", "claims"),
        ("disputes", "disputes"),
        ("actors", "actors"),
        ("provenance", "provenance"),
    ],
)
def test_csv_headers_and_json_keys_are_the_table_columns(
    imported: CliInvoke, report: str, table: str
) -> None:
    columns = [c.name for c in _relation(table).columns]
    # Check the CSV header is exactly the table's columns, and every row has one cell each.
    header, *body = cli_csv(imported, "report", report)
    assert header == columns
    assert body and all(len(cells) == len(columns) for cells in body)
    # Check each JSON object's keys are exactly the columns, in order.
    rows = cli_json(imported, "report", report)
    assert rows and all(list(row) == columns for row in rows)
    assert len(rows) == len(body)


def test_show_lists_each_assertion_of_the_incident_with_its_status(
    imported: CliInvoke,
) -> None:
    shown = cli_json(imported, "show", SHELLING)
    # Check the incident summary and each of its assertions' statuses, replayed from the log.
    assert (shown["incident"]["incident"], shown["incident"]["status"]) == (SHELLING, "disputed")
    assert [(a["report"], a["status"]) for a in shown["assertions"]] == [
        ("mod-shelling", "disputed"),
        ("mod-retaliation-warning", "unverified"),
        ("mod-special-forces-deployed", "unverified"),
        ("sdf-shelling-denial", "unverified"),  # v2: a denial is an assertion
    ]
    assert [(d["claim"], d["denial"]) for d in shown["disputes"]] == [
        ("mod-shelling", "sdf-shelling-denial"),
    ]
    assert [(lk["other"], lk["relation"]) for lk in shown["links"]] == [
        (AIRSTRIKE, "context_for"),
    ]


# ---------------------------------------------------------------------------------------------
# 2. Plain SQL from any tool


def test_plain_sqlite3_reads_claim_statuses_after_a_real_demo_run(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    # Check the demo command, as a real process, loads and projects the worked example.
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "--db", str(path), "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Check the standard library's sqlite3, knowing nothing of the ledger, reads the statuses.
    with sqlite3.connect(path) as connection:
        counts = dict(connection.execute("select status, count(*) from claims group by 1"))
        disputed = [
            r[0]
            for r in connection.execute(
                "select incident from incidents where status = 'disputed' "
                "order by last_position desc"
            )
        ]
    assert counts == {"disputed": 2, "unverified": 4}  # v2: the two denials are rows too
    assert disputed == [SHELLING, AIRSTRIKE]
