"""Fold a ledger's reports into the rows of its current-state views.

Pure Python, no I/O: the SQL projections, the CLI and the tests all derive their tables from
`fold`, so the status rules (docs/format.md, "Status of an assertion") live in exactly one place:
ledger/status_rules.py (DOMAIN.md v2's, called by `_derive`); corrections and voids are applied
in `FoldedLedger`. The rows each view gets from them are built in ledger/view_rows.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any, NamedTuple

from ledger.registry import ActorLine, Registry
from ledger.report_fields import ASSERTION_TYPES, DECLARED, INCIDENT_ASSERTION_TYPES
from ledger.status_rules import Derived, derive, incident_status, stands
from ledger.view_rows import (
    COLUMNS,
    Row,
    actor_key,
    actor_name_rows,
    actor_rows,
    actor_tally_rows,
    as_list,
    claim_rows,
    declared,
    dispute_rows,
    evidence_rows,
    link_rows,
    provenance_chain_rows,
    provenance_rows,
    shape,
    sortable_instant,
    timeline_rows,
)

# What an incident line says of the incident (its declared fields but the line's identity): the
# `incidents` view's first columns.
# Version 2's place and time keys have no view columns yet (the views' side adds them).
_NOT_IN_VIEWS = ("type", "incident", "recorded_by", "country", "admin1", "admin2")
_INCIDENT_FIELDS = tuple(
    f.name
    for f in DECLARED["incident"]
    if f.name not in _NOT_IN_VIEWS and f.name not in ("geo_precision", "time_precision")
)
# The registry's own lines: no incident's report, so no row of any per-incident view.
ACTOR_TYPE = "actor"

# Identity and ledger bookkeeping: a correction may fix what was said, never which report it is,
# what it refers to or replaces, or when and by whom the ledger recorded it.
_UNCORRECTABLE = frozenset(
    {"refers_to", "supersedes", "type", "incident", "report", "position", "version"}
    | {"recorded_at", "recorded_by"}
)


class FoldedReport:
    """One record with its current values: the original, then every correction in log order."""

    # Identity, place and references cannot be corrected (see _UNCORRECTABLE), so they are read
    # once here; the fold asks for them hundreds of thousands of times in a rebuild.
    __slots__ = (
        "actor",
        "corrected",
        "data",
        "get",
        "id",
        "incident",
        "key",
        "owned",
        "position",
        "refs",
        "type",
        "voided",
    )

    def __init__(self, data: Mapping[str, Any], resolve: Callable[[str], str]) -> None:
        self.data: Mapping[str, Any] = data
        self.owned = False
        self.voided = False
        self.corrected = False
        self.id = str(data["report"])
        self.type = str(data["type"])
        self.incident = str(data["incident"])
        self.position = int(data["position"])
        self.refs: list[str] = as_list(data.get("refers_to"))
        self.get: Callable[[str], Any] = data.get  # the mapping's own lookup: no Python frame
        # Who made it: `key` the name as written (normalised; the tallies count by it, so an
        # alias registered later rewrites no tally), `actor` that name resolved through the
        # registry (the status rules compare these). Set again once the corrections are in.
        self.key: str | None = actor_key(self.get("by"))
        self.actor: str | None = None if self.key is None else resolve(self.key)

    def own_data(self) -> dict[str, Any]:
        """This report's own copy of its record, for a correction to change (the caller's
        record stays as given)."""
        if not isinstance(self.data, dict) or not self.owned:
            self.data = dict(self.data)
            self.get = self.data.get
            self.owned = True
        return self.data


class DerivedColumns(NamedTuple):
    """The status rules' result for one assertion, and the counts the rules do not need: the
    `claims` columns from `status` to `outcome`, in their order (a claim's row unpacks it)."""

    status: str
    denials: int
    internal_denials: int
    acknowledgements: int
    corroborations: int
    other_corroborations: int
    discrepancies: int
    reliability: Any
    credibility: Any
    verdict: Any
    superseded_by: str | None
    outcome: str | None


class FoldedLedger:
    """The corrected reports, indexed by id and by what refers to them."""

    def __init__(self, records: Iterable[Mapping[str, Any]], registry: Registry) -> None:
        ordered = sorted(records, key=lambda r: int(r["position"]))
        self.registry = registry
        resolve = self.resolve = registry.resolve_key
        # Records are shared, not copied: a correction copies its target before changing it.
        self.reports = [FoldedReport(record, resolve) for record in ordered]
        self.by_id: dict[str, FoldedReport] = {}
        # Later reports with an id an earlier one holds (an older version let them in): the
        # views cannot key them, but a correction of that id still reaches them.
        self.shadowed: dict[str, list[FoldedReport]] = {}
        for report in self.reports:
            if self.by_id.setdefault(report.id, report) is not report:
                self.shadowed.setdefault(report.id, []).append(report)
        for report in self.reports:
            if report.type == "correction":
                self._apply(report)
        # Built after the corrections, so voided reports never refer to anything.
        self._alive = [r for r in self.reports if not r.voided]
        # Referring reports by target id, then by type: the status rules ask for one type at a
        # time, half a dozen times per assertion.
        self._referrers: dict[str, dict[str, list[FoldedReport]]] = {}
        # Statements naming a report in `supersedes` (format v2; absent from v1 records).
        self._superseding: dict[str, list[FoldedReport]] = {}
        for report in self._alive:
            for ref in dict.fromkeys(report.refs):  # a repeated id counts once
                by_type = self._referrers.setdefault(ref, {})
                by_type.setdefault(report.type, []).append(report)
            superseded = report.get("supersedes")
            if superseded is not None:
                for ref in dict.fromkeys(as_list(superseded)):
                    self._superseding.setdefault(ref, []).append(report)

    def _apply(self, correction: FoldedReport) -> None:
        changes = correction.get("changes") or {}
        for target in self.corrected_by(correction):
            if target.type == "incident":
                # An incident cannot be corrected; a correction naming its slug was meant for a
                # report that shares it (one an older version let in, which the views drop).
                continue
            if correction.get("void") is True:
                target.voided = True
            effective = {k: v for k, v in changes.items() if k not in _UNCORRECTABLE}
            if effective:
                target.own_data().update(effective)
                target.corrected = True
                target.key = actor_key(target.get("by"))
                target.actor = None if target.key is None else self.resolve(target.key)

    def targets(self, report: FoldedReport) -> Iterator[FoldedReport]:
        """The referenced reports present in the input; a partial input simply lacks the rest."""
        for ref in dict.fromkeys(report.refs):
            if ref in self.by_id:
                yield self.by_id[ref]

    def corrected_by(self, correction: FoldedReport) -> Iterator[FoldedReport]:
        """`targets`, and the shadowed reports sharing their ids: a correction is for them all."""
        for target in self.targets(correction):
            yield target
            yield from self.shadowed.get(target.id, ())

    def live(self) -> list[FoldedReport]:
        """The reports not voided, in log order (the caller only reads the list)."""
        return self._alive

    def referring(self, report: FoldedReport, type_: str) -> list[FoldedReport]:
        """Non-voided reports of one type that refer to `report`, in log order (the caller
        only reads the list)."""
        return self._referrers.get(report.id, _NO_REFERRERS).get(type_, [])

    def superseding(self, report: FoldedReport) -> list[FoldedReport]:
        """Non-voided statements naming `report` in `supersedes`, in log order."""
        return self._superseding.get(report.id, [])

    def stands(self, report: FoldedReport) -> bool:
        """Whether a denial or corroboration stands (DOMAIN.md: not retracted by its author or
        an ancestor of its author)."""
        return stands(report, self, self.registry)


_NO_REFERRERS: dict[str, list[FoldedReport]] = {}


def fold(
    reports: Iterable[Mapping[str, Any]],
    *,
    timeline_of: Collection[str] | None = None,
    tables: Collection[str] = tuple(COLUMNS),
    registry: Registry | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every current-state view (or of `tables`), from report records in log order.

    `timeline_of` limits the timeline rows to those reports: a catch-up writes each report's
    timeline row once, when it arrives, and needs the fold's only for reports just corrected.
    Each row has exactly its view's columns, in order.

    Actor-valued fields resolve through `registry`; without one, through the registry the
    input's own `actor` records build (none: every name is an actor of its own, as in v1).
    `actor` records never make rows of the per-incident views.
    """
    views = fold_rows(reports, timeline_of=timeline_of, tables=tables, registry=registry)
    return {
        name: [dict(zip(COLUMNS[name], row, strict=True)) for row in rows]
        for name, rows in views.items()
    }


def fold_rows(
    reports: Iterable[Mapping[str, Any]],
    *,
    timeline_of: Collection[str] | None = None,
    tables: Collection[str] = tuple(COLUMNS),
    registry: Registry | None = None,
) -> dict[str, list[Row]]:
    """`fold`'s rows as tuples of their values in column order (`COLUMNS`): what a rebuild
    inserts, without a dict per row built and picked apart again."""
    records, lines = split_actor_records(reports)
    if registry is None:
        registry = Registry.from_lines(lines)
    ledger = FoldedLedger(records, registry)
    derived = {a.id: _derive(ledger, a) for a in ledger.live() if a.type in ASSERTION_TYPES}
    builders: dict[str, Callable[[], list[Row]]] = {
        "incidents": lambda: _incident_rows(ledger, derived),
        "claims": lambda: claim_rows(ledger, derived),
        "disputes": lambda: dispute_rows(ledger),
        "actors": lambda: _values("actors", actor_rows(ledger)),
        "actor_names": lambda: _values("actor_names", actor_name_rows(registry)),
        "actor_tallies": lambda: actor_tally_rows(ledger),
        "provenance": lambda: _values("provenance", provenance_rows(ledger)),
        "provenance_chains": lambda: provenance_chain_rows(ledger),
        "links": lambda: link_rows(ledger),
        "evidence": lambda: evidence_rows(ledger),
        "timeline": lambda: timeline_rows(ledger, timeline_of),
    }
    return {name: builders[name]() for name in tables}


def _values(table: str, rows: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows built as dicts (the views no rebuild writes per incident), as tuples in order."""
    return [tuple(shape(table, row).values()) for row in rows]


def withdrawn(reports: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The reports among these records (in log order) that no longer count, by id: "voided" by
    a correction, or "retracted" by their author or an ancestor (DOMAIN.md rule 1). Drawings
    use it so a retracted denial is never shown as a live one beside a status that ignores it."""
    records, lines = split_actor_records(reports)
    ledger = FoldedLedger(records, Registry.from_lines(lines))
    found = {r.id: "voided" for r in ledger.reports if r.voided}
    found.update({r.id: "retracted" for r in ledger.live() if not ledger.stands(r)})
    return found


def current_values(
    records: Iterable[Mapping[str, Any]], registry: Registry | None = None
) -> dict[str, Mapping[str, Any]]:
    """Each live (not voided) report's values with its corrections applied, by report id: what
    `show` reads for the facts the views keep no column of (magnitude ranges, evidence)."""
    reports, lines = split_actor_records(records)
    ledger = FoldedLedger(reports, registry if registry is not None else Registry.from_lines(lines))
    return {report.id: report.data for report in ledger.live()}


def split_actor_records(
    records: Iterable[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[ActorLine]]:
    """The reports, and the registry's `actor` lines in log order (records of type `actor`)."""
    reports: list[Mapping[str, Any]] = []
    actors: list[Mapping[str, Any]] = []
    for record in records:
        (actors if record.get("type") == ACTOR_TYPE else reports).append(record)
    if not actors:
        return reports, []
    actors.sort(key=lambda r: int(r["position"]))
    return reports, [ActorLine.from_record(r) for r in actors]


def _derive(ledger: FoldedLedger, assertion: FoldedReport) -> DerivedColumns:
    """DOMAIN.md's rules 1-7 and counts (ledger.status_rules), plus the latest assessment."""
    d: Derived = derive(assertion, ledger, ledger.registry)
    assessments = ledger.referring(assertion, "assessment")
    return DerivedColumns(
        status=d.status,
        denials=d.denials,
        internal_denials=d.internal_denials,
        acknowledgements=d.acknowledgements,
        corroborations=d.corroborations,
        other_corroborations=d.other_corroborations,
        discrepancies=len(ledger.referring(assertion, "discrepancy")),
        reliability=assessments[-1].get("reliability") if assessments else None,
        credibility=assessments[-1].get("credibility") if assessments else None,
        verdict=d.verdict,
        superseded_by=d.superseded_by,
        outcome=d.outcome,
    )


_INCIDENTS = declared(
    "incidents",
    "incident",
    *_INCIDENT_FIELDS,
    *("status", "assertions", "disputed", "reports", "first_stated_at", "last_stated_at"),
    *("last_recorded_at", "last_position", "version", "corrected"),
)


def _incident_rows(ledger: FoldedLedger, derived: Mapping[str, DerivedColumns]) -> list[Row]:
    own: dict[str, list[FoldedReport]] = defaultdict(list)
    # An incident changes when any of its own reports is appended, and also when a report
    # elsewhere refers into it (a cross-incident denial), so both bump its last_* columns.
    touched: dict[str, list[FoldedReport]] = defaultdict(list)
    for report in ledger.reports:
        own[report.incident].append(report)
        touched[report.incident].append(report)
        for target in ledger.targets(report):
            if target.incident != report.incident:
                touched[target.incident].append(report)

    rows: list[Row] = []
    for head in ledger.live():
        if head.type != "incident":
            continue
        live = [r for r in own[head.incident] if not r.voided]
        # Denials answer claims: they have a status of their own but make no incident's.
        statuses = [derived[r.id].status for r in live if r.type in INCIDENT_ASSERTION_TYPES]
        first_stated, last_stated = _stated_span(live)
        rows.append(
            (
                head.incident,
                *map(head.get, _INCIDENT_FIELDS),
                incident_status(statuses),
                len(statuses),
                statuses.count("disputed"),
                len(live),
                first_stated,
                last_stated,
                max(r.get("recorded_at") for r in touched[head.incident]),
                max(r.position for r in touched[head.incident]),
                max(r.get("version") for r in own[head.incident]),
                head.corrected,
            )
        )
    rows.sort(key=lambda row: row[0])  # incident
    return rows


def _stated_span(reports: Iterable[FoldedReport]) -> tuple[str | None, str | None]:
    """Earliest and latest `stated_at` as given, compared by the earliest instant each can mean.

    Partial dates ("2017-09") sort by their first instant; ties go to the earlier report for the
    first and to the later report for the last.
    """
    stated = [
        (instant, r.get("stated_at"))
        for r in reports
        if (instant := sortable_instant(r.get("stated_at"))) is not None
    ]
    if not stated:
        return None, None
    first = min(stated, key=lambda pair: pair[0])
    last = max(reversed(stated), key=lambda pair: pair[0])
    return first[1], last[1]
