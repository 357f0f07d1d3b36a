"""The `Incident` aggregate: report ids, given or derived from the content, and filing the
same report again.

No I/O: a dict-backed ReportDirectory stands in for the ledger-wide index of report ids.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from ledger.domain import Incident, derive_report_id, report_fingerprint
from ledger.errors import ReportIdClash
from tests.unit.incident_desk import INC, MOD, REPORTS, Desk, claim, snapshot, validated

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
