"""The evidence store: the files evidence reports name, content-addressed and write-once.

Layout: `<store>/sha256/ab/abcdef…` (the file's lowercase hex SHA-256, under a folder named by
its first two digits, so no folder grows past a few thousand entries), and `<store>/tmp/`,
where a file being attached is copied first. An object is made read-only and put in place by a
hard link, which fails rather than replace an existing name: an object, once stored, is never
rewritten (write-once), and two attachments of the same bytes share one object.

The log holds the hashes, never the files (DOMAIN.md, "Evidence"): whatever is found under an
object's name is checked against the hash before it is trusted, when given back and by verify.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ledger.errors import InvalidInput, StoreUnavailable

CHUNK = 1 << 20  # 1 MiB: big enough that the per-call cost vanishes, small enough for memory
OBJECTS = "sha256"
TEMPORARY = "tmp"
READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


@dataclass(frozen=True)
class Staged:
    """A file copied into the store's tmp folder and hashed, not yet under its address."""

    temporary: Path
    sha256: str
    bytes: int


@dataclass(frozen=True)
class ObjectCheck:
    """What re-hashing a stored object found: `ok`, `missing`, `altered` or `truncated`."""

    sha256: str
    state: str
    problem: str = ""


class EvidenceStore:
    """One store folder. Nothing is created until a file is attached."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        return self.root / OBJECTS / sha256[:2] / sha256

    def contains(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def stage(self, source: Path) -> Staged:
        """Copy `source` into tmp/ once, hashing it on the way; the caller commits or discards.
        InvalidInput (exit 2) for a missing file, a folder or an unreadable one."""
        handle = open_source(source)
        try:
            folder = self.root / TEMPORARY
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreUnavailable(
                    f"cannot create the evidence store {str(self.root)!r}: {e.strerror}"
                ) from None
            temporary = folder / f"incoming-{secrets.token_hex(8)}"
            try:
                # O_EXCL: a name nobody else holds; the file is ours alone until it is linked.
                fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as e:
                raise StoreUnavailable(
                    f"cannot write in the evidence store {str(self.root)!r}: {e.strerror}"
                ) from None
            try:
                with os.fdopen(fd, "wb", buffering=0) as out:
                    digest, size = _copy_hashing(handle, out.write)
                    # On disk before the report that names it is committed.
                    os.fsync(out.fileno())
                os.chmod(temporary, READ_ONLY)
            except BaseException as e:
                _unlink(temporary)
                if isinstance(e, OSError):
                    raise StoreUnavailable(
                        f"cannot copy {str(source)!r} into the evidence store: {e.strerror}"
                    ) from None
                raise
            return Staged(temporary, digest, size)
        finally:
            handle.close()

    def commit(self, staged: Staged) -> bool:
        """Put a staged file under its address; True if it was new. An object already there is
        never replaced (write-once): the staged copy is dropped instead."""
        target = self.path_of(staged.sha256)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(staged.temporary, target)  # fails, never replaces, if the name exists
            except FileExistsError:
                return False
            _sync_folder(target.parent)
            return True
        except OSError as e:
            raise StoreUnavailable(
                f"cannot store {staged.sha256} in the evidence store: {e.strerror}"
            ) from None
        finally:
            _unlink(staged.temporary)

    def discard(self, staged: Staged) -> None:
        _unlink(staged.temporary)

    def check(self, sha256: str, size: int | None = None) -> ObjectCheck:
        """Re-hash one stored object against the hash (and size) the log gives it."""
        path = self.path_of(sha256)
        try:
            handle = path.open("rb", buffering=0)
        except FileNotFoundError:
            return ObjectCheck(sha256, "missing", "not in the evidence store")
        except OSError as e:
            return ObjectCheck(sha256, "altered", f"unreadable: {e.strerror}")
        with handle:
            digest, stored = _copy_hashing(handle, None)
        if digest == sha256 and (size is None or stored == size):
            return ObjectCheck(sha256, "ok")
        if size is not None and stored < size:
            return ObjectCheck(sha256, "truncated", f"truncated: holds {stored} of {size} byte(s)")
        return ObjectCheck(sha256, "altered", f"altered: its content hashes to {digest}")

    def copy_out(self, sha256: str, write: Callable[[bytes], object]) -> str:
        """Stream an object to `write`, hashing it on the way; its digest (the caller compares
        it, and discards what was written if it differs)."""
        try:
            handle = self.path_of(sha256).open("rb", buffering=0)
        except FileNotFoundError:
            raise InvalidInput(
                f"evidence {sha256} is not in the store {str(self.root)!r}"
            ) from None
        with handle:
            digest, _ = _copy_hashing(handle, write)
        return digest

    def leftovers(self) -> Iterator[Path]:
        """Staged files an interrupted attach left in tmp/ (safe to delete)."""
        folder = self.root / TEMPORARY
        if folder.is_dir():
            yield from sorted(folder.iterdir())


def open_source(source: Path) -> BinaryIO:
    if source.is_dir():
        raise InvalidInput(f"{str(source)!r} is a folder, not a file")
    try:
        handle = source.open("rb", buffering=0)
    except FileNotFoundError:
        raise InvalidInput(f"no such file: {str(source)!r}") from None
    except OSError as e:
        raise InvalidInput(f"cannot read {str(source)!r}: {e.strerror}") from None
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()  # a FIFO or a device: its bytes could not be read again to check
        raise InvalidInput(f"{str(source)!r} is not a regular file")
    return handle  # type: ignore[return-value]


def _copy_hashing(source: BinaryIO, write: Callable[[bytes], object] | None) -> tuple[str, int]:
    """Read `source` to its end in 1 MiB chunks into a reused buffer (constant memory), hashing
    each chunk and passing it to `write`: the file is read once. With a `write`, each chunk is
    hashed on a second thread while it is written (hashlib and the write both release the GIL
    on big buffers), so an attach costs about the longer of the two, not their sum."""
    digest = hashlib.sha256()
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    size = 0
    with contextlib.ExitStack() as stack:
        hasher = None
        if write is not None:
            # a copy only: checking the store (verify) starts no thread
            from concurrent.futures import ThreadPoolExecutor

            hasher = stack.enter_context(ThreadPoolExecutor(1, "evidence-hash"))
        while True:
            n = source.readinto(view)  # type: ignore[attr-defined]
            if not n:
                break
            chunk = view[:n]
            if hasher is None or write is None:
                digest.update(chunk)
            else:
                hashed = hasher.submit(digest.update, chunk)
                try:
                    _write_all(write, chunk)
                finally:
                    hashed.result()  # the buffer is reused only once the hash has read it
            size += n
    return digest.hexdigest(), size


def _write_all(write: Callable[[bytes], object], chunk: memoryview) -> None:
    # An unbuffered raw write may write less than asked (a signal, a pipe): finish it.
    while chunk:
        written = write(chunk)  # type: ignore[arg-type]
        if not isinstance(written, int) or written >= len(chunk):
            return
        chunk = chunk[written:]


def _sync_folder(folder: Path) -> None:
    # The new name must survive a crash as the file's bytes do (POSIX: fsync the folder).
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
