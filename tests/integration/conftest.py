"""Fixtures of the integration tests: a PostgreSQL primary with a hot standby (see standby.py),
and the sealed worked example the tamper tests attack (see sealed_ledger.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

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
