"""The `ledger` command end to end: typed commands, exit codes, recorders, history, help.

Most tests drive the real Typer app in-process through `run_cli` (both backends); a few run the
installed `ledger` script in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.domain import derive_report_id
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.interchange import report_fields, validate_report
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import EXAMPLE, EXAMPLE_EVENTS, EXAMPLE_IMPORTED, _admin_connect, _pg_url

RunCli = Callable[..., Result]

INC = "inc-a"
OTHER = "inc-b"
LEDGER = str(Path(sys.executable).parent / "ledger")
AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
SLUG_PROBLEM = "must be a slug: lowercase letters, digits, '.', '_' or '-', at most 100"
NOT_FOUND = "incident '{}' does not exist (open it first with 'ledger open')"

# The brief's claim, option by option, and the JSON line it stands for.
CLAIM_ARGS = [
    "claim",
    INC,
    "--report",
    "r1",
    "--by",
    "X",
    "--summary",
    "S",
    "--against",
    "A",
    "--against",
    "B",
    "--stated-at",
    "2017-09-21",
    "--source",
    "TASS; kind=wire",
    "--occurrences",
    "2",
]
CLAIM_LINE = {
    "type": "claim",
    "incident": INC,
    "report": "r1",
    "by": "X",
    "summary": "S",
    "against": ["A", "B"],
    "stated_at": "2017-09-21",
    "sources": [{"outlet": "TASS", "kind": "wire"}],
    "magnitude": {"occurrences": 2},
}

# Every typed command with every option it offers, and the JSON line each must record.
TYPED: dict[str, tuple[list[str], dict[str, Any]]] = {
    "open": (
        [
            "open",
            "inc-c",
            "--title",
            "Shelling near Deir el-Zour",
            "--category",
            "shelling/artillery/missile attack",
            "--location",
            "Deir ez-Zor, Syria",
            "--location-qualifier",
            "eastern bank",
            "--lat",
            "35.33",
            "--lon",
            "40.14",
            "--occurred-from",
            "2017-09",
            "--occurred-to",
            "2017-09-21",
            "--description",
            "Mortar fire, twice",
        ],
        {
            "type": "incident",
            "incident": "inc-c",
            "title": "Shelling near Deir el-Zour",
            "category": "shelling/artillery/missile attack",
            "location": "Deir ez-Zor, Syria",
            "location_qualifier": "eastern bank",
            "lat": 35.33,
            "lon": 40.14,
            "occurred_from": "2017-09",
            "occurred_to": "2017-09-21",
            "description": "Mortar fire, twice",
        },
    ),
    "claim": (
        [
            "claim",
            INC,
            "--report",
            "c2",
            "--by",
            "Russian Ministry of Defence",
            "--speaker",
            "Maj Gen Igor Konashenkov",
            "--on-behalf-of",
            "Russian MoD",
            "--summary",
            "Fired on twice",
            "--stance",
            "accuses",
            "--against",
            "SDF",
            "--targets",
            "Syrian government forces",
            "--quote",
            "massive mortar fire",
            "--stated-at",
            "2017-09-21T14:05Z",
            "--source",
            "Russian MoD; kind=statement",
            "--source",
            "Firstpost; kind=web; url=https://www.firstpost.com/x; "
            "published_at=2017-09-21T21:07+05:30; quote_mode=direct",
            "--cameo",
            "194",
            "--occurrences",
            "2",
            "--killed",
            "0",
            "--injured",
            "6",
        ],
        {
            "type": "claim",
            "incident": INC,
            "report": "c2",
            "by": "Russian Ministry of Defence",
            "speaker": "Maj Gen Igor Konashenkov",
            "on_behalf_of": "Russian MoD",
            "summary": "Fired on twice",
            "stance": "accuses",
            "against": ["SDF"],
            "targets": ["Syrian government forces"],
            "quote": "massive mortar fire",
            "stated_at": "2017-09-21T14:05Z",
            "sources": [
                {"outlet": "Russian MoD", "kind": "statement"},
                {
                    "outlet": "Firstpost",
                    "kind": "web",
                    "url": "https://www.firstpost.com/x",
                    "published_at": "2017-09-21T21:07+05:30",
                    "quote_mode": "direct",
                },
            ],
            "cameo": "194",
            "magnitude": {"occurrences": 2, "killed": 0, "injured": 6},
        },
    ),
    "warn": (
        [
            "warn",
            INC,
            "--report",
            "w1",
            "--by",
            "X",
            "--addressee",
            "US military command",
            "--summary",
            "Will retaliate",
            "--speaker",
            "Konashenkov",
            "--on-behalf-of",
            "Russian MoD",
            "--threatened-party",
            "SDF",
            "--condition",
            "if fired upon",
            "--threatened-action",
            "retaliation",
            "--channel",
            "briefing",
            "--quote",
            "immediately met",
            "--stated-at",
            "2017-09-21",
            "--source",
            "TASS",
            "--cameo",
            "1384",
        ],
        {
            "type": "warning",
            "incident": INC,
            "report": "w1",
            "by": "X",
            "addressee": "US military command",
            "summary": "Will retaliate",
            "speaker": "Konashenkov",
            "on_behalf_of": "Russian MoD",
            "threatened_party": "SDF",
            "condition": "if fired upon",
            "threatened_action": "retaliation",
            "channel": "briefing",
            "quote": "immediately met",
            "stated_at": "2017-09-21",
            "sources": [{"outlet": "TASS"}],
            "cameo": "1384",
        },
    ),
    "deny": (
        [
            "deny",
            INC,
            "--report",
            "d1",
            "--by",
            "SDF",
            "--refers-to",
            "r1",
            "--summary",
            "7 km separates us",
            "--speaker",
            "Abu Khawla",
            "--on-behalf-of",
            "Deir ez-Zor Military Council",
            "--scope",
            "occurred",
            "--counter-claim",
            "IS holds the ground between",
            "--quote",
            "at least 7 km",
            "--stated-at",
            "2017-09-21",
            "--source",
            '{"outlet": "Rudaw", "kind": "web"}',
        ],
        {
            "type": "denial",
            "incident": INC,
            "report": "d1",
            "by": "SDF",
            "refers_to": ["r1"],
            "summary": "7 km separates us",
            "speaker": "Abu Khawla",
            "on_behalf_of": "Deir ez-Zor Military Council",
            "scope": "occurred",
            "counter_claim": "IS holds the ground between",
            "quote": "at least 7 km",
            "stated_at": "2017-09-21",
            "sources": [{"outlet": "Rudaw", "kind": "web"}],
        },
    ),
    "corroborate": (
        [
            "corroborate",
            INC,
            "--report",
            "k1",
            "--by",
            "Monitor",
            "--refers-to",
            "r1",
            "--summary",
            "Observers saw it",
            "--independent",
            "--basis",
            "Observers",
            "--quote",
            "we saw it",
            "--stated-at",
            "2017-09-22",
            "--source",
            "Monitor; kind=statement",
        ],
        {
            "type": "corroboration",
            "incident": INC,
            "report": "k1",
            "by": "Monitor",
            "refers_to": ["r1"],
            "summary": "Observers saw it",
            "independent": True,
            "basis": "Observers",
            "quote": "we saw it",
            "stated_at": "2017-09-22",
            "sources": [{"outlet": "Monitor", "kind": "statement"}],
        },
    ),
    "discrepancy": (
        [
            "discrepancy",
            INC,
            "--report",
            "x1",
            "--refers-to",
            "r1",
            "--field",
            "location_qualifier",
            "--variant",
            "western bank <= EIR",
            "--variant",
            "eastern bank <= Rudaw, Anadolu Agency",
            "--note",
            "Outlets disagree",
        ],
        {
            "type": "discrepancy",
            "incident": INC,
            "report": "x1",
            "refers_to": ["r1"],
            "field": "location_qualifier",
            "variants": [
                {"value": "western bank", "sources": [{"outlet": "EIR"}]},
                {
                    "value": "eastern bank",
                    "sources": [{"outlet": "Rudaw"}, {"outlet": "Anadolu Agency"}],
                },
            ],
            "note": "Outlets disagree",
        },
    ),
    "assess": (
        [
            "assess",
            INC,
            "--report",
            "a1",
            "--refers-to",
            "r1",
            "--reliability",
            "D",
            "--credibility",
            "3",
            "--rationale",
            "Single source",
            "--by",
            "Desk",
        ],
        {
            "type": "assessment",
            "incident": INC,
            "report": "a1",
            "refers_to": ["r1"],
            "reliability": "D",
            "credibility": 3,
            "rationale": "Single source",
            "by": "Desk",
        },
    ),
    "verdict": (
        [
            "verdict",
            INC,
            "--report",
            "v1",
            "--refers-to",
            "r1",
            "--status",
            "unverifiable",
            "--reason",
            "No access",
            "--by",
            "Desk",
        ],
        {
            "type": "verdict",
            "incident": INC,
            "report": "v1",
            "refers_to": ["r1"],
            "status": "unverifiable",
            "reason": "No access",
            "by": "Desk",
        },
    ),
    "retract": (
        [
            "retract",
            INC,
            "--report",
            "t1",
            "--refers-to",
            "r1",
            "--by",
            "X",
            "--reason",
            "Withdrawn",
            "--stated-at",
            "2017-09-23",
            "--source",
            "TASS; kind=wire",
        ],
        {
            "type": "retraction",
            "incident": INC,
            "report": "t1",
            "refers_to": ["r1"],
            "by": "X",
            "reason": "Withdrawn",
            "stated_at": "2017-09-23",
            "sources": [{"outlet": "TASS", "kind": "wire"}],
        },
    ),
    "correct": (
        [
            "correct",
            INC,
            "--report",
            "f1",
            "--refers-to",
            "r1",
            "--reason",
            "Speaker left out",
            "--change",
            'speaker="Maj Gen Igor Konashenkov"',
            "--change",
            "on-behalf-of=Russian MoD",
            "--by",
            "Desk",
        ],
        {
            "type": "correction",
            "incident": INC,
            "report": "f1",
            "refers_to": ["r1"],
            "reason": "Speaker left out",
            "changes": {
                "speaker": "Maj Gen Igor Konashenkov",
                "on_behalf_of": "Russian MoD",
            },
            "by": "Desk",
        },
    ),
    "correct --void": (
        ["correct", INC, "--report", "f2", "--refers-to", "r1", "--reason", "Dup", "--void"],
        {
            "type": "correction",
            "incident": INC,
            "report": "f2",
            "refers_to": ["r1"],
            "reason": "Dup",
            "void": True,
        },
    ),
    "link": (
        [
            "link",
            INC,
            "--report",
            "l1",
            "--other",
            OTHER,
            "--relation",
            "context_for",
            "--note",
            "Background",
        ],
        {
            "type": "link",
            "incident": INC,
            "report": "l1",
            "other": OTHER,
            "relation": "context_for",
            "note": "Background",
        },
    ),
}

LEDGER_KEYS = ("position", "version", "recorded_at", "recorded_by", "prev_hash", "hash")


def log_state(db_url: str) -> tuple[int, int, int]:
    """Rows in the three log tables: what 'nothing written' must leave unchanged."""
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            counts = [
                int(connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())
                for table in ("ledger_events", "ledger_reports", "ledger_references")
            ]
    finally:
        engine.dispose()
    return counts[0], counts[1], counts[2]


def count_events(db_url: str) -> int:
    return log_state(db_url)[0]


def history(run_cli: RunCli, incident: str) -> list[dict[str, Any]]:
    result = run_cli("history", incident, "--format", "json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def said(row: dict[str, Any]) -> dict[str, Any]:
    """A history row without the ledger's own keys: the report as its JSON line."""
    return {k: v for k, v in row.items() if k not in LEDGER_KEYS}


