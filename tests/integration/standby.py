"""A PostgreSQL primary with a streaming hot standby of its own, for the tests of a team's setup.

Built from the server's own binaries (`initdb`, `pg_basebackup -R`, `pg_ctl`), run as the
`postgres` OS user when the tests run as root (initdb refuses root), on two spare loopback ports,
with their unix sockets in the cluster's temporary folder (so they never meet the machine's own
server), and stopped and deleted afterwards, also when a test or the start-up fails. Without the
binaries the tests skip, except in CI (CI=true), where they fail: CI must run them.

`fsync=off` and `initdb --no-sync`: a throwaway cluster gains nothing from durability, and both
keep the start-up to a few seconds on a shared machine. Commits stay synchronous, so a commit's
WAL is written before the client hears of it, and `pg_current_wal_lsn()` read after a command
covers everything that command committed (`wait_for_replay`).
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPLAY_TIMEOUT_S = 60.0  # generous: a shared machine may stall replay for seconds


def server_binaries() -> Path | None:
    """The folder holding initdb, pg_ctl and pg_basebackup (pg_config's, else Debian's newest)."""
    candidates: list[str] = []
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        found = subprocess.run(
            ["pg_config", "--bindir"], capture_output=True, text=True, check=True
        )
        candidates.append(found.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for folder in candidates:
        if all((Path(folder) / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(folder)
    return None


def _spare_port() -> int:
    # The kernel's pick of a free port; the server binds it a moment later (a clash is possible
    # but only with another process picking at the same instant, and then start-up fails loudly).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """One server of the pair: its data folder, port and log file."""

    data: Path
    port: int
    log: Path

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Cluster:
    """A primary and its hot standby, driven through pg_ctl."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.primary = Server(root / "primary", _spare_port(), root / "primary.log")
        self.standby = Server(root / "standby", _spare_port(), root / "standby.log")

    # -- running the binaries ------------------------------------------------------------------

    def _run(self, tool: str, *args: str, timeout: float = 120) -> str:
        # initdb and postgres refuse to run as root: drop to the postgres OS user then.
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr or done.stdout}")
        return done.stdout

    def pg_ctl(self, server: Server, action: str, *extra: str) -> None:
        self._run("pg_ctl", action, "-D", str(server.data), "-l", str(server.log), "-w", *extra)

    # -- life cycle ----------------------------------------------------------------------------

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.primary.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.root}'",
            "port": str(self.primary.port),
            "wal_level": "replica",
            "max_wal_senders": "4",
            "hot_standby": "on",
            # A report on the standby holds back the vacuum of the rows it reads rather than be
            # cancelled by their replay (what a reporting replica wants, docs/deployment.md).
            "hot_standby_feedback": "on",
            "fsync": "off",
            "full_page_writes": "off",
            "shared_buffers": "32MB",
            "max_connections": "60",
        }
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.pg_ctl(self.primary, "start")
        # -R writes primary_conninfo and standby.signal; -X stream copies the WAL it needs.
        self._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.primary.port),
            "-U",
            "postgres",
            "-D",
            str(self.standby.data),
            "-R",
            "-X",
            "stream",
            "--checkpoint=fast",
            "--no-sync",
        )
        with (self.standby.data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {self.standby.port}\n")
        self.pg_ctl(self.standby, "start")  # -w: returns once it accepts read-only connections

    def stop(self) -> None:
        for server in (self.standby, self.primary):
            if (server.data / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    self._run("pg_ctl", "stop", "-D", str(server.data), "-m", "immediate")

    # -- replication ---------------------------------------------------------------------------

    def wait_for_replay(self, dbname: str = "postgres", timeout: float = REPLAY_TIMEOUT_S) -> None:
        """Return once the standby has replayed everything the primary has written so far."""
        import psycopg

        # WAL positions are the cluster's, not a database's: poll through `postgres`, which the
        # standby has from its base backup. A database just created on the primary may not
        # exist on the standby yet, which is what this waits for.
        del dbname
        with psycopg.connect(self.primary.url("postgres"), autocommit=True) as primary:
            (target,) = primary.execute("SELECT pg_current_wal_lsn()").fetchone()  # type: ignore[misc]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.standby.url("postgres"), autocommit=True) as standby:
            while True:
                (caught_up,) = standby.execute(  # type: ignore[misc]
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
                ).fetchone()
                if caught_up:
                    return
                if time.monotonic() > deadline:
                    raise AssertionError(f"the standby did not replay up to {target} in {timeout}s")
                time.sleep(0.02)  # a poll interval, not a wait for an outcome


def start_cluster() -> Iterator[Cluster]:
    """Start a primary and its standby; stop and delete both on the way out."""
    bindir = server_binaries()
    if bindir is None:
        message = "no PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) found"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the standby tests")
        pytest.skip(message)
    root = Path(tempfile.mkdtemp(prefix="ledger-standby-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = Cluster(bindir, root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def create_database(cluster: Cluster, name: str) -> None:
    import psycopg

    with psycopg.connect(cluster.primary.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
