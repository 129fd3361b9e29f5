"""Deadline changes: who asked, who granted, through whom, why, old and new date.

A deadline change is stated across several sentences ("... has been postponed
until November 25. Armenia made this request to Baku, passing it through
Moscow. Logistic problems were named as the reason. Azerbaijan agreed to a
ten-day grace period."). This step gathers a frame from the trigger sentence,
one sentence before and up to three after, fills the fields from cue
patterns, merges frames about the same change, then marks the missed instance
``postponed`` and adds the rescheduled one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from ..model import Event, EventType, Modality
from .anchors import CueSet
from .caseless import caseless
from .doc import Doc

I = re.IGNORECASE
PARTY = r"(?P<party>[^.;]{0,60}?)"

REQUEST = [
    caseless(r"\b(?:made (?:this|the|a) request|asked (?:for|to)|had asked|requested(?! by)|appealed|sought)\b", I),
    caseless(r"\b(?:at the request of|at (?P<poss>\w+)'s request|requested by|on the request of)\b", I),
    caseless(r"\b(?:the )?(?:appeal|request) (?:of|from) (?:the )?", I),
    caseless(r"\b(?:argued|pressed|pushed|lobbied|called) for\b(?=[^.;]{0,40}\b(?:extension|delay|postponement|more time|extra))", I),
    # "after Moscow relayed an Armenian request": the demonym names the requester
    caseless(r"\b(?:an?|the) (?P<poss>[A-Z][\w-]+) (?:request|appeal|plea)\b", 0),
    # "Baku granted Armenia's request": the possessive names the requester
    caseless(r"\b(?P<poss>[A-Z][\w-]+)['’]s (?:request|appeal|plea)\b", 0),
]
GRANT = caseless(
    r"\b(?:agreed(?! to stop)|granted|grants|accepted|approved|decided|consented|allowed|gave|acceded|ordered)\b|\bwho granted\b|\bagreed jointly\b",
    I,
)
GRANT_PASSIVE = caseless(r"\b(?:agreed|granted|approved|accepted|decided) (?:jointly )?(?:by|with)\b", I)
VIA = caseless(
    r"\b(?:passing it (?:on )?(?:through|via)|through the mediation of|mediated by|via|through|conveyed (?:to [^.;]{0,60}? )?by|brokered by|relayed by)\b",
    I,
)
VIA_SUBJECT = caseless(
    r"\b(?:passed the request on|passed it on|(?:passed on|conveyed|relayed|transmitted|forwarded) (?:the|an?|this|that) (?:[A-Z][\w-]+ )?(?:request|appeal|plea))\b",
    I,
)
# "pushed back by a week to November 27": the shift, to find the old date from the new one
BY_SHIFT = caseless(
    r"\bby (?:another |a further |an extra |an additional )?(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty)[- ](?:day|days|week|weeks|month|months)\b"
    r"|\b(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty)[- ](?:day|days|week|weeks|month|months) (?:later|earlier) than\b",
    I,
)
REASON = [
    caseless(r"(?P<r>\b[A-Z][a-z]+(?: [a-z]+){0,8}) (?:were|was) (?:named|cited|given) as the reason", 0),
    caseless(r"\bciting (?P<r>[^.;,]{3,80})", I),
    caseless(r"\barguing that (?P<r>[^.;]{3,100})", I),
    caseless(r"\bbecause (?:of )?(?P<r>[^.;,]{3,80})", I),
    caseless(r"\bblamed (?P<r>[^.;,]{3,60}) for the delay", I),
    caseless(r"\b(?:due to|owing to|on account of) (?P<r>[^.;,]{3,80})", I),
    caseless(r"\bto (?:give|allow)[^.;]{0,40}?\bto (?P<r>prepare for [^.;,]{3,60})", I),
    caseless(r"\bto (?:check|verify|complete|finish) (?P<r>[^.;,]{3,60})", I),
    caseless(r"\b(?:needed|need) more time to (?P<r>[^.;,]{3,60})", I),
    caseless(r"\bfor (?P<r>(?:logistic(?:al)?|technical|security|humanitarian|weather) (?:reasons|problems|issues))", I),
]
OLD_CUE = caseless(
    r"\b(?:(?:its|the|their) expiry(?: date)?(?: on)?|expir(?:es|ed|ing) on|(?<!not )due to (?:start|begin|open|take place|happen|be held|be completed)(?: on)?|(?:abandon(?:ing|ed)|dropp(?:ing|ed)|scrapp(?:ing|ed)|ditch(?:ing|ed)|miss(?:ing|ed)) the|(?:period|deadline|term) (?:ended|ran out|lapsed) on|supposed to (?:occur|happen|take place|be)|(?:was|were|had been) due(?: to [\w ]{1,25})?|(?:originally|initially|first)(?: been)? (?:set|scheduled|planned|due|fixed)(?: for)?|original(?: deadline| date)?|was set to (?:expire|end|lapse)|set to expire|due to (?:lapse|expire|end)|instead of|rather than|from)\s*(?:on\s+|for\s+|at\s+)?$",
    I,
)
NEW_SIGNALS = ("until", "to", "till", "back to", "by", "through", "on")
SPEAKER = caseless(r"\b(?:said|announced|declared|decided|told)\b(?:\s+(?:on|late|early|in)\b[^,;]{0,30})?\s+(?:that\s+)?", I)
ANNOUNCE = caseless(r"\b(?:announced|announcing|said|declared|agreed|agreeing|decided|deciding|granted|granting|accepted|accepting|approved|approving|told|statement|address|briefing)\b", I)
PRESENT_PERFECT_TRIGGER = caseless(r"\b(?:has|have) been (?:postponed|extended|delayed|put off|pushed back|moved|renewed)\b", I)
DURATION_CHANGE = caseless(
    r"\b(?P<n>(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|sixty|ninety|hundred|120|60|90))[- ](?:(?:extra|more|additional|further)\s+)?(?P<unit>day|days|week|weeks|month|months)\b",
    I,
)
# a party declining to renew or extend: the change is refused, not absent
REFUSED_CHANGE = caseless(r"\b(?:refused|refuses|refusing|declined|declines|declining|rejected|rejects) to (?:renew|extend|prolong)\b", I)
_DEADLINE_SIGNALS = ("to", "until", "till", "by", "no later than", "not later than")
NEGATED_CHANGE = caseless(
    r"\b(?:no talk of|no question of|not be (?:extended|postponed|moved|delayed)|will not (?:move|be extended|be postponed|change)|won't (?:move|be extended)"
    r"|(?:will|would|did|does|do|could|can) not (?:agree to )?(?:renew|extend|prolong|postpone|delay)|(?:won't|wouldn't|didn't|can't|cannot) (?:renew|extend|prolong|postpone)"
    r"|(?:refused|declined|refuses|declines) to (?:renew|extend|prolong|postpone)|ruled out (?:any )?(?:delay|extension|postponement)|no (?:further )?(?:delay|extension|postponement)s?\b(?! was)|never (?:postponed|extended))",
    I,
)

WORD_NUM = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90, "hundred": 100}


@dataclass
class Frame:
    trigger_sentence: int
    start: int
    end: int
    sentence: str
    trigger: str
    rule: str
    subject_type: EventType | None = None
    places: list[str] = field(default_factory=list)
    old: dt.date | None = None
    new: dt.date | None = None
    duration_days: int | None = None
    requested_by: list[str] = field(default_factory=list)
    granted_by: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)
    reason: str | None = None
    date: dt.date | None = None
    quantity: str | None = None
    used: set = field(default_factory=set)  # offsets of timexes taken as old/new date
    modality: Modality = Modality.OCCURRED


def _parties_in(doc: Doc, lo: int, hi: int) -> list:
    return doc.within("parties", lo, hi)


def _names(ps: list) -> list[str]:
    out: list[str] = []
    for p in ps:
        if p.party not in out:
            out.append(p.party)
    return out


def _plus(d: dt.date, days: int) -> dt.date | None:
    try:
        return d + dt.timedelta(days=days)
    except OverflowError:
        return None


def _view(doc: Doc, s, around: int | None = None, limit: int = 1200):
    """A sentence, or a bounded window of it around ``around`` when it is huge."""
    if s.end - s.start <= limit:
        return s
    from .events import _View

    c = around if around is not None else s.start
    lo = max(s.start, c - limit // 2)
    hi = min(s.end, lo + limit)
    return _View(lo, hi, doc.text[lo:hi])


MAX_FRAMES = 100  # deadline changes considered per report


def _coordinated(doc: Doc, ps: list) -> list:
    """The first party and those joined to it by 'and' / commas ("Turkey and the United Nations")."""
    group = [ps[0]]
    for p in ps[1:]:
        gap = doc.text[group[-1].end : p.start]
        if re.fullmatch(r"\s*(?:,|and|,\s*and|&)\s*(?:the\s+)?", gap, I):
            group.append(p)
        else:
            break
    return group


def _duration_days(text: str) -> int | None:
    m = DURATION_CHANGE.search(text)
    if not m:
        return None
    n = m.group("n").lower()
    val = int(n) if n.isdigit() else WORD_NUM.get(n)
    if val is None:
        return None
    unit = m.group("unit").lower()
    if unit.startswith("week"):
        return val * 7
    if unit.startswith("month"):
        return val * 30
    return val


# The cue patterns a frame reads in each of its sentences: one scan of a sentence
# tells which of them can match there at all (``anchors.CueSet``; most match nowhere).
_FRAME_CUES = CueSet([VIA, VIA_SUBJECT, *REQUEST, GRANT, GRANT_PASSIVE, *REASON])


class _SentenceScan:
    """The cue matches of one sentence (view), shared by the frames that read it.

    The ``_FRAME_CUES`` scan of the sentence is made on first use; a pattern it rules
    out (most, in most sentences) costs a bit test, not a regex search or a cache look-up."""

    __slots__ = ("text", "_scan", "_found", "_first")

    def __init__(self, text: str):
        self.text = text
        self._scan = None
        self._found: dict = {}  # pattern -> its matches
        self._first: dict = {}  # pattern -> its first match or None

    def may_match(self, rx) -> bool:
        """Can ``rx`` match in the sentence (``CueScan.may_match``)?"""
        scan = self._scan
        if scan is None:
            scan = self._scan = _FRAME_CUES.scan(self.text)
        return scan.may_match(rx)

    def all(self, rx) -> list[re.Match]:
        """``list(rx.finditer(text))``, computed once per pattern. The matches are read
        for offsets and lower-cased words only (``finditer_lower``)."""
        if not self.may_match(rx):
            return []
        found = self._found.get(rx)
        if found is None:
            found = self._found[rx] = list(rx.finditer_lower(self.text))
        return found

    def first(self, rx) -> re.Match | None:
        """``rx.search(text)``, the same way."""
        if not self.may_match(rx):
            return None
        first = self._first
        if rx not in first:
            first[rx] = rx.search(self.text)
        return first[rx]


class _Scans:
    """Cue matches per sentence, shared by the frames of one report: a frame reads its
    trigger sentence and the three after it, so neighbouring frames read the same ones."""

    def __init__(self) -> None:
        self._of: dict[tuple[int, int], _SentenceScan] = {}

    def of(self, s) -> _SentenceScan:
        """The ``_SentenceScan`` of sentence (view) ``s``."""
        key = (s.start, s.end)
        found = self._of.get(key)
        if found is None:
            found = self._of[key] = _SentenceScan(s.text)
        return found

    def all(self, rx, s) -> list[re.Match]:
        """``list(rx.finditer(s.text))`` (see ``_SentenceScan.all``)."""
        return self.of(s).all(rx)

    def first(self, rx, s) -> re.Match | None:
        """``rx.search(s.text)`` (see ``_SentenceScan.first``)."""
        return self.of(s).first(rx)


_NEGATED_BEFORE = caseless(r"\b(?:not|never|no)\s+$")
_WHO_BEFORE = caseless(r"\bwho\s+$")
_WHO_GRANTED = caseless(r"\bwho (?:granted|agreed|accepted)")


def _fill_parties(doc: Doc, f: Frame, s, scans: _Scans | None = None) -> None:
    ss = (scans or _Scans()).of(s)
    text = s.text
    base = s.start
    # via: "passing it through Moscow", "Putin passed the request on to Aliyev", "conveyed ... by Putin"
    for m in ss.all(VIA):
        ps = _parties_in(doc, base + m.end(), base + min(len(text), m.end() + 60))
        if ps:
            for n in _names(_coordinated(doc, ps)):
                if n not in f.via:
                    f.via.append(n)
    vs = ss.first(VIA_SUBJECT)
    if vs:
        subj = _parties_in(doc, base + max(0, vs.start() - 60), base + vs.start())
        if subj:
            n = subj[-1].party
            if n not in f.via:
                f.via.append(n)
        # the one it was passed to grants ("... passed the request on to Aliyev, who granted")
        after = _parties_in(doc, base + vs.end(), base + min(len(text), vs.end() + 80))
        if after and _WHO_GRANTED.search(text[vs.end():]):
            n = after[0].party
            if n not in f.granted_by:
                f.granted_by.append(n)
    # request
    for rx in REQUEST:
        for m in ss.all(rx):
            if "poss" in rx.groupindex and m.group("poss"):
                ps = _parties_in(doc, base + m.start("poss"), base + m.end("poss"))
            elif rx is REQUEST[0] or rx is REQUEST[3]:
                ps = _parties_in(doc, base + max(0, m.start() - 60), base + m.start())
                ps = ps[-1:] if ps else []
            else:
                ps = _parties_in(doc, base + m.end(), base + min(len(text), m.end() + 40))[:1]
            for n in _names(ps):
                if n not in f.requested_by and n not in f.via:
                    f.requested_by.append(n)
    # grant: the subject of "agreed/granted/accepted", or "agreed by/with X"
    for m in ss.all(GRANT):
        before = text[max(0, m.start() - 80) : m.start()]
        if _NEGATED_BEFORE.search(before):
            continue
        if _WHO_BEFORE.search(before):
            ps = _parties_in(doc, base + max(0, m.start() - 90), base + m.start())
            ps = ps[-1:]
        else:
            ps = _parties_in(doc, base + max(0, m.start() - 80), base + m.start())
            # the nearest coordinated subject
            if ps:
                group = [ps[-1]]
                for p in reversed(ps[:-1]):
                    gap = doc.text[p.end : group[0].start]
                    if re.fullmatch(r"\s*(?:,|and|,\s*and)\s*", gap):
                        group.insert(0, p)
                    else:
                        break
                # skip subjects that are clearly the requester
                ps = group
        if m.group(0).lower().startswith("agreed jointly"):
            ps = ps + _parties_in(doc, base + m.end(), base + min(len(text), m.end() + 30))
        for n in _names(ps):
            if n not in f.granted_by and n not in f.via:
                f.granted_by.append(n)
    for m in ss.all(GRANT_PASSIVE):
        for n in _names(_parties_in(doc, base + m.end(), base + min(len(text), m.end() + 40))):
            if n not in f.granted_by:
                f.granted_by.append(n)
    if f.reason is None:
        for rx in REASON:
            m = ss.first(rx)
            if m:
                f.reason = m.group("r").strip().rstrip(",").strip()
                break


_DUE_BEFORE = re.compile(r"(?<!was )(?<!were )(?<!been )\bdue(?: on| by)?\s+$", I)
_PAST_DUE = re.compile(r"\b(?:was|were|had been)\s+due", I)
_OLD_NEAR = re.compile(r"\b(?:supposed|originally|original|set to expire|first planned|(?:was|were|had been) due)\b[^.;]{0,40}$", I)
_NOT_ANNOUNCED = re.compile(r"\b(?:would|will|not|to|until|by)\b", I)
# (case-sensitive "may": the month "In May" is no modal)
_HYPO_FRAME = re.compile(r"\b(?:[Ii]f|[Uu]nless|[Cc]ould|[Mm]ight|may|[Hh]opes?|[Hh]oped|[Hh]oping|[Ww]hether)\b")
# a change stated as made ("was delayed by ten days at Armenia's request", "granted ten more days")
_MADE = caseless(r"\b(?:was|were|has been|have been|had been)\s+(?:\w+\s+)?(?:delayed|postponed|extended|pushed back|put back|put off|moved|renewed)\b|\b(?:granted|agreed to)\b", I)
_AND_BETWEEN = re.compile(r"\b(?:and|but)\b", I)  # "began on April 2 and was renewed": the day is the first verb's
_CHANGED_BEFORE = re.compile(r"\b(?:put off|postponed|extended|renewed|prolonged|put back|pushed back)\b", I)


_NEW_DATE_OF = caseless(r"\bnew (?:date|deadline|target date|end date)\s+(?:of|is|was|will be)\s+(?:the\s+)?$", I)


# rules whose new date is stated before the trigger, and the signals that date must carry (None: any)
_NEW_DATE_FIRST = {
    "deadline.later-than-planned": None,  # "moved in on Wednesday, ten days later than first planned": the action's day
    "deadline.abandon": _DEADLINE_SIGNALS,  # "would leave by September 11, abandoning the May 1 deadline"
}


def _new_date_before(doc: Doc, f: Frame, lo: int, hi: int, signals: tuple[str, ...] | None) -> None:
    """The last day in [lo, hi) not yet used (with one of ``signals``) becomes the frame's new date."""
    for t in reversed(doc.within("timexes", lo, hi)):
        if t.date is not None and t.precision in ("day", "time") and t.start not in f.used \
                and (signals is None or (t.signal or "").lower() in signals):
            f.new = t.date
            f.used.add(t.start)
            return


