"""Latency of one agreement's status on a large database, SQLite and PostgreSQL.

The database holds ``--events`` events (default 1,000,000) over ``--agreements``
agreements (default 100, generated as YAML files in a temporary folder given
through ACCORDWATCH_AGREEMENTS), each event linked to one provision as
evidence (mixed relations and review states), from reports spread over two
years. Rows are bulk-inserted with SQLAlchemy Core ``executemany``, not through
extraction (the database's triggers fill evidence's copies of the report date,
story and event day, migration 0004), then ``ANALYZE`` (PostgreSQL: ``VACUUM
ANALYZE``, what autovacuum does to a loaded table; without it index-only scans
visit the table). Then, for ``--queries`` random (agreement, as-of, known-at)
triples, we time ``services.status`` (``Store.status_evidence``: SQL aggregates
per provision, full rows only for the shown ones and the deadline moves; then
``agreement_status_from_digests``) with its answer cache emptied before each
query, and report p50 / p95. The peer, in the same run on the same queries: the
naive way — all evidence rows of the agreement loaded as ORM objects (evidence,
event and report per row), then ``agreement_status``.

    python benchmarks/status_latency.py --events 100000 --queries 30
    python benchmarks/status_latency.py --write            # 1,000,000 events, both databases
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import PG_DEFAULT, ROOT, PgSchema, header, table, write_section  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

N_PROV = 10
START = dt.date(2023, 1, 1)
DAYS = 730
RELATIONS = ["fulfils"] * 2 + ["restates"] * 5 + ["reschedules", "partly_fulfils", "breaches"]


# Written under the table: how the answer is computed, and the earlier figures.
NOTES = """\
How (migration 0004): every evidence row carries copies of its report's `published` date and story and of
the day its event happened (the event's date, else the report's), filled by database triggers on every insert
and kept in step when a report's date or story or an event's date changes. `Store.status_evidence` then
counts on the evidence table alone, from one covering index (agreement_id, provision_id, report_published,
id, state, relation, happened_on, story_id, report_id, event_id), in four statements built once:
(1) one aggregate row per provision (counts, distinct stories, denial, the day of the earliest fulfilment
and partial fulfilment by V); (2) `breaches` per provision and day; (3) the 20 most recent shown rows and
the earliest fulfilments of each provision, found as index ranges (a UNION ALL on SQLite, a LATERAL over
arrays of provisions on PostgreSQL) and read in full with their event and report; (4) every counted
`reschedules` row with its event's dates: the full deadline history is always shown, so these rows still
reach Python (~450 per answer here, ~1,000 moves per agreement in all) and are the largest remaining cost.
Statuses equal `agreement_status` over every row (tests/test_store.py, tests/test_migrations.py).

Before, on this machine at 100,000 events / 10 agreements (the same ~10,000 evidence rows per agreement):
a 3-table join (evidence, events, reports) over every counted row, carried into Python: SQLite p50 184 /
p95 345 ms, PostgreSQL p50 220 / p95 389 ms. Earlier still (`Store.evidence_views`, every row an object;
1,000,000 / 100): SQLite p50 356 / p95 838 ms, PostgreSQL p50 464 / p95 896 ms.

The process calls `gc.freeze()` after the first query, as `accordwatch serve` does once started: without it
Python's full garbage-collection passes walk every object loaded at start-up (~90,000) every 20-30 answers, at
40-70 ms each, and make the slowest 5% (same process and load: slowest of 100 PostgreSQL answers 78-115 ms
without, 35 ms with). The run before this one, without it and at load average ~3: SQLite p50 21 / p95 42 ms,
PostgreSQL p50 22 / p95 51 ms.

