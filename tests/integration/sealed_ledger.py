"""The ledger under attack, shared by the tamper tests (test_tamper_*.py, test_verify_coverage.py,
test_actor_log.py): the sealed worked example's layout (where each event sits), the findings
`ledger verify` reports, a backdoor that drops the append-only guards and edits `ledger_events`
with plain SQL, and builders of sealed (and signed) ledgers. The fixtures built on these are in
conftest.py.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.domain import EVENT_BY_TYPE
from ledger.errors import EXIT_INTEGRITY, EXIT_OK
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.integrity import SEALS_ID, decode_incident_row, seal_content
from ledger.merkle import TreeBuilder
from ledger.store.config import resolve
from ledger.store.migrate import upgrade
from ledger.timeutil import format_utc, utc_now
from projections.queries import driver_sql
from tests.conftest import example_reports_only

AIRSTRIKE = "deir-ez-zor-airstrike-2017-09-16"
SHELLING = "deir-ez-zor-shelling-2017-09"
CLAIM_TOPIC: str = EVENT_BY_TYPE["claim"].TOPIC  # type: ignore[attr-defined]

# Where the sealed worked example puts each event: report (or incident, for the event that
# opens it) -> (position, incident, version). The seal is at position 13.
LAYOUT: dict[str, tuple[int, str, int]] = {
    AIRSTRIKE: (1, AIRSTRIKE, 1),
    "sdf-airstrike-claim": (2, AIRSTRIKE, 2),
    "mod-airstrike-denial": (3, AIRSTRIKE, 3),
    SHELLING: (4, SHELLING, 1),
    "mod-shelling": (5, SHELLING, 2),
    "mod-retaliation-warning": (6, SHELLING, 3),
    "mod-special-forces-deployed": (7, SHELLING, 4),
    "sdf-shelling-denial": (8, SHELLING, 5),
    "mod-shelling-bank-discrepancy": (9, SHELLING, 6),
    "mod-shelling-date-discrepancy": (10, SHELLING, 7),
    "mod-shelling-assessment": (11, SHELLING, 8),
    "shelling-context-airstrike": (12, SHELLING, 9),
}
SEAL_POSITION = 13
EVENTS = 12
SUMMARY = "12 event(s) in 2 incident(s), 1 seal(s)"


def finding(position: int | None, incident: str | None, version: int | None, problem: str) -> Any:
    """A finding as `ledger verify --format json` lists it."""
    return {"position": position, "incident": incident, "version": version, "problem": problem}


def finding_at(report: str, problem: str) -> Any:
    """A finding on the event of `report`, located by the example's layout."""
    return finding(*LAYOUT[report], problem)


def seal_finding(problem: str, *, position: int = SEAL_POSITION, version: int = 1) -> Any:
    return finding(position, None, version, problem)


ALTERED = "content does not match its hash (altered)"
WARNING, FORCES = "mod-retaliation-warning", "mod-special-forces-deployed"


def index_says(column: str, stored: Any, report: str, logged: Any) -> str:
    """The finding on a report whose row in the report index disagrees with its event."""
    return f"ledger_reports says {column} {stored!r} for report '{report}', the log {logged!r}"


BROKEN_CHAIN = "prev_hash does not match the previous event's hash (broken chain)"
SEAL_ROOT_MISMATCH = "seal 1 root does not match the log (events altered)"


# ---------------------------------------------------------------------------------------------
# The ledger under attack


@dataclass(frozen=True)
class Keys:
    private: Path
    public: Path


@dataclass(frozen=True)
class SealedLedger:
    """The worked example, imported and sealed; `root` and `size` are what `ledger seal` printed."""

    url: str
    root: str
    size: int
    keys: Keys | None = None

    def cli(self, *args: str, signed: bool = False) -> Result:
        """Run `ledger --db URL --as tester ARGS`, signing writes with the private key if asked."""
        key = str(self.keys.private) if signed and self.keys else None
        return CliRunner().invoke(
            app, ["--db", self.url, "--as", "tester", *args], env={"LEDGER_SIGNING_KEY": key}
        )

    def verify(self, *args: str) -> tuple[int, dict[str, Any]]:
        """`ledger verify --format json ARGS`: the exit code and the parsed report."""
        result = self.cli("verify", "--format", "json", *args)
        assert result.exit_code in (EXIT_OK, EXIT_INTEGRITY), repr(result.exception)
        return result.exit_code, json.loads(result.stdout)

    def verify_with_key(self, *args: str) -> tuple[int, dict[str, Any]]:
        assert self.keys is not None
        return self.verify("--public-key", str(self.keys.public), *args)

    def findings_with_key(self) -> list[Any]:
        """The findings of a `verify --public-key` that must fail with exit 3."""
        code, report = self.verify_with_key()
        assert code == EXIT_INTEGRITY, report
        return list(report["findings"])

    def findings(self, *args: str) -> list[Any]:
        """The findings of a verify that must fail with exit 3."""
        code, report = self.verify(*args)
        assert code == EXIT_INTEGRITY, report
        assert report["ok"] is False
        return list(report["findings"])


