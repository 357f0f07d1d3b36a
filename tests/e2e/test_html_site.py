"""`ledger report html`: the static site (-o DIR/) and what the drawings promise: rounded
coordinates, one set of definitions per page, retracted and voided reports drawn as such,
evidence beside what it bears on, a one-day incident spread out, and the folder guard."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli.main import app
from ledger.errors import EXIT_BAD_INPUT, EXIT_OK
from projections.html import page_name
from tests.conftest import EXAMPLE, ROOT
from tests.e2e.test_html_report import parse_strict

TRUTH = ROOT / "tests" / "data" / "html_truth.jsonl"
ONE_DAY = "one-day-market-shelling"


def _run(db: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--db", str(db), "--as", "tester", *args])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    for source in (EXAMPLE, TRUTH):
        assert _run(path, "-q", "import", str(source)).exit_code == EXIT_OK
    return path


def _page(db: Path, tmp_path: Path) -> str:
    out = tmp_path / "one.html"
    result = _run(db, "report", "html", "-o", str(out))
    assert result.exit_code == EXIT_OK, result.output
    return out.read_text(encoding="utf-8")


def _graph(page: str, report: str) -> str:
    start = page.index(f'id="graph-{report}"')
    return page[start : page.index("</figure>", start)]


def test_a_folder_target_writes_an_index_and_a_page_per_incident(db: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = _run(db, "report", "html", "-o", f"{site}/")
    assert result.exit_code == EXIT_OK, result.output
    pages = sorted(p.name for p in (site / "incidents").iterdir())
    assert pages == sorted(
        page_name(s)
        for s in (
            "deir-ez-zor-airstrike-2017-09-16",
            "deir-ez-zor-shelling-2017-09",
            ONE_DAY,
        )
    )
    index = (site / "index.html").read_text(encoding="utf-8")
    parse_strict(index)  # strict HTML5: any parse error raises
    # Check the table of contents links every page and works without JavaScript: the full
    # table is in the HTML, the filter form is hidden until the script shows it.
    for name in pages:
        assert f'href="incidents/{name}"' in index
    assert re.search(r'<form class="filters" id="filters" hidden', index)
    assert index.count("<tr data-incident=") == 3
    incident = (site / "incidents" / page_name(ONE_DAY)).read_text(encoding="utf-8")
    assert 'href="../index.html"' in incident and 'id="graph-civil-defence-claim"' in incident
    assert "deir-ez-zor" not in incident  # one incident per page
    assert "wrote" in result.stderr and "incident page(s)" in result.stderr


def test_a_second_run_replaces_its_own_site_and_removes_pages_it_no_longer_has(
    db: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    assert _run(db, "report", "html", "-o", f"{site}/").exit_code == EXIT_OK
    (site / "notes.txt").write_text("mine")
    result = _run(db, "report", "html", "-o", str(site), "-i", ONE_DAY)
    assert result.exit_code == EXIT_OK, result.output
    assert sorted(p.name for p in (site / "incidents").iterdir()) == [page_name(ONE_DAY)]
    assert (site / "notes.txt").read_text() == "mine"  # never removes what it did not write


def test_a_folder_it_did_not_write_needs_force(db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "thesis.txt").write_text("keep me")
    refused = _run(db, "report", "html", "-o", f"{folder}/")
    assert refused.exit_code == EXIT_BAD_INPUT and "--force" in refused.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.txt"]
    assert _run(db, "report", "html", "-o", f"{folder}/", "--force").exit_code == EXIT_OK
    assert (folder / "thesis.txt").read_text() == "keep me"
    assert (folder / "index.html").is_file()


def test_the_ledgers_own_folder_is_refused_without_force_and_its_files_never_written(
    db: Path,
) -> None:
    refused = _run(db, "report", "html", "-o", f"{db.parent}/")
    assert refused.exit_code == EXIT_BAD_INPUT
    assert not (db.parent / "index.html").exists()
    assert _run(db, "report", "html", "-o", f"{db}/").exit_code == EXIT_BAD_INPUT


def test_unsafe_slugs_make_distinct_safe_file_names() -> None:
    names = {page_name(s) for s in ("a", "A", "../etc", ".hidden", "x/y", "x_y", "é")}
    assert len(names) == 7
    for name in names:
        assert re.fullmatch(r"[a-z0-9_-][a-z0-9._-]*\.html", name), name


def test_coordinates_are_rounded_and_definitions_shared(db: Path, tmp_path: Path) -> None:
    page = _page(db, tmp_path)
    drawings = "".join(re.findall(r"<svg.*?</svg>", page, flags=re.S))
    markup = re.sub(r"<(title|text)[^>]*>.*?</\1>", "", drawings, flags=re.S)
    assert 'x="' in markup and not re.search(r"\d\.\d{2,}", markup)
    assert page.count('<svg class="defs"') == 1
    assert page.count('id="mark-denial"') == 1 and page.count('class="legend"') == 1
    assert page.count("<marker") == len(set(re.findall(r'<marker id="([^"]+)"', page)))


def test_a_retracted_denial_is_drawn_as_retracted_not_as_a_live_denial(
    db: Path, tmp_path: Path
) -> None:
    page = _page(db, tmp_path)
    graph = _graph(page, "civil-defence-claim")
    # Check the counts beside the graph count no denial and one corroboration, and the graph
    # agrees: the retracted denial and the voided corroboration are drawn as no longer counting.
    facts = page[page.index('id="report-civil-defence-claim"') : page.index(graph)]
    assert "0 denial(s), 1 independent and\n0 other corroboration(s)" in facts
    assert "denies — retracted" in graph and "corroborates — voided" in graph
    assert re.search(r'class="ref-edge e-gone" data-state="retracted"', graph)
    live = re.findall(r'class="ref-edge e-(?!gone)[^>]*marker-end="url\(#arrow-(\w+)\)', graph)
    assert "denial" not in live and "corroboration" in live


def test_evidence_sits_beside_what_it_supports_with_its_hash(db: Path, tmp_path: Path) -> None:
    page = _page(db, tmp_path)
    digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    claim = page[page.index('id="report-civil-defence-claim"') :]
    claim = claim[: claim.index("</article>")]
    assert "evidence: supports" in claim and "Evidence on" in claim
    assert f'title="{digest}"' in claim and f'<code class="full">{digest}</code>' in claim
    denial = page[page.index('id="report-army-denial"') :]
    assert "evidence: contradicts" in denial[: denial.index("</article>")]


def test_reports_of_one_day_are_spread_in_log_order(db: Path, tmp_path: Path) -> None:
    page = _page(db, tmp_path)
    timeline = page[page.index(f'id="timeline-{ONE_DAY}"') :]
    timeline = timeline[: timeline.index("</figure>")]
    assert "one day, 2019-07-22: in log order" in timeline
    xs = [float(x) for x in re.findall(r'<use href="#mark-\w+" x="([\d.]+)"', timeline)]
    dated = xs[:8]  # eight reports stated that day; the undated ones come last
    assert dated == sorted(dated) and len(set(dated)) == len(dated)


def test_no_name_in_the_tests_data_is_clipped(db: Path, tmp_path: Path) -> None:
    page = _page(db, tmp_path)
    drawings = "".join(re.findall(r"<svg.*?</svg>", page, flags=re.S))
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", drawings)
    assert texts and not [t for t in texts if t.endswith("…") and "sha256" not in t]


def test_a_big_selection_on_one_page_is_a_digest_that_says_so(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (The module, not the package's `render` function of the same name.)
    module = importlib.import_module("projections.html.render")
    monkeypatch.setattr(module, "FULL_INCIDENTS", 2)  # the ledger holds 3
    page = _page(db, tmp_path)
    assert 'id="digest"' in page and "ledger report html -o DIR/" in page
    assert 'class="graph"' not in page and page.count('class="timeline"') == 3
    assert '<tr id="report-civil-defence-claim">' in page  # every assertion's status is there
    small = tmp_path / "small.html"
    assert _run(db, "report", "html", "-o", str(small), "-i", ONE_DAY).exit_code == EXIT_OK
    assert 'id="digest"' not in small.read_text(encoding="utf-8")


@pytest.mark.postgres
def test_a_site_from_postgresql(pg_url: str, tmp_path: Path) -> None:
    from tests.e2e.test_html_report import invoke

    for source in (EXAMPLE, TRUTH):
        assert invoke(pg_url, "-q", "import", str(source)).exit_code == EXIT_OK
    site = tmp_path / "site"
    result = invoke(pg_url, "report", "html", "-o", f"{site}/")
    assert result.exit_code == EXIT_OK, result.output
    page = (site / "incidents" / page_name(ONE_DAY)).read_text(encoding="utf-8")
    parse_strict(page)
    assert 'data-verified="true"' in page and "denies — retracted" in page
