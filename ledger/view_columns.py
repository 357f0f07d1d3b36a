"""The current-state views' tables and columns, declared once.

Plain data, no SQLAlchemy (importing it costs a quarter of a second, more than a report takes):
`projections.schema` builds the SQLAlchemy tables Alembic compares the migrations against from
it, `projections.columns` the column lists the driver-level code reads and writes, and
`ledger.fold` its rows' columns. docs/views.md is checked against it by
tests/unit/test_projection_columns.py. The migrations keep their own frozen copies: a migration
is the schema as it was at its revision.
"""

from __future__ import annotations

from typing import NamedTuple

# What `actors` counts per actor, and `actor_tallies` per incident and actor.
ACTOR_COUNTS = (
    "claims_made",
    "warnings_issued",
    "denials_issued",
    "accused_in",
    "corroborations_given",
    "retractions",
)


# NamedTuples, not dataclasses: this is imported at every command's start-up, and making a
# dataclass costs about a millisecond (it compiles its methods), a NamedTuple a tenth of that.
class ViewColumn(NamedTuple):
    name: str
    # text, integer, position (64-bit: a log position, or a file's size), float or boolean
    kind: str = "text"
    required: bool = False  # NOT NULL
    key: bool = False  # part of the primary key (so required)
    unique: bool = False
    folded: bool = True  # computed by ledger.fold (else written by the projector itself)
    # A few words for a column whose name does not say it all: Datasette shows them above the
    # rows, so they stay short (docs/views.md says more).
    doc: str = ""
    # "table.column" this one names a row of (no foreign key is declared: the projector writes
    # the tables in batches, in any order, and PostgreSQL would enforce one): Datasette links it.
    refers: str = ""
    # Holds a JSON array as text: JSON output gives it as an array, CSV as that text
    # (projections.columns.LIST_COLUMNS).
    listed: bool = False


class View(NamedTuple):
    name: str
    comment: str
    columns: tuple[ViewColumn, ...]
    indexes: tuple[tuple[str, ...], ...] = ()  # (index name, *columns)
    folded: bool = True  # ledger.fold yields its rows
    sql_view: bool = False  # a SQL view over the tables (projections.schema.SQL_VIEWS)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _key(name: str, kind: str = "text", doc: str = "", refers: str = "") -> ViewColumn:
    return ViewColumn(name, kind, required=True, key=True, doc=doc, refers=refers)


def _req(
    name: str,
    kind: str = "text",
    unique: bool = False,
    folded: bool = True,
    doc: str = "",
    refers: str = "",
    listed: bool = False,
) -> ViewColumn:
    return ViewColumn(
        name,
        kind,
        required=True,
        unique=unique,
        folded=folded,
        doc=doc,
        refers=refers,
        listed=listed,
    )


def _opt(name: str, kind: str = "text", doc: str = "", refers: str = "") -> ViewColumn:
    return ViewColumn(name, kind, doc=doc, refers=refers)


_INCIDENT = "incidents.incident"
_ACTOR = "actors.actor"
_REPORT = "timeline.report"


_COUNTS = tuple(_req(count, "integer") for count in ACTOR_COUNTS)

