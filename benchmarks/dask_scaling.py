"""Ingest throughput with extraction on a Dask LocalCluster: 1 and 2 workers
against the single-process run (the peer), same reports, same run, SQLite.

Each mode runs `accordwatch ingest` in a child process on a fresh database;
start-up (imports, cluster start) is measured on an empty input and
subtracted. The projection per added worker follows Amdahl's law from two
measured CPU costs per report: extraction + linking + MinHash signature (the
part the workers take) and the rest (reading, near-duplicate lookup, writing:
the client's serial part).

    python benchmarks/dask_scaling.py --count 2000
    python benchmarks/dask_scaling.py --count 10000 --write
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, header, run_child, table, write_section  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))


def _run(folder: Path, db: Path, extra: list[str]) -> tuple[float, float, dict]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    cmd = [PY, "-m", "accordwatch.cli", "--db", f"sqlite:///{db}", "ingest", str(folder), "--quiet", "--format", "json", *extra]
    secs, _mib, cpu, out = run_child(cmd)
    return secs, cpu, json.loads(out) if out.strip() else {}


def extraction_cpu(folder: Path) -> tuple[float, int]:
    """CPU seconds to extract and link every report under ``folder`` in this process."""
    from accordwatch.agreements import load_all
    from accordwatch.distributed import extract_one
    from accordwatch.ingest import iter_items

    ags = list(load_all().values())
    items = [i for i in iter_items([folder]) if not i.error]
    extract_one(items[0].text, items[0].published, ags)  # warm-up (lazy loading of lexicons)
    t = time.process_time()
    for i in items:
        extract_one(i.text, i.published, ags)
    return time.process_time() - t, len(items)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    import synth

    modes = [("single process (peer)", []), ("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"])]
    rows, rates = [], {}
    with tempfile.TemporaryDirectory(prefix="aw-dask-") as t:
        tmp = Path(t)
        folder, empty = tmp / "reports", tmp / "empty"
        empty.mkdir()
        synth.write(folder, a.count, seed=a.seed)
        summaries = {}
        for name, extra in modes:
            start, _, _ = _run(empty, tmp / "db.sqlite", extra)
            secs, cpu, summary = _run(folder, tmp / "db.sqlite", extra)
            summaries[name] = {k: summary.get(k) for k in ("new", "duplicates", "events", "evidence")}
            rate = a.count / max(secs - start, 1e-9)
            rates[name] = rate
            rows.append([name, f"{a.count:,}", f"{start:.1f}", f"{secs:.1f}", f"{rate:.0f}", f"{cpu:.1f}"])
            print(" | ".join(rows[-1]), flush=True)
        assert len({json.dumps(s, sort_keys=True) for s in summaries.values()}) == 1, summaries
        single = rates[modes[0][0]]
        for r in rows:
            r.append(f"{rates[r[0]] / single:.2f}x")
        ext_cpu, n = extraction_cpu(folder)
        # The single-process child's CPU, minus its start-up, is the whole per-report cost.
        total = (float(rows[0][5]) - _run(empty, tmp / "db.sqlite", [])[1]) / a.count
        p = ext_cpu / n
        s = max(total - p, 1e-9)
    proj = [[w, f"{1 / (s + p / w):.0f}", f"{(1 / (s + p / w)) / (1 / (s + p)):.2f}x"] for w in (1, 2, 4, 8, 16)]
    md = table(["mode", "reports", "start-up s", "wall s", "reports/s (after start-up)", "CPU s (process tree)", "vs single process"], rows)
    md2 = table(["workers (dedicated cores)", "projected reports/s", "vs 1 worker"], proj)
    note = (f"Measured CPU per report: extraction + linking + MinHash {p * 1000:.1f} ms (on the workers), the rest {s * 1000:.1f} ms "
            f"(reading, near-duplicate lookup, writing: the client, serial). Projection: 1 / (rest + extraction / workers), "
            f"limit {1 / s:.0f} reports/s for one writer.")
    print(md)
    print(md2)
    print(note)
    if a.write:
        body = (header("dask") + "\nSame synthetic reports, fresh SQLite database per mode, identical summaries checked. "
                "Wall-clock rates on a shared machine: other jobs ran at the same time (see load average).\n\n"
                + md + "\n\n" + note + "\n\n" + md2)
        write_section("Dask scaling (ingest --workers)", body)


if __name__ == "__main__":
    main()
