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
from collections.abc import Collection, Iterator
from importlib import resources
from pathlib import Path

from ledger.actors import aggregate_id
from ledger.ids import actor_id
from ledger.log_queries import holds_other_aggregates
from ledger.store import schema_check
from ledger.store.config import StoreConfig
from ledger.store.migrate import engine_for

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
    seals'): False where there is no ledger yet."""
    if schema_check.revision(store) is None:
        return False
    engine = engine_for(store)
    try:
        with engine.connect() as connection:
            return holds_other_aggregates(connection, aggregates)
    finally:
        engine.dispose()
