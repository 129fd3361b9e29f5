"""The storage layer, on SQLite and (with ACCORDWATCH_TEST_PG_URL) PostgreSQL."""

from __future__ import annotations

import datetime as dt
import sys
import threading

import pytest
from sqlalchemy import create_engine, text

from accordwatch import model
from accordwatch.errors import ConflictError, StoreError
from accordwatch.store import Store, content_hash, default_db_url, normalise_text
from accordwatch.store.tables import QUARANTINE_RAW_LIMIT, Base

D = dt.date
AG = "nk-2020-11-10"
KALBAJAR = f"{AG}/6-kalbajar"
SEED = (
    "The transfer of the Kalbajar region to Azerbaijan, due today, has been postponed until November 25.\n\n"
    "Azerbaijan agreed to a ten-day grace period.\n"
)


def report(text: str = SEED, published: D = D(2020, 11, 15), **kw) -> model.Report:  # type: ignore[no-untyped-def]
    return model.Report(text=text, published=published, **kw)


def postponement() -> model.Event:
    return model.Event(
        type=model.EventType.DEADLINE_CHANGE,
        modality=model.Modality.OCCURRED,
        date=D(2020, 11, 15),
        places=["Kalbajar"],
        agent="Armenia",
        subject="handover of Kalbajar",
        old_date=D(2020, 11, 15),
        new_date=D(2020, 11, 25),
        requested_by="Armenia",
        granted_by="Azerbaijan",
        via="Russia",
        reason="logistic problems",
        sentence="The transfer of the Kalbajar region ... postponed until November 25.",
        start=0,
        end=97,
        confidence=0.9,
        trigger="postponed",
        trigger_start=70,
        trigger_end=79,
        rule="deadline.postpone",
        date_precision="day",
    )


def handover(place: str = "Kalbajar", when: D = D(2020, 11, 25), start: int = 0) -> model.Event:
    return model.Event(
        type=model.EventType.HANDOVER,
        modality=model.Modality.PLANNED,
        date=when,
        places=[place],
        agent="Armenia",
        recipient="Azerbaijan",
        sentence=f"{place} is to be handed over.",
        start=start,
        end=start + 30,
    )


def linked(store: Store, published: D, text: str, relation: str = "fulfils") -> int:
    """Store a report with one handover event linked to Kalbajar; return the evidence id."""
    rid, _ = store.add_report(report(text, published))
    (eid,) = store.add_events(rid, [handover(when=published)], "x1")
    ev, _ = store.add_evidence(eid, AG, KALBAJAR, relation)
    return ev


# ----------------------------------------------------------------- text


def test_normalise_text_unifies_layout() -> None:
    assert normalise_text("  A  \r\nB\t\r\n\r\n\r\n\n C\u0301 \n\n") == "A\nB\n\n C\u0301".replace("C\u0301", "\u0106")
    assert content_hash("a\r\n\r\n\r\nb  ") == content_hash("a\n\nb")
    assert content_hash("a\n\nb") != content_hash("a\nb")
    assert len(content_hash("x")) == 64


# ----------------------------------------------------------------- reports


def test_report_dedup_by_hash_records_copies(store: Store) -> None:
    rid, new = store.add_report(report(path="seed/a.txt", source="Agency A"))
    assert new
    same_text_other_layout = SEED.replace("\n", "\r\n") + "\n\n\n"
    assert store.add_report(report(same_text_other_layout, path="mirror/b.txt", source="Agency B")) == (rid, False)
    # re-ingesting either file adds nothing
    assert store.add_report(report(path="seed/a.txt")) == (rid, False)
    assert store.add_report(report(same_text_other_layout, path="mirror/b.txt")) == (rid, False)
    assert store.count_reports() == 1
    got = store.get_report(rid)
    assert got["text"] == SEED and got["path"] == "seed/a.txt" and got["published"] == "2020-11-15"
    assert got["content_hash"] == content_hash(SEED)
    assert got["copies"] == 2
    assert [(c["path"], c["url"], c["source"]) for c in got["copy_list"]] == [("mirror/b.txt", None, "Agency B")]
    (listed,) = store.list_reports()
    assert listed["copies"] == 2 and listed["events"] == 0 and listed["id"] == rid


