"""The typed commands' static field table is the interchange models' fields, in order."""

from __future__ import annotations

from cli.report_fields import REPORT_FIELDS
from ledger.interchange import MODEL_BY_TYPE


def test_report_fields_are_the_models_fields_in_order() -> None:
    assert {
        report_type: tuple((name, info.is_required()) for name, info in model.model_fields.items())
        for report_type, model in MODEL_BY_TYPE.items()
    } == REPORT_FIELDS