The machine is shared by several jobs (2 cores; load average above): PostgreSQL's wall time is mostly the
server's work and waiting for a core (the CPU columns are the client's alone), so its tail moves with the load.
The synthetic data has ~1,000 deadline moves per agreement, each shown in the history; real agreements have few.
"""

def write_agreements(folder: Path, n: int) -> list[str]:
    """``n`` agreements of ``N_PROV`` provisions each (8 with due dates, a ceasefire, an exchange)."""
    ids = []
    for i in range(n):
        aid = f"bench-{i:03d}"
        ids.append(aid)
        signed = START + dt.timedelta(days=i % 60)
        provs = [
            f"  - id: 1-ceasefire\n    article: '1'\n    kind: ceasefire\n    text: Ceasefire from signing.\n"
            f"    obligor: [Alpha{i}, Beta{i}]\n    places: [Zone{i}]\n    term: {{start: {signed.isoformat()}}}\n",
            f"  - id: 2-exchange\n    article: '2'\n    kind: exchange\n    text: Prisoners are exchanged.\n"
            f"    obligor: [Alpha{i}, Beta{i}]\n    due: {(signed + dt.timedelta(days=30)).isoformat()}\n",
        ]
        for k in range(3, N_PROV + 1):
            due = signed + dt.timedelta(days=20 * k)
            provs.append(
                f"  - id: {k}-handover\n    article: '{k}'\n    kind: handover\n    text: Alpha{i} hands Town{i}x{k} to Beta{i}.\n"
                f"    obligor: Alpha{i}\n    beneficiary: Beta{i}\n    places: [Town{i}x{k}]\n    due: {due.isoformat()}\n"
            )
        (folder / f"{aid}.yaml").write_text(
            f"id: {aid}\ntitle: Benchmark agreement {i}\nsigned: {signed.isoformat()}\nsource: generated for benchmarks\n"
            f"parties:\n  - name: Alpha{i}\n    role: signatory\n  - name: Beta{i}\n    role: signatory\n"
            f"provisions:\n" + "".join(provs),
            encoding="utf-8",
        )
    return ids


def fill(url: str, agreements: list[str], n_events: int, seed: int = 1) -> float:
    """Bulk-insert reports, events and evidence; returns seconds."""
    from sqlalchemy import insert

    from accordwatch.store import Store
    from accordwatch.store.tables import EventRow, EvidenceRow, ReportRow

    rng = random.Random(seed)
    t0 = time.perf_counter()
    now = dt.datetime.now(dt.timezone.utc)
    per_report = 10
    n_reports = n_events // per_report
    with Store(url) as store:
        store.upgrade()
        with store.engine.begin() as c:
            batch: list[dict] = []
            for r in range(1, n_reports + 1):
                batch.append(dict(id=r, content_hash=f"{r:064x}", text=f"report {r}", published=START + dt.timedelta(days=rng.randrange(DAYS)),
                                  language="en", ingested_at=now, title=f"report {r}", source="bench"))
                if len(batch) >= 20_000:
                    c.execute(insert(ReportRow), batch)
                    batch = []
            if batch:
                c.execute(insert(ReportRow), batch)
            published = {}  # not needed: events dated near their report
            ev: list[dict] = []
            evi: list[dict] = []
            states = ["proposed"] * 8 + ["accepted", "rejected"]
            for e in range(1, n_events + 1):
                rid = (e - 1) // per_report + 1
                aid = agreements[rid % len(agreements)]
                k = rng.randrange(1, N_PROV + 1)
                kind = "ceasefire" if k == 1 else "exchange" if k == 2 else "handover"
                pid = f"{aid}/{k}-{kind}"
                rel = "breaches" if k == 1 and rng.random() < 0.5 else rng.choice(RELATIONS)
                typ = "violation" if rel == "breaches" else "deadline_change" if rel == "reschedules" else kind
                day = START + dt.timedelta(days=rng.randrange(DAYS))
                ev.append(dict(id=e, report_id=rid, seq=(e - 1) % per_report, type=typ, modality="occurred", date=day,
                               places=json.dumps([f"Town{rid % len(agreements)}x{k}"]), agent=None, sentence=f"Sentence {e} about {pid}.",
                               start=0, end=20, confidence=0.8, trigger="handed", rule="bench", date_precision="day", extractor_version="bench",
                               new_date=day + dt.timedelta(days=10) if rel == "reschedules" else None,
                               old_date=day if rel == "reschedules" else None))
                evi.append(dict(id=e, event_id=e, agreement_id=aid, provision_id=pid, relation=rel, state=rng.choice(states), version=1, created_at=now))
                if len(ev) >= 20_000:
                    c.execute(insert(EventRow), ev)
                    c.execute(insert(EvidenceRow), evi)
                    ev, evi = [], []
            if ev:
                c.execute(insert(EventRow), ev)
                c.execute(insert(EvidenceRow), evi)
            del published
        if store.dialect == "postgresql":
            with store.engine.begin() as c:
                for t in ("reports", "events", "evidence"):
                    c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))")
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.exec_driver_sql("VACUUM ANALYZE")
        else:
            with store.engine.begin() as c:
                c.exec_driver_sql("ANALYZE")
    return time.perf_counter() - t0


def naive_status(store, agreement_id: str, as_of: dt.date, known_at: dt.date):  # type: ignore[no-untyped-def]
    """The peer: every evidence row of the agreement loaded as ORM objects
    (evidence, event, report entities from one joined query), filtered by K in
    Python, turned into EvidenceViews, then the same status rules."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from accordwatch import model
    from accordwatch.agreements import get_agreement
    from accordwatch.status import agreement_status
    from accordwatch.store.db import _event_from_row
    from accordwatch.store.tables import EventRow, EvidenceRow, ReportRow

    ag = get_agreement(agreement_id)
    cols = [c.key for c in EventRow.__table__.c]
    views = []
    with Session(store.engine) as s:
        stmt = (select(EvidenceRow, EventRow, ReportRow)
                .join(EventRow, EventRow.id == EvidenceRow.event_id)
                .join(ReportRow, ReportRow.id == EventRow.report_id)
                .where(EvidenceRow.agreement_id == agreement_id))
        for ev, e, r in s.execute(stmt):
            if r.published > known_at:
                continue
            views.append(model.EvidenceView(
                evidence_id=ev.id, provision_id=ev.provision_id, relation=model.Relation(ev.relation),
                review=model.ReviewState(ev.state), event=_event_from_row([getattr(e, c) for c in cols]), report_id=r.id,
                report_published=r.published, report_title=r.title, copies=1, story_id=r.story_id, source=r.source))
    views.sort(key=lambda v: (v.report_published, v.event.start, v.evidence_id))
    return agreement_status(ag, views, as_of=as_of, known_at=known_at)


