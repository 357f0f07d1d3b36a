"""The rows of each current-state view, built from the corrected reports and the statuses
`ledger.fold` derived: which columns each row has, who counts as an actor and as accused, the
provenance hops and their roles, the timeline's text.

Pure Python, no I/O, like the fold that calls it (the status rules stay in ledger/fold.py).
"""

from __future__ import annotations

import json
import operator
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from ledger.ids import actor_id
from ledger.registry import Registry
from ledger.report_fields import ACCUSED_FIELDS, ASSERTION_TYPES, PARTY_TYPES
from ledger.timeutil import earliest_instant
from ledger.view_columns import ACTOR_COUNTS, VIEWS

if TYPE_CHECKING:
    from ledger.fold import DerivedColumns, FoldedLedger, FoldedReport

# The columns of each view the fold yields rows for, in order (declared in
# ledger/view_columns.py; the projector adds the rest).
COLUMNS: dict[str, tuple[str, ...]] = {
    view.name: tuple(c.name for c in view.columns if c.folded) for view in VIEWS if view.folded
}

Row = tuple[Any, ...]


def declared(table: str, *names: str) -> tuple[str, ...]:
    """The order a builder writes a row's values in, checked at import against the view's
    declared columns: each builder makes its rows as tuples in exactly that order (no dict per
    row, nothing to pick apart again), and `ledger.fold` zips them with the names."""
    if names != COLUMNS[table]:
        raise AssertionError(f"{table}: built as {names}, declared as {COLUMNS[table]}")
    return names


# Source kinds that carry the words out of the speaker's mouth (not where they were read).
CHANNEL_KINDS = frozenset({"statement", "briefing", "interview", "document"})
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


_CLAIMS = declared(
    "claims",
    *("report", "incident", "type", "by", "actor", "side", "speaker", "on_behalf_of", "stance"),
    *("against", "targets", "addressee", "summary", "quote", "stated_at"),
    # ledger.fold.DerivedColumns's fields, in its order:
    *("status", "denials", "internal_denials", "acknowledgements", "corroborations"),
    *("other_corroborations", "discrepancies", "reliability", "credibility", "verdict"),
    *("superseded_by", "outcome"),
    *("corrected", "recorded_at", "position"),
)


def claim_rows(ledger: FoldedLedger, derived: Mapping[str, DerivedColumns]) -> list[Row]:
    rows = []
    side = ledger.registry.side
    for a in ledger.live():
        if a.type not in ASSERTION_TYPES:
            continue
        get, actor = a.get, a.actor
        rows.append(
            (
                *(a.id, a.incident, a.type, get("by"), actor),
                None if actor is None else side(actor),
                *(get("speaker"), get("on_behalf_of")),
                (get("stance") or "alleges") if a.type == "claim" else None,
                _json_list(get("against")),
                _json_list(get("targets")),
                *(get("addressee"), get("summary"), get("quote"), get("stated_at")),
                *derived[a.id],
                *(a.corrected, get("recorded_at"), get("position")),
            )
        )
    rows.sort(key=operator.itemgetter(_CLAIMS.index("position")))
    return rows


_DISPUTES = declared(
    "disputes",
    *("claim", "denial", "incident", "denial_incident", "claimant", "denier"),
    *("claimant_actor", "denier_actor", "internal", "denial_stated_at", "scope", "retracted"),
)


def dispute_rows(ledger: FoldedLedger) -> list[Row]:
    rows = []
    registry = ledger.registry
    for denial in ledger.live():
        if denial.type != "denial":
            continue
        for claim in ledger.targets(denial):
            # Rule 1: an author denying its own statement withdraws it, which is no dispute.
            if claim.voided or claim.type not in ASSERTION_TYPES or claim.actor == denial.actor:
                continue
            rows.append(
                (
                    *(claim.id, denial.id, claim.incident, denial.incident),
                    *(claim.get("by"), denial.get("by"), claim.actor, denial.actor),
                    # One side contradicting itself (counted in `internal_denials`, not a
                    # dispute).
                    registry.same_side(claim.actor, denial.actor),
                    *(denial.get("stated_at"), denial.get("scope")),
                    not ledger.stands(denial),
                )
            )
    rows.sort(key=operator.itemgetter(0, 1))  # claim, denial
    return rows


