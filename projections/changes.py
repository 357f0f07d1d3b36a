"""`ledger changes --since CUT [--until CUT]`: what changed ledger-wide between two cuts.

`ledger diff` replays one incident from the log twice. Ledger-wide that is a replay of the
whole log per incident; instead this reads the views, as a catch-up does:

1. the reports new between the cuts: those the later cut admits and the earlier does not
   (`Cut.admits`, the rule `diff` and `show` use), found through `timeline`'s position,
   recorded and stated columns (the cut's own kind of clock) and then checked exactly;
2. the incidents whose rows they may change: their own, and those they refer into (the
   projector's `affected_incidents`);
3. those incidents' reports and what refers into them (`closure_data`, from `timeline`), folded
   once as of each cut (`ledger.fold`, the rules the views are built by); their incident and
   assertion statuses compared.

So its cost follows the reports between the cuts and the incidents they touch, not the log.
The views are read as they stand: when they are behind the log, the changes stop where they do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

import orjson

from ledger.fold import COLUMNS as VIEW_COLUMNS
from ledger.fold import fold, fold_rows
from ledger.records import Cut
from ledger.registry import Registry
from ledger.report_fields import INCIDENT_ASSERTION_TYPES
from ledger.status_rules import STATUS_INPUT_TYPES, incident_status
from ledger.store.config import StoreConfig
from ledger.timeutil import format_utc
from projections.queries import read_connection
from projections.rows import (
    Connection,
    affected_incidents,
    closure_data,
    load_registry,
    with_referrers,
)

COLUMNS = ("position", "change", "incident", "report", "type", "by", "from", "to", "summary")
TABLE_COLUMNS = ("position", "change", "incident", "report", "type", "by", "from", "to")

# What a new report's `to` shows: a verdict's status, a correction's void, a link's other end.
_OUTCOME = {"verdict": "status", "link": "other"}


def changes(store: StoreConfig, since: Cut, until: Cut | None = None) -> list[dict[str, Any]]:
    """Every report new between the cuts, then every incident and assertion status that
    changed (from, to), as rows of `COLUMNS`."""
    later = until or Cut()
    with read_connection(store) as raw:
        db = Connection(raw, postgres=store.backend != "sqlite")
        new = _new_records(db, since, later)
        if not new:
            return []
        # Names resolve through the registry the views were built with, on both sides: the
        # later state is the views' own, so the earlier one must read names as they do.
        registry = load_registry(db)
        if until is None:
            before, after = _since(db, new, since, registry)
        else:
            before, after = _between(db, new, since, later, registry)
    rows = [_new_row(r) for r in new]
    for key in sorted(after.keys() & before.keys(), key=lambda k: (k[0], k[1] or "")):
        old, current = before[key], after[key]  # only in `after`: new, listed above
        if old[0] == current[0]:
            continue
        incident, report = key
        rows.append(
            {
                "position": None,
                "change": "status",
                "incident": incident,
                "report": report,
                "type": current[1],
                "by": current[2],
                "from": old[0],
                "to": current[0],
                "summary": current[3],
            }
        )
    return rows


States = dict[tuple[str, str | None], tuple[Any, ...]]
# Where `_since` finds what it reads in a `claims` row of `fold_rows`.
_CLAIM_COLUMNS = tuple(
    map(VIEW_COLUMNS["claims"].index, ("report", "incident", "status", "type", "by", "summary"))
)


def _between(
    db: Connection, new: list[dict[str, Any]], since: Cut, until: Cut, registry: Registry
) -> tuple[States, States]:
    """Both states of the incidents the new reports touch, each folded whole as of its cut."""
    touched = affected_incidents(
        db, {r["incident"] for r in new}, {t for r in new for t in r.get("refers_to", ())}
    )
    closure = sorted(
        (orjson.loads(data) for data in closure_data(db, touched).values()),
        key=lambda r: r["position"],
    )
    return (
        _states(closure, since, touched, registry),
        _states(closure, until, touched, registry),
    )


def _since(
    db: Connection, new: list[dict[str, Any]], since: Cut, registry: Registry
) -> tuple[States, States]:
    """Up to now: the later state is the views' own rows (the fold of the whole log), and the
    earlier one differs from it only for the assertions the new reports refer to, up to four
    hops (a correction voiding the retraction of a denial of a claim). An assertion's status
    depends only on it and what refers to it (as `ledger audit` folds it), so only those are
    folded, with what refers to them, as of the cut; an incident's status is then the first,
    in the fold's order, that its assertions held."""
    fresh = {r["report"] for r in new}
    moved: set[str] = set()
    frontier = {t for r in new for t in r.get("refers_to", ())}
    for _ in range(4):
        frontier -= moved
        if not frontier:
            break
        moved |= frontier
        frontier = set(
            db.column_in("SELECT target FROM report_refs WHERE source IN ({})", frontier)
        )
    moved -= fresh
    # The new reports among the referrers are left out, and what refers to them: the earlier
    # cut admits none of them, so they are in no assertion's earlier state.
    local = _with_referrers(db, moved, leave_out=fresh)
    touched = {r["incident"] for r in new} | {r["incident"] for r in local if r["report"] in moved}
    # Only the moved assertions and the touched incidents can differ: every other assertion's
    # earlier state is its later one. So only their rows are read, and each incident's earlier
    # status from what its other assertions hold now, counted by SQL.
    after = _stored_states(db, touched, moved)
    admitted = _admits(since)
    earlier = [r for r in local if admitted(r)]
    # The fold's rows as tuples: a dict per row of 6,500, for four of its 30 columns, was a
    # sixth of the fold.
    at_report, at_incident, *at_state = _CLAIM_COLUMNS
    before: States = {
        (row[at_incident], row[at_report]): tuple(row[i] for i in at_state)
        for row in fold_rows(earlier, tables=("claims",), registry=registry)["claims"]
        if row[at_report] in moved
    }
    # Left out of the count: the new claims and warnings (the cut admits none), and the moved
    # ones, whose statuses now are in `after` already (types are never corrected).
    held = _held_statuses(
        db,
        touched,
        {r["report"] for r in new if r["type"] in INCIDENT_ASSERTION_TYPES},
        [
            (incident, state[0])
            for (incident, report), state in after.items()
            if report is not None and state[1] in INCIDENT_ASSERTION_TYPES
        ],
    )
    for (incident, _), state in before.items():
        # An incident's status is its claims' and warnings' (denials are assertions too, but
        # do not count there: version 2's rule, as the fold applies it).
        if state[1] in INCIDENT_ASSERTION_TYPES:
            held.setdefault(incident, set()).add(state[0])
    for (incident, report), state in list(after.items()):
        if report is None and incident not in fresh:  # the incident was open before the cut
            before[(incident, None)] = (incident_status(held.get(incident, ())), *state[1:])
    return before, after


