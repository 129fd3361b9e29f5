"""The dashboard in a real browser: Debian's Chromium driven by Playwright.

Never downloads a browser: it uses /usr/bin/chromium (``apt-get install
chromium``) and fails, not skips, when it is missing. Screenshots of every
step go to ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
ANALYST, ANALYST_PW = "ana", "correct horse battery"
NK = "nk-2020-11-10"
KALBAJAR = "prov-nk-2020-11-10-6-kalbajar"
HOSTILE = "<script>alert(1)</script> and <img src=x onerror=alert(1)>"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The app on a free loopback port, served by uvicorn in a background thread."""
    import httpx
    import uvicorn

    from accordwatch.demo import build_demo
    from accordwatch.web.app import create_app
    from accordwatch.web.auth import hash_password

    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'demo.sqlite'}"
    store, _ = build_demo(url)
    store.add_user(ANALYST, hash_password(ANALYST_PW), "analyst")
    store.close()
    app = create_app(url)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, name="uvicorn-test", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            srv.should_exit = True
            pytest.fail("the web app did not answer /healthz within 30 s")
        time.sleep(0.1)
    yield base
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's Chromium with `apt-get install chromium` "
                    "(the browser tests never download a browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    pg = context.new_page()
    pg.dialogs = []  # type: ignore[attr-defined]
    pg.console_errors = []  # type: ignore[attr-defined]

    def on_dialog(d):  # type: ignore[no-untyped-def]
        pg.dialogs.append(d.message)  # type: ignore[attr-defined]
        d.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def login(page, base: str, next_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}{next_url}")
    assert "/login" in page.url  # anonymous: sent to the login page
    page.get_by_label("User name").fill(ANALYST)
    page.get_by_label("Password").fill(ANALYST_PW)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def test_dashboard_review_report_xss(server: str, page) -> None:  # type: ignore[no-untyped-def]
    # 1. log in and land on the dashboard at 16 November
    login(page, server, f"/agreements/{NK}?as_of=2020-11-16")
    assert f"/agreements/{NK}" in page.url and "as_of=2020-11-16" in page.url
    row = page.locator(f"#{KALBAJAR}")
    text = row.inner_text()
    assert "2020-11-25" in text and "moved 2020-11-15 → 2020-11-25" in text
    assert re.search(r"\bpending\b|\bdue\b", text) and "handed over" not in text
    kal = page.locator('svg.map path[data-district="Kalbajar"]')
    assert re.search(r"st-(pending|due)", kal.get_attribute("class"))
    assert page.locator("svg.timeline .tl-row").count() >= 3
    shot(page, "01-dashboard-2020-11-16")

    # 2. change "as of" with the form: Kalbajar handed over
    page.get_by_label("As of (what had happened by)").fill("2020-11-26")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"as_of=2020-11-26"))
    text = page.locator(f"#{KALBAJAR}").inner_text()
    assert "handed over (on time)" in text
    assert "st-fulfilled" in page.locator('svg.map path[data-district="Kalbajar"]').get_attribute("class")
    shot(page, "02-dashboard-2020-11-26")
    page.set_viewport_size({"width": 820, "height": 1100})  # tablet
    shot(page, "02b-dashboard-tablet")
    page.set_viewport_size({"width": 1366, "height": 900})

    # clicking the district highlights its provision (app.js, allowed by the CSP)
    page.locator('svg.map a.district-link:has(path[data-district="Kalbajar"])').click()
    page.wait_for_function(f"document.getElementById('{KALBAJAR}').classList.contains('highlight')")
    shot(page, "03-map-click")

    # 3. review: select-all appears (JS), accept one piece of evidence
    page.goto(f"{server}/review")
    assert page.locator("#select-all").is_visible()
    first = page.locator("table.review tbody tr").first
    ev_id = first.get_attribute("id").split("-")[1]
    first.get_by_label(f"Note on evidence {ev_id}").fill("checked against the report")
    first.get_by_role("button", name=f"Accept evidence {ev_id}").click()
    page.wait_for_url(re.compile(r"decided=1"))
    assert "1 decision saved" in page.locator("main").inner_text()
    assert page.locator(f"#evidence-{ev_id}").count() == 0  # no longer proposed
    page.locator("#select-all").check()
    assert page.locator("input.pick:not(:checked)").count() == 0
    shot(page, "04-review")

    # 4. a report with its events highlighted
    page.goto(f"{server}/reports/2")
    assert page.locator(".report-text mark.event").count() >= 5
    shot(page, "05-report")

    # 5. an XSS attempt is shown as text
    page.goto(f"{server}/ingest")
    body = f"date 2020-11-27\nAzerbaijani troops entered the Kalbajar district. {HOSTILE}\n".encode()
    page.get_by_label("Files").set_input_files([{"name": "hostile.txt", "mimeType": "text/plain", "buffer": body}])
    page.get_by_role("button", name="Add reports").click()
    page.wait_for_load_state()
    assert "1 new" in page.locator("main").inner_text()
    shot(page, "06-ingest")
    page.locator("table.ingest-result a").first.click()
    page.wait_for_load_state()
    shown = page.locator(".report-text").inner_text()
    assert "<script>alert(1)</script>" in shown and "<img src=x onerror=alert(1)>" in shown
    assert page.locator(".report-text img, .report-text script").count() == 0
    page.wait_for_timeout(300)
    shot(page, "07-xss-report")
    assert page.dialogs == []  # type: ignore[attr-defined]
    csp = [m for m in page.console_errors if "Content Security Policy" in m]  # type: ignore[attr-defined]
    assert csp == [], csp


def test_screenshots_folder_is_ignored() -> None:
    gitignore = Path(__file__).resolve().parent.parent / ".gitignore"
    assert "test-artifacts/" in gitignore.read_text()
