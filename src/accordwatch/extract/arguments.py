"""Arguments of an event: date, places, agent, recipient, quantity.

Pure helpers over a sentence and the mentions found in it by earlier steps.
"""

from __future__ import annotations

import datetime as dt
import re

from ..model import EventType
from .anchors import trie_regex
from .caseless import caseless, last_token

NUMBER_WORDS = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred|dozens?|hundreds|thousands|tens of thousands|scores)"
_QTY_PREFIXES = ("about", "some", "more than", "over", "up to", "nearly", "almost", "around", "at least", "roughly", "another", "down to")
_QTY_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "fifteen", "twenty",
                "thirty", "forty", "fifty", "hundred", "dozen", "dozens", "hundreds", "thousands", "tens of thousands", "scores")
_QTY_NOUNS = (
    "servicemen", "serviceman", "troops", "soldiers", "peacekeepers", "personnel", "prisoners", "hostages", "captives", "detainees",
    "inmates", "people", "refugees", "civilians", "residents", "families", "fighters", "armoured personnel carriers", "vehicles",
    "buses", "cars", "trucks", "ships", "vessels", "tonnes", "tons", "artillery pieces", "rocket launchers", "guns", "weapons",
    "pieces of equipment", "items", "observers", "monitors", "bodies", "killed", "wounded", "Armenians", "Azerbaijanis",
    "Palestinians", "Israelis", "women", "children", "posts",
)
# The word lists are alternations shaped as tries (one branch per first letter): re tries
# a dozen branches at each word instead of every word of a list. The same matches: no
# word of a list followed by what the pattern requires after it (white space, a hyphen,
# a word boundary) can be the beginning of a longer word of that list.
QUANTITY = caseless(
    r"\b(?:" + trie_regex({w.lower() for w in _QTY_PREFIXES}) + r"\s+)?"
    r"(?:\d[\d,.]*|" + trie_regex(set(_QTY_NUMBERS)) + r")(?:[- ]\w+)?\s+(?:\w+\s+){0,2}?"
    + trie_regex({w.lower() for w in _QTY_NOUNS}) + r"\b",
    re.IGNORECASE,
)

# "from X" marks an origin: not where a deployment or return happens.
ORIGIN = caseless(r"\bfrom\s+(?:the\s+)?(?:village of\s+|town of\s+|city of\s+)?$", re.IGNORECASE)
BOUND_FOR = caseless(r"\b(?:bound for|destined for|headed for|heading for|en route to|on its way to)\b[^.;]{0,30}$", re.IGNORECASE)
ORIGIN_LIST = caseless(r"\bfrom\b[^.;]{0,60}$", re.IGNORECASE)
ANAPHOR = caseless(r"\b(?:the|this|that|its|the same) (?:district|region|area|territory)\b(?! of\b)|\bits (?:residents|inhabitants|return|handover|hand-over|handback|transfer)\b|\bthe (?:last|first|second|third) of (?:the )?\w+ (?:districts|regions|areas)\b", re.IGNORECASE)
SAID_ON = caseless(r"\b(?:said|says|announced|reported|told (?:\w+ )?\w+|stated|confirmed|added)\s+(?:late\s+|early\s+)?(?:on\s+)?$", re.IGNORECASE)
REPORTING = caseless(
    r"\b(?:said|says|announced|reported|told|stated|confirmed|added|wrote|briefing|statement|address|agreed|decided|promised|pledged)\b[^.;]{0,40}$",
    re.IGNORECASE,
)

DISTRICT_KINDS = frozenset({"district", "region", "province", "rayon", "corridor"})


_YEAR_FIRST = re.compile(r"(?:19|20)\d\d\b.*")
_SIGNED_THE = re.compile(r"\b(?:signed|sealed|concluded|inked)\s+(?:the|a|an|their|its)\s+(?:[\w-]+\s+)?(?:agreement|deal|accord|statement|declaration|memorandum)\s+in\s+$", re.IGNORECASE)
_IN_BEFORE = re.compile(r"\bin\s+$", re.IGNORECASE)
_TOWARD = re.compile(r"\b(?:to|into|toward|towards|in)\b")


