"""Two ingest processes writing the same reports into one database at once
(issue 5): nothing lost, nothing stored twice — the database equals the one a
single run gives, on PostgreSQL."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from dbdump import dump

ROOT = Path(__file__).resolve().parents[1]


def _synth():
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """~100 synthetic reports (with exact and near duplicates) in JSON Lines and
    seed-format files, and a file that must be quarantined."""
    folder = tmp_path_factory.mktemp("reports")
    _synth().write(folder / "jsonl", 70, seed=11, per_file=20)
    _synth().write(folder / "txt", 30, seed=12, fmt="txt")
    (folder / "undated.txt").write_text("Armenia handed Kalbajar over to Azerbaijan.\n", encoding="utf-8")
    return folder


def _cmd(url: str, folder: Path) -> list[str]:
    # Small batches: the two writers interleave many transactions.
    return [sys.executable, "-m", "accordwatch.cli", "--db", url, "ingest", str(folder), "--format", "json", "--quiet", "--batch-size", "7"]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return env


@pytest.fixture(scope="module")
def single(reports, tmp_path_factory) -> dict:
    from typer.testing import CliRunner

    from accordwatch.cli import app

    url = f"sqlite:///{tmp_path_factory.mktemp('single') / 'one.sqlite'}"
    res = CliRunner().invoke(app, _cmd(url, reports)[3:])  # in this process: no start-up cost
    assert res.exit_code == 2, res.output  # 2: the undated file was quarantined
    return dump(url)


def dump_single_reports(d: dict) -> list[tuple]:
    return sorted(r[:-1] for r in d["reports"])


@pytest.fixture
def pg_url(tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh PostgreSQL schema (SQLite writers take turns on one lock, so the race is PostgreSQL's)."""
    from conftest import PG_ENV, PG_SKIP, _pg_schema_url

    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    yield from _pg_schema_url(base)


def test_two_ingests_at_once_store_each_report_once(pg_url, reports, single):
    db_url = pg_url
    # Create the schema first, as one process; then both ingest at the same time.
    from accordwatch.store import Store

    with Store(db_url) as s:
        s.upgrade()
    procs = [subprocess.Popen(_cmd(db_url, reports), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env()) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 2, err

    # Stories (near-duplicate groups) are not compared: each process groups
    # with its own in-memory index, so which report starts a story may differ.
    got = dump(db_url, stories=False)
    single = {**single, "reports": dump_single_reports(single)}
    for table in ("reports", "copies", "events", "evidence"):
        assert len(got[table]) == len(single[table]), table
        assert got[table] == single[table], table
    assert {q[:2] for q in got["quarantine"]} == {q[:2] for q in single["quarantine"]}

    engine = create_engine(db_url)
    try:
        with engine.connect() as c:
            dup_reports = c.execute(text("SELECT content_hash FROM reports GROUP BY content_hash HAVING COUNT(*) > 1")).all()
            dup_events = c.execute(text(
                'SELECT report_id, seq FROM events GROUP BY report_id, extractor_version, seq HAVING COUNT(*) > 1')).all()
            dup_evidence = c.execute(text(
                "SELECT event_id FROM evidence GROUP BY event_id, provision_id, relation HAVING COUNT(*) > 1")).all()
            orphans = c.execute(text(
                "SELECT COUNT(*) FROM reports r WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.report_id = r.id)")).scalar()
    finally:
        engine.dispose()
    assert dup_reports == [] and dup_events == [] and dup_evidence == []
    single_empty = sum(1 for _ in single["reports"]) - len({e[0] for e in single["events"]})
    assert orphans == single_empty  # no report lost its events
