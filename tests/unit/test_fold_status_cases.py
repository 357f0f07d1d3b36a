"""The derived-status rules of DOMAIN.md, checked on hand-built ledgers through `fold`: a table
of cases (a ledger, then the rows and statuses it must fold to), and which input types the
statuses need.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.fold import fold
from ledger.status_rules import STATUS_INPUT_TYPES
from tests.unit.fold_ledgers import (
    INC,
    MOD,
    OTHER,
    SDF,
    US,
    _log,
    _row,
    assessment,
    claim,
    correction,
    corroboration,
    denial,
    discrepancy,
    incident,
    link,
    retraction,
    verdict,
    warning,
)

# Each case: a ledger, then expectations keyed "table/key" (a row's columns, or None for "no such
# row") or "table" (its number of rows).
CASES = [
    pytest.param(
        [incident(), claim("c1")],
        {
            "claims/c1": {
                "status": "unverified",
                "denials": 0,
                "corroborations": 0,
                "other_corroborations": 0,
                "discrepancies": 0,
                "verdict": None,
            },
            f"incidents/{INC}": {"status": "unverified", "assertions": 1, "disputed": 0},
        },
        id="a plain claim is unverified",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1")],
        {
            "claims/c1": {"status": "disputed", "denials": 1},
            f"incidents/{INC}": {"status": "disputed", "disputed": 1},
            "disputes/c1/d1": {"claimant": MOD, "denier": SDF, "retracted": False},
        },
        id="a denial by another actor disputes the claim",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1", by=MOD)],
        # DOMAIN.md v2 rule 1: an author denying its own statement withdraws it.
        {"claims/c1": {"status": "retracted", "denials": 0}, "disputes": 0},
        id="a denial by the asserter itself withdraws it, no dispute",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), retraction("r1", "d1", by=SDF)],
        {
            "claims/c1": {"status": "unverified", "denials": 0},
            "disputes/c1/d1": {"retracted": True},
        },
        id="a denial retracted by its denier no longer disputes",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), retraction("r1", "d1", by=US)],
        {"claims/c1": {"status": "disputed", "denials": 1}, "disputes/c1/d1": {"retracted": False}},
        id="a denial retracted by a third party still disputes",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="confirmed"),
            retraction("r1", "c1", by=MOD),
        ],
        {
            "claims/c1": {"status": "retracted", "denials": 1, "verdict": "confirmed"},
            f"incidents/{INC}": {"status": "retracted", "disputed": 0},
        },
        id="a retraction by the asserter wins even over a denial and a verdict",
    ),
    pytest.param(
        [incident(), claim("c1"), retraction("r1", "c1", by=SDF)],
        {"claims/c1": {"status": "unverified"}},
        id="a retraction by someone other than the asserter is ignored",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="refuted"),
            verdict("v2", "c1", status="confirmed"),
        ],
        {
            "claims/c1": {"status": "confirmed", "verdict": "confirmed", "denials": 1},
            f"incidents/{INC}": {"status": "confirmed"},
        },
        id="the latest verdict wins over an earlier verdict and over a denial",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1")],
        {
            "claims/c1": {"status": "corroborated", "corroborations": 1, "other_corroborations": 0},
            f"incidents/{INC}": {"status": "corroborated"},
        },
        id="an independent corroboration by another actor corroborates",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1", independent=False)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 1}},
        id="a non-independent corroboration leaves the claim unverified",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1", by=MOD)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 1}},
        id="an independent corroboration by the asserter itself does not count",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), denial("d1", "c1")],
        {"claims/c1": {"status": "disputed", "denials": 1, "corroborations": 1}},
        id="a denial beats a corroboration and both counts are kept",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), retraction("r1", "k1", by=US)],
        {"claims/c1": {"status": "unverified", "corroborations": 0, "other_corroborations": 0}},
        id="a corroboration retracted by its corroborator no longer counts",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), correction("x1", "d1", void=True)],
        {
            "claims/c1": {"status": "unverified", "denials": 0},
            "disputes": 0,
            "timeline/d1": {"voided": True, "corrected": False},
            f"incidents/{INC}": {"reports": 3},
        },
        id="a voided denial does not count",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            claim("c2"),
            denial("d1", "c1"),
            correction("x1", "c1", void=True),
        ],
        {
            "claims/c1": None,
            "claims": 2,  # the other claim, and the denial (an assertion in v2)
            "disputes": 0,
            f"incidents/{INC}": {
                "status": "unverified",
                "assertions": 1,
                "disputed": 0,
                "reports": 4,
            },
            "timeline/c1": {"voided": True},
        },
        id="a voided assertion disappears from claims and incident counts",
    ),
    pytest.param(
        [
            incident(),
            claim("c1", stated_at="2017-09-21"),
            correction(
                "x1",
                "c1",
                changes={
                    "summary": "fired on twice",
                    "stated_at": "2017-09-20",
                    "report": "renamed",
                    "incident": OTHER,
                },
            ),
        ],
        {
            "claims/c1": {
                "summary": "fired on twice",
                "stated_at": "2017-09-20",
                "incident": INC,
                "corrected": True,
            },
            "timeline/c1": {
                "summary": "fired on twice",
                "stated_from": "2017-09-20T00:00:00.000000Z",
                "corrected": True,
            },
        },
        id="a correction with changes shows the corrected values but never renames or moves",
    ),
    pytest.param(
        [incident(), claim("c1"), denial("d1", "c1"), correction("x1", "d1", changes={"by": MOD})],
        {
            "claims/c1": {"status": "retracted", "denials": 0},
            "disputes": 0,
            "timeline/d1": {"by": MOD, "corrected": True},
        },
        id="correcting a denial's author to the asserter removes the dispute",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            denial("d1", "c1"),
            verdict("v1", "c1", status="refuted"),
            correction("x1", "v1", void=True),
        ],
        {"claims/c1": {"status": "disputed", "verdict": None}},
        id="voiding a verdict restores the status it had overruled",
    ),
    pytest.param(
        [
            incident(),
            claim("c1", by="Ministère de la Défense"),
            denial("d1", "c1", by="MINISTERE DE LA DEFENSE"),
            retraction("r1", "c1", by="ministère de la défense"),
        ],
        {
            "claims/c1": {"status": "retracted", "denials": 0, "actor": "ministere-de-la-defense"},
            "disputes": 0,
            "actors/ministere-de-la-defense": {
                "name": "Ministère de la Défense",
                "claims_made": 1,
                "denials_issued": 1,
                "retractions": 1,
            },
        },
        id="actor names differing only in case or accents are the same actor",
    ),
    pytest.param(
        [incident(), claim("c1"), incident(OTHER), denial("d1", "c1", incident=OTHER)],
        {
            "claims/c1": {"status": "disputed", "denials": 1},
            f"incidents/{INC}": {
                "status": "disputed",
                "reports": 2,
                "last_position": 4,
                "last_recorded_at": "2024-05-01T00:04:00.000000Z",
                "version": 2,
            },
            f"incidents/{OTHER}": {"status": "open", "reports": 2, "last_position": 4},
            "disputes/c1/d1": {"incident": INC, "denial_incident": OTHER},
        },
        id="a denial in another incident disputes the claim and bumps its incident's position",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            incident(OTHER),
            correction("x1", "c1", void=True, incident=OTHER),
        ],
        {
            f"incidents/{INC}": {"status": "open", "reports": 1, "version": 2, "last_position": 4},
            f"incidents/{OTHER}": {"reports": 2, "version": 2, "last_position": 4},
        },
        id="a voided report still counts toward its incident's version and last position",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), claim("c2"), denial("d1", "c2")],
        {f"incidents/{INC}": {"status": "disputed", "assertions": 2, "disputed": 1}},
        id="a disputed assertion makes the incident disputed though another is corroborated",
    ),
    pytest.param(
        [incident(), warning("w1"), claim("c1"), denial("d1", "c1")],
        {f"incidents/{INC}": {"status": "disputed", "assertions": 2, "disputed": 1}},
        id="a disputed assertion outranks an unverified one in the incident status",
    ),
    pytest.param(
        [incident(), claim("c1"), corroboration("k1", "c1"), warning("w1")],
        {f"incidents/{INC}": {"status": "unverified", "assertions": 2, "disputed": 0}},
        id="an unverified assertion outranks a corroborated one in the incident status",
    ),
    pytest.param(
        [incident(), link("l1")],
        {f"incidents/{INC}": {"status": "open", "assertions": 0, "reports": 2}},
        id="an incident without assertions is open",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            assessment("a1", "c1", reliability="B", credibility=2),
            assessment("a2", "c1", reliability="D", credibility=4),
        ],
        {"claims/c1": {"reliability": "D", "credibility": 4}},
        id="the latest assessment gives the reliability and credibility",
    ),
    pytest.param(
        [
            incident(),
            claim("c1"),
            claim("c2"),
            discrepancy("q1", "c1", "c2"),
            discrepancy("q2", "c1"),
        ],
        {
            "claims/c1": {"discrepancies": 2, "status": "unverified"},
            "claims/c2": {"discrepancies": 1},
        },
        id="discrepancies are counted without changing the status",
    ),
]


@pytest.mark.parametrize(("ledger", "expected"), CASES)
def test_status_rule(ledger: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    tables = fold(_log(*ledger))
    for address, want in expected.items():
        if isinstance(want, int):
            assert len(tables[address]) == want, address
            continue
        row = _row(tables, address)
        if want is None:
            assert row is None, address
            continue
        assert row is not None, f"no row {address}"
        assert {k: row[k] for k in want} == want, address


@pytest.mark.parametrize(("ledger", "expected"), CASES)
def test_statuses_need_only_the_status_input_types(
    ledger: list[dict[str, Any]], expected: dict[str, Any]
) -> None:
    """`ledger changes` folds an assertion with only its referrers of `STATUS_INPUT_TYPES`:
    leaving every other report out must leave every assertion's status as it is."""
    records = _log(*ledger)
    # Incident lines and actor lines stay: `changes` has the registry and its incidents apart.
    kept = [r for r in records if r["type"] in STATUS_INPUT_TYPES | {"incident", "actor"}]

    def statuses(reports: list[dict[str, Any]]) -> dict[str, str]:
        return {row["report"]: row["status"] for row in fold(reports, tables=("claims",))["claims"]}

    assert statuses(kept) == statuses(records)
