"""Projections: the SQL views agree with the pure fold of the log, however they were built.

The reference is `ledger.fold.fold` over every record in the log. The SQL tables must equal
it whether they were kept current one report at a time, caught up in one go, rebuilt from
scratch, or caught up after a crash in the middle of a batch; and the CLI reports must show
exactly the statuses DOMAIN.md ("Derived status") derives for the worked example.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Boolean, Table, create_engine, select

from ledger.application import IncidentLedger
from ledger.fold import fold
from ledger.integrity import SEALS_ID
from ledger.records import to_record
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from projections import schema
from projections.catchup import InjectedFailure, catch_up, connect
from projections.rebuild import catch_up_in_bulk, rebuild
from projections.staleness import tracked_position
from tests.conftest import (
    EXAMPLE,
    EXAMPLE_ACTORS,
    EXAMPLE_EVENTS,
    EXAMPLE_IMPORTED,
    EXAMPLE_REPORTS,
    PG_ADMIN_URL,
    ROOT,
    lines_of,
    read_lines,
)

Row = dict[str, Any]
Tables = dict[str, list[Row]]
CliInvoke = Callable[..., Any]

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
EXAMPLE_INCIDENTS = (AIRSTRIKE, SHELLING)

# The tables a reader queries, and the bookkeeping tables that keep them current.
PROJECTION_TABLES = ("incidents", "claims", "disputes", "actors", "provenance", "links", "timeline")
# What `fold` derives: the reader's tables (`provenance` is a view) plus the stored tables
# behind them: each incident's contribution to `actors`, and each report's source chain.
FOLDED_TABLES = (*PROJECTION_TABLES, "actor_tallies", "provenance_chains")
INTERNAL_TABLES = ("report_refs", "actor_tallies", "provenance_chains", "projection_tracking")
ALL_TABLES = (*PROJECTION_TABLES, *INTERNAL_TABLES)
# Columns that hold the ledger's own clock: they differ between two databases built apart.
CLOCK_COLUMNS = frozenset({"recorded_at", "last_recorded_at", "data"})


# ---------------------------------------------------------------------------------------------
# Reading tables and folding records into the same shape


def _relation(name: str) -> Table:
    """A projection table, or one of the SQL views over them, as SQLAlchemy sees its columns."""
    if name in schema.metadata.tables:
        return schema.metadata.tables[name]
    return schema.view_metadata.tables[name]


def _normalise(table: str, row: Row) -> Row:
    """SQL booleans as bool (SQLite may say 0/1), floats rounded, every key kept."""
    columns = _relation(table).columns
    out: Row = {}
    for key, value in row.items():
        if value is not None and key in columns and isinstance(columns[key].type, Boolean):
            value = bool(value)
        elif isinstance(value, float):
            value = round(value, 9)
        out[key] = value
    return out


def _ordered(table: str, rows: Sequence[Row]) -> list[Row]:
    """Rows normalised and sorted by the table's primary key (collation-independent)."""
    key = [c.name for c in _relation(table).primary_key.columns]
    return sorted((_normalise(table, r) for r in rows), key=lambda r: tuple(r[k] for k in key))


