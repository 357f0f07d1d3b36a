"""The statuses an assertion and an incident can hold, as plain data.

The rules that give them are ledger/status_rules.py's; the values are here, in a module that
imports nothing, so that `ledger report` and `ledger search` can list what --status accepts
without importing the rules (and the registry, ids and hashlib behind them) at start-up.
"""

# An incident shows the most contested state any of its claims and warnings is in.
INCIDENT_STATUS_ORDER = (
    "disputed",
    "unverified",
    "corroborated",
    "unverifiable",
    "acknowledged",
    "confirmed",
    "refuted",
    "superseded",
    "retracted",
)
# Every status an incident can hold: its most contested assertion's, or `open` when it has no
# claim or warning (what `ledger report --status` accepts).
OPEN = "open"
INCIDENT_STATUSES = (*INCIDENT_STATUS_ORDER, OPEN)
