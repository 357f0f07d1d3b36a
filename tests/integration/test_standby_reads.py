"""Every read command on a streaming hot standby: it answers, writes nothing, and agrees with the
primary once replay has caught up; and where the views lag the log it says by how much instead of
trying to catch up (which a standby would refuse)."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.main import app
from tests.conftest import EXAMPLE
from tests.integration.standby import Cluster, create_database

pytestmark = pytest.mark.postgres

SHELLING = "deir-ez-zor-shelling-2017-09"

# Each read command, as arguments after `--db URL`. `report html` is run separately: its page
# carries the moment it was made.
READ_COMMANDS: list[list[str]] = [
    *(
        ["report", name, "--format", "json"]
        for name in ("incidents", "disputed", "claims", "disputes", "actors", "provenance")
    ),
    ["report", "claims", "--format", "csv"],
    ["report", "claims"],
    ["show", SHELLING],
    ["history", SHELLING],
    ["audit", "mod-shelling"],
    ["verify"],
    ["verify", "--views"],
    ["export"],
    ["export", "--format", "events"],
    ["diff", SHELLING, "--from", "#1"],
]


@pytest.fixture(scope="module")
def ledger_pair(cluster: Cluster) -> Iterator[tuple[str, str]]:
    """A ledger migrated and filled on the primary (the worked example, sealed): the URLs of the
    primary's and the standby's copies, once the standby has replayed it all."""
    name = f"ledger_{uuid.uuid4().hex[:8]}"
    create_database(cluster, name)
    primary, standby = cluster.primary.url(name), cluster.standby.url(name)
    for command in (["init"], ["import", str(EXAMPLE)], ["seal"]):
        assert _ledger(primary, *command).exit_code == 0
    cluster.wait_for_replay(name)
    yield primary, standby


def _ledger(db: str, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])


def _errors_logged_since(cluster: Cluster, offset: int) -> list[str]:
    """ERROR lines in the standby's server log after `offset`: every write a standby refuses
    ("cannot execute INSERT in a read-only transaction", "... during recovery") is logged."""
    return [line for line in cluster.standby.log_text()[offset:].splitlines() if "ERROR" in line]


@pytest.mark.parametrize("command", READ_COMMANDS, ids=" ".join)
def test_read_command_on_the_standby_writes_nothing_and_agrees_with_the_primary(
    cluster: Cluster, ledger_pair: tuple[str, str], command: list[str]
) -> None:
    primary, standby = ledger_pair
    offset = len(cluster.standby.log_text())
    on_standby = _ledger(standby, *command)
    # Check the command succeeds on the standby, and asked the standby for no write.
    assert on_standby.exit_code == 0, on_standby.stderr
    assert _errors_logged_since(cluster, offset) == []
    assert "warning" not in on_standby.stderr
    # Check its output equals the primary's.
    on_primary = _ledger(primary, *command)
    assert on_primary.exit_code == 0, on_primary.stderr
    assert on_standby.stdout == on_primary.stdout
    assert on_standby.stdout.strip()


def test_the_html_report_on_the_standby_equals_the_primarys_but_for_its_moment_and_source(
    cluster: Cluster, ledger_pair: tuple[str, str], tmp_path: Path
) -> None:
    primary, standby = ledger_pair
    offset = len(cluster.standby.log_text())
    pages = {}
    for where, db in (("standby", standby), ("primary", primary)):
        out = tmp_path / f"{where}.html"
        result = _ledger(db, "report", "html", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        # The page names the database it was made from, and when.
        page = out.read_text().replace(db, "URL")
        pages[where] = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "MOMENT", page)
    assert _errors_logged_since(cluster, offset) == []
    assert pages["standby"] == pages["primary"]


def test_views_behind_on_the_standby_are_reported_with_how_far_and_not_caught_up(
    cluster: Cluster, ledger_pair: tuple[str, str], tmp_path: Path
) -> None:
    primary, standby = ledger_pair
    # The primary appends without projecting (as a writer role does): the views lag the log.
    more = tmp_path / "more.jsonl"
    claim = {
        "type": "claim",
        "incident": SHELLING,
        "report": "standby-lag-claim",
        "by": "Observer",
        "summary": "A new claim the views have not seen",
    }
    more.write_text(json.dumps(claim) + "\n")
    assert _ledger(primary, "import", str(more), "--no-project").exit_code == 0
    cluster.wait_for_replay(standby.rsplit("/", 1)[1])
    offset = len(cluster.standby.log_text())
    try:
        result = _ledger(standby, "report", "claims", "--format", "csv")
        # Check: it reports what the views hold, says how far behind they are and that the
        # projector runs on the primary, and asks the standby for no write.
        assert result.exit_code == 0, result.stderr
        assert "standby-lag-claim" not in result.stdout
        assert "1 event(s) behind the log" in result.stderr
        assert "read-only standby" in result.stderr
        assert _errors_logged_since(cluster, offset) == []
    finally:
        # The views catch up on the primary, and the standby agrees with it again.
        assert _ledger(primary, "project").exit_code == 0
        cluster.wait_for_replay(standby.rsplit("/", 1)[1])
    caught_up = _ledger(standby, "report", "claims", "--format", "csv")
    assert caught_up.stderr == ""
    assert "standby-lag-claim" in caught_up.stdout
    assert caught_up.stdout == _ledger(primary, "report", "claims", "--format", "csv").stdout
