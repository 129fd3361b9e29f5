"""The JSON API (mounted at ``/api/v1``): the same shared functions as the CLI.

Reading needs the viewer role (or nothing with ``--public-read``); reviewing
evidence and ingesting reports need the analyst role. Every error is
``{"error": {"status": ..., "message": "what to fix"}}``.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path
from typing import Annotated, Any, Iterator, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path as PathParam, Query, Request, Response, UploadFile
from pydantic import BaseModel, BeforeValidator, Field

from .. import services
from ..cache import VersionedCache
from ..errors import StoreError
from ..model import EventType
from ..status import summary_counts
from .auth import User, require_api

MAX_LIMIT = 1000
MAX_FILES = 100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _strict_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` (no timestamps, no times): what the CLI accepts too."""
    if value is None or isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _ISO_DATE.fullmatch(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError(f"{str(value)[:40]!r} is not a date; write it as YYYY-MM-DD (e.g. 2020-11-16)")


IsoDate = Annotated[dt.date, BeforeValidator(_strict_date)]


# ----------------------------------------------------------------- response models


class ErrorDetail(BaseModel):
    status: int = Field(description="The HTTP status code.")
    message: str = Field(description="What was wrong and what to do.")
    current: dict[str, Any] | None = Field(None, description="On 409: the object as it now stands.")


class ErrorBody(BaseModel):
    error: ErrorDetail


class PartyOut(BaseModel):
    name: str
    role: str


class AgreementSummary(BaseModel):
    id: str = Field(examples=["nk-2020-11-10"])
    title: str
    signed: dt.date
    effective: str | None = Field(None, description="Date-time the agreement took effect, if stated (ISO 8601).")
    parties: list[PartyOut]
    provisions: int = Field(description="Number of provisions.")
    counts: dict[str, int] = Field(description="Provisions per status today (all evidence except rejected).")


class DeadlineMoveOut(BaseModel):
    old_date: dt.date | None
    new_date: dt.date
    known_on: dt.date
    report: int | None
    evidence: int | None
    sentence: str
    review: str
    requested_by: str | None = None
    granted_by: str | None = None
    via: str | None = None
    reason: str | None = None
    sources: int = 1


class EvidenceCitation(BaseModel):
    id: int | None
    report: int | None
    report_title: str | None = None
    date: dt.date | None
    event_date: dt.date | None = None
    type: str
    modality: str
    sentence: str
    trigger: str | None = None
    relation: str
    review: str
    unreviewed: bool
    copies: int = 1
    story: int | None = None


class ProvisionStatusOut(BaseModel):
    id: str = Field(examples=["nk-2020-11-10/6-kalbajar"])
    article: str
    kind: str
    text: str
    places: list[str]
    obligor: str | None = None
    beneficiary: str | None = None
    original_due: dt.date | None = None
    current_due: dt.date | None = None
    status: str = Field(description="pending, due, overdue, fulfilled, partly_fulfilled, disputed, in_force, breached, not_started or expired")
    on_time: bool | None = None
    fulfilled_on: dt.date | None = None
    unreviewed: bool = Field(description="The status rests on machine-proposed (unreviewed) evidence.")
    term_start: dt.date | None = None
    term_end: dt.date | None = None
    breaches_per_month: dict[str, int] = {}
    sources: int = 0
    deadline_history: list[DeadlineMoveOut] = []
    evidence_total: int = Field(0, description="Pieces of evidence shown with this status; `evidence` holds the most recent 20.")
    evidence: list[EvidenceCitation] = []


class StatusResponse(BaseModel):
    agreement: str
    title: str
    as_of: dt.date = Field(description="V: the world on this date.")
    known_at: dt.date | None = Field(description="K: only reports published by this date (null: everything known).")
    reviewed_only: bool
    provisions: list[ProvisionStatusOut] = Field(description="The same objects as `accordwatch status --format json`.")


class TimelineRow(BaseModel):
    date: dt.date
    kind: str = Field(description="'deadline', 'deadline moved', or '<event type> <modality>'")
    provision: str
    what: str
    report: int | None = None
    review: str | None = None
    sentence: str | None = None


class EventOut(BaseModel):
    id: int
    report_id: int
    published: dt.date | None = None
    type: str
    modality: str
    date: dt.date | None = None
    places: list[str] = []
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
    sentence: str
    start: int
    end: int
    confidence: float
    extractor_version: str | None = None


class Page(BaseModel):
    limit: int
    offset: int
    total: int | None = Field(None, description="Number of matching items, when cheap to count.")
    next_offset: int | None = Field(None, description="Offset of the next page; null on the last page.")


class EventPage(Page):
    items: list[EventOut]


class ReportSummary(BaseModel):
    id: int
    published: dt.date
    title: str | None = None
    source: str | None = None
    url: str | None = None
    path: str | None = None
    content_hash: str
    copies: int = Field(description="Sightings of this text (1 = seen once).")
    events: int


class ReportPage(Page):
    items: list[ReportSummary]


class ReportCopy(BaseModel):
    source: str | None = None
    url: str | None = None
    title: str | None = None
    path: str | None = None
    seen_at: str | None = None


class ReportDetail(BaseModel):
    id: int
    published: dt.date
    title: str | None = None
    source: str | None = None
    url: str | None = None
    path: str | None = None
    language: str
    content_hash: str
    text: str = Field(description="The report's text, verbatim (plain text: never interpreted as HTML).")
    ingested_at: str | None = None
    duplicate_of: int | None = None
    story_id: int | None = None
    copies: int
    copy_list: list[ReportCopy]
    events: list[EventOut]


class EvidenceOut(BaseModel):
    id: int
    event_id: int
    agreement_id: str
    provision_id: str
    relation: str
    state: str = Field(description="proposed, accepted or rejected")
    version: int = Field(description="Send it back as expected_version to detect concurrent decisions.")
    created_at: str | None = None
    sentence: str
    type: str
    modality: str
    date: dt.date | None = None
    confidence: float
    report_id: int
    published: dt.date
    title: str | None = None


class EvidencePage(Page):
    items: list[EvidenceOut]


class DecisionIn(BaseModel):
    note: str | None = Field(None, max_length=4000, description="Why (kept in the review log).")
    expected_version: int | None = Field(
        None, ge=1, le=2**31 - 1,
        description="The version you saw; if someone decided since, the answer is 409 with the current state.",
    )


class DecisionOut(EvidenceOut):
    log_id: int = Field(description="Id of the review-log entry of this decision.")


class QuarantineEntry(BaseModel):
    source: str
    reason: str
    detail: str | None = None


class IngestOut(BaseModel):
    seen: int
    new: int
    duplicates: int
    near_duplicates: int = Field(0, description="New reports that joined the story of an earlier, similar report.")
    quarantined: int
    events: int
    evidence: int
    quarantine_reasons: dict[str, int]
    quarantine: list[QuarantineEntry]
    report_ids: list[int]


class MeOut(BaseModel):
    name: str | None = Field(description="null for an anonymous reader (public-read mode).")
    role: str | None
    via: str | None = Field(description="'session' (cookie) or 'token' (Authorization: Bearer).")
    csrf_token: str | None = Field(description="Send as X-CSRF-Token on cookie-authenticated POSTs.")


# ----------------------------------------------------------------- router


def _err(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


COMMON_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _err("Bad request: the message says what to fix."),
    401: _err("Not logged in, or the API token is unknown or revoked."),
    403: _err("Logged in without the needed role, or a cookie-authenticated POST without its CSRF token."),
    404: _err("No such agreement, report or evidence."),
    422: _err("A parameter or the body is malformed (e.g. a date not written YYYY-MM-DD)."),
}

router = APIRouter(responses=COMMON_ERRORS)

Viewer = Annotated[User | None, Depends(require_api("viewer"))]
Analyst = Annotated[User, Depends(require_api("analyst"))]
AgreementId = Annotated[str, PathParam(min_length=1, max_length=200, description="Agreement id, e.g. nk-2020-11-10", examples=["nk-2020-11-10"])]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"At most this many items (1-{MAX_LIMIT}).")]
Offset = Annotated[int, Query(ge=0, le=10**9, description="Skip this many items.")]
DbId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


