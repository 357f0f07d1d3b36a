"""Tables as a person sees them: `ledger demo` and `ledger report claims` in a pseudo-terminal
at 80 and 200 columns, and piped with COLUMNS."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b\[[0-9;]*m")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
STATUSES = ("disputed", "unverified", "corroborated", "retracted")
IDS = ("mod-shelling", "sdf-shelling-denial", "deir-ez-zor-shelling-2017-09")


def _in_a_terminal(
    args: list[str], columns: int, rows: int = 200, extra: dict[str, str] | None = None
) -> str:
    """What the command writes to a terminal of that size (the pager off: nothing to page)."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdout is the terminal
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
        env["TERM"] = "xterm-256color"
        env.update(extra or {})
        os.execve(sys.executable, [sys.executable, "-m", "cli.main", *args], env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, b"".join(chunks).decode()[-2000:]
    return b"".join(chunks).decode().replace("\r\n", "\n")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("tables") / "ledger.db")


@pytest.fixture(scope="module")
def demo(db: str) -> dict[int, str]:
    """`ledger demo` at 80 then (on the same ledger, reloading nothing) 200 columns."""
    return {w: _in_a_terminal(["--db", db, "demo", "--no-pager"], w) for w in (80, 200)}


def _table_lines(text: str) -> list[str]:
    return [line for line in ANSI.sub("", text).splitlines() if line.strip()]


@pytest.mark.parametrize("width", [80, 200])
def test_demo_fits_and_cuts_no_id_date_or_status(demo: dict[int, str], width: int) -> None:
    lines = _table_lines(demo[width])
    assert any("disputed" in line for line in lines), "the tables were shown"
    # The import's one-line summary on stderr is prose a terminal wraps, not a table.
    assert max(len(line) for line in lines if not line.startswith("added ")) <= width
    for line in lines:
        # A date, a status or an id is whole or cut with an ellipsis, never folded: a line
        # that starts or ends inside one would show a piece of it.
        for piece in re.findall(r"\b\d{4}-\d{1,2}\b(?!-)", line):
            assert DATE.search(line), (piece, line)
        for word in re.findall(r"[a-z]+", line):
            assert not any(
                s.startswith(word) and s != word and len(word) > 2 for s in STATUSES
            ) or ("…" in line), (word, line)


def test_demo_colours_statuses_on_a_terminal(demo: dict[int, str]) -> None:
    assert re.search(r"\x1b\[[0-9;]*31m\s*disputed", demo[80])


INCIDENT_IDS = {"deir-ez-zor-shelling-2017-09", "deir-ez-zor-airstrike-2017-09-16"}
REPORT_IDS = {
    "sdf-airstrike-claim",
    *IDS,
    "mod-retaliation-warning",
    "mod-special-forces-deployed",
    "mod-airstrike-denial",
    "sdf-shelling-denial",
}


@pytest.mark.parametrize("args", [["report", "claims"], ["show", IDS[2]], ["report", "disputes"]])
def test_ids_are_never_cut_at_80_columns(db: str, demo: dict[int, str], args: list[str]) -> None:
    # Two incidents' ids share their first dozen characters (deir-ez-zor-...): an id cut to
    # fit would name neither. Columns are left out (and named) instead.
    lines = _table_lines(_in_a_terminal(["--db", db, *args, "--no-pager"], 80))
    assert max(len(line) for line in lines) <= 80
    # Every row starts with an id, whole: one of the example's, never a piece of one.
    rows = [line for line in lines if DATE.search(line) and re.match(r"[a-z]+-[a-z0-9-]", line)]
    assert rows
    for line in rows:
        first = line.split()[0]
        assert first in REPORT_IDS or first in INCIDENT_IDS, line
    assert not any(re.search(r"[a-z0-9-]…", line) for line in rows if "deir-ez-zor" in line)
    assert any(line.startswith("not shown: ") for line in lines)


@pytest.mark.parametrize("width", [200])
def test_report_claims_right_aligns_numbers(db: str, demo: dict[int, str], width: int) -> None:
    text = _in_a_terminal(["--db", db, "report", "claims", "--no-pager"], width)
    lines = _table_lines(text)
    assert max(len(line) for line in lines) <= width
    header = next(line for line in lines if line.lstrip().startswith("report"))
    end = header.index("denials") + len("denials")
    rows = [line for line in lines if DATE.search(line)]
    assert len(rows) == 6  # 4 claims and warnings, 2 denials (assertions in version 2)
    # The last digit of every count sits under the header's last letter.
    assert all(line[end - 1].isdigit() and line[end - 2] == " " for line in rows), rows
    for status in ("disputed", "unverified"):
        assert any(re.search(rf"\b{status}\b", line) for line in rows)
    assert all(line.split()[0] in REPORT_IDS for line in rows)


def test_piped_tables_take_columns_and_have_no_colour(db: str, demo: dict[int, str]) -> None:
    for width in (60, 80, 120):
        result = subprocess.run(
            [sys.executable, "-m", "cli.main", "--db", db, "show", IDS[2]],
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": str(width)},
            check=True,
        )
        assert "\x1b[" not in result.stdout
        lines = result.stdout.splitlines()
        assert max(len(line) for line in lines) <= width
        # A summary is wrapped below its table at word boundaries, not a column 6 wide.
        assert len(lines) < 90
        assert any("The US-backed SDF have shelled" in line for line in lines)


def test_wide_shows_every_column_whole(db: str, demo: dict[int, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "--db", db, "report", "claims", "--wide"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "80"},
        check=True,
    )
    assert "…" not in result.stdout and "not shown" not in result.stdout
    assert "deir-ez-zor-airstrike-2017-09-16" in result.stdout
    assert "credibility" in result.stdout


def test_long_output_on_a_terminal_goes_to_the_pager(
    db: str, demo: dict[int, str], tmp_path: Path
) -> None:
    pager = tmp_path / "pager.sh"
    pager.write_text(f"#!/bin/sh\ncat > {tmp_path / 'paged'}\n")
    pager.chmod(0o755)
    with_pager = {"PAGER": str(pager)}
    shown = _in_a_terminal(["--db", db, "show", IDS[2]], 80, rows=10, extra=with_pager)
    assert "mod-shelling" in (tmp_path / "paged").read_text()
    assert "mod-shelling" not in shown
    (tmp_path / "paged").unlink()
    shown = _in_a_terminal(["--db", db, "show", IDS[2], "--no-pager"], 80, 10, with_pager)
    assert not (tmp_path / "paged").exists()
    assert "mod-shelling" in shown


def test_search_at_a_terminal_leads_with_the_report_and_rounds_the_score(
    db: str, demo: dict[int, str]
) -> None:
    """The first column is the one never given up: a search's is the report id a reader copies,
    not its score, which the rows' order already gives (two places at a terminal, all in JSON)."""
    lines = _table_lines(_in_a_terminal(["--db", db, "search", "shelled"], 80))
    assert lines[0].split()[0] == "report", lines[0]
    assert lines[2].split()[0] in ("mod-shelling", "sdf-shelling-denial"), lines[2]
    assert re.search(r"\s\d+\.\d{2}\s", lines[2]), lines[2]
    assert max(len(line) for line in lines) <= 80
