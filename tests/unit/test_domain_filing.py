"""The `Incident` aggregate: opening an incident, filing each type of report, references
between reports, and links between incidents.

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from ledger.domain import EVENT_BY_TYPE, FiledReport, Incident, ReportDirectory
from ledger.errors import DomainRuleViolation, IncidentAlreadyOpen, InvalidReference, ReportNotFound
from ledger.hashing import GENESIS_HASH
from tests.unit.incident_desk import (
    INC,
    MOD,
    OTHER,
    REPORTS,
    SDF,
    WHEN,
    Desk,
    MemoryDirectory,
    a,
    claim,
    events_of,
    validated,
)

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