def _held_statuses(
    db: Connection,
    incidents: set[str],
    left_out: set[str],
    also_left_out: Collection[tuple[str, str]],
) -> dict[str, set[str]]:
    """incident -> the statuses its claims and warnings hold in the views, but for the claims
    and warnings of `left_out` and those `also_left_out` (incident, status) names: counted by
    SQL per incident and status, then the left-out rows' own taken off (they are a few
    thousand; the incidents' assertions, a hundred thousand)."""
    kinds = sorted(INCIDENT_ASSERTION_TYPES)
    counts: dict[tuple[str, str], int] = {}
    for incident, status, count in db.rows_in(
        "SELECT incident, status, count(*) FROM claims WHERE incident IN ({}) "
        f"AND type IN ({', '.join(repr(k) for k in kinds)}) GROUP BY incident, status",
        incidents,
    ):
        counts[(incident, status)] = int(count)
    taken = list(also_left_out)
    for incident, status, report_type in db.rows_in(
        "SELECT incident, status, type FROM claims WHERE report IN ({})", left_out
    ):
        if report_type in INCIDENT_ASSERTION_TYPES:
            taken.append((incident, status))
    for key in taken:
        if key in counts:
            counts[key] -= 1
    held: dict[str, set[str]] = {}
    for (incident, status), count in counts.items():
        if count > 0:
            held.setdefault(incident, set()).add(status)
    return held


