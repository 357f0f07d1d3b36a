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
