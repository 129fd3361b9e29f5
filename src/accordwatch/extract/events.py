"""From triggers to events: modality, then arguments (date, places, parties,
quantity), one event per trigger — or several when a clause lists a schedule
("by November 20 – Aghdam, by December 1 – Lachin") or several districts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from ..dates import add_duration
from ..model import Event, EventType, Modality
from . import arguments as A
from .caseless import caseless, last_token
from .doc import Doc, Trigger
from .modality import PAST_PLAN, SentenceCues, modality
from .triggers import find_triggers_in

TERMS_INTRO = caseless(r"\b(?:terms|provisions|points|clauses) (?:of the (?:agreement|deal|statement) )?(?:include|are|say|provide)\b|:\s*$", re.IGNORECASE)
SUBJECT_PARTY_WINDOW = 90

# Agents that are implied by the type when no party is named (not scored, but shown).
PEOPLE_TYPES = (EventType.RETURN, EventType.EVACUATION)


def _bullet_terms(doc: Doc, si: int) -> bool:
    s = doc.sentences[si]
    if not s.bullet:
        return False
    for j in range(si - 1, max(-1, si - 12), -1):
        prev = doc.sentences[j]
        if not prev.bullet:
            return bool(TERMS_INTRO.search(prev.text))
    return False


def _party_names(parties: list) -> list[str]:
    out: list[str] = []
    for p in parties:
        if p.party not in out:
            out.append(p.party)
    return out


_BY_BEFORE = caseless(r"\bby\s+(?:the\s+)?(?:\w+\s+){0,2}$")
_TO_BEFORE = caseless(r"\b(?:to|back to)\s+(?:the\s+)?$")
_COORDINATION = re.compile(r"\s*(?:,|and|,\s*and|&)\s*")


def _by_before(window: str) -> bool:
    """``_BY_BEFORE.search(window)``: an ASCII window without "by" (in any case) cannot match."""
    if window.isascii() and "by" not in window.lower():
        return False
    return _BY_BEFORE.search(window) is not None


def _to_before(window: str) -> bool:
    """``_TO_BEFORE.search(window)``: the window must end with "to" or "the" (and white space) for it to match."""
    last = last_token(window)
    if last is not None and not last.endswith(("to", "the")):
        return False
    return _TO_BEFORE.search(window) is not None


def _agent(doc: Doc, sent, lo: int, hi: int, trig_start: int, trig_end: int) -> tuple[str | None, str | None]:
    """Agent: parties before the trigger in the clause (or sentence); passive 'by X' after it.
    Recipient: 'to X' after the trigger."""
    abs_lo, abs_hi = sent.start + lo, sent.start + hi
    t0, t1 = sent.start + trig_start, sent.start + trig_end
    before = [p for p in doc.within("parties", abs_lo, t0) if t0 - p.end < SUBJECT_PARTY_WINDOW]
    if not before:
        before = [p for p in doc.within("parties", sent.start, t0) if t0 - p.end < SUBJECT_PARTY_WINDOW]
    after = doc.within("parties", t1, abs_hi)
    agent = None
    recipient = None
    by = [p for p in after if _by_before(doc.text[max(t1, p.start - 30) : p.start])]
    if by:
        agent = ", ".join(_party_names(by))
    elif before:
        # a coordinated subject ("Armenia and Azerbaijan") gives several agents
        last = before[-1]
        group = [last]
        for p in reversed(before[:-1]):
            gap = doc.text[p.end : group[0].start]
            if _COORDINATION.fullmatch(gap):
                group.insert(0, p)
            else:
                break
        agent = ", ".join(_party_names(group))
    to = [p for p in after if _to_before(doc.text[max(t1, p.start - 12) : p.start])]
    if to:
        recipient = to[0].party
    return agent, recipient


def _previous_district(doc: Doc, pos: int, limit_sentences: int = 6, kinds: tuple[str, ...] = ("district",), n: int = 1,
                       nearest: bool = False) -> list:
    """The district (or other place kind) an anaphor ("the district", "its residents") refers to:
    among those mentioned in the previous sentences, the one the report mentions most
    (``nearest``: the last one mentioned, for a possessive "its return")."""
    si = doc.sentence_index(pos)
    lo = doc.sentences[max(0, si - limit_sentences)].start
    lo = max(lo, pos - 4000)
    window = doc.within("places", lo, pos)
    prev = [p for p in window if p.kind in kinds]
    if not prev and kinds == ("district",):
        prev = [p for p in window if p.kind in ("town", "city")]
    if not prev and kinds == ("district",):
        prev = [p for p in window if p.kind in ("region",)]
    if not prev:
        return []
    if n > 1:
        out = []
        for p in reversed(prev):
            if p.name not in [q.name for q in out]:
                out.insert(0, p)
            if len(out) == n:
                break
        return out
    freq = doc._index.get("place_freq")
    if freq is None:
        freq = {}
        for p in doc.places:
            freq[p.name] = freq.get(p.name, 0) + 1
        doc._index["place_freq"] = freq
    if nearest:
        return prev[-1:]
    best = max(prev, key=lambda p: (freq.get(p.name, 0), p.start))
    return [best]


_N_VILLAGES = caseless(r"\bthe (two|three|four|both) (villages|towns)\b|\bthe (village|town)\b", re.IGNORECASE)
_CORRIDOR = caseless(r"\bthe corridor\b", re.IGNORECASE)
_THE_CITY = caseless(r"\bthe (?:city|town)\b(?! of\b)", re.IGNORECASE)
_THE_COUNTRY = caseless(r"\b(?:in|across|throughout|from|out of|around) the country\b", re.IGNORECASE)
_THE_ENCLAVE = caseless(r"\bthe (?:enclave|exclave|strip)\b", re.IGNORECASE)


def _report_country_place(doc: Doc) -> list:
    """The report's country as a place ("bases in the country")."""
    from .pipeline import _report_country
    from ..geo import Gazetteer
    from ..geo.gazetteer import PlaceMatch

    if "report_country" not in doc._index:
        doc._index["report_country"] = _report_country(doc, Gazetteer.default())
    c = doc._index["report_country"]
    return [PlaceMatch(0, 0, c, c, "country", c, 0.5)] if c else []


