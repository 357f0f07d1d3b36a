"""What both drawings share: colours, the marks of the report types, text and link helpers, the
legend, and turning a drawsvg Drawing into inline SVG for the page.

drawsvg writes attribute values verbatim and turns newlines into separate lines, so every value
from the ledger goes through `attr` (attributes) or `plain`/`clip` (text) first.
"""

from __future__ import annotations

from typing import Any

import drawsvg as dw
from markupsafe import Markup, escape

from projections.html.model import Entry

STATUS_COLORS = {
    "disputed": "#c2410c",
    "unverified": "#6b7280",
    "corroborated": "#15803d",
    "confirmed": "#166534",
    "refuted": "#991b1b",
    "unverifiable": "#7c3aed",
    "retracted": "#1f2937",
    "open": "#0369a1",
    "voided": "#9ca3af",
}
TYPE_COLORS = {
    "claim": "#1d4ed8",
    "warning": "#b45309",
    "denial": "#b91c1c",
    "corroboration": "#15803d",
    "retraction": "#374151",
    "verdict": "#7c3aed",
    "assessment": "#0e7490",
    "discrepancy": "#a16207",
    "correction": "#6b7280",
    "link": "#64748b",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


def attr(value: object) -> str:
    """An attribute value for drawsvg, which writes attribute values verbatim."""
    return str(escape(str(value)))


def plain(text: object) -> str:
    """One line of text: drawsvg turns newlines into separate lines."""
    return " ".join(str(text).split())


def clip(text: object, width: int) -> str:
    line = plain(text)
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


class Link(dw.DrawingParentElement):  # type: ignore[misc]
    """An SVG <a>: drawsvg has none."""

    TAG_NAME = "a"

    def __init__(self, href: str, **kwargs: Any) -> None:
        super().__init__(href=attr(href), target="_blank", rel="noopener noreferrer", **kwargs)


def svg_markup(drawing: dw.Drawing) -> Markup:
    """Inline SVG for an HTML page: no XML header, and no namespace declarations (HTML puts
    <svg> in the SVG namespace by itself)."""
    svg = drawing.as_svg(header="")
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    return Markup(svg)


def arrowhead(color: str) -> dw.Marker:
    marker = dw.Marker(-0.1, -0.5, 0.9, 0.5, scale=6, orient="auto")
    marker.append(dw.Lines(-0.1, 0.5, -0.1, -0.5, 0.9, 0, fill=color, close=True))
    return marker


def shape(report_type: str, x: float, y: float) -> dw.DrawingElement:
    """The marker of a report type on the timeline."""
    color = TYPE_COLORS.get(report_type, "#64748b")
    s = 6.0
    if report_type == "claim":
        return dw.Circle(x, y, s, fill=color)
    if report_type == "warning":
        return dw.Lines(x, y - s - 1, x + s + 1, y + s, x - s - 1, y + s, close=True, fill=color)
    if report_type == "denial":
        group = dw.Group(stroke=color, stroke_width=3, stroke_linecap="round")
        group.append(dw.Line(x - s, y - s, x + s, y + s))
        group.append(dw.Line(x - s, y + s, x + s, y - s))
        return group
    if report_type == "corroboration":
        return dw.Lines(
            x - s,
            y,
            x - 2,
            y + s,
            x + s,
            y - s,
            fill="none",
            stroke=color,
            stroke_width=3,
            stroke_linecap="round",
        )
    if report_type == "verdict":
        return dw.Lines(
            x, y - s - 1, x + s + 1, y, x, y + s + 1, x - s - 1, y, close=True, fill=color
        )
    if report_type == "retraction":
        group = dw.Group(stroke=color, stroke_width=2, fill="none")
        group.append(dw.Circle(x, y, s))
        group.append(dw.Line(x - s + 1, y + s - 1, x + s - 1, y - s + 1))
        return group
    if report_type == "discrepancy":
        return dw.Lines(
            x,
            y - s,
            x + s,
            y,
            x,
            y + s,
            x - s,
            y,
            close=True,
            fill="white",
            stroke=color,
            stroke_width=2,
        )
    if report_type == "assessment":
        return dw.Rectangle(
            x - s + 1, y - s + 1, 2 * s - 2, 2 * s - 2, fill="white", stroke=color, stroke_width=2
        )
    return dw.Circle(x, y, s - 1, fill="white", stroke=color, stroke_width=2)


def entry_title(entry: Entry, slug: str) -> str:
    lines = [
        f"{entry.type} {entry.report}"
        + (" (voided)" if entry.voided else "")
        + (" (corrected)" if entry.corrected else ""),
        f"by: {entry.by or '—'}",
        f"stated: {entry.stated_at or '—'}",
        f"recorded: {entry.recorded_at} by {entry.recorded_by} (position {entry.position})",
    ]
    if entry.incident != slug:
        lines.append(f"in incident: {entry.incident}")
    if entry.refers_to:
        lines.append("refers to: " + ", ".join(entry.refers_to))
    if entry.summary:
        lines.append(plain(entry.summary))
    return "\n".join(lines)


def legend_svg(uid: str) -> Markup:
    """The timeline's marks, one per report type, and the status colours."""
    per_row = 6
    drawing = dw.Drawing(
        max(per_row * 130, len(STATUS_COLORS) * 96) + 10,
        66,
        id_prefix=uid,
        font_family=FONT,
        font_size=11,
        role="img",
        aria_label="Legend",
        class_="legend-svg",
    )
    for index, (name, color) in enumerate(TYPE_COLORS.items()):
        x, y = 10 + (index % per_row) * 130, 12 + (index // per_row) * 20
        drawing.append(shape(name, x, y))
        drawing.append(dw.Text(name, 11, x + 12, y + 4, fill=color))
    for index, (name, color) in enumerate(STATUS_COLORS.items()):
        x = 10 + index * 96
        drawing.append(dw.Rectangle(x - 6, 52, 14, 4, fill=color))
        drawing.append(dw.Text(name, 10, x + 12, 58, fill="#374151"))
    return svg_markup(drawing)
