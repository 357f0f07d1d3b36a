"""What the HTML report reads from the log itself: the records of the chosen incidents (and of
the reports elsewhere that refer into them) and the last seal, taken as the log streams through
verification; and from those records, each assertion's status as it changed."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from ledger.audit import status_of
from ledger.integrity import SEALS_ID
from ledger.records import to_record
from ledger.timeutil import InvalidTime, earliest_instant
from projections.html.model import Decoder, Progress, Row, SealState, Step


def in_batches(items: Iterator[Any], size: int = 2_000) -> Iterator[list[Any]]:
    while batch := list(itertools.islice(items, size)):
        yield batch


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


class Statuses:
    """One assertion's status over sets of the records touching it, each set folded once: its
    history (every prefix in log order) and its stated-clock statuses (the records stated by
    each instant) ask for many of the same sets, since reports are mostly stated in the order
    they are recorded, and a fold is the costliest part of gathering."""

    def __init__(self, report: str) -> None:
        self.report = report
        self.known: dict[tuple[int, ...], str | None] = {}

    def __call__(self, records: list[Row]) -> str | None:
        # Sets of one assertion's records, always in log order: the positions name the set.
        key = tuple(int(r["position"]) for r in records)
        if key not in self.known:
            self.known[key] = status_of(records, self.report)
        return self.known[key]


def history(touched: list[Row], report: str, statuses: Statuses | None = None) -> list[Step]:
    """The assertion's status after each report that touched it, in log order."""
    status_after = statuses or Statuses(report)
    steps: list[Step] = []
    previous: str | None = None
    for index, record in enumerate(touched):
        status = status_after(touched[: index + 1])
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


def stated_statuses(
    touched: list[Row], report: str, statuses: Statuses | None = None
) -> list[tuple[str | None, str]]:
    """The assertion's status on the stated clock: at each stated instant of a report touching
    it, its status over the reports stated by then (undated reports, None, come last)."""
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
