"""The JSON Lines interchange format, version 1: lines that are not valid JSON (duplicate keys,
NaN, bad UTF-8, deep nesting, long lines) and values of the wrong JSON type, refused without
coercion.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.interchange import MAX_DEPTH, MAX_LINE_BYTES, parse_line, report_fields
from tests.unit.interchange_lines import MINIMAL, line, message_for, refusal, with_keys

# -- JSON-level problems ---------------------------------------------------------------------


def test_a_duplicate_key_is_refused_naming_the_key() -> None:
    # Check a key given twice is refused rather than silently keeping the last value.
    text = b'{"type": "claim", "incident": "inc", "by": "A", "by": "B", "summary": "s"}'
    assert str(refusal(text, 4)) == "line 4: not valid JSON (duplicate key 'by')"


def test_a_duplicate_key_inside_a_source_is_refused() -> None:
    # Check duplicate detection applies to nested objects too.
    text = (
        b'{"type": "claim", "incident": "inc", "by": "A", "summary": "s", '
        b'"sources": [{"outlet": "TASS", "outlet": "AP"}]}'
    )
    assert str(refusal(text, 4)) == "line 4: not valid JSON (duplicate key 'outlet')"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_not_json(constant: str) -> None:
    # Check the non-standard constants Python's json would accept are refused.
    text = f'{{"type": "incident", "incident": "inc", "title": "t", "lat": {constant}}}'
    assert str(refusal(text, 2)) == f"line 2: not valid JSON ({constant} is not valid JSON)"


@pytest.mark.parametrize("number", ["1e999", "-1e999"])
def test_a_number_that_overflows_to_infinity_is_refused(number: str) -> None:
    # Check 1e999 (which decodes to inf) is refused as a latitude.
    text = f'{{"type": "incident", "incident": "inc", "title": "t", "lat": {number}}}'
    assert str(refusal(text, 2)) == "line 2, field 'lat': numbers must be finite"


def test_an_overflowing_number_is_refused_wherever_it_is() -> None:
    # Check infinity is refused inside nested values too, naming the path.
    text = (
        '{"type": "claim", "incident": "inc", "by": "A", "summary": "s", '
        '"magnitude": {"killed": 1e400}}'
    )
    assert str(refusal(text, 2)) == "line 2, field 'magnitude.killed': numbers must be finite"


@pytest.mark.parametrize(
    ("raw", "offset"),
    [
        (b'{"type": "claim", "incident": "inc", "by": "\xff", "summary": "s"}', 44),
        (b'{"type": "claim", "incident": "inc", "by": "A\xc0\xaf", "summary": "s"}', 45),
        (b'{"type": "claim", "incident": "inc", "by": "A\xed\xa0\x80", "summary": "s"}', 45),
        (b'{"type": "claim", "incident": "inc", "by": "\xe2\x82", "summary": "s"}', 44),
        (b"\x80", 0),
    ],
)
def test_invalid_utf8_is_refused_naming_the_byte(raw: bytes, offset: int) -> None:
    # Check stray, overlong, surrogate and truncated UTF-8 sequences are refused.
    assert str(refusal(raw, 3)) == f"line 3: not valid UTF-8 (byte {offset})"


def test_a_lone_surrogate_escape_is_refused() -> None:
    # Check "\ud800" (valid JSON syntax, not valid Unicode text) is refused.
    text = b'{"type": "claim", "incident": "inc", "by": "A\\ud800", "summary": "s"}'
    assert str(refusal(text, 3)) == "line 3, field 'by': contains a lone surrogate (not UTF-8)"


def test_a_byte_order_mark_is_refused() -> None:
    # Check a UTF-8 BOM is not valid JSON text.
    raw = b"\xef\xbb\xbf" + line(MINIMAL["claim"])
    assert str(refusal(raw, 1)) == (
        "line 1: not valid JSON (Unexpected UTF-8 BOM (decode using utf-8-sig) at column 1)"
    )


@pytest.mark.parametrize("text", ["[]", "[1, 2]", '"claim"', "1", "1.5", "null", "true"])
def test_json_that_is_not_an_object_is_refused(text: str) -> None:
    # Check arrays, strings, numbers, null and booleans are not report lines.
    assert str(refusal(text, 6)) == "line 6: expected a JSON object"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Expecting value at column 1"),
        ("{", "Expecting property name enclosed in double quotes at column 2"),
        ("{'type': 'claim'}", "Expecting property name enclosed in double quotes at column 2"),
        ('{"type": "claim"} {}', "Extra data at column 19"),
    ],
)
def test_text_that_is_not_json_is_refused(text: str, problem: str) -> None:
    # Check broken JSON is refused with the parser's reason and the column, and no second
    # line number (the parser's own, always 1) beside the file's.
    assert str(refusal(text, 5)) == f"line 5: not valid JSON ({problem})"


@pytest.mark.parametrize("depth", [100_000, 5_000])
def test_a_hugely_nested_line_is_refused(depth: int) -> None:
    # Check deep nesting cannot crash the parser with a RecursionError.
    text = "[" * depth + "]" * depth
    assert str(refusal(text, 8)) == "line 8: JSON is nested too deeply"


def test_nesting_where_text_is_expected_is_refused_as_a_wrong_type() -> None:
    # Check a nested structure in a text field is a type error on that field.
    data = with_keys("claim", by=[[[["A"]]]])
    assert message_for(data) == "line 7, field 'by': input should be a valid string"


def nested_correction(depth: int) -> str:
    """A correction whose change is a list nested `depth` deep."""
    data = {**MINIMAL["correction"], "changes": {"against": []}}
    del data["void"]
    return line(data).decode().replace("[]", "[" * depth + "]" * depth)


@pytest.mark.parametrize("depth", [300, 900, MAX_DEPTH])
def test_a_line_nested_beyond_the_limit_is_refused_as_too_deep(depth: int) -> None:
    # Check moderate nesting (which the JSON parser allows) is refused before it is used.
    assert str(refusal(nested_correction(depth), 8)) == "line 8: JSON is nested too deeply"


def test_a_line_nested_up_to_the_limit_is_accepted() -> None:
    # Check the nesting limit's edge: one level less than the refused depth passes.
    fields = report_fields(parse_line(nested_correction(MAX_DEPTH - 1), 8))
    depth = MAX_DEPTH - 1
    assert json.dumps(fields["changes"]["against"]) == "[" * depth + "]" * depth


def test_a_line_longer_than_the_limit_is_refused_before_parsing() -> None:
    # Check the size limit holds before any JSON parsing.
    text = b" " * (MAX_LINE_BYTES + 1)
    assert str(refusal(text, 9)) == f"line 9: line is longer than {MAX_LINE_BYTES} bytes"


# -- wrong types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        (with_keys("claim", by=1), "by", "input should be a valid string"),
        (with_keys("claim", by=None), "by", "input should be a valid string"),
        (with_keys("claim", by=True), "by", "input should be a valid string"),
        (with_keys("claim", incident=7), "incident", "input should be a valid string"),
        (with_keys("claim", against="B"), "against", "input should be a valid list"),
        (with_keys("claim", against=["B", 1]), "against.1", "input should be a valid string"),
        (
            with_keys("claim", magnitude=[2]),
            "magnitude",
            "input should be a valid dictionary or instance of Magnitude",
        ),
        (
            with_keys("claim", magnitude={"occurrences": "2"}),
            "magnitude.occurrences",
            "input should be a valid integer",
        ),
        (
            with_keys("claim", magnitude={"occurrences": 2.5}),
            "magnitude.occurrences",
            "input should be a valid integer",
        ),
        (
            with_keys("claim", magnitude={"killed": -1}),
            "magnitude.killed",
            "input should be greater than or equal to 0",
        ),
        (with_keys("claim", sources={"outlet": "TASS"}), "sources", "input should be a valid list"),
        (with_keys("claim", cameo=195), "cameo", "input should be a valid string"),
        (with_keys("denial", refers_to=5), "refers_to", "input should be a valid list"),
        (
            with_keys("corroboration", independent="yes"),
            "independent",
            "input should be a valid boolean",
        ),
        (
            with_keys("corroboration", independent=1),
            "independent",
            "input should be a valid boolean",
        ),
        (
            with_keys("assessment", credibility="3"),
            "credibility",
            "input should be a valid integer",
        ),
        (
            with_keys("assessment", credibility=3.0),
            "credibility",
            "input should be a valid integer",
        ),
        (
            with_keys("assessment", credibility=True),
            "credibility",
            "input should be a valid integer",
        ),
        (
            with_keys("incident", lat=91),
            "lat",
            "input should be less than or equal to 90",
        ),
        (
            with_keys("incident", lon=-180.5),
            "lon",
            "input should be greater than or equal to -180",
        ),
        (
            with_keys("correction", void=None, changes=["speaker"]),
            "changes",
            "input should be a valid dictionary",
        ),
    ],
)
def test_a_value_of_the_wrong_type_is_refused_without_coercion(
    data: dict[str, Any], field: str, problem: str
) -> None:
    # Check the models are strict: no string-to-number or number-to-bool coercion.
    assert message_for(data) == f"line 7, field '{field}': {problem}"


@pytest.mark.parametrize("value", [True, "35.3", [35.3]])
def test_a_latitude_that_is_not_a_number_is_refused(value: Any) -> None:
    # Check `"lat": true` or `"lat": "35.3"` is a type error, as for every other number.
    assert message_for(with_keys("incident", lat=value)) == (
        "line 7, field 'lat': input should be a valid number"
    )


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**64])
def test_a_variant_value_beyond_the_json_safe_integers_is_refused(value: int) -> None:
    # Check a number RFC 8785 cannot canonicalise is refused as bad input, naming the field.
    data = with_keys(
        "discrepancy",
        variants=[
            {"value": value, "sources": [{"outlet": "EIR"}]},
            {"value": "b", "sources": [{"outlet": "Rudaw"}]},
        ],
    )
    assert str(refusal(line(data), 3)) == (
        "line 3, field 'variants.0.value': integer is beyond ±9007199254740991 "
        "(not exactly representable)"
    )


def test_a_variant_value_at_the_json_safe_integer_limits_is_accepted() -> None:
    # Check ±(2**53 - 1) are still accepted.
    data = with_keys(
        "discrepancy",
        variants=[
            {"value": 2**53 - 1, "sources": [{"outlet": "EIR"}]},
            {"value": -(2**53 - 1), "sources": [{"outlet": "Rudaw"}]},
        ],
    )
    values = [v["value"] for v in report_fields(parse_line(line(data), 3))["variants"]]
    assert values == [2**53 - 1, -(2**53 - 1)]


def test_a_correction_that_changes_a_field_to_an_overflowing_number_is_refused() -> None:
    # Check 1e999 inside `changes` is refused rather than silently becoming null.
    text = (
        '{"type": "correction", "incident": "inc", "refers_to": "r1", "reason": "r", '
        '"changes": {"quote": 1e999}}'
    )
    assert str(refusal(text, 3)) == "line 3, field 'changes.quote': numbers must be finite"


def test_a_correction_that_changes_a_field_to_a_huge_integer_is_refused() -> None:
    # Check an integer RFC 8785 cannot hash is refused inside `changes`.
    text = (
        '{"type": "correction", "incident": "inc", "refers_to": "r1", "reason": "r", '
        '"changes": {"summary": 123456789012345678901234567890}}'
    )
    assert str(refusal(text, 3)) == (
        "line 3, field 'changes.summary': integer is beyond ±9007199254740991 "
        "(not exactly representable)"
    )