def assert_clean_error(result: Result, code: int, message: str) -> None:
    """Exit code first, then exactly one line on stderr, nothing on stdout, no traceback."""
    assert result.exit_code == code, result.output
    assert result.stderr == f"error: {message}\n"
    assert result.stdout == ""
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def open_the_usual(run_cli: RunCli) -> RunCli:
    """Open inc-a and inc-b and file the claim r1 (the brief's example) on inc-a."""
    for slug in (INC, OTHER):
        result = run_cli("open", slug, "--title", f"Incident {slug}")
        assert result.exit_code == 0, result.output
    result = run_cli(*CLAIM_ARGS)
    assert result.exit_code == 0, result.output
    return run_cli


@pytest.fixture
def opened(run_cli: RunCli) -> RunCli:
    """A fresh ledger with inc-a, inc-b and the claim r1."""
    return open_the_usual(run_cli)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per backend for this module's tests that never need a clean log.

    Refusals must write nothing, so they can share it; so can typed commands with distinct ids.
    """
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "ledger.db"
        upgrade(resolve(str(path)))
        yield str(path)
        return
    template = request.getfixturevalue("pg_template")
    name = f"ledger_cli_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared(shared_db: str) -> RunCli:
    """The CLI on the shared database, holding inc-a, inc-b and the claim r1."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", shared_db, "--as", "tester", *args], input=input)

    return open_the_usual(invoke)


