"""`ledger changes` and `ledger search` on a big ledger, each beside what it replaces, same run.

    python -m tests.benchmarks.changes_search --incidents 10000 --reports 100 --folder /tmp/b

Builds a ledger of incidents x reports events (tests/benchmarks/data.py), takes a recorded cut,
appends a "week": `--week` new events over a tenth of the incidents (claims, some naming
chlorine, denials and corroborations of their first claims, verdicts), then times:

- `ledger changes --since @CUT` and `--since DATE` (stated), against `ledger diff INC --from
  @CUT` run for a sample of the touched incidents (the per-incident loop it replaces), its
  total for every touched incident extrapolated from the sample;
- `ledger search` for a rare word, a common one and a phrase with an exclusion.

Wall times of the real command (a subprocess), median of `--runs`. Figures, not assertions.
A folder that already holds the ledger is reused (building it is most of a run), and so is the
week's cut (`cut.txt`), so a second run times the same commands on the same ledger.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.data import ACTORS, write_dataset

LEDGER = str(Path(sys.executable).parent / "ledger")


def _run(db: Path, *args: str) -> float:
    env = {**os.environ, "LEDGER_DB": str(db)}
    start = time.perf_counter()
    subprocess.run([LEDGER, "-q", *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def _median(runs: int, db: Path, *args: str) -> float:
    return statistics.median(_run(db, *args) for _ in range(runs))


def write_week(path: Path, incidents: int, events: int, seed: int = 11) -> list[str]:
    """`events` new reports over every tenth incident; returns the incidents touched."""
    rng = random.Random(seed)
    touched = [f"bench-{i:06d}" for i in range(0, incidents, 10)]
    with path.open("w", encoding="utf-8") as out:
        for n in range(events):
            incident = touched[n % len(touched)]
            day = f"2017-10-0{rng.randint(1, 7)}"
            by = rng.choice(ACTORS)
            roll = rng.random()
            report: dict[str, object] = {"incident": incident, "report": f"week-{n}", "by": by}
            if roll < 0.4:
                chlorine = rng.random() < 0.05
                report.update(
                    type="claim",
                    summary="Chlorine canisters were found" if chlorine else "Shells hit a school",
                    stated_at=day,
                )
            elif roll < 0.7:
                report.update(
                    type="denial",
                    refers_to=[f"{incident}-r0"],
                    summary="No such attack took place",
                    stated_at=day,
                )
            elif roll < 0.95:
                report.update(
                    type="corroboration",
                    refers_to=[f"{incident}-r0"],
                    summary="Residents confirm it",
                    stated_at=day,
                )
            else:
                del report["by"]
                report.update(
                    type="verdict",
                    refers_to=[f"{incident}-r0"],
                    status="unverifiable",
                    reason="No access to the site",
                )
            out.write(json.dumps(report) + "\n")
    return touched


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--week", type=int, default=10_000)
    parser.add_argument("--diff-sample", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument(
        "--cut",
        help="the recorded cut of a week already appended (default: the folder's cut.txt)",
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the ledger and append the week, no timing"
    )
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    db = args.folder / "big.db"
    data = args.folder / "big.jsonl"
    if not db.exists():
        write_dataset(data, args.incidents, args.reports)
        took = _run(db, "import", str(data))
        print(f"import {args.incidents * args.reports:,} events: {took:.1f} s")
    week = args.folder / "week.jsonl"
    touched = write_week(week, args.incidents, args.week)
    # The cut is kept beside the ledger, so a second run times the same week again instead of
    # appending it again (a no-op: its reports are already there) after a cut with nothing new.
    kept = args.folder / "cut.txt"
    cut = args.cut or (kept.read_text().strip() if kept.exists() else None)
    if cut is None:
        cut = datetime.now(UTC).isoformat()
        time.sleep(0.01)
        print(f"append the week ({args.week:,} events): {_run(db, 'import', str(week)):.1f} s")
        kept.write_text(cut + "\n")
    else:
        print(f"the week is already appended after @{cut}: timing it again")
    if args.build_only:
        return
    timings = {
        "changes --since @CUT (recorded)": ("changes", "--since", f"@{cut}"),
        "changes --since 2017-09-30 (stated)": ("changes", "--since", "2017-09-30"),
        "search chlorine (rare)": ("search", "chlorine"),
        "search mortar (in ~35% of reports)": ("search", "mortar"),
        "search '\"eastern bank\" -mortar'": ("search", '"eastern bank" -mortar'),
        "report claims --incident (reference read)": ("report", "claims", "-i", touched[0]),
    }
    figures = {
        name: _median(args.runs, db, *command, "--format", "csv")
        for name, command in timings.items()
    }
    sample = touched[: args.diff_sample]
    if sample:  # --diff-sample 0 leaves the per-incident loop out
        loop = sum(
            _run(db, "diff", incident, "--from", f"@{cut}", "--format", "json")
            for incident in sample
        )
        figures[f"diff loop over {len(sample)} touched incidents"] = loop
        every = f"diff loop, all {len(touched):,} touched (extrapolated)"
        figures[every] = loop / len(sample) * len(touched)
    for name, seconds in figures.items():
        print(f"{name:<55} {seconds:8.2f} s")


if __name__ == "__main__":
    main()
