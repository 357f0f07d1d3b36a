"""The provenance graph of one assertion: speaker → on behalf of → channel → relays → outlets,
the assertion they carried, and the reports pointing at it.

Every box is sized from its text as measured (textwidth.py), and names wrap rather than being
cut. What a report does to the assertion ("denies", "supports") is written inside its box, not
on its arrow, so it never sits on a line. A report that no longer counts (retracted by its
author, voided by a correction) is drawn grey and dashed and says so: the graph never shows a
live denial that the status beside it does not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup

from projections.html.model import ROLE_LABELS, AssertionView, Entry, Hop
from projections.html.svg import (
    MARKS,
    STATUS_COLORS,
    el,
    link,
    num,
    plain,
    safe_url,
    svg,
    text,
    withdrawn_label,
)
from projections.html.textwidth import text_width, wrap

_PAD, _GAP, _REF_W, _REF_GAP, _ROW_GAP = 8.0, 44.0, 212.0, 18.0, 46.0
_MIN_W, _MAX_W, _CLAIM_MIN, _CLAIM_MAX = 112.0, 220.0, 360.0, 620.0
_STYLES = {  # line style -> (font size, bold, line height)
    "small": (10.0, False, 13.0),
    "bold": (12.0, True, 15.0),
    "verb": (11.0, True, 14.0),
}


@dataclass
class _Box:
    lines: list[tuple[str, str]]  # (style, text), each fitting the box
    width: float
    url: str | None
    tone: str  # names the stroke and ink classes of the page's palette CSS (svg.palette_css)
    state: str | None = None  # "retracted" / "voided": drawn dashed and grey

    @property
    def height(self) -> float:
        return sum(_STYLES[style][2] for style, _ in self.lines) + _PAD + 8


def _box(parts: list[tuple[str, str]], max_width: float, min_width: float = _MIN_W) -> _Box:
    """Lines wrapped to fit `max_width`, and the box as wide as its widest line needs."""
    inner = max_width - 2 * _PAD
    lines: list[tuple[str, str]] = []
    widest = 0.0
    for style, content in parts:
        wrapped, width = _wrapped(style, content, inner)
        lines += wrapped
        widest = max(widest, width)
    return _Box(lines, max(min_width, min(max_width, widest + 2 * _PAD)), None, "chain")


@lru_cache(maxsize=8_192)
def _wrapped(style: str, content: str, inner: float) -> tuple[tuple[tuple[str, str], ...], float]:
    """One part of a box: its lines and the widest one's width. Cached: the same agents, roles
    and outlets recur in box after box across a site's thousands of graphs."""
    size, bold, _ = _STYLES[style]
    lines = wrap(plain(content), inner, size, bold=bold)
    widest = max(text_width(line, size, bold=bold) for line in lines)
    return tuple((style, line) for line in lines), widest


def _draw_box(box: _Box, x: float, y: float, height: float, klass: str = "node") -> str:
    """The box and its lines. Colours and fonts come from classes (the page's CSS), not
    attributes: a page with thousands of boxes stays small."""
    tone = "gone" if box.state else box.tone
    parts = [
        f'<rect x="{num(x)}" y="{num(y)}" width="{num(box.width)}" height="{num(height)}" '
        f'class="box k-{tone}"/>'
    ]
    baseline = y + _PAD + 2
    for style, line in box.lines:
        _, bold, height_of = _STYLES[style]
        baseline += height_of - 3
        if style == "verb":
            classes = f"t-v i-{tone}"
        elif bold:
            classes = "t-u" if box.url else "t-b"
        else:
            classes = "t-s"
        parts.append(text(x + _PAD, baseline, line, class_=classes))
        baseline += 3
    classes = f"{klass} withdrawn" if box.state else klass
    group = el("g", {"class": classes, "data-state": box.state}, *parts)
    safe = safe_url(box.url)
    return link(safe, group) if safe else group


def _hop_label(hop: Hop) -> str:
    parts = [ROLE_LABELS.get(hop.role, hop.role)]
    parts += [p for p in (hop.kind, hop.quote_mode) if p]
    return " · ".join(parts)


