"""`accordwatch demo`: a fresh database from the bundled agreement and example reports."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from .agreements import load_all
from .ingest import IngestSummary, ingest

# (as of V, known at K, what it shows)
DEMO_DATES: list[tuple[dt.date, dt.date | None, str]] = [
    (dt.date(2020, 11, 16), dt.date(2020, 11, 14), "nobody knew of the postponement yet: Kalbajar looks overdue"),
    (dt.date(2020, 11, 16), dt.date(2020, 11, 15), "the seed report moved Kalbajar to 25 November"),
    (dt.date(2020, 11, 21), None, "Aghdam handed over on 20 November"),
    (dt.date(2020, 12, 2), None, "all three districts handed over"),
]


def example_files() -> list[Path]:
    folder = resources.files("accordwatch").joinpath("examples/nk")
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".txt"))


def reset_sqlite(url: str) -> None:
    """Remove an old demo database file so the demo always starts fresh."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                p.unlink()


def build_demo(url: str):
    from .store import Store

    reset_sqlite(url)
    store = Store(url)
    store.upgrade()
    summary: IngestSummary = ingest(store, example_files(), list(load_all().values()))
    return store, summary
