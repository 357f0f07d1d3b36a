"""Each report type's fields are declared once (ledger/report_fields.py `DECLARED`); the
validation models, the event classes and the typed commands' options are derived from it."""

from __future__ import annotations

import dataclasses

import pytest

from ledger.domain import EVENT_BY_TYPE, OWN_FIELDS
from ledger.interchange import MODEL_BY_TYPE, InvalidLine, validate_report
from ledger.report_fields import (
    BEARING_KEYS,
    DECLARED,
    REFERENCE_KEYS,
    REPORT_FIELDS,
    REPORT_ID_KEYS,
    REPORT_TYPES,
    VALUE_TYPES,
)


def test_every_model_has_the_declared_fields_in_order() -> None:
    assert {
        report_type: tuple((name, info.is_required()) for name, info in model.model_fields.items())
        for report_type, model in MODEL_BY_TYPE.items()
    } == REPORT_FIELDS
    assert tuple(MODEL_BY_TYPE) == REPORT_TYPES == tuple(DECLARED)


def test_every_declared_field_has_a_known_kind() -> None:
    for fields in DECLARED.values():
        for field in fields:
            assert field.kind in VALUE_TYPES, field
            assert bool(field.choices) == (field.kind == "choice"), field
            assert field.bounds is None or field.kind in ("integer", "number"), field


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_every_event_class_has_the_declared_own_fields_in_order(report_type: str) -> None:
    own = tuple(
        f.name
        for f in DECLARED[report_type]
        if f.name not in ("type", "incident", "report", "recorded_by")
    )
    assert OWN_FIELDS[report_type] == own
    fields = [f.name for f in dataclasses.fields(EVENT_BY_TYPE[report_type])]
    assert fields[-len(own) :] == list(own)


def test_a_fields_choices_and_bounds_are_what_its_model_accepts() -> None:
    # Check the declaration's limits reach the model (the rest of the refusals are in
    # tests/unit/test_interchange_*.py).
    line = {"type": "assessment", "incident": "i", "refers_to": "c", "reliability": "A"}
    validate_report({**line, "credibility": 6})
    for refused in ({**line, "credibility": 7}, {**line, "reliability": "G", "credibility": 1}):
        with pytest.raises(InvalidLine):
            validate_report(refused)


def test_the_keys_naming_reports_are_derived_from_the_declaration() -> None:
    # The reference index's edges are among them; the rest is how evidence bears on a report
    # (the HTML report tells "supports" before "contradicts").
    assert set(REFERENCE_KEYS) <= set(REPORT_ID_KEYS)
    assert set(REPORT_ID_KEYS) == {"refers_to", "supersedes", "supports", "contradicts"}
    assert BEARING_KEYS == ("supports", "contradicts")