def test_report_without_path_or_url_is_idempotent(store: Store) -> None:
    rid, _ = store.add_report(report())
    assert store.add_report(report()) == (rid, False)
    assert store.add_report(report(url="https://example.org/a")) == (rid, False)
    assert store.add_report(report(url="https://example.org/a")) == (rid, False)
    assert store.get_report(rid)["copies"] == 2


def test_list_reports_pages(store: Store) -> None:
    ids = [store.add_report(report(f"text {i}"))[0] for i in range(5)]
    assert [r["id"] for r in store.list_reports()] == ids
    assert [r["id"] for r in store.list_reports(limit=2, offset=1)] == ids[1:3]
    assert store.count_reports() == 5


def test_unknown_report_is_a_clear_error(store: Store) -> None:
    with pytest.raises(StoreError, match="no report with id 99"):
        store.get_report(99)
    with pytest.raises(StoreError, match="no report with id 99"):
        store.add_events(99, [handover()], "x1")


# ----------------------------------------------------------------- events


def test_events_round_trip_and_add_is_idempotent(store: Store) -> None:
    rid, _ = store.add_report(report())
    events = [postponement(), handover(), handover()]  # the same span twice: seq tells them apart
    ids = store.add_events(rid, events, "rules-1")
    assert len(set(ids)) == 3
    assert store.add_events(rid, events, "rules-1") == ids
    assert store.add_events(rid, [], "rules-1") == ids
    stored = store.events_for_report(rid)
    assert [i for i, _ in stored] == ids
    assert [e for _, e in stored] == events  # every field, provenance included
    assert store.list_reports()[0]["events"] == 3
    # a new extractor version adds its own rows
    ids2 = store.add_events(rid, [handover()], "rules-2")
    assert len(store.events_for_report(rid)) == 4
    assert [i for i, _ in store.events_for_report(rid, extractor_version="rules-2")] == ids2


def test_list_events_filters(store: Store) -> None:
    rid, _ = store.add_report(report())
    ids = store.add_events(
        rid,
        [postponement(), handover("Lachin", D(2020, 12, 1)), handover("Aghdam", D(2020, 11, 20)), handover("Lachin_x")],
        "x1",
    )
    store.add_evidence(ids[0], AG, KALBAJAR, "reschedules")
    all_events = store.list_events()
    assert [e["id"] for e in all_events] == ids
    first = all_events[0]
    assert first["report_id"] == rid and first["published"] == "2020-11-15" and first["extractor_version"] == "x1"
    assert first["new_date"] == "2020-11-25" and first["places"] == ["Kalbajar"]
    assert [e["id"] for e in store.list_events(agreement_id=AG)] == [ids[0]]
    assert store.list_events(agreement_id="other") == []
    assert [e["id"] for e in store.list_events(type="handover")] == ids[1:]
    assert [e["id"] for e in store.list_events(type=model.EventType.DEADLINE_CHANGE)] == [ids[0]]
    assert [e["id"] for e in store.list_events(date_from=D(2020, 11, 20), date_to=D(2020, 11, 30))] == [
        ids[2],
        ids[3],
    ]
    assert [e["id"] for e in store.list_events(place="lachin")] == [ids[1]]  # exact name, any case
    assert [e["id"] for e in store.list_events(place="Lachin_x")] == [ids[3]]
    assert [e["id"] for e in store.list_events(limit=2, offset=1)] == ids[1:3]


# ----------------------------------------------------------------- evidence and review


def test_add_evidence_is_idempotent_and_checked(store: Store) -> None:
    rid, _ = store.add_report(report())
    (eid,) = store.add_events(rid, [handover()], "x1")
    ev, new = store.add_evidence(eid, AG, KALBAJAR, "fulfils")
    assert new
    assert store.add_evidence(eid, AG, KALBAJAR, model.Relation.FULFILS) == (ev, False)
    other, new = store.add_evidence(eid, AG, KALBAJAR, "restates")
    assert new and other != ev
    got = store.get_evidence(ev)
    assert got["state"] == "proposed" and got["version"] == 1 and got["relation"] == "fulfils"
    assert got["report_id"] == rid and got["sentence"] == "Kalbajar is to be handed over."
    assert got["type"] == "handover" and got["modality"] == "planned" and got["date"] == "2020-11-25"
    assert [e["id"] for e in store.list_evidence(agreement_id=AG)] == [ev, other]
    assert store.list_evidence(state="accepted") == []
    rid2, _ = store.add_report(report(text="Another report: Kalbajar was handed over."))
    (eid2,) = store.add_events(rid2, [handover()], "x1")
    ev2, _ = store.add_evidence(eid2, AG, KALBAJAR, "fulfils")
    assert [e["id"] for e in store.list_evidence(report_id=rid)] == [ev, other]
    assert [e["id"] for e in store.list_evidence(report_id=rid2)] == [ev2]
    with pytest.raises(StoreError, match="unknown relation 'achieves'"):
        store.add_evidence(eid, AG, KALBAJAR, "achieves")
    with pytest.raises(StoreError, match="not a provision of agreement"):
        store.add_evidence(eid, AG, "6-kalbajar", "fulfils")
    with pytest.raises(StoreError, match="no event with id 999"):
        store.add_evidence(999, AG, KALBAJAR, "fulfils")


