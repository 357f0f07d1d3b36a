"""`ledger project --follow` in a real process, and `alembic check` against a real ledger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import EXAMPLE, ROOT

LEDGER = str(Path(sys.executable).parent / "ledger")


def _env(db: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env["LEDGER_DB"] = db
    return env


def _claims(env: dict[str, str]) -> list[dict[str, object]]:
    out = subprocess.run(
        [LEDGER, "report", "claims", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_follow_keeps_views_current_while_another_process_appends_and_stops_on_sigterm(
    db_url: str,
) -> None:
    env = _env(db_url)
    follower = subprocess.Popen(
        [LEDGER, "project", "--follow", "--interval", "0.2"],
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # Check: a bulk import that skips projecting leaves the work to the follower.
        subprocess.run(
            [LEDGER, "import", str(EXAMPLE), "--no-project"],
            env=env,
            check=True,
            capture_output=True,
        )
        deadline = time.monotonic() + 30
        statuses: dict[object, object] = {}
        while time.monotonic() < deadline:
            statuses = {c["report"]: c["status"] for c in _claims(env)}
            if len(statuses) == 6:  # 4 claims and warnings, 2 denials (assertions in v2)
                break
            time.sleep(0.2)
        assert statuses == {
            "sdf-airstrike-claim": "disputed",
            "mod-shelling": "disputed",
            "mod-retaliation-warning": "unverified",
            "mod-special-forces-deployed": "unverified",
            "mod-airstrike-denial": "unverified",
            "sdf-shelling-denial": "unverified",
        }
    finally:
        follower.send_signal(signal.SIGTERM)
        _, stderr = follower.communicate(timeout=30)
    # Check the follower stopped cleanly on SIGTERM, saying so, without a traceback.
    assert follower.returncode == 0, stderr
    assert "stopped" in stderr
    assert "Traceback" not in stderr


def test_alembic_check_finds_no_drift_on_a_ledger_made_by_ledger_init(db_url: str) -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "alembic"), "check"],
        cwd=ROOT,
        env=_env(db_url),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "No new upgrade operations detected" in result.stdout + result.stderr
