"""Gathering what the HTML report shows, in one read-only transaction.

The projection tables give the overview, assertions, provenance and timeline; the log (read with
`ledger.log_queries`) gives each assertion's status as it changed and the hash-chain and seal
verification (`ledger.integrity.verify`). All are read through one read-only connection in one
transaction (snapshot.py), so the page shows one consistent snapshot.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, select

from ledger.errors import IncidentNotFound, InvalidFilter, LedgerError
from ledger.fold import withdrawn
from ledger.ids import actor_id
from ledger.integrity import Verification, verify
from ledger.log_queries import (
    events_after,
    log_size,
    notifications,
    notifications_of,
    referring_from_elsewhere,
)
from ledger.report_fields import BEARING_KEYS, PARTY_TYPES
from ledger.store.config import StoreConfig
from ledger.timeutil import format_utc
from projections import schema
from projections.html.history import (
    LogTap,
    RegistryLog,
    Statuses,
    history,
    in_batches,
    stated_statuses,
)
from projections.html.model import (
    AssertionView,
    Decoder,
    Entry,
    Hop,
    IncidentView,
    Progress,
    ReportData,
    Row,
    chain_text,
)
from projections.html.snapshot import check_schema, report_engine
from projections.queries import STATUSES
from projections.staleness import tracked_position

# -- the projection tables ---------------------------------------------------------------------


def _rows(connection: Connection, query: Select[Any]) -> list[Row]:
    # The same dicts as dict(row._mapping), which built a mapping view per row: ~6% of a
    # site's CPU, for ~15,000 rows per batch of 50 incidents.
    result = connection.execute(query)
    keys = tuple(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


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


_HOP_COLUMNS = ("hop", "agent", "role", "kind", "url", "published_at", "quote_mode")


def _hop(
    hop: int,
    agent: str,
    role: str,
    kind: str | None,
    url: str | None,
    published_at: str | None,
    quote_mode: str | None,
) -> Hop:
    """A hop from a `provenance` row's columns (_HOP_COLUMNS, in that order)."""
    return Hop(int(hop), str(agent), str(role), kind, url, published_at, quote_mode)


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
    # Hops straight from the result's tuples, not through a dict each (nor Row attributes,
    # slower still): a batch of 50 incidents reads ~15,000 of them.
    result = connection.execute(hop_query)
    column = {name: index for index, name in enumerate(result.keys())}
    at = itemgetter(*(column[name] for name in _HOP_COLUMNS))
    for row in result:
        hops.setdefault(str(row[column["report"]]), []).append(_hop(*at(row)))
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

    def __init__(self, projected: _Projected, records: list[Row], registry: RegistryLog) -> None:
        self.projected = projected
        self.registry = registry
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
        # Evidence names what it bears on in `supports`/`contradicts`, not in `refers_to`, so
        # the reference index does not list it among an assertion's referrers.
        self.evidence: dict[str, list[str]] = defaultdict(list)
        for entry in projected.entries.values():
            if entry.type == "evidence":
                for key in BEARING_KEYS:
                    for target in dict.fromkeys(entry.data.get(key) or ()):
                        self.evidence[str(target)].append(entry.report)
        self.links: dict[str, list[Row]] = defaultdict(list)
        for link in projected.links:
            self.links[str(link["incident"])].append(link)
        self.records = {str(r["report"]): r for r in records}
        self.children: dict[str, list[str]] = defaultdict(list)  # from the log's refers_to
        for record in records:
            for target in dict.fromkeys(record.get("refers_to") or ()):
                self.children[str(target)].append(str(record["report"]))

    def touching(self, report: str) -> list[Row]:
        """The report and every record referring to it, or to one of those, in log order, from
        the records in hand without scanning them all for every assertion. Like
        `ledger.replay.records_touching`, which an audit reads through the reference index
        (that one also follows `supersedes`, and stops four hops deep); this follows
        `refers_to`, to any depth."""
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
        sources = dict.fromkeys([*self.referrers.get(report, ()), *self.evidence.get(report, ())])
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
        # The history, if a page shows it, reuses these folds.
        statuses = Statuses(report, self.registry)
        view.fold_history = partial(history, touched, report, statuses)
        view.stated_statuses = stated_statuses(touched, report, statuses)
        view.withdrawn = withdrawn(touched)
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


