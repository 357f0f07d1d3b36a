"""kill -9 at random moments: the ledger verifies, views catch up to a clean rebuild, and
re-running the killed command completes the job. A few trials in the default run; 20+ with
`-m slow` (LEDGER_KILL_TRIALS sets how many)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
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


def _kill_after(args: list[str], db: str, delay: float) -> int | None:
    process = subprocess.Popen(
        [LEDGER, *args], env=_env(db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    return process.wait()


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


def _trial(db: str, bulk: Path, total: int, rng: random.Random) -> None:
    runner = CliRunner()
    # Kill an import at a random moment (before it can finish): all of it or none of it is there.
    assert _kill_after(["import", str(bulk)], db, rng.uniform(0.05, 0.5)) == -signal.SIGKILL
    assert _count(db) in (0, total)
    # Re-running the killed import completes the job.
    result = subprocess.run(
        [LEDGER, "import", str(bulk), "--no-project"], env=_env(db), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert _count(db) == total
    # Kill a typed append at a random moment: it is there once, or not at all.
    _kill_after(
        ["claim", "inc-0", "--report", "typed", "--by", "X", "--summary", "S"],
        db,
        rng.uniform(0.05, 1.0),
    )
    assert _count(db) in (total, total + 1)
    # Kill a rebuild at a random moment before it would finish (timed on a whole one first:
    # a rebuild of this log takes well under a second); the next catch-up equals a clean one.
    started = time.perf_counter()
    subprocess.run([LEDGER, "project", "--rebuild"], env=_env(db), check=True, capture_output=True)
    whole = time.perf_counter() - started
    killed = _kill_after(["project", "--rebuild"], db, rng.uniform(0.05, 0.8 * whole))
    assert killed == -signal.SIGKILL
    assert runner.invoke(app, ["--db", db, "project"]).exit_code == 0
    caught_up = _views(db)
    assert runner.invoke(app, ["--db", db, "project", "--rebuild"]).exit_code == 0
    assert _views(db) == caught_up


def _trials(db_factory, tmp_path: Path, trials: int) -> None:  # type: ignore[no-untyped-def]
    bulk = tmp_path / "bulk.jsonl"
    total = _bulk_file(bulk)
    rng = random.Random(int(os.environ.get("LEDGER_KILL_SEED", "11")))
    for _ in range(trials):
        _trial(db_factory(), bulk, total, rng)


def test_kill_9_at_random_moments_leaves_a_ledger_that_verifies_and_catches_up(
    db_url: str, tmp_path: Path
) -> None:
    _trials(lambda: db_url, tmp_path, 1)


@pytest.mark.slow
def test_kill_9_twenty_times(tmp_path: Path) -> None:
    from ledger.store.config import resolve
    from ledger.store.migrate import upgrade

    def fresh() -> str:
        path = tmp_path / f"ledger-{time.monotonic_ns()}.db"
        upgrade(resolve(str(path)))
        return str(path)

    _trials(fresh, tmp_path, int(os.environ.get("LEDGER_KILL_TRIALS", "20")))
