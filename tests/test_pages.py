"""Server-rendered pages and the SVG charts (issue 4, part B)."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("fastapi")

import warnings  # noqa: E402

with warnings.catch_warnings():  # starlette >= 0.47 warns that it prefers httpx2 over httpx
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient  # noqa: E402

from accordwatch.model import Agreement, EventType, Party, PartyRole, Provision, Status, Term  # noqa: E402
from accordwatch.status import DeadlineMove, ProvisionStatus  # noqa: E402
from accordwatch.web import svg  # noqa: E402
from accordwatch.web.pages import highlight_report, mark_spans  # noqa: E402

ANALYST, ANALYST_PW = "ana", "correct horse battery"
NK = "nk-2020-11-10"
KALBAJAR = "prov-nk-2020-11-10-6-kalbajar"
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"


# ----------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory) -> str:  # type: ignore[no-untyped-def]
    from accordwatch.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'demo.sqlite'}"
    store, _ = build_demo(url)
    from accordwatch.web.auth import hash_password

    store.add_user(ANALYST, hash_password(ANALYST_PW), "analyst")
    store.close()
    return url


@pytest.fixture(scope="module")
def app(demo_url):  # type: ignore[no-untyped-def]
    from accordwatch.web.app import create_app

    return create_app(demo_url)


def login(client: TestClient, name: str = ANALYST, password: str = ANALYST_PW) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": name, "password": password, "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text


@pytest.fixture(scope="module")
def client(app):  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        login(c)
        yield c


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def row(html: str, anchor: str) -> str:
    m = re.search(rf'<tr id="{re.escape(anchor)}".*?</tr>', html, re.S)
    assert m, f"no table row {anchor}"
    return m.group(0)


def district(html: str, name: str) -> str:
    m = re.search(rf'<path class="district[^"]*"[^>]*data-district="{re.escape(name)}"[^>]*>', html)
    assert m, f"no district {name} on the map"
    return m.group(0)


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html, re.I), "inline <script>"
    assert not re.search(r"<style\b", html, re.I), "<style> block"
    for tag in re.findall(r"<[a-zA-Z][^>]*>", html):  # real tags only (escaped text has no '<')
        assert not re.search(r"\sstyle\s*=", tag, re.I), f"style= attribute in {tag}"
        assert not re.search(r"\son[a-z]+\s*=", tag, re.I), f"event handler attribute in {tag}"


# ----------------------------------------------------------------- pages


def test_pages_render(client: TestClient) -> None:
    for url in ["/", f"/agreements/{NK}", f"/agreements/{NK}?as_of=2020-11-16&known_at=2020-11-15", "/reports", "/reports/2",
                "/review", "/ingest", "/quarantine", "/agreements/minsk-ii-2015-02-12"]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert r.headers["content-type"].startswith("text/html")
        assert_no_inline_code(r.text)
        assert 'href="#main"' in r.text  # skip link


def test_agreements_list(client: TestClient) -> None:
    html = client.get("/").text
    assert f'href="/agreements/{NK}"' in html
    assert "2020-11-10" in html and "Armenia" in html and "mediator" in html
    assert 'class="badge st-' in html


def test_anonymous_is_sent_to_login(app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(app) as anon:
        r = anon.get(f"/agreements/{NK}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        r = anon.get("/review", follow_redirects=False)
        assert r.status_code == 303


def test_public_read(demo_url) -> None:  # type: ignore[no-untyped-def]
    from accordwatch.web.app import create_app

    with TestClient(create_app(demo_url, public_read=True)) as anon:
        assert anon.get(f"/agreements/{NK}?as_of=2020-11-16").status_code == 200
        assert anon.get("/review", follow_redirects=False).status_code == 303  # analysts only


def test_dashboard_kalbajar_moved_then_fulfilled(client: TestClient) -> None:
    html = client.get(f"/agreements/{NK}?as_of=2020-11-16").text
    kal = row(html, KALBAJAR)
    assert "2020-11-15" in kal and "2020-11-25" in kal
    assert "moved 2020-11-15 → 2020-11-25" in kal
    assert "st-pending" in kal and "handed over" not in kal
    path = district(html, "Kalbajar")
    assert "st-pending" in path and f'fill="{svg.STATUS_COLOURS["pending"]}"' in path
    assert 'value="2020-11-16"' in html  # the form keeps the date

    html = client.get(f"/agreements/{NK}?as_of=2020-11-26").text
    kal = row(html, KALBAJAR)
    assert "st-fulfilled" in kal and "handed over (on time)" in kal
    path = district(html, "Kalbajar")
    assert "st-fulfilled" in path and f'fill="{svg.STATUS_COLOURS["fulfilled"]}"' in path
    assert f'href="#{KALBAJAR}"' in html  # the district links to its provision


def test_dashboard_known_at(client: TestClient) -> None:
    kal = row(client.get(f"/agreements/{NK}?as_of=2020-11-16&known_at=2020-11-14").text, KALBAJAR)
    assert "st-overdue" in kal and "moved" not in kal


def test_dashboard_evidence_sentences(client: TestClient) -> None:
    html = client.get(f"/agreements/{NK}?as_of=2020-11-26").text
    assert f'id="ev-{KALBAJAR}"' in html
    group = re.search(rf'<section id="ev-{KALBAJAR}".*?</section>', html, re.S).group(0)
    assert "The Kalbajar district was returned to Azerbaijan" in re.sub(r"<[^>]+>", "", group)
    assert re.search(r"<mark[^>]*>[^<]+</mark>", group)
    assert 'href="/reports/' in group and "unreviewed" in group


def test_dashboard_bad_date_and_unknown_agreement(client: TestClient) -> None:
    r = client.get(f"/agreements/{NK}?as_of=16.11.2020")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.text
    r = client.get("/agreements/no-such-thing")
    assert r.status_code == 404 and NK in r.text
    assert client.get("/reports/99999").status_code == 404


def test_no_map_for_other_theatres(client: TestClient) -> None:
    html = client.get("/agreements/minsk-ii-2015-02-12").text
    assert "No map is available" in html and 'class="map"' not in html


def test_report_page_highlights_events(client: TestClient) -> None:
    html = client.get("/reports/2").text
    marks = re.findall(r'<mark class="event[^"]*"[^>]*>', html)
    assert len(marks) >= 5
    assert re.search(r'title="[^"]*deadline_change, occurred', html)
    assert f'href="/agreements/{NK}#{KALBAJAR}"' in html  # event -> provision link


def test_review_accept_and_conflict(client: TestClient) -> None:
    page = client.get("/review").text
    m = re.search(r'name="single" value="(\d+):(\d+):accepted"', page)
    eid, version = int(m.group(1)), int(m.group(2))
    token = csrf_of(page)
    r = client.post("/review", data={"csrf_token": token, "single": f"{eid}:{version}:accepted", f"note-{eid}": "checked"},
                    follow_redirects=False)
    assert r.status_code == 303 and "decided=1" in r.headers["location"]
    ev = client.app.state.store.get_evidence(eid)
    assert ev["state"] == "accepted"
    # the same stale form again: a polite 409 with the current state
    r = client.post("/review", data={"csrf_token": token, "single": f"{eid}:{version}:rejected"})
    assert r.status_code == 409
    assert "Someone decided before you" in r.text and "now <strong>accepted</strong>" in r.text
    # without the CSRF token: refused
    r = client.post("/review", data={"single": f"{eid}:{version + 1}:rejected"})
    assert r.status_code == 403
    assert client.app.state.store.get_evidence(eid)["state"] == "accepted"


def test_review_bulk(client: TestClient) -> None:
    page = client.get("/review").text
    picks = re.findall(r'name="ids" value="(\d+:\d+)"', page)[:2]
    assert len(picks) == 2
    r = client.post("/review", data={"csrf_token": csrf_of(page), "bulk": "rejected", "ids": picks, "note": "not about it"},
                    follow_redirects=False)
    assert r.status_code == 303
    for p in picks:
        assert client.app.state.store.get_evidence(int(p.split(":")[0]))["state"] == "rejected"
    r = client.post("/review", data={"csrf_token": csrf_of(page), "bulk": "accepted"})
    assert r.status_code == 400 and "No evidence was selected" in r.text


def test_ingest_page_and_xss(client: TestClient) -> None:
    page = client.get("/ingest").text
    text = f"date 2020-11-27\nAzerbaijani troops entered the Kalbajar district. {HOSTILE}\n"
    files = [
        ("files", ("hostile.txt", text.encode(), "text/plain")),
        ("files", ("undated.txt", b"No date anywhere in here.", "text/plain")),
    ]
    r = client.post("/ingest", data={"csrf_token": csrf_of(page)}, files=files)
    assert r.status_code == 200, r.text
    assert "quarantined" in r.text and "undated.txt" in r.text
    rid = int(re.search(r'href="/reports/(\d+)">report', r.text).group(1))
    html = client.get(f"/reports/{rid}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<img" not in html
    assert_no_inline_code(html)
    # the same file again is a duplicate
    r = client.post("/ingest", data={"csrf_token": csrf_of(page)}, files=[files[0]])
    assert "duplicate of an earlier copy" in r.text
    # the quarantine lists the undated file
    assert "undated.txt" in client.get("/quarantine").text


def test_ingest_needs_csrf(client: TestClient) -> None:
    r = client.post("/ingest", files=[("files", ("a.txt", b"date 2020-11-28\nx", "text/plain"))])
    assert r.status_code == 403


# ----------------------------------------------------------------- highlighting


def test_mark_spans_escapes_everything() -> None:
    text = 'a <b>"bold"</b> & <script>x</script>'
    out = str(mark_spans(text, [(2, 5, {"class": 'c" onclick="x', "title": "<t>"})]))
    assert "<b>" not in out and "&lt;b&gt;" in out and "&lt;script&gt;" in out
    assert '<mark class="c&#34; onclick=&#34;x" title="&lt;t&gt;">&lt;b&gt;</mark>' in out
    # overlapping and out-of-range spans are left unmarked, never break the text
    out = str(mark_spans("abcdef", [(0, 3, {}), (2, 4, {}), (5, 99, {})]))
    assert out == "<mark>abc</mark>def"


def test_highlight_report_groups_events() -> None:
    from accordwatch.model import Event, Modality

    text = "date 2020-11-15\nThe handover was postponed."
    a = Event(EventType.HANDOVER, Modality.POSTPONED, sentence="The handover was postponed.", start=16, end=43,
              trigger="handover", trigger_start=20, trigger_end=28)
    b = Event(EventType.DEADLINE_CHANGE, Modality.OCCURRED, sentence="The handover was postponed.", start=16, end=43,
              trigger="postponed", trigger_start=33, trigger_end=42)
    out = str(highlight_report(text, [(1, a), (2, b)]))
    assert out.count("<mark") == 2 and 'href="#ev-1"' in out and 'href="#ev-2"' in out
    assert ">handover</mark>" in out and ">postponed</mark>" in out


# ----------------------------------------------------------------- svg


def _agreement(*provisions: Provision) -> Agreement:
    return Agreement("t", "T", dt.date(2020, 11, 10), None, (Party("A", PartyRole.SIGNATORY),), provisions)


def _statuses() -> list[ProvisionStatus]:
    hostile = Provision('t/<x>', '6 <b>"&', EventType.HANDOVER, "text", places=("Kalbajar",), due=dt.date(2020, 11, 15))
    other = Provision("t/2", "2", EventType.HANDOVER, "t", places=("Aghdam", "<script>alert(1)</script>"), due=dt.date(2020, 11, 20))
    cont = Provision("t/1", "1", EventType.CEASEFIRE, "t", places=("Nagorno-Karabakh",), term=Term(start=dt.date(2020, 11, 10)))
    undated = Provision("t/9", "9", EventType.EXCHANGE, "t")
    move = DeadlineMove(dt.date(2020, 11, 15), dt.date(2020, 11, 25), dt.date(2020, 11, 15), 2, 7, "s", "proposed")
    return [
        ProvisionStatus(hostile, Status.FULFILLED, dt.date(2020, 11, 15), dt.date(2020, 11, 25), fulfilled_on=dt.date(2020, 11, 25),
                        on_time=True, deadline_history=[move]),
        ProvisionStatus(other, Status.OVERDUE, dt.date(2020, 11, 20), dt.date(2020, 11, 20)),
        ProvisionStatus(cont, Status.IN_FORCE, None, None),
        ProvisionStatus(undated, Status.PENDING, None, None),
    ]


def test_timeline_svg() -> None:
    out = svg.timeline_svg(_statuses(), dt.date(2020, 11, 26), dt.date(2020, 11, 20))
    root = ET.fromstring(out)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title") is not None and root.find(f"{ns}desc") is not None
    assert out.count('class="tl-row') == 2  # one row per dated provision (not continuous, not undated)
    assert "<script>" not in out and "&lt;script&gt;" in out and "&lt;b&gt;" in out
    assert 'class="tl-move"' in out and "moved, known 2020-11-15" in out
    assert 'class="tl-done"' in out and 'class="tl-asof"' in out and "as of 2020-11-26" in out
    assert "Nov 2020" in out
    assert 'style=' not in out


def test_timeline_svg_empty_and_far_as_of() -> None:
    out = svg.timeline_svg([], dt.date(2020, 1, 1))
    ET.fromstring(out)
    assert "No dated provisions" in out
    out = svg.timeline_svg(_statuses(), dt.date(2030, 1, 1))
    ET.fromstring(out)
    assert "as of 2030-01-01 →" in out


def test_map_svg() -> None:
    out = svg.map_svg(_statuses(), "karabakh")
    root = ET.fromstring(out)
    assert root.tag.endswith("svg")
    assert len(out) < 150_000
    assert 'class="map-legend"' in out and "fulfilled / handed over" in out and "overdue" in out
    assert "geoBoundaries" in out and "CC BY-SA 3.0" in out and "CC BY 2.5" in out
    kal = re.search(r'<path class="district[^"]*"[^>]*data-district="Kalbajar"[^>]*>', out).group(0)
    assert "st-fulfilled" in kal and svg.STATUS_COLOURS["fulfilled"] in kal
    agh = re.search(r'<path class="district[^"]*"[^>]*data-district="Aghdam"[^>]*>', out).group(0)
    assert "st-overdue" in agh
    assert 'href="#prov-t-x"' in out  # hostile id slugged for the anchor
    assert "<b>" not in out and "<script" not in out and "&lt;b&gt;" in out
    for label in ("Lachin", "Shusha", "Syunik", "Khankendi"):
        assert f">{label}</text>" in out
    assert "style=" not in out


def test_map_svg_other_theatre() -> None:
    assert svg.map_svg(_statuses(), None) == ""
    assert svg.map_svg(_statuses(), "donbas") == ""


def test_status_label() -> None:
    s = _statuses()
    assert svg.status_label(s[0]) == "handed over (on time)"
    assert svg.status_label(s[1]) == "overdue"
    assert svg.anchor_id("nk-2020-11-10/6-kalbajar") == KALBAJAR
