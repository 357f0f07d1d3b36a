"""The `Incident` aggregate and its rules, with no I/O: a dict-backed ReportDirectory stands in
for the ledger-wide index of report ids."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import CanInitAggregate
from eventsourcing.utils import get_topic, resolve_topic

from ledger.domain import (
    EVENT_BY_TYPE,
    TYPE_BY_TOPIC,
    ClaimMade,
    FiledReport,
    Incident,
    IncidentEvent,
    ReportDirectory,
    ReportEntry,
    check_changes,
    derive_report_id,
    new_event,
    report_fingerprint,
)
from ledger.errors import (
    DomainRuleViolation,
    IncidentAlreadyOpen,
    InvalidReference,
    ReportIdClash,
    ReportNotFound,
)
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.interchange import report_fields, validate_report
from ledger.report_fields import REPORT_TYPES, UNCORRECTABLE

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


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def shelling(desk: Desk) -> Incident:
    """The shelling incident holding the claim `mod-shelling`, with the airstrike incident open."""
    desk.open(OTHER)
    incident = desk.open(INC)
    desk.file(incident, claim())
    return incident


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


# -- opening ---------------------------------------------------------------------------------


def test_the_memory_directory_satisfies_the_protocol() -> None:
    # Check the fake has exactly the shape the aggregate relies on.
    directory: ReportDirectory = MemoryDirectory()
    assert (directory.find("x"), directory.incident_exists("x")) == (None, False)


def test_opening_an_incident_records_one_opened_event_at_version_one(desk: Desk) -> None:
    # Check the first event: its class, version, id, clocks, recorder and genesis prev_hash.
    incident = desk.open(INC, category="shelling/artillery/missile attack")
    [opened] = events_of(incident)
    assert type(opened) is EVENT_BY_TYPE["incident"]
    assert (incident.id, incident.slug, incident.version) == (INC, INC, 1)
    assert (opened.originator_id, opened.originator_version, opened.report) == (INC, 1, INC)
    assert opened.recorded_at == "2017-09-21T12:00:01.000000Z"
    assert opened.timestamp == WHEN + timedelta(seconds=1)
    assert (opened.recorded_by, opened.prev_hash) == ("tester", GENESIS_HASH)
    assert opened.fields() == {"title": INC, "category": "shelling/artillery/missile attack"}
    assert incident.reports == {INC: FiledReport(INC, "incident", None)}
    assert incident.last_hash == opened.hash


def test_opening_again_with_the_same_details_is_allowed(desk: Desk) -> None:
    # Check re-opening with identical details (even by another recorder) raises nothing.
    incident = desk.open(INC, location="Deir ez-Zor")
    _, same = validated(
        {
            "type": "incident",
            "incident": INC,
            "title": INC,
            "location": "Deir ez-Zor",
            "recorded_by": "someone else",
        }
    )
    incident.check_reopening(same)
    assert incident.version == 1


@pytest.mark.parametrize(
    "details",
    [{"location": "Raqqa"}, {}, {"location": "Deir ez-Zor", "lat": 35.3}],
)
def test_opening_again_with_different_details_is_refused(
    desk: Desk, details: dict[str, Any]
) -> None:
    # Check any difference in the incident's details makes re-opening an error.
    incident = desk.open(INC, location="Deir ez-Zor")
    _, different = validated({"type": "incident", "incident": INC, "title": INC, **details})
    with pytest.raises(IncidentAlreadyOpen) as caught:
        incident.check_reopening(different)
    assert str(caught.value) == f"incident '{INC}' is already open with different details"


# -- filing each type ------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", sorted(REPORTS))
def test_each_report_type_is_filed_as_its_own_event(
    desk: Desk, shelling: Incident, report_type: str
) -> None:
    # Check filing gives the type's event class, the next version and the fields as given.
    data = REPORTS[report_type]
    event = desk.file(shelling, data)
    assert event is not None
    assert type(event) is EVENT_BY_TYPE[report_type]
    assert (event.report_type, event.originator_version, shelling.version) == (report_type, 3, 3)
    assert (event.originator_id, event.report, event.recorded_by) == (INC, data["report"], "tester")
    expected = {k: v for k, v in data.items() if k not in ("type", "report")}
    assert event.fields() == expected
    assert shelling.reports[data["report"]] == FiledReport(
        data["report"], report_type, data.get("by")
    )


def test_a_claim_keeps_its_cameo_code_and_magnitude(desk: Desk, shelling: Incident) -> None:
    # Check the version-2 fields of ClaimMade are on the event.
    event = desk.file(shelling, REPORTS["claim"])
    assert (getattr(event, "cameo", None), getattr(event, "magnitude", None)) == (
        "194",
        {"occurrences": 2},
    )


def test_a_report_may_refer_to_a_report_in_another_incident(desk: Desk) -> None:
    # Check refers_to crosses incidents: a denial filed on one incident about another's claim.
    airstrike = desk.open(OTHER)
    desk.file(airstrike, claim("sdf-airstrike-claim", by=SDF))
    shelling = desk.open(INC)
    event = desk.file(
        shelling, {**REPORTS["denial"], "by": MOD, "refers_to": "sdf-airstrike-claim"}
    )
    assert event is not None
    assert (event.originator_id, getattr(event, "refers_to", None)) == (
        INC,
        ["sdf-airstrike-claim"],
    )


@pytest.mark.parametrize(
    ("report_type", "target_type"),
    [
        ("discrepancy", "denial"),
        ("assessment", "denial"),
        ("retraction", "denial"),
        ("retraction", "corroboration"),
        ("retraction", "warning"),
        ("correction", "denial"),
        ("correction", "link"),
        ("correction", "assessment"),
        ("denial", "warning"),
        ("verdict", "warning"),
    ],
)
def test_a_reference_to_an_allowed_kind_of_report_is_accepted(
    desk: Desk, shelling: Incident, report_type: str, target_type: str
) -> None:
    # Check the allowed targets beyond claims: e.g. retracting a denial, correcting a link.
    target = desk.file(shelling, REPORTS[target_type])
    assert target is not None
    data = {**REPORTS[report_type], "refers_to": [target.report]}
    if report_type == "correction":
        data = {**data, "changes": None, "void": True}
    event = desk.file(shelling, data)
    assert event is not None
    assert getattr(event, "refers_to", None) == [target.report]


# -- references ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "report_type",
    ["denial", "corroboration", "discrepancy", "assessment", "verdict", "retraction", "correction"],
)
def test_a_reference_to_an_unknown_report_is_refused(
    desk: Desk, shelling: Incident, report_type: str
) -> None:
    # Check every referring type refuses an id the ledger does not hold.
    data = {**REPORTS[report_type], "refers_to": ["mod-shelling", "no-such-report"]}
    with pytest.raises(ReportNotFound) as caught:
        desk.file(shelling, data)
    assert (
        str(caught.value) == "refers_to names report 'no-such-report', which is not in the ledger"
    )
    assert caught.value.report == "no-such-report"


def test_a_reference_to_an_incident_slug_is_not_a_report(desk: Desk, shelling: Incident) -> None:
    # Check an incident's slug is not a report id that can be denied.
    with pytest.raises(ReportNotFound):
        desk.file(shelling, {**REPORTS["denial"], "refers_to": [INC]})


# What a retraction may take back (version 2): every statement, a retraction and an outcome too.
_STATEMENTS = "claim, corroboration, denial, outcome, retraction, warning"


@pytest.mark.parametrize(
    ("report_type", "target_type", "allowed"),
    [
        ("denial", "corroboration", "claim, denial, warning"),
        ("denial", "assessment", "claim, denial, warning"),
        ("corroboration", "corroboration", "claim, denial, warning"),
        ("corroboration", "link", "claim, denial, warning"),
        ("verdict", "verdict", "claim, denial, warning"),
        ("verdict", "retraction", "claim, denial, warning"),
        ("retraction", "assessment", _STATEMENTS),
        ("retraction", "verdict", _STATEMENTS),
        ("retraction", "discrepancy", _STATEMENTS),
        ("retraction", "link", _STATEMENTS),
        (
            "correction",
            "correction",
            "assessment, claim, corroboration, denial, discrepancy, evidence, link, outcome, "
            "retraction, verdict, warning",
        ),
    ],
)
def test_a_reference_to_the_wrong_kind_of_report_is_refused(
    desk: Desk, shelling: Incident, report_type: str, target_type: str, allowed: str
) -> None:
    # Check each referring type names what it may refer to when given the wrong kind.
    target = desk.file(shelling, REPORTS[target_type])
    assert target is not None
    data = {**REPORTS[report_type], "report": "the-referrer", "refers_to": [target.report]}
    if report_type == "correction":
        data = {**data, "changes": None, "void": True}
    with pytest.raises(InvalidReference) as caught:
        desk.file(shelling, data)
    assert str(caught.value) == (
        f"{a(report_type)} cannot refer to '{target.report}', {a(target_type)} "
        f"(it must refer to a {allowed})"
    )


# -- report ids ------------------------------------------------------------------------------


def test_filing_the_same_report_again_is_a_no_op(desk: Desk, shelling: Incident) -> None:
    # Check the same id with the same content returns None and adds no event.
    before = snapshot(shelling)
    assert desk.file(shelling, claim()) is None
    assert snapshot(shelling) == before


def test_filing_the_same_report_under_another_recorder_is_a_no_op(
    desk: Desk, shelling: Incident
) -> None:
    # Check who records a report is not part of what it says.
    before = snapshot(shelling)
    assert desk.file(shelling, claim(recorded_by="someone else")) is None
    assert snapshot(shelling) == before


def test_filing_a_derived_id_report_twice_is_a_no_op(desk: Desk, shelling: Incident) -> None:
    # Check a report given without an id gets the same derived id, hence is idempotent.
    data = {k: v for k, v in REPORTS["warning"].items() if k != "report"}
    first = desk.file(shelling, data)
    assert first is not None
    before = snapshot(shelling)
    assert desk.file(shelling, data) is None
    assert snapshot(shelling) == before


def test_reusing_an_id_with_different_content_is_refused(desk: Desk, shelling: Incident) -> None:
    # Check a second report under an existing id, saying something else, is a clash.
    with pytest.raises(ReportIdClash) as caught:
        desk.file(shelling, claim(summary="Something else"))
    assert str(caught.value) == (
        f"report id 'mod-shelling' is already used in incident '{INC}' with different content"
    )
    assert caught.value.report == "mod-shelling"


def test_reusing_an_id_of_another_type_is_refused(desk: Desk, shelling: Incident) -> None:
    # Check an id is unique across report types, not per type.
    with pytest.raises(ReportIdClash):
        desk.file(shelling, {**REPORTS["warning"], "report": "mod-shelling"})


def test_reusing_an_id_from_another_incident_is_refused(desk: Desk, shelling: Incident) -> None:
    # Check ids are unique across the ledger: the same claim filed on another incident clashes.
    airstrike = desk.open("third-incident")
    with pytest.raises(ReportIdClash) as caught:
        desk.file(airstrike, claim())
    assert str(caught.value) == (
        f"report id 'mod-shelling' is already used in incident '{INC}' with different content"
    )


def test_a_derived_id_is_the_type_and_sixteen_hex_digits() -> None:
    # Check the derived id's shape and that it is the fingerprint's prefix.
    _, fields = validated({"type": "claim", "incident": INC, "by": MOD, "summary": "s"})
    derived = derive_report_id("claim", fields)
    assert re.fullmatch(r"claim-[0-9a-f]{16}", derived)
    assert derived == "claim-" + report_fingerprint("claim", fields)[:16]


def test_a_derived_id_depends_on_content_not_key_order_or_recorder() -> None:
    # Check the derived id is a pure function of what the report says.
    fields = {"incident": INC, "by": MOD, "summary": "s", "against": ["SDF", "US"]}
    reordered = {"against": ["SDF", "US"], "summary": "s", "by": MOD, "incident": INC}
    assert derive_report_id("claim", fields) == derive_report_id("claim", reordered)
    assert derive_report_id("claim", fields) == derive_report_id(
        "claim", {**fields, "recorded_by": "someone else", "speaker": None}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"summary": "t"},
        {"incident": "another-incident"},
        {"against": ["US", "SDF"]},
        {"speaker": "Konashenkov"},
    ],
)
def test_a_derived_id_changes_with_any_content(change: dict[str, Any]) -> None:
    # Check changing any said field (or list order, or incident) gives another id.
    fields = {"incident": INC, "by": MOD, "summary": "s", "against": ["SDF", "US"]}
    assert derive_report_id("claim", fields) != derive_report_id("claim", {**fields, **change})


def test_a_derived_id_differs_between_types_saying_the_same() -> None:
    # Check the type is part of the id, not only its prefix.
    fields = {"incident": INC, "refers_to": ["r"], "by": MOD}
    retraction_id = derive_report_id("retraction", fields)
    corroboration_id = derive_report_id("corroboration", fields)
    assert retraction_id.split("-", 1)[1] != corroboration_id.split("-", 1)[1]


def test_filing_without_an_id_uses_the_derived_id(desk: Desk, shelling: Incident) -> None:
    # Check file() and derive_report_id agree.
    data = {k: v for k, v in REPORTS["warning"].items() if k != "report"}
    report_type, fields = validated({"incident": INC, **data})
    event = desk.file(shelling, data)
    assert event is not None
    assert event.report == derive_report_id(report_type, fields)


# -- links -----------------------------------------------------------------------------------


def test_linking_an_incident_to_itself_is_refused(desk: Desk, shelling: Incident) -> None:
    # Check a self-link is an invalid reference.
    with pytest.raises(InvalidReference) as caught:
        desk.file(shelling, {**REPORTS["link"], "other": INC})
    assert str(caught.value) == f"an incident cannot link to itself ('{INC}')"


def test_linking_to_an_unknown_incident_is_refused(desk: Desk, shelling: Incident) -> None:
    # Check the other incident must exist.
    with pytest.raises(DomainRuleViolation) as caught:
        desk.file(shelling, {**REPORTS["link"], "other": "no-such-incident"})
    assert str(caught.value) == "other names incident 'no-such-incident', which does not exist"


# -- corrections -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", sorted(UNCORRECTABLE))
def test_a_correction_cannot_change_an_identifying_field(
    desk: Desk, shelling: Incident, field: str
) -> None:
    # Check type, incident, report, refers_to and recorded_by are beyond correction.
    data = {**REPORTS["correction"], "changes": {field: "x"}}
    with pytest.raises(InvalidReference) as caught:
        desk.file(shelling, data)
    assert str(caught.value) == f"a correction cannot change '{field}' of a claim"


@pytest.mark.parametrize("field", ["colour", "addressee", "title", "void"])
def test_a_correction_cannot_change_a_field_the_target_does_not_have(
    desk: Desk, shelling: Incident, field: str
) -> None:
    # Check unknown fields, and other types' fields, are refused.
    data = {**REPORTS["correction"], "changes": {field: "x"}}
    with pytest.raises(InvalidReference) as caught:
        desk.file(shelling, data)
    assert str(caught.value) == f"a correction cannot change '{field}' of a claim"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"stance": "shouts"},
            "changes.stance is not valid for a claim: Input should be 'alleges', 'accuses', "
            "'claims_responsibility' or 'reports'",
        ),
        (
            {"against": "SDF"},
            "changes.against is not valid for a claim: Input should be a valid list",
        ),
        (
            {"summary": None},
            "changes.summary is not valid for a claim: Input should be a valid string",
        ),
        (
            {"magnitude": {"occurrences": -1}},
            "changes.magnitude is not valid for a claim: Input should be greater than or equal "
            "to 0",
        ),
    ],
)
def test_a_correction_to_an_invalid_value_is_refused(
    desk: Desk, shelling: Incident, changes: dict[str, Any], message: str
) -> None:
    # Check corrected values are validated as the target type's field.
    with pytest.raises(InvalidReference) as caught:
        desk.file(shelling, {**REPORTS["correction"], "changes": changes})
    assert str(caught.value) == message


def test_a_correction_may_clear_an_optional_field(desk: Desk, shelling: Incident) -> None:
    # Check null is a valid new value for an optional field.
    event = desk.file(shelling, {**REPORTS["correction"], "changes": {"stated_at": None}})
    assert event is not None
    assert getattr(event, "changes", None) == {"stated_at": None}


@pytest.mark.parametrize(
    ("target_type", "changes", "message"),
    [
        (
            "claim",
            {"summary": ""},
            "changes.summary is not valid for a claim: String should have at least 1 character",
        ),
        (
            "claim",
            {"by": "x" * 201},
            "changes.by is not valid for a claim: String should have at most 200 characters",
        ),
        (
            "claim",
            {"by": "Russian\x07MoD"},
            "changes.by is not valid for a claim: contains control character U+0007",
        ),
        (
            "assessment",
            {"credibility": 99},
            "changes.credibility is not valid for an assessment: Input should be less than or "
            "equal to 6",
        ),
        (
            "assessment",
            {"credibility": "3"},
            "changes.credibility is not valid for an assessment: Input should be a valid integer",
        ),
        (
            "link",
            {"other": "Not A Slug"},
            "changes.other is not valid for a link: String should match pattern "
            "'^[a-z0-9][a-z0-9._-]{0,99}$'",
        ),
        (
            "discrepancy",
            {"field": "Not A Field"},
            "changes.field is not valid for a discrepancy: String should match pattern "
            "'^[a-z_]{1,40}$'",
        ),
    ],
)
def test_a_correction_cannot_set_a_value_the_interchange_format_refuses(
    target_type: str, changes: dict[str, Any], message: str
) -> None:
    # Check a corrected value obeys the same limits (lengths, ranges, patterns) as the original.
    with pytest.raises(InvalidReference) as caught:
        check_changes(target_type, changes)
    assert str(caught.value) == message


# -- the hash chain --------------------------------------------------------------------------


def full_history(desk: Desk, shelling: Incident) -> list[IncidentEvent]:
    for report_type in sorted(REPORTS):
        desk.file(shelling, REPORTS[report_type])
    return events_of(shelling)


def test_the_first_event_chains_from_sixty_four_zeros(desk: Desk) -> None:
    # Check the genesis prev_hash.
    [opened] = events_of(desk.open(INC))
    assert opened.prev_hash == "0" * 64 == GENESIS_HASH


def test_each_event_chains_from_the_previous_events_hash(desk: Desk, shelling: Incident) -> None:
    # Check prev_hash links every event to its predecessor, and versions count up from 1.
    events = full_history(desk, shelling)
    assert [e.originator_version for e in events] == list(range(1, len(REPORTS) + 3))
    for previous, event in itertools.pairwise(events):
        assert event.prev_hash == previous.hash
    assert shelling.last_hash == events[-1].hash


def test_each_events_hash_is_the_hash_of_its_content(desk: Desk, shelling: Incident) -> None:
    # Check hash == event_hash(content()), lowercase hex SHA-256, all distinct.
    events = full_history(desk, shelling)
    for event in events:
        assert event.hash == event_hash(event.content())
        assert re.fullmatch(r"[0-9a-f]{64}", event.hash)
    assert len({e.hash for e in events}) == len(events)


def test_the_hash_is_sha256_of_the_canonical_json() -> None:
    # Check against an independent canonicalisation: sorted keys, no spaces (JCS for ASCII).
    content = {"type": "claim", "incident": INC, "version": 2, "by": MOD, "prev_hash": "0" * 64}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    assert event_hash(content) == hashlib.sha256(canonical).hexdigest()


def test_the_hash_leaves_out_nulls_and_bookkeeping() -> None:
    # Check null values and store bookkeeping keys do not change the hash.
    content = {"type": "claim", "incident": INC, "version": 2, "by": MOD}
    noisy = {
        **content,
        "speaker": None,
        "hash": "f" * 64,
        "position": 7,
        "timestamp": "now",
        "originator_topic": "x",
        "class_version": 2,
    }
    assert event_hash(noisy) == event_hash(content)


def content_changes(content: dict[str, Any]) -> list[tuple[str, Any]]:
    changed: list[tuple[str, Any]] = []
    for key, value in content.items():
        if isinstance(value, str):
            changed.append((key, value + "x"))
        elif isinstance(value, bool):
            changed.append((key, not value))
        elif isinstance(value, int):
            changed.append((key, value + 1))
        elif isinstance(value, list):
            changed.append((key, [*value, value[0]]))
        elif isinstance(value, dict):
            changed.append((key, {**value, "extra": 1}))
    return changed


@pytest.mark.parametrize("report_type", sorted(REPORTS))
def test_changing_any_part_of_the_content_changes_the_hash(
    desk: Desk, shelling: Incident, report_type: str
) -> None:
    # Check every key of every type's content is covered by its hash.
    event = desk.file(shelling, REPORTS[report_type])
    assert event is not None
    content = event.content()
    for key, value in content_changes(content):
        assert event_hash({**content, key: value}) != event.hash, key
    assert {key for key, _ in content_changes(content)} == set(content)


def test_the_content_holds_type_incident_report_version_clocks_recorder_and_chain(
    desk: Desk, shelling: Incident
) -> None:
    # Check the exported/hashed content's exact keys and values for a denial.
    event = desk.file(shelling, REPORTS["denial"])
    assert event is not None
    assert event.content() == {
        "type": "denial",
        "incident": INC,
        "report": "sdf-denial",
        "by": SDF,
        "refers_to": ["mod-shelling"],
        "summary": "7 km of IS-held territory separates us",
        "scope": "occurred",
        "version": 3,
        "recorded_at": "2017-09-21T12:00:04.000000Z",
        "recorded_by": "tester",
        "prev_hash": events_of(shelling)[-2].hash,
    }


# -- topics and versions ---------------------------------------------------------------------


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_each_event_class_has_a_stable_explicit_topic(report_type: str) -> None:
    # Check topics do not depend on the module path, and resolve back to the class.
    cls = EVENT_BY_TYPE[report_type]
    topic = f"incident-ledger:Incident.{EVENT_NAMES[report_type]}"
    assert topic == cls.TOPIC  # type: ignore[attr-defined]
    assert get_topic(cls) == topic
    assert resolve_topic(topic) is cls
    assert TYPE_BY_TOPIC[topic] == report_type


def test_the_aggregate_has_a_stable_explicit_topic() -> None:
    # Check the aggregate's own topic (stored as originator_topic) is explicit too.
    assert get_topic(Incident) == "incident-ledger:Incident"
    assert resolve_topic("incident-ledger:Incident") is Incident


def test_every_report_type_has_exactly_one_event_class() -> None:
    # Check the type-to-class table is complete and one-to-one.
    assert set(EVENT_BY_TYPE) == set(REPORT_TYPES)
    assert len(set(EVENT_BY_TYPE.values())) == len(REPORT_TYPES)


def test_claim_made_is_at_class_version_two() -> None:
    # Check the schema version that the v1-to-v2 upcast leads to.
    assert ClaimMade.class_version == 2


def test_the_v1_to_v2_upcast_adds_absent_cameo_and_magnitude() -> None:
    # Check a v1 claim state gains the v2 fields as None and keeps everything else.
    state: dict[str, Any] = {"by": MOD, "summary": "s"}
    ClaimMade.upcast_v1_v2(state)
    assert state == {"by": MOD, "summary": "s", "cameo": None, "magnitude": None}


def test_the_v1_to_v2_upcast_keeps_values_already_present() -> None:
    # Check the upcast never overwrites a value.
    state: dict[str, Any] = {"cameo": "194", "magnitude": {"occurrences": 2}}
    ClaimMade.upcast_v1_v2(state)
    assert state == {"cameo": "194", "magnitude": {"occurrences": 2}}


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


# ---------------------------------------------------------------------------------------------
# Events built directly (`new_event`) are the events the constructor builds


@pytest.mark.parametrize("event_class", sorted(set(EVENT_BY_TYPE.values()), key=str))
def test_an_event_built_directly_is_the_one_its_constructor_builds(
    event_class: type[IncidentEvent],
) -> None:
    own = [f.name for f in dataclasses.fields(event_class) if f.default is None]
    values: dict[str, Any] = {
        "originator_id": "some-incident",
        "originator_version": 7,
        "timestamp": datetime(2017, 9, 21, tzinfo=UTC),
        "report": "r-1",
        "recorded_at": "2017-09-21T00:00:00Z",
        "recorded_by": "tester",
        "prev_hash": "0" * 64,
        "hash": "1" * 64,
    }
    if issubclass(event_class, CanInitAggregate):
        values["originator_topic"] = get_topic(Incident)
    # Every optional field given (in reverse, so order comes from the class), then none.
    for given in ({**values, **{name: [name] for name in reversed(own)}}, values):
        built, constructed = new_event(event_class, given), event_class(**given)
        assert type(built) is type(constructed)
        # Check the same attributes with the same values, in the same order.
        assert list(built.__dict__.items()) == list(constructed.__dict__.items())
        assert built == constructed


def test_building_an_event_with_an_unknown_or_missing_field_raises_as_the_constructor_does() -> (
    None
):
    values = {"originator_id": "i", "originator_version": 1, "timestamp": datetime.now(UTC)}
    with pytest.raises(TypeError, match="unexpected keyword argument 'nonsense'"):
        new_event(ClaimMade, {**values, "nonsense": 1})
    with pytest.raises(TypeError, match="missing"):
        new_event(ClaimMade, values)


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


# -- version-1 events replay under the version-2 classes --------------------------------------

# The keys version 2 added to existing event classes: an event stored by version 1 has none.
V2_KEYS = {
    "incident": {"country", "admin1", "admin2", "geo_precision", "time_precision"},
    "claim": {"supersedes"},
    "warning": {"supersedes"},
    "denial": {"reason", "cameo", "supersedes"},
    "corroboration": {"speaker", "on_behalf_of", "confidence"},
    "retraction": {"speaker", "on_behalf_of", "quote"},
    "discrepancy": {"by", "stated_at"},
    "assessment": {"stated_at"},
    "verdict": {"stated_at"},
    "correction": {"stated_at"},
    "link": {"by", "stated_at"},
}


def test_events_stored_in_the_version_1_shape_replay_and_verify(
    desk: Desk, shelling: Incident
) -> None:
    # Store each event as version 1 did (without the keys version 2 added), read it back with
    # the version-2 classes: same type, same fields, and its hash still verifies.
    from eventsourcing.persistence import DatetimeAsISO, Mapper

    from ledger.store.transcoder import OrjsonTranscoder

    transcoder = OrjsonTranscoder()
    transcoder.register(DatetimeAsISO())
    mapper: Mapper[str] = Mapper(transcoder=transcoder)
    events = [e for e in full_history(desk, shelling) if e.report_type in V2_KEYS]
    assert {e.report_type for e in events} == set(V2_KEYS)
    for event in events:
        stored = mapper.to_stored_event(event)
        state = transcoder.decode(stored.state)
        assert V2_KEYS[event.report_type] <= set(state), event.report_type
        v1_state = {k: v for k, v in state.items() if k not in V2_KEYS[event.report_type]}
        v1_stored = dataclasses.replace(stored, state=transcoder.encode(v1_state))
        replayed = mapper.to_domain_event(v1_stored)
        assert type(replayed) is type(event)
        assert replayed.fields() == event.fields()
        assert replayed.hash == event.hash == event_hash(replayed.content())
        for key in V2_KEYS[event.report_type]:
            assert getattr(replayed, key) is None
