"""Fixtures of the integration tests: a PostgreSQL primary with a hot standby (see standby.py),
the sealed worked example the tamper tests attack (see sealed_ledger.py), and fresh migrated
databases for the application tests' module-scoped fixtures."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from tests.conftest import _admin_connect, _pg_url
from tests.integration.sealed_ledger import (
    Keys,
    SealedLedger,
    build_sealed,
    copy_sqlite,
    fresh_sqlite,
    make_keys,
)
from tests.integration.standby import Cluster, start_cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A primary and its streaming hot standby, started once per test session."""
    yield from start_cluster()


# The sealed worked example: one SQLite ledger per module, copied for each test; PostgreSQL
# built per test.


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> SealedLedger:
    return build_sealed(fresh_sqlite(tmp_path_factory.mktemp("pristine")))


@pytest.fixture(scope="module")
def pristine_signed(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> SealedLedger:
    return build_sealed(fresh_sqlite(tmp_path_factory.mktemp("signed")), keys)


@pytest.fixture
def sealed(pristine: SealedLedger, tmp_path: Path) -> SealedLedger:
    """The sealed worked example on SQLite, unsigned."""
    return copy_sqlite(pristine, tmp_path / "ledger.db")


@pytest.fixture
def signed(pristine_signed: SealedLedger, tmp_path: Path) -> SealedLedger:
    """The sealed worked example on SQLite, every event and the seal signed."""
    return copy_sqlite(pristine_signed, tmp_path / "ledger.db")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def sealed_on_each_backend(
    request: pytest.FixtureRequest, pristine: SealedLedger, tmp_path: Path
) -> SealedLedger:
    if request.param == "sqlite":
        return copy_sqlite(pristine, tmp_path / "ledger.db")
    return build_sealed(request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACKENDS)
def signed_on_each_backend(
    request: pytest.FixtureRequest, pristine_signed: SealedLedger, keys: Keys, tmp_path: Path
) -> SealedLedger:
    if request.param == "sqlite":
        return copy_sqlite(pristine_signed, tmp_path / "ledger.db")
    return build_sealed(request.getfixturevalue("pg_url"), keys)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def new_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], str]]:
    """Makes fresh migrated databases on one backend, for fixtures shared by a module's tests."""
    template = request.getfixturevalue("pg_template") if request.param == "postgres" else ""
    made: list[str] = []

    def make() -> str:
        if not template:
            path = tmp_path_factory.mktemp("shared") / "ledger.db"
            upgrade(resolve(str(path)))
            return str(path)
        name = f"ledger_app_{uuid.uuid4().hex[:12]}"
        with _admin_connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        made.append(name)
        return _pg_url(name)

    yield make
    for name in made:
        with _admin_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
