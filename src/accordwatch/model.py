"""Domain model: typed values shared by every layer. No I/O here.

Strings and dicts appear only at the edges (store, CLI, API) through
``to_dict`` / ``from_dict``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    SIGN = "sign"
    CEASEFIRE = "ceasefire"
    VIOLATION = "violation"
    WITHDRAWAL = "withdrawal"
    HANDOVER = "handover"
    DEPLOYMENT = "deployment"
    EXCHANGE = "exchange"
    RETURN = "return"
    REOPENING = "reopening"
    DISARMAMENT = "disarmament"
    EVACUATION = "evacuation"
    DEADLINE_CHANGE = "deadline_change"


class Modality(StrEnum):
    OCCURRED = "occurred"
    PLANNED = "planned"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"
    REFUSED = "refused"
    ONGOING = "ongoing"
    # A party says the action did not happen ("Baku denied that its troops had entered Lachin").
    # Not one of the gold schema's modalities: ``extract_events`` leaves these out unless asked
    # (``denials=True``); ingest keeps them as evidence that denies, so a provision whose
    # fulfilment is denied by another source is ``disputed``.
    DENIED = "denied"


class Relation(StrEnum):
    FULFILS = "fulfils"
    PARTLY_FULFILS = "partly_fulfils"
    RESCHEDULES = "reschedules"
    BREACHES = "breaches"
    RESTATES = "restates"
    DENIES = "denies"


class ReviewState(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Status(StrEnum):
    PENDING = "pending"
    DUE = "due"
    OVERDUE = "overdue"
    FULFILLED = "fulfilled"
    PARTLY_FULFILLED = "partly_fulfilled"
    DISPUTED = "disputed"
    IN_FORCE = "in_force"
    BREACHED = "breached"
    NOT_STARTED = "not_started"
    EXPIRED = "expired"


class PartyRole(StrEnum):
    SIGNATORY = "signatory"
    MEDIATOR = "mediator"
    GUARANTOR = "guarantor"
    MONITOR = "monitor"


# Provision kinds that run over a period rather than fall due once.
CONTINUOUS_KINDS = frozenset({EventType.CEASEFIRE, EventType.DEPLOYMENT, EventType.REOPENING})

# Fields of an event dict, in the order of the gold schema (devset/README.md),
# followed by the provenance fields every extracted event carries.
GOLD_FIELDS = (
    "type",
    "modality",
    "date",
    "places",
    "agent",
    "recipient",
    "quantity",
    "subject",
    "old_date",
    "new_date",
    "requested_by",
    "granted_by",
    "via",
    "reason",
)
EVENT_FIELDS = GOLD_FIELDS + ("sentence", "start", "end", "confidence")


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def parse_date(value: Any, what: str = "date") -> dt.date | None:
    """Parse an ISO date (``YYYY-MM-DD``) or pass a date through; ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        from .errors import AccordWatchError

        raise AccordWatchError(f"{what}: {value!r} is not a date; write it as YYYY-MM-DD") from exc


