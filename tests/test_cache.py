"""Answers cached under the database's data version: reused on the same data,
never stale after a change made by this or any other process."""

from __future__ import annotations

import datetime as dt
import threading
import warnings

import pytest

from accordwatch import model
from accordwatch.cache import VersionedCache
from accordwatch.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

KALBAJAR = "nk-2020-11-10/6-kalbajar"


# ----------------------------------------------------------------- the cache itself


def test_same_version_and_key_computes_once() -> None:
    c = VersionedCache()
    calls = []
    for _ in range(3):
        assert c.get_or_compute("v1", "k", lambda: calls.append(1) or 42) == 42
    assert len(calls) == 1 and c.hits == 2 and c.misses == 1


def test_new_version_drops_every_older_answer() -> None:
    c = VersionedCache()
    c.get_or_compute("v1", "a", lambda: 1)
    c.get_or_compute("v1", "b", lambda: 2)
    assert c.get_or_compute("v2", "a", lambda: 10) == 10
    assert len(c) == 1  # "b" of v1 is gone
    assert c.get_or_compute("v2", "b", lambda: 20) == 20


def test_no_version_means_no_caching() -> None:
    c = VersionedCache()
    values = iter(range(10))
    assert [c.get_or_compute(None, "k", lambda: next(values)) for _ in range(3)] == [0, 1, 2]
    assert len(c) == 0


def test_bounded_least_recently_used_goes_first() -> None:
    c = VersionedCache(maxsize=2)
    c.get_or_compute("v", "a", lambda: 1)
    c.get_or_compute("v", "b", lambda: 2)
    c.get_or_compute("v", "a", lambda: 99)  # a is now the most recent
    c.get_or_compute("v", "c", lambda: 3)  # evicts b
    assert len(c) == 2
    assert c.get_or_compute("v", "a", lambda: 99) == 1
    assert c.get_or_compute("v", "b", lambda: 22) == 22
    with pytest.raises(ValueError, match="maxsize"):
        VersionedCache(maxsize=0)


def test_errors_are_not_cached() -> None:
    c = VersionedCache()

    def boom() -> int:
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        c.get_or_compute("v", "k", boom)
    assert c.get_or_compute("v", "k", lambda: 5) == 5


def test_threads_get_one_answer_per_key() -> None:
    c = VersionedCache(maxsize=64)
    seen: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        for j in range(200):
            v = c.get_or_compute("v", j % 16, lambda j=j: (j % 16) * 10)
            with lock:
                seen.append(v - (j % 16) * 10)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 800 and set(seen) == {0}


# ----------------------------------------------------------------- the data version


def _report(n: int) -> model.Report:
    return model.Report(text=f"Report number {n}: Kalbajar was handed over.", published=dt.date(2020, 11, 25), path=f"r{n}.txt")


def test_data_version_changes_with_every_write_and_only_then(db_url: str) -> None:
    with Store(db_url) as s:
        assert s.data_version() is None  # not migrated yet: callers do not cache
        s.upgrade()
        versions = [s.data_version()]
        assert versions[0]
        assert s.data_version() == versions[0]  # reading changes nothing
        s.upgrade()
        assert s.data_version() == versions[0]  # nor does a second upgrade

        def changed() -> bool:
            versions.append(s.data_version())
            return versions[-1] != versions[-2]

        s.add_report(_report(1))
        assert changed()
        s.list_reports()
        s.count_reports()
        assert not changed()
        s.quarantine_add("bad.bin", "binary file")
        assert changed()
        s.add_user("ana", "x" * 20, "viewer")
        assert changed()
        token_id = s.add_token("ana", "script", "h" * 64)
        assert changed()
        assert s.user_for_token("h" * 64)["name"] == "ana"  # also records the token's last use
        assert not changed()  # bookkeeping, not data
        s.revoke_token(token_id)
        assert changed()
        assert s.user_for_token("h" * 64) is None  # the cached lookup saw the new version
        s.set_role("ana", "analyst")
        assert changed()
        assert len(set(versions)) == len(versions) - 2  # only the two read-only steps kept the version


def test_another_store_on_the_same_database_sees_the_new_version(db_url: str) -> None:
    with Store(db_url) as a, Store(db_url) as b:
        a.upgrade()
        before = b.data_version()
        a.add_report(_report(2))
        assert b.data_version() != before


# ----------------------------------------------------------------- through the web layer


@pytest.fixture
def demo_app(tmp_path):  # noqa: ANN001, ANN201
    from accordwatch.demo import build_demo
    from accordwatch.web import auth
    from accordwatch.web.app import create_app

    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    store, _ = build_demo(url)
    store.add_user("viewer", "unused-hash-" + "x" * 20, "viewer")
    token = auth.new_token()
    token_id = store.add_token("viewer", "test", auth.token_hash(token))
    store.close()
    app = create_app(url, public_read=True)
    yield url, app, token, token_id
    app.state.store.close()


def _kalbajar(client: TestClient, headers: dict) -> str:
    r = client.get("/api/v1/agreements/nk-2020-11-10/status", params={"as_of": "2020-11-26", "reviewed_only": "true"}, headers=headers)
    assert r.status_code == 200, r.text
    return {p["id"]: p for p in r.json()["provisions"]}[KALBAJAR]["status"]


def test_status_and_dashboard_follow_a_decision_made_by_another_process(demo_app) -> None:  # noqa: ANN001
    url, app, token, _ = demo_app
    client = TestClient(app)
    h = {"Authorization": f"Bearer {token}"}
    # Counting reviewed evidence only, nothing is accepted yet: the handover is late.
    assert _kalbajar(client, h) == "overdue"
    assert _kalbajar(client, h) == "overdue"  # asked twice: the second answer is the cached one
    page = client.get("/agreements/nk-2020-11-10", params={"as_of": "2020-11-26", "reviewed_only": "1"})
    assert page.status_code == 200 and "overdue" in page.text

    with Store(url) as other:  # e.g. `accordwatch review accept` in a terminal
        [fulfils] = [e for e in other.list_evidence() if e["provision_id"] == KALBAJAR and e["relation"] == "fulfils"]
        other.decide(fulfils["id"], "accepted", who="analyst")

    assert _kalbajar(client, h).startswith("fulfilled")
    page = client.get("/agreements/nk-2020-11-10", params={"as_of": "2020-11-26", "reviewed_only": "1"})
    row = page.text.split('data-provision="nk-2020-11-10/6-kalbajar"', 1)[1][:400]
    assert "fulfilled" in row or "handed over" in row.lower(), row


def test_revoked_token_is_refused_at_once(demo_app) -> None:  # noqa: ANN001
    url, app, token, token_id = demo_app
    client = TestClient(app)
    h = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/agreements", headers=h).status_code == 200
    with Store(url) as other:
        other.revoke_token(token_id)
    r = client.get("/api/v1/agreements", headers=h)
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]
