"""`ledger audit`, `ledger diff` and `ledger export`: replaying history for people and tools."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any, Optional

import typer

from cli import terminal
from cli.context import guarded, open_ledger, usage_error
from cli.output import RecordFormat, emit_json, print_table
from cli.read_commands import AsOf, AtPosition, RecordFormatOption, ReportedBy, make_cut
from cli.terminal import PagerOption, WideOption

STEP_COLUMNS = (
    "position",
    "report",
    "type",
    "by",
    "stated_at",
    "recorded_at",
    "recorded_by",
    "status_after",
)
PROVENANCE_COLUMNS = ("hop", "agent", "role", "kind", "quote_mode", "published_at", "url")


@guarded
def audit_command(
    report: Annotated[str, typer.Argument(help="The report (usually a claim) to audit.")],
    fmt: RecordFormatOption = RecordFormat.table,
    reported_by: ReportedBy = None,
    as_of: AsOf = None,
    at_position: AtPosition = None,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """The life of a report, replayed from the log: every event that touched it, the status after
    each, its provenance chain, and whether its incident's hash chain verifies.

    Example:

        ledger audit mod-shelling --reported-by 2017-09-20
    """
    from ledger.audit import audit

    cut = make_cut(reported_by, as_of, at_position)
    result = audit(open_ledger(), report, cut=cut)
    if fmt is RecordFormat.json:
        emit_json(result.as_dict())
        return
    screen = terminal.use(wide=wide, pager=pager)
    print_table(
        result.steps, STEP_COLUMNS, title=f"{result.type} {result.report} in {result.incident}"
    )
    if result.provenance:
        print_table(result.provenance, PROVENANCE_COLUMNS, title="provenance")
    chain = result.chain
    verdict = "verified" if result.verified else f"BROKEN ({len(chain.findings)} problem(s))"
    screen.echo(f"status: {result.status or '-'}")
    screen.echo(f"hash chain of {result.incident}: {verdict}, {chain.events} event(s)")


def parse_cut(value: str, option: str) -> Any:
    """'#N' is a log position, '@TIME' what the ledger held then, 'DATE' what had been stated.

    A position needs its '#': a bare 2017 is a year, not position 2017.
    """
    if value.startswith("#"):
        if not value[1:].isdigit():
            raise usage_error(f"{option}: '{value}' is not '#' followed by a log position")
        return make_cut(None, None, int(value[1:]))
    if value.startswith("@"):
        return make_cut(None, value[1:], None)
    if not value:
        raise usage_error(f"{option} is empty")
    return make_cut(value, None, None)


@guarded
def diff_command(
    incident: Annotated[str, typer.Argument(help="The incident's slug.")],
    from_: Annotated[
        str,
        typer.Option(
            "--from", help="Earlier cut: #N (position), @TIME (recorded) or DATE (stated)."
        ),
    ],
    to: Annotated[
        Optional[str],  # noqa: UP045 - Typer needs a runtime type here
        typer.Option("--to", help="Later cut, same forms [default: now].", show_default=False),
    ] = None,
    fmt: RecordFormatOption = RecordFormat.table,
    wide: WideOption = False,
    pager: PagerOption = True,
) -> None:
    """What changed in an incident between two cuts: statuses, counts and new reports.

    Example:

        ledger diff deir-ez-zor-shelling-2017-09 --from 2017-09-20 --to '#12'
    """
    from cli.read_commands import incident_state

    ledger = open_ledger()
    before = incident_state(ledger, incident, parse_cut(from_, "--from"))
    after = incident_state(ledger, incident, parse_cut(to, "--to") if to else None)
    changes = _changes(incident, before, after)
    if fmt is RecordFormat.json:
        emit_json(changes)
        return
    terminal.use(wide=wide, pager=pager)
    print_table(changes["incident"], ("field", "before", "after"), title=f"{incident}")
    print_table(changes["assertions"], ("report", "field", "before", "after"), title="assertions")
    print_table(
        changes["new_reports"],
        ("position", "report", "type", "by", "stated_at"),
        title="new reports",
    )


def _changes(
    incident: str, before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    def row(views: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
        return next((r for r in views["incidents"] if r["incident"] == incident), {})

    watched = ("status", "assertions", "disputed", "reports", "last_stated_at", "version")
    old, new = row(before), row(after)
    incident_changes = [
        {"field": f, "before": old.get(f), "after": new.get(f)}
        for f in watched
        if old.get(f) != new.get(f)
    ]
    claim_fields = (
        "status",
        "denials",
        "corroborations",
        "discrepancies",
        "reliability",
        "credibility",
    )
    old_claims = {c["report"]: c for c in before["claims"] if c["incident"] == incident}
    assertion_changes = []
    for claim in after["claims"]:
        if claim["incident"] != incident:
            continue
        previous = old_claims.get(claim["report"])
        if previous is None:
            continue  # a new assertion: listed under new reports
        for f in claim_fields:
            if previous.get(f) != claim.get(f):
                assertion_changes.append(
                    {
                        "report": claim["report"],
                        "field": f,
                        "before": previous.get(f),
                        "after": claim.get(f),
                    }
                )
    seen = {r["report"] for r in before["timeline"]}
    new_reports = [
        {k: r.get(k) for k in ("position", "report", "type", "by", "stated_at")}
        for r in after["timeline"]
        if r["report"] not in seen
    ]
    return {
        "incident": incident_changes,
        "assertions": assertion_changes,
        "new_reports": new_reports,
    }


@guarded
def export_command(
    incident: Annotated[
        Optional[list[str]],  # noqa: UP045
        typer.Option(
            "--incident", "-i", help="Only this incident (repeatable).", show_default=False
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="jsonl (re-importable), events (with hashes), prov-json, prov-n."
        ),
    ] = "jsonl",
) -> None:
    """Export the log as JSON Lines: re-importable reports, or full events with their hashes.

    `--format jsonl` writes interchange lines (what was said, and by whom it was recorded), which
    `ledger import` accepts; `--format events` adds version, recorded_at, prev_hash and hash, so
    anyone can re-check the hash chain with any RFC 8785 implementation. `--format prov-json` and
    `prov-n` write a W3C PROV document: speakers acting on behalf of organisations, outlets'
    texts quoted from the statement, denials and corroborations as derivations, each ledger event
    a bundle attributed to its recorder.

    Example:

        ledger export --incident deir-ez-zor-shelling-2017-09 > shelling.jsonl
    """
    from ledger.integrity import SEALS_ID

    if fmt not in ("jsonl", "events", "prov-json", "prov-n"):
        raise usage_error("--format must be jsonl, events, prov-json or prov-n")
    ledger = open_ledger()
    wanted_incidents = sorted(set(incident or ()))
    missing = set(wanted_incidents) - ledger.recorder.existing_incidents(wanted_incidents)  # type: ignore[attr-defined]
    if missing:
        from ledger.errors import IncidentNotFound

        raise IncidentNotFound(sorted(missing)[0])
    if fmt.startswith("prov"):
        _export_prov(ledger, incident, fmt)
        return
    wanted = set(incident or ())
    out = sys.stdout
    for batch in ledger.iter_notifications(batch=5_000):
        for n in batch:
            if n.originator_id == SEALS_ID or (wanted and n.originator_id not in wanted):
                continue
            event = ledger.decode(n)
            content = event.content()
            if fmt == "jsonl":
                for key in ("version", "recorded_at", "prev_hash"):
                    content.pop(key)
                if content["type"] == "discrepancy":
                    # Versions before 0.x dropped a variant's null value when storing it; the
                    # line must import again, and the import wants the key.
                    content["variants"] = [{"value": None, **v} for v in content["variants"]]
            else:
                content["position"] = n.id
                content["hash"] = event.hash
                if getattr(event, "signature", None):
                    content["signature"] = event.signature
            out.write(json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n")


def _export_prov(ledger: Any, incidents: list[str] | None, fmt: str) -> None:
    from ledger.application import related_records, to_record
    from ledger.integrity import SEALS_ID
    from ledger.prov_export import build_document, serialize

    if incidents:
        chosen: dict[str, dict[str, Any]] = {}
        for slug in incidents:
            ledger.get_incident(slug)  # exit 1 for an unknown incident
            chosen.update({r["report"]: r for r in related_records(ledger, slug)})
        records = sorted(chosen.values(), key=lambda r: r["position"])
    else:
        records = [
            to_record(n.id, ledger.decode(n))
            for batch in ledger.iter_notifications(batch=5_000)
            for n in batch
            if n.originator_id != SEALS_ID
        ]
    sys.stdout.write(serialize(build_document(records), fmt))
    sys.stdout.write("\n")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit_command)
    app.command("diff")(diff_command)
    app.command("export")(export_command)