def _frame_dates(doc: Doc, f: Frame, sentences: list, trigger_abs: int) -> None:
    # a day stated right after the trigger ("renewed on June 2") is the decision's, not an announcement in the sentence before
    own_day = any(t.date is not None and trigger_abs < t.start <= trigger_abs + 40 and (t.signal or "").lower() == "on"
                  for t in doc.within("timexes", sentences[0].start, sentences[0].end))
    for s in sentences:
        for t in doc.within("timexes", s.start, s.end):
            if t.type == "DURATION":
                continue
            if t.date is None or t.precision not in ("day", "time"):
                continue
            before = doc.text[max(s.start, t.start - 45) : t.start]
            sig = (t.signal or "").lower()
            if f.new is None and _DUE_BEFORE.search(before) and not _PAST_DUE.search(before):
                f.new = t.date  # "due on Wednesday after being postponed from November 15"
                f.used.add(t.start)
                continue
            if f.new is None and _NEW_DATE_OF.search(before):
                f.new = t.date  # "announced a new date of February 18"
                f.used.add(t.start)
                continue
            if OLD_CUE.search(before) or _OLD_NEAR.search(before) and t.start < trigger_abs:
                if f.old is None:
                    f.old = t.date
                    f.used.add(t.start)
                continue
            if t.start > trigger_abs - 5 and sig in NEW_SIGNALS and sig != "on" and f.new is None and s.start <= trigger_abs <= s.end:
                f.new = t.date
                f.used.add(t.start)
                continue
            if sig in ("until", "till") and f.new is None:
                f.new = t.date
                f.used.add(t.start)
                continue
            am = ANNOUNCE.search(doc.text[max(s.start, t.start - 60) : t.start]) if s.start <= trigger_abs <= s.end or not own_day else None
            if am and f.date is None and t.start not in f.used and sig not in _DEADLINE_SIGNALS and not _NOT_ANNOUNCED.search(doc.text[max(s.start, t.start - 60) + am.end() : t.start]):
                f.date = t.date


