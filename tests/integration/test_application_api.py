"""What the commands do, done through the Python API (docs/python.md): the command line only
renders what these functions return, so a program gets the same answers."""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.application import IncidentLedger, LazyDecoder
from ledger.errors import (
    DomainRuleViolation,
    IncidentNotFound,
    IntegrityFailure,
    InvalidFilter,
    InvalidInput,
    LedgerError,
    StoreUnavailable,
)
from ledger.evidence import attach, evidence_listing, evidence_store, give_back
from ledger.import_check import check_import_file
from ledger.importing import append_report, import_file
from ledger.opening import open_ledger
from ledger.proofs import MalformedProof, check_proof, inclusion_proof
from ledger.seals import seal
from ledger.store.config import StoreConfig, resolve
from projections.after_write import ProjectAfterWrite
from projections.csv_lines import report_csv_lines
from projections.exports import check_format, export
from projections.queries import as_dicts, report_rows
from projections.verification import verify_ledger
from tests.conftest import EXAMPLE


@pytest.fixture
def store(tmp_path: Path) -> StoreConfig:
    """The worked example in a SQLite ledger, its views up to date."""
    config = resolve(str(tmp_path / "ledger.db"))
    import_file(config, EXAMPLE, recorded_by="tester", project=ProjectAfterWrite())
    return config


@pytest.fixture
def ledger(store: StoreConfig) -> Iterator[IncidentLedger]:
    with contextlib.closing(open_ledger(store, write=True)) as opened:
        yield opened


def test_a_proof_made_through_the_api_checks_against_the_sealed_root(
    ledger: IncidentLedger,
) -> None:
    with pytest.raises(DomainRuleViolation, match="not covered by a seal yet"):
        inclusion_proof(ledger, "mod-shelling")
    sealed = seal(ledger, sealed_by="tester")
    proof = inclusion_proof(ledger, "mod-shelling")
    assert (proof["report"], proof["root"], proof["tree_size"]) == (
        "mod-shelling",
        sealed.root,
        sealed.size,
    )
    checked = check_proof(json.dumps(proof), sealed.root.upper())
    assert checked.ok and checked.report == "mod-shelling"
    proof["event"]["summary"] = "something else"
    assert "the event's content does not match its hash" in check_proof(json.dumps(proof)).problems
    assert not check_proof(json.dumps(inclusion_proof(ledger, "mod-shelling")), "00" * 32).ok
    with pytest.raises(MalformedProof) as refused:
        check_proof("{}")
    assert refused.value.reason == "'hash'" and refused.value.exit_code == 2


def test_verify_ledger_checks_what_the_command_checks(
    store: StoreConfig, ledger: IncidentLedger, tmp_path: Path
) -> None:
    evidence = tmp_path / "shot.png"
    evidence.write_bytes(b"not really a picture")
    files = evidence_store(store, None)
    attach(
        store,
        files,
        "deir-ez-zor-shelling-2017-09",
        evidence,
        {},
        lambda line: append_report(store, line, recorded_by="tester", project=ProjectAfterWrite()),
    )
    whole = verify_ledger(ledger, store, views=True)
    assert whole.ok and whole.views is not None and whole.views.recomputed
    assert whole.views.rows > 0 and whole.evidence.files == 1 and not whole.evidence.missing
    (stored,) = [p for p in (files.root / "sha256").rglob("*") if p.is_file()]
    stored.chmod(0o600)
    stored.write_bytes(b"altered")
    altered = verify_ledger(ledger, store)
    assert not altered.ok and altered.views is None
    assert "evidence" in altered.findings[0].problem
    stored.unlink()
    missing = verify_ledger(ledger, store)
    assert missing.ok and len(missing.evidence.missing) == 1 and missing.evidence.notes
    assert not verify_ledger(ledger, store, require_evidence=True).ok


def test_evidence_is_given_back_and_listed_through_the_api(
    store: StoreConfig, ledger: IncidentLedger, tmp_path: Path
) -> None:
    source = tmp_path / "shot.png"
    source.write_bytes(b"a picture")
    files = evidence_store(store, None)
    attached = attach(
        store,
        files,
        "deir-ez-zor-shelling-2017-09",
        source,
        {},
        lambda line: append_report(store, line, recorded_by="tester"),
    )
    assert attached.report is not None
    (row,) = evidence_listing(ledger, store, None, [])
    assert (row["report"], row["stored"], row["sha256"]) == (attached.report, True, attached.sha256)
    with pytest.raises(IncidentNotFound):
        evidence_listing(ledger, store, None, ["no-such-incident"])
    out = tmp_path / "back.png"
    assert give_back(ledger, files, attached.report, out) == attached.sha256
    assert out.read_bytes() == b"a picture"
    stream = io.BytesIO()  # `ledger evidence ID -o -`: standard output
    assert give_back(ledger, files, attached.report, stream) == attached.sha256
    assert stream.getvalue() == b"a picture"
    with pytest.raises(DomainRuleViolation, match="not a \\(live\\) evidence report"):
        give_back(ledger, files, "mod-shelling", tmp_path / "other")
    stored = files.path_of(attached.sha256)
    stored.chmod(0o600)
    stored.write_bytes(b"a pictur!")
    with pytest.raises(IntegrityFailure, match="was altered"):
        give_back(ledger, files, attached.report, tmp_path / "altered.png")
    assert not (tmp_path / "altered.png").exists()
    # An altered file reaches no stream either: it is checked whole before a byte is written.
    stream = io.BytesIO()
    with pytest.raises(IntegrityFailure, match=r"was altered.*; nothing written"):
        give_back(ledger, files, attached.report, stream)
    assert stream.getvalue() == b""


