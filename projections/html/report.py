"""`ledger report html`: one self-contained HTML page about the selected incidents.

Data: the projection tables (overview, assertions, provenance, timeline) and the log itself (each
assertion's status as it changed, and the hash-chain and seal verification), all read through one
read-only connection in one transaction, so the page shows one consistent snapshot. A read-only
SQLite file works: when the sidecar files of WAL mode cannot be created, it is opened immutable.

Rendering: a Jinja2 template with autoescaping for the page, drawsvg for the drawings (timeline
and provenance graphs, inline SVG). Nothing is fetched: no external scripts, styles, fonts or
images, and a Content-Security-Policy lets only the page's own style and script (by hash) run.
Everything renders without JavaScript; the script only makes the overview table sortable.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import os
import sqlite3
import textwrap
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import drawsvg as dw
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select

from ledger.errors import IncidentNotFound, LedgerError, StoreUnavailable
from ledger.ids import actor_id
from ledger.integrity import SEALS_ID, Verification, verify
from ledger.store.config import StoreConfig
from ledger.store.tables import ledger_events, ledger_references, ledger_reports
from ledger.timeutil import InvalidTime, earliest_instant, format_utc
from projections import schema
from projections.queries import STATUSES

Row = dict[str, Any]
Decoder = Callable[[Any], Any]  # a log Notification -> its domain event
Progress = Callable[[int, int], None]  # (events read, events in the log)

# Reports whose `by` is a party to the incident (an analyst's assessment or verdict is not).
PARTY_TYPES = frozenset({"claim", "warning", "denial", "corroboration", "retraction"})
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
ROLE_LABELS = {
    "speaker": "speaker",
    "source": "source",
    "on_behalf_of": "on behalf of",
    "channel": "channel",
    "relay": "relay",
    "outlet": "outlet",
}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


# -- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One report on an incident's timeline (from the `timeline` projection)."""

    position: int
    report: str
    incident: str
    type: str
    by: str | None
    stated_at: str | None
    stated_from: str | None
    recorded_at: str
    recorded_by: str
    summary: str | None
    voided: bool
    corrected: bool
    refers_to: tuple[str, ...]
    data: Row

    @property
    def sort_key(self) -> tuple[bool, str, int]:
        """Timeline order: by stated time (earliest instant), then log position; undated last."""
        return (self.stated_from is None, self.stated_from or "", self.position)


@dataclass(frozen=True)
class Hop:
    hop: int
    agent: str
    role: str
    kind: str | None
    url: str | None
    published_at: str | None
    quote_mode: str | None


@dataclass(frozen=True)
class Step:
    """An assertion's status after one report that touched it, in log order."""

    position: int
    report: str
    type: str
    by: str | None
    stated_at: str | None
    recorded_at: str
    status: str | None
    changed: bool


@dataclass
class AssertionView:
    row: Row  # the `claims` projection row
    hops: list[Hop]
    referrers: list[Entry]
    referrer_hops: dict[str, list[Hop]]
    history: list[Step] = field(default_factory=list)
    stated_statuses: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def report(self) -> str:
        return str(self.row["report"])


@dataclass
class IncidentView:
    row: Row  # the `incidents` projection row
    entries: list[Entry]
    assertions: list[AssertionView]
    links: list[Row]
    parties: list[str]
    chains: dict[str, str]  # report id -> its source chain as one line of text

    @property
    def slug(self) -> str:
        return str(self.row["incident"])


@dataclass(frozen=True)
class SealState:
    version: int
    position: int
    size: int
    root: str
    sealed_at: str
    sealed_by: str


@dataclass
class ReportData:
    incidents: list[IncidentView]
    verification: Verification
    last_seal: SealState | None
    source: str
    generated_at: str
    filters: str
    lag: int


# -- reading the database ------------------------------------------------------------------------


