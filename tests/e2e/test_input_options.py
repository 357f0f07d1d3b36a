"""Typed commands' options that used to be accepted wrongly or end in a traceback: each is now
refused with one line on stderr naming the option, exit 2, and nothing written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.store.config import resolve
from ledger.store.migrate import upgrade


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "ledger.db"
    upgrade(resolve(str(path)))
    for args in (
        ["open", "inc-a", "--title", "A"],
        ["open", "inc-b", "--title", "B"],
        ["claim", "inc-a", "--report", "c1", "--by", "SDF", "--summary", "Shelled"],
        ["link", "inc-a", "--report", "l1", "--other", "inc-b", "--relation", "follows"],
    ):
        assert invoke(str(path), *args).exit_code == 0
    return str(path)


def invoke(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])


def events(db: str) -> int:
    result = invoke(db, "history", "inc-a", "--format", "json")
    assert result.exit_code == 0, result.output
    return result.stdout.count('"position"')


def assert_refused_as_bad_input(db: str, result: Result, message: str) -> None:
    """Exit 2, exactly this one line on stderr, no traceback, and no new event."""
    assert result.exit_code == 2, result.output
    assert result.stderr == f"error: {message}\n"
    assert "Traceback" not in result.output
    assert events(db) == 3


def test_a_source_giving_a_key_twice_is_refused_not_silently_the_last(db: str) -> None:
    result = invoke(
        db, "claim", "inc-a", "--by", "SDF", "--summary", "S", "--source", "A; kind=wire; kind=web"
    )
    assert_refused_as_bad_input(db, result, "--source gives 'kind' twice")


def test_a_change_giving_a_field_twice_is_refused(db: str) -> None:
    result = invoke(
        db, "correct", "inc-a", "--refers-to", "c1", "--reason", "R",
        "--change", "summary=one", "--change", "summary=two",
    )  # fmt: skip
    assert_refused_as_bad_input(db, result, "--change gives 'summary' twice")


def test_a_change_nested_five_thousand_deep_is_one_line_not_a_traceback(db: str) -> None:
    deep = "summary=" + "[" * 5_000 + "]" * 5_000
    result = invoke(db, "correct", "inc-a", "--refers-to", "c1", "--reason", "R", "--change", deep)
    assert_refused_as_bad_input(db, result, "--change is nested too deeply")


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "-1", "1e300"])
def test_a_lock_timeout_that_is_not_a_finite_number_of_seconds_is_refused(
    db: str, timeout: str
) -> None:
    result = invoke(db, "--lock-timeout", timeout, "claim", "inc-a", "--by", "X", "--summary", "S")
    assert_refused_as_bad_input(
        db, result, "--lock-timeout must be a number of seconds from 0 to 86,400"
    )


@pytest.mark.parametrize("blank", [" ", "\t", "\u00a0", "\u3000", "\u2028", "\n", "\u200b"])
def test_a_blank_by_is_refused_naming_the_option(db: str, blank: str) -> None:
    result = invoke(db, "claim", "inc-a", "--by", blank * 2, "--summary", "S")
    assert_refused_as_bad_input(
        db, result, "--by: must contain a visible character (a blank name names nobody)"
    )


def test_a_correction_blanking_a_speaker_is_refused_as_bad_input(db: str) -> None:
    result = invoke(
        db, "correct", "inc-a", "--refers-to", "c1", "--reason", "R", "--change", "speaker=\u3000"
    )
    assert_refused_as_bad_input(
        db,
        result,
        "changes.speaker is not valid for a claim: must contain a visible character "
        "(a blank name names nobody)",
    )


def test_a_stated_at_with_a_trailing_newline_is_refused(db: str) -> None:
    result = invoke(db, "claim", "inc-a", "--by", "X", "--summary", "S", "--stated-at", "2017\n")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: --stated-at: '2017\\n' is not ISO 8601")
    assert events(db) == 3


@pytest.mark.parametrize(
    ("other", "message"),
    [
        ("inc-a", "changes.other: an incident cannot link to itself ('inc-a')"),
        ("inc-z", "changes.other names incident 'inc-z', which does not exist"),
    ],
)
def test_a_correction_cannot_point_a_link_where_a_link_may_not_point(
    db: str, other: str, message: str
) -> None:
    result = invoke(
        db, "correct", "inc-a", "--refers-to", "l1", "--reason", "R", "--change", f"other={other}"
    )
    assert result.exit_code == 1, result.output
    assert result.stderr == f"error: {message}\n"
    assert events(db) == 3


def test_a_correction_may_point_a_link_at_another_existing_incident(db: str) -> None:
    assert invoke(db, "open", "inc-c", "--title", "C").exit_code == 0
    result = invoke(
        db, "correct", "inc-a", "--refers-to", "l1", "--reason", "R", "--change", "other=inc-c"
    )
    assert result.exit_code == 0, result.output
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT other FROM links").fetchall() == [("inc-c",)]


def test_a_magnitude_count_out_of_bounds_names_its_own_option(db: str) -> None:
    # The error is on `magnitude.killed`: it used to name every magnitude option, then the key
    # ("--occurrences/.../--displaced.killed"), an option that does not exist.
    result = invoke(db, "claim", "inc-a", "--by", "X", "--summary", "S", "--killed", "10000001")
    assert result.exit_code == 2, result.output
    assert result.stderr == "error: --killed: input should be less than or equal to 10000000\n"
    assert events(db) == 3
