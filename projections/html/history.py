"""What the HTML report reads from the log itself: the records of the chosen incidents (and of
the reports elsewhere that refer into them), the actor registry's lines and the last seal, taken
as the log streams through verification; and from those, each assertion's status as it changed,
names read through the registry as the ledger held it at each step (as `ledger show
--at-position` reads them)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ledger.audit import status_of
from ledger.integrity import SEALS_ID
from ledger.records import to_record
from ledger.registry import ActorLine, Registry, RegistryHistory
from ledger.timeutil import InvalidTime, earliest_instant
from projections.html.model import Decoder, Progress, Row, SealState, Step


def in_batches(items: Iterator[Any], size: int = 2_000) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


@dataclass
class RegistryLog:
    """The actor registry's lines as the log holds them: the registry at any position, and each
    line's record (for the history step a line makes when it changes a status)."""

    history: RegistryHistory = field(default_factory=RegistryHistory)
    records: dict[int, Row] = field(default_factory=dict)  # by log position

    def add(self, record: Row) -> None:
        self.history.append(ActorLine.from_record(record), int(record["position"]))
        self.records[int(record["position"])] = record

    def at(self, count: int) -> Registry:
        """The registry after its first `count` lines."""
        return self.history.at(self.history.positions[count - 1]) if count else Registry()


class LogTap:
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
        self.registry = RegistryLog()
        self.last_seal: SealState | None = None

    def __call__(self, notifications: Iterator[Any]) -> Iterator[Any]:
        for done, n in enumerate(notifications, start=1):
            if n.originator_id == SEALS_ID:
                self._seal(n)
            elif n.originator_id in self.slugs or n.originator_id in self.foreign_incidents:
                self._keep(n)
            elif str(n.originator_id).startswith("actor:"):
                self._actor(n)
            if self.on_progress is not None and done % 1_000 == 0:
                self.on_progress(done, self.total)
            yield n
        if self.on_progress is not None:
            self.on_progress(self.total, self.total)

    def _keep(self, notification: Any) -> None:
        try:
            record = to_record(notification.id, self.decode(notification))
        except Exception:  # an undecodable row: `verify` reports it as a finding
            return
        if record["incident"] in self.slugs or record["report"] in self.foreign_reports:
            self.records.append(record)

    def _actor(self, notification: Any) -> None:
        try:
            record = to_record(notification.id, self.decode(notification))
            self.registry.add(record)
        except Exception:  # an undecodable row: `verify` reports it as a finding
            return

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


class Statuses:
    """One assertion's status over sets of the records touching it under a registry, each pair
    folded once: its history (every prefix in log order) and its stated-clock statuses (the
    records stated by each instant) ask for many of the same sets, since reports are mostly
    stated in the order they are recorded, and a fold is the costliest part of gathering."""

    def __init__(self, report: str, registry: RegistryLog | None = None) -> None:
        self.report = report
        self.registry = registry or RegistryLog()
        self.known: dict[tuple[int, tuple[int, ...]], str | None] = {}

    def __call__(self, records: list[Row], lines: int | None = None) -> str | None:
        """The status over `records` (in log order) with the registry's first `lines` lines
        (None: every line, the registry the views use)."""
        held = len(self.registry.history.positions) if lines is None else lines
        # Sets of one assertion's records, always in log order: the positions name the set, and
        # the number of lines the registry.
        key = (held, tuple(int(r["position"]) for r in records))
        if key not in self.known:
            self.known[key] = status_of(records, self.report, self.registry.at(held))
        return self.known[key]


def history(touched: list[Row], report: str, statuses: Statuses | None = None) -> list[Step]:
    """The assertion's status after each report that touched it, in log order, names read
    through the registry as the ledger held it at that report's position; and after an actor
    line that changed it in between (an alias registered after a denial), so that the last step
    is the status the views give."""
    status_after = statuses or Statuses(report)
    lines = status_after.registry.history
    steps: list[Step] = []
    for index, record in enumerate(touched):
        position = int(record["position"])
        if index:
            _registry_step(steps, touched[:index], status_after, lines.count_at(position - 1))
        status = status_after(touched[: index + 1], lines.count_at(position))
        steps.append(_step(record, status, steps))
    if touched:
        _registry_step(steps, touched, status_after, len(lines.positions))
    return steps


def _step(record: Row, status: str | None, steps: list[Step]) -> Step:
    return Step(
        position=int(record["position"]),
        report=str(record["report"] if record["type"] != "actor" else record["incident"]),
        type=str(record["type"]),
        by=record.get("by"),
        stated_at=record.get("stated_at"),
        recorded_at=str(record["recorded_at"]),
        status=status,
        changed=not steps or status != steps[-1].status,
    )


def _registry_step(steps: list[Step], records: list[Row], statuses: Statuses, upto: int) -> None:
    """The step of the actor line, among those after the last step and within the first `upto`,
    that changed the assertion's status, if the status differs at the end of them: the first
    line from which it holds, found by bisection (one fold per halving, and one per gap between
    reports that holds an actor line, which most do not: registries come first)."""
    low = statuses.registry.history.count_at(steps[-1].position)
    if upto <= low:
        return
    status = statuses(records, upto)
    if status == steps[-1].status:
        return
    high = upto
    while high - low > 1:  # invariant: the status differs at `low` lines, equals at `high`
        middle = (low + high) // 2
        if statuses(records, middle) == status:
            high = middle
        else:
            low = middle
    position = statuses.registry.history.positions[high - 1]
    steps.append(_step(statuses.registry.records[position], status, steps))


def _stated_key(record: Row) -> str | None:
    stated = record.get("stated_at")
    if not stated:
        return None
    try:
        return earliest_instant(str(stated))
    except InvalidTime:
        return None


def stated_statuses(
    touched: list[Row], report: str, statuses: Statuses | None = None
) -> list[tuple[str | None, str]]:
    """The assertion's status on the stated clock: at each stated instant of a report touching
    it, its status over the reports stated by then (undated reports, None, come last), names
    read through today's registry (as `--reported-by` reads them)."""
    status_over = statuses or Statuses(report)
    stated = [(r, _stated_key(r)) for r in touched]  # parsed once, not once per instant
    keys = sorted({k for _, k in stated}, key=lambda k: (k is None, k or ""))
    changes: list[tuple[str | None, str]] = []
    for key in keys:
        admitted = [r for r, k in stated if key is None or (k is not None and k <= key)]
        status = status_over(admitted)
        if status is not None and (not changes or changes[-1][1] != status):
            changes.append((key, status))
    return changes
