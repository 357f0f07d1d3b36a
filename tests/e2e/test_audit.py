"""`ledger audit`, `show`/`history` at cut-offs, and `diff`.

Driven through the real Typer app. Most tests run on a copy of one SQLite ledger holding the
worked example's incidents without its registry (so positions are known: the airstrike incident
at 1-3, the shelling incident at 4-12); a representative subset runs on both backends through
`run_cli`, with the whole example.
"""

from __future__ import annotations

from ledger.errors import EXIT_OK, EXIT_REFUSED
from tests.e2e.audit_cli import (
    AIRSTRIKE,
    AUDIT_KEYS,
    MOD,
    NOT_AT_THAT_CUT,
    SDF,
    SHELLING,
    SHELLING_STEPS,
    STEP_KEYS,
    UNKNOWN_REPORT,
    Cli,
    json_of,
    recorded_at,
    statuses,
    step_rows,
)

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
