"""The files a command writes (`report html -o`, `keygen`): one guard, one way of writing; and
the folder `report html -o DIR/` writes a site into (`check_output_folder`).

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


# Written into a site's folder by `report html -o DIR/`: marks the folder as the ledger's own
# output (so a later run may replace it without --force) and lists the files it wrote.
SITE_MANIFEST = ".incident-ledger-site"


def is_folder_target(output: str) -> bool:
    """`-o DIR/` (a trailing separator) or an existing folder: the target is a folder."""
    return output.endswith(("/", os.sep)) or Path(output).is_dir()


def check_output_folder(path: Path, *, force: bool, label: str) -> list[str]:
    """Refuse (exit 2, one line) a folder this command must not write a site into; return the
    files an earlier site written there listed (the caller removes those it does not rewrite).

    A new folder is created (its parent must exist); an empty one, or one holding a site this
    command wrote (it has SITE_MANIFEST), is used as it is; any other non-empty folder only with
    --force, and even then only index.html and incidents/*.html are written, never over the
    ledger's own files or a SQLite database."""
    store = settings().store
    if store.owns(path) or store.owns(path / "index.html"):
        raise usage_error(
            f"{label}: {str(path)!r} is one of the ledger's own files ({store.display}); "
            "refusing to write into it"
        )
    if path.exists() and not path.is_dir():
        raise usage_error(f"{label}: {str(path)!r} is a file, not a folder")
    if not path.exists():
        if not path.parent.is_dir():
            raise usage_error(f"{label}: no directory {str(path.parent)!r}")
        return []
    manifest = path / SITE_MANIFEST
    earlier: list[str] = []
    if manifest.is_file():
        try:
            earlier = [line for line in manifest.read_text(encoding="utf-8").splitlines() if line]
        except (OSError, UnicodeDecodeError):
            earlier = []
    elif any(path.iterdir()) and not force:
        raise usage_error(
            f"{label}: {str(path)!r} is a folder that is not empty and holds no report of the "
            "ledger's (--force writes the site into it anyway)"
        )
    for name in ("index.html", "incidents"):
        target = path / name
        if store.owns(target):
            raise usage_error(f"{label}: {str(target)!r} is one of the ledger's own files")
        if target.is_file() and _starts_with(target, SQLITE_HEADER):
            raise usage_error(f"{label}: {str(target)!r} is a SQLite database; refusing")
    return earlier


def write_outputs(files: Sequence[tuple[Path, bytes, bool]]) -> None:
    """Write each (path, content, private) whole, or none of them: every file goes to a
    temporary name beside its target first (a private one readable by its owner only), and
    only when all are written are they renamed into place."""
    from secrets import token_hex  # here, not at start-up: ledger --help loaded it

    written: list[tuple[Path, Path]] = []
    target = files[0][0] if files else Path()
    try:
        for path, content, private in files:
            target = path
            temporary = path.with_name(f".{path.name}.{token_hex(4)}.tmp")
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
