"""`ledger report html`: one self-contained HTML page about the selected incidents, or a static
site of an index and one page per incident (`gather_site`, `site_pages`).

`gather` reads what the page shows (gather.py), in one read-only snapshot; `render` draws the
timelines (timeline.py) and provenance graphs (provenance_graph.py) as SVG text (svg.py, with
text measured by textwidth.py) and fills the Jinja2 templates (render.py, templates/, static/).
Nothing on the page is fetched from the network. docs/report.md describes the pages.
"""

from __future__ import annotations

from projections.html.gather import gather, gather_site
from projections.html.model import ReportData
from projections.html.render import page_name, render, site_pages

__all__ = ["ReportData", "gather", "gather_site", "page_name", "render", "site_pages"]