def _main_region(doc: Doc) -> list:
    """The region a report names most ("the enclave" in a report about the Gaza Strip)."""
    if "main_region" in doc._index:
        return doc._index["main_region"]
    doc._index["main_region"] = _main_region_uncached(doc)
    return doc._index["main_region"]


def _main_region_uncached(doc: Doc) -> list:
    counts: dict[str, int] = {}
    first: dict[str, object] = {}
    for p in doc.places:
        if p.kind in ("region", "territory"):
            counts[p.name] = counts.get(p.name, 0) + 1
            first.setdefault(p.name, p)
    if not counts:
        return []
    return [first[max(counts, key=counts.get)]]


def _schedule_pairs(doc: Doc, sent, lo: int, hi: int, trig_end: int, trig_start: int | None = None) -> list[tuple[object, object]]:
    """(place, timex) pairs of a schedule listed after the trigger, if the clause is one
    ("by 20 November – Aghdam, by 1 December – Lachin"; "Aghdam came back on 20 November and Kalbajar on 25 November")."""
    a0, a1 = sent.start + trig_end, sent.start + hi
    if trig_start is not None:
        subj = [p for p in doc.within("places", sent.start + lo, sent.start + trig_start) if p.kind == "district"]
        if subj:
            a0 = subj[-1].start
    days = [t for t in doc.within("timexes", a0, a1) if t.date is not None and t.precision in ("day", "time")]
    if len(days) < 2:
        return []  # most clauses: no schedule, whatever their places
    places = [p for p in doc.within("places", a0, a1) if p.kind in ("district", "town", "city", "village", "corridor")]
    if len(places) < 2:
        return []
    items = sorted([("p", p) for p in places] + [("t", t) for t in days], key=lambda x: x[1].start)
    pairs = []
    if days[0].start < places[0].start:  # "by D – X, by D2 – Y"
        cur = None
        for kind, it in items:
            if kind == "t":
                cur = it
            elif cur is not None:
                pairs.append((it, cur))
                cur = None
    else:  # "X by D, Y by D2" / "X on D, Y on D2"
        cur = None
        for kind, it in items:
            if kind == "p":
                cur = it
            elif cur is not None:
                pairs.append((cur, it))
                cur = None
    return pairs if len(pairs) >= 2 else []


