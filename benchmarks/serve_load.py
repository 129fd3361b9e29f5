"""Load test of the web server: `accordwatch serve` under N concurrent clients.

Builds the demo database (SQLite, temporary folder), adds a viewer user and an
API token, starts `accordwatch serve --public-read` in a subprocess on
127.0.0.1 (a free port; loopback only), waits for ``/healthz``, then runs
``--clients`` concurrent clients (default 20, ``httpx.AsyncClient``) for
``--seconds`` (default 20) against each endpoint in turn:

* status:    ``GET /api/v1/agreements/nk-2020-11-10/status?as_of=<random Nov-Dec 2020 date>``
             with ``Authorization: Bearer <token>`` (the viewer's token)
* dashboard: ``GET /agreements/nk-2020-11-10?as_of=...`` (anonymous: the server
             runs with ``--public-read``, so no session cookie is needed)
* status-cold, dashboard-cold: the same with a random as-of day over ten years
             and a random known-at day, so that almost every question is new
             and the server's answer cache (accordwatch.cache) rarely helps
* healthz:   ``GET /healthz`` - the peer: a trivial endpoint, the framework's floor

Per-request latency is recorded; p50 / p95 / p99, requests/s and errors are
reported per endpoint, with the server's CPU time per request. Client and
server share the machine's cores, so the client is a minimal asyncio HTTP/1.1
keep-alive client (~0.1 ms of CPU per request); ``--client httpx`` uses
``httpx.AsyncClient`` instead, which costs ~1.5 ms of CPU per request and on
2 cores measures the client more than the server.

    python benchmarks/serve_load.py --seconds 5
    python benchmarks/serve_load.py --write        # 20 clients, 20 s per endpoint, into RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, header, table, write_section  # noqa: E402

sys.path.insert(0, str(ROOT / "src"))

AGREEMENT = "nk-2020-11-10"
DAY0 = dt.date(2020, 11, 1)
N_DAYS = 61  # 1 November - 31 December 2020
COLD_DAYS = 3653  # 2020-11-01 .. 2030-10-31: as-of days for the *-cold endpoints
ENDPOINTS = ("status", "dashboard", "status-cold", "dashboard-cold", "healthz")
TARGETS = {"status": 50.0, "dashboard": 200.0}  # p95 in ms at 20 concurrent clients
MAX_PER_CLIENT = 100_000  # hard bound on the requests of one client in one phase


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(folder: Path) -> tuple[str, str]:
    """The demo database with a viewer and a token; returns (db url, token)."""
    from accordwatch.demo import build_demo
    from accordwatch.web.auth import hash_password, new_token, token_hash

    url = f"sqlite:///{folder / 'demo.sqlite'}"
    store, _summary = build_demo(url)
    try:
        store.add_user("loadviewer", hash_password("load-bench-pw"), "viewer")
        token = new_token()
        store.add_token("loadviewer", "serve-load", token_hash(token))
    finally:
        dispose = getattr(store, "close", None) or getattr(getattr(store, "engine", None), "dispose", None)
        if dispose:
            dispose()
    return url, token


def start_server(url: str, port: int, log: Path, workers: int = 1) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "accordwatch.cli", "--db", url, "serve",
           "--host", "127.0.0.1", "--port", str(port), "--public-read", "--workers", str(workers)]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    fh = open(log, "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)
    proc._aw_log = fh  # type: ignore[attr-defined]
    return proc


def wait_healthy(base: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server not healthy after {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    fh = getattr(proc, "_aw_log", None)
    if fh:
        fh.close()


def random_day(rng: random.Random) -> str:
    return (DAY0 + dt.timedelta(days=rng.randrange(N_DAYS))).isoformat()


def path_for(name: str, rng: random.Random) -> str:
    if name.endswith("-cold"):
        v = DAY0 + dt.timedelta(days=rng.randrange(COLD_DAYS))
        k = DAY0 + dt.timedelta(days=rng.randrange(N_DAYS))
        query = f"as_of={v.isoformat()}&known_at={k.isoformat()}"
    else:
        query = f"as_of={random_day(rng)}"
    if name.startswith("status"):
        return f"/api/v1/agreements/{AGREEMENT}/status?{query}"
    if name.startswith("dashboard"):
        return f"/agreements/{AGREEMENT}?{query}"
    return "/healthz"


class RawConnection:
    """One keep-alive HTTP/1.1 connection for GET requests: the cheapest client
    we can write in Python, so that the client's CPU does not hide the server's."""

    def __init__(self, host: str, port: int, headers: dict[str, str]):
        self.host, self.port = host, port
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.template = f"GET {{}} HTTP/1.1\r\nHost: {host}:{port}\r\n{extra}\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        """Send a GET, read the whole answer; returns the HTTP status."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(self.template.format(path).encode("latin-1"))
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split()[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if ":" in line)}
        if "content-length" in fields:
            await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            raise ConnectionError(f"answer to {path} has neither Content-Length nor chunked encoding")
        if fields.get("connection", "").lower() == "close":
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _loops(name: str, seconds: float, seed: int, gets: list, failures: tuple) -> dict:
    """One closed loop per ``get`` (a client: ``await get(path)`` -> HTTP status) on one
    endpoint for ``seconds``; latencies in ms, errors by kind."""
    lat: list[float] = []
    errors: dict[str, int] = {}
    t_start = time.perf_counter()
    deadline = t_start + seconds

    async def worker(i: int, get) -> None:  # noqa: ANN001
        rng = random.Random(seed * 1000 + i)
        for _ in range(MAX_PER_CLIENT):
            if time.perf_counter() >= deadline:
                return
            path = path_for(name, rng)
            t0 = time.perf_counter()
            try:
                code = await get(path)
                ok, key = code == 200, f"HTTP {code}"
            except failures as exc:
                ok, key = False, type(exc).__name__
            lat.append((time.perf_counter() - t0) * 1000)
            if not ok:
                errors[key] = errors.get(key, 0) + 1

    await asyncio.gather(*(worker(i, get) for i, get in enumerate(gets)))
    return {"name": name, "lat": lat, "errors": errors, "elapsed": time.perf_counter() - t_start}


