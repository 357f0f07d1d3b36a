"""The `Incident` aggregate: what a correction may and may not change.

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.domain import Incident, check_changes
from ledger.errors import InvalidReference
from ledger.report_fields import UNCORRECTABLE
from tests.unit.incident_desk import REPORTS, Desk

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
