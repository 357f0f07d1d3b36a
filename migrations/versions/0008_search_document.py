"""PostgreSQL's search document parsed once: the GIN index of `ledger search` (revision 0004)
over a function of the row instead of an expression that cast `data` to jsonb eight times.

The document is the same text in the same order (so the same lexemes at the same positions, and
`ts_rank` gives the same scores): the row's summary, the record's quote, the author, the names
it gives, an incident's description and location, a correction's new values. Only how it is
computed changes: a PL/pgSQL function parses `data` once. Casting it was 2.5 s of server CPU per
100,000 rows against 0.8 s, and keeping the index up to date 7.7 s against 3.1 s (docs/
performance.md, branch pg-speed2). The index keeps its name; its expression is the function's
call, which `projections.search`'s queries use, so the planner matches them to it.

IMMUTABLE as the expression was (an index expression must be): the function reads only its
arguments, and everything it calls (`to_tsvector` with a named configuration, `->>`,
`coalesce`) is in `pg_catalog`, which is searched first whatever the `search_path` (pg_dump
restores with an empty one).

SQLite: nothing changes (its FTS5 index is written by the projector).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 21:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copies of projections.search's definitions as of this revision (a test compares them).
POSTGRES_FUNCTION = """\
CREATE FUNCTION ledger_search_document(summary text, "by" text, data text) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    parsed jsonb := data::jsonb;
BEGIN
    RETURN to_tsvector('simple'::regconfig, coalesce(summary, '') || ' ' ||
        coalesce(parsed ->> 'quote', '') || ' ' || coalesce("by", '') || ' ' ||
        coalesce(parsed ->> 'speaker', '') || ' ' ||
        coalesce(parsed ->> 'on_behalf_of', '') || ' ' ||
        coalesce(parsed ->> 'addressee', '') || ' ' ||
        coalesce(parsed ->> 'against', '') || ' ' ||
        coalesce(parsed ->> 'description', '') || ' ' ||
        coalesce(parsed ->> 'location', '') || ' ' ||
        coalesce(parsed ->> 'changes', ''));
END
$$"""
POSTGRES_DOCUMENT = 'ledger_search_document(summary, "by", data)'
# Revision 0004's expression, which a downgrade puts back.
_DOCUMENT_0004 = (
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
_INDEX = "timeline_search_idx"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(POSTGRES_FUNCTION)
    # The rows already there are indexed again, through the function (the same lexemes).
    op.execute(f"DROP INDEX {_INDEX}")
    op.execute(f"CREATE INDEX {_INDEX} ON timeline USING GIN (({POSTGRES_DOCUMENT}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(f"DROP INDEX {_INDEX}")
    op.execute(f"CREATE INDEX {_INDEX} ON timeline USING GIN (({_DOCUMENT_0004}))")
    op.execute("DROP FUNCTION ledger_search_document(text, text, text)")
