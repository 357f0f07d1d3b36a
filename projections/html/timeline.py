"""The timeline drawing: an incident's reports on the stated-time axis, one row each, an
assertion's row carrying a band coloured by its status as it changed on the stated clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from markupsafe import Markup

from ledger.timeutil import format_utc
from projections.html.model import Entry, IncidentView
from projections.html.svg import (
    STATUS_COLORS,
    el,
    mark_use,
    plain,
    svg,
    text,
    withdrawn_label,
)
from projections.html.textwidth import wrap

# The label column is as wide as the status column's start allows; a longer label wraps onto
# more lines (its row grows), so no name is cut.
_TL_LABEL_W, _TL_STATUS_X, _TL_PLOT_X = 316.0, 328.0, 430.0
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
    """Stated time to x. When every dated report falls on one day, the reports are spread
    across the plot in timeline order (stated time, then log position) instead of collapsing
    onto one point, and the axis says so."""

    def __init__(self, entries: list[Entry]) -> None:
        dated = [e for e in entries if e.stated_from]
        instants = [_instant(str(e.stated_from)) for e in dated]
        self.dated = bool(dated)
        self.low, self.high = _domain(instants)
        self.one_day = len(dated) > 1 and len({i.date() for i in instants}) == 1
        self.day = instants[0].strftime("%Y-%m-%d") if instants else ""
        self.rank = {e.report: index for index, e in enumerate(dated)}
        self.count = len(dated)
        self.undated_x = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W / 2

    def x(self, stated_from: str | None) -> float:
        if stated_from is None:
            return self.undated_x
        fraction = (_instant(stated_from) - self.low) / (self.high - self.low)
        return _TL_PLOT_X + fraction * _TL_PLOT_W

    def entry_x(self, entry: Entry) -> float:
        if entry.stated_from is None:
            return self.undated_x
        if self.one_day:
            return _TL_PLOT_X + _TL_PLOT_W * (self.rank[entry.report] + 0.5) / self.count
        return self.x(entry.stated_from)


def _label_lines(entry: Entry, slug: str, state: str | None) -> list[str]:
    label = f"{entry.report} · {entry.type} · {entry.by or '—'}"
    if entry.incident != slug:
        label += f" (in {entry.incident})"
    if state:
        label += f" — {state}"
    return wrap(plain(label), _TL_LABEL_W, 12)


def timeline_svg(view: IncidentView) -> Markup:
    """The incident's reports on the stated-time axis, one row each, in timeline order; an
    assertion's row carries a band coloured by its status as it changed."""
    entries = view.entries
    scale = _TimeScale(entries)
    withdrawn = view.withdrawn
    labels = [_label_lines(e, view.slug, withdrawn_label(e, withdrawn)) for e in entries]
    heights = [max(_TL_ROW, 15.0 * len(lines) + 11) for lines in labels]
    width = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W + 10
    height = _TL_TOP + sum(heights) + 12
    statuses = {a.report: a.stated_statuses for a in view.assertions}
    body = [_axis(scale, height)]
    top = _TL_TOP
    for entry, lines, row_height in zip(entries, labels, heights, strict=True):
        state = withdrawn_label(entry, withdrawn)
        body.append(
            _row(entry, lines, top, row_height, scale, statuses.get(entry.report), view, state)
        )
        top += row_height
    return svg(
        width,
        height,
        body,
        role="img",
        class_="timeline-svg",
        aria_label=f"Timeline of {view.slug}",
    )


def _axis(scale: _TimeScale, height: float) -> str:
    parts = [text(_TL_PLOT_X, 14, "stated time →", class_="axis-title")]
    bottom = height - 6
    if scale.one_day:
        parts.append(text(_TL_PLOT_X + 110, 14, f"one day, {scale.day}: in log order"))
    elif scale.dated:
        ticks, fmt = _ticks(scale.low, scale.high)
        for tick in ticks:
            x = scale.x(format_utc(tick))
            if x > _TL_PLOT_X + _TL_PLOT_W - 40:  # its label would run into "no stated time"
                continue
            parts.append(el("line", {"x1": x, "y1": _TL_TOP - 8, "x2": x, "y2": bottom}))
            parts.append(text(x, _TL_TOP - 12, tick.strftime(fmt), text_anchor="middle"))
    left = _TL_PLOT_X + _TL_PLOT_W + 6
    parts.append(
        el("line", {"x1": left, "y1": _TL_TOP - 8, "x2": left, "y2": bottom, "class": "undated"})
    )
    parts.append(text(scale.undated_x, _TL_TOP - 12, "no stated time", text_anchor="middle"))
    parts.append(text(4, _TL_TOP - 12, "report · type · by"))
    parts.append(text(_TL_STATUS_X, _TL_TOP - 12, "status"))
    return el("g", {"class": "axis"}, *parts)


def _known(status: str) -> str:
    return status if status in STATUS_COLORS else "other"


def _row(
    entry: Entry,
    lines: list[str],
    top: float,
    row_height: float,
    scale: _TimeScale,
    statuses: list[tuple[str | None, str]] | None,
    view: IncidentView,
    state: str | None,
) -> str:
    middle = top + row_height / 2
    parts: list[str] = []
    first = middle - 7.5 * (len(lines) - 1) + 4
    for index, line in enumerate(lines):
        parts.append(
            text(
                4,
                first + 15 * index,
                line,
                class_="label gone" if state else "label",
            )
        )
    if statuses:
        parts.append(_status_band(statuses, middle, scale))
    parts.append(mark_use(entry.type, scale.entry_x(entry), middle))
    return el(
        "g",
        {
            "class": "tl-entry withdrawn" if state else "tl-entry",
            "data-report": entry.report,
            "data-type": entry.type,
            "data-state": state,
        },
        *parts,
    )


def _status_band(statuses: list[tuple[str | None, str]], y: float, scale: _TimeScale) -> str:
    end = _TL_PLOT_X + _TL_PLOT_W + _TL_UNDATED_W
    parts: list[str] = []
    for index, (stated_from, status) in enumerate(statuses):
        start = scale.x(stated_from)
        stop = scale.x(statuses[index + 1][0]) if index + 1 < len(statuses) else end
        if scale.one_day and stated_from is not None:
            start = _TL_PLOT_X if index == 0 else start
        parts.append(
            el(
                "rect",
                {
                    "x": start,
                    "y": y + 7.0,
                    "width": max(2.0, stop - start),
                    "height": 4,
                    "class": f"status-band sb-{_known(status)}",
                },
            )
        )
    final = statuses[-1][1]
    parts.append(
        text(
            _TL_STATUS_X,
            y + 4,
            final,
            class_=f"status-text sf-{_known(final)}",
        )
    )
    return "".join(parts)
