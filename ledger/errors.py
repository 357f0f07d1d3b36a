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
    def __init__(self, incident: str):
        super().__init__(f"incident '{incident}' does not exist (open it first with 'ledger open')")
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


class StoreUnavailable(LedgerError):
    """The database cannot be reached, opened or written."""


class InvalidInput(LedgerError):
    exit_code = EXIT_BAD_INPUT


class IntegrityFailure(LedgerError):
    exit_code = EXIT_INTEGRITY


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