def test_decide_appends_to_log_and_updates_state(store: Store) -> None:
    ev = linked(store, D(2020, 11, 25), "Kalbajar was handed over.")
    after = store.decide(ev, "accepted", "ana", note="matches the schedule", expected_version=1)
    assert after["state"] == "accepted" and after["version"] == 2
    after = store.decide(ev, model.ReviewState.REJECTED, "ben")
    assert after["state"] == "rejected" and after["version"] == 3
    log = store.review_log(ev)
    assert [(r["decision"], r["previous_state"], r["who"], r["outcome"]) for r in log] == [
        ("accepted", "proposed", "ana", "applied"),
        ("rejected", "accepted", "ben", "applied"),
    ]
    assert log[0]["note"] == "matches the schedule"
    assert dt.datetime.fromisoformat(log[0]["at"]).utcoffset() == dt.timedelta(0)
    assert store.list_evidence(state="rejected")[0]["id"] == ev
    assert store.review_log() == log


def test_stale_decision_is_a_logged_conflict(store: Store) -> None:
    ev = linked(store, D(2020, 11, 25), "Kalbajar was handed over.")
    seen = store.get_evidence(ev)["version"]
    store.decide(ev, "accepted", "ana", expected_version=seen)
    with pytest.raises(ConflictError, match=f"evidence {ev} was changed") as caught:
        store.decide(ev, "rejected", "ben", note="wrong district", expected_version=seen)
    assert caught.value.current["state"] == "accepted" and caught.value.current["version"] == 2
    assert store.get_evidence(ev)["state"] == "accepted"
    log = store.review_log(ev)
    assert [(r["who"], r["decision"], r["outcome"]) for r in log] == [
        ("ana", "accepted", "applied"),
        ("ben", "rejected", "conflict"),
    ]
    assert log[1]["note"] == "wrong district" and log[1]["previous_state"] == "accepted"


def test_decide_rejects_bad_input(store: Store) -> None:
    ev = linked(store, D(2020, 11, 25), "Kalbajar was handed over.")
    with pytest.raises(StoreError, match=r"no evidence with id 4242; see `accordwatch review list`"):
        store.decide(4242, "accepted", "ana")
    with pytest.raises(StoreError, match="decision must be 'accepted' or 'rejected'"):
        store.decide(ev, "proposed", "ana")
    with pytest.raises(StoreError, match="reviewer's name"):
        store.decide(ev, "accepted", " ")
    assert store.review_log() == []


def test_review_log_is_append_only_in_the_database(store: Store) -> None:
    ev = linked(store, D(2020, 11, 25), "Kalbajar was handed over.")
    store.decide(ev, "accepted", "ana")
    with store.engine.connect() as conn:
        for sql in ("UPDATE review_log SET who = 'mallory'", "DELETE FROM review_log"):
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text(sql))
            conn.rollback()
    assert store.review_log(ev)[0]["who"] == "ana"


