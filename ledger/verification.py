"""`ledger verify`'s checks below the views: the log (every hash, chain, version, seal and
signature), the report index, and the stored files evidence reports name. The views' own
check, which recomputes them, is the projector's (`projections.verification.verify_ledger`
runs all of them, as the command does)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import InvalidInput
from ledger.evidence import check_files, evidence_store, named_files
from ledger.index_check import IndexCheck
from ledger.integrity import Finding, SignatureCheck, Verification, verify, verify_sqlite
from ledger.store.config import StoreConfig

if TYPE_CHECKING:
    from ledger.application import IncidentLedger

VERIFY_BATCH = 2_000  # events per task on PostgreSQL: a verify's results are small


def verify_log(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    signature_check: SignatureCheck | None = None,
    expected_root: tuple[str, int] | None = None,
) -> Verification:
    """Every event re-hashed, every chain link, version, seal (and signature, given a check)
    and the report index checked, from the first position on; each problem is a Finding."""
    index = IndexCheck(ledger.ledger_recorder)
    if store.backend == "sqlite":
        # Each process reads the ranges of the log it examines: this one only follows chains.
        return verify_sqlite(
            store.sqlite_reader_uri(),
            ledger.max_position(),
            signature_check=signature_check,
            expected_root=expected_root,
            index=index,
        )
    return verify(
        ledger.iter_notifications(after=None, batch=VERIFY_BATCH),
        signature_check=signature_check,
        expected_root=expected_root,
        parallel=True,
        index=index,
    )


@dataclass
class EvidenceCheck:
    """The stored files the log names, re-hashed: altered or truncated ones are findings of
    the verification; a missing one is a note, or a finding when required."""

    files: int = 0  # distinct files the log names
    missing: list[dict[str, Any]] = field(default_factory=list)  # report, incident, sha256
    notes: list[str] = field(default_factory=list)  # the missing files, when not required
    unchecked: bool = False  # PostgreSQL without a store named: nothing to re-hash


def check_evidence(
    ledger: IncidentLedger,
    store: StoreConfig,
    result: Verification,
    folder: str | Path | None = None,
    *,
    require: bool = False,
) -> EvidenceCheck:
    """Re-hash each stored file the log names (in the store `folder` names, else the one beside
    a SQLite ledger), adding a finding to `result` for each that is altered, truncated, or
    missing when `require`. A report with only a URL names no file. Required files on a
    PostgreSQL ledger need a `folder` (InvalidInput)."""
    files = named_files(ledger)
    outcome = EvidenceCheck(files=len(files))
    if not files:
        return outcome
    try:
        files_store = evidence_store(store, folder)
    except InvalidInput:  # PostgreSQL, no store named
        if require:
            raise
        outcome.unchecked = True
        return outcome
    for named, checked in check_files(files_store, files):
        if checked.state == "ok":
            continue
        problem = f"evidence {named.sha256} of report '{named.report}': {checked.problem}"
        if checked.state == "missing":
            outcome.missing.append(
                {"report": named.report, "incident": named.incident, "sha256": named.sha256}
            )
            if not require:
                outcome.notes.append(problem)
                continue
        result.findings.append(Finding(named.position, named.incident, None, problem))
    return outcome
