"""The extraction pipeline: a plain loop over named steps, each a callable
from doc to doc. Steps declare what they require and assign, so a wrong order
fails at import time, before any text runs.

    sentences -> dateline -> dates -> places -> parties -> triggers
              -> events -> deadlines -> filter -> merge
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, NamedTuple

from ..errors import ExtractionError
from ..model import Event, EventType, Modality
from .caseless import caseless
from .doc import Doc
from .prefilter import required_literals

EXTRACTOR_VERSION = "2"

_DATELINE = re.compile(r"^\s*[A-Z][A-Z .'’/-]{1,60}(?:,\s*[A-Z][a-z]{2,9}\.? \d{1,2})?\s*[-–—]\s+")


@dataclass(frozen=True)
class Step:
    name: str
    func: Callable[[Doc], None]
    requires: tuple[str, ...]
    assigns: tuple[str, ...]


def step_sentences(doc: Doc) -> None:
    from .sentences import split_sentences

    doc.sentences = split_sentences(doc.text)


def step_dateline(doc: Doc) -> None:
    """'BAKU, Nov 20 - ' opens wire copy: its date is the filing date, not an event date."""
    m = _DATELINE.match(doc.text)
    doc.dateline_end = m.end() if m else 0


_SHARED_ANCHORS = None


class _AnchorPlaces(NamedTuple):
    """The folded report and, per pattern of the shared ``AnchoredPatterns`` set, where a
    match of it may begin (``AnchoredPatterns.places``)."""

    folded: str
    dates: list  # per date pattern (``dates._anchored``)
    rules: list  # per trigger rule (``triggers.anchored_rules``)
    type_words: list | None  # ``gazetteer.TYPE_WORD_PATTERN``
    lower_words: list | None  # ``_lower_word_pattern``


def _lower_word_pattern() -> re.Pattern:
    """The words looked for in lower case anywhere in a report: the first words of the
    gazetteer's lower-case aliases ("southern "), of the party lexicon's ("pro-") and the
    compass words of ``_COMPASS``; the shared pass lists where one of them may begin."""
    from ..geo import Gazetteer
    from .parties import PartyLexicon

    words = set(Gazetteer.default()._lower_first()) | set(PartyLexicon.default().lower_first) | set(_COMPASS_WORDS)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words)) + ")")


def _anchor_places(doc: Doc) -> _AnchorPlaces:
    """Where each date pattern and each trigger rule may begin in the report, and where
    a place type word ("district", "village of") or a lower-case word of the places and
    parties steps may: one ``AnchoredPatterns`` pass over the whole text serves four
    steps (the trigger step tries its rules only inside its sentences)."""
    global _SHARED_ANCHORS
    found = doc._index.get("anchor_places")
    if found is not None and found[0] is doc.text:
        return found[1]
    from ..dates import _anchored, fold_case
    from ..geo.gazetteer import TYPE_WORD_PATTERN
    from .anchors import AnchoredPatterns, key_text
    from .triggers import anchored_rules

    if _SHARED_ANCHORS is None:
        dates, rules = _anchored().patterns, anchored_rules().patterns
        _SHARED_ANCHORS = (len(dates), len(dates) + len(rules),
                           AnchoredPatterns(dates + rules + [TYPE_WORD_PATTERN, _lower_word_pattern()]))
    n_dates, n_rules, shared = _SHARED_ANCHORS
    folded = fold_case(doc.text)
    where = shared.places(key_text(folded))
    result = _AnchorPlaces(folded, where[:n_dates], where[n_dates:n_rules], where[n_rules], where[n_rules + 1])
    doc._index["anchor_places"] = (doc.text, result)
    return result


def step_dates(doc: Doc) -> None:
    from ..dates import tag_spans

    out = []
    spans = [(s.start, s.end) for s in doc.sentences]
    anchors = _anchor_places(doc)
    folded, where = anchors.folded, anchors.dates
    for s, found in zip(doc.sentences, tag_spans(doc.text, doc.anchor, spans, None, folded, where)):
        for t in found:
            t = t.moved(s.start)
            if t.end <= doc.dateline_end:
                continue
            if _NAME_DATE.match(doc.text[t.end : t.end + 40]):
                doc.name_dates.add(t.start)  # "the November 10 statement" names an agreement
            out.append(t)
    doc.timexes = out


_COMPASS = re.compile(r"\b(?:[Tt]he|in the|of the|from the)\s+(?P<dir>south|north|east|west)(?:ern part)?\b(?!\s+(?:of\s+(?!the country)|[A-Z]))")
_COMPASS_WORDS = tuple(sorted(required_literals(_COMPASS) or ("",)))  # a match contains one of these
_DIR_ADJ = {"south": "southern", "north": "northern", "east": "eastern", "west": "western"}


def _report_country(doc: Doc, gaz) -> str | None:
    """The country a report is filed from (its dateline city), else the country it names most."""
    head = doc.text[: doc.dateline_end]
    for city in re.split(r"[/,]", head.split(" - ")[0].split(" – ")[0]):
        rec = gaz.lookup(city.strip().title()) if city.strip() else None
        if rec and rec.get("country"):
            return rec["country"]
    counts: dict[str, int] = {}
    for p in doc.places:
        if p.kind == "country":
            counts[p.name] = counts.get(p.name, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _capital_words(doc: Doc):
    """The report's capitalised words, read once for the places and the parties steps."""
    from ..geo.gazetteer import CapitalWords

    words = doc._index.get("capital_words")
    if words is None or words.text is not doc.text:
        words = doc._index["capital_words"] = CapitalWords(doc.text)
    return words


