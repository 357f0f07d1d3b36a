"""`ledger verify` as one call: the log, the report index, the views (recomputed, when asked)
and the evidence files, in the order the command reports them. Here, not in ledger/, because
the views' check is the projector's (`projections.view_check`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.application import IncidentLedger
from ledger.errors import IntegrityFailure, InvalidInput
from ledger.integrity import Finding, SignatureCheck, Verification
from ledger.store.config import StoreConfig
from ledger.verification import EvidenceCheck, check_evidence, verify_log


@dataclass(frozen=True)
class ViewsChecked:
    """What `views=True` compared: `rows` rows at the log position `position`, or nothing when
    the views could not be recomputed (`recomputed` False; the findings say why)."""

    recomputed: bool
    rows: int = 0
    position: int = 0


@dataclass
class LedgerVerification:
    """The outcome: `log` holds the counts and every finding (the views' and the evidence's
    included); `ok` when there are none."""

    log: Verification
    signatures_checked: bool
    views: ViewsChecked | None  # None: not asked
    evidence: EvidenceCheck

    @property
    def ok(self) -> bool:
        return self.log.ok

    @property
    def findings(self) -> list[Finding]:
        return self.log.findings


def verify_ledger(
    ledger: IncidentLedger,
    store: StoreConfig,
    *,
    signature_check: SignatureCheck | None = None,
    expected_root: tuple[str, int] | None = None,
    views: bool = False,
    evidence_dir: str | Path | None = None,
    require_evidence: bool = False,
) -> LedgerVerification:
    """What `ledger verify` checks (see `ledger.verification`), and with `views` the views
    recomputed from the log and compared row by row. Problems are findings, never exceptions;
    InvalidInput only for `require_evidence` on PostgreSQL without `evidence_dir`, refused
    before the log is read."""
    if require_evidence and store.backend != "sqlite" and not evidence_dir:
        raise InvalidInput(
            "--require-evidence on a PostgreSQL ledger needs --evidence-dir or LEDGER_EVIDENCE_DIR"
        )
    log = verify_log(ledger, store, signature_check=signature_check, expected_root=expected_root)
    checked = _check_views(ledger, store, log) if views else None
    evidence = check_evidence(ledger, store, log, evidence_dir, require=require_evidence)
    return LedgerVerification(log, signature_check is not None, checked, evidence)


def _check_views(ledger: IncidentLedger, store: StoreConfig, log: Verification) -> ViewsChecked:
    """A finding for each view row the log does not give."""
    # Imported only when asked: the rebuild's machinery is most of a verify's imports.
    from projections.view_check import check_views

    try:
        check = check_views(ledger, store)
    except IntegrityFailure as e:  # an undecodable row: the log's findings name it too
        log.findings.append(Finding(None, None, None, f"the views cannot be recomputed: {e}"))
        return ViewsChecked(recomputed=False)
    for difference in check.differences:
        problem = f"view {difference.table} row {difference.key}: {difference.problem}"
        log.findings.append(Finding(None, None, None, problem))
    return ViewsChecked(recomputed=True, rows=check.rows, position=check.position)
