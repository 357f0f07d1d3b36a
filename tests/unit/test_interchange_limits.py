"""The JSON Lines interchange format, version 1: control characters in text, and the size
limits of text, lists and values.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.interchange import parse_line, report_fields
from tests.unit.interchange_lines import line, message_for, with_keys

# -- control characters and sizes ------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"])
@pytest.mark.parametrize(
    ("report_type", "key", "field"),
    [
        ("claim", "by", "by"),
        ("claim", "summary", "summary"),
        ("claim", "quote", "quote"),
        ("claim", "recorded_by", "recorded_by"),
        ("incident", "title", "title"),
        ("incident", "description", "description"),
        ("warning", "addressee", "addressee"),
    ],
)
def test_a_control_character_in_text_is_refused_naming_its_code(
    char: str, report_type: str, key: str, field: str
) -> None:
    # Check C0 (except tab/newline/CR), DEL and C1 controls are refused in every text field.
    data = with_keys(report_type, **{key: f"before{char}after"})
    assert message_for(data) == (
        f"line 7, field '{field}': contains control character U+{ord(char):04X}"
    )


def test_a_control_character_in_an_outlet_name_is_refused() -> None:
    # Check source hops are held to the same rule.
    data = with_keys("claim", sources=[{"outlet": "TA\x1bSS"}])
    assert (
        message_for(data) == "line 7, field 'sources.0.outlet': contains control character U+001B"
    )


@pytest.mark.parametrize(
    ("report_type", "key", "limit"),
    [
        ("claim", "by", 200),
        ("claim", "speaker", 200),
        ("claim", "recorded_by", 200),
        ("incident", "title", 300),
        ("claim", "summary", 2_000),
        ("claim", "quote", 10_000),
        ("incident", "description", 10_000),
    ],
)
def test_text_at_its_limit_is_accepted_and_one_more_is_refused(
    report_type: str, key: str, limit: int
) -> None:
    # Check every text field's documented maximum length, at and beyond the limit.
    at_limit = with_keys(report_type, **{key: "x" * limit})
    assert report_fields(parse_line(line(at_limit), 1))[key] == "x" * limit
    beyond = with_keys(report_type, **{key: "x" * (limit + 1)})
    assert message_for(beyond) == (
        f"line 7, field '{key}': string should have at most {limit} characters"
    )


@pytest.mark.parametrize("key", ["by", "summary", "title"])
def test_empty_required_text_is_refused(key: str) -> None:
    # Check required text cannot be the empty string.
    report_type = "incident" if key == "title" else "claim"
    assert message_for(with_keys(report_type, **{key: ""})) == (
        f"line 7, field '{key}': string should have at least 1 character"
    )


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        (
            with_keys("claim", against=["actor"] * 101),
            "against",
            "takes at most 100 items (has 101)",
        ),
        (
            with_keys("denial", refers_to=["r"] * 101),
            "refers_to",
            "takes at most 100 items (has 101)",
        ),
        (
            with_keys("claim", sources=[{"outlet": "o"}] * 101),
            "sources",
            "takes at most 100 items (has 101)",
        ),
        (
            with_keys("claim", sources=[{"outlet": "o", "url": "https://x/" + "a" * 1991}]),
            "sources.0.url",
            "string should have at most 2000 characters",
        ),
        (
            with_keys("claim", magnitude={"occurrences": 1_000_001}),
            "magnitude.occurrences",
            "input should be less than or equal to 1000000",
        ),
    ],
)
def test_an_oversized_list_or_value_is_refused(
    data: dict[str, Any], field: str, problem: str
) -> None:
    # Check list lengths, URL length and magnitudes have limits.
    assert message_for(data) == f"line 7, field '{field}': {problem}"
