"""Ingest with extraction on a Dask LocalCluster: 1 and 2 workers against the
single-process run (the peer), same reports, same run, SQLite.

Measurements per corpus, each mode in a child process on a fresh database,
start-up (imports, cluster start) measured on an empty input and subtracted:

* **ingest**: ``accordwatch ingest --workers N`` end to end. Workers extract
  chunks in parallel and store each chunk after the previous one (see
  ``accordwatch.distributed``); the client reads, hashes and adds up summaries.
* **extraction stage**: the extraction alone, the same reports through
  ``distributed.extract_many`` on N workers, the client only receiving the
  results (no writes).
* **client CPU**: the client process's CPU per report during an ingest on 2
  workers (its threads included: a LocalCluster's scheduler runs there).

Corpora: ``short`` (the default synthetic reports, ~290 characters) and
``long`` (``synth --long``: context paragraphs added, ~1,500 characters like
the development set). With E the CPU per report of extraction (with linking
and MinHash), W of storing it (near-duplicate lookup, SQL: the single
process's CPU minus E) and K the client's: one worker stores 1 / (E + W)
reports per second; two workers on two cores shared with the client at most
2 / (E + W + K), i.e. 2(E + W) / (E + W + K) times one.

    python benchmarks/dask_scaling.py --count 2000
    python benchmarks/dask_scaling.py --count 10000 --corpora short,long --write
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


def _run(folder: Path, db: Path, extra: list[str]) -> tuple[float, float, dict]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    cmd = [PY, "-m", "accordwatch.cli", "--db", f"sqlite:///{db}", "ingest", str(folder), "--quiet", "--format", "json", *extra]
    secs, _mib, cpu, out = run_child(cmd)
    return secs, cpu, json.loads(out) if out.strip() else {}


def _stage(folder: Path, workers: int) -> tuple[float, float, int]:
    """(wall seconds, client CPU seconds, results) of the extraction stage alone, in a child."""
    secs, _mib, _cpu, out = run_child([PY, __file__, "--_stage", str(folder), str(workers)])
    d = json.loads(out)
    return secs, d["client_cpu"], d["results"]


def _stage_child(folder: str, workers: int) -> None:
    from accordwatch.agreements import load_all
    from accordwatch.distributed import cluster_client, extract_many
    from accordwatch.ingest import iter_items

    ags = list(load_all().values())
    items = [i for i in iter_items([folder]) if not i.error]
    n = 0
    with cluster_client(workers=workers) as client:
        cpu0 = time.process_time()
        for _item, result in extract_many(items, client, ags):
            n += result is not None and not isinstance(result, BaseException)
        cpu = time.process_time() - cpu0
    print(json.dumps({"results": n, "client_cpu": cpu}))


def _client(folder: Path, db: Path, workers: int) -> tuple[float, int]:
    """(client CPU seconds, reports) of an ingest on ``workers`` workers, in a child."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    _secs, _mib, _cpu, out = run_child([PY, __file__, "--_client", str(folder), str(db), str(workers)])
    d = json.loads(out)
    return d["client_cpu"], d["reports"]


def _client_child(folder: str, db: str, workers: int) -> None:
    from accordwatch.agreements import load_all
    from accordwatch.distributed import cluster_client
    from accordwatch.ingest import ingest_stream, iter_items
    from accordwatch.store import Store

    ags = list(load_all().values())
    items = list(iter_items([folder]))
    with Store(f"sqlite:///{db}") as store, cluster_client(workers=workers) as client:
        store.upgrade()
        cpu0 = time.process_time()
        summary = ingest_stream(store, iter(items), ags, client=client)
        cpu = time.process_time() - cpu0
    print(json.dumps({"client_cpu": cpu, "reports": summary.seen}))


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


def corpus(tmp: Path, name: str, count: int, seed: int) -> tuple[list[list[str]], dict]:
    """Rows of the results table and the figures of one corpus."""
    import json as _json

    import synth

    folder, empty = tmp / name, tmp / "empty"
    empty.mkdir(exist_ok=True)
    synth.write(folder, count, seed=seed, long=(name == "long"))
    chars = [len(_json.loads(line)["text"]) for f in sorted(folder.glob("*.jsonl")) for line in f.open(encoding="utf-8")]
    db = tmp / "db.sqlite"
    rows, rates, summaries = [], {}, {}
    for mode, extra in [("ingest, single process (peer)", []), ("ingest --workers 1", ["--workers", "1"]),
                        ("ingest --workers 2", ["--workers", "2"])]:
        start, start_cpu, _ = _run(empty, db, extra)
        secs, cpu, summary = _run(folder, db, extra)
        summaries[mode] = {k: summary.get(k) for k in ("new", "duplicates", "near_duplicates", "events", "evidence")}
        rates[mode] = count / max(secs - start, 1e-9)
        rows.append([name, mode, f"{count:,}", f"{start:.1f}", f"{secs:.1f}", f"{rates[mode]:.0f}"])
        print(" | ".join(rows[-1]), flush=True)
    assert len({json.dumps(s, sort_keys=True) for s in summaries.values()}) == 1, summaries
    stage_client = {}
    for w in (1, 2):
        empty_stage = _stage(empty, w)[0]
        secs, client_cpu, n = _stage(folder, w)
        mode = f"extraction stage, {w} worker{'s' if w > 1 else ''}"
        rates[mode] = n / max(secs - empty_stage, 1e-9)
        stage_client[w] = client_cpu / max(n, 1)
        rows.append([name, mode, f"{n:,}", f"{empty_stage:.1f}", f"{secs:.1f}", f"{rates[mode]:.0f}"])
        print(" | ".join(rows[-1]), flush=True)
    e_cpu, n = worker_cpu(folder)
    e = e_cpu / n
    single_cpu = _run(folder, db, [])[1] - _run(empty, db, [])[1]
    w = max(single_cpu / count - e, 1e-9)  # the single process's CPU per report beyond extraction: storing
    k_cpu, k_n = _client(folder, db, 2)
    figures = {
        "chars": sum(chars) / len(chars), "E": e, "W": w, "K": k_cpu / max(k_n, 1),
        "ingest": rates["ingest --workers 2"] / rates["ingest --workers 1"],
        "stage": rates["extraction stage, 2 workers"] / rates["extraction stage, 1 worker"],
        "vs_single": rates["ingest --workers 2"] / rates["ingest, single process (peer)"],
        "stage_client": stage_client[2],
    }
    return rows, figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--corpora", default="short,long", help="short, long or both (comma-separated)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--_stage", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--_client", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a._stage:
        _stage_child(a._stage[0], int(a._stage[1]))
        return
    if a._client:
        _client_child(a._client[0], a._client[1], int(a._client[2]))
        return
    load = os.getloadavg()[0]
    rows, figs = [], {}
    with tempfile.TemporaryDirectory(prefix="aw-dask-") as t:
        for name in [c.strip() for c in a.corpora.split(",") if c.strip()]:
            r, figs[name] = corpus(Path(t), name, a.count, a.seed)
            rows += r
    md = table(["corpus", "mode", "reports", "start-up s", "wall s", "reports/s (after start-up)"], rows)
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
                "database per mode, identical ingest summaries checked across modes.\n\n" + md + "\n\n" + "\n".join(notes)
                + "\n\nProjection with a core for each worker and one for the client: "
                "1 / max(W, K, (E + W) / workers); the writes, one chunk after another, cap it at 1 / W.\n\n" + md2)
        write_section("Dask scaling (ingest --workers)", body)


if __name__ == "__main__":
    main()
