"""Fold a ledger's reports into the rows of its current-state views.

Pure Python, no I/O: the SQL projections, the CLI and the tests all derive their tables from
`fold`, so the status rules (docs/format.md, "Status of an assertion") live in exactly one place.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ledger.ids import actor_id
from ledger.report_fields import ASSERTION_TYPES, PARTY_TYPES
from ledger.timeutil import earliest_instant

# What `actors` counts per actor, and `actor_tallies` per incident and actor.
ACTOR_COUNTS = (
    "claims_made",
    "warnings_issued",
    "denials_issued",
    "accused_in",
    "corroborations_given",
    "retractions",
)

COLUMNS: dict[str, tuple[str, ...]] = {
    "incidents": (
        "incident",
        "title",
        "category",
        "location",
        "location_qualifier",
        "lat",
        "lon",
        "occurred_from",
        "occurred_to",
        "description",
        "status",
        "assertions",
        "disputed",
        "reports",
        "first_stated_at",
        "last_stated_at",
        "last_recorded_at",
        "last_position",
        "version",
        "corrected",
    ),
    "claims": (
        "report",
        "incident",
        "type",
        "by",
        "actor",
        "speaker",
        "on_behalf_of",
        "stance",
        "against",
        "targets",
        "addressee",
        "summary",
        "quote",
        "stated_at",
        "status",
        "denials",
        "corroborations",
        "other_corroborations",
        "discrepancies",
        "reliability",
        "credibility",
        "verdict",
        "corrected",
        "recorded_at",
        "position",
    ),
    "disputes": (
        "claim",
        "denial",
        "incident",
        "denial_incident",
        "claimant",
        "denier",
        "denial_stated_at",
        "scope",
        "retracted",
    ),
    "actors": ("actor", "name", *ACTOR_COUNTS),
    "provenance": (
        "report",
        "incident",
        "hop",
        "agent",
        "role",
        "kind",
        "url",
        "published_at",
        "quote_mode",
    ),
    "links": ("report", "incident", "other", "relation", "note"),
    # What each incident's live reports contribute to the actors table, per actor: the first
    # spelling seen there (its report's position and the field's place, so the earliest across
    # incidents wins), the counts, and the reports naming the actor (a JSON list, in log order).
    # The SQL projection sums these per actor instead of refolding every report an actor made.
    "actor_tallies": (
        "incident",
        "actor",
        "name",
        "first_position",
        "first_seq",
        *ACTOR_COUNTS,
        "reports",
    ),
    # Each live report's provenance hops as one JSON list of [agent, role, kind, url,
    # published_at, quote_mode]: the SQL `provenance` view expands it, one row per hop.
    "provenance_chains": ("report", "incident", "chain"),
    "timeline": (
        "position",
        "report",
        "incident",
        "type",
        "by",
        "stated_at",
        "stated_from",
        "recorded_at",
        "recorded_by",
        "version",
        "refers_to",
        "summary",
        "voided",
        "corrected",
    ),
}

_INCIDENT_FIELDS = (
    "title",
    "category",
    "location",
    "location_qualifier",
    "lat",
    "lon",
    "occurred_from",
    "occurred_to",
    "description",
)
CHANNEL_KINDS = frozenset({"statement", "briefing", "interview", "document"})
# An incident shows the most contested state any of its assertions is in.
INCIDENT_STATUS_ORDER = (
    "disputed",
    "unverified",
    "corroborated",
    "unverifiable",
    "confirmed",
    "refuted",
    "retracted",
)

# Identity and ledger bookkeeping: a correction may fix what was said, never which report it is,
# what it refers to, or when and by whom the ledger recorded it.
_UNCORRECTABLE = frozenset(
    {"refers_to", "type", "incident", "report", "position", "version", "recorded_at", "recorded_by"}
)
# Which field gives a timeline row its one line of text.
_TIMELINE_TEXT = {
    "incident": "title",
    "claim": "summary",
    "warning": "summary",
    "denial": "summary",
    "corroboration": "summary",
    "verdict": "reason",
    "retraction": "reason",
    "correction": "reason",
    "discrepancy": "note",
    "link": "note",
    "assessment": "rationale",
}


class _Report:
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
        "owned",
        "position",
        "refs",
        "type",
        "voided",
    )

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data: Mapping[str, Any] = data
        self.owned = False
        self.voided = False
        self.corrected = False
        self.id = str(data["report"])
        self.type = str(data["type"])
        self.incident = str(data["incident"])
        self.position = int(data["position"])
        self.refs: list[str] = _as_list(data.get("refers_to"))
        self.get: Callable[[str], Any] = data.get  # the mapping's own lookup: no Python frame
        # Who made it; set again once the corrections are in (one may change `by`).
        self.actor: str | None = _actor(self.get("by"))

    def own_data(self) -> dict[str, Any]:
        """This report's own copy of its record, for a correction to change (the caller's
        record stays as given)."""
        if not isinstance(self.data, dict) or not self.owned:
            self.data = dict(self.data)
            self.get = self.data.get
            self.owned = True
        return self.data


@dataclass
class _Derived:
    """What the reports referring to one assertion make of it."""

    status: str
    denials: int
    corroborations: int
    other_corroborations: int
    discrepancies: int
    reliability: Any
    credibility: Any
    verdict: Any


class _Ledger:
    """The corrected reports, indexed by id and by what refers to them."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        ordered = sorted(records, key=lambda r: int(r["position"]))
        # Records are shared, not copied: a correction copies its target before changing it.
        self.reports = [_Report(record) for record in ordered]
        self.by_id: dict[str, _Report] = {}
        # Later reports with an id an earlier one holds (an older version let them in): the
        # views cannot key them, but a correction of that id still reaches them.
        self.shadowed: dict[str, list[_Report]] = {}
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
        self._referrers: dict[str, dict[str, list[_Report]]] = {}
        for report in self._alive:
            for ref in dict.fromkeys(report.refs):  # a repeated id counts once
                by_type = self._referrers.setdefault(ref, {})
                by_type.setdefault(report.type, []).append(report)

    def _apply(self, correction: _Report) -> None:
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
                target.actor = _actor(target.get("by"))

    def targets(self, report: _Report) -> Iterator[_Report]:
        """The referenced reports present in the input; a partial input simply lacks the rest."""
        for ref in dict.fromkeys(report.refs):
            if ref in self.by_id:
                yield self.by_id[ref]

    def corrected_by(self, correction: _Report) -> Iterator[_Report]:
        """`targets`, and the shadowed reports sharing their ids: a correction is for them all."""
        for target in self.targets(correction):
            yield target
            yield from self.shadowed.get(target.id, ())

    def live(self) -> list[_Report]:
        """The reports not voided, in log order (the caller only reads the list)."""
        return self._alive

    def referring(self, report: _Report, type_: str) -> list[_Report]:
        """Non-voided reports of one type that refer to `report`, in log order (the caller
        only reads the list)."""
        return self._referrers.get(report.id, _NO_REFERRERS).get(type_, [])

    def self_retracted(self, report: _Report) -> bool:
        """Whether whoever made `report` has taken it back (someone else's retraction is moot)."""
        return any(r.actor == report.actor for r in self.referring(report, "retraction"))


