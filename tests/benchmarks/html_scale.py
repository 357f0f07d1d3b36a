"""`ledger report html` at the sizes of issue 21, against its targets, same run.

    python -m tests.benchmarks.html_scale --folder /tmp/html-bench [--skip-site]

Builds two ledgers from tests/benchmarks/data.py (each report line a claim, denial,
corroboration, retraction, verdict ... with source chains) and times the real command as a
subprocess:

- 200 incidents x 20 reports as one page: its size (target <= 3 MB) and the command's wall time
  (target <= 3 s; start-up, reading and verifying the log included);
- 1,000 x 100 as a site (-o DIR/): wall time (<= 60 s), the command's peak memory (its own
  ru_maxrss, read with os.wait4; <= 500 MB) and the largest page (<= 1 MB).

Figures, not assertions (not in the default test run); on a shared machine they vary.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.benchmarks.data import write_dataset

LEDGER = str(Path(sys.executable).parent / "ledger")


CPU: list[float] = []  # each run's user + system seconds: the machine may be shared


def _ledger(db: Path, *args: str) -> tuple[float, int]:
    """Run `ledger ARGS` on `db`: (wall seconds, peak resident memory in bytes); its CPU
    seconds go to CPU."""
    env = {**os.environ, "LEDGER_DB": str(db)}
    start = time.perf_counter()
    process = subprocess.Popen(
        [LEDGER, "-q", *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"ledger {' '.join(args)} failed ({process.returncode}): {error}")
    CPU.append(usage.ru_utime + usage.ru_stime)
    return elapsed, usage.ru_maxrss * 1024  # Linux reports kilobytes


def _build(folder: Path, incidents: int, reports: int) -> Path:
    db = folder / f"html-{incidents}x{reports}.db"
    if db.exists():  # reused between runs: building 100,000 events takes a while
        return db
    data = folder / f"html-{incidents}x{reports}.jsonl"
    write_dataset(data, incidents, reports)
    seconds, _ = _ledger(db, "import", str(data))
    print(f"  built {db.name}: {incidents * reports:,} lines imported in {seconds:.1f} s")
    return db


def _verdict(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER"


def one_page(folder: Path) -> None:
    db = _build(folder, 200, 20)
    out = folder / "one.html"
    out.unlink(missing_ok=True)
    seconds, peak = _ledger(db, "report", "html", "-o", str(out))
    size = out.stat().st_size / 1e6
    print("200 x 20, one page:")
    print(f"  size     {size:6.2f} MB  (target <= 3 MB)   {_verdict(size, 3)}")
    print(f"  written  {seconds:6.2f} s   (target <= 3 s)    {_verdict(seconds, 3)}")
    print(f"  CPU      {CPU[-1]:6.2f} s   (user + system)")
    print(f"  peak     {peak / 1e6:6.0f} MB")


def site(folder: Path) -> None:
    db = _build(folder, 1_000, 100)
    out = folder / "site"
    seconds, peak = _ledger(db, "report", "html", "-o", f"{out}/", "--force")
    pages = [out / "index.html", *(out / "incidents").iterdir()]
    largest = max(pages, key=lambda p: p.stat().st_size)
    total = sum(p.stat().st_size for p in pages) / 1e6
    big = largest.stat().st_size / 1e6
    print(f"1,000 x 100, site of {len(pages)} pages ({total:.0f} MB in all):")
    print(f"  written  {seconds:6.1f} s   (target <= 60 s)   {_verdict(seconds, 60)}")
    print(f"  CPU      {CPU[-1]:6.1f} s   (user + system)")
    print(f"  peak     {peak / 1e6:6.0f} MB  (target <= 500 MB) {_verdict(peak / 1e6, 500)}")
    print(f"  largest  {big:6.2f} MB  (target <= 1 MB)   {_verdict(big, 1)}  {largest.name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, required=True, help="where ledgers and pages go")
    parser.add_argument("--skip-site", action="store_true", help="only the 200 x 20 page")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}")
    print("(wall times on a loaded machine: compare CPU with wall to see the load's share)")
    one_page(args.folder)
    if not args.skip_site:
        site(args.folder)


if __name__ == "__main__":
    main()
