"""An incident replayed from the log at any cut: its state (`show`), its events (`history`)
and what changed between two cuts (`diff`). The views are not read: the log is the truth, and
a cut is something the views cannot answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ledger.application import IncidentLedger
from ledger.errors import DomainRuleViolation, InvalidFilter
from ledger.fold import current_values, fold
from ledger.records import Cut, to_record
from ledger.registry import ActorLine, Registry
from ledger.store.errors import translated

Views = dict[str, list[dict[str, Any]]]

# What `diff` compares: an incident's row, and each of its assertions' rows.
DIFF_INCIDENT_FIELDS = ("status", "assertions", "disputed", "reports", "last_stated_at", "version")
DIFF_ASSERTION_FIELDS = (
    "status",
    "denials",
    "corroborations",
    "discrepancies",
    "reliability",
    "credibility",
)
NEW_REPORT_FIELDS = ("position", "report", "type", "by", "stated_at")


def incident_state(ledger: IncidentLedger, incident: str, cut: Cut | None) -> Views:
    """Every view's rows for the incident (and the reports elsewhere that refer into it), as
    the log stood at `cut` (None: now)."""
    return _state(ledger, incident, cut)[1]


def _state(
    ledger: IncidentLedger, incident: str, cut: Cut | None
) -> tuple[dict[str, Mapping[str, Any]], Views]:
    """The incident's reports' current values (corrections applied) and its views, at `cut`."""
    with translated(ledger.config, ledger.lock_timeout):
        records = related_records(ledger, incident, cut=cut)
        registry = registry_for(ledger, cut)
    return current_values(records, registry), fold(records, registry=registry)


def registry_for(ledger: IncidentLedger, cut: Cut | None) -> Registry:
    """The actor registry a cut resolves names through (DOMAIN.md, "The actor registry"):
    `--as-of` and `--at-position` use it as the ledger held it then; `--reported-by` alone uses
    today's, since who is who is the ledger's knowledge, not a statement anyone made then."""
    if cut is None or (cut.as_of is None and cut.at_position is None):
        return ledger.registry()
    # The registry's lines belong to no statement: only the ledger's clocks cut them.
    held = Cut(as_of=cut.as_of, at_position=cut.at_position)
    return Registry.from_lines(
        ActorLine.from_record(r) for r in ledger.actor_records() if held.admits(r)
    )


@dataclass
class IncidentView:
    """An incident's state at a cut: its row, and its assertions, disputes and links."""

    incident: dict[str, Any]
    assertions: list[dict[str, Any]]
    disputes: list[dict[str, Any]]
    links: list[dict[str, Any]]
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "incident": self.incident,
            "assertions": self.assertions,
            "disputes": self.disputes,
            "links": self.links,
            "evidence": self.evidence,
        }


# What `show` lists of each evidence item (the material as data: DOMAIN.md, "Evidence").
EVIDENCE_FIELDS = (
    "kind",
    "title",
    "url",
    "archived_url",
    "sha256",
    "media_type",
    "captured_at",
    "author",
    "deleted_at",
    "supports",
    "contradicts",
)
MAGNITUDE_COUNTS = ("occurrences", "killed", "injured", "missing", "detained", "displaced")


