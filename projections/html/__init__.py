"""`ledger report html`: one self-contained HTML page about the selected incidents.

`gather` reads what the page shows (gather.py), in one read-only snapshot; `render` draws the
timelines (timeline.py) and provenance graphs (provenance_graph.py) with drawsvg and fills the
Jinja2 template (render.py, templates/, static/). Nothing on the page is fetched from the network.
"""

from __future__ import annotations

from projections.html.gather import gather
from projections.html.model import ReportData
from projections.html.render import render

__all__ = ["ReportData", "gather", "render"]
