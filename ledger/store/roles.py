"""Least privilege on PostgreSQL: writer, projector and reader roles.

- writer: appends events (SELECT, INSERT on the log tables). It is also granted UPDATE on
  `ledger_events`, only because PostgreSQL requires it for `LOCK TABLE ... IN EXCLUSIVE MODE`
  (which keeps notification ids committing in order); the append-only trigger refuses every
  actual UPDATE, DELETE and TRUNCATE, and the writer does not own the table, so it cannot drop
  the trigger. It may not touch the projection tables.
- projector: reads the log, writes only the projection tables.
- reader: reads only the projection tables.
"""

from __future__ import annotations

from ledger.store.names import EVENTS_TABLE, REFERENCES_TABLE, REPORTS_TABLE

LOG_TABLES = (EVENTS_TABLE, REPORTS_TABLE, REFERENCES_TABLE)
ROLES = ("ledger_writer", "ledger_projector", "ledger_reader")


def role_statements(
    view_tables: tuple[str, ...], database: str, sql_views: tuple[str, ...] = ()
) -> list[str]:
    """Idempotent SQL that creates the three roles (NOLOGIN groups) and grants their rights.
    `view_tables` are the projection tables; `sql_views` the read-only SQL views over them."""
    log = ", ".join(LOG_TABLES)
    views = ", ".join(view_tables)
    readable = ", ".join((*view_tables, *sql_views))
    statements = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
        f"CREATE ROLE {role} NOLOGIN; END IF; END $$"
        for role in ROLES
    ]
    statements += [
        f'GRANT CONNECT ON DATABASE "{database}" TO {", ".join(ROLES)}',
        f"GRANT USAGE ON SCHEMA public TO {', '.join(ROLES)}",
        f"REVOKE ALL ON {log}, {readable}, alembic_version FROM {', '.join(ROLES)}",
        f"GRANT SELECT ON alembic_version TO {', '.join(ROLES)}",
        # writer
        f"GRANT SELECT, INSERT ON {log} TO ledger_writer",
        f"GRANT UPDATE ON {EVENTS_TABLE} TO ledger_writer",  # for LOCK TABLE only; see above
        f"GRANT USAGE ON SEQUENCE {EVENTS_TABLE}_notification_id_seq TO ledger_writer",
        # projector
        f"GRANT SELECT ON {log} TO ledger_projector",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {views} TO ledger_projector",
        f"GRANT SELECT ON {readable} TO ledger_projector",
        # reader
        f"GRANT SELECT ON {readable} TO ledger_reader",
    ]
    return statements