def _store(request: Request):  # noqa: ANN202
    return request.app.state.store


def _extra(request: Request) -> list[Path]:
    return list(request.app.state.settings.agreements_dirs)


def _agreement(request: Request, agreement_id: str):  # noqa: ANN202
    """The agreement, or 404 naming the known ids."""
    ags = services.agreements(_extra(request))
    if agreement_id not in ags:
        raise HTTPException(404, f"unknown agreement {agreement_id!r}; known: {', '.join(sorted(ags))}")
    return ags[agreement_id]


def _next(rows: list, limit: int, offset: int) -> tuple[list, int | None]:
    if len(rows) > limit:
        return rows[:limit], offset + limit
    return rows, None


def _not_found(exc: StoreError) -> HTTPException | None:
    msg = str(exc)
    return HTTPException(404, msg) if msg.startswith("no ") else None


@router.get("/me", response_model=MeOut, summary="Who am I (and the CSRF token of my session)")
def me(user: Viewer) -> dict[str, Any]:
    if user is None:
        return {"name": None, "role": None, "via": None, "csrf_token": None}
    return {"name": user.name, "role": user.role, "via": user.via, "csrf_token": user.csrf}


@router.get("/agreements", response_model=list[AgreementSummary], summary="List agreements with provision counts by status today")
def list_agreements(request: Request, user: Viewer) -> list[dict[str, Any]]:
    store = _store(request)
    extra = _extra(request)
    out = []
    for a in sorted(services.agreements(extra).values(), key=lambda a: (a.signed, a.id)):
        _, sts = services.status(store, a.id, extra=extra)
        out.append({
            "id": a.id,
            "title": a.title,
            "signed": a.signed,
            "effective": a.effective.isoformat() if a.effective else None,
            "parties": [{"name": p.id, "role": p.role.value} for p in a.parties],
            "provisions": len(a.provisions),
            "counts": summary_counts(sts),
        })
    return out


