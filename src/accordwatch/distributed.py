"""Ingest on a Dask cluster: ``accordwatch ingest --workers N`` / ``--scheduler URL``.

The reports are cut into chunks. Per chunk, two tasks:

* **extract** (pure: text + date + agreements -> events, evidence links, MinHash
  signature), which runs on any free worker, many chunks at once;
* **write**, which stores the chunk from the worker that extracted it — report,
  events, evidence, signature, story, in transactions of ``--batch-size``
  reports, exactly as a single-process ingest does — and which depends on the
  previous chunk's write task. Dask therefore runs the writes one after the
  other, in input order, while the extractions run in parallel.

Each write first brings the worker's near-duplicate index up to date with the
signatures the other workers stored (:meth:`NearDupIndex.sync`), then finds
exact duplicates in the database: everything stored before it is there,
nothing after it is, so the database is the one a single process writes.
The client only reads the sources, says which texts need no extraction
(already stored, or sent earlier in this run) and adds up the chunks'
summaries; at most ``max_in_flight`` chunks are on the cluster at a time, so
memory stays flat however many reports come in.

The workers open the database themselves (:meth:`Store.shared_url`): with
``--scheduler`` they must reach it — a PostgreSQL server, or a SQLite file on
their own machine.

    >>> with cluster_client(workers=2) as client:
    ...     for chunk, summary in ingest_many(items, client, agreements, spec):
    ...         ...
"""

from __future__ import annotations

import collections
import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import AccordWatchError

# For a LocalCluster on this machine's cores, every CPU cycle not spent
# extracting is taken from the extraction: no sampling profiler in the workers
# (it wakes every 10 ms), no work stealing (the tasks are alike and already
# spread evenly), no dashboard, and the housekeeping timers of the scheduler,
# nannies and workers slowed down (event-loop health every 1 s instead of
# 20 ms, memory every 1 s instead of 100 ms, system figures every 5 s): an idle
# two-worker cluster then costs 1.5% of a core instead of 9%.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}

# Reports per chunk: large enough that the scheduler's cost per task (~1 ms)
# is small against the work, small enough to keep every worker busy.
DEFAULT_CHUNK = 256


@dataclass(frozen=True)
class WriterSpec:
    """What a worker needs to store chunks as the client would."""

    db_url: str  # Store.shared_url(): may hold a password, never shown
    batch_size: int
    near_dup_threshold: float
    near_dup_window_days: int | None

    def __repr__(self) -> str:
        from .store.db import _shown

        return (f"WriterSpec({_shown(self.db_url)!r}, batch_size={self.batch_size}, "
                f"threshold={self.near_dup_threshold}, window_days={self.near_dup_window_days})")


def extract_one(text: str, published: Any, agreements: list) -> tuple[list, list, tuple[int, bytes | None]]:
    """Events, evidence links and the MinHash signature (``(num_perm, bytes)``,
    see :func:`accordwatch.neardup.to_bytes`) of one report: the pure part of
    an ingest, what every worker runs. The signature travels as 512 bytes, not
    as a MinHash object (which pickles its permutation tables too)."""
    from .extract import extract_events
    from .link import link_events
    from .neardup import NUM_PERM, minhash, to_bytes

    events = extract_events(text, published, denials=True)
    m = minhash(text, NUM_PERM)
    return events, list(link_events(events, published, agreements)), (NUM_PERM, to_bytes(m) if m is not None else None)


def _readable(chunk: list[Any]) -> list[bool]:
    """Which items of a chunk carry a text to extract (not a read error)."""
    return [getattr(item, "error", None) is None and item.text is not None for item in chunk]


def _extract_chunk(texts: list[tuple[str, Any]], agreements: list) -> list[Any]:
    """Run on a worker: one result per (text, date); an exception is returned, not raised."""
    out: list[Any] = []
    for text, published in texts:
        try:
            out.append(extract_one(text, published, agreements))
        except Exception as exc:  # noqa: BLE001 - one bad report never stops a batch
            out.append(exc)
    return out


