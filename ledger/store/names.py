"""The event store's table names, apart from their SQLAlchemy definitions (a cheap import)."""

EVENTS_TABLE = "ledger_events"
REPORTS_TABLE = "ledger_reports"
REFERENCES_TABLE = "ledger_references"
