"""The provenance graph of one assertion: speaker → on behalf of → channel → relays → outlets,
the assertion they carried, and the reports pointing at it."""

from __future__ import annotations

import textwrap
from typing import Any

import drawsvg as dw
from markupsafe import Markup

from projections.html.model import ROLE_LABELS, AssertionView, Entry, Hop, chain_text
from projections.html.svg import (
    FONT,
    STATUS_COLORS,
    TYPE_COLORS,
    Link,
    arrowhead,
    attr,
    clip,
    entry_title,
    plain,
    safe_url,
    svg_markup,
)

_NODE_W, _NODE_H, _GAP, _REF_W, _REF_H, _REF_GAP = 158.0, 66.0, 52.0, 200.0, 78.0, 18.0


def _hop_label(hop: Hop) -> str:
    parts = [ROLE_LABELS.get(hop.role, hop.role)]
    parts += [p for p in (hop.kind, hop.quote_mode) if p]
    return " · ".join(parts)


def _node(
    x: float,
    y: float,
    width: float,
    height: float,
    lines: list[tuple[str, str]],
    url: str | None,
    title: str,
    accent: str,
) -> dw.DrawingElement:
    """A box with small/bold lines of text; wrapped in a link when `url` is a web address."""
    group = dw.Group(class_="node")
    group.append_title(title)
    group.append(
        dw.Rectangle(x, y, width, height, rx=6, fill="#ffffff", stroke=accent, stroke_width=1.5)
    )
    baseline = y + 15
    for style, text in lines:
        bold = style == "bold"
        group.append(
            dw.Text(
                text,
                12 if bold else 10,
                x + 8,
                baseline,
                font_weight="bold" if bold else "normal",
                fill="#1d4ed8" if bold and url else ("#111827" if bold else "#4b5563"),
                text_decoration="underline" if bold and url else "none",
            )
        )
        baseline += 15 if bold else 13
    safe = safe_url(url)
    if safe is None:
        return group
    link = Link(safe)
    link.append(group)
    return link


def _wrap(text: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(plain(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], clip(" ".join(wrapped[lines - 1 :]), width)]
    return wrapped


ChainNode = tuple[list[tuple[str, str]], Hop | None]


def _chain_nodes(hops: list[Hop], fallback: str) -> list[ChainNode]:
    if not hops:
        return [([("small", "source"), ("bold", clip(fallback, 22))], None)]
    nodes: list[ChainNode] = []
    for hop in hops:
        lines = [("small", clip(_hop_label(hop), 26))]
        lines += [("bold", line) for line in _wrap(hop.agent, 20, 2)]
        if hop.published_at:
            lines.append(("small", clip(hop.published_at, 25)))
        nodes.append((lines, hop))
    return nodes


def _referrer_label(entry: Entry) -> str:
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
    }
    return labels.get(entry.type, entry.type)


