"""`ledger report html` and `ledger browse`, end to end: the page's content and order, its
validity and self-containment, how headless Chromium draws it, Datasette over the projection
tables, a read-only SQLite file, and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE, EXAMPLE_EVENTS, ROOT

IN_CI = bool(os.environ.get("CI"))
# The CLI as a subprocess, with `report html` and `browse` registered (idempotent once
# cli/main.py registers them itself).
RUNNER = (
    "import sys; from cli import html_commands, views_commands; from cli.main import app; "
    "html_commands.register(views_commands.report_app, app); app(sys.argv[1:])"
)
URL_PATTERN = re.compile(r"https?://", re.IGNORECASE)


@pytest.fixture(autouse=True, scope="module")
def registered() -> None:
    from cli import html_commands, views_commands
    from cli.main import app

    html_commands.register(views_commands.report_app, app)


def invoke(db: str, *args: str) -> Any:
    from cli.main import app

    return CliRunner().invoke(app, ["--db", db, "--as", "tester", *args])


def example_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines() if line]


def timeline_order(incident: str) -> list[str]:
    """The incident's report ids by stated time (earliest instant), then log position; reports
    with no stated time last."""
    from ledger.timeutil import earliest_instant

    lines = [
        (position, line)
        for position, line in enumerate(example_lines())
        if line.get("incident") == incident and line["type"] != "incident"  # no actor lines
    ]

    def key(item: tuple[int, dict[str, Any]]) -> tuple[bool, str, int]:
        position, line = item
        stated = line.get("stated_at")
        return (stated is None, earliest_instant(stated) if stated else "", position)

    return [line["report"] for _, line in sorted(lines, key=key)]


def names_in(incident: str) -> tuple[set[str], set[str]]:
    """(actors, outlets) the example's lines name for one incident."""
    actors: set[str] = set()
    outlets: set[str] = set()
    for line in example_lines():
        if line.get("incident") != incident:  # an actor line belongs to no incident
            continue
        for key in ("by", "speaker", "on_behalf_of", "addressee"):
            if line.get(key):
                actors.add(line[key])
        for key in ("against", "targets"):
            actors.update(line.get(key) or ())
        sources = list(line.get("sources") or ())
        for variant in line.get("variants") or ():
            sources.extend(variant.get("sources") or ())
        outlets.update(source["outlet"] for source in sources)
    return actors, outlets


def parse_strict(page: str) -> Any:
    """Parse with html5lib in strict mode: any parse error raises."""
    import html5lib

    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(page)


def element_by_id(tree: Any, element_id: str) -> Any:
    for element in tree.iter():
        if element.get("id") == element_id:
            return element
    raise AssertionError(f"no element with id {element_id!r}")


def text_of(element: Any) -> str:
    return " ".join(" ".join(element.itertext()).split())


def local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def assert_only_link_urls(page: str, allowed: set[str]) -> None:
    """Every http(s):// in the page is the value of an href, and one of the report URLs."""
    import html

    for match in URL_PATTERN.finditer(page):
        start = match.start()
        assert page[max(0, start - 6) : start] == 'href="', page[max(0, start - 80) : start + 80]
        end = page.index('"', start)
        assert html.unescape(page[start:end]) in allowed, page[start:end]


# -- (1) the worked example's page -------------------------------------------------------------


