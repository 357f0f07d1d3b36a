"""`--reported-by` cuts (version 2): a stated time counts once its whole period has passed."""

from __future__ import annotations

from typing import Any

import pytest

from ledger.records import Cut
from ledger.timeutil import earliest_instant, latest_instant, parse_latest

RECORDED = "2023-09-01T00:00:00.000000Z"


def _record(stated_at: str | None, report_type: str = "retraction") -> dict[str, Any]:
    record: dict[str, Any] = {"type": report_type, "position": 2, "recorded_at": RECORDED}
    if stated_at is not None:
        record["stated_at"] = stated_at
    return record


@pytest.mark.parametrize(
    ("stated_at", "cut", "admitted"),
    [
        ("2023-10", "2023-10-02", False),  # version 1 admitted it (earliest instant)
        ("2023-10", "2023-10-31", True),
        ("2023-10", "2023-10-30", False),
        ("2023", "2023-12-30", False),
        ("2023", "2023-12-31", True),
        ("2023-10-02", "2023-10-02", True),
        ("2023-10-02", "2023-10-01", False),
        ("2023-10-02T23:59Z", "2023-10-02", True),
        ("2023-10-03T01:00+02:00", "2023-10-02", True),  # 23:00Z on the 2nd
        (None, "2023-09-01", True),  # recorded_at counts
        (None, "2023-08-31", False),
    ],
)
def test_a_partial_date_counts_from_its_latest_instant(
    stated_at: str | None, cut: str, admitted: bool
) -> None:
    assert Cut(reported_by=parse_latest(cut)).admits(_record(stated_at)) is admitted


def test_the_incident_line_always_counts() -> None:
    cut = Cut(reported_by=parse_latest("2000"))
    assert cut.admits(_record("2023-10", report_type="incident"))


def test_latest_instant_is_the_end_of_the_period_and_sorting_keeps_the_earliest() -> None:
    assert latest_instant("2023-10") == "2023-10-31T23:59:59.999999Z"
    assert latest_instant("2024-02") == "2024-02-29T23:59:59.999999Z"
    assert latest_instant("2023") == "2023-12-31T23:59:59.999999Z"
    assert latest_instant("2023-10-02T10:00+02:00") == "2023-10-02T08:00:00.000000Z"
    assert earliest_instant("2023-10") == "2023-10-01T00:00:00.000000Z"
