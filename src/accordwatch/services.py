"""The functions that CLI, API and web pages share: each is one call over the
store, the agreements and the domain core. The layers above only parse input
and render output.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .agreements import get_agreement, load_all
from .cache import VersionedCache
from .model import Agreement
from .status import ProvisionStatus, agreement_status_from_digests


# Status answers of this process, reused while the database's data version is
# unchanged (see accordwatch.cache): the web server asks the same questions often.
STATUS_CACHE = VersionedCache(maxsize=512)


def agreements(extra: list[Path] | None = None) -> dict[str, Agreement]:
    return load_all(extra)


def status(
    store,
    agreement_id: str,
    as_of: dt.date | None = None,
    known_at: dt.date | None = None,
    reviewed_only: bool = False,
    extra: list[Path] | None = None,
) -> tuple[Agreement, list[ProvisionStatus]]:
    """Status of every provision at as-of V given what was known at K (see :mod:`accordwatch.status`).

    Each provision carries its most recent shown evidence (``Store.status_evidence``'s
    limit) and ``evidence_total``; the statuses equal ``agreement_status`` over
    ``Store.evidence_views``.
    """
    agreement = get_agreement(agreement_id, extra)
    as_of = as_of or dt.date.today()

    def compute() -> tuple[Agreement, list[ProvisionStatus]]:
        digests = store.status_evidence(agreement.id, as_of, known_at=known_at, reviewed_only=reviewed_only)
        return agreement, agreement_status_from_digests(agreement, digests, as_of)

    # The agreement object is part of the key (by identity; the cached value
    # holds it, so the identity cannot be reused): an agreement file edited and
    # reloaded is a new question.
    key = ("status", store.url, agreement.id, id(agreement), as_of, known_at, reviewed_only)
    return STATUS_CACHE.get_or_compute(_data_version(store), key, compute)


def _data_version(store) -> str | None:  # noqa: ANN001
    version = getattr(store, "data_version", None)
    return version() if version is not None else None


def timeline(store, agreement_id: str, known_at: dt.date | None = None, reviewed_only: bool = False, extra: list[Path] | None = None) -> list[dict[str, Any]]:
    """Deadline changes and events of an agreement, in date order."""
    agreement = get_agreement(agreement_id, extra)
    rows: list[dict[str, Any]] = []
    for p in agreement.provisions:
        due = agreement.resolved_due(p)
        if due:
            rows.append({"date": due.isoformat(), "kind": "deadline", "provision": p.id, "what": f"original due: {p.text}", "report": None, "review": None})
    from .status import counted

    for e in counted(store.evidence_views(agreement.id, known_at=known_at), known_at, reviewed_only):
        ev = e.event
        if ev.type.value == "deadline_change" and ev.new_date:
            rows.append({
                "date": e.report_published.isoformat(),
                "kind": "deadline moved",
                "provision": e.provision_id,
                "what": f"{ev.old_date or '?'} -> {ev.new_date}" + (f" (requested by {ev.requested_by}" + (f", via {ev.via}" if ev.via else "") + (f", granted by {ev.granted_by}" if ev.granted_by else "") + ")" if ev.requested_by else ""),
                "report": e.report_id,
                "review": e.review.value,
                "sentence": ev.sentence,
            })
            continue
        rows.append({
            "date": (ev.date or e.report_published).isoformat(),
            "kind": f"{ev.type.value} {ev.modality.value}",
            "provision": e.provision_id,
            "what": e.relation.value,
            "report": e.report_id,
            "review": e.review.value,
            "sentence": ev.sentence,
        })
    rows.sort(key=lambda r: (r["date"], r["provision"], r["kind"]))
    return rows
