"""The JSON API and its security: auth, roles, CSRF, public read, conflicts,
headers, escaping, OpenAPI, login throttling, and the users/tokens CLI."""

from __future__ import annotations

import importlib.util
import re
import threading
import warnings

import pytest

with warnings.catch_warnings():  # starlette asks for httpx2, which we do not need
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from accordwatch.web import auth  # noqa: E402
from accordwatch.web.app import CSP, create_app  # noqa: E402

PASSWORDS = {"admin": "admin-pass-1", "analyst": "analyst-pass-1", "viewer": "viewer-pass-1"}
HAS_PAGES = importlib.util.find_spec("accordwatch.web.pages") is not None
API = "/api/v1"
XSS = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module", autouse=True)
def cheap_password_hashing():  # noqa: ANN201
    """Argon2 with small cost parameters: the same code paths, much faster tests."""
    from argon2 import PasswordHasher

    saved, saved_dummy = auth._hasher, auth._DUMMY_HASH
    auth._hasher, auth._DUMMY_HASH = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1), None
    yield
    auth._hasher, auth._DUMMY_HASH = saved, saved_dummy


def add_users(store) -> dict[str, str]:  # noqa: ANN001
    """admin/analyst/viewer with known passwords; returns a bearer token per role."""
    tokens = {}
    for role, pw in PASSWORDS.items():
        store.add_user(role, auth.hash_password(pw), role)
        tok = auth.new_token()
        store.add_token(role, f"{role}-test", auth.token_hash(tok))
        tokens[role] = tok
    return tokens


@pytest.fixture(scope="session")
def demo(tmp_path_factory):  # noqa: ANN001, ANN201
    from accordwatch.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'demo.sqlite'}"
    store, _ = build_demo(url)
    tokens = add_users(store)
    store.close()
    return url, tokens


@pytest.fixture(scope="session")
def app(demo):  # noqa: ANN001, ANN201
    return create_app(demo[0])


@pytest.fixture(scope="session")
def tokens(demo) -> dict[str, str]:  # noqa: ANN001
    return demo[1]


@pytest.fixture
def client(app) -> TestClient:  # noqa: ANN001
    return TestClient(app, follow_redirects=False)


