"""The document that flows through the extraction pipeline.

Each step reads some fields and writes others (see ``pipeline.STEPS``); the
fields are plain lists of small frozen records with character offsets into
``Doc.text``.
"""

from __future__ import annotations

import bisect
from bisect import bisect_left
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..model import Event, EventType


@dataclass
class Mention:
    """A generic span: used for timexes, places and parties after offsetting."""

    start: int
    end: int
    text: str
    value: Any
    kind: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Trigger:
    start: int
    end: int
    text: str
    type: EventType
    rule: str
    sentence: int
    modality: str | None = None  # fixed by the rule, if any
    confidence: float = 0.7


@dataclass
class Doc:
    text: str
    anchor: dt.date
    sentences: list = field(default_factory=list)  # list[Sentence]
    dateline_end: int = 0
    timexes: list = field(default_factory=list)  # list[Timex] with absolute offsets
    places: list = field(default_factory=list)  # list[PlaceMatch] absolute offsets
    parties: list = field(default_factory=list)  # list[PartyMatch]
    triggers: list[Trigger] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    agreement_dates: dict[str, dt.date] = field(default_factory=dict)
    name_dates: set[int] = field(default_factory=set)  # offsets of dates that name an agreement
    _index: dict = field(default_factory=dict, repr=False)

    def sentence_index(self, pos: int) -> int:
        starts = self._index.get("sentences")
        if starts is None or len(starts) != len(self.sentences):
            starts = [s.start for s in self.sentences]
            self._index["sentences"] = starts
        return max(0, bisect.bisect_right(starts, pos) - 1)

    def in_span(self, items: list, start: int, end: int) -> list:
        return [x for x in items if x.start >= start and x.end <= end]

    def within(self, kind: str, lo: int, hi: int) -> list:
        """Items of ``kind`` ("places", "timexes", "parties") inside [lo, hi), found by
        bisection so that per-trigger lookups stay logarithmic on huge inputs."""
        items = getattr(self, kind)
        cached = self._index.get(kind)
        if cached is None or cached[0] is not items or cached[1] != len(items):
            items.sort(key=lambda x: x.start)
            cached = (items, len(items), [x.start for x in items])
            self._index[kind] = cached
        starts = cached[2]
        a = bisect_left(starts, lo)
        b = bisect_left(starts, hi, a)
        if a == b:
            return []  # (most windows: no list comprehension to run)
        return [x for x in items[a:b] if x.end <= hi]