# events that have no deadline of their own to move: a change, a signing, a violation
_NO_DEADLINE = (EventType.DEADLINE_CHANGE, EventType.SIGN, EventType.VIOLATION)


def _subject(doc: Doc, f: Frame, sentences: list, trigger_abs: int) -> None:
    """The action whose deadline moved: the nearest non-deadline event in the frame,
    preferring one dated on the old or new date."""
    best = None
    best_d = None
    lo_all = min(s.start for s in sentences)
    hi_all = max(s.end for s in sentences)
    # "the deal was extended", "renewal of the initiative": the agreement's own term, not an action in it
    term = _TERM_SUBJECT.search(doc.text, max(sentences[0].start, trigger_abs - 40), min(sentences[0].end, trigger_abs + 40)) is not None
    for e in (() if term else doc.events):
        if e.type in _NO_DEADLINE or e.modality == Modality.DENIED:
            continue
        pos = e.trigger_start or e.start
        if not (lo_all <= pos < hi_all) or not any(s.start <= pos < s.end for s in sentences):
            continue
        d = abs((e.trigger_start or e.start) - trigger_abs)
        if e.date is not None and e.date == f.new:
            d -= 200000  # the rescheduled action is the one dated on the new date
        elif e.date is not None and e.date == f.old:
            d -= 100000
        if best is None or d < best_d:
            best, best_d = e, d
    if best is not None:
        f.subject_type = best.type
        if not f.places:
            f.places = list(best.places)
    if not f.places and best is None:
        # no action of the agreement moved, so its own term did ("the deal was extended"): where its name says
        f.places = _places_in_agreement_name(doc)
    if not f.places:
        lo = min(s.start for s in sentences)
        hi = max(s.end for s in sentences)
        kinds = ("district", "city", "town", "village", "corridor", "region", "sea", "river", "country")
        ps = [p for p in doc.within("places", lo, hi) if p.kind in kinds and not (p.kind == "country" and not _is_location(doc, p))]
        ps.sort(key=lambda p: (not (sentences[0].start <= p.start < sentences[0].end), p.start))
        f.places = [p.name for p in ps[:2]]


