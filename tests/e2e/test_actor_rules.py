"""DOMAIN.md version 2's actor rules through the CLI, on both backends, as tables of cases:
`--actor`/`--side` in reports, the same-side rule of `supersedes`, denials of denials, and the
registry each cut-off uses. Each case names the author, the side, the ancestor, or when an
alias was registered (before or after the reports)."""

from __future__ import annotations

import json
from typing import Any

import pytest

INCIDENT = "deir-ez-zor-shelling-2017-09"
RUSSIA = "Government of Russia"
MOD = "Russian Ministry of Defence"
MFA = "Russian Ministry of Foreign Affairs"
SDF = "Syrian Democratic Forces"

# The worked example's registry, one actor line each (DOMAIN.md, "The actor registry").
REGISTRY = (
    ("actor", RUSSIA, "--alias", "Russia", "--kind", "state"),
    ("actor", MOD, "--alias", "Russian MoD", "--part-of", RUSSIA),
    ("actor", MFA, "--part-of", "Russia"),
    ("actor", SDF, "--alias", "SDF", "--kind", "armed_group"),
    ("actor", "US-led coalition", "--alias", "Coalition"),
)


def ok(run_cli: Any, *args: str, input: str | None = None) -> Any:
    result = run_cli(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


def json_of(run_cli: Any, *args: str) -> Any:
    return json.loads(ok(run_cli, *args, "--format", "json").stdout)


def registered(run_cli: Any) -> None:
    for line in REGISTRY:
        ok(run_cli, *line)
    ok(run_cli, "open", INCIDENT, "--title", "Shelling")


def claim(run_cli: Any, report: str, by: str, *more: str) -> Any:
    return run_cli("claim", INCIDENT, "--report", report, "--by", by, "--summary", "Fire", *more)


def deny(run_cli: Any, report: str, by: str, refers_to: str) -> Any:
    return run_cli(
        "deny",
        INCIDENT,
        "--report",
        report,
        "--by",
        by,
        "--refers-to",
        refers_to,
        "--summary",
        "No",
    )


def statuses(run_cli: Any, *cut: str) -> dict[str, str]:
    view = json_of(run_cli, "show", INCIDENT, *cut)
    return {row["report"]: row["status"] for row in view["assertions"]}


# --- --actor and --side in reports ----------------------------------------------------------


@pytest.fixture
def reported(run_cli: Any) -> Any:
    """Claims by each of the registry's actors, some under an alias, one by an unregistered
    name."""
    registered(run_cli)
    for report, by in (
        ("by-mod", MOD),
        ("by-mod-alias", "Russian MoD"),
        ("by-mfa", MFA),
        ("by-russia", "Russia"),
        ("by-sdf", "SDF"),
        ("by-monitor", "Syrian Observatory"),
    ):
        ok(run_cli, "claim", INCIDENT, "--report", report, "--by", by, "--summary", "Fire")
    return run_cli


@pytest.mark.parametrize(
    ("option", "name", "expected"),
    [
        # --actor: the actor a name resolves to, under any of its names.
        ("--actor", MOD, {"by-mod", "by-mod-alias"}),
        ("--actor", "russian mod", {"by-mod", "by-mod-alias"}),  # alias, case folded
        ("--actor", "SDF", {"by-sdf"}),
        ("--actor", SDF, {"by-sdf"}),  # canonical name, the claim used the alias
        ("--actor", RUSSIA, {"by-russia"}),  # the parent alone: not its parts
        ("--actor", "Syrian Observatory", {"by-monitor"}),  # unregistered: its own actor
        # --side: the actor and everything part of it, directly or not.
        ("--side", "Russia", {"by-mod", "by-mod-alias", "by-mfa", "by-russia"}),
        ("--side", "Russian MoD", {"by-mod", "by-mod-alias"}),  # a leaf: itself only
        ("--side", SDF, {"by-sdf"}),
        ("--side", "Syrian Observatory", {"by-monitor"}),
    ],
)
def test_a_report_filter_resolves_names_through_the_registry(
    reported: Any, option: str, name: str, expected: set[str]
) -> None:
    rows = json_of(reported, "report", "claims", option, name)
    assert {row["report"] for row in rows} == expected


def test_side_and_actor_filter_the_other_reports_too(reported: Any) -> None:
    actors = json_of(reported, "report", "actors", "--side", RUSSIA)
    assert {row["actor"] for row in actors} == {
        "government-of-russia",
        "russian-ministry-of-defence",
        "russian-ministry-of-foreign-affairs",
    }
    assert [r["actor"] for r in json_of(reported, "report", "actors", "--actor", "QSD")] == []
    incidents = json_of(reported, "report", "incidents", "--actor", "Russian MoD")
    assert [row["incident"] for row in incidents] == [INCIDENT]
    # Both filters: rows under the side *and* about the actor.
    both = json_of(reported, "report", "claims", "--side", RUSSIA, "--actor", "SDF")
    assert both == []


def test_an_unknown_actor_gives_an_empty_result_and_a_hint_naming_close_names(
    reported: Any,
) -> None:
    result = reported("report", "claims", "--actor", "Syrian Democratic Force", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    assert result.stderr.count("\n") == 1
    assert "no actor named 'Syrian Democratic Force'" in result.stderr
    assert f"'{SDF}'" in result.stderr
    # Close to a name a report used, not a registered one: still offered.
    result = reported("report", "claims", "--side", "Syrian Observatorie", "-f", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])
    assert "'Syrian Observatory'" in result.stderr
    # Nothing close: the hint says so in one line, without suggestions.
    result = reported("report", "claims", "--actor", "Zzyzx", "-f", "json")
    assert result.stderr == "--actor: no actor named 'Zzyzx' in the ledger\n"


# --- supersedes: only by the same side --------------------------------------------------------


@pytest.mark.parametrize(
    ("original_by", "revised_by", "refused"),
    [
        (MOD, MOD, False),  # the author revising its own toll
        (MOD, "Russian MoD", False),  # the same author under an alias
        (MOD, MFA, False),  # another body of the same side
        (MOD, RUSSIA, False),  # the ancestor
        (MFA, "Russia", False),  # ancestor, alias of it
        (MOD, SDF, True),  # another side
        ("SDF", "Coalition", True),  # another side, both under aliases
        (MOD, "Syrian Observatory", True),  # an unregistered actor is its own side
    ],
)
def test_supersedes_is_refused_across_sides(
    run_cli: Any, original_by: str, revised_by: str, refused: bool
) -> None:
    registered(run_cli)
    ok(run_cli, *_claim_args("toll-500", original_by))
    result = run_cli(*_claim_args("toll-471", revised_by), "--supersedes", "toll-500")
    if refused:
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1, result.stderr
        assert "supersede only one by its own side" in result.stderr
        assert "toll-471" not in {r["report"] for r in json_of(run_cli, "report", "claims")}
    else:
        assert result.exit_code == 0, result.output
        assert statuses(run_cli)["toll-500"] == "superseded"


def _claim_args(report: str, by: str) -> tuple[str, ...]:
    return ("claim", INCIDENT, "--report", report, "--by", by, "--summary", "Killed")


@pytest.mark.parametrize("alias_first", [True, False])
def test_supersedes_under_an_alias_is_accepted_only_once_the_alias_is_registered(
    run_cli: Any, alias_first: bool
) -> None:
    ok(run_cli, "open", INCIDENT, "--title", "Shelling")
    ok(run_cli, "actor", SDF)
    if alias_first:
        ok(run_cli, "actor", SDF, "--alias", "QSD")
    ok(run_cli, *_claim_args("toll-500", SDF))
    result = run_cli(*_claim_args("toll-471", "QSD"), "--supersedes", "toll-500")
    assert result.exit_code == (0 if alias_first else 1), result.output


# --- denials are assertions: denied, corroborated, judged -------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected_denial_status", "expected_claim_status"),
    [
        # The hostile case: the accuser denies the denial. Another side: a dispute of the denial;
        # the denial still stands, so the claim stays disputed.
        (("deny", "--by", MOD, "--summary", "It did"), "disputed", "disputed"),
        # A body of the accuser's side denying the denial is another side than the SDF too.
        (("deny", "--by", MFA, "--summary", "It did"), "disputed", "disputed"),
        # The denier denying its own denial withdraws it (rule 1: its status is `retracted`),
        # but only a retraction stops a denial *standing* (DOMAIN.md's definition, kept as
        # written): the claim stays disputed until the SDF retracts its denial.
        (("deny", "--by", "SDF", "--summary", "We retract"), "retracted", "disputed"),
        (("retract", "--by", "SDF"), "retracted", "unverified"),
        (
            ("corroborate", "--by", "Coalition", "--independent", "--summary", "True"),
            "corroborated",
            "disputed",
        ),
        (("verdict", "--status", "refuted", "--reason", "Footage"), "refuted", "disputed"),
    ],
)
def test_a_denial_can_itself_be_answered(
    run_cli: Any,
    answer: tuple[str, ...],
    expected_denial_status: str,
    expected_claim_status: str,
) -> None:
    registered(run_cli)
    ok(run_cli, *_claim_args("mod-claim", MOD), "--against", "SDF")
    ok(run_cli, "deny", INCIDENT, "--report", "sdf-denial", "--by", SDF, "--refers-to",
       "mod-claim", "--summary", "No")  # fmt: skip
    command, *rest = answer
    ok(run_cli, command, INCIDENT, "--refers-to", "sdf-denial", *rest)
    found = statuses(run_cli)
    assert (found["sdf-denial"], found["mod-claim"]) == (
        expected_denial_status,
        expected_claim_status,
    )
    # Audit of a denial works like audit of a claim: a status after every step.
    audit = json_of(run_cli, "audit", "sdf-denial")
    assert audit["status"] == expected_denial_status
    assert all(step["status_after"] for step in audit["steps"])