def bearer(tokens: dict[str, str], role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def login(client: TestClient, role: str, password: str | None = None, next_url: str = "/"):  # noqa: ANN201
    page = client.get("/login", params={"next": next_url})
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": role, "password": password or PASSWORDS[role], "csrf_token": token, "next": next_url})


def session_csrf(client: TestClient) -> str:
    r = client.get(f"{API}/me")
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def proposed(client: TestClient, tokens: dict[str, str], n: int = 1) -> list[dict]:
    r = client.get(f"{API}/evidence", params={"state": "proposed", "limit": 1000}, headers=bearer(tokens, "viewer"))
    assert r.status_code == 200
    items = r.json()["items"]
    # leave the Kalbajar deadline move alone: the status tests depend on it
    items = [e for e in items if e["relation"] != "reschedules"]
    assert len(items) >= n
    return items


# ----------------------------------------------------------------- access


def test_health_needs_no_auth(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_anonymous_api_gets_401_json(client: TestClient) -> None:
    for path in ("/agreements", "/events", "/reports", "/evidence", "/agreements/nk-2020-11-10/status"):
        r = client.get(API + path)
        assert r.status_code == 401, path
        assert r.headers["content-type"].startswith("application/json")
        body = r.json()["error"]
        assert body["status"] == 401 and "Bearer" in body["message"]


def test_bad_token_is_401_with_reason(client: TestClient) -> None:
    r = client.get(f"{API}/agreements", headers={"Authorization": "Bearer aw_nonsense"})
    assert r.status_code == 401 and "unknown or revoked" in r.json()["error"]["message"]
    r = client.get(f"{API}/agreements", headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status_code == 401


@pytest.mark.skipif(not HAS_PAGES, reason="no dashboard pages yet")
def test_anonymous_page_redirects_to_login(client: TestClient) -> None:
    r = client.get("/reports")
    assert r.status_code in (302, 303, 307)
    assert r.headers["location"].startswith("/login?next=/reports")


def test_public_read_opens_gets_not_posts(demo) -> None:  # noqa: ANN001
    c = TestClient(create_app(demo[0], public_read=True), follow_redirects=False)
    assert c.get(f"{API}/agreements").status_code == 200
    assert c.get(f"{API}/agreements/nk-2020-11-10/status", params={"as_of": "2020-11-16"}).status_code == 200
    assert c.get(f"{API}/me").json()["name"] is None
    r = c.post(f"{API}/evidence/1/accept", json={})
    assert r.status_code == 401
    r = c.post(f"{API}/ingest", files={"files": ("a.txt", b"date 2020-11-20\nSome text.")})
    assert r.status_code == 401
    if HAS_PAGES:
        assert c.get("/reports").status_code == 200
    # a bad token is still refused even in public-read mode
    assert c.get(f"{API}/agreements", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_viewer_cannot_write(client: TestClient, tokens) -> None:  # noqa: ANN001
    ev = proposed(client, tokens)[0]
    r = client.post(f"{API}/evidence/{ev['id']}/accept", json={}, headers=bearer(tokens, "viewer"))
    assert r.status_code == 403
    assert "analyst" in r.json()["error"]["message"]
    r = client.post(f"{API}/ingest", files={"files": ("a.txt", b"date 2020-11-20\nText.")}, headers=bearer(tokens, "viewer"))
    assert r.status_code == 403


def test_analyst_accepts_and_log_keeps_it(client: TestClient, tokens, app) -> None:  # noqa: ANN001
    ev = proposed(client, tokens)[0]
    r = client.post(f"{API}/evidence/{ev['id']}/accept", json={"note": "two outlets", "expected_version": ev["version"]},
                    headers=bearer(tokens, "analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "accepted" and body["version"] == ev["version"] + 1 and body["log_id"]
    log = app.state.store.review_log(ev["id"])
    assert log[-1]["who"] == "analyst" and log[-1]["note"] == "two outlets" and log[-1]["outcome"] == "applied"


def test_decision_on_missing_evidence_is_404(client: TestClient, tokens) -> None:  # noqa: ANN001
    r = client.post(f"{API}/evidence/999999/reject", json={}, headers=bearer(tokens, "analyst"))
    assert r.status_code == 404 and "no evidence" in r.json()["error"]["message"]


def test_stale_version_is_409_with_current_state(client: TestClient, tokens, app) -> None:  # noqa: ANN001
    ev = proposed(client, tokens, 2)[1]
    seen = ev["version"]
    first = client.post(f"{API}/evidence/{ev['id']}/reject", json={"expected_version": seen}, headers=bearer(tokens, "analyst"))
    assert first.status_code == 200
    second = client.post(f"{API}/evidence/{ev['id']}/accept", json={"expected_version": seen}, headers=bearer(tokens, "admin"))
    assert second.status_code == 409
    err = second.json()["error"]
    assert err["status"] == 409 and err["current"]["state"] == "rejected" and err["current"]["version"] == seen + 1
    log = app.state.store.review_log(ev["id"])
    assert [(x["decision"], x["outcome"]) for x in log[-2:]] == [("rejected", "applied"), ("accepted", "conflict")]


def test_concurrent_decisions_one_wins(app, tokens, client) -> None:  # noqa: ANN001
    ev = proposed(client, tokens, 3)[2]
    results: list[int] = []

    def decide(role: str, what: str) -> None:
        c = TestClient(app)
        results.append(c.post(f"{API}/evidence/{ev['id']}/{what}", json={"expected_version": ev["version"]}, headers=bearer(tokens, role)).status_code)

    threads = [threading.Thread(target=decide, args=("analyst", "accept")), threading.Thread(target=decide, args=("admin", "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    outcomes = sorted(x["outcome"] for x in app.state.store.review_log(ev["id"]))
    assert outcomes == ["applied", "conflict"]


# ----------------------------------------------------------------- sessions and CSRF


def test_login_session_and_csrf(app, tokens) -> None:  # noqa: ANN001
    c = TestClient(app, follow_redirects=False)
    r = login(c, "analyst", next_url="/reports")
    assert r.status_code == 303 and r.headers["location"] == "/reports"
    cookie = r.headers["set-cookie"]
    assert "aw_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # plain http in tests; https sets Secure
    me = c.get(f"{API}/me").json()
    assert me["name"] == "analyst" and me["via"] == "session" and me["csrf_token"]
    ev = proposed(c, tokens)[0]
    # cookie-authenticated POST without the CSRF token: refused
    r = c.post(f"{API}/evidence/{ev['id']}/accept", json={})
    assert r.status_code == 403 and "CSRF" in r.json()["error"]["message"]
    r = c.post(f"{API}/evidence/{ev['id']}/accept", json={}, headers={"X-CSRF-Token": "wrong"})
    assert r.status_code == 403
    r = c.post(f"{API}/evidence/{ev['id']}/accept", json={}, headers={"X-CSRF-Token": me["csrf_token"]})
    assert r.status_code == 200, r.text
    # logout needs the token too, then the session is gone
    assert c.post("/logout").status_code == 403
    r = c.post("/logout", data={"csrf_token": me["csrf_token"]})
    assert r.status_code == 303
    assert c.get(f"{API}/me").status_code == 401


def test_bearer_needs_no_csrf(client: TestClient, tokens) -> None:  # noqa: ANN001
    ev = proposed(client, tokens)[0]
    r = client.post(f"{API}/evidence/{ev['id']}/accept", json={"note": None}, headers=bearer(tokens, "analyst"))
    assert r.status_code == 200


def test_login_rejects_forged_form_and_wrong_password(app) -> None:  # noqa: ANN001
    c = TestClient(app, follow_redirects=False)
    r = c.post("/login", data={"username": "admin", "password": PASSWORDS["admin"], "csrf_token": "forged"})
    assert r.status_code == 403 and "aw_session" not in r.headers.get("set-cookie", "")
    r = login(c, "admin", password="wrong")
    assert r.status_code == 401 and "aw_session" not in r.headers.get("set-cookie", "")


def test_login_next_stays_on_site(app) -> None:  # noqa: ANN001
    c = TestClient(app, follow_redirects=False)
    r = login(c, "viewer", next_url="//evil.example/x")
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_tampered_session_cookie_is_refused(app) -> None:  # noqa: ANN001
    c = TestClient(app, follow_redirects=False)
    login(c, "viewer")
    value = c.cookies.get("aw_session")
    c.cookies.set("aw_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    r = c.get(f"{API}/me")
    assert r.status_code == 401 and "session" in r.json()["error"]["message"]


# ----------------------------------------------------------------- reading


def test_status_spec_example(client: TestClient, tokens) -> None:  # noqa: ANN001
    h = bearer(tokens, "viewer")
    r = client.get(f"{API}/agreements/nk-2020-11-10/status", params={"as_of": "2020-11-16", "known_at": "2020-11-14"}, headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == "2020-11-16" and body["known_at"] == "2020-11-14"
    kal = {p["id"]: p for p in body["provisions"]}["nk-2020-11-10/6-kalbajar"]
    assert kal["status"] == "overdue" and kal["current_due"] == "2020-11-15"
    r = client.get(f"{API}/agreements/nk-2020-11-10/status", params={"as_of": "2020-11-16", "known_at": "2020-11-15"}, headers=h)
    kal = {p["id"]: p for p in r.json()["provisions"]}["nk-2020-11-10/6-kalbajar"]
    assert kal["status"] == "pending" and kal["current_due"] == "2020-11-25" and kal["original_due"] == "2020-11-15"
    assert kal["deadline_history"][0]["old_date"] == "2020-11-15" and kal["deadline_history"][0]["new_date"] == "2020-11-25"


def test_status_same_as_cli_json(client: TestClient, tokens, demo) -> None:  # noqa: ANN001
    import json

    from typer.testing import CliRunner

    from accordwatch.cli import app as cli

    res = CliRunner().invoke(cli, ["--db", demo[0], "status", "nk-2020-11-10", "--as-of", "2020-12-02", "--format", "json"])
    assert res.exit_code == 0, res.output
    r = client.get(f"{API}/agreements/nk-2020-11-10/status", params={"as_of": "2020-12-02"}, headers=bearer(tokens, "viewer"))
    api_rows = r.json()["provisions"]
    cli_rows = json.loads(res.stdout)
    assert [(x["id"], x["status"], x["current_due"]) for x in api_rows] == [(x["id"], x["status"], x["current_due"]) for x in cli_rows]


def test_bad_dates_and_unknown_agreement(client: TestClient, tokens) -> None:  # noqa: ANN001
    h = bearer(tokens, "viewer")
    r = client.get(f"{API}/agreements/nk-2020-11-10/status", params={"as_of": "16/11/2020"}, headers=h)
    assert r.status_code == 422
    assert "YYYY-MM-DD" in r.json()["error"]["message"] and "as_of" in r.json()["error"]["message"]
    r = client.get(f"{API}/agreements/nope/status", headers=h)
    assert r.status_code == 404
    msg = r.json()["error"]["message"]
    assert "unknown agreement 'nope'" in msg and "nk-2020-11-10" in msg
    r = client.get(f"{API}/events", params={"limit": 5000}, headers=h)
    assert r.status_code == 422 and "limit" in r.json()["error"]["message"]


def test_agreements_list(client: TestClient, tokens) -> None:  # noqa: ANN001
    r = client.get(f"{API}/agreements", headers=bearer(tokens, "viewer"))
    rows = {a["id"]: a for a in r.json()}
    nk = rows["nk-2020-11-10"]
    assert nk["signed"] == "2020-11-10" and nk["parties"] and all(set(p) == {"name", "role"} for p in nk["parties"])
    assert sum(nk["counts"].values()) == nk["provisions"]


def test_timeline(client: TestClient, tokens) -> None:  # noqa: ANN001
    r = client.get(f"{API}/agreements/nk-2020-11-10/timeline", headers=bearer(tokens, "viewer"))
    assert r.status_code == 200
    rows = r.json()
    assert [x["date"] for x in rows] == sorted(x["date"] for x in rows)
    moved = [x for x in rows if x["kind"] == "deadline moved" and x["provision"] == "nk-2020-11-10/6-kalbajar"]
    assert moved and "2020-11-25" in moved[0]["what"]
    r = client.get(f"{API}/agreements/nk-2020-11-10/timeline", params={"known_at": "2020-11-14"}, headers=bearer(tokens, "viewer"))
    assert not [x for x in r.json() if x["kind"] == "deadline moved"]


def test_events_filters_and_pagination(client: TestClient, tokens) -> None:  # noqa: ANN001
    h = bearer(tokens, "viewer")
    everything = client.get(f"{API}/events", params={"limit": 1000}, headers=h).json()
    assert everything["limit"] == 1000 and everything["offset"] == 0 and everything["next_offset"] is None
    all_items = everything["items"]
    assert len(all_items) > 3
    page1 = client.get(f"{API}/events", params={"limit": 2}, headers=h).json()
    page2 = client.get(f"{API}/events", params={"limit": 2, "offset": page1["next_offset"]}, headers=h).json()
    assert [e["id"] for e in page1["items"] + page2["items"]] == [e["id"] for e in all_items[:4]]
    handovers = client.get(f"{API}/events", params={"type": "handover", "limit": 1000}, headers=h).json()["items"]
    assert handovers and all(e["type"] == "handover" for e in handovers)
    dated = client.get(f"{API}/events", params={"date_from": "2020-11-20", "date_to": "2020-11-25", "limit": 1000}, headers=h).json()["items"]
    assert dated and all("2020-11-20" <= e["date"] <= "2020-11-25" for e in dated)
    kal = client.get(f"{API}/events", params={"place": "kalbajar", "limit": 1000}, headers=h).json()["items"]
    assert kal and all(any(p.lower() == "kalbajar" for p in e["places"]) for e in kal)
    nk = client.get(f"{API}/events", params={"agreement": "nk-2020-11-10", "limit": 1000}, headers=h).json()["items"]
    assert nk
    assert client.get(f"{API}/events", params={"type": "party"}, headers=h).status_code == 422
    assert client.get(f"{API}/events", params={"date_from": "2020-12-01", "date_to": "2020-11-01"}, headers=h).status_code == 400


def test_reports_and_report_detail(client: TestClient, tokens) -> None:  # noqa: ANN001
    h = bearer(tokens, "viewer")
    page = client.get(f"{API}/reports", params={"limit": 2}, headers=h).json()
    assert page["total"] >= 6 and len(page["items"]) == 2 and page["next_offset"] == 2
    rid = page["items"][0]["id"]
    rep = client.get(f"{API}/reports/{rid}", headers=h).json()
    assert rep["text"] and rep["copies"] >= 1 and isinstance(rep["copy_list"], list)
    assert rep["events"] and all(e["report_id"] == rid for e in rep["events"])
    r = client.get(f"{API}/reports/999999", headers=h)
    assert r.status_code == 404 and "no report" in r.json()["error"]["message"]


def test_evidence_filters(client: TestClient, tokens) -> None:  # noqa: ANN001
    h = bearer(tokens, "viewer")
    acc = client.get(f"{API}/evidence", params={"state": "accepted"}, headers=h).json()["items"]
    assert all(e["state"] == "accepted" for e in acc)
    assert client.get(f"{API}/evidence", params={"state": "maybe"}, headers=h).status_code == 422
    assert client.get(f"{API}/evidence", params={"agreement": "nope"}, headers=h).status_code == 404


# ----------------------------------------------------------------- ingest and escaping


def test_ingest_upload_and_script_stays_text(client: TestClient, tokens, app) -> None:  # noqa: ANN001
    text = f"date 2021-03-01\nA report quoting {XSS} and {XSS_IMG} while the ceasefire held along the line of contact.\n"
    r = client.post(
        f"{API}/ingest",
        files=[("files", ("xss.txt", text.encode(), "text/plain")),
               ("files", ("lines.jsonl", b'{"date": "2021-03-02", "text": "Prisoners were exchanged in Goris."}\nnot json\n', "application/json")),
               ("files", ("undated.txt", b"No date anywhere here.", "text/plain"))],
        headers=bearer(tokens, "analyst"),
    )
    assert r.status_code == 200, r.text
    summary = r.json()
    assert summary["seen"] == 4 and summary["new"] == 2 and summary["quarantined"] == 2
    assert {q["reason"] for q in summary["quarantine"]} >= {"no-date"}
    assert all(q["source"].startswith("upload:") for q in summary["quarantine"])
    rid = summary["report_ids"][0]
    rep = client.get(f"{API}/reports/{rid}", headers=bearer(tokens, "viewer"))
    assert rep.headers["content-type"].startswith("application/json")
    assert XSS in rep.json()["text"] and XSS_IMG in rep.json()["text"]  # data, verbatim, as a JSON string
    assert rep.json()["path"] == "upload:xss.txt"
    # the same upload again adds nothing
    again = client.post(f"{API}/ingest", files={"files": ("xss.txt", text.encode())}, headers=bearer(tokens, "analyst")).json()
    assert again["new"] == 0 and again["report_ids"] == [rid]
    # a form date dates plain text
    dated = client.post(f"{API}/ingest", files={"files": ("plain.txt", b"Peacekeepers deployed near Stepanakert.")},
                        data={"date": "2021-03-05"}, headers=bearer(tokens, "analyst")).json()
    assert dated["new"] == 1
    bad = client.post(f"{API}/ingest", files={"files": ("plain.txt", b"x")}, data={"date": "March 5"}, headers=bearer(tokens, "analyst"))
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]["message"]
    if HAS_PAGES:
        viewer = TestClient(app, follow_redirects=False)
        login(viewer, "viewer")
        page = viewer.get(f"/reports/{rid}")
        assert page.status_code == 200
        assert XSS not in page.text and XSS_IMG not in page.text
        assert "&lt;script&gt;" in page.text


def test_ingest_with_session_needs_csrf(app) -> None:  # noqa: ANN001
    c = TestClient(app, follow_redirects=False)
    login(c, "analyst")
    token = session_csrf(c)
    files = {"files": ("s.txt", b"date 2021-04-01\nThe corridor stayed open.")}
    assert c.post(f"{API}/ingest", files=files).status_code == 403
    assert c.post(f"{API}/ingest", files=files, data={"csrf_token": token}).status_code == 200
    assert c.post(f"{API}/ingest", files=files, headers={"X-CSRF-Token": token}).status_code == 200


# ----------------------------------------------------------------- headers, OpenAPI, reference page


def test_security_headers_on_every_response(client: TestClient, tokens) -> None:  # noqa: ANN001
    responses = [
        client.get("/healthz"),
        client.get("/login"),
        client.get(f"{API}/agreements"),  # 401
        client.get(f"{API}/agreements", headers=bearer(tokens, "viewer")),
        client.get(f"{API}/nothing-here"),  # 404
        client.get(f"{API}/openapi.json"),
        client.get(f"{API}/docs"),
        client.post(f"{API}/evidence/1/accept", json={}, headers=bearer(tokens, "viewer")),  # 403
        client.get("/"),
    ]
    for r in responses:
        csp = r.headers.get("content-security-policy")
        assert csp == CSP, (r.request.url, r.status_code)
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "same-origin"


def test_api_404_and_405_are_json(client: TestClient, tokens) -> None:  # noqa: ANN001
    r = client.get(f"{API}/nothing-here", headers=bearer(tokens, "viewer"))
    assert r.status_code == 404 and r.json()["error"]["status"] == 404
    r = client.delete(f"{API}/agreements", headers=bearer(tokens, "viewer"))
    assert r.status_code == 405 and r.json()["error"]["status"] == 405


def test_openapi_and_offline_reference(client: TestClient) -> None:
    spec = client.get(f"{API}/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/v1/agreements", "/api/v1/agreements/{agreement_id}/status", "/api/v1/events", "/api/v1/reports/{report_id}",
              "/api/v1/evidence/{evidence_id}/accept", "/api/v1/ingest"):
        assert p in paths
    assert not any(p.startswith(("/login", "/logout", "/healthz")) for p in paths)
    status_200 = paths["/api/v1/agreements/{agreement_id}/status"]["get"]["responses"]["200"]
    assert status_200["content"]["application/json"]["schema"]["$ref"].endswith("/StatusResponse")
    assert "409" in paths["/api/v1/evidence/{evidence_id}/accept"]["post"]["responses"]
    assert client.get("/docs").status_code == 404 and client.get("/redoc").status_code == 404
    page = client.get(f"{API}/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "/api/v1/agreements/{agreement_id}/status" in page.text and "as_of" in page.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text), "the reference page must not load anything from elsewhere"
    assert "<script" not in page.text and "<style" not in page.text


# ----------------------------------------------------------------- login throttling


@pytest.fixture
def small_app(tmp_path):  # noqa: ANN001, ANN201
    from accordwatch.store import Store

    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    with Store(url) as s:
        s.upgrade()
        s.add_user("zoe", auth.hash_password("zoe-password"), "viewer")
    return create_app(url)


def test_login_throttling(small_app, monkeypatch) -> None:  # noqa: ANN001
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(auth, "sleep", fake_sleep)
    c = TestClient(small_app, follow_redirects=False)
    codes = [login(c, "zoe", password="wrong").status_code for _ in range(10)]
    assert codes == [401] * 10
    assert waits == [1, 2, 4, 8, 8, 8, 8]  # none for the first three failures, then doubling up to 8 s
    r = login(c, "zoe", password="zoe-password")  # even the right password: blocked for now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    assert "aw_session" not in r.headers.get("set-cookie", "")


def test_throttle_counts_per_address_and_resets_on_success(monkeypatch) -> None:
    import asyncio

    now = [1000.0]
    t = auth.LoginThrottle(clock=lambda: now[0])
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(auth, "sleep", fake_sleep)
    for i in range(4):  # four different names from one address
        t.failed(f"user{i}", "10.0.0.1")
    asyncio.run(t.before_attempt("someone-else", "10.0.0.1"))
    assert waits == [2]
    asyncio.run(t.before_attempt("someone-else", "10.0.0.2"))  # another address, fresh name: no wait
    assert waits == [2]
    for _ in range(3):
        t.failed("ann", "10.0.0.3")
    t.succeeded("ann", "10.0.0.3")
    assert t.failures("ann", "10.0.0.4") == 0
    now[0] += 16 * 60  # the window passed: old failures no longer count
    assert t.failures("x", "10.0.0.1") == 0


# ----------------------------------------------------------------- users and tokens CLI


def test_users_and_tokens_cli(tmp_path) -> None:  # noqa: ANN001
    import json

    from typer.testing import CliRunner

    from accordwatch.cli import app as cli

    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    run = CliRunner()

    def invoke(*args: str, input: str | None = None):  # noqa: A002, ANN202
        return run.invoke(cli, ["--db", url, *args], input=input)

    r = invoke("users", "add", "amira", "--role", "analyst", "--password-stdin", input="a-long-password\n")
    assert r.exit_code == 0, r.output
    r = invoke("users", "add", "amira", "--role", "viewer", "--password-stdin", input="another-password\n")
    assert r.exit_code == 1 and "already exists" in r.output
    r = invoke("users", "add", "short", "--password-stdin", input="abc\n")
    assert r.exit_code == 1 and "shorter than 8" in r.output
    r = invoke("users", "add", "pat", "--role", "viewer", input="pat-password\npat-password\n")  # prompted twice
    assert r.exit_code == 0, r.output
    users = json.loads(invoke("users", "list", "--format", "json").stdout)
    assert [(u["name"], u["role"]) for u in users] == [("amira", "analyst"), ("pat", "viewer")]
    assert "password_hash" not in users[0]
    assert invoke("users", "set-role", "pat", "admin").exit_code == 0
    r = invoke("users", "set-role", "ghost", "admin")
    assert r.exit_code == 1 and "no user 'ghost'" in r.output and "users list" in r.output

    r = invoke("tokens", "create", "nightly", "--user", "amira")
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("aw_")
    app = create_app(url)
    c = TestClient(app)
    me = c.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me == {"name": "amira", "role": "analyst", "via": "token", "csrf_token": None}
    rows = json.loads(invoke("tokens", "list", "--format", "json").stdout)
    assert rows[0]["name"] == "nightly" and rows[0]["last_used"] and token not in json.dumps(rows)
    assert invoke("tokens", "revoke", str(rows[0]["id"])).exit_code == 0
    assert c.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert invoke("tokens", "revoke", "999").exit_code == 1
    assert invoke("tokens", "create", "x", "--user", "ghost").exit_code == 1

    assert invoke("users", "remove", "pat").exit_code == 0
    assert [u["name"] for u in json.loads(invoke("users", "list", "--format", "json").stdout)] == ["amira"]
    app.state.store.close()


def test_session_ends_when_role_changes_or_password_changes(small_app) -> None:  # noqa: ANN001
    c = TestClient(small_app, follow_redirects=False)
    assert login(c, "zoe", password="zoe-password").status_code == 303
    assert c.get(f"{API}/me").json()["role"] == "viewer"
    store = small_app.state.store
    store.set_role("zoe", "analyst")
    assert c.get(f"{API}/me").json()["role"] == "analyst"  # read fresh on every request
    store.set_password("zoe", auth.hash_password("a-new-password"))
    assert c.get(f"{API}/me").status_code == 401