# In the order the migrations create the tables, then the SQL views.
VIEWS: tuple[View, ...] = (
    View(
        "incidents",
        "One row per incident: its details, derived status and counts.",
        (
            _key("incident"),
            _req("title"),
            _opt("category"),
            _opt("location"),
            _opt("location_qualifier"),
            _opt("lat", "float"),
            _opt("lon", "float"),
            _opt("occurred_from"),
            _opt("occurred_to"),
            _opt("description"),
            _req(
                "status",
                doc="The most pressing status among its claims and warnings; open if none.",
            ),
            _req("assertions", "integer", doc="Live claims and warnings."),
            _req("disputed", "integer", doc="Of them, disputed."),
            _req("reports", "integer", doc="Live reports, the incident line included."),
            _opt("first_stated_at"),
            _opt("last_stated_at"),
            _req("last_recorded_at"),
            _req("last_position", "position", doc="Latest event of it or referring into it."),
            _req("version", "integer"),
            _req("corrected", "boolean"),
        ),
        indexes=(("incidents_status_idx", "status", "last_position"),),
    ),
    View(
        "claims",
        "One row per assertion (claim, warning or denial) with its derived status.",
        (
            _key("report"),
            _req("incident", refers=_INCIDENT),
            _req("type"),
            _req("by", doc="As written."),
            _req("actor", doc="`by` resolved through the registry.", refers=_ACTOR),
            _req("side", doc="Top of the actor's part_of chain.", refers=_ACTOR),
            _opt("speaker"),
            _opt("on_behalf_of"),
            _opt("stance"),
            _req("against", doc="JSON array.", listed=True),
            _req("targets", doc="JSON array.", listed=True),
            _opt("addressee"),
            _req("summary"),
            _opt("quote"),
            _opt("stated_at"),
            _req("status"),
            _req("denials", "integer", doc="Standing, by another side."),
            _req("internal_denials", "integer", doc="Standing, by its own side."),
            _req("acknowledgements", "integer", doc="Corroborations by an accused side."),
            _req("corroborations", "integer", doc="Independent, by another side."),
            _req("other_corroborations", "integer"),
            _req("discrepancies", "integer"),
            _opt("reliability", doc="Latest assessment, A-F."),
            _opt("credibility", "integer", doc="Latest assessment, 1-6."),
            _opt("verdict"),
            _opt("superseded_by", doc="Latest same-side statement superseding it.", refers=_REPORT),
            _opt("outcome", doc="Warnings: latest standing outcome."),
            _req("corrected", "boolean"),
            _req("recorded_at"),
            _req("position", "position"),
        ),
        indexes=(
            ("claims_incident_idx", "incident", "position"),
            ("claims_status_idx", "status", "position"),
            ("claims_actor_idx", "actor"),
        ),
    ),
    View(
        "disputes",
        "One row per (assertion, denial) pair, by an actor other than the asserter.",
        (
            _key("claim", refers="claims.report"),
            _key("denial", refers=_REPORT),
            _req("incident", doc="The claim's.", refers=_INCIDENT),
            _req("denial_incident", refers=_INCIDENT),
            _req("claimant"),
            _req("denier"),
            _req("claimant_actor", refers=_ACTOR),
            _req("denier_actor", refers=_ACTOR),
            _req("internal", "boolean", doc="Both on one side: not a dispute."),
            _opt("denial_stated_at"),
            _opt("scope"),
            _req("retracted", "boolean", doc="The denial no longer stands."),
        ),
        indexes=(("disputes_incident_idx", "incident"),),
    ),
    View(
        "actors",
        "One row per actor (resolved through the registry) with what it said and was accused of.",
        (
            _key("actor"),
            _req("name", doc="Canonical name, else the first spelling."),
            _opt("kind"),
            _opt("part_of", refers=_ACTOR),
            _req("side", doc="Top of its part_of chain.", refers=_ACTOR),
            _opt("country"),
            *_COUNTS,
        ),
    ),
    View(
        # The registry's names, for SQL users: join a spelling's key to the actor it means.
        "actor_names",
        "Every registered name (canonical or alias) and the actor it resolves to.",
        (_key("name", doc="Normalised."), _req("spelling"), _req("actor", refers=_ACTOR)),
        indexes=(("actor_names_actor_idx", "actor"),),
    ),
    View(
        # Each live report's provenance hops as one JSON list of [agent, role, kind, url,
        # published_at, quote_mode]: the SQL view `provenance` expands it, one row per hop.
        "provenance_chains",
        "Each report's source chain as one JSON list of hops; read it as `provenance`.",
        (_key("report"), _req("incident"), _req("chain", listed=True)),
        indexes=(("provenance_chains_incident_idx", "incident"),),
    ),
    View(
        "links",
        "One row per link between incidents.",
        (
            _key("report", refers=_REPORT),
            _req("incident", refers=_INCIDENT),
            _req("other", refers=_INCIDENT),
            _req("relation"),
            _opt("note"),
        ),
        indexes=(("links_incident_idx", "incident"), ("links_other_idx", "other")),
    ),
    View(
        # The file's presence in the store is the filesystem's, not the log's: not a column
        # (`ledger evidence --list` looks it up when it lists). Revision 0006.
        "evidence",
        "One row per live evidence item: the material's hash, size, type and what it bears on.",
        (
            _key("report", refers=_REPORT),
            _req("incident", refers=_INCIDENT),
            _req("kind"),
            _opt("title"),
            _opt("sha256", doc="SHA-256 of the material; verify re-hashes a stored copy."),
            _opt("bytes", "position"),  # 64-bit: a size reaches 2^53 - 1
            _opt("media_type"),
            _opt("url"),
            _opt("archived_url"),
            _opt("captured_at"),
            _req("supports", doc="JSON array of the report ids it supports.", listed=True),
            _req("contradicts", doc="JSON array of the report ids it contradicts.", listed=True),
            _req("corrected", "boolean"),
            _req("position", "position"),
        ),
        indexes=(("evidence_incident_idx", "incident"), ("evidence_sha256_idx", "sha256")),
    ),
    View(
        "timeline",
        "Every report with its three clocks, voided ones included (voided = 1).",
        (
            _key("position", "position"),
            _req("report", unique=True),
            _req("incident", refers=_INCIDENT),
            _req("type"),
            _opt("by"),
            _opt("stated_at"),
            _opt("stated_from", doc="Earliest instant of stated_at (UTC)."),
            _req("recorded_at"),
            _req("recorded_by"),
            _req("version", "integer"),
            _req("refers_to", doc="JSON array of report ids.", listed=True),
            _opt("summary"),
            _req("voided", "boolean", doc="1: voided, counts for nothing."),
            _req("corrected", "boolean"),
            # The original record as JSON, which the projector has and the fold does not.
            _req("data", folded=False, doc="The original record as JSON."),
        ),
        indexes=(
            ("timeline_incident_idx", "incident", "position"),
            ("timeline_stated_idx", "stated_from"),
            # For `ledger changes` (revision 0004): what was recorded after a cut.
            ("timeline_recorded_idx", "recorded_at"),
        ),
    ),
    View(
        "report_refs",
        "Which report refers to which (refers_to), across incidents.",
        (_key("source"), _key("target"), _req("source_incident"), _req("target_incident")),
        indexes=(("report_refs_target_idx", "target"),),
        folded=False,
    ),
    View(
        # What each incident's live reports contribute to the actors table, per actor: the
        # first spelling seen there (its report's position and the field's place, so the
        # earliest across incidents wins), the counts, and the reports naming the actor (a JSON
        # list, in log order). The projection sums these per actor instead of refolding every
        # report an actor made.
        "actor_tallies",
        "What each incident's live reports contribute to `actors`, per actor.",
        (
            _key("incident"),
            _key("actor"),
            _req("name"),
            _req("first_position", "position"),
            _req("first_seq", "integer"),
            *_COUNTS,
            _req("reports", listed=True),
        ),
        indexes=(("actor_tallies_actor_idx", "actor"),),
    ),
    View(
        # The registry's `actor` lines as the projector read them from the log, in log order:
        # the views resolve names through the registry they build (ledger.registry).
        "registry_lines",
        "Each actor line of the log (its record as JSON), by log position.",
        (_key("position", "position"), _req("data")),
        folded=False,
    ),
    View(
        "projection_tracking",
        "The last log position each projection has applied, written with its rows.",
        (_key("projection"), _req("position", "position")),
        folded=False,
    ),
    View(
        # Written by `ledger project --follow` when a catch-up fails, deleted by its next
        # success: what `ledger project --status` reports as the last error.
        "projection_errors",
        "The last error a projection's follower hit; deleted by its next success.",
        (
            _key("projection"),
            _req("error"),
            _req("failed_at", doc="When (UTC)."),
            _req("position", "position", doc="The views' position then."),
        ),
        folded=False,
    ),
    View(
        "provenance",
        "One row per hop of a report's source chain, 0 = the speaker, outward.",
        (
            _key("report", refers=_REPORT),
            _key("hop", "integer", doc="0 = the speaker, then outward."),
            _req("incident", refers=_INCIDENT),
            _req("agent"),
            _req("role"),
            _opt("kind"),
            _opt("url"),
            _opt("published_at"),
            _opt("quote_mode"),
        ),
        sql_view=True,
    ),
    View(
        "report_actors",
        "Which live reports name which actor, in their current (corrected) values.",
        (
            _key("actor", refers=_ACTOR),
            _key("report", refers=_REPORT),
            _req("incident", refers=_INCIDENT),
        ),
        folded=False,
        sql_view=True,
    ),
)
