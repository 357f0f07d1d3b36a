"""The pages: the drawings, the verification summary and the Jinja2 templates, rendered into one
self-contained HTML page (`render`) or a static site of an index and a page per incident
(`site_pages`, streamed page by page).

The template (templates/report.html.j2), style and script (static/) are package files. Style and
script are inlined, so the page is one file that needs no network, and a Content-Security-Policy
lets only those two run, by their hashes. Everything renders without JavaScript; the script only
makes the overview table sortable and shows the index's filter (without it the full table is
there).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from projections.html.model import IncidentView, Progress, ReportData
from projections.html.provenance_graph import provenance_svg
from projections.html.svg import defs_svg, legend_html, palette_css, safe_url
from projections.html.timeline import timeline_svg
from projections.queries import STATUSES


@cache
def _static(name: str) -> str:
    """A file of static/, as the page inlines it."""
    return files("projections.html").joinpath("static", name).read_text(encoding="utf-8")


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(Environment):
    """Jinja2's environment, reading `row.column` from a plain dict without the failed
    attribute lookup (an AttributeError raised and caught) that Jinja tries first: the
    templates read the projection rows this way thousands of times per page. Same answers:
    a name dict itself has (items, get ...) still goes to Jinja's own lookup."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            if attribute not in _DICT_ATTRIBUTES and attribute in obj:
                return obj[attribute]
        else:  # Jinja's first try, without a call through super() for every dataclass field
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass
        return super().getattr(obj, attribute)


@cache
def _environment() -> Environment:
    environment = _Environment(
        loader=PackageLoader("projections.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )
    # Filters, not functions in the context: Jinja calls a filter directly, a function through
    # Context.call (~10 us of checks a call), and `when` runs twice on every history row.
    environment.filters.update(when=_when, json_list=_json_list, safe_url=safe_url)
    return environment


def _json_list(text: str | None) -> Any:
    return json.loads(text or "[]")


def _csp_hash(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _verification_html(data: ReportData) -> Markup:
    result = data.verification
    summary = f"{result.events} event(s) in {result.incidents} incident(s), {result.seals} seal(s)"
    seal = data.last_seal
    if seal is None:
        seal_text = Markup("No seal recorded yet (<code>ledger seal</code> records one).")
    else:
        seal_text = Markup(
            "Last seal #{}: root <code>{}</code>, size {} (up to log position {}), sealed {} by {}."
        ).format(seal.version, seal.root, seal.size, seal.position, seal.sealed_at, seal.sealed_by)
    if result.ok:
        return Markup(
            '<p class="verification ok" data-verified="true">'
            "<strong>Hash chains verified</strong>: {}. {} The tables on this page are read"
            " from the views, which this check does not re-derive: <code>ledger verify"
            " --views</code> compares them with the log.</p>"
        ).format(summary, seal_text)
    problems = Markup("").join(
        Markup("<li>position {}: {}</li>").format(f.position, f.problem)
        for f in result.findings[:50]
    )
    return Markup(
        '<p class="verification bad" data-verified="false"><strong>Integrity check FAILED</strong>:'
        " {} problem(s) in {}. {}</p><ul>{}</ul>"
    ).format(len(result.findings), summary, seal_text, problems)


def page_name(slug: str) -> str:
    """The incident page's file name: the slug when it is plainly safe (lower-case letters,
    digits, '.', '_', '-', not starting with '.'), else a safe rendering of it plus a hash of
    the slug, so two slugs never share a file, also on a case-insensitive file system."""
    if _SAFE_NAME.fullmatch(slug) and len(slug) <= 120:
        return f"{slug}.html"
    readable = re.sub(r"[^a-z0-9_-]+", "-", slug.lower()).strip("-")[:80] or "incident"
    digest = hashlib.sha256(slug.encode("utf-8")).hexdigest()[:12]
    return f"{readable}-{digest}.html"


_SAFE_NAME = re.compile(r"[a-z0-9_-][a-z0-9._-]*")


@dataclass
class _Page:
    """What every page of one report shares."""

    data: ReportData
    slugs: set[str]
    on_progress: Progress | None
    drawn: int = 0

    def context(self, href: Callable[[str], str]) -> dict[str, Any]:
        css, script = _static("report.css") + palette_css(), _static("report.js")
        csp = (
            f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
            "img-src data:; base-uri 'none'; form-action 'none'"
        )
        rank = {s: i for i, s in enumerate(STATUSES)}
        return {
            "data": self.data,
            "csp": csp,
            "css": Markup(css),
            "script": Markup(script),
            "verification": _verification_html(self.data),
            "legend": legend_html(),
            "defs": defs_svg(),
            "slugs": self.slugs,
            "statuses": STATUSES,
            "status_rank": lambda status: rank.get(status, len(rank)),
            "href": href,
            "timeline": self.timeline,
            "graph": provenance_svg,
        }

    def timeline(self, view: IncidentView) -> Markup:
        drawing = timeline_svg(view)
        self.drawn += 1
        if self.on_progress is not None:
            self.on_progress(self.drawn, len(self.slugs))
        return drawing


def _when(value: object) -> Markup:
    """A time for a table cell: it may wrap between date and time, never inside either (a
    cell wrapping at every hyphen reads 2019- / 07- / 22)."""
    if not value:
        return Markup("—")
    # f-strings over escaped parts: Markup.format costs ~5x, on every row of every history.
    day, sep, rest = str(escape(value)).partition("T")
    if not sep:
        return Markup(f'<span class="nw">{day}</span>')
    return Markup(f'<span class="nw">{day}</span><wbr><span class="nw">T{rest}</span>')


# Above this many incidents (or FULL_REPORTS reports) one page is a digest: the timelines and
# statuses, without a provenance graph, evidence and history per assertion, which would make
# 200 incidents of 20 reports a page of ~14 MB. The site (-o DIR/) has them all at any size.
FULL_INCIDENTS, FULL_REPORTS = 50, 1_000


def is_full(data: ReportData) -> bool:
    """Whether one page shows everything (a small selection) or is a digest."""
    reports = sum(len(view.entries) for view in data.incidents)
    return len(data.incidents) <= FULL_INCIDENTS and reports <= FULL_REPORTS


def render(data: ReportData, on_progress: Progress | None = None) -> str:
    """The page, as one string of HTML; `on_progress` hears (incidents drawn, incidents)."""
    page = _Page(data, {inc.slug for inc in data.incidents}, on_progress)
    template = _environment().get_template("report.html.j2")
    context = page.context(lambda slug: f"#incident-{slug}")
    return template.render(context, full=is_full(data), full_limit=FULL_INCIDENTS)


def site_pages(
    data: ReportData, views: Iterable[IncidentView], on_progress: Progress | None = None
) -> Iterator[tuple[str, str]]:
    """The static site, one (relative path, HTML) at a time: each incident's page as its view
    arrives (so memory holds one page), then index.html, last, so that an index never links to
    a page not yet written."""
    page = _Page(data, {inc.slug for inc in data.incidents}, on_progress)
    template = _environment().get_template("incident_page.html.j2")
    context = page.context(page_name)  # pages sit side by side in incidents/
    for view in views:
        yield f"incidents/{page_name(view.slug)}", template.render(context, inc=view, full=True)
    index = _environment().get_template("index.html.j2")
    yield "index.html", index.render(page.context(lambda slug: f"incidents/{page_name(slug)}"))
