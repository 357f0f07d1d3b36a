"""DOMAIN.md version 2's "Derived status", rules 1-7 and counts, checked on hand-built logs.

Each case is a log of `actor` lines and reports in order (positions 1..); the authors are
resolved through the registry the cut uses, as the fold will do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.registry import ActorLine, Registry, RegistryHistory
from ledger.report_fields import ASSERTION_TYPES, INCIDENT_ASSERTION_TYPES
from ledger.status_rules import (
    Derived,
    derive,
    incident_status,
)

# The registry of the cases: two states with bodies under them, and parties of their own.
RUSSIA = ActorLine("Government of Russia", ("Russia", "Moscow"), kind="state")
MOD = ActorLine("Russian Ministry of Defence", ("Russian MoD",), part_of="Russia")
MFA = ActorLine("Russian Ministry of Foreign Affairs", ("Russian MFA",), part_of="Russia")
SDF = ActorLine("Syrian Democratic Forces", ("SDF", "QSD"))
IRAN = ActorLine("Islamic Republic of Iran", ("Iran",), kind="state")
IRAN_GS = ActorLine("General Staff of the Iranian Armed Forces", ("Iran's General Staff",))
IRGC = ActorLine("Islamic Revolutionary Guard Corps", ("IRGC",), part_of="Iran")
US = ActorLine("United States Government", ("US government",), kind="state")
PRESIDENT = ActorLine("President of the United States", part_of="United States Government")
PENTAGON = ActorLine("US Department of Defense", ("Pentagon",), part_of="US government")
CANADA = ActorLine("Government of Canada", ("Canada",))
REGISTRY = (RUSSIA, MOD, MFA, SDF, IRAN, IRAN_GS, IRGC, US, PRESIDENT, PENTAGON, CANADA)
IRAN_GS_UNDER_IRAN = ActorLine("Iran's General Staff", part_of="Iran")


# Builders: one report each; positions come from their place in the log.


def claim(report: str, by: str, against: Sequence[str] = (), **fields: Any) -> dict[str, Any]:
    return {"type": "claim", "report": report, "by": by, "against": list(against), **fields}


def warning(report: str, by: str, threatened_party: str = "SDF") -> dict[str, Any]:
    return {"type": "warning", "report": report, "by": by, "threatened_party": threatened_party}


def denial(report: str, refers_to: str, by: str, **fields: Any) -> dict[str, Any]:
    return {"type": "denial", "report": report, "by": by, "refers_to": [refers_to], **fields}


def corroboration(report: str, refers_to: str, by: str, independent: bool = True) -> dict[str, Any]:
    return {
        "type": "corroboration",
        "report": report,
        "by": by,
        "refers_to": [refers_to],
        "independent": independent,
    }


def retraction(report: str, refers_to: str, by: str) -> dict[str, Any]:
    return {"type": "retraction", "report": report, "by": by, "refers_to": [refers_to]}


def verdict(report: str, refers_to: str, status: str) -> dict[str, Any]:
    return {"type": "verdict", "report": report, "refers_to": [refers_to], "status": status}


def outcome(report: str, refers_to: str, value: str, by: str = "Russian MoD") -> dict[str, Any]:
    return {
        "type": "outcome",
        "report": report,
        "by": by,
        "refers_to": [refers_to],
        "outcome": value,
    }


def void(report: str, refers_to: str) -> dict[str, Any]:
    return {"type": "correction", "report": report, "refers_to": [refers_to], "void": True}


@dataclass(slots=True)
class Rep:
    """A report as the rules read it (the fold's `FoldedReport` has the same shape)."""

    id: str
    type: str
    actor: str | None
    position: int
    data: dict[str, Any]

    def get(self, key: str, /) -> Any:
        return self.data.get(key)


class Index:
    """The `Referrals` of a list of reports: voided ones left out, lists in log order."""

    def __init__(self, reports: list[Rep]) -> None:
        voided = {ref for r in reports if r.get("void") for ref in r.get("refers_to")}
        self.referrers: dict[tuple[str, str], list[Rep]] = {}
        self.superseders: dict[str, list[Rep]] = {}
        for r in reports:
            if r.id in voided:
                continue
            for ref in r.get("refers_to") or ():
                self.referrers.setdefault((ref, r.type), []).append(r)
            for ref in r.get("supersedes") or ():
                self.superseders.setdefault(ref, []).append(r)

    def referring(self, report: Rep, type_: str, /) -> Sequence[Rep]:
        return self.referrers.get((report.id, type_), [])

    def superseding(self, report: Rep, /) -> Sequence[Rep]:
        return self.superseders.get(report.id, [])


Entry = ActorLine | dict[str, Any]


def statuses(*log: Entry, at: int | None = None) -> dict[str, Derived]:
    """Each assertion's derived status, in a cut at position `at` (None: the whole log)."""
    history = RegistryHistory()
    reports = []
    for position, entry in enumerate(log, start=1):
        if isinstance(entry, ActorLine):
            history.append(entry, position)
        elif at is None or position <= at:
            reports.append((position, entry))
    registry = history.now if at is None else history.at(at)
    return derive_all(reports, registry)


def derive_all(reports: list[tuple[int, dict[str, Any]]], registry: Registry) -> dict[str, Derived]:
    reps = [
        Rep(data["report"], data["type"], _author(data, registry), position, data)
        for position, data in reports
    ]
    index = Index(reps)
    return {r.id: derive(r, index, registry) for r in reps if r.type in ASSERTION_TYPES}


def _author(data: dict[str, Any], registry: Registry) -> str | None:
    return registry.resolve(data["by"]) if data.get("by") else None


UNVERIFIED = {"status": "unverified", "denials": 0, "internal_denials": 0}

# Each case: a log, then expected fields per assertion.
CASES = [
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD")],
        {"c": {**UNVERIFIED, "acknowledgements": 0, "corroborations": 0, "superseded_by": None}},
        id="a claim nobody answered is unverified",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD", ["SDF"]), denial("d", "c", "QSD")],
        {"c": {"status": "disputed", "denials": 1}, "d": UNVERIFIED},
        id="a denial by another side disputes it, and is an unverified assertion itself",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "SDF"), denial("d", "c", "Syrian Democratic Forces")],
        {"c": {"status": "retracted", "denials": 0, "internal_denials": 0}},
        id="the author denying its own claim under another name withdraws it",
    ),
    pytest.param(
        [claim("c", "SDF"), denial("d", "c", "Syrian Democratic Forces"), *REGISTRY],
        {"c": {"status": "retracted"}},
        id="an alias registered after the reports still makes the denial the author's own",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "QSD"), retraction("r", "c", "Syrian Democratic Forces")],
        {"c": {"status": "retracted"}},
        id="a retraction by the author under its alias retracts",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), retraction("r", "c", "Moscow")],
        {"c": {"status": "retracted"}},
        id="a retraction by the author's ancestor retracts",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), retraction("r", "c", "Russian MFA")],
        {"c": UNVERIFIED},
        id="a retraction by a sibling body changes nothing",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russia"), retraction("r", "c", "Russian MoD")],
        {"c": UNVERIFIED},
        id="a retraction by a body under the author changes nothing",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), retraction("r", "c", "SDF")],
        {"c": UNVERIFIED},
        id="a retraction by another party changes nothing",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            retraction("r1", "c", "Russian MoD"),
            retraction("r2", "r1", "Government of Russia"),
        ],
        {"c": UNVERIFIED},
        id="a retraction retracted by its author's ancestor no longer stands",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            denial("d", "c", "SDF"),
            retraction("r", "d", "QSD"),
        ],
        {"c": {**UNVERIFIED, "denials": 0}, "d": {"status": "retracted"}},
        id="a denial its author retracted no longer disputes",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "SDF"),
            denial("d", "c", "Russian MoD"),
            retraction("r", "d", "Russia"),
        ],
        {"c": {**UNVERIFIED, "denials": 0}},
        id="a denial retracted by its author's ancestor no longer disputes",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "SDF"),
            denial("d", "c", "Russian MoD"),
            retraction("r", "d", "SDF"),
        ],
        {"c": {"status": "disputed", "denials": 1}},
        id="a denial 'retracted' by someone else still stands",
    ),
    pytest.param(
        [*REGISTRY, warning("w", "President of the United States"), denial("d", "w", "Pentagon")],
        {"w": {"status": "unverified", "denials": 0, "internal_denials": 1, "outcome": "pending"}},
        id="a Pentagon qualification of the President's threat is internal, not a dispute",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), denial("d", "c", "Russia")],
        {"c": {"status": "unverified", "denials": 0, "internal_denials": 1}},
        id="a denial by the author's ancestor is internal, not a withdrawal",
    ),
    pytest.param(
        [
            *REGISTRY,
            IRAN_GS_UNDER_IRAN,
            claim("c", "Canada", ["Iran"]),
            denial("d", "c", "IRGC"),
            corroboration("k", "c", "Iran's General Staff", independent=False),
        ],
        {"c": {"status": "acknowledged", "denials": 1, "acknowledgements": 1}},
        id="the accused side's admission acknowledges a claim another of its bodies denied",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Canada", ["Iran"]),
            denial("d", "c", "IRGC"),
            corroboration("k", "c", "Iran's General Staff"),
            IRAN_GS_UNDER_IRAN,
        ],
        {"c": {"status": "acknowledged"}},
        id="a part_of registered after the admission makes it an acknowledgement",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            corroboration("k", "c", "Russian Ministry of Defence"),
        ],
        {"c": {**UNVERIFIED, "corroborations": 0, "other_corroborations": 1}},
        id="the author corroborating itself under its alias is no independent corroboration",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), corroboration("k", "c", "Russian MFA")],
        {"c": {**UNVERIFIED, "corroborations": 0, "other_corroborations": 1}},
        id="a corroboration by the author's own side is not independent",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), corroboration("k", "c", "SDF")],
        {"c": {"status": "corroborated", "corroborations": 1, "other_corroborations": 0}},
        id="an independent corroboration by another side corroborates",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), corroboration("k", "c", "SDF", independent=False)],
        {"c": {**UNVERIFIED, "corroborations": 0, "other_corroborations": 1}},
        id="a corroboration not marked independent is only counted",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "SDF", ["Russia"]), corroboration("k", "c", "Russian MoD")],
        {"c": {"status": "acknowledged", "acknowledgements": 1, "corroborations": 0}},
        id="an independent admission by the accused counts once, as an acknowledgement",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD", killed=500),
            claim("c2", "Russian MoD", killed=471, supersedes=["c"]),
        ],
        {"c": {"status": "superseded", "superseded_by": "c2"}, "c2": UNVERIFIED},
        id="a ministry revising its own toll supersedes the first figure",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), claim("c2", "Russian MFA", supersedes=["c"])],
        {"c": {"status": "superseded", "superseded_by": "c2"}},
        id="a statement by another body of the same side supersedes",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), claim("c2", "SDF", supersedes=["c"])],
        {"c": {**UNVERIFIED, "superseded_by": None}},
        id="another side's supersedes (refused at input) supersedes nothing here either",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            claim("c2", "Russian MoD", supersedes=["c"]),
            retraction("r", "c2", "Russian MoD"),
        ],
        {"c": {**UNVERIFIED, "superseded_by": None}, "c2": {"status": "retracted"}},
        id="a retracted revision leaves the original standing",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            claim("c2", "Russian MoD", supersedes=["c"]),
            retraction("r", "c", "Russian MoD"),
        ],
        {"c": {"status": "retracted", "superseded_by": "c2"}},
        id="retracted comes before superseded",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Russian MoD"),
            verdict("v", "c", "confirmed"),
            claim("c2", "Russian MoD", supersedes=["c"]),
        ],
        {"c": {"status": "superseded", "verdict": "confirmed"}},
        id="superseded comes before a verdict",
    ),
    pytest.param(
        [
            *REGISTRY,
            claim("c", "Canada", ["Iran"]),
            corroboration("k", "c", "IRGC"),
            verdict("v1", "c", "confirmed"),
            verdict("v2", "c", "refuted"),
        ],
        {"c": {"status": "refuted", "verdict": "refuted", "acknowledgements": 1}},
        id="the latest verdict in log order comes before an acknowledgement",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), denial("d", "c", "SDF"), void("x", "d")],
        {"c": {**UNVERIFIED, "denials": 0}},
        id="a voided denial does not count",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "Russian MoD"), denial("d", "c", "SDF"), denial("dd", "d", "MoD X")],
        {"d": {"status": "disputed", "denials": 1}},
        id="a denial can itself be disputed",
    ),
    pytest.param(
        [
            *REGISTRY,
            warning("w", "Russian MoD"),
            outcome("o1", "w", "carried_out"),
            outcome("o2", "w", "withdrawn"),
            retraction("r", "o2", "Russian MoD"),
        ],
        {"w": {"status": "unverified", "outcome": "carried_out"}},
        id="a warning's outcome is the latest that stands",
    ),
    pytest.param(
        [*REGISTRY, warning("w", "Russian MoD"), corroboration("k", "w", "QSD")],
        {"w": {"status": "acknowledged", "outcome": "pending"}},
        id="the threatened party corroborating a warning acknowledges it",
    ),
    pytest.param(
        [*REGISTRY, claim("c", "SDF"), {**denial("d", "c", "x"), "by": None}],
        {"c": {"status": "disputed", "denials": 1, "internal_denials": 0}},
        id="a denial with no author is on nobody's side: it disputes, never withdraws",
    ),
    pytest.param(
        [claim("c", "sdf"), denial("d", "c", "SDF "), claim("e", "Kurds"), denial("f", "e", "YPG")],
        {"c": {"status": "retracted"}, "e": {"status": "disputed", "denials": 1}},
        id="without a registry names compare by their v1 ids",
    ),
]


