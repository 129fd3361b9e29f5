"""The ``accordwatch`` command: thin Typer commands over the shared functions.

Each command parses options, makes one core call and renders the result.
Errors of AccordWatch become a one-line message and exit code 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape as rich_escape
from rich.table import Table

from . import services
from .errors import AccordWatchError, ConflictError

app = typer.Typer(
    help="AccordWatch: is a ceasefire or peace agreement being carried out? Agreements as provisions, "
    "events from dated reports, status for any date and state of knowledge.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
agreements_app = typer.Typer(help="List, show and validate agreements (bundled and your own YAML files).", no_args_is_help=True)
review_app = typer.Typer(help="Review machine-proposed evidence: list, accept, reject; decisions are an append-only log.", no_args_is_help=True)
quarantine_app = typer.Typer(help="Inputs that could not be read, parsed or dated, with the reason.", no_args_is_help=True)
app.add_typer(agreements_app, name="agreements")
app.add_typer(review_app, name="review")
app.add_typer(quarantine_app, name="quarantine")

out = Console(soft_wrap=False, width=None if sys.stdout.isatty() else 180)
err = Console(stderr=True)


class Fmt(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


class StatusFmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


class State:
    db: str | None = None
    agreements_dirs: list[Path] = []


STATE = State()


def _date(value: str | None, what: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise AccordWatchError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD (e.g. 2020-11-16)") from None


def _store():
    from .store import Store

    store = Store(STATE.db)
    store.upgrade()
    return store


def _extra() -> list[Path]:
    return list(STATE.agreements_dirs)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def _print_jsonl(rows: list[dict]) -> None:
    for r in rows:
        sys.stdout.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")


def _table(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    t = Table(title=title, show_lines=False, header_style="bold", title_justify="left")
    for c in columns:
        dateish = any(w in c for w in ("due", "date", "published", "done on", "seen", "at"))
        t.add_column(c, overflow="fold", no_wrap=dateish)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    out.print(t)


def _run(fn):
    """Run a command body, turning our errors into one line and exit 1."""
    try:
        return fn()
    except ConflictError as exc:
        err.print(f"[red]conflict:[/red] {exc}")
        raise typer.Exit(1) from None
    except AccordWatchError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, markup=True)
        raise typer.Exit(1) from None


@app.callback()
def main_options(
    db: Annotated[Optional[str], typer.Option("--db", envvar="ACCORDWATCH_DB", help="SQLAlchemy database URL (default: SQLite in your user data folder).")] = None,
    agreements: Annotated[Optional[list[Path]], typer.Option("--agreements", help="Extra folder of agreement YAML files (also ACCORDWATCH_AGREEMENTS).")] = None,
) -> None:
    STATE.db = db
    STATE.agreements_dirs = list(agreements or [])


# ------------------------------------------------------------------ agreements


@agreements_app.command("list")
def agreements_list(fmt: Annotated[Fmt, typer.Option("--format", help="table, json or jsonl")] = Fmt.table) -> None:
    """List known agreements.

    Example: accordwatch agreements list
    """

    def body():
        ags = services.agreements(_extra())
        rows = [
            {"id": a.id, "title": a.title, "signed": a.signed.isoformat(), "parties": [p.id for p in a.parties], "provisions": len(a.provisions), "path": a.path}
            for a in sorted(ags.values(), key=lambda a: a.signed)
        ]
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _table("Agreements", ["id", "signed", "title", "parties", "provisions"], [[r["id"], r["signed"], r["title"], ", ".join(r["parties"]), r["provisions"]] for r in rows])

    _run(body)


@agreements_app.command("show")
def agreements_show(agreement_id: Annotated[str, typer.Argument(help="Agreement id, e.g. nk-2020-11-10")], fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table) -> None:
    """Show an agreement's parties and provisions.

    Example: accordwatch agreements show nk-2020-11-10
    """

    def body():
        from .agreements import get_agreement

        a = get_agreement(agreement_id, _extra())
        provs = [
            {
                "id": p.id,
                "article": p.article,
                "kind": p.kind.value,
                "text": p.text,
                "obligor": list(p.obligor),
                "beneficiary": list(p.beneficiary),
                "places": list(p.places),
                "quantity": p.quantity,
                "due": (a.resolved_due(p) or None) and a.resolved_due(p).isoformat(),
                "due_rule": str(p.due_rule) if p.due_rule else None,
                "term": ({"start": p.term.start and p.term.start.isoformat(), "end": p.term.end and p.term.end.isoformat(), "duration": p.term.duration, "renewal": p.term.renewal} if p.term else None),
                "depends_on": list(p.depends_on),
            }
            for p in a.provisions
        ]
        if fmt != Fmt.table:
            _print_json({"id": a.id, "title": a.title, "signed": a.signed.isoformat(), "effective": a.effective and a.effective.isoformat(),
                         "parties": [{"name": p.id, "role": p.role.value} for p in a.parties], "source": a.source, "provisions": provs})
            return
        out.print(f"[bold]{a.title}[/bold] ({a.id}), signed {a.signed}" + (f", effective {a.effective.isoformat()}" if a.effective else ""))
        out.print("Parties: " + ", ".join(f"{p.id} ({p.role.value})" for p in a.parties))
        _table("Provisions", ["id", "art.", "kind", "obligor", "places", "due / term", "text"],
               [[p["id"].split("/", 1)[1], p["article"], p["kind"], ", ".join(p["obligor"]), ", ".join(p["places"]),
                 p["due"] or (f"term {p['term']['start'] or ''} {p['term']['duration'] or ''}".strip() if p["term"] else ""), p["text"]] for p in provs])

    _run(body)


@agreements_app.command("validate")
def agreements_validate(files: Annotated[list[Path], typer.Argument(help="Agreement YAML file(s) to check.")]) -> None:
    """Check agreement files; print every problem with file, field and fix.

    Example: accordwatch agreements validate my-agreements/truce.yaml
    """
    from .agreements import validate_file

    bad = 0
    for f in files:
        problems = validate_file(f)
        if problems:
            bad += 1
            for p in problems:
                err.print(f"[red]invalid:[/red] {p}", highlight=False)
        else:
            out.print(f"[green]ok[/green] {f}")
    if bad:
        raise typer.Exit(1)


# ------------------------------------------------------------------ extract


@app.command()
def extract(
    file: Annotated[Path, typer.Argument(help="A report: seed-format text ('date YYYY-MM-DD' first line) or plain text with --date. '-' reads standard input.")],
    date: Annotated[Optional[str], typer.Option("--date", help="Report date YYYY-MM-DD (default: the file's 'date' header).")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, json or jsonl")] = Fmt.table,
    denials: Annotated[bool, typer.Option("--denials", help="Also print the actions a party denies (modality 'denied'); ingest stores them as evidence that denies.")] = False,
) -> None:
    """Print the events a report states, without touching any database.

    Example: accordwatch extract report.txt --format json
    """

    def body():
        from .extract import extract_events
        from .ingest import decode, parse_header

        origin = "standard input" if str(file) == "-" else str(file)
        if str(file) == "-":
            raw = sys.stdin.buffer.read()
        else:
            if not file.exists():
                raise AccordWatchError(f"{file}: no such file; give the path of a report")
            raw = file.read_bytes()
        text = decode(raw, origin)
        header_date, text_body = parse_header(text)
        d = _date(date, "--date") or header_date
        if d is None:
            raise AccordWatchError(f"{origin}: no date; start the file with a line 'date YYYY-MM-DD' or pass --date YYYY-MM-DD")
        events = extract_events(text_body, d, denials=denials)
        rows = [e.to_dict() for e in events]
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _events_table(f"{len(rows)} events in {origin} (report date {d})", rows)

    _run(body)


def _events_table(title: str, rows: list[dict]) -> None:
    def extra(r):
        if r["type"] == "deadline_change":
            bits = [f"{r['old_date']} -> {r['new_date']}"]
            for k in ("requested_by", "granted_by", "via", "reason"):
                if r.get(k):
                    bits.append(f"{k.replace('_', ' ')}: {r[k]}")
            return "; ".join(bits)
        return ", ".join(x for x in [r.get("agent") and f"agent: {r['agent']}", r.get("recipient") and f"to: {r['recipient']}", r.get("quantity")] if x)

    _table(title, ["type", "modality", "date", "places", "details", "conf."],
           [[r["type"], r["modality"], r["date"], ", ".join(r["places"]), extra(r), r["confidence"]] for r in rows])


# ------------------------------------------------------------------ ingest


class IngestFmt(str, Enum):
    table = "table"
    json = "json"


def _size(value: str) -> int:
    """'20MB', '500k', '1048576' -> bytes."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b?|b)?\s*", value, re.IGNORECASE)
    if not m:
        raise AccordWatchError(f"--max-bytes {value!r} is not a size; write e.g. 20MB, 500k or 1048576")
    unit = (m.group(2) or "b")[0].lower()
    n = int(float(m.group(1)) * {"b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])
    if n < 1:
        raise AccordWatchError(f"--max-bytes {value!r} must be at least one byte")
    return n


def _threshold(value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise AccordWatchError(f"--near-dup-threshold {value} must be more than 0 and at most 1 (e.g. 0.8)")
    return value


SourcesArg = Annotated[list[str], typer.Argument(help="Files, folders (recursive), feed URLs (http/https) or '-' for standard input: "
                                                 "seed-format .txt, plain text (with --date), .jsonl / .jsonl.gz, .html pages, RSS/Atom .xml/.rss/.atom feeds.")]
MaxBytesOpt = Annotated[str, typer.Option("--max-bytes", help="Quarantine any file, page or feed larger than this (e.g. 20MB, 500k).")]
ThresholdOpt = Annotated[float, typer.Option("--near-dup-threshold", help="Estimated Jaccard similarity (0-1) from which a report joins an earlier report's story.")]
WindowOpt = Annotated[int, typer.Option("--near-dup-window-days", help="Look for near-duplicates among reports published up to this many days before the newest one (bounds memory).", min=0)]
BatchOpt = Annotated[int, typer.Option("--batch-size", help="Reports committed per transaction.", min=1)]


@app.command()
def ingest(
    paths: SourcesArg,
    date: Annotated[Optional[str], typer.Option("--date", help="Date for reports that state none (plain text, undated entries or pages).")] = None,
    fmt: Annotated[IngestFmt, typer.Option("--format", help="Summary as table or json.")] = IngestFmt.table,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    max_bytes: MaxBytesOpt = "20MB",
    near_dup_threshold: ThresholdOpt = 0.8,
    near_dup_window_days: WindowOpt = 30,
    batch_size: BatchOpt = 50,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Extract and store on a new local Dask cluster of N processes (writes one chunk after another, in input order).", min=1)] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Extract and store on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (its workers must reach the database: PostgreSQL, or SQLite on their machine).")] = None,
) -> None:
    """Read reports, extract their events, link them to provisions, store everything.

    Re-ingesting the same report adds nothing; reprints of a story join that
    story; unreadable, undated or unreachable inputs go to quarantine (see
    `accordwatch quarantine list`) and the batch goes on. Safe to interrupt:
    running it again finishes the job. Exit status 0 when all went in, 2 when
    something was quarantined.

    Examples: accordwatch ingest reports/ --date 2020-11-20;
    accordwatch ingest https://example.org/feed.xml; cat r.jsonl | accordwatch ingest -
    """

    def body():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        import contextlib

        from .ingest import ingest_stream, iter_items

        if workers is not None and scheduler:
            raise AccordWatchError("give --workers N (a new local cluster) or --scheduler URL (an existing one), not both")
        default_date = _date(date, "--date")
        limit = _size(max_bytes)
        threshold = _threshold(near_dup_threshold)
        ags = list(services.agreements(_extra()).values())
        with _store() as store, contextlib.ExitStack() as stack:
            client = None
            if workers is not None or scheduler:
                from .distributed import cluster_client

                client = stack.enter_context(cluster_client(workers=workers, scheduler=scheduler))
            show = not quiet and fmt == IngestFmt.table and err.is_terminal
            with Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=err, disable=not show, transient=True) as prog:
                task = prog.add_task("ingest", total=None, last="")
                summary = ingest_stream(
                    store, iter_items(paths, default_date, max_bytes=limit), ags,
                    lambda item: prog.update(task, advance=1, last=item.origin.rsplit("/", 1)[-1][:40]),
                    batch_size=batch_size, near_dup_threshold=threshold, near_dup_window_days=near_dup_window_days, client=client,
                )
        if fmt == IngestFmt.json:
            _print_json(summary.to_dict())
        else:
            near = f" ({summary.near_duplicates} near-duplicate)" if summary.near_duplicates else ""
            out.print(f"seen {summary.seen}: [green]{summary.new} new[/green]{near}, {summary.duplicates} duplicate, "
                      f"[yellow]{summary.quarantined} quarantined[/yellow]; {summary.events} events, {summary.evidence} new evidence")
            for q in summary.quarantine:
                out.print(f"  [yellow]quarantined[/yellow] {rich_escape(str(q['reason']))}: {rich_escape(str(q['detail'] or ''))}", highlight=False)
        if summary.quarantined:
            raise typer.Exit(2)

    _run(body)


