"""DOMAIN.md version 2's "Derived status": rules 1-7 and the counts, as pure functions.

No I/O and no knowledge of where reports come from: the fold (ledger/fold.py), a single-incident
audit and the tests all hand `derive` an assertion, an index of the reports that refer to it and
the registry the cut uses. Authors are compared as *resolved* actor ids (the caller resolves `by`
through the same registry), so "SDF" and "Syrian Democratic Forces" are one author.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from ledger.registry import Registry
from ledger.report_fields import ACCUSED_FIELDS, STATEMENT_TYPES
from ledger.statuses import INCIDENT_STATUS_ORDER, OPEN

# The reports an assertion's status can depend on, besides itself: what `derive` asks for by
# type (denials, corroborations, retractions, verdicts), every statement (any may name it in
# `supersedes`) and corrections (the fold applies them first). An assessment, a discrepancy, a
# link or evidence only counts in its target's other columns, so a reader after statuses
# alone (`ledger changes`) need not fold them, nor what refers to them.
STATUS_INPUT_TYPES = STATEMENT_TYPES | {"verdict", "correction"}


class Report(Protocol):
    """What the rules read of a report; ledger/fold.py's `FoldedReport` has exactly this shape."""

    @property
    def id(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def actor(self) -> str | None:
        """The resolved actor id of its `by` (None when it has none)."""

    @property
    def position(self) -> int: ...
    def get(self, key: str, /) -> Any: ...


R = TypeVar("R", bound=Report)


class Referrals(Protocol[R]):
    """The reports that bear on a report, each list in log order and without voided reports
    (the rules never see a voided report). Lists are only read: the fold hands out its own."""

    def referring(self, report: R, type_: str, /) -> Sequence[R]:
        """Reports of `type_` whose `refers_to` names `report`."""
        ...

    def superseding(self, report: R, /) -> Sequence[R]:
        """Statements whose `supersedes` names `report`."""
        ...


@dataclass(slots=True)
class Derived:
    """What the reports referring to one assertion make of it: the headline and the picture."""

    status: str
    denials: int  # standing, by another side
    internal_denials: int  # standing, by X's side but not X
    acknowledgements: int  # standing corroborations by an accused party's side
    corroborations: int  # else standing, independent, by another side than X
    other_corroborations: int  # every other standing corroboration
    verdict: str | None  # the latest verdict's status
    superseded_by: str | None  # the latest same-side statement naming it in `supersedes`
    outcome: str | None  # warnings only: the latest standing outcome, `pending` when none


def derive(assertion: R, index: Referrals[R], registry: Registry) -> Derived:
    """Apply rules 1-7 and the counts to one claim, warning or denial.

    `registry` is the one the cut uses (now, or as held at the cut's position); the authors in
    `assertion` and `index` must have been resolved through it.
    """
    author = assertion.actor
    denials = internal = 0
    self_denied = False
    for denial in index.referring(assertion, "denial"):
        if not stands(denial, index, registry):
            continue
        if author is not None and denial.actor == author:
            self_denied = True  # withdraws it (rule 1): counted in neither count
        elif registry.same_side(denial.actor, author):
            internal += 1
        else:
            denials += 1

    acknowledgements = independent = other = 0
    corroborations = index.referring(assertion, "corroboration")
    if corroborations:
        accused_sides = {registry.side(a) for a in accused(assertion, registry)}
        for c in corroborations:
            if not stands(c, index, registry):
                continue
            if c.actor is not None and registry.side(c.actor) in accused_sides:
                acknowledgements += 1
            elif c.get("independent") is True and not registry.same_side(c.actor, author):
                independent += 1
            else:
                other += 1

    verdicts = index.referring(assertion, "verdict")
    verdict = verdicts[-1].get("status") if verdicts else None
    superseding = index.superseding(assertion)
    superseded_by = _superseded_by(assertion, superseding, index, registry) if superseding else None

    if self_denied or _retracted(assertion, index, registry):
        status = "retracted"
    elif superseded_by is not None:
        status = "superseded"
    elif verdict is not None:
        status = verdict
    elif acknowledgements:
        status = "acknowledged"
    elif denials:
        status = "disputed"
    elif independent:
        status = "corroborated"
    else:
        status = "unverified"

    return Derived(
        status=status,
        denials=denials,
        internal_denials=internal,
        acknowledgements=acknowledgements,
        corroborations=independent,
        other_corroborations=other,
        verdict=verdict,
        superseded_by=superseded_by,
        outcome=_outcome(assertion, index, registry) if assertion.type == "warning" else None,
    )


def stands(report: R, index: Referrals[R], registry: Registry) -> bool:
    """Whether a denial, corroboration, retraction or outcome stands: it does unless a standing
    retraction of it by its author or its author's ancestor takes it back."""
    return not _retracted(report, index, registry)


def _retracted(report: R, index: Referrals[R], registry: Registry) -> bool:
    # Recursion ends: a retraction refers only to reports already in the log, so every chain of
    # retractions of retractions is finite (and almost always empty: tested before any loop).
    retractions = index.referring(report, "retraction")
    if not retractions:
        return False
    return any(
        registry.speaks_for(r.actor, report.actor) and stands(r, index, registry)
        for r in retractions
    )


def _withdrawn(statement: R, index: Referrals[R], registry: Registry) -> bool:
    """Rule 1 for any statement: retracted by its author or an ancestor, or denied by itself."""
    author = statement.actor
    return _retracted(statement, index, registry) or any(
        author is not None and d.actor == author and stands(d, index, registry)
        for d in index.referring(statement, "denial")
    )


def _superseded_by(
    assertion: R, superseding: Sequence[R], index: Referrals[R], registry: Registry
) -> str | None:
    """The latest statement by the assertion's side that names it in `supersedes`.

    Input refuses another side's `supersedes`; checked again here because a later registry line
    (a changed `part_of`, a dropped alias) can move an author to another side, and the rule
    only ever gives the author's own side that power. A withdrawn revision supersedes nothing:
    a ministry retracting its revised toll leaves the original standing.
    """
    latest = None
    for s in superseding:
        if registry.same_side(s.actor, assertion.actor) and not _withdrawn(s, index, registry):
            latest = s.id
    return latest


def _outcome(warning: R, index: Referrals[R], registry: Registry) -> str:
    """The latest outcome report in log order that stands; `pending` when none does."""
    for report in reversed(index.referring(warning, "outcome")):
        if stands(report, index, registry):
            return str(report.get("outcome"))
    return "pending"


def accused(assertion: Report, registry: Registry) -> set[str]:
    """The resolved actor ids an assertion accuses (`ACCUSED_FIELDS`: `against`, or a warning's
    threatened party); a denial accuses nobody, so nobody can acknowledge it.

    Resolved through `registry` (an alias is its actor): the rules compare the accused's side
    with a corroborator's, as the registry stands at the cut. The views' tallies key the same
    names by spelling instead (ledger/view_rows.py `_accused`)."""
    found: set[str] = set()
    for key in ACCUSED_FIELDS:
        value = assertion.get(key)
        for name in (value,) if isinstance(value, str) else value or ():
            if isinstance(name, str) and name.strip():
                found.add(registry.resolve(name))
    return found


def incident_status(statuses: Iterable[str]) -> str:
    """The first status in INCIDENT_STATUS_ORDER that any of the incident's claims and warnings
    holds (the caller leaves out denials); `open` when it has none."""
    held: Collection[str] = set(statuses)
    return next((s for s in INCIDENT_STATUS_ORDER if s in held), OPEN)
