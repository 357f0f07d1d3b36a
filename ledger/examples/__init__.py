"""The worked example (Deir ez-Zor, September 2017) that `ledger demo` loads.

It is package data, so an installed copy has it too; the repository's
`examples/deir-ez-zor-2017.jsonl` is a symlink to this one file, for people reading a checkout.
The file is the whole example: its actor registry (who is who: the SDF's aliases, the Russian MoD
part of the Government of Russia) comes first, as `actor` lines, so the reports' names resolve
through it, then the two incidents and their reports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

WORKED_EXAMPLE = resources.files(__name__) / "deir-ez-zor-2017.jsonl"


@contextlib.contextmanager
def worked_example() -> Iterator[Path]:
    """The worked example as a file (the installed one; a copy only if imported from a zip)."""
    with resources.as_file(WORKED_EXAMPLE) as path:
        yield path
