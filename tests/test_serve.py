"""`accordwatch serve` as a user starts it: a real process on a loopback port,
one worker or several, with the options handed to every worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

STATUS = "/api/v1/agreements/nk-2020-11-10/status?as_of=2020-11-26"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> str:  # noqa: ANN001
    from accordwatch.demo import build_demo

    url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'demo.sqlite'}"
    store, _ = build_demo(url)
    store.close()
    return url


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(url: str, *args: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1] / "src"))
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen([sys.executable, "-m", "accordwatch.cli", "--db", url, "serve", "--port", str(port), *args],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise AssertionError(f"server did not start:\n{log.read_text()}")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_several_workers_serve_the_same_database_with_the_same_options(demo_db: str, tmp_path: Path) -> None:
    proc, base = _serve(demo_db, "--workers", "2", "--public-read", log=tmp_path / "serve.log")
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len([c for c in children if "python" in c.name().lower()]) >= 2, children
        with httpx.Client(base_url=base) as client:
            answers = [client.get(STATUS) for _ in range(8)]
        assert {r.status_code for r in answers} == {200}  # public read reached every worker
        kal = {p["id"]: p for p in answers[0].json()["provisions"]}["nk-2020-11-10/6-kalbajar"]
        assert kal["current_due"] == "2020-11-25"  # the demo database, not an empty default one
        assert "2 worker processes" in (tmp_path / "serve.log").read_text()
    finally:
        _stop(proc)


def test_workers_without_public_read_refuse_anonymous_readers(demo_db: str, tmp_path: Path) -> None:
    proc, base = _serve(demo_db, "--workers", "2", log=tmp_path / "serve.log")
    try:
        r = httpx.get(base + STATUS)
        assert r.status_code == 401 and "log in" in r.json()["error"]["message"]
    finally:
        _stop(proc)


def test_workers_must_be_a_positive_number(demo_db: str, tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "accordwatch.cli", "--db", demo_db, "serve", "--workers", "0"],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode != 0 and "--workers" in res.stderr
