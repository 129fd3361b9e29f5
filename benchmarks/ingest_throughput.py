"""End-to-end ingest throughput and peak memory, SQLite and PostgreSQL, one core.

For each size, synthetic reports (``benchmarks/synth.py``, JSON Lines) are
ingested by ``accordwatch ingest`` in a child process (one process, one thread); we
record the wall time and that child's peak RSS (``wait4`` rusage). The peer, in
the same run: the plain-insert baseline — the same reports read by the same
reader and stored with ``Store.add_report`` only (no extraction, linking,
signatures), also one child process. Start-up (imports, migrations) is
measured with an empty input and subtracted, so reports/s is the steady rate.

    python benchmarks/ingest_throughput.py --sizes 1000,5000 --backends sqlite,postgresql
    python benchmarks/ingest_throughput.py --sizes 10000,50000,100000 --backends sqlite --write
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PG_DEFAULT, PY, ROOT, PgSchema, header, run_child, table, write_section  # noqa: E402


def _plain(url: str, folder: str) -> None:
    """The baseline: read and store the reports, nothing else."""
    from accordwatch.ingest import iter_items
    from accordwatch.model import Report
    from accordwatch.store import Store

    n = 0
    with Store(url) as store:
        store.upgrade()
        for item in iter_items([folder]):
            if item.error:
                continue
            store.add_report(Report(text=item.text, published=item.published, source=item.source, url=item.url,
                                    title=item.title, language=item.language, path=item.origin))
            n += 1
    print(json.dumps({"stored": n}))


def _db(backend: str, tmp: Path, tag: str, pg_base: str):  # type: ignore[no-untyped-def]
    if backend == "sqlite":
        class _S:
            url = f"sqlite:///{tmp / (tag + '.sqlite')}"

            def __enter__(self):  # type: ignore[no-untyped-def]
                return self

            def __exit__(self, *e):  # type: ignore[no-untyped-def]
                for suffix in ("", "-wal", "-shm"):
                    Path(self.url[10:] + suffix).unlink(missing_ok=True)
        return _S()
    return PgSchema(pg_base)


def measure(backend: str, folder: Path, tmp: Path, pg_base: str, what: str) -> tuple[float, float, float]:
    """(wall seconds, peak MiB, CPU seconds) of one child run into a fresh database."""
    with _db(backend, tmp, what, pg_base) as db:
        if what == "ingest":
            cmd = [PY, "-m", "accordwatch.cli", "--db", db.url, "ingest", str(folder), "--quiet", "--format", "json"]
        else:
            cmd = [PY, __file__, "--_plain", db.url, str(folder)]
        secs, mib, cpu, _ = run_child(cmd)
        return secs, mib, cpu


def targets(rows: list[list[str]]) -> str:
    """The targets (>= 200 reports/s into SQLite; < 500 MB at 100,000 reports) and
    the memory slope per report, projected to 100,000 when that size was not run."""
    lines = []
    for backend in dict.fromkeys(r[0] for r in rows):
        rs = [r for r in rows if r[0] == backend]
        n = [int(r[1].replace(",", "")) for r in rs]
        mib = [float(r[5]) for r in rs]
        best = max(float(r[4]) for r in rs)
        slope = (mib[-1] - mib[0]) / (n[-1] - n[0]) if len(rs) > 1 and n[-1] > n[0] else 0.0
        at_100k = mib[-1] + slope * (100_000 - n[-1])
        line = (f"{backend}: best {best:.0f} reports per CPU-second"
                + (f" (target >= 200: {'met' if best >= 200 else 'NOT met'})" if backend == "sqlite" else "")
                + f"; peak memory grows {slope * 1024:.1f} KiB per report"
                + (f", {at_100k:.0f} MiB projected at 100,000 reports" if n[-1] < 100_000 else "")
                + f" (target < 500 MB: {'met' if at_100k < 500 else 'NOT met'}).")
        lines.append("- " + line)
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,5000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg-sizes", help="sizes for PostgreSQL (default: --sizes)")
    ap.add_argument("--pg", default=os.environ.get("ACCORDWATCH_BENCH_PG", PG_DEFAULT))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--long", action="store_true", help="full-length synthetic reports (synth --long, ~1,500 characters)")
    ap.add_argument("--write", action="store_true", help="replace this benchmark's section of RESULTS.md")
    ap.add_argument("--_plain", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._plain:
        _plain(*a._plain)
        return
    sys.path.insert(0, str(ROOT / "src"))
    import synth

    sizes = [int(s) for s in a.sizes.split(",")]
    rows = []
    lengths: list[int] = []
    with tempfile.TemporaryDirectory(prefix="aw-bench-") as t:
        tmp = Path(t)
        empty = tmp / "empty"
        empty.mkdir()
        for backend in a.backends.split(","):
            base = {w: measure(backend, empty, tmp, a.pg, w) for w in ("ingest", "plain")}
            print(f"{backend}: start-up {base['ingest'][0]:.1f} s (ingest), {base['plain'][0]:.1f} s (plain); "
                  f"idle peak {base['ingest'][1]:.0f} MiB", flush=True)
            for n in ([int(x) for x in a.pg_sizes.split(",")] if backend == "postgresql" and a.pg_sizes else sizes):
                folder = tmp / f"r{n}"
                if not folder.exists():
                    synth.write(folder, n, seed=a.seed, long=a.long)
                    if not lengths:
                        lengths = [len(json.loads(line)["text"]) for f in sorted(folder.glob("*.jsonl"))
                                   for line in f.open(encoding="utf-8")]
                secs, mib, cpu = measure(backend, folder, tmp, a.pg, "ingest")
                psecs, pmib, pcpu = measure(backend, folder, tmp, a.pg, "plain")
                rate = n / max(secs - base["ingest"][0], 1e-9)
                prate = n / max(psecs - base["plain"][0], 1e-9)
                crate = n / max(cpu - base["ingest"][2], 1e-9)
                pcrate = n / max(pcpu - base["plain"][2], 1e-9)
                row = [backend, f"{n:,}", f"{secs:.0f}", f"{rate:.0f}", f"{crate:.0f}", f"{mib:.0f}",
                       f"{prate:.0f}", f"{pcrate:.0f}", f"{pmib:.0f}", f"{crate / pcrate:.2f}"]
                rows.append(row)
                print(" | ".join(row), flush=True)
    heads = ["database", "reports", "ingest wall s", "ingest reports/s (wall)", "ingest reports/CPU-s", "ingest peak MiB",
             "plain reports/s (wall)", "plain reports/CPU-s", "plain peak MiB", "ingest / plain (CPU)"]
    md = table(heads, rows) + "\n\n" + targets(rows)
    print(md)
    if a.write:
        body = (header("ingest") + "\n"
                "`accordwatch ingest` (extract, link, MinHash, batched writes) in a child process (one process, one thread), "
                "vs the plain-insert baseline (same reader, `Store.add_report` only) in the same run. "
                "Rates exclude start-up (an empty run, subtracted). reports/CPU-s divides by the child's own user+system CPU "
                "time, which other load on the machine does not inflate; peak MiB is the child's max RSS. "
                f"Synthetic reports (`benchmarks/synth.py{' --long' if a.long else ''}`): mean "
                f"{sum(lengths) / max(len(lengths), 1):,.0f} characters, ~10% exact or near duplicates.\n\n" + md)
        write_section("Ingest throughput (one core)", body)


if __name__ == "__main__":
    main()