@pytest.mark.parametrize(("log", "expected"), CASES)
def test_derived_status_follows_the_rules(
    log: list[Entry], expected: dict[str, dict[str, Any]]
) -> None:
    derived = statuses(*log)
    for report, fields in expected.items():
        # Check each expected field of each assertion (the others are left to other cases).
        got = {field: getattr(derived[report], field) for field in fields}
        assert got == fields, report


def test_a_cut_uses_the_registry_as_held_at_its_position() -> None:
    log = [
        *REGISTRY,
        claim("c", "Canada", ["Iran"]),
        denial("d", "c", "IRGC"),
        corroboration("k", "c", "Iran's General Staff"),
        IRAN_GS_UNDER_IRAN,
    ]
    admission = len(log) - 1
    # Check that before the part_of line the General Staff is another side: it corroborates, and
    # the IRGC's denial disputes.
    cut = statuses(*log, at=admission)["c"]
    assert (cut.status, cut.acknowledgements, cut.corroborations) == ("disputed", 0, 1)
    # Check that once the ledger holds the part_of, the same reports acknowledge the claim.
    now = statuses(*log)["c"]
    assert (now.status, now.acknowledgements, now.corroborations) == ("acknowledged", 1, 0)


def test_a_cut_before_an_alias_keeps_the_two_names_two_actors() -> None:
    log = [claim("c", "SDF"), denial("d", "c", "Syrian Democratic Forces"), SDF]
    # Check the denial disputes the claim until the alias is registered, then withdraws it.
    assert statuses(*log, at=2)["c"].status == "disputed"
    assert statuses(*log)["c"].status == "retracted"


