"""Bringing the views up after a write: what `ledger.importing` calls as its `project` step."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

from ledger.application import IncidentLedger
from ledger.store.config import StoreConfig
from ledger.store.errors import insufficient_privilege
from projections.catchup import catch_up


@dataclass(frozen=True)
class ProjectAfterWrite:
    """Catch the views up after a committed write; a failure is a warning, not an error, since
    the reports are committed by then (a writer without rights on the views leaves them to the
    projector). Returns the warning, or None."""

    lock_timeout: float = 30.0
    # As ledger.importing's `progress`: given the phase ("projecting") and no total, a context
    # whose value hears (position applied, log position to reach).
    progress: (
        Callable[[str, None], AbstractContextManager[Callable[[int, int], None] | None]] | None
    ) = None

    def __call__(self, ledger: IncidentLedger, store: StoreConfig) -> str | None:
        try:
            with (
                self.progress("projecting", None) if self.progress else nullcontext()
            ) as on_progress:
                catch_up(ledger, store, lock_timeout=self.lock_timeout, on_progress=on_progress)
        except Exception as e:
            # The reports are committed by now: a failure here must not look like "nothing
            # written".
            if not insufficient_privilege(e):
                first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                return (
                    "warning: the report was recorded, but the projections were not updated "
                    f"({first}); run 'ledger project'"
                )
            return (
                "warning: the report was recorded, but this role may not update the "
                "projections; run 'ledger project' as a projector (or pass --no-project)"
            )
        return None