def report_engine(store: StoreConfig) -> Engine:
    """A read-only engine whose connections see one snapshot for the whole report.

    SQLite opens `mode=ro` in one explicit read transaction, and immutable when WAL mode's -shm
    file can neither be found nor created (a read-only copy of a ledger); PostgreSQL runs
    read-only transactions at REPEATABLE READ."""
    if store.backend != "sqlite":
        return create_engine(
            store.sqlalchemy_url,
            connect_args={"options": "-c default_transaction_read_only=on"},
            isolation_level="REPEATABLE READ",
        )
    path = Path(store.sqlite_path).resolve()
    if not path.is_file():
        raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
    uri = path.as_uri() + "?mode=ro" + ("&immutable=1" if needs_immutable(path) else "")
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
    )

    @event.listens_for(engine, "connect")
    def _driver_autocommit(dbapi_connection, _record):  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # so that the BEGIN below is ours

    @event.listens_for(engine, "begin")
    def _begin(connection):  # type: ignore[no-untyped-def]
        connection.exec_driver_sql("BEGIN")  # one read transaction: one snapshot of the file

    return engine


def needs_immutable(path: Path) -> bool:
    """True when SQLite could not open its shared-memory file next to the database."""
    shm = path.with_name(path.name + "-shm")
    if shm.exists():
        return False
    return not os.access(path.parent, os.W_OK)


def _rows(connection: Connection, query: Select[Any]) -> list[Row]:
    return [dict(row._mapping) for row in connection.execute(query)]


def _check_schema(connection: Connection, store: StoreConfig) -> None:
    from sqlalchemy import text

    from ledger.store.schema_check import SCHEMA_HEAD

    revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if revision is None:
        raise StoreUnavailable(f"{store.display} holds no ledger yet: run 'ledger init' first")
    if revision != SCHEMA_HEAD:
        raise StoreUnavailable(
            f"{store.display} has schema revision {revision}; run 'ledger init' to upgrade"
        )


def _chosen(incidents: Sequence[str] | None, status: str | None) -> Select[Any]:
    table = schema.incidents
    query = select(table)
    if incidents:
        query = query.where(table.c.incident.in_(list(incidents)))
    if status:
        query = query.where(table.c.status == status)
    return query.order_by(table.c.incident)


def _entry(row: Row) -> Entry:
    return Entry(
        position=int(row["position"]),
        report=str(row["report"]),
        incident=str(row["incident"]),
        type=str(row["type"]),
        by=row["by"],
        stated_at=row["stated_at"],
        stated_from=row["stated_from"],
        recorded_at=str(row["recorded_at"]),
        recorded_by=str(row["recorded_by"]),
        summary=row["summary"],
        voided=bool(row["voided"]),
        corrected=bool(row["corrected"]),
        refers_to=tuple(json.loads(row["refers_to"] or "[]")),
        data=json.loads(row["data"] or "{}"),
    )


def _hop(row: Row) -> Hop:
    return Hop(
        hop=int(row["hop"]),
        agent=str(row["agent"]),
        role=str(row["role"]),
        kind=row["kind"],
        url=row["url"],
        published_at=row["published_at"],
        quote_mode=row["quote_mode"],
    )


@dataclass
class _Projected:
    """What the projection tables say about the chosen incidents."""

    incidents: list[Row]
    entries: dict[str, Entry]
    refs: list[Row]  # report_refs rows pointing into the chosen incidents
    claims: list[Row]
    hops: dict[str, list[Hop]]
    links: list[Row]


