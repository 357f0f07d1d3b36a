"""Each report type's fields, declared once: name, kind of value, whether required, choices
and bounds, the typed command's help. Everything else about report fields is derived from here:

- the validation models (`ledger.interchange` builds one pydantic model per type from
  `DECLARED`, mapping each kind to its constrained type),
- the domain's event classes and their fields (`ledger.domain`),
- the typed commands' options (`cli/report_commands.py`).

Plain data, importable without pydantic: importing pydantic and building the models adds
~0.06 s to the start-up of every command, and only the commands that validate input (append,
import, a typed report, a correction) need them; the event classes and the options are built
from this table at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

# Limits on input, documented in docs/format.md ("Limits"). They keep one hostile line from
# filling the database and keep every row printable. Here, not in ledger/interchange.py, so
# that a check without pydantic (ledger/importing/actor_line.py) holds the very same ones.
MAX_NAME = 200
MAX_TITLE = 300
MAX_SUMMARY = 2_000
MAX_TEXT = 10_000
MAX_LIST = 100
MAX_LINE_BYTES = 1_000_000
MAX_DEPTH = 16  # JSON nesting; the deepest legitimate line (discrepancy variants) needs 5
MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 (and JavaScript) cannot represent larger integers
# Tabs and newlines are legitimate in quotes; other C0/C1 controls only hide text (a regex
# character class's contents).
CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"

# The kinds of value a field takes. The validation model of each kind (its lengths, patterns,
# and limits) is in ledger/interchange.py `KIND_TYPES`; here is what a valid value is in plain
# JSON, which the event classes' field types and the typed commands' option types follow.
VALUE_TYPES: dict[str, type] = {
    "type": str,  # the line's own report type
    "slug": str,
    "name": str,
    "title": str,
    "summary": str,
    "text": str,
    "time": str,
    "cameo": str,  # a CAMEO event code: 2 to 4 digits
    "field": str,  # a field name (a discrepancy's), lowercase with underscores
    "choice": str,  # one of the field's `choices`
    "integer": int,  # within the field's `bounds`
    "number": float,  # within the field's `bounds`
    "flag": bool,
    "true": bool,  # only `true` (a correction's `void`)
    "names": list,  # of names
    "country": str,  # an ISO 3166-1 alpha-2 code: two capital letters
    "refers_to": list,  # of report ids; a single id is taken as a list of one
    "report_ids": list,  # of report ids, at least one (evidence's supports, contradicts)
    "url": str,  # http:// or https://, no whitespace
    "sha256": str,  # 64 lowercase hex digits
    "media_type": str,  # a MIME type: "video/mp4"
    "sources": list,  # of source hops (ledger.interchange.Source)
    "variants": list,  # of at least two variants (ledger.interchange.Variant)
    "magnitude": dict,  # counts (MAGNITUDE_PARTS)
    "changes": dict,  # a correction's free-form changes
}
# A magnitude's counts and their upper bounds (each at least 0); the typed commands give each
# its own option.
# Version 2: each count is an integer or a range {"low", "best", "high"} (see
# ledger/interchange.py `_count`), and `civilians` (a flag) says the figures are of civilians.
MAGNITUDE_PARTS: dict[str, int] = {
    "occurrences": 1_000_000,
    "killed": 10_000_000,
    "injured": 10_000_000,
    "missing": 10_000_000,
    "detained": 10_000_000,
    "displaced": 100_000_000,
}
MAGNITUDE_FLAGS = ("civilians",)


# A NamedTuple, not a dataclass: this is imported at every command's start-up, and making a
# dataclass costs about a millisecond (it compiles its methods), a NamedTuple a tenth of that.
class ReportField(NamedTuple):
    """One field of a report type's lines."""

    name: str
    kind: str  # a key of VALUE_TYPES
    required: bool = False
    choices: tuple[str, ...] = ()  # for kind "choice"
    bounds: tuple[float, float] | None = None  # inclusive, for kinds "integer" and "number"
    help: str = ""  # the typed command's option help, when the name does not say enough
    option: str = ""  # the typed command's option, when not the name in kebab case

    def optional(self) -> ReportField:
        return self._replace(required=False)

    def but_required(self) -> ReportField:
        return self._replace(required=True)

    @property
    def help_text(self) -> str:
        return self.help or self.name.replace("_", " ").capitalize() + "."

    @property
    def option_name(self) -> str:
        return self.option or "--" + self.name.replace("_", "-")


