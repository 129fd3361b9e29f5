"""Linking: extracted events -> evidence for agreement provisions. No I/O.

An event becomes evidence for a provision when the kinds match (a violation
breaches a ceasefire; a deadline change reschedules the provision whose
deadline moved), the places agree, and the parties do not contradict the
provision. The relation follows from the event's modality.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

from .model import Agreement, Event, EventType, Modality, Provision, Relation

# How long after signing an agreement reports are still read against it.
HORIZON_DAYS = 366 * 10

SUBJECT_WORDS = {
    EventType.HANDOVER: ("handover", "transfer", "return of", "hand over", "handed"),
    EventType.WITHDRAWAL: ("withdrawal", "pullout", "pull-out", "pullback", "pull out", "withdraw"),
    EventType.EXCHANGE: ("release", "exchange", "swap", "prisoner"),
    EventType.DISARMAMENT: ("weapons", "arms", "disarm", "laydown"),
    EventType.CEASEFIRE: ("ceasefire", "truce", "cessation"),
    EventType.REOPENING: ("corridor", "route", "initiative", "term", "deal", "shipping", "road"),
    EventType.DEPLOYMENT: ("deployment", "mandate", "zones", "mission", "presence"),
    EventType.RETURN: ("return",),
    EventType.EVACUATION: ("evacuation",),
}


@dataclass(frozen=True)
class Link:
    event_index: int
    agreement_id: str
    provision_id: str
    relation: Relation
    score: float


def relation_for(event: Event, provision: Provision) -> Relation | None:
    if event.type == EventType.DEADLINE_CHANGE:
        # a refused extension leaves the schedule as it was: it restates it
        return Relation.RESTATES if event.modality == Modality.REFUSED else Relation.RESCHEDULES
    if event.type == EventType.VIOLATION:
        return Relation.BREACHES if provision.kind == EventType.CEASEFIRE else None
    m = event.modality
    if m == Modality.OCCURRED:
        return Relation.FULFILS
    if m == Modality.ONGOING:
        return Relation.PARTLY_FULFILS
    if m in (Modality.REFUSED, Modality.CANCELLED):
        return Relation.BREACHES
    if m == Modality.DENIED:
        return Relation.DENIES
    return Relation.RESTATES  # planned, postponed: the schedule restated


def _fold(s: str) -> str:
    return s.casefold().strip()


# Per agreement / provision object, computed once: linking asks for them for
# every event of every report. Keyed on id() with the object kept alongside
# (frozen dataclasses hash their whole nested content on every call).
_VOCABULARY: dict[int, tuple[Agreement, tuple[frozenset[str], frozenset[str]]]] = {}
_KEYWORDS: dict[int, tuple[Provision, tuple[re.Pattern[str], ...]]] = {}
_CACHE_MAX = 1024


def agreement_vocabulary(agreement: Agreement) -> tuple[frozenset[str], frozenset[str]]:
    """The folded place names/keywords and party names of an agreement's provisions."""
    hit = _VOCABULARY.get(id(agreement))
    if hit is not None and hit[0] is agreement:
        return hit[1]
    if len(_VOCABULARY) >= _CACHE_MAX:
        _VOCABULARY.clear()
    vocab = _agreement_vocabulary(agreement)
    _VOCABULARY[id(agreement)] = (agreement, vocab)
    return vocab


def _agreement_vocabulary(agreement: Agreement) -> tuple[frozenset[str], frozenset[str]]:
    places: set[str] = set()
    parties: set[str] = set()
    for p in agreement.provisions:
        places.update(_fold(x) for x in p.places)
        places.update(_fold(x) for x in p.keywords)
        parties.update(_fold(x) for x in p.obligor + p.beneficiary)
    for party in agreement.parties:
        parties.add(_fold(party.id))
        parties.update(_fold(a) for a in party.aliases)
    return frozenset(places), frozenset(parties)


def _event_parties(e: Event) -> set[str]:
    out: set[str] = set()
    for f in (e.agent, e.recipient, e.requested_by, e.granted_by, e.via):
        if f:
            out.update(_fold(x) for x in f.split(","))
    return out


def agreement_scores(events: list[Event], published: dt.date, agreements: Iterable[Agreement]) -> dict[str, float]:
    """How strongly a report's events point at each agreement (0 = not at all)."""
    scores: dict[str, float] = {}
    for a in agreements:
        if published < a.signed - dt.timedelta(days=2) or published > a.signed + dt.timedelta(days=HORIZON_DAYS):
            continue
        places, parties = agreement_vocabulary(a)
        s = 0.0
        for e in events:
            s += 2.0 * len({_fold(p) for p in e.places} & places)
            s += 0.5 * len(_event_parties(e) & parties)
        if s > 0:
            scores[a.id] = s
    return scores


_NUMBER = re.compile(r"(?<![\d,.])(?:\d{1,3}(?:,\d{3})+|\d{3,})(?!\d|[,.]\d)")
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


def _keyword_hits(sentence: str, p: Provision) -> int:
    """How many of the provision's keywords the sentence mentions (word-start match,
    so 'withdraw' finds 'withdrawal' and 'Israeli' counts for 'Israeli troops')."""
    folded = sentence.casefold()
    return sum(1 for rx in _keyword_patterns(p) if rx.search(folded))


