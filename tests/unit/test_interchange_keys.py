"""The JSON Lines interchange format, version 1: which keys `parse_line` accepts, requires and
refuses, and the `InvalidLine` error itself.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.errors import EXIT_BAD_INPUT
from ledger.interchange import (
    MODEL_BY_TYPE,
    InvalidLine,
    parse_line,
    report_fields,
    validate_report,
)
from ledger.report_fields import REPORT_TYPES
from tests.unit.interchange_lines import (
    MINIMAL,
    OPTIONAL,
    REQUIRED,
    SLUG_PROBLEM,
    TYPE_PROBLEM,
    line,
    message_for,
    refusal,
    with_keys,
)

# -- accepted lines --------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_minimal_line_of_each_type_is_accepted_as_given(report_type: str) -> None:
    # Check the smallest valid line parses and round-trips to the same JSON keys and values.
    model = parse_line(line(MINIMAL[report_type]), 1)
    assert report_fields(model) == MINIMAL[report_type]


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_every_optional_key_of_each_type_is_accepted_and_kept(report_type: str) -> None:
    # Check a line with every optional key set keeps every one of them.
    data = with_keys(report_type, **OPTIONAL[report_type])
    assert report_fields(parse_line(line(data), 1)) == data


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_the_documented_required_keys_are_the_models_required_keys(report_type: str) -> None:
    # Check DOMAIN.md's table and the models agree on what is required.
    model = MODEL_BY_TYPE[report_type]
    required = {name for name, info in model.model_fields.items() if info.is_required()}
    assert required == REQUIRED[report_type] | {"type", "incident"}


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_the_documented_optional_keys_are_all_the_other_keys(report_type: str) -> None:
    # Check the optional keys exercised above are every non-required key of the model.
    model = MODEL_BY_TYPE[report_type]
    optional = {name for name, info in model.model_fields.items() if not info.is_required()}
    extra = {"changes"} if report_type == "correction" else set()
    extra |= {"void"} if report_type == "correction" else set()
    extra |= {"url"} if report_type == "evidence" else set()  # in MINIMAL: one of url, sha256
    assert optional == set(OPTIONAL[report_type]) | extra


def test_a_single_refers_to_id_is_read_as_a_list_of_one() -> None:
    # Check `refers_to` may be one id or a list: both give a list.
    data = with_keys("denial", refers_to="mod-shelling")
    assert report_fields(parse_line(line(data), 1))["refers_to"] == ["mod-shelling"]


def test_a_correction_with_changes_instead_of_void_is_accepted() -> None:
    # Check the `changes` alternative of a correction.
    data = {**MINIMAL["correction"], "changes": {"speaker": "Maj Gen Igor Konashenkov"}}
    del data["void"]
    assert report_fields(parse_line(line(data), 1))["changes"] == {
        "speaker": "Maj Gen Igor Konashenkov"
    }


def test_an_integer_latitude_is_accepted_as_a_number() -> None:
    # Check lat/lon accept JSON integers as well as fractions.
    fields = report_fields(parse_line(line(with_keys("incident", lat=35, lon=-40)), 1))
    assert (fields["lat"], fields["lon"]) == (35.0, -40.0)


def test_tabs_and_newlines_inside_a_quote_are_kept() -> None:
    # Check the control characters that are legitimate in quoted text pass.
    data = with_keys("claim", quote="first line\n\tsecond line\r\nthird")
    assert report_fields(parse_line(line(data), 1))["quote"] == "first line\n\tsecond line\r\nthird"


def test_non_ascii_text_is_kept_exactly() -> None:
    # Check Arabic and Cyrillic names pass through unchanged.
    data = with_keys("claim", by="Министерство обороны", speaker="أحمد أبو خولة")
    fields = report_fields(parse_line(line(data), 1))
    assert (fields["by"], fields["speaker"]) == ("Министерство обороны", "أحمد أبو خولة")


def test_a_line_given_as_text_is_read_like_bytes() -> None:
    # Check parse_line takes str as well as bytes.
    text = json.dumps(MINIMAL["claim"])
    assert report_fields(parse_line(text, 1)) == report_fields(parse_line(text.encode(), 1))


def test_an_explicit_null_optional_key_counts_as_absent() -> None:
    # Check `"speaker": null` is the same as leaving speaker out.
    data = with_keys("claim", speaker=None)
    assert report_fields(parse_line(line(data), 1)) == MINIMAL["claim"]


# -- required keys ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report_type", "key"),
    [(t, k) for t in REPORT_TYPES for k in sorted(REQUIRED[t] | {"incident"})],
)
def test_a_missing_required_key_is_named_with_its_line(report_type: str, key: str) -> None:
    # Check leaving out any required key names that key and the line.
    data = with_keys(report_type)
    del data[key]
    assert message_for(data) == f"line 7, field '{key}': required but missing"


def test_a_missing_type_is_named() -> None:
    # Check a line without `type` says so.
    data = with_keys("claim")
    del data["type"]
    assert message_for(data, 12) == "line 12, field 'type': required but missing"


@pytest.mark.parametrize("bad_type", ["Claim", "claims", "", "event"])
def test_an_unknown_type_lists_the_types(bad_type: str) -> None:
    # Check a misspelt type is refused with the list of valid types.
    assert message_for(with_keys("claim", type=bad_type)) == f"line 7, field 'type': {TYPE_PROBLEM}"


def test_a_type_that_is_not_a_string_lists_the_types() -> None:
    # Check `"type": 1` gets the same message as a misspelt type.
    assert message_for(with_keys("claim", type=1)) == f"line 7, field 'type': {TYPE_PROBLEM}"


def test_a_correction_with_neither_changes_nor_void_is_refused() -> None:
    # Check a correction must say what it corrects.
    data = with_keys("correction")
    del data["void"]
    assert message_for(data) == (
        "line 7: give exactly one of 'changes' (an object) or 'void': true"
    )


def test_a_correction_with_both_changes_and_void_is_refused() -> None:
    # Check a correction cannot both change and void.
    data = with_keys("correction", changes={"speaker": "X"})
    assert message_for(data) == (
        "line 7: give exactly one of 'changes' (an object) or 'void': true"
    )


def test_a_correction_with_void_false_is_refused() -> None:
    # Check `"void": false` is not a way of saying "no void".
    assert message_for(with_keys("correction", void=False)) == (
        "line 7, field 'void': input should be True"
    )


def test_a_correction_with_empty_changes_is_refused() -> None:
    # Check an empty `changes` object changes nothing, so is refused.
    data = with_keys("correction", changes={})
    del data["void"]
    assert message_for(data) == (
        "line 7, field 'changes': dictionary should have at least 1 item after validation, not 0"
    )


def test_a_discrepancy_needs_two_variants() -> None:
    # Check one variant is not a discrepancy.
    data = with_keys("discrepancy", variants=MINIMAL["discrepancy"]["variants"][:1])
    assert message_for(data) == ("line 7, field 'variants': needs at least 2 items (has 1)")


def test_an_empty_refers_to_list_is_refused() -> None:
    # Check refers_to needs at least one id.
    assert message_for(with_keys("denial", refers_to=[])) == (
        "line 7, field 'refers_to': needs at least 1 item (has 0)"
    )


def test_a_source_without_an_outlet_is_refused() -> None:
    # Check a source hop must name its outlet.
    data = with_keys("claim", sources=[{"kind": "wire"}])
    assert message_for(data) == "line 7, field 'sources.0.outlet': required but missing"


# -- unknown keys ----------------------------------------------------------------------------


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_an_unknown_key_is_named(report_type: str) -> None:
    # Check a typo'd key is an error, naming the key.
    assert message_for(with_keys(report_type, sumary="typo")) == (
        "line 7, field 'sumary': unknown key"
    )


def test_an_incident_line_has_no_report_key() -> None:
    # Check `report` is refused on an incident line, where the slug is the id.
    assert message_for(with_keys("incident", report="r1")) == "line 7, field 'report': unknown key"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (with_keys("claim", sources=[{"outlet": "TASS", "colour": "red"}]), "sources.0.colour"),
        (with_keys("claim", magnitude={"occurrences": 2, "wounded": 1}), "magnitude.wounded"),
        (
            with_keys(
                "discrepancy",
                variants=[
                    {"value": "a", "sources": [{"outlet": "EIR"}], "note": "x"},
                    {"value": "b", "sources": [{"outlet": "Rudaw"}]},
                ],
            ),
            "variants.0.note",
        ),
    ],
)
def test_an_unknown_nested_key_is_named_by_its_path(data: dict[str, Any], field: str) -> None:
    # Check unknown keys inside sources, magnitude and variants name their full path.
    assert message_for(data) == f"line 7, field '{field}': unknown key"


def test_a_key_of_another_type_is_unknown_here() -> None:
    # Check a warning's `addressee` is not accepted on a claim.
    assert message_for(with_keys("claim", addressee="US")) == (
        "line 7, field 'addressee': unknown key"
    )


# -- the error itself ------------------------------------------------------------------------


def test_the_error_carries_line_field_and_problem_separately() -> None:
    # Check callers can read the parts of the message, and it maps to exit code 2.
    error = refusal(line(with_keys("claim", stance="says")), 42)
    assert (error.line_no, error.field, error.exit_code) == (42, "stance", EXIT_BAD_INPUT)
    assert error.problem == (
        "input should be 'alleges', 'accuses', 'claims_responsibility' or 'reports'"
    )


def test_a_line_without_a_number_says_input_instead() -> None:
    # Check a typed command's single line (no line number) reads "input, field ...".
    with pytest.raises(InvalidLine) as caught:
        validate_report({"type": "claim", "incident": "inc", "summary": "s"})
    assert str(caught.value) == "input, field 'by': required but missing"


def test_the_first_problem_of_several_is_reported() -> None:
    # Check one line with several problems gets one message (the first, in key order).
    data = {"type": "claim", "incident": "Bad Slug", "by": "", "summary": "s"}
    assert message_for(data) == f"line 7, field 'incident': {SLUG_PROBLEM}"


@pytest.mark.parametrize(
    ("changes", "field", "problem"),
    [
        ({"url": None}, None, "give at least one of 'url' or 'sha256'"),
        ({"sha256": "A" * 64}, "sha256", "string should match pattern"),
        ({"sha256": "a" * 63}, "sha256", "string should match pattern"),
        ({"kind": "photo"}, "kind", "input should be"),
        ({"bytes": -1}, "bytes", "greater than or equal to 0"),
        ({"supports": []}, "supports", "at least 1 item"),
        ({"supports": ["Not A Slug"]}, "supports.0", SLUG_PROBLEM),
        ({"media_type": "video"}, "media_type", "string should match pattern"),
        ({"archived_url": "ftp://x"}, "archived_url", "string should match pattern"),
    ],
)
def test_evidence_lines_are_refused_with_the_field_named(
    changes: dict[str, Any], field: str | None, problem: str
) -> None:
    data = {**MINIMAL["evidence"], **changes}
    error = refusal(line({k: v for k, v in data.items() if v is not None}))
    assert error.field == field
    assert problem.lower() in error.problem.lower()


def test_evidence_with_only_a_hash_is_valid() -> None:
    data = {k: v for k, v in MINIMAL["evidence"].items() if k != "url"}
    assert report_fields(parse_line(line({**data, "sha256": "0" * 64}))) == {
        **data,
        "sha256": "0" * 64,
    }


@pytest.mark.parametrize("value", ["carried out", "done", "Pending", ""])
def test_an_outcome_outside_the_list_is_refused(value: str) -> None:
    error = refusal(line(with_keys("outcome", outcome=value)))
    assert error.field == "outcome"