_TERM_SUBJECT = caseless(r"\b(?:deal|initiative|truce|ceasefire|cease-fire|agreement|arrangement|pact|accord|mandate|its term|the term)\b", I)
# "the Black Sea Grain Initiative", "the Minsk Agreement": a capitalised name ending in an agreement word
_AGREEMENT_NAME = re.compile(r"\b((?:[A-Z][\w'-]+ ){1,5})(?:Grain )?(?:Initiative|Agreement|Accord|Accords|Deal|Truce|Statement|Protocol|Memorandum)\b")


def _places_in_agreement_name(doc: Doc) -> list[str]:
    """The places named inside the report's first capitalised agreement name, if any."""
    cached = doc._index.get("agreement_name_places")
    if cached is not None:
        return list(cached)
    found: list[str] = []
    m = _AGREEMENT_NAME.search(doc.text)
    if m is not None:
        found = [p.name for p in doc.within("places", m.start(1), m.end(1))][:2]
    doc._index["agreement_name_places"] = tuple(found)
    return found


_HYPOTHETICAL = caseless(r"\b(?:if|unless|could|might|may|would|hope[sd]?|want(?:s|ed)?|propos(?:e|ed|al)|call(?:s|ed)? for|request(?:s|ed)?|ask(?:s|ed)?|seek(?:s|ing)?|sought|consider(?:s|ed|ing)?|discuss(?:es|ed|ing)?|talks? (?:on|about))\b", I)
_CHANGE_VERB = re.compile(r"(?i)put off|postponed|extended|delayed|pushed back")
_PASSIVE_AUX = re.compile(r"\b(?:was|were|been|be|is|are)\s+$", I)
_MORE_TIME = re.compile(r"\b(?:grace period|extra|more|additional|further|delay)\b", I)
_FORWARD = re.compile(r"forward", I)
_ALSO_SAID = re.compile(r"\balso\s+(?:said|announced|declared|decided|told)\b", I)
_LOCATION_BEFORE = re.compile(r"\b(?:in|into|across|throughout|within|from|out of)\s+(?:the\s+)?$", I)


