"""A canonical dump of an AccordWatch database: what is stored, without ids and
timestamps, so two databases built from the same inputs compare equal."""

from __future__ import annotations

from sqlalchemy import create_engine, text

SKIP = {"id", "report_id", "event_id", "evidence_id", "ingested_at", "seen_at", "created_at", "first_seen", "last_seen", "at", "duplicate_of", "story_id"}


def dump(url: str, stories: bool = True) -> dict[str, list[tuple]]:
    """Rows of reports, copies, events, evidence and quarantine, keyed by content
    (with each report's story, by the content hash of its first report, if ``stories``)."""
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            hashes = dict(c.execute(text("SELECT id, content_hash FROM reports")).all())
            out: dict[str, list[tuple]] = {}
            out["reports"] = sorted(
                _s(r[:-1]) + ((hashes.get(r[-1]),) if stories else ())  # the story, by the content hash of its first report
                for r in c.execute(text("SELECT content_hash, published, title, url, path, source, language, story_id FROM reports"))
            )
            out["copies"] = sorted(
                (hashes[r[0]],) + _s(r[1:]) for r in c.execute(text("SELECT report_id, path, url, source FROM report_copies"))
            )
            cols = [k for k in c.execute(text("SELECT * FROM events LIMIT 0")).keys() if k not in SKIP]
            ev_key: dict[int, tuple] = {}
            rows = []
            for r in c.execute(text(f"SELECT id, report_id, {', '.join(_q(k) for k in cols)} FROM events")):
                key = (hashes[r[1]],) + tuple(str(v) for v in r[2:])
                ev_key[r[0]] = key
                rows.append(key)
            out["events"] = sorted(rows)
            out["evidence"] = sorted(
                ev_key[r[0]] + _s(r[1:])
                for r in c.execute(text("SELECT event_id, agreement_id, provision_id, relation, state FROM evidence"))
            )
            out["quarantine"] = sorted(_s(r) for r in c.execute(text("SELECT source, reason, content_hash FROM quarantine")))
            return out
    finally:
        engine.dispose()


def _q(name: str) -> str:
    return f'"{name}"'


def _s(row) -> tuple:
    """Values as text: SQLite and PostgreSQL return dates, floats and bytes differently."""
    return tuple(None if v is None else str(v) for v in row)
