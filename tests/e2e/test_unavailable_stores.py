"""Read-only and unavailable stores: reads work where they can, everything else is one line."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

LEDGER = str(Path(sys.executable).parent / "ledger")
NOBODY = 65534


def _as_nobody(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `ledger` as an unprivileged user: root ignores file permissions."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot make a file read-only for us")
        prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["HOME"] = "/tmp"
    return subprocess.run(
        [*prefix, LEDGER, *args], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.fixture
def read_only_ledger() -> Iterator[Path]:
    """The worked example in a file and folder nobody may write (WAL, as the ledger leaves it)."""
    folder = Path(tempfile.mkdtemp(prefix="ledger-ro-"))
    path = folder / "ledger.db"
    assert CliRunner().invoke(app, ["--db", str(path), "-q", "demo"]).exit_code == 0
    assert CliRunner().invoke(app, ["--db", str(path), "seal"]).exit_code == 0
    path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    folder.chmod(0o555)
    yield path
    folder.chmod(0o755)
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("report", "claims", "--columns", "report,status", "--format", "csv"),
            "mod-shelling,disputed",
        ),
        (("show", "deir-ez-zor-shelling-2017-09", "--format", "json"), '"report": "mod-shelling"'),
        (("audit", "mod-shelling", "--format", "json"), '"status": "disputed"'),
        (("history", "deir-ez-zor-shelling-2017-09", "--format", "csv"), "mod-shelling"),
        (("verify",), "verified: 16 event(s) in 2 incident(s) and 4 actor(s), 1 seal(s)"),
    ],
)
def test_reports_and_audits_work_on_a_read_only_file(
    read_only_ledger: Path, args: tuple[str, ...], expected: str
) -> None:
    result = _as_nobody("--db", str(read_only_ledger), *args)
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
    assert result.stderr == ""  # no warning: the views are current


def test_writing_to_a_read_only_file_fails_with_one_clear_line(read_only_ledger: Path) -> None:
    before = read_only_ledger.read_bytes()
    result = _as_nobody(
        "--db",
        str(read_only_ledger),
        "claim",
        "deir-ez-zor-shelling-2017-09",
        "--by",
        "X",
        "--summary",
        "S",
    )
    assert result.returncode == 1
    assert (
        result.stderr == f"error: {read_only_ledger} is read-only, and this command writes to it\n"
    )
    assert read_only_ledger.read_bytes() == before


@pytest.mark.parametrize(
    ("url", "shown", "reason"),
    [
        (
            "postgresql://bob:s3cret@127.0.0.1:1/ledger",
            "postgresql://bob@127.0.0.1:1/ledger",
            "Connection refused",
        ),
    ],
)
@pytest.mark.parametrize(
    "args",
    [("report", "claims"), ("claim", "x", "--by", "A", "--summary", "S"), ("show", "x"), ("init",)],
)
def test_a_postgresql_server_that_is_down_gives_one_line_without_the_password(
    url: str, shown: str, reason: str, args: tuple[str, ...]
) -> None:
    result = CliRunner().invoke(app, ["--db", url, *args])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: cannot ") and shown in lines[0]
    assert reason in lines[0]
    assert "s3cret" not in result.output


@pytest.mark.postgres
def test_a_postgresql_login_that_is_refused_gives_one_line(pg_url: str) -> None:
    base, _, dbname = pg_url.rpartition("/")
    host = base.split("@", 1)[1]
    url = f"postgresql://no_such_role_here:pw@{host}/{dbname}"
    result = CliRunner().invoke(app, ["--db", url, "report", "claims"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert 'role "no_such_role_here" does not exist' in result.output
    assert f"postgresql://no_such_role_here@{host}/{dbname}" in result.output
    assert ":pw@" not in result.output


def _read_only_copy_with_wal(folder: Path, *, with_shm: bool) -> Path:
    """The worked example, sealed, plus one claim still in its -wal, copied into a folder
    nobody may write: with or without the -shm file beside it."""
    source = folder / "source.db"
    run = CliRunner().invoke
    assert run(app, ["--db", str(source), "-q", "demo"]).exit_code == 0
    assert run(app, ["--db", str(source), "seal"]).exit_code == 0
    # A connection held open keeps the WAL from being folded into the file when the claim's
    # own connection closes: as when a ledger is copied while a reader has it open.
    holder = sqlite3.connect(source)
    try:
        holder.execute("PRAGMA wal_autocheckpoint=0")
        holder.execute("SELECT count(*) FROM ledger_events").fetchone()
        claimed = run(
            app,
            ["--db", str(source), "--as", "tester", "-q", "claim", "deir-ez-zor-shelling-2017-09",
             "--report", "late-claim", "--by", "Late Office", "--summary", "Said later"],
        )  # fmt: skip
        assert claimed.exit_code == 0, claimed.output
        copy = folder / "copy"
        copy.mkdir()
        for suffix in ("", "-wal", *(("-shm",) if with_shm else ())):
            shutil.copyfile(f"{source}{suffix}", copy / f"ledger.db{suffix}")
    finally:
        holder.close()
    assert (copy / "ledger.db-wal").stat().st_size > 0
    for file in copy.iterdir():
        file.chmod(0o444)
    copy.chmod(0o555)
    return copy / "ledger.db"


@pytest.fixture
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="ledger-wal-"))
    os.chmod(folder, 0o755)  # nobody must reach the copy inside
    yield folder
    for path in folder.rglob("*"):
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    "args",
    [("verify",), ("audit", "late-claim"), ("report", "claims", "-f", "csv"), ("export",)],
)
def test_a_read_only_copy_with_its_wal_but_no_shm_is_refused_never_read_in_part(
    scratch: Path, args: tuple[str, ...]
) -> None:
    ledger = _read_only_copy_with_wal(scratch, with_shm=False)
    result = _as_nobody("--db", str(ledger), *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {ledger} cannot be read whole: its folder is read-only and its ledger.db-wal "
        "holds events without a ledger.db-shm (copy the ledger with its -wal to a folder you "
        "can write, and read it there)\n"
    )


def test_a_read_only_copy_with_its_wal_and_shm_is_read_with_every_committed_event(
    scratch: Path,
) -> None:
    ledger = _read_only_copy_with_wal(scratch, with_shm=True)
    verified = _as_nobody("--db", str(ledger), "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout == "verified: 17 event(s) in 2 incident(s) and 4 actor(s), 1 seal(s)\n"
    audited = _as_nobody("--db", str(ledger), "audit", "late-claim", "--format", "json")
    assert audited.returncode == 0, audited.stderr


def test_the_html_report_of_a_read_only_copy_with_its_wal_but_no_shm_is_refused(
    scratch: Path,
) -> None:
    ledger = _read_only_copy_with_wal(scratch, with_shm=False)
    page = Path(tempfile.gettempdir()) / f"ledger-ro-{os.getpid()}-{id(scratch)}.html"
    result = _as_nobody("--db", str(ledger), "report", "html", "-o", str(page))
    assert result.returncode == 1
    assert "cannot be read whole" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not page.exists()