def build_deadline_frames(doc: Doc) -> None:
    """Pipeline step: deadline_change triggers -> deadline_change events (merged per change)."""
    frames: list[Frame] = []
    scans = _Scans()
    dl_triggers = [t for t in doc.triggers if t.type == EventType.DEADLINE_CHANGE][:MAX_FRAMES]
    for trig in dl_triggers:
        si = trig.sentence
        s = _view(doc, doc.sentences[si], trig.start)
        local = doc.text[max(s.start, trig.start - 60) : min(s.end, trig.end + 40)]
        refused = REFUSED_CHANGE.search(local) is not None
        if _HYPO_FRAME.search(doc.text, max(s.start, trig.start - 50), trig.start) and not refused:
            continue  # "unless the parties agree to renew it", "he hopes it can be extended"
        if not refused and (NEGATED_CHANGE.search(local) or NEGATED_CHANGE.search(s.text)):
            continue
        # a request for a delay is not itself the change unless the sentence also grants/decides it
        f = Frame(si, s.start, s.end, s.text, trig.text, trig.rule)
        if refused:
            f.modality = Modality.REFUSED  # "Russia refused to extend it": a change a party declined
        prev = [_view(doc, doc.sentences[si - 1], doc.sentences[si - 1].end)] if si > 0 else []
        nxt = [_view(doc, x) for x in doc.sentences[si + 1 : si + 4]]
        for fs in [s] + nxt:
            _fill_parties(doc, f, fs, scans)
        if not f.granted_by:
            # "Santos said the zones would remain in place until August 1": the speaker decided
            sp = SPEAKER.search(doc.text, s.start, trig.start)
            if sp:
                who = _parties_in(doc, max(s.start, sp.start() - 60), sp.start())
                if who and who[-1].party not in f.requested_by:
                    f.granted_by.append(who[-1].party)
        _frame_dates(doc, f, [s] + prev, trig.start)
        if f.new is None and trig.rule in _NEW_DATE_FIRST:
            _new_date_before(doc, f, s.start, trig.start, _NEW_DATE_FIRST[trig.rule])
        if _CHANGE_VERB.match(trig.text) and not _PASSIVE_AUX.search(doc.text[max(0, trig.start - 12) : trig.start]):
            subj = _parties_in(doc, s.start, trig.start)
            if subj and subj[-1].party not in f.granted_by and trig.start - subj[-1].end < 60:
                f.granted_by.append(subj[-1].party)
        dd = _duration_days(doc.text[trig.start - 40 : trig.end + 40]) or _duration_days(s.text)
        if dd is None:
            for fs in nxt[:2]:
                m = _MORE_TIME.search(fs.text)
                if m:
                    dd = _duration_days(fs.text)
                    if dd:
                        break
        f.duration_days = dd
        if f.new is None and f.old is not None and dd:
            f.new = _plus(f.old, dd)
        elif f.old is None and f.new is not None:
            shift = BY_SHIFT.search(doc.text, max(s.start, trig.start - 60), min(s.end, trig.end + 60))
            back = _duration_days(shift.group(0)) if shift else None
            if back:
                # brought forward: the old date was later; pushed back, extended: earlier
                f.old = _plus(f.new, back if _FORWARD.search(trig.text) or "earlier than" in shift.group(0).lower() else -back)
        _subject(doc, f, [s] + prev, trig.start)
        if f.date is None and PRESENT_PERFECT_TRIGGER.search(s.text):
            f.date = doc.anchor
        if f.date is None:
            # "announced on Thursday", "put off ... on Saturday"
            for t in doc.within("timexes", s.start, s.end):
                if t.date and t.precision in ("day", "time") and t.start not in f.used:
                    before = doc.text[max(s.start, t.start - 70) : t.start]
                    if ANNOUNCE.search(before) or _CHANGED_BEFORE.search(before) or trig.end <= t.start < trig.end + 60 and (t.signal or "") == "on" \
                            or 0 <= trig.start - t.end <= 25 and not _AND_BETWEEN.search(doc.text, t.end, trig.start):
                        f.date = t.date
                        break
        if trig.rule == "deadline.later-than-planned":
            f.date = None  # "moved in on Wednesday, ten days later than planned": the day is the action's, not the decision's
        frames.append(f)

    merged: list[Frame] = []
    for f in frames:
        for g in merged:
            if _same_change(f, g):
                _absorb(g, f)
                break
        else:
            merged.append(f)

    for i, f in enumerate(merged):
        # "Santos also said the zones would remain ...": the same announcement as the change before
        if _ALSO_SAID.search(f.sentence):
            before = [g for g in merged[:i] if g.trigger_sentence < f.trigger_sentence]
            if before:
                g = before[-1]
                f.date = f.date or g.date
                f.places = f.places or list(g.places)
    for f in merged:
        # the old date from an earlier planned/postponed event of the subject
        if f.old is None and f.subject_type is not None:
            cands = [e for e in doc.events if e.type == f.subject_type and e.date and (not f.places or set(e.places) & set(f.places))
                     and (f.new is None or e.date < f.new) and e.modality in (Modality.PLANNED, Modality.POSTPONED)]
            if cands:
                f.old = cands[0].date
        if f.new is None and f.old is not None and f.duration_days:
            f.new = _plus(f.old, f.duration_days)
        if f.date is None and f.old is not None and f.old == f.new:
            f.date = f.old  # moved within the day: decided that day
        if f.old is None and f.new is None and f.modality != Modality.REFUSED \
                and not (f.duration_days and (f.date or f.requested_by or f.granted_by)
                         and (not _HYPOTHETICAL.search(f.sentence) or _MADE.search(f.sentence) and not _HYPO_FRAME.search(f.sentence))):
            # a mention of a change without its dates is kept only when the change is
            # stated as made, on a day or by a party, by a length ("extended on Thursday by two months",
            # "delayed by ten days at Armenia's request"),
            # or as refused ("Russia refused to extend it")
            continue
        subject = None
        if f.subject_type is not None:
            noun = {EventType.HANDOVER: "handover", EventType.WITHDRAWAL: "withdrawal", EventType.EXCHANGE: "release",
                    EventType.DISARMAMENT: "weapons handover", EventType.CEASEFIRE: "start of the ceasefire",
                    EventType.DEPLOYMENT: "deployment", EventType.EVACUATION: "evacuation", EventType.REOPENING: "reopening",
                    EventType.RETURN: "return"}.get(f.subject_type, f.subject_type.value)
            subject = f"{noun} of {', '.join(f.places)}" if f.places else noun
        doc.events.append(
            Event(
                type=EventType.DEADLINE_CHANGE,
                modality=f.modality,
                date=f.date,
                places=list(f.places),
                subject=subject,
                old_date=f.old,
                new_date=f.new,
                requested_by=", ".join(f.requested_by) or None,
                granted_by=", ".join(x for x in f.granted_by if x not in f.requested_by) or None,
                via=", ".join(f.via) or None,
                reason=f.reason,
                sentence=f.sentence,
                start=f.start,
                end=f.end,
                trigger=f.trigger,
                rule=f"deadline.frame|{f.rule}",
                confidence=0.6 + 0.1 * bool(f.old) + 0.1 * bool(f.new) + 0.05 * bool(f.requested_by or f.granted_by),
            )
        )
        _reschedule(doc, f)