# Status answers as JSON bytes, reused while the database's data version is unchanged.
STATUS_JSON_CACHE = VersionedCache(maxsize=512)


@router.get("/agreements/{agreement_id}/status", response_model=StatusResponse,
            summary="Status of every provision at as_of (V), given reports known at known_at (K)")
def agreement_status(
    request: Request,
    user: Viewer,
    agreement_id: AgreementId,
    as_of: Annotated[IsoDate | None, Query(description="V, YYYY-MM-DD (default: today).")] = None,
    known_at: Annotated[IsoDate | None, Query(description="K, YYYY-MM-DD: only reports published by then (default: all).")] = None,
    reviewed_only: Annotated[bool, Query(description="Count accepted evidence only.")] = False,
) -> Response:
    ag = _agreement(request, agreement_id)
    v = as_of or dt.date.today()
    store = _store(request)

    def body() -> bytes:
        _, sts = services.status(store, ag.id, as_of=v, known_at=known_at, reviewed_only=reviewed_only, extra=_extra(request))
        return StatusResponse.model_validate({
            "agreement": ag.id,
            "title": ag.title,
            "as_of": v,
            "known_at": known_at,
            "reviewed_only": reviewed_only,
            "provisions": [s.to_dict() for s in sts],
        }).model_dump_json().encode()

    # Validated and serialised once per question and data version (see accordwatch.cache).
    key = ("status.json", store.url, ag.id, id(ag), v, known_at, reviewed_only)
    return Response(STATUS_JSON_CACHE.get_or_compute(store.data_version(), key, body), media_type="application/json")


@router.get("/agreements/{agreement_id}/timeline", response_model=list[TimelineRow],
            summary="Deadlines, deadline moves and linked events of an agreement, in date order")