_NO_REFERRERS: dict[str, list[_Report]] = {}


def fold(
    reports: Iterable[Mapping[str, Any]],
    *,
    timeline_of: Collection[str] | None = None,
    tables: Collection[str] = tuple(COLUMNS),
    shaped: bool = True,
) -> dict[str, list[dict[str, Any]]]:
    """The rows of every current-state view (or of `tables`), from report records in log order.

    `timeline_of` limits the timeline rows to those reports: a catch-up writes each report's
    timeline row once, when it arrives, and needs the fold's only for reports just corrected.
    `shaped=False` leaves each row's keys in the order they were built: a catch-up picks the
    columns when it inserts (a missing one raises there just the same).
    """
    ledger = _Ledger(reports)
    derived = {a.id: _derive(ledger, a) for a in ledger.live() if a.type in ASSERTION_TYPES}
    builders: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "incidents": lambda: _incident_rows(ledger, derived),
        "claims": lambda: _claim_rows(ledger, derived),
        "disputes": lambda: _dispute_rows(ledger),
        "actors": lambda: _actor_rows(ledger),
        "actor_tallies": lambda: _actor_tally_rows(ledger),
        "provenance": lambda: _provenance_rows(ledger),
        "provenance_chains": lambda: _provenance_chain_rows(ledger),
        "links": lambda: _link_rows(ledger),
        "timeline": lambda: _timeline_rows(ledger, timeline_of),
    }
    if not shaped:
        return {name: builders[name]() for name in tables}
    return {name: [_shape(name, row) for row in builders[name]()] for name in tables}


