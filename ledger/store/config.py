"""Which database a command talks to: `--db`, else `LEDGER_DB`, else ./ledger.db.

The drivers and SQLAlchemy are imported late, inside the methods that connect or build a URL:
every command resolves its database, and a SQLite read imports neither
(tests/e2e/test_report_imports.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

if TYPE_CHECKING:
    from sqlalchemy import URL

from ledger.errors import InvalidInput, StoreUnavailable

DEFAULT_DB = "ledger.db"
# What SQLite keeps beside a database file (WAL mode's log and shared memory, the rollback
# journal), and what the ledger may keep there: no output file may take one of these names.
SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
LEDGER_SIDECARS = (".evidence",)


@dataclass(frozen=True)
class StoreConfig:
    """A parsed database location. `display` never shows a password."""

    backend: str  # "sqlite" or "postgresql"
    sqlite_path: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""

    @property
    def display(self) -> str:
        if self.backend == "sqlite":
            return self.sqlite_path
        user = f"{self.user}@" if self.user else ""
        return f"postgresql://{user}{self.host}:{self.port}/{self.dbname}"

    def sqlite_reader_uri(self) -> str:
        """A SQLite URI to read this ledger, also when the file or its folder is read-only.

        A WAL database cannot be opened `mode=ro` without its -shm file, which a read-only folder
        cannot hold; `immutable=1` reads it anyway, but only the database file: the events
        committed to a -wal beside it would be silently left out, so that case is refused.
        Where a -shm file exists, `mode=ro` reads the file with its WAL even in a read-only
        folder. `immutable` is used only where this process cannot write, which is also where
        it cannot change under us through this process.
        """
        path = Path(self.sqlite_path).resolve()
        shm, wal = (path.with_name(path.name + suffix) for suffix in ("-shm", "-wal"))
        # as_uri percent-encodes the path: a `?` or `#` in a folder name would else end it.
        if shm.exists() or (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
            return f"{path.as_uri()}?mode=ro"
        if _size(wal):
            raise StoreUnavailable(
                f"{self.display} cannot be read whole: its folder is read-only and its "
                f"{wal.name} holds events without a {shm.name} (copy the ledger with its "
                "-wal to a folder you can write, and read it there)"
            )
        return f"{path.as_uri()}?mode=ro&immutable=1"  # mode=ro: never create a missing file

    def own_paths(self) -> tuple[Path, ...]:
        """The files and folders that are this ledger's (none on PostgreSQL): the database,
        SQLite's files beside it, and what the ledger stores beside it. Absolute, symbolic
        links resolved, whether they exist yet or not."""
        if self.backend != "sqlite":
            return ()
        path = Path(self.sqlite_path).resolve()
        suffixes = (*SQLITE_SIDECARS, *LEDGER_SIDECARS)
        return (path, *(path.with_name(path.name + suffix) for suffix in suffixes))

    def owns(self, target: Path) -> bool:
        """True when writing `target` would write over this ledger: it is one of `own_paths`
        (SQLite's super-journals `-mj...` too), lies inside one of them, or is one of them
        under another name (a hard link)."""
        own = self.own_paths()
        if not own:
            return False
        resolved = target.resolve()
        if any(resolved == path or resolved.is_relative_to(path) for path in own):
            return True
        if resolved.parent == own[0].parent and resolved.name.startswith(own[0].name + "-mj"):
            return True
        return any(_same_file(resolved, path) for path in own)

    @property
    def sqlite_file(self) -> str:
        """The ledger file's absolute path, for a plain `sqlite3.connect` (which reads a name
        starting with `file:` as a URI; an absolute path starts with `/`)."""
        return str(Path(self.sqlite_path).resolve())

    def sqlite_writer_uri(self) -> str:
        """The ledger file as a percent-encoded URI, for the event store's library: it connects
        with uri=True and takes any name holding ':memory:' or 'mode=memory' for an in-memory
        database (a folder so named would then deadlock its first import)."""
        return Path(self.sqlite_path).resolve().as_uri()

    def connect_postgres(self, *, autocommit: bool = False) -> Any:
        """A psycopg connection to this PostgreSQL ledger (imported only when one is wanted)."""
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=self.dbname,
            autocommit=autocommit,
            connect_timeout=5,
        )

    @property
    def sqlalchemy_url(self) -> URL:
        """Built from its parts, never parsed from text: a `?` or `#` in a file's path, or an
        `@` in a password, stays what it is."""
        from sqlalchemy import URL

        if self.backend == "sqlite":
            return URL.create("sqlite", database=self.sqlite_file)
        return URL.create(
            "postgresql+psycopg",
            username=self.user,
            password=self.password or None,
            host=self.host,
            port=self.port,
            database=self.dbname,
        )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # missing (or unreadable, and then SQLite could not read it either)
        return 0


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # either is missing or unreadable: not the same existing file
        return False


def resolve(db: str | None) -> StoreConfig:
    """Turn a `--db` value (path, sqlite:/// URL or postgresql:// URL) into a StoreConfig."""
    value = db or os.environ.get("LEDGER_DB") or DEFAULT_DB
    if value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        parts = urlsplit(value)
        if not parts.path.strip("/"):
            raise InvalidInput(f"database URL '{value}' names no database")
        return StoreConfig(
            backend="postgresql",
            host=parts.hostname or "127.0.0.1",
            port=parts.port or 5432,
            user=unquote(parts.username or "") or os.environ.get("PGUSER", "postgres"),
            password=unquote(parts.password or ""),
            dbname=unquote(parts.path.strip("/")),
        )
    if value.startswith("sqlite:///"):
        value = value.removeprefix("sqlite:///")
    elif "://" in value:
        raise InvalidInput(
            f"unsupported database URL '{value.split('://')[0]}://' (use a file path, "
            "sqlite:///PATH or postgresql://USER@HOST:PORT/DB)"
        )
    if value == ":memory:":
        raise InvalidInput("an in-memory database would vanish when the command exits; use a file")
    return StoreConfig(backend="sqlite", sqlite_path=str(Path(value)))
