"""Evidence files and the log: attaching a file (store it, then append its `evidence` report),
the evidence the log names (for verify, export and the listing), and where the store is.

The order of an attach is what makes bad input leave nothing behind: the line is validated and
its incident and the reports it bears on looked up first (before a gigabyte is copied); then the
file is copied into the store's tmp/ and hashed in one pass; then the report is appended through
the one write path (`ledger.importing`), hash-chained like every report; only once that is
committed does the file take its content address. A refused append discards the copy. An
interruption between the commit and the link leaves a report whose file is missing, which
verify lists and the same attach, run again, repairs (it appends nothing and stores the file).
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from secrets import token_hex
from typing import Any, BinaryIO

from ledger.application import IncidentLedger
from ledger.domain import TYPE_BY_TOPIC
from ledger.errors import (
    DomainRuleViolation,
    IncidentNotFound,
    IntegrityFailure,
    InvalidInput,
    ReportNotFound,
)
from ledger.evidence_store import EvidenceStore, ObjectCheck, open_source
from ledger.opening import open_holding
from ledger.records import to_record
from ledger.report_fields import BEARING_KEYS
from ledger.store.config import StoreConfig

EVIDENCE_DIR_ENV = "LEDGER_EVIDENCE_DIR"
FALLBACK_MEDIA_TYPE = "application/octet-stream"
# The interchange format's pattern for `media_type` (ledger.interchange.MediaType): a guess
# that does not fit it (a parameter, say) is not recorded as one.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
_KIND_BY_MAJOR = {"video": "video", "image": "image", "audio": "audio"}
_KIND_BY_TYPE = {
    "text/html": "web_page",
    "application/xhtml+xml": "web_page",
    "text/csv": "dataset",
    "application/json": "dataset",
    "application/pdf": "document",
    "text/plain": "document",
}
_PLACEHOLDER_SHA256 = "0" * 64  # validates a line's other fields before the file is hashed


def evidence_store(config: StoreConfig, folder: str | Path | None = None) -> EvidenceStore:
    """The store `--evidence-dir` (or LEDGER_EVIDENCE_DIR, which the CLI reads into it) names,
    else the one beside a SQLite ledger file. A PostgreSQL ledger has no "beside": it needs one
    named (InvalidInput, exit 2)."""
    if folder:
        return EvidenceStore(Path(folder))
    if config.backend == "sqlite":
        return EvidenceStore(Path(config.sqlite_file + ".evidence"))
    raise InvalidInput(
        f"a PostgreSQL ledger keeps its evidence files where --evidence-dir or "
        f"{EVIDENCE_DIR_ENV} says: give one"
    )


def guess_media_type(path: Path) -> str:
    guessed, encoding = mimetypes.guess_type(path.name, strict=False)
    if guessed is None or encoding is not None:  # file.tar.gz is gzip bytes, not a tar
        return FALLBACK_MEDIA_TYPE
    guessed = guessed.lower()
    return guessed if _MEDIA_TYPE.match(guessed) else FALLBACK_MEDIA_TYPE


def guess_kind(media_type: str) -> str:
    """An evidence `kind` from the media type, for an attach without --kind."""
    major = media_type.partition("/")[0]
    return _KIND_BY_MAJOR.get(major) or _KIND_BY_TYPE.get(media_type, "other")


@dataclass(frozen=True)
class Attached:
    report: str | None  # None: that report was already recorded (nothing appended)
    sha256: str
    bytes: int
    media_type: str
    stored: bool  # the file was new to the store
    projection_warning: str | None = None


def attach(
    config: StoreConfig,
    store: EvidenceStore,
    incident: str,
    source: Path,
    fields: dict[str, Any],
    append: Callable[[dict[str, Any]], Any],
) -> Attached:
    """Store `source` and append its `evidence` report (`fields`: the line's other keys);
    `append` is `ledger.importing.append_report` with the write's options bound."""
    # pydantic's models: only an attach validates (verify and export import this module)
    from ledger.interchange import validate_report

    fields = dict(fields)  # the caller's stays as given
    media_type = fields.pop("media_type", None) or guess_media_type(source)
    line: dict[str, Any] = {
        "type": "evidence",
        "incident": incident,
        "kind": fields.pop("kind", None) or guess_kind(media_type),
        **fields,
        "media_type": media_type,
    }
    open_source(source).close()  # a missing file or a folder is named before anything else
    # Every other key is checked before the copy: a bad --url must not cost a gigabyte.
    validate_report({**line, "sha256": _PLACEHOLDER_SHA256, "bytes": 0})
    _check_references(config, incident, line)
    staged = store.stage(source)
    try:
        line |= {"sha256": staged.sha256, "bytes": staged.bytes}
        result = append(line)
    except BaseException:
        store.discard(staged)
        raise
    stored = store.commit(staged)
    report = result.reports[0] if result.reports else None
    warning = getattr(result, "projection_warning", None)
    return Attached(report, staged.sha256, staged.bytes, media_type, stored, warning)


def _check_references(config: StoreConfig, incident: str, line: dict[str, Any]) -> None:
    """The incident and the reports the line bears on exist (the append checks them again,
    under its lock: this only spares a copy that would be thrown away)."""
    with contextlib.closing(open_holding(config, incident)) as ledger:
        for key in BEARING_KEYS:
            wanted = list(line.get(key) or ())
            found = ledger.find_reports(wanted) if wanted else {}
            for report in wanted:
                if report not in found:
                    raise ReportNotFound(report, key)


# --- the evidence the log names ---------------------------------------------------------------

_WANTED_TYPES = frozenset({"evidence", "correction"})


def evidence_records(
    ledger: IncidentLedger, incidents: Sequence[str] | None = None
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Every `evidence` record in log order (as recorded), and each evidence report's current
    record (corrections applied, voided ones left out). Only evidence and correction events are
    read: their topics say which they are."""
    from ledger.current import corrected_records  # the replay: not for an attach

    wanted = set(incidents or ())
    topics = [topic for topic, type_ in TYPE_BY_TOPIC.items() if type_ in _WANTED_TYPES]
    records: list[dict[str, Any]] = []
    position: int | None = None
    while True:
        # Filtered by topic in the database: the other events' states never leave it.
        batch = ledger.recorder.select_notifications(
            start=position, limit=5_000, topics=topics, inclusive_of_start=False
        )
        if not batch:
            break
        position = batch[-1].id
        for n in batch:
            if TYPE_BY_TOPIC.get(n.topic) in _WANTED_TYPES and (
                not wanted or n.originator_id in wanted
            ):
                records.append(to_record(n.id, ledger.decode(n)))
    evidence = [r for r in records if r["type"] == "evidence"]
    ids = {r["report"] for r in evidence}
    # Corrections of other reports are left to the views: only evidence is wanted here.
    relevant = evidence + [
        r for r in records if r["type"] == "correction" and set(_as_list(r["refers_to"])) & ids
    ]
    current = {
        report: record
        for report, record in corrected_records(relevant).items()
        if record["type"] == "evidence"
    }
    return evidence, current


@dataclass(frozen=True)
class NamedFile:
    """A stored file the log names: its hash, its size as recorded, and where it is named."""

    sha256: str
    bytes: int | None
    position: int
    incident: str
    report: str


def named_files(ledger: IncidentLedger, incidents: Sequence[str] | None = None) -> list[NamedFile]:
    """Each distinct (sha256, bytes) an evidence report names, as recorded or as corrected, at
    its first naming; reports with only a URL name no file."""
    recorded, current = evidence_records(ledger, incidents)
    named: dict[tuple[str, int | None], NamedFile] = {}
    for record in [*recorded, *current.values()]:
        sha256 = record.get("sha256")
        if not sha256:
            continue
        key = (sha256, record.get("bytes"))
        if key not in named:
            named[key] = NamedFile(
                sha256, key[1], record["position"], record["incident"], record["report"]
            )
    return list(named.values())


def check_files(
    store: EvidenceStore, files: Iterable[NamedFile]
) -> list[tuple[NamedFile, ObjectCheck]]:
    """Re-hash each named file once (a file named by several reports is read once)."""
    checks: dict[tuple[str, int | None], ObjectCheck] = {}
    results = []
    for named in files:
        key = (named.sha256, named.bytes)
        if key not in checks:
            checks[key] = store.check(named.sha256, named.bytes)
        results.append((named, checks[key]))
    return results


def export_files(store: EvidenceStore, files: Iterable[NamedFile], folder: Path) -> tuple[int, int]:
    """Copy each named file the store holds into `folder` under its content address (the
    store's own layout, `sha256/ab/abcdef…`), checking its hash on the way; (copied, missing).
    A file already there with the right hash is kept."""
    copied = missing = 0
    target_store = EvidenceStore(folder)
    for sha256 in dict.fromkeys(f.sha256 for f in files):
        if not store.contains(sha256):
            missing += 1
            continue
        if target_store.check(sha256).state == "ok":
            copied += 1
            continue
        target = target_store.path_of(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{sha256}.tmp")
        with temporary.open("wb") as out:
            digest = store.copy_out(sha256, out.write)
        if digest != sha256:
            os.unlink(temporary)
            raise IntegrityFailure(
                f"stored evidence {sha256} was altered (it hashes to {digest}); run 'ledger verify'"
            )
        os.replace(temporary, target)
        copied += 1
    return copied, missing


# --- giving files back, listing them ------------------------------------------------------------

EVIDENCE_LIST_COLUMNS = (
    "report",
    "incident",
    "kind",
    "title",
    "sha256",
    "bytes",
    "media_type",
    "url",
    "supports",
    "contradicts",
    "stored",
)


def give_back(
    ledger: IncidentLedger, store: EvidenceStore, report: str, output: Path | BinaryIO
) -> str:
    """Copy the file a live evidence report names out of the store to `output` (a path, or an
    open binary stream such as standard output), checking its hash on the way; its sha256.
    DomainRuleViolation for a report that is not (live) evidence or names no file;
    IntegrityFailure, with nothing written, when the stored file was altered; InvalidInput when
    `output` cannot be written."""
    sha256 = _stored_sha256(ledger, report)
    if not isinstance(output, Path):
        # What goes to a stream cannot be taken back: the file is checked whole first, then
        # copied (and checked again, in case it changed in between).
        for write, written in ((_discard, "; nothing written"), (output.write, "")):
            digest = store.copy_out(sha256, write)
            if digest != sha256:
                raise IntegrityFailure(
                    f"stored evidence for '{report}' was altered: it hashes to {digest}, the "
                    f"log says {sha256}{written}"
                )
        output.flush()
        return sha256
    # Written beside the target and renamed over it only once the hash matched: an altered
    # object never reaches the output's name.
    temporary = output.with_name(f".{output.name}.{token_hex(4)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as out:
            digest = store.copy_out(sha256, out.write)
        if digest != sha256:
            raise IntegrityFailure(
                f"stored evidence for '{report}' was altered: it hashes to {digest}, the log "
                f"says {sha256}; nothing written"
            )
        os.replace(temporary, output)
    except OSError as e:
        raise InvalidInput(f"cannot write {str(output)!r}: {e.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return sha256


def _discard(chunk: bytes) -> None:
    pass


def _stored_sha256(ledger: IncidentLedger, report: str) -> str:
    """The sha256 of the file a live evidence report names, or DomainRuleViolation."""
    entry = ledger.find_reports([report]).get(report)
    if entry is None:
        raise DomainRuleViolation(f"report '{report}' is not in the ledger")
    _, current = evidence_records(ledger, [entry.incident])
    record = current.get(report)
    if record is None:
        raise DomainRuleViolation(f"report '{report}' is not a (live) evidence report")
    sha256 = record.get("sha256")
    if not sha256:
        raise DomainRuleViolation(f"evidence '{report}' names no file (only a URL)")
    return str(sha256)


def evidence_listing(
    ledger: IncidentLedger, config: StoreConfig, folder: str | Path | None, incidents: Sequence[str]
) -> list[dict[str, Any]]:
    """Each live evidence report of `incidents` (all when empty), in log order, as a row of
    EVIDENCE_LIST_COLUMNS; `stored` says whether the store holds its file (None: a PostgreSQL ledger
    with no store named, so unknown). IncidentNotFound for an incident not in the ledger."""
    missing = set(incidents) - ledger.ledger_recorder.existing_incidents(incidents)
    if missing:
        raise IncidentNotFound(sorted(missing)[0])
    try:
        store: EvidenceStore | None = evidence_store(config, folder)
    except InvalidInput:  # PostgreSQL without a store: the listing says "unknown"
        store = None
    _, current = evidence_records(ledger, incidents)
    rows = []
    for record in sorted(current.values(), key=lambda r: r["position"]):
        sha256 = record.get("sha256")
        row = {c: record.get(c) for c in EVIDENCE_LIST_COLUMNS}
        row["supports"] = record.get("supports") or []
        row["contradicts"] = record.get("contradicts") or []
        # Whether the store holds the file is the filesystem's, not the log's: looked up now.
        row["stored"] = None if store is None else bool(sha256) and store.contains(str(sha256))
        rows.append(row)
    return rows


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
