"""Moved to `ledger.fold` (the status rules are domain rules); kept while imports migrate."""

from ledger.fold import *  # noqa: F403
from ledger.fold import COLUMNS, fold  # noqa: F401