def _read_projections(connection: Connection, chosen: Select[Any]) -> _Projected:
    slugs = select(chosen.subquery().c.incident)
    timeline, refs = schema.timeline, schema.report_refs
    into = select(refs).where(refs.c.target_incident.in_(slugs))
    foreign = select(refs.c.source).where(refs.c.target_incident.in_(slugs))
    entry_rows = _rows(
        connection,
        select(timeline)
        .where((timeline.c.incident.in_(slugs)) | (timeline.c.report.in_(foreign)))
        .where(timeline.c.type != "incident")
        .order_by(timeline.c.position),
    )
    provenance = schema.provenance
    hops: dict[str, list[Hop]] = {}
    hop_query = (
        select(provenance)
        .where(provenance.c.incident.in_(slugs) | provenance.c.report.in_(foreign))
        .order_by(provenance.c.report, provenance.c.hop)
    )
    for row in _rows(connection, hop_query):
        hops.setdefault(str(row["report"]), []).append(_hop(row))
    claims, links = schema.claims, schema.links
    return _Projected(
        incidents=_rows(connection, chosen),
        entries={str(r["report"]): _entry(r) for r in entry_rows},
        refs=_rows(connection, into),
        claims=_rows(
            connection,
            select(claims).where(claims.c.incident.in_(slugs)).order_by(claims.c.position),
        ),
        hops=hops,
        links=_rows(
            connection,
            select(links).where(links.c.incident.in_(slugs)).order_by(links.c.report),
        ),
    )


def _check_exist(connection: Connection, incidents: Sequence[str] | None, lag: int) -> None:
    if not incidents:
        return
    table = schema.incidents
    query = select(table.c.incident).where(table.c.incident.in_(list(incidents)))
    known = {str(slug) for slug in connection.execute(query).scalars()}
    for slug in incidents:
        if slug in known:
            continue
        if lag:
            raise LedgerError(
                f"incident '{slug}' is not in the projection tables, which are {lag} event(s) "
                "behind the log: run 'ledger project'"
            )
        raise IncidentNotFound(slug)


def _lag(connection: Connection) -> int:
    from ledger.integrity import SEALS_ID
    from projections.catchup import PROJECTION

    tracking = schema.projection_tracking
    position = connection.execute(
        select(tracking.c.position).where(tracking.c.projection == PROJECTION)
    ).scalar()
    newer = select(func.count()).where(
        ledger_events.c.notification_id > (position or 0),
        ledger_events.c.originator_id != SEALS_ID,  # seals are not reports
    )
    return int(connection.execute(newer).scalar_one())


# -- reading the log -------------------------------------------------------------------------------


def _related(
    connection: Connection, chosen: Select[Any], slugs: set[str], hops: int = 3
) -> tuple[set[str], set[str]]:
    """Reports elsewhere that refer into the chosen incidents, and what refers to those (as
    `ledger.application.related_records` does), from the log's own reference index: (their
    incidents, their ids)."""
    refs, reports = ledger_references, ledger_reports
    chosen_slugs = select(chosen.subquery().c.incident)
    targets = select(reports.c.report).where(reports.c.incident.in_(chosen_slugs))
    pairs = list(
        connection.execute(
            select(refs.c.source, refs.c.source_incident).where(refs.c.target.in_(targets))
        )
    )
    incidents: set[str] = set()
    found: set[str] = set()
    for _ in range(hops):
        new = {(str(s), str(i)) for s, i in pairs if i not in slugs and s not in found}
        if not new:
            break
        found |= {s for s, _ in new}
        incidents |= {i for _, i in new}
        frontier = sorted(s for s, _ in new)
        pairs = []
        for start in range(0, len(frontier), 500):
            chunk = frontier[start : start + 500]
            query = select(refs.c.source, refs.c.source_incident).where(refs.c.target.in_(chunk))
            pairs.extend(connection.execute(query))
    return incidents, found


def _in_batches(items: Iterator[Any], size: int = 2_000) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


