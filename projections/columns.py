"""The projection tables' names and columns as plain data, for code that reads or writes them
with the database driver directly. `projections.schema` (SQLAlchemy, for Alembic) is the
definition; tests/unit/test_projection_columns.py keeps the two equal. Importing SQLAlchemy
costs a quarter of a second, more than a report or a one-line append takes otherwise.
"""

from __future__ import annotations

# fmt: off
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "incident", "title", "category", "location", "location_qualifier", "lat", "lon",
        "occurred_from", "occurred_to", "description", "status", "assertions", "disputed",
        "reports", "first_stated_at", "last_stated_at", "last_recorded_at", "last_position",
        "version", "corrected",
    ),
    "claims": (
        "report", "incident", "type", "by", "actor", "speaker", "on_behalf_of", "stance",
        "against", "targets", "addressee", "summary", "quote", "stated_at", "status", "denials",
        "corroborations", "other_corroborations", "discrepancies", "reliability", "credibility",
        "verdict", "corrected", "recorded_at", "position",
    ),
    "disputes": (
        "claim", "denial", "incident", "denial_incident", "claimant", "denier",
        "denial_stated_at", "scope", "retracted",
    ),
    "actors": (
        "actor", "name", "claims_made", "warnings_issued", "denials_issued", "accused_in",
        "corroborations_given", "retractions",
    ),
    "provenance_chains": ("report", "incident", "chain"),
    "links": ("report", "incident", "other", "relation", "note"),
    "timeline": (
        "position", "report", "incident", "type", "by", "stated_at", "stated_from",
        "recorded_at", "recorded_by", "version", "refers_to", "summary", "voided", "corrected",
        "data",
    ),
    "report_refs": ("source", "target", "source_incident", "target_incident"),
    "actor_tallies": (
        "incident", "actor", "name", "first_position", "first_seq", "claims_made",
        "warnings_issued", "denials_issued", "accused_in", "corroborations_given", "retractions",
        "reports",
    ),
    "projection_tracking": ("projection", "position"),
}

# The SQL views over them (schema.SQL_VIEWS), read like tables.
VIEW_COLUMNS: dict[str, tuple[str, ...]] = {
    "provenance": (
        "report", "hop", "incident", "agent", "role", "kind", "url", "published_at",
        "quote_mode",
    ),
    "report_actors": ("actor", "report", "incident"),
}
READABLE_COLUMNS = {**TABLE_COLUMNS, **VIEW_COLUMNS}

# The table (or SQL view) each `ledger report` reads its rows from.
REPORT_TABLES = {
    "incidents": "incidents",
    "disputed": "incidents",
    "claims": "claims",
    "disputes": "disputes",
    "actors": "actors",
    "provenance": "provenance",
}

# SQLite stores booleans as 0/1; SQLAlchemy turned them back into booleans, and so must we.
BOOLEAN_COLUMNS: dict[str, frozenset[str]] = {
    "claims": frozenset({"corrected"}),
    "disputes": frozenset({"retracted"}),
    "incidents": frozenset({"corrected"}),
    "timeline": frozenset({"voided", "corrected"}),
}

# Columns holding a JSON array as text: JSON output gives them as arrays, CSV as that text.
LIST_COLUMNS: dict[str, frozenset[str]] = {
    "claims": frozenset({"against", "targets"}),
    "timeline": frozenset({"refers_to"}),
    "actor_tallies": frozenset({"reports"}),
    "provenance_chains": frozenset({"chain"}),
}

# Whole-number and floating-point columns (every other column holds text, or a boolean above).
# A CSV report built by SQLite (projections.csv_lines) prints whole numbers as Python does,
# needs no quoting check for them, and cannot print floats as Python's repr does.
INTEGER_COLUMNS: dict[str, frozenset[str]] = {
    "incidents": frozenset({"assertions", "disputed", "reports", "last_position", "version"}),
    "claims": frozenset({
        "denials", "corroborations", "other_corroborations", "discrepancies", "credibility",
        "position",
    }),
    "actors": frozenset({
        "claims_made", "warnings_issued", "denials_issued", "accused_in", "corroborations_given",
        "retractions",
    }),
    "timeline": frozenset({"position", "version"}),
    "actor_tallies": frozenset({
        "first_position", "first_seq", "claims_made", "warnings_issued", "denials_issued",
        "accused_in", "corroborations_given", "retractions",
    }),
    "provenance": frozenset({"hop"}),
    "projection_tracking": frozenset({"position"}),
}
FLOAT_COLUMNS: dict[str, frozenset[str]] = {"incidents": frozenset({"lat", "lon"})}

# The tables a rebuild empties, in the order schema.VIEW_TABLES lists them.
VIEW_TABLE_NAMES = (
    "incidents", "claims", "disputes", "actors", "provenance_chains", "links", "timeline",
    "report_refs", "actor_tallies",
)
# fmt: on

# The columns that may not be NULL, per table: what a row the fold made is checked against when
# the database refuses it, to name the event behind it (a check on every row would cost a rebuild).
# fmt: off
REQUIRED_COLUMNS: dict[str, frozenset[str]] = {
    "actor_tallies": frozenset({
        "accused_in", "actor", "claims_made", "corroborations_given", "denials_issued",
        "first_position", "first_seq", "incident", "name", "reports", "retractions",
        "warnings_issued",
    }),
    "actors": frozenset({
        "accused_in", "actor", "claims_made", "corroborations_given", "denials_issued", "name",
        "retractions", "warnings_issued",
    }),
    "claims": frozenset({
        "actor", "against", "by", "corrected", "corroborations", "denials", "discrepancies",
        "incident", "other_corroborations", "position", "recorded_at", "report", "status",
        "summary", "targets", "type",
    }),
    "disputes": frozenset({
        "claim", "claimant", "denial", "denial_incident", "denier", "incident", "retracted",
    }),
    "incidents": frozenset({
        "assertions", "corrected", "disputed", "incident", "last_position", "last_recorded_at",
        "reports", "status", "title", "version",
    }),
    "links": frozenset({
        "incident", "other", "relation", "report",
    }),
    "projection_tracking": frozenset({
        "position", "projection",
    }),
    "provenance_chains": frozenset({
        "chain", "incident", "report",
    }),
    "report_refs": frozenset({
        "source", "source_incident", "target", "target_incident",
    }),
    "timeline": frozenset({
        "corrected", "data", "incident", "position", "recorded_at", "recorded_by", "refers_to",
        "report", "type", "version", "voided",
    }),
}
# fmt: on
