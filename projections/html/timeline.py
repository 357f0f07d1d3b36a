"""The timeline drawing: an incident's reports on the stated-time axis, one row each, an
assertion's row carrying a band coloured by its status as it changed on the stated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import drawsvg as dw
from markupsafe import Markup

from ledger.timeutil import format_utc
from projections.html.model import Entry, IncidentView
from projections.html.svg import (
    FONT,
    STATUS_COLORS,
    attr,
    clip,
    entry_title,
    shape,
    svg_markup,
)

_TL_STATUS_X, _TL_PLOT_X = 338.0, 430.0
_TL_PLOT_W, _TL_UNDATED_W, _TL_ROW, _TL_TOP = 440.0, 90.0, 26.0, 44.0


def _instant(stated_from: str) -> datetime:
    return datetime.fromisoformat(stated_from.replace("Z", "+00:00"))


def _domain(instants: list[datetime]) -> tuple[datetime, datetime]:
    if not instants:
        now = datetime(2000, 1, 1, tzinfo=UTC)
        return now, now + timedelta(days=1)
    low, high = min(instants), max(instants)
    pad = max((high - low) * 0.06, timedelta(hours=12))
    return low - pad, high + pad


def _ticks(low: datetime, high: datetime) -> tuple[list[datetime], str]:
    """Gridline instants at whole days, months or years, at most about six of them."""
    span = high - low
    if span <= timedelta(days=60):
        step = next(d for d in (1, 2, 7, 14, 30) if span / timedelta(days=d) <= 6)
        start = datetime(low.year, low.month, low.day, tzinfo=UTC) + timedelta(days=1)
        ticks: list[datetime] = []
        while start <= high:
            ticks.append(start)
            start += timedelta(days=step)
        return ticks, "%Y-%m-%d"
    months = span.days // 30
    if span <= timedelta(days=3 * 366):
        step = next(m for m in (1, 2, 3, 6, 12) if months / m <= 6)
        return _month_ticks(low, high, step), "%Y-%m"
    years = max(1, (span.days // 365) // 6 + 1)
    return _month_ticks(low, high, 12 * years), "%Y"


def _month_ticks(low: datetime, high: datetime, step: int) -> list[datetime]:
    year, month = low.year, low.month
    ticks: list[datetime] = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        moment = datetime(year, month, 1, tzinfo=UTC)
        if moment > high:
            return ticks[::step] if step > 1 else ticks
        ticks.append(moment)


class _TimeScale:
    def __init__(self, entries: list[Entry]) -> None:
        dated = [_instant(e.stated_from) for e in entries if e.stated_from]
        self.dated = bool(dated)
        self.low, self.high = _domain(dated)
        self.undated_x = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W / 2

    def x(self, stated_from: str | None) -> float:
        if stated_from is None:
            return self.undated_x
        fraction = (_instant(stated_from) - self.low) / (self.high - self.low)
        return _TL_PLOT_X + fraction * _TL_PLOT_W


def timeline_svg(view: IncidentView, uid: str) -> Markup:
    """The incident's reports on the stated-time axis, one row each, in timeline order; an
    assertion's row carries a band coloured by its status as it changed."""
    entries = view.entries
    scale = _TimeScale(entries)
    width = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W + 10
    height = _TL_TOP + _TL_ROW * max(1, len(entries)) + 12
    drawing = dw.Drawing(
        width,
        height,
        id_prefix=uid,
        font_family=FONT,
        font_size=12,
        role="img",
        aria_label=attr(f"Timeline of {view.slug}"),
        class_="timeline-svg",
    )
    _draw_axis(drawing, scale, height)
    statuses = {a.report: a.stated_statuses for a in view.assertions}
    for index, entry in enumerate(entries):
        y = _TL_TOP + _TL_ROW * index + _TL_ROW / 2
        drawing.append(_timeline_row(entry, y, scale, statuses.get(entry.report), view.slug))
    return svg_markup(drawing)


def _draw_axis(drawing: dw.Drawing, scale: _TimeScale, height: float) -> None:
    ticks, fmt = _ticks(scale.low, scale.high) if scale.dated else ([], "")
    axis = dw.Group(class_="axis", font_size=10, fill="#374151")
    axis.append(dw.Text("stated time →", 11, _TL_PLOT_X, 14, font_weight="bold"))
    for tick in ticks:
        x = scale.x(format_utc(tick))
        if x > _TL_PLOT_X + _TL_PLOT_W - 24:  # its label would run into "no stated time"
            continue
        axis.append(dw.Line(x, _TL_TOP - 8, x, height - 6, stroke="#e5e7eb"))
        axis.append(dw.Text(tick.strftime(fmt), 10, x, _TL_TOP - 12, text_anchor="middle"))
    left = _TL_PLOT_X + _TL_PLOT_W + 6
    axis.append(
        dw.Line(left, _TL_TOP - 8, left, height - 6, stroke="#9ca3af", stroke_dasharray="3 3")
    )
    axis.append(dw.Text("no stated time", 10, scale.undated_x, _TL_TOP - 12, text_anchor="middle"))
    axis.append(dw.Text("report · type · by", 10, 4, _TL_TOP - 12))
    axis.append(dw.Text("status", 10, _TL_STATUS_X, _TL_TOP - 12))
    drawing.append(axis)


def _timeline_row(
    entry: Entry,
    y: float,
    scale: _TimeScale,
    statuses: list[tuple[str | None, str]] | None,
    slug: str,
) -> dw.Group:
    row = dw.Group(
        class_="tl-entry",
        data_report=attr(entry.report),
        data_type=attr(entry.type),
        opacity=0.45 if entry.voided else 1,
    )
    row.append_title(entry_title(entry, slug))
    label = f"{entry.report} · {entry.type} · {entry.by or '—'}"
    if entry.incident != slug:
        label += f" (in {entry.incident})"
    row.append(
        dw.Text(
            clip(label, 52),
            12,
            4,
            y + 4,
            fill="#111827",
            text_decoration="line-through" if entry.voided else "none",
        )
    )
    if statuses:
        _status_band(row, statuses, y, scale)
    row.append(shape(entry.type, scale.x(entry.stated_from), y))
    return row


def _status_band(
    row: dw.Group, statuses: list[tuple[str | None, str]], y: float, scale: _TimeScale
) -> None:
    end = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W
    for index, (stated_from, status) in enumerate(statuses):
        start = scale.x(stated_from)
        stop = scale.x(statuses[index + 1][0]) if index + 1 < len(statuses) else end
        band = dw.Rectangle(
            start,
            y + 7,
            max(2.0, stop - start),
            4,
            fill=STATUS_COLORS.get(status, "#6b7280"),
            class_="status-band",
        )
        band.append_title(f"status: {status}")
        row.append(band)
    final = statuses[-1][1]
    row.append(
        dw.Text(
            final,
            11,
            _TL_STATUS_X,
            y + 4,
            font_weight="bold",
            fill=STATUS_COLORS.get(final, "#6b7280"),
        )
    )
