"""Actor views: the registry in the views (DOMAIN.md v2, issue 19).

`claims` gains `side`, `internal_denials`, `acknowledgements`, `superseded_by` and `outcome`
(and a row per denial: a denial is an assertion now); `disputes` the resolved actor ids and
`internal`; `actors` the registry's `kind`, `part_of`, `side` and `country`. New: `actor_names`
(every registered spelling and the actor it means) and `registry_lines` (the log's actor lines,
read by the projector).

Projections are derived data: the views are emptied and their tracking position reset, so the
next catch-up (any write, or `ledger project`) rebuilds them from the log, which is untouched.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_VIEW_TABLES_0003 = (
    "incidents", "claims", "disputes", "actors", "provenance_chains", "links", "timeline",
    "report_refs", "actor_tallies",
)  # fmt: skip
_ADDED = {
    "claims": (
        ("side", sa.Text(), False),
        ("internal_denials", sa.Integer(), False),
        ("acknowledgements", sa.Integer(), False),
        ("superseded_by", sa.Text(), True),
        ("outcome", sa.Text(), True),
    ),
    "disputes": (
        ("claimant_actor", sa.Text(), False),
        ("denier_actor", sa.Text(), False),
        ("internal", sa.Boolean(), False),
    ),
    "actors": (
        ("kind", sa.Text(), True),
        ("part_of", sa.Text(), True),
        ("side", sa.Text(), False),
        ("country", sa.Text(), True),
    ),
}
_COMMENTS = {
    "claims": (
        "One row per assertion (claim, warning or denial) with its derived status.",
        "One row per assertion (claim or warning) with its derived status.",
    ),
    "disputes": (
        "One row per (assertion, denial) pair, by an actor other than the asserter.",
        "One row per (assertion, denial) pair, by an actor other than the claimant.",
    ),
    "actors": (
        "One row per actor (resolved through the registry) with what it said and was accused of.",
        "One row per actor (normalised name) with what it said and was accused of.",
    ),
}


def _empty(tables: tuple[str, ...]) -> None:
    # Emptied first, so the NOT NULL columns need no default; the tracking reset rebuilds them.
    for name in tables:
        op.execute(f"DELETE FROM {name}")
    op.execute("DELETE FROM projection_tracking")


def _comment(table: str, new: str, old: str) -> None:
    # SQLite keeps no table comments (its ALTER TABLE has no COMMENT): nothing to change there.
    if op.get_bind().dialect.name != "sqlite":
        op.create_table_comment(table, new, existing_comment=old)


def upgrade() -> None:
    _empty(_VIEW_TABLES_0003)
    if op.get_bind().dialect.name == "sqlite":
        # The search index (0004) over timeline, emptied with it: the catch-up that refills
        # timeline from position 0 indexes every report again.
        op.execute("INSERT INTO report_search (report_search) VALUES ('delete-all')")
    for table, columns in _ADDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, type_, nullable in columns:
                batch_op.add_column(sa.Column(name, type_, nullable=nullable))
        _comment(table, *_COMMENTS[table])
    op.create_table(
        "actor_names",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("spelling", sa.Text(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
        comment="Every registered name (canonical or alias) and the actor it resolves to.",
    )
    with op.batch_alter_table("actor_names", schema=None) as batch_op:
        batch_op.create_index("actor_names_actor_idx", ["actor"], unique=False)
    op.create_table(
        "registry_lines",
        sa.Column("position", _POSITION, nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("position"),
        comment="Each actor line of the log (its record as JSON), by log position.",
    )


def downgrade() -> None:
    _empty(_VIEW_TABLES_0003)
    op.drop_table("registry_lines")
    with op.batch_alter_table("actor_names", schema=None) as batch_op:
        batch_op.drop_index("actor_names_actor_idx")
    op.drop_table("actor_names")
    for table, columns in _ADDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _, _ in columns:
                batch_op.drop_column(name)
        _comment(table, *reversed(_COMMENTS[table]))
