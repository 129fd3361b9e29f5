"""The AccordWatch database: every read and write of stored data goes through ``Store``.

    >>> with Store("sqlite:///aw.sqlite") as store:
    ...     store.upgrade()
    ...     report_id, is_new = store.add_report(report)

Dicts returned here are JSON-ready: dates and timestamps are ISO strings.
SQLite (default, one file) and PostgreSQL (``postgresql+psycopg://...``) are supported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
import time
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs
from sqlalchemy import Engine, and_, bindparam, case, create_engine, delete, event, exists, func, insert, inspect, or_, select, text, update
from sqlalchemy import union_all
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    IntegrityError,
    NoSuchModuleError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from .. import model
from ..errors import ConflictError, StoreError
from .tables import (
    QUARANTINE_RAW_LIMIT,
    ApiTokenRow,
    EventRow,
    EvidenceRow,
    MetaRow,
    QuarantineRow,
    ReportCopyRow,
    ReportRow,
    ReportSignatureRow,
    ReviewLogRow,
    UserRow,
    utcnow,
)

ENV_VAR = "ACCORDWATCH_DB"
ROLES = ("viewer", "analyst", "admin")  # each may do what the ones before it may
SUPPORTED_DIALECTS = ("sqlite", "postgresql")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_DRIVER_HINTS = {
    "psycopg": "install psycopg: pip install 'psycopg[binary]'",
    "psycopg2": "install psycopg2: pip install psycopg2-binary (or use postgresql+psycopg:// with psycopg 3)",
}
_RETRIES = 5
_TOKEN_TOUCH_SECONDS = 60  # user_for_token writes a token's last_used at most this often
# The meta row whose value changes in every transaction that changes data (see
# Store.data_version): answers computed from the data can be cached under it.
DATA_VERSION_KEY = "data_version"
STATUS_EVIDENCE_LIMIT = 20  # most recent evidence rows per provision a status carries


# ----------------------------------------------------------------- text & URLs


def normalise_text(text: str) -> str:
    """The form of a text that identifies it: NFC, ``\\n`` newlines, no trailing
    spaces, at most one blank line in a row, no leading/trailing blank space."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def content_hash(text: str) -> str:
    """SHA-256 (hex) of :func:`normalise_text` of ``text``."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def default_db_url() -> str:
    """``$ACCORDWATCH_DB`` if set, else a SQLite file in the user's data folder (created)."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    folder = Path(platformdirs.user_data_dir("accordwatch"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'accordwatch.sqlite'}"


