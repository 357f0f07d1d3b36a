"""`ledger audit`, `show`/`history` at cut-offs, `diff`, `proof`/`verify-proof` and `export`.

Driven through the real Typer app. Most tests run on a copy of one SQLite ledger holding the
worked example's incidents without its registry (so positions are known: the airstrike incident
at 1-3, the shelling incident at 4-12); a representative subset runs on both backends through
`run_cli`, with the whole example.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.errors import EXIT_BAD_INPUT, EXIT_INTEGRITY, EXIT_OK, EXIT_REFUSED
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.signing import load_signature_check
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import (
    EXAMPLE,
    EXAMPLE_ACTORS,
    EXAMPLE_EVENTS,
    EXAMPLE_IMPORTED,
    example_reports_only,
)

Cli = Callable[..., Result]

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
NOT_AT_THAT_CUT = "error: report 'mod-shelling' was not yet in the ledger at that cut-off\n"
UNKNOWN_REPORT = "error: report 'no-such-report' is not in the ledger\n"

# (report, type, by, stated_at, status_after) of every step of the shelling claim's audit.
SHELLING_STEPS = [
    ("mod-shelling", "claim", MOD, "2017-09-21", "unverified"),
    ("sdf-shelling-denial", "denial", SDF, "2017-09-21", "disputed"),
    ("mod-shelling-bank-discrepancy", "discrepancy", None, None, "disputed"),
    ("mod-shelling-date-discrepancy", "discrepancy", None, None, "disputed"),
    ("mod-shelling-assessment", "assessment", "Ledger analyst", None, "disputed"),
]
AUDIT_KEYS = {
    "report",
    "incident",
    "type",
    "status",
    "derived",
    "steps",
    "provenance",
    "verified",
    "chain",
}
STEP_KEYS = {
    "position",
    "report",
    "incident",
    "type",
    "version",
    "by",
    "stated_at",
    "recorded_at",
    "recorded_by",
    "summary",
    "status_after",
}


def invoke(db: str, *args: str, input: str | None = None, key: Path | None = None) -> Result:
    """`ledger --db DB --as tester ARGS`, signing writes with `key` if given."""
    return CliRunner().invoke(
        app,
        ["--db", db, "--as", "tester", *args],
        input=input,
        env={"LEDGER_SIGNING_KEY": str(key) if key else None},
    )


def json_of(cli: Cli, *args: str) -> Any:
    """The parsed stdout of a command that must succeed."""
    result = cli(*args)
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(result.stdout)


def step_rows(audit: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (s["report"], s["type"], s["by"], s["stated_at"], s["status_after"]) for s in audit["steps"]
    ]


def statuses(audit: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["report"], s["status_after"]) for s in audit["steps"]]


def recorded_at(cli: Cli, incident: str) -> dict[str, str]:
    """Each event's recorded_at by report (the incident's slug for the event opening it)."""
    return {
        row.get("report", row["incident"]): row["recorded_at"]
        for row in json_of(cli, "history", incident, "--format", "json")
    }


# ---------------------------------------------------------------------------------------------
# Fixtures


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite ledger holding the worked example's incidents (without its registry's actor
    lines, so the positions are as the tests name them), imported through the CLI."""
    path = tmp_path_factory.mktemp("pristine") / "ledger.db"
    upgrade(resolve(str(path)))
    result = invoke(str(path), "import", str(example_reports_only(path.parent)))
    assert result.exit_code == EXIT_OK, result.output
    return str(path)


