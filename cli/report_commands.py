"""Typed commands, one per report type: `ledger claim INCIDENT --by ... --summary ...`.

Their options mirror the JSON Lines keys in kebab case, because they are built from the same
validated models the importer uses: a typed command and the equivalent JSON line are accepted or
refused identically.

What a write needs (the append, its options and messages, the strict JSON reader) is imported
late, inside the command: `ledger --help` and `ledger claim --help` build these commands and
import none of it (tests/e2e/test_startup.py).
"""

import inspect
from collections.abc import Callable
from enum import Enum, StrEnum
from typing import Annotated, Any, Optional

import typer

from cli.context import guarded, settings, usage_error
from ledger.errors import InvalidLine
from ledger.report_fields import DECLARED, MAGNITUDE_FLAGS, MAGNITUDE_PARTS

# command name, report type, one-line help, example
COMMANDS: list[tuple[str, str, str, str]] = [
    (
        "open",
        "incident",
        "Open an incident: the disputed happening that reports are about.",
        'ledger open deir-ez-zor-shelling-2017-09 --title "Shelling near Deir el-Zour" '
        '--category "shelling/artillery/missile attack" --occurred-to 2017-09-21',
    ),
    (
        "claim",
        "claim",
        "Record a claim: a party says something happened.",
        "ledger claim deir-ez-zor-shelling-2017-09 --report mod-shelling "
        '--by "Russian Ministry of Defence" --against "US special forces" '
        '--summary "Syrian forces came under fire from the eastern bank" --stated-at 2017-09-21',
    ),
    (
        "warn",
        "warning",
        "Record a warning: a party threatens what it will do, and on what condition.",
        'ledger warn deir-ez-zor-shelling-2017-09 --by "Russian Ministry of Defence" '
        '--addressee "US military command" --summary "Fire will be met with retaliation"',
    ),
    (
        "deny",
        "denial",
        "Record a denial of earlier reports.",
        'ledger deny deir-ez-zor-shelling-2017-09 --by "Syrian Democratic Forces" '
        '--refers-to mod-shelling --summary "7 km of IS-held territory separates us"',
    ),
    (
        "corroborate",
        "corroboration",
        "Record a corroboration of an assertion.",
        'ledger corroborate INCIDENT --by "Monitor group" --refers-to mod-shelling '
        '--independent --summary "Our observers saw the shelling"',
    ),
    (
        "discrepancy",
        "discrepancy",
        "Record that sources disagree on a detail of a report.",
        "ledger discrepancy INCIDENT --refers-to mod-shelling --field location_qualifier "
        '--variant "western bank <= EIR" --variant "eastern bank <= Rudaw, Anadolu Agency"',
    ),
    (
        "assess",
        "assessment",
        "Grade an assertion with the Admiralty code (reliability A-F, credibility 1-6).",
        "ledger assess INCIDENT --refers-to mod-shelling --reliability D --credibility 3 "
        '--rationale "Single-source ministry statement"',
    ),
    (
        "verdict",
        "verdict",
        "Record an analyst's verdict on an assertion.",
        "ledger verdict INCIDENT --refers-to mod-shelling --status unverifiable "
        '--reason "No independent access to the area"',
    ),
    (
        "retract",
        "retraction",
        "Record that a party withdrew what it said.",
        'ledger retract INCIDENT --refers-to mod-shelling --by "Russian Ministry of Defence"',
    ),
    (
        "correct",
        "correction",
        "Correct a ledger entry (a new event: history keeps both).",
        'ledger correct INCIDENT --refers-to mod-shelling --reason "Typo in the speaker" '
        '--change speaker="Maj Gen Igor Konashenkov"   (or --void)',
    ),
    (
        "outcome",
        "outcome",
        "Record the outcome of a warning: carried out, not carried out, withdrawn...",
        "ledger outcome deir-ez-zor-shelling-2017-09 --refers-to mod-warning "
        '--outcome carried_out --by "Russian Ministry of Defence" --reason "Strikes on 22 Sept"',
    ),
    (
        # Not `evidence`: `ledger evidence REPORT -o FILE` gets a stored file back (issue 20).
        "cite",
        "evidence",
        "Record a piece of evidence (as data: where it is and its hash) and what it bears on.",
        "ledger cite deir-ez-zor-shelling-2017-09 --kind video --url https://example.org/v.mp4 "
        "--sha256 <64 hex> --supports mod-shelling",
    ),
    (
        "link",
        "link",
        "Link an incident to another one.",
        "ledger link deir-ez-zor-shelling-2017-09 --other deir-ez-zor-airstrike-2017-09-16 "
        "--relation context_for",
    ),
]