def step_places(doc: Doc) -> None:
    """Gazetteer places; "the south" / "the east" of the report's country become regions."""
    from ..geo import Gazetteer
    from ..geo.gazetteer import PlaceMatch

    gaz = Gazetteer.default()
    # where type words and lower-case words may begin, from the shared pass (its folded
    # text is the gazetteer's only when the text is ASCII: the gazetteer also folds
    # accented letters)
    anchors = _anchor_places(doc) if doc.text.isascii() else None
    type_starts, lower_starts = (anchors.type_words, anchors.lower_words) if anchors else (None, None)
    doc.places = [p for p in gaz.find(doc.text, _capital_words(doc), type_starts, lower_starts) if p.end > doc.dateline_end]
    country = None
    extra = []
    # else the scan finds nothing (a compass word of a match follows white space: it is
    # at one of ``lower_starts``)
    if lower_starts is not None:
        has_compass_word = any(doc.text.startswith(w, i) for i in lower_starts for w in _COMPASS_WORDS)
    else:
        has_compass_word = any(w in doc.text for w in _COMPASS_WORDS)
    for m in _COMPASS.finditer(doc.text, doc.dateline_end) if has_compass_word else ():
        if country is None:
            country = _report_country(doc, gaz) or ""
        if not country:
            break
        name = f"{_DIR_ADJ[m.group('dir').lower()]} {country}"
        s, e = m.start("dir"), m.end()
        if any(p.start < e and s < p.end for p in doc.places):
            continue
        extra.append(PlaceMatch(s, e, doc.text[s:e], gaz.canonical(name) or name, "region", country, 0.6))
    if extra:
        doc.places = sorted(doc.places + extra, key=lambda p: p.start)


_TERRITORY = re.compile(r"\s+(?:territory|soil)\b", re.IGNORECASE)
_LOCATIVE_BEFORE = re.compile(r"\b(?:in|into|to|from|near|at|inside|outside|around|toward|towards|via|through|between)\s+$|\bbetween\s+[^.;]{1,40}\s+and\s+$", re.IGNORECASE)
_POSSESSIVE_AFTER = re.compile(r"['’]s\b")
_ACCORDING_TO = re.compile(r"\baccording to\s+$", re.IGNORECASE)  # "according to Baku": the speaker
_NAME_DATE = caseless(r"^\s*(?:\w+\s+){0,1}(?:ceasefire\s+|peace\s+|trilateral\s+)?(?:statement|agreement|deal|accord|truce|ceasefire|declaration|memorandum)\b")


def step_parties(doc: Doc) -> None:
    """Parties; a capital used as a metonym ("Baku agreed") is a party, not a place."""
    from .parties import find_parties

    lower_starts = _anchor_places(doc).lower_words if doc.text.isascii() else None  # as in ``step_places``
    doc.parties = [p for p in find_parties(doc.text, _capital_words(doc), lower_starts) if p.end > doc.dateline_end]
    # "on Azerbaijani territory": a demonym with territory/soil names the country as a place
    from ..geo.gazetteer import PlaceMatch

    extra = []
    for p in doc.parties:
        if p.kind == "demonym":
            m = _TERRITORY.match(doc.text, p.end)
            if m:
                extra.append(PlaceMatch(p.start, m.end(), doc.text[p.start : m.end()], p.party, "country", p.party, 0.8))
    if extra:
        doc.places = sorted(doc.places + extra, key=lambda x: x.start)
    metonyms = {(p.start, p.end) for p in doc.parties if p.kind in ("capital", "metonym")}
    if metonyms:
        doc.places = [
            pl for pl in doc.places
            if (pl.start, pl.end) not in metonyms
            or (_LOCATIVE_BEFORE.search(doc.text[max(0, pl.start - 60) : pl.start]) and not _POSSESSIVE_AFTER.match(doc.text, pl.end)
                and not _ACCORDING_TO.search(doc.text[max(0, pl.start - 20) : pl.start]))
        ]