@pytest.fixture
def example(pristine: str, tmp_path: Path) -> Cli:
    """A fresh copy of the worked example (SQLite); returns the CLI bound to it."""
    target = tmp_path / "ledger.db"
    with closing(sqlite3.connect(pristine)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return lambda *args, input=None: invoke(str(target), *args, input=input)


@pytest.fixture
def imported(run_cli: Cli) -> Cli:
    """The worked example imported on each backend."""
    result = run_cli("import", str(EXAMPLE))
    assert result.exit_code == EXIT_OK, result.output
    return run_cli


# ---------------------------------------------------------------------------------------------
# audit


def test_audit_json_of_the_shelling_claim_lists_each_step_with_the_status_after_it(
    imported: Cli,
) -> None:
    audit = json_of(imported, "audit", "mod-shelling", "--format", "json")
    assert set(audit) == AUDIT_KEYS
    assert (audit["report"], audit["incident"], audit["type"], audit["status"]) == (
        "mod-shelling",
        SHELLING,
        "claim",
        "disputed",
    )
    # Check every step, in log order: unverified until the SDF's denial, disputed after.
    assert all(set(step) == STEP_KEYS for step in audit["steps"])
    assert step_rows(audit) == SHELLING_STEPS
    positions = [s["position"] for s in audit["steps"]]
    assert positions == sorted(positions) and len(set(positions)) == 5
    # Check each step carries the recorded clock and recorder of its event.
    clocks = recorded_at(imported, SHELLING)
    assert [(s["recorded_at"], s["recorded_by"]) for s in audit["steps"]] == [
        (clocks[report], "tester") for report, *_ in SHELLING_STEPS
    ]
    # Check the provenance runs from the speaker outward, and the incident's chain verifies.
    assert [
        (p["hop"], p["agent"], p["role"], p["kind"], p["quote_mode"], p["published_at"])
        for p in audit["provenance"]
    ] == [
        (0, "Maj Gen Igor Konashenkov", "speaker", None, None, None),
        (1, MOD, "on_behalf_of", None, None, None),
        (2, MOD, "channel", "statement", None, None),
        (3, "Associated Press", "relay", "wire", None, None),
        (4, "Firstpost", "outlet", "web", "direct", "2017-09-21T21:07:52+05:30"),
    ]
    assert (audit["verified"], audit["chain"]) == (True, {"events": 9, "problems": []})


def test_audit_as_a_table_ends_with_the_status_and_the_chain_verdict(example: Cli) -> None:
    # Check the table form closes with the verdicts a reader looks for.
    result = example("audit", "mod-shelling")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout.endswith(
        f"status: disputed\nhash chain of {SHELLING}: verified, 9 event(s)\n"
    )


def test_audit_of_an_unknown_report_exits_1(example: Cli) -> None:
    # Check an id that is nowhere in the ledger is refused (exit 1) by name.
    result = example("audit", "no-such-report")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == UNKNOWN_REPORT


def test_audit_at_a_position_before_the_denial_shows_the_claim_unverified(example: Cli) -> None:
    # Check: the denial is at position 8; up to 7 the claim stands alone.
    before = json_of(example, "audit", "mod-shelling", "--at-position", "7", "--format", "json")
    assert (before["status"], statuses(before)) == ("unverified", [("mod-shelling", "unverified")])
    at = json_of(example, "audit", "mod-shelling", "--at-position", "8", "--format", "json")
    assert (at["status"], statuses(at)) == (
        "disputed",
        [("mod-shelling", "unverified"), ("sdf-shelling-denial", "disputed")],
    )


def test_audit_at_a_position_before_the_claim_exits_1(example: Cli) -> None:
    # Check: at position 4 the shelling incident is open but the claim (5) is not yet there.
    result = example("audit", "mod-shelling", "--at-position", "4")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == NOT_AT_THAT_CUT


def test_audit_reported_by_the_day_before_the_statements_finds_no_claim(example: Cli) -> None:
    # Check: MoD spoke on 21 Sept 2017, so by the 20th the claim had not been made.
    result = example("audit", "mod-shelling", "--reported-by", "2017-09-20")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == NOT_AT_THAT_CUT


def test_audit_reported_by_the_day_of_the_statements_keeps_only_what_was_stated(
    example: Cli,
) -> None:
    # Check: the discrepancies and the assessment have no stated_at, so they count from when
    # the ledger recorded them (after 2017) and fall outside the cut.
    audit = json_of(
        example, "audit", "mod-shelling", "--reported-by", "2017-09-21", "--format", "json"
    )
    assert (audit["status"], step_rows(audit)) == ("disputed", SHELLING_STEPS[:2])


def test_audit_as_of_before_the_import_finds_no_claim(example: Cli) -> None:
    # Check: the ledger recorded nothing in 2017, so it held no claim then.
    result = example("audit", "mod-shelling", "--as-of", "2017-09-22")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == NOT_AT_THAT_CUT


def test_audit_as_of_the_claims_recording_shows_what_the_ledger_held_then(example: Cli) -> None:
    imported = recorded_at(example, SHELLING)
    # Check: an import is one transaction, which the ledger holds all at once from its commit:
    # every event it added carries the same recorded_at.
    assert len(set(imported.values())) == 1
    verdict = example(
        "verdict", SHELLING, "--report", "later-verdict", "--refers-to", "mod-shelling",
        "--status", "unverifiable", "--reason", "No access",
    )  # fmt: skip
    assert verdict.exit_code == EXIT_OK, verdict.output
    clocks = recorded_at(example, SHELLING)
    assert clocks["later-verdict"] > clocks["mod-shelling"] == imported["mod-shelling"]
    # Check: at the instant the import was recorded, the whole import was held (the denial too)
    # and the verdict, recorded after it, was not.
    then = json_of(
        example, "audit", "mod-shelling", "--as-of", clocks["mod-shelling"], "--format", "json"
    )
    assert (then["status"], step_rows(then)) == ("disputed", SHELLING_STEPS)
    # Check: as of the verdict's recording, it is the last step.
    later = json_of(
        example, "audit", "mod-shelling", "--as-of", clocks["later-verdict"], "--format", "json"
    )
    assert statuses(later)[-1] == ("later-verdict", "unverifiable")
    assert later["status"] == "unverifiable"


def test_a_denial_recorded_in_another_incident_is_a_step_of_the_claims_audit(
    example: Cli,
) -> None:
    denied = example(
        "deny",
        AIRSTRIKE,
        "--report",
        "coalition-denial",
        "--by",
        "US-led coalition",
        "--refers-to",
        "mod-special-forces-deployed",
        "--stated-at",
        "2017-09-22",
        "--summary",
        "No Russian special forces were seen east of the river.",
    )
    assert denied.exit_code == EXIT_OK, denied.output
    audit = json_of(example, "audit", "mod-special-forces-deployed", "--format", "json")
    assert [(s["report"], s["incident"], s["type"], s["status_after"]) for s in audit["steps"]] == [
        ("mod-special-forces-deployed", SHELLING, "claim", "unverified"),
        ("coalition-denial", AIRSTRIKE, "denial", "disputed"),
    ]
    # Check the audit still verifies the chain of the claim's own incident only.
    assert (audit["status"], audit["chain"]) == ("disputed", {"events": 9, "problems": []})


def test_a_retraction_by_the_asserter_makes_the_claim_retracted(example: Cli) -> None:
    # Check the retraction is the last step, and the claim is retracted from then on.
    retracted = example(
        "retract",
        SHELLING,
        "--report",
        "mod-withdraws",
        "--by",
        MOD,
        "--refers-to",
        "mod-shelling",
        "--stated-at",
        "2017-09-23",
    )
    assert retracted.exit_code == EXIT_OK, retracted.output
    audit = json_of(example, "audit", "mod-shelling", "--format", "json")
    assert statuses(audit)[-2:] == [
        ("mod-shelling-assessment", "disputed"),
        ("mod-withdraws", "retracted"),
    ]
    assert audit["status"] == "retracted"


def test_a_retraction_by_someone_else_leaves_the_claim_disputed(example: Cli) -> None:
    # Check: only the asserter can retract; the SDF's 'retraction' changes nothing.
    retracted = example(
        "retract", SHELLING, "--report", "sdf-withdraws", "--by", SDF, "--refers-to", "mod-shelling"
    )
    assert retracted.exit_code == EXIT_OK, retracted.output
    audit = json_of(example, "audit", "mod-shelling", "--format", "json")
    assert statuses(audit)[-1] == ("sdf-withdraws", "disputed")
    assert audit["status"] == "disputed"


# ---------------------------------------------------------------------------------------------
# show and history at a position


def test_show_at_a_position_before_the_denial_shows_every_assertion_unverified(
    example: Cli,
) -> None:
    # Check the incident as it stood at position 7, before the denial (8).
    shown = json_of(example, "show", SHELLING, "--at-position", "7", "--format", "json")
    incident = shown["incident"]
    assert (
        incident["status"],
        incident["assertions"],
        incident["disputed"],
        incident["reports"],
        incident["last_position"],
        incident["version"],
    ) == ("unverified", 3, 0, 4, 7, 4)
    assert [(a["report"], a["status"]) for a in shown["assertions"]] == [
        ("mod-shelling", "unverified"),
        ("mod-retaliation-warning", "unverified"),
        ("mod-special-forces-deployed", "unverified"),
    ]
    assert shown["disputes"] == []


def test_show_at_a_position_before_the_incident_was_opened_says_so(example: Cli) -> None:
    # Check: the shelling incident was opened at position 4.
    result = example("show", SHELLING, "--at-position", "3")
    assert result.exit_code == EXIT_REFUSED
    expected = f"error: incident '{SHELLING}' was not yet in the ledger at that cut-off\n"
    assert result.stderr == expected


def test_history_at_a_position_lists_only_the_events_up_to_it(example: Cli) -> None:
    # Check the opening event, the claim and the warning, and nothing after position 6.
    rows = json_of(example, "history", SHELLING, "--at-position", "6", "--format", "json")
    assert [(r["position"], r["version"], r["type"], r.get("report")) for r in rows] == [
        (4, 1, "incident", None),
        (5, 2, "claim", "mod-shelling"),
        (6, 3, "warning", "mod-retaliation-warning"),
    ]


# ---------------------------------------------------------------------------------------------
# diff


def test_diff_between_two_positions_lists_the_status_change_and_the_new_reports(
    example: Cli,
) -> None:
    # Check: between 7 and 9 came the denial (8) and the first discrepancy (9).
    changes = json_of(example, "diff", SHELLING, "--from", "#7", "--to", "#9", "--format", "json")
    assert changes == {
        "incident": [
            {"field": "status", "before": "unverified", "after": "disputed"},
            {"field": "disputed", "before": 0, "after": 1},
            {"field": "reports", "before": 4, "after": 6},
            {"field": "version", "before": 4, "after": 6},
        ],
        "assertions": [
            {
                "report": "mod-shelling",
                "field": "status",
                "before": "unverified",
                "after": "disputed",
            },
            {"report": "mod-shelling", "field": "denials", "before": 0, "after": 1},
            {"report": "mod-shelling", "field": "discrepancies", "before": 0, "after": 1},
        ],
        "new_reports": [
            {
                "position": 8,
                "report": "sdf-shelling-denial",
                "type": "denial",
                "by": SDF,
                "stated_at": "2017-09-21",
            },
            {
                "position": 9,
                "report": "mod-shelling-bank-discrepancy",
                "type": "discrepancy",
                "by": None,
                "stated_at": None,
            },
        ],
    }


def test_diff_to_the_same_cut_lists_nothing(example: Cli) -> None:
    # Check two equal cuts differ in nothing.
    changes = json_of(example, "diff", SHELLING, "--from", "#9", "--to", "#9", "--format", "json")
    assert changes == {"incident": [], "assertions": [], "new_reports": []}


# ---------------------------------------------------------------------------------------------
# proof and verify-proof


def seal(cli: Cli) -> str:
    """Seal the ledger; returns the root `ledger seal` printed."""
    result = cli("seal")
    assert result.exit_code == EXIT_OK, result.output
    printed = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    return printed["root"]


def proof_of(cli: Cli, report: str) -> dict[str, Any]:
    return dict(json_of(cli, "proof", report))


def check_proof(cli: Cli, proof: dict[str, Any], tmp_path: Path, *args: str) -> Result:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof))
    return cli("verify-proof", str(path), *args)


