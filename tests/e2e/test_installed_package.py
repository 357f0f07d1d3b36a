"""The package as a user installs it: built (sdist, then a wheel from the sdist, as pip and
PyPI do), installed into a folder of its own, and run from an empty folder with the checkout
out of reach. Whatever a command needs besides code (the worked example, the migration
scripts, the Datasette metadata, the HTML report's files) must be package data.

The child interpreter runs with `-S`: no site-packages, so no `.pth` file runs, and with it
not the editable install's import hook, which would find in the checkout whatever the install
lacks. The dependencies come from this environment's site-packages, after the install.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from contextlib import closing
from pathlib import Path

import pytest

from ledger.store.schema_check import SCHEMA_HEAD
from tests.conftest import EXAMPLE, ROOT

PACKAGES = ("cli", "ledger", "migrations", "projections")


def _build(backend_call: str, source: Path, out: Path) -> Path:
    """Call setuptools' build backend as pip does, in a process of its own; the built file."""
    out.mkdir()
    script = f"from setuptools import build_meta; print(build_meta.{backend_call}({str(out)!r}))"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=source, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out / done.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package installed into a folder of its own, from a wheel built from the sdist (so
    a file the sdist lacks is missing here too, and the checkout's build/ plays no part)."""
    work = tmp_path_factory.mktemp("installed")
    sdist = _build("build_sdist", ROOT, work / "sdist")
    with tarfile.open(sdist) as archive:
        archive.extractall(work / "unpacked", filter="data")
    (source,) = (work / "unpacked").iterdir()
    wheel = _build("build_wheel", source, work / "wheel")
    # A pure-Python wheel installs by unpacking it: what pip puts in site-packages.
    target = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


@pytest.fixture
def ledger_cli(installed: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Run `ledger ARGS` with the installed copy, in an empty folder, the checkout out of reach."""
    here = tmp_path / "empty"
    here.mkdir()
    dependencies = dict.fromkeys(
        [sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]]
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LEDGER_"))},
        "PYTHONPATH": os.pathsep.join([str(installed), *dependencies]),
        "COLUMNS": "200",
    }

    def run(*args: str, code: str = "from cli.main import run; run()") -> tuple[str, str]:
        """Its output (standard output) and its messages (standard error)."""
        done = subprocess.run(
            [sys.executable, "-S", "-c", code, *args],
            cwd=here,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"ledger {' '.join(args)}:\n{done.stderr[-3000:]}"
        return done.stdout, done.stderr

    run.here = here  # type: ignore[attr-defined]
    return run


def test_the_installed_copy_is_the_one_that_runs_not_the_checkout(
    ledger_cli,  # type: ignore[no-untyped-def]
    installed: Path,
) -> None:
    where = ", ".join(f"{name}.__file__" for name in PACKAGES)
    found, _ = ledger_cli(code=f"import {', '.join(PACKAGES)}; print({where}, sep='\\n')")
    assert len(found.splitlines()) == len(PACKAGES)
    for path in map(Path, found.splitlines()):
        assert path.is_relative_to(installed), path
        assert not path.is_relative_to(ROOT), path


def test_demo_init_import_report_and_verify_work_from_an_empty_folder(
    ledger_cli,  # type: ignore[no-untyped-def]
) -> None:
    here: Path = ledger_cli.here
    # Check the worked example ships with the package: the demo loads it into ./ledger.db.
    shown, _ = ledger_cli("demo")
    assert "deir-ez-zor-shelling-2017-09" in shown
    assert (here / "ledger.db").is_file()

    # Check the migration scripts ship too: init creates a schema with no alembic.ini about.
    assert "schema created" in ledger_cli("--db", "mine.db", "init")[1]
    (here / "reports.jsonl").write_bytes(EXAMPLE.read_bytes())
    ledger_cli("--db", "mine.db", "import", "reports.jsonl")
    claims, _ = ledger_cli("--db", "mine.db", "report", "claims", "--format", "csv")
    assert "sdf-airstrike-claim" in claims
    ledger_cli("--db", "mine.db", "verify")
    ledger_cli("--db", "mine.db", "report", "html", "-o", "report.html")
    assert "<html" in (here / "report.html").read_text(encoding="utf-8").lower()
    # And Datasette's templates (`ledger browse --template-dir`), package data of projections.
    templates, _ = ledger_cli(
        code="from projections.datasette import TEMPLATES; print(*sorted(TEMPLATES.iterdir()))"
    )
    assert "_table.html" in templates and "table.html" in templates


def test_init_upgrades_an_older_ledger_through_the_installed_migration_scripts(
    ledger_cli,  # type: ignore[no-untyped-def]
) -> None:
    """A new SQLite file replays `sqlite_head.sql`; an older ledger goes through Alembic and
    every script in `migrations/versions`: that path must work from the installed copy too."""
    here: Path = ledger_cli.here
    (here / "reports.jsonl").write_bytes(EXAMPLE.read_bytes())
    ledger_cli("--db", "old.db", "import", "reports.jsonl")
    before, _ = ledger_cli("--db", "old.db", "report", "claims", "--format", "csv")
    # Take the ledger back to revision 0003 with the installed scripts (Alembic configured in
    # code, no alembic.ini about), as a ledger made by an older release would be.
    downgrade = "\n".join(
        [
            "from alembic import command",
            "from ledger.store.config import resolve",
            "from ledger.store.migrate import alembic_config, engine_for",
            "with engine_for(resolve('old.db')).begin() as connection:",
            "    config = alembic_config()",
            "    config.attributes['connection'] = connection",
            "    command.downgrade(config, '0003')",
            "print('downgraded')",
        ]
    )
    assert "downgraded" in ledger_cli(code=downgrade)[0]
    assert _revision(here / "old.db") == "0003"
    _, said = ledger_cli("--db", "old.db", "init")
    assert f"schema upgraded (revision {SCHEMA_HEAD})" in said, said
    assert _revision(here / "old.db") == SCHEMA_HEAD
    ledger_cli("--db", "old.db", "project")
    after, _ = ledger_cli("--db", "old.db", "report", "claims", "--format", "csv")
    assert after == before and "sdf-airstrike-claim" in after
    ledger_cli("--db", "old.db", "verify")


def _revision(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        (revision,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)