class Backdoor:
    """Plain SQL on `ledger_events`, as someone holding the database file or a superuser login."""

    def __init__(self, url: str) -> None:
        store = resolve(url)
        self.backend = store.backend
        if store.backend == "sqlite":
            self._connection: Any = sqlite3.connect(store.sqlite_path, isolation_level=None)
        else:
            import psycopg

            self._connection = psycopg.connect(
                host=store.host,
                port=store.port,
                user=store.user,
                dbname=store.dbname,
                password=store.password or None,
                autocommit=True,
            )

    def close(self) -> None:
        self._connection.close()

    def execute(self, statement: str, *params: Any) -> list[tuple[Any, ...]]:
        postgres = self.backend != "sqlite"
        cursor = self._connection.execute(driver_sql(statement, postgres=postgres), params)
        return list(cursor.fetchall()) if cursor.description else []

    def drop_triggers(self) -> None:
        """What an attacker does first: remove the append-only guard on the log and its index."""
        for table in ("ledger_events", "ledger_reports", "ledger_references"):
            if self.backend == "sqlite":
                self.execute(f"DROP TRIGGER {table}_no_update")
                self.execute(f"DROP TRIGGER {table}_no_delete")
            else:
                self.execute(f"DROP TRIGGER {table}_append_only ON {table}")

    def rows(self) -> list[Notification]:
        return [
            Notification(
                originator_id=row[1],
                originator_version=row[2],
                topic=row[3],
                state=bytes(row[4]),
                id=row[0],
            )
            for row in self.execute(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM ledger_events ORDER BY notification_id"
            )
        ]

    def raw_state(self, position: int) -> bytes:
        rows = self.execute("SELECT state FROM ledger_events WHERE notification_id = ?", position)
        return bytes(rows[0][0])

    def set_raw_state(self, position: int, state: bytes) -> None:
        self.execute(
            "UPDATE ledger_events SET state = ? WHERE notification_id = ?", state, position
        )

    def state(self, position: int) -> dict[str, Any]:
        return dict(json.loads(self.raw_state(position)))

    def set_state(self, position: int, state: dict[str, Any]) -> None:
        self.set_raw_state(position, json.dumps(state).encode())

    def edit(self, position: int, change: Callable[[dict[str, Any]], None]) -> None:
        state = self.state(position)
        change(state)
        self.set_state(position, state)

    def delete(self, *positions: int) -> None:
        """Delete events, and their rows in the report index, as a careful attacker would (the
        index rows left behind are a finding of their own: test_verify_coverage.py)."""
        for position in positions:
            for report, incident, version in self.execute(
                "SELECT state, originator_id, originator_version FROM ledger_events "
                "WHERE notification_id = ?",
                position,
            ):
                self.execute(
                    "DELETE FROM ledger_reports WHERE incident = ? AND version = ?",
                    incident,
                    version,
                )
                if incident != SEALS_ID:
                    source = json.loads(bytes(report)).get("report")
                    self.execute("DELETE FROM ledger_references WHERE source = ?", source)
            self.execute("DELETE FROM ledger_events WHERE notification_id = ?", position)

    def insert(self, incident: str, version: int, topic: str, state: dict[str, Any]) -> int:
        self.execute(
            "INSERT INTO ledger_events (originator_id, originator_version, topic, state) "
            "VALUES (?, ?, ?, ?)",
            incident,
            version,
            topic,
            json.dumps(state).encode(),
        )
        return int(self.execute("SELECT max(notification_id) FROM ledger_events")[0][0])


@contextmanager
def backdoor(ledger: SealedLedger, *, drop_triggers: bool = True) -> Iterator[Backdoor]:
    door = Backdoor(ledger.url)
    try:
        if drop_triggers:
            door.drop_triggers()
        yield door
    finally:
        door.close()


def rehashed(row: Notification, state: dict[str, Any]) -> str:
    """The hash an event row would have with this state: what a careful forger computes."""
    _, content, _, _ = decode_incident_row(replace(row, state=json.dumps(state).encode()))
    return event_hash(content)