# --- which registry a cut uses ------------------------------------------------------------------


def test_each_cut_off_uses_the_registry_it_should(run_cli: Any) -> None:
    """An alias registered after the reports: --at-position and --as-of before it read the two
    names as two actors (a dispute), --reported-by uses today's registry (withdrawn)."""
    ok(run_cli, "open", INCIDENT, "--title", "Shelling")
    ok(run_cli, *_claim_args("sdf-claim", "SDF"), "--stated-at", "2017-09-16")
    ok(run_cli, "deny", INCIDENT, "--report", "sdf-denial", "--by", SDF, "--refers-to",
       "sdf-claim", "--summary", "No", "--stated-at", "2017-09-17")  # fmt: skip
    before = json_of(run_cli, "history", INCIDENT)[-1]
    ok(run_cli, "actor", SDF, "--alias", "SDF")
    cases = {
        (): "retracted",
        ("--at-position", str(before["position"])): "disputed",
        ("--as-of", before["recorded_at"]): "disputed",
        ("--reported-by", "2017-09-17"): "retracted",
        ("--reported-by", "2017-09-17", "--at-position", str(before["position"])): "disputed",
    }
    for cut, expected in cases.items():
        assert statuses(run_cli, *cut)["sdf-claim"] == expected, cut
        assert json_of(run_cli, "audit", "sdf-claim", *cut)["status"] == expected, cut
    changed = json_of(run_cli, "diff", INCIDENT, "--from", f"#{before['position']}")
    assert {
        "report": "sdf-claim",
        "field": "status",
        "before": "disputed",
        "after": "retracted",
    } in (changed["assertions"])


