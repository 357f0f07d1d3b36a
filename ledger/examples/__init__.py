"""The worked example (Deir ez-Zor, September 2017) that `ledger demo` loads.

It is package data, so an installed copy has it too; the repository's
`examples/deir-ez-zor-2017.jsonl` is a symlink to this one file, for people reading a checkout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

WORKED_EXAMPLE = resources.files(__name__) / "deir-ez-zor-2017.jsonl"
# Its actor registry (who is who: the SDF's aliases, the Russian MoD part of the Government of
# Russia), kept in a file of its own so the example's reports stay version 1's twelve lines.
WORKED_REGISTRY = resources.files(__name__) / "deir-ez-zor-2017-registry.jsonl"


@contextlib.contextmanager
def worked_example() -> Iterator[Path]:
    """The worked example as a file (the installed one; a copy only if imported from a zip)."""
    with resources.as_file(WORKED_EXAMPLE) as path:
        yield path


@contextlib.contextmanager
def worked_registry() -> Iterator[Path]:
    """The worked example's registry as a file, like `worked_example`."""
    with resources.as_file(WORKED_REGISTRY) as path:
        yield path