@app.command()
def watch(
    sources: Annotated[list[str], typer.Argument(help="Folders (recursive), files and feed URLs (http/https) to look at every round.")],
    interval: Annotated[str, typer.Option("--interval", help="Time between rounds: 30s, 10m, 1h.")] = "10m",
    max_rounds: Annotated[Optional[int], typer.Option("--max-rounds", help="Stop after this many rounds (default: run until Ctrl-C).", min=1)] = None,
    date: Annotated[Optional[str], typer.Option("--date", help="Date for reports that state none.")] = None,
    fmt: Annotated[IngestFmt, typer.Option("--format", help="Each round as a line of text, or one JSON object per line.")] = IngestFmt.table,
    max_bytes: MaxBytesOpt = "20MB",
    near_dup_threshold: ThresholdOpt = 0.8,
    near_dup_window_days: WindowOpt = 30,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds to wait for a URL.")] = 20.0,
) -> None:
    """Ingest new reports from folders and feeds every --interval until stopped (Ctrl-C).

    One summary line per round. A URL that cannot be reached is reported and
    tried again next round. Exit status 2 if anything was quarantined.

    Example: accordwatch watch inbox/ https://example.org/feed.xml --interval 10m
    """

    def body():
        import time

        from .ingest import watch as run_watch
        from .sources import parse_interval

        seconds = parse_interval(interval)
        default_date = _date(date, "--date")
        limit = _size(max_bytes)
        threshold = _threshold(near_dup_threshold)
        ags = list(services.agreements(_extra()).values())
        quarantined = 0

        def on_round(n: int, s) -> None:  # type: ignore[no-untyped-def]
            nonlocal quarantined
            quarantined += s.quarantined
            if fmt == IngestFmt.json:
                d = s.to_dict()
                d["round"] = n
                d["at"] = dt.datetime.now().isoformat(timespec="seconds")
                sys.stdout.write(json.dumps(d, ensure_ascii=False, default=str) + "\n")
                sys.stdout.flush()
                return
            out.print(f"round {n} at {time.strftime('%H:%M:%S')}: {s.line()}", highlight=False, markup=False)
            for q in s.quarantine:
                out.print(f"  quarantined {q['reason']}: {q['detail']}", highlight=False, markup=False)
            for u in s.unreachable:
                out.print(f"  {u} — will try again next round", highlight=False, markup=False)

        with _store() as store:
            if fmt != IngestFmt.json:
                out.print(f"watching {len(sources)} source(s) every {interval}; stop with Ctrl-C", highlight=False, markup=False)
            try:
                run_watch(store, sources, ags, seconds, max_rounds=max_rounds, default_date=default_date,
                          on_round=on_round, max_bytes=limit, near_dup_threshold=threshold, timeout=timeout,
                          near_dup_window_days=near_dup_window_days)
            except KeyboardInterrupt:
                if fmt != IngestFmt.json:
                    out.print("stopped", highlight=False, markup=False)
        if quarantined:
            raise typer.Exit(2)

    _run(body)


