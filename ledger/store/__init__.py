"""Persistence: where the log lives (SQLite by default, PostgreSQL by URL) and how it is written."""
