"""Merge repeated mentions of one action into one event.

Two events merge when they have the same type, places that intersect (or both
none), dates that agree, and compatible modalities. The merged event keeps the
most advanced status reported and fills its empty fields from the other.
"""

from __future__ import annotations

import re

from ..model import Event, EventType, Modality

# Most advanced first.
RANK = {
    Modality.OCCURRED: 6,
    Modality.CANCELLED: 5,
    Modality.REFUSED: 4,
    Modality.POSTPONED: 3,
    Modality.ONGOING: 2,
    Modality.PLANNED: 1,
    Modality.DENIED: 0,
}
BOUNDED = frozenset({EventType.DEPLOYMENT, EventType.HANDOVER, EventType.WITHDRAWAL, EventType.EVACUATION, EventType.DISARMAMENT, EventType.CEASEFIRE})
FIELDS = ("agent", "recipient", "quantity", "subject", "old_date", "new_date", "requested_by", "granted_by", "via", "reason")


def _places_ok(a: Event, b: Event) -> bool:
    if not a.places and not b.places:
        return True
    return bool(set(a.places) & set(b.places))


def _agents(e: Event) -> set[str]:
    return {x.strip().casefold() for x in (e.agent or "").split(",") if x.strip()}


_NUM = re.compile(r"\d[\d,]*")


def _numbers(e: Event) -> set[str]:
    if not e.quantity:
        return set()
    return {n.replace(",", "") for n in _NUM.findall(e.quantity)}


def _can_merge(a: Event, b: Event, anchor=None) -> bool:
    if a.type != b.type:
        return False
    if (a.modality == Modality.DENIED) != (b.modality == Modality.DENIED):
        return False  # a denial and a report of the action are two claims, kept apart
    if anchor is not None and a.type in BOUNDED and _places_ok(a, b) and a.places and (a.date is None) != (b.date is None):
        dated, undated = (a, b) if a.date is not None else (b, a)
        if dated.modality == Modality.PLANNED and undated.modality == Modality.OCCURRED and dated.date <= anchor:
            return True  # "X was handed over" in a report on the day it was due: the plan, done
    na = _numbers(a)
    if na:
        nb = _numbers(b)
        if nb and not na & nb:
            return False  # "1,000 captives" and "3,500 prisoners" are two releases
    if a.type == EventType.SIGN and (a.date is None or b.date is None or a.date == b.date):
        return True  # mentions of a signing in one report are one signing unless dated apart
    if not _places_ok(a, b):
        one_empty = not (a.places and b.places)
        # one names no place: the same action when both are dated the same day,
        # or when it is a bounded operation and one mention is its undated plan
        if one_empty and a.date and a.date == b.date:
            # unless different actors are named: different actions on the same day
            return not (_agents(a) and _agents(b) and not _agents(a) & _agents(b))
        if one_empty and a.type in BOUNDED and {a.modality, b.modality} & {Modality.PLANNED} and (a.date is None) != (b.date is None):
            undated = a if a.date is None else b
            return undated.modality == Modality.PLANNED and undated.date_precision != "vague"
        if one_empty and a.modality == b.modality and (a.date is None or b.date is None):
            undated = a if a.date is None else b
            if undated.date_precision == "vague":
                return False
            if _agents(a) and _agents(b) and not _agents(a) & _agents(b):
                return False
            # the same operation mentioned twice, once without its place or date
            return a.type in BOUNDED or (a.modality in (Modality.OCCURRED, Modality.ONGOING) and a.type == EventType.EXCHANGE)
        return False
    if a.type == EventType.DEADLINE_CHANGE:
        if (a.modality == Modality.REFUSED) != (b.modality == Modality.REFUSED):
            return False  # a refused change and a change made are two decisions
        if a.date and b.date and abs((a.date - b.date).days) > 7:
            return False  # decided weeks apart: two changes
        return (a.new_date == b.new_date or None in (a.new_date, b.new_date)) and (a.old_date == b.old_date or None in (a.old_date, b.old_date))
    if a.date and b.date:
        if a.date != b.date:
            return False
        return True  # same action on the same day: modalities merge by rank
    if a.date is None and b.date is None:
        if a.type == EventType.EXCHANGE and _agents(a) and _agents(b) and not _agents(a) & _agents(b):
            return False  # "Kabul freed 5,000 Taliban prisoners, while the insurgents released 1,000": two releases
        if a.type in BOUNDED and a.places and {a.modality, b.modality} == {Modality.PLANNED, Modality.OCCURRED}:
            return True  # a bounded operation and its plan are one event, dated or not
        return a.modality == b.modality or {a.modality, b.modality} <= {Modality.ONGOING, Modality.OCCURRED}
    # one dated, one not
    undated = a if a.date is None else b
    dated = b if undated is a else a
    if undated.date_precision == "vague":
        return False  # "last month" is known to be another time than the dated one
    if a.modality == b.modality:
        return True
    # a bounded operation and its plan are one event
    if a.type in BOUNDED and undated.modality == Modality.PLANNED and dated.modality in (Modality.OCCURRED, Modality.ONGOING):
        return True
    return False


def _absorb(keep: Event, other: Event) -> None:
    if RANK[other.modality] > RANK[keep.modality]:
        keep.modality = other.modality
    if keep.date is None and other.date is not None:
        keep.date = other.date
        keep.date_precision = other.date_precision
    for f in FIELDS:
        if getattr(keep, f) is None and getattr(other, f) is not None:
            setattr(keep, f, getattr(other, f))
    for p in other.places:
        if p not in keep.places and keep.type not in (EventType.HANDOVER,):
            keep.places.append(p)
    keep.confidence = min(0.99, max(keep.confidence, other.confidence) + 0.05)


MAX_COMPARE = 300  # kept events of a type compared with a new one (bounds pathological inputs)


def merge_events(events: list[Event], anchor=None) -> list[Event]:
    out: list[Event] = []
    by_type: dict[EventType, list[Event]] = {}
    for e in events:
        kept = by_type.setdefault(e.type, [])
        for k in kept[-MAX_COMPARE:]:
            if _can_merge(k, e, anchor):
                _absorb(k, e)
                break
        else:
            kept.append(e)
            out.append(e)
    # a second pass: absorbing may have made two kept events mergeable
    changed = len(out) <= 2 * MAX_COMPARE
    while changed:
        changed = False
        for i in range(len(out)):
            t = out[i].type
            for j in range(i + 1, len(out)):
                if out[j].type == t and _can_merge(out[i], out[j], anchor):  # (events of two types never merge)
                    _absorb(out[i], out[j])
                    del out[j]
                    changed = True
                    break
            if changed:
                break
    return out


def merge_step(doc) -> None:
    doc.events = merge_events(doc.events, doc.anchor)