@dataclass(frozen=True)
class _Derived:
    """A date computed from a duration: "60 days to pull out" after "took effect on 27 November"."""

    date: dt.date
    precision: str = "day"
    start: int = 0
    end: int = 0


_ANCHOR_WORDS = {
    "signing": r"\bsign(?:ed|ing)\b|\bsignatures?\b",
    "agreement": r"\b(?:sign(?:ed|ing)|agreement|deal|accord)\b",
    "ceasefire": r"\b(?:took effect|came into force|ceasefire|truce)\b",
    "effect": r"\b(?:took effect|came into force|entered into force|effective)\b",
}


def _anchor_date(doc: Doc, ref: str) -> dt.date | None:
    """The date of the signing / ceasefire a duration counts from, as stated in the report."""
    key = ("anchor", ref)
    if key in doc._index:
        return doc._index[key]
    found = None
    rx = re.compile(_ANCHOR_WORDS.get(ref, _ANCHOR_WORDS["agreement"]), re.IGNORECASE)
    for m in rx.finditer(doc.text):
        near = [t for t in doc.within("timexes", m.end(), m.end() + 80) if t.date is not None and t.precision in ("day", "time") and t.start - m.end() <= 40]
        if near:
            found = near[0].date
            break
    doc._index[key] = found
    return found


_TO_GAP = re.compile(r"\s+to\s+")
_CALENDAR_DURATION = re.compile(r"P\d+[MY]")
_GIVEN_BEFORE = re.compile(r"\b(?:gave|give|given|gives|has|have|had|granted)\b[^.;]{0,30}$", re.IGNORECASE)
_WITHIN_BEFORE = re.compile(r"\bwithin\s+(?:the\s+next\s+)?$", re.IGNORECASE)


def _duration_date(doc: Doc, sent, lo: int, hi: int, trig: Trigger, done: bool = False):
    """Date of an event stated as a duration: "gave Israel 60 days to pull out", "within 135 days of the signing".
    ``done``: the event is reported as done, so a bare "within 135 days" is how long
    it took, not a deadline counted from the report's date."""
    for t in doc.within("timexes", sent.start + lo, sent.start + hi):
        if t.type != "DURATION" or (t.duration_days is None and not _CALENDAR_DURATION.fullmatch(t.value or "")):
            continue
        between = doc.text[t.end : trig.start] if t.end <= trig.start else doc.text[trig.end : t.start]
        if len(between) > 60:
            continue
        base = None
        if t.anchor in ("signing", "agreement", "ceasefire", "effect"):
            base = _anchor_date(doc, t.anchor)
        elif t.end <= trig.start and (_TO_GAP.fullmatch(between) or between.isspace() and trig.text[:3].lower() == "to ") \
                and _GIVEN_BEFORE.search(doc.text[max(sent.start, t.start - 40) : t.start]):
            prior = [x for x in doc.within("timexes", sent.start, t.start) if x.date is not None and x.precision in ("day", "time")]
            # "Israel has 60 days to withdraw": from a day given before it, else from the truce's start as the report states it
            base = prior[-1].date if prior else (_anchor_date(doc, "ceasefire") or _anchor_date(doc, "agreement"))
        elif not done and t.start >= trig.end and _WITHIN_BEFORE.search(doc.text[max(sent.start, t.start - 20) : t.start]):
            # a bare "within ten days" after the action counts from the report's date
            base = doc.anchor
        if base is not None:
            try:
                if t.duration_days is None:  # "within 14 months of the signing": calendar months
                    d = add_duration(base, t.value)
                    return _Derived(d, "day", t.start, t.end) if d is not None else None
                return _Derived(base + dt.timedelta(days=t.duration_days), "day", t.start, t.end)
            except (OverflowError, ValueError):
                return None
    return None


_BARE_HANDOVER = re.compile(r"(?i)(?:the\s+)?hand-?over")


def _last_handover_like(doc: Doc, trig: Trigger, sentences: int = 6) -> EventType | None:
    """The type of the latest handover or disarmament event of the few sentences before ``trig``."""
    for e in reversed(doc.events):
        if e.type in (EventType.HANDOVER, EventType.DISARMAMENT):
            if doc.sentence_index(e.start) < trig.sentence - sentences:
                return None
            return e.type
    return None


# verbs whose past is their present: the clause's dates tell which is meant
_AMBIGUOUS_PAST = re.compile(r"(?i)(?:cut|put|set|hit|quit|shut|let|spread)\b")


