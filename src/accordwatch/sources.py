"""Sources: where reports come from, read into :class:`Item` values.

Kinds of source (dispatch by suffix; unknown suffixes are sniffed):

* seed-format text (``.txt``/``.text``/``.md``/none): first line ``date YYYY-MM-DD``,
  or plain text dated with ``--date``;
* JSON Lines (``.jsonl``/``.ndjson``, also gzipped ``.jsonl.gz``): ``date``, ``text``,
  optional ``url``, ``title``, ``source``, ``language``;
* HTML pages saved to disk (``.html``/``.htm``): main text and title with
  trafilatura, publication date with htmldate — offline, nothing is fetched;
* RSS/Atom feeds (``.xml``/``.rss``/``.atom`` files, or ``http(s)://`` URLs):
  one item per entry (title, link, published date, text of content/summary);
* folders of these (recursive, sorted, hidden files skipped);
* ``-`` for standard input (JSON Lines if it starts with ``{``, else text).

Nothing here touches the database. Every problem becomes an :class:`Item` with
``error`` (the quarantine reason) and ``detail`` (what was wrong and what to do);
the caller quarantines it and goes on.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import re
import sys
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from .errors import InputError

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
GZIP_SUFFIXES = {".gz"}
MAX_BYTES = 20 * 1024 * 1024  # a single source larger than this is not a news report (--max-bytes)
URL_TIMEOUT = 20.0  # seconds
USER_AGENT = "AccordWatch (+https://example.invalid/accordwatch) feed reader"
STDIN = "-"
STDIN_ORIGIN = "<stdin>"

_HEADER = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*(?:\r?\n)?", re.IGNORECASE)

# Magic numbers of files that are certainly not reports.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data (name it .gz to have it decompressed)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"BZh", "bzip2-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x7fELF", "a program (ELF)"),
    (b"MZ", "a Windows program"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x00\x00\x01\x00", "an icon"),
    (b"OggS", "an Ogg audio/video file"),
    (b"ID3", "an MP3 audio file"),
)


@dataclass
class Item:
    """One candidate report read from a source, or the reason it could not be."""

    origin: str  # path, path:line, path#entry, or URL
    text: str | None = None
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    language: str = "en"
    error: str | None = None  # quarantine reason
    detail: str | None = None
    raw: bytes | None = None
    key: str | None = field(default=None, compare=False)  # identity for `watch` (feed entry id)


class Unreachable(InputError):
    """A URL could not be fetched (network, DNS, HTTP error)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"cannot reach URL {url}: {reason}; check the address or your connection")


# ----------------------------------------------------------------- small helpers


def is_url(spec: str | Path) -> bool:
    return isinstance(spec, str) and spec.lower().startswith(("http://", "https://"))


def parse_header(text: str) -> tuple[dt.date | None, str]:
    """Split a seed-format text into (date, body); (None, text) without a header.

    >>> parse_header(" date 2020-11-15 The transfer was postponed.")
    (datetime.date(2020, 11, 15), 'The transfer was postponed.')
    """
    m = _HEADER.match(text)
    if not m:
        return None, text
    try:
        d = dt.date.fromisoformat(m.group(1))
    except ValueError:
        return None, text
    return d, text[m.end():]


