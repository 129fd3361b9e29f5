"""Extraction speed: accordwatch.extract_events vs dateparser's search_dates, one core.

The development set (``benchmarks/data/devset/reports/*.txt``, copied from the
project's shared devset so the benchmark runs from a clean clone) is replicated
to at least ``--reports`` reports (default 5,000). Copy k of a report is read
with its report date shifted by k days, so no cache keyed on (text, date) can
help. Our extractor processes every copy; dateparser's ``search_dates`` (with
``RELATIVE_BASE`` = report date, ``languages=["en"]``) processes only the first
``--dateparser-reports`` copies (default 300) and its rate is extrapolated to the
full set - it only finds dates, it does not extract events, so the comparison
flatters dateparser.

Peak memory of our run: ``resource`` max RSS of the process after our timed
run (before dateparser is imported), and the tracemalloc peak of a separate,
untimed pass over ``--trace-reports`` copies (tracemalloc slows Python down, so
it is never on during the timed run).

Usage::

    taskset -c 0 python benchmarks/extract_speed.py            # print the table
    taskset -c 0 python benchmarks/extract_speed.py --write    # also update benchmarks/RESULTS.md
    python benchmarks/extract_speed.py --reports 500 --dateparser-reports 50   # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import re
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data" / "devset" / "reports"
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import write_section  # noqa: E402
SECTION = "## Extraction speed"
# CPU seconds of this process: robust to other processes sharing the machine
# (wall-clock time would charge us for their load). One thread, so CPU time = work time.
CLOCK = time.process_time
HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}-\d{2})\s*")

sys.path.insert(0, str(ROOT / "src"))


def load_reports(folder: Path = DATA) -> list[tuple[str, dt.date, str]]:
    """(name, report date, text) of every report; the ``date YYYY-MM-DD`` header is cut off."""
    out = []
    for path in sorted(folder.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        m = HEADER.match(raw)
        if not m:
            raise SystemExit(f"{path}: first line is not 'date YYYY-MM-DD'; fix the file or remove it")
        out.append((path.name, dt.date.fromisoformat(m.group(1)), raw[m.end():]))
    if not out:
        raise SystemExit(f"no reports in {folder}; copy the devset reports there (see benchmarks/data/devset)")
    return out


def replicate(reports: list[tuple[str, dt.date, str]], n: int) -> list[tuple[dt.date, str]]:
    """At least ``n`` (date, text) pairs; copy k of each report is dated k days later."""
    out = []
    k = 0
    while len(out) < n:
        for _name, date, text in reports:
            out.append((date + dt.timedelta(days=k), text))
        k += 1
    return out


def rss_mb() -> float:
    # ru_maxrss is in KiB on Linux, bytes on macOS
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / (1024 * 1024) if sys.platform == "darwin" else r / 1024


def bench_ours(items: list[tuple[dt.date, str]]) -> tuple[float, int]:
    from accordwatch import extract_events

    extract_events(items[0][1], items[0][0])  # warm-up: imports, gazetteer, compiled rules
    gc.collect()
    events = 0
    t0 = CLOCK()
    for date, text in items:
        events += len(extract_events(text, date))
    return CLOCK() - t0, events


def trace_peak_mb(items: list[tuple[dt.date, str]]) -> float:
    from accordwatch import extract_events

    gc.collect()
    tracemalloc.start()
    for date, text in items:
        extract_events(text, date)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / (1024 * 1024)


def bench_dateparser(items: list[tuple[dt.date, str]]) -> tuple[float, int]:
    from dateparser.search import search_dates

    def run(date: dt.date, text: str) -> int:
        base = dt.datetime(date.year, date.month, date.day, 12, 0)
        found = search_dates(text, languages=["en"], settings={"RELATIVE_BASE": base})
        return len(found or [])

    run(*items[0])  # warm-up: language data, compiled patterns
    dates = 0
    t0 = CLOCK()
    for date, text in items:
        dates += run(date, text)
    return CLOCK() - t0, dates


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=5000, help="reports for our extractor (default 5000)")
    ap.add_argument("--dateparser-reports", type=int, default=300, help="reports for dateparser (default 300)")
    ap.add_argument("--trace-reports", type=int, default=500, help="reports for the tracemalloc pass (default 500)")
    ap.add_argument("--cpu", type=int, default=None, help="pin the process to this CPU (like taskset -c N)")
    ap.add_argument("--write", action="store_true", help=f"replace '{SECTION}' in benchmarks/RESULTS.md")
    args = ap.parse_args(argv)

    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []

    base = load_reports()
    items = replicate(base, args.reports)
    chars = sum(len(t) for _d, t in items)
    print(f"{len(base)} devset reports replicated to {len(items)} ({chars / len(items):,.0f} chars each on average); "
          f"running on CPU(s) {cores or '?'}", flush=True)

    ours_s, ours_events = bench_ours(items)
    ours_rss = rss_mb()
    print(f"accordwatch: {len(items)} reports in {ours_s:.2f} s, {ours_events} events", flush=True)
    trace_items = items[: args.trace_reports]
    ours_trace = trace_peak_mb(trace_items)

    dp_items = items[: args.dateparser_reports]
    dp_s, dp_dates = bench_dateparser(dp_items)
    print(f"dateparser: {len(dp_items)} reports in {dp_s:.2f} s, {dp_dates} dates", flush=True)

    ours_rate = len(items) / ours_s
    dp_rate = len(dp_items) / dp_s
    dp_full_s = len(items) / dp_rate
    ratio = ours_rate / dp_rate
    table = "\n".join([
        "| tool | reports | CPU seconds | reports/s | ratio ours/dateparser | peak MB |",
        "|---|---:|---:|---:|---:|---:|",
        f"| accordwatch `extract_events` (events) | {len(items):,} | {ours_s:.2f} | {ours_rate:,.0f} | {ratio:.1f}x | "
        f"{ours_rss:.0f} maxrss; {ours_trace:.1f} tracemalloc ({len(trace_items)} reports) |",
        f"| dateparser `search_dates` (dates only), measured | {len(dp_items):,} | {dp_s:.2f} | {dp_rate:,.1f} | 1.0x | - |",
        f"| dateparser, extrapolated to {len(items):,} | {len(items):,} | {dp_full_s:.1f} (est.) | {dp_rate:,.1f} | 1.0x | - |",
    ])
    targets = (
        f"Targets: >= 500 reports/s: {'met' if ours_rate >= 500 else 'NOT met'} ({ours_rate:,.0f}); "
        f">= 20x dateparser: {'met' if ratio >= 20 else 'NOT met'} ({ratio:.1f}x); "
        f"peak < 300 MB: {'met' if max(ours_rss, ours_trace) < 300 else 'NOT met'} ({max(ours_rss, ours_trace):.0f} MB)."
    )
    print()
    print(table)
    print()
    print(targets)
    if args.write:
        write_results(table, targets, argv, len(base), len(items), len(dp_items), cores)
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


def write_results(table: str, targets: str, argv: list[str], base: int, n: int, ndp: int, cores: list[int]) -> None:
    args = [a for a in argv if a != "--write"]
    cmd = " ".join(["taskset -c 0", "python", "benchmarks/extract_speed.py", *args, "--write"])
    cpus = os.cpu_count() or 0
    body = (
        f"Run {dt.date.today().isoformat()} on {platform.machine()} Linux ({platform.processor() or 'cpu'}), "
        f"{cpus} cores, pinned to CPU {','.join(map(str, cores)) or '?'} (one core, one process); "
        f"Python {platform.python_version()}.\n\n"
        f"Command: `{cmd}`\n\n"
        f"Input: the {base} devset reports (`benchmarks/data/devset/reports/`) replicated to {n:,}; "
        "copy k is read with its report date shifted by k days, so caching cannot help. Our extractor runs "
        f"on all {n:,}; dateparser's `search_dates` (RELATIVE_BASE = report date, languages=['en']) runs on the "
        f"first {ndp} and its rate is extrapolated. dateparser only finds dates; we extract events. "
        "Both are warmed up on one report before timing; times are CPU seconds of the process "
        "(`time.process_time`), so load from other processes does not count. Peak memory: max RSS of the process after our "
        "timed run (before dateparser is imported), and the tracemalloc peak of a separate untimed pass.\n\n"
        f"{table}\n\n{targets}\n"
    )
    write_section(SECTION[3:], body)


if __name__ == "__main__":
    raise SystemExit(main())
