"""Ingest: sources -> reports -> events -> evidence, with quarantine.

Sources: seed-format text files (first line ``date YYYY-MM-DD``, text may
follow on the same line), plain text with a default date, JSON Lines
(``date``, ``text``, optional ``url``, ``title``, ``source``, ``language``)
and folders of these. A source that cannot be decoded, parsed or dated goes
to quarantine with its reason; the batch goes on. Re-ingesting the same
report adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import InputError
from .model import Agreement, Report

TEXT_SUFFIXES = {".txt", ".text", ".md", ""}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
MAX_BYTES = 20 * 1024 * 1024  # a single report larger than this is not a news report

_HEADER = re.compile(r"\A[ \t\ufeff]*date[ \t]+(\d{4}-\d{2}-\d{2})\b[ \t]*(?:\r?\n)?", re.IGNORECASE)


@dataclass
class Item:
    """One candidate report read from a source, or the reason it could not be."""

    origin: str  # path, path:line, or URL
    text: str | None = None
    published: dt.date | None = None
    title: str | None = None
    url: str | None = None
    source: str | None = None
    language: str = "en"
    error: str | None = None  # quarantine reason
    detail: str | None = None
    raw: bytes | None = None


@dataclass
class IngestSummary:
    seen: int = 0
    new: int = 0
    duplicates: int = 0
    quarantined: int = 0
    events: int = 0
    evidence: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    report_ids: list[int] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "seen": self.seen,
            "new": self.new,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "events": self.events,
            "evidence": self.evidence,
            "quarantine_reasons": dict(self.reasons),
            "quarantine": list(self.quarantine),
            "report_ids": list(self.report_ids),
        }


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


def decode(raw: bytes, origin: str) -> str:
    """Bytes -> text: UTF-8 (with or without BOM) or UTF-16 with a BOM; else InputError."""
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{origin}: binary data (NUL bytes); give a text, JSON Lines or HTML file")
    for enc in ("utf-8-sig", "utf-16"):
        if enc == "utf-16" and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return raw.decode(enc)
        except UnicodeDecodeError as exc:
            err = exc
    raise InputError(
        f"{origin}: not valid UTF-8 (byte {err.start}: {raw[err.start:err.start + 1]!r}); re-save the file as UTF-8"
    )


def _text_item(origin: str, raw: bytes, default_date: dt.date | None, title: str | None = None) -> Item:
    try:
        text = decode(raw, origin)
    except InputError as exc:
        return Item(origin, error="undecodable", detail=str(exc), raw=raw)
    date, body = parse_header(text)
    if not body.strip():
        return Item(origin, error="empty", detail=f"{origin}: no text after the header; the file holds no report", raw=raw)
    date = date or default_date
    if date is None:
        return Item(
            origin,
            error="no-date",
            detail=f"{origin}: no date; start the file with a line 'date YYYY-MM-DD' or pass --date YYYY-MM-DD",
            raw=raw,
        )
    return Item(origin, text=body, published=date, title=title, raw=None)


def _jsonl_items(origin: str, raw: bytes, default_date: dt.date | None) -> Iterator[Item]:
    try:
        text = decode(raw, origin)
    except InputError as exc:
        yield Item(origin, error="undecodable", detail=str(exc), raw=raw)
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{origin}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Item(where, error="bad-json", detail=f"{where}: not JSON ({exc.msg} at column {exc.colno}); each line must be one JSON object", raw=line.encode("utf-8", "replace"))
            continue
        if not isinstance(obj, dict):
            yield Item(where, error="bad-json", detail=f"{where}: a JSON {type(obj).__name__}, not an object with 'date' and 'text'", raw=line.encode("utf-8", "replace"))
            continue
        body = obj.get("text")
        if not isinstance(body, str) or not body.strip():
            yield Item(where, error="empty", detail=f"{where}: no 'text' field (or it is empty); each line needs 'date' and 'text'", raw=line.encode("utf-8", "replace"))
            continue
        date = None
        raw_date = obj.get("date") or obj.get("published")
        if raw_date:
            try:
                date = dt.date.fromisoformat(str(raw_date).strip()[:10])
            except ValueError:
                yield Item(where, error="bad-date", detail=f"{where}: date {raw_date!r} is not YYYY-MM-DD", raw=line.encode("utf-8", "replace"))
                continue
        date = date or default_date
        if date is None:
            yield Item(where, error="no-date", detail=f"{where}: no 'date' field; add \"date\": \"YYYY-MM-DD\" or pass --date", raw=line.encode("utf-8", "replace"))
            continue
        yield Item(
            where,
            text=body,
            published=date,
            title=obj.get("title"),
            url=obj.get("url"),
            source=obj.get("source"),
            language=obj.get("language") or "en",
        )


def iter_items(paths: Iterable[str | Path], default_date: dt.date | None = None) -> Iterator[Item]:
    """Every candidate report under ``paths`` (files and folders, recursively, sorted)."""
    for p in paths:
        path = Path(p)
        if not path.exists():
            yield Item(str(path), error="missing", detail=f"{path}: no such file or folder")
            continue
        files = sorted(x for x in path.rglob("*") if x.is_file() and not x.name.startswith(".")) if path.is_dir() else [path]
        for f in files:
            yield from iter_file(f, default_date)


def iter_file(f: Path, default_date: dt.date | None = None) -> Iterator[Item]:
    origin = str(f)
    try:
        size = f.stat().st_size
        if size > MAX_BYTES:
            yield Item(origin, error="too-large", detail=f"{origin}: {size:,} bytes is larger than {MAX_BYTES:,}; split it into one report per file or JSON line")
            return
        raw = f.read_bytes()
    except OSError as exc:
        yield Item(origin, error="unreadable", detail=f"{origin}: {exc.strerror or exc}")
        return
    suffix = f.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl_items(origin, raw, default_date)
    else:
        yield _text_item(origin, raw, default_date)


def process_item(store, item: Item, agreements: list[Agreement], summary: IngestSummary, extracted=None) -> None:
    """Store one item: report, events, evidence — or quarantine it.

    ``extracted`` is what :mod:`accordwatch.distributed` computed elsewhere for
    this item: ``(events, links)``, the exception extraction raised, or None
    (then the events are extracted here, if they are needed).
    """
    from .extract import EXTRACTOR_VERSION, extract_events
    from .link import link_events

    summary.seen += 1
    if item.error:
        store.quarantine_add(item.origin, item.error, item.detail, item.raw)
        summary.quarantined += 1
        summary.reasons[item.error] = summary.reasons.get(item.error, 0) + 1
        summary.quarantine.append({"source": item.origin, "reason": item.error, "detail": item.detail})
        return
    assert item.text is not None and item.published is not None
    report = Report(text=item.text, published=item.published, source=item.source, url=item.url, title=item.title, language=item.language, path=item.origin)
    rid, is_new = store.add_report(report)
    summary.report_ids.append(rid)
    if not is_new and store.events_for_report(rid, EXTRACTOR_VERSION):
        summary.duplicates += 1
        return
    if is_new:
        summary.new += 1
    else:
        summary.duplicates += 1  # stored before, but its events were not (interrupted run): finish them
    links = None
    try:
        if isinstance(extracted, BaseException):
            raise extracted
        if extracted is not None:
            events, links = extracted
        else:
            events = extract_events(item.text, item.published)
    except Exception as exc:  # noqa: BLE001 - one bad report never stops a batch
        store.quarantine_add(item.origin, "extraction-failed", f"{item.origin}: {type(exc).__name__}: {exc}", item.text.encode("utf-8", "replace"))
        summary.quarantined += 1
        summary.reasons["extraction-failed"] = summary.reasons.get("extraction-failed", 0) + 1
        return
    ids = store.add_events(rid, events, EXTRACTOR_VERSION)
    summary.events += len(ids)
    for link in links if links is not None else link_events(events, item.published, agreements):
        _, created = store.add_evidence(ids[link.event_index], link.agreement_id, link.provision_id, link.relation.value)
        summary.evidence += int(created)


def ingest(
    store,
    paths: Iterable[str | Path],
    agreements: list[Agreement],
    default_date: dt.date | None = None,
    progress: Callable[[Item], None] | None = None,
    client=None,
) -> IngestSummary:
    """Ingest every report under ``paths``; with a Dask ``client``, extraction
    runs on its cluster and this process writes, in input order."""
    summary = IngestSummary()
    for item, extracted in extracted_items(store, iter_items(paths, default_date), agreements, client):
        process_item(store, item, agreements, summary, extracted)
        if progress:
            progress(item)
    return summary


def extracted_items(store, items: Iterable[Item], agreements: list[Agreement], client=None) -> Iterator[tuple[Item, object]]:
    """``(item, extracted)`` pairs for :func:`process_item`, in input order.

    Without a client nothing is extracted ahead (``extracted`` is None). With a
    Dask client, extraction runs on the cluster, except for texts already
    stored with their events or already sent in this run.
    """
    if client is None:
        for item in items:
            yield item, None
        return
    from .distributed import extract_many
    from .extract import EXTRACTOR_VERSION
    from .store.db import content_hash

    sent: set[str] = set()

    def skip(item: Item) -> bool:
        digest = content_hash(item.text or "")
        if digest in sent:
            return True
        sent.add(digest)
        return store.has_events(digest, EXTRACTOR_VERSION)

    yield from extract_many(items, client, agreements, skip=skip)