def _chain_boxes(assertion: AssertionView) -> list[_Box]:
    if not assertion.hops:
        return [_box([("small", "source"), ("bold", str(assertion.row["by"]))], _MAX_W)]
    boxes = []
    for hop in assertion.hops:
        parts = [("small", _hop_label(hop)), ("bold", hop.agent)]
        if hop.published_at:
            parts.append(("small", hop.published_at))
        box = _box(parts, _MAX_W)
        box.url = hop.url
        box.tone = "outlet" if hop.role in ("outlet", "relay") else "chain"
        boxes.append(box)
    return boxes


def _verb(entry: Entry, assertion: AssertionView) -> str:
    data = entry.data
    labels = {
        "denial": "denies",
        "corroboration": "corroborates"
        + (" (independent)" if data.get("independent") is True else ""),
        "retraction": "retracts",
        "verdict": f"verdict: {data.get('status')}",
        "assessment": f"assesses {data.get('reliability', '')}{data.get('credibility', '')}",
        "discrepancy": f"discrepancy in {data.get('field')}",
        "correction": "voids" if data.get("void") is True else "corrects",
        "evidence": f"evidence: {assertion.bearing(entry)}",
    }
    return labels.get(entry.type, entry.type)


def _what(entry: Entry) -> str:
    """A bold line for a report that names no actor."""
    variants = entry.data.get("variants")
    if entry.type == "discrepancy" and isinstance(variants, list):
        return f"{len(variants)} variants of {entry.data.get('field')}"
    if entry.type == "evidence":
        return str(entry.data.get("title") or entry.data.get("kind") or "material")
    return "—"


def _referrer_box(entry: Entry, assertion: AssertionView) -> _Box:
    hops = assertion.referrer_hops.get(entry.report, [])
    state = withdrawn_label(entry, assertion.withdrawn)
    verb = _verb(entry, assertion) + (f" — {state}" if state else "")
    parts = [("verb", verb), ("bold", entry.by or _what(entry))]
    parts.append(("small", f"{entry.type} · {entry.stated_at or 'undated'}"))
    parts.append(("small", entry.report))
    digest = entry.data.get("sha256")
    if entry.type == "evidence" and isinstance(digest, str):
        parts.append(("small", f"sha256 {digest[:12]}…"))
    via = " → ".join(h.agent for h in hops if h.role in ("relay", "outlet"))
    if via:
        parts.append(("small", f"via {via}"))
    box = _box(parts, _REF_W, _REF_W)
    url = next((h.url for h in reversed(hops) if safe_url(h.url)), None)
    box.url = url or safe_url(entry.data.get("url"))
    box.tone = entry.type if entry.type in MARKS else "other"
    box.state = state
    return box


