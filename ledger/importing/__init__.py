"""The one write path: validate every line, append them as one transaction, then (if asked)
bring the views up to date.

`append_report` takes one report (a typed command's), `import_file` a JSON Lines file and
`import_stream` an open binary stream (standard input). Nothing is written unless every line is
valid and every domain rule holds. A big file on a ledger that already has its schema is
validated in a forked child while this process appends (`ledger.infra.validating_child`): the
same guarantees, about half the time on two cores.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ledger.application import AppendResult, IncidentLedger, default_recorder
from ledger.batch import FingerprintedLine, Mentions, ValidatedLine
from ledger.domain import Signer
from ledger.errors import IncidentNotFound, LedgerError
from ledger.importing.actor_line import plain_actor_fields
from ledger.opening import has_schema, open_ledger
from ledger.store import schema_check
from ledger.store.config import StoreConfig, resolve
from ledger.store.errors import translated
from ledger.store.staging import staged_if_new

# After a committed append, with the ledger still open (a new SQLite ledger is published under
# its name only after this): brings the views up; returns a warning, or None.
Projector = Callable[[IncidentLedger, StoreConfig], str | None]
# Given a phase ("parsing", "appending", or "parsing and appending" when a child validates
# beside the append) and its number of lines (None when not known yet), a context whose value
# is called with the lines done so far. ProjectAfterWrite takes one too, for "projecting".
Progress = Callable[[str, int | None], AbstractContextManager[Callable[[int], None] | None]]
PARSING, APPENDING, PIPELINED = "parsing", "appending", "parsing and appending"
Lines = Callable[[], Iterable[ValidatedLine | FingerprintedLine | Mentions]]

PIPELINE_FROM_BYTES = 500_000  # below this (~1,000 lines) a second process does not pay


@dataclass
class ImportResult(AppendResult):
    """What an append added, and what bringing the views up had to say (None: nothing)."""

    projection_warning: str | None = None


@dataclass(frozen=True)
class _Write:
    store: StoreConfig
    recorded_by: str | Callable[[], str] | None
    lock_timeout: float
    signer: Signer | None
    project: Projector | None
    progress: Progress | None


def append_report(
    store: StoreConfig | str | None,
    line: dict[str, Any],
    *,
    recorded_by: str | Callable[[], str] | None = None,
    lock_timeout: float = 30.0,
    signer: Signer | None = None,
    project: Projector | None = None,
) -> ImportResult:
    """Append one report given as an interchange line (a dict), validated first: InvalidLine
    (exit 2) before the database is touched. `recorded_by` (or a function giving it once the
    append starts; None: LEDGER_USER, else the OS login) is who records it."""
    write = _Write(_config(store), recorded_by, lock_timeout, signer, project, None)
    with translated(write.store, lock_timeout):
        # A report on a ledger that does not exist yet cannot name an existing incident:
        # refuse it before creating anything (writers otherwise create the schema on first use).
        if line["type"] not in ("incident", "actor") and schema_check.revision(write.store) is None:
            raise IncidentNotFound(line["incident"], writing=True)
        # A plainly valid actor line (`ledger actor`) needs no pydantic model: importing them
        # was a tenth of the command (ledger/importing/actor_line.py).
        fields = plain_actor_fields(line)
        if fields is None:
            from ledger.interchange import report_fields, validate_report  # pydantic, for the rest

            fields = report_fields(validate_report(line))
        report_type = fields.pop("type")
        return _append_and_project(write, lambda: [(None, report_type, dict(fields))], 1, None)


def import_file(
    store: StoreConfig | str | None,
    path: Path | str,
    *,
    recorded_by: str | Callable[[], str] | None = None,
    lock_timeout: float = 30.0,
    signer: Signer | None = None,
    project: Projector | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import a JSON Lines file: all lines or none. Every line is validated (InvalidLine names
    the first bad one) before anything is committed; re-importing the same file adds nothing."""
    # The file's validation (pydantic's models) is imported here, not with this module: a
    # typed command appending one line does without most of it.
    from ledger.importing.spool import lines_from_spool, validate_file

    path = Path(path)
    write = _Write(_config(store), recorded_by, lock_timeout, signer, project, progress)
    with translated(write.store, lock_timeout):
        if _worth_validating_beside(write.store, path):
            return _append_beside_validation(write, path)
        spool = _temporary_path()
        try:
            # Every line, before any is written.
            with _phase(write, PARSING, None) as on_progress:
                total, mentions = validate_file(path, spool, on_progress)
            return _append_and_project(
                write, lambda: lines_from_spool(spool), total, mentions, APPENDING
            )
        finally:
            _remove_quietly(spool)