def test_concurrent_decisions_are_all_logged(db_url: str) -> None:
    with Store(db_url) as first:
        first.upgrade()
        ev = linked(first, D(2020, 11, 25), "Kalbajar was handed over.")
    errors: list[BaseException] = []

    def review(who: str) -> None:
        try:
            with Store(db_url) as s:
                for _ in range(5):
                    s.decide(ev, "accepted", who)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=review, args=(f"analyst{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Store(db_url) as s:
        assert s.get_evidence(ev)["version"] == 21
        assert len(s.review_log(ev)) == 20


def _in_threads(target, args: list[tuple]) -> list[BaseException]:  # type: ignore[no-untyped-def,type-arg]
    errors: list[BaseException] = []

    def run(*a) -> None:  # type: ignore[no-untyped-def]
        try:
            target(*a)
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=a) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_concurrent_ingest_of_the_same_text_stores_it_once(db_url: str) -> None:
    with Store(db_url) as s:
        s.upgrade()
    ids: list[tuple[int, bool]] = []

    def ingest(path: str) -> None:
        with Store(db_url) as s:
            ids.append(s.add_report(report(path=path)))

    assert _in_threads(ingest, [(f"copy{i}.txt",) for i in range(6)]) == []
    assert len({i for i, _ in ids}) == 1 and sum(new for _, new in ids) == 1
    with Store(db_url) as s:
        assert s.count_reports() == 1 and s.list_reports()[0]["copies"] == 6


def test_evidence_views_is_one_query(store: Store) -> None:
    from sqlalchemy import event

    for day in (15, 20, 25):
        linked(store, D(2020, 11, day), f"Report of {day} November.")
    statements: list[str] = []

    def count(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("BEGIN", "PRAGMA")):
            statements.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        assert len(store.evidence_views(AG, known_at=D(2020, 11, 30))) == 3
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_evidence_views_honour_known_at(store: Store) -> None:
    early = linked(store, D(2020, 11, 15), "Kalbajar is due today.", "restates")
    late = linked(store, D(2020, 11, 25), "Kalbajar was handed over.")
    store.add_report(report("Kalbajar was handed over.", D(2020, 11, 26), path="copy.txt"))
    store.decide(early, "rejected", "ana")
    views = store.evidence_views(AG)
    assert [v.evidence_id for v in views] == [early, late]
    v = views[1]
    assert v.provision_id == KALBAJAR and v.relation is model.Relation.FULFILS
    assert v.review is model.ReviewState.PROPOSED and views[0].review is model.ReviewState.REJECTED
    assert v.report_published == D(2020, 11, 25) and v.copies == 2
    assert v.event.type is model.EventType.HANDOVER and v.event.places == ["Kalbajar"]
    assert [x.evidence_id for x in store.evidence_views(AG, known_at=D(2020, 11, 24))] == [early]
    assert [x.evidence_id for x in store.evidence_views(AG, known_at=D(2020, 11, 25))] == [early, late]
    assert store.evidence_views(AG, known_at=D(2020, 11, 14)) == []
    assert store.evidence_views("other-agreement") == []


# ----------------------------------------------------------------- quarantine and meta


def test_quarantine_counts_repeats(store: Store) -> None:
    q1 = store.quarantine_add("in/bad.txt", "no_date", "no date line", raw=b"\xff\xfe junk")
    q2 = store.quarantine_add("in/bad-again.txt", "no_date", "still no date", raw=b"\xff\xfe junk")
    q3 = store.quarantine_add("in/bad.txt", "undecodable", raw=b"\xff\xfe junk")
    q4 = store.quarantine_add("https://example.org/feed", "unreachable")
    assert q1 == q2 and len({q1, q3, q4}) == 3
    rows = {r["id"]: r for r in store.quarantine_list()}
    assert rows[q1]["count"] == 2 and rows[q1]["source"] == "in/bad-again.txt"
    assert rows[q1]["detail"] == "still no date" and rows[q1]["raw_size"] == 7
    assert rows[q4]["raw_size"] is None and "raw" not in rows[q4]
    assert store.quarantine_add("https://example.org/feed", "unreachable") == q4


def test_quarantine_truncates_raw(store: Store) -> None:
    big = b"x" * (QUARANTINE_RAW_LIMIT + 10)
    q = store.quarantine_add("big.bin", "too_big", raw=big)
    (row,) = store.quarantine_list(include_raw=True)
    assert row["id"] == q and row["raw"] == big[:QUARANTINE_RAW_LIMIT]


def test_meta(store: Store) -> None:
    assert store.get_meta("extractor_version") is None
    assert store.get_meta("extractor_version", "none") == "none"
    store.set_meta("extractor_version", "rules-1")
    store.set_meta("extractor_version", "rules-2")
    assert store.get_meta("extractor_version") == "rules-2"


# ----------------------------------------------------------------- schema


