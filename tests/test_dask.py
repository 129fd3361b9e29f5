"""`accordwatch ingest --workers N` / `--scheduler URL` (issue 5): extraction on a
Dask cluster, writes in the client in input order — the database must be the
same as after a single-process run."""

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
    """~60 synthetic reports (with duplicates and near-duplicates), one bad line, the seed."""
    folder = tmp_path_factory.mktemp("reports")
    _synth().write(folder, 60, seed=5, per_file=25)
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


def test_workers_give_the_same_database_as_one_process(reports, single, tmp_path):
    summary1, dump1 = single
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    summary2 = _ingest(url, reports, "--workers", "2")
    assert summary2 == summary1
    assert dump(url) == dump1
    assert len(dump1["events"]) > 60 and dump1["evidence"] and dump1["copies"]


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