# -- typed commands --------------------------------------------------------------------------


def test_open_prints_the_incident_slug(shared: RunCli) -> None:
    # Check `open` records the incident and prints its slug on stdout.
    result = shared("open", "inc-opened", "--title", "Incident")
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("inc-opened\n", "opened incident 'inc-opened'\n")


def test_the_brief_claim_is_recorded_as_its_json_line(shared: RunCli) -> None:
    # Check the repeated and composite options of `claim` give the same report as JSON would.
    rows = history(shared, INC)
    assert said(rows[1]) == CLAIM_LINE


def test_a_claim_prints_its_report_id(shared: RunCli) -> None:
    # Check the claim's id alone on stdout, and a human message on stderr.
    result = shared("claim", OTHER, "--report", "printed", "--by", "X", "--summary", "S")
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("printed\n", f"recorded claim 'printed' in {OTHER}\n")


@pytest.mark.parametrize("command", sorted(TYPED))
def test_each_typed_command_records_its_options_as_json_keys(shared: RunCli, command: str) -> None:
    # Check every option of every typed command lands on the matching key, and stdout is the id.
    args, expected = TYPED[command]
    result = shared(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{expected.get('report', expected['incident'])}\n"
    [row] = [r for r in history(shared, expected["incident"]) if said(r) == expected]
    assert row["recorded_by"] == "tester"


def test_a_typed_report_without_an_id_prints_the_derived_id(shared: RunCli) -> None:
    # Check the derived id is the one the JSON line would get, so typing and importing agree.
    result = shared("warn", INC, "--by", "X", "--addressee", "US", "--summary", "Will retaliate")
    assert result.exit_code == 0, result.output
    line = {"type": "warning", "incident": INC, "by": "X", "addressee": "US"}
    fields = report_fields(validate_report({**line, "summary": "Will retaliate"}))
    assert result.stdout == f"{derive_report_id(fields.pop('type'), fields)}\n"


def test_typing_the_same_report_twice_adds_nothing(shared: RunCli, shared_db: str) -> None:
    # Check a repeated typed command is idempotent: exit 0, no id on stdout, no new row.
    before = log_state(shared_db)
    result = shared(*CLAIM_ARGS)
    assert result.exit_code == 0, result.output
    assert (result.stdout, result.stderr) == ("", "already recorded: nothing added\n")
    assert log_state(shared_db) == before


def test_import_then_reimport_reports_what_was_added(run_cli: RunCli, db_url: str) -> None:
    # Check `import` of the worked example, and that a second import adds nothing.
    first = run_cli("import", str(EXAMPLE))
    assert first.exit_code == 0, first.output
    assert first.stderr == EXAMPLE_IMPORTED + "\n"
    second = run_cli("import", str(EXAMPLE))
    assert second.exit_code == 0, second.output
    # Every line is already recorded, the registry's actor lines too.
    expected = f"added 0 report(s) to 0 incident(s); {EXAMPLE_EVENTS} already recorded\n"
    assert second.stderr == expected
    assert count_events(db_url) == EXAMPLE_EVENTS


def test_append_reads_json_lines_from_stdin(shared: RunCli, shared_db: str) -> None:
    # Check `append` takes the interchange format on standard input.
    lines = [
        {
            "type": "denial",
            "incident": INC,
            "report": "d9",
            "by": "SDF",
            "refers_to": "r1",
            "summary": "No",
        },
        {"type": "link", "incident": OTHER, "report": "l9", "other": INC, "relation": "follows"},
    ]
    before = count_events(shared_db)
    result = shared("append", input="".join(json.dumps(x) + "\n" for x in lines))
    assert result.exit_code == 0, result.output
    assert result.stderr == "added 2 report(s) to 2 incident(s); 0 already recorded\n"
    assert count_events(shared_db) == before + 2


# -- refusals: exit 1 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["claim", "nope", "--by", "X", "--summary", "S"], NOT_FOUND.format("nope")),
        (
            ["deny", INC, "--by", "SDF", "--refers-to", "ghost", "--summary", "No"],
            "refers_to names report 'ghost', which is not in the ledger",
        ),
        (
            ["claim", INC, "--report", "r1", "--by", "X", "--summary", "Different"],
            f"report id 'r1' is already used in incident '{INC}' with different content",
        ),
        (
            ["claim", OTHER, *CLAIM_ARGS[2:]],
            f"report id 'r1' is already used in incident '{INC}' with different content",
        ),
        (
            ["open", INC, "--title", "Another title"],
            f"incident '{INC}' is already open with different details",
        ),
        (
            ["link", INC, "--other", INC, "--relation", "same_as"],
            f"an incident cannot link to itself ('{INC}')",
        ),
        (
            ["link", INC, "--other", "ghost", "--relation", "same_as"],
            "other names incident 'ghost', which does not exist",
        ),
        (
            ["correct", INC, "--refers-to", "r1", "--reason", "x", "--change", "incident=x"],
            "a correction cannot change 'incident' of a claim",
        ),
        (["history", "nope"], NOT_FOUND.format("nope")),
        (["show", "nope"], NOT_FOUND.format("nope")),
    ],
)
def test_a_refused_command_exits_1_and_writes_nothing(
    shared: RunCli, shared_db: str, args: list[str], message: str
) -> None:
    # Check domain refusals: exit 1, one line on stderr, and no rows added anywhere.
    before = log_state(shared_db)
    assert_clean_error(shared(*args), 1, message)
    assert log_state(shared_db) == before