def test_the_reports_errors_are_the_ledgers_own(store: StoreConfig, tmp_path: Path) -> None:
    with pytest.raises(InvalidFilter, match="--status must be one of") as refused:
        report_rows(store, "claims", status="nonsense")
    assert refused.value.exit_code == 2 and isinstance(refused.value, ValueError)
    with pytest.raises(InvalidFilter, match="no column 'nope' in claims"):
        report_rows(store, "claims", columns=["nope"])
    with pytest.raises(InvalidFilter, match="--since: "):
        report_rows(store, "claims", since="yesterday-ish")
    # A SQLite file that is not a ledger: the database's error, translated where it arises.
    bare = resolve(str(tmp_path / "bare.db"))
    sqlite3.connect(bare.sqlite_path).close()
    with pytest.raises(StoreUnavailable, match="holds no ledger yet"):
        report_rows(bare, "claims")
    other = tmp_path / "other.db"
    with contextlib.closing(sqlite3.connect(other)) as connection:
        connection.execute("CREATE TABLE unrelated (x)")
    with pytest.raises(LedgerError):
        report_rows(resolve(str(other)), "claims")


def test_report_rows_reads_an_actor_through_the_registry_as_the_cli_does(
    store: StoreConfig,
) -> None:
    by_alias = as_dicts(*report_rows(store, "claims", actor="SDF"))
    by_name = as_dicts(*report_rows(store, "claims", actor="Syrian Democratic Forces"))
    assert by_alias and by_alias == by_name
    result = CliRunner().invoke(
        app, ["--db", store.sqlite_path, "report", "claims", "--actor", "SDF", "-f", "json"]
    )
    assert result.exit_code == 0
    assert [r["report"] for r in json.loads(result.stdout)] == [r["report"] for r in by_alias]
    # A side: the actor and every actor part of it; as CSV lines too.
    side = as_dicts(*report_rows(store, "claims", side="Russia"))
    assert {r["report"] for r in side} >= {
        r["report"] for r in as_dicts(*report_rows(store, "claims", actor="Russian MoD"))
    }
    lines = report_csv_lines(store, "claims", ["report", "actor"], actor="QSD")
    assert lines is not None
    assert b"".join(lines).decode().count("\n") == len(by_alias)
    hints: list[str] = []
    assert report_rows(store, "claims", actor="Nobody At All", on_unknown=hints.append)[1] == []
    assert hints == ["--actor: no actor named 'Nobody At All' in the ledger"]


def test_an_import_check_and_an_export_need_no_command_line(
    store: StoreConfig, ledger: IncidentLedger, tmp_path: Path
) -> None:
    checked = check_import_file(store, EXAMPLE, "tester")
    assert not checked.new_ledger and checked.failed == 0 and checked.new == 0
    fresh = check_import_file(resolve(str(tmp_path / "none.db")), EXAMPLE, lambda: "tester")
    assert fresh.new_ledger and fresh.new == fresh.lines
    assert not (tmp_path / "none.db").exists()
    with pytest.raises(InvalidInput, match=r"--format must be one of .*acled"):
        check_format("xml")
    acled = "".join(export(ledger, ["deir-ez-zor-shelling-2017-09"], "acled"))
    assert acled.count("\n") == 2  # the header and the incident
    decoder = LazyDecoder(store)
    try:
        first = next(iter(ledger.iter_notifications(after=None, batch=10)))[0]
        assert decoder(first).originator_id == first.originator_id
    finally:
        decoder.close()


def test_require_evidence_on_postgresql_without_a_store_is_refused_before_the_log_is_read() -> None:
    from typing import Any, cast

    from ledger.errors import InvalidInput
    from ledger.store.config import resolve
    from projections.verification import verify_ledger

    class Untouchable:
        def __getattr__(self, name: str) -> Any:
            raise AssertionError(f"the log was read ({name}) before the refusal")

    store = resolve("postgresql://nobody@127.0.0.1:1/none")  # no connection is made
    with pytest.raises(InvalidInput, match="needs --evidence-dir or LEDGER_EVIDENCE_DIR"):
        verify_ledger(cast(Any, Untouchable()), store, require_evidence=True)