ISSUED_COUNTS = {
    "claim": "claims_made",
    "warning": "warnings_issued",
    "denial": "denials_issued",
    "corroboration": "corroborations_given",
    "retraction": "retractions",
}


def actor_rows(ledger: FoldedLedger) -> list[dict[str, Any]]:
    # Tallied by name key (as `actor_tallies` is), then summed per resolved actor: the
    # projector does the same sums from `actor_tallies` (projections.rows.recount_actors).
    names: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    issued = ISSUED_COUNTS
    for report in ledger.live():
        for name in _actor_names(report):
            if (key := actor_key(name)) is not None:
                names.setdefault(key, name)
        if report.type in issued and report.key is not None:
            counts[report.key][issued[report.type]] += 1
        if report.type in ASSERTION_TYPES:
            for accused in _accused(report):
                counts[accused]["accused_in"] += 1
    return actors_summed(
        ledger.registry,
        {key: (name, counts.get(key, {})) for key, name in names.items()},
    )


def actors_summed(
    registry: Registry, tallies: Mapping[str, tuple[str, Mapping[str, int]]]
) -> list[dict[str, Any]]:
    """`actors` rows from per-name-key (first spelling, counts), keys in first-seen order:
    one row per resolved actor named, and one per registered actor (named or not)."""
    first: dict[str, str] = {}
    sums: dict[str, dict[str, int]] = {}
    for key, (name, tally) in tallies.items():
        actor = registry.resolve_key(key)
        first.setdefault(actor, name)
        total = sums.setdefault(actor, dict.fromkeys(ACTOR_COUNTS, 0))
        for column, n in tally.items():
            total[column] += n
    for registered in registry.actors():
        first.setdefault(registered.id, registered.name)
    rows = []
    for actor in sorted(first):
        known = registry.get(actor)
        rows.append(
            {
                "actor": actor,
                # A registered actor goes by its canonical name, whatever spelling came first.
                "name": known.name if known is not None else first[actor],
                "kind": known.kind if known is not None else None,
                "part_of": known.part_of if known is not None else None,
                "side": registry.side(actor),
                "country": known.country if known is not None else None,
                **sums.get(actor, dict.fromkeys(ACTOR_COUNTS, 0)),
            }
        )
    return rows


def actor_name_rows(registry: Registry) -> list[dict[str, Any]]:
    """Every registered spelling (canonical names and aliases) with its key and its actor."""
    rows = []
    for actor in registry.actors():
        for spelling in (actor.name, *actor.aliases):
            rows.append({"name": actor_id(spelling), "spelling": spelling, "actor": actor.id})
    return sorted(rows, key=lambda row: row["name"])


def actor_tally_rows(ledger: FoldedLedger) -> list[Row]:
    # Per (incident, actor): [name, first_position, first_seq, *counts, reports], a list
    # until the end: a rebuild builds this for every report, and the dicts cost a quarter more.
    tallies: dict[tuple[str, str], list[Any]] = {}
    reports_at = 3 + len(ACTOR_COUNTS)
    for report in ledger.live():
        incident, rid = report.incident, report.id
        for seq, name in enumerate(_actor_names(report)):
            aid = actor_key(name)
            if aid is None:
                continue
            tally = tallies.get((incident, aid))
            if tally is None:
                tallies[(incident, aid)] = [name, report.position, seq, *_ZERO_COUNTS, [rid]]
            elif tally[reports_at][-1] != rid:
                tally[reports_at].append(rid)
        # Every actor counted below is also named above (by, against, threatened_party).
        if report.type in _ISSUED_AT and report.key is not None:
            tallies[(incident, report.key)][_ISSUED_AT[report.type]] += 1
        if report.type in ASSERTION_TYPES:
            for aid in _accused(report):
                tallies[(incident, aid)][_ACCUSED_AT] += 1
    return [
        (incident, aid, *tally[:reports_at], _json(tally[reports_at]))
        for (incident, aid), tally in sorted(tallies.items())
    ]