# -- bad input: exit 2 -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["claim", "Bad Slug", "--by", "X", "--summary", "S"], f"INCIDENT: {SLUG_PROBLEM}"),
        (
            ["claim", INC, "--report", "R1", "--by", "X", "--summary", "S"],
            f"--report: {SLUG_PROBLEM}",
        ),
        (
            ["deny", INC, "--by", "X", "--refers-to", "r 1", "--summary", "S"],
            f"--refers-to.0: {SLUG_PROBLEM}",
        ),
        (["link", INC, "--other", "B", "--relation", "same_as"], f"--other: {SLUG_PROBLEM}"),
        (["open", "_x", "--title", "T"], f"INCIDENT: {SLUG_PROBLEM}"),
        (
            ["claim", INC, "--by", "X", "--summary", "S", "--stated-at", "2017-02-30"],
            "--stated-at: '2017-02-30' is not a real date",
        ),
        (
            ["claim", INC, "--by", "X", "--summary", "S", "--stated-at", "21 Sept 2017"],
            "--stated-at: '21 Sept 2017' is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS]Z/±HH:MM)",
        ),
        (
            ["open", "inc-z", "--title", "T", "--occurred-from", "2017-13"],
            "--occurred-from: '2017-13' is not a real date",
        ),
        (["claim", INC, "--summary", "S"], "--by: required but missing"),
        (["claim", INC, "--by", "X"], "--summary: required but missing"),
        (["open", "inc-z"], "--title: required but missing"),
        (["warn", INC, "--by", "X", "--summary", "S"], "--addressee: required but missing"),
        (["deny", INC, "--by", "X", "--summary", "S"], "--refers-to: required but missing"),
        (
            ["claim", INC, "--by", "X", "--summary", "S", "--source", "TASS; colour=red"],
            "--source.0.colour: unknown key",
        ),
        (
            ["claim", INC, "--by", "X", "--summary", "S", "--source", "TASS; kind=fax"],
            "--source.0.kind: input should be 'statement', 'briefing', 'interview', 'wire', "
            "'web', 'print', 'broadcast', 'social', 'document' or 'other'",
        ),
        (
            ["claim", INC, "--by", "X", "--summary", "S", "--source", "TASS; wire"],
            "--source part 'wire' is not KEY=VALUE",
        ),
        (
            ["discrepancy", INC, "--refers-to", "r1", "--field", "f", "--variant", "x"],
            "--variant 'x' is not 'VALUE <= OUTLET, OUTLET'",
        ),
        (
            ["correct", INC, "--refers-to", "r1", "--reason", "r", "--change", "speaker"],
            "--change 'speaker' is not FIELD=VALUE",
        ),
        (
            ["correct", INC, "--refers-to", "r1", "--reason", "r"],
            "give exactly one of 'changes' (an object) or 'void': true",
        ),
        (["import", "/no/such/file.jsonl"], "no such file: /no/such/file.jsonl"),
        (
            ["show", INC, "--reported-by", "yesterday"],
            "cut-off: 'yesterday' is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or "
            "YYYY-MM-DDTHH:MM[:SS]Z/±HH:MM)",
        ),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    shared: RunCli, shared_db: str, args: list[str], message: str
) -> None:
    # Check malformed options: exit 2, the option named, no traceback, no rows added.
    before = log_state(shared_db)
    assert_clean_error(shared(*args), 2, message)
    assert log_state(shared_db) == before


