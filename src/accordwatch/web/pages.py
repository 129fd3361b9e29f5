"""Server-rendered pages: agreements, dashboard, reports, review, ingest, quarantine.

Every page is one Jinja2 template (``web/templates/``, autoescaped) fed by the
same service functions as the CLI and the API. Pages work without JavaScript;
``static/app.js`` only adds conveniences ("select all", map clicks). No inline
script or style: the Content-Security-Policy forbids them.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Sequence

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from .. import services
from ..cache import VersionedCache
from ..errors import AccordWatchError, ConflictError, StoreError
from ..model import Event, EvidenceView, Status
from ..status import summary_counts
from . import svg
from .auth import User, csrf_token, current_user, require_page

router = APIRouter(default_response_class=HTMLResponse)

# Order in which statuses are counted and explained on the pages.
STATUS_ORDER = [s.value for s in (
    Status.OVERDUE, Status.DUE, Status.PENDING, Status.DISPUTED, Status.BREACHED, Status.PARTLY_FULFILLED,
    Status.FULFILLED, Status.IN_FORCE, Status.NOT_STARTED, Status.EXPIRED,
)]
UPLOAD_LIMIT = 20 * 1024 * 1024  # bytes per uploaded file (ingest.MAX_BYTES)


# ----------------------------------------------------------------- templates


def static_dir() -> Path:
    """Folder of the pages' CSS and JS (mount it at ``/static``)."""
    return Path(str(resources.files("accordwatch").joinpath("web/static")))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("accordwatch.web", "templates"),
        autoescape=select_autoescape(["html", "svg", "xml"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["anchor"] = svg.anchor_id
    env.filters["status_label"] = svg.status_label
    env.filters["iso"] = lambda d: d.isoformat() if hasattr(d, "isoformat") else (d or "")
    env.filters["highlight"] = highlight_sentence
    env.globals["STATUS_LABELS"] = svg.STATUS_LABELS
    env.globals["STATUS_ORDER"] = STATUS_ORDER
    return env


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with the user, the CSRF token and the navigation."""
    user = current_user(request)
    ctx.setdefault("title", "AccordWatch")
    ctx.update(
        request=request,
        user=user,
        is_analyst=bool(user and user.can("analyst")),
        csrf=csrf_token(request) or "",
        path=request.url.path,
    )
    html = environment().get_template(name).render(**ctx)
    return HTMLResponse(html, status_code=status_code)


def error_page(request: Request, status_code: int, message: str, title: str | None = None) -> HTMLResponse:
    """The friendly error page (used by the app's exception handlers too)."""
    default = {400: "Bad request", 403: "Not allowed", 404: "Not found", 409: "Conflict"}.get(status_code, "Error")
    return render(request, "error.html", status_code=status_code, title=title or default, message=message, code=status_code)


# ----------------------------------------------------------------- highlighting


def _spans_ok(text: str, start: int, end: int) -> bool:
    return 0 <= start < end <= len(text)


def trigger_span(ev: Event) -> tuple[int, int] | None:
    """The trigger's offsets inside ``ev.sentence``.

    Stored offsets are relative to the report text; the sentence starts at
    ``ev.start``. Falls back to offsets already relative to the sentence, then
    to the first occurrence of the trigger word.
    """
    text = ev.sentence or ""
    ts, te = ev.trigger_start, ev.trigger_end
    if ts is not None and te is not None:
        for base in (ev.start or 0, 0):
            a, b = ts - base, te - base
            if _spans_ok(text, a, b) and (not ev.trigger or text[a:b].lower() == ev.trigger.lower()):
                return a, b
    if ev.trigger:
        i = text.lower().find(ev.trigger.lower())
        if i >= 0:
            return i, i + len(ev.trigger)
    return None


def mark_spans(text: str, spans: Iterable[tuple[int, int, dict[str, str]]]) -> Markup:
    """``text`` escaped, with each non-overlapping span wrapped in ``<mark>``.

    ``spans`` are ``(start, end, attrs)``; attrs become escaped attributes of
    the mark (``class``, ``title``, ``id``; ``href`` wraps the mark in a link).
    The text is split at the offsets and every piece escaped: no raw HTML
    from the data ever reaches the page.
    """
    out: list[str] = []
    pos = 0
    for start, end, attrs in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos or not _spans_ok(text, start, end):
            continue  # overlapping or out of range: left unmarked
        out.append(str(escape(text[pos:start])))
        href = attrs.get("href")
        attr = "".join(f' {k}="{escape(v)}"' for k, v in attrs.items() if k != "href" and v is not None)
        mark = f"<mark{attr}>{escape(text[start:end])}</mark>"
        out.append(f'<a class="mark-link" href="{escape(href)}">{mark}</a>' if href else mark)
        pos = end
    out.append(str(escape(text[pos:])))
    return Markup("".join(out))


def highlight_sentence(ev: Event) -> Markup:
    """The event's sentence with its trigger in ``<mark>``."""
    span = trigger_span(ev)
    spans = [(span[0], span[1], {"class": f"trigger ev-{ev.type.value}", "title": f"{ev.type.value}, {ev.modality.value}"})] if span else []
    return mark_spans(ev.sentence or "", spans)


def highlight_report(text: str, events: Sequence[tuple[int, Event]]) -> Markup:
    """The report text with every event's trigger marked (events sharing a trigger share the mark)."""
    groups: dict[tuple[int, int], list[tuple[int, Event]]] = {}
    for eid, ev in events:
        span = None
        if ev.trigger_start is not None and ev.trigger_end is not None and _spans_ok(text, ev.trigger_start, ev.trigger_end):
            span = (ev.trigger_start, ev.trigger_end)
        elif _spans_ok(text, ev.start, ev.end):
            local = trigger_span(ev)
            span = (ev.start + local[0], ev.start + local[1]) if local else (ev.start, ev.end)
        if span:
            groups.setdefault(span, []).append((eid, ev))
    spans = []
    for (a, b), evs in groups.items():
        title = "; ".join(f"{e.type.value}, {e.modality.value}" + (f", {e.date.isoformat()}" if e.date else "") for _, e in evs)
        classes = " ".join(sorted({f"ev-{e.type.value}" for _, e in evs} | {f"mod-{e.modality.value}" for _, e in evs}))
        spans.append((a, b, {"class": f"event {classes}", "title": title, "id": f"mark-{evs[0][0]}", "href": f"#ev-{evs[0][0]}"}))
    return mark_spans(text, spans)


# ----------------------------------------------------------------- helpers


def _store(request: Request):  # noqa: ANN202
    return request.app.state.store


def _extra(request: Request) -> list[Path]:
    settings = getattr(request.app.state, "settings", None)
    return list(getattr(settings, "agreements_dirs", None) or [])


def _date_param(value: str | None, what: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise PageError(400, f"{what}: {value!r} is not a date; write it as YYYY-MM-DD (for example 2020-11-16)") from None


class PageError(Exception):
    """An error shown to the user as a page with the given status code."""

    def __init__(self, status_code: int, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.message = message


def _counts_in_order(counts: dict[str, int]) -> list[tuple[str, int]]:
    known = [(s, counts[s]) for s in STATUS_ORDER if counts.get(s)]
    return known + [(s, n) for s, n in counts.items() if s not in STATUS_ORDER and n]


def _page_user(role: str):  # noqa: ANN202
    """``require_page(role)``, closing an uploaded form's temporary files when it refuses."""
    inner = require_page(role)

    async def dependency(request: Request) -> User | None:
        try:
            return await inner(request)
        except Exception:
            ctype = request.headers.get("content-type", "")
            if request.method == "POST" and ctype.startswith("multipart/form-data"):
                form = await request.form()  # cached: the one the CSRF check read
                await form.close()
            raise

    dependency.__name__ = f"page_user_{role}"
    return dependency


Viewer = Depends(_page_user("viewer"))
Analyst = Depends(_page_user("analyst"))


def _guarded(request: Request, build) -> HTMLResponse:  # noqa: ANN001
    """Run ``build()``; PageError and known errors become friendly error pages."""
    try:
        return build()
    except PageError as exc:
        return error_page(request, exc.status_code, exc.message)
    except StoreError as exc:
        msg = str(exc)
        return error_page(request, 404 if msg.startswith("no ") else 500, msg)
    except AccordWatchError as exc:
        msg = str(exc)
        return error_page(request, 404 if "unknown agreement" in msg or "no agreement" in msg else 400, msg)


def _agreement(request: Request, agreement_id: str):  # noqa: ANN202
    ags = services.agreements(_extra(request))
    if agreement_id not in ags:
        raise PageError(404, f"There is no agreement {agreement_id!r}. Known agreements: {', '.join(sorted(ags))}.")
    return ags[agreement_id]


# ----------------------------------------------------------------- pages: reading


@router.get("/", summary="Agreements")
def agreements_page(request: Request, user: User | None = Viewer) -> HTMLResponse:
    def build() -> HTMLResponse:
        store, extra = _store(request), _extra(request)
        today = dt.date.today()
        rows = []
        for a in sorted(services.agreements(extra).values(), key=lambda a: (a.signed, a.id), reverse=True):
            _, sts = services.status(store, a.id, as_of=today, extra=extra)
            rows.append({"agreement": a, "counts": _counts_in_order(summary_counts(sts)), "n": len(sts)})
        return render(request, "agreements.html", title="Agreements", rows=rows, today=today)

    return _guarded(request, build)


# Rendered dashboard contents (without the user's header), reused while the
# database's data version is unchanged (see accordwatch.cache).
DASHBOARD_CACHE = VersionedCache(maxsize=128)


@router.get("/agreements/{agreement_id}", summary="Implementation dashboard of one agreement")
def dashboard_page(
    request: Request,
    agreement_id: str,
    as_of: str | None = None,
    known_at: str | None = None,
    reviewed_only: str | None = None,
    user: User | None = Viewer,
) -> HTMLResponse:
    def build() -> HTMLResponse:
        agreement = _agreement(request, agreement_id)
        v = _date_param(as_of, "as of") or dt.date.today()
        k = _date_param(known_at, "known at")
        only = bool(reviewed_only) and reviewed_only not in ("0", "false", "no")
        store = _store(request)
        today = dt.date.today()

        def body() -> Markup:
            _, sts = services.status(store, agreement.id, as_of=v, known_at=k, reviewed_only=only, extra=_extra(request))
            map_markup = svg.map_svg(sts, agreement.theatre)
            return Markup(environment().get_template("dashboard_body.html").render(
                agreement=agreement,
                statuses=sts,
                counts=_counts_in_order(summary_counts(sts)),
                as_of=v,
                known_at=k,
                reviewed_only=only,
                timeline=Markup(svg.timeline_svg(sts, v, k)),  # svg.py escapes every text itself
                map=Markup(map_markup) if map_markup else None,
                map_attribution=svg.map_attribution(),
                today=today,
            ))

        # The content is the same for every user: rendered once per question and data version.
        key = ("dashboard", store.url, agreement.id, id(agreement), v, k, only, today)
        content = DASHBOARD_CACHE.get_or_compute(store.data_version(), key, body)
        return render(request, "dashboard.html", title=agreement.title, body=content)

    return _guarded(request, build)


def _evidence_by_event(store, report_id: int) -> dict[int, list[dict[str, Any]]]:  # noqa: ANN001
    out: dict[int, list[dict[str, Any]]] = {}
    for e in store.list_evidence(report_id=report_id):
        out.setdefault(e["event_id"], []).append(e)
    return out


@router.get("/reports/{report_id}", summary="One report with its events highlighted")
def report_page(request: Request, report_id: int, user: User | None = Viewer) -> HTMLResponse:
    def build() -> HTMLResponse:
        store = _store(request)
        report = store.get_report(report_id)
        events = store.events_for_report(report_id)
        links = _evidence_by_event(store, report_id)
        return render(
            request,
            "report.html",
            title=report.get("title") or f"Report {report_id}",
            report=report,
            text=highlight_report(report["text"], events),
            events=events,
            links=links,
        )

    return _guarded(request, build)


@router.get("/reports", summary="Stored reports")
def reports_page(request: Request, offset: int = 0, user: User | None = Viewer) -> HTMLResponse:
    def build() -> HTMLResponse:
        limit = 100
        start = max(0, offset)
        rows = _store(request).list_reports(limit=limit + 1, offset=start)
        more = len(rows) > limit
        return render(request, "reports.html", title="Reports", reports=rows[:limit], offset=start,
                      next_offset=start + limit if more else None, prev_offset=max(0, start - limit) if start else None)

    return _guarded(request, build)


@router.get("/quarantine", summary="Inputs that could not be stored, with the reason")
def quarantine_page(request: Request, user: User = Analyst) -> HTMLResponse:
    return _guarded(request, lambda: render(request, "quarantine.html", title="Quarantine", items=_store(request).quarantine_list()))


# ----------------------------------------------------------------- review


REVIEW_STATES = ("proposed", "accepted", "rejected")
REVIEW_LIMIT = 200


def _review_rows(store, state: str, agreement: str | None) -> list[dict[str, Any]]:  # noqa: ANN001
    return store.list_evidence(state=state, agreement_id=agreement or None, limit=REVIEW_LIMIT)


def _review_page(request: Request, state: str = "proposed", agreement: str | None = None, status_code: int = 200,
                 results: list[dict[str, Any]] | None = None, conflicts: list[dict[str, Any]] | None = None,
                 problems: list[str] | None = None, decided: int | None = None) -> HTMLResponse:
    if state not in REVIEW_STATES:
        raise PageError(400, f"state {state!r} is not a review state; use one of: {', '.join(REVIEW_STATES)}")
    store = _store(request)
    return render(
        request,
        "review.html",
        status_code=status_code,
        title="Review evidence",
        rows=_review_rows(store, state, agreement),
        state=state,
        states=REVIEW_STATES,
        agreement=agreement or "",
        agreements=sorted(services.agreements(_extra(request))),
        results=results or [],
        conflicts=conflicts or [],
        problems=problems or [],
        decided=decided,
        limit=REVIEW_LIMIT,
    )


@router.get("/review", summary="Review queue (analysts)")
def review_page(request: Request, state: str = "proposed", agreement: str | None = None, decided: int | None = None,
                user: User = Analyst) -> HTMLResponse:
    return _guarded(request, lambda: _review_page(request, state, agreement, decided=decided))


def _parse_choice(value: str) -> tuple[int, int | None]:
    """``"12:3"`` -> (evidence 12, version 3); ``"12"`` -> (12, None)."""
    ident, _, version = value.partition(":")
    return int(ident), (int(version) if version else None)


@router.post("/review", summary="Accept or reject evidence (analysts)")
async def review_decide(request: Request, user: User = Analyst) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    state = str(form.get("state") or "proposed")
    agreement = str(form.get("agreement") or "") or None
    problems: list[str] = []
    todo: list[tuple[int, int | None, str, str | None]] = []
    try:
        if form.get("single"):
            choice, _, decision = str(form.get("single")).rpartition(":")  # "id:version:decision"
            eid, ver = _parse_choice(choice)
            note = str(form.get(f"note-{eid}") or "").strip() or None
            todo.append((eid, ver, decision, note))
        elif form.get("bulk"):
            decision = str(form.get("bulk"))
            note = str(form.get("note") or "").strip() or None
            chosen = [str(v) for v in form.getlist("ids")]
            if not chosen:
                problems.append("No evidence was selected: tick the boxes of the rows to decide, then press the button again.")
            for value in chosen:
                eid, ver = _parse_choice(value)
                todo.append((eid, ver, decision, note))
        else:
            problems.append("Nothing to do: press Accept or Reject on a row, or select rows and use the buttons below the table.")
    except ValueError:
        return error_page(request, 400, "The form was not understood (bad evidence id or version); reload the review page and try again.")
    if any(d not in ("accepted", "rejected") for _, _, d, _ in todo):
        return error_page(request, 400, "A decision must be 'accepted' or 'rejected'.")

    def apply() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        store = _store(request)
        results, conflicts = [], []
        for eid, ver, decision, note in todo:
            try:
                results.append(store.decide(eid, decision, who=user.name, note=note, expected_version=ver))
            except ConflictError as exc:
                current = dict(exc.current)
                current["your_decision"] = decision
                current["your_version"] = ver
                conflicts.append(current)
            except StoreError as exc:
                problems.append(str(exc))
        return results, conflicts

    results, conflicts = await run_in_threadpool(apply)
    if not conflicts and not problems:
        target = f"/review?state={state}&decided={len(results)}" + (f"&agreement={agreement}" if agreement else "")
        return RedirectResponse(target, status_code=303)
    code = 409 if conflicts else 400 if not results else 200
    return await run_in_threadpool(
        lambda: _guarded(request, lambda: _review_page(request, state, agreement, status_code=code, results=results,
                                                         conflicts=conflicts, problems=problems))
    )


# ----------------------------------------------------------------- ingest


@router.get("/ingest", summary="Upload reports (analysts)")
def ingest_page(request: Request, user: User = Analyst) -> HTMLResponse:
    return render(request, "ingest.html", title="Add reports", outcome=None)


def _ingest(request: Request, uploads: list[tuple[str | None, bytes]], default_date: dt.date | None) -> dict[str, Any]:
    from ..ingest import IngestSummary, process_item
    from .api import items_from_upload

    store = _store(request)
    ags = list(services.agreements(_extra(request)).values())
    summary = IngestSummary()
    rows: list[dict[str, Any]] = []
    for filename, raw in uploads:
        for item in items_from_upload(filename, raw, default_date):
            near = getattr(summary, "near_duplicates", 0)
            before = (summary.new, summary.duplicates, summary.quarantined, len(summary.report_ids), summary.events, summary.evidence)
            process_item(store, item, ags, summary)
            new, dup, quar, nids, nev, nevid = before
            row: dict[str, Any] = {"origin": item.origin, "events": summary.events - nev, "evidence": summary.evidence - nevid}
            if summary.quarantined > quar:
                q = summary.quarantine[-1] if summary.quarantine and summary.quarantine[-1]["source"] == item.origin else {}
                row.update(outcome="quarantined", reason=q.get("reason") or "extraction-failed", detail=q.get("detail"))
            elif summary.new > new:
                row.update(outcome="new", near_duplicate=getattr(summary, "near_duplicates", 0) > near)
            else:
                row.update(outcome="duplicate")
            if len(summary.report_ids) > nids:
                row["report_id"] = summary.report_ids[-1]
                row["published"] = item.published
            rows.append(row)
    return {"summary": summary, "rows": rows}


@router.post("/ingest", summary="Upload reports (analysts)")
async def ingest_post(request: Request, user: User = Analyst) -> HTMLResponse:
    form = await request.form()
    try:
        return await _ingest_form(request, form)
    finally:
        await form.close()  # the uploads' temporary files


async def _ingest_form(request: Request, form: Any) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile

    try:
        default_date = _date_param(str(form.get("date") or ""), "date")
    except PageError as exc:
        return render(request, "ingest.html", status_code=400, title="Add reports", outcome=None, problem=exc.message)
    uploads: list[tuple[str | None, bytes]] = []
    for f in form.getlist("files"):
        if isinstance(f, UploadFile) and (f.filename or f.size):
            uploads.append((f.filename, await f.read(UPLOAD_LIMIT + 1)))
    text = str(form.get("text") or "")
    if text.strip():
        uploads.append(("pasted.txt", text.encode("utf-8")))
    if not uploads:
        return render(request, "ingest.html", status_code=400, title="Add reports", outcome=None,
                      problem="No file was chosen and no text pasted: choose one or more files (or paste a text) and press “Add reports”.")
    outcome = await run_in_threadpool(_ingest, request, uploads, default_date)
    return render(request, "ingest.html", title="Reports added", outcome=outcome)
