"""Tamper evidence: what `ledger verify` finds after someone rewrites the log behind its back.

Each test seals the worked example, then plays an attacker who can open the database itself:
drops the append-only triggers and edits `ledger_events` with plain SQL (one byte of a state,
a field, a deleted or swapped event, a forged event, a re-forged seal). `ledger verify` must exit
3 and its JSON findings must say where (position, incident, version) and what is wrong. Every
scenario runs on SQLite (a copy of one sealed ledger, so it is fast); a representative subset runs
on PostgreSQL too. That the triggers refuse UPDATE and DELETE of events is tested in
test_migrations.py; here only seal rows and forged INSERTs are checked against them.
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

import pytest
from eventsourcing.persistence import Notification
from typer.testing import CliRunner, Result

from cli.main import app
from ledger.domain import EVENT_BY_TYPE
from ledger.errors import EXIT_INTEGRITY, EXIT_OK
from ledger.hashing import GENESIS_HASH, event_hash
from ledger.integrity import SEALS_ID, decode_incident_row, seal_content
from ledger.merkle import TreeBuilder, root
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
# Fixtures: one sealed SQLite ledger per module, copied for each test; PostgreSQL built per test


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


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    return make_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> SealedLedger:
    return build_sealed(fresh_sqlite(tmp_path_factory.mktemp("pristine")))


@pytest.fixture(scope="module")
def pristine_signed(tmp_path_factory: pytest.TempPathFactory, keys: Keys) -> SealedLedger:
    return build_sealed(fresh_sqlite(tmp_path_factory.mktemp("signed")), keys)


@pytest.fixture
def sealed(pristine: SealedLedger, tmp_path: Path) -> SealedLedger:
    """The sealed worked example on SQLite, unsigned."""
    return copy_sqlite(pristine, tmp_path / "ledger.db")


@pytest.fixture
def signed(pristine_signed: SealedLedger, tmp_path: Path) -> SealedLedger:
    """The sealed worked example on SQLite, every event and the seal signed."""
    return copy_sqlite(pristine_signed, tmp_path / "ledger.db")


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def sealed_on_each_backend(
    request: pytest.FixtureRequest, pristine: SealedLedger, tmp_path: Path
) -> SealedLedger:
    if request.param == "sqlite":
        return copy_sqlite(pristine, tmp_path / "ledger.db")
    return build_sealed(request.getfixturevalue("pg_url"))


@pytest.fixture(params=BACKENDS)
def signed_on_each_backend(
    request: pytest.FixtureRequest, pristine_signed: SealedLedger, keys: Keys, tmp_path: Path
) -> SealedLedger:
    if request.param == "sqlite":
        return copy_sqlite(pristine_signed, tmp_path / "ledger.db")
    return build_sealed(request.getfixturevalue("pg_url"), keys)


# ---------------------------------------------------------------------------------------------
# The untampered ledger, and roots kept elsewhere


def test_the_sealed_example_is_laid_out_as_these_tests_expect(
    sealed_on_each_backend: SealedLedger,
) -> None:
    # Check every (position, incident, version) the findings below are located by.
    with backdoor(sealed_on_each_backend, drop_triggers=False) as door:
        rows = door.rows()
    layout = {
        json.loads(r.state)["report"]: (r.id, r.originator_id, r.originator_version)
        for r in rows
        if r.originator_id != SEALS_ID
    }
    assert layout == LAYOUT
    assert [(r.id, r.originator_id, r.originator_version) for r in rows][-1] == (
        SEAL_POSITION,
        SEALS_ID,
        1,
    )


def test_an_untampered_sealed_ledger_verifies_with_a_one_line_summary(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}\n"
    # Check the JSON form says the same, with no findings.
    assert ledger.verify() == (
        EXIT_OK,
        {"ok": True, "events": 12, "incidents": 2, "seals": 1, "signatures": 0, "findings": []},
    )


def test_seal_prints_the_merkle_root_over_every_event_hash_in_log_order(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger, drop_triggers=False) as door:
        leaves = [
            bytes.fromhex(json.loads(r.state)["hash"])
            for r in door.rows()
            if r.originator_id != SEALS_ID
        ]
    # Check the printed root is RFC 6962's MTH over the 12 events, recomputed independently.
    assert (ledger.size, ledger.root) == (EVENTS, root(leaves).hex())


def test_verify_with_the_root_and_size_printed_by_seal_passes(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    result = ledger.cli("verify", "--root", ledger.root, "--size", str(ledger.size))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}\n"
    # Check upper-case hex names the same root.
    assert ledger.verify("--root", ledger.root.upper(), "--size", "12")[0] == EXIT_OK


def test_a_wrong_root_exits_3_naming_the_root_the_log_really_has(sealed: SealedLedger) -> None:
    wrong = ("0" if sealed.root[0] != "0" else "1") + sealed.root[1:]
    # Check the finding gives the real root over the first 12 events, for comparison.
    assert sealed.findings("--root", wrong, "--size", "12") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 12 events is {sealed.root}, not the given root",
        ),
    ]


def test_a_smaller_size_than_the_root_covers_exits_3(sealed: SealedLedger) -> None:
    with backdoor(sealed, drop_triggers=False) as door:
        leaves = [bytes.fromhex(json.loads(r.state)["hash"]) for r in door.rows()][:11]
    # Check the finding names the root over the first 11 events, which is not the sealed one.
    assert sealed.findings("--root", sealed.root, "--size", "11") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 11 events is {root(leaves).hex()}, not the given root",
        ),
    ]


def test_a_size_beyond_the_log_exits_3(sealed: SealedLedger) -> None:
    # Check: the log never reached 13 events, so no root over 13 can be compared.
    assert sealed.findings("--root", sealed.root, "--size", "13") == [
        finding(None, None, None, "the log holds 12 events, fewer than --size 13"),
    ]


NOT_HEX = "error: --root must be 64 hexadecimal characters\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--root", "ab" * 32], "error: --root and --size go together\n"),
        (["--size", "12"], "error: --root and --size go together\n"),
        (["--root", "xyz", "--size", "12"], NOT_HEX),
        (["--root", "ab" * 31, "--size", "12"], NOT_HEX),
    ],
)
def test_root_and_size_are_refused_as_usage_errors_unless_given_together_and_well_formed(
    sealed: SealedLedger, args: list[str], message: str
) -> None:
    # Check a malformed root check is a usage error (exit 2), not an integrity failure.
    result = sealed.cli("verify", *args)
    assert result.exit_code == 2
    assert result.stderr == message


def test_a_root_kept_from_a_seal_still_verifies_after_more_events_are_appended(
    sealed: SealedLedger,
) -> None:
    added = sealed.cli(
        "claim",
        SHELLING,
        "--report",
        "later",
        "--by",
        "Kurdish Red Crescent",
        "--summary",
        "Shells hit the eastern bank.",
    )
    assert added.exit_code == EXIT_OK, added.output
    # Check the kept root still covers the first 12 events of the grown log, and the log is
    # whole; the event after the seal is simply not covered by any seal yet.
    result = sealed.cli("verify", "--root", sealed.root, "--size", "12")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == "verified: 13 event(s) in 2 incident(s), 1 seal(s)\n"


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE ledger_events SET state = state WHERE notification_id = {SEAL_POSITION}",
        f"DELETE FROM ledger_events WHERE notification_id = {SEAL_POSITION}",
    ],
)
def test_the_triggers_refuse_to_rewrite_or_delete_a_seal(
    sealed_on_each_backend: SealedLedger, statement: str
) -> None:
    # Check the seal row is as protected as any event (sqlite3 and psycopg errors alike).
    with (
        backdoor(sealed_on_each_backend, drop_triggers=False) as door,
        pytest.raises(Exception, match="ledger_events is append-only"),
    ):
        door.execute(statement)
    assert sealed_on_each_backend.verify()[0] == EXIT_OK


def test_the_triggers_do_not_stop_a_forged_insert_so_only_signatures_can(
    sealed: SealedLedger,
) -> None:
    # Check an INSERT needs no dropped trigger: append-only still lets anyone append.
    with backdoor(sealed, drop_triggers=False) as door:
        position = forge_claim(door, SHELLING)
    assert position == 14
    assert sealed.verify()[0] == EXIT_OK


# ---------------------------------------------------------------------------------------------
# (1) One byte of one event's state


def test_one_flipped_byte_that_keeps_the_state_valid_json_is_an_altered_event(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        state = door.raw_state(5)
        flipped = state.replace(b"twice", b"twIce", 1)
        assert flipped != state and len(flipped) == len(state)
        door.set_raw_state(5, flipped)
    # Check one finding, on mod-shelling: its stored hash still stands in the seal's tree,
    # so the seal itself still matches.
    assert ledger.findings() == [finding_at("mod-shelling", ALTERED)]
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_INTEGRITY
    assert result.stderr == f"error: 1 integrity problem(s) in {SUMMARY}\n"


def invalid_utf8(state: bytes) -> bytes:
    at = state.index(b"twice")
    return state[:at] + b"\xff" + state[at + 1 :]


def truncated(state: bytes) -> bytes:
    return state[:-1]


def json_array(state: bytes) -> bytes:
    return b"[" + state + b"]"


@pytest.mark.parametrize(
    ("mangle", "reason"),
    [
        (invalid_utf8, "stored state is not valid UTF-8"),
        (truncated, "stored state is not JSON"),
        (json_array, "stored state is not a JSON object"),
    ],
)
def test_a_state_that_is_no_longer_a_json_object_is_an_undecodable_event_not_a_crash(
    sealed: SealedLedger, mangle: Callable[[bytes], bytes], reason: str
) -> None:
    with backdoor(sealed) as door:
        door.set_raw_state(5, mangle(door.raw_state(5)))
    # Check: the row is a finding, and its leaf in the seal's tree no longer matches.
    assert sealed.findings() == [
        finding_at("mod-shelling", f"undecodable event: {reason}"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_invalid_utf8_is_an_undecodable_event_on_each_backend(
    sealed_on_each_backend: SealedLedger,
) -> None:
    # Check: PostgreSQL's bytea keeps the invalid byte as SQLite does, and verify reports it.
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.set_raw_state(5, invalid_utf8(door.raw_state(5)))
    assert ledger.findings() == [
        finding_at("mod-shelling", "undecodable event: stored state is not valid UTF-8"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_an_unknown_topic_is_an_undecodable_event(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.execute("UPDATE ledger_events SET topic = 'x:Y' WHERE notification_id = 5")
    # Check the row is reported by its topic, and its leaf (now unknown) breaks the seal.
    assert sealed.findings() == [
        finding_at("mod-shelling", "undecodable event: unknown event topic 'x:Y'"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_state_missing_a_hashed_key_is_an_undecodable_event(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.pop("recorded_at"))
    # Check the finding names the missing key.
    assert sealed.findings() == [
        finding_at("mod-shelling", "undecodable event: event lacks 'recorded_at'"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_changed_topic_to_another_report_type_is_an_altered_event(sealed: SealedLedger) -> None:
    warning_topic: str = EVENT_BY_TYPE["warning"].TOPIC  # type: ignore[attr-defined]
    with backdoor(sealed) as door:
        door.execute("UPDATE ledger_events SET topic = ? WHERE notification_id = 5", warning_topic)
    # Check: the type is hashed, so a claim relabelled as a warning no longer matches its hash,
    # nor the report index, which still files it as a claim.
    assert sealed.findings() == [
        finding_at("mod-shelling", ALTERED),
        finding_at("mod-shelling", index_says("type", "claim", "mod-shelling", "warning")),
    ]


@pytest.mark.parametrize(
    ("position", "change", "where"),
    [
        (5, lambda s: s.__setitem__("magnitude", {"occurrences": 2**60}), LAYOUT["mod-shelling"]),
        (5, lambda s: s.__setitem__("summary", float("nan")), LAYOUT["mod-shelling"]),
        (SEAL_POSITION, lambda s: s.__setitem__("size", float("inf")), (SEAL_POSITION, None, 1)),
    ],
    ids=["integer-beyond-2^53", "nan-summary", "infinite-seal-size"],
)
def test_a_value_rfc8785_cannot_canonicalise_is_a_finding_not_a_crash(
    sealed: SealedLedger,
    position: int,
    change: Callable[[dict[str, Any]], None],
    where: tuple[int, str | None, int],
) -> None:
    with backdoor(sealed) as door:
        door.edit(position, change)
    # Check: `ledger import` refuses such values, so only a tamperer writes them; verify must
    # report the row like any other undecodable one.
    result = sealed.cli("verify", "--format", "json")
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    located = [
        (f["position"], f["incident"], f["version"]) for f in json.loads(result.stdout)["findings"]
    ]
    assert where in located


def test_a_non_numeric_version_on_sqlite_is_a_finding_not_a_crash(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.execute(
            "UPDATE ledger_events SET originator_version = 'two' WHERE notification_id = 5"
        )
    # Check the row is reported, at its position, rather than crashing the check.
    result = sealed.cli("verify", "--format", "json")
    assert result.exit_code == EXIT_INTEGRITY, repr(result.exception)
    assert json.loads(result.stdout)["findings"][0]["position"] == 5


# ---------------------------------------------------------------------------------------------
# (2) A field's value


def test_a_changed_summary_is_an_altered_event_and_audit_says_so(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
    expected = finding_at("mod-shelling", ALTERED)
    assert sealed.findings() == [expected]
    # Check `audit` shows the altered text but says its incident's chain does not verify.
    audited = sealed.cli("audit", "mod-shelling", "--format", "json")
    assert audited.exit_code == EXIT_OK, audited.output
    report = json.loads(audited.stdout)
    assert report["steps"][0]["summary"] == "Nobody shelled anyone."
    assert (report["verified"], report["chain"]) == (False, {"events": 9, "problems": [expected]})


def test_a_changed_summary_fails_its_offline_proof(sealed: SealedLedger, tmp_path: Path) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
    proof = sealed.cli("proof", "mod-shelling")
    assert proof.exit_code == EXIT_OK, proof.output
    path = tmp_path / "proof.json"
    path.write_text(proof.stdout)
    # Check the proof made from the altered row carries the altered content, which the offline
    # check recomputes and rejects.
    checked = sealed.cli("verify-proof", str(path), "--root", sealed.root)
    assert checked.exit_code == EXIT_INTEGRITY
    assert checked.stderr == "error: the event's content does not match its hash\n"


def test_a_changed_summary_with_its_hash_recomputed_breaks_the_next_link_and_the_seal(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        row = next(r for r in door.rows() if r.id == 5)
        state = json.loads(row.state)
        state["summary"] = "Nobody shelled anyone."
        state["hash"] = rehashed(row, state)
        door.set_state(5, state)
    # Check the altered event itself now looks whole; the next one's link and the seal do not.
    assert sealed.findings() == [
        finding_at("mod-retaliation-warning", BROKEN_CHAIN),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_consistent_rewrite_of_history_is_caught_only_by_a_root_kept_elsewhere(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        rewrite_consistently(door)
    # Check: every hash, link and the re-forged seal agree, so verify alone cannot tell ...
    assert sealed.verify()[0] == EXIT_OK
    # ... but the root printed by the real seal names different events.
    with backdoor(sealed, drop_triggers=False) as door:
        forged_root = door.state(SEAL_POSITION)["root"]
    assert forged_root != sealed.root
    assert sealed.findings("--root", sealed.root, "--size", "12") == [
        finding(
            None,
            None,
            None,
            f"the root over the first 12 events is {forged_root}, not the given root",
        ),
    ]


def test_a_consistent_rewrite_of_a_signed_ledger_fails_the_signature_check(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        rewrite_consistently(door)
    assert signed.verify()[0] == EXIT_OK
    # Check every rehashed event (mod-shelling and all after it in its incident) and the seal
    # lack a signature; the untouched events keep theirs.
    assert signed.findings_with_key() == [
        finding(p, i, v, "not signed") for p, i, v in LAYOUT.values() if p >= 5
    ] + [seal_finding("seal 1 is not signed by the given public key")]


# ---------------------------------------------------------------------------------------------
# (3) - (5) Deleted events


def test_an_event_deleted_from_the_middle_of_a_chain_leaves_a_gap_and_a_broken_link(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        door.delete(6)
    # Check the next event of the chain shows the gap and the broken link; the seal the count.
    assert ledger.findings() == [
        finding_at("mod-special-forces-deployed", "version 4 follows version 2 (gap or reorder)"),
        finding_at("mod-special-forces-deployed", BROKEN_CHAIN),
        seal_finding(
            "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
        ),
    ]


@pytest.mark.parametrize("report", ["shelling-context-airstrike", "mod-airstrike-denial"])
def test_the_last_event_of_an_incident_deleted_before_the_seal_is_caught_by_the_seal(
    sealed: SealedLedger, report: str
) -> None:
    # Check whether the incident's last event is last in the log (12) or not (3): no chain
    # notices a missing tail, the seal's count does.
    with backdoor(sealed) as door:
        door.delete(LAYOUT[report][0])
    code, result = sealed.verify()
    assert code == EXIT_INTEGRITY
    assert (result["events"], result["incidents"], result["findings"]) == (
        11,
        2,
        [
            seal_finding(
                "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
            ),
        ],
    )


def test_a_whole_incident_deleted_is_caught_by_the_seal(sealed: SealedLedger) -> None:
    with backdoor(sealed) as door:
        door.delete(*(r.id for r in door.rows() if r.originator_id == AIRSTRIKE))
    # Check: no chain is left to break, so only the seal's count notices.
    code, result = sealed.verify()
    assert code == EXIT_INTEGRITY
    assert (result["events"], result["incidents"], result["findings"]) == (
        9,
        1,
        [
            seal_finding(
                "seal 1 covers 12 events but the log holds 9 before it (events deleted or added)"
            ),
        ],
    )


def test_a_whole_incident_deleted_and_the_seal_reforged_needs_the_kept_root_or_the_key(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        door.delete(*(r.id for r in door.rows() if r.originator_id == AIRSTRIKE))
        rewrite_consistently(door)
    # Check: the log is consistent with itself again ...
    assert signed.verify()[0] == EXIT_OK
    # ... but not with the root and size kept from the real seal ...
    assert signed.findings("--root", signed.root, "--size", "12") == [
        finding(None, None, None, "the log holds 9 events, fewer than --size 12"),
    ]
    # ... nor with the key: the shelling incident's events keep their hashes and signatures,
    # but the re-forged seal cannot be signed.
    assert signed.findings_with_key() == [
        seal_finding("seal 1 is not signed by the given public key"),
    ]


# ---------------------------------------------------------------------------------------------
# (6) Swapped events


def test_two_events_with_their_state_blobs_swapped_break_the_chain_and_the_seal(
    sealed_on_each_backend: SealedLedger,
) -> None:
    ledger = sealed_on_each_backend
    with backdoor(ledger) as door:
        warning, claim = door.raw_state(6), door.raw_state(7)
        door.set_raw_state(6, claim)
        door.set_raw_state(7, warning)
    # Check both swapped rows are altered (their versions are hashed) and unlinked, the event
    # after them is unlinked, and the seal's tree (leaves in log order) no longer matches.
    assert ledger.findings() == [
        finding_at("mod-retaliation-warning", BROKEN_CHAIN),
        finding_at("mod-retaliation-warning", ALTERED),
        finding_at("mod-special-forces-deployed", BROKEN_CHAIN),
        finding_at("mod-special-forces-deployed", ALTERED),
        finding_at("sdf-shelling-denial", BROKEN_CHAIN),
        seal_finding(SEAL_ROOT_MISMATCH),
        # The report index files each report where it was: each row now holds the other's.
        finding(6, SHELLING, 3, index_says("type", "claim", FORCES, "warning")),
        finding(6, SHELLING, 3, index_says("version", 4, FORCES, 3)),
        finding(7, SHELLING, 4, index_says("type", "warning", WARNING, "claim")),
        finding(7, SHELLING, 4, index_says("version", 3, WARNING, 4)),
    ]


def test_two_events_with_their_versions_swapped_are_out_of_order_and_altered(
    sealed: SealedLedger,
) -> None:
    with backdoor(sealed) as door:
        # Through a free version: (incident, version) is unique.
        door.execute("UPDATE ledger_events SET originator_version = 100 WHERE notification_id = 6")
        door.execute("UPDATE ledger_events SET originator_version = 3 WHERE notification_id = 7")
        door.execute("UPDATE ledger_events SET originator_version = 4 WHERE notification_id = 6")
    # Check each finding names the version the row now claims; the hashes (the seal's leaves)
    # did not move, so the seal still matches.
    assert sealed.findings() == [
        finding(6, SHELLING, 4, "version 4 follows version 2 (gap or reorder)"),
        finding(6, SHELLING, 4, ALTERED),
        finding(7, SHELLING, 3, "version 3 follows version 4 (gap or reorder)"),
        finding(7, SHELLING, 3, ALTERED),
        finding(8, SHELLING, 5, "version 5 follows version 3 (gap or reorder)"),
        finding(6, SHELLING, 4, index_says("version", 3, WARNING, 4)),
        finding(7, SHELLING, 3, index_says("version", 4, FORCES, 3)),
    ]


# ---------------------------------------------------------------------------------------------
# Seals themselves


@pytest.fixture
def twice_sealed(sealed: SealedLedger) -> SealedLedger:
    """The sealed example, one more claim (position 14), and a second seal (position 15)."""
    added = sealed.cli(
        "claim",
        SHELLING,
        "--report",
        "later",
        "--by",
        "Kurdish Red Crescent",
        "--summary",
        "Shells hit the eastern bank.",
    )
    assert added.exit_code == EXIT_OK, added.output
    resealed = sealed.cli("seal")
    assert resealed.exit_code == EXIT_OK, resealed.output
    assert resealed.stderr == "seal 2 covers 13 event(s) up to position 14\n"
    return sealed


def test_a_seal_whose_root_was_changed_is_altered_and_no_longer_matches(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.edit(SEAL_POSITION, lambda state: state.update(root="0" * 64))
    # Check the seal's own hash and its root are both reported; seal 2 still links to it.
    assert twice_sealed.findings() == [
        seal_finding("seal 1 was altered"),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_a_deleted_seal_breaks_the_sequence_and_chain_of_the_next(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.delete(SEAL_POSITION)
    # Check seal 2 now follows no seal 1.
    assert twice_sealed.findings() == [
        seal_finding("seal 2 is out of sequence", position=15, version=2),
        seal_finding("seal 2 breaks the seal chain", position=15, version=2),
    ]


def test_an_undecodable_seal_is_a_finding_not_a_crash(twice_sealed: SealedLedger) -> None:
    with backdoor(twice_sealed) as door:
        door.set_raw_state(SEAL_POSITION, b"{")
    # Check the unreadable seal is a finding and seal 2 cannot link to it.
    assert twice_sealed.findings() == [
        seal_finding("undecodable seal: stored state is not JSON"),
        seal_finding("seal 2 is out of sequence", position=15, version=2),
        seal_finding("seal 2 breaks the seal chain", position=15, version=2),
    ]


def test_an_event_deleted_under_the_first_of_two_seals_fails_both(
    twice_sealed: SealedLedger,
) -> None:
    with backdoor(twice_sealed) as door:
        door.delete(2)
    # Check each seal covering the event reports the shortfall.
    assert twice_sealed.findings() == [
        finding(3, AIRSTRIKE, 3, "version 3 follows version 1 (gap or reorder)"),
        finding(3, AIRSTRIKE, 3, BROKEN_CHAIN),
        seal_finding(
            "seal 1 covers 12 events but the log holds 11 before it (events deleted or added)"
        ),
        seal_finding(
            "seal 2 covers 13 events but the log holds 12 before it (events deleted or added)",
            position=15,
            version=2,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# (7) Signatures: a forged event after the last seal


def test_a_signed_ledger_verifies_every_signature_with_the_public_key(
    signed_on_each_backend: SealedLedger,
) -> None:
    ledger = signed_on_each_backend
    assert ledger.keys is not None
    # Check 13 signatures: 12 events and the seal.
    result = ledger.cli("verify", "--public-key", str(ledger.keys.public))
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == f"verified: {SUMMARY}, 13 signature(s)\n"


def test_a_forged_unsigned_event_after_the_seal_passes_without_the_key_and_fails_with_it(
    signed_on_each_backend: SealedLedger,
) -> None:
    ledger = signed_on_each_backend
    with backdoor(ledger) as door:
        position = forge_claim(door, SHELLING)
    # Check the forgery reads as a real event ...
    history = ledger.cli("history", SHELLING, "--format", "json")
    assert history.exit_code == EXIT_OK, history.output
    assert json.loads(history.stdout)[-1]["report"] == "forged-claim"
    # ... that hash, chain and seal checks accept: it is past the last seal ...
    result = ledger.cli("verify")
    assert result.exit_code == EXIT_OK, result.output
    assert result.stdout == "verified: 13 event(s) in 2 incident(s), 1 seal(s)\n"
    # ... and that the public key rejects, naming it alone.
    code, report = ledger.verify_with_key()
    assert code == EXIT_INTEGRITY
    assert (report["signatures"], report["findings"]) == (
        13,
        [finding(position, SHELLING, 10, "not signed")],
    )
    assert ledger.keys is not None
    table = ledger.cli("verify", "--public-key", str(ledger.keys.public))
    assert table.exit_code == EXIT_INTEGRITY
    assert table.stderr == (
        "error: 1 integrity problem(s) in 13 event(s) in 2 incident(s), 1 seal(s), "
        "13 signature(s)\n"
    )


def test_a_forged_event_with_a_made_up_or_borrowed_signature_fails_with_the_key(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        borrowed = door.state(12)["signature"]
        made_up = forge_claim(door, SHELLING, signature="ab" * 64)
        borrowing = forge_claim(door, SHELLING, signature=borrowed)
    # Check: a signature signs one hash, so neither a made-up nor a borrowed one verifies.
    assert signed.findings_with_key() == [
        finding(made_up, SHELLING, 10, "signature does not verify with the given public key"),
        finding(borrowing, SHELLING, 11, "signature does not verify with the given public key"),
    ]


def test_a_signature_that_is_not_hex_is_a_failed_signature(signed: SealedLedger) -> None:
    with backdoor(signed) as door:
        position = forge_claim(door, SHELLING, signature="not hex")
    # Check a malformed signature is a failed check, not a crash.
    assert signed.findings_with_key() == [
        finding(position, SHELLING, 10, "signature does not verify with the given public key"),
    ]


def test_a_signature_that_is_a_json_number_is_a_failed_signature(signed: SealedLedger) -> None:
    with backdoor(signed) as door:
        position = forge_claim(door, SHELLING, signature=12345)
    # Check a signature of the wrong JSON type is a failed check, not a crash.
    code, report = signed.verify_with_key()
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [
        finding(position, SHELLING, 10, "signature does not verify with the given public key"),
    ]


def test_an_altered_signed_event_keeps_a_signature_that_no_longer_verifies(
    signed: SealedLedger,
) -> None:
    with backdoor(signed) as door:
        row = next(r for r in door.rows() if r.id == 12)
        state = json.loads(row.state)
        state["note"] = "No earlier accusation."
        state["hash"] = rehashed(row, state)
        door.set_state(12, state)
    # Check: the last event of the incident carries its hash forward nowhere, so only the seal
    # and the signature notice.
    assert signed.findings_with_key() == [
        finding_at(
            "shelling-context-airstrike", "signature does not verify with the given public key"
        ),
        seal_finding(SEAL_ROOT_MISMATCH),
    ]


def test_another_key_rejects_every_event_and_the_seal(signed: SealedLedger, tmp_path: Path) -> None:
    other = make_keys(tmp_path / "other")
    # Check every event and the seal are reported under a key that did not sign them.
    code, report = signed.verify("--public-key", str(other.public))
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [
        finding(p, i, v, "signature does not verify with the given public key")
        for p, i, v in LAYOUT.values()
    ] + [seal_finding("seal 1 is not signed by the given public key")]


def test_an_unsigned_ledger_fails_a_signature_check(sealed: SealedLedger, keys: Keys) -> None:
    # Check: asking for signatures of an unsigned ledger reports every event and the seal.
    code, report = sealed.verify("--public-key", str(keys.public))
    assert code == EXIT_INTEGRITY
    assert report["findings"] == [finding(p, i, v, "not signed") for p, i, v in LAYOUT.values()] + [
        seal_finding("seal 1 is not signed by the given public key")
    ]


def test_keygen_into_a_missing_directory_fails_with_one_line_not_a_traceback(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "no-such-directory"
    # Check the failure is one line on stderr and an exit code, like every other user error.
    result = CliRunner().invoke(
        app, ["keygen", str(missing / "ledger.key"), str(missing / "ledger.pub")]
    )
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.stderr.startswith("error: ")


# ---------------------------------------------------------------------------------------------
# `verify` with its worker process finds exactly what it finds without one


def test_verify_finds_the_same_with_and_without_its_worker_process(signed: SealedLedger) -> None:
    from ledger.application import IncidentLedger
    from ledger.integrity import verify
    from ledger.signing import load_signature_check

    assert signed.keys is not None
    with backdoor(signed) as door:
        rows = door.rows()
        claim = next(r for r in rows if r.topic == CLAIM_TOPIC)
        forge_claim(door, str(rows[0].originator_id))
        door.edit(claim.id, lambda state: state.update(summary="changed"))
        door.delete(rows[5].id)
        door.set_raw_state(rows[2].id, b"\xff not json")
    check = load_signature_check(signed.keys.public)
    ledger = IncidentLedger(resolve(signed.url), read_only=True)
    try:
        results = [
            verify(
                ledger.iter_notifications(batch=batch),
                signature_check=check,
                expected_root=(signed.root, signed.size),
                parallel=parallel,
            )
            for parallel in (False, True)
            for batch in (1, 4, 1000)
        ]
    finally:
        ledger.close()
    first = results[0]
    # Check the tampering is found (altered, undecodable, a gap, an unsigned forgery, the root).
    assert len(first.findings) >= 5 and not first.ok
    # Check every way of reading the log, in-process or in the worker, finds the same.
    for other in results[1:]:
        assert other.findings == first.findings
        assert (other.events, other.incidents, other.seals, other.signatures) == (
            first.events,
            first.incidents,
            first.seals,
            first.signatures,
        )


@pytest.mark.parametrize("batch", [1, 2, 5, 13, 2_000])
def test_verify_reading_its_own_ranges_finds_what_verify_over_read_batches_finds(
    sealed: SealedLedger, batch: int
) -> None:
    # `ledger verify` on SQLite reads the log in ranges, each in the process that examines it
    # (verify_sqlite); it must find exactly what `verify` finds over batches read for it, at
    # every range size, seals and altered, undecodable and out-of-order events included.
    from ledger.application import IncidentLedger
    from ledger.integrity import verify, verify_sqlite
    from ledger.store.config import resolve

    with backdoor(sealed) as door:
        door.edit(5, lambda state: state.update(summary="Nobody shelled anyone."))
        door.set_raw_state(7, b"not json")
        door.execute("UPDATE ledger_events SET originator_version = 99 WHERE notification_id = 9")
    store = resolve(sealed.url)
    ledger = IncidentLedger(store, read_only=True)
    try:
        expected = verify(ledger.iter_notifications(batch=4), expected_root=(sealed.root, 12))
        found = verify_sqlite(
            store.sqlite_reader_uri(), ledger.max_position(), batch=batch,
            expected_root=(sealed.root, 12),
        )  # fmt: skip
    finally:
        ledger.close()
    # Check the tampering was found at all, seal included, so the comparison means something.
    problems = {f.problem for f in expected.findings}
    assert ALTERED in problems and SEAL_ROOT_MISMATCH in problems
    assert any("undecodable" in p for p in problems)
    assert (found.events, found.incidents, found.seals) == (
        expected.events, expected.incidents, expected.seals,
    )  # fmt: skip
    assert found.findings == expected.findings