def test_worked_example_page(db_url: str, run_cli: Any, tmp_path: Path) -> None:
    assert run_cli("import", str(EXAMPLE)).exit_code == 0
    out = tmp_path / "report.html"
    result = run_cli("report", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert re.search(r"in \d+\.\d\d s", result.output), result.output
    page = out.read_text(encoding="utf-8")
    tree = parse_strict(page)
    assert_only_link_urls(page, allowed=set())  # the example's sources carry no URL

    for incident in ("deir-ez-zor-airstrike-2017-09-16", "deir-ez-zor-shelling-2017-09"):
        section = element_by_id(tree, f"incident-{incident}")
        text = text_of(section)
        expected = timeline_order(incident)
        actors, outlets = names_in(incident)
        for name in [*expected, *actors, *outlets]:
            assert name in text, f"{name!r} missing from the section of {incident}"
        drawn = [
            e.get("data-report")
            for e in element_by_id(tree, f"timeline-{incident}").iter()
            if local(e.tag) == "g" and e.get("class") == "tl-entry"
        ]
        assert drawn == expected
        listed = [e.get("data-report") for e in section.iter() if local(e.tag) == "li"]
        assert listed == expected

    shelling = element_by_id(tree, "report-mod-shelling")
    statuses = [
        text_of(row.findall("td")[-1])
        for table in shelling.iter("table")
        if "history" in (table.get("class") or "")
        for row in table.iter("tr")
        if row.findall("td")
    ]
    assert statuses[:2] == ["unverified", "disputed"]
    graph = element_by_id(tree, "graph-mod-shelling")
    assert any(local(e.tag) == "svg" for e in graph.iter())
    graph_text = text_of(graph)
    for hop in ("Maj Gen Igor Konashenkov", "Associated Press", "Firstpost", "denies"):
        assert hop in graph_text
    overview = text_of(element_by_id(tree, "overview"))
    assert "disputed" in overview and "Syrian Democratic Forces" in overview
    verification = [e for e in tree.iter() if "verification" in (e.get("class") or "")]
    assert verification and verification[0].get("data-verified") == "true"
    assert f"{EXAMPLE_EVENTS} event(s) in 2 incident(s)" in text_of(verification[0])
    # Check the page does not vouch for the views it reads: the log's check does not cover them.
    assert "does not re-derive: ledger verify --views" in text_of(verification[0])


def test_filters_seal_and_stdout(sqlite_url: str) -> None:
    assert invoke(sqlite_url, "import", str(EXAMPLE)).exit_code == 0
    sealed = invoke(sqlite_url, "seal")
    root = re.search(r"root ([0-9a-f]{64})", sealed.output)
    assert root, sealed.output
    result = invoke(
        sqlite_url,
        "report",
        "html",
        "-i",
        "deir-ez-zor-shelling-2017-09",
        "--status",
        "disputed",
        "-o",
        "-",
    )
    assert result.exit_code == 0, result.output
    page = result.stdout
    tree = parse_strict(page)
    assert "incident-deir-ez-zor-shelling-2017-09" in page
    assert "incident-deir-ez-zor-airstrike-2017-09-16" not in page
    verified = next(e for e in tree.iter() if e.get("data-verified"))
    assert verified.get("data-verified") == "true"
    assert root.group(1) in text_of(verified) and f"size {EXAMPLE_EVENTS}" in text_of(verified)

    missing = invoke(sqlite_url, "report", "html", "-i", "no-such-incident", "-o", "-")
    assert missing.exit_code == 1
    assert missing.output.strip().count("\n") == 0 and "no-such-incident" in missing.output
    bad = invoke(sqlite_url, "report", "html", "--status", "bogus", "-o", "-")
    assert bad.exit_code == 2 and "--status" in bad.output
    nowhere = invoke(sqlite_url, "report", "html", "-o", "/no/such/dir/r.html")
    assert nowhere.exit_code == 2 and "--output" in nowhere.output


HOSTILE = [
    {
        "type": "incident",
        "incident": "hostile-1",
        "title": '<script>alert("title")</script> & "quotes"',
        "description": "</svg></figure><script>alert(2)</script>",
    },
    {
        "type": "claim",
        "incident": "hostile-1",
        "report": "hostile-claim",
        "by": 'Evil & "Co" <b>bold</b>',
        "speaker": "<img src=x onerror=alert(3)>",
        "summary": "]]></text><script>alert(4)</script>\nsecond line",
        "stated_at": "2020-02",
        "sources": [
            {"outlet": "Speaker's office", "kind": "statement"},
            {
                "outlet": "Example Times",
                "kind": "web",
                "url": "https://example.org/story?a=1&b=<2>",
                "quote_mode": "direct",
            },
        ],
    },
    {"type": "incident", "incident": "hostile-2", "title": "Elsewhere"},
    {
        "type": "denial",
        "incident": "hostile-2",
        "report": "hostile-denial",
        "by": "Other side",
        "refers_to": ["hostile-claim"],
        "summary": "Not so",
        "stated_at": "2020-03-01",
        "sources": [
            {"outlet": "Other side", "kind": "statement"},
            {"outlet": "Wire <x>", "kind": "wire", "url": "http://wire.example/item"},
        ],
    },
]


def test_everything_user_supplied_is_escaped(sqlite_url: str, tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in HOSTILE) + "\n", encoding="utf-8")
    imported = invoke(sqlite_url, "import", str(source))
    assert imported.exit_code == 0, imported.output
    result = invoke(sqlite_url, "report", "html", "-i", "hostile-1", "-o", "-")
    assert result.exit_code == 0, result.output
    page = result.stdout
    tree = parse_strict(page)
    assert "alert(" not in "".join(e.text or "" for e in tree.iter() if local(e.tag) == "script")
    assert sum(1 for e in tree.iter() if local(e.tag) == "script") == 1
    assert not any(local(e.tag) in ("img", "b") for e in tree.iter())
    assert_only_link_urls(
        page, allowed={"https://example.org/story?a=1&b=<2>", "http://wire.example/item"}
    )
    hrefs = {e.get("href") for e in tree.iter() if local(e.tag) == "a"}
    assert "https://example.org/story?a=1&b=<2>" in hrefs  # the outlet is a link
    text = text_of(element_by_id(tree, "incident-hostile-1"))
    assert 'Evil & "Co" <b>bold</b>' in text
    assert "hostile-denial" in text and "(in hostile-2)" in text  # a referrer from elsewhere
    claim = element_by_id(tree, "report-hostile-claim")
    assert "disputed" in text_of(claim)