def _derive(ledger: _Ledger, assertion: _Report) -> _Derived:
    """Apply the status rules (docs/format.md, "Status of an assertion") to one assertion."""
    own = assertion.actor
    verdicts = ledger.referring(assertion, "verdict")
    denials = [
        d
        for d in ledger.referring(assertion, "denial")
        if d.actor != own and not ledger.self_retracted(d)
    ]
    corroborations = [
        c for c in ledger.referring(assertion, "corroboration") if not ledger.self_retracted(c)
    ]
    independent = [c for c in corroborations if c.get("independent") is True and c.actor != own]
    assessments = ledger.referring(assertion, "assessment")
    latest_verdict = verdicts[-1].get("status") if verdicts else None

    if any(r.actor == own for r in ledger.referring(assertion, "retraction")):
        status = "retracted"
    elif latest_verdict is not None:
        status = latest_verdict
    elif denials:
        status = "disputed"
    elif independent:
        status = "corroborated"
    else:
        status = "unverified"

    return _Derived(
        status=status,
        denials=len(denials),
        corroborations=len(independent),
        other_corroborations=len(corroborations) - len(independent),
        discrepancies=len(ledger.referring(assertion, "discrepancy")),
        reliability=assessments[-1].get("reliability") if assessments else None,
        credibility=assessments[-1].get("credibility") if assessments else None,
        verdict=latest_verdict,
    )


def _incident_rows(ledger: _Ledger, derived: Mapping[str, _Derived]) -> list[dict[str, Any]]:
    own: dict[str, list[_Report]] = defaultdict(list)
    # An incident changes when any of its own reports is appended, and also when a report
    # elsewhere refers into it (a cross-incident denial), so both bump its last_* columns.
    touched: dict[str, list[_Report]] = defaultdict(list)
    for report in ledger.reports:
        own[report.incident].append(report)
        touched[report.incident].append(report)
        for target in ledger.targets(report):
            if target.incident != report.incident:
                touched[target.incident].append(report)

    rows = []
    for head in ledger.live():
        if head.type != "incident":
            continue
        live = [r for r in own[head.incident] if not r.voided]
        statuses = [derived[r.id].status for r in live if r.type in ASSERTION_TYPES]
        first_stated, last_stated = _stated_span(live)
        rows.append(
            {
                **{k: head.get(k) for k in _INCIDENT_FIELDS},
                "incident": head.incident,
                "status": next((s for s in INCIDENT_STATUS_ORDER if s in statuses), "open"),
                "assertions": len(statuses),
                "disputed": statuses.count("disputed"),
                "reports": len(live),
                "first_stated_at": first_stated,
                "last_stated_at": last_stated,
                "last_recorded_at": max(r.get("recorded_at") for r in touched[head.incident]),
                "last_position": max(r.position for r in touched[head.incident]),
                "version": max(r.get("version") for r in own[head.incident]),
                "corrected": head.corrected,
            }
        )
    return sorted(rows, key=lambda row: row["incident"])


def _stated_span(reports: Iterable[_Report]) -> tuple[str | None, str | None]:
    """Earliest and latest `stated_at` as given, compared by the earliest instant each can mean.

    Partial dates ("2017-09") sort by their first instant; ties go to the earlier report for the
    first and to the later report for the last.
    """
    stated = [
        (instant, r.get("stated_at"))
        for r in reports
        if (instant := _instant(r.get("stated_at"))) is not None
    ]
    if not stated:
        return None, None
    first = min(stated, key=lambda pair: pair[0])
    last = max(reversed(stated), key=lambda pair: pair[0])
    return first[1], last[1]


def _claim_rows(ledger: _Ledger, derived: Mapping[str, _Derived]) -> list[dict[str, Any]]:
    rows = []
    for a in ledger.live():
        if a.type not in ASSERTION_TYPES:
            continue
        d = derived[a.id]
        stance = (a.get("stance") or "alleges") if a.type == "claim" else None
        rows.append(
            {
                **{k: a.get(k) for k in ("by", "speaker", "on_behalf_of", "addressee", "summary")},
                **{k: a.get(k) for k in ("quote", "stated_at", "recorded_at", "position")},
                "report": a.id,
                "incident": a.incident,
                "type": a.type,
                "actor": a.actor,
                "stance": stance,
                "against": _json_list(a.get("against")),
                "targets": _json_list(a.get("targets")),
                **vars(d),
                "corrected": a.corrected,
            }
        )
    return sorted(rows, key=lambda row: row["position"])


