"""End to end through the command line: extract the seed, ingest, status over time, review."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accordwatch.cli import app
from accordwatch.evaluate import match, strict_ok, _norm

HERE = Path(__file__).parent
SEED = HERE / "data" / "seed.txt"
SEED_GOLD = HERE / "data" / "seed_gold.json"
NK = "nk-2020-11-10"

runner = CliRunner()


def run(*args, db: str | None = None, ok=(0,)):
    argv = (["--db", db] if db else []) + list(args)
    res = runner.invoke(app, argv, catch_exceptions=False)
    assert res.exit_code in ok, f"exit {res.exit_code}: {res.output}"
    return res


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.sqlite'}"


def by_id(rows: list[dict], local: str) -> dict:
    return next(r for r in rows if r["id"] == f"{NK}/{local}")


def test_every_command_has_help():
    for cmd in (["--help"], ["extract", "--help"], ["ingest", "--help"], ["status", "--help"], ["timeline", "--help"], ["reports", "--help"],
                ["events", "--help"], ["review", "list", "--help"], ["review", "accept", "--help"], ["review", "reject", "--help"],
                ["agreements", "list", "--help"], ["agreements", "show", "--help"], ["agreements", "validate", "--help"],
                ["quarantine", "list", "--help"], ["demo", "--help"], ["evaluate", "--help"]):
        res = run(*cmd)
        assert "Usage" in res.output and len(res.output) > 80


def test_extract_seed_finds_every_gold_event():
    res = run("extract", str(SEED), "--format", "json")
    pred = json.loads(res.output)
    gold = json.loads(SEED_GOLD.read_text())["events"]
    pairs = match([_norm(p) for p in pred], [_norm(g) for g in gold], strict_ok)
    assert len(pairs) == len(gold) == 16
    dl = [p for p in pred if p["type"] == "deadline_change"]
    assert len(dl) == 1
    d = dl[0]
    assert (d["old_date"], d["new_date"], d["requested_by"], d["granted_by"], d["via"]) == ("2020-11-15", "2020-11-25", "Armenia", "Azerbaijan", "Russia")
    assert "logistic" in d["reason"].lower()
    # offsets point into the report body
    body = SEED.read_text().split("2020-11-15", 1)[1].lstrip()
    for p in pred:
        assert body[p["start"] : p["end"]] == p["sentence"]
        assert set(p) == {"type", "modality", "date", "places", "agent", "recipient", "quantity", "subject", "old_date", "new_date",
                          "requested_by", "granted_by", "via", "reason", "sentence", "start", "end", "confidence"}


def test_extract_needs_a_date(tmp_path):
    f = tmp_path / "nodate.txt"
    f.write_text("Armenia returned the Aghdam district to Azerbaijan on Friday.")
    res = run("extract", str(f), ok=(1,))
    assert "--date" in res.output
    res = run("extract", str(f), "--date", "2020-11-20", "--format", "jsonl")
    rows = [json.loads(line) for line in res.output.splitlines()]
    assert rows[0]["type"] == "handover" and rows[0]["date"] == "2020-11-20" and rows[0]["places"] == ["Aghdam"]


def test_spec_status_example_through_the_cli(db):
    run("ingest", str(SEED), db=db)
    before = json.loads(run("status", NK, "--as-of", "2020-11-16", "--known-at", "2020-11-14", "--format", "json", db=db).output)
    k = by_id(before, "6-kalbajar")
    assert k["status"] == "overdue" and k["current_due"] == "2020-11-15"
    after = json.loads(run("status", NK, "--as-of", "2020-11-16", "--known-at", "2020-11-15", "--format", "json", db=db).output)
    k = by_id(after, "6-kalbajar")
    assert k["status"] != "overdue"
    assert (k["original_due"], k["current_due"]) == ("2020-11-15", "2020-11-25")
    [move] = k["deadline_history"]
    assert (move["old_date"], move["new_date"], move["known_on"]) == ("2020-11-15", "2020-11-25", "2020-11-15")
    assert k["evidence"] and all(e["sentence"] for e in k["evidence"])
    on21 = json.loads(run("status", NK, "--as-of", "2020-11-21", "--format", "json", db=db).output)
    assert by_id(on21, "2-aghdam")["status"] == "overdue"
    assert by_id(on21, "6-lachin")["status"] == "pending"
    for field in ("id", "article", "kind", "places", "obligor", "beneficiary", "original_due", "current_due", "status", "fulfilled_on", "deadline_history", "evidence"):
        assert field in on21[0]
    csv_out = run("status", NK, "--as-of", "2020-11-21", "--format", "csv", db=db).output
    assert csv_out.splitlines()[0].startswith("id,article,kind")


def test_reingest_adds_nothing_and_bad_inputs_go_to_quarantine(db, tmp_path):
    first = json.loads(run("ingest", str(SEED), "--format", "json", db=db).output)
    assert first["new"] == 1 and first["events"] >= 16 and first["evidence"] > 0
    again = json.loads(run("ingest", str(SEED), "--format", "json", db=db).output)
    assert again["new"] == 0 and again["events"] == 0 and again["evidence"] == 0
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "nodate.txt").write_text("Troops withdrew from the town.")
    (bad / "latin1.txt").write_bytes("date 2020-11-20\nCaf\xe9 owners returned.".encode("latin-1"))
    (bad / "reports.jsonl").write_text(
        json.dumps({"date": "2020-11-20", "text": "Armenia handed the Aghdam district back to Azerbaijan on Friday.", "title": "Aghdam"}) + "\n"
        + "{not json\n"
        + json.dumps({"text": "no date here"}) + "\n"
    )
    res = run("ingest", str(bad), "--format", "json", db=db, ok=(2,))
    s = json.loads(res.output)
    assert s["new"] == 1 and s["quarantined"] == 4
    assert s["quarantine_reasons"] == {"no-date": 2, "undecodable": 1, "bad-json": 1}
    q = json.loads(run("quarantine", "list", "--format", "json", db=db).output)
    assert {r["reason"] for r in q} == {"no-date", "undecodable", "bad-json"}
    reports = json.loads(run("reports", "--format", "json", db=db).output)
    assert len(reports) == 2
    events = [json.loads(x) for x in run("events", "--agreement", NK, "--format", "jsonl", db=db).output.splitlines()]
    assert any(e["type"] == "deadline_change" for e in events)


def test_review_is_append_only_and_reviewed_only_counts_accepted(db):
    run("ingest", str(SEED), db=db)
    ev = json.loads(run("review", "list", "--format", "json", db=db).output)
    resched = next(e for e in ev if e["relation"] == "reschedules" and e["provision_id"].endswith("6-kalbajar"))
    only = json.loads(run("status", NK, "--as-of", "2020-11-16", "--reviewed-only", "--format", "json", db=db).output)
    assert by_id(only, "6-kalbajar")["status"] == "overdue"  # nothing accepted yet
    run("review", "accept", str(resched["id"]), "--note", "checked", "--who", "ana", db=db)
    only = json.loads(run("status", NK, "--as-of", "2020-11-16", "--reviewed-only", "--format", "json", db=db).output)
    assert by_id(only, "6-kalbajar")["current_due"] == "2020-11-25"
    run("review", "reject", str(resched["id"]), "--note", "second thoughts", "--who", "bob", db=db)
    default = json.loads(run("status", NK, "--as-of", "2020-11-16", "--format", "json", db=db).output)
    assert by_id(default, "6-kalbajar")["current_due"] == "2020-11-15"  # rejected never counts
    log = json.loads(run("review", "log", str(resched["id"]), "--format", "json", db=db).output)
    assert [(r["decision"], r["who"], r["note"]) for r in log] == [("accepted", "ana", "checked"), ("rejected", "bob", "second thoughts")]
    res = run("review", "accept", "999999", db=db, ok=(1,))
    assert "999999" in res.output


def test_timeline_lists_the_move(db):
    run("ingest", str(SEED), db=db)
    rows = json.loads(run("timeline", NK, "--format", "json", db=db).output)
    moved = [r for r in rows if r["kind"] == "deadline moved"]
    assert moved and "2020-11-15 -> 2020-11-25" in moved[0]["what"]
    assert [r["date"] for r in rows] == sorted(r["date"] for r in rows)


def test_agreements_commands(tmp_path):
    rows = json.loads(run("agreements", "list", "--format", "json").output)
    assert NK in {r["id"] for r in rows}
    shown = json.loads(run("agreements", "show", NK, "--format", "json").output)
    dues = {p["id"].split("/")[1]: p["due"] for p in shown["provisions"]}
    assert (dues["6-kalbajar"], dues["2-aghdam"], dues["6-lachin"]) == ("2020-11-15", "2020-11-20", "2020-12-01")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nsigned: 2020-13-45\nparties: []\nprovisions: []\n")
    res = run("agreements", "validate", str(bad), ok=(1,))
    assert "bad.yaml" in res.output and "signed" in res.output
    res = run("status", "no-such-agreement", ok=(1,))
    assert "unknown agreement" in res.output


def test_demo_tells_the_story(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run("demo")
    assert "overdue" in res.output and "fulfilled" in res.output
    assert (tmp_path / "accordwatch-demo.sqlite").exists()


def test_public_api_names():
    import accordwatch

    assert accordwatch.__all__ == sorted(accordwatch.__all__)
    for name in accordwatch.__all__:
        assert hasattr(accordwatch, name)
    evs = accordwatch.extract_events("Armenia handed the Aghdam district back to Azerbaijan on Friday.", "2020-11-20")
    assert [(e.type.value, e.modality.value, str(e.date), e.places) for e in evs] == [("handover", "occurred", "2020-11-20", ["Aghdam"])]


def test_a_denied_handover_makes_the_provision_disputed(tmp_path, db):
    # one report says Lachin was handed over, a later one carries Armenia's denial: the status is disputed
    done = tmp_path / "done.txt"
    done.write_text("date 2020-12-01\nArmenia handed the Lachin district over to Azerbaijan on Tuesday, officials in Baku said.\n")
    denial = tmp_path / "denial.txt"
    denial.write_text("date 2020-12-02\nYerevan denied reports that it had handed over the Lachin district.\n")
    extracted = json.loads(run("extract", str(denial), "--format", "json").output)
    assert extracted == []  # the gold schema has no denials: left out by default
    with_denials = json.loads(run("extract", str(denial), "--format", "json", "--denials").output)
    assert [(e["type"], e["modality"], e["places"]) for e in with_denials] == [("handover", "denied", ["Lachin"])]
    run("ingest", str(done), db=db)
    before = by_id(json.loads(run("status", NK, "--as-of", "2020-12-05", "--known-at", "2020-12-01", "--format", "json", db=db).output), "6-lachin")
    assert before["status"] == "fulfilled"
    run("ingest", str(denial), db=db)
    after = by_id(json.loads(run("status", NK, "--as-of", "2020-12-05", "--format", "json", db=db).output), "6-lachin")
    assert after["status"] == "disputed"
    assert "denies" in [e["relation"] for e in after["evidence"]]
