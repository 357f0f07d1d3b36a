"""Fixtures of the `ledger` command's end-to-end tests (tests/e2e/test_cli_*.py): a fresh ledger
with the usual incidents and claim, and one shared database per backend and test module for the
tests that never need a clean log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import _admin_connect, _pg_url
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