F = ReportField
# Version 2's new choices.
OUTCOMES = ("carried_out", "not_carried_out", "condition_not_met", "withdrawn", "pending")
EVIDENCE_KINDS = (
    "video",
    "image",
    "audio",
    "document",
    "web_page",
    "social_post",
    "satellite_image",
    "dataset",
    "other",
)
_TYPE = F("type", "type", required=True)
_INCIDENT = F("incident", "slug", required=True)
_REPORT = F(
    "report", "slug", help="This report's id (a slug); derived from the content when left out."
)
_RECORDED_BY = F("recorded_by", "name")
# Every report but the incident line itself starts with these.
_ABOUT = (_INCIDENT, _REPORT, _RECORDED_BY)
_BY = F(
    "by", "name", required=True, help="The actor who made this report (organisation or person)."
)
_SUMMARY = F("summary", "summary", required=True, help="What was said, in one or two sentences.")
_QUOTE = F("quote", "text", help="The words as quoted.")
_STATED_AT = F(
    "stated_at",
    "time",
    help="When it was said (ISO 8601: 2017, 2017-09, 2017-09-21, 2017-09-21T14:05Z).",
)
_SOURCES = F(
    "sources",
    "sources",
    option="--source",
    help="Source hop, original statement first, outward: "
    '"OUTLET; kind=wire; url=...; published_at=...; quote_mode=direct" or a JSON object.',
)
_REFERS_TO = F(
    "refers_to",
    "refers_to",
    required=True,
    help="Id of a report this one is about; repeat for several.",
)
_CAMEO = F("cameo", "cameo")
_SUPERSEDES = F(
    "supersedes",
    "report_ids",
    help="Id of an earlier statement by the same side that this one replaces; repeat.",
)
_NOTE = F("note", "summary")
_REASON = F("reason", "summary", required=True)
_SPEAKER = F("speaker", "name", help="The person who spoke, if not the actor itself.")
_ON_BEHALF_OF = F("on_behalf_of", "name", help="Whom the speaker spoke for.")
# What an actor's statement carries: who said it, in whose name, the words, when, from where.
_STATEMENT = (_BY, _SPEAKER, _ON_BEHALF_OF, _QUOTE, _STATED_AT, _SOURCES)
# An analyst's finding (version 2): who made it and when it was made or published.
_ANALYST_BY = _BY.optional()._replace(help="The analyst or body who made this finding.")
_FOUND_AT = _STATED_AT._replace(
    help="When the finding was made or published (ISO 8601: 2017, 2017-09, 2017-09-21T14:05Z)."
)

