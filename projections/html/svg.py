"""What both drawings share: the palette and marks of the report types and statuses, the page's
one set of SVG definitions (arrowheads and marks, referred to by id), the legend, and a small
SVG writer.

The SVG is written as text, not through an object model: every number goes through `num`
(at most one decimal, so no 16-digit coordinates), every value from the ledger through
`escape`, and what each incident repeats (arrowheads, marks, the legend) is defined once per
page in `defs_svg` and referred to with <use> and url(#...).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from markupsafe import Markup

from projections.html.model import Entry

# The drawings' font, first in the stack: textwidth.py measures with its advance widths.
FONT = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif"
# Narrower than this, a drawing's 10 px text would shrink below ~6 px: it scrolls in its figure.
READABLE = 640.0


@dataclass(frozen=True)
class Mark:
    """How a report type is drawn: a hue of the Okabe–Ito palette (colour-blind safe), a darker
    ink of the same hue for text on white, and a shape of its own, so two types never differ
    by colour alone."""

    color: str
    ink: str
    shape: str


# Okabe & Ito, "Color Universal Design" (2008): black, orange, sky blue, bluish green, yellow,
# blue, vermillion, reddish purple; greys for the bookkeeping types.
MARKS = {
    "claim": Mark("#0072B2", "#0072B2", "circle"),
    "warning": Mark("#E69F00", "#8F5F00", "triangle"),
    "denial": Mark("#D55E00", "#A64400", "cross"),
    "corroboration": Mark("#009E73", "#00694D", "check"),
    "retraction": Mark("#000000", "#000000", "slashed circle"),
    "verdict": Mark("#CC79A7", "#8E3F6D", "diamond"),
    "assessment": Mark("#56B4E9", "#1F6F9E", "square"),
    "discrepancy": Mark("#F0E442", "#6B6300", "hourglass"),
    "correction": Mark("#595959", "#404040", "plus"),
    "link": Mark("#8C8C8C", "#595959", "ring"),
    "outcome": Mark("#000000", "#000000", "filled square"),
    "evidence": Mark("#0072B2", "#0072B2", "document"),
}
OTHER = Mark("#8C8C8C", "#595959", "ring")

# Status colours, distinct in hue from each other and from the warning and discrepancy marks;
# the status is always written beside its colour as well.
STATUS_COLORS = {
    "disputed": "#B34700",
    "unverified": "#6B6B6B",
    "corroborated": "#00795A",
    "confirmed": "#005A8C",
    "refuted": "#8E3F6D",
    "unverifiable": "#6B6300",
    "retracted": "#1A1A1A",
    "open": "#2F86BD",
    "voided": "#9E9E9E",
    "acknowledged": "#B87F00",
    "superseded": "#7F7F7F",
}
WITHDRAWN = "#8C8C8C"  # a retracted or voided report: grey, dashed, labelled


def mark_of(report_type: str) -> Mark:
    return MARKS.get(report_type, OTHER)


@lru_cache(maxsize=16_384)
def num(value: float) -> str:
    """A coordinate: an integer, or one decimal. Cached: a site writes millions of
    coordinates, most of them the same few thousand values (box corners, row baselines)."""
    rounded = round(value, 1)
    whole = int(rounded)
    return str(whole) if rounded == whole else str(rounded)


@cache
def _attribute(key: str) -> str:
    """A keyword argument's name as the SVG attribute (class_ -> class, aria_label ->
    aria-label), worked out once per name rather than once per element."""
    return key.rstrip("_").replace("_", "-")


def _escape(value: str) -> str:
    """markupsafe's escaping, character for character, as a plain string: `escape` wraps each
    result in a Markup, whose Python-level constructor cost more than the escaping itself on
    the million attributes and lines of text a site writes. The drawing becomes one Markup
    at the end (`svg`)."""
    return (
        value.replace("&", "&amp;")
        .replace(">", "&gt;")
        .replace("<", "&lt;")
        .replace("'", "&#39;")
        .replace('"', "&#34;")
    )


def el(tag: str, attrs: dict[str, object] | None = None, *children: str) -> str:
    """An SVG element, as markup in a plain string; float attribute values are rounded by
    `num`, None ones left out."""
    # One list of small strings joined once: ~250,000 elements on a site of 1,000 incidents.
    parts = ["<", tag]
    if attrs:
        for key, value in attrs.items():
            if value is None:
                continue
            text = num(value) if isinstance(value, (float, int)) else _escape(str(value))
            parts += (" ", _attribute(key), '="', text, '"')
    if not children:
        parts.append("/>")
    else:
        parts += (">", *children, "</", tag, ">")
    return "".join(parts)


def text(x: float, y: float, content: str, class_: str | None = None, **attrs: object) -> str:
    """A line of text. The common case (a class, no other attribute) is written directly: a
    site of 1,000 incidents writes about a million of them."""
    if attrs:
        body = _escape(plain(content))
        return el("text", {"x": float(x), "y": float(y), "class": class_, **attrs}, body)
    klass = f' class="{class_}"' if class_ else ""
    return f'<text x="{num(x)}" y="{num(y)}"{klass}>{_escape(plain(content))}</text>'


def title(content: str) -> Markup:
    """A tooltip; its newlines are kept (browsers show them)."""
    return Markup("<title>{}</title>").format(content)


def use(symbol: str, x: float, y: float, **attrs: object) -> str:
    return el("use", {"href": f"#{symbol}", "x": float(x), "y": float(y), **attrs})


def svg(width: float, height: float, body: Iterable[str], **attrs: object) -> Markup:
    """An inline drawing that scales down to its container (the page's CSS gives it
    max-width 100%), but a wide one not below READABLE px: there its figure scrolls instead."""
    if width > READABLE:
        attrs["class_"] = f"{attrs.get('class_', '')} wide".strip()
    return Markup(
        el(
            "svg",
            {
                "viewBox": f"0 0 {num(width)} {num(height)}",
                "width": float(width),
                "height": float(height),
                **attrs,
            },
            "".join(body),
        )
    )


def plain(content: object) -> str:
    """One line of text."""
    return " ".join(str(content).split())


def clip(content: object, width: int) -> str:
    line = plain(content)
    return line if len(line) <= width else line[: width - 1].rstrip() + "…"


def safe_url(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


def link(url: str, body: str) -> str:
    return el("a", {"href": url, "target": "_blank", "rel": "noopener noreferrer"}, body)


# -- the page's one set of definitions --------------------------------------------------------

_S = 6.0  # half the size of a mark


def _shape(name: str, mark: Mark) -> str:
    s, c = _S, mark.color
    line = {"stroke": c, "stroke-width": 3.0, "stroke-linecap": "round", "fill": "none"}
    shapes = {
        "circle": el("circle", {"r": s, "fill": c}),
        "triangle": el("path", {"d": "M0 -7L7 6H-7Z", "fill": c, "stroke": mark.ink}),
        "cross": el("path", {"d": "M-6 -6L6 6M-6 6L6 -6", **line}),
        "check": el("path", {"d": "M-6 0L-2 6L6 -6", **line}),
        "slashed circle": el(
            "path", {"d": "M-5 5L5 -5M-6 0A6 6 0 1 0 6 0A6 6 0 1 0 -6 0", **line, "stroke-width": 2}
        ),
        "diamond": el("path", {"d": "M0 -7L7 0L0 7L-7 0Z", "fill": c}),
        "square": el("rect", {"x": -5, "y": -5, "width": 10, "height": 10, **line, "fill": "#fff"}),
        "hourglass": el("path", {"d": "M-6 -6H6L-6 6H6Z", "fill": c, "stroke": mark.ink}),
        "plus": el("path", {"d": "M-6 0H6M0 -6V6", **line}),
        "ring": el("circle", {"r": 5, "fill": "#fff", "stroke": c, "stroke-width": 2}),
        "filled square": el("rect", {"x": -5, "y": -5, "width": 10, "height": 10, "fill": c}),
        "document": el(
            "path",
            {"d": "M-5 -7H2L5 -4V7H-5ZM2 -7V-4H5", "fill": "#fff", "stroke": c, "stroke-width": 2},
        ),
    }
    return shapes[name]


def defs_svg() -> Markup:
    """Once per page: an arrowhead per colour and a mark per report type, for every drawing."""
    markers = [("arrow-chain", "#475569"), ("arrow-withdrawn", WITHDRAWN)]
    markers += [(f"arrow-{name}", mark.ink) for name, mark in MARKS.items()]
    markers.append(("arrow-other", OTHER.ink))
    body = [
        el(
            "marker",
            {
                "id": ident,
                "viewBox": "0 -5 10 10",
                "refX": 9,
                "markerWidth": 7,
                "markerHeight": 7,
                "orient": "auto",
            },
            el("path", {"d": "M0 -5L10 0L0 5Z", "fill": color}),
        )
        for ident, color in markers
    ]
    for name, mark in [*MARKS.items(), ("other", OTHER)]:
        body.append(el("g", {"id": f"mark-{name}"}, _shape(mark.shape, mark)))
    return Markup(
        el(
            "svg",
            {"class": "defs", "aria-hidden": "true", "width": 0, "height": 0, "focusable": "false"},
            el("defs", {}, *body),
        )
    )


def palette_css() -> str:
    """The drawings' colours and fonts as classes, appended to the page's style once, so each
    of thousands of boxes and lines carries a short class instead of its attributes."""
    rules = [
        f"svg.graph-svg, svg.timeline-svg {{ font-family: {FONT}; font-size: 12px; }}",
        ".t-s { font-size: 10px; fill: #4B5563; }",
        ".t-b { font-size: 12px; font-weight: bold; fill: #111827; }",
        ".t-u { font-size: 12px; font-weight: bold; fill: #0057A8; text-decoration: underline; }",
        ".t-v { font-size: 11px; font-weight: bold; }",
        ".box { fill: #fff; stroke-width: 1.5px; rx: 6px; }",
        ".k-chain { stroke: #475569; } .k-outlet { stroke: #0072B2; }",
        f".box.k-gone {{ fill: #F8F8F8; stroke: {WITHDRAWN}; stroke-dasharray: 5 3; }}",
        f".i-gone {{ fill: {WITHDRAWN}; }}",
        ".ref-edge { fill: none; stroke-width: 1.8px; }",
        f".ref-edge.e-gone {{ stroke: {WITHDRAWN}; stroke-dasharray: 5 3; }}",
        ".label { font-size: 12px; fill: #111827; }",
        ".label.gone { fill: #6B6B6B; text-decoration: line-through; }",
        ".status-text { font-size: 11px; font-weight: bold; }",
        ".axis { font-size: 10px; fill: #374151; }",
        ".axis-title { font-size: 11px; font-weight: bold; }",
    ]
    for name, mark in [*MARKS.items(), ("other", OTHER)]:
        rules.append(f".k-{name} {{ stroke: {mark.ink}; }} .i-{name} {{ fill: {mark.ink}; }}")
        rules.append(f".e-{name} {{ stroke: {mark.ink}; }}")
    for status, color in [*STATUS_COLORS.items(), ("other", "#6B6B6B")]:
        rules.append(
            f".k-st-{status} {{ stroke: {color}; stroke-width: 2.5px; fill: #F8FAFC; }} "
            f".i-st-{status}, .sf-{status}, .sb-{status} {{ fill: {color}; }}"
        )
    return "\n".join(rules) + "\n"


def mark_use(report_type: str, x: float, y: float, **attrs: object) -> str:
    name = report_type if report_type in MARKS else "other"
    return use(f"mark-{name}", x, y, **attrs)


def legend_html() -> Markup:
    """Once per page: each type's mark and the status colours, as a list that reflows."""
    items = [
        Markup(
            '<li><svg class="mark" viewBox="-8 -8 16 16" width="16" height="16" aria-hidden="true">'
            "{}</svg> {}</li>"
        ).format(Markup(use(f"mark-{name}", 0, 0)), name)
        for name in MARKS
    ]
    statuses = [
        Markup('<li><span class="badge st-{}">{}</span></li>').format(name, name)
        for name in STATUS_COLORS
    ]
    return Markup(
        '<section class="legend" aria-label="Legend"><h2 class="legend-title">Legend</h2>'
        '<ul class="legend-types">{}</ul><ul class="legend-statuses">{}</ul>'
        '<p class="meta">A grey, dashed arrow and box is a report that no longer counts: '
        "retracted by its author or voided by a correction (it says which).</p></section>"
    ).format(Markup("").join(items), Markup("").join(statuses))


def withdrawn_label(entry: Entry, withdrawn: dict[str, str]) -> str | None:
    """'voided' or 'retracted' for a report that no longer counts, else None."""
    if entry.voided:
        return "voided"
    return withdrawn.get(entry.report)


def entry_title(entry: Entry, slug: str, state: str | None = None) -> str:
    lines = [
        f"{entry.type} {entry.report}"
        + (f" ({state})" if state else "")
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