def read_tables(url: str, names: Sequence[str] = PROJECTION_TABLES) -> Tables:
    """Every row of the named tables, straight from the database."""
    engine = create_engine(resolve(url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return {
                name: _ordered(
                    name,
                    [dict(r._mapping) for r in connection.execute(select(_relation(name)))],
                )
                for name in names
            }
    finally:
        engine.dispose()


def fold_tables(records: Sequence[Row]) -> Tables:
    """The reference: the pure fold of the records, in the same shape as `read_tables`."""
    views = fold(records)
    return {name: _ordered(name, views[name]) for name in FOLDED_TABLES}


def without(tables: Tables, columns: frozenset[str]) -> Tables:
    return {
        name: [{k: v for k, v in row.items() if k not in columns} for row in rows]
        for name, rows in tables.items()
    }


def views_of(url: str) -> Tables:
    """The folded tables as stored, minus the stored JSON of each report."""
    return without(read_tables(url, FOLDED_TABLES), frozenset({"data"}))


def records_of(
    app: IncidentLedger, incidents: Sequence[str], *, up_to: int | None = None
) -> list[Row]:
    """Every record of the incidents, and every actor record (the registry the views resolve
    names through), replayed from the log, in log order."""
    records = [
        to_record(position, event)
        for slug in incidents
        for position, event in app.positioned_events(slug)
    ]
    records += app.actor_records()
    if up_to is not None:
        records = [r for r in records if r["position"] <= up_to]
    return sorted(records, key=lambda r: r["position"])


@contextmanager
def opened(url: str) -> Iterator[IncidentLedger]:
    app = IncidentLedger(resolve(url), lock_timeout=10)
    try:
        yield app
    finally:
        app.close()


def append(app: IncidentLedger, *reports: Row) -> None:
    app.append(lines_of(*reports), recorded_by="tester")  # type: ignore[arg-type]


def _pg_admin() -> Any:
    import psycopg

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


@contextmanager
def pg_databases(template: str, count: int) -> Iterator[list[str]]:
    """Fresh migrated PostgreSQL databases, cloned from the session's template."""
    names = [f"ledger_prop_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    base = PG_ADMIN_URL.rpartition("/")[0]
    with _pg_admin() as connection:
        for name in names:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield [f"{base}/{name}" for name in names]
    finally:
        with _pg_admin() as connection:
            for name in names:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---------------------------------------------------------------------------------------------
# Extra reports on top of the worked example: cross-incident references, a retracted denial,
# a voided denial, a correction with changes, a verdict, an independent corroboration.

MORE_REPORTS: tuple[Row, ...] = (
    {"type": "incident", "incident": "raqqa-2017-09", "title": "Fighting near Raqqa"},
    {
        "type": "denial",
        "incident": AIRSTRIKE,
        "report": "us-denies-warning-premise",
        "by": "US Central Command",
        "refers_to": ["mod-retaliation-warning"],
        "summary": "No US forces fired from the eastern bank.",
        "stated_at": "2017-09-22",
    },
    {
        "type": "corroboration",
        "incident": "raqqa-2017-09",
        "report": "monitor-saw-special-forces",
        "by": "Syrian Observatory",
        "refers_to": ["mod-special-forces-deployed"],
        "independent": True,
        "summary": "Observers saw Russian special forces.",
    },
    {
        "type": "retraction",
        "incident": "raqqa-2017-09",
        "report": "sdf-takes-back-denial",
        "by": "syrian democratic forces",
        "refers_to": ["sdf-shelling-denial"],
    },
    {
        "type": "correction",
        "incident": "raqqa-2017-09",
        "report": "void-airstrike-denial",
        "refers_to": ["mod-airstrike-denial"],
        "void": True,
        "reason": "Entered in error.",
    },
    {
        "type": "correction",
        "incident": SHELLING,
        "report": "fix-shelling-date",
        "refers_to": ["mod-shelling"],
        "changes": {"stated_at": "2017-09-20", "summary": "Fixed."},
        "reason": "EIR says yesterday.",
    },
    {
        "type": "verdict",
        "incident": AIRSTRIKE,
        "report": "airstrike-unverifiable",
        "refers_to": ["sdf-airstrike-claim"],
        "status": "unverifiable",
        "reason": "No access.",
    },
    {
        "type": "claim",
        "incident": "raqqa-2017-09",
        "report": "sdf-raqqa-claim",
        "by": "Syrian Democratic Forces",
        "against": ["Ministère de la Défense"],
        "summary": "Shells fell on Raqqa.",
        "stated_at": "2017-09-23",
    },
    {
        "type": "denial",
        "incident": SHELLING,
        "report": "mod-denies-raqqa",
        "by": "Russian Ministry of Defence",
        "refers_to": ["sdf-raqqa-claim"],
        "summary": "Nothing of the sort.",
    },
    {
        "type": "link",
        "incident": "raqqa-2017-09",
        "report": "raqqa-follows-shelling",
        "other": SHELLING,
        "relation": "follows",
    },
    {
        "type": "correction",
        "incident": AIRSTRIKE,
        "report": "rename-denier",
        "refers_to": ["mod-denies-raqqa"],
        "changes": {"by": "Ministere de la Defense"},
        "reason": "Name as the ministry signs.",
    },
)
ALL_INCIDENTS = (*EXAMPLE_INCIDENTS, "raqqa-2017-09")


def fold_of_log(url: str, incidents: Sequence[str]) -> Tables:
    """The reference views of everything in the database's log."""
    with opened(url) as app:
        return fold_tables(records_of(app, incidents))


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


# ---------------------------------------------------------------------------------------------
# 3. Incremental, batched and rebuilt projections all equal the fold (property-based)

ACTORS = (
    "Syrian Democratic Forces",
    "syrian democratic forces",
    "SYRIAN DEMOCRATIC FORCES",
    "Russian Ministry of Defence",
    "russian ministry of defence",
    "Ministère de la Défense",
    "Ministere de la Defense",
    "ministère de la défense",
    "Syrian Observatory",
)
TEXTS = ("They fired first.", "Nothing happened.", "It was the other side.", "Ça a eu lieu.")
TIMES = (
    "2017",
    "2017-09",
    "2017-09-20",
    "2017-09-21",
    "2017-09-21T14:05Z",
    "2017-09-21T21:07:52+05:30",
)
HOPS = (
    {"outlet": "Russian Ministry of Defence", "kind": "statement"},
    {"outlet": "TASS", "kind": "wire"},
    {"outlet": "Associated Press", "kind": "wire", "quote_mode": "translated"},
    {
        "outlet": "Firstpost",
        "kind": "web",
        "published_at": "2017-09-21T21:07+05:30",
        "url": "https://www.firstpost.com/x",
        "quote_mode": "direct",
    },
    {"outlet": "Rudaw"},
)
ASSERTIONS = ("claim", "warning")
STATED = ("claim", "warning", "denial", "corroboration")
KINDS = (
    "incident",
    "claim",
    "claim",
    "warning",
    "denial",
    "denial",
    "corroboration",
    "verdict",
    "retraction",
    "retraction",
    "assessment",
    "discrepancy",
    "correction",
    "correction",
    "link",
)

actors = st.sampled_from(ACTORS)
texts = st.sampled_from(TEXTS)
times = st.sampled_from(TIMES)
# What a correction may change, per type of the report it corrects (all valid values).
CHANGES: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "claim": {
        "by": actors,
        "summary": texts,
        "stated_at": times,
        "speaker": actors,
        "against": st.lists(actors, max_size=2),
    },
    "warning": {"by": actors, "summary": texts, "stated_at": times, "threatened_party": actors},
    "denial": {
        "by": actors,
        "summary": texts,
        "stated_at": times,
        "scope": st.sampled_from(("occurred", "attribution")),
    },
    "corroboration": {"by": actors, "summary": texts, "independent": st.booleans()},
    "retraction": {"by": actors, "stated_at": times, "reason": texts},
    "verdict": {
        "status": st.sampled_from(("confirmed", "refuted", "unverifiable")),
        "reason": texts,
    },
    "assessment": {"reliability": st.sampled_from("ABCDEF"), "credibility": st.integers(1, 6)},
    "discrepancy": {"note": texts},
    "link": {"relation": st.sampled_from(("follows", "same_as")), "note": texts},
}


def _drop_none(report: Row) -> Row:
    return {k: v for k, v in report.items() if v is not None}


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    return draw(st.one_of(st.none(), strategy))


def _refs(draw: st.DrawFn, candidates: Sequence[Row]) -> list[str]:
    """One or two ids among the candidates (a repeated id is allowed and counts once)."""
    return draw(
        st.lists(st.sampled_from([c["report"] for c in candidates]), min_size=1, max_size=2)
    )


def _draw_correction(draw: st.DrawFn, base: Row, targets: Sequence[Row]) -> Row:
    if draw(st.booleans()):
        return {
            **base,
            "type": "correction",
            "refers_to": _refs(draw, targets),
            "void": True,
            "reason": "Entered in error.",
        }
    target = draw(st.sampled_from(targets))
    options = CHANGES[target["type"]]
    fields = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=2, unique=True))
    changes = {f: draw(options[f]) for f in fields}
    return {
        **base,
        "type": "correction",
        "refers_to": [target["report"]],
        "changes": changes,
        "reason": "Corrected.",
    }