def _dispute_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    rows = []
    for denial in ledger.live():
        if denial.type != "denial":
            continue
        for claim in ledger.targets(denial):
            # Rule 3: only another actor can dispute; an asserter denying itself is no dispute.
            if claim.voided or claim.type not in ASSERTION_TYPES or claim.actor == denial.actor:
                continue
            rows.append(
                {
                    "claim": claim.id,
                    "denial": denial.id,
                    "incident": claim.incident,
                    "denial_incident": denial.incident,
                    "claimant": claim.get("by"),
                    "denier": denial.get("by"),
                    "denial_stated_at": denial.get("stated_at"),
                    "scope": denial.get("scope"),
                    "retracted": ledger.self_retracted(denial),
                }
            )
    return sorted(rows, key=lambda row: (row["claim"], row["denial"]))


ISSUED_COUNTS = {
    "claim": "claims_made",
    "warning": "warnings_issued",
    "denial": "denials_issued",
    "corroboration": "corroborations_given",
    "retraction": "retractions",
}


def _actor_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    names: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    issued = ISSUED_COUNTS
    for report in ledger.live():
        for name in _actor_names(report):
            if (aid := _actor(name)) is not None:
                names.setdefault(aid, name)
        if report.type in issued and report.actor is not None:
            counts[report.actor][issued[report.type]] += 1
        if report.type in ASSERTION_TYPES:
            for accused in _accused(report):
                counts[accused]["accused_in"] += 1

    rows = []
    for actor, name in sorted(names.items()):
        tally = counts.get(actor, {})
        rows.append(
            {
                "actor": actor,
                "name": name,
                **{col: tally.get(col, 0) for col in ACTOR_COUNTS},
            }
        )
    return rows


def _actor_tally_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    # Per (incident, actor): [name, first_position, first_seq, *counts, reports], a list
    # until the end: a rebuild builds this for every report, and the dicts cost a quarter more.
    tallies: dict[tuple[str, str], list[Any]] = {}
    reports_at = 3 + len(ACTOR_COUNTS)
    for report in ledger.live():
        incident, rid = report.incident, report.id
        for seq, name in enumerate(_actor_names(report)):
            aid = _actor(name)
            if aid is None:
                continue
            tally = tallies.get((incident, aid))
            if tally is None:
                tallies[(incident, aid)] = [name, report.position, seq, *_ZERO_COUNTS, [rid]]
            elif tally[reports_at][-1] != rid:
                tally[reports_at].append(rid)
        # Every actor counted below is also named above (by, against, threatened_party).
        if report.type in _ISSUED_AT and report.actor is not None:
            tallies[(incident, report.actor)][_ISSUED_AT[report.type]] += 1
        if report.type in ASSERTION_TYPES:
            for aid in _accused(report):
                tallies[(incident, aid)][_ACCUSED_AT] += 1
    return [
        dict(
            zip(
                _TALLY_KEYS,
                (incident, aid, *tally[:reports_at], _json(tally[reports_at])),
                strict=True,
            )
        )
        for (incident, aid), tally in sorted(tallies.items())
    ]


_TALLY_KEYS = COLUMNS["actor_tallies"]
_ZERO_COUNTS = (0,) * len(ACTOR_COUNTS)
# Where each count sits in a tally list (after name, first_position and first_seq).
_ISSUED_AT = {kind: 3 + ACTOR_COUNTS.index(count) for kind, count in ISSUED_COUNTS.items()}
_ACCUSED_AT = 3 + ACTOR_COUNTS.index("accused_in")


_ACTOR_FIELDS = ("by", "speaker", "on_behalf_of", "against", "addressee", "threatened_party")


def _actor_names(report: _Report) -> list[Any]:
    """Every actor a report names, in a fixed field order so 'first spelling seen' is stable."""
    names: list[Any] = []
    get = report.get
    for key in _ACTOR_FIELDS:
        value = get(key)
        if value is None:
            continue
        if type(value) is str:  # the usual case: one name
            if value:
                names.append(value)
        else:
            names += [name for name in _as_list(value) if name]
    return names


def _accused(assertion: _Report) -> set[str]:
    # A warning names no perpetrator; the party it threatens is the one it accuses.
    names = _as_list(assertion.get("against")) + _as_list(assertion.get("threatened_party"))
    return {aid for aid in map(_actor, names) if aid is not None}


def _provenance_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    rows = []
    for report in ledger.live():
        if report.type not in PARTY_TYPES:
            continue
        for hop, values in enumerate(_chain(report)):
            hop_row = {"report": report.id, "incident": report.incident, "hop": hop}
            rows.append({**hop_row, **dict(zip(_HOP_KEYS, values, strict=True))})
    return sorted(rows, key=lambda row: (row["report"], row["hop"]))


