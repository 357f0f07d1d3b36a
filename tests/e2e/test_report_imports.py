"""`ledger report` reads with the database driver directly (projections/queries.py): on SQLite it
imports neither SQLAlchemy nor psycopg, as importing SQLAlchemy alone costs more than the report,
nor pydantic, which only validating input needs (Typer 0.29 would import it for every option)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from tests.conftest import modules_imported

HEAVY = ("sqlalchemy", "psycopg", "alembic", "pydantic")


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("report-imports") / "ledger.db"
    result = CliRunner().invoke(app, ["--db", str(path), "-q", "demo"])
    assert result.exit_code == 0, result.output
    return str(path)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("report", "disputed", "-f", "csv"), "deir-ez-zor-shelling-2017-09,"),
        (
            ("report", "claims", "--actor", "Russian Ministry of Defence", "--since", "2017-09"),
            "mod-shelling",
        ),
        (("report", "incidents", "--status", "disputed", "-f", "json"), '"corrected": false'),
    ],
)
def test_a_report_on_sqlite_imports_neither_sqlalchemy_nor_psycopg_nor_pydantic(
    demo_ledger: str, args: tuple[str, ...], expected: str
) -> None:
    _, packages = _imported(demo_ledger, args, expected)
    # Check the probe sees imports at all (else the assertion below would prove nothing).
    assert {"cli", "projections", "sqlite3"} <= packages
    assert not packages & set(HEAVY), sorted(packages & set(HEAVY))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # The demo loads its registry too: a rebuild applies its 12 reports and 4 actor lines,
        # verify reads those 16 events.
        (("project", "--rebuild"), "projections: applied 12 report(s) and 4 actor line(s)"),
        (("verify",), "verified: 16 event(s) in 2 incident(s)"),
        (("audit", "mod-shelling"), "claim mod-shelling in deir-ez-zor-shelling-2017-09"),
    ],
)
def test_a_command_that_only_reads_the_log_does_not_import_pydantic(
    demo_ledger: str, args: tuple[str, ...], expected: str
) -> None:
    # pydantic and the interchange models add ~0.06 s to start-up, a fortieth of a
    # 100,000-event rebuild: only validating input needs them (the event classes are built
    # from ledger/report_fields.py).
    modules, packages = _imported(demo_ledger, args, expected)
    assert {"cli", "ledger", "eventsourcing"} <= packages
    assert "pydantic" not in packages
    assert "ledger.interchange" not in modules


def _imported(ledger: str, args: tuple[str, ...], expected: str) -> tuple[set[str], set[str]]:
    """The modules and top-level packages a successful command imported (it said `expected`)."""
    result, modules = modules_imported("--db", ledger, *args)
    assert result.returncode == 0, result.stderr[-2000:]
    assert expected in result.stdout + result.stderr
    return modules, {module.split(".")[0] for module in modules}


def test_a_report_on_a_missing_file_says_so_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.db"
    result = CliRunner().invoke(app, ["--db", str(path), "report", "disputed"])
    assert result.exit_code == 1
    assert result.output == f"error: {path} holds no ledger yet: run 'ledger init' first\n"
    assert not path.exists()
