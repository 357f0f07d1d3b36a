"""Datasette's view of a ledger (`ledger browse`): its metadata, built from the one declaration
of the views (ledger.view_columns.VIEWS), and the templates that link a column to the row it
names.

Why no foreign keys: Datasette links a cell only through a declared foreign key, and the
projection tables cannot declare them (the projector writes them in batches in any order, a
rebuild empties them one by one, and PostgreSQL would enforce them). So each column that names a
row of another view says so in VIEWS (`refers`), the metadata carries that as `links`, and a
template of ours (`datasette_templates/_table.html`, Datasette's own override mechanism, no
plugin) renders such a cell as a link to the rows it names. It works with JavaScript off.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from ledger.view_columns import VIEWS

# Beside this module wherever the package is installed (package data, like the HTML report's).
TEMPLATES = Path(__file__).with_name("datasette_templates")


class Shown(NamedTuple):
    """How Datasette presents a view that people read; every other table is hidden."""

    sort: str
    facets: tuple[str, ...] = ()
    label: str | None = None  # the column naming a row where another table links to it
    searchable: bool = False  # the search box uses the report index (rowid = log position)


SHOWN: dict[str, Shown] = {
    "incidents": Shown("incident", ("status", "category"), label="title"),
    "claims": Shown(
        "position", ("status", "by", "incident", "type"), label="summary", searchable=True
    ),
    "disputes": Shown("claim", ("incident", "denier", "internal", "retracted")),
    "actors": Shown("actor", ("kind", "side", "country"), label="name"),
    "actor_names": Shown("name"),
    "provenance": Shown("report", ("role", "kind", "incident")),
    "links": Shown("report", ("relation", "incident")),
    "evidence": Shown("position", ("kind", "media_type", "incident"), label="title"),
    "timeline": Shown("position", ("type", "incident", "voided"), label="summary", searchable=True),
    "report_actors": Shown("actor", ("actor", "incident")),
}

# The full-text index of reports (projections.search): its rowid is the report's log position,
# which `timeline` and `claims` carry as `position`.
SEARCH_INDEX = "report_search"

QUERIES: dict[str, dict[str, str]] = {
    "disputed_claims_by_actor": {
        "title": "Disputed claims by actor",
        "description": (
            "The disputed claims and warnings of one actor, by its name as written (any case) "
            "or its id (e.g. syrian-democratic-forces), newest first."
        ),
        "sql": (
            'SELECT claims.report, claims.incident, claims.type, claims."by", claims.stated_at, '
            "claims.denials, claims.summary FROM claims WHERE claims.status = 'disputed' AND "
            '(claims.actor = lower(trim(:actor)) OR lower(claims."by") = lower(trim(:actor))) '
            "ORDER BY claims.position DESC"
        ),
    },
    "changes_since": {
        "title": "Changes since",
        "description": (
            "Every report recorded after a moment (UTC, e.g. 2026-11-24 or 2026-11-24T09:00), "
            "with the current status of claims and of new incidents. Which statuses changed "
            "from what: `ledger changes --since @TIME`."
        ),
        "sql": (
            'SELECT t.position, t.recorded_at, t.incident, t.report, t.type, t."by", '
            "COALESCE(c.status, i.status) AS status_now, t.summary FROM timeline AS t "
            "LEFT JOIN claims AS c ON c.report = t.report LEFT JOIN incidents AS i "
            "ON t.type = 'incident' AND i.incident = t.incident "
            "WHERE t.recorded_at > :since ORDER BY t.position"
        ),
    },
}

DESCRIPTION_HTML = (
    "Current-state views of an append-only, tamper-evident ledger of <em>disputed</em> conflict "
    "incidents: who claimed, warned, denied, corroborated or retracted what, when, and through "
    "which chain of sources. Start with <code>incidents</code> and <code>claims</code> (facet "
    "on status); statuses are derived, never typed in. Underlined ids link to what they name."
)


def metadata(
    database: str, tables: Iterable[str] = (), sql_views: Iterable[str] = ()
) -> dict[str, Any]:
    """Datasette metadata for a ledger served as `database`: the shown views described and
    linked, and every other table of `tables` (the log, Alembic's, the search index's shadow
    tables, the projector's support tables) hidden, so that a new internal table is hidden
    without anyone remembering to. Datasette lists SQL views whatever `hidden` says: one of
    `sql_views` not shown (the search index's source) is unlisted by denying its page
    (`allow: false`); SQL can still read it."""
    documented: dict[str, Any] = {}
    for view in VIEWS:
        shown = SHOWN.get(view.name)
        if shown is None:
            documented[view.name] = {"description": view.comment, "hidden": True}
            continue
        entry: dict[str, Any] = {
            "description": view.comment,
            # Only the columns with something to say: Datasette lists them above the rows.
            "columns": {c.name: c.doc for c in view.columns if c.doc},
            "sort": shown.sort,
            "facets": list(shown.facets),
            "links": {c.name: c.refers for c in view.columns if c.refers},
        }
        if shown.label:
            entry["label_column"] = shown.label
        if shown.searchable:
            entry.update(fts_table=SEARCH_INDEX, fts_pk="position")
        documented[view.name] = entry
    for name in tables:
        documented.setdefault(name, {"hidden": True})
    for name in sql_views:
        documented.setdefault(name, {"hidden": True, "allow": False})
    return {
        "title": "Incident Ledger",
        "description_html": DESCRIPTION_HTML,
        "databases": {
            database: {
                "description": (
                    "An Incident Ledger (SQLite). The views are kept current from the log; "
                    "rebuild them with 'ledger project --rebuild'."
                ),
                "tables": documented,
                "queries": QUERIES,
            }
        },
    }
