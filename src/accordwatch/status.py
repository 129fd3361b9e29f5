"""Status rules: provision x evidence x (as-of V, known-at K). No I/O.

- Only reports published on or before K count; only events dated on or
  before V count as having happened.
- current due = original due moved by every counted ``reschedules`` evidence
  known at K (latest known change wins); the full history is always kept.
- fulfilled (on time / late) when ``fulfils`` evidence is dated <= V;
  partly_fulfilled likewise; disputed when counted evidence both says done
  and denies it.
- overdue when V is past the current due and nothing fulfils it; due within
  7 days before it; pending otherwise.
- continuous provisions are not_started / in_force / breached / expired, with
  the count of ``breaches`` evidence per month.
By default proposed evidence counts and is marked unreviewed; reviewed_only
counts accepted evidence alone; rejected evidence never counts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from .model import Agreement, EvidenceDigest, EvidenceView, Provision, Relation, ReviewState, Status

DUE_WINDOW_DAYS = 7
BREACH_RECENT_DAYS = 7


@dataclass
class DeadlineMove:
    old_date: dt.date | None
    new_date: dt.date
    known_on: dt.date
    report_id: int | None
    evidence_id: int | None
    sentence: str
    review: str
    requested_by: str | None = None
    granted_by: str | None = None
    via: str | None = None
    reason: str | None = None
    sources: int = 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_date": _iso(self.old_date),
            "new_date": _iso(self.new_date),
            "known_on": _iso(self.known_on),
            "report": self.report_id,
            "evidence": self.evidence_id,
            "sentence": self.sentence,
            "review": self.review,
            "requested_by": self.requested_by,
            "granted_by": self.granted_by,
            "via": self.via,
            "reason": self.reason,
            "sources": self.sources,
        }


@dataclass
class ProvisionStatus:
    provision: Provision
    status: Status
    original_due: dt.date | None
    current_due: dt.date | None
    fulfilled_on: dt.date | None = None
    on_time: bool | None = None
    deadline_history: list[DeadlineMove] = field(default_factory=list)
    evidence: list[EvidenceView] = field(default_factory=list)
    evidence_total: int | None = None  # all shown evidence; ``evidence`` may hold only the most recent
    unreviewed: bool = False
    breaches: dict[str, int] = field(default_factory=dict)
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    sources: int = 0

    @property
    def label(self) -> str:
        if self.status in (Status.FULFILLED, Status.PARTLY_FULFILLED) and self.on_time is not None:
            return f"{self.status.value} ({'on time' if self.on_time else 'late'})"
        return self.status.value

    def to_dict(self) -> dict[str, Any]:
        p = self.provision
        return {
            "id": p.id,
            "article": p.article,
            "kind": p.kind.value,
            "text": p.text,
            "places": list(p.places),
            "obligor": ", ".join(p.obligor) or None,
            "beneficiary": ", ".join(p.beneficiary) or None,
            "original_due": _iso(self.original_due),
            "current_due": _iso(self.current_due),
            "status": self.status.value,
            "on_time": self.on_time,
            "fulfilled_on": _iso(self.fulfilled_on),
            "unreviewed": self.unreviewed,
            "term_start": _iso(self.term_start),
            "term_end": _iso(self.term_end),
            "breaches_per_month": dict(self.breaches),
            "sources": self.sources,
            "deadline_history": [m.to_dict() for m in self.deadline_history],
            "evidence_total": len(self.evidence) if self.evidence_total is None else self.evidence_total,
            "evidence": [_evidence_dict(e) for e in self.evidence],
        }


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _evidence_dict(e: EvidenceView) -> dict[str, Any]:
    return {
        "id": e.evidence_id,
        "report": e.report_id,
        "report_title": e.report_title,
        "date": _iso(e.report_published),
        "event_date": _iso(e.event.date),
        "type": e.event.type.value,
        "modality": e.event.modality.value,
        "sentence": e.event.sentence,
        "trigger": e.event.trigger,
        "relation": e.relation.value,
        "review": e.review.value,
        "unreviewed": e.review == ReviewState.PROPOSED,
        "copies": e.copies,
        "story": e.story_id,
    }


_DUR = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def add_iso_duration(start: dt.date, duration: str) -> dt.date | None:
    """``start`` plus an ISO 8601 duration of years, months, weeks, days."""
    m = _DUR.match(duration or "")
    if not m:
        return None
    y, mo, w, d = (int(x) if x else 0 for x in m.groups())
    month = start.month - 1 + mo + 12 * y
    year = start.year + month // 12
    month = month % 12 + 1
    day = start.day
    while True:
        try:
            base = dt.date(year, month, day)
            break
        except ValueError:
            day -= 1
    return base + dt.timedelta(days=7 * w + d)


def counted(evidence: Iterable[EvidenceView], known_at: dt.date | None, reviewed_only: bool) -> list[EvidenceView]:
    out = []
    for e in evidence:
        if e.review == ReviewState.REJECTED:
            continue
        if reviewed_only and e.review != ReviewState.ACCEPTED:
            continue
        if known_at is not None and e.report_published > known_at:
            continue
        out.append(e)
    return out


def _happened_on(e: EvidenceView) -> dt.date:
    return e.event.date or e.report_published


def _history(evs: list[EvidenceView], original: dt.date | None) -> list[DeadlineMove]:
    moves: dict[tuple, DeadlineMove] = {}
    order = sorted(evs, key=lambda e: (e.report_published, e.evidence_id or 0))
    for e in order:
        ev = e.event
        new = ev.new_date
        if new is None:
            continue
        key = (ev.old_date or original, new)
        if key in moves:
            m = moves[key]
            m.sources += 1
            for f in ("requested_by", "granted_by", "via", "reason"):
                if getattr(m, f) is None and getattr(ev, f):
                    setattr(m, f, getattr(ev, f))
            if m.review != ReviewState.ACCEPTED.value and e.review == ReviewState.ACCEPTED:
                m.review = e.review.value
            continue
        moves[key] = DeadlineMove(
            old_date=ev.old_date or original,
            new_date=new,
            known_on=e.report_published,
            report_id=e.report_id,
            evidence_id=e.evidence_id,
            sentence=ev.sentence,
            review=e.review.value,
            requested_by=ev.requested_by,
            granted_by=ev.granted_by,
            via=ev.via,
            reason=ev.reason,
        )
    return sorted(moves.values(), key=lambda m: (m.known_on, m.evidence_id or 0))


def digest(
    evidence: Iterable[EvidenceView],
    provision_id: str,
    as_of: dt.date,
    known_at: dt.date | None = None,
    reviewed_only: bool = False,
    limit: int | None = None,
) -> EvidenceDigest:
    """What the status rules need of a provision's evidence (see EvidenceDigest).

    ``limit`` keeps only that many most recent shown rows (None: all).
    ``Store.status_evidence`` computes the same in SQL.
    """
    evs = [e for e in counted(evidence, known_at, reviewed_only) if e.provision_id == provision_id]
    evs.sort(key=lambda e: (e.report_published, e.evidence_id or 0))
    fulfils = [e for e in evs if e.relation == Relation.FULFILS and _happened_on(e) <= as_of]
    partly = [e for e in evs if e.relation == Relation.PARTLY_FULFILS and _happened_on(e) <= as_of]
    breaches: dict[dt.date, int] = {}
    for e in evs:
        if e.relation == Relation.BREACHES and _happened_on(e) <= as_of:
            breaches[_happened_on(e)] = breaches.get(_happened_on(e), 0) + 1
    shown = [e for e in evs if e.relation != Relation.RESTATES or e.report_published <= as_of] or evs
    stories = {(e.story_id if e.story_id is not None else ("r", e.report_id)) for e in evs}
    return EvidenceDigest(
        provision_id=provision_id,
        total=len(evs),
        shown_total=len(shown),
        unreviewed=any(e.review == ReviewState.PROPOSED for e in shown),
        sources=len(stories),
        denied=any(e.relation == Relation.DENIES and e.report_published <= as_of for e in evs),
        reschedules=[e for e in evs if e.relation == Relation.RESCHEDULES],
        first_fulfils=min(fulfils, key=_happened_on) if fulfils else None,
        first_partly=min(partly, key=_happened_on) if partly else None,
        breaches_per_day=breaches,
        shown=shown if limit is None else (shown[max(0, len(shown) - limit) :] if limit > 0 else []),
    )


def provision_status(
    agreement: Agreement,
    provision: Provision,
    evidence: Iterable[EvidenceView],
    as_of: dt.date,
    known_at: dt.date | None = None,
    reviewed_only: bool = False,
) -> ProvisionStatus:
    return status_from_digest(agreement, provision, digest(evidence, provision.id, as_of, known_at, reviewed_only), as_of)


def status_from_digest(agreement: Agreement, provision: Provision, d: EvidenceDigest, as_of: dt.date) -> ProvisionStatus:
    """The status rules over a provision's digested evidence (counted at ``as_of`` and K)."""
    original = agreement.resolved_due(provision)
    term_start = None
    if provision.term is not None:
        term_start = provision.term.start or agreement.effective_date
        term_end = provision.term.end or (add_iso_duration(term_start, provision.term.duration) if provision.term.duration else None)
        if original is None:
            original = term_end
    history = _history(d.reschedules, original)
    current = history[-1].new_date if history else original
    st = ProvisionStatus(
        provision=provision,
        status=Status.PENDING,
        original_due=original,
        current_due=current,
        deadline_history=history,
        evidence=list(d.shown),
        evidence_total=d.shown_total,
        unreviewed=d.unreviewed,
        term_start=term_start,
        term_end=current if provision.term is not None else None,
        sources=d.sources,
    )
    first = d.first_fulfils
    if first is not None:
        st.fulfilled_on = first.event.date or None
        done = _happened_on(first)
        st.on_time = None if current is None else done <= current
        if first.event.date is None:
            st.on_time = None if current is None or first.report_published > current else True
    if provision.term is not None:
        for day in sorted(d.breaches_per_day):
            key = day.strftime("%Y-%m")
            st.breaches[key] = st.breaches.get(key, 0) + d.breaches_per_day[day]
        if term_start and as_of < term_start:
            st.status = Status.NOT_STARTED
        elif st.term_end and as_of > st.term_end:
            st.status = Status.EXPIRED
        elif any((as_of - day).days < BREACH_RECENT_DAYS for day in d.breaches_per_day):
            st.status = Status.BREACHED
        else:
            st.status = Status.IN_FORCE
        return st
    if first is not None and d.denied:
        st.status = Status.DISPUTED
    elif first is not None:
        st.status = Status.FULFILLED
    elif d.first_partly is not None:
        st.status = Status.PARTLY_FULFILLED
        st.fulfilled_on = d.first_partly.event.date
    elif current is not None and as_of > current:
        st.status = Status.OVERDUE
    elif current is not None and (current - as_of).days <= DUE_WINDOW_DAYS:
        st.status = Status.DUE
    else:
        st.status = Status.PENDING
    # A refusal or cancellation known by V is shown as evidence but changes no status.
    return st


