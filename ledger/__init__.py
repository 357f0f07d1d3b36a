"""Incident Ledger: the domain and application layers (no CLI, no projections)."""
