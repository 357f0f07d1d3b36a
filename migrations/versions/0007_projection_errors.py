"""Projection errors: the last error the follower hit, for `ledger project --status` (issue 22).

One row per projection while its follower's last attempt failed; the follower deletes it on its
next success. A new table only: the views and the log are untouched.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_POSITION = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "projection_errors",
        sa.Column("projection", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failed_at", sa.Text(), nullable=False),
        sa.Column("position", _POSITION, nullable=False),
        sa.PrimaryKeyConstraint("projection"),
        comment="The last error a projection's follower hit; deleted by its next success.",
    )


def downgrade() -> None:
    op.drop_table("projection_errors")
