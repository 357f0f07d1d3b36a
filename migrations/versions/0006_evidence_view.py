"""The evidence view (issue 20, item 1): one row per live evidence item, with its hash, size,
media type, url and what it supports or contradicts. Whether its file is in the evidence store
is not a column: that is the filesystem's, looked up when listed (`ledger evidence --list`).

Projections are derived data: the views are emptied and their tracking position reset, so the
next catch-up (any write, or `ledger project`) rebuilds them from the log, which is untouched,
and fills the new table with the evidence already in the log.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_VIEW_TABLES_0005 = (
    "incidents", "claims", "disputes", "actors", "actor_names", "provenance_chains", "links",
    "timeline", "report_refs", "actor_tallies", "registry_lines",
)  # fmt: skip


def _empty(tables: tuple[str, ...]) -> None:
    # Emptied first; the tracking reset makes the next catch-up rebuild them all.
    for name in tables:
        op.execute(f"DELETE FROM {name}")
    op.execute("DELETE FROM projection_tracking")
    if op.get_bind().dialect.name == "sqlite":
        # The search index (0004) over timeline, emptied with it: the catch-up that refills
        # timeline from position 0 indexes every report again.
        op.execute("INSERT INTO report_search (report_search) VALUES ('delete-all')")


def upgrade() -> None:
    _empty(_VIEW_TABLES_0005)
    op.create_table(
        "evidence",
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("incident", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("sha256", sa.Text(), nullable=True),
        sa.Column("bytes", _BIGINT, nullable=True),  # up to 2^53 - 1
        sa.Column("media_type", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("archived_url", sa.Text(), nullable=True),
        sa.Column("captured_at", sa.Text(), nullable=True),
        sa.Column("supports", sa.Text(), nullable=False),
        sa.Column("contradicts", sa.Text(), nullable=False),
        sa.Column("corrected", sa.Boolean(), nullable=False),
        sa.Column("position", _POSITION, nullable=False),
        sa.PrimaryKeyConstraint("report"),
        comment=(
            "One row per live evidence item: the material's hash, size, type and what it "
            "bears on."
        ),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index("evidence_incident_idx", ["incident"], unique=False)
        batch_op.create_index("evidence_sha256_idx", ["sha256"], unique=False)


def downgrade() -> None:
    _empty(_VIEW_TABLES_0005)
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index("evidence_sha256_idx")
        batch_op.drop_index("evidence_incident_idx")
    op.drop_table("evidence")