def _dated_before_report(doc: Doc, lo: int, hi: int) -> bool:
    """Does [lo, hi) name a day or a month that lies before the report's own (month)?"""
    month = doc.anchor.isoformat()[:7]
    for t in doc.within("timexes", lo, hi):
        if t.date is not None and t.date < doc.anchor:
            return True
        if t.date is None and t.type == "DATE" and len(t.value or "") == 7 and t.value[:4].isdigit() and t.value < month:
            return True
    return False


def _dates_per_place(doc: Doc, places: list, hi: int) -> dict:
    """"Agdam was returned on November 20 and Kelbajar five days later": when every
    place of a clause is followed by its own day before the next place, that day is its date."""
    out: dict = {}
    for i, p in enumerate(places):
        end = places[i + 1].start if i + 1 < len(places) else hi
        days = [t for t in doc.within("timexes", p.end, end) if t.date is not None and t.precision in ("day", "time")]
        if not days:
            return {}
        out.setdefault(p.name, days[0])
    return out


_COMPASS_REGION = ("northern ", "southern ", "eastern ", "western ", "north ", "south ", "east ", "west ")


def _with_region_country(names: list[str], places: list) -> list[str]:
    """A compass region ("southern Lebanon") is listed with its country, as the annotation conventions do."""
    for p in places:
        if p.kind == "region" and p.country and p.country not in names \
                and any(p.name.lower() == c + p.country.lower() for c in _COMPASS_REGION):
            names = names + [p.country]
    return names


def _paragraph_day(doc: Doc, trig: Trigger):
    """The last day named in the two sentences before, within the same paragraph."""
    si = trig.sentence
    para = getattr(doc.sentences[si], "paragraph", None)
    for j in range(si - 1, max(-1, si - 3), -1):
        s = doc.sentences[j]
        if getattr(s, "paragraph", None) != para:
            break
        days = [t for t in doc.within("timexes", s.start, s.end) if t.date is not None and t.precision in ("day", "time")]
        if days:
            return days[-1]
    return None


def _confidence(base: float, places: list, date, agent) -> float:
    c = base
    if places:
        c += 0.1 * min(1.0, sum(getattr(p, "confidence", 1.0) for p in places) / len(places))
    if date is not None:
        c += 0.05
    if agent:
        c += 0.05
    return min(0.99, c)


@dataclass(frozen=True)
class _View:
    """A window of a sentence around one trigger: whole for ordinary sentences,
    bounded for pathological ones, so per-trigger work never grows with input size."""

    start: int
    end: int
    text: str
    bullet: bool = False
    paragraph: int = 0


WINDOW = 500


def _window(doc: Doc, sent, trig: Trigger) -> _View:
    if sent.end - sent.start <= 2 * WINDOW + 200:
        return sent
    lo = max(sent.start, trig.start - WINDOW)
    hi = min(sent.end, trig.end + WINDOW)
    return _View(lo, hi, doc.text[lo:hi], getattr(sent, "bullet", False), getattr(sent, "paragraph", 0))


_PAST_PERFECT = re.compile(r"\bhad\s+(?:already\s+|just\s+|long\s+|all\s+|also\s+)?(?:been\s+)?\w+(?:ed|en|wn|ne|ft|ght|ed)\b|\bhad\s+(?:already\s+)?(?:gone|fled|left|quit)\b", re.IGNORECASE)
_ACCUSED_RULE = "violation.accused-of"
MAX_TRIGGERS = 5000  # a report with more is not a news report: the rest is ignored

