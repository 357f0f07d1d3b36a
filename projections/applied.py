"""What a catch-up or a rebuild applied to the views, counted the same way by both."""

from __future__ import annotations


class Applied(int):
    """How many log events were applied to the views: an int, their total, with its two parts,
    `reports` (incident lines included, as `ledger import` counts them) and `actor_lines` (the
    registry's). Seals are in the log but in no view, so neither part counts them."""

    reports: int
    actor_lines: int

    def __new__(cls, reports: int = 0, actor_lines: int = 0) -> Applied:
        applied = super().__new__(cls, reports + actor_lines)
        applied.reports = reports
        applied.actor_lines = actor_lines
        return applied

    def __add__(self, other: int) -> Applied:  # type: ignore[override]
        if isinstance(other, Applied):
            return Applied(self.reports + other.reports, self.actor_lines + other.actor_lines)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Applied(reports={self.reports}, actor_lines={self.actor_lines})"

    def describe(self) -> str:
        """What was applied, as `ledger project` says it."""
        return f"{self.reports} report(s) and {self.actor_lines} actor line(s)"