def test_migration_creates_schema_and_reruns(db_url: str) -> None:
    with Store(db_url) as s:
        assert s.revision() is None
        s.upgrade()
        assert s.revision() == s.head() == "0004"
        assert set(s.table_names()) >= {
            "reports",
            "report_copies",
            "events",
            "evidence",
            "review_log",
            "quarantine",
            "meta",
            "alembic_version",
        }
        s.add_report(report())
    with Store(db_url) as s:
        s.upgrade()  # re-runnable, keeps data
        assert s.count_reports() == 1


def test_concurrent_first_open_migrates_once(db_url: str) -> None:
    def open_and_upgrade() -> None:
        with Store(db_url) as s:
            s.upgrade()

    assert _in_threads(open_and_upgrade, [()] * 4) == []
    with Store(db_url) as s:
        assert s.revision() == s.head()


def test_concurrent_first_open_of_new_sqlite_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Switching a new file to WAL needs a moment of exclusive access, and SQLite
    # refuses it at once ("database is locked") instead of waiting: before the
    # retry about one new file in twelve failed here; forty files make a
    # regression show.
    for i in range(40):
        url = f"sqlite:///{tmp_path / f'new{i}.sqlite'}"

        def open_and_upgrade(url: str = url) -> None:
            with Store(url) as s:
                s.upgrade()

        assert _in_threads(open_and_upgrade, [()] * 4) == [], f"file {i}"


def test_migration_matches_table_classes(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_unmigrated_database_says_what_to_do(db_url: str) -> None:
    with Store(db_url) as s, pytest.raises(StoreError, match=r"upgrade\(\)"):
        s.count_reports()


# ----------------------------------------------------------------- URLs and errors


def test_default_db_url_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ACCORDWATCH_DB", "sqlite:////tmp/elsewhere.sqlite")
    assert default_db_url() == "sqlite:////tmp/elsewhere.sqlite"
    monkeypatch.delenv("ACCORDWATCH_DB")
    monkeypatch.setattr("platformdirs.user_data_dir", lambda app: str(tmp_path / "data" / app))
    url = default_db_url()
    assert url == f"sqlite:///{tmp_path / 'data' / 'accordwatch' / 'accordwatch.sqlite'}"
    assert (tmp_path / "data" / "accordwatch").is_dir()


def test_store_defaults_to_default_db_url(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ACCORDWATCH_DB", f"sqlite:///{tmp_path / 'env.sqlite'}")
    with Store() as s:
        s.upgrade()
    assert (tmp_path / "env.sqlite").exists()


def test_sqlite_pragmas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Store(f"sqlite:///{tmp_path / 'p.sqlite'}") as s, s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a database URL; write e.g. sqlite:///"),
        ("mysql://u@localhost/x", "'mysql' databases are not supported"),
        ("sqlite:////no/such/folder/aw.sqlite", "folder /no/such/folder does not exist"),
        ("postgresql+nosuchdriver://u@localhost/x", "unknown driver 'postgresql+nosuchdriver'"),
    ],
)
def test_bad_url_is_a_clear_error(url: str, message: str) -> None:
    with pytest.raises(StoreError, match="cannot open database") as caught:
        Store(url)
    assert message in str(caught.value)


def test_file_that_is_not_a_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "notes.sqlite").write_text("not a database")
    with pytest.raises(StoreError, match="cannot open database .*notes.sqlite: file is not a database"):
        Store(f"sqlite:///{tmp_path / 'notes.sqlite'}")


def test_database_from_a_newer_version_is_refused(db_url: str) -> None:
    with Store(db_url) as s:
        s.upgrade()
        with s.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        with pytest.raises(StoreError, match="newer AccordWatch"):
            s.upgrade()


def test_missing_driver_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg -> ImportError
    with pytest.raises(StoreError, match=r"install psycopg: pip install 'psycopg\[binary\]'") as caught:
        Store("postgresql+psycopg://postgres:secret@127.0.0.1:5432/test")
    assert "postgresql+psycopg://postgres:***@127.0.0.1:5432/test" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_unreachable_server_names_the_url() -> None:
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match=r"cannot open database postgresql\+psycopg://postgres@127.0.0.1:9/x"):
        Store("postgresql+psycopg://postgres@127.0.0.1:9/x?connect_timeout=2")


def test_public_names() -> None:
    import accordwatch.store

    assert accordwatch.store.__all__ == [
        "BundleResult", "ReportBundle", "SignatureRecord", "Store", "content_hash", "default_db_url", "normalise_text",
    ]
    assert accordwatch.store.__all__ == sorted(accordwatch.store.__all__)


