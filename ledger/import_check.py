"""`ledger import --check FILE`: every problem an import of the file would meet, none written.

Each line is validated as an import validates it (`interchange.read_line`), and each valid line
is then put to the domain's rules as an append puts it (`IncidentLedger._apply_line`: the
incident exists, what `refers_to` names exists and may be referred to, ids do not clash),
against the ledger as it stands when there is one, read-only, and against the file's own
earlier lines. Nothing is flushed or committed: the events built stay in memory and are
dropped. A line that breaks a rule is listed and left out, so later lines are checked as an
import of the file without it would check them; a later line that refers to it is then listed
too (its target is missing), as it would be.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger.actors import LoggedRegistry
from ledger.application import FLUSH_EVERY, IncidentLedger
from ledger.batch import BatchDirectory, Mentions
from ledger.domain import Incident
from ledger.errors import DomainRuleViolation
from ledger.interchange import InvalidLine, read_line
from ledger.opening import open_ledger
from ledger.store import schema_check
from ledger.store.config import StoreConfig, resolve
from ledger.store.migrate import upgrade
from ledger.timeutil import utc_now

SHOWN = 100  # problems listed in full; the rest are counted


@dataclass(frozen=True)
class Problem:
    line: int
    field: str | None  # None: the line as a whole (not JSON, a domain rule)
    problem: str


@dataclass
class ImportCheck:
    lines: int = 0  # non-blank lines read
    valid: int = 0  # lines an import would take (new or already there)
    new: int = 0  # of those, lines that would add a report
    problems: list[Problem] = field(default_factory=list)
    new_ledger: bool = False  # checked against a new, empty ledger: there was none yet

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)

    def listing(self, shown: int = SHOWN) -> list[str]:
        """The first `shown` problems by line, one a line, worded as an import words them, then
        how many more there are."""
        first = sorted(self.problems, key=lambda p: p.line)[:shown]
        lines = [
            f"line {p.line}" + (f", field '{p.field}'" if p.field else "") + f": {p.problem}"
            for p in first
        ]
        more = len(self.problems) - len(first)
        return lines + ([f"... and {more} more bad line(s)"] if more else [])

    @property
    def failed(self) -> int:
        return len(self.problems)


def check_import_file(
    store: StoreConfig,
    path: Path,
    recorded_by: str | Callable[[], str],
    *,
    lock_timeout: float = 30.0,
) -> ImportCheck:
    """`check_import` against the ledger at `store`, opened read-only, or where there is none
    yet against a new, empty one (`new_ledger`; the real one is never created for a check).
    `recorded_by`: a name, or a function giving it once the ledger is open."""
    with contextlib.ExitStack() as stack:
        new = schema_check.revision(store) is None
        if new:
            ledger = stack.enter_context(empty_ledger())
        else:
            ledger = stack.enter_context(
                contextlib.closing(open_ledger(store, lock_timeout=lock_timeout))
            )
        name = recorded_by() if callable(recorded_by) else recorded_by
        result = check_import(path, ledger, name)
    result.new_ledger = new
    return result


def check_import(path: Path, ledger: IncidentLedger, recorded_by: str) -> ImportCheck:
    """Check every line of `path` against the rules and against `ledger` (read, never
    written: pass a read-only ledger, or an empty scratch one where the ledger does not exist)."""
    result = ImportCheck()
    valid: list[tuple[int, dict[str, Any]]] = []
    for number, fields in _read(path, result):
        valid.append((number, fields))
    directory = BatchDirectory(ledger.find_reports, ledger.ledger_recorder.existing_incidents)
    mentions = Mentions()
    for _, fields in valid:
        mentions.add(fields["type"], fields)
    directory.prefetch(mentions)
    incidents: dict[str, Incident] = {}
    recorded_at = utc_now()
    # Read on the first actor line (or the first `supersedes`, whose same-side rule asks who is
    # who), as an append reads it; the file's actor lines then update it as they would.
    registry: LoggedRegistry | None = None
    for done, (number, fields) in enumerate(valid, start=1):
        fields = dict(fields)
        report_type = fields.pop("type")
        if (report_type == "actor" or fields.get("supersedes")) and registry is None:
            registry = LoggedRegistry.from_events(ledger._actor_events())
        try:
            # The append's own per-line path: the same rules, worded in the same place.
            event: Any
            if report_type == "actor":
                assert registry is not None
                event = registry.apply(
                    fields,
                    recorded_at=recorded_at,
                    recorded_by=fields.get("recorded_by") or recorded_by,
                    signer=None,
                )
            else:
                event = ledger._apply_line(
                    report_type,
                    fields,
                    incidents,
                    directory,
                    recorded_at,
                    fields.get("recorded_by") or recorded_by,
                    registry=None if registry is None else registry.history.now,
                )
        except DomainRuleViolation as e:
            result.add(Problem(number, None, str(e)))
            continue
        result.valid += 1
        result.new += event is not None
        if done % FLUSH_EVERY == 0:
            _forget_pending(incidents)
    return result


def _read(path: Path, result: ImportCheck) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue  # blank lines carry nothing, as in an import
            result.lines += 1
            try:
                yield number, read_line(raw.rstrip(b"\r\n"), number)
            except InvalidLine as e:
                result.add(Problem(number, e.field, e.problem))


def _forget_pending(incidents: dict[str, Incident]) -> None:
    """Drop the events built so far, as an append's flush does once they are written: the
    directory answers for reports, so memory stays flat however long the file."""
    for incident in incidents.values():
        incident.collect_events()
        incident.pending_fingerprints.clear()
        incident.reports.clear()


@contextlib.contextmanager
def empty_ledger() -> Iterator[IncidentLedger]:
    """A new, empty ledger in a temporary directory, deleted after: what a file is checked
    against where there is no ledger yet (the real one is never created for a check)."""
    with tempfile.TemporaryDirectory(prefix="ledger-check-") as directory:
        store = resolve(str(Path(directory) / "empty.db"))
        upgrade(store)
        ledger = IncidentLedger(store)
        try:
            yield ledger
        finally:
            ledger.close()
