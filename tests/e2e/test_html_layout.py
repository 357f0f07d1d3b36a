"""Headless Chromium loads the report — one page, and the site's index and an incident page —
at 1400 and 400 px, and checks (tests/e2e/layout_check.js) that no text runs out of its box
and the page does not scroll sideways. Layout, not timing: nothing here depends on the
machine's speed. Skipped without Chromium, except in CI (env CI set), where it fails instead."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from projections.html import page_name
from tests.conftest import EXAMPLE, ROOT
from tests.e2e.test_html_report import DevTools, browser, invoke  # noqa: F401 - a fixture

TRUTH = ROOT / "tests" / "data" / "html_truth.jsonl"
CHECK = (Path(__file__).parent / "layout_check.js").read_text(encoding="utf-8")
WIDTHS = (1400, 400)


def _layout(browser: DevTools, page: Path, width: int) -> dict[str, object]:  # noqa: F811
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    browser.call("Page.navigate", url=page.resolve().as_uri())
    browser.wait_for("Page.loadEventFired")
    result: dict[str, object] = json.loads(browser.evaluate(CHECK))
    return result


@pytest.fixture
def pages(sqlite_url: str, tmp_path: Path) -> list[Path]:
    for source in (EXAMPLE, TRUTH):
        assert invoke(sqlite_url, "-q", "import", str(source)).exit_code == 0
    one = tmp_path / "report.html"
    assert invoke(sqlite_url, "report", "html", "-o", str(one)).exit_code == 0
    site = tmp_path / "site"
    assert invoke(sqlite_url, "report", "html", "-o", f"{site}/").exit_code == 0
    incident = site / "incidents" / page_name("one-day-market-shelling")
    return [one, site / "index.html", incident]


def test_no_text_overflows_and_no_sideways_scroll_at_1400_and_400_px(
    browser: DevTools,  # noqa: F811
    pages: list[Path],
) -> None:
    browser.call("Page.enable")
    for page in pages:
        for width in WIDTHS:
            result = _layout(browser, page, width)
            where = f"{page.name} at {width} px"
            assert result["problems"] == [], where
            assert result["viewport"] == width, where
            assert int(str(result["page"])) <= int(str(result["visible"])), (where, result)
            if page.name != "index.html":
                # Check the drawings were drawn and measured, not skipped.
                assert int(str(result["drawings"])) >= 2 and int(str(result["nodes"])) >= 5


def test_the_check_finds_text_out_of_its_box_and_a_page_too_wide(
    browser: DevTools,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Check the check itself: a name wider than its box, and a block wider than the page.
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><html><body><figure><svg width='300' height='60'>"
        "<g class='node'><rect x='0' y='0' width='60' height='30'/>"
        "<text x='4' y='20'>A name far too long for its box</text></g></svg></figure>"
        "<p style='white-space: nowrap'>" + "wide " * 200 + "</p></body></html>",
        encoding="utf-8",
    )
    browser.call("Page.enable")
    result = _layout(browser, page, 400)
    problems = [str(p) for p in result["problems"]]  # type: ignore[attr-defined]
    assert any(p.startswith("text out of its box") for p in problems), problems
    assert any(p.startswith("overflows its block") for p in problems), problems
    assert int(str(result["page"])) > 400