def rewrite_consistently(door: Backdoor) -> None:
    """Recompute every event's prev_hash and hash and every seal from the rows as they are now.

    The attack that leaves no inconsistency inside the database: only a root kept elsewhere or
    a signature check exposes it. Without the private key, a signature survives only on a row
    whose hash did not change; the others are dropped.
    """
    chains: dict[str, str] = {}
    tree = TreeBuilder()
    seal_hash = GENESIS_HASH
    for row in door.rows():
        state = json.loads(row.state)
        before = state["hash"]
        if row.originator_id == SEALS_ID:
            state.update(size=tree.size, root=tree.root().hex(), prev_hash=seal_hash)
            state["hash"] = seal_hash = event_hash(seal_content(state, row.originator_version))
        else:
            incident = str(row.originator_id)
            state["prev_hash"] = chains.get(incident, GENESIS_HASH)
            state["hash"] = chains[incident] = rehashed(row, state)
            tree.append(bytes.fromhex(state["hash"]))
        if state["hash"] != before:
            state.pop("signature", None)
        door.set_state(row.id, state)


def forge_claim(door: Backdoor, incident: str, *, signature: Any = None) -> int:
    """Append a claim to `incident` whose hash and prev_hash are right, with its rows in the
    report index as a writer files them; returns its position.

    Its signature is `signature` (None: unsigned), since the forger lacks the private key.
    """
    rows = [r for r in door.rows() if r.originator_id == incident]
    last = rows[-1]
    state = json.loads(next(r for r in rows if r.topic == CLAIM_TOPIC).state)
    state.pop("signature", None)
    version = rows[-1].originator_version + 1
    report = "forged-claim" if version == 10 else f"forged-claim-{version}"
    state.update(
        report=report,
        summary="The SDF admitted the shelling.",
        recorded_at=format_utc(utc_now()),
        recorded_by="tester",
        prev_hash=json.loads(last.state)["hash"],
    )
    row = Notification(incident, version, CLAIM_TOPIC, b"", 0)
    state["hash"] = rehashed(row, state)
    if signature is not None:
        state["signature"] = signature
    door.execute(
        "INSERT INTO ledger_reports (report, incident, type, by, fingerprint, version) "
        "VALUES (?, ?, 'claim', ?, 'forged', ?)",
        report,
        incident,
        state.get("by"),
        version,
    )
    for target in dict.fromkeys(state.get("refers_to") or ()):
        door.execute(
            "INSERT INTO ledger_references (source, target, source_incident) VALUES (?, ?, ?)",
            report,
            target,
            incident,
        )
    return door.insert(incident, version, CLAIM_TOPIC, state)


# ---------------------------------------------------------------------------------------------
# Building sealed ledgers (the fixtures built on them are in conftest.py)


def build_sealed(url: str, keys: Keys | None = None) -> SealedLedger:
    """Import the worked example's incidents and reports through the CLI and seal them (signed if
    keys are given). Its actor lines are left out, so LAYOUT pins the incidents' events at the
    positions these tests name; actor events' tampering is test_actor_log's."""
    unsigned = SealedLedger(url, root="", size=0, keys=keys)
    with tempfile.TemporaryDirectory(prefix="tamper-") as scratch:
        reports = example_reports_only(Path(scratch))
        imported = unsigned.cli("import", str(reports), signed=True)
    assert imported.exit_code == EXIT_OK, imported.output
    sealed = unsigned.cli("seal", signed=True)
    assert sealed.exit_code == EXIT_OK, sealed.output
    printed = dict(line.split(" ", 1) for line in sealed.stdout.splitlines())
    return replace(unsigned, root=printed["root"], size=int(printed["size"]))


def copy_sqlite(ledger: SealedLedger, target: Path) -> SealedLedger:
    """A copy of a sealed SQLite ledger (the backup API copies the WAL's pages too)."""
    source = resolve(ledger.url).sqlite_path
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)
    return replace(ledger, url=str(target))


def make_keys(directory: Path) -> Keys:
    directory.mkdir(exist_ok=True)
    keys = Keys(directory / "ledger.key", directory / "ledger.pub")
    result = CliRunner().invoke(app, ["keygen", str(keys.private), str(keys.public)])
    assert result.exit_code == EXIT_OK, result.output
    return keys


def fresh_sqlite(directory: Path) -> str:
    path = directory / "ledger.db"
    upgrade(resolve(str(path)))
    return str(path)
