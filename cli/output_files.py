"""The files a command writes (`report html -o`, `keygen`): one guard, one way of writing.

No command writes over the ledger's own files (the database, SQLite's -wal, -shm and -journal
beside it, what the ledger keeps beside it), nor over any SQLite database; an existing file of
another kind only with --force. A refusal is one line, exit 2, and comes before any work, so
nothing is written. Each file is written beside its target and renamed over it: a failed
write leaves the old file as it was, and a name that is a hard link to another file (a ledger
under another name, say) is replaced, never written through.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from cli.context import settings, usage_error

ForceOption = Annotated[
    bool,
    typer.Option("--force", help="Replace an existing output file (never the ledger's own files)."),
]

# Every SQLite database (and so every ledger, this one or another) starts with these bytes.
SQLITE_HEADER = b"SQLite format 3\x00"


def check_output(path: Path, *, force: bool, label: str) -> None:
    """Refuse (exit 2, one line) an output path this command must not write."""
    store = settings().store
    if store.owns(path):
        raise usage_error(
            f"{label}: {str(path)!r} is one of the ledger's own files ({store.display}); "
            "refusing to write over it"
        )
    if path.is_dir():
        raise usage_error(f"{label}: {str(path)!r} is a folder")
    if not path.parent.is_dir():
        raise usage_error(f"{label}: no directory {str(path.parent)!r}")
    if path.exists() or path.is_symlink():
        if _starts_with(path, SQLITE_HEADER):
            raise usage_error(
                f"{label}: {str(path)!r} is a SQLite database; refusing to write over it"
            )
        if not force:
            raise usage_error(f"{label}: {str(path)!r} already exists (--force replaces it)")


def write_outputs(files: Sequence[tuple[Path, bytes, bool]]) -> None:
    """Write each (path, content, private) whole, or none of them: every file goes to a
    temporary name beside its target first (a private one readable by its owner only), and
    only when all are written are they renamed into place."""
    written: list[tuple[Path, Path]] = []
    target = files[0][0] if files else Path()
    try:
        for path, content, private in files:
            target = path
            temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
            # O_EXCL: never follow a link or reuse a file someone else put at that name.
            mode = 0o600 if private else 0o666  # the umask applies, as to any new file
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            written.append((temporary, path))
            with os.fdopen(fd, "wb") as out:
                out.write(content)
        for temporary, path in written:
            target = path
            os.replace(temporary, path)
    except OSError as e:
        raise usage_error(f"cannot write {str(target)!r}: {e.strerror}") from None
    finally:
        for temporary, _ in written:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


def _starts_with(path: Path, header: bytes) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(len(header)) == header
    except OSError:  # unreadable: the rename replaces it without reading it
        return False
