"""A one-line append on an existing SQLite ledger never imports SQLAlchemy: the catch-up that
follows every write (projections/catchup.py) writes the views with sqlite3 directly, and importing
SQLAlchemy alone costs a quarter of a second of a ~0.8 s `ledger claim`."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import modules_imported

SHELLING = "deir-ez-zor-shelling-2017-09"


@pytest.fixture
def demo_ledger(tmp_path: Path) -> str:
    # An existing ledger: a writer on an empty database runs Alembic, which may import SQLAlchemy.
    path = tmp_path / "ledger.db"
    result = CliRunner().invoke(app, ["--db", str(path), "-q", "demo"])
    assert result.exit_code == 0, result.output
    return str(path)


def test_a_claim_with_its_catch_up_on_sqlite_does_not_import_sqlalchemy(demo_ledger: str) -> None:
    args = ("--db", demo_ledger, "--as", "tester")
    claim = ("claim", SHELLING, "--report", "x1", "--by", "X", "--summary", "S")
    result, modules = modules_imported(*args, *claim)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == "x1\n"
    said = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert not [line for line in said if "warning" in line], said  # the views were updated
    # Check the probe saw the catch-up run (else the assertion below would prove nothing).
    assert {"cli.main", "projections.catchup", "sqlite3"} <= modules
    heavy = sorted(m for m in modules if m.split(".")[0] == "sqlalchemy")
    assert not heavy, heavy[:5]
    # Check the claim reached the views (the catch-up did its work, not just its import).
    shown = CliRunner().invoke(
        app, [*args, "report", "claims", "--columns", "report,status", "--format", "csv"]
    )
    assert shown.exit_code == 0, shown.output
    assert "x1,unverified" in shown.output