# ------------------------------------------------------------------ listings


@app.command()
def reports(
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 100,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
) -> None:
    """List stored reports.

    Example: accordwatch reports --format json
    """

    def body():
        with _store() as store:
            rows = store.list_reports(limit=limit, offset=offset)
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _table(f"{len(rows)} reports", ["id", "published", "title / path", "copies", "events"],
                   [[r["id"], r["published"], r.get("title") or r.get("path") or r.get("url"), r.get("copies"), r.get("events")] for r in rows])

    _run(body)


@app.command()
def events(
    agreement: Annotated[Optional[str], typer.Option("--agreement", help="Only events linked to this agreement.")] = None,
    type_: Annotated[Optional[str], typer.Option("--type", help="Only this event type.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 500,
    offset: Annotated[int, typer.Option(help="Skip this many rows.")] = 0,
) -> None:
    """List stored events (same fields as `extract`, plus id and report).

    Example: accordwatch events --agreement nk-2020-11-10 --format jsonl
    """

    def body():
        with _store() as store:
            rows = store.list_events(agreement_id=agreement, type=type_, limit=limit, offset=offset)
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _events_table(f"{len(rows)} events", rows)

    _run(body)


# ------------------------------------------------------------------ review


def _who(who: str | None) -> str:
    if who:
        return who
    try:
        return os.environ.get("ACCORDWATCH_USER") or getpass.getuser()
    except Exception:  # noqa: BLE001
        return "unknown"


@review_app.command("list")
def review_list(
    state: Annotated[Optional[str], typer.Option("--state", help="proposed (default), accepted, rejected or all")] = "proposed",
    agreement: Annotated[Optional[str], typer.Option("--agreement")] = None,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
    limit: Annotated[int, typer.Option()] = 200,
) -> None:
    """List evidence waiting for review (or in another state).

    Example: accordwatch review list --agreement nk-2020-11-10
    """

    def body():
        if state not in ("proposed", "accepted", "rejected", "all"):
            raise AccordWatchError(f"--state {state!r}: use proposed, accepted, rejected or all")
        with _store() as store:
            rows = store.list_evidence(state=None if state == "all" else state, agreement_id=agreement, limit=limit)
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _table(f"{len(rows)} evidence ({state})", ["id", "provision", "relation", "state", "event", "date", "report", "sentence"],
                   [[r["id"], r["provision_id"], r["relation"], r["state"], f"{r.get('type')} {r.get('modality')}", r.get("date"), r.get("report_id"), (r.get("sentence") or "")[:120]] for r in rows])

    _run(body)


def _decide(evidence_id: int, decision: str, note: str | None, who: str | None, expect_version: int | None) -> None:
    def body():
        with _store() as store:
            res = store.decide(evidence_id, decision, _who(who), note, expected_version=expect_version)
        out.print(f"evidence {evidence_id}: [bold]{res['state']}[/bold] by {_who(who)}" + (f" ({note})" if note else ""))

    _run(body)


@review_app.command("accept")
def review_accept(
    evidence_id: Annotated[int, typer.Argument(help="Evidence id (see `review list`).")],
    note: Annotated[Optional[str], typer.Option("--note", help="Why.")] = None,
    who: Annotated[Optional[str], typer.Option("--who", help="Analyst name (default: ACCORDWATCH_USER or login name).")] = None,
    expect_version: Annotated[Optional[int], typer.Option("--expect-version", help="Fail with a conflict if someone decided since you looked.")] = None,
) -> None:
    """Accept a piece of evidence (append-only: the log keeps every decision).

    Example: accordwatch review accept 12 --note "confirmed by two outlets"
    """
    _decide(evidence_id, "accepted", note, who, expect_version)


@review_app.command("reject")
def review_reject(
    evidence_id: Annotated[int, typer.Argument(help="Evidence id (see `review list`).")],
    note: Annotated[Optional[str], typer.Option("--note", help="Why.")] = None,
    who: Annotated[Optional[str], typer.Option("--who", help="Analyst name.")] = None,
    expect_version: Annotated[Optional[int], typer.Option("--expect-version", help="Fail with a conflict if someone decided since you looked.")] = None,
) -> None:
    """Reject a piece of evidence: it never counts again (the log keeps it).

    Example: accordwatch review reject 13 --note "refers to 1993"
    """
    _decide(evidence_id, "rejected", note, who, expect_version)


@review_app.command("log")
def review_log(
    evidence_id: Annotated[Optional[int], typer.Argument(help="Only this evidence.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
) -> None:
    """Show the append-only log of analyst decisions.

    Example: accordwatch review log 12
    """

    def body():
        with _store() as store:
            rows = store.review_log(evidence_id)
        if fmt != Fmt.table:
            (_print_json if fmt == Fmt.json else _print_jsonl)(rows)
            return
        _table("review log", ["at", "evidence", "decision", "previous", "who", "outcome", "note"],
               [[r["at"], r["evidence_id"], r["decision"], r["previous_state"], r["who"], r["outcome"], r.get("note")] for r in rows])

    _run(body)


# ------------------------------------------------------------------ status


def status_rows(statuses) -> list[dict]:
    return [s.to_dict() for s in statuses]


def _status_table(title: str, statuses) -> None:
    rows = []
    for s in statuses:
        d = s.to_dict()
        hist = " ".join(f"{m['old_date']}→{m['new_date']}" for m in d["deadline_history"])
        label = s.label + (" *" if s.unreviewed else "")
        when = d["fulfilled_on"] or ""
        rows.append([d["id"].split("/", 1)[1], d["article"], d["kind"], ", ".join(d["places"]), d["original_due"] or "", d["current_due"] or "", hist, label, when, d["evidence_total"]])
    _table(title, ["provision", "art.", "kind", "places", "original due", "current due", "moves", "status", "done on", "evid."], rows)


@app.command()
def status(
    agreement: Annotated[str, typer.Argument(help="Agreement id, e.g. nk-2020-11-10")],
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The world on this date (default: today).")] = None,
    known_at: Annotated[Optional[str], typer.Option("--known-at", help="Only reports published by this date (default: all).")] = None,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only", help="Count accepted evidence only.")] = False,
    fmt: Annotated[StatusFmt, typer.Option("--format", help="table, json or csv")] = StatusFmt.table,
) -> None:
    """Status of every provision at a date, given what was known at a date.

    '*' marks a status that rests on unreviewed (machine-proposed) evidence.

    Example: accordwatch status nk-2020-11-10 --as-of 2020-11-16 --known-at 2020-11-14
    """

    def body():
        v = _date(as_of, "--as-of")
        k = _date(known_at, "--known-at")
        with _store() as store:
            ag, sts = services.status(store, agreement, as_of=v, known_at=k, reviewed_only=reviewed_only, extra=_extra())
        rows = status_rows(sts)
        if fmt == StatusFmt.json:
            _print_json(rows)
        elif fmt == StatusFmt.csv:
            buf = io.StringIO()
            cols = ["id", "article", "kind", "places", "obligor", "beneficiary", "original_due", "current_due", "status", "on_time", "fulfilled_on", "unreviewed", "moves", "evidence"]
            w = csv.writer(buf)
            w.writerow(cols)
            for r in rows:
                w.writerow([r["id"], r["article"], r["kind"], ";".join(r["places"]), r["obligor"], r["beneficiary"], r["original_due"], r["current_due"], r["status"], r["on_time"], r["fulfilled_on"], r["unreviewed"],
                            ";".join(f"{m['old_date']}->{m['new_date']}@{m['known_on']}" for m in r["deadline_history"]), r["evidence_total"]])
            sys.stdout.write(buf.getvalue())
        else:
            _status_table(f"{ag.title} — as of {v or dt.date.today()}, known at {k or 'now'}{' (reviewed only)' if reviewed_only else ''}", sts)

    _run(body)


@app.command()
def timeline(
    agreement: Annotated[str, typer.Argument(help="Agreement id")],
    known_at: Annotated[Optional[str], typer.Option("--known-at", help="Only reports published by this date.")] = None,
    reviewed_only: Annotated[bool, typer.Option("--reviewed-only")] = False,
    fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table,
) -> None:
    """Deadlines, deadline moves and linked events of an agreement in date order.

    Example: accordwatch timeline nk-2020-11-10
    """

    def body():
        with _store() as store:
            rows = services.timeline(store, agreement, known_at=_date(known_at, "--known-at"), reviewed_only=reviewed_only, extra=_extra())
        if fmt == Fmt.json:
            _print_json(rows)
        elif fmt == Fmt.jsonl:
            _print_jsonl(rows)
        else:
            _table(f"timeline of {agreement}", ["date", "what", "provision", "detail", "report", "review"],
                   [[r["date"], r["kind"], r["provision"].split("/", 1)[1], r["what"], r["report"], r["review"]] for r in rows])

    _run(body)


@quarantine_app.command("list")
def quarantine_list(fmt: Annotated[Fmt, typer.Option("--format")] = Fmt.table) -> None:
    """List quarantined inputs with their reasons.

    Example: accordwatch quarantine list
    """

    def body():
        with _store() as store:
            rows = store.quarantine_list()
        if fmt != Fmt.table:
            (_print_json if fmt == Fmt.json else _print_jsonl)(rows)
            return
        _table(f"{len(rows)} quarantined", ["id", "source", "reason", "detail", "seen"], [[r["id"], r["source"], r["reason"], r["detail"], r.get("count")] for r in rows])

    _run(body)


# ------------------------------------------------------------------ demo


@app.command()
def demo(
    db: Annotated[Optional[str], typer.Option("--db", help="Where to build the demo database (default: a fresh SQLite file accordwatch-demo.sqlite in the current folder).")] = None,
) -> None:
    """Build a fresh demo database from the bundled agreement and example reports,
    then show the status of the 10 November 2020 statement at several dates.

    Example: accordwatch demo
    """

    def body():
        from .demo import DEMO_DATES, build_demo

        url = db or "sqlite:///accordwatch-demo.sqlite"  # never the user's own database
        store, summary = build_demo(url)
        with store:
            out.print(f"[bold]Demo database[/bold] {url}: {summary.new} reports, {summary.events} events, {summary.evidence} evidence links.\n")
            for v, k, note in DEMO_DATES:
                _, sts = services.status(store, "nk-2020-11-10", as_of=v, known_at=k)
                _status_table(f"as of {v}, known at {k or 'now'} — {note}", sts)
        out.print(f"\nTry: accordwatch --db {url} timeline nk-2020-11-10")
        out.print(f"     accordwatch --db {url} review list")

    _run(body)


# ------------------------------------------------------------------ evaluate


class EvalFmt(str, Enum):
    table = "table"
    json = "json"


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold events, one JSON object per report (the devset's gold.jsonl format).")],
    reports_dir: Annotated[Path, typer.Argument(help="Folder holding the reports named in the gold file.")],
    fmt: Annotated[EvalFmt, typer.Option("--format", help="table or json")] = EvalFmt.table,
    errors: Annotated[bool, typer.Option("--errors", help="Also list missed and spurious events.")] = False,
) -> None:
    """Score the extractor against your own gold annotations.

    Strict: type, modality, date and intersecting places must agree (one-to-one
    matching); relaxed: type and places. Also per type, per modality, and the
    accuracy of deadline-change fields.

    Example: accordwatch evaluate gold.jsonl reports/
    """

    def body():
        from .evaluate import evaluate as run_eval, load_gold

        ev = run_eval(load_gold(gold), reports_dir)
        d = ev.to_dict()
        if fmt == EvalFmt.json:
            if not errors:
                d.pop("errors")
            _print_json(d)
            return
        s, r = ev.strict, ev.relaxed
        _table("extraction score", ["score", "TP", "predicted", "gold", "precision", "recall", "F1"],
               [["strict", s.tp, s.pred, s.gold, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}"],
                ["relaxed", r.tp, r.pred, r.gold, f"{r.precision:.3f}", f"{r.recall:.3f}", f"{r.f1:.3f}"]])
        for title, table in (("by type (strict)", ev.by_type), ("by modality (strict)", ev.by_modality), ("by group (strict)", ev.by_group), ("by report (strict)", ev.by_report)):
            _table(title, ["", "TP", "predicted", "gold", "P", "R", "F1"],
                   [[k, c.tp, c.pred, c.gold, f"{c.precision:.2f}", f"{c.recall:.2f}", f"{c.f1:.2f}"] for k, c in sorted(table.items())])
        dl = ev.deadline_scores()
        _table(f"deadline_change fields ({ev.deadline_gold} gold, {ev.deadline_matched} matched)", ["field", "correct", "of gold", "of matched"],
               [[f, v["correct"], f"{v['of_gold']:.3f}", f"{v['of_matched']:.3f}"] for f, v in dl.items()])
        if errors:
            _table("errors", ["report", "kind", "event", "sentence"],
                   [[e["report"], e["kind"], json.dumps({k: v for k, v in e["event"].items() if v not in (None, [])}), e["sentence"]] for e in ev.errors])

    _run(body)


# ------------------------------------------------------------------ users, tokens, serve

users_app = typer.Typer(help="People who may use the web dashboard and API, with their role (viewer < analyst < admin).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts (sent as 'Authorization: Bearer <token>'); only their hash is stored.", no_args_is_help=True)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")


class Role(str, Enum):
    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 8:
        raise AccordWatchError("the password is shorter than 8 characters; choose a longer one")
    return password


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (what they type to log in).")],
    role: Annotated[Role, typer.Option("--role", help="viewer (read), analyst (review, ingest) or admin.")] = Role.viewer,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input (for scripts).")] = False,
) -> None:
    """Add a user; the password is asked twice (hidden) or read with --password-stdin.

    Example: accordwatch users add amira --role analyst
    """

    def body():
        from .web.auth import hash_password

        password = _read_password(password_stdin)
        with _store() as store:
            store.add_user(name, hash_password(password), role.value)
        out.print(f"user [bold]{name}[/bold] added as {role.value}")

    _run(body)


@users_app.command("list")
def users_list(fmt: Annotated[Fmt, typer.Option("--format", help="table, json or jsonl")] = Fmt.table) -> None:
    """List users with their role and number of live API tokens.

    Example: accordwatch users list
    """

    def body():
        with _store() as store:
            rows = store.list_users()
        if fmt != Fmt.table:
            (_print_json if fmt == Fmt.json else _print_jsonl)(rows)
            return
        _table(f"{len(rows)} users", ["name", "role", "tokens", "created", "disabled"],
               [[r["name"], r["role"], r["tokens"], r["created_at"], "yes" if r["disabled"] else ""] for r in rows])

    _run(body)


@users_app.command("remove")
def users_remove(name: Annotated[str, typer.Argument(help="User name.")]) -> None:
    """Remove a user and their API tokens (their past review decisions stay in the log).

    Example: accordwatch users remove amira
    """

    def body():
        with _store() as store:
            store.remove_user(name)
        out.print(f"user {name} removed")

    _run(body)


@users_app.command("set-role")
def users_set_role(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[Role, typer.Argument(help="viewer, analyst or admin")],
) -> None:
    """Change a user's role (takes effect on their next request).

    Example: accordwatch users set-role amira admin
    """

    def body():
        with _store() as store:
            store.set_role(name, role.value)
        out.print(f"user {name} is now {role.value}")

    _run(body)


@users_app.command("set-password")
def users_set_password(
    name: Annotated[str, typer.Argument(help="User name.")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Set a user's password (ends their open sessions).

    Example: accordwatch users set-password amira
    """

    def body():
        from .web.auth import hash_password

        password = _read_password(password_stdin)
        with _store() as store:
            store.set_password(name, hash_password(password))
        out.print(f"password of {name} changed")

    _run(body)


@tokens_app.command("create")
def tokens_create(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. nightly-export.")],
    user: Annotated[str, typer.Option("--user", help="The user the token acts as (and whose role it has).")],
) -> None:
    """Create an API token; it is printed once and cannot be shown again.

    Example: accordwatch tokens create nightly-export --user amira
    """

    def body():
        from .web.auth import new_token, token_hash

        token = new_token()
        with _store() as store:
            tid = store.add_token(user, name, token_hash(token))
        err.print(f"token {tid} ({name}) for {user}; keep it secret, it is shown only now:")
        sys.stdout.write(token + "\n")

    _run(body)


@tokens_app.command("list")
def tokens_list(
    user: Annotated[Optional[str], typer.Option("--user", help="Only this user's tokens.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table, json or jsonl")] = Fmt.table,
) -> None:
    """List API tokens (never the tokens themselves).

    Example: accordwatch tokens list --user amira
    """

    def body():
        with _store() as store:
            rows = store.list_tokens(user)
        if fmt != Fmt.table:
            (_print_json if fmt == Fmt.json else _print_jsonl)(rows)
            return
        _table(f"{len(rows)} tokens", ["id", "user", "name", "created", "last used", "revoked"],
               [[r["id"], r["user"], r["name"], r["created_at"], r["last_used"], "yes" if r["revoked"] else ""] for r in rows])

    _run(body)


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="Token id (see `tokens list`).")]) -> None:
    """Revoke an API token: requests with it are refused from now on.

    Example: accordwatch tokens revoke 3
    """

    def body():
        with _store() as store:
            store.revoke_token(token_id)
        out.print(f"token {token_id} revoked")

    _run(body)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    public_read: Annotated[bool, typer.Option("--public-read", help="Let anyone read pages and GET the API without logging in; writes still need a login.")] = False,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log one line per request (off by default: it costs throughput).")] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Server processes (default 1). More use more cores; each keeps its own answer cache and login throttle.")] = 1,
) -> None:
    """Run the web dashboard and JSON API (/api/v1, reference at /api/v1/docs).

    Create a user first (`accordwatch users add NAME --role admin`). Put a TLS
    proxy in front when others connect: session cookies are marked Secure on https.

    Example: accordwatch --db sqlite:///aw.sqlite serve --port 8000
    (add --access-log to log every request, --workers 4 on a 4-core server).
    """

    def body():
        import uvicorn

        from .store.db import default_db_url
        from .web.app import APP_ENV, create_app, settle_for_serving

        options = dict(host=host, port=port, proxy_headers=True, server_header=False, log_level="info", access_log=access_log)
        # Built here once even with several workers: migrations run and errors
        # (a bad --db, an unreadable agreement) show before any process starts.
        web = create_app(STATE.db, public_read=public_read, agreements_dirs=_extra())
        err.print(f"AccordWatch on http://{host}:{port}/ (API reference: http://{host}:{port}/api/v1/docs)"
                  + (f", {workers} worker processes" if workers > 1 else "") + "; Ctrl+C stops")
        if workers == 1:
            settle_for_serving()
            uvicorn.run(web, **options)
            return
        web.state.store.close()
        # Each worker process builds its own app from these (see create_app_from_env).
        os.environ[APP_ENV["db"]] = STATE.db or default_db_url()
        os.environ[APP_ENV["public_read"]] = "1" if public_read else ""
        os.environ[APP_ENV["agreements"]] = os.pathsep.join(str(p) for p in _extra())
        uvicorn.run("accordwatch.web.app:create_app_from_env", factory=True, workers=workers, **options)

    _run(body)


def main() -> None:  # console script entry point
    app()


if __name__ == "__main__":
    main()