def _draw_report(
    draw: st.DrawFn, kind: str, base: Row, filed: Sequence[Row], opened: Sequence[str]
) -> Row:
    """One valid report of the kind; a claim when nothing of the right type exists yet."""
    assertions = [r for r in filed if r["type"] in ASSERTIONS]
    stated = [r for r in filed if r["type"] in STATED]
    correctable = [r for r in filed if r["type"] != "correction"]
    stated_at = _maybe(draw, times)
    if kind == "warning":
        return _drop_none(
            {
                **base,
                "type": "warning",
                "by": draw(actors),
                "addressee": draw(actors),
                "summary": draw(texts),
                "stated_at": stated_at,
                "threatened_party": _maybe(draw, actors),
            }
        )
    if kind == "denial" and assertions:
        return _drop_none(
            {
                **base,
                "type": "denial",
                "by": draw(actors),
                "refers_to": _refs(draw, assertions),
                "summary": draw(texts),
                "stated_at": stated_at,
                "speaker": _maybe(draw, actors),
                "sources": _maybe(draw, st.lists(st.sampled_from(HOPS), max_size=2)),
            }
        )
    if kind == "corroboration" and assertions:
        return _drop_none(
            {
                **base,
                "type": "corroboration",
                "by": draw(actors),
                "refers_to": _refs(draw, assertions),
                "summary": draw(texts),
                "independent": _maybe(draw, st.booleans()),
            }
        )
    if kind == "verdict" and assertions:
        return {
            **base,
            "type": "verdict",
            "refers_to": _refs(draw, assertions),
            "status": draw(CHANGES["verdict"]["status"]),
            "reason": draw(texts),
        }
    if kind == "retraction" and stated:
        targets = _refs(draw, stated)
        own = next(r["by"] for r in stated if r["report"] == targets[0])
        # By the one who said it (as spelled then), or by anyone (often the same actor).
        by = draw(st.one_of(st.just(own), actors))
        return _drop_none(
            {**base, "type": "retraction", "refers_to": targets, "by": by, "stated_at": stated_at}
        )
    if kind == "assessment" and filed:
        return {
            **base,
            "type": "assessment",
            "refers_to": _refs(draw, filed),
            "reliability": draw(st.sampled_from("ABCDEF")),
            "credibility": draw(st.integers(1, 6)),
        }
    if kind == "discrepancy" and filed:
        return {
            **base,
            "type": "discrepancy",
            "refers_to": _refs(draw, filed),
            "field": "stated_at",
            "variants": [
                {"value": "2017-09-20", "sources": [{"outlet": "EIR"}]},
                {"value": "2017-09-21", "sources": [{"outlet": "Rudaw"}]},
            ],
        }
    if kind == "correction" and correctable:
        return _draw_correction(draw, base, correctable)
    others = [slug for slug in opened if slug != base["incident"]]
    if kind == "link" and others:
        return {
            **base,
            "type": "link",
            "other": draw(st.sampled_from(others)),
            "relation": draw(st.sampled_from(("context_for", "follows", "part_of"))),
        }
    return _drop_none(
        {
            **base,
            "type": "claim",
            "by": draw(actors),
            "summary": draw(texts),
            "stated_at": stated_at,
            "speaker": _maybe(draw, actors),
            "on_behalf_of": _maybe(draw, actors),
            "against": _maybe(draw, st.lists(actors, max_size=2)),
            "sources": _maybe(draw, st.lists(st.sampled_from(HOPS), max_size=3)),
        }
    )