_TALLIES = declared(
    "actor_tallies",
    *("incident", "actor", "name", "first_position", "first_seq"),
    *ACTOR_COUNTS,
    "reports",
)
_ZERO_COUNTS = (0,) * len(ACTOR_COUNTS)
# Where each count sits in a tally list (after name, first_position and first_seq).
_ISSUED_AT = {kind: 3 + ACTOR_COUNTS.index(count) for kind, count in ISSUED_COUNTS.items()}
_ACCUSED_AT = 3 + ACTOR_COUNTS.index("accused_in")


_ACTOR_FIELDS = ("by", "speaker", "on_behalf_of", "against", "addressee", "threatened_party")


def _actor_names(report: FoldedReport) -> list[Any]:
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
            names += [name for name in as_list(value) if name]
    return names


def _accused(assertion: FoldedReport) -> set[str]:
    """The name keys (`actor_id` of each spelling, no registry) of whom an assertion accuses
    (`ACCUSED_FIELDS`). Unlike ledger/status_rules.py `accused`, which resolves names through
    the registry to compare sides, the tallies count per spelling and are summed per resolved
    actor afterwards (`actors_summed`; projections.rows.recount_actors from `actor_tallies`),
    so a registry line re-sums them without refolding the log."""
    names: list[Any] = []
    for key in ACCUSED_FIELDS:
        names += as_list(assertion.get(key))
    return {aid for aid in map(actor_key, names) if aid is not None}


def provenance_rows(ledger: FoldedLedger) -> list[dict[str, Any]]:
    rows = []
    for report in ledger.live():
        if report.type not in PARTY_TYPES:
            continue
        for hop, values in enumerate(_chain(report)):
            hop_row = {"report": report.id, "incident": report.incident, "hop": hop}
            rows.append({**hop_row, **dict(zip(_HOP_KEYS, values, strict=True))})
    return sorted(rows, key=lambda row: (row["report"], row["hop"]))


_CHAINS = declared("provenance_chains", "report", "incident", "chain")


def provenance_chain_rows(ledger: FoldedLedger) -> list[Row]:
    rows = []
    for report in ledger.live():
        if report.type in PARTY_TYPES and (chain := _chain(report)):
            rows.append((report.id, report.incident, _json(chain)))
    rows.sort(key=operator.itemgetter(0))  # report
    return rows


# A hop's values, in the order of a chain's lists and of the provenance view's columns.
_HOP_KEYS = ("agent", "role", "kind", "url", "published_at", "quote_mode")


def _chain(report: FoldedReport) -> list[list[Any]]:
    """The report's hops, each as [agent, role, kind, url, published_at, quote_mode]: speaker,
    principal, then the source chain (the first two have no source, so no kind or url)."""
    hops: list[list[Any]] = []
    get = report.get
    speaker, by = get("speaker"), get("by")
    if speaker:
        hops.append([speaker, "speaker", None, None, None, None])
        principal = get("on_behalf_of") or by
        if principal and actor_key(principal) != actor_key(speaker):
            hops.append([principal, "on_behalf_of", None, None, None, None])
    elif by:
        hops.append([by, "source", None, None, None, None])

    given = get("sources")
    if not given:
        return hops
    # (A plain dict is tested first: the ABC's isinstance costs more than the rest of a hop.)
    sources = [s for s in given if type(s) is dict or isinstance(s, Mapping)]
    kinds = [s.get("kind") for s in sources]
    # Channels are how the words left the speaker; the last hop past them is where they were read.
    outlet_at = -1
    for i in range(len(kinds) - 1, -1, -1):
        if kinds[i] not in CHANNEL_KINDS:
            outlet_at = i
            break
    for i, source in enumerate(sources):
        field = source.get
        kind = kinds[i]
        role = "channel" if kind in CHANNEL_KINDS else "outlet" if i == outlet_at else "relay"
        hops.append(
            [field("outlet"), role, kind, field("url"), field("published_at"), field("quote_mode")]
        )
    return hops


