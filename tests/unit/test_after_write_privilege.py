"""The catch-up after a write knows a role's missing right by PostgreSQL's SQLSTATE (42501), not
by the words of its message, which the server translates (lc_messages) and may reword."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import ProgrammingError

import projections.after_write as after_write
from ledger.store.errors import insufficient_privilege
from projections.after_write import ProjectAfterWrite

ROLE_WARNING = "this role may not update the projections"


def _after_write_failing_with(error: Exception, monkeypatch: pytest.MonkeyPatch) -> str | None:
    def catch_up(*args: Any, **kwargs: Any) -> int:
        raise error

    monkeypatch.setattr(after_write, "catch_up", catch_up)
    return ProjectAfterWrite()(None, None)  # type: ignore[arg-type]


def _wrapped(error: Exception) -> Exception:
    """As the library raises it: its own error, the driver's as the cause."""
    try:
        try:
            raise error
        except psycopg.Error as driver:
            raise ProgrammingError(str(driver)) from driver
    except ProgrammingError as outer:
        return outer


@pytest.mark.parametrize(
    "message",
    ["permission denied for table claims", "droit refusé pour la table claims", "nope"],
)
def test_a_missing_right_is_told_by_its_sqlstate_whatever_the_words(
    message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = _wrapped(psycopg.errors.InsufficientPrivilege(message))
    assert insufficient_privilege(error)
    warning = _after_write_failing_with(error, monkeypatch)
    assert warning is not None and ROLE_WARNING in warning


def test_the_words_alone_are_not_a_missing_right(monkeypatch: pytest.MonkeyPatch) -> None:
    # Another error whose text happens to say "permission denied" (an OS error, say).
    error = _wrapped(psycopg.errors.UndefinedTable("permission denied somewhere"))
    assert not insufficient_privilege(error)
    warning = _after_write_failing_with(error, monkeypatch)
    assert warning is not None and ROLE_WARNING not in warning
    assert "run 'ledger project'" in warning
