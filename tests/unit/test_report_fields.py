"""The static field table (the domain's events, the typed commands' options) is the interchange
models' fields, in order, for every report type, in order."""

from __future__ import annotations

from ledger.interchange import MODEL_BY_TYPE
from ledger.report_fields import REPORT_FIELDS, REPORT_TYPES


def test_report_fields_are_the_models_fields_in_order() -> None:
    assert {
        report_type: tuple((name, info.is_required()) for name, info in model.model_fields.items())
        for report_type, model in MODEL_BY_TYPE.items()
    } == REPORT_FIELDS


def test_the_report_types_are_the_models_in_order() -> None:
    assert tuple(REPORT_FIELDS) == tuple(MODEL_BY_TYPE) == REPORT_TYPES
