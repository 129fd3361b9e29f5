"""Ingest on a Dask LocalCluster: 1 and 2 workers against the single-process
run (the peer), same reports, same run, SQLite.

Each mode runs in a child process on a fresh database: it opens the
database, starts the cluster, loads the extractor in every worker, then times
the ingest itself (``ingest.ingest_stream`` over the files, what
``accordwatch ingest [--workers N]`` runs: reading, extraction, linking,
MinHash, near-duplicates, writing), wall clock and the child's CPU. Cluster
start-up and shutdown are outside the timing (a few seconds, paid once per
command). Every mode runs ``--repeat`` times, interleaved; the best run counts.

* **ingest**: single process, ``--workers 1``, ``--workers 2``. Workers
  extract chunks in parallel and store each chunk after the previous one (see
  ``accordwatch.distributed``); the client reads, hashes and adds up summaries.
* **extraction stage**: the extraction alone, the same reports through
  ``distributed.extract_many`` on N workers, the client only receiving the
  results (no writes).

Corpora: ``short`` (the default synthetic reports, ~290 characters) and
``long`` (``synth --long``: context paragraphs added, ~1,500 characters like
the development set). With E the CPU per report of extraction (with linking
and MinHash, measured in this process), W of storing it (the single process's
CPU minus E) and K the client's CPU during ``--workers 2`` (its threads
included: a LocalCluster's scheduler runs there): one worker stores
1 / (E + W) reports per second; two workers on two cores shared with the
client at most 2 / (E + W + K), i.e. 2(E + W) / (E + W + K) times one.

    python benchmarks/dask_scaling.py --count 2000
    python benchmarks/dask_scaling.py --count 10000 --corpora short,long --repeat 3 --write
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PY, ROOT, header, run_child, table, write_section  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

TARGET = 1.7  # --workers 2 vs --workers 1


def _ingest(folder: Path, db: Path, workers: int) -> dict:
    """Timed ingest of ``folder`` into a fresh SQLite ``db`` on ``workers`` workers (0: one process), in a child."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    _secs, _mib, _cpu, out = run_child([PY, __file__, "--_ingest", str(folder), str(db), str(workers)])
    return json.loads(out)


def _ingest_child(folder: str, db: str, workers: int) -> None:
    import contextlib

    from accordwatch.agreements import load_all
    from accordwatch.distributed import cluster_client
    from accordwatch.ingest import ingest_stream, iter_items
    from accordwatch.store import Store

    ags = list(load_all().values())
    with Store(f"sqlite:///{db}") as store, contextlib.ExitStack() as stack:
        store.upgrade()
        client = stack.enter_context(cluster_client(workers=workers)) if workers else None
        if client is None:  # the same warm-up the workers get
            from accordwatch.distributed import _warm_worker

            _warm_worker()
        t0, cpu0 = time.perf_counter(), time.process_time()
        summary = ingest_stream(store, iter_items([folder]), ags, client=client)
        secs, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    d = summary.to_dict()
    print(json.dumps({"secs": secs, "cpu": cpu, "seen": summary.seen,
                      "summary": {k: d[k] for k in ("new", "duplicates", "near_duplicates", "events", "evidence")}}))


def _stage(folder: Path, workers: int) -> dict:
    """Timed extraction stage alone on ``workers`` workers, in a child."""
    return json.loads(run_child([PY, __file__, "--_stage", str(folder), str(workers)])[3])


def _stage_child(folder: str, workers: int) -> None:
    from accordwatch.agreements import load_all
    from accordwatch.distributed import cluster_client, extract_many
    from accordwatch.ingest import iter_items

    ags = list(load_all().values())
    items = [i for i in iter_items([folder]) if not i.error]
    n = 0
    with cluster_client(workers=workers) as client:
        t0, cpu0 = time.perf_counter(), time.process_time()
        for _item, result in extract_many(items, client, ags):
            n += result is not None and not isinstance(result, BaseException)
        secs, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    print(json.dumps({"results": n, "secs": secs, "cpu": cpu}))


def worker_cpu(folder: Path) -> tuple[float, int]:
    """CPU seconds of what a worker runs (extraction, linking, MinHash) for every report, in this process."""
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