def _draw_incident(draw: st.DrawFn, slug: str) -> Row:
    return _drop_none(
        {
            "type": "incident",
            "incident": slug,
            "title": f"Incident {slug}",
            "lat": _maybe(draw, st.floats(-90, 90, allow_nan=False)),
            "lon": _maybe(draw, st.floats(-180, 180, allow_nan=False)),
            "occurred_from": _maybe(draw, st.just("2017-09")),
        }
    )


@st.composite
def report_sequences(draw: st.DrawFn) -> list[Row]:
    """A valid sequence of reports on up to three incidents, each referring only backwards."""
    slugs = ["inc-a", "inc-b", "inc-c"]
    reports = [_draw_incident(draw, slugs[0])]
    opened = [slugs[0]]
    filed: list[Row] = []
    for n in range(draw(st.integers(1, 16))):
        kind = draw(st.sampled_from(KINDS))
        if kind == "incident" and len(opened) < len(slugs):
            opened.append(slugs[len(opened)])
            reports.append(_draw_incident(draw, opened[-1]))
            continue
        base = {"incident": draw(st.sampled_from(opened)), "report": f"r{n}"}
        report = _draw_report(draw, kind, base, filed, opened)
        filed.append(report)
        reports.append(report)
    return reports


def _incidents_in(reports: Sequence[Row]) -> list[str]:
    return [r["incident"] for r in reports if r["type"] == "incident"]


