"""A writer process for the concurrency tests: appends reports the way `ledger` commands do.

Run as `python -m tests.integration.concurrent_writer DB WRITER COUNT MODE`; MODE is `shared`
(every writer appends to one incident) or `own` (each writer to its own incident). Every third
append also brings the projections up to date, so catch-ups race each other too.
"""

from __future__ import annotations

import sys

from ledger.application import IncidentLedger
from ledger.interchange import report_fields, validate_report
from ledger.store.config import resolve
from projections.catchup import catch_up


def main(db: str, writer: int, count: int, mode: str) -> None:
    store = resolve(db)
    ledger = IncidentLedger(store, lock_timeout=60)
    incident = "shared-incident" if mode == "shared" else f"writer-{writer}"
    if mode == "own":
        _append(ledger, {"type": "incident", "incident": incident, "title": f"Writer {writer}"})
    for n in range(count):
        line = {
            "type": "claim",
            "incident": incident,
            "report": f"w{writer}-r{n}",
            "by": f"Actor {n % 5}",
            "summary": f"Report {n} from writer {writer}",
        }
        if n % 4 == 3:  # some denials, so statuses and disputes change under contention
            line = {
                "type": "denial",
                "incident": incident,
                "report": f"w{writer}-r{n}",
                "by": "Denier",
                "refers_to": [f"w{writer}-r{n - 1}"],
                "summary": "No",
            }
        _append(ledger, line)
        if n % 3 == 0:
            catch_up(ledger, store)
    ledger.close()


def _append(ledger: IncidentLedger, line: dict[str, object]) -> None:
    fields = report_fields(validate_report(line))
    report_type = fields.pop("type")
    ledger.append(lambda: [(None, report_type, dict(fields))], recorded_by=f"writer-{sys.argv[2]}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