# Type and modality sets read for every trigger, built once (an enum member looked
# up in a tuple written inline costs an attribute look-up per member each time).
_SCHEDULE_TYPES = (EventType.HANDOVER, EventType.WITHDRAWAL)
_WHOLE_SENTENCE_QUANTITY = (EventType.DEPLOYMENT, EventType.EXCHANGE, EventType.RETURN)
_DATED_ANYWHERE = (Modality.OCCURRED, Modality.ONGOING, Modality.CANCELLED, Modality.POSTPONED, Modality.REFUSED)
_REPORTING_OK = (Modality.OCCURRED, Modality.ONGOING)
_MOVES = (EventType.HANDOVER, EventType.WITHDRAWAL, EventType.EVACUATION, EventType.DEPLOYMENT, EventType.RETURN)
_PLACED_ANYWAY = (EventType.VIOLATION, EventType.RETURN, EventType.CEASEFIRE)
_MODALITY = {m.value: m for m in Modality}
_RELATIVE = re.compile(r"\s*,?\s*(?:which|where)\b", re.IGNORECASE)
_THE_AT_END = re.compile(r"(?i)the$")
_HANDOVER_NOUN = re.compile(r"(?i)hand-?over|transfer")
_ROUGH_NUMBER = re.compile(r"(?i)(?:more than|over|some|about|nearly|almost|at least|several|tens of thousands|hundreds of thousands|thousands|hundreds|dozens|scores)\b")
_PERFECT_CLAUSE = re.compile(r"(?i)\b(?:have|has)\s+(?:\w+\s+){1,4}$")  # "have used it to come home"
_ROUGH_COUNT = re.compile(r"(?i)\b(?:(?:tens|hundreds) of thousands|several (?:thousand|hundred|dozen)|thousands|hundreds|dozens|scores) (?:of )?(?:people|refugees|residents|families|civilians|displaced)\b")
_PERFECT_BEFORE = re.compile(r"\b(?:have|has|had)\s+(?:\w+\s+)?$")


