"""Fixtures of the end-to-end tests. For the `ledger` command's tests (test_cli_*.py): a fresh
ledger with the usual incidents and claim, and one shared database per backend and test module
for the tests that never need a clean log. For test_audit.py and test_proof_and_export.py: the
worked example's incidents on one SQLite ledger per module (`pristine`), a fresh copy of it per
test (`example`), and the whole example imported on each backend (`imported`).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.errors import EXIT_OK
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import EXAMPLE, _admin_connect, _pg_url, example_reports_only
from tests.e2e.audit_cli import Cli, invoke
from tests.e2e.typed_commands import RunCli, open_the_usual


@pytest.fixture
def opened(run_cli: RunCli) -> RunCli:
    """A fresh ledger with inc-a, inc-b and the claim r1."""
    return open_the_usual(run_cli)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def shared_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One migrated database per backend for a module's tests that never need a clean log.

    Refusals must write nothing, so they can share it; so can typed commands with distinct ids.
    """
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("shared") / "ledger.db"
        upgrade(resolve(str(path)))
        yield str(path)
        return
    template = request.getfixturevalue("pg_template")
    name = f"ledger_cli_{uuid.uuid4().hex[:12]}"
    with _admin_connect() as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    yield _pg_url(name)
    with _admin_connect() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared(shared_db: str) -> RunCli:
    """The CLI on the shared database, holding inc-a, inc-b and the claim r1."""
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--db", shared_db, "--as", "tester", *args], input=input)

    return open_the_usual(invoke)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One SQLite ledger holding the worked example's incidents (without its registry's actor
    lines, so the positions are as the tests name them), imported through the CLI."""
    path = tmp_path_factory.mktemp("pristine") / "ledger.db"
    upgrade(resolve(str(path)))
    result = invoke(str(path), "import", str(example_reports_only(path.parent)))
    assert result.exit_code == EXIT_OK, result.output
    return str(path)


@pytest.fixture
def example(pristine: str, tmp_path: Path) -> Cli:
    """A fresh copy of the worked example (SQLite); returns the CLI bound to it."""
    target = tmp_path / "ledger.db"
    with closing(sqlite3.connect(pristine)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return lambda *args, input=None: invoke(str(target), *args, input=input)


@pytest.fixture
def imported(run_cli: Cli) -> Cli:
    """The worked example imported on each backend."""
    result = run_cli("import", str(EXAMPLE))
    assert result.exit_code == EXIT_OK, result.output
    return run_cli
