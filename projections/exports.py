"""Every format `ledger export` writes: the log's own (`ledger.export`) and ACLED's CSV, which
is here, not in ledger/, because its cells go through the project's formula escaping
(`projections.acled`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ledger.application import IncidentLedger
from ledger.errors import InvalidInput
from ledger.export import FORMATS as LOG_FORMATS
from ledger.export import export as export_log

FORMATS = (*LOG_FORMATS, "acled")


def check_format(fmt: str) -> None:
    """InvalidInput (exit 2) for a format none of the exports writes; callable before a ledger
    is opened, so a typo is named first."""
    if fmt not in FORMATS:
        raise InvalidInput(f"--format must be one of {', '.join(FORMATS)}")


def export(
    ledger: IncidentLedger, incidents: Sequence[str] | None = None, fmt: str = "jsonl"
) -> Iterator[str]:
    """The log (or these incidents) in `fmt`, in text pieces to write one after the other (see
    `ledger.export.export` and `projections.acled.acled_csv`)."""
    check_format(fmt)
    if fmt == "acled":
        # Imported only for it: the formula escaping and the CSV writer are its alone.
        from projections.acled import acled_csv

        return acled_csv(ledger, incidents)
    return export_log(ledger, incidents, fmt)
