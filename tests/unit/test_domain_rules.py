"""The `Incident` aggregate: a failed rule leaves no trace, and the version 2 rules on outcomes,
evidence and supersedes.

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain import Incident
from ledger.errors import DomainRuleViolation, InvalidReference, ReportIdClash, ReportNotFound
from ledger.hashing import event_hash
from tests.unit.incident_desk import (
    INC,
    MOD,
    OTHER,
    REPORTS,
    WHEN,
    Desk,
    claim,
    events_of,
    snapshot,
    validated,
)

# -- failed rules leave no trace -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({**REPORTS["denial"], "refers_to": ["ghost"]}, ReportNotFound),
        ({**REPORTS["denial"], "refers_to": ["mod-shelling", "ghost"]}, ReportNotFound),
        (claim(summary="Different"), ReportIdClash),
        ({**REPORTS["link"], "other": INC}, InvalidReference),
        ({**REPORTS["link"], "other": "ghost"}, DomainRuleViolation),
        ({**REPORTS["correction"], "changes": {"refers_to": ["x"]}}, InvalidReference),
        ({**REPORTS["correction"], "changes": {"stance": "x"}}, InvalidReference),
        ({**REPORTS["verdict"], "refers_to": [OTHER]}, ReportNotFound),
    ],
)
def test_a_refused_report_leaves_the_aggregate_unchanged(
    desk: Desk, shelling: Incident, data: dict[str, Any], error: type[Exception]
) -> None:
    # Check version, pending events, last hash and filed reports are untouched by a refusal.
    before = snapshot(shelling)
    with pytest.raises(error):
        desk.file(shelling, data)
    assert snapshot(shelling) == before


def test_an_aggregate_still_files_correctly_after_a_refusal(desk: Desk, shelling: Incident) -> None:
    # Check a refusal does not disturb the chain for the next report.
    with pytest.raises(ReportNotFound):
        desk.file(shelling, {**REPORTS["denial"], "refers_to": ["ghost"]})
    event = desk.file(shelling, REPORTS["denial"])
    assert event is not None
    assert (event.originator_version, event.prev_hash) == (3, events_of(shelling)[1].hash)


def test_a_signature_is_kept_beside_the_hash_and_not_hashed(desk: Desk) -> None:
    # Check a signer signs the hash, and the hash stays the hash of the unsigned content.
    def signer(digest: str) -> str:
        return "signed-" + digest

    incident = desk.open(OTHER)
    _, fields = validated({"type": "claim", "incident": OTHER, "by": MOD, "summary": "s"})
    event = incident.file(
        "claim",
        fields,
        directory=desk.directory,
        recorded_at=WHEN,
        recorded_by="tester",
        signer=signer,
    )
    assert event is not None
    assert event.signature == "signed-" + event.hash
    assert event.hash == event_hash(event.content())
    assert "signature" not in event.content()


# -- version 2: outcomes and evidence -------------------------------------------------------


def test_an_outcome_refers_to_warnings_only(desk: Desk, shelling: Incident) -> None:
    desk.file(shelling, REPORTS["warning"])
    outcome = {"type": "outcome", "refers_to": ["mod-warning"], "outcome": "carried_out"}
    event = desk.file(shelling, {**outcome, "report": "warning-outcome", "other": OTHER})
    assert event is not None and type(event).TOPIC == "incident-ledger:Incident.OutcomeReported"  # type: ignore[attr-defined]
    with pytest.raises(InvalidReference, match="must refer to a warning"):
        desk.file(shelling, {**outcome, "refers_to": ["mod-shelling"]})


def test_an_outcome_names_an_incident_that_exists(desk: Desk, shelling: Incident) -> None:
    desk.file(shelling, REPORTS["warning"])
    outcome = {"type": "outcome", "refers_to": ["mod-warning"], "outcome": "carried_out"}
    with pytest.raises(DomainRuleViolation, match="other names incident 'nowhere'"):
        desk.file(shelling, {**outcome, "other": "nowhere"})


@pytest.mark.parametrize("key", ["supports", "contradicts"])
def test_evidence_bears_only_on_reports_that_exist(
    desk: Desk, shelling: Incident, key: str
) -> None:
    data = {**REPORTS["evidence"], "supports": None, key: ["mod-shelling", "no-such-report"]}
    before = snapshot(shelling)
    with pytest.raises(ReportNotFound, match=f"{key} names report 'no-such-report'"):
        desk.file(shelling, {k: v for k, v in data.items() if v is not None})
    assert snapshot(shelling) == before


def test_supersedes_names_earlier_statements_that_exist(desk: Desk, shelling: Incident) -> None:
    revised = claim("mod-revised", supersedes=["mod-shelling"])
    assert desk.file(shelling, revised) is not None
    with pytest.raises(ReportNotFound, match="supersedes names report 'ghost'"):
        desk.file(shelling, claim("mod-revised-2", supersedes=["ghost"]))
    desk.file(shelling, REPORTS["assessment"])
    with pytest.raises(InvalidReference, match="only a statement can be superseded"):
        desk.file(shelling, claim("mod-revised-3", supersedes=["mod-assessment"]))
