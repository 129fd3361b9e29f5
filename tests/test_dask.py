"""`accordwatch ingest --workers N` / `--scheduler URL` (issue 5): the workers
extract chunks in parallel and store them one chunk after the other, in input
order — the database must be the same as after a single-process run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accordwatch.cli import app
from dbdump import dump

ROOT = Path(__file__).resolve().parents[1]
pytest.importorskip("distributed")


def _synth():
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Path:
    """60 synthetic full-length reports (3 exact duplicates, 1 near-duplicate), one bad line, the seed."""
    folder = tmp_path_factory.mktemp("reports")
    _synth().write(folder, 60, seed=6, per_file=25, long=True)
    (folder / "bad.jsonl").write_text('{"text": "no date here"}\nnot json\n', encoding="utf-8")
    (folder / "seed.txt").write_text((ROOT.parent / "shared" / "seed" / "000_df3373dbb6161ae0.txt").read_text(encoding="utf-8")
                                     if (ROOT.parent / "shared" / "seed").is_dir() else "date 2020-11-15\nArmenia handed Kalbajar over to Azerbaijan.\n",
                                     encoding="utf-8")
    return folder


def _ingest(url: str, folder: Path, *extra: str) -> dict:
    res = CliRunner().invoke(app, ["--db", url, "ingest", str(folder), "--format", "json", *extra])
    assert res.exit_code == 2, res.output  # 2: something was quarantined (the bad lines)
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def single(reports, tmp_path_factory) -> tuple[dict, dict]:
    url = f"sqlite:///{tmp_path_factory.mktemp('single') / 'a.sqlite'}"
    return _ingest(url, reports), dump(url)


def test_workers_give_the_same_database_as_one_process(reports, single, db_url, monkeypatch):
    """On SQLite and PostgreSQL, in chunks of 7 reports: duplicates and
    near-duplicates of reports stored by the other worker's chunks are found,
    and stories are named after the first report in input order."""
    import accordwatch.distributed as d

    monkeypatch.setattr(d, "DEFAULT_CHUNK", 7)
    summary1, dump1 = single
    summary2 = _ingest(db_url, reports, "--workers", "2")
    assert summary2 == summary1
    assert dump(db_url) == dump1
    assert len(dump1["events"]) > 60 and dump1["evidence"] and dump1["copies"]
    assert summary1["near_duplicates"] > 0 and summary1["duplicates"] > 0


def test_an_ingest_resumed_on_workers_matches_one_uninterrupted_run(reports, single, tmp_path, monkeypatch):
    """Half the reports in one process, then all of them on two workers (as
    after an interruption): the same database as one uninterrupted run."""
    import accordwatch.distributed as d

    monkeypatch.setattr(d, "DEFAULT_CHUNK", 5)
    url = f"sqlite:///{tmp_path / 'r.sqlite'}"
    first = sorted(reports.glob("reports-*.jsonl"))[0]  # the first reports read: what an interrupted run stored
    res = CliRunner().invoke(app, ["--db", url, "ingest", str(first), "--format", "json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["new"] > 10, res.output
    _ingest(url, reports, "--workers", "2")
    assert dump(url) == single[1]


def test_a_worker_that_cannot_see_the_database_says_so(reports, tmp_path):
    """Workers write themselves: a SQLite file they cannot see is a clear error
    (no empty database created on their side), and nothing is stored after it."""
    from distributed import Client, LocalCluster

    from accordwatch.agreements import load_all
    from accordwatch.distributed import WriterSpec, ingest_many
    from accordwatch.errors import AccordWatchError
    from accordwatch.ingest import iter_items

    missing = tmp_path / "elsewhere" / "x.sqlite"
    items = [i for i in iter_items([reports]) if not i.error][:12]
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, Client(cluster) as client:
        with pytest.raises(AccordWatchError, match="not on this machine"):
            list(ingest_many(items, client, list(load_all().values()), WriterSpec(f"sqlite:///{missing}", 50, 0.8, 30), chunk_size=5))
    assert not missing.exists() and not missing.parent.exists()


def test_scheduler_uses_an_existing_cluster(reports, single, tmp_path):
    from distributed import LocalCluster

    summary1, dump1 = single
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        assert _ingest(url, reports, "--scheduler", cluster.scheduler_address) == summary1
        assert dump(url) == dump1
        # Again: nothing new, and stored texts are not even sent to the cluster.
        again = _ingest(url, reports, "--scheduler", cluster.scheduler_address)
    assert again["new"] == 0 and again["events"] == 0 and again["duplicates"] == summary1["new"] + summary1["duplicates"]
    assert dump(url) == dump1


def test_workers_and_scheduler_together_are_refused(reports, tmp_path):
    res = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "ingest", str(reports), "--workers", "2", "--scheduler", "tcp://127.0.0.1:1"])
    assert res.exit_code == 1
    assert "not both" in res.output


def test_unreachable_scheduler_is_a_clear_error(reports, tmp_path):
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = CliRunner().invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "ingest", str(reports), "--scheduler", "tcp://127.0.0.1:9"])
    assert res.exit_code == 1
    assert "cannot reach the Dask scheduler" in res.output


def test_a_database_deleted_and_created_again_gets_the_next_run(reports, tmp_path):
    """Workers live longer than one ingest (a cluster of your own): the next run
    must write to the new file at that path, not to the deleted one they had open."""
    from distributed import LocalCluster

    db = tmp_path / "again.sqlite"
    url = f"sqlite:///{db}"
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        first = _ingest(url, reports, "--scheduler", cluster.scheduler_address)
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        second = _ingest(url, reports, "--scheduler", cluster.scheduler_address)
    assert second["new"] == first["new"] > 50
    assert len(dump(url)["reports"]) == first["new"]