_LINKS = declared("links", "report", "incident", "other", "relation", "note")


def link_rows(ledger: FoldedLedger) -> list[Row]:
    rows = [
        (r.id, r.incident, r.get("other"), r.get("relation"), r.get("note"))
        for r in ledger.live()
        if r.type == "link"
    ]
    # By incident, other, relation, then report.
    rows.sort(key=lambda row: (_text(row[1]), _text(row[2]), _text(row[3]), row[0]))
    return rows


_EVIDENCE = declared(
    "evidence",
    *("report", "incident", "kind", "title", "sha256", "bytes", "media_type", "url"),
    *("archived_url", "captured_at", "supports", "contradicts", "corrected", "position"),
)
_EVIDENCE_FIELDS = _EVIDENCE[2:10]  # kind .. captured_at: as the record says


def evidence_rows(ledger: FoldedLedger) -> list[Row]:
    rows = [
        (
            r.id,
            r.incident,
            *map(r.get, _EVIDENCE_FIELDS),
            _json_list(r.get("supports")),
            _json_list(r.get("contradicts")),
            r.corrected,
            r.position,
        )
        for r in ledger.live()
        if r.type == "evidence"
    ]
    rows.sort(key=lambda row: (_text(row[1]), row[-1]))  # incident, position
    return rows


def timeline_rows(ledger: FoldedLedger, only: Collection[str] | None) -> list[Row]:
    # The log itself, voided reports included, so an audit can see what was struck and when;
    # values are the current (corrected) ones, flagged by `corrected`.
    rows = [
        timeline_values(r.data, r.voided, r.corrected)
        for r in ledger.reports
        if only is None or r.id in only
    ]
    rows.sort(key=operator.itemgetter(0))  # position
    return rows


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
        sortable_instant(stated_at),
        get("recorded_at"),
        get("recorded_by"),
        get("version"),
        _json_list(get("refers_to")),
        get(_TIMELINE_TEXT.get(report_type, "summary")),
        voided,
        corrected,
    )


def actor_key(name: Any) -> str | None:
    """`actor_id` of a name, None for a blank or a non-name. Remembered per spelling: a fold
    asks about four times per report for the same few names."""
    if type(name) is str:
        try:
            return _KEYS[name]
        except KeyError:
            key = actor_id(name) if name.strip() else None
            if len(_KEYS) < _KEYS_HELD:
                _KEYS[name] = key
            return key
    return actor_id(name) if isinstance(name, str) and name.strip() else None


_KEYS: dict[str, str | None] = {}
_KEYS_HELD = 65_536  # as actor_id's own cache: hostile input cannot grow it without bound


def as_list(value: Any) -> list[Any]:
    """Tolerate a single value where a list is expected (as the interchange format does)."""
    if type(value) is list:
        return value  # every caller only reads it: no copy
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def _json_list(value: Any) -> str:
    return _json(as_list(value))


def _json(value: Any) -> str:
    # orjson writes the same text as json.dumps(ensure_ascii=False, separators=(",", ":")) for
    # lists of names, ids and strings, five times faster; anything it cannot hold goes the
    # slow way.
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def sortable_instant(text: Any) -> str | None:
    """The sortable earliest instant of a time, or None when absent or not a time at all."""
    if not isinstance(text, str):
        return None
    try:
        return earliest_instant(text)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def shape(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """Exactly the table's columns, in order: a missing column is a bug here, so it raises."""
    return {column: row[column] for column in COLUMNS[table]}