def _notifications(connection: Connection, batch: int = 5_000) -> Iterator[Any]:
    """The whole log in position order, in batches, as the library's Notification objects."""
    from eventsourcing.persistence import Notification

    events = ledger_events.c
    last = 0
    while True:
        rows = connection.execute(
            select(
                events.notification_id,
                events.originator_id,
                events.originator_version,
                events.topic,
                events.state,
            )
            .where(events.notification_id > last)
            .order_by(events.notification_id)
            .limit(batch)
        ).all()
        if not rows:
            return
        for position, originator, version, topic, state in rows:
            yield Notification(
                originator_id=originator,
                originator_version=int(version),
                topic=topic,
                state=bytes(state),
                id=int(position),
            )
        last = rows[-1][0]


class _LogTap:
    """Passes the log through to `verify`, keeping the records of the chosen incidents (and of
    the reports elsewhere that refer into them) and the last seal on the way."""

    def __init__(
        self,
        decode: Decoder,
        slugs: set[str],
        foreign: tuple[set[str], set[str]],
        total: int,
        on_progress: Progress | None,
    ) -> None:
        self.decode = decode
        self.slugs = slugs
        self.foreign_incidents, self.foreign_reports = foreign
        self.total = total
        self.on_progress = on_progress
        self.records: list[Row] = []
        self.last_seal: SealState | None = None

    def __call__(self, notifications: Iterator[Any]) -> Iterator[Any]:
        for done, n in enumerate(notifications, start=1):
            if n.originator_id == SEALS_ID:
                self._seal(n)
            elif n.originator_id in self.slugs or n.originator_id in self.foreign_incidents:
                self._keep(n)
            if self.on_progress is not None and done % 1_000 == 0:
                self.on_progress(done, self.total)
            yield n
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)

    def _keep(self, notification: Any) -> None:
        from ledger.application import to_record

        try:
            record = to_record(notification.id, self.decode(notification))
        except Exception:  # an undecodable row: `verify` reports it as a finding
            return
        if record["incident"] in self.slugs or record["report"] in self.foreign_reports:
            self.records.append(record)

    def _seal(self, notification: Any) -> None:
        try:
            state = json.loads(notification.state)
            self.last_seal = SealState(
                version=int(notification.originator_version),
                position=int(state["position"]),
                size=int(state["size"]),
                root=str(state["root"]),
                sealed_at=str(state["sealed_at"]),
                sealed_by=str(state["sealed_by"]),
            )
        except (ValueError, KeyError, TypeError):  # `verify` reports the seal as undecodable
            return


# -- status history ------------------------------------------------------------------------------


def _history(touched: list[Row], report: str) -> list[Step]:
    """The assertion's status after each report that touched it, in log order."""
    from ledger.audit import status_of

    steps: list[Step] = []
    previous: str | None = None
    for index, record in enumerate(touched):
        status = status_of(touched[: index + 1], report)
        steps.append(
            Step(
                position=int(record["position"]),
                report=str(record["report"]),
                type=str(record["type"]),
                by=record.get("by"),
                stated_at=record.get("stated_at"),
                recorded_at=str(record["recorded_at"]),
                status=status,
                changed=status != previous,
            )
        )
        previous = status
    return steps


def _stated_key(record: Row) -> str | None:
    stated = record.get("stated_at")
    if not stated:
        return None
    try:
        return earliest_instant(str(stated))
    except InvalidTime:
        return None


def _stated_statuses(touched: list[Row], report: str) -> list[tuple[str | None, str]]:
    """The assertion's status on the stated clock: at each stated instant of a report touching
    it, its status over the reports stated by then (undated reports, None, come last)."""
    from ledger.audit import status_of

    keys = sorted({_stated_key(r) for r in touched}, key=lambda k: (k is None, k or ""))
    changes: list[tuple[str | None, str]] = []
    for key in keys:
        admitted = [
            r for r in touched if key is None or ((k := _stated_key(r)) is not None and k <= key)
        ]
        status = status_of(admitted, report)
        if status is not None and (not changes or changes[-1][1] != status):
            changes.append((key, status))
    return changes


# -- assembling the views ---------------------------------------------------------------------


