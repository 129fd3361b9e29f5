"""Crash safety: `accordwatch ingest` killed with SIGKILL at any moment, then run
again, leaves exactly the database an uninterrupted run leaves."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

PLACES = ["Aghdam", "Kalbajar", "Lachin", "Fuzuli", "Jabrayil", "Zangilan", "Qubadli", "Shusha"]
SENTENCES = [
    "Armenia handed the {p} district back to Azerbaijan on {wd}.",
    "Armenian forces withdrew from the {p} district on {wd}, the defence ministry said.",
    "The handover of {p}, first set for {d1}, was postponed until {d2}.",
    "Azerbaijani army units entered the {p} district in the morning.",
    "Russian peacekeepers took up positions near {p} on {wd}.",
    "Armenia is to return the {p} district by {d2}.",
    "Residents of {p} left before the handover, witnesses said.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
N_REPORTS = 300


def make_reports(folder: Path, n: int = N_REPORTS, seed: int = 7) -> int:
    """``n`` small seed-format reports (some exact and near copies, a few bad files); returns the good ones."""
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    texts: list[str] = []
    good = 0
    for i in range(n):
        name = folder / f"r{i:04d}.txt"
        if i % 97 == 50:
            name.write_text("Troops withdrew from somewhere, with no date given.")  # no-date
            continue
        if i % 97 == 80:
            name.write_bytes(f"date 2020-11-20\nCaf\xe9 {i} in Lachin reopened.".encode("latin-1"))  # undecodable
            continue
        published = dt.date(2020, 11, 10) + dt.timedelta(days=rnd.randrange(0, 40))
        if texts and i % 25 == 24:
            body = rnd.choice(texts)  # an exact copy of an earlier report
        elif texts and i % 30 == 29:
            body = rnd.choice(texts) + " (Updated with details.)"  # a near copy
        else:
            p = rnd.choice(PLACES)
            d1 = published + dt.timedelta(days=rnd.randrange(1, 10))
            d2 = d1 + dt.timedelta(days=rnd.randrange(3, 15))
            picks = rnd.sample(SENTENCES, rnd.randrange(1, 4))
            body = f"BAKU, report {i} - " + " ".join(
                s.format(p=p, wd=rnd.choice(WEEKDAYS), d1=f"{d1.day} {d1:%B}", d2=f"{d2.day} {d2:%B}") for s in picks
            )
            texts.append(body)
        name.write_text(f"date {published.isoformat()}\n{body}\n")
        good += 1
    return good


def ingest_cmd(db: Path, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "accordwatch.cli", "--db", f"sqlite:///{db}", "ingest", str(folder), "--quiet",
            "--format", "json", "--batch-size", "20", *extra]


def run_to_end(db: Path, folder: Path, *extra: str) -> None:
    res = subprocess.run(ingest_cmd(db, folder, *extra), capture_output=True, text=True, timeout=180, env=_env())
    assert res.returncode == 2, res.stderr  # 2: the bad files were quarantined


def uninterrupted(db: Path, folder: Path) -> None:
    """The reference run, in this process (same code and batch size as the command)."""
    from accordwatch import services
    from accordwatch.ingest import ingest
    from accordwatch.store import Store

    with Store(f"sqlite:///{db}") as store:
        store.upgrade()
        summary = ingest(store, [str(folder)], list(services.agreements([]).values()), batch_size=20)
    assert summary.quarantined and summary.new


def _env() -> dict[str, str]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[1] / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ACCORDWATCH_DB", None)
    return env


def count_reports(db: Path) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return con.execute("SELECT count(*) FROM reports").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def kill_after(db: Path, folder: Path, reports: int, extra: float) -> int:
    """Start an ingest, SIGKILL it once ``reports`` reports are stored (plus ``extra`` seconds); returns the count then."""
    proc = subprocess.Popen(ingest_cmd(db, folder), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if count_reports(db) >= reports:
                time.sleep(extra)
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return count_reports(db)


def dump(db: Path) -> dict[str, list[tuple]]:
    """What is stored, by content (no ids, no timestamps)."""
    con = sqlite3.connect(db)
    try:
        h = dict(con.execute("SELECT id, content_hash FROM reports"))
        out: dict[str, list[tuple]] = {}
        out["reports"] = sorted(
            (r[0], r[1], r[2], r[3], r[4], r[5], h.get(r[6]))
            for r in con.execute("SELECT content_hash, published, title, path, url, language, story_id FROM reports")
        )
        out["copies"] = sorted((h[r[0]], r[1], r[2]) for r in con.execute("SELECT report_id, path, url FROM report_copies"))
        cols = [c[1] for c in con.execute("PRAGMA table_info(events)") if c[1] not in ("id", "report_id")]
        ev: dict[int, tuple] = {}
        for r in con.execute(f"SELECT id, report_id, {', '.join(repr(c).replace(chr(39), chr(34)) for c in cols)} FROM events"):
            ev[r[0]] = (h[r[1]],) + tuple(r[2:])
        out["events"] = sorted(ev.values(), key=repr)
        out["evidence"] = sorted(
            (ev[r[0]][:2] + tuple(r[1:]) for r in con.execute("SELECT event_id, agreement_id, provision_id, relation, state, version FROM evidence")),
            key=repr,
        )
        out["signatures"] = sorted((h[r[0]], r[1], r[2]) for r in con.execute("SELECT report_id, num_perm, signature FROM report_signatures"))
        out["quarantine"] = sorted(con.execute("SELECT source, reason, content_hash FROM quarantine"))
        return out
    finally:
        con.close()


def test_sigkill_at_any_moment_then_rerun_equals_an_uninterrupted_run(tmp_path):
    folder = tmp_path / "reports"
    good = make_reports(folder)
    clean, crashed = tmp_path / "clean.sqlite", tmp_path / "crashed.sqlite"

    uninterrupted(clean, folder)
    expected = dump(clean)
    stored = len(expected["reports"])
    assert 250 < stored <= good and len(expected["events"]) > stored and expected["evidence"]
    assert expected["copies"] and {q[1] for q in expected["quarantine"]} == {"no-date", "undecodable"}
    assert len({r[6] for r in expected["reports"]}) < stored  # some reports share a story

    rnd = random.Random(20201115)
    seen = []
    for target in sorted(rnd.sample(range(1, stored - 10), 3)):
        seen.append(kill_after(crashed, folder, target, rnd.uniform(0, 0.05)))
    # on a fast machine a run may finish before the kill lands: start over, kill earlier
    for attempt in range(6):
        if any(0 < n < stored for n in seen):
            break
        for suffix in ("", "-wal", "-shm"):
            Path(str(crashed) + suffix).unlink(missing_ok=True)
        seen.append(kill_after(crashed, folder, 1 + 10 * attempt, 0.0))
    assert any(0 < n < stored for n in seen), f"no kill landed mid-run: {seen}"
    partial = dump(crashed)
    assert len(partial["events"]) <= len(expected["events"])
    stored_partial = {r[0] for r in partial["reports"]}
    assert all(e[0] in stored_partial for e in partial["events"])
    # a report is never stored without its events: every stored report that the
    # clean run gave events has them all
    for key in ("events",):
        clean_by_report: dict[str, int] = {}
        for e in expected[key]:
            clean_by_report[e[0]] = clean_by_report.get(e[0], 0) + 1
        partial_by_report: dict[str, int] = {}
        for e in partial[key]:
            partial_by_report[e[0]] = partial_by_report.get(e[0], 0) + 1
        for digest in stored_partial:
            assert partial_by_report.get(digest, 0) == clean_by_report.get(digest, 0)

    run_to_end(crashed, folder)
    got = dump(crashed)
    for table in expected:
        assert got[table] == expected[table], f"{table} differs after SIGKILL and re-run (kills at {seen})"


def _kill_when_writing(db: Path, folder: Path) -> list:
    """Start `ingest --workers 2`, SIGKILL it once the first reports are stored; returns its child processes then."""
    import psutil

    proc = subprocess.Popen(ingest_cmd(db, folder, "--workers", "2"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=_env())
    deadline = time.monotonic() + 120
    children: list = []
    try:
        while proc.poll() is None and time.monotonic() < deadline and count_reports(db) == 0:
            time.sleep(0.005)
        try:
            children = psutil.Process(proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    return children


def test_sigkill_during_an_ingest_on_dask_workers_then_rerun_equals_an_uninterrupted_run(tmp_path):
    """`ingest --workers 2`: the workers write. Killing the client takes its
    workers down with it (none goes on writing), no report is left without its
    events, and running it again gives the database an uninterrupted run gives."""
    import psutil

    folder = tmp_path / "reports"
    make_reports(folder)
    clean, crashed = tmp_path / "clean.sqlite", tmp_path / "crashed.sqlite"
    uninterrupted(clean, folder)
    expected = dump(clean)
    stored = len(expected["reports"])

    for _attempt in range(3):  # a fast machine may store everything before the kill lands: try again
        for suffix in ("", "-wal", "-shm"):
            Path(str(crashed) + suffix).unlink(missing_ok=True)
        children = _kill_when_writing(crashed, folder)
        assert children, "the ingest ended before its workers could be seen"
        _gone, alive = psutil.wait_procs(children, timeout=30)
        assert not alive, f"worker processes outlived the killed ingest: {alive}"
        partial = dump(crashed)
        if 0 < len(partial["reports"]) < stored:
            break
    assert 0 < len(partial["reports"]) < stored, "the kill did not land mid-run"
    clean_events: dict[str, int] = {}
    for e in expected["events"]:
        clean_events[e[0]] = clean_events.get(e[0], 0) + 1
    partial_events: dict[str, int] = {}
    for e in partial["events"]:
        partial_events[e[0]] = partial_events.get(e[0], 0) + 1
    for r in partial["reports"]:  # never a report without its events
        assert partial_events.get(r[0], 0) == clean_events.get(r[0], 0)

    run_to_end(crashed, folder, "--workers", "2")
    got = dump(crashed)
    for table in expected:
        assert got[table] == expected[table], f"{table} differs after SIGKILL and a re-run on workers"
