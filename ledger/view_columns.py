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


def _key(name: str, kind: str = "text") -> ViewColumn:
    return ViewColumn(name, kind, required=True, key=True)


def _req(name: str, kind: str = "text", **more: bool) -> ViewColumn:
    return ViewColumn(name, kind, required=True, **more)


def _opt(name: str, kind: str = "text") -> ViewColumn:
    return ViewColumn(name, kind)


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
            _req("status"),
            _req("assertions", "integer"),
            _req("disputed", "integer"),
            _req("reports", "integer"),
            _opt("first_stated_at"),
            _opt("last_stated_at"),
            _req("last_recorded_at"),
            _req("last_position", "position"),
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
            _req("incident"),
            _req("type"),
            _req("by"),
            _req("actor"),
            _req("side"),
            _opt("speaker"),
            _opt("on_behalf_of"),
            _opt("stance"),
            _req("against"),
            _req("targets"),
            _opt("addressee"),
            _req("summary"),
            _opt("quote"),
            _opt("stated_at"),
            _req("status"),
            _req("denials", "integer"),
            _req("internal_denials", "integer"),
            _req("acknowledgements", "integer"),
            _req("corroborations", "integer"),
            _req("other_corroborations", "integer"),
            _req("discrepancies", "integer"),
            _opt("reliability"),
            _opt("credibility", "integer"),
            _opt("verdict"),
            _opt("superseded_by"),
            _opt("outcome"),
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
            _key("claim"),
            _key("denial"),
            _req("incident"),
            _req("denial_incident"),
            _req("claimant"),
            _req("denier"),
            _req("claimant_actor"),
            _req("denier_actor"),
            _req("internal", "boolean"),
            _opt("denial_stated_at"),
            _opt("scope"),
            _req("retracted", "boolean"),
        ),
        indexes=(("disputes_incident_idx", "incident"),),
    ),
    View(
        "actors",
        "One row per actor (resolved through the registry) with what it said and was accused of.",
        (
            _key("actor"),
            _req("name"),
            _opt("kind"),
            _opt("part_of"),
            _req("side"),
            _opt("country"),
            *_COUNTS,
        ),
    ),
    View(
        # The registry's names, for SQL users: join a spelling's key to the actor it means.
        "actor_names",
        "Every registered name (canonical or alias) and the actor it resolves to.",
        (_key("name"), _req("spelling"), _req("actor")),
        indexes=(("actor_names_actor_idx", "actor"),),
    ),
    View(
        # Each live report's provenance hops as one JSON list of [agent, role, kind, url,
        # published_at, quote_mode]: the SQL view `provenance` expands it, one row per hop.
        "provenance_chains",
        "Each report's source chain as one JSON list of hops; read it as `provenance`.",
        (_key("report"), _req("incident"), _req("chain")),
        indexes=(("provenance_chains_incident_idx", "incident"),),
    ),
    View(
        "links",
        "One row per link between incidents.",
        (_key("report"), _req("incident"), _req("other"), _req("relation"), _opt("note")),
        indexes=(("links_incident_idx", "incident"), ("links_other_idx", "other")),
    ),
    View(
        # The file's presence in the store is the filesystem's, not the log's: not a column
        # (`ledger evidence --list` looks it up when it lists). Revision 0006.
        "evidence",
        "One row per live evidence item: the material's hash, size, type and what it bears on.",
        (
            _key("report"),
            _req("incident"),
            _req("kind"),
            _opt("title"),
            _opt("sha256"),
            _opt("bytes", "position"),  # 64-bit: a size reaches 2^53 - 1
            _opt("media_type"),
            _opt("url"),
            _opt("archived_url"),
            _opt("captured_at"),
            _req("supports"),
            _req("contradicts"),
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
            _req("incident"),
            _req("type"),
            _opt("by"),
            _opt("stated_at"),
            _opt("stated_from"),
            _req("recorded_at"),
            _req("recorded_by"),
            _req("version", "integer"),
            _req("refers_to"),
            _opt("summary"),
            _req("voided", "boolean"),
            _req("corrected", "boolean"),
            # The original record as JSON, which the projector has and the fold does not.
            _req("data", folded=False),
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
            _req("reports"),
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
        "provenance",
        "One row per hop of a report's source chain, 0 = the speaker, outward.",
        (
            _key("report"),
            _key("hop", "integer"),
            _req("incident"),
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
        (_key("actor"), _key("report"), _req("incident")),
        folded=False,
        sql_view=True,
    ),
)
VIEW_BY_NAME: dict[str, View] = {view.name: view for view in VIEWS}