def provenance_svg(assertion: AssertionView) -> Markup:
    """speaker → on behalf of → channel → relays → outlets, the assertion they carried, and the
    reports pointing at it (denials, corroborations, retractions, verdicts, evidence ...)."""
    chain = _chain_boxes(assertion)
    chain_h = max(box.height for box in chain)
    chain_w = sum(box.width for box in chain) + _GAP * (len(chain) - 1)
    claim_w = max(_CLAIM_MIN, min(chain_w, _CLAIM_MAX))
    claim = _claim_box(assertion, claim_w)
    refs = [_referrer_box(entry, assertion) for entry in assertion.referrers]
    per_row = max(1, int((max(chain_w, 3 * _REF_W) + _REF_GAP) // (_REF_W + _REF_GAP)))
    rows = [refs[i : i + per_row] for i in range(0, len(refs), per_row)]
    claim_y = 10 + chain_h + 40
    refs_y = claim_y + claim.height + _ROW_GAP
    heights = [max(box.height for box in row) for row in rows]
    width = max(chain_w, claim_w, min(len(refs), per_row) * (_REF_W + _REF_GAP) - _REF_GAP) + 24
    height = refs_y + sum(h + _ROW_GAP for h in heights) - (_ROW_GAP if rows else 0) + 12
    if not rows:
        height = claim_y + claim.height + 12
    body = [_draw_chain(chain, chain_h)]
    body.append(_draw_box(claim, 0, claim_y, claim.height, "assertion-node"))
    top = refs_y
    columns = min(len(refs), per_row)
    edges, boxes = [], []
    for number, (row, row_h) in enumerate(zip(rows, heights, strict=True)):
        for column, box in enumerate(row):
            x = column * (_REF_W + _REF_GAP)
            target = (claim_w * (column + 1) / (columns + 1), claim_y + claim.height + 2)
            edges.append(_edge(box, _route(x, top, number, refs_y), target))
            boxes.append(_draw_box(box, x, top, row_h))
        top += row_h + _ROW_GAP
    body += edges + boxes  # boxes last: nothing is drawn over a box
    return svg(
        width,
        height,
        [el("g", {"transform": "translate(12,0)"}, *body)],
        role="img",
        class_="graph-svg",
        aria_label=f"Provenance of {assertion.report}",
    )


def _route(x: float, top: float, row: int, refs_y: float) -> list[tuple[float, float]]:
    """An arrow's way up from a box at (x, top) in row `row`: straight from the first row; from
    a later one up into the gutter above its row, sideways into the gutter left of its column,
    and up that gutter past the rows above, so it never crosses another box. Each row's arrows
    keep a lane of their own in the gutters."""
    start = (x + _REF_W / 2, top)
    if row == 0:
        return [start]
    lane = min(row * 4.0, _REF_GAP / 2 - 2)
    above = top - _ROW_GAP / 2 + lane
    side = x - _REF_GAP / 2 + lane
    return [start, (start[0], above), (side, above), (side, refs_y - _ROW_GAP / 2 + lane)]


def _edge(box: _Box, route: list[tuple[float, float]], target: tuple[float, float]) -> str:
    """An arrow from a report's box up to the assertion; grey and dashed when withdrawn."""
    tone = "gone" if box.state else box.tone
    points = [*route, target]
    path = "M" + "L".join(f"{num(px)} {num(py)}" for px, py in points)
    return el(
        "path",
        {
            "d": path,
            "class": f"ref-edge e-{tone}",
            "data-state": box.state,
            "marker-end": f"url(#arrow-{'withdrawn' if box.state else box.tone})",
        },
    )


def _claim_box(assertion: AssertionView, width: float) -> _Box:
    row = assertion.row
    status = str(row["status"])
    summary = wrap(plain(row["summary"]), width - 2 * _PAD, 11)
    if len(summary) > 3:  # the full summary is printed just above the drawing
        summary = [*summary[:2], summary[2].rstrip() + " …"]
    head = wrap(f"{row['type']} · {assertion.report} · {status.upper()}", width - 24, 12, bold=True)
    lines = [("verb", line) for line in head] + [("small", s) for s in summary]
    return _Box(lines, width, None, f"st-{status}" if status in STATUS_COLORS else "other")


def _draw_chain(chain: list[_Box], height: float) -> str:
    parts = []
    x = 0.0
    for index, box in enumerate(chain):
        parts.append(_draw_box(box, x, 10, height))
        if index + 1 < len(chain):
            y = 10 + height / 2
            parts.append(
                el(
                    "line",
                    {
                        "x1": x + box.width,
                        "y1": y,
                        "x2": x + box.width + _GAP - 2,
                        "y2": y,
                        "class": "chain-arrow",
                        "marker-end": "url(#arrow-chain)",
                    },
                )
            )
        x += box.width + _GAP
    middle = chain[0].width / 2
    parts.append(
        el(
            "line",
            {
                "x1": middle,
                "y1": 10 + height,
                "x2": middle,
                "y2": 10 + height + 36,
                "class": "chain-arrow",
                "marker-end": "url(#arrow-chain)",
            },
        )
    )
    parts.append(text(middle + 6, 10 + height + 22, "said", class_="t-s"))
    return "".join(parts)
