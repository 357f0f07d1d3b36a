"""The actor registry's cost (issue 19): `python -m tests.benchmarks.registry [--runs N]`.

One dataset, written twice: with a registry of 1,000 actors (50 states of 19 bodies each, every
one `part_of` its state, each with two aliases) at its top, and without those lines. The
reports are the same in both files, their names drawn from the registered canonical names and
aliases. Printed: projected import and `project --rebuild` with the registry beside the same
without it (target ≥ 0.9×), and the wall time of registering one alias that 1,000 incidents
name (whole `ledger actor` process: append, then the incremental re-derivation of those
incidents; target ≤ 2 s) beside a full rebuild of the same ledger.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from tests.benchmarks.data import write_dataset
from tests.benchmarks.run import LEDGER, _env, fresh_sqlite, timed

STATES = 50
BODIES = 19  # per state: 50 x (1 + 19) = 1,000 actors
# The actor the alias is registered for, and the name 1,000 incidents use before it is an alias.
TARGET = "Bench Target Command"
TARGET_ALIAS = "BTC Press Office"


def registry_lines() -> list[dict[str, object]]:
    """1,000 `actor` lines: each state first, then its bodies `part_of` it."""
    lines: list[dict[str, object]] = []
    for s in range(STATES):
        state = f"State {s:02d}"
        lines.append(
            {"type": "actor", "actor": state, "aliases": [f"S{s:02d}", f"{state} government"]}
        )
        for b in range(1, BODIES + 1):
            body = f"{state} Body {b:02d}"
            lines.append(
                {
                    "type": "actor",
                    "actor": body,
                    "aliases": [f"S{s:02d}B{b:02d}", f"{body} spokesperson"],
                    "part_of": state,
                }
            )
    lines[-1] = {"type": "actor", "actor": TARGET, "part_of": f"State {STATES - 1:02d}"}
    return lines


def names_used(lines: list[dict[str, object]]) -> list[str]:
    """Every registered spelling (canonical and aliases): what the reports name."""
    found: list[str] = []
    for line in lines:
        found.append(str(line["actor"]))
        found.extend(str(a) for a in line.get("aliases", ()))  # type: ignore[attr-defined]
    return found


def write_files(folder: Path, incidents: int, reports: int, named_by: int) -> tuple[Path, Path]:
    """(with the registry, without it): the same reports, `named_by` incidents each adding one
    claim by TARGET_ALIAS, not yet an alias of anything."""
    lines = registry_lines()
    reports_file = folder / "reports.jsonl"
    write_dataset(reports_file, incidents, reports, actors=names_used(lines))
    with reports_file.open("a", encoding="utf-8") as out:
        for i in range(named_by):
            claim = {
                "type": "claim",
                "incident": f"bench-{i:06d}",
                "report": f"bench-{i:06d}-target",
                "by": TARGET_ALIAS,
                "summary": "Positions came under fire",
            }
            out.write(json.dumps(claim) + "\n")
    body = reports_file.read_text(encoding="utf-8")
    with_registry = folder / "with-registry.jsonl"
    with_registry.write_text(
        "".join(json.dumps(line) + "\n" for line in lines) + body, encoding="utf-8"
    )
    return with_registry, reports_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--named-by", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as scratch:
        folder = Path(scratch)
        with_registry, without = write_files(folder, args.incidents, args.reports, args.named_by)
        # Rates per report event in both files: the registry's lines are its cost, not work
        # to be credited, so a ratio is the ratio of wall times.
        count = sum(1 for _ in without.open(encoding="utf-8"))
        imports: dict[Path, list[float]] = {with_registry: [], without: []}
        rebuilds: dict[Path, list[float]] = {with_registry: [], without: []}
        aliases: list[float] = []
        full: list[float] = []
        for run in range(args.runs):
            # Alternated, so each ratio compares figures taken within the same minute.
            for data in (without, with_registry):
                db = fresh_sqlite(folder, f"{data.stem}-{run}.db")
                imports[data].append(count / timed([LEDGER, "import", str(data)], _env(db)))
                rebuilds[data].append(count / timed([LEDGER, "project", "--rebuild"], _env(db)))
            db = str(folder / f"{with_registry.stem}-{run}.db")
            aliases.append(timed([LEDGER, "actor", TARGET, "--alias", TARGET_ALIAS], _env(db)))
            full.append(timed([LEDGER, "project", "--rebuild"], _env(db)))
        print(f"{count:,} report events; registry {len(registry_lines()):,} actors")
        for label, figures in (("import (projected)", imports), ("project --rebuild", rebuilds)):
            bare, registered = figures[without], figures[with_registry]
            ratios = [r / b for r, b in zip(registered, bare, strict=True)]
            print(
                f"{label}: {statistics.median(registered):,.0f} events/s with the registry, "
                f"{statistics.median(bare):,.0f} without: {statistics.median(ratios):.2f}x "
                f"({', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.9x)"
            )
        print(
            f"alias named by {args.named_by:,} incidents (ledger actor, whole process): "
            f"{statistics.median(aliases):.2f} s ({', '.join(f'{a:.2f}' for a in aliases)}; "
            f"target <= 2 s); full rebuild of the same ledger {statistics.median(full):.2f} s"
        )


if __name__ == "__main__":
    main()