def fast_status(store, agreement_id: str, as_of: dt.date, known_at: dt.date):  # type: ignore[no-untyped-def]
    """``services.status`` computing its answer (its cache of answers emptied first)."""
    from accordwatch import services

    cache = getattr(services, "STATUS_CACHE", None)
    if cache is not None:
        cache.clear()
    return services.status(store, agreement_id, as_of=as_of, known_at=known_at)[1]


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def bench(url: str, agreements: list[str], queries: int, naive_queries: int, seed: int = 7) -> dict:
    from accordwatch.store import Store

    rng = random.Random(seed)
    qs = []
    for _ in range(queries):
        k = START + dt.timedelta(days=rng.randrange(DAYS))
        qs.append((rng.choice(agreements), k + dt.timedelta(days=rng.randrange(0, 60)), k))
    out: dict = {}
    with Store(url) as store:
        fast_status(store, *qs[0])  # warm caches (agreement files, statement cache)
        gc.freeze()  # as `accordwatch serve` does once started (see docs/SCALING.md)
        for name, fn, n in (("fast", fast_status, queries), ("naive", naive_status, naive_queries)):
            times, cpu, sizes = [], [], []
            for aid, v, k in qs[:n]:
                t, c = time.perf_counter(), time.process_time()
                sts = fn(store, aid, v, k)
                times.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                sizes.append(sum(len(s.evidence) for s in sts))
            out[name] = {"p50": _pct(times, 50), "p95": _pct(times, 95), "cpu50": _pct(cpu, 50), "cpu95": _pct(cpu, 95),
                         "n": n, "evidence": statistics.mean(sizes)}
        # Same answers: status labels of the queries both ran.
        for aid, v, k in qs[: min(3, naive_queries)]:
            a = [(s.provision.id, s.status, s.current_due, s.fulfilled_on) for s in fast_status(store, aid, v, k)]
            b = [(s.provision.id, s.status, s.current_due, s.fulfilled_on) for s in naive_status(store, aid, v, k)]
            assert a == b, (aid, v, k)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--agreements", type=int, default=100)
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--naive-queries", type=int, default=10)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--pg", default=os.environ.get("ACCORDWATCH_BENCH_PG", PG_DEFAULT))
    ap.add_argument("--write", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="aw-status-") as t:
        tmp = Path(t)
        (tmp / "ags").mkdir()
        ids = write_agreements(tmp / "ags", a.agreements)
        os.environ["ACCORDWATCH_AGREEMENTS"] = str(tmp / "ags")
        for backend in a.backends.split(","):
            if backend == "sqlite":
                ctx = None
                url = f"sqlite:///{tmp / 'status.sqlite'}"
            else:
                ctx = PgSchema(a.pg)
                url = ctx.url
            try:
                secs = fill(url, ids, a.events)
                print(f"{backend}: {a.events:,} events inserted in {secs:.0f} s", flush=True)
                r = bench(url, ids, a.queries, a.naive_queries)
            finally:
                if ctx is not None:
                    ctx.__exit__()
            f, n = r["fast"], r["naive"]
            row = [backend, f"{a.events:,}", f"{f['evidence']:.0f}", f"{f['p50']:.0f}", f"{f['p95']:.0f}",
                   f"{f['cpu50']:.0f}", f"{f['cpu95']:.0f}", f["n"],
                   f"{n['p50']:.0f}", f"{n['p95']:.0f}", n["n"], f"{n['p50'] / f['p50']:.1f}x"]
            rows.append(row)
            print(" | ".join(str(x) for x in row), flush=True)
    heads = ["database", "events", "evidence per answer (mean)", "status p50 ms", "status p95 ms",
             "status CPU p50 ms", "status CPU p95 ms", "queries",
             "naive ORM p50 ms", "naive ORM p95 ms", "naive queries", "speed-up (p50)"]
    md = table(heads, rows) + "\n\n" + "\n".join(
        f"- {r[0]}: p95 {r[4]} ms (target < 50 ms: {'met' if float(r[4]) < 50 else 'NOT met'})" for r in rows)
    print(md)
    if a.write:
        body = (header("status") + "\n"
                f"{a.agreements} agreements x {N_PROV} provisions; every event is evidence for one provision; random "
                "agreement, as-of V and known-at K (V >= K). `services.status` (answer cache emptied before each query: "
                "`Store.status_evidence`, then `agreement_status_from_digests`) vs the naive ORM walk (evidence, event "
                "and report objects per row, then `agreement_status`) on the same queries, same answers checked.\n\n"
                + md + "\n\n" + NOTES)
        write_section("Status latency", body)


if __name__ == "__main__":
    main()
