"""The README's terminal session is executed: every command, its output lines and exit code."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def session_steps() -> list[tuple[str, list[str], int]]:
    """(command, expected output lines, expected exit code) for each `$` line of the session."""
    block = README.split("## A short session", 1)[1].split("```console", 1)[1].split("```", 1)[0]
    steps: list[tuple[str, list[str], int]] = []
    for line in block.strip().splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], [], 0))
        elif match := re.fullmatch(r"\[exit (\d+)\]", line.strip()):
            command, expected, _ = steps[-1]
            steps[-1] = (command, expected, int(match.group(1)))
        else:
            steps[-1][1].append(line)
    return steps


def run_step(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    if command.startswith("sqlite3 ") and shutil.which("sqlite3") is None:
        # No sqlite3 shell on this machine: answer the same query the way it would.
        _, database, query = command.split(" ", 2)
        connection = sqlite3.connect(cwd / database)
        rows = connection.execute(query.strip('"')).fetchall()
        output = "".join("|".join(str(v) for v in row) + "\n" for row in rows)
        return subprocess.CompletedProcess(command, 0, output, "")
    return subprocess.run(
        ["bash", "-c", f"set -o pipefail; {command}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_readme_session_runs_as_shown(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env["LEDGER_USER"] = "analyst"
    steps = session_steps()
    # Check the session really exercises writes, reports and errors.
    assert len(steps) >= 10
    for command, expected, code in steps:
        result = run_step(command, tmp_path, env)
        # Check the exit code first, then that every shown line was printed.
        assert result.returncode == code, (command, result.stdout, result.stderr)
        printed = (result.stdout + result.stderr).splitlines()
        for line in expected:
            assert line in printed, (command, line, printed)
        assert "Traceback" not in result.stderr


def test_readme_opens_with_the_demo_and_test_commands_and_ci_runs_the_latter() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README)
    assert commands[0].endswith("ledger demo")
    assert commands[1].endswith("pytest -q")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # Check CI calls the README's test command verbatim.
    assert commands[1] in ci


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("README.md", "## Commands"),
        ("README.md", "### Exit codes"),
        ("README.md", "## Storage"),
        ("README.md", "## Guarantees"),
        ("README.md", "## Where to read more"),
        ("docs/format.md", "# The interchange format: JSON Lines"),
        ("docs/views.md", "# The views: projection tables and their columns"),
        ("docs/format.md", "## Integrity"),
        ("docs/design.md", "## Where each rule lives"),
        ("docs/performance.md", "## Re-running the benchmark"),
    ],
)
def test_the_docs_have_the_sections_users_need(path: str, heading: str) -> None:
    assert heading in (ROOT / path).read_text(encoding="utf-8")


def test_every_local_link_in_the_docs_points_at_a_file_that_exists() -> None:
    docs = [ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")]
    for doc in docs:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", doc.read_text(encoding="utf-8")):
            # Check each relative link resolves from the document's own folder.
            assert doc.parent.joinpath(target).exists(), (doc.name, target)
