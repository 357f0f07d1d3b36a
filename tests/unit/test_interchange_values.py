"""The JSON Lines interchange format, version 1: the values `parse_line` accepts and refuses for
enumerations, slugs and times.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

from typing import Any

import pytest

from ledger.interchange import parse_line, report_fields
from tests.unit.interchange_lines import NOT_ISO, SLUG_PROBLEM, SOURCE, line, message_for, with_keys

# -- enumerations ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "problem"),
    [
        (
            with_keys("claim", stance="says"),
            "stance",
            "input should be 'alleges', 'accuses', 'claims_responsibility' or 'reports'",
        ),
        (
            with_keys("denial", scope="everything"),
            "scope",
            "input should be 'occurred', 'attribution', 'details' or 'magnitude'",
        ),
        (
            with_keys("assessment", reliability="G"),
            "reliability",
            "input should be 'A', 'B', 'C', 'D', 'E' or 'F'",
        ),
        (
            with_keys("assessment", reliability="a"),
            "reliability",
            "input should be 'A', 'B', 'C', 'D', 'E' or 'F'",
        ),
        # A title or summary of blanks alone says nothing (spaces, a no-break space).
        (
            with_keys("claim", summary="   "),
            "summary",
            "must contain a visible character (it is blank)",
        ),
        (
            with_keys("incident", title="\u00a0 "),
            "title",
            "must contain a visible character (it is blank)",
        ),
        (
            with_keys("assessment", credibility=0),
            "credibility",
            "input should be greater than or equal to 1",
        ),
        (
            with_keys("assessment", credibility=7),
            "credibility",
            "input should be less than or equal to 6",
        ),
        (
            with_keys("verdict", status="true"),
            "status",
            "input should be 'confirmed', 'refuted' or 'unverifiable'",
        ),
        (
            with_keys("link", relation="knows"),
            "relation",
            "input should be 'context_for', 'follows', 'same_as', 'part_of' or "
            "'cited_as_justification'",
        ),
        (
            with_keys("claim", sources=[{"outlet": "TASS", "kind": "fax"}]),
            "sources.0.kind",
            "input should be 'statement', 'briefing', 'interview', 'wire', 'web', 'print', "
            "'broadcast', 'social', 'document' or 'other'",
        ),
        (
            with_keys("claim", sources=[{"outlet": "TASS", "quote_mode": "verbatim"}]),
            "sources.0.quote_mode",
            "input should be 'direct', 'paraphrase' or 'translated'",
        ),
        (
            with_keys("claim", cameo="19a"),
            "cameo",
            "string should match pattern '^[0-9]{2,4}$'",
        ),
        (
            with_keys("claim", cameo="19451"),
            "cameo",
            "string should match pattern '^[0-9]{2,4}$'",
        ),
        (
            with_keys("discrepancy", field="Location"),
            "field",
            "string should match pattern '^[a-z_]{1,40}$'",
        ),
        (
            with_keys("claim", sources=[{"outlet": "TASS", "url": "ftp://tass.ru/x"}]),
            "sources.0.url",
            "string should match pattern '^https?://\\S+$'",
        ),
    ],
)
def test_a_value_outside_its_enumeration_is_refused(
    data: dict[str, Any], field: str, problem: str
) -> None:
    # Check each closed vocabulary refuses other values, naming the field and the choices.
    assert message_for(data) == f"line 7, field '{field}': {problem}"


@pytest.mark.parametrize(
    "kind",
    [
        "statement",
        "briefing",
        "interview",
        "wire",
        "web",
        "print",
        "broadcast",
        "social",
        "document",
        "other",
    ],
)
def test_every_documented_source_kind_is_accepted(kind: str) -> None:
    # Check DOMAIN.md's list of source kinds is accepted in full.
    data = with_keys("claim", sources=[{"outlet": "TASS", "kind": kind}])
    assert report_fields(parse_line(line(data), 1))["sources"] == [{"outlet": "TASS", "kind": kind}]


@pytest.mark.parametrize(
    "relation", ["context_for", "follows", "same_as", "part_of", "cited_as_justification"]
)
def test_every_documented_link_relation_is_accepted(relation: str) -> None:
    # Check DOMAIN.md's list of link relations is accepted in full.
    assert (
        report_fields(parse_line(line(with_keys("link", relation=relation)), 1))["relation"]
        == relation
    )


# -- slugs -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["a", "0", "a" * 100, "deir-ez-zor.2017_09", "9-a"])
def test_a_valid_slug_is_accepted_everywhere_slugs_go(slug: str) -> None:
    # Check the slug pattern's edges are accepted for incident, report, other and refers_to.
    assert (
        report_fields(parse_line(line(with_keys("claim", incident=slug, report=slug)), 1))["report"]
        == slug
    )
    assert report_fields(parse_line(line(with_keys("link", other=slug)), 1))["other"] == slug
    assert report_fields(parse_line(line(with_keys("denial", refers_to=[slug])), 1))[
        "refers_to"
    ] == [slug]


@pytest.mark.parametrize(
    "slug",
    ["", "A", "Deir", "-a", ".a", "_a", "a b", "a/b", "a" * 101, "é", "a\n", "ａ"],
)
@pytest.mark.parametrize(
    ("report_type", "key", "field"),
    [
        ("claim", "incident", "incident"),
        ("claim", "report", "report"),
        ("link", "other", "other"),
        ("denial", "refers_to", "refers_to.0"),
    ],
)
def test_an_invalid_slug_is_refused_naming_its_field(
    slug: str, report_type: str, key: str, field: str
) -> None:
    # Check every slug-valued key refuses non-slugs with the slug rule spelled out.
    value: Any = [slug] if key == "refers_to" else slug
    assert message_for(with_keys(report_type, **{key: value})) == (
        f"line 7, field '{field}': {SLUG_PROBLEM}"
    )


def test_the_second_bad_id_of_refers_to_is_named_by_its_index() -> None:
    # Check a bad id deep in a refers_to list is located by its index.
    data = with_keys("denial", refers_to=["ok-1", "ok-2", "Not OK"])
    assert message_for(data) == f"line 7, field 'refers_to.2': {SLUG_PROBLEM}"


# -- times -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        "2017",
        "2017-09",
        "2017-09-21",
        "2016-02-29",
        "2017-09-21T14:05Z",
        "2017-09-21T14:05:30Z",
        "2017-09-21T14:05:30.5Z",
        "2017-09-21T14:05:30.123456+05:30",
        "2017-09-21T21:07+05:30",
        "2017-09-21T09:07-04:00",
    ],
)
def test_every_documented_time_form_is_accepted(moment: str) -> None:
    # Check partial dates and offset date-times are accepted in stated_at and published_at.
    data = with_keys(
        "claim", stated_at=moment, sources=[{"outlet": "TASS", "published_at": moment}]
    )
    fields = report_fields(parse_line(line(data), 1))
    assert (fields["stated_at"], fields["sources"][0]["published_at"]) == (moment, moment)


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        ("2017-02-30", "'2017-02-30' is not a real date"),
        ("2017-02-29", "'2017-02-29' is not a real date"),
        ("2017-13", "'2017-13' is not a real date"),
        ("2017-00", "'2017-00' is not a real date"),
        ("0000", "'0000' is not a real date"),
        ("2017-09-21T25:05Z", "'2017-09-21T25:05Z' is not a real date-time"),
        ("2017-09-21T24:00Z", "'2017-09-21T24:00Z' is not a real date-time"),
        ("2017-09-21T14:60Z", "'2017-09-21T14:60Z' is not a real date-time"),
        ("2017-09-21T14:05:60Z", "'2017-09-21T14:05:60Z' is not a real date-time"),
        ("2017-09-21T14:05+25:00", "'2017-09-21T14:05+25:00' is not a real date-time"),
        ("2017-09-21T14:05", f"'2017-09-21T14:05' {NOT_ISO}"),
        ("2017-09-21T14Z", f"'2017-09-21T14Z' {NOT_ISO}"),
        ("2017-09-21 14:05Z", f"'2017-09-21 14:05Z' {NOT_ISO}"),
        ("2017-09-21T14:05:30.1234567Z", f"'2017-09-21T14:05:30.1234567Z' {NOT_ISO}"),
        ("2017-9-21", f"'2017-9-21' {NOT_ISO}"),
        ("21/09/2017", f"'21/09/2017' {NOT_ISO}"),
        ("17", f"'17' {NOT_ISO}"),
        ("", f"'' {NOT_ISO}"),
        ("yesterday", f"'yesterday' {NOT_ISO}"),
        ("2" * 41, "string should have at most 40 characters"),
    ],
)
def test_an_invalid_time_is_refused_saying_why(moment: str, problem: str) -> None:
    # Check impossible dates, naive date-times and other forms are refused with the reason.
    assert message_for(with_keys("claim", stated_at=moment)) == (
        f"line 7, field 'stated_at': {problem}"
    )


def test_an_invalid_time_inside_a_source_names_its_path() -> None:
    # Check a bad published_at is located inside its source hop.
    data = with_keys("claim", sources=[SOURCE, {"outlet": "AP", "published_at": "2017-02-30"}])
    assert message_for(data) == (
        "line 7, field 'sources.1.published_at': '2017-02-30' is not a real date"
    )


def test_a_time_given_as_a_number_is_refused() -> None:
    # Check 20170921 is not read as a date.
    assert message_for(with_keys("claim", stated_at=20170921)) == (
        "line 7, field 'stated_at': input should be a valid string"
    )


@pytest.mark.parametrize(
    ("occurred_from", "occurred_to"),
    [("2017-09", "2017-09-01"), ("2017", "2017-01"), ("2017-09-21T00:00Z", "2017-09-21")],
)
def test_a_partial_date_range_that_starts_and_ends_together_is_accepted(
    occurred_from: str, occurred_to: str
) -> None:
    # Check partial dates compare by their earliest instant, so equal starts are in order.
    data = with_keys("incident", occurred_from=occurred_from, occurred_to=occurred_to)
    fields = report_fields(parse_line(line(data), 1))
    assert (fields["occurred_from"], fields["occurred_to"]) == (occurred_from, occurred_to)


@pytest.mark.parametrize(
    ("occurred_from", "occurred_to"),
    [("2017-09-21", "2017-09"), ("2017-09-21T14:05Z", "2017-09-21T19:00+05:30")],
)
def test_an_incident_that_ends_before_it_starts_is_refused(
    occurred_from: str, occurred_to: str
) -> None:
    # Check occurred_to may not precede occurred_from (offsets taken into account).
    data = with_keys("incident", occurred_from=occurred_from, occurred_to=occurred_to)
    assert message_for(data) == "line 7: occurred_to is before occurred_from"


@pytest.mark.parametrize("moment", ["２０１７", "٢٠١٧-٠٩-٢١", "2017-09-2١"])
def test_a_time_written_in_non_ascii_digits_is_refused(moment: str) -> None:
    # Check ISO 8601 means ASCII digits: fullwidth or Arabic-Indic digits are not a date.
    assert message_for(with_keys("claim", stated_at=moment)) == (
        f"line 7, field 'stated_at': '{moment}' {NOT_ISO}"
    )
