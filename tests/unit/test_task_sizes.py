"""A rebuild's task sizes follow the backend: small on SQLite (cheaper per event there), larger
on PostgreSQL (each task costs round trips); sizes given explicitly win."""

from __future__ import annotations

import pytest

from ledger.store.config import resolve
from projections.rebuild import FOLD_CHUNK, POSTGRES_TASK, REBUILD_BATCH, _TwoPasses


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/sizes.db", (REBUILD_BATCH, FOLD_CHUNK)),
        ("postgresql://postgres@127.0.0.1:5432/sizes", (POSTGRES_TASK, POSTGRES_TASK)),
    ],
)
def test_each_backend_gets_its_task_sizes_unless_given(url: str, expected: tuple[int, int]) -> None:
    store = resolve(url)  # resolving opens no connection
    defaults = _TwoPasses(None, store, None, None, True, None)  # type: ignore[arg-type]
    assert (defaults.batch, defaults.fold_chunk) == expected
    given = _TwoPasses(None, store, 3, 2, True, None)  # type: ignore[arg-type]
    assert (given.batch, given.fold_chunk) == (3, 2)
