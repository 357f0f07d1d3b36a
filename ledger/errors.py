"""The ledger's errors: one small family, each carrying the CLI exit code it maps to."""

from __future__ import annotations

EXIT_OK = 0
EXIT_REFUSED = 1  # refused by a domain rule, or the store is unavailable
EXIT_BAD_INPUT = 2  # malformed input or usage
EXIT_INTEGRITY = 3  # the log failed verification


class LedgerError(Exception):
    """Base of every error a user can cause or meet; its message is one sentence."""

    exit_code = EXIT_REFUSED


class DomainRuleViolation(LedgerError):
    """A report was refused by a rule of the domain; nothing was written."""


class IncidentNotFound(DomainRuleViolation):
    def __init__(self, incident: str, *, writing: bool = False):
        # A writer is told how to make it exist; a reader (show, history, export) may have
        # mistyped it, or given a report's id, and opening an incident is not the remedy.
        hint = " (open it first with 'ledger open')" if writing else ""
        super().__init__(f"incident '{incident}' does not exist{hint}")
        self.incident = incident


class IncidentAlreadyOpen(DomainRuleViolation):
    def __init__(self, incident: str):
        super().__init__(f"incident '{incident}' is already open with different details")
        self.incident = incident


class ReportNotFound(DomainRuleViolation):
    def __init__(self, report: str, field: str = "refers_to"):
        super().__init__(f"{field} names report '{report}', which is not in the ledger")
        self.report = report


class ReportIdClash(DomainRuleViolation):
    def __init__(self, report: str, incident: str):
        super().__init__(
            f"report id '{report}' is already used in incident '{incident}' with different content"
        )
        self.report = report


class NamespaceClash(DomainRuleViolation):
    """Report ids and incident slugs share one namespace: a view keys both by the same id."""

    @classmethod
    def report_is_incident(cls, report: str) -> NamespaceClash:
        return cls(f"report id '{report}' is already an incident's slug (they share one namespace)")

    @classmethod
    def incident_is_report(cls, incident: str, holder: str) -> NamespaceClash:
        return cls(
            f"incident slug '{incident}' is already a report id, in incident '{holder}' "
            "(they share one namespace)"
        )


class InvalidReference(DomainRuleViolation):
    """A reference to a report of the wrong kind (e.g. retracting something nobody said)."""


class InvalidChange(InvalidReference):
    """A correction's new value is not valid for its field: bad input (exit 2), though only the
    domain, which knows the target's type, can tell."""

    exit_code = EXIT_BAD_INPUT


class ActorRefused(DomainRuleViolation):
    """An `actor` line broke a rule of the registry (DOMAIN.md, "The actor registry")."""


class ActorNameTaken(ActorRefused):
    """One name cannot mean two registered actors: resolution would depend on who asked."""

    def __init__(self, name: str, holder: str, actor: str):
        super().__init__(
            f"'{name}' already names the registered actor '{holder}', so it cannot also name "
            f"'{actor}' (drop it from '{holder}' first)"
        )
        self.name, self.holder, self.actor = name, holder, actor


class AliasNotHeld(ActorRefused):
    def __init__(self, name: str, holder: str, actor: str):
        super().__init__(f"drop_aliases names '{name}', an alias of '{holder}', not of '{actor}'")
        self.name, self.holder, self.actor = name, holder, actor


class CanonicalNameKept(ActorRefused):
    def __init__(self, name: str):
        super().__init__(
            f"'{name}' is the canonical name of a registered actor and never changes: "
            "drop_aliases cannot remove it"
        )
        self.name = name


class AliasAddedAndDropped(ActorRefused):
    def __init__(self, name: str, actor: str):
        super().__init__(f"the actor line for '{actor}' both adds and drops the alias '{name}'")
        self.name, self.actor = name, actor


class AliasAddressedAndDropped(ActorRefused):
    """A line naming an actor by an alias it also drops would, applied again, name a new actor:
    refused, so that the same line twice always adds nothing."""

    def __init__(self, name: str, actor: str):
        super().__init__(
            f"the actor line names '{actor}' by its alias '{name}' and drops that alias: "
            f"name it by its canonical name '{actor}' to drop '{name}'"
        )
        self.name, self.actor = name, actor


