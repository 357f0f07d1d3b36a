"""`ledger report html`: one self-contained HTML page about the selected incidents."""

from __future__ import annotations

from projections.html.report import ReportData, gather, needs_immutable, render

__all__ = ["ReportData", "gather", "needs_immutable", "render"]