def _parties(claims: list[Row], entries: list[Entry]) -> list[str]:
    """Everyone the incident's reports name as asserting, denying, accused, targeted or warned."""
    names: list[str] = []
    for claim in claims:
        names.append(str(claim["by"]))
        for key in ("against", "targets"):
            names.extend(str(n) for n in json.loads(claim[key] or "[]"))
        if claim.get("addressee"):
            names.append(str(claim["addressee"]))
    names.extend(e.by for e in entries if e.by and e.type in PARTY_TYPES)
    unique: dict[str, str] = {}
    for name in names:
        unique.setdefault(actor_id(name), name)
    return sorted(unique.values(), key=str.casefold)


class _Index:
    """Lookups built once, so that assembling many incidents stays linear in their size."""

    def __init__(self, projected: _Projected, records: list[Row]) -> None:
        self.projected = projected
        self.entries: dict[str, list[Entry]] = defaultdict(list)
        for entry in projected.entries.values():
            self.entries[entry.incident].append(entry)
        self.into: dict[str, list[str]] = defaultdict(list)  # incident -> reports referring in
        self.referrers: dict[str, list[str]] = defaultdict(list)  # report -> reports referring
        for ref in projected.refs:
            self.into[str(ref["target_incident"])].append(str(ref["source"]))
            self.referrers[str(ref["target"])].append(str(ref["source"]))
        self.claims: dict[str, list[Row]] = defaultdict(list)
        for claim in projected.claims:
            self.claims[str(claim["incident"])].append(claim)
        self.links: dict[str, list[Row]] = defaultdict(list)
        for link in projected.links:
            self.links[str(link["incident"])].append(link)
        self.records = {str(r["report"]): r for r in records}
        self.children: dict[str, list[str]] = defaultdict(list)  # from the log's refers_to
        for record in records:
            for target in dict.fromkeys(record.get("refers_to") or ()):
                self.children[str(target)].append(str(record["report"]))

    def touching(self, report: str) -> list[Row]:
        """The report and every record referring to it, or to one of those, in log order (as
        `ledger.audit.touching`, without scanning every record for every assertion)."""
        found, frontier = {report}, [report]
        while frontier:
            frontier = [c for r in frontier for c in self.children.get(r, ()) if c not in found]
            found.update(frontier)
        chosen = [self.records[r] for r in found if r in self.records]
        return sorted(chosen, key=lambda r: int(r["position"]))

    def entries_of(self, slug: str) -> list[Entry]:
        """The incident's own reports and those elsewhere that refer into it, timeline order."""
        own = {e.report: e for e in self.entries.get(slug, ())}
        for source in self.into.get(slug, ()):
            if source in self.projected.entries:
                own.setdefault(source, self.projected.entries[source])
        return sorted(own.values(), key=lambda e: e.sort_key)

    def assertion(self, claim: Row) -> AssertionView:
        report = str(claim["report"])
        sources = dict.fromkeys(self.referrers.get(report, ()))
        entries = self.projected.entries
        referrers = sorted((entries[s] for s in sources if s in entries), key=lambda e: e.sort_key)
        hops = self.projected.hops
        view = AssertionView(
            row=claim,
            hops=hops.get(report, []),
            referrers=referrers,
            referrer_hops={e.report: hops.get(e.report, []) for e in referrers},
        )
        touched = self.touching(report)
        view.history = _history(touched, report)
        view.stated_statuses = _stated_statuses(touched, report)
        return view


def _incident_view(slug_row: Row, index: _Index) -> IncidentView:
    slug = str(slug_row["incident"])
    entries = index.entries_of(slug)
    claims = index.claims.get(slug, [])
    return IncidentView(
        row=slug_row,
        entries=entries,
        assertions=[index.assertion(claim) for claim in claims],
        links=index.links.get(slug, []),
        parties=_parties(claims, [e for e in entries if e.incident == slug]),
        chains={e.report: chain_text(index.projected.hops.get(e.report, [])) for e in entries},
    )


