"""The event store's tables, as SQLAlchemy metadata: Alembic creates them, nothing else does."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
)

from ledger.store.names import EVENTS_TABLE, REFERENCES_TABLE, REPORTS_TABLE

metadata = MetaData()

# BIGSERIAL on PostgreSQL; on SQLite an INTEGER PRIMARY KEY AUTOINCREMENT, so a log position is
# never reused and VACUUM cannot renumber it (it may renumber a plain rowid): seals and
# projection tracking both remember positions.
_Position = BigInteger().with_variant(Integer(), "sqlite")

ledger_events = Table(
    EVENTS_TABLE,
    metadata,
    Column("notification_id", _Position, primary_key=True, autoincrement=True),
    Column("originator_id", Text, nullable=False),
    Column("originator_version", _Position, nullable=False),
    Column("topic", Text, nullable=False),
    Column("state", LargeBinary, nullable=False),
    # One writer wins a version; the other gets an IntegrityError and retries.
    UniqueConstraint("originator_id", "originator_version", name="ledger_events_aggregate_key"),
    sqlite_autoincrement=True,
    comment="The append-only log: one row per event, never updated or deleted.",
)

# Ledger-wide index of report ids, written in the same transaction as the events, so that
# "report ids are unique across the ledger" holds even between concurrent writers.
ledger_reports = Table(
    REPORTS_TABLE,
    metadata,
    Column("report", Text, primary_key=True),
    Column("incident", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("by", Text),
    Column("fingerprint", Text, nullable=False),
    Column("version", _Position, nullable=False),
    Index("ledger_reports_incident_idx", "incident", "version"),
    comment="Every report id in the ledger, with its incident; append-only like the log.",
)

# Which report refers to which, across incidents: lets `show` and `audit` find every report that
# touched a claim by replaying only those incidents, never scanning the whole log.
ledger_references = Table(
    REFERENCES_TABLE,
    metadata,
    Column("source", Text, primary_key=True),
    Column("target", Text, primary_key=True),
    Column("source_incident", Text, nullable=False),
    Index("ledger_references_target_idx", "target"),
    comment="refers_to edges between reports; append-only like the log.",
)