def magnitude_ranges(magnitude: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A magnitude with every count as {"low", "best", "high"} (DOMAIN.md: an integer n means
    low = best = high = n; a part not given stays None), and `civilians` as given."""
    if not magnitude:
        return None
    found: dict[str, Any] = {}
    for count in MAGNITUDE_COUNTS:
        value = magnitude.get(count)
        if isinstance(value, int):
            found[count] = {"low": value, "best": value, "high": value}
        elif isinstance(value, Mapping):
            found[count] = {part: value.get(part) for part in ("low", "best", "high")}
    if "civilians" in magnitude:
        found["civilians"] = magnitude["civilians"]
    return found


def show(ledger: IncidentLedger, incident: str, cut: Cut | None = None) -> IncidentView:
    """The incident's state at `cut`; refused if it was not yet in the ledger then."""
    values, views = _state(ledger, incident, cut)
    rows = [r for r in views["incidents"] if r["incident"] == incident]
    if not rows:
        raise DomainRuleViolation(
            f"incident '{incident}' was not yet in the ledger at that cut-off"
        )

    def own(view: str) -> list[dict[str, Any]]:
        return [row for row in views[view] if row["incident"] == incident]

    assertions = own("claims")
    for row in assertions:
        row["magnitude"] = magnitude_ranges(values[row["report"]].get("magnitude"))
    evidence = [
        {"report": report, **{k: data.get(k) for k in EVIDENCE_FIELDS}}
        for report, data in values.items()
        if data.get("type") == "evidence" and data.get("incident") == incident
    ]
    return IncidentView(rows[0], assertions, own("disputes"), own("links"), evidence)


def history(ledger: IncidentLedger, incident: str, cut: Cut | None = None) -> list[dict[str, Any]]:
    """Every event of the incident up to `cut`, in order: its position, content and hash."""
    rows = []
    with translated(ledger.config, ledger.lock_timeout):
        events = ledger.positioned_events(incident)
    for position, event in events:
        if cut is not None and not cut.is_open and not cut.admits(to_record(position, event)):
            continue
        rows.append({"position": position, **event.content(), "hash": event.hash})
    return rows


def actor_history(
    ledger: IncidentLedger, name: str, cut: Cut | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The aggregate id of the actor `name` resolves to now, and its events up to `cut`: each
    line that registered or updated it (aliases, part_of, kind...), in order. Refused, with the
    closest registered names, when `name` is no registered actor's."""
    with translated(ledger.config, ledger.lock_timeout):
        registry = ledger.registry()
    actor = registry.resolve(name)
    if actor not in registry:
        close = ", ".join(f"'{s}'" for s in registry.suggest(name))
        raise DomainRuleViolation(
            f"no registered actor is named '{name}'" + (f"; did you mean {close}?" if close else "")
        )
    # A registry line is no statement: only the ledger's clocks cut it (as in `registry_for`).
    held = None if cut is None else Cut(as_of=cut.as_of, at_position=cut.at_position)
    return f"actor:{actor}", history(ledger, f"actor:{actor}", held)


def diff(
    ledger: IncidentLedger, incident: str, before: Cut, after: Cut | None = None
) -> dict[str, Any]:
    """What changed in an incident between two cuts (`after` None: now): the incident's
    fields, its assertions' fields, and the reports that are new. InvalidFilter when both
    cuts are log positions and `before` comes after `after`."""
    first, last = before.at_position, after.at_position if after is not None else None
    if first is not None and last is not None and first > last:
        raise InvalidFilter(f"--from #{first} is after --to #{last}: give the earlier cut first")
    return changes(
        incident, incident_state(ledger, incident, before), incident_state(ledger, incident, after)
    )


def changes(incident: str, before: Views, after: Views) -> dict[str, Any]:
    """`diff` over two states already folded."""

    def row(views: Views) -> dict[str, Any]:
        return next((r for r in views["incidents"] if r["incident"] == incident), {})

    old, new = row(before), row(after)
    incident_changes = [
        {"field": f, "before": old.get(f), "after": new.get(f)}
        for f in DIFF_INCIDENT_FIELDS
        if old.get(f) != new.get(f)
    ]
    old_claims = {c["report"]: c for c in before["claims"] if c["incident"] == incident}
    assertion_changes = []
    for claim in after["claims"]:
        if claim["incident"] != incident:
            continue
        previous = old_claims.get(claim["report"])
        if previous is None:
            continue  # a new assertion: listed under new reports
        for f in DIFF_ASSERTION_FIELDS:
            if previous.get(f) != claim.get(f):
                assertion_changes.append(
                    {
                        "report": claim["report"],
                        "field": f,
                        "before": previous.get(f),
                        "after": claim.get(f),
                    }
                )
    seen = {r["report"] for r in before["timeline"]}
    new_reports = [
        {k: r.get(k) for k in NEW_REPORT_FIELDS}
        for r in after["timeline"]
        if r["report"] not in seen
    ]
    return {
        "incident": incident_changes,
        "assertions": assertion_changes,
        "new_reports": new_reports,
    }


def related_records(
    ledger: IncidentLedger, slug: str, *, cut: Cut | None = None
) -> list[dict[str, Any]]:
    """The incident's own reports plus every report elsewhere that refers into it, and the
    retractions and corrections of those, replayed from the log in position order."""
    own = [to_record(pos, e) for pos, e in ledger.positioned_events(slug)]
    known = {r["report"] for r in own}
    records = own + _load_reports(ledger, _referrers_of(ledger, known) - known)
    return _cut(sorted(records, key=lambda r: r["position"]), cut)


def records_touching(
    ledger: IncidentLedger, report: str, *, cut: Cut | None = None
) -> list[dict[str, Any]]:
    """The report and every report that refers to it, or to one of those (in any incident),
    replayed from the log in position order: found through the reference index, so an audit
    reads only these events, however large their incidents."""
    return _cut(_load_reports(ledger, {report} | _referrers_of(ledger, {report})), cut)


def _referrers_of(ledger: IncidentLedger, reports: set[str], hops: int = 4) -> set[str]:
    """Reports referring to `reports`, or to those, up to `hops` deep (denial -> its
    retraction -> a correction voiding that retraction...)."""
    found: set[str] = set()
    frontier = sorted(reports)
    for _ in range(hops):
        sources = {s for s, _ in ledger.ledger_recorder.referrers(frontier)}
        sources -= found | reports
        if not sources:
            break
        found |= sources
        frontier = sorted(sources)
    return found


def _load_reports(ledger: IncidentLedger, reports: set[str]) -> list[dict[str, Any]]:
    """These reports' events, located through the report index, as records in log order."""
    entries = ledger.find_reports(sorted(reports))
    keys = [(e.incident, int(e.version)) for e in entries.values() if e.version is not None]
    notifications = ledger.ledger_recorder.select_versions(keys)
    return [to_record(n.id, ledger.decode(n)) for n in notifications]


def _cut(records: list[dict[str, Any]], cut: Cut | None) -> list[dict[str, Any]]:
    if cut is None or cut.is_open:
        return records
    return [r for r in records if cut.admits(r)]


ACTOR_COLUMNS = ("name", "id", "kind", "part_of", "side", "country", "aliases", "description")


def actor_rows(ledger: IncidentLedger, at_position: int | None = None) -> list[dict[str, Any]]:
    """The actor registry as rows (`ACTOR_COLUMNS`), now or as the ledger held it at a log
    position; `part_of` and `side` are actor ids, `aliases` a list, in the order added."""
    with translated(ledger.config, ledger.lock_timeout):
        history = ledger.registry_history()
    registry = history.now if at_position is None else history.at(at_position)
    return [
        {
            "name": actor.name,
            "id": actor.id,
            "kind": actor.kind,
            "part_of": actor.part_of,
            "side": registry.side(actor.id),
            "country": actor.country,
            "aliases": list(actor.aliases),
            "description": actor.description,
        }
        for actor in sorted(registry.actors(), key=lambda a: a.id)
    ]
