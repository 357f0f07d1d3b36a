"""Current-state views derived from the ledger's reports."""
