"""Each report type's fields (name, required), in the interchange models' order, and the
constants about report types that need no model.

The domain's event classes and the typed commands' options are built from this at start-up,
instead of from the pydantic models themselves: importing pydantic and building the models
adds ~0.06 s to the start-up of every command that imports them, and only the commands that
validate input (append, import, a typed report, a correction) need them.
tests/unit/test_report_fields.py checks the table is exactly what the models say, so a field
added to a model without being added here fails the tests.
"""

from __future__ import annotations

REPORT_TYPES = (
    "incident",
    "claim",
    "warning",
    "denial",
    "corroboration",
    "discrepancy",
    "assessment",
    "verdict",
    "retraction",
    "correction",
    "link",
)

# Assertions: the reports whose status the views derive (docs/format.md, "Status of an assertion").
ASSERTION_TYPES = frozenset({"claim", "warning"})
# Reports made by an identifiable actor: the only ones that can be retracted by that actor.
STATED_TYPES = ASSERTION_TYPES | {"denial", "corroboration"}
# Reports whose `by` is a party to the incident, with a provenance chain (an analyst's
# assessment or verdict is neither).
PARTY_TYPES = STATED_TYPES | {"retraction"}

# Report types whose validated lines are plain JSON for hashing: no float anywhere (only an
# incident's lat/lon are floats), no free-form object (only a correction's `changes`), every
# integer bounded within ±2^53, every key a model field (ASCII). Their canonical JSON is
# orjson's sorted output (see ledger.hashing); tests/unit/test_hashing.py checks this set
# against the models' JSON schemas, so a new float field cannot slip in unnoticed.
PLAIN_JSON_TYPES = frozenset(REPORT_TYPES) - {"incident", "correction"}

# Fields a correction may not change: they identify the report or its place in the graph.
UNCORRECTABLE = frozenset({"type", "incident", "report", "refers_to", "recorded_by"})

REPORT_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "incident": (
        ("type", True),
        ("incident", True),
        ("recorded_by", False),
        ("title", True),
        ("category", False),
        ("location", False),
        ("location_qualifier", False),
        ("lat", False),
        ("lon", False),
        ("occurred_from", False),
        ("occurred_to", False),
        ("description", False),
    ),
    "claim": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("by", True),
        ("speaker", False),
        ("on_behalf_of", False),
        ("quote", False),
        ("stated_at", False),
        ("sources", False),
        ("type", True),
        ("summary", True),
        ("stance", False),
        ("against", False),
        ("targets", False),
        ("cameo", False),
        ("magnitude", False),
    ),
    "warning": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("by", True),
        ("speaker", False),
        ("on_behalf_of", False),
        ("quote", False),
        ("stated_at", False),
        ("sources", False),
        ("type", True),
        ("addressee", True),
        ("summary", True),
        ("threatened_party", False),
        ("condition", False),
        ("threatened_action", False),
        ("channel", False),
        ("cameo", False),
    ),
    "denial": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("by", True),
        ("speaker", False),
        ("on_behalf_of", False),
        ("quote", False),
        ("stated_at", False),
        ("sources", False),
        ("type", True),
        ("refers_to", True),
        ("summary", True),
        ("scope", False),
        ("counter_claim", False),
    ),
    "corroboration": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("by", True),
        ("refers_to", True),
        ("summary", True),
        ("independent", False),
        ("basis", False),
        ("quote", False),
        ("stated_at", False),
        ("sources", False),
    ),
    "discrepancy": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("refers_to", True),
        ("field", True),
        ("variants", True),
        ("note", False),
    ),
    "assessment": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("refers_to", True),
        ("reliability", True),
        ("credibility", True),
        ("rationale", False),
        ("by", False),
    ),
    "verdict": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("refers_to", True),
        ("status", True),
        ("reason", True),
        ("by", False),
    ),
    "retraction": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("refers_to", True),
        ("by", True),
        ("reason", False),
        ("stated_at", False),
        ("sources", False),
    ),
    "correction": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("refers_to", True),
        ("reason", True),
        ("changes", False),
        ("void", False),
        ("by", False),
    ),
    "link": (
        ("incident", True),
        ("report", False),
        ("recorded_by", False),
        ("type", True),
        ("other", True),
        ("relation", True),
        ("note", False),
    ),
}
