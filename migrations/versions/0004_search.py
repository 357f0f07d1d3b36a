"""Full-text search over the reports: what `ledger search` reads.

One document per `timeline` row (every report, voided ones too): its text column (an incident's
title, a report's summary or reason), its author, and from the record as said its quote, the
names it gives (speaker, on behalf of, addressee, against), an incident's description and
location, and a correction's new values.

- SQLite: an FTS5 table `report_search` whose content is the SQL view `report_search_source`
  over `timeline` (external content: the text is not stored twice). FTS5 cannot follow a view
  by itself, so the projector writes the index in the same transaction as `timeline`
  (`projections.search`); this migration fills it from the rows already there.
- PostgreSQL: a GIN index on the same document as a `tsvector` expression over `timeline`
  (configuration `simple`: no stemming, as SQLite's `unicode61`), which the database keeps
  current with the rows by itself.

And two indexes on `timeline` for `ledger changes`: by recorded time, and the corrected reports.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# Frozen copies of projections.search's definitions as of this revision (a test compares them).
SQLITE_SOURCE = (
    "SELECT position, summary, "
    "json_extract(data, '$.quote') AS quote, "
    "coalesce(\"by\", '') || ' ' || coalesce(json_extract(data, '$.speaker'), '') || ' ' || "
    "coalesce(json_extract(data, '$.on_behalf_of'), '') || ' ' || "
    "coalesce(json_extract(data, '$.addressee'), '') || ' ' || "
    "coalesce(json_extract(data, '$.against'), '') AS names, "
    "coalesce(json_extract(data, '$.description'), '') || ' ' || "
    "coalesce(json_extract(data, '$.location'), '') || ' ' || "
    "coalesce(json_extract(data, '$.changes'), '') AS more "
    "FROM timeline"
)
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE report_search USING fts5(summary, quote, names, more, "
    "content='report_search_source', content_rowid='position', "
    "tokenize='unicode61 remove_diacritics 2')"
)
POSTGRES_DOCUMENT = (
    "to_tsvector('simple'::regconfig, coalesce(summary, '') || ' ' || "
    "coalesce(data::jsonb ->> 'quote', '') || ' ' || coalesce(\"by\", '') || ' ' || "
    "coalesce(data::jsonb ->> 'speaker', '') || ' ' || "
    "coalesce(data::jsonb ->> 'on_behalf_of', '') || ' ' || "
    "coalesce(data::jsonb ->> 'addressee', '') || ' ' || "
    "coalesce(data::jsonb ->> 'against', '') || ' ' || "
    "coalesce(data::jsonb ->> 'description', '') || ' ' || "
    "coalesce(data::jsonb ->> 'location', '') || ' ' || "
    "coalesce(data::jsonb ->> 'changes', ''))"
)


def upgrade() -> None:
    # For `ledger changes`: what was recorded after a cut, and the corrected reports (a
    # stated cut reads their time as said, which `stated_from` no longer shows).
    op.execute("CREATE INDEX timeline_recorded_idx ON timeline (recorded_at)")
    op.execute("CREATE INDEX timeline_corrected_idx ON timeline (position) WHERE corrected")
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"CREATE VIEW report_search_source AS {SQLITE_SOURCE}")
        op.execute(SQLITE_INDEX)
        op.execute("INSERT INTO report_search(report_search) VALUES ('rebuild')")
    else:
        op.execute(f"CREATE INDEX timeline_search_idx ON timeline USING GIN (({POSTGRES_DOCUMENT}))")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS timeline_corrected_idx")
    op.execute("DROP INDEX IF EXISTS timeline_recorded_idx")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS report_search")
        op.execute("DROP VIEW IF EXISTS report_search_source")
    else:
        op.execute("DROP INDEX IF EXISTS timeline_search_idx")
