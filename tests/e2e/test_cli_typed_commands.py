"""The `ledger` command end to end: typed commands, history, recorders (`--as`, LEDGER_USER),
`show` and the reports on the worked example.

Most tests drive the real Typer app in-process through `run_cli` (both backends); a few run the
installed `ledger` script in a subprocess, as a user would.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.domain import derive_report_id
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.interchange import report_fields, validate_report
from tests.conftest import EXAMPLE, EXAMPLE_EVENTS, EXAMPLE_IMPORTED
from tests.e2e.typed_commands import (
    AIRSTRIKE,
    CLAIM_ARGS,
    CLAIM_LINE,
    INC,
    LEDGER_KEYS,
    OTHER,
    SHELLING,
    TYPED,
    RunCli,
    count_events,
    history,
    log_state,
    said,
)

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
