"""Ingest: sources -> reports -> events -> evidence, with quarantine.

Sources (files, folders, HTML pages, RSS/Atom feeds from files or URLs, JSON
Lines also gzipped, standard input) are read by :mod:`accordwatch.sources`
into :class:`Item` values. Here each good item is extracted and linked, and
the report, its events, their evidence, its MinHash signature and its story
are stored together — in batches of ``batch_size`` reports per transaction —
so a crash (even SIGKILL) leaves every report with its events, and running the
same ingest again finishes the job and gives the database an uninterrupted run
gives. Bad items go to quarantine with their reason; the batch goes on.

Near-duplicates (reprints, light rewrites) join the story of the earlier
report they resemble (see :mod:`accordwatch.neardup`); exact duplicates are
recorded as copies by the store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from .errors import InputError
from .model import Agreement, Report
from .neardup import NUM_PERM, THRESHOLD, WINDOW_DAYS, NearDupIndex, from_bytes, minhash, to_bytes
from .sources import (  # noqa: F401 - re-exported: the public names of ingest
    HTML_SUFFIXES,
    JSONL_SUFFIXES,
    MAX_BYTES,
    STDIN,
    TEXT_SUFFIXES,
    URL_TIMEOUT,
    Item,
    Unreachable,
    decode,
    feed_items,
    fetch_url,
    folder_files,
    is_url,
    iter_sources,
    parse_header,
    parse_interval,
    url_items,
)
from .sources import iter_file as _iter_file

BATCH_SIZE = 50


@dataclass
class IngestSummary:
    seen: int = 0
    new: int = 0  # reports stored for the first time (near-duplicates included)
    duplicates: int = 0  # exact copies of stored reports
    near_duplicates: int = 0  # new reports that joined the story of an earlier one
    quarantined: int = 0
    events: int = 0
    evidence: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    report_ids: list[int] = field(default_factory=list)
    quarantine: list[dict] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # watch: URLs that could not be fetched this round

    def to_dict(self) -> dict:
        return {
            "seen": self.seen,
            "new": self.new,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "quarantined": self.quarantined,
            "events": self.events,
            "evidence": self.evidence,
            "quarantine_reasons": dict(self.reasons),
            "quarantine": list(self.quarantine),
            "unreachable": list(self.unreachable),
            "report_ids": list(self.report_ids),
        }

    def merge(self, other: IngestSummary) -> None:
        """Add what another summary counted (a Dask worker's chunk) to this one."""
        for name in ("seen", "new", "duplicates", "near_duplicates", "quarantined", "events", "evidence"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
        self.report_ids.extend(other.report_ids)
        self.quarantine.extend(other.quarantine)
        self.unreachable.extend(other.unreachable)

    def line(self) -> str:
        """One line for people: what this ingest (or watch round) did."""
        near = f" ({self.near_duplicates} near-duplicate)" if self.near_duplicates else ""
        text = (f"seen {self.seen}: {self.new} new{near}, {self.duplicates} duplicate, {self.quarantined} quarantined; "
                f"{self.events} events, {self.evidence} new evidence")
        if self.unreachable:
            text += f"; {len(self.unreachable)} source(s) unreachable"
        return text


def iter_items(
    paths: Iterable[str | Path],
    default_date: dt.date | None = None,
    max_bytes: int = MAX_BYTES,
    stdin: BinaryIO | None = None,
    timeout: float = URL_TIMEOUT,
) -> Iterator[Item]:
    """Every candidate report under ``paths`` (files, folders recursively, URLs, '-')."""
    return iter_sources(paths, default_date, max_bytes=max_bytes, stdin=stdin, timeout=timeout)


def iter_file(f: Path, default_date: dt.date | None = None, max_bytes: int = MAX_BYTES) -> Iterator[Item]:
    return _iter_file(f, default_date, max_bytes)


# Near-duplicate index per open store, for callers of process_item (built lazily).
_INDEXES: "weakref.WeakKeyDictionary[object, NearDupIndex]" = weakref.WeakKeyDictionary()


class Ingestor:
    """Stores items in batches: each batch of reports (with events, evidence,
    signatures, stories) is one transaction; quarantined items are stored at once.

    Call :meth:`add` per item and :meth:`flush` at the end (or use it as a
    context manager, which flushes on a clean exit only).
    """

    def __init__(
        self,
        store,  # type: ignore[no-untyped-def]
        agreements: list[Agreement],
        summary: IngestSummary | None = None,
        *,
        batch_size: int = BATCH_SIZE,
        near_dup_threshold: float = THRESHOLD,
        num_perm: int = NUM_PERM,
        index: NearDupIndex | None = None,
        quarantine_unreachable: bool = True,
        near_dup_window_days: int | None = WINDOW_DAYS,
    ) -> None:
        if batch_size < 1:
            raise InputError(f"batch size {batch_size} must be at least 1")
        self.store = store
        self.agreements = agreements
        self.summary = summary if summary is not None else IngestSummary()
        self.batch_size = batch_size
        self.threshold = near_dup_threshold
        self.num_perm = num_perm
        self.window_days = near_dup_window_days
        self._index = index
        self.quarantine_unreachable = quarantine_unreachable
        self._pending: list[Item] = []
        self._extracted: dict[int, object] = {}  # id(item) -> what a Dask worker extracted

    # -- the near-duplicate index, rebuilt from stored signatures on first use

    @property
    def index(self) -> NearDupIndex:
        if self._index is None:
            self._index = NearDupIndex.from_signatures(self.store.signatures(), self.threshold, self.num_perm, self.window_days)
        return self._index

    def reset_index(self) -> None:
        """Forget the in-memory index (after a failed batch): the next batch rebuilds it."""
        self._index = None

    # -- items

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, exc_type, *_: object) -> None:  # type: ignore[no-untyped-def]
        if exc_type is None:
            self.flush()

    def add(self, item: Item, extracted: object = None) -> None:
        """Take one item; ``extracted`` is what :mod:`accordwatch.distributed`
        computed for it elsewhere: ``(events, links, (num_perm, signature bytes))`` or
        the exception raised."""
        s = self.summary
        s.seen += 1
        if item.error:
            if item.error == "unreachable" and not self.quarantine_unreachable:
                s.unreachable.append(item.detail or item.origin)
                return
            self._quarantine(item.origin, item.error, item.detail, item.raw)
            return
        self._pending.append(item)
        if extracted is not None:
            self._extracted[id(item)] = extracted
        if len(self._pending) >= self.batch_size:
            self.flush()

    def _quarantine(self, origin: str, reason: str, detail: str | None, raw: bytes | None) -> None:
        s = self.summary
        self.store.quarantine_add(origin, reason, detail, raw)
        s.quarantined += 1
        s.reasons[reason] = s.reasons.get(reason, 0) + 1
        s.quarantine.append({"source": origin, "reason": reason, "detail": detail})

    def flush(self) -> None:
        """Store the pending reports in one transaction."""
        from .extract import EXTRACTOR_VERSION, extract_events
        from .link import link_events
        from .store import ReportBundle, content_hash

        items, self._pending = self._pending, []
        ready, self._extracted = self._extracted, {}
        if not items:
            return
        # Reports other writers stored meanwhile (another ingest, the other Dask workers).
        self.index.sync(self.store.signatures(after=self.index.last_id))
        hashes = [content_hash(i.text or "") for i in items]
        known = self.store.known_hashes(hashes)
        bundles = []
        in_batch: set[str] = set()
        try:
            for item, digest in zip(items, hashes):
                assert item.text is not None and item.published is not None
                report = Report(text=item.text, published=item.published, source=item.source, url=item.url,
                                title=item.title, language=item.language, path=item.origin)
                if digest in known or digest in in_batch:
                    bundles.append(ReportBundle(report, None, EXTRACTOR_VERSION))
                    continue
                sig = None  # (num_perm, signature bytes) computed by a Dask worker
                try:
                    pre = ready.get(id(item))
                    if isinstance(pre, BaseException):
                        raise pre
                    if pre is not None:
                        events, links, sig = pre  # type: ignore[misc]
                    else:
                        events = extract_events(item.text, item.published, denials=True)
                        links = link_events(events, item.published, self.agreements)
                except Exception as exc:  # noqa: BLE001 - one bad report never stops a batch
                    self._quarantine(item.origin, "extraction-failed",
                                     f"{item.origin}: extraction failed ({type(exc).__name__}: {exc}); "
                                     "report this as a bug with the quarantined text", item.text.encode("utf-8", "replace"))
                    continue
                if sig is not None and sig[0] == self.num_perm:
                    m = from_bytes(sig[1], self.num_perm) if sig[1] is not None else None
                else:
                    m = minhash(item.text, self.num_perm)
                match = self.index.best(m)
                self.index.add(digest, m, item.published)
                in_batch.add(digest)
                bundles.append(ReportBundle(report, events, EXTRACTOR_VERSION, links,
                                            to_bytes(m) if m is not None else None, self.num_perm if m is not None else None,
                                            match.key if match else None))
            results = self.store.add_report_bundles(bundles) if bundles else []
        except BaseException:
            self.reset_index()  # it may hold signatures of reports that were not stored
            raise
        s = self.summary
        for b, r in zip(bundles, results):
            s.report_ids.append(r.report_id)
            s.events += r.n_events
            s.evidence += r.n_evidence
            if r.is_new:
                s.new += 1
                if r.story_id is not None and r.story_id != r.report_id:
                    s.near_duplicates += 1
            else:
                s.duplicates += 1


def process_item(
    store,  # type: ignore[no-untyped-def]
    item: Item,
    agreements: list[Agreement],
    summary: IngestSummary,
    *,
    near_dup_threshold: float = THRESHOLD,
    index: NearDupIndex | None = None,
    near_dup_window_days: int | None = WINDOW_DAYS,
) -> None:
    """Store one item — report, events, evidence, signature, story in one transaction — or quarantine it."""
    if index is None:
        index = _INDEXES.get(store)
        if index is None or index.threshold != near_dup_threshold or index.window_days != near_dup_window_days:
            index = NearDupIndex.from_signatures(store.signatures(), near_dup_threshold, window_days=near_dup_window_days)
            _INDEXES[store] = index
    ing = Ingestor(store, agreements, summary, batch_size=1, near_dup_threshold=near_dup_threshold, index=index)
    try:
        ing.add(item)
        ing.flush()
    except BaseException:
        _INDEXES.pop(store, None)
        raise


def ingest(
    store,  # type: ignore[no-untyped-def]
    paths: Iterable[str | Path],
    agreements: list[Agreement],
    default_date: dt.date | None = None,
    progress: Callable[[Item], None] | None = None,
    *,
    max_bytes: int = MAX_BYTES,
    batch_size: int = BATCH_SIZE,
    near_dup_threshold: float = THRESHOLD,
    stdin: BinaryIO | None = None,
    timeout: float = URL_TIMEOUT,
    client=None,  # type: ignore[no-untyped-def]
    near_dup_window_days: int | None = WINDOW_DAYS,
) -> IngestSummary:
    """Ingest every report under ``paths``; returns what happened.

    Idempotent and crash-safe: reports are committed ``batch_size`` at a time,
    each with its events and evidence; re-running after an interruption
    finishes the job without storing anything twice. With a Dask ``client``
    see :func:`ingest_stream`.
    """
    items = iter_items(paths, default_date, max_bytes=max_bytes, stdin=stdin, timeout=timeout)
    return ingest_stream(store, items, agreements, progress, batch_size=batch_size, near_dup_threshold=near_dup_threshold,
                         client=client, near_dup_window_days=near_dup_window_days)


def ingest_stream(
    store,  # type: ignore[no-untyped-def]
    items: Iterable[Item],
    agreements: list[Agreement],
    progress: Callable[[Item], None] | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    near_dup_threshold: float = THRESHOLD,
    near_dup_window_days: int | None = WINDOW_DAYS,
    client=None,  # type: ignore[no-untyped-def]
) -> IngestSummary:
    """Ingest ``items`` (see :func:`iter_items`); ``progress(item)`` after each is done.

    In this process, or with a Dask ``client`` on its cluster: workers extract
    chunks of reports in parallel and store them themselves, each chunk after
    the one before it (see :mod:`accordwatch.distributed`), so the database is
    the one this process alone would write.
    """
    summary = IngestSummary()
    if client is None:
        ing = Ingestor(store, agreements, summary, batch_size=batch_size, near_dup_threshold=near_dup_threshold,
                       near_dup_window_days=near_dup_window_days)
        for item in items:
            ing.add(item)
            if progress:
                progress(item)
        ing.flush()
        return summary
    from .distributed import WriterSpec, ingest_many
    from .store import content_hash

    sent: set[str] = set()

    def skip(chunk: list[Item]) -> list[bool]:
        """Texts stored before or sent earlier in this run: the writer records them as copies, no need to extract."""
        digests = [content_hash(item.text or "") for item in chunk]
        known = store.known_hashes([d for d in set(digests) if d not in sent])
        out = []
        for digest in digests:
            out.append(digest in sent or digest in known)
            sent.add(digest)
        return out

    spec = WriterSpec(store.shared_url(), batch_size, near_dup_threshold, near_dup_window_days)
    for chunk, part in ingest_many(items, client, agreements, spec, skip=skip):
        summary.merge(part)
        if progress:
            for item in chunk:
                progress(item)
    return summary


# ----------------------------------------------------------------- watch


@dataclass
class WatchState:
    """What `watch` has already looked at, so each round ingests only what is new."""

    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # path -> (mtime_ns, size)
    items: set[tuple[str, str]] = field(default_factory=set)  # (origin, digest) of items handled
    http: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # url -> (ETag, Last-Modified)


def _item_key(item: Item) -> tuple[str, str]:
    body = item.text if item.text is not None else f"{item.error}:{item.detail}"
    return item.origin, hashlib.sha1(body.encode("utf-8", "replace")).hexdigest()


def _new_items(
    specs: list[str],
    state: WatchState,
    summary: IngestSummary,
    default_date: dt.date | None,
    max_bytes: int,
    timeout: float,
) -> Iterator[Item]:
    """The items of ``specs`` not seen in an earlier round; unreachable URLs go to ``summary.unreachable``."""
    for spec in specs:
        if is_url(spec):
            etag, modified = state.http.get(spec, (None, None))
            try:
                fetched = fetch_url(spec, timeout=timeout, max_bytes=max_bytes, etag=etag, last_modified=modified)
            except Unreachable as exc:
                summary.unreachable.append(str(exc))
                continue
            if fetched.not_modified:
                continue
            state.http[spec] = (fetched.etag, fetched.last_modified)
            candidates: Iterable[Item] = url_items(fetched, default_date, max_bytes)
        else:
            path = Path(spec)
            if not path.exists():
                summary.unreachable.append(f"{spec}: no such file or folder (yet); will look again next round")
                continue
            candidates = _changed_files(path, state, default_date, max_bytes)
        for item in candidates:
            key = _item_key(item)
            if key in state.items:
                continue
            state.items.add(key)
            yield item


def _changed_files(path: Path, state: WatchState, default_date: dt.date | None, max_bytes: int) -> Iterator[Item]:
    for f in folder_files(path) if path.is_dir() else [path]:
        try:
            st = f.stat()
        except OSError:
            continue
        stamp = (st.st_mtime_ns, st.st_size)
        if state.files.get(str(f)) == stamp:
            continue
        state.files[str(f)] = stamp
        yield from _iter_file(f, default_date, max_bytes)


def watch(
    store,  # type: ignore[no-untyped-def]
    sources: Iterable[str | Path],
    agreements: list[Agreement],
    interval: float | str = 600.0,
    *,
    max_rounds: int | None = None,
    default_date: dt.date | None = None,
    on_round: Callable[[int, IngestSummary], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_bytes: int = MAX_BYTES,
    batch_size: int = BATCH_SIZE,
    near_dup_threshold: float = THRESHOLD,
    timeout: float = URL_TIMEOUT,
    near_dup_window_days: int | None = WINDOW_DAYS,
) -> list[IngestSummary]:
    """Ingest what is new in folders, files and feed URLs every ``interval``
    (seconds, or '30s', '10m', '1h') until ``max_rounds`` rounds were done or
    KeyboardInterrupt. A URL that cannot be reached is noted in the round's
    summary (``unreachable``) and tried again next round; it is not quarantined.
    ``on_round(n, summary)`` is called after each round. Returns the summaries.
    """
    seconds = parse_interval(interval)
    specs = [str(s) for s in sources]
    if not specs:
        raise InputError("watch needs at least one folder, feed file or feed URL")
    if STDIN in specs:
        raise InputError("watch cannot read standard input ('-'); give folders, files or feed URLs")
    state = WatchState()
    index = NearDupIndex.from_signatures(store.signatures(), near_dup_threshold, window_days=near_dup_window_days)
    summaries: list[IngestSummary] = []
    n = 0
    while max_rounds is None or n < max_rounds:
        n += 1
        summary = IngestSummary()
        ing = Ingestor(store, agreements, summary, batch_size=batch_size, near_dup_threshold=near_dup_threshold,
                       index=index, quarantine_unreachable=False, near_dup_window_days=near_dup_window_days)
        try:
            for item in _new_items(specs, state, summary, default_date, max_bytes, timeout):
                ing.add(item)
            ing.flush()
        except BaseException:
            state.items.clear()  # not all of this round was stored: look at everything again next time
            state.files.clear()
            state.http.clear()
            raise
        index = ing.index
        summaries.append(summary)
        if on_round:
            on_round(n, summary)
        if max_rounds is not None and n >= max_rounds:
            break
        sleep(seconds)
    return summaries
