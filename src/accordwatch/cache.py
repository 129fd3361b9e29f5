"""Answers computed from the database, kept while the data has not changed.

The store gives the data a new version in every transaction that changes it
(:meth:`accordwatch.store.Store.data_version`, shared by every process on the
database). A :class:`VersionedCache` files each answer under that version: an
answer is reused only for the exact same question on the exact same data, so
it can never be stale, and everything filed under an older version is dropped
as soon as a newer one is seen. No I/O here: the caller reads the version.

The web server asks the same few questions again and again (the status of an
agreement at today's date, the dashboard of a day); the CLI asks each once and
gains nothing, but loses nothing either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class VersionedCache:
    """A bounded, thread-safe LRU of answers under one data version at a time.

    >>> c = VersionedCache(maxsize=2)
    >>> c.get_or_compute("v1", ("status", "nk"), lambda: 1)
    1
    >>> c.get_or_compute("v1", ("status", "nk"), lambda: 2)  # same data, same question
    1
    >>> c.get_or_compute("v2", ("status", "nk"), lambda: 3)  # the data changed
    3

    ``version`` None (a database without a version, e.g. not yet migrated)
    disables caching: the answer is computed every time. Values are shared
    between callers and must be treated as read-only.
    """

    def __init__(self, maxsize: int = 256):
        if maxsize < 1:
            raise ValueError(f"maxsize must be at least 1, not {maxsize}")
        self.maxsize = maxsize
        self._version: str | None = None
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_compute(self, version: str | None, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer to ``key`` on the data of ``version``, computed once per version."""
        if version is None:
            return compute()
        with self._lock:
            if version == self._version and key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[no-any-return]
            self.misses += 1
        # Computed outside the lock: two threads may compute the same answer once
        # each, which is cheaper than making every other question wait.
        value = compute()
        with self._lock:
            if version != self._version:
                # Versions are not ordered: whichever was seen last wins. A
                # request that read an older version a moment ago only files its
                # answer under that version, where the next request will not look.
                self._items.clear()
                self._version = version
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._version = None

    def __len__(self) -> int:
        return len(self._items)