# Each report type's fields, in the order of its lines' keys (and of its events' fields).
DECLARED: dict[str, tuple[ReportField, ...]] = {
    "incident": (
        _TYPE,
        _INCIDENT,
        _RECORDED_BY,
        F("title", "title", required=True, help="Short title of the incident."),
        F("category", "title"),
        F("location", "title"),
        F("location_qualifier", "title"),
        F("lat", "number", bounds=(-90, 90)),
        F("lon", "number", bounds=(-180, 180)),
        F("occurred_from", "time"),
        F("occurred_to", "time"),
        F("description", "text"),
        # Version 2: ACLED's place and time keys.
        F("country", "country", help="ISO 3166-1 alpha-2 code (SY)."),
        F("admin1", "title", help="First-level administrative division (governorate)."),
        F("admin2", "title", help="Second-level administrative division (district)."),
        F(
            "geo_precision",
            "integer",
            bounds=(1, 3),
            help="1 exact place, 2 near it or within the district, 3 only the region (ACLED).",
        ),
        F(
            "time_precision",
            "integer",
            bounds=(1, 3),
            help="1 the day is known, 2 the week, 3 only the month (ACLED).",
        ),
    ),
    "claim": (
        *_ABOUT,
        *_STATEMENT,
        _TYPE,
        _SUMMARY,
        F("stance", "choice", choices=("alleges", "accuses", "claims_responsibility", "reports")),
        F("against", "names", help="Alleged perpetrator; repeat for several."),
        F("targets", "names", help="Alleged target; repeat for several."),
        _CAMEO,
        F("magnitude", "magnitude"),
        _SUPERSEDES,
    ),
    "warning": (
        *_ABOUT,
        *_STATEMENT,
        _TYPE,
        F("addressee", "name", required=True),
        _SUMMARY,
        F("threatened_party", "name"),
        F("condition", "summary"),
        F("threatened_action", "summary"),
        F("channel", "name"),
        _CAMEO,
        _SUPERSEDES,
    ),
    "denial": (
        *_ABOUT,
        *_STATEMENT,
        _TYPE,
        _REFERS_TO,
        _SUMMARY,
        F("scope", "choice", choices=("occurred", "attribution", "details", "magnitude")),
        F("counter_claim", "summary"),
        F("reason", "summary", help="Why the denier says so."),
        _CAMEO,
        _SUPERSEDES,
    ),
    "corroboration": (
        *_ABOUT,
        _TYPE,
        _BY,
        _REFERS_TO,
        _SUMMARY,
        F(
            "independent",
            "flag",
            help="The corroboration is independent of the asserter's own sources.",
        ),
        F("basis", "summary"),
        _QUOTE,
        _STATED_AT,
        _SOURCES,
        _SPEAKER,
        _ON_BEHALF_OF,
        F("confidence", "choice", choices=("low", "moderate", "high")),
    ),
    "discrepancy": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO,
        F("field", "field", required=True),
        F(
            "variants",
            "variants",
            required=True,
            option="--variant",
            help='One version of the detail: "VALUE <= OUTLET, OUTLET" or a JSON object; ≥ 2.',
        ),
        _NOTE,
        _ANALYST_BY,
        _FOUND_AT,
    ),
    "assessment": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO,
        F("reliability", "choice", required=True, choices=("A", "B", "C", "D", "E", "F")),
        F("credibility", "integer", required=True, bounds=(1, 6)),
        F("rationale", "summary"),
        _BY.optional(),
        _FOUND_AT,
    ),
    "verdict": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO,
        F("status", "choice", required=True, choices=("confirmed", "refuted", "unverifiable")),
        _REASON,
        _BY.optional(),
        _FOUND_AT,
    ),
    "retraction": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO,
        _BY,
        _REASON.optional(),
        _STATED_AT,
        _SOURCES,
        _SPEAKER,
        _ON_BEHALF_OF,
        _QUOTE,
    ),
    "correction": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO,
        _REASON,
        F(
            "changes",
            "changes",
            option="--change",
            help="field=value to change (value as JSON if it parses, else text); repeat.",
        ),
        F("void", "true", help="Stop counting the referenced report in current-state views."),
        _BY.optional(),
        _FOUND_AT,
    ),
    "link": (
        *_ABOUT,
        _TYPE,
        F("other", "slug", required=True),
        F(
            "relation",
            "choice",
            required=True,
            choices=("context_for", "follows", "same_as", "part_of", "cited_as_justification"),
        ),
        _NOTE,
        _ANALYST_BY,
        _FOUND_AT,
    ),
    # Version 2.
    "outcome": (
        *_ABOUT,
        _TYPE,
        _REFERS_TO._replace(help="Id of the warning this is the outcome of; repeat for several."),
        F("outcome", "choice", required=True, choices=OUTCOMES),
        _BY.optional(),
        F("other", "slug", help="The incident where the warning was carried out."),
        _REASON.optional(),
        _SPEAKER,
        _ON_BEHALF_OF,
        _QUOTE,
        _STATED_AT,
        _SOURCES,
    ),
    "evidence": (
        *_ABOUT,
        _TYPE,
        F("kind", "choice", required=True, choices=EVIDENCE_KINDS),
        F("url", "url", help="Where the material was found (at least one of url, sha256)."),
        F("sha256", "sha256", help="SHA-256 of the captured material (64 lowercase hex)."),
        F("title", "title"),
        F("archived_url", "url", help="A preserved copy (e.g. web.archive.org)."),
        F("media_type", "media_type", help="MIME type of the material (video/mp4)."),
        F("bytes", "integer", bounds=(0, MAX_SAFE_INTEGER), help="Size of the material in bytes."),
        F("captured_at", "time"),
        F("captured_by", "name"),
        F("published_at", "time"),
        F("author", "name", help="Who made or first published the material."),
        F("deleted_at", "time", help="When the material was removed at its source."),
        F("supports", "report_ids", help="Id of a report the material supports; repeat."),
        F("contradicts", "report_ids", help="Id of a report the material contradicts; repeat."),
        _NOTE,
        _ANALYST_BY,
        _FOUND_AT,
    ),
}

