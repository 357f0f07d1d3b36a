"""A standby promoted after its primary is lost (issue 22, item 3): a root kept outside the
database before the loss still verifies on the promoted server, and writes work there.

The pair is this test's own, not the session's (`cluster`): promotion ends a standby's life as
a standby, which the other tests still need."""

from __future__ import annotations

import contextlib
import json
import uuid

import psycopg
import pytest

from tests.conftest import EXAMPLE
from tests.integration.standby import start_cluster
from tests.integration.test_follow_service import _ledger

pytestmark = pytest.mark.postgres


def _ok(db: str, *args: str, input: str | None = None) -> str:
    done = _ledger(db, *args, input=input)
    assert done.returncode == 0, f"ledger {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _claim(report: str, summary: str) -> str:
    line = {"type": "claim", "incident": "deir-ez-zor-shelling-2017-09", "report": report,
            "by": "Observer", "summary": summary}  # fmt: skip
    return json.dumps(line) + "\n"


def test_a_root_kept_before_failover_verifies_on_the_promoted_standby() -> None:
    with contextlib.contextmanager(start_cluster)() as cluster:
        name = f"promote_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(cluster.primary.url(), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        primary = cluster.primary.url(name)
        _ok(primary, "import", str(EXAMPLE))
        # The root a team keeps outside the database (a notebook, an email): taken on the
        # primary, then more is appended, so the root covers a prefix of the log.
        sealed = json.loads(_ok(primary, "seal", "--format", "json"))
        root, size = sealed["root"], str(sealed["size"])
        _ok(primary, "append", input=_claim("late", "Appended after the seal."))
        cluster.wait_for_replay(name)

        # The primary is lost; the standby is promoted (pg_ctl -w waits until it accepts writes).
        cluster.pg_ctl(cluster.primary, "stop", "-m", "immediate")
        cluster.pg_ctl(cluster.standby, "promote")
        promoted = cluster.standby.url(name)

        verified = _ledger(promoted, "verify", "--root", root, "--size", size)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        # A root the log never had is refused there, so the pass above means something.
        forged = _ledger(promoted, "verify", "--root", "0" * 64, "--size", size)
        assert forged.returncode != 0

        # Writes work on the promoted server, with the views brought up as on any primary.
        _ok(promoted, "append", input=_claim("after-failover", "Written after the failover."))
        claims = json.loads(_ok(promoted, "report", "claims", "--format", "json"))
        assert {"late", "after-failover"} <= {claim["report"] for claim in claims}
        _ok(promoted, "verify", "--root", root, "--size", size)
