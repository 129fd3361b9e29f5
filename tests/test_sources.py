"""Sources: every kind of input, good and bad, read into items and through `ingest`.

All fixtures are written here (our own words); feeds over HTTP are served by
the test itself on 127.0.0.1 — no outside network.
"""

from __future__ import annotations

import datetime as dt
import gzip
import http.server
import io
import json
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accordwatch.cli import app
from accordwatch.ingest import IngestSummary, ingest, iter_items, process_item
from accordwatch.sources import (
    Unreachable,
    fetch_url,
    html_to_text,
    iter_sources,
    parse_interval,
)
from accordwatch.errors import InputError

runner = CliRunner()

HANDOVER = "Armenia handed the Aghdam district back to Azerbaijan on Friday, the defence ministry in Baku said."
LACHIN = "Armenian forces withdrew from the Lachin district on Tuesday, officials in Baku said."

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Aghdam handed back | The Example Gazette</title>
<meta property="article:published_time" content="2020-11-20T08:30:00Z">
<script>document.write('<p>Troops withdrew from Paris.</p>'); var x = "</p><p>";</script>
<style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>
<article><h1>Aghdam handed back</h1>
<p>BAKU &ndash; """ + HANDOVER + """</p>
<!-- <p>Comment: troops withdrew from Lachin.</p> -->
<p>Azerbaijani army units entered the district in the <b>morning</b>, witnesses said.</p>
<div><div><div><span><i><u>nested <em>deep</em></u></i></span></div></div></div>
<p onclick="evil()">The handover of Kalbajar is now due on 25 November.</p>
</article>
<aside>Most read: <a href="/x">Weather</a></aside>
<footer>&copy; 2020 The Example Gazette. All rights reserved.</footer>
</body></html>
"""

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Example Wire</title><link>http://example.invalid/</link>
<description>Test feed</description>
<item><title>Aghdam handed back</title><link>http://example.invalid/aghdam</link>
<guid>aghdam-1</guid><pubDate>Fri, 20 Nov 2020 09:00:00 GMT</pubDate>
<description>&lt;p&gt;""" + HANDOVER + """&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</description></item>
<item><title>Lachin</title><link>http://example.invalid/lachin</link><guid>lachin-1</guid>
<pubDate>Tue, 01 Dec 2020 10:00:00 GMT</pubDate><description>""" + LACHIN + """</description></item>
<item><title>No date here</title><link>http://example.invalid/nodate</link><guid>nodate-1</guid>
<description>Troops moved somewhere at some point.</description></item>
</channel></rss>
"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Example Atom</title><id>urn:example:atom</id>
<updated>2020-12-01T12:00:00Z</updated>
<entry><title>Lachin returned</title><id>urn:example:lachin</id><link href="http://example.invalid/a/lachin"/>
<updated>2020-12-01T12:00:00Z</updated>
<content type="html">&lt;div&gt;&lt;p&gt;""" + LACHIN + """&lt;/p&gt;&lt;/div&gt;</content></entry>
</feed>
"""


def good(items):
    return [i for i in items if not i.error]


def bad(items):
    return {i.error for i in items if i.error}


# ----------------------------------------------------------------- text, JSON Lines, gzip, stdin


def test_seed_text_and_plain_text_with_a_default_date(tmp_path):
    (tmp_path / "a.txt").write_text(f"date 2020-11-20\n{HANDOVER}")
    (tmp_path / "b.txt").write_text(LACHIN)
    items = list(iter_items([tmp_path], dt.date(2020, 12, 1)))
    assert [(i.published, i.error) for i in items] == [(dt.date(2020, 11, 20), None), (dt.date(2020, 12, 1), None)]
    items = list(iter_items([tmp_path / "b.txt"]))
    assert bad(items) == {"no-date"} and "--date" in items[0].detail