@dataclass
class Event:
    """One event a report states, with where in the text it was stated."""

    type: EventType
    modality: Modality
    date: dt.date | None = None
    places: list[str] = field(default_factory=list)
    agent: str | None = None
    recipient: str | None = None
    quantity: str | None = None
    subject: str | None = None
    old_date: dt.date | None = None
    new_date: dt.date | None = None
    requested_by: str | None = None
    granted_by: str | None = None
    via: str | None = None
    reason: str | None = None
    sentence: str = ""
    start: int = 0
    end: int = 0
    confidence: float = 0.5
    # provenance, not part of the gold schema
    trigger: str | None = None
    trigger_start: int | None = None
    trigger_end: int | None = None
    rule: str | None = None
    date_precision: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The gold-schema fields plus sentence, offsets and confidence."""
        return {
            "type": str(self.type),
            "modality": str(self.modality),
            "date": _iso(self.date),
            "places": list(self.places),
            "agent": self.agent,
            "recipient": self.recipient,
            "quantity": self.quantity,
            "subject": self.subject,
            "old_date": _iso(self.old_date),
            "new_date": _iso(self.new_date),
            "requested_by": self.requested_by,
            "granted_by": self.granted_by,
            "via": self.via,
            "reason": self.reason,
            "sentence": self.sentence,
            "start": self.start,
            "end": self.end,
            "confidence": round(float(self.confidence), 3),
        }

    def provenance(self) -> dict[str, Any]:
        return {
            "trigger": self.trigger,
            "trigger_start": self.trigger_start,
            "trigger_end": self.trigger_end,
            "rule": self.rule,
            "date_precision": self.date_precision,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Event":
        return cls(
            type=EventType(d["type"]),
            modality=Modality(d["modality"]),
            date=parse_date(d.get("date")),
            places=list(d.get("places") or []),
            agent=d.get("agent"),
            recipient=d.get("recipient"),
            quantity=d.get("quantity"),
            subject=d.get("subject"),
            old_date=parse_date(d.get("old_date")),
            new_date=parse_date(d.get("new_date")),
            requested_by=d.get("requested_by"),
            granted_by=d.get("granted_by"),
            via=d.get("via"),
            reason=d.get("reason"),
            sentence=d.get("sentence") or "",
            start=int(d.get("start") or 0),
            end=int(d.get("end") or 0),
            confidence=float(d.get("confidence") if d.get("confidence") is not None else 0.5),
            trigger=d.get("trigger"),
            trigger_start=d.get("trigger_start"),
            trigger_end=d.get("trigger_end"),
            rule=d.get("rule"),
            date_precision=d.get("date_precision"),
        )


@dataclass(frozen=True)
class Party:
    id: str  # canonical name, e.g. "Armenia"
    role: PartyRole
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class DueRule:
    """A due date stated relative to another date: ``within 60 days of effect``."""

    days: int
    of: str = "effect"  # "effect" | "signing" | a provision id

    def __str__(self) -> str:
        return f"within {self.days} days of {self.of}"


@dataclass(frozen=True)
class Term:
    """How long a continuous provision runs."""

    start: dt.date | None = None
    end: dt.date | None = None
    duration: str | None = None  # ISO 8601 duration, e.g. P5Y
    renewal: str | None = None  # free text, e.g. "automatic 5-year renewal unless notice 6 months before"


@dataclass(frozen=True)
class Provision:
    id: str  # "<agreement>/<local id>"
    article: str
    kind: EventType
    text: str
    obligor: tuple[str, ...] = ()
    beneficiary: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    quantity: str | None = None
    due: dt.date | None = None
    due_rule: DueRule | None = None
    term: Term | None = None
    depends_on: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    @property
    def continuous(self) -> bool:
        return self.term is not None

    @property
    def local_id(self) -> str:
        return self.id.split("/", 1)[-1]


@dataclass(frozen=True)
class Agreement:
    id: str
    title: str
    signed: dt.date
    effective: dt.datetime | None
    parties: tuple[Party, ...]
    provisions: tuple[Provision, ...]
    source: str = ""
    theatre: str | None = None  # e.g. "karabakh": which bundled map to draw
    aliases: tuple[str, ...] = ()
    path: str | None = None

    @property
    def effective_date(self) -> dt.date:
        return self.effective.date() if self.effective else self.signed

    def provision(self, pid: str) -> Provision:
        for p in self.provisions:
            if p.id == pid or p.local_id == pid:
                return p
        from .errors import AgreementError

        raise AgreementError(f"agreement {self.id} has no provision {pid!r}")

    def resolved_due(self, p: Provision) -> dt.date | None:
        """The original due date: absolute, or computed from its rule."""
        if p.due:
            return p.due
        if p.due_rule:
            base = self.signed if p.due_rule.of == "signing" else self.effective_date
            return base + dt.timedelta(days=p.due_rule.days)
        return None

    @property
    def party_names(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parties)


@dataclass(frozen=True)
class Report:
    text: str
    published: dt.date
    source: str | None = None
    url: str | None = None
    title: str | None = None
    language: str = "en"
    path: str | None = None


@dataclass
class EvidenceView:
    """Evidence as status computation sees it: a linked event and its review."""

    evidence_id: int | None
    provision_id: str
    relation: Relation
    review: ReviewState
    event: Event
    report_id: int | None
    report_published: dt.date
    report_title: str | None = None
    copies: int = 1
    story_id: int | None = None
    source: str | None = None


@dataclass
class EvidenceDigest:
    """What the status rules need of one provision's counted evidence at as-of V,
    without every row: ``Store.status_evidence`` builds it in SQL,
    ``status.digest`` from a list of :class:`EvidenceView` (the same answer).

    ``shown`` holds at most the ``limit`` most recent shown rows (oldest first);
    ``shown_total`` counts them all.
    """

    provision_id: str
    total: int = 0  # counted evidence (not rejected, known at K, accepted only if reviewed_only)
    shown_total: int = 0  # evidence shown with the status (restatements published after V are not, unless nothing else is)
    unreviewed: bool = False  # some shown evidence is machine-proposed
    sources: int = 0  # independent stories among the counted evidence
    denied: bool = False  # some ``denies`` evidence published by V
    reschedules: list[EvidenceView] = field(default_factory=list)  # every counted ``reschedules``, oldest first
    first_fulfils: EvidenceView | None = None  # earliest ``fulfils`` that happened by V
    first_partly: EvidenceView | None = None  # earliest ``partly_fulfils`` that happened by V
    breaches_per_day: dict[dt.date, int] = field(default_factory=dict)  # ``breaches`` that happened by V
    shown: list[EvidenceView] = field(default_factory=list)