# --- history --actor, and the new facts in show and audit -----------------------------------


def test_history_of_an_actor_lists_its_registry_lines_by_any_of_its_names(run_cli: Any) -> None:
    registered(run_cli)
    ok(run_cli, "actor", "SDF", "--alias", "QSD", "--country", "SY")
    rows = json_of(run_cli, "history", "--actor", "qsd")
    assert [(r["version"], r["actor"], r.get("aliases")) for r in rows] == [
        (1, SDF, ["SDF"]),
        (2, "SDF", ["QSD"]),
    ]
    assert {r["aggregate"] for r in rows} == {"actor:syrian-democratic-forces"}
    # A cut applies as to the registry: --at-position before the second line shows the first.
    at = json_of(run_cli, "history", "--actor", "SDF", "--at-position", str(rows[0]["position"]))
    assert [r["version"] for r in at] == [1]
    unknown = run_cli("history", "--actor", "Syrian Democratic Force")
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        f"error: no registered actor is named 'Syrian Democratic Force'; did you mean '{SDF}'?\n"
    )
    assert run_cli("history", INCIDENT, "--actor", "SDF").exit_code == 2


def test_show_and_audit_display_side_supersedes_outcome_magnitude_and_evidence(
    run_cli: Any,
) -> None:
    registered(run_cli)
    ok(run_cli, *_claim_args("toll-500", MOD), "--killed", "500")
    ok(run_cli, "append", input=json.dumps({
        "type": "claim", "incident": INCIDENT, "report": "toll-471", "by": "Russian MoD",
        "summary": "Killed", "supersedes": ["toll-500"],
        "magnitude": {"killed": {"low": 400, "best": 471, "high": 520}, "civilians": True},
    }) + "\n")  # fmt: skip
    ok(run_cli, "warn", INCIDENT, "--report", "w", "--by", MOD, "--addressee", "Coalition",
       "--summary", "Retaliation")  # fmt: skip
    ok(run_cli, "outcome", INCIDENT, "--refers-to", "w", "--outcome", "carried_out")
    ok(run_cli, "deny", INCIDENT, "--by", MFA, "--refers-to", "toll-471", "--summary", "No")
    ok(run_cli, "cite", INCIDENT, "--report", "video", "--kind", "video",
       "--url", "https://example.org/v.mp4", "--supports", "toll-471")  # fmt: skip
    view = json_of(run_cli, "show", INCIDENT)
    rows = {row["report"]: row for row in view["assertions"]}
    assert rows["toll-500"]["superseded_by"] == "toll-471"
    assert rows["toll-500"]["magnitude"] == {"killed": {"low": 500, "best": 500, "high": 500}}
    assert rows["toll-471"]["magnitude"]["killed"] == {"low": 400, "best": 471, "high": 520}
    assert (rows["toll-471"]["side"], rows["toll-471"]["internal_denials"]) == (
        "government-of-russia",
        1,
    )
    assert rows["w"]["outcome"] == "carried_out"
    assert [(e["report"], e["kind"], e["supports"]) for e in view["evidence"]] == [
        ("video", "video", ["toll-471"])
    ]
    table = ok(run_cli, "show", INCIDENT, "--wide", "--no-pager").stdout
    assert "killed 400-520 (best 471); civilians" in table
    assert "evidence" in table
    audit = json_of(run_cli, "audit", "toll-471")
    assert audit["derived"]["internal_denials"] == 1
    assert audit["derived"]["magnitude"]["civilians"] is True
    assert json_of(run_cli, "audit", "toll-500")["derived"]["superseded_by"] == "toll-471"


def test_a_statement_superseding_one_in_another_incident_re_derives_it(run_cli: Any) -> None:
    """`supersedes` is an edge of the reference index like `refers_to`: the incremental views,
    a rebuild and an audit all see a revision filed under another incident."""
    registered(run_cli)
    ok(run_cli, "open", "other-incident", "--title", "Later report")
    ok(run_cli, *_claim_args("toll-500", MOD))
    revised = ("claim", "other-incident", "--report", "toll-471", "--by", "Russian MoD")
    ok(run_cli, *revised, "--summary", "Killed", "--supersedes", "toll-500")
    rows = {r["report"]: r for r in json_of(run_cli, "report", "claims")}
    assert rows["toll-500"]["status"] == "superseded"
    assert json_of(run_cli, "audit", "toll-500")["status"] == "superseded"
    assert statuses(run_cli)["toll-500"] == "superseded"
    assert run_cli("verify", "--views").exit_code == 0
    # A correction cannot move the edge (it is part of the report's place in the graph).
    moved = run_cli("correct", "other-incident", "--refers-to", "toll-471", "--reason", "x",
                    "--change", 'supersedes=["mod-other"]')  # fmt: skip
    assert moved.exit_code != 0
