"""The page: the drawings, the verification summary and the Jinja2 template, rendered into one
self-contained HTML string.

The template (templates/report.html.j2), style and script (static/) are package files. Style and
script are inlined, so the page is one file that needs no network, and a Content-Security-Policy
lets only those two run, by their hashes. Everything renders without JavaScript; the script only
makes the overview table sortable.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from projections.html.model import Progress, ReportData
from projections.html.provenance_graph import provenance_svg
from projections.html.svg import legend_svg, safe_url
from projections.html.timeline import timeline_svg
from projections.queries import STATUSES


@cache
def _static(name: str) -> str:
    """A file of static/, as the page inlines it."""
    return files("projections.html").joinpath("static", name).read_text(encoding="utf-8")


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("projections.html", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
    )


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


@dataclass
class _Drawings:
    timelines: dict[str, Markup] = field(default_factory=dict)  # by incident
    graphs: dict[str, Markup] = field(default_factory=dict)  # by assertion (ids are unique)


def _draw_all(data: ReportData, on_progress: Progress | None) -> _Drawings:
    drawings = _Drawings()
    for number, view in enumerate(data.incidents, start=1):
        drawings.timelines[view.slug] = timeline_svg(view, f"t{number}-")
        for index, assertion in enumerate(view.assertions, start=1):
            drawings.graphs[assertion.report] = provenance_svg(assertion, f"g{number}-{index}-")
        if on_progress is not None:
            on_progress(number, len(data.incidents))
    return drawings


def render(data: ReportData, on_progress: Progress | None = None) -> str:
    """The page, as one string of HTML; `on_progress` hears (incidents drawn, incidents)."""
    template = _environment().get_template("report.html.j2")
    css, script = _static("report.css"), _static("report.js")
    csp = (
        f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    rank = {s: i for i, s in enumerate(STATUSES)}
    drawings = _draw_all(data, on_progress)
    return template.render(
        data=data,
        csp=csp,
        css=Markup(css),
        script=Markup(script),
        verification=_verification_html(data),
        legend=legend_svg("lg-"),
        slugs={inc.slug for inc in data.incidents},
        status_rank=lambda status: rank.get(status, len(rank)),
        json_list=lambda text: json.loads(text or "[]"),
        safe_url=safe_url,
        drawings=drawings,
    )
