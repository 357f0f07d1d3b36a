"""Log positions start at 1: the database refuses an event row at position 0 or below.

`verify`, seals and catch-up all read the log from position 1, so a row planted below it (a
plain INSERT is all it took) was shown by `show` and `history` and seen by no check. SQLite
cannot add a CHECK to an existing table without rebuilding it, so there an AFTER INSERT trigger
refuses the row (a BEFORE INSERT trigger sees -1 for a position SQLite has yet to assign). On
PostgreSQL a CHECK constraint, added NOT VALID: it binds every new row at once, while a ledger
that already holds such a row still upgrades, and `verify` reports the row (a constraint that
failed the upgrade would hide it behind an error).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

TRIGGER = "ledger_events_positions_start_at_one"
CONSTRAINT = "ledger_events_positions_start_at_one"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON ledger_events "
            "WHEN NEW.notification_id < 1 "
            "BEGIN SELECT RAISE(ABORT, 'ledger_events positions start at 1'); END"
        )
    else:
        op.execute(
            f"ALTER TABLE ledger_events ADD CONSTRAINT {CONSTRAINT} "
            "CHECK (notification_id >= 1) NOT VALID"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")
    else:
        op.execute(f"ALTER TABLE ledger_events DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