def binary_kind(raw: bytes) -> str | None:
    """What a binary input looks like ('a PNG image', ...), or None for text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: text
        return None
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            return what
    if raw[:12].startswith(b"RIFF") and raw[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return "a RIFF media file"
    if b"\x00" in raw[:4096]:
        return "binary data (NUL bytes)"
    return None


def decode(raw: bytes, origin: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM) or UTF-16 with a BOM; else InputError."""
    what = binary_kind(raw)
    if what is not None:
        raise InputError(f"{origin}: {what}, not a report; give a text, JSON Lines, HTML or feed file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"{origin}: broken UTF-16 text; re-save the file as UTF-8") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            raw.decode("cp1252")
            hint = " (it looks like Latin-1/Windows-1252)"
        except UnicodeDecodeError:
            pass
        raise InputError(
            f"{origin}: not valid UTF-8{hint} (byte {exc.start}: {raw[exc.start:exc.start + 1]!r}); "
            "re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8"
        ) from None


def _bad(origin: str, reason: str, detail: str, raw: bytes | None = None) -> Item:
    return Item(origin, error=reason, detail=detail, raw=raw)


def _undecodable(origin: str, exc: InputError, raw: bytes) -> Item:
    reason = "binary" if binary_kind(raw) else "undecodable"
    return _bad(origin, reason, str(exc), raw)


def _no_date(origin: str, how: str) -> str:
    return f"{origin}: no date; {how} or pass --date YYYY-MM-DD"


def _parse_date(value: object) -> dt.date | None:
    """A date from 'YYYY-MM-DD', an ISO timestamp, or a struct_time; None if not one."""
    if value is None:
        return None
    if hasattr(value, "tm_year"):
        try:
            return dt.date(value.tm_year, value.tm_mon, value.tm_mday)  # type: ignore[attr-defined]
        except ValueError:
            return None
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


# ----------------------------------------------------------------- text & JSON Lines


def text_item(origin: str, raw: bytes, default_date: dt.date | None, title: str | None = None) -> Item:
    """A seed-format (or plain, with ``default_date``) text file."""
    if not raw.strip():
        return _bad(origin, "empty", f"{origin}: the file is empty; it holds no report — remove it or fill it in", raw)
    try:
        text = decode(raw, origin)
    except InputError as exc:
        return _undecodable(origin, exc, raw)
    date, body = parse_header(text)
    if not body.strip():
        return _bad(origin, "empty", f"{origin}: no text after the header; the file holds no report", raw)
    date = date or default_date
    if date is None:
        return _bad(origin, "no-date", _no_date(origin, "start the file with a line 'date YYYY-MM-DD'"), raw)
    return Item(origin, text=body, published=date, title=title)


def jsonl_items(origin: str, raw: bytes, default_date: dt.date | None) -> Iterator[Item]:
    """One item per JSON line; bad lines are quarantined one by one."""
    if not raw.strip():
        yield _bad(origin, "empty", f"{origin}: the file is empty; it holds no report — remove it or fill it in", raw)
        return
    try:
        text = decode(raw, origin)
    except InputError as exc:
        yield _undecodable(origin, exc, raw)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        yield json_item(f"{origin}:{n}", line, default_date)


def json_item(where: str, line: str, default_date: dt.date | None) -> Item:
    raw = line.encode("utf-8", "replace")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return _bad(where, "bad-json", f"{where}: not JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object", raw)
    if not isinstance(obj, dict):
        return _bad(where, "bad-json", f"{where}: a JSON {type(obj).__name__}, not an object with 'date' and 'text'", raw)
    body = obj.get("text")
    if not isinstance(body, str) or not body.strip():
        return _bad(where, "empty", f"{where}: no 'text' field (or it is empty); each line needs 'date' and 'text'", raw)
    date = None
    raw_date = obj.get("date") or obj.get("published")
    if raw_date:
        date = _parse_date(raw_date)
        if date is None:
            return _bad(where, "bad-date", f"{where}: date {raw_date!r} is not YYYY-MM-DD; write it as e.g. \"2020-11-20\"", raw)
    date = date or default_date
    if date is None:
        return _bad(where, "no-date", f"{where}: no 'date' field; add \"date\": \"YYYY-MM-DD\" or pass --date", raw)

    def _str(key: str) -> str | None:
        v = obj.get(key)
        return v if isinstance(v, str) and v.strip() else None

    return Item(where, text=body, published=date, title=_str("title"), url=_str("url"),
                source=_str("source"), language=_str("language") or "en")


# ----------------------------------------------------------------- HTML


_TRAFILATURA_CONFIG = None


def _trafilatura_config():  # type: ignore[no-untyped-def]
    """Small pages count; no timeout signal (works in threads and workers)."""
    global _TRAFILATURA_CONFIG
    if _TRAFILATURA_CONFIG is None:
        from trafilatura.settings import use_config

        cfg = use_config()
        cfg.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
        cfg.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
        cfg.set("DEFAULT", "MIN_OUTPUT_SIZE", "20")
        cfg.set("DEFAULT", "MIN_OUTPUT_COMM_SIZE", "20")
        cfg.set("DEFAULT", "MIN_EXTRACTED_COMM_SIZE", "20")
        _TRAFILATURA_CONFIG = cfg
    return _TRAFILATURA_CONFIG


_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
    "blockquote", "section", "article", "header", "footer", "pre", "dd", "dt", "figcaption",
}


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment (scripts, styles and comments removed;
    blocks become paragraphs). Plain text passes through unchanged."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]*>", " ", fragment).strip()
    for bad in root.xpath("//script|//style|//noscript|//iframe|//object|//embed|//template"):
        bad.drop_tree()
    for c in root.xpath("//comment()|//processing-instruction()"):
        parent = c.getparent()
        if parent is not None:
            if c.tail:
                prev = c.getprevious()
                if prev is not None:
                    prev.tail = (prev.tail or "") + c.tail
                else:
                    parent.text = (parent.text or "") + c.tail
            parent.remove(c)
    parts: list[str] = []

    def walk(el) -> None:  # type: ignore[no-untyped-def]
        tag = el.tag if isinstance(el.tag, str) else ""
        block = tag.lower() in _BLOCK_TAGS
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(root)
    text = "".join(parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.split("\n")]
    out: list[str] = []
    for ln in lines:
        if ln:
            out.append(ln)
        elif out and out[-1] != "":
            out.append("")
    return "\n".join(out).strip()