def test_sqlite_file_is_shared_between_stores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    with Store(url) as a, Store(url) as b:
        a.upgrade()
        b.upgrade()
        rid, _ = a.add_report(report())
        assert b.get_report(rid)["text"] == SEED
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM reports").scalar() == 1
    finally:
        engine.dispose()


# ----------------------------------------------------------------- status without every row


def _many_evidence(store: Store, n_events: int = 3000, seed: int = 5) -> None:
    """Random evidence for every provision of the NK agreement, bulk-inserted:
    mixed relations and review states, undated events, stories, ties in dates."""
    import random

    from sqlalchemy import insert

    from accordwatch.agreements import get_agreement
    from accordwatch.store.tables import EventRow, EvidenceRow, ReportRow

    rng = random.Random(seed)
    pids = [p.id for p in get_agreement(AG).provisions]
    rels = ["fulfils", "partly_fulfils", "reschedules", "breaches", "restates", "restates", "denies"]
    start, now = D(2020, 11, 1), dt.datetime.now(dt.timezone.utc)
    n_reports = n_events // 5
    reports = []
    for r in range(1, n_reports + 1):
        story = rng.choice([None, None, r, rng.randint(1, r)])
        reports.append(dict(id=r, content_hash=f"{r:064x}", text=f"report {r}", published=start + dt.timedelta(days=rng.randrange(90)),
                            language="en", ingested_at=now, title=f"report {r}", source="test", story_id=story))
    events, evidence = [], []
    for e in range(1, n_events + 1):
        rel = rng.choice(rels)
        day = None if rng.random() < 0.2 else start + dt.timedelta(days=rng.randrange(-10, 100))
        events.append(dict(id=e, report_id=rng.randint(1, n_reports), seq=e, type="deadline_change" if rel == "reschedules" else "handover",
                           modality="occurred", date=day, sentence=f"sentence {e}", start=0, end=10, confidence=0.5, extractor_version="t",
                           old_date=day if rel == "reschedules" and rng.random() < 0.5 else None,
                           new_date=start + dt.timedelta(days=rng.randrange(10, 60)) if rel == "reschedules" else None,
                           requested_by=rng.choice([None, "Armenia"]) if rel == "reschedules" else None))
        evidence.append(dict(id=e, event_id=e, agreement_id=AG, provision_id=rng.choice(pids), relation=rel,
                             state=rng.choice(["proposed", "proposed", "accepted", "rejected"]), version=1, created_at=now))
    with store.engine.begin() as c:
        c.execute(insert(ReportRow), reports)
        c.execute(insert(EventRow), events)
        c.execute(insert(EvidenceRow), evidence)


def test_status_evidence_gives_the_statuses_of_every_row(store: Store) -> None:
    """The fast path (``Store.status_evidence`` + ``agreement_status_from_digests``) gives
    the statuses ``agreement_status`` gives over every evidence row, on thousands of rows."""
    import random

    from accordwatch.agreements import get_agreement
    from accordwatch.status import agreement_status, agreement_status_from_digests

    _many_evidence(store)
    agreement = get_agreement(AG)
    rng = random.Random(3)
    dates = [None] + [D(2020, 10, 25) + dt.timedelta(days=rng.randrange(120)) for _ in range(7)]
    checked = 0
    for as_of in [D(2020, 10, 20), D(2020, 11, 10), D(2020, 11, 26), D(2021, 3, 1)] + dates[1:4]:
        for known_at in dates[:4] + [as_of]:
            for reviewed_only in (False, True):
                limit = rng.choice([0, 1, 5, 20])
                slow = agreement_status(agreement, store.evidence_views(AG, known_at=known_at), as_of=as_of,
                                        known_at=known_at, reviewed_only=reviewed_only)
                digests = store.status_evidence(AG, as_of, known_at=known_at, reviewed_only=reviewed_only, limit=limit)
                fast = agreement_status_from_digests(agreement, digests, as_of)
                for a, b in zip(slow, fast, strict=True):
                    da, db = a.to_dict(), b.to_dict()
                    assert db["evidence_total"] == len(da["evidence"]) == da["evidence_total"]
                    assert db["evidence"] == (da["evidence"][max(0, len(da["evidence"]) - limit):] if limit else [])
                    del da["evidence"], db["evidence"]
                    assert da == db, (as_of, known_at, reviewed_only, a.provision.id)
                    checked += 1
    statuses = {s.status for s in slow}
    assert checked > 500 and len(statuses) > 1