def _headers(name: str, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if name.startswith("status") else {}


async def phase_raw(port: int, name: str, clients: int, seconds: float, token: str, seed: int) -> dict:
    """``clients`` concurrent loops on one endpoint for ``seconds`` over :class:`RawConnection`."""
    conns = [RawConnection("127.0.0.1", port, _headers(name, token)) for _ in range(clients)]
    warm = random.Random(seed)
    await asyncio.gather(*(c.get(path_for(name, warm)) for c in conns))  # warm-up, not counted

    def getter(conn: RawConnection):  # noqa: ANN202
        async def get(path: str) -> int:
            try:
                return await conn.get(path)
            except BaseException:
                conn.close()  # the next request opens a new connection
                raise
        return get

    try:
        return await _loops(name, seconds, seed, [getter(c) for c in conns], (OSError, asyncio.IncompleteReadError, ValueError))
    finally:
        for c in conns:
            c.close()


async def phase(base: str, name: str, clients: int, seconds: float, token: str, seed: int) -> dict:
    """``clients`` concurrent loops on one endpoint for ``seconds`` (httpx); latencies in ms."""
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers=_headers(name, token), limits=limits, timeout=30.0) as client:
        # warm-up (not counted): one request per client
        await asyncio.gather(*(client.get(path_for(name, random.Random(i))) for i in range(clients)),
                             return_exceptions=True)

        async def get(path: str) -> int:
            return (await client.get(path)).status_code

        return await _loops(name, seconds, seed, [get] * clients, (httpx.HTTPError,))