def build_events(doc: Doc) -> None:
    """Pipeline step: triggers -> events."""
    per_sentence: dict[int, int] = {}
    for t in doc.triggers:
        if t.type != EventType.DEADLINE_CHANGE:
            per_sentence[t.sentence] = per_sentence.get(t.sentence, 0) + 1
    cues: dict[tuple[int, int], SentenceCues] = {}  # per sentence (or window): shared by its triggers
    quantities: dict[tuple[int, int], str | None] = {}  # per text span

    def quantity(a: int, b: int) -> str | None:
        if (a, b) not in quantities:
            quantities[a, b] = A.quantity(doc.text[a:b])
        return quantities[a, b]

    for trig in doc.triggers[:MAX_TRIGGERS]:
        if trig.type == EventType.DEADLINE_CHANGE:
            continue  # the deadlines step builds these from frames
        if trig.type == EventType.HANDOVER and _BARE_HANDOVER.fullmatch(trig.text) and _last_handover_like(doc, trig) == EventType.DISARMAMENT:
            # "... finished giving up their weapons. The handover had first been due by May 30": the weapons handover
            trig = replace(trig, type=EventType.DISARMAMENT)
        sent = _window(doc, doc.sentences[trig.sentence], trig)
        ts, te = trig.start - sent.start, trig.end - sent.start
        sc = cues.get((sent.start, sent.end))
        if sc is None:
            sc = cues[sent.start, sent.end] = SentenceCues(sent.text)
        res = modality(sent.text, ts, te, bullet_terms=_bullet_terms(doc, trig.sentence), fixed=trig.modality, cues=sc)
        if res.modality is None:
            continue
        mod = _MODALITY[res.modality]
        lo, hi = sc.clause(ts, te, original=True)
        if res.cue == "present" and _AMBIGUOUS_PAST.match(trig.text) and _dated_before_report(doc, sent.start + lo, sent.start + hi):
            mod = Modality.OCCURRED  # "Washington cut its force to 2,500 by January" (a January before the report): past, not present
        # extend the clause to the right across a schedule dash list
        pairs = _schedule_pairs(doc, sent, lo, len(sent.text), te, ts) if trig.type in _SCHEDULE_TYPES else []
        agent, recipient = _agent(doc, sent, lo, hi, ts, te)
        if trig.rule == _ACCUSED_RULE:
            # "Baku accused Yerevan of shelling": the accused did it, the subject only says so
            accused = doc.within("parties", trig.start, trig.end)
            agent = accused[0].party if accused else None
        q = quantity(sent.start + lo, sent.start + hi) or (quantity(sent.start, sent.end) if trig.type in _WHOLE_SENTENCE_QUANTITY else None)
        base = dict(
            sentence=sent.text,
            start=sent.start,
            end=sent.end,
            trigger=trig.text,
            trigger_start=trig.start,
            trigger_end=trig.end,
            rule=f"{trig.rule}|{res.cue}",
        )
        if pairs:
            for place, tx in pairs:
                doc.events.append(
                    Event(
                        type=trig.type,
                        modality=mod,
                        date=tx.date,
                        places=[place.name],
                        agent=agent,
                        recipient=recipient,
                        confidence=_confidence(trig.confidence, [place], tx, agent),
                        date_precision=tx.precision,
                        **base,
                    )
                )
            continue
        # "officials said on Monday that residents had already gone": the day is the saying's
        earlier = _PAST_PERFECT.search(doc.text, max(sent.start, trig.start - 25), trig.end) is not None
        allow_reporting = mod in _REPORTING_OK
        derived = _duration_date(doc, sent, lo, hi, trig, done=allow_reporting)
        skip = doc.name_dates
        d_lo, d_hi = sent.start + lo, sent.start + hi
        if trig.type == EventType.SIGN:
            # a signing is dated by what stands right next to it ("signed late on Monday", "the November 9 statement signed")
            skip = frozenset(x for x in doc.name_dates if not (0 <= trig.start - x <= 40))
            d_lo, d_hi = max(d_lo, trig.start - 45), min(d_hi, trig.end + 75)
        tx, vague = A.pick_date(doc.within("timexes", d_lo, d_hi), d_lo, d_hi, trig.start, trig.end, doc.text, allow_reporting=allow_reporting, skip=skip,
                                nearest=trig.type == EventType.SIGN, said_day=not earlier)
        if tx is None and not vague and trig.type != EventType.SIGN and mod in _DATED_ANYWHERE:
            tx, _ = A.pick_date(doc.within("timexes", sent.start, sent.end), sent.start, sent.end, trig.start, trig.end, doc.text,
                                allow_reporting=True, skip=skip, said_day=not earlier)
        if res.date_negated:
            tx = None
        vague_date = tx is None and vague
        if derived is not None and not res.date_negated:
            tx = derived
        missed = None
        if mod == Modality.PLANNED:
            done = _done_later(doc, sent, te, res.past_plan)
            if done is not None:
                # "The handover, originally set for November 15, took place on November 25":
                # done on the second date; the first is the instance that was postponed
                missed, tx = done
                mod = Modality.OCCURRED
                base["rule"] = f"{trig.rule}|done-later"
        # ongoing "since D": the start date
        places = A.places_in(doc.within("places", sent.start + lo, sent.start + hi), sent.start + lo, sent.start + hi, doc.text, trig.type)
        if not places and _RELATIVE.match(sent.text[max(0, lo - 2) : lo + 8]):
            # "... districts such as Aghdam, which its army entered on Friday": the antecedent
            before = doc.within("places", sent.start, sent.start + lo)
            places = before[-1:]
        if not places and (per_sentence.get(trig.sentence) == 1 or trig.type == EventType.CEASEFIRE):
            places = A.places_in(doc.within("places", sent.start, sent.end), sent.start, sent.end, doc.text, trig.type)
        if trig.type in _MOVES:
            clause_text = sent.text[lo:hi]
            has_district = any(p.kind == "district" for p in places)
            ana = A.ANAPHOR.search(clause_text if places else sent.text) if not places or (trig.type in _SCHEDULE_TYPES and not has_district) else None
            if ana:
                places = _previous_district(doc, trig.start, nearest=ana.group(0)[:3].lower() == "its") or places
            if not places and _THE_CITY.search(clause_text):
                places = _previous_district(doc, trig.start, kinds=("city", "town"))
            if not places and _THE_COUNTRY.search(clause_text):
                places = _report_country_place(doc)
            mv = _N_VILLAGES.search(clause_text)
            if mv and not any(p.kind in ("village", "town") for p in places):
                n = {"two": 2, "three": 3, "four": 4, "both": 2}.get((mv.group(1) or "").lower(), 1)
                places = _previous_district(doc, trig.start, kinds=("village", "town"), n=n) or places
            if not places and _THE_ENCLAVE.search(clause_text):
                places = _main_region(doc)
            if _CORRIDOR.search(clause_text) and not any(p.kind == "corridor" for p in places):
                places = places + _previous_district(doc, trig.start, kinds=("corridor",))
        if tx is None and not vague and trig.type == EventType.VIOLATION and mod == Modality.OCCURRED:
            # "officials said strikes in the intervening hours killed 13": the day the paragraph is about
            tx = _paragraph_day(doc, trig)
        if not places and trig.type in _PLACED_ANYWAY and mod == Modality.OCCURRED:
            # an attack or a return happens somewhere: the region the report is about
            places = _main_region(doc)
        names = _with_region_country(A.unique_names(places), places)
        if trig.type == EventType.HANDOVER:
            if not names and _THE_AT_END.match(sent.text[max(0, ts - 4) : ts].strip() or "x") and _HANDOVER_NOUN.match(trig.text):
                places = _previous_district(doc, trig.start, 4)  # "The handover" of the district in question
                names = A.unique_names(places)
            districts = [n for n, p in zip(names, places) if p.kind in A.DISTRICT_KINDS or p.kind in ("district",)]
            if not names:
                continue  # a handover of no named area is not something we can track
            if len(districts) >= 2:
                own = _dates_per_place(doc, [p for p in places if p.name in districts], sent.start + hi)
                for n in districts:
                    dtx = own.get(n, tx)
                    doc.events.append(
                        Event(type=trig.type, modality=mod, date=A.date_value(dtx), places=[n], agent=agent, recipient=recipient,
                              confidence=_confidence(trig.confidence, places, dtx, agent), date_precision=getattr(dtx, "precision", None), **base)
                    )
                continue
        if trig.type == EventType.RETURN and mod == Modality.OCCURRED and (q and _ROUGH_NUMBER.match(q) or _ROUGH_COUNT.search(sent.text, lo, hi)) \
                and (_PERFECT_BEFORE.search(sent.text[max(0, ts - 20) : ts]) or _PERFECT_CLAUSE.search(sent.text[max(lo, ts - 40) : ts])):
            mod = Modality.ONGOING  # a cumulative total is a process under way
        doc.events.append(
            Event(
                type=trig.type,
                modality=mod,
                date=A.date_value(tx),
                places=names,
                agent=agent,
                recipient=recipient,
                quantity=q,
                confidence=_confidence(trig.confidence, places, tx, agent),
                date_precision="vague" if vague_date else getattr(tx, "precision", None),
                **base,
            )
        )
        if missed is not None:
            doc.events.append(
                Event(type=trig.type, modality=Modality.POSTPONED, date=missed.date, places=names, agent=agent, recipient=recipient,
                      quantity=q, confidence=_confidence(trig.confidence, places, missed, agent), date_precision=missed.precision,
                      **dict(base, rule=f"{trig.rule}|past-plan-done-later")))