def chain_text(hops: list[Hop]) -> str:
    """speaker (role) → ... → outlet (role), or "" for a report without a source chain."""
    return " → ".join(f"{h.agent} ({ROLE_LABELS.get(h.role, h.role)})" for h in hops)


def gather(
    store: StoreConfig,
    decode: Decoder,
    *,
    incidents: Sequence[str] | None = None,
    status: str | None = None,
    on_progress: Progress | None = None,
) -> ReportData:
    """Everything the page shows, read in one read-only transaction.

    ValueError for a bad --status; IncidentNotFound for an --incident the ledger lacks.
    """
    if status is not None and status not in STATUSES:
        raise ValueError(f"--status must be one of {', '.join(STATUSES)}")
    engine = report_engine(store)
    try:
        with engine.connect() as connection:
            _check_schema(connection, store)
            chosen = _chosen(incidents, status)
            projected = _read_projections(connection, chosen)
            lag = _lag(connection)
            _check_exist(connection, incidents, lag)
            found = {str(r["incident"]) for r in projected.incidents}
            total = int(
                connection.execute(select(func.count()).select_from(ledger_events)).scalar_one()
            )
            related = _related(connection, chosen, found)
            tap = _LogTap(decode, found, related, total, on_progress)
            verification = verify(_in_batches(tap(_notifications(connection))))
    finally:
        engine.dispose()
    tap.records.sort(key=lambda r: int(r["position"]))
    index = _Index(projected, tap.records)
    return ReportData(
        incidents=[_incident_view(row, index) for row in projected.incidents],
        verification=verification,
        last_seal=tap.last_seal,
        source=store.display,
        generated_at=format_utc(datetime.now(UTC))[:19] + "Z",
        filters=_describe_filters(incidents, status),
        lag=lag,
    )


def _describe_filters(incidents: Sequence[str] | None, status: str | None) -> str:
    parts = []
    if incidents:
        parts.append("incident " + ", ".join(incidents))
    if status:
        parts.append(f"status {status}")
    return "; ".join(parts) if parts else "all incidents"


# -- drawing: shared helpers -------------------------------------------------------------------


def _attr(value: object) -> str:
    """An attribute value for drawsvg, which writes attribute values verbatim."""
    return str(escape(str(value)))


def _plain(text: object) -> str:
    """One line of text: drawsvg turns newlines into separate lines."""
    return " ".join(str(text).split())


def _clip(text: object, width: int) -> str:
    plain = _plain(text)
    return plain if len(plain) <= width else plain[: width - 1].rstrip() + "…"


def _safe_url(url: str | None) -> str | None:
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return None


class _Link(dw.DrawingParentElement):  # type: ignore[misc]
    """An SVG <a>: drawsvg has none."""

    TAG_NAME = "a"

    def __init__(self, href: str, **kwargs: Any) -> None:
        super().__init__(href=_attr(href), target="_blank", rel="noopener noreferrer", **kwargs)


def _svg_markup(drawing: dw.Drawing) -> Markup:
    """Inline SVG for an HTML page: no XML header, and no namespace declarations (HTML puts
    <svg> in the SVG namespace by itself)."""
    svg = drawing.as_svg(header="")
    svg = svg.replace(' xmlns="http://www.w3.org/2000/svg"', "", 1)
    svg = svg.replace(' xmlns:xlink="http://www.w3.org/1999/xlink"', "", 1)
    return Markup(svg)


def _arrowhead(color: str) -> dw.Marker:
    marker = dw.Marker(-0.1, -0.5, 0.9, 0.5, scale=6, orient="auto")
    marker.append(dw.Lines(-0.1, 0.5, -0.1, -0.5, 0.9, 0, fill=color, close=True))
    return marker


def _shape(report_type: str, x: float, y: float) -> dw.DrawingElement:
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


# -- drawing: the timeline ---------------------------------------------------------------------