# Every match of QUANTITY ends with one of its nouns, right after white space (``\s+`` or
# ``\w+\s+`` stands before the noun). In an ASCII text, where a letter matches only its
# two cases, the lower-cased text then holds white space and the lower-cased noun: a
# search for that (a few times cheaper than QUANTITY, which is tried at every number
# and at most words) rules out most clauses, which name no such noun.
_QTY_NOUN_AFTER_BLANK = re.compile(r"\s" + trie_regex({w.lower() for w in _QTY_NOUNS}))


def may_hold_quantity(text: str) -> bool:
    """False only when ``QUANTITY.search(text)`` finds nothing (an ASCII text without
    white space followed by one of the quantity nouns)."""
    return not text.isascii() or _QTY_NOUN_AFTER_BLANK.search(text.lower()) is not None


_PARTICLE_OVER = re.compile(r"(?i)\b(?:hand(?:ed|ing|s)?|turn(?:ed|ing|s)?|pass(?:ed|ing|es)?|took|take|taking|takes|taken|tak(?:e|en)) over$")


def quantity(text: str) -> str | None:
    """The first quantity phrase in ``text``: "1,960 servicemen", "90 Palestinian prisoners"."""
    if not may_hold_quantity(text):
        return None
    m = QUANTITY.search(text)
    if not m:
        return None
    q = m.group(0).strip()
    if q[:5].lower() == "over " and _PARTICLE_OVER.search(text, 0, m.start() + 4):
        q = q[5:]  # "handed over three hostages": "over" is the verb's particle, not "more than"
    # years and bare numbers followed by nothing meaningful are not quantities
    if _YEAR_FIRST.fullmatch(q) and "," not in q:
        return None
    return q


def day_timexes(timexes: list, lo: int, hi: int) -> list:
    return [t for t in timexes if t.start >= lo and t.end <= hi and t.date is not None and t.precision in ("day", "time")]


def pick_date(timexes: list, lo: int, hi: int, trig_start: int, trig_end: int, text: str, *, allow_reporting: bool, skip: set | frozenset = frozenset(), nearest: bool = False,
              said_day: bool = True) -> tuple[object | None, bool]:
    """The timex that dates an event in [lo, hi): prefer the right side, nearest first.
    ``allow_reporting=False`` drops days that follow a reporting verb in the clause;
    ``said_day=False`` drops only the day of the saying itself ("said on Monday").

    Returns (timex or None, whether the clause had a vague/month date that
    blocks a fallback to the sentence level).
    """
    cands = [t for t in timexes if t.start >= lo and t.end <= hi and t.type in ("DATE", "TIME") and t.start not in skip]
    vague = any(t.date is None or t.precision not in ("day", "time") for t in cands)
    days = [t for t in cands if t.date is not None and t.precision in ("day", "time")]
    if not allow_reporting:
        days = [t for t in days if not REPORTING.search(text[max(lo, t.start - 50) : t.start])]
    elif not said_day:
        days = [t for t in days if not SAID_ON.search(text[max(lo, t.start - 30) : t.start])]
    if not days:
        return None, vague
    if nearest:
        return min(days, key=lambda t: min(abs(t.start - trig_end), abs(trig_start - t.end))), vague
    right = [t for t in days if t.start >= trig_end]
    left = [t for t in days if t.end <= trig_start]
    if right:
        return min(right, key=lambda t: t.start - trig_end), vague
    if left:
        return min(left, key=lambda t: trig_start - t.end), vague
    # the trigger spans its date: "handed the district on Friday over", "accused Armenia on Sunday of shelling"
    return min(days, key=lambda t: t.start), vague