def html_item(origin: str, raw: bytes, default_date: dt.date | None, url: str | None = None) -> Item:
    """A saved HTML page: main text and title (trafilatura), date (htmldate); offline."""
    if not raw.strip():
        return _bad(origin, "empty", f"{origin}: the file is empty; it holds no page — remove it or save the page again", raw)
    what = binary_kind(raw)
    if what is not None:
        return _bad(origin, "binary", f"{origin}: {what}, not an HTML page; give a saved .html page", raw)
    html = _decode_html(raw)
    if html is None:
        return _bad(origin, "undecodable", f"{origin}: the page's text encoding is unknown; re-save it as UTF-8", raw)
    import trafilatura
    from htmldate import find_date

    text = title = None
    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False, include_tables=True,
                                          favor_recall=True, config=_trafilatura_config())
    except Exception:  # noqa: BLE001 - hostile markup: fall back to the plain text below
        doc = None
    if doc is not None:
        text = (getattr(doc, "text", None) or "").strip() or None
        title = (getattr(doc, "title", None) or "").strip() or None
    if not text:
        text = _body_text(html) or None
    if not text or len(re.findall(r"\w+", text)) < 3:
        return _bad(origin, "no-text", f"{origin}: no article text could be extracted from the HTML; "
                    "save the full article page (not a script or index page) or give its text as a .txt file", raw)
    date = None
    try:
        found = find_date(html, extensive_search=False, original_date=True)
    except Exception:  # noqa: BLE001 - htmldate on broken markup
        found = None
    if found:
        date = _parse_date(found)
    date = date or default_date
    if date is None:
        return _bad(origin, "no-date", _no_date(origin, "the page states no publication date; add a date <meta> tag"), raw)
    return Item(origin, text=text, published=date, title=title, url=url)