_TL_LABEL_W, _TL_STATUS_X, _TL_PLOT_X = 330.0, 338.0, 430.0
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
        aria_label=_attr(f"Timeline of {view.slug}"),
        class_="timeline-svg",
    )
    _draw_axis(drawing, scale, height)
    statuses = {a.report: a.stated_statuses for a in view.assertions}
    for index, entry in enumerate(entries):
        y = _TL_TOP + _TL_ROW * index + _TL_ROW / 2
        drawing.append(_timeline_row(entry, y, scale, statuses.get(entry.report), view.slug))
    return _svg_markup(drawing)


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
        data_report=_attr(entry.report),
        data_type=_attr(entry.type),
        opacity=0.45 if entry.voided else 1,
    )
    row.append_title(_entry_title(entry, slug))
    label = f"{entry.report} · {entry.type} · {entry.by or '—'}"
    if entry.incident != slug:
        label += f" (in {entry.incident})"
    row.append(
        dw.Text(
            _clip(label, 52),
            12,
            4,
            y + 4,
            fill="#111827",
            text_decoration="line-through" if entry.voided else "none",
        )
    )
    if statuses:
        _status_band(row, statuses, y, scale)
    row.append(_shape(entry.type, scale.x(entry.stated_from), y))
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


def _entry_title(entry: Entry, slug: str) -> str:
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
        lines.append(_plain(entry.summary))
    return "\n".join(lines)


# -- drawing: the provenance graph -------------------------------------------------------------

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
    safe = _safe_url(url)
    if safe is None:
        return group
    link = _Link(safe)
    link.append(group)
    return link


def _wrap(text: str, width: int, lines: int) -> list[str]:
    wrapped = textwrap.wrap(_plain(text), width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], _clip(" ".join(wrapped[lines - 1 :]), width)]
    return wrapped


ChainNode = tuple[list[tuple[str, str]], Hop | None]


def _chain_nodes(hops: list[Hop], fallback: str) -> list[ChainNode]:
    if not hops:
        return [([("small", "source"), ("bold", _clip(fallback, 22))], None)]
    nodes: list[ChainNode] = []
    for hop in hops:
        lines = [("small", _clip(_hop_label(hop), 26))]
        lines += [("bold", line) for line in _wrap(hop.agent, 20, 2)]
        if hop.published_at:
            lines.append(("small", _clip(hop.published_at, 25)))
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
        aria_label=_attr(f"Provenance of {assertion.report}"),
    )
    origin = dw.Group(transform="translate(12,0)")
    _draw_chain(origin, chain, assertion)
    _draw_assertion(origin, assertion, claim_y, claim_w)
    _draw_referrers(origin, assertion, claim_y + 76, claim_w, per_row)
    drawing.append(origin)
    return _svg_markup(drawing)