# The line's identity and bookkeeping: the incident is the command's argument, the type is the
# command, the recorder is the global --recorded-by.


def _choices(name: str, values: tuple[str, ...]) -> Any:
    """An Enum of a field's declared values: Typer lists an Enum's values in --help and
    refuses any other as a usage error."""
    return StrEnum(name.title().replace("_", ""), [(v, v) for v in values])


_SKIP = {"type", "incident", "recorded_by"}
# What the typed command's option parses, per kind of field (ledger/report_fields.py): lists
# and a correction's changes are repeated options, a flag is a switch.
_REPEATED = {"names", "refers_to", "report_ids", "sources", "variants", "changes"}
_SWITCH = {"flag", "true"}
_NUMBER = {"integer": int, "number": float}


def _parameters(report_type: str) -> list[inspect.Parameter]:
    # From the declared fields, not the pydantic models: see ledger/report_fields.py.
    params = [
        inspect.Parameter(
            "incident",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[
                str, typer.Argument(help="The incident's slug.", show_default=False)
            ],
        )
    ]
    for field in DECLARED[report_type]:
        if field.name in _SKIP:
            continue
        if field.kind == "magnitude":
            for part in MAGNITUDE_PARTS:
                params.append(
                    inspect.Parameter(
                        part,
                        inspect.Parameter.KEYWORD_ONLY,
                        default=None,
                        annotation=Annotated[
                            Optional[int],  # noqa: UP045 - Typer needs a runtime type here
                            typer.Option(
                                f"--{part}", help=f"Magnitude: {part}.", show_default=False
                            ),
                        ],
                    )
                )
            for flag in MAGNITUDE_FLAGS:
                params.append(
                    inspect.Parameter(
                        flag,
                        inspect.Parameter.KEYWORD_ONLY,
                        default=False,
                        annotation=Annotated[
                            bool,
                            typer.Option(
                                f"--{flag}", help=f"Magnitude: the figures are of {flag}."
                            ),
                        ],
                    )
                )
            continue
        help_text = field.help_text + (" [required]" if field.required else "")
        if field.kind in _REPEATED:
            annotation: Any = Optional[list[str]]  # noqa: UP045
        elif field.kind in _SWITCH:
            annotation = bool
        elif field.kind == "choice":
            annotation = Optional[_choices(field.name, field.choices)]  # noqa: UP045
        else:
            annotation = Optional[_NUMBER.get(field.kind, str)]  # noqa: UP045
        default: Any = False if field.kind in _SWITCH else None
        params.append(
            inspect.Parameter(
                field.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=default,
                annotation=Annotated[
                    annotation,
                    typer.Option(field.option_name, help=help_text, show_default=False),
                ],
            )
        )
    params.append(
        inspect.Parameter(
            "no_project",
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[
                bool,
                typer.Option("--no-project", help="Skip bringing the projections up to date."),
            ],
        )
    )
    return params


def _loads(text: str, option: str) -> Any:
    """Strict JSON (as on an imported line); nesting past Python's recursion limit is bad input
    of the option, not a crash."""
    from ledger.interchange import loads_strict

    try:
        return loads_strict(text)
    except RecursionError:
        raise usage_error(f"{option} is nested too deeply") from None