def step_triggers(doc: Doc) -> None:
    from .events import find_triggers_step

    anchors = _anchor_places(doc)
    folded, where = anchors.folded, anchors.rules
    find_triggers_step(doc, folded, where)


def step_events(doc: Doc) -> None:
    from .events import build_events

    build_events(doc)


def step_deadlines(doc: Doc) -> None:
    from .deadlines import build_deadline_frames

    build_deadline_frames(doc)


def step_filter(doc: Doc) -> None:
    """Drop what the conventions say is not an event of an agreement."""
    kept = []
    for e in doc.events:
        # a violation far in the past of the report is background ("captured it in 1993")
        if e.type == EventType.VIOLATION and e.date and (doc.anchor - e.date).days > 366:
            continue
        # an event dated in the future cannot have occurred
        if e.modality == Modality.OCCURRED and e.date and (e.date - doc.anchor).days > 1:
            e.modality = Modality.PLANNED
        kept.append(e)
    doc.events = kept


def step_merge(doc: Doc) -> None:
    from .merge import merge_step

    merge_step(doc)


STEPS: tuple[Step, ...] = (
    Step("sentences", step_sentences, ("text",), ("sentences",)),
    Step("dateline", step_dateline, ("text",), ("dateline_end",)),
    Step("dates", step_dates, ("sentences", "dateline_end"), ("timexes",)),
    Step("places", step_places, ("text", "dateline_end"), ("places",)),
    Step("parties", step_parties, ("text", "dateline_end"), ("parties",)),
    Step("triggers", step_triggers, ("sentences",), ("triggers",)),
    Step("events", step_events, ("triggers", "timexes", "places", "parties"), ("events",)),
    Step("deadlines", step_deadlines, ("events", "triggers", "timexes", "places", "parties"), ("events",)),
    Step("filter", step_filter, ("events",), ("events",)),
    Step("merge", step_merge, ("events",), ("events",)),
)


def check_order(steps: tuple[Step, ...] = STEPS) -> None:
    have = {"text", "anchor"}
    for s in steps:
        missing = [r for r in s.requires if r not in have]
        if missing:
            raise ExtractionError(f"pipeline step {s.name!r} requires {missing} which no earlier step assigns")
        have.update(s.assigns)


check_order()


def run(text: str, report_date: dt.date, steps: tuple[Step, ...] = STEPS) -> Doc:
    doc = Doc(text=text, anchor=report_date)
    for s in steps:
        s.func(doc)
    return doc


def extract_events(text: str, report_date: dt.date | str, *, denials: bool = False) -> list[Event]:
    """Events stated in ``text``, a report published on ``report_date``.

    ``denials=True`` also returns the actions a party denies (modality ``denied``),
    which ingest stores as evidence that denies; by default only the modalities of
    the gold schema are returned.

    >>> evs = extract_events("Armenia returned the Aghdam district to Azerbaijan on Friday.", "2020-11-20")
    >>> [(e.type.value, e.modality.value, str(e.date), e.places) for e in evs]
    [('handover', 'occurred', '2020-11-20', ['Aghdam'])]
    """
    if isinstance(report_date, str):
        try:
            report_date = dt.date.fromisoformat(report_date)
        except ValueError as exc:
            raise ExtractionError(f"report date {report_date!r} is not a date; write it as YYYY-MM-DD") from exc
    if not isinstance(report_date, dt.date):
        raise ExtractionError("report_date must be a datetime.date or an ISO string YYYY-MM-DD")
    if not isinstance(text, str):
        raise ExtractionError("text must be a str; decode bytes first")
    doc = run(text, report_date)
    events = doc.events if denials else [e for e in doc.events if e.modality != Modality.DENIED]
    events.sort(key=lambda e: (e.start, e.trigger_start or 0))
    return events