def test_a_proof_of_the_shelling_claim_verifies_offline_against_the_sealed_root(
    imported: Cli, tmp_path: Path
) -> None:
    root = seal(imported)
    proof = proof_of(imported, "mod-shelling")
    # Check the proof's parts: the event as history shows it, its place in the sealed tree.
    history = json_of(imported, "history", SHELLING, "--format", "json")
    claim = next(row for row in history if row.get("report") == "mod-shelling")
    assert (proof["report"], proof["incident"], proof["version"], proof["position"]) == (
        "mod-shelling",
        SHELLING,
        2,
        claim["position"],
    )
    # The example's actor lines are leaves too, before the incidents' events.
    leaf = EXAMPLE_ACTORS + 4
    assert (proof["leaf_index"], proof["tree_size"], proof["root"], proof["seal"]) == (
        leaf,
        EXAMPLE_EVENTS,
        root,
        1,
    )
    assert proof["event"] == {k: v for k, v in claim.items() if k not in ("position", "hash")}
    assert proof["hash"] == claim["hash"] == event_hash(proof["event"])
    assert len(proof["proof"]) == 4  # the path up a 16-leaf tree
    checked = check_proof(imported, proof, tmp_path, "--root", root)
    assert checked.exit_code == EXIT_OK, checked.output
    assert checked.stdout == (
        f"valid: event mod-shelling is leaf {leaf} of {EXAMPLE_EVENTS} under root {root}\n"
    )


