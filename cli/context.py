"""What every command shares: the chosen database, the recorder's name, and error handling.

Every command imports this module, `ledger --help` too, so what a function here needs beyond
Typer (the store, the opening of a ledger, pydantic for an unusual name) is imported late,
inside it (tests/e2e/test_startup.py keeps the budget)."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from ledger.errors import EXIT_BAD_INPUT, IntegrityFailure, InvalidInput, LedgerError

if TYPE_CHECKING:
    from ledger.application import IncidentLedger
    from ledger.store.config import StoreConfig

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    db: str | None
    recorded_as: str | None
    quiet: bool
    lock_timeout: float

    @functools.cached_property
    def store(self) -> StoreConfig:
        from ledger.store.config import resolve

        return resolve(self.db)

    @property
    def recorder_name(self) -> str:
        """--as, else $LEDGER_USER, else the OS login; held to the rules of `recorded_by`."""
        from ledger.application import default_recorder
        from ledger.importing.actor_line import plain_name

        name = self.recorded_as or default_recorder()
        if plain_name(name):
            return name  # certainly valid: no pydantic to import (ledger/importing/actor_line.py)
        from pydantic import TypeAdapter, ValidationError

        from ledger.interchange import Name

        try:
            TypeAdapter(Name).validate_python(name)
        except ValidationError as e:
            source = "--as" if self.recorded_as else "LEDGER_USER (or the OS login)"
            problem = e.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise InvalidInput(f"{source}: {problem[0].lower()}{problem[1:]}") from None
        return name


_current: Settings | None = None


def use_settings(new: Settings) -> None:
    """Set by the root callback on every invocation (also under CliRunner)."""
    global _current
    _current = new


def settings() -> Settings:
    if _current is None:  # a command function called outside the CLI
        return Settings(db=None, recorded_as=None, quiet=False, lock_timeout=30.0)
    return _current


def say(message: str) -> None:
    """A message for the person at the terminal: stderr, silenced by --quiet."""
    if not settings().quiet:
        typer.echo(message, err=True)


def fail(message: str, code: int) -> typer.Exit:
    # One line, always: drivers like to add hints on a second line.
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    typer.echo(f"error: {first.strip()}", err=True)
    return typer.Exit(code)


def guarded(command: F) -> F:
    """Turn every error a user can cause or meet into one line on stderr and an exit code."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        opened = len(_OPENED)
        try:
            return command(*args, **kwargs)
        except LedgerError as e:
            raise fail(str(e), e.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as e:
            # A store error from a layer that does not translate its own yet (search, project,
            # verify, html, roles; the reports do): the store layer's translation, here.
            from ledger.store.errors import store_error

            current = settings()
            translated = store_error(e, current.store, current.lock_timeout) or _undecodable(e)
            if translated is None:
                raise
            raise fail(str(translated), translated.exit_code) from None
        finally:
            # The ledgers this command opened, closed on every way out, here on the main
            # thread (closing twice is harmless): one left to the garbage collector may be
            # closed on one of the PostgreSQL pool's own threads, which cannot join itself.
            while len(_OPENED) > opened:
                with contextlib.suppress(Exception):  # the command's outcome stands
                    _OPENED.pop().close()

    return wrapper  # type: ignore[return-value]


def _undecodable(error: BaseException) -> LedgerError | None:
    """A stored event the library cannot decode (met while replaying an incident): the log was
    tampered with or damaged, so an integrity failure, naming the event, never a traceback."""
    from eventsourcing.persistence import MapperDeserialisationError

    if not isinstance(error, MapperDeserialisationError):
        return None
    what = " ".join(str(error).split())  # one line, whatever the stored text holds
    return IntegrityFailure(f"{what}; run 'ledger verify'")


def open_ledger(*, write: bool = False, create: bool | None = None) -> IncidentLedger:
    """The ledger at --db (see `ledger.opening.open_ledger`), closed when the command ends."""
    from ledger.opening import open_ledger as open_store
    from ledger.opening import signer_from_environment

    current = settings()
    ledger = open_store(
        current.store,
        write=write,
        create=create,
        lock_timeout=current.lock_timeout,
        signer=signer_from_environment() if write else None,
    )
    _OPENED.append(ledger)  # closed when the command ends (see `guarded`)
    return ledger


# The ledgers opened by the running commands, innermost last.
_OPENED: list[IncidentLedger] = []


def usage_error(message: str) -> typer.Exit:
    return fail(message, EXIT_BAD_INPUT)