def _provenance_chain_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    rows = []
    for report in ledger.live():
        if report.type in PARTY_TYPES and (chain := _chain(report)):
            rows.append({"report": report.id, "incident": report.incident, "chain": _json(chain)})
    return sorted(rows, key=lambda row: row["report"])


# A hop's values, in the order of a chain's lists and of the provenance view's columns.
_HOP_KEYS = ("agent", "role", "kind", "url", "published_at", "quote_mode")


def _chain(report: _Report) -> list[list[Any]]:
    """The report's hops, each as [agent, role, kind, url, published_at, quote_mode]: speaker,
    principal, then the source chain (the first two have no source, so no kind or url)."""
    hops: list[list[Any]] = []
    get = report.get
    speaker, by = get("speaker"), get("by")
    if speaker:
        hops.append([speaker, "speaker", None, None, None, None])
        principal = get("on_behalf_of") or by
        if principal and _actor(principal) != _actor(speaker):
            hops.append([principal, "on_behalf_of", None, None, None, None])
    elif by:
        hops.append([by, "source", None, None, None, None])

    sources = [s for s in get("sources") or () if isinstance(s, Mapping)]
    # Channels are how the words left the speaker; the last hop past them is where they were read.
    carriers = [i for i, s in enumerate(sources) if s.get("kind") not in CHANNEL_KINDS]
    outlet_at = carriers[-1] if carriers else -1
    for i, source in enumerate(sources):
        field = source.get
        kind = field("kind")
        role = "channel" if kind in CHANNEL_KINDS else "outlet" if i == outlet_at else "relay"
        hops.append(
            [field("outlet"), role, kind, field("url"), field("published_at"), field("quote_mode")]
        )
    return hops


def _link_rows(ledger: _Ledger) -> list[dict[str, Any]]:
    rows = [
        {
            "report": r.id,
            "incident": r.incident,
            "other": r.get("other"),
            "relation": r.get("relation"),
            "note": r.get("note"),
        }
        for r in ledger.live()
        if r.type == "link"
    ]
    return sorted(
        rows,
        key=lambda row: (
            _text(row["incident"]),
            _text(row["other"]),
            _text(row["relation"]),
            row["report"],
        ),
    )


def _timeline_rows(ledger: _Ledger, only: Collection[str] | None) -> list[dict[str, Any]]:
    # The log itself, voided reports included, so an audit can see what was struck and when;
    # values are the current (corrected) ones, flagged by `corrected`.
    rows = [
        timeline_row(r.data, voided=r.voided, corrected=r.corrected)
        for r in ledger.reports
        if only is None or r.id in only
    ]
    return sorted(rows, key=lambda row: row["position"])


def timeline_row(
    record: Mapping[str, Any], *, voided: bool = False, corrected: bool = False
) -> dict[str, Any]:
    """One report's timeline row (its columns, in order) from its current values."""
    return dict(zip(COLUMNS["timeline"], timeline_values(record, voided, corrected), strict=True))


def timeline_values(
    record: Mapping[str, Any], voided: bool = False, corrected: bool = False
) -> tuple[Any, ...]:
    """`timeline_row`'s values as a tuple in column order: what a rebuild inserts for every
    report, without a dict built and picked apart again."""
    report_type = str(record["type"])
    get = record.get
    stated_at = get("stated_at")
    return (
        int(record["position"]),
        str(record["report"]),
        str(record["incident"]),
        report_type,
        get("by"),
        stated_at,
        _instant(stated_at),
        get("recorded_at"),
        get("recorded_by"),
        get("version"),
        _json_list(get("refers_to")),
        get(_TIMELINE_TEXT.get(report_type, "summary")),
        voided,
        corrected,
    )


def _shape(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly the table's columns, in order: a missing column is a bug here, so it raises."""
    return {column: row[column] for column in COLUMNS[table]}


def _actor(name: Any) -> str | None:
    return actor_id(name) if isinstance(name, str) and name.strip() else None


def _as_list(value: Any) -> list[Any]:
    """Tolerate a single value where a list is expected (as the interchange format does)."""
    if type(value) is list:
        return value  # every caller only reads it: no copy
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _json_list(value: Any) -> str:
    return _json(_as_list(value))


def _json(value: Any) -> str:
    # orjson writes the same text as json.dumps(ensure_ascii=False, separators=(",", ":")) for
    # lists of names, ids and strings, five times faster; anything it cannot hold goes the
    # slow way.
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _instant(text: Any) -> str | None:
    """The sortable earliest instant of a time, or None when absent or not a time at all."""
    if not isinstance(text, str):
        return None
    try:
        return earliest_instant(text)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)