@pytest.mark.parametrize(
    ("args", "usage"),
    [
        (["claim"], "Missing argument"),
        (
            ["assess", INC, "--refers-to", "r1", "--reliability", "D", "--credibility", "x"],
            "Invalid value for '--credibility'",
        ),
        (["claim", INC, "--by", "X", "--summary", "S", "--colour", "red"], "No such option"),
        # A word from a short list is a choice the parser checks, and --help lists.
        (
            ["assess", INC, "--refers-to", "r1", "--reliability", "G", "--credibility", "3"],
            "Invalid value for '--reliability': 'G' is not one of 'A', 'B', 'C', 'D', 'E', 'F'",
        ),
        (["no-such-command"], "No such command"),
    ],
)
def test_a_usage_error_exits_2_without_a_traceback(
    shared: RunCli, shared_db: str, args: list[str], usage: str
) -> None:
    # Check the command-line parser's own errors: exit 2, a usage hint, nothing written.
    before = log_state(shared_db)
    result = shared(*args)
    assert result.exit_code == 2, result.output
    assert usage in result.stderr
    assert "Traceback" not in result.output
    assert log_state(shared_db) == before


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (
            ["--source", '{"outlet": "TASS", "outlet": "AP"}'],
            "--source is not valid JSON: duplicate key 'outlet'",
        ),
        (
            ["--source", '{"outlet": "TASS", "kind": "wire", "kind": "web"}'],
            "--source is not valid JSON: duplicate key 'kind'",
        ),
    ],
)
def test_a_json_option_with_a_duplicate_key_is_refused_like_an_imported_line(
    shared: RunCli, shared_db: str, option: list[str], message: str
) -> None:
    # Check typed commands and JSON lines refuse the same things: duplicate keys included.
    before = log_state(shared_db)
    result = shared("claim", INC, "--by", "X", "--summary", "Duplicate keys", *option)
    assert_clean_error(result, 2, message)
    assert log_state(shared_db) == before


