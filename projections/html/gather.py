"""Gathering what the HTML report shows, in one read-only transaction.

The projection tables give the overview, assertions, provenance and timeline; the log gives each
assertion's status as it changed and the hash-chain and seal verification. All are read through
one read-only connection in one transaction, so the page shows one consistent snapshot. A
read-only SQLite file works: when the sidecar files of WAL mode cannot be created, it is opened
immutable.
"""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, event, func, select

from ledger.errors import IncidentNotFound, LedgerError, StoreUnavailable
from ledger.ids import actor_id
from ledger.integrity import SEALS_ID, verify
from ledger.store.config import StoreConfig
from ledger.store.tables import ledger_events, ledger_references, ledger_reports
from ledger.timeutil import InvalidTime, earliest_instant, format_utc
from projections import schema
from projections.html.model import (
    AssertionView,
    Decoder,
    Entry,
    Hop,
    IncidentView,
    Progress,
    ReportData,
    Row,
    SealState,
    Step,
    chain_text,
)
from projections.queries import STATUSES

# Reports whose `by` is a party to the incident (an analyst's assessment or verdict is not).
PARTY_TYPES = frozenset({"claim", "warning", "denial", "corroboration", "retraction"})


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