def test_user_for_token_writes_last_used_at_most_once_a_minute(store: Store) -> None:
    """The token lookup marks the token used once, then not again within a minute
    (tracked in memory), and a revoked token is refused at once."""
    from sqlalchemy import event

    store.add_user("tok", "x", "viewer")
    tid = store.add_token("tok", "t", "h" * 64)
    assert store.list_tokens("tok")[0]["last_used"] is None
    updates: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("UPDATE"):
            updates.append(statement)

    event.listen(store.engine, "before_cursor_execute", count)
    try:
        for _ in range(5):
            user = store.user_for_token("h" * 64)
            assert user is not None and user["name"] == "tok" and user["token_id"] == tid
    finally:
        event.remove(store.engine, "before_cursor_execute", count)
    assert len(updates) == 1
    assert store.list_tokens("tok")[0]["last_used"] is not None
    assert store.user_for_token("x" * 64) is None
    store.revoke_token(tid)
    assert store.user_for_token("h" * 64) is None


def _copies_disagree(store: Store) -> list[tuple]:
    """Evidence rows whose copies (migration 0004) differ from their event's and report's values."""
    with store.engine.connect() as c:
        rows = c.execute(text(
            "SELECT v.id, v.report_id, v.report_published, v.story_id, v.happened_on, e.report_id, r.published, r.story_id, "
            "COALESCE(e.date, r.published) FROM evidence v JOIN events e ON e.id = v.event_id JOIN reports r ON r.id = e.report_id"
        )).all()
    assert rows
    return [tuple(r) for r in rows if tuple(r[1:5]) != tuple(r[5:9]) or r[2] is None]


def test_evidence_copies_are_filled_by_every_write(store: Store) -> None:
    """The copies status reads (report, its date and story, the event's day) are set by
    every insert path and follow later changes of the report or the event."""
    from sqlalchemy import insert, select

    from accordwatch.link import Link
    from accordwatch.store.tables import EvidenceRow

    ev = EvidenceRow.__table__.c

    single = linked(store, D(2020, 11, 20), "Kalbajar was handed over.")  # add_report + add_events + add_evidence
    undated = model.Event(type=model.EventType.HANDOVER, modality=model.Modality.OCCURRED, date=None, places=["Lachin"],
                          sentence="Lachin was handed over.", start=0, end=20)
    rid, _, _, n = store.add_report_bundle(report("Lachin and Kalbajar were handed over.", D(2020, 12, 1)),
                                           [undated, handover(when=D(2020, 11, 29))], "x1",
                                           [Link(0, AG, f"{AG}/6-lachin", model.Relation.FULFILS, 1.0),
                                            Link(1, AG, KALBAJAR, model.Relation.RESTATES, 1.0)])
    assert n == 2
    with store.engine.begin() as c:  # a bulk insert that knows nothing of the copies
        c.execute(insert(EvidenceRow), [dict(event_id=1, agreement_id=AG, provision_id=f"{AG}/2-aghdam", relation="restates",
                                             state="proposed", version=1, created_at=dt.datetime.now(dt.timezone.utc))])
    assert _copies_disagree(store) == []
    by_id = {v.evidence_id: v for v in store.evidence_views(AG)}
    with store.engine.connect() as c:
        rows = {r[0]: tuple(r[1:]) for r in c.execute(select(ev.id, ev.report_published, ev.story_id, ev.happened_on))}
    assert rows[single] == (D(2020, 11, 20), by_id[single].story_id, D(2020, 11, 20))
    lachin = next(v for v in by_id.values() if v.provision_id.endswith("lachin"))
    assert rows[lachin.evidence_id] == (D(2020, 12, 1), rid, D(2020, 12, 1))  # undated: happened when reported

    store.set_story(rid, by_id[single].report_id)  # a near-duplicate pass merges the stories
    with store.engine.begin() as c:  # and corrections of a report's date or an event's day
        c.execute(text("UPDATE reports SET published = :d WHERE id = :r"), {"d": D(2020, 12, 2), "r": rid})
        c.execute(text("UPDATE events SET date = :d WHERE id = (SELECT event_id FROM evidence WHERE id = :e)"),
                  {"d": D(2020, 11, 19), "e": single})
    assert _copies_disagree(store) == []
    assert store.evidence_views(AG, known_at=D(2020, 11, 30))[0].event.date == D(2020, 11, 19)
    with store.engine.connect() as c:
        story, published = c.execute(select(ev.story_id, ev.report_published).where(ev.id == lachin.evidence_id)).one()
    assert (story, published) == (by_id[single].report_id, D(2020, 12, 2))