class UnknownParent(ActorRefused):
    def __init__(self, parent: str, actor: str):
        super().__init__(
            f"part_of names '{parent}', which is not a registered actor (register it with an "
            f"actor line before '{actor}')"
        )
        self.parent, self.actor = parent, actor


class PartOfCycle(ActorRefused):
    def __init__(self, actor: str, chain: list[str]):
        # chain: the proposed parent up to `actor` itself, so the message shows the loop.
        loop = " -> ".join([actor, *chain])
        super().__init__(f"'{actor}' cannot be part of '{chain[0]}': that makes a cycle ({loop})")
        self.actor, self.chain = actor, chain


class StoreUnavailable(LedgerError):
    """The database cannot be reached, opened or written."""


class InvalidInput(LedgerError):
    exit_code = EXIT_BAD_INPUT


class InvalidFilter(InvalidInput, ValueError):
    """A report's or a query's filter, column or option value that cannot be used (an unknown
    status, column or report, a time that is not one). A ValueError too, as these were before
    they were the ledger's own: a caller's `except ValueError` still catches them."""


# Rules over a whole line (no one field is wrong): their words, in the JSON's terms, here so
# that a typed command (cli/writing.py) can say them in its options' terms instead.
NEEDS_CHANGES_OR_VOID = "give exactly one of 'changes' (an object) or 'void': true"
NEEDS_URL_OR_SHA256 = "give at least one of 'url' or 'sha256' (where the material is, or its hash)"


class InvalidLine(InvalidInput):
    """A line that is not a valid version-1 report; the message names the line and field."""

    def __init__(self, line_no: int | None, field: str | None, problem: str):
        self.line_no = line_no
        # A field name may be the user's own (an unknown key): never echo control characters.
        field = field if field is None or field.isprintable() else ascii(field)[1:-1]
        self.field = field
        self.problem = problem
        where = f"line {line_no}" if line_no is not None else "input"
        what = f", field '{field}'" if field else ""
        super().__init__(f"{where}{what}: {problem}")


class IntegrityFailure(LedgerError):
    exit_code = EXIT_INTEGRITY


class UndecodableEvent(IntegrityFailure):
    """A log row that cannot be decoded (damaged bytes, or a row rewritten outside the ledger):
    names the event, and `ledger verify`, which lists every such row as a finding."""

    def __init__(self, position: int | None, incident: str, version: int, cause: str):
        self.details = (position, incident, version, cause)
        super().__init__(
            f"the event at position {position} (incident '{incident}', version {version}) "
            f"cannot be decoded ({cause}); run 'ledger verify'"
        )

    def __reduce__(self) -> tuple[type[UndecodableEvent], tuple[int | None, str, int, str]]:
        # Raised in a rebuild's worker process, it travels back pickled: with its own arguments.
        return type(self), self.details


# The ledger writes every event's state as bytes (SQLite BLOB, PostgreSQL bytea). A state read
# back as text was rewritten outside the ledger, append-only triggers dropped: `verify` names
# it as undecodable, and every other reader refuses it with these words.
STATE_AS_TEXT = "its state is stored as text, not as bytes"


def stored_state(position: int, incident: str, version: int, state: object) -> bytes:
    """A log row's state as bytes (a driver may give a memoryview), or UndecodableEvent for
    one stored as text."""
    if isinstance(state, str):
        raise UndecodableEvent(position, incident, version, STATE_AS_TEXT)
    return bytes(state)  # type: ignore[call-overload]


class UnprojectableEvent(IntegrityFailure):
    """An event in the log that the views cannot hold (left by an older version or written by
    hand): names the event and the correction that lets the views through."""

    def __init__(self, position: int | None, incident: str, report: str, problem: str):
        where = f"position {position}" if position is not None else "an event"
        super().__init__(
            f"the views cannot hold the event at {where} (incident '{incident}', report "
            f"'{report}'): {problem}; append a correction with \"void\": true for report "
            f"'{report}' (ledger correct {incident} --refers-to {report} --void --reason ...) "
            "and project again"
        )
        self.position, self.incident, self.report = position, incident, report