def server_cpu(pid: int) -> float:
    """User + system CPU seconds of the server so far: the process and its worker processes."""
    import psutil

    try:
        procs = [psutil.Process(pid)]
        procs += procs[0].children(recursive=True)
    except psutil.Error:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def pct(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = min(len(sorted_ms) - 1, max(0, int(round(q / 100 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[k]


def summarize(res: dict) -> dict:
    lat = sorted(res["lat"])
    n = len(lat)
    return {
        "name": res["name"], "n": n, "rps": n / res["elapsed"] if res["elapsed"] else 0.0,
        "p50": pct(lat, 50), "p95": pct(lat, 95), "p99": pct(lat, 99),
        "errors": sum(res["errors"].values()), "error_kinds": res["errors"],
    }


def profile(url: str, token: str, repeat: int = 20, top: int = 5) -> dict[str, dict[str, list[tuple[str, str, float]]]]:
    """cProfile of the status, dashboard and healthz requests in-process, after a warm-up.

    ``TestClient`` runs the app in a second thread (and sync endpoints run in a
    thread pool), which cProfile does not see; so the app is driven here through
    ``httpx.ASGITransport`` in this thread, with ``anyio.to_thread.run_sync``
    replaced by a direct call. Returns, per endpoint, the top functions by own
    time ("self") and the top AccordWatch functions by cumulative time ("ours"),
    each as (function, file:line, share of the profiled total)."""
    import cProfile
    import pstats

    import anyio.to_thread
    import httpx

    from accordwatch.web.app import create_app

    async def inline(func, *args, **_kw):  # noqa: ANN001, ANN202
        return func(*args)

    async def run(name: str, paths: list[str], headers: dict) -> pstats.Stats:
        app = create_app(url, public_read=True)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", headers=headers) as client:
            r = await client.get(paths[0])  # warm-up: templates, caches
            assert r.status_code == 200, (paths[0], r.status_code)
            times = []
            for p in paths:  # one at a time, no profiler: the service time of one request
                t0 = time.perf_counter()
                await client.get(p)
                times.append((time.perf_counter() - t0) * 1000)
            service[name] = sorted(times)[len(times) // 2]
            prof = cProfile.Profile()
            prof.enable()
            for p in paths:
                r = await client.get(p)
                assert r.status_code == 200, (p, r.status_code)
            prof.disable()
        app.state.store.close()
        return pstats.Stats(prof)

    out: dict[str, dict[str, list[tuple[str, str, float]]]] = {}
    service: dict[str, float] = {}
    original = anyio.to_thread.run_sync
    anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    try:
        for name in ("status", "dashboard", "healthz"):
            headers = _headers(name, token)
            rng = random.Random(7)
            st = asyncio.run(run(name, [path_for(name, rng) for _ in range(repeat)], headers))
            stats = st.stats  # type: ignore[attr-defined]
            total = sum(v[2] for v in stats.values()) or 1.0
            own = sorted(stats.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
            ours = sorted(((k, v) for k, v in stats.items() if "/accordwatch/" in k[0]),
                          key=lambda kv: kv[1][3], reverse=True)[:top + 3]
            out[name] = {
                "service_ms": service[name],  # type: ignore[dict-item]
                "self": [(fn, f"{_short(f)}:{ln}", v[2] / total) for (f, ln, fn), v in own],
                "ours": [(fn, f"{_short(f)}:{ln}", v[3] / total) for (f, ln, fn), v in ours],
            }
    finally:
        anyio.to_thread.run_sync = original  # type: ignore[assignment]
    return out


def _short(file: str) -> str:
    for marker in ("site-packages/", "/src/", "lib/python"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


CLIENT_TEXT = {
    "raw": "a minimal asyncio HTTP/1.1 client of ours, ~0.1 ms CPU per request",
    "httpx": "`httpx.AsyncClient`, ~1.5 ms CPU per request",
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    ap.add_argument("--seconds", type=float, default=20.0, help="seconds per endpoint (default 20)")
    ap.add_argument("--endpoints", default=",".join(ENDPOINTS), help="comma-separated, in this order; "
                    f"any of {', '.join(ENDPOINTS)}")
    ap.add_argument("--server-workers", type=int, default=1, help="accordwatch serve --workers (default 1)")
    ap.add_argument("--client", choices=["raw", "httpx"], default="raw",
                    help="load client: minimal asyncio HTTP/1.1 (default) or httpx.AsyncClient")
    ap.add_argument("--profile", action="store_true", help="also profile the status and dashboard requests "
                    "in-process (done anyway when a target is missed)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--write", action="store_true", help="replace the section '## Serve load' of benchmarks/RESULTS.md")
    args = ap.parse_args()
    if not (1 <= args.clients <= 1000 and 0 < args.seconds <= 600):
        raise SystemExit("--clients must be 1..1000 and --seconds 0..600")
    names = [n.strip() for n in args.endpoints.split(",") if n.strip()]
    unknown = set(names) - set(ENDPOINTS)
    if unknown:
        raise SystemExit(f"unknown endpoints: {sorted(unknown)}")

    head = header("Serve load")  # machine line with the load average at start
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="aw-serve-load-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        url, token = prepare(folder)
        print(f"demo database built in {time.perf_counter() - t0:.1f} s; load average {load_start[0]:.2f} "
              f"{load_start[1]:.2f} {load_start[2]:.2f}", flush=True)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = folder / "server.log"
        proc = start_server(url, port, log, args.server_workers)
        results = []
        try:
            wait_healthy(base, proc, log)
            print(f"server up on {base} (pid {proc.pid}); {args.clients} clients, {args.seconds:g} s per endpoint", flush=True)
            for i, name in enumerate(names):
                cpu0 = server_cpu(proc.pid)
                if args.client == "raw":
                    raw = asyncio.run(phase_raw(port, name, args.clients, args.seconds, token, args.seed + i))
                else:
                    raw = asyncio.run(phase(base, name, args.clients, args.seconds, token, args.seed + i))
                res = summarize(raw)
                # includes the warm-up requests: a small overestimate
                res["cpu_ms"] = (server_cpu(proc.pid) - cpu0) * 1000 / max(1, res["n"] + args.clients)
                results.append(res)
                print(f"  {name:14s} {res['n']:6d} requests  {res['rps']:7.1f} req/s  p50 {res['p50']:7.1f}  "
                      f"p95 {res['p95']:7.1f}  p99 {res['p99']:7.1f} ms  server CPU {res['cpu_ms']:.2f} ms/request  "
                      f"errors {res['errors']} {res['error_kinds'] or ''}", flush=True)
        finally:
            stop_server(proc)
        load_end = os.getloadavg()

        by = {r["name"]: r for r in results}
        floor = by.get("healthz", {}).get("rps")
        rows = [[r["name"], r["n"], f"{r['rps']:.1f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}",
                 f"{r['cpu_ms']:.2f}", r["errors"], f"{r['rps'] / floor:.2f}" if floor else "-"] for r in results]
        tab = table(["endpoint", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "server CPU ms/request", "errors",
                     "req/s vs healthz"], rows)
        verdicts = []
        missed = False
        for name, limit in TARGETS.items():
            if name in by:
                ok = by[name]["p95"] < limit and by[name]["errors"] == 0
                missed |= not ok
                verdicts.append(f"- {name}: p95 < {limit:.0f} ms at {args.clients} concurrent clients - "
                                f"**{'met' if ok else 'not met'}** (p95 {by[name]['p95']:.1f} ms, {by[name]['errors']} errors)")
        print()
        print(tab)
        print("\n".join(verdicts))

        hot = None
        if args.profile or missed:
            print("\nprofiling status, dashboard and healthz in-process (cProfile, ASGITransport, 20 requests each) ...", flush=True)
            hot = profile(url, token)
            for name, kinds in hot.items():
                print(f"  {name}: median service time {kinds['service_ms']:.1f} ms (in-process, one request at a time)")
                for kind in ("self", "ours"):
                    items = kinds[kind]
                    print(f"  {name} ({'own time' if kind == 'self' else 'cumulative, AccordWatch functions'}):")
                    for fn, where, share in items:
                        print(f"    {share * 100:5.1f}%  {fn}  ({where})")

    if args.write:
        body = [head.replace("Run ", "Run ", 1),
                f"Load average (1/5/15 min) at start {load_start[0]:.2f} / {load_start[1]:.2f} / {load_start[2]:.2f}, "
                f"at end {load_end[0]:.2f} / {load_end[1]:.2f} / {load_end[2]:.2f}.\n",
                f"Setup: demo database (SQLite, temporary folder); `accordwatch serve --public-read --workers "
                f"{args.server_workers}` (uvicorn with uvloop and httptools, access log off: the default) in a "
                f"subprocess on 127.0.0.1; "
                f"{args.clients} concurrent clients ({CLIENT_TEXT[args.client]}, keep-alive, one process) for "
                f"{args.seconds:g} s per endpoint, endpoints one after the other, after a warm-up request per client. "
                f"The status endpoints are called with a viewer's bearer token, the dashboard pages anonymously "
                f"(public read). *status* and *dashboard*: `as_of` is a random day of November-December 2020 (61 "
                f"questions: after the first minute of a real day, what a monitoring team asks). *-cold*: a random "
                f"as-of day over ten years and a random known-at day (~220,000 questions), so the server's answer "
                f"cache, which keeps answers while the database's data version is unchanged (`accordwatch.cache`), "
                f"almost never helps: the cost of computing every answer. Server CPU per request: the server "
                f"process's CPU time over the phase divided by its requests. **Client and server share the 2 "
                f"cores**; latency is measured by the client (queueing included).\n",
                tab + "\n",
                "Targets:\n\n" + "\n".join(verdicts) + "\n"]
        if hot:
            body.append("Hotspots: cProfile in-process (`httpx.ASGITransport` in one thread, thread-pool calls made "
                        "inline so the profiler sees them; 20 requests per endpoint after a warm-up). *own* = time in "
                        "the function itself, *cum* = including callees (AccordWatch functions only); share of the "
                        "profiled total.\n")
            body.append("Median service time of one request in-process, one at a time, without the profiler: "
                        + ", ".join(f"{n} {k['service_ms']:.1f} ms" for n, k in hot.items())
                        + ". With one server process and clients that send the next request as soon as the last is "
                        "answered, latency is about clients / throughput (Little's law): "
                        + ", ".join(f"{r['name']} {args.clients} / {r['rps']:.1f} req/s = {args.clients / r['rps'] * 1000:.0f} ms"
                                    for r in results if r["rps"])
                        + ". A p95 under 50 ms at 20 such clients needs more than 400 req/s, i.e. about 2.5 ms of "
                        "server CPU per request (or several workers).\n")
            for name, kinds in hot.items():
                rows_h = [["own", f"`{fn}`", f"`{where}`", f"{share * 100:.1f}%"] for fn, where, share in kinds["self"]]
                rows_h += [["cum", f"`{fn}`", f"`{where}`", f"{share * 100:.1f}%"] for fn, where, share in kinds["ours"]]
                body.append(f"{name}:\n\n" + table(["", "function", "file", "share"], rows_h) + "\n")
        write_section("Serve load", "\n".join(body))


if __name__ == "__main__":
    main()
