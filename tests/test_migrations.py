"""Migrations keep data (issue 5): a database written at revision 0001 and then
upgraded to head still holds every report, event, evidence, review decision
and quarantined input, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

from alembic import command
from sqlalchemy import create_engine, text

from accordwatch.store import Store
from accordwatch.store.db import DATA_VERSION_KEY

NOW = dt.datetime(2020, 11, 16, 9, 30, tzinfo=dt.timezone.utc)


def _at_0001(url: str) -> None:
    store = Store(url)
    try:
        cfg = store._alembic_config()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        assert store.revision() == "0001"
    finally:
        store.close()


def _fill(url: str) -> None:
    """Rows written with plain SQL, as AccordWatch at 0001 stored them."""
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(text(
                "INSERT INTO reports (id, content_hash, text, published, source, url, title, language, path, ingested_at) "
                "VALUES (1, :h, :t, :p, 'Wire A', 'https://example.org/1', 'Kalbajar postponed', 'en', 'seed.txt', :now)"),
                {"h": "a" * 64, "t": "The handover of Kalbajar was postponed to 25 November.", "p": dt.date(2020, 11, 15), "now": NOW})
            c.execute(text(
                "INSERT INTO report_copies (report_id, source, url, title, path, seen_at) "
                "VALUES (1, 'Daily B', 'https://example.org/copy', NULL, '', :now)"), {"now": NOW})
            for i, (typ, mod, date) in enumerate([("deadline_change", "occurred", None), ("handover", "planned", dt.date(2020, 11, 25))], 1):
                c.execute(text(
                    'INSERT INTO events (id, report_id, seq, type, modality, date, places, sentence, start, "end", confidence, '
                    "old_date, new_date, extractor_version) VALUES (:id, 1, :seq, :ty, :mo, :d, :pl, :s, 0, 50, 0.9, :od, :nd, '1')"),
                    {"id": i, "seq": i - 1, "ty": typ, "mo": mod, "d": date, "pl": '["Kalbajar"]', "s": "The handover of Kalbajar was postponed.",
                     "od": dt.date(2020, 11, 15) if typ == "deadline_change" else None, "nd": dt.date(2020, 11, 25) if typ == "deadline_change" else None})
            c.execute(text(
                "INSERT INTO evidence (id, event_id, agreement_id, provision_id, relation, state, version, created_at) "
                "VALUES (1, 1, 'nk-2020-11-10', 'nk-2020-11-10/6-kalbajar', 'reschedules', 'accepted', 2, :now), "
                "(2, 2, 'nk-2020-11-10', 'nk-2020-11-10/6-kalbajar', 'restates', 'proposed', 1, :now)"), {"now": NOW})
            c.execute(text(
                "INSERT INTO review_log (evidence_id, decision, previous_state, who, note, at, outcome) "
                "VALUES (1, 'accepted', 'proposed', 'analyst', 'two outlets agree', :now, 'applied')"), {"now": NOW})
            c.execute(text(
                "INSERT INTO quarantine (source, reason, detail, raw, content_hash, first_seen, last_seen, count) "
                "VALUES ('bad.txt', 'no-date', 'bad.txt: no date', :raw, :h, :now, :now, 3)"),
                {"raw": b"\xff\xfe garbage", "h": "b" * 64, "now": NOW})
            c.execute(text("INSERT INTO meta (key, value) VALUES ('demo', 'yes')"))
    finally:
        engine.dispose()


TABLES = ("reports", "report_copies", "events", "evidence", "review_log", "quarantine", "meta")


def _snapshot(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            out = {}
            for t in TABLES:
                cols = [k for k in c.execute(text(f"SELECT * FROM {t} LIMIT 0")).keys()]
                rows = c.execute(text(f"SELECT {', '.join(chr(34) + k + chr(34) for k in cols)} FROM {t} ORDER BY 1")).all()
                # The data-version row is (re)created by every upgrade: not user data.
                out[t] = [tuple(_plain(v) for v in r) for r in rows if not (t == "meta" and r[0] == DATA_VERSION_KEY)]
            return out
    finally:
        engine.dispose()


def _plain(v):
    if isinstance(v, memoryview):
        return bytes(v)
    if isinstance(v, dt.datetime):
        return (v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)
    return v


def test_upgrade_from_0001_keeps_every_row(db_url):
    _at_0001(db_url)
    _fill(db_url)
    before = _snapshot(db_url)
    assert all(before[t] for t in TABLES)

    with Store(db_url) as store:
        store.upgrade()
        assert store.revision() == store.head()
        after = _snapshot(db_url)
        # Columns added by later revisions may follow; the old ones keep their values.
        for t in TABLES:
            assert [r[: len(before[t][0])] for r in after[t]] == before[t], t

        # ... and the store reads them as before.
        rep = store.get_report(1)
        assert rep["copies"] == 2 and rep["events"] == 2 and rep["published"] == "2020-11-15"
        views = store.evidence_views("nk-2020-11-10")
        assert [(v.evidence_id, v.relation.value, v.review.value) for v in views] == [(1, "reschedules", "accepted"), (2, "restates", "proposed")]
        assert views[0].event.new_date == dt.date(2020, 11, 25)
        log = store.review_log(1)
        assert [(r["who"], r["decision"], r["outcome"]) for r in log] == [("analyst", "accepted", "applied")]
        q = store.quarantine_list(include_raw=True)
        assert [(r["source"], r["reason"], r["count"], r["raw"]) for r in q] == [("bad.txt", "no-date", 3, b"\xff\xfe garbage")]
        # The review log stays append-only after the upgrade.
        decided = store.decide(2, "rejected", "analyst2", "wrong place")
        assert decided["state"] == "rejected" and decided["version"] == 2


def test_upgrade_is_idempotent(db_url):
    _at_0001(db_url)
    _fill(db_url)
    with Store(db_url) as store:
        store.upgrade()
        first = _snapshot(db_url)
        store.upgrade()
        assert _snapshot(db_url) == first


def test_upgrade_to_0004_copies_report_and_event_dates_onto_evidence(db_url):
    """0004 fills, for evidence stored before it, the copies status reads (the event's
    report, its date and story, the day the event happened); statuses read from them
    are those of the full join."""
    from sqlalchemy import select

    from accordwatch.agreements import get_agreement
    from accordwatch.status import agreement_status, agreement_status_from_digests
    from accordwatch.store.tables import EvidenceRow

    store = Store(db_url)
    try:
        cfg = store._alembic_config()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
    finally:
        store.close()
    _fill(db_url)
    with Store(db_url) as store:
        store.upgrade()
        v = EvidenceRow.__table__.c
        with store.engine.connect() as c:
            rows = c.execute(select(v.id, v.report_id, v.report_published, v.story_id, v.happened_on).order_by(v.id)).all()
        # The postponement has no date of its own: it happened when reported.
        assert [tuple(r) for r in rows] == [(1, 1, dt.date(2020, 11, 15), None, dt.date(2020, 11, 15)),
                                             (2, 1, dt.date(2020, 11, 15), None, dt.date(2020, 11, 25))]
        agreement = get_agreement("nk-2020-11-10")
        as_of = dt.date(2020, 11, 16)
        for known_at in (dt.date(2020, 11, 14), dt.date(2020, 11, 15)):
            slow = agreement_status(agreement, store.evidence_views(agreement.id), as_of=as_of, known_at=known_at)
            fast = agreement_status_from_digests(agreement, store.status_evidence(agreement.id, as_of, known_at=known_at), as_of)
            assert [s.to_dict() for s in fast] == [s.to_dict() for s in slow]
        kalbajar = next(s for s in fast if s.provision.local_id == "6-kalbajar")
        assert kalbajar.current_due == dt.date(2020, 11, 25) and kalbajar.status.value == "pending"


def test_0004_downgrades_and_upgrades_again(db_url):
    _at_0001(db_url)
    _fill(db_url)
    with Store(db_url) as store:
        store.upgrade()
        before = _snapshot(db_url)
        cfg = store._alembic_config()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
        assert store.revision() == "0003"
        store.upgrade()
        assert _snapshot(db_url) == before