def test_an_import_with_a_bad_line_exits_2_naming_it_and_writes_nothing(
    shared: RunCli, shared_db: str, tmp_path: Path
) -> None:
    # Check every line is validated before anything is written.
    path = tmp_path / "reports.jsonl"
    good = {"type": "claim", "incident": INC, "report": "ok-1", "by": "X", "summary": "S"}
    bad = {"type": "claim", "incident": INC, "by": "X", "summary": "S", "stance": "shouts"}
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    before = log_state(shared_db)
    assert_clean_error(
        shared("import", str(path)),
        2,
        "line 2, field 'stance': input should be 'alleges', 'accuses', 'claims_responsibility' "
        "or 'reports'",
    )
    assert log_state(shared_db) == before


def test_an_import_refused_by_a_rule_exits_1_naming_the_line(
    shared: RunCli, shared_db: str, tmp_path: Path
) -> None:
    # Check a domain refusal inside a file names its line, and rolls the whole file back.
    path = tmp_path / "reports.jsonl"
    lines = [
        {"type": "claim", "incident": INC, "report": "ok-1", "by": "X", "summary": "S"},
        {"type": "denial", "incident": INC, "by": "Y", "refers_to": "ghost", "summary": "No"},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    before = log_state(shared_db)
    assert_clean_error(
        shared("import", str(path)),
        1,
        "line 2: refers_to names report 'ghost', which is not in the ledger",
    )
    assert log_state(shared_db) == before


# -- history, recorders, show ----------------------------------------------------------------


def test_history_as_json_shows_position_version_and_the_hash_chain(opened: RunCli) -> None:
    # Check history rows: positions rise, versions count, prev_hash links, hashes verify.
    assert opened(*TYPED["deny"][0]).exit_code == 0
    rows = history(opened, INC)
    assert [row["version"] for row in rows] == [1, 2, 3]
    assert [row["position"] for row in rows] == [1, 3, 4]
    assert [row.get("report") for row in rows] == [None, "r1", "d1"]
    assert rows[0]["prev_hash"] == GENESIS_HASH
    assert [row["prev_hash"] for row in rows[1:]] == [row["hash"] for row in rows[:-1]]
    assert all(event_hash(row) == row["hash"] for row in rows)
    assert {row["recorded_by"] for row in rows} == {"tester"}
    assert set(rows[1]) == set(CLAIM_LINE) | set(LEDGER_KEYS)


def plain_cli(db_url: str, *args: str, as_user: str | None = None) -> Result:
    """The app without run_cli's fixed `--as tester`."""
    prefix = ["--db", db_url] + (["--as", as_user] if as_user else [])
    return CliRunner().invoke(app, [*prefix, *args])


def test_as_sets_who_recorded_a_report(shared: RunCli, shared_db: str) -> None:
    # Check `--as NAME` is stored as recorded_by.
    result = plain_cli(shared_db, "open", "inc-alice", "--title", "T", as_user="alice")
    assert result.exit_code == 0, result.output
    assert history(shared, "inc-alice")[0]["recorded_by"] == "alice"


def test_ledger_user_sets_who_recorded_a_report(
    shared: RunCli, shared_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check LEDGER_USER is the recorder when --as is not given.
    monkeypatch.setenv("LEDGER_USER", "bob")
    result = plain_cli(shared_db, "open", "inc-bob", "--title", "T")
    assert result.exit_code == 0, result.output
    assert history(shared, "inc-bob")[0]["recorded_by"] == "bob"


def test_as_wins_over_ledger_user(
    shared: RunCli, shared_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Check the explicit option beats the environment.
    monkeypatch.setenv("LEDGER_USER", "bob")
    result = plain_cli(shared_db, "open", "inc-carol", "--title", "T", as_user="carol")
    assert result.exit_code == 0, result.output
    assert history(shared, "inc-carol")[0]["recorded_by"] == "carol"


def denied_claim(cli: RunCli) -> RunCli:
    """The incident inc-show with a claim and its denial (idempotent, so tests may repeat it)."""
    for args in (
        ["open", "inc-show", "--title", "Shown"],
        ["claim", "inc-show", "--report", "show-claim", "--by", "X", "--summary", "S"],
        [
            "deny",
            "inc-show",
            "--report",
            "show-denial",
            "--by",
            "Y",
            "--refers-to",
            "show-claim",
            "--summary",
            "No",
        ],
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    return cli


def test_show_prints_the_incident_and_its_assertions(shared: RunCli) -> None:
    # Check the table view names the incident, the claim and its derived status.
    result = denied_claim(shared)("show", "inc-show")
    assert result.exit_code == 0, result.output
    assert "incident inc-show" in result.stdout
    assert "show-claim" in result.stdout
    assert "disputed" in result.stdout


def test_show_as_json_gives_the_derived_status(shared: RunCli) -> None:
    # Check the JSON view: a denied claim is disputed, and so is its incident.
    result = denied_claim(shared)("show", "inc-show", "--format", "json")
    assert result.exit_code == 0, result.output
    view = json.loads(result.stdout)
    assert (view["incident"]["incident"], view["incident"]["status"]) == ("inc-show", "disputed")
    assert [(a["report"], a["status"], a["denials"]) for a in view["assertions"]] == [
        ("show-claim", "disputed", 1),
        ("show-denial", "unverified", 0),  # v2: a denial is an assertion with its own status
    ]
    assert [(d["claim"], d["denial"]) for d in view["disputes"]] == [("show-claim", "show-denial")]


@pytest.mark.parametrize(
    ("cut", "status"), [("2017-09-16", "unverified"), ("2017-09-17", "disputed")]
)
def test_show_reported_by_a_past_date_gives_the_status_then(
    example: RunCli, cut: str, status: str
) -> None:
    # Check the stated-time cut of the worked example: unverified on 16 Sept, denied on the 17th.
    result = example("show", AIRSTRIKE, "--format", "json", "--reported-by", cut)
    assert result.exit_code == 0, result.output
    assertions = json.loads(result.stdout)["assertions"]
    # v2: denials are assertions too; here only the claim's status moves with the cut.
    claims = [(a["report"], a["status"]) for a in assertions if a["type"] != "denial"]
    assert claims == [("sdf-airstrike-claim", status)]


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> RunCli:
    """The CLI on a SQLite ledger holding the worked example (read-only reports share it)."""
    path = tmp_path_factory.mktemp("example") / "ledger.db"
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--db", str(path), "--as", "tester", *args])

    result = invoke("import", str(EXAMPLE))
    assert result.exit_code == 0, result.output
    return invoke


@pytest.mark.parametrize(
    ("report", "rows"),
    [
        ("incidents", 2),
        ("disputed", 2),
        ("claims", 6),  # v2: 4 claims and warnings, and the 2 denials
        ("disputes", 2),
        ("actors", 10),  # the 8 names the reports use, and 2 more the registry declares
        ("provenance", 28),
    ],
)
def test_every_report_runs_on_the_worked_example(example: RunCli, report: str, rows: int) -> None:
    # Check each `report` subcommand answers with the example's rows as JSON.
    result = example("report", report, "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == rows


def test_the_disputed_report_lists_both_example_incidents(example: RunCli) -> None:
    # Check the worked example's two incidents are both disputed.
    result = example("report", "disputed", "--format", "json")
    assert result.exit_code == 0, result.output
    assert sorted(row["incident"] for row in json.loads(result.stdout)) == [AIRSTRIKE, SHELLING]


# -- help ------------------------------------------------------------------------------------


def command_paths() -> list[list[str]]:
    root: Any = typer.main.get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in sorted(root.commands.items()):
        paths.append([name])
        paths += [[name, sub] for sub in sorted(getattr(command, "commands", {}))]
    return paths


def test_every_documented_command_exists() -> None:
    # Check the commands the brief lists are all registered.
    names = {" ".join(path) for path in command_paths()}
    expected = {
        "open",
        "claim",
        "warn",
        "deny",
        "corroborate",
        "discrepancy",
        "assess",
        "verdict",
        "retract",
        "correct",
        "link",
        "import",
        "append",
        "show",
        "history",
        "init",
        "demo",
        "project",
        "report",
        "report incidents",
        "report disputed",
        "report claims",
        "report disputes",
        "report actors",
        "report provenance",
    }
    assert expected <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "ledger")
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    # Check `--help` exits 0 and shows an example, for the app and each (sub)command.
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert "Traceback" not in result.output


# -- the installed script, in a subprocess ---------------------------------------------------


def run_ledger(args: list[str], db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER_DB": str(db), "LEDGER_USER": "subprocess"}
    return subprocess.run(
        [LEDGER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_ledger_demo_loads_and_shows_both_example_incidents(tmp_path: Path) -> None:
    # Check `ledger demo` as a user runs it: exit 0, both incidents on stdout.
    result = run_ledger(["demo"], tmp_path / "demo.db", tmp_path)
    assert result.returncode == 0, result.stderr
    assert AIRSTRIKE in result.stdout
    assert SHELLING in result.stdout
    assert "Traceback" not in result.stderr


def test_ledger_import_with_a_bad_claim_line_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    # Check a subprocess import: exit 2, one stderr line naming the line, an empty log (the
    # registry's actor lines before it are not written either).
    db = tmp_path / "ledger.db"
    upgrade(resolve(str(db)))
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "claim")
    broken = json.loads(lines[at])
    del broken["summary"]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([*lines[:at], json.dumps(broken), *lines[at + 1 :]]) + "\n")
    result = run_ledger(["import", str(path)], db, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: line {at + 1}, field 'summary': required but missing\n"
    assert count_events(str(db)) == 0