def _keyword_patterns(p: Provision) -> tuple[re.Pattern[str], ...]:
    hit = _KEYWORDS.get(id(p))
    if hit is not None and hit[0] is p:
        return hit[1]
    if len(_KEYWORDS) >= _CACHE_MAX:
        _KEYWORDS.clear()
    pats = tuple(re.compile(r"(?<!\w)" + re.escape(k)) for k in (_fold(kw) for kw in p.keywords) if k)
    _KEYWORDS[id(p)] = (p, pats)
    return pats


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text) if not _YEAR.match(n.replace(",", ""))}


def _number_match(e: Event, p: Provision) -> bool:
    """The event's sentence repeats a number of the provision ('8,600', '5,000')."""
    mine = _numbers(" ".join(x for x in (e.quantity, e.sentence) if x))
    return bool(mine and mine & _numbers(" ".join(x for x in (p.quantity, p.text) if x) + " " + " ".join(p.keywords)))


def _text_bonus(e: Event, p: Provision) -> float:
    """A small tie-breaker from the sentence: keywords and numbers of the provision.
    Kept below one place or subject match, so it only decides between otherwise equal candidates."""
    bonus = 0.25 * min(_keyword_hits(e.sentence or "", p), 3)
    if _number_match(e, p):
        bonus += 0.5
    return bonus


def _countries(names: Iterable[str]) -> set[str]:
    from .geo import Gazetteer

    out: set[str] = set()
    g = Gazetteer.default()
    for n in names:
        rec = g.lookup(n)
        if rec and rec.get("country"):
            out.add(_fold(rec["country"]))
    return out


def _same_country(event_places: Iterable[str], provision_places: Iterable[str]) -> bool:
    """Some event place lies in the country of some provision place (per the gazetteer)."""
    try:
        return bool(_countries(event_places) & _countries(provision_places))
    except Exception:  # noqa: BLE001 - a gazetteer problem must not stop linking
        return False


def _kind_ok(e: Event, p: Provision) -> bool:
    if e.type == EventType.DEADLINE_CHANGE:
        return True
    if e.type == EventType.VIOLATION:
        return p.kind == EventType.CEASEFIRE
    return e.type == p.kind


def _deadline_fits(e: Event, p: Provision, a: Agreement) -> float:
    """How well a deadline change fits a provision (0 = not)."""
    subject = (e.subject or "").casefold()
    due = a.resolved_due(p)
    term_end = None
    if p.term is not None:
        from .status import add_iso_duration

        start = p.term.start or a.effective_date
        term_end = p.term.end or (add_iso_duration(start, p.term.duration) if p.term.duration else None)
    score = 0.0
    if e.old_date and e.old_date in (due, term_end):
        score += 2.0
    words = SUBJECT_WORDS.get(p.kind, ())
    if any(w in subject for w in words):
        score += 1.0
    return score


def link_events(events: list[Event], published: dt.date, agreements: Iterable[Agreement]) -> list[Link]:
    """Evidence proposals for the events of one report."""
    agreements = list(agreements)
    scores = agreement_scores(events, published, agreements)
    if not scores:
        return []
    best = max(scores.values())
    chosen = [a for a in agreements if scores.get(a.id, 0) >= best * 0.5]
    links: list[Link] = []
    for i, e in enumerate(events):
        if e.type == EventType.SIGN:
            continue
        for a in chosen:
            cands: list[tuple[float, Provision]] = []
            same_kind = [p for p in a.provisions if _kind_ok(e, p)]
            for p in same_kind:
                pplaces = {_fold(x) for x in p.places} | {_fold(x) for x in p.keywords}
                eplaces = {_fold(x) for x in e.places}
                score = 1.0
                if pplaces and eplaces:
                    if pplaces & eplaces:
                        score += 2.0
                    elif p.kind == EventType.CEASEFIRE and _same_country(e.places, p.places):
                        # a ceasefire covers its whole theatre: a town inside it (Hadrut) counts
                        score += 1.0
                    else:
                        continue
                elif pplaces and not eplaces:
                    # no place named: only when this provision is the only one of its kind,
                    # or when the sentence names one of its keywords (or numbers)
                    if (
                        len(same_kind) > 1
                        and e.type != EventType.DEADLINE_CHANGE
                        and not _keyword_hits(e.sentence or "", p)
                        and not _number_match(e, p)
                    ):
                        continue
                    score += 0.2
                obligors = {_fold(x) for x in p.obligor + p.beneficiary}
                agents = {_fold(x) for x in (e.agent or "").split(",") if x.strip()}
                party_ids = {_fold(x.id) for x in a.parties}
                if agents and obligors and (agents & party_ids) and not (agents & obligors):
                    if e.type not in (EventType.VIOLATION, EventType.DEADLINE_CHANGE):
                        continue
                if e.type == EventType.DEADLINE_CHANGE:
                    fit = _deadline_fits(e, p, a)
                    if fit == 0:
                        continue
                    score += fit
                if e.modality == Modality.OCCURRED and e.date and e.date < a.signed:
                    continue
                score += _text_bonus(e, p)
                if agents & obligors:
                    score += 0.25  # the event's agent is the provision's obligor (or beneficiary)
                cands.append((score, p))
            if not cands:
                continue
            top = max(s for s, _ in cands)
            for s, p in cands:
                if s < top:
                    continue
                rel = relation_for(e, p)
                if rel is None:
                    continue
                links.append(Link(i, a.id, p.id, rel, round(s * scores[a.id] / best, 3)))
    return links