def _draw_chain(
    group: dw.Group,
    chain: list[ChainNode],
    assertion: AssertionView,
) -> None:
    arrow = _arrowhead("#475569")
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
    box = dw.Group(class_="assertion-node", data_report=_attr(assertion.report))
    box.append_title(f"{row['type']} {assertion.report}: {status}\n{_plain(row['summary'])}")
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
        edge = dw.Group(class_="ref-edge", data_type=_attr(entry.type))
        edge.append(
            dw.Line(
                x + _REF_W / 2,
                y,
                target_x,
                top - 10 + 8,
                stroke=color,
                stroke_width=1.8,
                stroke_dasharray="5 3" if entry.voided else "none",
                marker_end=arrows.get(color) or arrows.setdefault(color, _arrowhead(color)),
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
        ("small", _clip(f"{entry.type} · {entry.stated_at or 'undated'}", 34)),
        ("bold", _clip(entry.by or _what(entry), 28)),
        ("small", _clip(entry.report, 34)),
    ]
    if via:
        lines.append(("small", _clip(f"via {via}", 34)))
    url = next((h.url for h in reversed(hops) if _safe_url(h.url)), None)
    title = _entry_title(entry, entry.incident)
    if hops:
        title += f"\nsource chain: {chain_text(hops)}"
    return _node(x, y, _REF_W, _REF_H, lines, url, title, color)


# -- the page ------------------------------------------------------------------------------------

# The page's template, style and script are package files; style and script are inlined, so the
# page stays one self-contained file, and allowed by their hashes in its Content-Security-Policy.
_PACKAGE = files("projections.html")
CSS = _PACKAGE.joinpath("static/report.css").read_text(encoding="utf-8")
SCRIPT = _PACKAGE.joinpath("static/report.js").read_text(encoding="utf-8")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _verification_html(data: ReportData) -> Markup:
    result = data.verification
    summary = f"{result.events} event(s) in {result.incidents} incident(s), {result.seals} seal(s)"
    seal = data.last_seal
    if seal is None:
        seal_text = Markup("No seal recorded yet (<code>ledger seal</code> records one).")
    else:
        seal_text = Markup(
            "Last seal #{}: root <code>{}</code>, size {} (up to log position {}), sealed {} by {}."
        ).format(seal.version, seal.root, seal.size, seal.position, seal.sealed_at, seal.sealed_by)
    if result.ok:
        return Markup(
            '<p class="verification ok" data-verified="true">'
            "<strong>Hash chains verified</strong>: {}. {}</p>"
        ).format(summary, seal_text)
    problems = Markup("").join(
        Markup("<li>position {}: {}</li>").format(f.position, f.problem)
        for f in result.findings[:50]
    )
    return Markup(
        '<p class="verification bad" data-verified="false"><strong>Integrity check FAILED</strong>:'
        " {} problem(s) in {}. {}</p><ul>{}</ul>"
    ).format(len(result.findings), summary, seal_text, problems)


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
        drawing.append(_shape(name, x, y))
        drawing.append(dw.Text(name, 11, x + 12, y + 4, fill=color))
    for index, (name, color) in enumerate(STATUS_COLORS.items()):
        x = 10 + index * 96
        drawing.append(dw.Rectangle(x - 6, 52, 14, 4, fill=color))
        drawing.append(dw.Text(name, 10, x + 12, 58, fill="#374151"))
    return _svg_markup(drawing)


@dataclass
class _Drawings:
    timelines: dict[str, Markup] = field(default_factory=dict)  # by incident
    graphs: dict[str, Markup] = field(default_factory=dict)  # by assertion (ids are unique)


def _draw_all(data: ReportData, on_progress: Progress | None) -> _Drawings:
    drawings = _Drawings()
    for number, view in enumerate(data.incidents, start=1):
        drawings.timelines[view.slug] = timeline_svg(view, f"t{number}-")
        for index, assertion in enumerate(view.assertions, start=1):
            drawings.graphs[assertion.report] = provenance_svg(assertion, f"g{number}-{index}-")
        if on_progress is not None:
            on_progress(number, len(data.incidents))
    return drawings


def render(data: ReportData, on_progress: Progress | None = None) -> str:
    """The page, as one string of HTML; `on_progress` hears (incidents drawn, incidents)."""
    environment = Environment(
        loader=PackageLoader("projections.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    template = environment.get_template("report.html.j2")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(CSS)}; script-src {_csp_hash(SCRIPT)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    rank = {s: i for i, s in enumerate(STATUSES)}
    drawings = _draw_all(data, on_progress)
    return template.render(
        data=data,
        csp=csp,
        css=Markup(CSS),
        script=Markup(SCRIPT),
        verification=_verification_html(data),
        legend=legend_svg("lg-"),
        slugs={inc.slug for inc in data.incidents},
        status_rank=lambda status: rank.get(status, len(rank)),
        json_list=lambda text: json.loads(text or "[]"),
        safe_url=_safe_url,
        drawings=drawings,
    )