def agreement_status(
    agreement: Agreement,
    evidence: Iterable[EvidenceView],
    as_of: dt.date | None = None,
    known_at: dt.date | None = None,
    reviewed_only: bool = False,
    today: dt.date | None = None,
) -> list[ProvisionStatus]:
    """Status of every provision of ``agreement`` at as-of V with knowledge up to K."""
    today = today or dt.date.today()
    as_of = as_of or today
    by_provision: dict[str, list[EvidenceView]] = {}
    for e in evidence:  # one pass, not one per provision: an agreement may have 10,000s of evidence
        by_provision.setdefault(e.provision_id, []).append(e)
    return [provision_status(agreement, p, by_provision.get(p.id, []), as_of, known_at, reviewed_only) for p in agreement.provisions]


def agreement_status_from_digests(
    agreement: Agreement,
    digests: dict[str, EvidenceDigest],
    as_of: dt.date,
) -> list[ProvisionStatus]:
    """Status of every provision from its digested evidence (``Store.status_evidence``);
    the same answer as :func:`agreement_status` over every evidence row, except
    that each provision's ``evidence`` may hold only the most recent rows."""
    return [
        status_from_digest(agreement, p, digests.get(p.id) or EvidenceDigest(p.id), as_of)
        for p in agreement.provisions
    ]


def summary_counts(statuses: Iterable[ProvisionStatus]) -> dict[str, int]:
    out: dict[str, int] = {}
    for s in statuses:
        out[s.status.value] = out.get(s.status.value, 0) + 1
    return out