def agreement_timeline(
    request: Request,
    user: Viewer,
    agreement_id: AgreementId,
    known_at: Annotated[IsoDate | None, Query(description="Only reports published by this date (YYYY-MM-DD).")] = None,
    reviewed_only: Annotated[bool, Query(description="Count accepted evidence only.")] = False,
) -> list[dict[str, Any]]:
    ag = _agreement(request, agreement_id)
    return services.timeline(_store(request), ag.id, known_at=known_at, reviewed_only=reviewed_only, extra=_extra(request))


@router.get("/events", response_model=EventPage, summary="Stored events, filtered and paginated")
def list_events(
    request: Request,
    user: Viewer,
    agreement: Annotated[str | None, Query(max_length=200, description="Only events linked to this agreement.")] = None,
    type_: Annotated[EventType | None, Query(alias="type", description="Only this event type.")] = None,
    date_from: Annotated[IsoDate | None, Query(description="Events dated on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[IsoDate | None, Query(description="Events dated on or before (YYYY-MM-DD).")] = None,
    place: Annotated[str | None, Query(max_length=200, description="Events at this place (exact name, any case).")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    if agreement is not None:
        _agreement(request, agreement)
    if date_from and date_to and date_from > date_to:
        raise HTTPException(400, f"date_from {date_from} is after date_to {date_to}; swap them")
    rows = _store(request).list_events(
        agreement_id=agreement, type=type_.value if type_ else None, date_from=date_from, date_to=date_to,
        place=place, limit=limit + 1, offset=offset,
    )
    items, nxt = _next(rows, limit, offset)
    return {"items": items, "limit": limit, "offset": offset, "total": None, "next_offset": nxt}


@router.get("/reports", response_model=ReportPage, summary="Stored reports, paginated (by id)")
def list_reports(request: Request, user: Viewer, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    store = _store(request)
    rows = store.list_reports(limit=limit + 1, offset=offset)
    items, nxt = _next(rows, limit, offset)
    return {"items": items, "limit": limit, "offset": offset, "total": store.count_reports(), "next_offset": nxt}


@router.get("/reports/{report_id}", response_model=ReportDetail, summary="One report: text, events and copies")
def get_report(request: Request, user: Viewer, report_id: DbId) -> dict[str, Any]:
    store = _store(request)
    try:
        rep = store.get_report(report_id)
    except StoreError as exc:
        raise (_not_found(exc) or exc) from None
    events = []
    for eid, ev in store.events_for_report(report_id):
        d = ev.to_dict()
        d.update(id=eid, report_id=report_id, published=rep["published"])
        events.append(d)
    rep["events"] = events
    return rep


EvidenceState = Literal["proposed", "accepted", "rejected"]


@router.get("/evidence", response_model=EvidencePage, summary="Evidence (event linked to a provision) with its review state")
def list_evidence(
    request: Request,
    user: Viewer,
    state: Annotated[EvidenceState | None, Query(description="Only evidence in this review state.")] = None,
    agreement: Annotated[str | None, Query(max_length=200, description="Only evidence for this agreement.")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    if agreement is not None:
        _agreement(request, agreement)
    rows = _store(request).list_evidence(state=state, agreement_id=agreement, limit=limit + 1, offset=offset)
    items, nxt = _next(rows, limit, offset)
    return {"items": items, "limit": limit, "offset": offset, "total": None, "next_offset": nxt}


_DECISION_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: _err("Someone decided since you looked (expected_version is stale): error.current holds the evidence as it now stands; "
              "the attempt is kept in the review log with outcome 'conflict'."),
}


def _decide(request: Request, user: User, evidence_id: int, decision: str, body: DecisionIn | None) -> dict[str, Any]:
    body = body or DecisionIn()
    try:
        return _store(request).decide(evidence_id, decision, user.name, body.note, expected_version=body.expected_version)
    except StoreError as exc:
        nf = _not_found(exc)
        if nf:
            raise nf from None
        raise


@router.post("/evidence/{evidence_id}/accept", response_model=DecisionOut, responses=_DECISION_RESPONSES,
             summary="Accept evidence (analyst); appended to the review log")
def accept_evidence(request: Request, user: Analyst, evidence_id: DbId, body: DecisionIn | None = None) -> dict[str, Any]:
    return _decide(request, user, evidence_id, "accepted", body)


@router.post("/evidence/{evidence_id}/reject", response_model=DecisionOut, responses=_DECISION_RESPONSES,
             summary="Reject evidence (analyst): it never counts again; appended to the review log")
def reject_evidence(request: Request, user: Analyst, evidence_id: DbId, body: DecisionIn | None = None) -> dict[str, Any]:
    return _decide(request, user, evidence_id, "rejected", body)


# ----------------------------------------------------------------- ingest

_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_name(filename: str | None) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE_NAME.sub("_", base).strip("._") or "upload"
    return base[:120]


def items_from_upload(filename: str | None, raw: bytes, default_date: dt.date | None) -> Iterator[Any]:
    """The ingest items of one uploaded file, as `accordwatch ingest` would read
    the same file from disk (seed-format text, plain text with ``default_date``,
    JSON Lines, and whatever else :func:`accordwatch.ingest.iter_file` knows,
    such as HTML). Origins read ``upload:<name>`` (``upload:<name>:<line>``)."""
    from .. import ingest

    name = _safe_name(filename)
    origin = f"upload:{name}"
    if len(raw) > ingest.MAX_BYTES:
        yield ingest.Item(origin, error="too-large", detail=f"{origin}: {len(raw):,} bytes is larger than {ingest.MAX_BYTES:,}; split it into one report per file or JSON line")
        return
    try:
        from ..sources import content_items
    except ImportError:  # older ingest: read it back from a temporary file
        content_items = None
    if content_items is not None:
        yield from content_items(origin, raw, name, default_date, ingest.MAX_BYTES)
        return
    with tempfile.TemporaryDirectory(prefix="accordwatch-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(raw)
        prefix = str(path)
        for item in ingest.iter_file(path, default_date):
            if item.origin.startswith(prefix):
                item.origin = origin + item.origin[len(prefix):]
            if isinstance(item.detail, str):
                item.detail = item.detail.replace(prefix, origin)
            yield item


@router.post("/ingest", response_model=IngestOut, summary="Upload reports (analyst): extract events, link them, store everything",
             description="Multipart form: one or more `files` (seed-format .txt with a first line `date YYYY-MM-DD`, plain text "
                         "with the form field `date`, .jsonl, .html) and an optional `date` (YYYY-MM-DD) for texts without one. "
                         "Unreadable or undated inputs are quarantined (listed in the answer); the batch goes on.")
async def ingest_upload(
    request: Request,
    user: Analyst,
    files: Annotated[list[UploadFile], File(min_length=1, max_length=MAX_FILES, description="Report files (at most 100).")],
    date: Annotated[IsoDate, Form(description="Date (YYYY-MM-DD) for plain-text reports without a 'date' header.")] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    from starlette.concurrency import run_in_threadpool

    from ..ingest import MAX_BYTES

    if not files:
        raise HTTPException(400, "no files; send one or more files in the multipart field 'files'")
    if date is None and "date" in (form := await request.form()) and not str(form.get("date") or "").strip():
        raise HTTPException(422, "body field date: '' is not a date; write it as YYYY-MM-DD (e.g. 2020-11-16) or leave the field out")
    if len(files) > MAX_FILES:
        raise HTTPException(400, f"{len(files)} files in one request; send at most {MAX_FILES} at a time")
    uploads: list[tuple[str | None, bytes]] = []
    for f in files:
        raw = await f.read(MAX_BYTES + 1)
        uploads.append((f.filename, raw))
    store = _store(request)
    extra = _extra(request)
    return await run_in_threadpool(_ingest_uploads, store, extra, uploads, date)


def _ingest_uploads(store, extra: list[Path], uploads: list[tuple[str | None, bytes]], default_date: dt.date | None) -> dict[str, Any]:  # noqa: ANN001
    from ..ingest import IngestSummary, process_item

    ags = list(services.agreements(extra).values())
    summary = IngestSummary()
    for filename, raw in uploads:
        for item in items_from_upload(filename, raw, default_date):
            process_item(store, item, ags, summary)
    return summary.to_dict()