def test_verify_proof_without_a_root_reminds_to_compare_it(example: Cli, tmp_path: Path) -> None:
    seal(example)
    proof = json.dumps(proof_of(example, "mod-shelling"))
    # Check the proof also reads from stdin.
    checked = example("verify-proof", "-", input=proof)
    assert checked.exit_code == EXIT_OK, checked.output
    assert checked.stderr == (
        "note: compare that root with one you kept elsewhere (or pass --root)\n"
    )


def flip_hex(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


def altered_path(proof: dict[str, Any]) -> None:
    proof["proof"][1] = flip_hex(proof["proof"][1])


def wrong_leaf_index(proof: dict[str, Any]) -> None:
    proof["leaf_index"] = 5


def altered_event(proof: dict[str, Any]) -> None:
    proof["event"]["summary"] = "Nobody shelled anyone."


def altered_event_and_hash(proof: dict[str, Any]) -> None:
    altered_event(proof)
    proof["hash"] = event_hash(proof["event"])


NO_PATH = "error: the path does not lead from the event to the root\n"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (altered_path, NO_PATH),
        (wrong_leaf_index, NO_PATH),
        (altered_event, "error: the event's content does not match its hash\n"),
        (altered_event_and_hash, NO_PATH),
    ],
)
def test_a_tampered_proof_exits_3_saying_what_does_not_hold(
    example: Cli, tmp_path: Path, tamper: Callable[[dict[str, Any]], None], message: str
) -> None:
    # Check each kind of tampering is named by what no longer holds.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    tamper(proof)
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == message