# The `actor` line (DOMAIN.md, "The actor registry"), beside DECLARED and not in it: it belongs
# to no incident (it has no `incident` or `report` key, which every report type has, and which
# the event classes, typed report commands and corrections built from DECLARED assume). Its
# validation model is built from this the same way (ledger.interchange `ActorLine`).
ACTOR_KINDS = (
    "state",
    "government_body",
    "armed_forces",
    "armed_group",
    "intergovernmental",
    "court",
    "ngo",
    "media",
    "company",
    "person",
    "other",
)
ACTOR_FIELDS: tuple[ReportField, ...] = (
    _TYPE,
    F("actor", "name", required=True, help="The actor's canonical name (or a registered alias)."),
    _RECORDED_BY,
    F("aliases", "names", option="--alias", help="Another name of the actor; repeat for several."),
    F("drop_aliases", "names", option="--drop-alias", help="An alias to drop; repeat."),
    F("kind", "choice", choices=ACTOR_KINDS),
    F("part_of", "name", help="The registered actor this one belongs to."),
    F("country", "country", help="ISO 3166-1 alpha-2 code (e.g. RU, SY)."),
    F("description", "text"),
)

# (name, required) per report type: the shape most readers need.
REPORT_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    report_type: tuple((f.name, f.required) for f in fields)
    for report_type, fields in DECLARED.items()
}

REPORT_TYPES = tuple(DECLARED)


# The assertions an incident's status is made of: claims and warnings. Denials answer claims;
# they have a status of their own but make no incident's.
INCIDENT_ASSERTION_TYPES = frozenset({"claim", "warning"})
# Assertions: the reports whose status the views derive (docs/format.md, "Status of an
# assertion"). Version 2 made a denial one too, so it can itself be denied (the hostile case:
# the accuser denies the denial), corroborated and judged (DOMAIN.md, "Concepts"): these are
# also what a denial, corroboration or verdict may refer to (ledger/domain.py).
ASSERTION_TYPES = INCIDENT_ASSERTION_TYPES | {"denial"}
# The names on an assertion that it accuses: `against` on claims; a warning names no
# perpetrator, so the party it threatens is the one whose admission acknowledges it (as the v1
# tallies do). A denial accuses nobody, so nobody can acknowledge it.
ACCUSED_FIELDS = ("against", "threatened_party")
# Reports made by an identifiable actor (version 1: the only ones a retraction could name; a
# retraction may now take back any of `STATEMENT_TYPES`).
STATED_TYPES = ASSERTION_TYPES | {"corroboration"}
# Reports whose `by` is a party to the incident, with a provenance chain (an analyst's
# assessment or verdict is neither).
PARTY_TYPES = STATED_TYPES | {"retraction"}
# Statements: what parties said (version 2: every one takes the statement keys). A retraction
# may take back any of them.
STATEMENT_TYPES = PARTY_TYPES | {"outcome"}

# Report types whose validated lines are plain JSON for hashing: no float anywhere (only an
# incident's lat/lon are floats), no free-form object (only a correction's `changes`), every
# integer bounded within ±2^53, every key a model field (ASCII). Their canonical JSON is
# orjson's sorted output (see ledger.hashing); tests/unit/test_hashing.py checks this set
# against the models' JSON schemas, so a new float field cannot slip in unnoticed.
PLAIN_JSON_TYPES = frozenset(REPORT_TYPES) - {"incident", "correction"}

# Fields a correction may not change: they identify the report or its place in the graph
# (`supersedes` too: it is an edge of the reference index, checked for sides on input).
UNCORRECTABLE = frozenset({"type", "incident", "report", "refers_to", "supersedes", "recorded_by"})

# The keys whose report ids are edges of the reference index (the log's `ledger_references`,
# the views' `report_refs`): what a report answers, and what it replaces. A status depends on
# both, so whatever finds a report's referrers must find its superseders too.
REFERENCE_KEYS = ("refers_to", "supersedes")
# Every key whose value names other reports (kinds `refers_to` and `report_ids`), in the order
# DECLARED first names them (supersedes, refers_to, supports, contradicts): each named report
# must exist.
REPORT_ID_KEYS = tuple(
    dict.fromkeys(
        f.name
        for fields in DECLARED.values()
        for f in fields
        if f.kind in ("refers_to", "report_ids")
    )
)
# The rest: how evidence names what the material bears on (supports, contradicts). They are
# no edges of the reference index, so an assertion's referrers do not list its evidence.
BEARING_KEYS = tuple(k for k in REPORT_ID_KEYS if k not in REFERENCE_KEYS)


def referenced(record: Mapping[str, Any]) -> list[str]:
    """The report ids a record's `refers_to` and `supersedes` name, each once, in order."""
    return list(
        dict.fromkeys(t for key in REFERENCE_KEYS for t in record.get(key) or () if type(t) is str)
    )