@contextlib.contextmanager
def cluster_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A ``distributed.Client``: on a new LocalCluster of ``workers`` processes
    (one thread each), or connected to the scheduler at ``scheduler``
    (``tcp://HOST:PORT``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - dask is a dependency
        raise AccordWatchError("--workers/--scheduler need dask: pip install 'dask[distributed]'") from exc
    if scheduler:
        try:
            client = Client(scheduler)  # waits distributed.comm.timeouts.connect (Dask config)
        except (OSError, TimeoutError) as exc:
            raise AccordWatchError(
                f"cannot reach the Dask scheduler at {scheduler}: {exc}; start one with "
                "`dask scheduler` (and `dask worker {scheduler}`) or use --workers N"
            ) from None
        try:
            warm_up(client)
            yield client
        finally:
            client.close()
        return
    if not workers or workers < 1:
        raise AccordWatchError(f"--workers {workers}: give a number of worker processes of 1 or more")
    # Workers inherit the environment (ACCORDWATCH_AGREEMENTS etc.); no dashboard,
    # no spilling to disk: the work is small and CPU-bound.
    import dask

    with dask.config.set(LOCAL_CLUSTER_CONFIG):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=40,  # logging.ERROR
        )
    client = Client(cluster)
    try:
        warm_up(client)
        yield client
    finally:
        client.close()
        cluster.close()


def _warm_worker() -> None:
    # Imports and lazily built tables (gazetteer, lexicons, patterns): paid once
    # per worker process at start-up rather than inside the first chunks.
    import datetime as dt

    from .neardup import NearDupIndex

    extract_one("Troops withdrew from the district on 15 November 2020, officials said.", dt.date(2020, 11, 16), [])
    NearDupIndex()  # the first one imports scipy and tunes the LSH bands (~0.7 s)


def warm_up(client: Any) -> None:
    """Load the extractor in every worker of ``client`` now (start-up, not the first reports)."""
    client.run(_warm_worker)


def extract_many(
    items: Iterable[Any],
    client: Any,
    agreements: list,
    chunk_size: int = DEFAULT_CHUNK,
    max_in_flight: int | None = None,
) -> Iterator[tuple[Any, Any]]:
    """``(item, result)`` for every item, in input order: extraction alone on
    the cluster, nothing stored (:func:`ingest_many` stores).

    ``result`` is ``(events, links, (num_perm, signature bytes))`` (see
    :func:`extract_one`), the exception extraction raised, or ``None`` when
    the item carries a read error. Items are sent in chunks of ``chunk_size``; at most ``max_in_flight``
    chunks (default: 2 per worker thread, at least 4) are on the cluster at once.
    """
    from distributed import wait

    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = max(4, 2 * threads)
    [ags] = client.scatter([agreements], broadcast=True, hash=False)
    pending: collections.deque[tuple[list[Any], list[int], Any]] = collections.deque()

    def drain(n: int) -> Iterator[tuple[Any, Any]]:
        while len(pending) > n:
            chunk, sent, fut = pending.popleft()
            results = fut.result() if fut is not None else []
            fut = None  # release it on the cluster
            by_pos = dict(zip(sent, results))
            for pos, item in enumerate(chunk):
                yield item, by_pos.get(pos)

    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= chunk_size:
            pending.append(_submit(client, chunk, ags))
            chunk = []
            if len(pending) > max_in_flight:
                head = pending[0][2]
                if head is not None:
                    wait([head])
                yield from drain(max_in_flight)
    if chunk:
        pending.append(_submit(client, chunk, ags))
    yield from drain(0)


def _submit(client: Any, chunk: list[Any], ags: Any) -> tuple[list[Any], list[int], Any]:
    sent = [pos for pos, ok in enumerate(_readable(chunk)) if ok]
    if not sent:
        return chunk, sent, None
    payload = [(chunk[pos].text, chunk[pos].published) for pos in sent]
    return chunk, sent, client.submit(_extract_chunk, payload, ags, pure=False)


# ----------------------------------------------------------------- ingest: extract and write on the workers


def _extract_items(items: list[Any], flags: list[bool], agreements: list) -> tuple[list[Any], list[Any]]:
    """Run on a worker: the chunk and what was extracted for each flagged item
    (an exception is returned, not raised; None for the others)."""
    done = iter(_extract_chunk([(i.text, i.published) for i, f in zip(items, flags) if f], agreements))
    return items, [next(done) if f else None for f in flags]