# -- (2) headless Chromium -----------------------------------------------------------------------


def chromium_path() -> str:
    for candidate in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(candidate)
        if found:
            return found
    reason = "Chromium is not installed (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"{reason}: CI must run the browser test")
    pytest.skip(reason)


class DevTools:
    """A minimal Chrome DevTools Protocol client over one page target."""

    def __init__(self, url: str) -> None:
        import websocket

        self.socket = websocket.create_connection(url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise AssertionError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(json.loads(self.socket.recv()))
        raise AssertionError(f"no {method} within {timeout} s")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        self.socket.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    executable = chromium_path()
    if IN_CI:
        import websocket  # noqa: F401 - fails loudly in CI when the test extra lacks it
    else:
        pytest.importorskip("websocket", reason="websocket-client is not installed")
    profile = tmp_path / "profile"
    process = subprocess.Popen(
        [
            executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--remote-debugging-address=127.0.0.1",
            "--remote-debugging-port=0",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = None
    try:
        client = DevTools(_page_socket(profile / "DevToolsActivePort"))
        yield client
    finally:
        if client is not None:
            client.close()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _page_socket(port_file: Path) -> str:
    deadline = time.monotonic() + 30
    while not (port_file.exists() and port_file.read_text().strip()):
        if time.monotonic() > deadline:
            raise AssertionError("Chromium did not open its DevTools port")
        time.sleep(0.1)
    port = int(port_file.read_text().splitlines()[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
        targets = json.load(response)
    page = next(t for t in targets if t.get("type") == "page")
    return str(page["webSocketDebuggerUrl"])


SIZES = """JSON.stringify(Array.from(document.querySelectorAll(
  "figure.timeline > svg, figure.graph > svg")).map(function (svg) {
    var box = svg.getBoundingClientRect();
    var marks = Array.from(svg.querySelectorAll("g.tl-entry, g.node, g.assertion-node"))
      .map(function (g) { var b = g.getBBox(); return b.width * b.height; });
    return {figure: svg.parentNode.id, width: box.width, height: box.height, marks: marks};
}))"""
OVERVIEW_ORDER = """Array.from(document.querySelectorAll("#overview-table tbody tr"))
  .map(function (row) { return row.getAttribute("data-incident"); })"""


def test_chromium_draws_the_page_offline(sqlite_url: str, browser: DevTools, tmp_path: Path):
    assert invoke(sqlite_url, "import", str(EXAMPLE)).exit_code == 0
    out = tmp_path / "report.html"
    assert invoke(sqlite_url, "report", "html", "-o", str(out)).exit_code == 0
    page_url = out.resolve().as_uri()

    for domain in ("Network", "Page", "Log", "Runtime"):
        browser.call(f"{domain}.enable")
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=1280,
        height=900,
        deviceScaleFactor=1,
        mobile=False,
    )
    browser.call("Emulation.setScriptExecutionDisabled", value=True)  # must render without JS
    browser.call("Page.navigate", url=page_url)
    browser.wait_for("Page.loadEventFired")

    figures = json.loads(browser.evaluate(SIZES))
    ids = {f["figure"] for f in figures}
    assert "timeline-deir-ez-zor-shelling-2017-09" in ids
    assert "graph-mod-shelling" in ids and "graph-sdf-airstrike-claim" in ids
    for figure in figures:
        assert figure["width"] > 100 and figure["height"] > 50, figure
        assert figure["marks"] and all(area > 0 for area in figure["marks"]), figure
    timeline_rows = browser.evaluate(
        'document.querySelectorAll("#timeline-deir-ez-zor-shelling-2017-09 g.tl-entry").length'
    )
    assert timeline_rows == len(timeline_order("deir-ez-zor-shelling-2017-09"))
    shot = browser.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
    png = tmp_path / "report.png"
    png.write_bytes(base64.b64decode(shot["data"]))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

    # With JavaScript on, the overview sorts by a clicked column (and the CSP lets it run).
    browser.call("Emulation.setScriptExecutionDisabled", value=False)
    browser.call("Page.reload")
    browser.wait_for("Page.loadEventFired")
    click = (
        'Array.from(document.querySelectorAll("#overview-table th button"))'
        '.find(function (b) { return b.textContent === "Assertions"; }).click()'
    )
    browser.evaluate(click)
    ascending = browser.evaluate(OVERVIEW_ORDER)
    browser.evaluate(click)
    descending = browser.evaluate(OVERVIEW_ORDER)
    assert ascending == ["deir-ez-zor-airstrike-2017-09-16", "deir-ez-zor-shelling-2017-09"]
    assert descending == list(reversed(ascending))

    requests = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests and all(url.startswith(("file:", "data:")) for url in requests), requests
    blocked = [
        e["params"]["entry"]["text"]
        for e in browser.events
        if e.get("method") == "Log.entryAdded"
        and "Content Security Policy" in e["params"]["entry"].get("text", "")
    ]
    assert blocked == []


# -- (4) read-only SQLite, and PostgreSQL ---------------------------------------------------


def snapshot(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


def test_report_from_a_read_only_sqlite_file(sqlite_url: str) -> None:
    assert invoke(sqlite_url, "import", str(EXAMPLE)).exit_code == 0
    directory = Path(tempfile.mkdtemp(prefix="ledger-ro-"))  # under /tmp, reachable by nobody
    try:
        copy = directory / "ledger.db"
        with sqlite3.connect(sqlite_url) as source, sqlite3.connect(copy) as target:
            source.backup(target)  # a consistent copy, still in WAL mode, no -wal or -shm
        copy.chmod(0o444)
        directory.chmod(0o555)
        before = snapshot(directory)
        command = [sys.executable, "-c", RUNNER, "--db", str(copy), "report", "html", "-o", "-"]
        as_nobody = os.geteuid() == 0 and shutil.which("setpriv")
        if as_nobody:  # root ignores file modes: run as an unprivileged user instead
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        result = subprocess.run(
            command,
            cwd="/",
            env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        parse_strict(result.stdout)
        for report in timeline_order("deir-ez-zor-shelling-2017-09"):
            assert report in result.stdout
        assert 'data-verified="true"' in result.stdout
        assert snapshot(directory) == before  # nothing written, not even -wal or -shm
    finally:
        directory.chmod(stat.S_IRWXU)
        shutil.rmtree(directory)


@pytest.mark.postgres
def test_report_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    assert invoke(pg_url, "import", str(EXAMPLE)).exit_code == 0
    out = tmp_path / "report.html"
    result = invoke(pg_url, "report", "html", "--status", "disputed", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    parse_strict(page)
    assert 'data-verified="true"' in page
    for report in ("mod-shelling", "sdf-airstrike-claim", "sdf-shelling-denial"):
        assert report in page
    browse = invoke(pg_url, "browse")
    assert browse.exit_code == 1 and "PostgreSQL" in browse.output
