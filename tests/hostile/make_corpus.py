"""Write the hostile JSON Lines corpus and its manifest (`expected.json`) into this folder.

Run `python tests/hostile/make_corpus.py` after changing a case; `tests/e2e/test_hostile_corpus.py`
checks that the files on disk are exactly what this script writes.

Every file starts with valid lines (an incident and a claim), so that "nothing written" on a
refusal shows the import is all or nothing. The manifest maps each file to what must happen:

- `{"exit": 2, "line": N, "field": F}`: refused as bad input, one stderr line naming line N (and
  field F when given), nothing written;
- `{"exit": 1, "line": N}`: refused by a domain rule, naming line N, nothing written;
- `{"exit": 0, "stored": {"report": R, "field": F, "value": V}}`: accepted, and report R's field F
  reads back exactly V (a dotted path reaches into lists and objects).

`tries` says what the file attempts; `bug` marks an expectation the product does not meet yet.
Text that must arrive as bytes (invalid UTF-8, raw control bytes) is written as bytes.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "expected.json"

INCIDENT: dict[str, Any] = {
    "type": "incident",
    "incident": "inc-a",
    "title": "Shelling of Syrian government positions near Deir el-Zour",
}
CLAIM: dict[str, Any] = {
    "type": "claim",
    "incident": "inc-a",
    "report": "c1",
    "by": "Russian Ministry of Defence",
    "summary": "Syrian forces twice came under mortar and rocket fire from the eastern bank",
}

# Limits from ledger/report_fields.py, repeated here so the corpus is plain data.
MAX_NAME = 200
MAX_TITLE = 300
MAX_SUMMARY = 2_000
MAX_TEXT = 10_000
MAX_LINE_BYTES = 1_000_000
MAX_SAFE_INTEGER = 2**53 - 1


def dumps(data: Any, *, ascii_only: bool = False) -> bytes:
    """One JSON line (without its newline), as the bytes a file would hold."""
    return json.dumps(data, ensure_ascii=ascii_only).encode("utf-8")


HEAD: list[bytes] = [dumps(INCIDENT), dumps(CLAIM)]


def claim(**changes: Any) -> dict[str, Any]:
    """A valid claim `h1` on inc-a, with `changes` applied (None removes a key)."""
    data: dict[str, Any] = {
        "type": "claim",
        "incident": "inc-a",
        "report": "h1",
        "by": "Syrian Democratic Forces",
        "summary": "Government forces shelled our positions",
    }
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


EVIDENCE: dict[str, Any] = {
    "type": "evidence",
    "incident": "inc-a",
    "report": "e1",
    "kind": "video",
    "sha256": "ab" * 32,
}


def incident(**changes: Any) -> dict[str, Any]:
    """A second valid incident, inc-h, with `changes` applied."""
    return {
        "type": "incident",
        "incident": "inc-h",
        "title": "Airstrike near Deir ez-Zor",
    } | changes


@dataclass
class Case:
    name: str
    tries: str
    lines: Sequence[bytes]
    expect: dict[str, Any]
    head: Sequence[bytes] = field(default_factory=lambda: HEAD)
    newline: bytes = b"\n"
    bug: str | None = None

    def content(self) -> bytes:
        return b"".join(line + self.newline for line in [*self.head, *self.lines])

    def manifest(self) -> dict[str, Any]:
        entry = {"tries": self.tries, **self.expect}
        if self.bug:
            entry["bug"] = self.bug
        return entry


def bad(
    name: str,
    tries: str,
    *lines: bytes,
    line: int = 3,
    field: str | None = None,
    bug: str | None = None,
) -> Case:
    expect: dict[str, Any] = {"exit": 2, "line": line}
    if field is not None:
        expect["field"] = field
    return Case(name, tries, lines, expect, bug=bug)


def refused(name: str, tries: str, *lines: bytes, line: int) -> Case:
    return Case(name, tries, lines, {"exit": 1, "line": line})


def stored(
    name: str, tries: str, *lines: bytes, report: str, field: str, value: Any, **options: Any
) -> Case:
    expect = {"exit": 0, "stored": {"report": report, "field": field, "value": value}}
    return Case(name, tries, lines, expect, **options)


def nested(depth: int) -> bytes:
    """A claim whose `against` is a list nested `depth` deep, built as text (no recursion)."""
    return dumps(claim(against=["X"])).replace(b'["X"]', b"[" * depth + b'"X"' + b"]" * depth)


def corpus() -> list[Case]:
    retraction = {"type": "retraction", "incident": "inc-a", "report": "h1", "by": "Russian MoD"}
    denial = {
        "type": "denial",
        "incident": "inc-a",
        "report": "d1",
        "by": "Syrian Democratic Forces",
        "refers_to": ["c1"],
        "summary": "No such fire came from our side",
    }
    correction = {
        "type": "correction",
        "incident": "inc-a",
        "report": "h1",
        "refers_to": ["c1"],
        "reason": "Misattributed",
    }
    return [
        # -- sizes ------------------------------------------------------------------------------
        bad(
            "summary-over-2000-chars.jsonl",
            "a summary one character over its limit",
            dumps(claim(summary="x" * (MAX_SUMMARY + 1))),
            field="summary",
        ),
        bad(
            "summary-2001-astral-emoji.jsonl",
            "a summary of 2,001 four-byte characters: the limit counts characters, not bytes",
            dumps(claim(summary="\U0001f525" * (MAX_SUMMARY + 1))),
            field="summary",
        ),
        stored(
            "summary-2000-astral-emoji-at-limit.jsonl",
            "2,000 four-byte characters (8,000 bytes) is exactly at the limit",
            dumps(claim(summary="\U0001f525" * MAX_SUMMARY)),
            report="h1",
            field="summary",
            value="\U0001f525" * MAX_SUMMARY,
        ),
        bad(
            "actor-name-over-200-chars.jsonl",
            "a `by` name one character over its limit",
            dumps(claim(by="A" * (MAX_NAME + 1))),
            field="by",
        ),
        bad(
            "title-over-300-chars.jsonl",
            "an incident title one character over its limit",
            dumps(incident(title="T" * (MAX_TITLE + 1))),
            field="title",
        ),
        bad(
            "quote-over-10000-chars.jsonl",
            "a quote one character over its limit",
            dumps(claim(quote="q" * (MAX_TEXT + 1))),
            field="quote",
        ),
        bad(
            "line-over-1mb.jsonl",
            "a single line longer than 1 MB is refused before it is parsed",
            dumps(claim(quote="q" * MAX_LINE_BYTES)),
        ),
        bad(
            "nested-200-deep.jsonl",
            "a list nested 200 deep parses, but is refused as too deep",
            nested(200),
        ),
        bad(
            "nested-5000-deep.jsonl",
            "a list nested 5,000 deep would blow the parser's recursion limit",
            nested(5000),
        ),
        # -- encoding ---------------------------------------------------------------------------
        bad(
            "invalid-utf8-in-quote.jsonl",
            "a 0xFF byte (never valid UTF-8) inside a quote",
            dumps(claim(quote="before-after")).replace(b"before-", b"before\xff"),
        ),
        bad(
            "overlong-utf8-slash-in-summary.jsonl",
            "an overlong encoding of '/' (0xC0 0xAF), a classic filter bypass",
            dumps(claim(summary="a-b")).replace(b"a-b", b"a\xc0\xafb"),
        ),
        bad(
            "utf8-encoded-surrogate-in-summary.jsonl",
            "a surrogate encoded as UTF-8 bytes (CESU-8 style), invalid in UTF-8",
            dumps(claim(summary="a-b")).replace(b"a-b", b"a\xed\xa0\x80b"),
        ),
        bad(
            "truncated-utf8-sequence-in-by.jsonl",
            "the first two bytes of a three-byte sequence, then the closing quote",
            dumps(claim(by="SDF-")).replace(b"SDF-", b"SDF\xe2\x82"),
        ),
        bad(
            "lone-surrogate-escape-in-summary.jsonl",
            "a \\ud800 escape decodes to a lone surrogate, which no database can store",
            dumps(claim(summary="\ud800"), ascii_only=True),
            field="summary",
        ),
        bad(
            "lone-low-surrogate-escape-in-speaker.jsonl",
            "a low surrogate without its high half",
            dumps(claim(speaker="Maj Gen \udc00"), ascii_only=True),
            field="speaker",
        ),
        bad(
            "lone-surrogate-escape-as-key.jsonl",
            "a lone surrogate as a key name",
            dumps(claim(**{"\ud800": 1}), ascii_only=True),
        ),
        Case(
            "bom-at-start.jsonl",
            "a UTF-8 byte order mark before the first line",
            [],
            {"exit": 2, "line": 1},
            head=[b"\xef\xbb\xbf" + HEAD[0], HEAD[1]],
        ),
        bad(
            "bom-at-start-of-third-line.jsonl",
            "a byte order mark in the middle of the file",
            b"\xef\xbb\xbf" + dumps(claim()),
        ),
        Case(
            "crlf-line-endings.jsonl",
            "Windows line endings: the CR is not part of the last value",
            [dumps(claim(summary="Ends at the quote"))],
            {
                "exit": 0,
                "stored": {"report": "h1", "field": "summary", "value": "Ends at the quote"},
            },
            newline=b"\r\n",
        ),
        Case(
            "cr-only-line-endings.jsonl",
            "classic Mac line endings: the whole file is one line holding several objects",
            [dumps(claim())],
            {"exit": 2, "line": 1},
            newline=b"\r",
        ),
        # -- control characters -----------------------------------------------------------------
        bad(
            "nul-byte-in-by.jsonl",
            "a NUL (as the \\u0000 escape) in the actor name; PostgreSQL text cannot hold it",
            dumps(claim(by="Syrian\u0000Democratic Forces")),
            field="by",
        ),
        bad(
            "raw-nul-byte-in-summary.jsonl",
            "a raw 0x00 byte inside a JSON string, which JSON itself forbids",
            dumps(claim(summary="a-b")).replace(b"a-b", b"a\x00b"),
        ),
        bad(
            "ansi-escape-in-speaker.jsonl",
            "an ANSI colour escape that would repaint a terminal",
            dumps(claim(speaker="\u001b[31mMaj Gen Igor Konashenkov\u001b[0m")),
            field="speaker",
        ),
        bad(
            "c1-next-line-in-title.jsonl",
            "U+0085 (NEL), a C1 control some tools treat as a line break",
            dumps(incident(title="Airstrike\u0085near Deir ez-Zor")),
            field="title",
        ),
        bad(
            "delete-character-in-outlet.jsonl",
            "U+007F in a source's outlet name",
            dumps(claim(sources=[{"outlet": "TA\u007fSS", "kind": "wire"}])),
            field="sources.0.outlet",
        ),
        bad(
            "backspace-in-recorded-by.jsonl",
            "backspaces in recorded_by, to overwrite the recorder's name on screen",
            dumps(claim(recorded_by="mallory\b\b\b\b\b\b\badmin")),
            field="recorded_by",
        ),
        bad(
            "nul-in-correction-change.jsonl",
            "a NUL hidden in a correction's new value is caught by the target field's rules "
            "(bad input, though only the target's type can tell)",
            dumps(correction | {"changes": {"summary": "Fire\u0000"}}),
            line=3,
        ),
        # -- numbers ----------------------------------------------------------------------------
        bad(
            "nan-latitude.jsonl",
            "NaN is not JSON (Python's parser accepts it unless told not to)",
            dumps(incident(lat=0.5)).replace(b"0.5", b"NaN"),
        ),
        bad(
            "infinity-longitude.jsonl",
            "Infinity is not JSON",
            dumps(incident(lon=0.5)).replace(b"0.5", b"Infinity"),
        ),
        bad(
            "negative-infinity-latitude.jsonl",
            "-Infinity is not JSON",
            dumps(incident(lat=0.5)).replace(b"0.5", b"-Infinity"),
        ),
        bad(
            "overflowing-float-latitude.jsonl",
            "1e400 is valid JSON that decodes to infinity",
            dumps(incident(lat=0.5)).replace(b"0.5", b"1e400"),
            field="lat",
        ),
        stored(
            "negative-zero-latitude.jsonl",
            "-0.0 is a legal latitude and must not break hashing or storage",
            dumps(incident(lat=-0.0, lon=40.14)),
            report="inc-h",
            field="lat",
            value=-0.0,
        ),
        bad(
            "huge-integer-occurrences.jsonl",
            "2**64 occurrences: beyond what RFC 8785 can hash exactly",
            dumps(claim(magnitude={"occurrences": 2**64})),
            field="magnitude.occurrences",
        ),
        bad(
            "integer-with-5000-digits.jsonl",
            "an integer too long for Python's int-from-text limit (a CPU exhaustion vector)",
            dumps(claim(magnitude={"occurrences": 7})).replace(b"7", b"9" * 5000),
        ),
        bad(
            "exponent-notation-occurrences.jsonl",
            "1e2 is a float in JSON, not the integer 100",
            dumps(claim(magnitude={"occurrences": 7})).replace(b"7", b"1e2"),
            field="magnitude.occurrences",
        ),
        bad(
            "leading-zero-number.jsonl",
            "0100 is not a JSON number",
            dumps(claim(magnitude={"occurrences": 7})).replace(b"7", b"0100"),
        ),
        bad(
            "negative-credibility.jsonl",
            "an Admiralty credibility of -1",
            dumps(
                {
                    "type": "assessment",
                    "incident": "inc-a",
                    "refers_to": ["c1"],
                    "reliability": "B",
                    "credibility": -1,
                }
            ),
            field="credibility",
        ),
        stored(
            "largest-safe-integer-in-variant.jsonl",
            "2**53 - 1, the largest integer every JSON reader agrees on, survives storage",
            dumps(
                {
                    "type": "discrepancy",
                    "incident": "inc-a",
                    "report": "h1",
                    "refers_to": ["c1"],
                    "field": "occurrences",
                    "variants": [
                        {"value": MAX_SAFE_INTEGER, "sources": [{"outlet": "EIR"}]},
                        {"value": -MAX_SAFE_INTEGER, "sources": [{"outlet": "Rudaw"}]},
                    ],
                }
            ),
            report="h1",
            field="variants.0.value",
            value=MAX_SAFE_INTEGER,
        ),
        # -- JSON structure ---------------------------------------------------------------------
        bad(
            "duplicate-type-key.jsonl",
            "two `type` keys: which one wins depends on the parser",
            dumps(claim()).replace(b'{"type": "claim"', b'{"type": "claim", "type": "warning"'),
        ),
        bad(
            "duplicate-type-key-via-unicode-escape.jsonl",
            "the second `type` is spelt \\u0074ype, equal only after decoding",
            dumps(claim()).replace(b'{"type": "claim"', b'{"type": "claim", "\\u0074ype": "x"'),
        ),
        bad(
            "duplicate-key-inside-source.jsonl",
            "a duplicate key one level down, in a source hop",
            dumps(claim(sources=[{"outlet": "TASS"}])).replace(
                b'{"outlet": "TASS"}', b'{"outlet": "TASS", "outlet": "AP"}'
            ),
        ),
        stored(
            "escaped-key-names.jsonl",
            "keys written with \\u escapes are the same keys",
            dumps(claim(summary="Escaped keys")).replace(b'"summary"', b'"\\u0073ummary"'),
            report="h1",
            field="summary",
            value="Escaped keys",
        ),
        bad(
            "unknown-type.jsonl",
            "a type the format does not have",
            dumps(claim(type="rumour")),
            field="type",
        ),
        bad(
            "type-as-list.jsonl",
            "`type` given as a list",
            dumps(claim(type=["claim"])),
            field="type",
        ),
        bad(
            "type-key-in-uppercase.jsonl",
            "`Type` instead of `type`",
            dumps(claim(type=None) | {"Type": "claim"}),
            field="type",
        ),
        bad("json-array-line.jsonl", "a JSON array instead of an object", dumps([claim()])),
        bad("json-string-line.jsonl", "a JSON string instead of an object", dumps("claim")),
        bad("json-null-line.jsonl", "the JSON literal null", b"null"),
        bad(
            "truncated-json-line.jsonl",
            "a line cut off before its closing brace",
            dumps(claim())[:-1],
        ),
        bad(
            "two-objects-on-one-line.jsonl",
            "two reports on one line",
            dumps(claim()) + b" " + dumps(claim(report="h2")),
        ),
        bad(
            "javascript-url-in-source.jsonl",
            "a javascript: URL as a source link",
            dumps(claim(sources=[{"outlet": "TASS", "url": "javascript:alert(1)"}])),
            field="sources.0.url",
        ),
        bad(
            "url-with-newline.jsonl",
            "a URL carrying a header-injection newline",
            dumps(claim(sources=[{"outlet": "AP", "url": "https://ap.org/x\nSet-Cookie: a=b"}])),
            field="sources.0.url",
        ),
        bad(
            "terminal-escape-in-unknown-key.jsonl",
            "an unknown key holding an OSC escape and a bell: it must not reach the terminal",
            dumps(claim(**{"\u001b]0;owned\u0007": 1})),
            field="\u001b]0;owned\u0007",
        ),
        # -- slugs ------------------------------------------------------------------------------
        bad(
            "path-traversal-report-id.jsonl",
            "a report id that would climb out of a directory if used as a file name",
            dumps(claim(report="../../etc/passwd")),
            field="report",
        ),
        bad(
            "path-traversal-incident-slug.jsonl",
            "an incident slug with a path separator",
            dumps(claim(incident="inc-a/../inc-b")),
            field="incident",
        ),
        bad(
            "zero-width-joiner-slug.jsonl",
            "a zero-width joiner hiding in an incident slug (looks like inc-a)",
            dumps(claim(incident="inc\u200d-a")),
            field="incident",
        ),
        bad(
            "fullwidth-letters-slug.jsonl",
            "fullwidth Latin letters that NFKC would fold into 'inc-a'",
            dumps(claim(incident="\uff49\uff4e\uff43-a")),
            field="incident",
        ),
        bad(
            "cyrillic-homoglyph-report-id.jsonl",
            "a Cyrillic 'с' in place of the Latin 'c' of c1",
            dumps(claim(report="\u04411")),
            field="report",
        ),
        bad(
            "trailing-newline-in-report-id.jsonl",
            "'h1\\n': a regex anchored with $ would let the newline through",
            dumps(claim(report="h1\n")),
            field="report",
        ),
        bad(
            "trailing-newline-in-refers-to.jsonl",
            "a reference 'c1\\n' that looks like c1",
            dumps(denial | {"refers_to": ["c1\n"]}),
            field="refers_to.0",
        ),
        # -- times ------------------------------------------------------------------------------
        bad(
            "stated-at-hour-24.jsonl",
            "24:00, which ISO 8601 once allowed and datetime does not",
            dumps(claim(stated_at="2017-09-21T24:00Z")),
            field="stated_at",
        ),
        bad(
            "stated-at-leap-second.jsonl",
            "a leap second, 23:59:60",
            dumps(claim(stated_at="2016-12-31T23:59:60Z")),
            field="stated_at",
        ),
        bad(
            "stated-at-arabic-indic-digits.jsonl",
            "a year in Arabic-Indic digits, which \\d would match",
            dumps(claim(stated_at="\u0662\u0660\u0661\u0667-09-21")),
            field="stated_at",
        ),
        bad(
            "stated-at-offset-past-year-9999.jsonl",
            "the last minute of year 9999 at UTC-23:59 is in year 10000 in UTC",
            dumps(claim(stated_at="9999-12-31T23:59:59-23:59")),
            field="stated_at",
        ),
        bad(
            "occurred-from-offset-before-year-one.jsonl",
            "midnight of 1 January year 1 at UTC+14:00 is before year 1 in UTC",
            dumps(incident(occurred_from="0001-01-01T00:00+14:00")),
            field="occurred_from",
        ),
        # -- blank names: a name must show something (the views key actors by it) -------------
        bad(
            "blank-by-space.jsonl",
            "a `by` of nothing but spaces names nobody",
            dumps(claim(by=" " * 3)),
            field="by",
        ),
        bad(
            "blank-by-tab.jsonl",
            "a `by` of nothing but tabs names nobody",
            dumps(claim(by="\t" * 3)),
            field="by",
        ),
        bad(
            "blank-by-no-break-space.jsonl",
            "a `by` of nothing but no break spaces names nobody",
            dumps(claim(by="\xa0" * 3)),
            field="by",
        ),
        bad(
            "blank-by-ideographic-space.jsonl",
            "a `by` of nothing but ideographic spaces names nobody",
            dumps(claim(by="\u3000" * 3)),
            field="by",
        ),
        bad(
            "blank-by-line-separator.jsonl",
            "a `by` of nothing but line separators names nobody",
            dumps(claim(by="\u2028" * 3)),
            field="by",
        ),
        bad(
            "blank-by-newline.jsonl",
            "a `by` of nothing but newlines names nobody",
            dumps(claim(by="\n" * 3)),
            field="by",
        ),
        bad(
            "blank-by-zero-width-space.jsonl",
            "a `by` of nothing but zero width spaces names nobody",
            dumps(claim(by="\u200b" * 3)),
            field="by",
        ),
        bad(
            "blank-outlet-in-source.jsonl",
            "a source hop whose outlet is blank",
            dumps(claim(sources=[{"outlet": "TASS"}, {"outlet": " \u3000 "}])),
            field="sources.1.outlet",
        ),
        bad(
            "blank-name-in-against.jsonl",
            "an alleged perpetrator whose name is blank",
            dumps(claim(against=["US special forces", "\u00a0"])),
            field="against.1",
        ),
        bad(
            "correction-blanking-the-by.jsonl",
            "a correction whose change makes a claim's `by` blank",
            dumps(correction | {"changes": {"by": " \t "}}),
        ),
        bad(
            "stated-at-with-trailing-newline.jsonl",
            "a date followed by a newline, which a `$` regex lets through",
            dumps(claim(stated_at="2017-09-21\n")),
            field="stated_at",
        ),
        bad(
            "occurred-to-with-trailing-newline.jsonl",
            "a date-time followed by a newline on an incident",
            dumps(incident(occurred_to="2017-09-21T14:05Z\n")),
            field="occurred_to",
        ),
        stored(
            "discrepancy-with-a-null-variant.jsonl",
            "a variant whose value is null (a source gave none) survives export and import",
            dumps(
                {
                    "type": "discrepancy",
                    "incident": "inc-a",
                    "report": "h1",
                    "refers_to": ["c1"],
                    "field": "location_qualifier",
                    "variants": [
                        {"value": None, "sources": [{"outlet": "EIR"}]},
                        {"value": "eastern bank", "sources": [{"outlet": "Rudaw"}]},
                    ],
                }
            ),
            report="h1",
            field="variants.0.value",
            value=None,
        ),
        # -- one namespace for report ids and incident slugs (exit 1) ----------------------------
        refused(
            "report-id-equal-to-an-incident-slug.jsonl",
            "a claim whose report id is its incident's slug: both would key one view row",
            dumps(claim(report="inc-a")),
            line=3,
        ),
        refused(
            "incident-slug-equal-to-a-report-id.jsonl",
            "an incident whose slug an earlier line used as a report id",
            dumps(incident(incident="c1")),
            line=3,
        ),
        refused(
            "report-id-equal-to-a-later-incident-slug.jsonl",
            "a report id that a later line opens as an incident",
            dumps(claim(report="inc-h")),
            dumps(incident()),
            line=4,
        ),
        refused(
            "correction-linking-to-its-own-incident.jsonl",
            "a correction that points a link at the link's own incident",
            dumps(incident()),
            dumps(
                {
                    "type": "link",
                    "incident": "inc-a",
                    "report": "l1",
                    "other": "inc-h",
                    "relation": "follows",
                }
            ),
            dumps(correction | {"refers_to": ["l1"], "changes": {"other": "inc-a"}}),
            line=5,
        ),
        refused(
            "correction-linking-to-an-unknown-incident.jsonl",
            "a correction that points a link at an incident that does not exist",
            dumps(incident()),
            dumps(
                {
                    "type": "link",
                    "incident": "inc-a",
                    "report": "l1",
                    "other": "inc-h",
                    "relation": "follows",
                }
            ),
            dumps(correction | {"refers_to": ["l1"], "changes": {"other": "inc-z"}}),
            line=5,
        ),
        # -- domain rules (exit 1) --------------------------------------------------------------
        refused(
            "refers-to-itself.jsonl",
            "a denial whose refers_to names its own id",
            dumps(denial | {"refers_to": ["d1"]}),
            line=3,
        ),
        refused(
            "retraction-of-unknown-report.jsonl",
            "retracting a report the ledger never held",
            dumps(retraction | {"refers_to": ["no-such-report"]}),
            line=3,
        ),
        refused(
            "denial-of-the-incident-slug.jsonl",
            "an incident slug is not a report id",
            dumps(denial | {"refers_to": ["inc-a"]}),
            line=3,
        ),
        stored(
            "denial-of-a-denial.jsonl",
            "a denial of a denial (version 2: a denial is an assertion, so it can be denied)",
            dumps(denial),
            dumps(denial | {"report": "d2", "refers_to": ["d1"], "by": "Russian MoD"}),
            report="d2",
            field="refers_to",
            value=["d1"],
        ),
        refused(
            "supersedes-another-sides-statement.jsonl",
            "one party 'revising' the other side's claim through supersedes",
            dumps(claim(report="c2", by="Syrian Democratic Forces", supersedes=["c1"])),
            line=3,
        ),
        refused(
            "report-id-reused-with-different-content.jsonl",
            "c1 again, saying something else",
            dumps(CLAIM | {"summary": "Something else entirely"}),
            line=3,
        ),
        refused(
            "report-id-reused-in-another-incident.jsonl",
            "c1 again, word for word, but filed on another incident",
            dumps(incident()),
            dumps(CLAIM | {"incident": "inc-h"}),
            line=4,
        ),
        refused(
            "incident-reopened-with-different-title.jsonl",
            "opening inc-a again with another title",
            dumps(INCIDENT | {"title": "Something else"}),
            line=3,
        ),
        refused(
            "claim-on-unopened-incident.jsonl",
            "a claim filed on an incident nobody opened",
            dumps(claim(incident="inc-never-opened")),
            line=3,
        ),
        refused(
            "link-to-itself.jsonl",
            "an incident linked to itself",
            dumps({"type": "link", "incident": "inc-a", "other": "inc-a", "relation": "same_as"}),
            line=3,
        ),
        refused(
            "link-to-unknown-incident.jsonl",
            "a link to an incident that does not exist",
            dumps({"type": "link", "incident": "inc-a", "other": "inc-z", "relation": "follows"}),
            line=3,
        ),
        refused(
            "correction-changing-the-incident.jsonl",
            "a correction that would move c1 to another incident",
            dumps(correction | {"changes": {"incident": "inc-h"}}),
            line=3,
        ),
        refused(
            "correction-of-a-correction.jsonl",
            "a correction may not correct another correction",
            dumps(correction | {"changes": {"summary": "Fixed"}}),
            dumps(correction | {"report": "h2", "refers_to": ["h1"], "void": True}),
            line=4,
        ),
        refused(
            "retraction-of-an-assessment.jsonl",
            "an assessment is no one's statement, so it cannot be retracted",
            dumps(
                {
                    "type": "assessment",
                    "incident": "inc-a",
                    "report": "a1",
                    "refers_to": ["c1"],
                    "reliability": "D",
                    "credibility": 4,
                }
            ),
            dumps(retraction | {"refers_to": ["a1"]}),
            line=4,
        ),
        bad(
            "correction-with-lone-surrogate-change.jsonl",
            "a lone surrogate in a correction's new value: `changes` holds any JSON, and no "
            "field rule has looked at it when the content is fingerprinted",
            dumps(correction | {"changes": {"summary": "Fire \ud800"}}, ascii_only=True),
            field="changes.summary",
        ),
        # -- version 2: outcomes and evidence ---------------------------------------------------
        refused(
            "outcome-of-a-claim.jsonl",
            "an outcome is of a warning: a claim has none",
            dumps(
                {"type": "outcome", "incident": "inc-a", "refers_to": "c1", "outcome": "pending"}
            ),
            line=3,
        ),
        refused(
            "evidence-supporting-an-unknown-report.jsonl",
            "evidence may only bear on reports that exist",
            dumps(EVIDENCE | {"supports": ["c1", "no-such-report"]}),
            line=3,
        ),
        bad(
            "evidence-without-url-or-hash.jsonl",
            "evidence that says neither where the material is nor what it hashes to",
            dumps({k: v for k, v in EVIDENCE.items() if k != "sha256"}),
        ),
        bad(
            "evidence-sha256-in-uppercase.jsonl",
            "a SHA-256 in uppercase hex: one spelling per hash, or the same file looks like two",
            dumps(EVIDENCE | {"sha256": "AB" * 32}),
            field="sha256",
        ),
        bad(
            "evidence-supports-with-path-traversal.jsonl",
            "a path in place of a report id in `supports`",
            dumps(EVIDENCE | {"supports": ["../../etc/passwd"]}),
            field="supports.0",
        ),
        # -- accepted and stored verbatim -------------------------------------------------------
        stored(
            "sql-injection-in-summary.jsonl",
            "SQL in a summary is text like any other",
            dumps(claim(summary="'); DROP TABLE ledger_events; --")),
            report="h1",
            field="summary",
            value="'); DROP TABLE ledger_events; --",
        ),
        stored(
            "sql-injection-in-actor-name.jsonl",
            "SQL in an actor name (which becomes an actor id too)",
            dumps(claim(by="Robert'); DROP TABLE claims;--")),
            report="h1",
            field="by",
            value="Robert'); DROP TABLE claims;--",
        ),
        stored(
            "rtl-override-in-actor-name.jsonl",
            "a right-to-left override (U+202E) is a format character, kept as given",
            dumps(claim(by="\u202eecnefeD fo yrtsiniM naissuR")),
            report="h1",
            field="by",
            value="\u202eecnefeD fo yrtsiniM naissuR",
        ),
        stored(
            "combining-characters-in-name.jsonl",
            "a decomposed e + combining acute must not be normalised to é",
            dumps(claim(speaker="Maj Gen Igor Konashe\u0301nkov")),
            report="h1",
            field="speaker",
            value="Maj Gen Igor Konashe\u0301nkov",
        ),
        stored(
            "zalgo-stacked-combining-marks.jsonl",
            "dozens of combining marks on one letter",
            dumps(claim(summary="Z" + "\u0336\u0351\u0315\u0322" * 20 + "algo")),
            report="h1",
            field="summary",
            value="Z" + "\u0336\u0351\u0315\u0322" * 20 + "algo",
        ),
        stored(
            "zero-width-joiner-in-actor-name.jsonl",
            "a ZWJ sequence (legitimate in emoji and Indic scripts) in a name",
            dumps(claim(by="Families \U0001f468\u200d\U0001f469\u200d\U0001f467 United")),
            report="h1",
            field="by",
            value="Families \U0001f468\u200d\U0001f469\u200d\U0001f467 United",
        ),
        stored(
            "arabic-and-hebrew-in-speaker.jsonl",
            "right-to-left scripts mixed with digits",
            dumps(claim(speaker="أحمد أبو خولة / אחמד 7 km")),
            report="h1",
            field="speaker",
            value="أحمد أبو خولة / אחמד 7 km",
        ),
        stored(
            "line-separator-in-summary.jsonl",
            "U+2028 is legal raw inside a JSON string but splits lines for str.splitlines",
            dumps(claim(summary="first\u2028second")),
            report="h1",
            field="summary",
            value="first\u2028second",
        ),
        stored(
            "paragraph-separator-in-quote.jsonl",
            "U+2029 inside a quote",
            dumps(claim(quote="first\u2029second")),
            report="h1",
            field="quote",
            value="first\u2029second",
        ),
        stored(
            "noncharacters-in-summary.jsonl",
            "U+FFFF, U+FDD0 and U+10FFFF are valid UTF-8 code points never meant for text",
            dumps(claim(summary="a\uffffb\ufdd0c\U0010ffff")),
            report="h1",
            field="summary",
            value="a\uffffb\ufdd0c\U0010ffff",
        ),
        stored(
            "no-break-space-and-soft-hyphen-in-by.jsonl",
            "U+00A0 and U+00AD sit just past the C1 controls and are allowed",
            dumps(claim(by="Syrian\u00a0Demo\u00adcratic Forces")),
            report="h1",
            field="by",
            value="Syrian\u00a0Demo\u00adcratic Forces",
        ),
        stored(
            "control-pictures-in-summary.jsonl",
            "symbols that depict control characters (U+2400..) are not control characters",
            dumps(claim(summary="\u2400\u241b\u2421")),
            report="h1",
            field="summary",
            value="\u2400\u241b\u2421",
        ),
        stored(
            "tab-newline-cr-escapes-in-quote.jsonl",
            "the whitespace controls the format allows inside a quote",
            dumps(claim(quote="line one\n\tline two\r\nline three")),
            report="h1",
            field="quote",
            value="line one\n\tline two\r\nline three",
        ),
        stored(
            "html-script-in-summary.jsonl",
            "markup is stored as text (escaping is the HTML report's job)",
            dumps(claim(summary="<script>alert('x')</script><img src=x onerror=alert(1)>")),
            report="h1",
            field="summary",
            value="<script>alert('x')</script><img src=x onerror=alert(1)>",
        ),
        stored(
            "format-string-in-summary.jsonl",
            "Python, C and shell format directives are plain text",
            dumps(claim(summary="{0.__class__} {report!r} %s%n ${HOME} $(id)")),
            report="h1",
            field="summary",
            value="{0.__class__} {report!r} %s%n ${HOME} $(id)",
        ),
        stored(
            "csv-formula-in-summary.jsonl",
            "a spreadsheet formula is stored as given",
            dumps(claim(summary='=HYPERLINK("http://x","click")')),
            report="h1",
            field="summary",
            value='=HYPERLINK("http://x","click")',
        ),
        stored(
            "escaped-slash-and-unicode-in-summary.jsonl",
            "\\/ and \\u00e9 escapes decode to / and é",
            dumps(claim(summary="a/é")).replace("a/é".encode(), b"a\\/\\u00e9"),
            report="h1",
            field="summary",
            value="a/é",
        ),
        stored(
            "astral-plane-math-letters-in-title.jsonl",
            "mathematical bold letters outside the Basic Multilingual Plane",
            dumps(incident(title="\U0001d400\U0001d401\U0001d402 Airstrike")),
            report="inc-h",
            field="title",
            value="\U0001d400\U0001d401\U0001d402 Airstrike",
        ),
        stored(
            "rtl-override-in-recorded-by.jsonl",
            "an RTL override in the recorder's name is kept, like any other name",
            dumps(claim(recorded_by="\u202enimda")),
            report="h1",
            field="recorded_by",
            value="\u202enimda",
        ),
        stored(
            "report-id-at-100-chars.jsonl",
            "the longest report id a slug allows",
            dumps(claim(report="r" * 100)),
            report="r" * 100,
            field="report",
            value="r" * 100,
        ),
        stored(
            "same-report-twice-in-one-file.jsonl",
            "the same line twice is one report",
            dumps(claim()),
            dumps(claim()),
            report="h1",
            field="summary",
            value="Government forces shelled our positions",
        ),
        stored(
            "blank-and-whitespace-lines-between-reports.jsonl",
            "empty lines and lines of spaces, tabs and form feeds carry nothing",
            b"",
            b" \t \x0c ",
            dumps(claim()),
            report="h1",
            field="by",
            value="Syrian Democratic Forces",
        ),
        stored(
            "type-key-last.jsonl",
            "key order does not matter, even with type last",
            dumps({k: v for k, v in reversed(claim().items())}),
            report="h1",
            field="summary",
            value="Government forces shelled our positions",
        ),
    ]


def write(directory: Path = HERE) -> dict[str, dict[str, Any]]:
    """Write every case and the manifest into `directory`; returns the manifest."""
    cases = corpus()
    names = [case.name for case in cases]
    duplicates = {name for name in names if names.count(name) > 1}
    assert not duplicates, f"duplicate case names: {sorted(duplicates)}"
    manifest = {case.name: case.manifest() for case in sorted(cases, key=lambda c: c.name)}
    for case in cases:
        (directory / case.name).write_bytes(case.content())
    text = json.dumps(manifest, indent=2, ensure_ascii=True) + "\n"
    (directory / MANIFEST.name).write_text(text, encoding="ascii")
    return manifest


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    written = write(target)
    print(f"wrote {len(written)} hostile files and {MANIFEST.name} to {target}")
