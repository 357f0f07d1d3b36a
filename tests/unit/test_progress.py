"""The long commands' progress bar: on a terminal only, after its delay, never with --quiet."""

from __future__ import annotations

import io

import pytest

import cli.context
from cli.context import Settings
from cli.progress import ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _plain_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not quiet, and no variable that tells rich what stderr is, whatever ran before."""
    loud = Settings(db=None, recorded_as=None, quiet=False, lock_timeout=30.0)
    monkeypatch.setattr(cli.context, "_current", loud)
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


def test_the_bar_shows_on_a_terminal_once_its_delay_has_passed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    bar = ProgressBar("projecting", delay=0.0)
    try:
        bar(5, 10)
        assert bar.bar is not None
        assert bar.bar.tasks[0].completed == 5
        assert bar.bar.tasks[0].total == 10
        bar(10)  # the total given once stays
        assert bar.bar.tasks[0].completed == 10
        assert bar.bar.tasks[0].total == 10
    finally:
        bar.close()


def test_the_bar_waits_for_its_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _Terminal())
    bar = ProgressBar("appending", 100, delay=3600.0)
    bar(50)
    assert bar.bar is None


def test_no_bar_where_stderr_is_no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr("sys.stderr", piped)
    bar = ProgressBar("projecting", delay=0.0)
    bar(5, 10)
    bar.close()
    assert bar.bar is None
    assert piped.getvalue() == ""


def test_no_bar_with_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _Terminal())
    quiet = Settings(db=None, recorded_as=None, quiet=True, lock_timeout=30.0)
    monkeypatch.setattr(cli.context, "_current", quiet)
    bar = ProgressBar("projecting", delay=0.0)
    bar(5, 10)
    assert bar.bar is None


@pytest.mark.parametrize(
    ("variable", "value", "shown"),
    [("TTY_COMPATIBLE", "1", True), ("FORCE_COLOR", "1", True), ("TTY_COMPATIBLE", "0", False)],
)
def test_the_bar_follows_the_variables_rich_follows(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, shown: bool
) -> None:
    # On a pipe unless told otherwise; TTY_COMPATIBLE=0 overrides even a terminal.
    monkeypatch.setattr("sys.stderr", _Terminal() if not shown else io.StringIO())
    monkeypatch.setenv(variable, value)
    bar = ProgressBar("projecting", delay=0.0)
    try:
        bar(1, 2)
        assert (bar.bar is not None) is shown
    finally:
        bar.close()


def test_no_bar_without_a_stderr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", None)
    bar = ProgressBar("projecting", delay=0.0)
    bar(1, 2)
    assert bar.bar is None