def corpus(tmp: Path, name: str, count: int, seed: int, repeat: int) -> tuple[list[list[str]], dict]:
    """Rows of the results table and the figures of one corpus."""
    import json as _json

    import synth

    folder = tmp / name
    synth.write(folder, count, seed=seed, long=(name == "long"))
    chars = [len(_json.loads(line)["text"]) for f in sorted(folder.glob("*.jsonl")) for line in f.open(encoding="utf-8")]
    db = tmp / "db.sqlite"
    modes = {"ingest, single process (peer)": 0, "ingest --workers 1": 1, "ingest --workers 2": 2}
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(repeat):  # interleaved, so a slow moment of the machine does not fall on one mode only
        for mode, workers in modes.items():
            runs[mode].append(_ingest(folder, db, workers))
    summaries = {json.dumps(r["summary"], sort_keys=True) for rs in runs.values() for r in rs}
    assert len(summaries) == 1, summaries  # every mode stored the same
    rows, rates, best = [], {}, {}
    for mode, rs in runs.items():
        best[mode] = min(rs, key=lambda r: r["secs"])
        rates[mode] = count / best[mode]["secs"]
        rows.append([name, mode, f"{count:,}", " / ".join(f"{r['secs']:.1f}" for r in rs), f"{rates[mode]:.0f}"])
        print(" | ".join(rows[-1]), flush=True)
    stage: dict[int, dict] = {}
    for w in (1, 2):
        stage[w] = min((_stage(folder, w) for _ in range(repeat)), key=lambda r: r["secs"])
        mode = f"extraction stage, {w} worker{'s' if w > 1 else ''}"
        rates[mode] = stage[w]["results"] / stage[w]["secs"]
        rows.append([name, mode, f"{stage[w]['results']:,}", f"{stage[w]['secs']:.1f}", f"{rates[mode]:.0f}"])
        print(" | ".join(rows[-1]), flush=True)
    e_cpu, n = worker_cpu(folder)
    e = e_cpu / n
    w_cpu = max(best["ingest, single process (peer)"]["cpu"] / count - e, 1e-9)  # beyond extraction: storing
    figures = {
        "chars": sum(chars) / len(chars), "E": e, "W": w_cpu, "K": best["ingest --workers 2"]["cpu"] / count,
        "ingest": rates["ingest --workers 2"] / rates["ingest --workers 1"],
        "stage": rates["extraction stage, 2 workers"] / rates["extraction stage, 1 worker"],
        "vs_single": rates["ingest --workers 2"] / rates["ingest, single process (peer)"],
        "stage_client": stage[2]["cpu"] / max(stage[2]["results"], 1),
        "all": {m: [round(count / r["secs"]) for r in rs] for m, rs in runs.items()},
    }
    return rows, figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--corpora", default="short,long", help="short, long or both (comma-separated)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each mode (interleaved); the best counts")
    ap.add_argument("--_stage", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--_ingest", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._stage:
        _stage_child(a._stage[0], int(a._stage[1]))
        return
    if a._ingest:
        _ingest_child(a._ingest[0], a._ingest[1], int(a._ingest[2]))
        return
    load = os.getloadavg()[0]
    rows, figs = [], {}
    with tempfile.TemporaryDirectory(prefix="aw-dask-") as t:
        for name in [c.strip() for c in a.corpora.split(",") if c.strip()]:
            r, figs[name] = corpus(Path(t), name, a.count, a.seed, max(1, a.repeat))
            rows += r
    md = table(["corpus", "mode", "reports", "seconds (each run)", "reports/s (best run)"], rows)
    notes, proj = [], []
    for name, f in figs.items():
        e, w, k = f["E"], f["W"], f["K"]
        bound = 2 * (e + w) / (e + w + k)
        notes.append(
            f"- {name} (mean {f['chars']:.0f} characters): per report, extraction E = {e * 1000:.2f} ms CPU "
            f"(with linking and MinHash), storing W = {w * 1000:.2f} ms (near-duplicate lookup, SQL; both on the workers), "
            f"client K = {k * 1000:.2f} ms (reading, hashing, Dask's scheduler). Ingest --workers 2 vs --workers 1: "
            f"**{f['ingest']:.2f}x** (target >= {TARGET}x: {'met' if f['ingest'] >= TARGET else 'NOT met'}; bound on 2 "
            f"shared cores 2(E+W)/(E+W+K) = {bound:.2f}x); vs the single process {f['vs_single']:.2f}x. Extraction stage "
            f"2 vs 1 workers: **{f['stage']:.2f}x** (client {f['stage_client'] * 1000:.2f} ms CPU per report to receive "
            f"the results).")
        one = 1 / (e + w)
        for n in (1, 2, 4, 8, 16):
            rate = 1 / max(w, k, (e + w) / n)
            proj.append([name, n, f"{rate:.0f}", f"{rate / one:.2f}x"])
    md2 = table(["corpus", "workers (a core each; the client on its own)", "projected ingest reports/s",
                 "vs 1 worker"], proj)
    print(md, md2, "\n".join(notes), sep="\n\n")
    if a.write:
        body = (header("dask") + f"\nLoad average at start {load:.1f}. Same synthetic reports per corpus, fresh SQLite "
                "database per run, identical ingest summaries checked across modes and runs. Timed inside each child "
                f"around the ingest itself (cluster start-up and shutdown excluded); {a.repeat} interleaved run(s) per "
                "mode, the best counts.\n\n" + md + "\n\n" + "\n".join(notes)
                + "\n\nProjection with a core for each worker and one for the client: "
                "1 / max(W, K, (E + W) / workers); the writes, one chunk after another, cap it at 1 / W.\n\n" + md2)
        write_section("Dask scaling (ingest --workers)", body)


if __name__ == "__main__":
    main()
