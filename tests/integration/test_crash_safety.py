"""kill -9 inside and after each transaction: the ledger verifies, views catch up to a clean
rebuild, and re-running the killed command completes the job.

Each command is killed where it stops itself at a named step (`ledger.stops`), never after a
delay: a timer raced the command, and lost when the machine was fast (the command had
finished) or slow (it had not yet begun). One trial in the default run; every combination of
steps with `-m slow`."""

from __future__ import annotations

import itertools
import json
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app

LEDGER = str(Path(sys.executable).parent / "ledger")


def _bulk_file(path: Path, incidents: int = 20, reports: int = 150) -> int:
    rng = random.Random(7)
    lines = []
    for i in range(incidents):
        slug = f"inc-{i}"
        lines.append({"type": "incident", "incident": slug, "title": f"Incident {i}"})
        claims: list[str] = []
        for j in range(reports):
            report = f"{slug}-r{j}"
            if not claims or rng.random() < 0.5:
                lines.append(
                    {
                        "type": "claim",
                        "incident": slug,
                        "report": report,
                        "by": f"Actor {rng.randrange(4)}",
                        "summary": "Said something",
                    }
                )
                claims.append(report)
            else:
                lines.append(
                    {
                        "type": "denial",
                        "incident": slug,
                        "report": report,
                        "by": "Denier",
                        "refers_to": [rng.choice(claims)],
                        "summary": "Denied",
                    }
                )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return len(lines)


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DB"] = db
    return env


def _kill_at(step: str, args: list[str], db: str) -> None:
    """Run a command until it stops itself at `step` (see ledger.stops), then kill -9 it."""
    process = subprocess.Popen(
        [LEDGER, *args],
        env=_env(db) | {"LEDGER_STOP_AT": step},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status = os.waitpid(process.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"'{args[0]}' ended without reaching {step}"
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def _count(db: str) -> int:
    result = subprocess.run(
        [LEDGER, "verify", "--format", "json"], env=_env(db), capture_output=True, text=True
    )
    # Check the ledger verifies after every kill.
    assert result.returncode == 0, result.stdout + result.stderr
    return int(json.loads(result.stdout)["events"])


def _views(db: str) -> dict[str, object]:
    runner = CliRunner()
    out = {}
    for name in ("incidents", "claims", "disputes", "actors"):
        result = runner.invoke(app, ["--db", db, "report", name, "--format", "json"])
        assert result.exit_code == 0, result.output
        out[name] = json.loads(result.stdout)
    return out


# Where each command is killed, and what the log must then hold: an import or an append killed
# inside its transaction left nothing; one killed after its commit left all of it.
IMPORT_KILLS = {"append.flushed": "none", "append.committed": "all"}
APPEND_KILLS = {"append.flushed": "none", "append.committed": "all"}
# A rebuild of this log stores 2+ batches and folds 1+ chunk on either backend; a catch-up of
# the one typed report applies one batch.
REBUILD_KILLS = ("rebuild.stored", "rebuild.stored:2", "rebuild.folded")


def _trial(db: str, bulk: Path, total: int, kills: tuple[str, str, str]) -> None:
    runner = CliRunner()
    import_kill, append_kill, rebuild_kill = kills
    # Kill an import inside its transaction, or after: all of it or none of it is there.
    _kill_at(import_kill, ["import", str(bulk)], db)
    assert _count(db) == (total if IMPORT_KILLS[import_kill] == "all" else 0)
    # Re-running the killed import completes the job.
    result = subprocess.run(
        [LEDGER, "import", str(bulk), "--no-project"], env=_env(db), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert _count(db) == total
    # Kill a typed append: it is there once, or not at all.
    typed = ["claim", "inc-0", "--report", "typed", "--by", "X", "--summary", "S"]
    _kill_at(append_kill, typed, db)
    assert _count(db) == total + (1 if APPEND_KILLS[append_kill] == "all" else 0)
    # Kill a rebuild before it commits: the next catch-up equals a clean rebuild.
    _kill_at(rebuild_kill, ["project", "--rebuild"], db)
    assert runner.invoke(app, ["--db", db, "project"]).exit_code == 0
    caught_up = _views(db)
    assert runner.invoke(app, ["--db", db, "project", "--rebuild"]).exit_code == 0
    assert _views(db) == caught_up
    # Kill a catch-up inside its transaction: the next one equals a clean rebuild too.
    second = ["--db", db, *typed[:3], "typed-2", *typed[4:], "--no-project"]
    assert runner.invoke(app, second).exit_code == 0
    _kill_at("catch-up.applied", ["project"], db)
    assert runner.invoke(app, ["--db", db, "project"]).exit_code == 0
    caught_up = _views(db)
    assert runner.invoke(app, ["--db", db, "project", "--rebuild"]).exit_code == 0
    assert _views(db) == caught_up


def test_kill_9_inside_each_transaction_leaves_a_ledger_that_verifies_and_catches_up(
    db_url: str, tmp_path: Path
) -> None:
    bulk = tmp_path / "bulk.jsonl"
    _trial(db_url, bulk, _bulk_file(bulk), ("append.flushed", "append.flushed", "rebuild.stored:2"))


@pytest.mark.slow
def test_kill_9_at_every_named_step(tmp_path: Path) -> None:
    from ledger.store.config import resolve
    from ledger.store.migrate import upgrade

    bulk = tmp_path / "bulk.jsonl"
    total = _bulk_file(bulk)
    for kills in itertools.product(IMPORT_KILLS, APPEND_KILLS, REBUILD_KILLS):
        path = tmp_path / f"ledger-{'-'.join(kills)}.db"
        upgrade(resolve(str(path)))
        _trial(str(path), bulk, total, kills)