def _is_location(doc: Doc, p) -> bool:
    return bool(_LOCATION_BEFORE.search(doc.text[max(0, p.start - 15) : p.start]))


def _same_change(a: Frame, b: Frame) -> bool:
    if a.modality != b.modality:
        return False  # a refused extension and an extension granted are two decisions
    if a.date and b.date and abs((a.date - b.date).days) > 7:
        return False  # decided weeks apart: two changes ("renewed on June 2", "extended on Tuesday, August 2")
    if a.places and b.places and not set(a.places) & set(b.places):
        return False
    if a.new and b.new and a.new != b.new:
        return False
    if a.old and b.old and a.old != b.old:
        return False
    return abs(a.trigger_sentence - b.trigger_sentence) <= 4 or (a.new is not None and a.new == b.new)


def _absorb(into: Frame, other: Frame) -> None:
    for fld in ("old", "new", "reason", "date", "subject_type", "duration_days"):
        if getattr(into, fld) is None and getattr(other, fld) is not None:
            setattr(into, fld, getattr(other, fld))
    if into.date and other.date and other.date < into.date:
        into.date = other.date  # the change was decided when it was first announced
    if not into.places:
        into.places = list(other.places)
    for fld in ("requested_by", "granted_by", "via"):
        lst = getattr(into, fld)
        for n in getattr(other, fld):
            if n not in lst:
                lst.append(n)
    # prefer the granter/requester split of the sentence that names both
    into.granted_by = [g for g in into.granted_by if g not in into.requested_by or g in other.granted_by and g not in other.requested_by]