def _fast_equals_slow(store: Store, as_of: D, known_at: D | None, reviewed_only: bool, limit: int = 20) -> list:
    from accordwatch.agreements import get_agreement
    from accordwatch.status import agreement_status, agreement_status_from_digests

    agreement = get_agreement(AG)
    slow = agreement_status(agreement, store.evidence_views(AG, known_at=known_at), as_of=as_of, known_at=known_at,
                            reviewed_only=reviewed_only)
    fast = agreement_status_from_digests(agreement, store.status_evidence(AG, as_of, known_at=known_at,
                                                                          reviewed_only=reviewed_only, limit=limit), as_of)
    for a, b in zip(slow, fast, strict=True):
        da, db = a.to_dict(), b.to_dict()
        assert db["evidence"] == (da["evidence"][-limit:] if limit else [])
        del da["evidence"], db["evidence"]
        assert da == db, (as_of, known_at, reviewed_only, a.provision.id)
    return fast


def test_status_evidence_with_many_deadline_moves(store: Store) -> None:
    """Hundreds of moves of one deadline, reported over weeks, some repeated, some
    rejected or only proposed: the fast path gives the full history known at K, the
    latest known move as the current due, and with reviewed_only the accepted moves alone."""
    from sqlalchemy import insert

    from accordwatch.store.tables import EventRow, EvidenceRow, ReportRow

    now = dt.datetime.now(dt.timezone.utc)
    start = D(2020, 11, 12)
    reports, events, evidence = [], [], []
    for i in range(1, 401):
        published = start + dt.timedelta(days=i // 10)
        reports.append(dict(id=i, content_hash=f"{i:064x}", text=f"move {i}", published=published, language="en",
                            ingested_at=now, title=f"move {i}", source="test", story_id=i if i % 3 else i - 1))
        old = None if i % 7 == 0 else start + dt.timedelta(days=(i - 1) % 150)
        new = start + dt.timedelta(days=i % 150 + 3)  # every 150th move repeats an earlier one
        events.append(dict(id=i, report_id=i, seq=0, type="deadline_change", modality="occurred", date=published,
                           old_date=old, new_date=new, requested_by="Armenia" if i % 2 else None,
                           granted_by="Azerbaijan" if i % 5 == 0 else None, sentence=f"moved {i}", start=0, end=10,
                           confidence=0.9, extractor_version="t"))
        evidence.append(dict(id=i, event_id=i, agreement_id=AG, provision_id=KALBAJAR, relation="reschedules",
                             state=["proposed", "accepted", "accepted", "rejected"][i % 4], version=1, created_at=now))
    with store.engine.begin() as c:
        c.execute(insert(ReportRow), reports)
        c.execute(insert(EventRow), events)
        c.execute(insert(EvidenceRow), evidence)
    for known_at in (D(2020, 11, 11), D(2020, 11, 20), D(2020, 12, 10), None):
        for reviewed_only in (False, True):
            fast = _fast_equals_slow(store, D(2021, 1, 1), known_at, reviewed_only)
            kalbajar = next(s for s in fast if s.provision.id == KALBAJAR)
            moves = kalbajar.deadline_history
            if known_at == D(2020, 11, 11):
                assert moves == [] and kalbajar.current_due == kalbajar.original_due
                continue
            assert moves and all(known_at is None or m.known_on <= known_at for m in moves)
            assert kalbajar.current_due == moves[-1].new_date
            assert all(m.review == "accepted" for m in moves) if reviewed_only else any(m.review == "proposed" for m in moves)
            if known_at is None:
                assert max(m.sources for m in moves) > 1  # repeated moves are one move with several sources
    # A move reported after K changes nothing at K, and is in the history once known.
    at_k = next(s for s in _fast_equals_slow(store, D(2021, 1, 1), D(2020, 11, 20), False) if s.provision.id == KALBAJAR)
    later = next(s for s in _fast_equals_slow(store, D(2021, 1, 1), D(2020, 11, 21), False) if s.provision.id == KALBAJAR)
    assert len(later.deadline_history) > len(at_k.deadline_history)