def provenance_svg(assertion: AssertionView, uid: str) -> Markup:
    """speaker → on behalf of → channel → relays → outlets, the assertion they carried, and the
    reports pointing at it (denials, corroborations, retractions, verdicts ...)."""
    chain = _chain_nodes(assertion.hops, str(assertion.row["by"]))
    chain_w = len(chain) * (_NODE_W + _GAP) - _GAP
    refs = assertion.referrers
    per_row = max(1, int((max(chain_w, 3 * _REF_W) + _REF_GAP) // (_REF_W + _REF_GAP)))
    ref_rows = (len(refs) + per_row - 1) // per_row
    claim_y = 20 + _NODE_H + 40
    claim_w = max(320.0, min(chain_w, 560.0))
    width = max(chain_w, claim_w, min(len(refs), per_row) * (_REF_W + _REF_GAP)) + 24
    height = claim_y + 76 + (ref_rows * (_REF_H + 48) if refs else 0) + 12
    drawing = dw.Drawing(
        width,
        height,
        id_prefix=uid,
        font_family=FONT,
        font_size=12,
        role="img",
        class_="graph-svg",
        aria_label=attr(f"Provenance of {assertion.report}"),
    )
    origin = dw.Group(transform="translate(12,0)")
    _draw_chain(origin, chain, assertion)
    _draw_assertion(origin, assertion, claim_y, claim_w)
    _draw_referrers(origin, assertion, claim_y + 76, claim_w, per_row)
    drawing.append(origin)
    return svg_markup(drawing)


def _draw_chain(
    group: dw.Group,
    chain: list[ChainNode],
    assertion: AssertionView,
) -> None:
    arrow = arrowhead("#475569")
    for index, (lines, hop) in enumerate(chain):
        x = index * (_NODE_W + _GAP)
        title = _hop_title(hop, assertion) if hop else f"source: {assertion.row['by']}"
        accent = "#0369a1" if hop and hop.role in ("outlet", "relay") else "#475569"
        group.append(_node(x, 20, _NODE_W, _NODE_H, lines, hop.url if hop else None, title, accent))
        if index + 1 < len(chain):
            y = 20 + _NODE_H / 2
            group.append(
                dw.Line(
                    x + _NODE_W,
                    y,
                    x + _NODE_W + _GAP - 8,
                    y,
                    stroke="#475569",
                    stroke_width=1.5,
                    marker_end=arrow,
                )
            )
    middle = _NODE_W / 2
    group.append(
        dw.Line(
            middle,
            20 + _NODE_H,
            middle,
            20 + _NODE_H + 32,
            stroke="#475569",
            stroke_width=1.5,
            marker_end=arrow,
        )
    )
    group.append(dw.Text("said", 10, middle + 6, 20 + _NODE_H + 20, fill="#4b5563"))


def _hop_title(hop: Hop, assertion: AssertionView) -> str:
    lines = [f"{ROLE_LABELS.get(hop.role, hop.role)}: {hop.agent}"]
    lines += [
        f"{k}: {v}"
        for k, v in (
            ("kind", hop.kind),
            ("quote mode", hop.quote_mode),
            ("published", hop.published_at),
        )
        if v
    ]
    lines.append(f"hop {hop.hop} of {assertion.report}")
    return "\n".join(lines)


def _draw_assertion(group: dw.Group, assertion: AssertionView, y: float, width: float) -> None:
    row = assertion.row
    status = str(row["status"])
    color = STATUS_COLORS.get(status, "#6b7280")
    box = dw.Group(class_="assertion-node", data_report=attr(assertion.report))
    box.append_title(f"{row['type']} {assertion.report}: {status}\n{plain(row['summary'])}")
    box.append(dw.Rectangle(0, y, width, 66, rx=8, fill="#f8fafc", stroke=color, stroke_width=2.5))
    box.append(dw.Rectangle(0, y, 8, 66, fill=color))
    box.append(
        dw.Text(
            f"{row['type']} · {assertion.report} · {status.upper()}",
            12,
            16,
            y + 18,
            font_weight="bold",
            fill=color,
        )
    )
    for index, line in enumerate(_wrap(str(row["summary"]), int(width / 6.6), 2)):
        box.append(dw.Text(line, 11, 16, y + 36 + 14 * index, fill="#111827"))
    group.append(box)


def _draw_referrers(
    group: dw.Group, assertion: AssertionView, top: float, claim_w: float, per_row: int
) -> None:
    refs = assertion.referrers
    arrows: dict[str, dw.Marker] = {}
    for index, entry in enumerate(refs):
        column, line = index % per_row, index // per_row
        x = column * (_REF_W + _REF_GAP)
        y = top + 48 + line * (_REF_H + 48)
        color = TYPE_COLORS.get(entry.type, "#64748b")
        target_x = claim_w * (column + 1) / (min(len(refs), per_row) + 1)
        edge = dw.Group(class_="ref-edge", data_type=attr(entry.type))
        edge.append(
            dw.Line(
                x + _REF_W / 2,
                y,
                target_x,
                top - 10 + 8,
                stroke=color,
                stroke_width=1.8,
                stroke_dasharray="5 3" if entry.voided else "none",
                marker_end=arrows.get(color) or arrows.setdefault(color, arrowhead(color)),
            )
        )
        edge.append(
            dw.Text(
                _referrer_label(entry),
                10,
                x + _REF_W / 2 + 6,
                y - 8,
                fill=color,
                font_weight="bold",
            )
        )
        group.append(edge)
        group.append(
            _referrer_node(entry, assertion.referrer_hops.get(entry.report, []), x, y, color)
        )


def _what(entry: Entry) -> str:
    """A bold line for a report that names no actor."""
    variants = entry.data.get("variants")
    if entry.type == "discrepancy" and isinstance(variants, list):
        return f"{len(variants)} variants of {entry.data.get('field')}"
    return "—"


def _referrer_node(entry: Entry, hops: list[Hop], x: float, y: float, color: str) -> Any:
    via = " → ".join(h.agent for h in hops if h.role in ("relay", "outlet"))
    lines = [
        ("small", clip(f"{entry.type} · {entry.stated_at or 'undated'}", 34)),
        ("bold", clip(entry.by or _what(entry), 28)),
        ("small", clip(entry.report, 34)),
    ]
    if via:
        lines.append(("small", clip(f"via {via}", 34)))
    url = next((h.url for h in reversed(hops) if safe_url(h.url)), None)
    title = entry_title(entry, entry.incident)
    if hops:
        title += f"\nsource chain: {chain_text(hops)}"
    return _node(x, y, _REF_W, _REF_H, lines, url, title, color)