def _decode_html(raw: bytes) -> str | None:
    """HTML bytes -> str: BOM, UTF-8, then the declared charset; None if none works."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    m = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", raw[:4096], re.IGNORECASE)
    if m:
        try:
            return raw.decode(m.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            return None
    return None


def _body_text(html: str) -> str:
    """Fallback when trafilatura finds no article: the visible text of <body>."""
    try:
        import lxml.html

        doc = lxml.html.document_fromstring(html)
        body = doc.find("body")
        text = html_to_text(lxml.html.tostring(body, encoding="unicode")) if body is not None else ""
    except Exception:  # noqa: BLE001 - unparsable markup (e.g. nested too deep for lxml)
        text = ""
    return text or _regex_text(html)


def _regex_text(html: str) -> str:
    """Last resort for markup no parser takes: drop head, scripts, styles, comments and tags."""
    import html as htmllib

    text = re.sub(r"(?is)<(head|script|style|noscript|template)\b.*?</\1\s*>", " ", html)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"(?i)</?(p|div|br|li|h[1-6]|tr|article|section)\b[^>]*>", "\n", text)
    text = re.sub(r"<[^<>]*>", " ", text)
    text = htmllib.unescape(text)
    lines = [re.sub(r"[ \t\u00a0]+", " ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


# ----------------------------------------------------------------- feeds


def looks_like_feed(raw: bytes) -> bool:
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<?xml"):
        return b"<rss" in raw[:4096].lower() or b"<feed" in raw[:4096].lower() or b"<rdf" in raw[:4096].lower()
    return head.startswith((b"<rss", b"<feed", b"<rdf"))


def looks_like_html(raw: bytes) -> bool:
    head = raw[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def feed_items(origin: str, raw: bytes, default_date: dt.date | None) -> Iterator[Item]:
    """One item per RSS/Atom entry: title, link, published/updated date, text."""
    if not raw.strip():
        yield _bad(origin, "empty", f"{origin}: the feed is empty; check the file or URL", raw)
        return
    what = binary_kind(raw)
    if what is not None:
        yield _bad(origin, "binary", f"{origin}: {what}, not an RSS/Atom feed", raw)
        return
    import feedparser

    parsed = feedparser.parse(raw)
    entries = list(parsed.get("entries") or [])
    if not entries:
        if parsed.get("bozo"):
            exc = parsed.get("bozo_exception")
            yield _bad(origin, "bad-feed", f"{origin}: not a readable RSS/Atom feed ({exc}); check that it is a feed, not a web page", raw)
        elif parsed.get("version"):
            pass  # a valid feed with no entries: nothing to ingest
        else:
            yield _bad(origin, "bad-feed", f"{origin}: not an RSS/Atom feed; give a feed file or feed URL", raw)
        return
    feed_title = (parsed.get("feed") or {}).get("title")
    for n, entry in enumerate(entries, 1):
        yield _entry_item(origin, n, entry, feed_title, default_date)


def _entry_item(origin: str, n: int, entry, feed_title: str | None, default_date: dt.date | None) -> Item:  # type: ignore[no-untyped-def]
    link = entry.get("link") or None
    ident = entry.get("id") or link or f"{n}"
    where = f"{origin}#{ident}"
    title = html_to_text(entry.get("title") or "") or None
    body = ""
    for c in entry.get("content") or []:
        if c.get("value"):
            body = c["value"]
            break
    if not body:
        body = entry.get("summary") or entry.get("description") or ""
    text = html_to_text(body)
    raw = json.dumps({"id": ident, "title": title, "link": link, "text": body}, ensure_ascii=False).encode("utf-8")
    if not text.strip():
        return Item(where, error="empty", detail=f"{where}: the feed entry has no text (no content or summary); nothing to ingest", raw=raw, key=ident)
    date = _parse_date(entry.get("published_parsed")) or _parse_date(entry.get("updated_parsed"))
    date = date or default_date
    if date is None:
        return Item(where, error="no-date", detail=_no_date(where, "the entry has no published/updated date"), raw=raw, key=ident)
    return Item(where, text=text, published=date, title=title, url=link, source=feed_title, key=ident)


# ----------------------------------------------------------------- URLs


@dataclass
class Fetched:
    url: str
    status: int
    body: bytes
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch_url(
    url: str,
    timeout: float = URL_TIMEOUT,
    max_bytes: int = MAX_BYTES,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET ``url`` (with conditional headers); raises :class:`Unreachable` with the reason."""
    headers = {"User-Agent": USER_AGENT, "Accept": "application/rss+xml, application/atom+xml, application/xml, text/xml, text/html;q=0.8, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only, checked by is_url
            body = resp.read(max_bytes + 1)
            return Fetched(url, resp.status, body, resp.headers.get("Content-Type", ""), resp.headers.get("ETag"), resp.headers.get("Last-Modified"))
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 304:
            return Fetched(url, 304, b"", etag=etag, last_modified=last_modified)
        raise Unreachable(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        text = getattr(reason, "strerror", None) or str(reason)
        raise Unreachable(url, text) from None
    except (TimeoutError, OSError) as exc:
        what = "no answer within %gs" % timeout if isinstance(exc, TimeoutError) else (exc.strerror or str(exc))
        raise Unreachable(url, what) from None
    except ValueError as exc:  # malformed URL
        raise Unreachable(url, f"not a valid URL ({exc})") from None


def url_items(fetched: Fetched, default_date: dt.date | None, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """Items of a fetched URL: a feed (usual), an HTML page, JSON Lines or text."""
    url, raw = fetched.url, fetched.body
    if len(raw) > max_bytes:
        yield _bad(url, "too-large", f"{url}: more than {max_bytes:,} bytes; this is not one feed or page — check the URL or raise --max-bytes")
        return
    ctype = fetched.content_type.lower()
    if looks_like_feed(raw) or any(x in ctype for x in ("rss", "atom", "/xml")):
        yield from feed_items(url, raw, default_date)
    elif looks_like_html(raw) or "html" in ctype:
        yield html_item(url, raw, default_date, url=url)
    else:
        yield from sniff_items(url, raw, default_date)


# ----------------------------------------------------------------- files, folders, stdin


def sniff_items(origin: str, raw: bytes, default_date: dt.date | None) -> Iterator[Item]:
    """Items of content whose kind the name does not tell: binary, feed, HTML, JSON Lines or text."""
    if not raw.strip():
        yield _bad(origin, "empty", f"{origin}: no content; it holds no report", raw)
        return
    what = binary_kind(raw)
    if what is not None:
        yield _bad(origin, "binary", f"{origin}: {what}, not a report; give a text, JSON Lines, HTML or feed file", raw)
    elif looks_like_feed(raw):
        yield from feed_items(origin, raw, default_date)
    elif looks_like_html(raw):
        yield html_item(origin, raw, default_date)
    elif raw.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        yield from jsonl_items(origin, raw, default_date)
    else:
        yield text_item(origin, raw, default_date)


def content_items(origin: str, raw: bytes, name: str, default_date: dt.date | None, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """Items of ``raw`` read from a file called ``name`` (the suffix picks the kind)."""
    suffixes = [s.lower() for s in Path(name).suffixes[-2:]]
    suffix = suffixes[-1] if suffixes else ""
    if suffix in GZIP_SUFFIXES:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                inner = gz.read(max_bytes + 1)
        except (OSError, EOFError, zlib.error) as exc:
            yield _bad(origin, "bad-gzip", f"{origin}: not readable gzip data ({exc}); re-compress it or give it uncompressed", raw)
            return
        if len(inner) > max_bytes:
            yield _bad(origin, "too-large", f"{origin}: decompresses to more than {max_bytes:,} bytes; split it into smaller files or raise --max-bytes")
            return
        yield from content_items(origin, inner, name[: -len(suffix)], default_date, max_bytes)
        return
    if suffix in JSONL_SUFFIXES:
        yield from jsonl_items(origin, raw, default_date)
    elif suffix in HTML_SUFFIXES:
        yield html_item(origin, raw, default_date)
    elif suffix in FEED_SUFFIXES:
        yield from feed_items(origin, raw, default_date)
    elif suffix in TEXT_SUFFIXES - {""}:
        yield text_item(origin, raw, default_date)
    else:
        yield from sniff_items(origin, raw, default_date)


def iter_file(f: Path, default_date: dt.date | None = None, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """Items of one file; a file over ``max_bytes`` is quarantined without being read."""
    origin = str(f)
    try:
        size = f.stat().st_size
        if size > max_bytes:
            yield _bad(origin, "too-large", f"{origin}: {size:,} bytes is more than the limit of {max_bytes:,}; "
                       "split it into one report per file or JSON line, or raise --max-bytes")
            return
        raw = f.read_bytes()
    except OSError as exc:
        yield _bad(origin, "unreadable", f"{origin}: cannot read it ({exc.strerror or exc}); check the permissions")
        return
    yield from content_items(origin, raw, f.name, default_date, max_bytes)


def folder_files(path: Path) -> list[Path]:
    """Files under a folder, recursively and sorted; hidden files and folders skipped."""
    out = []
    for x in path.rglob("*"):
        rel = x.relative_to(path).parts
        if any(p.startswith(".") for p in rel):
            continue
        if x.is_file():
            out.append(x)
    return sorted(out)


def iter_stdin(stream: BinaryIO | None = None, default_date: dt.date | None = None, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    """Items from standard input: JSON Lines if it starts with '{', else seed-format text."""
    stream = stream if stream is not None else sys.stdin.buffer
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        yield _bad(STDIN_ORIGIN, "too-large", f"{STDIN_ORIGIN}: more than {max_bytes:,} bytes; give files instead, or raise --max-bytes")
        return
    yield from sniff_items(STDIN_ORIGIN, raw, default_date)


def iter_sources(
    specs: Iterable[str | Path],
    default_date: dt.date | None = None,
    max_bytes: int = MAX_BYTES,
    stdin: BinaryIO | None = None,
    timeout: float = URL_TIMEOUT,
) -> Iterator[Item]:
    """Every candidate report from files, folders (recursive), URLs and '-' (standard input)."""
    for spec in specs:
        s = str(spec)
        if s == STDIN:
            yield from iter_stdin(stdin, default_date, max_bytes)
            continue
        if is_url(s):
            try:
                fetched = fetch_url(s, timeout=timeout, max_bytes=max_bytes)
            except Unreachable as exc:
                yield Item(s, error="unreachable", detail=str(exc))
                continue
            yield from url_items(fetched, default_date, max_bytes)
            continue
        path = Path(s)
        if not path.exists():
            hint = " (URLs must start with http:// or https://)" if "://" in s or s.startswith("www.") else ""
            yield _bad(s, "missing", f"{s}: no such file or folder{hint}; check the path")
            continue
        files = folder_files(path) if path.is_dir() else [path]
        for f in files:
            yield from iter_file(f, default_date, max_bytes)


# ----------------------------------------------------------------- intervals


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?)?\s*$", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_interval(value: str | float | int) -> float:
    """'30s', '10m', '1h', '1d' or a number of seconds -> seconds.

    >>> parse_interval("10m"), parse_interval("30s"), parse_interval("1h")
    (600.0, 30.0, 3600.0)
    """
    if isinstance(value, (int, float)):
        seconds = float(value)
    else:
        m = _INTERVAL.match(value)
        if not m:
            raise InputError(f"interval {value!r} is not understood; write e.g. 30s, 10m or 1h")
        unit = (m.group(2) or "s")[0].lower()
        seconds = float(m.group(1)) * _UNIT[unit]
    if seconds <= 0:
        raise InputError(f"interval {value!r} must be more than zero; write e.g. 30s, 10m or 1h")
    return seconds