@contextmanager
def _snapshot(store: StoreConfig) -> Iterator[Connection]:
    engine = report_engine(store)
    try:
        with engine.connect() as connection:
            check_schema(connection, store)
            yield connection
    finally:
        engine.dispose()


def _lag(connection: Connection) -> int:
    return events_after(connection, tracked_position(connection.connection.driver_connection))


def _check_status(status: str | None) -> None:
    if status is not None and status not in STATUSES:
        raise InvalidFilter(f"--status must be one of {', '.join(STATUSES)}")


def _report_data(
    views: list[IncidentView],
    tap: LogTap,
    verification: Verification,
    store: StoreConfig,
    filters: str,
    lag: int,
) -> ReportData:
    return ReportData(
        incidents=views,
        verification=verification,
        last_seal=tap.last_seal,
        source=store.display,
        generated_at=format_utc(datetime.now(UTC))[:19] + "Z",
        filters=filters,
        lag=lag,
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

    InvalidFilter for a bad --status; IncidentNotFound for an --incident the ledger lacks.
    """
    _check_status(status)
    with _snapshot(store) as connection:
        projected = _read_projections(connection, _chosen(incidents, status))
        lag = _lag(connection)
        _check_exist(connection, incidents, lag)
        found = {str(r["incident"]) for r in projected.incidents}
        related = referring_from_elsewhere(connection, found)
        tap = LogTap(decode, found, related, log_size(connection), on_progress)
        verification = verify(in_batches(tap(notifications(connection))))
    tap.records.sort(key=lambda r: int(r["position"]))
    index = _Index(projected, tap.records, tap.registry)
    views = [_incident_view(row, index) for row in projected.incidents]
    return _report_data(views, tap, verification, store, _describe_filters(incidents, status), lag)


@contextmanager
def gather_site(
    store: StoreConfig,
    decode: Decoder,
    *,
    incidents: Sequence[str] | None = None,
    status: str | None = None,
    on_progress: Progress | None = None,
    batch: int = 50,
) -> Iterator[tuple[ReportData, Iterator[IncidentView]]]:
    """The index's content, and the incident pages' views one batch of incidents at a time,
    all in one read-only transaction (the snapshot stays open until the block ends).

    The log streams through verification once, keeping only the last seal; each batch then
    reads its incidents' projection rows and log records alone, so memory holds one batch,
    whatever the ledger's size.
    """
    _check_status(status)
    with _snapshot(store) as connection:
        chosen = _chosen(incidents, status)
        rows = _rows(connection, chosen)
        lag = _lag(connection)
        _check_exist(connection, incidents, lag)
        tap = LogTap(decode, set(), (set(), set()), log_size(connection), on_progress)
        verification = verify(in_batches(tap(notifications(connection))))
        overview = [IncidentView(row, [], [], [], [], {}) for row in rows]
        data = _report_data(
            overview, tap, verification, store, _describe_filters(incidents, status), lag
        )
        slugs = [str(row["incident"]) for row in rows]
        yield data, _batched_views(connection, decode, slugs, batch, tap.registry)


def _batched_views(
    connection: Connection, decode: Decoder, slugs: list[str], batch: int, registry: RegistryLog
) -> Iterator[IncidentView]:
    for start in range(0, len(slugs), batch):
        chunk = slugs[start : start + batch]
        projected = _read_projections(connection, _chosen(chunk, None))
        found = set(chunk)
        related = referring_from_elsewhere(connection, found)
        tap = LogTap(decode, found, related, 0, None)
        for _ in tap(notifications_of(connection, found | related[0])):
            pass
        index = _Index(projected, tap.records, registry)  # notifications_of: in log order
        for row in projected.incidents:
            yield _incident_view(row, index)


def _describe_filters(incidents: Sequence[str] | None, status: str | None) -> str:
    parts = []
    if incidents:
        parts.append("incident " + ", ".join(incidents))
    if status:
        parts.append(f"status {status}")
    return "; ".join(parts) if parts else "all incidents"
