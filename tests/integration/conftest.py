"""Fixtures of the integration tests: a PostgreSQL primary with a hot standby (see standby.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.standby import Cluster, start_cluster


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A primary and its streaming hot standby, started once per test session."""
    yield from start_cluster()
