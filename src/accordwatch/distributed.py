"""Extraction on a Dask cluster: ``accordwatch ingest --workers N`` / ``--scheduler URL``.

Extraction, linking and MinHash signatures are pure (text + date + agreements
-> events + links + signature), so they run on the cluster in chunks of reports. Writing stays in the client
process: one writer, in input order, so the database is the same as after a
single-process run. At most ``max_in_flight`` chunks are on the cluster at a
time, so memory stays flat however many reports come in.

    >>> with cluster_client(workers=2) as client:
    ...     for item, result in extract_many(items, client, agreements):
    ...         ...  # result: (events, links, (num_perm, signature bytes)), an Exception, or None
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .errors import AccordWatchError

# For a LocalCluster on this machine's cores, every CPU cycle not spent
# extracting is taken from the extraction: no sampling profiler in the workers
# (it wakes every 10 ms), no work stealing (the tasks are alike and already
# spread evenly), no dashboard.
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.scheduler.work-stealing": False,
}

# Reports per task: large enough that the scheduler's cost per task (~1 ms)
# is small against the work, small enough to keep every worker busy.
DEFAULT_CHUNK = 256


def extract_one(text: str, published: Any, agreements: list) -> tuple[list, list, tuple[int, bytes | None]]:
    """Events, evidence links and the MinHash signature (``(num_perm, bytes)``,
    see :func:`accordwatch.neardup.to_bytes`) of one report: the pure part of
    an ingest, what every worker runs. The signature travels as 512 bytes, not
    as a MinHash object (which pickles its permutation tables too)."""
    from .extract import extract_events
    from .link import link_events
    from .neardup import NUM_PERM, minhash, to_bytes

    events = extract_events(text, published)
    m = minhash(text, NUM_PERM)
    return events, list(link_events(events, published, agreements)), (NUM_PERM, to_bytes(m) if m is not None else None)


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

    extract_one("Troops withdrew from the district on 15 November 2020, officials said.", dt.date(2020, 11, 16), [])


def warm_up(client: Any) -> None:
    """Load the extractor in every worker of ``client`` now (start-up, not the first reports)."""
    client.run(_warm_worker)


def extract_many(
    items: Iterable[Any],
    client: Any,
    agreements: list,
    chunk_size: int = DEFAULT_CHUNK,
    max_in_flight: int | None = None,
    skip: Callable[[list[Any]], list[bool]] | None = None,
) -> Iterator[tuple[Any, Any]]:
    """``(item, result)`` for every item, in input order.

    ``result`` is ``(events, links, (num_perm, signature bytes))`` (see
    :func:`extract_one`), the exception extraction raised, or
    ``None`` when the item was not sent (it carries an error, or ``skip(chunk)``
    said its events are already stored: the writer decides what to do).
    ``skip`` gets the items of a chunk that would be sent and answers one
    bool per item (one database query per chunk, not per report).
    Items are sent in chunks of ``chunk_size``; at most ``max_in_flight``
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
            pending.append(_submit(client, chunk, ags, skip))
            chunk = []
            if len(pending) > max_in_flight:
                head = pending[0][2]
                if head is not None:
                    wait([head])
                yield from drain(max_in_flight)
    if chunk:
        pending.append(_submit(client, chunk, ags, skip))
    yield from drain(0)


def _submit(client: Any, chunk: list[Any], ags: Any, skip: Callable[[list[Any]], list[bool]] | None) -> tuple[list[Any], list[int], Any]:
    sent = [pos for pos, item in enumerate(chunk) if getattr(item, "error", None) is None and item.text is not None]
    if skip is not None and sent:
        skipped = skip([chunk[pos] for pos in sent])
        sent = [pos for pos, drop in zip(sent, skipped) if not drop]
    if not sent:
        return chunk, sent, None
    payload = [(chunk[pos].text, chunk[pos].published) for pos in sent]
    return chunk, sent, client.submit(_extract_chunk, payload, ags, pure=False)
