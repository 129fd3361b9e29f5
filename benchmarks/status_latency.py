"""Latency of one agreement's status on a large database, SQLite and PostgreSQL.

The database holds ``--events`` events (default 1,000,000) over ``--agreements``
agreements (default 100, generated as YAML files in a temporary folder given
through ACCORDWATCH_AGREEMENTS), each event linked to one provision as
evidence (mixed relations and review states), from reports spread over two
years. Rows are bulk-inserted with SQLAlchemy Core ``executemany``, not through
extraction. Then, for ``--queries`` random (agreement, as-of, known-at) triples,
we time ``services.status`` (``Store.evidence_views`` + ``agreement_status``)
and report p50 / p95. The peer, in the same run on the same queries: the naive
way — all evidence rows of the agreement loaded as ORM objects (evidence ->
event -> report relationships walked per row), then the same status rules.

    python benchmarks/status_latency.py --events 100000 --queries 30
    python benchmarks/status_latency.py --write            # 1,000,000 events, both databases
"""

from __future__ import annotations

import argparse
import datetime as dt
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
                c.exec_driver_sql("ANALYZE")
                for t in ("reports", "events", "evidence"):
                    c.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))")
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
    from accordwatch import services

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
                "agreement, as-of V and known-at K (V >= K). `services.status` (one Core query in `Store.evidence_views`, "
                "then `agreement_status`) vs the naive ORM walk (evidence objects, event and report loaded per row) "
                "on the same queries, same answers checked.\n\n" + md)
        write_section("Status latency", body)


if __name__ == "__main__":
    main()
