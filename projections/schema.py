"""The projection tables: plain SQL tables any SQL tool can read. Documented in docs/views.md."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)

metadata = MetaData()

_Position = BigInteger().with_variant(Integer(), "sqlite")

incidents = Table(
    "incidents",
    metadata,
    Column("incident", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("category", Text),
    Column("location", Text),
    Column("location_qualifier", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("occurred_from", Text),
    Column("occurred_to", Text),
    Column("description", Text),
    Column("status", Text, nullable=False),
    Column("assertions", Integer, nullable=False),
    Column("disputed", Integer, nullable=False),
    Column("reports", Integer, nullable=False),
    Column("first_stated_at", Text),
    Column("last_stated_at", Text),
    Column("last_recorded_at", Text, nullable=False),
    Column("last_position", _Position, nullable=False),
    Column("version", Integer, nullable=False),
    Column("corrected", Boolean, nullable=False),
    Index("incidents_status_idx", "status", "last_position"),
    comment="One row per incident: its details, derived status and counts.",
)

claims = Table(
    "claims",
    metadata,
    Column("report", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("speaker", Text),
    Column("on_behalf_of", Text),
    Column("stance", Text),
    Column("against", Text, nullable=False),
    Column("targets", Text, nullable=False),
    Column("addressee", Text),
    Column("summary", Text, nullable=False),
    Column("quote", Text),
    Column("stated_at", Text),
    Column("status", Text, nullable=False),
    Column("denials", Integer, nullable=False),
    Column("corroborations", Integer, nullable=False),
    Column("other_corroborations", Integer, nullable=False),
    Column("discrepancies", Integer, nullable=False),
    Column("reliability", Text),
    Column("credibility", Integer),
    Column("verdict", Text),
    Column("corrected", Boolean, nullable=False),
    Column("recorded_at", Text, nullable=False),
    Column("position", _Position, nullable=False),
    Index("claims_incident_idx", "incident", "position"),
    Index("claims_status_idx", "status", "position"),
    Index("claims_actor_idx", "actor"),
    comment="One row per assertion (claim or warning) with its derived status.",
)

disputes = Table(
    "disputes",
    metadata,
    Column("claim", Text, primary_key=True),
    Column("denial", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("denial_incident", Text, nullable=False),
    Column("claimant", Text, nullable=False),
    Column("denier", Text, nullable=False),
    Column("denial_stated_at", Text),
    Column("scope", Text),
    Column("retracted", Boolean, nullable=False),
    Index("disputes_incident_idx", "incident"),
    comment="One row per (assertion, denial) pair, by an actor other than the claimant.",
)

actors = Table(
    "actors",
    metadata,
    Column("actor", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("claims_made", Integer, nullable=False),
    Column("warnings_issued", Integer, nullable=False),
    Column("denials_issued", Integer, nullable=False),
    Column("accused_in", Integer, nullable=False),
    Column("corroborations_given", Integer, nullable=False),
    Column("retractions", Integer, nullable=False),
    comment="One row per actor (normalised name) with what it said and was accused of.",
)

provenance_chains = Table(
    "provenance_chains",
    metadata,
    Column("report", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("chain", Text, nullable=False),
    Index("provenance_chains_incident_idx", "incident"),
    comment="Each report's source chain as one JSON list of hops; read it as `provenance`.",
)

links = Table(
    "links",
    metadata,
    Column("report", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("other", Text, nullable=False),
    Column("relation", Text, nullable=False),
    Column("note", Text),
    Index("links_incident_idx", "incident"),
    Index("links_other_idx", "other"),
    comment="One row per link between incidents.",
)

timeline = Table(
    "timeline",
    metadata,
    Column("position", _Position, primary_key=True, autoincrement=False),
    Column("report", Text, nullable=False, unique=True),
    Column("incident", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("by", Text),
    Column("stated_at", Text),
    Column("stated_from", Text),
    Column("recorded_at", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("refers_to", Text, nullable=False),
    Column("summary", Text),
    Column("voided", Boolean, nullable=False),
    Column("corrected", Boolean, nullable=False),
    Column("data", Text, nullable=False),
    Index("timeline_incident_idx", "incident", "position"),
    Index("timeline_stated_idx", "stated_from"),
    # For `ledger changes` (revision 0004): what was recorded after a cut, and the few
    # corrected reports, whose stated time as said (what a cut reads) may not be the one shown.
    Index("timeline_recorded_idx", "recorded_at"),
    Index(
        "timeline_corrected_idx",
        "position",
        sqlite_where=text("corrected"),
        postgresql_where=text("corrected"),
    ),
    comment="Every report with its three clocks, voided ones included (voided = 1).",
)

report_refs = Table(
    "report_refs",
    metadata,
    Column("source", Text, primary_key=True),
    Column("target", Text, primary_key=True),
    Column("source_incident", Text, nullable=False),
    Column("target_incident", Text, nullable=False),
    Index("report_refs_target_idx", "target"),
    comment="Which report refers to which (refers_to), across incidents.",
)

actor_tallies = Table(
    "actor_tallies",
    metadata,
    Column("incident", Text, primary_key=True),
    Column("actor", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("first_position", _Position, nullable=False),
    Column("first_seq", Integer, nullable=False),
    Column("claims_made", Integer, nullable=False),
    Column("warnings_issued", Integer, nullable=False),
    Column("denials_issued", Integer, nullable=False),
    Column("accused_in", Integer, nullable=False),
    Column("corroborations_given", Integer, nullable=False),
    Column("retractions", Integer, nullable=False),
    Column("reports", Text, nullable=False),
    Index("actor_tallies_actor_idx", "actor"),
    comment="What each incident's live reports contribute to `actors`, per actor.",
)

projection_tracking = Table(
    "projection_tracking",
    metadata,
    Column("projection", Text, primary_key=True),
    Column("position", _Position, nullable=False),
    comment="The last log position each projection has applied, written with its rows.",
)

VIEW_TABLES = (
    incidents,
    claims,
    disputes,
    actors,
    provenance_chains,
    links,
    timeline,
    report_refs,
    actor_tallies,
)

# SQL views over the tables above, for readers: one row per hop of a source chain, and one row
# per (actor, report naming it). Kept as views so that a rebuild writes one row per report and
# per incident and actor, not one per hop and per name. Created by the migrations, per dialect.
SQL_VIEWS: dict[str, dict[str, str]] = {
    "provenance": {
        "sqlite": (
            "SELECT c.report AS report, h.key AS hop, c.incident AS incident, "
            "json_extract(h.value, '$[0]') AS agent, json_extract(h.value, '$[1]') AS role, "
            "json_extract(h.value, '$[2]') AS kind, json_extract(h.value, '$[3]') AS url, "
            "json_extract(h.value, '$[4]') AS published_at, "
            "json_extract(h.value, '$[5]') AS quote_mode "
            "FROM provenance_chains AS c, json_each(c.chain) AS h"
        ),
        "postgresql": (
            "SELECT c.report AS report, (h.ordinality - 1)::integer AS hop, "
            "c.incident AS incident, h.value ->> 0 AS agent, h.value ->> 1 AS role, "
            "h.value ->> 2 AS kind, h.value ->> 3 AS url, h.value ->> 4 AS published_at, "
            "h.value ->> 5 AS quote_mode "
            "FROM provenance_chains AS c "
            "CROSS JOIN LATERAL jsonb_array_elements(c.chain::jsonb) WITH ORDINALITY "
            "AS h(value, ordinality)"
        ),
    },
    "report_actors": {
        "sqlite": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t, json_each(t.reports) AS r"
        ),
        "postgresql": (
            "SELECT t.actor AS actor, r.value AS report, t.incident AS incident "
            "FROM actor_tallies AS t "
            "CROSS JOIN LATERAL jsonb_array_elements_text(t.reports::jsonb) AS r(value)"
        ),
    },
}

# The views' columns, as SQLAlchemy tables of their own metadata (not Alembic's: they are not
# tables), for code and tests that read them like the tables.
view_metadata = MetaData()

provenance = Table(
    "provenance",
    view_metadata,
    Column("report", Text, primary_key=True),
    Column("hop", Integer, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("agent", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("kind", Text),
    Column("url", Text),
    Column("published_at", Text),
    Column("quote_mode", Text),
    comment="One row per hop of a report's source chain, 0 = the speaker, outward.",
)

report_actors = Table(
    "report_actors",
    view_metadata,
    Column("actor", Text, primary_key=True),
    Column("report", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    comment="Which live reports name which actor, in their current (corrected) values.",
)