# "took place", "went ahead", "was finally completed" after a plan's old date
_DONE_LATER = re.compile(
    r"\b(?:(?:finally |eventually |only )?(?:took place|happened|went ahead|was completed|were completed|was carried out|were carried out|was held|came))\s+(?:only\s+)?(?:on\s+)?(?:the\s+)?$",
    re.IGNORECASE)


def _done_later(doc: Doc, sent, te: int, past_plan: bool):
    """(old-date timex, done-date timex) when a planned trigger's sentence says, after an
    earlier planned date ("originally set for", "first planned for"), that the action took
    place on a later one; else None."""
    days = [t for t in doc.within("timexes", sent.start + te, sent.end) if t.date is not None and t.precision in ("day", "time")]
    if len(days) < 2:
        return None
    first, done = days[0], days[-1]
    if done.date <= first.date or not _DONE_LATER.search(doc.text[max(first.end, done.start - 40) : done.start]):
        return None
    if not past_plan and not PAST_PLAN.search(doc.text[sent.start + te : first.start]):
        return None
    return first, done


def find_triggers_step(doc: Doc, folded: str | None = None, where: list | None = None) -> None:
    """Triggers of the sentences after the dateline; ``folded``, ``where``: see ``find_triggers_in``."""
    idx = [i for i, s in enumerate(doc.sentences) if s.end > doc.dateline_end]
    spans = [(doc.sentences[i].start, doc.sentences[i].end) for i in idx]
    for i, cands in zip(idx, find_triggers_in(doc.text, spans, folded, where)):
        s = doc.sentences[i]
        for c in cands:
            doc.triggers.append(
                Trigger(
                    start=s.start + c.start,
                    end=s.start + c.end,
                    text=c.text,
                    type=c.rule.type,
                    rule=c.rule.id,
                    sentence=i,
                    modality=c.rule.modality,
                    confidence=c.rule.confidence,
                )
            )
