"""Fixtures of the `Incident` aggregate's unit tests (tests/unit/test_domain_*.py): a desk with
no I/O, and the shelling incident holding the claim `mod-shelling` (see incident_desk.py)."""

from __future__ import annotations

import pytest

from ledger.domain import Incident
from tests.unit.incident_desk import INC, OTHER, Desk, claim


@pytest.fixture
def desk() -> Desk:
    return Desk()


@pytest.fixture
def shelling(desk: Desk) -> Incident:
    """The shelling incident holding the claim `mod-shelling`, with the airstrike incident open."""
    desk.open(OTHER)
    incident = desk.open(INC)
    desk.file(incident, claim())
    return incident
