"""The JSON Lines interchange format, version 2 keys: hops, magnitude ranges, the incident's
place and time, confidence and supersedes, as `parse_line` accepts and refuses them.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.interchange import parse_line, report_fields
from tests.unit.interchange_lines import line, refusal, with_keys

# -- version 2: hop keys ------------------------------------------------------------------


def _claim_with(*hops: dict[str, Any]) -> dict[str, Any]:
    return with_keys("claim", sources=list(hops))


def test_every_version_2_hop_key_is_accepted_and_kept() -> None:
    hop = {
        "outlet": "Al Jazeera",
        "kind": "social",
        "via": 0,
        "title": "Russia warns US",
        "language": "ar-SY",
        "archived_url": "https://web.archive.org/web/2017/https://aljazeera.net/x",
        "sha256": "0f" * 32,
        "deleted_at": "2017-09-30",
    }
    data = _claim_with({"outlet": "TASS", "kind": "document"}, {"outlet": "AP"}, hop)
    assert report_fields(parse_line(line(data)))["sources"][2] == hop


@pytest.mark.parametrize(
    ("hops", "problem"),
    [
        ([{"outlet": "TASS", "via": 0}], "hop 0's via must be an earlier hop's index (none"),
        ([{"outlet": "TASS"}, {"outlet": "AP", "via": 1}], "hop 1's via must be an earlier"),
        ([{"outlet": "TASS"}, {"outlet": "AP", "via": 5}], "(0 to 0)"),
    ],
)
def test_via_must_name_an_earlier_hop(hops: list[dict[str, Any]], problem: str) -> None:
    error = refusal(line(_claim_with(*hops)))
    assert error.field == "sources"
    assert problem in error.problem


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("via", -1),
        ("via", "0"),
        ("language", "english language"),
        ("language", "e"),
        ("sha256", "0F" * 32),
        ("archived_url", "javascript:alert(1)"),
        ("deleted_at", "yesterday"),
        ("title", ""),
    ],
)
def test_bad_version_2_hop_values_are_refused_naming_the_key(key: str, value: Any) -> None:
    error = refusal(line(_claim_with({"outlet": "TASS", key: value})))
    assert error.field == f"sources.0.{key}"


# -- version 2: magnitude ranges ------------------------------------------------------------


def test_a_magnitude_takes_ranges_new_counts_and_civilians() -> None:
    magnitude = {
        "killed": {"low": 100, "best": 150, "high": 300},
        "injured": {"best": 6},
        "missing": 3,
        "detained": {"low": 10, "high": 12},
        "displaced": 40_000,
        "civilians": True,
    }
    assert (
        report_fields(parse_line(line(with_keys("claim", magnitude=magnitude))))["magnitude"]
        == magnitude
    )


@pytest.mark.parametrize(
    ("magnitude", "field", "problem"),
    [
        ({"killed": {}}, "magnitude.killed", "at least one of low, best, high"),
        ({"killed": {"low": 300, "high": 100}}, "magnitude.killed", "low ≤ best ≤ high"),
        ({"killed": {"best": 5, "high": 4}}, "magnitude.killed", "low ≤ best ≤ high"),
        ({"killed": {"low": -1}}, "magnitude.killed.low", "greater than or equal to 0"),
        ({"killed": {"low": 1, "likely": 2}}, "magnitude.killed.likely", "unknown key"),
        ({"killed": {"low": "1"}}, "magnitude.killed.low", "valid integer"),
        ({"occurrences": {"high": 1_000_001}}, "magnitude.occurrences.high", "less than"),
        ({"killed": [100, 300]}, "magnitude.killed", "valid integer"),
        ({"civilians": "yes"}, "magnitude.civilians", "valid boolean"),
    ],
)
def test_bad_magnitude_ranges_are_refused_naming_the_count(
    magnitude: dict[str, Any], field: str, problem: str
) -> None:
    error = refusal(line(with_keys("claim", magnitude=magnitude)))
    assert error.field == field
    assert problem in error.problem.lower()


# -- version 2: incident place and time, confidence, supersedes -----------------------------


@pytest.mark.parametrize(
    ("report_type", "key", "value"),
    [
        ("incident", "country", "sy"),
        ("incident", "country", "SYR"),
        ("incident", "geo_precision", 0),
        ("incident", "geo_precision", 4),
        ("incident", "time_precision", "1"),
        ("incident", "admin1", ""),
        ("corroboration", "confidence", "certain"),
        ("claim", "supersedes", []),
        ("claim", "supersedes", "mod-shelling"),
        ("denial", "supersedes", ["Not A Slug"]),
    ],
)
def test_bad_version_2_keys_are_refused_naming_the_key(
    report_type: str, key: str, value: Any
) -> None:
    error = refusal(line(with_keys(report_type, **{key: value})))
    assert error.field is not None and error.field.split(".")[0] == key