def _shown(url: str | URL) -> str:
    """A URL fit for a message: password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - unparseable URL: show it as given
        return str(url)


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _none_if_empty(value: str | None) -> str | None:
    return value if value else None


# ----------------------------------------------------------------- bundles


class ReportBundle(NamedTuple):
    """A report with everything derived from it, stored together by ``Store.add_report_bundles``."""

    report: model.Report
    events: Sequence[model.Event] | None
    extractor_version: str
    links: Sequence[Any] = ()
    signature: bytes | None = None
    num_perm: int | None = None
    similar_to: str | None = None  # content hash of an earlier near-duplicate


class BundleResult(NamedTuple):
    report_id: int
    is_new: bool
    n_events: int
    n_evidence: int
    story_id: int | None
    content_hash: str


class SignatureRecord(NamedTuple):
    report_id: int
    num_perm: int
    signature: bytes
    content_hash: str
    story_id: int | None
    published: dt.date | None = None


# ----------------------------------------------------------------- the store


class Store:
    """One database: reports, events, evidence with its review log, quarantine, meta.

    Use as a context manager (or call :meth:`close`). Call :meth:`upgrade` once
    after opening to create or migrate the schema.
    """

    def __init__(self, url: str | None = None) -> None:
        raw = url if url is not None else default_db_url()
        self.url = _shown(raw)
        self.engine = self._create_engine(raw)
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a writing transaction takes the write lock when it begins
        # (BEGIN IMMEDIATE), so what it reads stays current until it commits.
        self._writer = sessionmaker(self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False)
        # token id -> time.monotonic() of this process's last write of its last_used
        self._token_touched: dict[int, float] = {}
        # token hash -> (data version, row of _TOKEN_USER_SQL or None)
        self._token_users: dict[str, tuple[str | None, Any]] = {}
        self._token_lock = threading.Lock()
        try:
            with self.engine.connect():
                pass
        except DBAPIError as exc:
            self.engine.dispose()
            raise StoreError(f"cannot open database {self.url}: {_first_line(exc.orig)}") from exc

    # -- opening and closing

    def _create_engine(self, raw: str) -> Engine:
        try:
            parsed = make_url(raw)
        except ArgumentError as exc:
            raise StoreError(
                f"cannot open database {raw!r}: not a database URL; write e.g. "
                "sqlite:///path/to/accordwatch.sqlite or postgresql+psycopg://user@host:5432/dbname"
            ) from exc
        backend = parsed.get_backend_name()
        if backend not in SUPPORTED_DIALECTS:
            raise StoreError(
                f"cannot open database {self.url}: {backend!r} databases are not supported; "
                "use sqlite:///path/to/file.sqlite or postgresql+psycopg://user@host:5432/dbname"
            )
        if backend == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not parsed.database.startswith("file:"):
                folder = Path(parsed.database).expanduser().resolve().parent
                if not folder.is_dir():
                    raise StoreError(
                        f"cannot open database {self.url}: folder {folder} does not exist; "
                        "create it or choose another path"
                    )
        try:
            engine = create_engine(parsed)
        except NoSuchModuleError as exc:
            raise StoreError(
                f"cannot open database {self.url}: unknown driver {parsed.drivername!r}; "
                "use sqlite:/// or postgresql+psycopg://"
            ) from exc
        except ImportError as exc:
            driver = parsed.get_driver_name()
            hint = _DRIVER_HINTS.get(driver, f"install the Python driver {driver!r}")
            raise StoreError(f"cannot open database {self.url}: driver {driver!r} is not installed; {hint}") from exc
        if backend == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)
            event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def shared_url(self) -> str:
        """The URL another process opens to reach this same database (the
        password included: never show it; a SQLite path made absolute)."""
        url = self.engine.url
        db = url.database
        if url.get_backend_name() == "sqlite" and db and db != ":memory:" and not db.startswith("file:"):
            url = url.set(database=str(Path(db).expanduser().resolve()))
        return url.render_as_string(hide_password=False)

    @contextmanager
    def _tx(self, write: bool = False, new_version: bool = True) -> Iterator[Session]:
        """A session in one transaction; database failures become StoreError.

        A writing transaction also gives the data a new :meth:`data_version`
        (last, just before the commit, so the row lock on PostgreSQL is held
        only for the commit), unless ``new_version`` is False (bookkeeping
        writes that change no answer, such as a token's last use).
        IntegrityError passes through untouched: callers use it to detect races.
        """
        try:
            with (self._writer if write else self._reader)() as session, session.begin():
                yield session
                if write and new_version:
                    session.execute(_NEW_VERSION_SQL, {"key": DATA_VERSION_KEY, "value": _new_version()})
        except IntegrityError:
            raise
        except DBAPIError as exc:
            raise StoreError(
                f"database {self.url}: {_first_line(exc.orig)}"
                + ("; run `Store.upgrade()` (the CLI does it on open)" if _missing_table(exc) else "")
            ) from exc

    # -- schema

    def _alembic_config(self):  # type: ignore[no-untyped-def]
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("path_separator", "os")
        return cfg

    def revision(self) -> str | None:
        """The schema revision of the database (None for an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head(self) -> str | None:
        """The newest revision of the migration scripts (read once per process:
        the scripts cannot change while it runs)."""
        return _script_head(str(MIGRATIONS_DIR))

    def upgrade(self) -> None:
        """Create the schema, or migrate it to the newest revision (``alembic upgrade head``)."""
        self._migrate()
        self._ensure_data_version()

    def data_version(self) -> str | None:
        """A token that changes whenever data changes (reports, events, evidence,
        reviews, users, tokens, quarantine: every writing transaction, in any
        process), or None before :meth:`upgrade`. One primary-key read: the web
        layer uses it to reuse answers computed from the same data."""
        # A pooled DBAPI connection and a constant statement: this runs on every
        # web request, and SQLAlchemy's statement machinery would cost more than the read.
        try:
            conn = self.engine.raw_connection()
        except DBAPIError:
            return None
        try:
            cur = conn.cursor()
            try:
                cur.execute(_VERSION_SQL)
                row = cur.fetchone()
            finally:
                cur.close()
        except self.engine.dialect.loaded_dbapi.Error:
            conn.invalidate()
            return None
        finally:
            conn.close()
        return row[0] if row else None

    def _ensure_data_version(self) -> None:
        if self.data_version() is not None:
            return
        try:
            with self._tx(write=True, new_version=False) as s:
                if s.get(MetaRow, DATA_VERSION_KEY) is None:
                    s.add(MetaRow(key=DATA_VERSION_KEY, value=_new_version()))
        except IntegrityError:
            pass  # another process created it at the same time

    def _migrate(self) -> None:
        from alembic import command
        from alembic.util import CommandError

        try:
            if self.revision() == self.head():
                return
            cfg = self._alembic_config()
            # One transaction; two processes opening a fresh database migrate one
            # after the other (SQLite: BEGIN IMMEDIATE; PostgreSQL: advisory lock).
            with self.engine.connect() as conn:
                sqlite = self.dialect == "sqlite"
                if sqlite:
                    # Table rebuilds (batch mode) need foreign keys off; checked below.
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
                try:
                    with conn.execution_options(sqlite_begin="IMMEDIATE").begin():
                        if self.dialect == "postgresql":
                            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7236712131)")
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                        if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                            raise StoreError(
                                f"migrating {self.url} would break references between tables; "
                                "nothing was changed — report this as a bug"
                            )
                finally:
                    if sqlite:
                        conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[union-attr]
        except CommandError as exc:
            raise StoreError(
                f"cannot migrate the database {self.url}: {exc}; it was probably written by a newer "
                "AccordWatch — upgrade AccordWatch or use another database"
            ) from exc
        except SQLAlchemyError as exc:
            try:
                if self.revision() == self.head():  # someone else migrated concurrently
                    return
            except SQLAlchemyError:
                pass
            raise StoreError(f"cannot create or migrate the database {self.url}: {_first_line(exc)}") from exc

    # -- reports

    def add_report(self, report: model.Report) -> tuple[int, bool]:
        """Store a report; returns ``(id, is_new)``.

        A text already stored (same :func:`content_hash`) is not stored again: the
        sighting is recorded as a copy of the first one, unless that same path/url
        was already recorded (re-ingesting a file changes nothing).
        """
        if not isinstance(report.published, dt.date):
            raise StoreError(f"report {report.path or report.url or report.title!r} has no published date")
        digest = content_hash(report.text)
        path, url = report.path or "", report.url or ""
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    row = s.scalars(select(ReportRow).where(ReportRow.content_hash == digest)).first()
                    if row is None:
                        row = ReportRow(**_report_values(report, digest))
                        s.add(row)
                        s.flush()
                        return row.id, True
                    if (row.path or "", row.url or "") != (path, url):
                        seen = s.scalar(
                            select(ReportCopyRow.id).where(
                                ReportCopyRow.report_id == row.id,
                                ReportCopyRow.path == path,
                                ReportCopyRow.url == url,
                            )
                        )
                        if seen is None:
                            s.add(
                                ReportCopyRow(
                                    report_id=row.id,
                                    source=report.source,
                                    url=url,
                                    title=report.title,
                                    path=path,
                                    seen_at=utcnow(),
                                )
                            )
                    return row.id, False
            except IntegrityError:
                continue  # a concurrent writer stored it first: look again
        raise StoreError(f"database {self.url}: could not store report {path or url!r} (too many concurrent writers)")

    def get_report(self, report_id: int) -> dict[str, Any]:
        """The report with its text, copies and number of events."""
        with self._tx() as s:
            row = s.get(ReportRow, report_id)
            if row is None:
                raise StoreError(f"no report with id {report_id} in {self.url}; list the reports to find its id")
            copies = s.scalars(
                select(ReportCopyRow).where(ReportCopyRow.report_id == report_id).order_by(ReportCopyRow.id)
            ).all()
            n_events = s.scalar(select(func.count()).select_from(EventRow).where(EventRow.report_id == report_id))
            return {
                "id": row.id,
                "published": _iso(row.published),
                "title": row.title,
                "source": row.source,
                "url": row.url,
                "path": row.path,
                "language": row.language,
                "content_hash": row.content_hash,
                "text": row.text,
                "ingested_at": _iso(row.ingested_at),
                "duplicate_of": row.duplicate_of,
                "story_id": row.story_id,
                "copies": 1 + len(copies),
                "copy_list": [
                    {
                        "source": c.source,
                        "url": _none_if_empty(c.url),
                        "title": c.title,
                        "path": _none_if_empty(c.path),
                        "seen_at": _iso(c.seen_at),
                    }
                    for c in copies
                ],
                "events": n_events or 0,
            }

    def list_reports(self, limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Reports by id; ``copies`` counts every sighting (1 = seen once)."""
        stmt = (
            select(
                ReportRow.id,
                ReportRow.published,
                ReportRow.title,
                ReportRow.source,
                ReportRow.url,
                ReportRow.path,
                ReportRow.content_hash,
                _copies_count().label("copies"),
                select(func.count())
                .select_from(EventRow)
                .where(EventRow.report_id == ReportRow.id)
                .scalar_subquery()
                .label("events"),
            )
            .order_by(ReportRow.id)
            .offset(offset)
            .limit(limit)
        )
        with self._tx() as s:
            return [
                {
                    "id": r.id,
                    "published": _iso(r.published),
                    "title": r.title,
                    "source": r.source,
                    "url": r.url,
                    "path": r.path,
                    "content_hash": r.content_hash,
                    "copies": r.copies,
                    "events": r.events,
                }
                for r in s.execute(stmt)
            ]

    def count_reports(self) -> int:
        with self._tx() as s:
            return s.scalar(select(func.count()).select_from(ReportRow)) or 0

    # -- report bundles (report + events + evidence + signature in one transaction)

    def known_hashes(self, hashes: Sequence[str]) -> set[str]:
        """Which of these content hashes are stored already."""
        found: set[str] = set()
        hashes = list(dict.fromkeys(hashes))
        with self._tx() as s:
            for i in range(0, len(hashes), 500):
                chunk = hashes[i : i + 500]
                found.update(s.scalars(select(ReportRow.content_hash).where(ReportRow.content_hash.in_(chunk))))
        return found

    def add_report_bundle(
        self,
        report: model.Report,
        events: Sequence[model.Event] | None,
        extractor_version: str,
        links: Sequence[Any] = (),
        signature: bytes | None = None,
        num_perm: int | None = None,
        similar_to: str | None = None,
    ) -> tuple[int, bool, int, int]:
        """Store a report with its events and their evidence in ONE transaction.

        Returns ``(report_id, is_new, n_events, n_evidence)``. See
        :meth:`add_report_bundles` for the arguments.
        """
        r = self.add_report_bundles(
            [ReportBundle(report, events, extractor_version, tuple(links), signature, num_perm, similar_to)]
        )[0]
        return r.report_id, r.is_new, r.n_events, r.n_evidence

    def add_report_bundles(self, bundles: Sequence[ReportBundle]) -> list[BundleResult]:
        """Store several report bundles in ONE transaction (all or nothing).

        For each bundle: a text already stored is recorded as a copy (as
        :meth:`add_report`) and, if it has no events of this extractor version
        yet and ``events`` is given, its events and evidence are added. A new
        report is stored with its events (``events`` None counts as none), the
        evidence ``links`` (objects with ``event_index``, ``agreement_id``,
        ``provision_id``, ``relation``), its MinHash ``signature`` and its story:
        the story of the report whose content hash is ``similar_to`` (stored
        before or earlier in this batch), else a story of its own (its id).
        A report is therefore never stored without its events, and a crash
        leaves either the whole batch or none of it.
        """
        for b in bundles:
            if not isinstance(b.report.published, dt.date):
                raise StoreError(f"report {b.report.path or b.report.url or b.report.title!r} has no published date")
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    return self._add_bundles(s, bundles)
            except IntegrityError:
                continue  # a concurrent writer stored one of them first: do the batch again
        raise StoreError(f"database {self.url}: could not store {len(bundles)} reports (too many concurrent writers)")

    def _add_bundles(self, s: Session, bundles: Sequence[ReportBundle]) -> list[BundleResult]:
        """The writes of :meth:`add_report_bundles`, a statement per table for the
        whole batch (not per report): the same rows, ids and stories as storing
        the bundles one after the other, at a fraction of the statements."""
        conn = s.connection()
        reports, copies, events = ReportRow.__table__, ReportCopyRow.__table__, EventRow.__table__
        digests = [content_hash(b.report.text) for b in bundles]
        # What is already stored: the batch's own texts and the earlier reports they resemble.
        wanted = set(digests) | {b.similar_to for b in bundles if b.similar_to is not None}
        stored: dict[str, Any] = {}
        for chunk in _chunks(sorted(wanted), 500):
            for r in conn.execute(
                select(reports.c.id, reports.c.path, reports.c.url, reports.c.story_id, reports.c.content_hash)
                .where(reports.c.content_hash.in_(chunk))
            ):
                stored[r.content_hash] = r
        old_ids = [stored[d].id for d in set(digests) if d in stored]
        seen_copies: set[tuple[int, str, str]] = set()
        with_events: set[int] = set()
        for chunk in _chunks(old_ids, 500):
            seen_copies.update(
                (r.report_id, r.path or "", r.url or "")
                for r in conn.execute(select(copies.c.report_id, copies.c.path, copies.c.url).where(copies.c.report_id.in_(chunk)))
            )
            # Per extractor version, as _event_ids: events stored by an older, interrupted ingest.
            for v in {b.extractor_version for b in bundles}:
                with_events.update(
                    (r, v) for r in conn.execute(  # type: ignore[misc]
                        select(events.c.report_id).distinct().where(events.c.report_id.in_(chunk), events.c.extractor_version == v)
                    ).scalars()
                )

        # 1. New reports, in batch order; a text seen earlier in the batch is a copy of it.
        plan: list[tuple[str, Any]] = []  # ("new", index into new_rows) or ("old", (id, path, url, story))
        new_rows: list[dict[str, Any]] = []
        first_new: dict[str, int] = {}
        creator: list[int] = []  # new report -> position of its bundle
        for b, digest in zip(bundles, digests):
            if digest in stored:
                r = stored[digest]
                plan.append(("old", (r.id, r.path or "", r.url or "", r.story_id)))
            elif digest in first_new:
                plan.append(("dup", first_new[digest]))
            else:
                first_new[digest] = len(new_rows)
                plan.append(("new", len(new_rows)))
                creator.append(len(plan) - 1)
                new_rows.append(_report_values(b.report, digest))
        # Plain executemany, then the ids by content hash (unique): INSERT ... RETURNING
        # in a fixed order runs one statement per row on SQLite.
        new_ids: list[int] = []
        if new_rows:
            conn.execute(insert(reports), new_rows)
            id_of: dict[str, int] = {}
            for chunk in _chunks(list(first_new), 500):
                id_of.update((r.content_hash, r.id) for r in conn.execute(
                    select(reports.c.content_hash, reports.c.id).where(reports.c.content_hash.in_(chunk))))
            new_ids = [id_of[row["content_hash"]] for row in new_rows]
        # 2. Stories: the story of the earlier similar report (stored before or earlier in the batch), else its own id.
        story_of: dict[str, int] = {d: (r.story_id if r.story_id is not None else r.id) for d, r in stored.items()}
        for (kind, k), b, digest in zip(plan, bundles, digests):
            if kind == "new":
                similar = b.similar_to if b.similar_to != digest else None
                story_of[digest] = story_of.get(similar, new_ids[k]) if similar is not None else new_ids[k]
        if new_rows:
            conn.execute(
                update(reports).where(reports.c.id == bindparam("rid")).values(story_id=bindparam("sid"))
                .execution_options(synchronize_session=False),
                [{"rid": new_ids[first_new[d]], "sid": story_of[d]} for d in first_new],
            )
            sigs = [
                {"report_id": new_ids[k], "num_perm": b.num_perm or len(b.signature) // 4, "signature": b.signature}
                for (kind, k), b in zip(plan, bundles) if kind == "new" and b.signature is not None
            ]
            if sigs:
                conn.execute(insert(ReportSignatureRow.__table__), sigs)
        # 3. Copies of texts already stored (not twice for the same path and url).
        copy_rows = []
        now = utcnow()
        for (kind, k), b, digest in zip(plan, bundles, digests):
            if kind == "new":
                continue
            if kind == "old":
                rid, rpath, rurl = k[0], k[1], k[2]
            else:
                first = bundles[creator[k]].report
                rid, rpath, rurl = new_ids[k], first.path or "", first.url or ""
            path, url = b.report.path or "", b.report.url or ""
            if (rpath, rurl) != (path, url) and (rid, path, url) not in seen_copies:
                seen_copies.add((rid, path, url))
                copy_rows.append(dict(report_id=rid, source=b.report.source, url=url, title=b.report.title, path=path, seen_at=now))
        if copy_rows:
            conn.execute(insert(copies), copy_rows)
        # 4. Events and evidence: of every new report, and of a stored one that has none of this extractor version.
        owners: list[tuple[int, int]] = []  # (bundle index, report id) whose events are written
        for i, ((kind, k), b) in enumerate(zip(plan, bundles)):
            rid = k[0] if kind == "old" else new_ids[k]
            if not b.events or (rid, b.extractor_version) in with_events:
                continue
            with_events.add((rid, b.extractor_version))
            owners.append((i, rid))
        event_rows = [_event_values(rid, seq, e, bundles[i].extractor_version) for i, rid in owners for seq, e in enumerate(bundles[i].events or ())]
        event_ids: list[int] = []
        if event_rows:
            conn.execute(insert(events), event_rows)
            id_at: dict[tuple[int, int, str], int] = {}
            for chunk in _chunks(sorted({rid for _, rid in owners}), 500):
                id_at.update(
                    ((r.report_id, r.seq, r.extractor_version), r.id)
                    for r in conn.execute(select(events.c.id, events.c.report_id, events.c.seq, events.c.extractor_version)
                                          .where(events.c.report_id.in_(chunk)))
                )
            event_ids = [id_at[(row["report_id"], row["seq"], row["extractor_version"])] for row in event_rows]
        counts: dict[int, tuple[int, int]] = {}
        evidence_rows = []
        pos = 0
        for i, rid in owners:
            b = bundles[i]
            ids = event_ids[pos : pos + len(b.events or ())]
            pos += len(ids)
            keys: set[tuple[int, str, str]] = set()
            for link in b.links:
                rel = model.Relation(link.relation).value
                key = (ids[link.event_index], link.provision_id, rel)
                if key in keys:
                    continue
                keys.add(key)
                evidence_rows.append(dict(event_id=key[0], agreement_id=link.agreement_id, provision_id=link.provision_id,
                                          relation=rel, state=model.ReviewState.PROPOSED.value, version=1, created_at=now))
            counts[i] = (len(ids), len(keys))
        if evidence_rows:
            conn.execute(insert(EvidenceRow.__table__), evidence_rows)
        out = []
        for i, ((kind, k), digest) in enumerate(zip(plan, digests)):
            n_ev, n_link = counts.get(i, (0, 0))
            if kind == "new":
                out.append(BundleResult(new_ids[k], True, n_ev, n_link, story_of[digest], digest))
            elif kind == "dup":
                out.append(BundleResult(new_ids[k], False, n_ev, n_link, story_of[digest], digest))
            else:
                out.append(BundleResult(k[0], False, n_ev, n_link, k[3], digest))
        return out

    # -- near-duplicate signatures and stories

    def add_signature(self, report_id: int, num_perm: int, signature: bytes) -> None:
        """Store (or replace) the MinHash signature of a report."""
        with self._tx(write=True) as s:
            if s.get(ReportRow, report_id) is None:
                raise StoreError(f"no report with id {report_id} in {self.url}; store the report first")
            row = s.get(ReportSignatureRow, report_id)
            if row is None:
                s.add(ReportSignatureRow(report_id=report_id, num_perm=num_perm, signature=signature))
            else:
                row.num_perm, row.signature = num_perm, signature

    def signatures(self, batch: int = 2000, after: int = 0) -> Iterator[SignatureRecord]:
        """Every stored signature with its report's content hash and story, by
        report id (only reports with an id above ``after``: what was added since)."""
        stmt = (
            select(
                ReportSignatureRow.report_id,
                ReportSignatureRow.num_perm,
                ReportSignatureRow.signature,
                ReportRow.content_hash,
                ReportRow.story_id,
                ReportRow.published,
            )
            .join(ReportRow, ReportRow.id == ReportSignatureRow.report_id)
            .order_by(ReportSignatureRow.report_id)
        )
        last = after
        while True:  # keyset pages: no transaction stays open while the caller works
            with self._tx() as s:
                rows = s.execute(stmt.where(ReportSignatureRow.report_id > last).limit(batch)).all()
            if not rows:
                return
            for r in rows:
                yield SignatureRecord(r.report_id, r.num_perm, bytes(r.signature), r.content_hash, r.story_id, r.published)
            if len(rows) < batch:
                return
            last = rows[-1].report_id

    def set_story(self, report_id: int, story_id: int) -> None:
        """Put a report in a story (story id = id of the story's earliest report)."""
        with self._tx(write=True) as s:
            done = s.execute(
                update(ReportRow).where(ReportRow.id == report_id).values(story_id=story_id)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise StoreError(f"no report with id {report_id} in {self.url}; list the reports to find its id")

    # -- events

    def add_events(self, report_id: int, events: Sequence[model.Event], extractor_version: str) -> list[int]:
        """Store the events one extractor version found in a report; returns their ids.

        Idempotent: if this report already has events from this extractor
        version, their ids are returned and nothing is added.
        """
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    existing = self._event_ids(s, report_id, extractor_version)
                    if existing:
                        return existing
                    if s.get(ReportRow, report_id) is None:
                        raise StoreError(f"no report with id {report_id} in {self.url}; store the report first")
                    if not events:
                        return []
                    rows = [_event_values(report_id, seq, e, extractor_version) for seq, e in enumerate(events)]
                    stmt = insert(EventRow).returning(EventRow.id, sort_by_parameter_order=True)
                    return list(s.scalars(stmt, rows))
            except IntegrityError:
                continue
        raise StoreError(f"database {self.url}: could not store events of report {report_id}")

    @staticmethod
    def _event_ids(s: Session, report_id: int, extractor_version: str) -> list[int]:
        return list(
            s.scalars(
                select(EventRow.id)
                .where(EventRow.report_id == report_id, EventRow.extractor_version == extractor_version)
                .order_by(EventRow.seq)
            )
        )

    def events_for_report(
        self, report_id: int, extractor_version: str | None = None
    ) -> list[tuple[int, model.Event]]:
        """``(id, Event)`` of a report in extractor order (all extractor versions unless one is given)."""
        stmt = select(*_EVENT_COLUMNS).where(EventRow.report_id == report_id)
        if extractor_version is not None:
            stmt = stmt.where(EventRow.extractor_version == extractor_version)
        with self._tx() as s:
            return [(r[0], _event_from_row(tuple(r))) for r in s.execute(stmt.order_by(EventRow.id))]

    def list_events(
        self,
        agreement_id: str | None = None,
        type: str | model.EventType | None = None,  # noqa: A002 - the domain's word
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        place: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        extractor_version: str | None = None,
    ) -> list[dict[str, Any]]:
        """Events as dicts (``Event.to_dict()`` plus id, report_id, published, extractor_version).

        ``agreement_id`` keeps events with evidence for that agreement; the date
        bounds apply to the event's date (inclusive); ``place`` matches one of
        the event's places exactly, ignoring case.
        """
        stmt = select(*_EVENT_COLUMNS, ReportRow.published).join(ReportRow, ReportRow.id == EventRow.report_id)
        if agreement_id is not None:
            stmt = stmt.where(
                exists().where(EvidenceRow.event_id == EventRow.id, EvidenceRow.agreement_id == agreement_id)
            )
        if type is not None:
            stmt = stmt.where(EventRow.type == str(type))
        if date_from is not None:
            stmt = stmt.where(EventRow.date >= date_from)
        if date_to is not None:
            stmt = stmt.where(EventRow.date <= date_to)
        if place is not None:
            needle = json.dumps(place, ensure_ascii=False)
            needle = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            stmt = stmt.where(EventRow.places.ilike(f"%{needle}%", escape="\\"))
        if extractor_version is not None:
            stmt = stmt.where(EventRow.extractor_version == extractor_version)
        stmt = stmt.order_by(EventRow.id).offset(offset).limit(limit)
        with self._tx() as s:
            out = []
            for row in s.connection().execute(stmt):  # Core rows: no ORM overhead
                values = tuple(row)
                d = _event_from_row(values[:_N_EVENT]).to_dict()
                d.update(
                    id=values[0],
                    report_id=values[1],
                    published=_iso(values[_N_EVENT]),
                    extractor_version=values[_N_EVENT - 1],
                )
                out.append(d)
            return out

    # -- evidence and review

    def add_evidence(
        self, event_id: int, agreement_id: str, provision_id: str, relation: str | model.Relation
    ) -> tuple[int, bool]:
        """Link an event to a provision as ``proposed`` evidence; returns ``(id, is_new)``."""
        try:
            rel = model.Relation(relation)
        except ValueError:
            allowed = ", ".join(r.value for r in model.Relation)
            raise StoreError(f"unknown relation {relation!r}; use one of: {allowed}") from None
        if not provision_id.startswith(f"{agreement_id}/"):
            raise StoreError(
                f"provision {provision_id!r} is not a provision of agreement {agreement_id!r}; "
                f"give its full id, e.g. {agreement_id}/<local id>"
            )
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    found = s.scalar(
                        select(EvidenceRow.id).where(
                            EvidenceRow.event_id == event_id,
                            EvidenceRow.provision_id == provision_id,
                            EvidenceRow.relation == rel.value,
                        )
                    )
                    if found is not None:
                        return found, False
                    if s.get(EventRow, event_id) is None:
                        raise StoreError(f"no event with id {event_id} in {self.url}; store the events first")
                    row = EvidenceRow(
                        event_id=event_id,
                        agreement_id=agreement_id,
                        provision_id=provision_id,
                        relation=rel.value,
                        state=model.ReviewState.PROPOSED.value,
                        version=1,
                        created_at=utcnow(),
                    )
                    s.add(row)
                    s.flush()
                    return row.id, True
            except IntegrityError:
                continue
        raise StoreError(f"database {self.url}: could not store evidence for event {event_id}")

    def list_evidence(
        self,
        state: str | model.ReviewState | None = None,
        agreement_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        report_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Evidence with its event and report, by id (optionally of one report only)."""
        stmt = _evidence_select()
        if state is not None:
            stmt = stmt.where(EvidenceRow.state == str(state))
        if agreement_id is not None:
            stmt = stmt.where(EvidenceRow.agreement_id == agreement_id)
        if report_id is not None:
            stmt = stmt.where(EventRow.report_id == report_id)
        stmt = stmt.order_by(EvidenceRow.id).offset(offset).limit(limit)
        with self._tx() as s:
            return [_evidence_dict(r) for r in s.execute(stmt)]

    def get_evidence(self, evidence_id: int) -> dict[str, Any]:
        with self._tx() as s:
            return self._evidence(s, evidence_id)

    def _evidence(self, s: Session, evidence_id: int) -> dict[str, Any]:
        r = s.execute(_evidence_select().where(EvidenceRow.id == evidence_id)).first()
        if r is None:
            raise StoreError(f"no evidence with id {evidence_id}; see `accordwatch review list`")
        return _evidence_dict(r)

    def decide(
        self,
        evidence_id: int,
        decision: str | model.ReviewState,
        who: str,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> dict[str, Any]:
        """Accept or reject evidence; returns the evidence as it now stands.

        The decision is appended to the review log and the evidence's state and
        version change in the same transaction. With ``expected_version`` (the
        version the analyst saw), a decision on evidence changed in between is
        logged with outcome ``conflict`` and raises :class:`ConflictError`
        carrying the current evidence.
        """
        if str(decision) not in (model.ReviewState.ACCEPTED, model.ReviewState.REJECTED):
            raise StoreError(f"decision must be 'accepted' or 'rejected', not {str(decision)!r}")
        decision = str(decision)
        if not who or not who.strip():
            raise StoreError("a decision needs the reviewer's name (who)")
        for _ in range(_RETRIES):
            try:
                conflict = self._decide_once(evidence_id, decision, who.strip(), note, expected_version)
            except _Changed:
                continue
            if "log_id" in conflict:
                return conflict
            raise ConflictError(
                f"evidence {evidence_id} was changed by someone else: it is now {conflict['state']} "
                f"(version {conflict['version']}), you saw version {expected_version}; your decision "
                f"was logged as a conflict and not applied — look at it again and decide anew",
                current=conflict,
            )
        raise StoreError(f"database {self.url}: evidence {evidence_id} keeps changing; try again")

    def _decide_once(
        self, evidence_id: int, decision: str, who: str, note: str | None, expected_version: int | None
    ) -> dict[str, Any]:
        """One attempt: the evidence after the decision (with ``log_id``), or, on a
        version conflict, the current evidence (without ``log_id``) after logging it."""
        with self._tx(write=True) as s:
            # FOR UPDATE locks the row on PostgreSQL (ignored by SQLite, which
            # relies on the compare-and-set UPDATE below).
            row = s.execute(
                select(EvidenceRow.state, EvidenceRow.version).where(EvidenceRow.id == evidence_id).with_for_update()
            ).first()
            if row is None:
                raise StoreError(f"no evidence with id {evidence_id}; see `accordwatch review list`")
            log = ReviewLogRow(
                evidence_id=evidence_id,
                decision=decision,
                previous_state=row.state,
                who=who,
                note=note,
                at=utcnow(),
                outcome="applied",
            )
            if expected_version is not None and expected_version != row.version:
                log.outcome = "conflict"
                s.add(log)
                s.flush()
                return self._evidence(s, evidence_id)
            done = s.execute(
                update(EvidenceRow)
                .where(EvidenceRow.id == evidence_id, EvidenceRow.version == row.version)
                .values(state=decision, version=row.version + 1)
                .execution_options(synchronize_session=False)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                raise _Changed  # changed since we read it: roll back, read again
            s.add(log)
            s.flush()
            result = self._evidence(s, evidence_id)
            result["log_id"] = log.id
            return result

    def review_log(self, evidence_id: int | None = None) -> list[dict[str, Any]]:
        """Every decision (applied and conflicting), oldest first."""
        stmt = select(ReviewLogRow).order_by(ReviewLogRow.id)
        if evidence_id is not None:
            stmt = stmt.where(ReviewLogRow.evidence_id == evidence_id)
        with self._tx() as s:
            return [
                {
                    "id": r.id,
                    "evidence_id": r.evidence_id,
                    "decision": r.decision,
                    "previous_state": r.previous_state,
                    "who": r.who,
                    "note": r.note,
                    "at": _iso(r.at),
                    "outcome": r.outcome,
                }
                for r in s.scalars(stmt)
            ]

    def evidence_views(self, agreement_id: str, known_at: dt.date | None = None) -> list[model.EvidenceView]:
        """All evidence for an agreement (any review state) as the status rules see it.

        With ``known_at``, only evidence from reports published on or before it.
        One query. ``status_evidence`` gives what a status needs without every row.
        """
        stmt = (
            select(*_VIEW_COLUMNS)
            .join(EventRow, EventRow.id == EvidenceRow.event_id)
            .join(ReportRow, ReportRow.id == EventRow.report_id)
            .where(EvidenceRow.agreement_id == agreement_id)
            .order_by(ReportRow.published, EventRow.id, EvidenceRow.id)
        )
        if known_at is not None:
            stmt = stmt.where(ReportRow.published <= known_at)
        with self._tx() as s:
            # Core rows fetched at once (the driver's fetchall), read by position:
            # an agreement may have tens of thousands of evidence rows.
            return [_view_from_values(values) for values in s.connection().execute(stmt).tuples().all()]

    def status_evidence(
        self,
        agreement_id: str,
        as_of: dt.date,
        known_at: dt.date | None = None,
        reviewed_only: bool = False,
        limit: int = STATUS_EVIDENCE_LIMIT,
    ) -> dict[str, model.EvidenceDigest]:
        """Per provision of an agreement, what the status rules need at as-of V and
        known-at K — ``status.digest`` — keyed by provision id.

        The database does the work, on the evidence table's own copies of the
        report's date and story and of the event's day (migration 0004), mostly
        from the covering index ``ix_evidence_status``; four statements, built
        once and cached:

        1. one aggregate row per provision: counts, stories, denial, the day of
           the earliest fulfilment and partial fulfilment by V;
        2. ``breaches`` per provision and day;
        3. full EvidenceViews of the ``limit`` most recent shown rows and of the
           earliest fulfilments of each provision only (found by a UNION ALL of
           small index ranges);
        4. every counted ``reschedules`` row with the event fields the deadline
           history needs (the full history is always shown; these views carry
           no report title).

        Python receives a few rows per provision plus the deadline moves,
        however many evidence rows there are.
        """
        q = _status_statements(reviewed_only, known_at is not None)
        params: dict[str, Any] = {"agreement": agreement_id, "as_of": as_of, "known_at": known_at}
        out: dict[str, model.EvidenceDigest] = {}
        plan: list[tuple[str, str, dt.date | None]] = []  # (kind, provision, day) of the rows read in full
        firsts: dict[str, tuple[bool, dt.date | None, dt.date | None]] = {}
        with self._tx() as s:
            c = s.connection()
            if self.dialect == "postgresql":
                # One snapshot for the four statements (as SQLite's read transaction has), and
                # no parallel workers: starting one costs more than these small index scans.
                c.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; "
                                  "SET LOCAL max_parallel_workers_per_gather = 0")
            for pid, total, n_shown, shown_proposed, n_proposed, stories, denied, fulfils, partly in c.execute(q.aggregate, params).all():
                out[pid] = model.EvidenceDigest(
                    pid,
                    total=total,
                    shown_total=n_shown or total,  # nothing shown: every counted row is
                    unreviewed=bool(shown_proposed if n_shown else n_proposed),
                    sources=stories,
                    denied=bool(denied),
                )
                fulfils = None if fulfils is None else _as_date(fulfils)
                partly = None if partly is None else _as_date(partly)
                firsts[pid] = (bool(n_shown), fulfils, partly)
                if limit > 0:
                    plan.append(("shown" if n_shown else "counted", pid, None))
                if fulfils is not None:
                    plan.append(("fulfils", pid, fulfils))
                if partly is not None:
                    plan.append(("partly", pid, partly))
            if not out:
                return out
            for pid, day, count in c.execute(q.breaches, params).all():
                out[pid].breaches_per_day[_as_date(day)] = count
            views: list[model.EvidenceView] = []
            if plan and self.dialect == "postgresql":
                stmt = _rows_shown_statement_pg(reviewed_only, known_at is not None, limit)
                firsts_plan = [(pid, "fulfils" if kind == "fulfils" else "partly_fulfils", day)
                               for kind, pid, day in plan if kind in ("fulfils", "partly")]
                p = dict(params, pids=[pid for kind, pid, _ in plan if kind in ("shown", "counted")],
                         every=[kind == "counted" for kind, _, _ in plan if kind in ("shown", "counted")],
                         fpids=[x[0] for x in firsts_plan], frels=[x[1] for x in firsts_plan], fdays=[x[2] for x in firsts_plan])
                views.extend(_view_from_values(values) for values in c.execute(stmt, p).all())
                plan = []
            for i in range(0, len(plan), 100):
                chunk = plan[i : i + 100]
                p = dict(params)
                for j, (_, pid, day) in enumerate(chunk):
                    p[f"pid{j}"], p[f"day{j}"] = pid, day
                stmt = _rows_shown_statement(tuple(kind for kind, _, _ in chunk), reviewed_only, known_at is not None, limit)
                views.extend(_view_from_values(values) for values in c.execute(stmt, p).all())
            resched, event_types, modalities = model.Relation.RESCHEDULES, _EVENT_TYPES, _MODALITIES
            # What the deadline history reads of a move (not its report's title: one look-up less per move).
            for (eid, pid, state, pub, story, report_id, typ, modality, date, old, new, req, granted, via, reason,
                 sentence) in c.execute(q.moves, params).all():
                out[pid].reschedules.append(model.EvidenceView(
                    eid, pid, resched, _STATES[state],
                    model.Event(type=event_types[typ], modality=modalities[modality], date=date, old_date=old, new_date=new,
                                requested_by=req, granted_by=granted, via=via, reason=reason, sentence=sentence),
                    report_id, pub, story_id=story))
        # Which row read in full is which (all of them count): the earliest fulfilment
        # is the first, by (published, id), of its day; the shown rows are the ``limit``
        # most recent of those that may be shown. Exact: a row read only as a first
        # fulfilment that may be shown and is more recent than one of the ``limit``
        # would itself be among them.
        by_provision: dict[str, list[model.EvidenceView]] = {}
        for view in sorted(views, key=lambda e: (e.report_published, e.evidence_id or 0)):
            by_provision.setdefault(view.provision_id, []).append(view)
        for pid, rows in by_provision.items():
            d, (any_shown, fulfils, partly) = out[pid], firsts[pid]
            d.first_fulfils = _first_on(rows, model.Relation.FULFILS, fulfils)
            d.first_partly = _first_on(rows, model.Relation.PARTLY_FULFILS, partly)
            if limit > 0:
                shown = [e for e in rows if not any_shown or e.relation != model.Relation.RESTATES or e.report_published <= as_of]
                d.shown = shown[-limit:]
        return out

    # -- quarantine

    def quarantine_add(self, source: str, reason: str, detail: str | None = None, raw: bytes | None = None) -> int:
        """Keep a bad input with the reason; the same input for the same reason is counted, not repeated.

        ``raw`` is kept up to 1 MiB; the input is identified by the SHA-256 of
        the full ``raw`` bytes, or of ``source`` when there are none.
        """
        digest = hashlib.sha256(raw if raw is not None else f"source:{source}".encode()).hexdigest()
        kept = raw[:QUARANTINE_RAW_LIMIT] if raw is not None else None
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    now = utcnow()
                    row = s.scalars(
                        select(QuarantineRow).where(
                            QuarantineRow.content_hash == digest, QuarantineRow.reason == reason
                        )
                    ).first()
                    if row is not None:
                        s.execute(
                            update(QuarantineRow)
                            .where(QuarantineRow.id == row.id)
                            .values(count=QuarantineRow.count + 1, last_seen=now, source=source, detail=detail)
                            .execution_options(synchronize_session=False)
                        )
                        return row.id
                    row = QuarantineRow(
                        source=source,
                        reason=reason,
                        detail=detail,
                        raw=kept,
                        content_hash=digest,
                        first_seen=now,
                        last_seen=now,
                        count=1,
                    )
                    s.add(row)
                    s.flush()
                    return row.id
            except IntegrityError:
                continue
        raise StoreError(f"database {self.url}: could not quarantine {source!r}")

    def quarantine_list(self, include_raw: bool = False) -> list[dict[str, Any]]:
        """Quarantined inputs, most recently seen first (``raw`` only when asked for)."""
        with self._tx() as s:
            out = []
            for r in s.scalars(select(QuarantineRow).order_by(QuarantineRow.last_seen.desc(), QuarantineRow.id)):
                d: dict[str, Any] = {
                    "id": r.id,
                    "source": r.source,
                    "reason": r.reason,
                    "detail": r.detail,
                    "content_hash": r.content_hash,
                    "first_seen": _iso(r.first_seen),
                    "last_seen": _iso(r.last_seen),
                    "count": r.count,
                    "raw_size": len(r.raw) if r.raw is not None else None,
                }
                if include_raw:
                    d["raw"] = r.raw
                out.append(d)
            return out

    # -- meta

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._tx() as s:
            row = s.get(MetaRow, key)
            return row.value if row is not None else default

    def set_meta(self, key: str, value: str | None) -> None:
        for _ in range(_RETRIES):
            try:
                with self._tx(write=True) as s:
                    row = s.get(MetaRow, key)
                    if row is None:
                        s.add(MetaRow(key=key, value=value))
                    else:
                        row.value = value
                return
            except IntegrityError:
                continue
        raise StoreError(f"database {self.url}: could not set {key!r}")

    def table_names(self) -> list[str]:
        return sorted(inspect(self.engine).get_table_names())

    # -- users and API tokens (web dashboard and API)

    @staticmethod
    def _check_role(role: str) -> str:
        if role not in ROLES:
            raise StoreError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
        return role

    @staticmethod
    def _user_dict(r: Any, with_hash: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": r.id,
            "name": r.name,
            "role": r.role,
            "created_at": _iso(r.created_at),
            "disabled": bool(r.disabled),
        }
        if with_hash:
            d["password_hash"] = r.password_hash
        return d

    def add_user(self, name: str, password_hash: str, role: str) -> int:
        """Add a user (role viewer, analyst or admin); returns the id."""
        name = (name or "").strip()
        if not name:
            raise StoreError("a user needs a name")
        if len(name) > 128:
            raise StoreError(f"user name {name[:20]!r}... is longer than 128 characters; choose a shorter one")
        self._check_role(role)
        try:
            with self._tx(write=True) as s:
                row = UserRow(name=name, password_hash=password_hash, role=role, created_at=utcnow(), disabled=0)
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            raise StoreError(
                f"user {name!r} already exists; choose another name or change it with "
                f"`accordwatch users set-role {name} ROLE`"
            ) from None

    def get_user(self, name: str) -> dict[str, Any] | None:
        """The user (with ``password_hash``) or None."""
        with self._tx() as s:
            r = s.scalars(select(UserRow).where(UserRow.name == name)).first()
            return self._user_dict(r, with_hash=True) if r is not None else None

    def list_users(self) -> list[dict[str, Any]]:
        """Users by name, without password hashes, with their number of live tokens."""
        live = (
            select(func.count())
            .select_from(ApiTokenRow)
            .where(ApiTokenRow.user_id == UserRow.id, ApiTokenRow.revoked == 0)
            .scalar_subquery()
        )
        with self._tx() as s:
            out = []
            for r in s.execute(select(UserRow, live.label("tokens")).order_by(UserRow.name)):
                d = self._user_dict(r[0])
                d["tokens"] = r.tokens
                out.append(d)
            return out

    def _user_row(self, s: Session, name: str) -> UserRow:
        row = s.scalars(select(UserRow).where(UserRow.name == name)).first()
        if row is None:
            raise StoreError(f"no user {name!r}; see `accordwatch users list`")
        return row

    def remove_user(self, name: str) -> None:
        """Remove a user and their API tokens."""
        with self._tx(write=True) as s:
            row = self._user_row(s, name)
            s.execute(delete(ApiTokenRow).where(ApiTokenRow.user_id == row.id))
            s.execute(delete(UserRow).where(UserRow.id == row.id))

    def set_role(self, name: str, role: str) -> None:
        self._check_role(role)
        with self._tx(write=True) as s:
            row = self._user_row(s, name)
            row.role = role

    def set_password(self, name: str, password_hash: str) -> None:
        with self._tx(write=True) as s:
            row = self._user_row(s, name)
            row.password_hash = password_hash

    def add_token(self, user_name: str, token_name: str, token_hash: str) -> int:
        """Record an API token (only its hash) for a user; returns the token id."""
        token_name = (token_name or "").strip()
        if not token_name:
            raise StoreError("a token needs a name saying what it is for, e.g. 'nightly-export'")
        try:
            with self._tx(write=True) as s:
                user = self._user_row(s, user_name)
                row = ApiTokenRow(user_id=user.id, name=token_name[:128], token_hash=token_hash, created_at=utcnow(), revoked=0)
                s.add(row)
                s.flush()
                return row.id
        except IntegrityError:
            raise StoreError("this token is already stored; create a new one") from None

    def user_for_token(self, token_hash: str) -> dict[str, Any] | None:
        """The user a live token belongs to (and mark the token used), or None
        for an unknown, revoked or disabled-user token."""
        # One SELECT through the unique index on token_hash and the users primary
        # key, skipped while the data version is unchanged (revoking a token,
        # removing or disabling a user gives the data a new version).
        version = self.data_version()
        with self._token_lock:
            hit = self._token_users.get(token_hash)
        if hit is not None and version is not None and hit[0] == version:
            r = hit[1]
        else:
            with self._tx() as s:
                r = s.execute(_TOKEN_USER_SQL, {"token_hash": token_hash}).first()
            with self._token_lock:
                if len(self._token_users) >= 1024:
                    self._token_users.clear()
                self._token_users[token_hash] = (version, r)
        if r is None:
            return None
        d = self._user_dict(r)
        token_id = r.token_id
        d["token_id"] = token_id
        # Write last_used at most once a minute per token: tracked in memory (so
        # concurrent requests do not all write), and also skipped when the stored
        # value is recent (another process or a restart).
        mono = time.monotonic()
        with self._token_lock:
            last = self._token_touched.get(token_id)
            if last is not None and mono - last < _TOKEN_TOUCH_SECONDS:
                return d
            now = utcnow()
            if r.last_used is not None and now - r.last_used < dt.timedelta(seconds=_TOKEN_TOUCH_SECONDS):
                self._token_touched[token_id] = mono - (now - r.last_used).total_seconds()
                return d
            self._token_touched[token_id] = mono
        with self._tx(write=True, new_version=False) as s:
            s.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id)
                .values(last_used=now)
                .execution_options(synchronize_session=False)
            )
        return d

    def list_tokens(self, user: str | None = None) -> list[dict[str, Any]]:
        """API tokens (never the token itself), by id."""
        stmt = (
            select(ApiTokenRow, UserRow.name)
            .join(UserRow, UserRow.id == ApiTokenRow.user_id)
            .order_by(ApiTokenRow.id)
        )
        if user is not None:
            stmt = stmt.where(UserRow.name == user)
        with self._tx() as s:
            if user is not None:
                self._user_row(s, user)
            return [
                {
                    "id": t.id,
                    "user": uname,
                    "name": t.name,
                    "created_at": _iso(t.created_at),
                    "last_used": _iso(t.last_used),
                    "revoked": bool(t.revoked),
                }
                for t, uname in s.execute(stmt)
            ]

    def revoke_token(self, token_id: int) -> None:
        with self._tx(write=True) as s:
            row = s.get(ApiTokenRow, token_id)
            if row is None:
                raise StoreError(f"no API token with id {token_id}; see `accordwatch tokens list`")
            row.revoked = 1


# ----------------------------------------------------------------- helpers


# Built once (statement construction costs more than the query): the user of a
# live token, through the unique index on api_tokens.token_hash.
_VERSION_SQL = f"SELECT value FROM meta WHERE key = '{DATA_VERSION_KEY}'"  # a constant of ours, no input
_NEW_VERSION_SQL = text("UPDATE meta SET value = :value WHERE key = :key")


def _new_version() -> str:
    return os.urandom(8).hex()


_TOKEN_USER_SQL = (
    select(
        UserRow.id,
        UserRow.name,
        UserRow.role,
        UserRow.created_at,
        UserRow.disabled,
        ApiTokenRow.id.label("token_id"),
        ApiTokenRow.last_used,
    )
    .join(ApiTokenRow, ApiTokenRow.user_id == UserRow.id)
    .where(ApiTokenRow.token_hash == bindparam("token_hash"), ApiTokenRow.revoked == 0, UserRow.disabled == 0)
)


@lru_cache(maxsize=None)
def _script_head(script_location: str) -> str | None:
    """Head revision of the Alembic scripts in ``script_location`` (cached per process)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("path_separator", "os")
    return ScriptDirectory.from_config(cfg).get_current_head()


class _Changed(Exception):
    """The evidence changed between reading and writing it (internal retry signal)."""


def _chunks(items: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _report_values(report: model.Report, digest: str) -> dict[str, Any]:
    """The columns of a new ``reports`` row (one place for both insert paths)."""
    return {
        "content_hash": digest,
        "text": report.text,
        "published": report.published,
        "source": report.source,
        "url": report.url,
        "title": report.title,
        "language": report.language or "en",
        "path": report.path,
        "ingested_at": utcnow(),
    }


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # SQLAlchemy, not the sqlite3 module, emits BEGIN (see _sqlite_on_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA busy_timeout = 30000")
        cur.execute("PRAGMA foreign_keys = ON")
        _sqlite_wal(cur)
        cur.execute("PRAGMA synchronous = NORMAL")
    finally:
        cur.close()


def _sqlite_wal(cur: Any) -> None:
    """Switch the file to write-ahead logging (a persistent setting of the file).

    Changing the journal mode needs a moment of exclusive access, and SQLite
    answers "database is locked" at once, without waiting out busy_timeout, when
    another connection is opening the same new file: so check first and retry.
    """
    import sqlite3
    import time

    delay = 0.01
    for attempt in range(200):
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == 199:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _sqlite_on_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".rstrip())


def _first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else "unknown error"
    return text.splitlines()[0] if text else type(exc).__name__


def _missing_table(exc: DBAPIError) -> bool:
    text = str(exc.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


def _copies_count() -> Any:
    return (
        select(func.count() + 1)
        .select_from(ReportCopyRow)
        .where(ReportCopyRow.report_id == ReportRow.id)
        .scalar_subquery()
    )


def _event_values(report_id: int, seq: int, e: model.Event, extractor_version: str) -> dict[str, Any]:
    return dict(
        report_id=report_id,
        seq=seq,
        type=str(e.type),
        modality=str(e.modality),
        date=e.date,
        places=json.dumps(list(e.places), ensure_ascii=False),
        agent=e.agent,
        recipient=e.recipient,
        quantity=e.quantity,
        subject=e.subject,
        old_date=e.old_date,
        new_date=e.new_date,
        requested_by=e.requested_by,
        granted_by=e.granted_by,
        via=e.via,
        reason=e.reason,
        sentence=e.sentence,
        start=e.start,
        end=e.end,
        confidence=float(e.confidence),
        trigger=e.trigger,
        trigger_start=e.trigger_start,
        trigger_end=e.trigger_end,
        rule=e.rule,
        date_precision=e.date_precision,
        extractor_version=extractor_version,
    )


_EVENT_COLUMNS = tuple(EventRow.__table__.c)


def _event_from_row(values: Sequence[Any]) -> model.Event:
    """An Event from the values of ``_EVENT_COLUMNS``, in that order.

    Rows are read by position: attribute access on result rows costs more than
    building the Event, and evidence_views must scale to a million events.
    """
    (
        _id,
        _report_id,
        _seq,
        type_,
        modality,
        date,
        places,
        agent,
        recipient,
        quantity,
        subject,
        old_date,
        new_date,
        requested_by,
        granted_by,
        via,
        reason,
        sentence,
        start,
        end,
        confidence,
        trigger,
        trigger_start,
        trigger_end,
        rule,
        date_precision,
        _extractor_version,
    ) = values
    return model.Event(
        type=_EVENT_TYPES[type_],
        modality=_MODALITIES[modality],
        date=date,
        places=_places(places),
        agent=agent,
        recipient=recipient,
        quantity=quantity,
        subject=subject,
        old_date=old_date,
        new_date=new_date,
        requested_by=requested_by,
        granted_by=granted_by,
        via=via,
        reason=reason,
        sentence=sentence,
        start=start,
        end=end,
        confidence=confidence,
        trigger=trigger,
        trigger_start=trigger_start,
        trigger_end=trigger_end,
        rule=rule,
        date_precision=date_precision,
    )


def _places(text: str | None) -> list[str]:
    """The JSON list of place names of an event (parsed once per distinct list)."""
    if not text or text == "[]":
        return []
    parsed = _PLACES_CACHE.get(text)
    if parsed is None:
        parsed = json.loads(text)
        if len(_PLACES_CACHE) < 100_000:
            _PLACES_CACHE[text] = parsed
    return list(parsed)


_PLACES_CACHE: dict[str, list[str]] = {}
_EVENT_TYPES = {t.value: t for t in model.EventType}
_MODALITIES = {m.value: m for m in model.Modality}
_N_EVENT = len(_EVENT_COLUMNS)
assert [c.name for c in _EVENT_COLUMNS[:4]] == ["id", "report_id", "seq", "type"]
assert _N_EVENT == 27, "update _event_from_row when the events table changes"


_VIEW_COLUMNS = (
    EvidenceRow.id.label("evidence_id"),
    EvidenceRow.provision_id,
    EvidenceRow.relation,
    EvidenceRow.state,
    *_EVENT_COLUMNS,  # includes report_id
    ReportRow.published,
    ReportRow.title,
    ReportRow.story_id,
    ReportRow.source,
    _copies_count().label("copies"),
)
_RELATIONS = {r.value: r for r in model.Relation}
_STATES = {r.value: r for r in model.ReviewState}


def _view_from_values(values: Sequence[Any]) -> model.EvidenceView:
    """An EvidenceView from the values of ``_VIEW_COLUMNS``, in that order."""
    evidence_id, provision_id, relation, state = values[:4]
    event_values = values[4 : 4 + _N_EVENT]
    published, title, story_id, source, copies = values[4 + _N_EVENT :]
    return model.EvidenceView(
        evidence_id=evidence_id,
        provision_id=provision_id,
        relation=_RELATIONS[relation],
        review=_STATES[state],
        event=_event_from_row(event_values),
        report_id=event_values[1],
        report_published=published,
        report_title=title,
        copies=copies,
        story_id=story_id,
        source=source,
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class _StatusStatements(NamedTuple):
    aggregate: Any
    breaches: Any
    moves: Any


def _counted(reviewed_only: bool, with_known_at: bool) -> list[Any]:
    """Evidence of agreement ``:agreement`` that counts: not rejected (accepted
    only, if reviewed only), from a report published by ``:known_at``."""
    v = EvidenceRow.__table__.c
    out = [v.agreement_id == bindparam("agreement"), v.state == "accepted" if reviewed_only else v.state != "rejected"]
    if with_known_at:
        out.append(v.report_published <= bindparam("known_at"))
    return out


def _shown_cond() -> Any:
    """Evidence shown with a status: restatements only if published by ``:as_of``."""
    v = EvidenceRow.__table__.c
    return or_(v.relation != "restates", v.report_published <= bindparam("as_of"))


@lru_cache(maxsize=None)
def _status_statements(reviewed_only: bool, with_known_at: bool) -> _StatusStatements:
    """The fixed statements of ``Store.status_evidence`` (built once: building
    a statement costs more than SQLite running it)."""
    v = EvidenceRow.__table__.c
    counted = _counted(reviewed_only, with_known_at)
    by_v = v.happened_on <= bindparam("as_of")
    proposed = v.state == "proposed"

    # Aggregate FILTER clauses (SQLite >= 3.30): cheaper than SUM(CASE ...) on PostgreSQL.
    def n(cond: Any) -> Any:
        return func.count().filter(cond)

    def first_day(relation: str) -> Any:
        return func.min(v.happened_on).filter(v.relation == relation, by_v)

    aggregate = (
        select(
            v.provision_id,
            func.count(),
            n(_shown_cond()),
            n(and_(_shown_cond(), proposed)),
            n(proposed),
            func.count(func.distinct(case((v.story_id.is_(None), -v.report_id), else_=v.story_id))),
            n(and_(v.relation == "denies", v.report_published <= bindparam("as_of"))),
            first_day("fulfils"),
            first_day("partly_fulfils"),
        )
        .where(*counted)
        .group_by(v.provision_id)
    )
    breaches = (
        select(v.provision_id, v.happened_on, func.count())
        .where(*counted, v.relation == "breaches", by_v)
        .group_by(v.provision_id, v.happened_on)
    )
    moves = (
        select(
            v.id, v.provision_id, v.state, v.report_published, v.story_id, v.report_id,
            EventRow.type, EventRow.modality, EventRow.date, EventRow.old_date, EventRow.new_date,
            EventRow.requested_by, EventRow.granted_by, EventRow.via, EventRow.reason, EventRow.sentence,
        )
        .join(EventRow, EventRow.id == v.event_id)
        .where(*counted, v.relation == "reschedules")
        .order_by(v.report_published, v.id)
    )
    return _StatusStatements(aggregate, breaches, moves)


@lru_cache(maxsize=512)
def _rows_shown_statement(kinds: tuple[str, ...], reviewed_only: bool, with_known_at: bool, limit: int) -> Any:
    """Full EvidenceView rows (``_VIEW_COLUMNS``) of, for part ``j`` of ``kinds``
    and provision ``:pid<j>``, the ``limit`` most recent shown rows ("shown";
    "counted": of every counted row, when none is shown) or the first row, by
    (published, id), of the day ``:day<j>`` of the earliest "fulfils" / "partly"
    fulfilment. The ids come from one UNION ALL of index ranges, each part in a
    subquery (SQLite allows ORDER BY / LIMIT in compound members only there)."""
    v = EvidenceRow.__table__.c
    parts = []
    for j, kind in enumerate(kinds):
        mine = [*_counted(reviewed_only, with_known_at), v.provision_id == bindparam(f"pid{j}")]
        if kind in ("shown", "counted"):
            stmt = select(v.id).where(*mine, *([_shown_cond()] if kind == "shown" else []))
            stmt = stmt.order_by(v.report_published.desc(), v.id.desc()).limit(limit)
        else:
            relation = "fulfils" if kind == "fulfils" else "partly_fulfils"
            stmt = select(v.id).where(*mine, v.relation == relation, v.happened_on == bindparam(f"day{j}"))
            stmt = stmt.order_by(v.report_published, v.id).limit(1)
        parts.append(select(stmt.subquery().c.id))
    ids = parts[0] if len(parts) == 1 else union_all(*parts)
    return (
        select(*_VIEW_COLUMNS)
        .join(EventRow, EventRow.id == EvidenceRow.event_id)
        .join(ReportRow, ReportRow.id == EventRow.report_id)
        .where(EvidenceRow.id.in_(ids))
    )


@lru_cache(maxsize=None)
def _rows_shown_statement_pg(reviewed_only: bool, with_known_at: bool, limit: int) -> Any:
    """PostgreSQL's form of :func:`_rows_shown_statement`, one fixed statement:
    the provisions come as arrays (``:pids`` with ``:every``, true where no row
    is shown so every counted one may be; ``:fpids`` / ``:frels`` / ``:fdays``
    for the earliest fulfilments) and each index range is a LATERAL subquery.
    A UNION ALL of one part per provision costs PostgreSQL more to plan than to run."""
    from sqlalchemy import Boolean, Date, String, true
    from sqlalchemy.dialects.postgresql import ARRAY

    v = EvidenceRow.__table__.c
    counted = _counted(reviewed_only, with_known_at)
    ids = []
    if limit > 0:
        p = func.unnest(bindparam("pids", type_=ARRAY(String)), bindparam("every", type_=ARRAY(Boolean)))
        p = p.table_valued("pid", "every").render_derived()
        recent = (
            select(v.id).where(*counted, v.provision_id == p.c.pid, or_(p.c.every, _shown_cond()))
            .order_by(v.report_published.desc(), v.id.desc()).limit(limit).lateral()
        )
        ids.append(select(recent.c.id).select_from(p).join(recent, true()))
    f = func.unnest(bindparam("fpids", type_=ARRAY(String)), bindparam("frels", type_=ARRAY(String)),
                    bindparam("fdays", type_=ARRAY(Date)))
    f = f.table_valued("pid", "relation", "day").render_derived()
    first = (
        select(v.id).where(*counted, v.provision_id == f.c.pid, v.relation == f.c.relation, v.happened_on == f.c.day)
        .order_by(v.report_published, v.id).limit(1).lateral()
    )
    ids.append(select(first.c.id).select_from(f).join(first, true()))
    return (
        select(*_VIEW_COLUMNS)
        .join(EventRow, EventRow.id == EvidenceRow.event_id)
        .join(ReportRow, ReportRow.id == EventRow.report_id)
        .where(EvidenceRow.id.in_(union_all(*ids) if len(ids) > 1 else ids[0]))
    )


def _first_on(rows: list[model.EvidenceView], relation: model.Relation, day: dt.date | None) -> model.EvidenceView | None:
    """The first of ``rows`` (sorted by published, id) with ``relation`` that happened on ``day``."""
    if day is None:
        return None
    return next((e for e in rows if e.relation == relation and (e.event.date or e.report_published) == day), None)


def _evidence_select() -> Any:
    return (
        select(
            EvidenceRow.id,
            EvidenceRow.event_id,
            EvidenceRow.agreement_id,
            EvidenceRow.provision_id,
            EvidenceRow.relation,
            EvidenceRow.state,
            EvidenceRow.version,
            EvidenceRow.created_at,
            EventRow.sentence,
            EventRow.type,
            EventRow.modality,
            EventRow.date,
            EventRow.confidence,
            ReportRow.id.label("report_id"),
            ReportRow.published,
            ReportRow.title,
        )
        .join(EventRow, EventRow.id == EvidenceRow.event_id)
        .join(ReportRow, ReportRow.id == EventRow.report_id)
    )


def _evidence_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "event_id": r.event_id,
        "agreement_id": r.agreement_id,
        "provision_id": r.provision_id,
        "relation": r.relation,
        "state": r.state,
        "version": r.version,
        "created_at": _iso(r.created_at),
        "sentence": r.sentence,
        "type": r.type,
        "modality": r.modality,
        "date": _iso(r.date),
        "confidence": r.confidence,
        "report_id": r.report_id,
        "published": _iso(r.published),
        "title": r.title,
    }