def test_the_incident_status_is_the_first_in_version_2s_order() -> None:
    # Check the order, and that an incident with no claims or warnings is open.
    assert incident_status(["retracted", "acknowledged", "corroborated"]) == "corroborated"
    assert incident_status(["superseded", "confirmed"]) == "confirmed"
    assert incident_status(["retracted", "superseded"]) == "superseded"
    assert incident_status([]) == "open"
    assert "denial" not in INCIDENT_ASSERTION_TYPES


# Properties: random answers to one claim, by names drawn from registered and unregistered ones.

NAMES = ["Russian MoD", "Moscow", "Russian MFA", "QSD", "SDF", "Iran", "IRGC", "Canada", "Kurds"]
UNUSED = ["Kremlin", "Tehran", "Ottawa"]
VERDICTS = ["confirmed", "refuted", "unverifiable"]
ANSWER_TYPES = ["denial", "corroboration", "retraction", "verdict"]


@st.composite
def answers(draw: st.DrawFn, types: Sequence[str] = ANSWER_TYPES) -> list[dict[str, Any]]:
    """A claim, then answers referring to it or to an earlier answer."""
    log = [claim("c", draw(st.sampled_from(NAMES)), [draw(st.sampled_from(NAMES))])]
    for n in range(draw(st.integers(0, 8))):
        kind = draw(st.sampled_from(types))
        target = draw(st.sampled_from([r["report"] for r in log]))
        by, report = draw(st.sampled_from(NAMES)), f"a{n}"
        if kind == "denial":
            log.append(denial(report, target, by))
        elif kind == "corroboration":
            log.append(corroboration(report, target, by, draw(st.booleans())))
        elif kind == "retraction":
            log.append(retraction(report, target, by))
        else:
            log.append(verdict(report, "c", draw(st.sampled_from(VERDICTS))))
    return log


@settings(max_examples=150, deadline=None)
@given(answers(), st.sampled_from(UNUSED), st.sampled_from(REGISTRY))
def test_registering_an_alias_no_report_uses_changes_no_status(
    log: list[dict[str, Any]], alias: str, actor: ActorLine
) -> None:
    before = statuses(*REGISTRY, *log)
    after = statuses(*REGISTRY, *log, ActorLine(actor.actor, (alias,)))
    # Check every assertion derives exactly as before.
    assert after == before


@settings(max_examples=150, deadline=None)
@given(answers(types=["denial", "corroboration"]), st.randoms(use_true_random=False))
def test_the_order_independent_answers_arrive_in_changes_nothing(
    log: list[dict[str, Any]], rng: Any
) -> None:
    # Answers that refer only to the claim are independent of each other: shuffle them.
    direct = [r for r in log[1:] if r["refers_to"] == ["c"]]
    rest = [r for r in log[1:] if r["refers_to"] != ["c"]]
    shuffled = direct[:]
    rng.shuffle(shuffled)
    # Check the claim, and every answer, derive the same either way.
    assert statuses(*REGISTRY, log[0], *shuffled, *rest) == statuses(
        *REGISTRY, log[0], *direct, *rest
    )
