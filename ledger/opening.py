"""Opening a ledger: the one place that decides whether a database may be given its schema."""

from __future__ import annotations

import os
from pathlib import Path

from ledger.application import IncidentLedger
from ledger.domain import Signer
from ledger.errors import IncidentNotFound, StoreUnavailable
from ledger.signing import load_signer
from ledger.store import schema_check
from ledger.store.config import StoreConfig, resolve
from ledger.store.errors import translated
from ledger.store.migrate import upgrade

SIGNING_KEY = "LEDGER_SIGNING_KEY"


def open_ledger(
    store: StoreConfig | str | None = None,
    *,
    write: bool = False,
    lock_timeout: float = 30.0,
    signer: Signer | None = None,
    create: bool | None = None,
) -> IncidentLedger:
    """Open the ledger at `store` (a StoreConfig, or a `--db` path or URL; None: ./ledger.db).

    A writer creates the schema on an empty database (running the migrations), unless
    `create` is False (a writer that adds no reports, `seal` or `project`: a mistyped path
    must not become a new, empty ledger); a reader needs one to exist. A ledger at an older
    schema revision is refused until `upgrade` (ledger init). Close it when done
    (`contextlib.closing`): PostgreSQL holds a connection pool."""
    config = store if isinstance(store, StoreConfig) else resolve(store)
    with translated(config, lock_timeout):
        state = schema_check.revision(config)
        if state is None:
            schema_check.refuse_foreign(config)
            if not (write if create is None else create):
                raise StoreUnavailable(
                    f"{config.display} holds no ledger yet: run 'ledger init' "
                    "(or 'ledger import FILE', which creates one)"
                )
            upgrade(config)
        elif state != schema_check.SCHEMA_HEAD:
            raise StoreUnavailable(
                f"{config.display} has schema revision {state}; run 'ledger init' to upgrade"
            )
        return IncidentLedger(config, lock_timeout=lock_timeout, signer=signer, read_only=not write)


def open_holding(store: StoreConfig, incident: str) -> IncidentLedger:
    """The ledger at `store`, opened to read, once it is known to hold `incident`; else
    IncidentNotFound (a writer's words). For a write prepared before its append (a file
    copied, a feed converted), which checks again under its lock: this only refuses early."""
    # No ledger yet: no incident (a ledger at an older revision is open_ledger's to name).
    if schema_check.revision(store) is None:
        raise IncidentNotFound(incident, writing=True)
    ledger = open_ledger(store)
    if not ledger.ledger_recorder.existing_incidents([incident]):
        ledger.close()
        raise IncidentNotFound(incident, writing=True)
    return ledger


def has_schema(store: StoreConfig) -> bool:
    """Whether `store` already holds a ledger's schema at the current revision."""
    return schema_check.revision(store) == schema_check.SCHEMA_HEAD


def signer_from_environment() -> Signer | None:
    """The signer of the private key file LEDGER_SIGNING_KEY names, if it names one: every
    event and seal a writer records is then signed."""
    path = os.environ.get(SIGNING_KEY)
    if not path:
        return None
    return load_signer(Path(path))
