"""A new SQLite ledger is made whole beside its name, and takes that name only when its first
write succeeds: a refused first import or append leaves no file behind.

Writers create the schema on first use, and a domain rule (a claim about an incident nobody
opened, say) can refuse the write only after that. So the first write goes to a hidden file in
the same folder; on success its WAL is folded into it and it is hard-linked to the ledger's
name, which fails rather than replace a ledger another process created meanwhile. On any
failure the hidden file goes, and the folders made for it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledger.errors import StoreUnavailable
from ledger.store.config import SQLITE_SIDECARS, StoreConfig


@contextmanager
def staged_if_new(store: StoreConfig) -> Iterator[StoreConfig]:
    """The store to write to: `store` itself where it exists (or is not SQLite), else a hidden
    file that becomes `store` when the block ends without an error."""
    final = Path(store.sqlite_path).resolve() if store.backend == "sqlite" else None
    if final is None or final.exists() or final.is_symlink():
        yield store
        return
    made = _make_folders(final.parent)
    staged = final.with_name(f".{final.name}.new-{secrets.token_hex(4)}")
    published = False
    try:
        yield dataclasses.replace(store, sqlite_path=str(staged))
        if not staged.exists():  # the block wrote nothing: there is nothing to publish
            return
        _fold_wal(staged, store.display)
        try:
            os.link(staged, final)
        except FileExistsError:
            raise StoreUnavailable(
                f"{store.display} was created by another process meanwhile: run this again"
            ) from None
        published = True
    finally:
        for path in (staged, *(Path(f"{staged}{suffix}") for suffix in SQLITE_SIDECARS)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        if not published:
            for folder in reversed(made):
                with contextlib.suppress(OSError):
                    folder.rmdir()


def _make_folders(folder: Path) -> list[Path]:
    """Create `folder` and its missing parents; the ones created, outermost first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _fold_wal(path: Path, display: str) -> None:
    """Copy every page of the WAL into the file itself, so that the file alone is the ledger."""
    connection = sqlite3.connect(path)
    try:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        connection.close()
    if busy:
        raise StoreUnavailable(f"cannot finish creating {display}: its new file stayed busy")