def test_a_proof_checked_against_another_root_exits_3(example: Cli, tmp_path: Path) -> None:
    # Check a proof that leads to its own root is still refused if that is not the kept root.
    root = seal(example)
    checked = check_proof(
        example, proof_of(example, "mod-shelling"), tmp_path, "--root", flip_hex(root)
    )
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == "error: the proof's root is not the root you gave\n"


def test_a_proof_of_an_incident_slug_proves_the_event_that_opened_it(example: Cli) -> None:
    # Check the slug names the incident's first event (version 1, position 4, leaf 3).
    seal(example)
    proof = proof_of(example, SHELLING)
    assert (proof["version"], proof["position"], proof["leaf_index"], proof["event"]["type"]) == (
        1,
        4,
        3,
        "incident",
    )


def test_proof_before_any_seal_exits_1(example: Cli) -> None:
    # Check: with no seal there is no root to prove against.
    result = example("proof", "mod-shelling")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == (
        "error: 'mod-shelling' is not covered by a seal yet: run 'ledger seal' first\n"
    )


def test_proof_of_a_report_recorded_after_the_last_seal_exits_1(example: Cli) -> None:
    # Check: the latest seal covers 12 events; the new claim is the 13th.
    seal(example)
    added = example(
        "claim",
        SHELLING,
        "--report",
        "later",
        "--by",
        "Kurdish Red Crescent",
        "--summary",
        "Shells hit the eastern bank.",
    )
    assert added.exit_code == EXIT_OK, added.output
    result = example("proof", "later")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == "error: 'later' is not covered by a seal yet: run 'ledger seal' first\n"


def test_proof_of_an_unknown_report_exits_1(example: Cli) -> None:
    # Check an id that is nowhere in the ledger is refused by name.
    seal(example)
    result = example("proof", "no-such-report")
    assert result.exit_code == EXIT_REFUSED
    assert result.stderr == UNKNOWN_REPORT