def parse_source(text: str) -> dict[str, Any]:
    """'TASS; kind=wire; url=https://...' (or a JSON object) -> a source hop."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = _loads(text, "--source")
        except ValueError as e:
            raise usage_error(f"--source is not valid JSON: {e}") from None
        return value if isinstance(value, dict) else {"outlet": value}
    outlet, *pairs = [part.strip() for part in text.split(";")]
    hop: dict[str, Any] = {"outlet": outlet}
    for pair in pairs:
        if not pair:
            continue
        key, sep, value = pair.partition("=")
        if not sep:
            raise usage_error(f"--source part '{pair}' is not KEY=VALUE")
        key = key.strip()
        # A repeated key is refused, as in a JSON line: keeping either value silently would
        # record something the user did not mean.
        if key in hop:
            raise usage_error(f"--source gives '{key}' twice")
        value = value.strip()
        # A hop's `via` is the index of an earlier hop: a number, as in a JSON line.
        hop[key] = int(value) if key == "via" and value.isascii() and value.isdigit() else value
    return hop


def parse_variant(text: str) -> dict[str, Any]:
    """'western bank <= EIR, Rudaw' (or a JSON object) -> a discrepancy variant."""
    if text.strip().startswith("{"):
        try:
            value = _loads(text, "--variant")
        except ValueError as e:
            raise usage_error(f"--variant is not valid JSON: {e}") from None
        return value if isinstance(value, dict) else {"value": value}
    value, sep, outlets = text.partition("<=")
    if not sep:
        raise usage_error(f"--variant '{text}' is not 'VALUE <= OUTLET, OUTLET'")
    return {
        "value": value.strip(),
        "sources": [{"outlet": o.strip()} for o in outlets.split(",") if o.strip()],
    }


def parse_change(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise usage_error(f"--change '{text}' is not FIELD=VALUE")
    try:
        value = _loads(raw, "--change")
    except ValueError:
        value = raw
    return key.strip().replace("-", "_"), value


def parse_changes(texts: list[str]) -> dict[str, Any]:
    """Every --change FIELD=VALUE as one object; a field given twice is refused."""
    changes: dict[str, Any] = {}
    for text in texts:
        key, value = parse_change(text)
        if key in changes:
            raise usage_error(f"--change gives '{key}' twice")
        changes[key] = value
    return changes


def line_from_options(report_type: str, options: dict[str, Any]) -> dict[str, Any]:
    """The JSON line a typed command stands for."""
    line: dict[str, Any] = {"type": report_type}
    magnitude = {k: options.pop(k) for k in (*MAGNITUDE_PARTS, *MAGNITUDE_FLAGS) if k in options}
    magnitude = {k: v for k, v in magnitude.items() if v is not False}
    if any(v is not None for v in magnitude.values()):
        line["magnitude"] = {k: v for k, v in magnitude.items() if v is not None}
    for name, value in options.items():
        if value is None or value is False or value == []:
            continue
        if isinstance(value, Enum):
            value = value.value  # a FIELD_CHOICES word, as the JSON line would hold it
        if name == "sources":
            value = [parse_source(v) for v in value]
        elif name == "variants":
            value = [parse_variant(v) for v in value]
        elif name == "changes":
            value = parse_changes(value)
        line[name] = value
    return line


def _make_command(report_type: str, summary: str, example: str) -> Callable[..., None]:
    def command(**options: Any) -> None:
        from cli.writing import option_error, report_appended, write_options
        from ledger.importing import append_report

        no_project = options.pop("no_project")
        line = line_from_options(report_type, options)
        try:
            result = append_report(settings().store, line, **write_options(project=not no_project))
        except InvalidLine as e:
            raise option_error(e) from None
        report_appended(result, line)

    command.__signature__ = inspect.Signature(_parameters(report_type))  # type: ignore[attr-defined]
    command.__doc__ = f"{summary}\n\nExample:\n\n    {example}"
    command.__name__ = f"{report_type}_command"
    return guarded(command)


def register(app: typer.Typer) -> None:
    for name, report_type, summary, example in COMMANDS:
        app.command(name, help=f"{summary}\n\nExample:\n\n    {example}")(
            _make_command(report_type, summary, example)
        )