def _reschedule(doc: Doc, f: Frame) -> None:
    """Mark the missed instance postponed and add the rescheduled one."""
    if f.subject_type in (None, EventType.CEASEFIRE) or f.old is None or f.modality == Modality.REFUSED:
        return  # (a truce's term moves; it has no postponed instance)
    matches = [e for e in doc.events if e.type == f.subject_type and (not f.places or set(e.places) & set(f.places))]
    old_found = False
    for e in matches:
        if e.date == f.old and e.modality in (Modality.PLANNED, Modality.POSTPONED):
            e.modality = Modality.POSTPONED
            old_found = True
        elif f.new is not None and e.date == f.new and e.modality == Modality.POSTPONED:
            e.modality = Modality.PLANNED  # the rescheduled instance is what is now planned
    template = matches[0] if matches else None
    if not old_found and template is not None:
        doc.events.append(_copy(template, date=f.old, modality=Modality.POSTPONED, rule="deadline.missed-instance"))
    if f.new is not None and f.new != f.old and template is not None:
        if not any(e.date == f.new for e in matches):
            doc.events.append(_copy(template, date=f.new, modality=Modality.PLANNED, rule="deadline.rescheduled-instance"))


def _copy(e: Event, **changes) -> Event:
    d = dict(e.__dict__)
    d.update(changes)
    d["rule"] = f"{changes.get('rule', e.rule)}"
    return Event(**d)