# What one way of building a database leaves: every table, the folded tables, the log.
Built = tuple[Tables, Tables, list[Row]]


def _built(app: IncidentLedger, url: str, reports: Sequence[Row]) -> Built:
    return read_tables(url, ALL_TABLES), views_of(url), records_of(app, _incidents_in(reports))


def build_one_at_a_time(url: str, reports: Sequence[Row]) -> Built:
    """Append and catch up after every report; then check a rebuild changes nothing."""
    with opened(url) as app:
        for report in reports:
            append(app, report)
            assert catch_up(app, resolve(url)) == 1
        built = _built(app, url, reports)
        rebuild(app, resolve(url))
        # Check a rebuild of what was kept current one report at a time changes nothing.
        assert read_tables(url, ALL_TABLES) == built[0]
        return built


def build_in_batches(url: str, reports: Sequence[Row]) -> Built:
    """Append everything at once, then catch up in small batches."""
    with opened(url) as app:
        append(app, *reports)
        assert catch_up(app, resolve(url), batch=4) == len(reports)
        # Check each record read straight from its stored JSON is its decoded event's.
        log = [
            n
            for n in app.recorder.select_notifications(start=0, limit=10**6)
            if n.originator_id != SEALS_ID
        ]
        assert [app.record_of(n.id, n) for n in log] == [
            to_record(n.id, app.decode(n)) for n in log
        ]
        return _built(app, url, reports)


def build_by_rebuilding(url: str, reports: Sequence[Row]) -> Built:
    """Append everything at once, then rebuild the views from scratch: in batches of three
    events and folds of about two reports, so references cross batches and fold chunks."""
    with opened(url) as app:
        append(app, *reports)
        assert rebuild(app, resolve(url), batch=3, fold_chunk=2) == len(reports)
        return _built(app, url, reports)


def build_in_bulk(url: str, reports: Sequence[Row]) -> Built:
    """Append and catch up the first half one batch at a time, then the rest in bulk (one
    transaction, two passes), in batches of three events and folds of about two reports."""
    half = len(reports) // 2
    with opened(url) as app:
        if half:
            append(app, *reports[:half])
            assert catch_up(app, resolve(url), bulk_from=10**9) == half
        append(app, *reports[half:])
        applied = catch_up_in_bulk(app, resolve(url), batch=3, fold_chunk=2)
        assert applied == len(reports) - half
        return _built(app, url, reports)


BUILDERS = (build_one_at_a_time, build_in_batches, build_by_rebuilding, build_in_bulk)


def check_all_ways_agree(urls: Sequence[str], reports: Sequence[Row]) -> None:
    built = [builder(url, reports) for builder, url in zip(BUILDERS, urls, strict=True)]
    for full, views, records in built:
        # Check each database's views equal the fold of its own log, clocks included.
        assert [r["report"] for r in records] == [r.get("report", r["incident"]) for r in reports]
        assert views == fold_tables(records)
        # Check the tracked position is the last event's.
        assert full["projection_tracking"] == [
            {"projection": "views", "position": records[-1]["position"]}
        ]
    # Check the databases agree on everything but the ledger's own clock.
    first, *others = (without(full, CLOCK_COLUMNS) for full, _, _ in built)
    for other in others:
        assert other == first


# Property examples build many small files: on a RAM disk where there is one, since their
# commits' fsyncs dominate the run time otherwise.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every database a property example needs."""
    path = tmp_path_factory.mktemp("template") / "ledger.db"
    upgrade(resolve(str(path)))
    return path


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=report_sequences())
def test_incremental_batched_rebuilt_and_bulk_views_all_equal_the_fold_on_sqlite(
    sqlite_template: Path, reports: list[Row]
) -> None:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as directory:
        urls = []
        for name in ("incremental", "batched", "rebuilt", "bulk"):
            path = Path(directory) / f"{name}.db"
            shutil.copyfile(sqlite_template, path)
            urls.append(str(path))
        check_all_ways_agree(urls, reports)


@pytest.mark.postgres
@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(reports=report_sequences())
def test_incremental_batched_rebuilt_and_bulk_views_all_equal_the_fold_on_postgres(
    pg_template: str, reports: list[Row]
) -> None:
    with pg_databases(pg_template, len(BUILDERS)) as urls:
        check_all_ways_agree(urls, reports)


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
