"""Temporal expressions -> TIMEX3 values, resolved against the report date.

Pure functions, no I/O. ``tag(text, anchor)`` finds every date, time and
duration in a sentence and normalises it:

- "today" is the anchor; "yesterday", "tomorrow", "the day after tomorrow";
- weekdays resolve to the nearest one before the anchor in past tense and
  after it in future tense (the anchor's own weekday is the anchor);
- a month-day without a year takes the year nearest the anchor that agrees
  with the tense;
- "by / until / no later than D" keep D with ``mod="END"``;
- durations are values (``P10D``, ``PT72H``, ``P6M``); "within 60 days of the
  agreement" is a duration with ``anchor="agreement"`` for the caller to add;
  "three days later" is resolved from the previous date mentioned;
- precision is kept: day, month, year, week or time.

Every regular expression here is linear: no nested unbounded repetition.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Callable

from .extract.anchors import AnchoredPatterns, trie_regex, key_text
from .extract.caseless import caseless, last_token

__all__ = ["Timex", "add_duration", "parse_number", "tag", "tense_of"]


@dataclass(frozen=True, init=False)
class Timex:
    start: int
    end: int
    text: str
    type: str  # DATE | TIME | DURATION | SET
    value: str
    date: dt.date | None
    precision: str | None
    signal: str | None
    mod: str | None = None
    duration_days: int | None = None
    anchor: str | None = None

    def __init__(self, start: int, end: int, text: str, type: str, value: str, date: dt.date | None, precision: str | None,
                 signal: str | None, mod: str | None = None, duration_days: int | None = None, anchor: str | None = None):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once (tens of timexes per report)
        object.__setattr__(self, "__dict__", {
            "start": start, "end": end, "text": text, "type": type, "value": value, "date": date, "precision": precision,
            "signal": signal, "mod": mod, "duration_days": duration_days, "anchor": anchor})

    def moved(self, offset: int) -> "Timex":
        """This timex with its offsets moved by ``offset``: ``dataclasses.replace``
        does the same several times slower (it runs for every timex of a report)."""
        return Timex(self.start + offset, self.end + offset, self.text, self.type, self.value, self.date,
                     self.precision, self.signal, self.mod, self.duration_days, self.anchor)


MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
UNITS = {"day": "D", "days": "D", "week": "W", "weeks": "W", "month": "M", "months": "M", "year": "Y", "years": "Y",
         "hour": "H", "hours": "H", "fortnight": "W2", "fortnights": "W2"}

_ONES = {"zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
         "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}

_M = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)"
_MD = r"(?:january|february|march|april|may|june|july|august|september|october|november|december|(?:jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?)"
_WD = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WORDNUM = (r"(?:(?:one|two|three|four|five|six|seven|eight|nine)\s+hundred(?:\s+and)?(?:\s+|-))?"
            r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
            r"|zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
            r"|(?:one|two|three|four|five|six|seven|eight|nine) hundred|hundred)")
_NUM = r"(?:\d{1,4}|" + _WORDNUM + r"|an?)"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)"

I = re.IGNORECASE

# Quick rejection: a text with none of these cannot hold a temporal expression.
_PRECHECK = caseless(
    r"\d|" + _M + r"\b|" + _WD + r"|today|tonight|yesterday|tomorrow|week|month|year|fortnight|day|hour|midnight|noon|ago|later",
    I,
)

# name -> pattern; every pattern is applied with finditer over the text.
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(?P<y>" + _YEAR + r")-(?P<m>\d{2})-(?P<d>\d{2})\b(?:T(?P<hh>\d{2}):(?P<mm>\d{2}))?")),
    ("dmy_num", re.compile(r"\b(?P<d>\d{1,2})[./](?P<m>\d{1,2})[./](?P<y>" + _YEAR + r")\b")),
    ("range_dm", re.compile(r"\b(?P<d1>\d{1,2})" + _ORD + r"\s*(?:-|–|—|to|and|until|till)\s*(?P<d2>\d{1,2})" + _ORD + r"\s+(?:of\s+)?(?P<mon>" + _MD + r")(?:,?\s+(?P<y>" + _YEAR + r"))?\b", I)),
    ("range_md", re.compile(r"\b(?P<mon>" + _MD + r")\s+(?P<d1>\d{1,2})" + _ORD + r"\s*(?:-|–|—|to|and|until|till)\s*(?P<d2>\d{1,2})" + _ORD + r"(?!\d)(?:,?\s+(?P<y>" + _YEAR + r"))?\b", I)),
    ("dm", re.compile(r"\b(?P<d>\d{1,2})" + _ORD + r"\s+(?:of\s+)?(?P<mon>" + _MD + r")(?:,?\s+(?P<y>" + _YEAR + r")\b)?", I)),
    ("md", re.compile(r"\b(?P<mon>" + _MD + r")\s+(?P<d>\d{1,2})" + _ORD + r"(?![\d:])(?:,?\s+(?P<y>" + _YEAR + r")\b)?", I)),
    ("mid_month", re.compile(r"\b(?P<pre>mid|early|late)[- ](?P<mon>" + _M + r")\b(?:\s+(?P<y>" + _YEAR + r")\b)?", I)),
    ("month_year", re.compile(r"\b(?P<mon>" + _MD + r")\s+(?P<y>" + _YEAR + r")\b", I)),
    ("month_only", re.compile(r"\b(?P<sig>in|during|since|until|by|throughout|through|before|after|from|of|last|next|this|early|late)\s+(?P<mon>january|february|march|april|june|july|august|september|october|november|december)\b(?!\s*\d)", I)),
    ("ordinal_day", re.compile(r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?" + _M + r")", I)),
    ("weekday", re.compile(r"\b(?:(?P<rel>next|last|this|coming|previous|following)\s+)?(?P<wd>" + _WD + r")\b", I)),
    ("relday", re.compile(r"\b(?P<w>the day after tomorrow|the day before yesterday|today|tonight|this morning|this afternoon|this evening|yesterday|tomorrow)\b", I)),
    ("relperiod", re.compile(r"\b(?P<rel>last|next|this|past|coming|previous|following)\s+(?P<unit>week|month|year)\b", I)),
    ("ago", re.compile(r"\b(?P<n>" + _NUM + r")\s+(?P<unit>days?|weeks?|months?|years?)\s+ago\b", I)),
    ("in_n", re.compile(r"\bin\s+(?P<n>" + _NUM + r")\s+(?P<unit>days?|weeks?)(?:'|’)?(?:\s+time)?\b", I)),
    ("later", re.compile(r"\b(?P<n>" + _NUM + r"|a)\s+(?P<unit>days?|weeks?|fortnight|months?)\s+(?P<dir>later|after that|afterwards|earlier|before that)\b(?!\s+than)", I)),
    ("sameday", re.compile(r"\b(?P<w>within hours|hours later|later that day|that same day|the same day|the next day|the following day)\b", I)),
    ("within_of", re.compile(r"\bwithin\s+(?P<n>" + _NUM + r")[- ](?P<unit>days?|weeks?|months?|years?|hours?)\s+(?:of|from|after)\s+(?P<what>(?:the\s+|its\s+)?(?:agreement|deal|accord|statement|signing|signature|truce|ceasefire|cease-fire|entry into force|start of the ceasefire|ceasefire taking effect|ceasefire's entry into force|truce taking effect|agreement taking effect|agreement's entry into force|effective date|d-day)(?:\s+taking\s+effect|\s+coming\s+into\s+force|\s+entering\s+into\s+force)?)", I)),
    ("duration", re.compile(r"\b(?P<n>" + _NUM + r")(?:[- ](?P<unit>days?|weeks?|months?|years?|hours?|fortnights?))(?:-long)?\b", I)),
    ("fortnight", re.compile(r"\b(?:a|one)\s+fortnight\b", I)),
    ("time", re.compile(r"(?:\b(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?\s*(?P<ap>a\.m\.|p\.m\.|am\b|pm\b)|\b(?P<h24>[01]\d|2[0-4]):(?P<mi24>\d{2})\b|\b(?P<word>midnight|noon|midday)\b)", I)),
    ("year_attr", re.compile(r"\b[Tt]he\s+(?P<y>" + _YEAR + r")\s+(?=[a-z])")),
    ("year", re.compile(r"\b(?P<sig>in|by|since|until|from|during|before|after|early|late|mid-|of|the end of)\s+(?P<y>" + _YEAR + r")\b(?![,.]?\d)", I)),
]

_SIGNAL_WORDS = ("no later than", "not later than", "no earlier than", "by", "until", "till", "before", "after", "since", "from",
                 "on", "in", "within", "between", "to", "through", "as of", "starting", "effective", "at", "and")
# The signal words as a trie (one branch per first letter: the pattern has no leading word
# boundary, so it is tried at every character of the window). No signal word begins
# another, so the trie matches the word the plain alternation matches.
_SIGNAL = caseless(
    r"(?P<s>" + trie_regex(set(_SIGNAL_WORDS)) + r")\s+(?:the\s+)?(?:(?:early|late)\s+(?:hours\s+of\s+)?|(?:the\s+)?(?:early|small)\s+hours\s+of\s+)?$",
    I,
)
# the words a match of _SIGNAL can end with (it has no leading word boundary: endswith)
_SIGNAL_LAST = ("than", "by", "until", "till", "before", "after", "since", "from", "on", "in", "within", "between", "to",
                "through", "of", "starting", "effective", "at", "and", "the", "early", "late")
_SIG_MOD = {"no later than": "END", "not later than": "END", "by": "END", "until": "END", "till": "END",
            "before": "BEFORE", "after": "AFTER", "since": "START", "from": "START", "starting": "START", "no earlier than": "AFTER"}

_FUTURE = caseless(
    r"\b(?:will|shall|'ll|is to|are to|be to|due|expected|scheduled|set to|plans? to|planning to|going to|next|upcoming|coming|would|must|should|intend|intends|to be|tomorrow|have until|has until|is meant|are meant|aims? to|deadline)\b",
    I,
)
_PAST = caseless(
    r"\b(?:was|were|had|did|ago|last|yesterday|said|says|took|came|went|began|begun|left|fled|gave|made|held|met|withdrew|drove|rode|fell|"
    r"fought|broke|struck|sent|brought|told|saw|ran|won|lost|kept|froze|overran|\w+ed)\b",
    I,
)


def parse_number(s: str) -> int | None:
    """'ten' -> 10, 'one hundred and twenty' -> 120, '72' -> 72, 'a' -> 1."""
    s = s.strip().lower().replace("-", " ")
    if s.isdigit():
        return int(s)
    total = 0
    current = 0
    seen = False
    for w in s.split():
        if w == "and":
            continue
        if w in _ONES:
            current += _ONES[w]
            seen = True
        elif w in _TENS:
            current += _TENS[w]
            seen = True
        elif w == "hundred":
            current = max(current, 1) * 100
            seen = True
        else:
            return None
    total += current
    return total if seen else None


def tense_of(text: str) -> str:
    """'future', 'past' or 'present' from simple cues in ``text``."""
    f = _FUTURE.search(text)
    p = next(_iter_cues(_PAST, text), None)
    if f and not p:
        return "future"
    if p and not f:
        return "past"
    if f and p:
        # future-in-the-past ("said it would ...") still points forward
        return "future" if _FUTURE_IN_PAST.search(text) else "past"
    return "present"


# ("was due to" is a plan of the past, not a future seen from the past)
_FUTURE_IN_PAST = caseless(r"\b(?:will|shall|is to|are to|(?<!was )(?<!were )(?<!been )due to|expected|would|must|have until|has until)\b", I)
_NOT_PAST = frozenset({"expected", "scheduled", "intended", "supposed", "proposed", "planned", "needed", "required"})
_FORWARD_SIGNAL = caseless(r"\b(?:(?:postponed|moved|pushed back|put back|delayed|extended|put off|deferred|rescheduled|brought forward|advanced)\s+(?:to|until|till)|until|till)\s+(?:the\s+)?$", I)
_DEADLINE_SIGNAL = caseless(r"\b(?:by|until|till|no later than|not later than|postponed to|moved to|pushed back to|delayed to|extended to|put off to|to)\s+(?:the\s+)?$", I)


# a timetable verb in the simple present right before the expression
_SCHEDULE_PRESENT = caseless(
    r"\b(?:expires|ends|begins|starts|lapses|runs out|takes effect|comes into (?:force|effect)|falls due|resumes)\s+(?:on\s+|at\s+)?(?:the\s+)?$", I)
_SCHEDULE_LAST = ("expires", "ends", "begins", "starts", "lapses", "out", "effect", "force", "due", "resumes", "on", "at", "the")
_FORWARD_LAST = ("to", "until", "till", "the")  # the words a match of _FORWARD_SIGNAL ends with
_DEADLINE_LAST = ("by", "until", "till", "than", "to", "the")  # of _DEADLINE_SIGNAL


_PASSIVE_BEFORE = caseless(r"\b(?:be|been|being|to)\s+$", I)


def _iter_cues(rx: re.Pattern, window: str):
    # only offsets and lower-cased words are read: finditer_lower suffices
    if rx is _FUTURE:
        yield from rx.finditer_lower(window)
        return
    for m in rx.finditer_lower(window):
        if _past_cue(m, window):
            yield m


def _past_cue(m: re.Match, window: str) -> bool:
    """Is this match of ``_PAST`` a past-tense cue?"""
    w = m.group(0).lower()
    if w in _NOT_PAST:
        return False
    # a passive participle after "be"/"been" carries no tense of its own
    return not (w.endswith("ed") and _PASSIVE_BEFORE.search(window, max(0, m.start() - 8), m.start()))


_WAS_DUE_BEFORE = caseless(r"\b(?:had been|was|were) (?:due|supposed|scheduled|set|expected|meant)\b[^;]{0,45}$", I)
_WAS_DUE = caseless(r"\b(?:was|were|had been) (?:due|supposed|set|scheduled)\b", I)


class _Lazy:
    """A value computed on first use: a sentence's tense is needed only by the
    few expressions whose own context gives none."""

    __slots__ = ("_func", "_value")

    def __init__(self, func: Callable[[], str]):
        self._func = func
        self._value: str | None = None

    def __call__(self) -> str:
        if self._value is None:
            self._value = self._func()
        return self._value


def _local_tense(text: str, start: int, end: int, default: Callable[[], str]) -> str:
    """The tense around [start, end) of ``text``; ``default()`` (the sentence's) without cues."""
    before = text[max(0, start - 60) : start]
    if _WAS_DUE_BEFORE.search(before):
        return "past"  # a plan that was due: its date lies in the past of the report
    last = last_token(before)  # the signals below end with one of a few words
    if (last is None or last.endswith(_SCHEDULE_LAST)) and _SCHEDULE_PRESENT.search(before):
        return "future"  # "the deal, which expires on Saturday": a timetable in the present points forward
    if (last is None or last.endswith(_FORWARD_LAST)) and _FORWARD_SIGNAL.search(before):
        return "future"
    if (last is None or last.endswith(_DEADLINE_LAST)) and _DEADLINE_SIGNAL.search(before):
        wide = text[max(0, start - 150) : start]
        if _last_cue(_FUTURE, wide) >= 0 or _WAS_DUE.search(wide):
            return "future"
        if next(_iter_cues(_PAST, wide), None) is None:
            return "future"
        return "past"
    for window in (before, text[end : end + 25]):
        f = _last_cue(_FUTURE, window)
        p = _last_cue(_PAST, window)
        if f >= 0 and p < 0:
            return "future"
        if p >= 0 and f < 0:
            return "past"
        if f >= 0 and p >= 0:
            # the cue nearest the expression wins
            return "future" if f > p else "past"
    return default()


def _last_cue(rx, window: str) -> int:
    """Where the last cue of ``rx`` in ``window`` starts (as ``_iter_cues``, without a generator), -1 when there is none."""
    last = -1
    if rx is _FUTURE:
        for m in rx.finditer_lower(window):
            last = m.start()
        return last
    for m in rx.finditer_lower(window):
        if _past_cue(m, window):
            last = m.start()
    return last


def add_duration(d: dt.date, value: str) -> dt.date | None:
    """Apply a TIMEX3 duration (P10D, P2W, P6M, P1Y, PT72H) to a date."""
    m = re.fullmatch(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(\d+)H)?", value or "")
    if not m or not any(m.groups()):
        return None
    y, mo, w, da, h = (int(x) if x else 0 for x in m.groups())
    month0 = d.month - 1 + mo + 12 * y
    year, month = d.year + month0 // 12, month0 % 12 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day) + dt.timedelta(days=7 * w + da + h // 24)


def _duration_value(n: int, unit: str) -> tuple[str, int | None]:
    u = UNITS[unit.lower()]
    if u == "W2":
        return f"P{2 * n}W", 14 * n
    if u == "H":
        return f"PT{n}H", (n // 24 if n % 24 == 0 else None)
    days = {"D": n, "W": 7 * n}.get(u)
    return f"P{n}{u}", days


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _choose_year(month: int, day: int, anchor: dt.date, tense: str) -> dt.date | None:
    cands = [c for c in (_safe_date(anchor.year + k, month, day) for k in (-1, 0, 1)) if c]
    if not cands:
        return None
    nearest = min(cands, key=lambda c: abs((c - anchor).days))
    if tense == "past":
        pref = [c for c in cands if c <= anchor + dt.timedelta(days=1)]
    elif tense == "future":
        pref = [c for c in cands if c >= anchor - dt.timedelta(days=1)]
    else:
        pref = []
    if pref:
        best = min(pref, key=lambda c: abs((c - anchor).days))
        if abs((best - anchor).days) <= 300:
            return best
    return nearest


_UNSURE = object()


def _tenseless_year(month: int, day: int, anchor: dt.date):
    """``_choose_year(month, day, anchor, tense)`` when it is the same for every tense,
    else ``_UNSURE``: a day within two months of the anchor is the nearest one whatever
    the tense, so its expression's local tense (several cue searches) need not be read."""
    if 1 < anchor.year < 9999:  # (no date arithmetic near the ends of the calendar can fail)
        d = _safe_date(anchor.year, month, day)
        if d is not None and -64 <= (d - anchor).days <= 64:
            return d  # the same day a year before or after is more than 300 days away: never chosen
    try:
        cands = [c for c in (_safe_date(anchor.year + k, month, day) for k in (-1, 0, 1)) if c]
        if not cands:
            return None
        nearest = min(cands, key=lambda c: abs((c - anchor).days))
        late, early = anchor + dt.timedelta(days=1), anchor - dt.timedelta(days=1)
    except OverflowError:
        return _UNSURE
    for pref in ([c for c in cands if c <= late], [c for c in cands if c >= early]):
        if pref:
            best = min(pref, key=lambda c: abs((c - anchor).days))
            if abs((best - anchor).days) <= 300 and best != nearest:
                return _UNSURE  # "past" or "future" picks another year than "present"
    return nearest


def _choose_year_lazy(month: int, day: int, anchor: dt.date, tense: Callable[[], str]) -> dt.date | None:
    """``_choose_year(month, day, anchor, tense())``, calling ``tense`` only when the choice depends on it."""
    d = _tenseless_year(month, day, anchor)
    return _choose_year(month, day, anchor, tense()) if d is _UNSURE else d


def _choose_month_year_lazy(month: int, anchor: dt.date, tense: Callable[[], str]) -> int:
    """``_choose_month_year(month, anchor, tense())``, calling ``tense`` only when the choice depends on it."""
    d = _tenseless_year(month, 15, anchor)
    if d is _UNSURE:
        return _choose_month_year(month, anchor, tense())
    return anchor.year if d is None or month == anchor.month else d.year


def _choose_month_year(month: int, anchor: dt.date, tense: str) -> int:
    d = _choose_year(month, 15, anchor, tense)
    if d is None:
        return anchor.year
    if month == anchor.month:
        return anchor.year
    return d.year


def _weekday(wd: int, rel: str | None, anchor: dt.date, tense: str) -> dt.date:
    delta = (wd - anchor.weekday()) % 7
    rel = (rel or "").lower()
    if rel in ("next", "coming", "following"):
        return anchor + dt.timedelta(days=delta or 7)
    if rel in ("last", "previous"):
        back = (anchor.weekday() - wd) % 7
        return anchor - dt.timedelta(days=back or 7)
    if rel == "this":
        return anchor + dt.timedelta(days=delta) if tense == "future" else anchor - dt.timedelta(days=(anchor.weekday() - wd) % 7)
    if delta == 0:
        return anchor
    if tense == "future":
        return anchor + dt.timedelta(days=delta)
    return anchor - dt.timedelta(days=(anchor.weekday() - wd) % 7)


# The one-word signals, none of which can be the last word of a longer match of _SIGNAL
# (those end with "than", "of", "the", "early" or "late"): a window whose last word is one
# of them is matched from that word on, as the regex would (see ``_signal``).
_ONE_WORD_SIGNALS = frozenset(w for w in _SIGNAL_WORDS if " " not in w)
assert not _ONE_WORD_SIGNALS & {"than", "of", "the", "early", "late", "small"}


def _signal(text: str, start: int) -> tuple[str | None, str | None]:
    if start == 0 or not text[start - 1].isspace():
        return None, None  # a signal word is always followed by white space
    last = last_token(text[max(0, start - 40) : start])
    if last is not None:
        if last in _ONE_WORD_SIGNALS:
            # (ASCII) the window ends with this word and white space: _SIGNAL matches from
            # it, and no earlier match can reach the end (an earlier one would end with
            # "than", "of", "the", "early" or "late"): the regex's leftmost match is this one
            return (None, None) if last == "and" else (last, _SIG_MOD.get(last))
        if not last.endswith(_SIGNAL_LAST):
            return None, None  # the window cannot end as a match of _SIGNAL does
    m = _SIGNAL.search(text, max(0, start - 40), start)
    if not m:
        return None, None
    s = m.group("s").lower()
    if s == "and":
        return None, None
    return s, _SIG_MOD.get(s)


class _Cand:
    """A candidate expression: offsets (into the text ``_resolve`` reads), kind, and
    its match, whose own offsets are ``off`` more (a sentence's candidates keep the
    matches found in the whole report)."""

    __slots__ = ("start", "end", "kind", "m", "off")

    def __init__(self, start: int, end: int, kind: str, m: re.Match, off: int = 0):
        self.start = start
        self.end = end
        self.kind = kind
        self.m = m
        self.off = off


def fold_case(text: str) -> str:
    """Lower-case ``text`` without changing its length (offsets stay valid)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _fast(rx: re.Pattern) -> tuple[re.Pattern, bool]:
    """A case-sensitive copy of ``rx`` for lower-cased text, without its leading
    word boundary (checked by hand), so the engine can skip ahead by prefix."""
    src = rx.pattern
    if not rx.flags & re.IGNORECASE:
        return rx, False
    lead = src.startswith(r"\b") and _strippable(src[2:])
    if lead:
        src = src[2:]
    return re.compile(src), lead


def _strippable(rest: str) -> bool:
    """Is the pattern after a leading \\b safe to search without it? Only when it starts
    with a literal word or an alternation of words (no digits, no one-letter branches),
    so the engine can skip ahead by prefix instead of stopping inside every word."""
    if re.match(r"[a-z]{2}", rest):
        return True
    m = re.match(r"\((?:\?:|\?P<\w+>)", rest)
    if not m:
        return False
    depth, i, start = 1, m.end(), m.end()
    while i < len(rest) and depth:
        depth += {"(": 1, ")": -1}.get(rest[i], 0)
        i += 1
    branches = rest[start : i - 1].split("|")
    return all(re.match(r"[a-z]{2}", b) for b in branches)


def _required(rx: re.Pattern) -> frozenset[str] | None:
    from .extract.prefilter import required_literals

    if not rx.flags & re.IGNORECASE:
        return None
    r = required_literals(rx.pattern)
    return frozenset(r) if r else None


_FAST_PATTERNS = [(kind, rx, *_fast(rx)) for kind, rx in _PATTERNS]
_REQUIRED = {kind: _required(rx) for kind, rx in _PATTERNS}
_ANCHORED = None


def _anchored():
    """The date patterns as an ``AnchoredPatterns`` set: each is tried only where one
    of its first words begins (a case-insensitive pattern runs case-sensitively on
    the folded text)."""
    global _ANCHORED
    if _ANCHORED is None:
        _ANCHORED = AnchoredPatterns([re.compile(rx.pattern) if rx.flags & I else rx for _kind, rx in _PATTERNS])
    return _ANCHORED


def finditer_bounded(rx: re.Pattern, text: str, lead_boundary: bool, pos: int = 0, endpos: int | None = None):
    """``rx.finditer`` that also requires a word boundary before each match when asked."""
    end = len(text) if endpos is None else endpos
    if not lead_boundary:
        yield from rx.finditer(text, pos, end)
        return
    while pos <= end:
        m = rx.search(text, pos, end)
        if m is None:
            return
        st = m.start()
        if lead_boundary and st > 0 and (text[st - 1].isalnum() or text[st - 1] == "_") == (st < len(text) and (text[st].isalnum() or text[st] == "_")):
            pos = st + 1
            continue
        yield m
        pos = m.end() if m.end() > st else st + 1


_A_UNIT_BEFORE = re.compile(r"\b(?:for|within|over|after|in|of|another|only|just|per|than)\s+$", I)


def _cands(text: str, folded: str | None = None, where: list | None = None) -> list[_Cand]:
    """Candidate expressions of ``text``; ``folded`` is ``fold_case(text)`` and ``where``
    the ``_anchored().places`` of its key text, when the caller has them already."""
    out: list[_Cand] = []
    low = folded if folded is not None else fold_case(text)
    anchored = _anchored()
    if where is None:
        where = anchored.places(key_text(low))
    for i, (kind, orig, rx, lead) in enumerate(_FAST_PATTERNS):
        source = low if rx is not orig else text
        if where[i] is not None:
            if not where[i]:
                continue  # none of its first words occurs: no match
            found = anchored.finditer(i, source, where[i])
        else:
            req = _REQUIRED[kind]
            if req is not None and not any(x in low for x in req):
                continue
            found = finditer_bounded(rx, source, lead)
        for m in found:
            s, e = m.span()
            if kind == "month_only" or kind == "year":
                # the signal word is not part of the expression
                key = "mon" if kind == "month_only" else "y"
                s = m.start(key)
                if kind == "year" and m.group("sig").lower() in ("early", "late", "mid-", "the end of"):
                    s = m.start("sig")
            if kind == "month_only" and m.group("sig").lower() in ("last", "next", "this", "early", "late"):
                s = m.start("sig")
            if kind == "duration":
                if m.group("unit") is None:
                    continue
                # "1,960 servicemen" style numbers never reach here; skip "a day" / "a year" alone
                if m.group("n").lower() in ("a", "an") and not _A_UNIT_BEFORE.search(text[max(0, s - 12) : s]):
                    continue
            out.append(_Cand(s, e, kind, m))
    # longest first at each start; drop overlaps
    out.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[_Cand] = []
    last_end = -1
    for c in out:
        if c.start >= last_end:
            kept.append(c)
            last_end = c.end
        elif kept and c.end > kept[-1].end and c.start == kept[-1].start:
            kept[-1] = c
            last_end = c.end
    return kept


def _mk(text: str, s: int, e: int, typ: str, value: str, date: dt.date | None, precision: str | None, **kw) -> Timex:
    sig, mod = _signal(text, s)
    if "mod" in kw and kw["mod"] is None:
        kw.pop("mod")
    return Timex(s, e, text[s:e], typ, value, date, precision, kw.pop("signal", sig), kw.pop("mod", mod), **kw)


_BETWEEN_BEFORE = re.compile(r"\bbetween\s+$", I)


def _resolve(text: str, c: _Cand, anchor: dt.date, tense: Callable[[], str], previous: dt.date | None, last_date: dt.date | None, explicit_tense: bool = False) -> list[Timex]:
    """Timexes of candidate ``c``; ``tense()`` is the sentence's tense (called only when
    needed: most kinds of expression do not depend on it)."""
    m, k = c.m, c.kind

    def lt() -> str:
        return tense() if explicit_tense else _local_tense(text, c.start, c.end, tense)

    if k == "iso":
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if not d:
            return []
        if m["hh"]:
            return [_mk(text, c.start, c.end, "TIME", f"{d.isoformat()}T{m['hh']}:{m['mm']}", d, "time")]
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k == "dmy_num":
        d = _safe_date(int(m["y"]), int(m["m"]), int(m["d"]))
        if d is None and "/" in m.group(0):
            d = _safe_date(int(m["y"]), int(m["d"]), int(m["m"]))  # US month/day/year when unambiguous
        elif "/" in m.group(0) and int(m["d"]) <= 12 and int(m["m"]) <= 12 and m["d"] != m["m"]:
            return []  # 03/04/2020 is ambiguous: no guess
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")] if d else []
    if k in ("range_dm", "range_md"):
        mon = MONTHS[m["mon"].lower().rstrip(".")]
        out = []
        here = None  # the local tense, read when a day needs it
        for key in ("d1", "d2"):
            day = int(m[key])
            if m["y"]:
                d = _safe_date(int(m["y"]), mon, day)
            else:
                d = _tenseless_year(mon, day, anchor)
                if d is _UNSURE:
                    if here is None:
                        here = lt()
                    d = _choose_year(mon, day, anchor, here)
            if d is None:
                return []
            s, e = (m.start(key) - c.off, m.end(key) - c.off)
            if k == "range_dm" and key == "d2":
                e = c.end
            if k == "range_md" and key == "d1":
                s = c.start
            if k == "range_md" and key == "d2":
                e = c.end
            sig = "between" if _BETWEEN_BEFORE.search(text[max(0, c.start - 10) : c.start]) else None
            out.append(_mk(text, s, e, "DATE", d.isoformat(), d, "day", **({"signal": sig} if sig else {})))
        return out
    if k in ("dm", "md"):
        mon = MONTHS[m["mon"].lower().rstrip(".")]
        day = int(m["d"])
        if m["y"]:
            d = _safe_date(int(m["y"]), mon, day)
        else:
            d = _choose_year_lazy(mon, day, anchor, lt)
        if d is None:
            return []
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k == "mid_month":
        mon = MONTHS[m["mon"].lower()]
        y = int(m["y"]) if m["y"] else _choose_month_year_lazy(mon, anchor, lt)
        pre = m["pre"].lower()
        return [_mk(text, c.start, c.end, "DATE", f"{y:04d}-{mon:02d}", None, "month", mod={"mid": "MID", "early": "START", "late": "END"}[pre])]
    if k == "month_year":
        mon = MONTHS[m["mon"].lower().rstrip(".")]
        return [_mk(text, c.start, c.end, "DATE", f"{int(m['y']):04d}-{mon:02d}", None, "month")]
    if k == "month_only":
        mon = MONTHS[m["mon"].lower()]
        sig = m["sig"].lower()
        if sig in ("last",):
            y = anchor.year if mon < anchor.month else anchor.year - 1
        elif sig in ("next",):
            y = anchor.year if mon > anchor.month else anchor.year + 1
        else:
            y = _choose_month_year_lazy(mon, anchor, lt)
        mod = {"early": "START", "late": "END"}.get(sig)
        return [_mk(text, c.start, c.end, "DATE", f"{y:04d}-{mon:02d}", None, "month", **({"mod": mod} if mod else {}))]
    if k == "ordinal_day":
        day = int(m["d"])
        cands = []
        for k_ in (-1, 0, 1):
            mo0 = anchor.month - 1 + k_
            c_ = _safe_date(anchor.year + mo0 // 12, mo0 % 12 + 1, day)
            if c_:
                cands.append(c_)
        if not cands:
            return []
        here = lt()
        if here == "future":
            pref = [x for x in cands if x >= anchor]
        elif here == "past":
            pref = [x for x in cands if x <= anchor]
        else:
            pref = cands
        d = min(pref or cands, key=lambda x: abs((x - anchor).days))
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k == "weekday":
        wd = WEEKDAYS[m["wd"].lower()]
        rel = (m["rel"] or "").lower()
        # the tense decides only between the last and the next such day (not the anchor's own)
        fixed = rel in ("next", "coming", "following", "last", "previous") or wd == anchor.weekday()
        d = _weekday(wd, m["rel"], anchor, "" if fixed else lt())
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k == "relday":
        w = m["w"].lower()
        off = {"the day after tomorrow": 2, "the day before yesterday": -2, "yesterday": -1, "tomorrow": 1}.get(w, 0)
        d = anchor + dt.timedelta(days=off)
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k == "relperiod":
        rel, unit = m["rel"].lower(), m["unit"].lower()
        step = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1, "following": 1, "this": 0}[rel]
        if unit == "week":
            d = anchor + dt.timedelta(days=7 * step)
            y, w, _ = d.isocalendar()
            return [_mk(text, c.start, c.end, "DATE", f"{y:04d}-W{w:02d}", None, "week")]
        if unit == "month":
            mo0 = anchor.month - 1 + step
            y, mo = anchor.year + mo0 // 12, mo0 % 12 + 1
            return [_mk(text, c.start, c.end, "DATE", f"{y:04d}-{mo:02d}", None, "month")]
        return [_mk(text, c.start, c.end, "DATE", f"{anchor.year + step:04d}", None, "year")]
    if k == "sameday":
        # "within hours", "the next day": the day of the last date mentioned (or the one after)
        base = last_date if last_date is not None else previous
        if base is None:
            return []
        d = base + dt.timedelta(days=1 if m["w"].lower() in ("the next day", "the following day") else 0)
        return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
    if k in ("ago", "in_n", "later"):
        n = parse_number(m["n"]) if m["n"].lower() not in ("a", "an") else 1
        unit = m["unit"].lower()
        if n is None:
            return []
        value, days = _duration_value(n, unit)
        if k == "ago":
            if days is None:
                if unit.startswith("month"):
                    d = add_duration(anchor, f"P{n}M")
                    d = _months_back(anchor, n)
                    return [_mk(text, c.start, c.end, "DATE", f"{d.year:04d}-{d.month:02d}", None, "month")]
                return [_mk(text, c.start, c.end, "DATE", f"{anchor.year - n:04d}", None, "year")]
            d = anchor - dt.timedelta(days=days)
            return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
        if k == "in_n":
            d = anchor + dt.timedelta(days=days or 0)
            return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
        base = last_date if last_date is not None else previous
        sign = -1 if m["dir"].lower() in ("earlier", "before that") else 1
        if base is not None and days is not None:
            d = base + dt.timedelta(days=sign * days)
            return [_mk(text, c.start, c.end, "DATE", d.isoformat(), d, "day")]
        return [_mk(text, c.start, c.end, "DURATION", value, None, None, duration_days=days, anchor="previous")]
    if k == "within_of":
        n = parse_number(m["n"])
        if n is None:
            return []
        value, days = _duration_value(n, m["unit"].lower())
        what = m["what"].lower()
        if "sign" in what:
            ref = "signing"
        elif "ceasefire" in what or "truce" in what or "cease-fire" in what:
            ref = "ceasefire"
        elif "entry into force" in what or "effect" in what or "d-day" in what:
            ref = "effect"
        else:
            ref = "agreement"
        return [_mk(text, c.start, c.end, "DURATION", value, None, None, duration_days=days, anchor=ref, signal="within")]
    if k == "duration":
        n = parse_number(m["n"])
        if n is None or n == 0:
            return []
        value, days = _duration_value(n, m["unit"].lower())
        return [_mk(text, c.start, c.end, "DURATION", value, None, None, duration_days=days)]
    if k == "fortnight":
        return [_mk(text, c.start, c.end, "DURATION", "P2W", None, None, duration_days=14)]
    if k == "time":
        if m["word"]:
            w = m["word"].lower()
            hh, mi = (24, 0) if w == "midnight" else (12, 0)
        elif m["h24"] is not None:
            hh, mi = int(m["h24"]), int(m["mi24"])
        else:
            hh, mi = int(m["h"]), int(m["mi"] or 0)
            ap = m["ap"].lower()
            if hh > 12:
                return []
            if ap.startswith("p") and hh != 12:
                hh += 12
            if ap.startswith("a") and hh == 12:
                hh = 0
        if hh > 24 or mi > 59:
            return []
        return [_mk(text, c.start, c.end, "TIME", f"T{hh:02d}:{mi:02d}", None, "time")]
    if k in ("year", "year_attr"):
        y = int(m["y"])
        if k == "year_attr":
            return [_mk(text, m.start("y") - c.off, m.end("y") - c.off, "DATE", f"{y:04d}", None, "year")]
        return [_mk(text, c.start, c.end, "DATE", f"{y:04d}", None, "year")]
    return []


_YEAR_IN = re.compile(r"\d{4}")


def _after_reference(tx: list[Timex], anchor: dt.date) -> list[Timex]:
    """"The deal was extended in November until March 18" (a July report): a yearless day
    that a change moves *to* follows the earlier time its clause gives, not the report date.
    Only a forward date put more than two months after the report, with a past reference
    before it in the sentence, is moved back to the first such day after that reference."""
    if len(tx) < 2:
        return tx
    out = list(tx)
    for i, t in enumerate(out):
        if (t.type != "DATE" or t.precision != "day" or t.date is None or (t.signal or "") not in ("until", "till", "to")
                or (t.date - anchor).days <= 60 or _YEAR_IN.search(t.text)):
            continue
        ref = None
        for r in out[:i]:
            if r.date is not None and r.date < anchor:
                ref = r.date
            elif r.date is None and r.type == "DATE" and len(r.value) == 7 and r.value[:4].isdigit() and r.value < anchor.isoformat()[:7]:
                ref = dt.date(int(r.value[:4]), int(r.value[5:7]), 1)
        if ref is None:
            continue
        for y in (ref.year, ref.year + 1):
            d = _safe_date(y, t.date.month, t.date.day)
            if d is not None and d > ref:
                if d < t.date:
                    out[i] = replace(t, value=d.isoformat(), date=d)
                break
    return out


def _months_back(d: dt.date, n: int) -> dt.date:
    mo0 = d.month - 1 - n
    return dt.date(d.year + mo0 // 12, mo0 % 12 + 1, 1)


_JOIN_ON = caseless(r"^\s*(?:,\s*)?(?:on|of)?\s*(?:the\s+)?$", I)
_JOIN_APPOS = caseless(r"^\s*,?\s*(?:an?\s+)?$", I)
_JOIN_TIME = caseless(r"^\s*(?:\(?[A-Za-z]+(?:\s+[A-Za-z]+)?\s+time\)?\s*)?(?:,\s*)?(?:on\s+|of\s+)?(?:the\s+)?$", I)
_NAMED_DAY = caseless(r"^(?:(?:next|last|this|coming|previous|following)\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)$|^(?:today|tonight|yesterday|tomorrow|this morning|this afternoon|this evening)$", I)
_JOIN_DATE_AT = caseless(r"^\s*,?\s*at\s+$", I)


def _merge(text: str, tx: list[Timex], last_date: dt.date | None, anchor: dt.date | None = None,
           tense: Callable[[], str] | None = None) -> list[Timex]:
    """Join parts of one expression: 'today on November 15', 'Saturday, November 19',
    'February 18, a Tuesday', '4 a.m. on November 27', 'November 27 at 4 a.m.'.
    A bare time takes the last day mentioned before it; a bare "midnight" with no
    day before it is the report day's: its start in the past tense ("took effect at
    midnight"), its end otherwise ("expires at midnight")."""
    out: list[Timex] = []
    i = 0
    while i < len(tx):
        a = tx[i]
        b = tx[i + 1] if i + 1 < len(tx) else None
        if b is not None:
            gap = text[a.end : b.start]
            a_day = a.date is not None and a.precision == "day"
            b_day = b.date is not None and b.precision == "day"
            # weekday/relative day + explicit date (either order): the explicit date wins
            # (the cheap tests first: most neighbours are not two days a few characters apart)
            if a_day and b_day and len(gap) <= 8 and (_NAMED_DAY.match(a.text.strip()) or _NAMED_DAY.match(b.text.strip())) \
                    and (_JOIN_ON.match(gap) or _JOIN_APPOS.match(gap)):
                keep = b if _explicit(b) else a
                if _explicit(a) and not _explicit(b):
                    keep = a
                out.append(replace(keep, start=a.start, end=b.end, text=text[a.start : b.end], signal=a.signal, mod=a.mod))
                i += 2
                continue
            if a.type == "TIME" and a.date is None and b_day and len(gap) <= 30 and _JOIN_TIME.match(gap):
                d = b.date
                out.append(_timed(text, a, b, d, a.start, b.end, a.signal, a.mod))
                i += 2
                continue
            if a_day and b.type == "TIME" and b.date is None and _JOIN_DATE_AT.match(gap):
                out.append(_timed(text, b, a, a.date, a.start, b.end, a.signal, a.mod))
                i += 2
                continue
        out.append(a)
        i += 1
    # a bare time attaches to the last day mentioned before it (or is dropped)
    final: list[Timex] = []
    last = last_date
    for t in out:
        if t.type == "TIME" and t.date is None:
            if last is None:
                if anchor is None or t.value != "T24:00" or tense is None:
                    continue
                if tense() == "past":
                    t = replace(t, value="T00:00")
                t = _timed(text, t, None, anchor, t.start, t.end, t.signal, t.mod)
            else:
                t = _timed(text, t, None, last, t.start, t.end, t.signal, t.mod)
        if t.date is not None:
            last = t.date
        final.append(t)
    return final


_DIGIT = re.compile(r"\d")


def _explicit(t: Timex) -> bool:
    return _DIGIT.search(t.text) is not None


def _timed(text: str, time_tx: Timex, day_tx: Timex | None, d: dt.date, s: int, e: int, sig, mod) -> Timex:
    hhmm = time_tx.value[1:]
    return Timex(s, e, text[s:e], "TIME", f"{d.isoformat()}T{hhmm}", d, "time", sig, mod)


def tag_spans(text: str, anchor: dt.date, spans: list[tuple[int, int]], previous: dt.date | None = None,
              folded: str | None = None, where: list | None = None) -> list[list[Timex]]:
    """Temporal expressions of every sentence span of ``text`` (one pattern pass over
    the whole text), each resolved with its own sentence's tense; ``previous``
    carries the last day mentioned from one sentence to the next. ``folded`` and
    ``where``: see ``_cands`` (the pipeline shares one anchor pass with the triggers)."""
    out: list[list[Timex]] = [[] for _ in spans]
    if not spans or not text:
        return out
    try:
        cands = _cands(text, folded, where)
    except (ValueError, OverflowError, KeyError, IndexError):
        return out
    import bisect

    starts = [a for a, _ in spans]
    per: list[list[_Cand]] = [[] for _ in spans]
    for c in cands:
        i = bisect.bisect_right(starts, c.start) - 1
        if i >= 0 and c.end <= spans[i][1]:
            per[i].append(c)
    for i, (a, b) in enumerate(spans):
        if not per[i]:
            continue
        sent = text[a:b]
        try:
            sent_tense = _Lazy(lambda sent=sent: tense_of(sent))
            res: list[Timex] = []
            last_date = previous
            for c in per[i]:
                shifted = _Cand(c.start - a, c.end - a, c.kind, c.m, a + c.off)
                for t in _resolve(sent, shifted, anchor, sent_tense, previous, last_date, False):
                    res.append(t)
                    if t.date is not None:
                        last_date = t.date
            res.sort(key=lambda t: t.start)
            res = _merge(sent, res, previous, anchor, sent_tense)
            res = _after_reference(res, anchor)
        except (ValueError, OverflowError, KeyError, IndexError):
            res = []
        for t in res:
            if t.date is not None and t.precision in ("day", "time"):
                previous = t.date
        out[i] = res
    return out


def tag(text: str, anchor: dt.date, tense: str | None = None, previous: dt.date | None = None) -> list[Timex]:
    """Every temporal expression in ``text``, resolved against ``anchor``.

    >>> [t.value for t in tag("The handover was postponed until November 25.", dt.date(2020, 11, 15))]
    ['2020-11-25']
    """
    if not text or not _PRECHECK.search(text):
        return []
    try:
        sent_tense = _Lazy(lambda: tense or tense_of(text))
        cands = _cands(text)
        out: list[Timex] = []
        last_date = previous
        for c in cands:
            for t in _resolve(text, c, anchor, sent_tense, previous, last_date, tense is not None):
                out.append(t)
                if t.date is not None:
                    last_date = t.date
        out.sort(key=lambda t: t.start)
        return _after_reference(_merge(text, out, previous, anchor, sent_tense), anchor)
    except (ValueError, OverflowError, KeyError, IndexError):
        return []
