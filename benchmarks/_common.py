"""Shared helpers of the benchmark scripts: RESULTS.md sections, machine line,
child processes with their own peak memory."""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "RESULTS.md"
PY = sys.executable
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def machine() -> str:
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    load = ""
    try:
        load = f", load average {os.getloadavg()[0]:.1f} at start"
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.system()}{load}"


def command_line() -> str:
    return "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])


def write_section(name: str, body: str) -> None:
    """Replace (or add) the section ``## name`` of RESULTS.md, keeping the others."""
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    section = f"## {name}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n", encoding="utf-8")
    print(f"wrote section {name!r} of {RESULTS}")


def header(title: str) -> str:
    return f"Run {dt.datetime.now():%Y-%m-%d %H:%M} on {machine()}.\n\nCommand: `{command_line()}`\n"


def run_child(cmd: list[str], env: dict | None = None, cpu: int | None = None) -> tuple[float, float, float, str]:
    """Run ``cmd``; returns (wall seconds, peak RSS of that child in MiB, its CPU seconds, stdout)."""
    def pin() -> None:
        if cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {cpu})

    full_env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), **(env or {}))
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, preexec_fn=pin)
    out = p.stdout.read().decode("utf-8", "replace")  # type: ignore[union-attr]
    err = p.stderr.read().decode("utf-8", "replace")  # type: ignore[union-attr]
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    secs = time.perf_counter() - t0
    if p.returncode not in (0, 2):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}):\n{err[-3000:]}")
    return secs, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime, out


class PgSchema:
    """A fresh PostgreSQL schema for one run (dropped on exit); ``.url`` points into it."""

    def __init__(self, base: str) -> None:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        self.base = base
        self.schema = f"aw_bench_{uuid.uuid4().hex[:10]}"
        self.engine = create_engine(base)
        with self.engine.begin() as c:
            c.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
        self.url = make_url(base).update_query_dict({"options": f"-csearch_path={self.schema}"}).render_as_string(hide_password=False)

    def __enter__(self) -> PgSchema:
        return self

    def __exit__(self, *exc: object) -> None:
        with self.engine.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        self.engine.dispose()


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (also printed as is)."""
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)
