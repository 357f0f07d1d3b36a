"""The event store's table names, apart from their SQLAlchemy definitions (a cheap import)."""

EVENTS_TABLE = "ledger_events"
REPORTS_TABLE = "ledger_reports"
REFERENCES_TABLE = "ledger_references"
# The seals' originator id in the log (ledger/integrity.py writes them): not a valid incident
# slug, so it can never collide with one. Here so that readers which must not import
# ledger.integrity (projections/staleness.py, before every report) share it.
SEALS_ID = "ledger:seals"
