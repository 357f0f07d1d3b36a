"""Shared by the tests/unit/test_interchange_*.py modules: the smallest valid line of each type,
its required and optional keys as DOMAIN.md lists them, and helpers that build a line and
catch the `InvalidLine` it raises (its message in full).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ledger.interchange import InvalidLine, parse_line
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
