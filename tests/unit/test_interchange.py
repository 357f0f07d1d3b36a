"""The JSON Lines interchange format, version 1: what `parse_line` accepts, and how it refuses.

Every refusal is an `InvalidLine` whose message names the line number and, where one is to
blame, the field: "line N, field 'x': problem". These tests assert the whole message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.errors import EXIT_BAD_INPUT
from ledger.interchange import (
    MAX_DEPTH,
    MAX_LINE_BYTES,
    MODEL_BY_TYPE,
    InvalidLine,
    parse_line,
    report_fields,
    validate_report,
)
from ledger.report_fields import REPORT_TYPES

SLUG_PROBLEM = "must be a slug: lowercase letters, digits, '.', '_' or '-', at most 100"
NOT_ISO = "is not ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z/±HH:MM)"
TYPE_PROBLEM = "must be one of " + ", ".join(("actor", *REPORT_TYPES))

# The smallest valid line of each type.
MINIMAL: dict[str, dict[str, Any]] = {
    "incident": {"type": "incident", "incident": "inc", "title": "Shelling near Deir ez-Zor"},
    "claim": {"type": "claim", "incident": "inc", "by": "Russian MoD", "summary": "Fired on"},
    "warning": {
        "type": "warning",
        "incident": "inc",
        "by": "Russian MoD",
        "addressee": "US military command",
        "summary": "Fire will be met with retaliation",
    },
    "denial": {
        "type": "denial",
        "incident": "inc",
        "by": "SDF",
        "refers_to": ["mod-shelling"],
        "summary": "Did not happen",
    },
    "corroboration": {
        "type": "corroboration",
        "incident": "inc",
        "by": "Monitor",
        "refers_to": ["mod-shelling"],
        "summary": "Observers saw it",
    },
    "discrepancy": {
        "type": "discrepancy",
        "incident": "inc",
        "refers_to": ["mod-shelling"],
        "field": "location_qualifier",
        "variants": [
            {"value": "western bank", "sources": [{"outlet": "EIR"}]},
            {"value": "eastern bank", "sources": [{"outlet": "Rudaw"}]},
        ],
    },
    "assessment": {
        "type": "assessment",
        "incident": "inc",
        "refers_to": ["mod-shelling"],
        "reliability": "D",
        "credibility": 3,
    },
    "verdict": {
        "type": "verdict",
        "incident": "inc",
        "refers_to": ["mod-shelling"],
        "status": "unverifiable",
        "reason": "No access",
    },
    "retraction": {
        "type": "retraction",
        "incident": "inc",
        "refers_to": ["mod-shelling"],
        "by": "Russian MoD",
    },
    "correction": {
        "type": "correction",
        "incident": "inc",
        "refers_to": ["mod-shelling"],
        "reason": "Entered twice",
        "void": True,
    },
    "link": {"type": "link", "incident": "inc", "other": "airstrike", "relation": "context_for"},
    "outcome": {
        "type": "outcome",
        "incident": "inc",
        "refers_to": ["mod-warning"],
        "outcome": "not_carried_out",
    },
    "evidence": {
        "type": "evidence",
        "incident": "inc",
        "kind": "video",
        "url": "https://example.org/strike.mp4",
    },
}

# Required keys per type besides `type` and `incident`, as DOMAIN.md's table lists them
# (a correction's `changes`/`void` alternative is checked on its own).
REQUIRED: dict[str, set[str]] = {
    "incident": {"title"},
    "claim": {"by", "summary"},
    "warning": {"by", "addressee", "summary"},
    "denial": {"by", "refers_to", "summary"},
    "corroboration": {"by", "refers_to", "summary"},
    "discrepancy": {"refers_to", "field", "variants"},
    "assessment": {"refers_to", "reliability", "credibility"},
    "verdict": {"refers_to", "status", "reason"},
    "retraction": {"refers_to", "by"},
    "correction": {"refers_to", "reason"},
    "link": {"other", "relation"},
    "outcome": {"refers_to", "outcome"},
    "evidence": {"kind"},  # and at least one of url, sha256: see its own test
}

SOURCE = {
    "outlet": "Firstpost",
    "kind": "web",
    "url": "https://www.firstpost.com/world/russia-warns-us.html",
    "published_at": "2017-09-21T21:07+05:30",
    "quote_mode": "direct",
}

# Every optional key of each type, with a valid value (`recorded_by` is common to all).
_OWN_OPTIONAL: dict[str, dict[str, Any]] = {
    "incident": {
        "category": "shelling/artillery/missile attack",
        "location": "Deir ez-Zor, Syria",
        "location_qualifier": "eastern bank",
        "lat": 35.33,
        "lon": 40.14,
        "occurred_from": "2017-09",
        "occurred_to": "2017-09-21",
        "description": "Mortar and rocket fire, twice.",
        "country": "SY",
        "admin1": "Deir ez-Zor",
        "admin2": "Deir ez-Zor",
        "geo_precision": 2,
        "time_precision": 1,
    },
    "claim": {
        "report": "mod-shelling",
        "speaker": "Maj Gen Igor Konashenkov",
        "on_behalf_of": "Russian Ministry of Defence",
        "stance": "accuses",
        "against": ["Syrian Democratic Forces", "US special forces"],
        "targets": ["Syrian government forces"],
        "quote": "have twice come under massive mortar and rocket artillery fire",
        "stated_at": "2017-09-21T14:05Z",
        "sources": [{"outlet": "TASS", "kind": "wire"}, SOURCE],
        "cameo": "194",
        "magnitude": {"occurrences": 2, "killed": 0, "injured": 6},
        "supersedes": ["mod-shelling-first"],
    },
    "warning": {
        "report": "mod-warning",
        "speaker": "Maj Gen Igor Konashenkov",
        "on_behalf_of": "Russian Ministry of Defence",
        "threatened_party": "Syrian Democratic Forces",
        "condition": "fire from SDF-held areas",
        "threatened_action": "immediate retaliation",
        "channel": "statement",
        "quote": "would be immediately met with retaliation",
        "stated_at": "2017-09-21",
        "sources": [SOURCE],
        "cameo": "1384",
        "supersedes": ["mod-warning-first"],
    },
    "denial": {
        "report": "sdf-denial",
        "speaker": "Ahmed Abu Khawla",
        "on_behalf_of": "Deir ez-Zor Military Council",
        "scope": "occurred",
        "counter_claim": "7 km of IS-held territory separates us",
        "quote": "at least 7 km",
        "stated_at": "2017-09-21",
        "sources": [SOURCE],
        "reason": "At least 7 km of IS-held territory separates us",
        "cameo": "016",
        "supersedes": ["sdf-first-denial"],
    },
    "corroboration": {
        "report": "monitor-saw-it",
        "independent": True,
        "basis": "Observers on the ground",
        "quote": "we saw the shelling",
        "stated_at": "2017-09-22",
        "sources": [SOURCE],
        "speaker": "Rami Abdulrahman",
        "on_behalf_of": "Syrian Observatory for Human Rights",
        "confidence": "moderate",
    },
    "discrepancy": {
        "report": "bank-discrepancy",
        "note": "Outlets disagree on the bank",
        "by": "Analyst desk",
        "stated_at": "2017-09-24",
    },
    "assessment": {
        "report": "mod-assessment",
        "rationale": "Single-source ministry statement",
        "by": "Analyst desk",
        "stated_at": "2017-09-24",
    },
    "verdict": {"report": "mod-verdict", "by": "Analyst desk", "stated_at": "2017-11"},
    "retraction": {
        "report": "mod-retraction",
        "reason": "Withdrawn",
        "stated_at": "2017-09-23",
        "sources": [SOURCE],
        "speaker": "Maj Gen Igor Konashenkov",
        "on_behalf_of": "Russian Ministry of Defence",
        "quote": "we withdraw it",
    },
    "correction": {"report": "fix-1", "by": "Analyst desk", "stated_at": "2017-09-25"},
    "outcome": {
        "report": "warning-outcome",
        "by": "Russian Ministry of Defence",
        "other": "airstrike",
        "reason": "Strikes followed on 22 Sept",
        "speaker": "Maj Gen Igor Konashenkov",
        "on_behalf_of": "Russian Ministry of Defence",
        "quote": "we struck back",
        "stated_at": "2017-09-22",
        "sources": [SOURCE],
    },
    "evidence": {
        "report": "strike-video",
        "sha256": "a" * 64,
        "title": "Video of the strike",
        "archived_url": "https://web.archive.org/web/2017/https://example.org/strike.mp4",
        "media_type": "video/mp4",
        "bytes": 1_048_576,
        "captured_at": "2017-09-22T10:00Z",
        "captured_by": "Analyst desk",
        "published_at": "2017-09-21",
        "author": "Local activist",
        "deleted_at": "2017-09-23",
        "supports": ["mod-shelling"],
        "contradicts": ["sdf-denial"],
        "note": "Shows fire from the eastern bank",
        "by": "Analyst desk",
        "stated_at": "2017-09-22",
    },
    "link": {
        "report": "link-1",
        "note": "The warning cites the airstrike",
        "by": "Analyst desk",
        "stated_at": "2017-09-25",
    },
}
OPTIONAL = {t: {"recorded_by": "Analyst desk", **keys} for t, keys in _OWN_OPTIONAL.items()}


def line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def with_keys(report_type: str, **changes: Any) -> dict[str, Any]:
    return {**MINIMAL[report_type], **changes}


def refusal(text: str | bytes, line_no: int | None = 7) -> InvalidLine:
    with pytest.raises(InvalidLine) as caught:
        parse_line(text, line_no)
    return caught.value


def message_for(data: dict[str, Any], line_no: int | None = 7) -> str:
    return str(refusal(line(data), line_no))


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
    assert message_for(data) == (
        "line 7, field 'variants': list should have at least 2 items after validation, not 1"
    )


def test_an_empty_refers_to_list_is_refused() -> None:
    # Check refers_to needs at least one id.
    assert message_for(with_keys("denial", refers_to=[])) == (
        "line 7, field 'refers_to': list should have at least 1 item after validation, not 0"
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
        "line 1: not valid JSON (Unexpected UTF-8 BOM (decode using utf-8-sig): "
        "line 1 column 1 (char 0))"
    )


@pytest.mark.parametrize("text", ["[]", "[1, 2]", '"claim"', "1", "1.5", "null", "true"])
def test_json_that_is_not_an_object_is_refused(text: str) -> None:
    # Check arrays, strings, numbers, null and booleans are not report lines.
    assert str(refusal(text, 6)) == "line 6: expected a JSON object"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (
            "{'type': 'claim'}",
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        ('{"type": "claim"} {}', "Extra data: line 1 column 19 (char 18)"),
    ],
)
def test_text_that_is_not_json_is_refused(text: str, problem: str) -> None:
    # Check broken JSON is refused with the parser's reason.
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
            "list should have at most 100 items after validation, not 101",
        ),
        (
            with_keys("denial", refers_to=["r"] * 101),
            "refers_to",
            "list should have at most 100 items after validation, not 101",
        ),
        (
            with_keys("claim", sources=[{"outlet": "o"}] * 101),
            "sources",
            "list should have at most 100 items after validation, not 101",
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
