"""Progress on each phase of the long commands, as a person at a terminal sees it: an import's
parsing, appending and projecting, a rebuild's two passes, the HTML report's reading and
drawing; nothing when stderr is not a terminal or with --quiet.

LEDGER_PROGRESS_DELAY=0 shows every bar at once, so the test does not depend on how long a
phase takes on the machine running it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ledger.importing import PIPELINE_FROM_BYTES
from tests.conftest import EXAMPLE, ROOT
from tests.e2e.test_terminal_tables import _in_a_terminal

NOW = {"LEDGER_PROGRESS_DELAY": "0"}
IMPORT_PHASES = ("parsing", "appending", "projecting")


def _write_claims(path: Path, at_least: int) -> None:
    """Claims on the example's first incident, until the file holds `at_least` bytes."""
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    incident = next(json.loads(line)["incident"] for line in lines if '"incident"' in line)
    with path.open("w", encoding="utf-8") as out:
        number = 0
        while out.tell() < at_least:
            line = {"type": "claim", "incident": incident, "report": f"bulk-{number}",
                    "by": "Observer", "summary": f"Shelling near block {number}."}  # fmt: skip
            out.write(json.dumps(line) + "\n")
            number += 1


def test_each_phase_shows_its_progress_on_a_terminal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    imported = _in_a_terminal(["--db", db, "import", str(EXAMPLE)], 120, extra=NOW)
    for phase in IMPORT_PHASES:
        assert phase in imported, (phase, imported[-2000:])
    # A big file into an existing ledger is validated by a child while this process appends:
    # one phase for both (ledger.importing.PIPELINE_FROM_BYTES).
    big = tmp_path / "big.jsonl"
    _write_claims(big, PIPELINE_FROM_BYTES)
    piped = _in_a_terminal(["--db", db, "import", str(big)], 120, extra=NOW)
    for phase in ("parsing and appending", "projecting"):
        assert phase in piped, (phase, piped[-2000:])
    rebuilt = _in_a_terminal(["--db", db, "project", "--rebuild"], 120, extra=NOW)
    for phase in ("rebuilding: reading the log", "rebuilding: folding incidents"):
        assert phase in rebuilt, (phase, rebuilt[-2000:])
    page = tmp_path / "report.html"
    drawn = _in_a_terminal(["--db", db, "report", "html", "-o", str(page)], 120, extra=NOW)
    for phase in ("reading and verifying the log", "drawing incidents"):
        assert phase in drawn, (phase, drawn[-2000:])


def test_no_progress_with_quiet_or_off_a_terminal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    quiet = _in_a_terminal(["--db", db, "--quiet", "import", str(EXAMPLE)], 120, extra=NOW)
    assert not any(phase in quiet for phase in IMPORT_PHASES), quiet
    env = {**os.environ, **NOW}
    for name in ("TTY_COMPATIBLE", "FORCE_COLOR"):
        env.pop(name, None)
    piped = subprocess.run(
        [sys.executable, "-m", "cli.main", "--db", db, "project", "--rebuild"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "rebuilding" not in piped.stderr and "\x1b" not in piped.stderr, piped.stderr