def test_jsonl_plain_and_gzipped(tmp_path):
    lines = [json.dumps({"date": "2020-11-20", "text": HANDOVER, "url": "http://example.invalid/1", "title": "Aghdam"}),
             "{broken json",
             json.dumps(["a", "list"]),
             json.dumps({"date": "20 Nov", "text": "x"}),
             json.dumps({"date": "2020-12-01", "text": LACHIN, "source": "Wire"})]
    data = ("\n".join(lines) + "\n").encode()
    (tmp_path / "r.jsonl").write_bytes(data)
    (tmp_path / "r2.jsonl.gz").write_bytes(gzip.compress(data))
    for name in ("r.jsonl", "r2.jsonl.gz"):
        items = list(iter_items([tmp_path / name]))
        assert len(good(items)) == 2
        assert [i.error for i in items if i.error] == ["bad-json", "bad-json", "bad-date"]
        assert items[0].title == "Aghdam" and items[0].url == "http://example.invalid/1"
        assert items[1].origin.endswith(f"{name}:2")
        assert "each line must be one JSON object" in items[1].detail
    (tmp_path / "broken.jsonl.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    items = list(iter_items([tmp_path / "broken.jsonl.gz"]))
    assert bad(items) == {"bad-gzip"} and "re-compress" in items[0].detail


def test_stdin_is_sniffed(tmp_path):
    jsonl = (json.dumps({"date": "2020-11-20", "text": HANDOVER}) + "\n").encode()
    items = list(iter_sources(["-"], stdin=io.BytesIO(jsonl)))
    assert len(good(items)) == 1 and items[0].origin == "<stdin>:1"
    items = list(iter_sources(["-"], stdin=io.BytesIO(f"  date 2020-12-01\n{LACHIN}".encode())))
    assert len(good(items)) == 1 and items[0].published == dt.date(2020, 12, 1)
    items = list(iter_sources(["-"], stdin=io.BytesIO(b"")))
    assert bad(items) == {"empty"}


def test_cli_reads_standard_input(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    jsonl = json.dumps({"date": "2020-11-20", "text": HANDOVER}) + "\n"
    res = runner.invoke(app, ["--db", db, "ingest", "-", "--format", "json"], input=jsonl)
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["new"] == 1


# ----------------------------------------------------------------- bad files


def test_binary_latin1_empty_and_too_large_files(tmp_path):
    (tmp_path / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    (tmp_path / "archive.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    (tmp_path / "nul.txt").write_bytes(b"date 2020-11-20\nabc\x00def")
    (tmp_path / "latin1.txt").write_bytes("date 2020-11-20\nLe caf\xe9 de Lachin a rouvert.".encode("latin-1"))
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.jsonl").write_bytes(b"\n \n")
    big = tmp_path / "big.txt"
    with big.open("wb") as f:  # 50 MB, sparse
        f.write(b"date 2020-11-20\n")
        f.truncate(50 * 1024 * 1024)
    by_name = {Path(i.origin).name: i for i in iter_items([tmp_path])}
    assert by_name["photo.txt"].error == "binary" and "PNG image" in by_name["photo.txt"].detail
    assert by_name["archive.zip"].error == "binary" and "ZIP" in by_name["archive.zip"].detail
    assert by_name["nul.txt"].error == "binary"
    assert by_name["latin1.txt"].error == "undecodable" and "UTF-8" in by_name["latin1.txt"].detail
    assert by_name["empty.txt"].error == "empty" and by_name["blank.jsonl"].error == "empty"
    assert by_name["big.txt"].error == "too-large"
    assert "52,428,800 bytes" in by_name["big.txt"].detail and "--max-bytes" in by_name["big.txt"].detail
    assert by_name["big.txt"].raw is None  # never read into memory
    # the limit is configurable
    small = list(iter_items([tmp_path / "latin1.txt"], max_bytes=10))
    assert bad(small) == {"too-large"}


def test_cli_quarantines_bad_files_and_goes_on(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text(f"date 2020-11-20\n{HANDOVER}")
    (src / "img.png").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 100)
    big = src / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    res = runner.invoke(app, ["--db", db, "ingest", str(src), "--format", "json", "--max-bytes", "1MB"])
    assert res.exit_code == 2, res.output
    s = json.loads(res.output)
    assert s["new"] == 1 and s["quarantine_reasons"] == {"binary": 1, "too-large": 1}
    assert {"new", "duplicates", "near_duplicates", "quarantined", "quarantine_reasons", "events", "evidence"} <= set(s)
    res = runner.invoke(app, ["--db", db, "ingest", str(src / "ok.txt"), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.output)["duplicates"] == 1
    res = runner.invoke(app, ["--db", db, "ingest", str(src), "--max-bytes", "lots"])
    assert res.exit_code == 1 and "--max-bytes" in res.output


# ----------------------------------------------------------------- HTML


def test_html_page_main_text_title_and_date(tmp_path):
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    [item] = list(iter_items([tmp_path / "page.html"]))
    assert item.error is None, item.detail
    assert item.published == dt.date(2020, 11, 20)
    assert item.title and "Aghdam handed back" in item.title
    assert HANDOVER in item.text and "25 November" in item.text
    for junk in ("document.write", "color: red", "Comment:", "All rights reserved", "evil", "<p>", "Paris"):
        assert junk not in item.text


def test_hostile_and_broken_html(tmp_path):
    deep = "<div>" * 3000 + HANDOVER + "</div>" * 10
    (tmp_path / "deep.html").write_text(
        f"<html><head><meta name='date' content='2020-11-20'></head><body><p>{deep}<p>{LACHIN}</body>")
    (tmp_path / "scripts.html").write_text(
        "<html><head><title>x</title><script>var a='<p>Troops withdrew.</p>';</script></head>"
        "<body><script>alert(1)</script><style>body{}</style></body></html>")
    (tmp_path / "garbage.htm").write_text("<<<>>> <p <div </ & &&&; <![CDATA[ ]]")
    (tmp_path / "nodate.html").write_text(f"<html><body><article><p>{HANDOVER}</p><p>{LACHIN}</p></article></body></html>")
    by_name = {Path(i.origin).name: i for i in iter_items([tmp_path])}
    assert by_name["deep.html"].error is None and "Aghdam" in by_name["deep.html"].text
    assert by_name["deep.html"].published == dt.date(2020, 11, 20)
    assert by_name["scripts.html"].error == "no-text" and "save the full article page" in by_name["scripts.html"].detail
    assert by_name["garbage.htm"].error == "no-text"
    assert by_name["nodate.html"].error == "no-date" and "--date" in by_name["nodate.html"].detail
    dated = list(iter_items([tmp_path / "nodate.html"], dt.date(2020, 11, 21)))
    assert dated[0].error is None and dated[0].published == dt.date(2020, 11, 21)


def test_html_in_a_legacy_encoding_is_read_by_its_charset(tmp_path):
    page = ("<html><head><meta charset='windows-1252'><meta name='date' content='2020-12-01'></head><body><article>"
            f"<p>Caf\xe9 owners said: {LACHIN}</p></article></body></html>")
    (tmp_path / "cp1252.html").write_bytes(page.encode("cp1252"))
    [item] = list(iter_items([tmp_path]))
    assert item.error is None and "Café owners" in item.text


def test_html_to_text():
    assert html_to_text("plain text") == "plain text"
    assert html_to_text("<p>a <b>bold</b> move</p><script>x()</script><p>next</p>") == "a bold move\n\nnext"
    assert html_to_text("<!-- hidden --><div>shown</div>") == "shown"


# ----------------------------------------------------------------- feeds


def test_rss_and_atom_feed_files(tmp_path):
    (tmp_path / "wire.rss").write_text(RSS)
    (tmp_path / "wire.atom").write_text(ATOM)
    (tmp_path / "notafeed.xml").write_text("<?xml version='1.0'?><config><a>1</a></config>")
    items = list(iter_items([tmp_path]))
    rss = [i for i in items if "wire.rss" in i.origin]
    assert [i.title for i in rss if not i.error] == ["Aghdam handed back", "Lachin"]
    first = rss[0]
    assert first.published == dt.date(2020, 11, 20) and first.url == "http://example.invalid/aghdam"
    assert first.text == HANDOVER and first.source == "Example Wire"
    assert first.origin.endswith("wire.rss#aghdam-1")
    assert [i.error for i in rss if i.error] == ["no-date"]
    [atom] = [i for i in items if "wire.atom" in i.origin]
    assert atom.error is None and atom.text == LACHIN and atom.published == dt.date(2020, 12, 1)
    assert atom.url == "http://example.invalid/a/lachin"
    [cfg] = [i for i in items if "notafeed" in i.origin]
    assert cfg.error == "bad-feed"


class _Feed(http.server.BaseHTTPRequestHandler):
    body = RSS.encode()

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/missing":
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):  # quiet
        pass


@contextmanager
def serve(handler=_Feed):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_feed_from_a_loopback_url_and_unreachable_urls(tmp_path):
    with serve() as base:
        items = list(iter_sources([f"{base}/feed.xml"]))
        assert [i.title for i in good(items)] == ["Aghdam handed back", "Lachin"]
        with pytest.raises(Unreachable) as exc:
            fetch_url(f"{base}/missing")
        assert "404" in str(exc.value)
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    [item] = list(iter_sources([url], timeout=5))
    assert item.error == "unreachable"
    assert item.detail.startswith(f"cannot reach URL {url}: ") and item.detail.endswith("; check the address or your connection")


def test_cli_ingests_a_url_and_quarantines_an_unreachable_one(tmp_path):
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    bad_url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    with serve() as base:
        res = runner.invoke(app, ["--db", db, "ingest", f"{base}/feed.xml", bad_url, "--format", "json"])
    assert res.exit_code == 2, res.output
    s = json.loads(res.output)
    assert s["new"] == 2 and s["quarantine_reasons"] == {"no-date": 1, "unreachable": 1}
    assert any(q["detail"].startswith(f"cannot reach URL {bad_url}") for q in s["quarantine"])


# ----------------------------------------------------------------- watch


def test_parse_interval():
    assert parse_interval("30s") == 30 and parse_interval("10m") == 600 and parse_interval("1h") == 3600
    assert parse_interval("2") == 2 and parse_interval("1.5h") == 5400
    for bad_value in ("soon", "0s", "-1m", "10 parsecs"):
        with pytest.raises(InputError):
            parse_interval(bad_value)


def test_watch_a_folder_a_feed_file_a_loopback_feed_and_an_unreachable_url(tmp_path):
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(f"date 2020-11-20\n{HANDOVER}")
    feed = tmp_path / "wire.atom"
    feed.write_text(ATOM)
    bad_url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    with serve() as base:
        res = runner.invoke(app, ["--db", db, "watch", str(inbox), str(feed), f"{base}/feed.xml", bad_url,
                                  "--interval", "1s", "--max-rounds", "2", "--timeout", "5", "--format", "json"])
    assert res.exit_code == 2, res.output  # the undated feed entry was quarantined
    rounds = [json.loads(line) for line in res.output.splitlines()]
    assert [r["round"] for r in rounds] == [1, 2]
    first, second = rounds
    # a.txt and the Atom entry are new; both RSS entries repeat their texts (duplicates)
    assert first["new"] == 2 and first["duplicates"] == 2 and first["quarantined"] == 1
    assert second["seen"] == 0 and second["new"] == 0  # nothing new in round 2
    for r in rounds:
        assert len(r["unreachable"]) == 1 and r["unreachable"][0].startswith(f"cannot reach URL {bad_url}")


def test_watch_picks_up_new_files_between_rounds(tmp_path):
    from accordwatch import services
    from accordwatch.ingest import watch
    from accordwatch.store import Store

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text(f"date 2020-11-20\n{HANDOVER}")
    lines: list[str] = []

    def later(_seconds):
        (inbox / "b.txt").write_text(f"date 2020-12-01\n{LACHIN}")

    with Store(f"sqlite:///{tmp_path / 'w.sqlite'}") as store:
        store.upgrade()
        ags = list(services.agreements([]).values())
        out = watch(store, [inbox], ags, "10m", max_rounds=3, sleep=later,
                    on_round=lambda n, s: lines.append(f"{n}: {s.line()}"))
        assert [s.new for s in out] == [1, 1, 0]
        assert store.count_reports() == 2
    assert len(lines) == 3 and lines[0].startswith("1: seen 1: 1 new")


def test_process_item_still_works(tmp_path):
    from accordwatch import services
    from accordwatch.store import Store

    with Store(f"sqlite:///{tmp_path / 'p.sqlite'}") as store:
        store.upgrade()
        ags = list(services.agreements([]).values())
        summary = IngestSummary()
        for item in iter_items([io_file(tmp_path, "a.txt", f"date 2020-11-20\n{HANDOVER}")]):
            process_item(store, item, ags, summary)
        for item in iter_items([io_file(tmp_path, "a.txt", f"date 2020-11-20\n{HANDOVER}")]):
            process_item(store, item, ags, summary)
        assert summary.new == 1 and summary.duplicates == 1 and summary.events >= 1
        s2 = ingest(store, [tmp_path / "a.txt"], ags)
        assert s2.new == 0 and s2.duplicates == 1


def io_file(folder: Path, name: str, text: str) -> Path:
    p = folder / name
    p.write_text(text)
    return p