def test_verify_proof_never_vouches_for_a_report_the_proof_does_not_prove(
    example: Cli, tmp_path: Path
) -> None:
    # Check the output never names a report the proven event is not.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    proof["report"] = "sdf-shelling-denial"
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert "sdf-shelling-denial" not in checked.stdout


@pytest.mark.parametrize(
    "event", [["not", "an", "object"], {"type": "claim", "magnitude": 2**60}], ids=["list", "big"]
)
def test_verify_proof_refuses_an_unhashable_event_without_a_traceback(
    example: Cli, tmp_path: Path, event: Any
) -> None:
    # Check a malformed proof is refused with an exit code, not a traceback.
    root = seal(example)
    proof = proof_of(example, "mod-shelling")
    proof["event"] = event
    checked = check_proof(example, proof, tmp_path, "--root", root)
    assert isinstance(checked.exception, SystemExit), repr(checked.exception)
    assert checked.exit_code in (EXIT_BAD_INPUT, EXIT_INTEGRITY)


# ---------------------------------------------------------------------------------------------
# export


def without_recorded_at(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "recorded_at"} for row in rows]


def test_an_exported_ledger_reimported_elsewhere_derives_the_same_claims(
    imported: Cli, tmp_path: Path
) -> None:
    exported = imported("export", "--format", "jsonl")
    assert exported.exit_code == EXIT_OK, exported.output
    assert len(exported.stdout.splitlines()) == EXAMPLE_EVENTS
    path = tmp_path / "export.jsonl"
    path.write_text(exported.stdout)
    elsewhere = str(tmp_path / "elsewhere.db")
    reimported = invoke(elsewhere, "import", str(path))
    assert reimported.exit_code == EXIT_OK, reimported.output
    assert reimported.stderr == EXAMPLE_IMPORTED + "\n"
    # Check every derived column agrees but the ledger's own clock.
    original = json_of(imported, "report", "claims", "--format", "json")
    copy = json_of(lambda *a: invoke(elsewhere, *a), "report", "claims", "--format", "json")
    assert len(original) == 6  # 4 claims and warnings, and 2 denials (assertions in v2)
    assert without_recorded_at(copy) == without_recorded_at(original)
    assert [c["recorded_at"] for c in copy] != [c["recorded_at"] for c in original]


def test_exported_events_rehash_and_chain_as_the_readme_says(example: Cli) -> None:
    exported = example("export", "--format", "events")
    assert exported.exit_code == EXIT_OK, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["position"] for line in lines] == list(range(1, 13))
    last: dict[str, tuple[int, str]] = {}
    for line in lines:
        content = {k: v for k, v in line.items() if k not in ("position", "hash", "signature")}
        # Check the hash, with the ledger's function and with RFC 8785 + SHA-256 directly.
        assert event_hash(content) == line["hash"]
        assert hashlib.sha256(rfc8785.dumps(content)).hexdigest() == line["hash"]
        # Check the link to the previous event of the same incident, and the version after it.
        version, previous = last.get(line["incident"], (0, GENESIS_HASH))
        assert (line["version"], line["prev_hash"]) == (version + 1, previous)
        last[line["incident"]] = (line["version"], line["hash"])
    assert {incident: version for incident, (version, _) in last.items()} == {
        AIRSTRIKE: 3,
        SHELLING: 9,
    }


def test_exported_events_of_a_signed_ledger_carry_signatures_the_public_key_accepts(
    tmp_path: Path,
) -> None:
    # Check each exported signature verifies against its hash with the public key.
    private, public = tmp_path / "ledger.key", tmp_path / "ledger.pub"
    db = str(tmp_path / "signed.db")
    assert invoke(db, "keygen", str(private), str(public)).exit_code == EXIT_OK
    signed_import = invoke(db, "import", str(EXAMPLE), key=private)
    assert signed_import.exit_code == EXIT_OK, signed_import.output
    exported = invoke(db, "export", "--format", "events", "--incident", SHELLING)
    assert exported.exit_code == EXIT_OK, exported.output
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    check = load_signature_check(public)
    assert [line["incident"] for line in lines] == [SHELLING] * 9
    assert all(check(line["hash"], line["signature"]) for line in lines)
