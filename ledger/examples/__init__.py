"""The worked example (Deir ez-Zor, September 2017) that `ledger demo` loads.

It is package data, so an installed copy has it too; the repository's
`examples/deir-ez-zor-2017.jsonl` is a symlink to this one file, for people reading a checkout.
"""

from __future__ import annotations

from importlib import resources

WORKED_EXAMPLE = resources.files(__name__) / "deir-ez-zor-2017.jsonl"