def import_stream(
    store: StoreConfig | str | None,
    stream: BinaryIO,
    *,
    recorded_by: str | Callable[[], str] | None = None,
    lock_timeout: float = 30.0,
    signer: Signer | None = None,
    project: Projector | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """`import_file` for a stream (standard input): copied to a temporary file first, so it can
    be validated and then written."""
    with tempfile.NamedTemporaryFile(
        prefix="ledger-stdin-", suffix=".jsonl", delete=False
    ) as handle:
        shutil.copyfileobj(stream, handle)
    spooled = Path(handle.name)
    try:
        return import_file(
            store,
            spooled,
            recorded_by=recorded_by,
            lock_timeout=lock_timeout,
            signer=signer,
            project=project,
            progress=progress,
        )
    finally:
        _remove_quietly(spooled)


def _config(store: StoreConfig | str | None) -> StoreConfig:
    return store if isinstance(store, StoreConfig) else resolve(store)


def _worth_validating_beside(store: StoreConfig, path: Path) -> bool:
    """Validate in a child while appending: for a big file, on a ledger that already has its
    schema (a new one must not be created for a file with a bad line), where fork exists."""
    try:
        big = path.stat().st_size >= PIPELINE_FROM_BYTES
    except OSError:
        return False
    return big and "fork" in multiprocessing.get_all_start_methods() and has_schema(store)


def _append_beside_validation(write: _Write, path: Path) -> ImportResult:
    # the pipelined import alone forks a validator
    from ledger.infra.validating_child import ValidatingChild

    child = ValidatingChild(path)
    try:
        try:
            return _append_and_project(write, child.stream, None, Mentions(), PIPELINED)
        except LedgerError:
            # A domain rule broke, or the store refused: if the file also has a bad line, that
            # is what to report (exit 2), as when every line was validated first.
            child.wait()
            child.raise_problem()
            raise
    finally:
        child.close()


def _phase(
    write: _Write, phase: str, total: int | None
) -> AbstractContextManager[Callable[[int], None] | None]:
    return write.progress(phase, total) if write.progress else nullcontext()


def _append_and_project(
    write: _Write,
    lines: Lines,
    total: int | None,
    mentions: Mentions | None,
    phase: str = APPENDING,
) -> ImportResult:
    # Closed on every way out: a refused append left to the garbage collector could be closed
    # on one of the PostgreSQL pool's own threads, which cannot join itself. Closed before a
    # new ledger is published under its name, too (`staged_if_new`).
    with (
        staged_if_new(write.store) as store,
        contextlib.closing(
            open_ledger(store, write=True, lock_timeout=write.lock_timeout, signer=write.signer)
        ) as ledger,
    ):
        with _phase(write, phase, total) as on_progress:
            appended = ledger.append(
                lines,
                recorded_by=_recorder(write.recorded_by),
                on_progress=on_progress,
                mentions=mentions,
            )
            if on_progress is not None:  # the append reports every 1,000 lines: the rest
                on_progress(appended.added + appended.unchanged)
        result = ImportResult(**vars(appended))
        if write.project is not None:
            result.projection_warning = write.project(ledger, store)
        return result


def _recorder(recorded_by: str | Callable[[], str] | None) -> str:
    if recorded_by is None:
        return default_recorder()
    return recorded_by if isinstance(recorded_by, str) else recorded_by()


def _temporary_path() -> Path:
    with tempfile.NamedTemporaryFile(prefix="ledger-valid-", suffix=".jsonl", delete=False) as f:
        return Path(f.name)


def _remove_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
