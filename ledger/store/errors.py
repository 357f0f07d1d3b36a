"""The database errors that are the user's situation, not our bug, as the ledger's own
`StoreUnavailable`: one sentence naming the database, exit 1.

Recognised by type and code, never by wording (drivers' messages change between versions and
languages): SQLite's result code names (`sqlite3.Error.sqlite_errorname`), PostgreSQL's
SQLSTATE (`psycopg.Error.sqlstate`), and the module a driver's error class comes from. The
libraries between us and the drivers (eventsourcing, SQLAlchemy, Alembic) keep the driver's
error as the cause, so the whole chain is looked at.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from ledger.errors import LedgerError, StoreUnavailable
from ledger.store import schema_check
from ledger.store.config import StoreConfig

# PostgreSQL's SQLSTATEs (Appendix A of its manual).
UNDEFINED_TABLE = "42P01"
LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout ran out
READ_ONLY_TRANSACTION = "25006"  # a standby, or default_transaction_read_only
INSUFFICIENT_PRIVILEGE = "42501"  # the role lacks a right (ledger db roles)
POSTGRES_DRIVERS = ("psycopg", "psycopg_pool")


@contextmanager
def translated(store: StoreConfig, lock_timeout: float) -> Iterator[None]:
    """Raise a store error met inside the block as `StoreUnavailable` (its cause kept)."""
    try:
        yield
    except LedgerError:
        raise
    except Exception as e:
        ours = store_error(e, store, lock_timeout)
        if ours is None:
            raise
        raise ours from e


def store_error(
    error: BaseException, store: StoreConfig, lock_timeout: float
) -> StoreUnavailable | None:
    """`error` as the ledger's own, or None if it is not a store error (then it is a bug)."""
    where = store.display
    chain = _chain(error)
    sqlite_codes = {
        str(getattr(e, "sqlite_errorname", "") or "") for e in chain if isinstance(e, sqlite3.Error)
    } - {""}
    sqlstates = {str(getattr(e, "sqlstate", "") or "") for e in chain} - {""}
    if UNDEFINED_TABLE in sqlstates or ("SQLITE_ERROR" in sqlite_codes and _holds_no_ledger(store)):
        return StoreUnavailable(f"{where} holds no ledger yet: run 'ledger init' first")
    if sqlite_codes & {"SQLITE_BUSY", "SQLITE_LOCKED"} or LOCK_NOT_AVAILABLE in sqlstates:
        return StoreUnavailable(
            f"{where} stayed locked by another writer for more than "
            f"{lock_timeout:g} s (raise it with --lock-timeout)"
        )
    if (
        any(code.startswith("SQLITE_READONLY") for code in sqlite_codes)
        or READ_ONLY_TRANSACTION in sqlstates
    ):
        return StoreUnavailable(f"{where} is read-only, and this command writes to it")
    if any(code.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR")) for code in sqlite_codes):
        return StoreUnavailable(f"cannot open the SQLite database {where}")
    if "SQLITE_NOTADB" in sqlite_codes:
        return StoreUnavailable(f"{where} is not a SQLite database")
    if any(type(e).__module__.split(".")[0] in POSTGRES_DRIVERS for e in chain):
        innermost = chain[-1]
        text = str(innermost).strip()
        reason = text.splitlines()[0] if text else type(innermost).__name__
        return StoreUnavailable(f"cannot use the PostgreSQL database {where}: {reason}")
    # Any other SQLite error (a damaged file's "database disk image is malformed", say).
    driver = next((e for e in chain if isinstance(e, sqlite3.Error)), None)
    if driver is not None:
        return StoreUnavailable(f"SQLite error on {where}: {driver}")
    return None


def insufficient_privilege(error: BaseException) -> bool:
    """A PostgreSQL role's missing right (SQLSTATE 42501) anywhere in the error's chain: told
    by its code, since the server words it in its own language ("permission denied" only in
    English)."""
    return any(getattr(e, "sqlstate", None) == INSUFFICIENT_PRIVILEGE for e in _chain(error))


def connection_lost(error: BaseException) -> bool:
    """The server went away or refused us for now (a restart, a network cut, a server still
    starting up), anywhere in the error's chain: errors a service waits out, unlike a bug or a
    damaged log. The drivers are imported here only: a SQLite-only process never pays for them."""
    import psycopg  # here only: a SQLite-only process never loads the drivers
    import psycopg_pool
    from eventsourcing.persistence import InterfaceError, OperationalError

    lost = (
        psycopg.OperationalError,
        psycopg.InterfaceError,
        psycopg_pool.PoolTimeout,
        OperationalError,
        InterfaceError,
    )
    return any(isinstance(e, lost) for e in _chain(error))


def _chain(error: BaseException) -> list[BaseException]:
    """The error and what caused it, outermost first (at most ten: a chain may loop)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _holds_no_ledger(store: StoreConfig) -> bool:
    """SQLite's "no such table" is plain SQLITE_ERROR, as is a syntax error: told apart by
    looking, not by the message's wording."""
    with contextlib.suppress(Exception):  # a store that cannot be looked at says nothing here
        return store.backend == "sqlite" and schema_check.revision(store) is None
    return False