SPEAKER_SEAT = caseless(r"\b(?:ministry|government|officials?|spokes(?:man|woman|person)|office|command|authorities|briefing|talks|reporters|presidency)\s+in\s+$", re.IGNORECASE)
SIGNED_IN = caseless(r"\b(?:signed|agreed|concluded|reached|brokered|struck|inked)\s+in\s+$", re.IGNORECASE)
TOPIC_OF = caseless(r"\b(?:(?:agreement|deal|accord|statement|talks|negotiations)\s+(?:on|over|about|for|in)|(?:war|conflict|truce|ceasefire)\s+(?:over|about|on))\s+(?:the\s+)?$", re.IGNORECASE)
_TOPIC_LAST = ("on", "over", "about", "for", "in", "the")  # a window TOPIC_OF matches ends with one of these
DESTINATION = caseless(r"\b(?:toward|towards|to|for|into)\s+(?:the\s+)?$", re.IGNORECASE)
LOCATIVE = caseless(r"\b(?:in|into|inside|across|throughout|within|at|near|on|over|around)\s+(?:the\s+)?(?:\w+\s+){0,2}$", re.IGNORECASE)
LEAVING = caseless(r"\b(?:from|out of|leave|left|leaving)\s+(?:the\s+)?(?:\w+\s+){0,2}$", re.IGNORECASE)


def places_in(places: list, lo: int, hi: int, text: str, etype: EventType) -> list:
    """Places mentioned in [lo, hi): countries only where they are a location
    ("in Afghanistan", not "to Azerbaijan"), origins ("from X") dropped for movements."""
    inside = []
    for p in places:
        if not (p.start >= lo and p.end <= hi):
            continue
        before = text[max(lo, p.start - 40) : p.start]
        # the three cues below end with "in" / a preposition (+ "the"): the window's last
        # word tells when none can match (None: not ASCII, run them all)
        last = last_token(before)
        ends_in = last is None or last.endswith("in")
        if ends_in and SPEAKER_SEAT.search(before):
            continue  # "the defence ministry in Baku said": where the speaker sits
        if (last is None or last.endswith(_TOPIC_LAST)) and TOPIC_OF.search(before) \
                and not (etype == EventType.SIGN and _SIGNED_THE.search(before)):
            continue  # "the agreement on Nagorno-Karabakh": what a deal is about, not where ("signed the agreement in Pretoria" is where)
        if etype != EventType.SIGN and ends_in and SIGNED_IN.search(text[max(lo, p.start - 30) : p.start]):
            continue  # "the agreement signed in Doha ... said prisoners would be freed": where it was signed
        if etype == EventType.EVACUATION and DESTINATION.search(text[max(lo, p.start - 20) : p.start]):
            continue  # people leave a place: "drove toward Stepanakert" is where they went
        if etype == EventType.HANDOVER and p.kind not in ("district", "city", "town", "village"):
            continue
        if p.kind == "country" and text.startswith(("'s", "’s"), p.end):
            continue  # "at Israel's request": the state, not where
        if p.kind == "country" or etype == EventType.SIGN:
            before = text[max(lo, p.start - 30) : p.start]
            if not (LOCATIVE.search(before) or (etype == EventType.WITHDRAWAL and LEAVING.search(before))):
                continue
            if etype == EventType.SIGN and not _IN_BEFORE.search(before):
                continue
        inside.append(p)
    if etype == EventType.REOPENING:
        # "sailed on Monday with corn bound for Tripoli in Lebanon": a cargo's destination is not the place reopened
        inside = [p for p in inside if not BOUND_FOR.search(text[max(lo, p.start - 40) : p.start])]
    if etype in (EventType.DEPLOYMENT, EventType.RETURN, EventType.HANDOVER, EventType.EVACUATION):
        kept = []
        for p in inside:
            before = text[max(lo, p.start - 70) : p.start]
            if ORIGIN.search(before) or (ORIGIN_LIST.search(before) and not _TOWARD.search(before[before.lower().rfind("from") :])):
                continue
            kept.append(p)
        if kept or etype != EventType.EVACUATION:
            inside = kept
    return inside


def unique_names(places: list) -> list[str]:
    seen: list[str] = []
    for p in places:
        if p.name not in seen:
            seen.append(p.name)
    return seen


def date_value(t) -> dt.date | None:
    return t.date if t is not None else None
