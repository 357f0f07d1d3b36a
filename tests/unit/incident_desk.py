"""Shared by the tests/unit/test_domain_*.py modules: a dict-backed ReportDirectory standing in
for the ledger-wide index of report ids, a desk that opens incidents and files reports on them,
one valid report of each type, and helpers that read an incident's pending events back. The
fixtures built on these (`desk`, `shelling`) are in conftest.py.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.domain import FiledReport, Incident, IncidentEvent, ReportEntry, report_fingerprint
from ledger.interchange import report_fields, validate_report

WHEN = datetime(2017, 9, 21, 12, 0, tzinfo=UTC)
INC = "deir-ez-zor-shelling-2017-09"
OTHER = "deir-ez-zor-airstrike-2017-09-16"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"

EVENT_NAMES = {
    "incident": "Opened",
    "claim": "ClaimMade",
    "warning": "WarningIssued",
    "denial": "DenialIssued",
    "corroboration": "Corroborated",
    "discrepancy": "DiscrepancyNoted",
    "assessment": "Assessed",
    "verdict": "VerdictGiven",
    "retraction": "Retracted",
    "correction": "Corrected",
    "link": "Linked",
    "outcome": "OutcomeReported",
    "evidence": "EvidenceCited",
}


class MemoryDirectory:
    """A ReportDirectory over two in-memory collections, filled as reports are filed."""

    def __init__(self) -> None:
        self.entries: dict[str, ReportEntry] = {}
        self.incidents: set[str] = set()

    def find(self, report: str) -> ReportEntry | None:
        return self.entries.get(report)

    def incident_exists(self, incident: str) -> bool:
        return incident in self.incidents

    def record(self, event: IncidentEvent) -> None:
        if event.report_type == "incident":
            self.incidents.add(event.originator_id)
            return
        fields = {"incident": event.originator_id, **event.fields()}
        self.entries[event.report] = ReportEntry(
            event.report,
            event.originator_id,
            event.report_type,
            report_fingerprint(event.report_type, fields),
            getattr(event, "by", None),
        )


def validated(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A line as the application hands it to the aggregate: validated, type split off."""
    fields = report_fields(validate_report(data, 1))
    return fields.pop("type"), fields


class Desk:
    """A directory plus the incidents opened on it, so tests read as a sequence of reports."""

    def __init__(self) -> None:
        self.directory = MemoryDirectory()
        self.clock = WHEN

    def open(self, slug: str = INC, **fields: Any) -> Incident:
        _, line = validated({"type": "incident", "incident": slug, "title": slug, **fields})
        incident = Incident.open(line, recorded_at=self.tick(), recorded_by="tester")
        event = incident.pending_events[-1]
        assert isinstance(event, IncidentEvent)
        self.directory.record(event)
        return incident

    def file(self, incident: Incident, data: dict[str, Any]) -> IncidentEvent | None:
        report_type, fields = validated({"incident": incident.id, **data})
        event = incident.file(
            report_type,
            fields,
            directory=self.directory,
            recorded_at=self.tick(),
            recorded_by=fields.get("recorded_by", "tester"),
        )
        if event is not None:
            self.directory.record(event)
        return event

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock


def claim(report: str = "mod-shelling", **fields: Any) -> dict[str, Any]:
    return {
        "type": "claim",
        "report": report,
        "by": MOD,
        "summary": "Syrian forces came under fire from the eastern bank",
        **fields,
    }


# One valid report of each type (besides `incident`), all about the claim `mod-shelling`.
REPORTS: dict[str, dict[str, Any]] = {
    "claim": claim(
        "mod-special-forces",
        against=["US special forces"],
        stated_at="2017-09-21",
        cameo="194",
        magnitude={"occurrences": 2},
        sources=[{"outlet": "TASS", "kind": "wire"}],
    ),
    "warning": {
        "type": "warning",
        "report": "mod-warning",
        "by": MOD,
        "addressee": "US military command",
        "summary": "Fire will be met with retaliation",
    },
    "denial": {
        "type": "denial",
        "report": "sdf-denial",
        "by": SDF,
        "refers_to": ["mod-shelling"],
        "summary": "7 km of IS-held territory separates us",
        "scope": "occurred",
    },
    "corroboration": {
        "type": "corroboration",
        "report": "monitor-saw-it",
        "by": "Monitor",
        "refers_to": ["mod-shelling"],
        "summary": "Observers saw the shelling",
        "independent": True,
    },
    "discrepancy": {
        "type": "discrepancy",
        "report": "bank-discrepancy",
        "refers_to": ["mod-shelling"],
        "field": "location_qualifier",
        "variants": [
            {"value": "western bank", "sources": [{"outlet": "EIR"}]},
            {"value": "eastern bank", "sources": [{"outlet": "Rudaw"}]},
        ],
    },
    "assessment": {
        "type": "assessment",
        "report": "mod-assessment",
        "refers_to": ["mod-shelling"],
        "reliability": "D",
        "credibility": 3,
    },
    "verdict": {
        "type": "verdict",
        "report": "mod-verdict",
        "refers_to": ["mod-shelling"],
        "status": "unverifiable",
        "reason": "No independent access",
    },
    "retraction": {
        "type": "retraction",
        "report": "mod-retraction",
        "refers_to": ["mod-shelling"],
        "by": MOD,
    },
    "correction": {
        "type": "correction",
        "report": "fix-speaker",
        "refers_to": ["mod-shelling"],
        "reason": "Speaker left out",
        "changes": {"speaker": "Maj Gen Igor Konashenkov"},
    },
    "link": {
        "type": "link",
        "report": "context-link",
        "other": OTHER,
        "relation": "context_for",
    },
    "evidence": {
        "type": "evidence",
        "report": "strike-video",
        "kind": "video",
        "sha256": "ab" * 32,
        "supports": ["mod-shelling"],
    },
}


def a(noun: str) -> str:
    """The noun with its indefinite article, as the error messages write it."""
    return f"an {noun}" if noun[0] in "aeiou" else f"a {noun}"


def snapshot(incident: Incident) -> tuple[int, int, str, dict[str, FiledReport]]:
    return (
        incident.version,
        len(incident.pending_events),
        incident.last_hash,
        copy.deepcopy(incident.reports),
    )


def events_of(incident: Incident) -> list[IncidentEvent]:
    events = [e for e in incident.pending_events if isinstance(e, IncidentEvent)]
    assert len(events) == len(incident.pending_events)
    return events


def full_history(desk: Desk, shelling: Incident) -> list[IncidentEvent]:
    for report_type in sorted(REPORTS):
        desk.file(shelling, REPORTS[report_type])
    return events_of(shelling)
