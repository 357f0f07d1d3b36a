"""The `ledger` command end to end: every documented command exists with help and an example,
and the installed script runs in a subprocess.

Most tests drive the real Typer app in-process through `run_cli` (both backends); a few run the
installed `ledger` script in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from cli.main import app
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import EXAMPLE
from tests.e2e.typed_commands import AIRSTRIKE, LEDGER, SHELLING, count_events

# -- help ------------------------------------------------------------------------------------


def command_paths() -> list[list[str]]:
    root: Any = typer.main.get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in sorted(root.commands.items()):
        paths.append([name])
        paths += [[name, sub] for sub in sorted(getattr(command, "commands", {}))]
    return paths


def test_every_documented_command_exists() -> None:
    # Check the commands the brief lists are all registered.
    names = {" ".join(path) for path in command_paths()}
    expected = {
        "open",
        "claim",
        "warn",
        "deny",
        "corroborate",
        "discrepancy",
        "assess",
        "verdict",
        "retract",
        "correct",
        "link",
        "import",
        "append",
        "show",
        "history",
        "init",
        "demo",
        "project",
        "report",
        "report incidents",
        "report disputed",
        "report claims",
        "report disputes",
        "report actors",
        "report provenance",
    }
    assert expected <= names


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(p) or "ledger")
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    # Check `--help` exits 0 and shows an example, for the app and each (sub)command.
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.stdout
    assert "Traceback" not in result.output


# -- the installed script, in a subprocess ---------------------------------------------------


def run_ledger(args: list[str], db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LEDGER_DB": str(db), "LEDGER_USER": "subprocess"}
    return subprocess.run(
        [LEDGER, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_ledger_demo_loads_and_shows_both_example_incidents(tmp_path: Path) -> None:
    # Check `ledger demo` as a user runs it: exit 0, both incidents on stdout.
    result = run_ledger(["demo"], tmp_path / "demo.db", tmp_path)
    assert result.returncode == 0, result.stderr
    assert AIRSTRIKE in result.stdout
    assert SHELLING in result.stdout
    assert "Traceback" not in result.stderr


def test_ledger_import_with_a_bad_claim_line_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    # Check a subprocess import: exit 2, one stderr line naming the line, an empty log (the
    # registry's actor lines before it are not written either).
    db = tmp_path / "ledger.db"
    upgrade(resolve(str(db)))
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if json.loads(line)["type"] == "claim")
    broken = json.loads(lines[at])
    del broken["summary"]
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join([*lines[:at], json.dumps(broken), *lines[at + 1 :]]) + "\n")
    result = run_ledger(["import", str(path)], db, tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr == f"error: line {at + 1}, field 'summary': required but missing\n"
    assert count_events(str(db)) == 0
