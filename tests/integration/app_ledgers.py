"""Shared by the tests/integration/test_application_*.py modules: the worked example's reports,
builders of report lines, and helpers that open a ledger application on a database. The
`new_database` fixture built on them is in conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import create_engine, text

from ledger.application import IncidentLedger
from ledger.batch import ValidatedLine
from ledger.store.config import resolve
from tests.conftest import lines_of

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
MOD = "Russian Ministry of Defence"
SDF = "Syrian Democratic Forces"
TABLES = ("ledger_events", "ledger_reports", "ledger_references")

EXAMPLE_REPORTS = {
    AIRSTRIKE: [AIRSTRIKE, "sdf-airstrike-claim", "mod-airstrike-denial"],
    SHELLING: [
        SHELLING,
        "mod-shelling",
        "mod-retaliation-warning",
        "mod-special-forces-deployed",
        "sdf-shelling-denial",
        "mod-shelling-bank-discrepancy",
        "mod-shelling-date-discrepancy",
        "mod-shelling-assessment",
        "shelling-context-airstrike",
    ],
}


Lines = Callable[[], Iterable[ValidatedLine]]


def batch_of(*lines: dict[str, Any]) -> Lines:
    """conftest's `lines_of`, typed as what `IncidentLedger.append` takes."""
    return cast(Lines, lines_of(*lines))


def opening(slug: str) -> dict[str, Any]:
    return {"type": "incident", "incident": slug, "title": f"The {slug} incident"}


def claim(slug: str, report: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "claim",
        "incident": slug,
        "report": report,
        "by": MOD,
        "summary": f"{report} happened",
        **fields,
    }


def denial(slug: str, report: str, *refers_to: str) -> dict[str, Any]:
    return {
        "type": "denial",
        "incident": slug,
        "report": report,
        "by": SDF,
        "refers_to": list(refers_to),
        "summary": "It did not happen",
    }


def row_counts(db_url: str) -> dict[str, int]:
    """How many rows each table of the log holds, read with plain SQL."""
    engine = create_engine(resolve(db_url).sqlalchemy_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in TABLES
            }
    finally:
        engine.dispose()


def fresh_ledger(db_url: str) -> IncidentLedger:
    """A second application on the same database, with an empty aggregate cache."""
    return IncidentLedger(resolve(db_url), lock_timeout=10)


@contextmanager
def ledger_on(db_url: str) -> Iterator[IncidentLedger]:
    """A fresh application on the database (empty cache), closed afterwards."""
    reader = fresh_ledger(db_url)
    try:
        yield reader
    finally:
        reader.close()
