"""The worked example (Deir ez-Zor, September 2017) that `ledger demo` loads.

It is package data, so an installed copy has it too; the repository's
`examples/deir-ez-zor-2017.jsonl` is a symlink to this one file, for people reading a checkout.
The file is the whole example: its actor registry (who is who: the SDF's aliases, the Russian MoD
part of the Government of Russia) comes first, as `actor` lines, so the reports' names resolve
through it, then the two incidents and their reports.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Collection, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.actors import aggregate_id
from ledger.ids import actor_id
from ledger.integrity import SEALS_ID
from ledger.store.config import StoreConfig
from ledger.store.names import EVENTS_TABLE

WORKED_EXAMPLE = resources.files(__name__) / "deir-ez-zor-2017.jsonl"


@contextlib.contextmanager
def worked_example() -> Iterator[Path]:
    """The worked example as a file (the installed one; a copy only if imported from a zip)."""
    with resources.as_file(WORKED_EXAMPLE) as path:
        yield path


def example_aggregates(example: Path) -> set[str]:
    """The aggregate ids the example's lines write to: its incidents and its actors."""
    found: set[str] = set()
    with example.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record["type"] == "actor":
                found.add(aggregate_id(actor_id(record["actor"])))
            else:
                found.add(record["incident"])
    return found


def holds_others(store: StoreConfig, aggregates: Collection[str]) -> bool:
    """Whether the ledger at `store` holds events of any aggregate but `aggregates` (and the
    seals'): False for a ledger not created yet, or an empty one."""
    known = sorted({*aggregates, SEALS_ID})
    postgres = store.backend != "sqlite"
    mark = "%s" if postgres else "?"
    has_log = (
        "SELECT 1 FROM information_schema.tables WHERE table_name = %s"
        if postgres
        else "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    )
    others = (
        f"SELECT 1 FROM {EVENTS_TABLE} "
        f"WHERE originator_id NOT IN ({', '.join([mark] * len(known))}) LIMIT 1"
    )
    if postgres:
        connection: Any = store.connect_postgres(autocommit=True)
    elif os.path.exists(store.sqlite_path):
        connection = sqlite3.connect(store.sqlite_reader_uri(), uri=True)
    else:
        return False
    try:
        cursor = connection.cursor()
        if not cursor.execute(has_log, (EVENTS_TABLE,)).fetchall():
            return False  # no ledger in it yet: `init` (which the demo runs) will say
        return bool(cursor.execute(others, known).fetchall())
    finally:
        connection.close()
