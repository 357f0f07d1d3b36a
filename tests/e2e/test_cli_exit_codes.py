"""The `ledger` command end to end: refusals exit 1 and bad input or usage exits 2, each with
one line and nothing written.

Most tests drive the real Typer app in-process through `run_cli` (both backends); a few run the
installed `ledger` script in a subprocess, as a user would.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.typed_commands import (
    CLAIM_ARGS,
    INC,
    NOT_FOUND,
    OTHER,
    SLUG_PROBLEM,
    RunCli,
    assert_clean_error,
    log_state,
)

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
        # A reader is not told to open the incident: it may be a typo, or a report's id.
        (["history", "nope"], "incident 'nope' does not exist"),
        (["show", "mod-shelling"], "incident 'mod-shelling' does not exist"),
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
        (["verify-proof", "p.json", "--root", "00"], "--root must be 64 hexadecimal characters"),
        (
            ["diff", INC, "--from", "#20", "--to", "#5"],
            "--from #20 is after --to #5: give the earlier cut first",
        ),
        (
            ["show", INC, "--at-position", "-3"],
            "--at-position: -3 is not a log position (0 or more)",
        ),
        (
            ["search", "shelling", "--type", "bogus"],
            "--type: no report type 'bogus' (one of incident, claim, warning, denial, "
            "corroboration, discrepancy, assessment, verdict, retraction, correction, link, "
            "outcome, evidence)",
        ),
        (
            ["correct", INC, "--refers-to", "r1", "--reason", "typo"],
            "give --change FIELD=VALUE (repeatable) or --void, not both",
        ),
        (
            ["cite", INC, "--kind", "video", "--supports", "r1"],
            "give --url or --sha256 (where the material is, or its hash), or both",
        ),
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
    # Check the command-line parser's own errors: exit 2, one line naming what is wrong and
    # where the help is (as every other error is one line), nothing written.
    before = log_state(shared_db)
    result = shared(*args)
    assert result.exit_code == 2, result.output
    assert usage in result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.rstrip().endswith("--help')")
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