class _Writer:
    """A worker's open database and near-duplicate index for one ingest run."""

    def __init__(self, run: str, store: Any) -> None:
        self.run = run
        self.store = store
        self.index: Any = None


_WRITERS: dict[str, _Writer] = {}  # database URL -> the writer of the latest run
_WRITERS_LOCK = threading.Lock()


def _writer(db_url: str, run: str) -> _Writer:
    """Opened afresh for every run: a long-lived worker must not keep writing to
    a SQLite file that was deleted and created again, nor trust an old index."""
    with _WRITERS_LOCK:
        w = _WRITERS.get(db_url)
        if w is None or w.run != run:
            if w is not None:
                w.store.close()
            w = _WRITERS[db_url] = _Writer(run, _open_store(db_url))
        return w


def _open_store(db_url: str) -> Any:
    """The client's database, opened on a worker; a SQLite file must already be there."""
    import socket

    from sqlalchemy.engine import make_url

    from .store import Store

    url = make_url(db_url)
    db = url.database
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:") and not Path(db).is_file():
        raise AccordWatchError(
            f"Dask worker on {socket.gethostname()}: the database file {db} is not on this machine. "
            "Workers store what they extract themselves: with --scheduler use a database they can reach "
            "(--db postgresql+psycopg://...), or run the workers on this machine"
        )
    return Store(db_url)


def _write_chunk(extracted: tuple[list[Any], list[Any]], previous: Any, spec: WriterSpec, run: str, agreements: list) -> Any:
    """Run on a worker, after the previous chunk's write (``previous``, its summary, is
    only a dependency): store the chunk as a single-process ingest would; returns its summary."""
    from .ingest import IngestSummary, Ingestor

    items, results = extracted
    w = _writer(spec.db_url, run)
    summary = IngestSummary()
    ing = Ingestor(w.store, agreements, summary, batch_size=spec.batch_size, near_dup_threshold=spec.near_dup_threshold,
                   near_dup_window_days=spec.near_dup_window_days, index=w.index)
    try:
        for item, result in zip(items, results):
            ing.add(item, result)
        ing.flush()
    except BaseException:
        w.index = None  # it may hold signatures of reports that were not stored
        raise
    w.index = ing._index
    return summary


def ingest_many(
    items: Iterable[Any],
    client: Any,
    agreements: list,
    spec: WriterSpec,
    chunk_size: int | None = None,
    max_in_flight: int | None = None,
    skip: Callable[[list[Any]], list[bool]] | None = None,
) -> Iterator[tuple[list[Any], Any]]:
    """Store ``items`` on the cluster; ``(chunk, IngestSummary of the chunk)`` in input order.

    ``skip`` gets the readable items of a chunk and answers one bool per item:
    True when its text needs no extraction (stored already or sent earlier in
    this run; the write records it as a copy). At most ``max_in_flight``
    chunks (default: 2 per worker thread, at least 4) are on the cluster at once.
    A write that fails fails the ones after it (they depend on it); its error is raised here.
    """
    import uuid

    chunk_size = chunk_size or DEFAULT_CHUNK
    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = max(4, 2 * threads)
    run = uuid.uuid4().hex
    [ags] = client.scatter([agreements], broadcast=True, hash=False)
    pending: collections.deque[tuple[list[Any], Any]] = collections.deque()
    previous: Any = None

    def submit(chunk: list[Any]) -> None:
        nonlocal previous
        flags = _readable(chunk)
        if skip is not None and any(flags):
            readable = [pos for pos, f in enumerate(chunk) if flags[pos]]
            for pos, drop in zip(readable, skip([chunk[pos] for pos in readable])):
                flags[pos] = not drop
        if any(flags):
            extracted: Any = client.submit(_extract_items, chunk, flags, ags, pure=False)
        else:
            extracted = (chunk, [None] * len(chunk))
        previous = client.submit(_write_chunk, extracted, previous, spec, run, ags, pure=False)
        pending.append((chunk, previous))

    def drain(n: int) -> Iterator[tuple[list[Any], Any]]:
        while len(pending) > n:
            chunk, fut = pending.popleft()
            yield chunk, fut.result()

    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= chunk_size:
            submit(chunk)
            chunk = []
            yield from drain(max_in_flight)
    if chunk:
        submit(chunk)
    previous = None
    yield from drain(0)