def _with_referrers(
    db: Connection, reports: set[str], leave_out: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The reports and every report referring to them that a status can depend on
    (`STATUS_INPUT_TYPES`), four hops up, in log order, but for those of `leave_out` and what
    reaches them only through those: a report missing from a fold bears on nothing through it
    (a retraction of a denial the cut does not admit changes no claim), and what also refers
    to a kept report is found from that one. Filtered by type in SQL: assessments and
    discrepancies (a fifth of a week's referrers here) are neither read, parsed nor folded,
    nor is what refers to them."""
    chosen = dict(db.rows_in("SELECT report, data FROM timeline WHERE report IN ({})", reports))
    found = with_referrers(db, chosen, hops=4, types=STATUS_INPUT_TYPES, leave_out=leave_out)
    return sorted((orjson.loads(data) for data in found.values()), key=lambda r: r["position"])


def _new_records(db: Connection, since: Cut, until: Cut) -> list[dict[str, Any]]:
    """The reports `until` admits and `since` does not, in log order: the rows that may
    qualify, found through an index on the earlier cut's own clock, then checked exactly
    with `Cut.admits` on each report as said."""
    queries: list[tuple[str, list[Any]]] = []
    if since.at_position is not None:
        queries.append(("position > ?", [since.at_position]))
    elif since.as_of is not None:
        queries.append(("recorded_at > ?", [format_utc(since.as_of)]))
    elif since.reported_by is not None:
        stated = format_utc(since.reported_by)
        queries += [
            ("stated_from > ? AND type <> 'incident'", [stated]),
            # No stated time: it counts from when it was recorded (the incident line is
            # admitted by every stated cut).
            ("stated_from IS NULL AND type <> 'incident' AND recorded_at > ?", [stated]),
            # `stated_from` shows a corrected report's time as corrected, not as said.
            ("corrected", []),
        ]
    else:
        queries.append(("1 = 1", []))
    found: dict[int, str] = {}
    for where, parameters in queries:
        if until.at_position is not None:
            where, parameters = f"{where} AND position <= ?", [*parameters, until.at_position]
        found.update(db.rows(f"SELECT position, data FROM timeline WHERE {where}", parameters))
    records = [orjson.loads(found[position]) for position in sorted(found)]
    later, earlier = _admits(until), _admits(since)
    return [r for r in records if later(r) and not earlier(r)]


def _admits(cut: Cut) -> Callable[[dict[str, Any]], bool]:
    """`cut.admits`, asked once per combination of what it reads: the events of one append
    share their `recorded_at`, and most reports one of a few stated days, so a week's reports
    and the closures they reach are a few hundred combinations, not thousands of parses."""
    if cut.is_open:
        return lambda record: True
    by_position = cut.at_position is not None
    known: dict[tuple[Any, ...], bool] = {}

    def admits(record: dict[str, Any]) -> bool:
        key = (
            record["position"] if by_position else None,
            record["recorded_at"],
            record["type"] == "incident",
            record.get("stated_at"),
        )
        found = known.get(key)
        if found is None:
            found = known[key] = cut.admits(record)
        return found

    return admits


def _states(
    closure: Sequence[dict[str, Any]], cut: Cut, incidents: set[str], registry: Registry
) -> States:
    """(incident, report or None for the incident) -> (status, type, by, summary) as of `cut`."""
    admitted = [r for r in closure if cut.admits(r)]
    views = fold(admitted, tables=("incidents", "claims"), registry=registry)
    states: dict[tuple[str, str | None], tuple[Any, ...]] = {}
    for row in views["incidents"]:
        if row["incident"] in incidents:
            states[(row["incident"], None)] = (row["status"], "incident", None, row["title"])
    for row in views["claims"]:
        if row["incident"] in incidents:
            states[(row["incident"], row["report"])] = (
                row["status"],
                row["type"],
                row["by"],
                row["summary"],
            )
    return states


def _stored_states(
    db: Connection, incidents: set[str], reports: set[str] | None = None
) -> dict[tuple[str, str | None], tuple[Any, ...]]:
    """`_states` as the views hold them now: the incidents, and their assertions (only those
    of `reports` when given)."""
    states: dict[tuple[str, str | None], tuple[Any, ...]] = {}
    for incident, status, title in db.rows_in(
        "SELECT incident, status, title FROM incidents WHERE incident IN ({})", incidents
    ):
        states[(incident, None)] = (status, "incident", None, title)
    chosen = ("report", reports) if reports is not None else ("incident", incidents)
    for incident, report, status, report_type, by, summary in db.rows_in(
        'SELECT incident, report, status, type, "by", summary FROM claims '
        f"WHERE {chosen[0]} IN ({{}})",
        chosen[1],
    ):
        if incident in incidents:
            states[(incident, report)] = (status, report_type, by, summary)
    return states


def _new_row(record: dict[str, Any]) -> dict[str, Any]:
    report_type = record["type"]
    outcome = record.get(_OUTCOME.get(report_type, ""))
    if report_type == "correction" and record.get("void"):
        outcome = "void"
    return {
        "position": record["position"],
        "change": "new",
        "incident": record["incident"],
        "report": record["report"],
        "type": report_type,
        "by": record.get("by"),
        "from": None,
        "to": outcome,
        "summary": record.get("title") or record.get("summary") or record.get("reason"),
    }
