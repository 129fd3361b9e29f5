"""Near-duplicate reports (reprints, light rewrites of one wire story) with MinHash LSH.

A report's text is normalised (NFKC, case-folded, punctuation dropped) and cut
into word 5-shingles; its MinHash signature (128 permutations) is stored in
``report_signatures``. A new report whose estimated Jaccard similarity with an
earlier report is at least the threshold (default 0.8) joins that report's
story; otherwise it starts a story of its own. A story's id is the id of its
earliest report, so status can count independent stories rather than copies.

The index is rebuilt lazily from the stored signatures the first time an
ingest needs it. It holds only reports published within ``window_days``
(default 30) before the newest report it has seen, so its memory stays
bounded however many reports are stored: reprints come within days, and a
near-duplicate of an older report simply starts a new story. Exact duplicates never get this far: the store records them
as copies of the first report.
"""

from __future__ import annotations

import datetime as dt
import heapq
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

NUM_PERM = 128
THRESHOLD = 0.8
SHINGLE = 5
WINDOW_DAYS = 30  # reports older than this (before the newest seen) leave the index
SCHEME = "affine32"  # datasketch >= 2: 32-bit hash values, stored as 4 little-endian bytes each

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The words of a text, normalised: NFKC, case-folded, no punctuation."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def shingles(text: str, k: int = SHINGLE) -> set[bytes]:
    """Word k-shingles (a text shorter than k words is one shingle)."""
    w = words(text)
    if not w:
        return set()
    if len(w) < k:
        return {" ".join(w).encode("utf-8")}
    return {" ".join(w[i : i + k]).encode("utf-8") for i in range(len(w) - k + 1)}


_PERMUTATIONS: dict[int, object] = {}


def minhash(text: str, num_perm: int = NUM_PERM):  # type: ignore[no-untyped-def]
    """The MinHash of a text's shingles, or None for a text without words."""
    from datasketch import MinHash

    sh = shingles(text)
    if not sh:
        return None
    perms = _PERMUTATIONS.get(num_perm)
    if perms is not None:
        m = MinHash(num_perm=num_perm, permutations=perms, scheme=SCHEME)
    else:
        m = MinHash(num_perm=num_perm, scheme=SCHEME)
    _PERMUTATIONS.setdefault(num_perm, m.permutations)
    m.update_batch(sorted(sh))
    return m


def to_bytes(m) -> bytes:  # type: ignore[no-untyped-def]
    """A signature as bytes (little-endian uint32 per permutation)."""
    import numpy as np

    return np.asarray(m.hashvalues, dtype="<u4").tobytes()


def from_bytes(data: bytes, num_perm: int):  # type: ignore[no-untyped-def]
    import numpy as np
    from datasketch import MinHash

    values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    if len(values) != num_perm:
        raise ValueError(f"signature has {len(values)} values, expected {num_perm}")
    perms = _PERMUTATIONS.get(num_perm)
    if perms is None:
        perms = MinHash(num_perm=num_perm, scheme=SCHEME).permutations
        _PERMUTATIONS[num_perm] = perms
    return MinHash(num_perm=num_perm, hashvalues=values, permutations=perms, scheme=SCHEME)


@dataclass(frozen=True)
class Match:
    key: str  # content hash of the earlier report
    similarity: float


class NearDupIndex:
    """An LSH index of report signatures keyed by content hash."""

    def __init__(self, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, window_days: int | None = WINDOW_DAYS) -> None:
        from datasketch import MinHashLSH

        if window_days is not None and window_days < 0:
            from .errors import InputError

            raise InputError(f"near-duplicate window {window_days} days must be 0 or more (e.g. 30)")

        if not 0.0 < threshold <= 1.0:
            from .errors import InputError

            raise InputError(f"near-duplicate threshold {threshold} must be between 0 and 1 (e.g. 0.8)")
        self.threshold = threshold
        self.num_perm = num_perm
        # LSH banding tuned for the threshold itself misses many pairs just
        # above it (at 0.8 it finds only ~40% of pairs with Jaccard 0.8): band
        # for a lower threshold, favouring recall, and check every candidate's
        # estimated Jaccard against the real threshold.
        self._lsh = MinHashLSH(threshold=max(0.05, threshold - 0.2), num_perm=num_perm, weights=(0.2, 0.8))
        self._sigs: dict[str, object] = {}
        self._order: dict[str, int] = {}  # key -> insertion rank (earlier wins ties)
        self._rank = 0
        self.window_days = window_days
        self._newest: dt.date | None = None
        self._by_date: list[tuple[dt.date, int, str]] = []  # heap of (published, rank, key)
        self.last_id = 0  # highest stored report id seen by from_signatures / sync

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: str) -> bool:
        return key in self._sigs

    def add(self, key: str, m, published: dt.date | None = None) -> None:  # type: ignore[no-untyped-def]
        """Index a report's signature; with ``published``, reports published more
        than ``window_days`` before the newest seen are dropped from the index."""
        if published is not None and self.window_days is not None:
            if self._newest is None or published > self._newest:
                self._newest = published
            self._expire()
            if (self._newest - published).days > self.window_days:
                return  # already outside the window
        if m is None or key in self._sigs:
            return
        self._lsh.insert(key, m)
        self._sigs[key] = m
        self._order[key] = self._rank
        if published is not None and self.window_days is not None:
            heapq.heappush(self._by_date, (published, self._rank, key))
        self._rank += 1

    def _expire(self) -> None:
        assert self._newest is not None and self.window_days is not None
        oldest = self._newest - dt.timedelta(days=self.window_days)
        while self._by_date and self._by_date[0][0] < oldest:
            _, _, key = heapq.heappop(self._by_date)
            if key in self._sigs:
                self._lsh.remove(key)
                del self._sigs[key], self._order[key]

    def best(self, m) -> Match | None:  # type: ignore[no-untyped-def]
        """The most similar indexed report at or above the threshold (earliest on ties)."""
        if m is None or not self._sigs:
            return None
        found = []
        for key in self._lsh.query(m):
            sim = float(m.jaccard(self._sigs[key]))
            if sim >= self.threshold:
                found.append((-sim, self._order[key], key))
        if not found:
            return None
        neg, _, key = min(found)
        return Match(key, -neg)

    @classmethod
    def from_signatures(
        cls, rows: Iterable, threshold: float = THRESHOLD, num_perm: int = NUM_PERM, window_days: int | None = WINDOW_DAYS
    ) -> NearDupIndex:
        """Build from ``Store.signatures()`` rows (report id order); other num_perm values are skipped."""
        index = cls(threshold, num_perm, window_days)
        index.sync(rows)
        return index

    def sync(self, rows: Iterable) -> None:
        """Add ``Store.signatures(after=self.last_id)`` rows: the reports other
        writers (processes, Dask workers) stored since this index last looked.
        Reports already indexed are skipped."""
        for row in rows:
            rid = getattr(row, "report_id", None)
            if rid is not None and rid > self.last_id:
                self.last_id = rid
            if row.num_perm != self.num_perm or row.content_hash in self._sigs:
                continue
            published = getattr(row, "published", None)
            if (published is not None and self.window_days is not None and self._newest is not None
                    and (self._newest - published).days > self.window_days):
                continue  # outside the window: add would drop it (no need to decode it)
            try:
                self.add(row.content_hash, from_bytes(row.signature, self.num_perm), getattr(row, "published", None))
            except ValueError:
                continue
