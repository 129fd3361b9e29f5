"""Near-duplicates: reprints of one wire story join one story and count as one source."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from accordwatch import services
from accordwatch.cli import app
from accordwatch.ingest import ingest
from accordwatch.neardup import NearDupIndex, from_bytes, minhash, shingles, to_bytes
from accordwatch.store import Store

NK = "nk-2020-11-10"

WIRE = (
    "Armenia handed the Aghdam district back to Azerbaijan on Friday, the first of the three districts "
    "it must return under the ceasefire statement signed on November 10. Azerbaijani army units entered "
    "the district in the morning and raised the national flag over the main square, the defence ministry "
    "in Baku said in a statement. Columns of vehicles had left the area during the night, and residents "
    "who had stayed behind were seen loading their belongings onto trucks. Russian peacekeepers watched "
    "the handover from posts along the road. The handover of Kalbajar, first set for November 15, is now "
    "due on November 25, and the Lachin district is to be returned by December 1, officials said.\n\n"
    "The statement, brokered by Moscow, ended six weeks of fighting over Nagorno-Karabakh and the "
    "surrounding districts. Under its terms both sides stay at the positions they held when it was "
    "signed, nearly two thousand Russian peacekeepers are deployed along the line of contact and the "
    "Lachin corridor, refugees are to return under the supervision of the United Nations refugee agency, "
    "and the parties are to exchange prisoners of war and the bodies of the dead. Transport links across "
    "the region are to be unblocked. Officials in Yerevan said on Friday that the handover had passed "
    "without incident, and that talks on the exchange of prisoners would continue next week."
)

OUTLETS = ["Example Wire", "Daily Sample", "The Test Times", "Placeholder Post", "Mock Herald", "Dummy Gazette",
           "Fixture News", "Stub Radio", "Sample Tribune", "Model Courier", "Trial Observer", "Draft Chronicle",
           "Proxy Journal", "Token Monitor", "Shadow Mail", "Echo Express", "Mirror Standard", "Copy Record",
           "Reprint Review", "Syndicate Bulletin"]
SWAPS = [("handed", "gave"), ("entered", "moved into"), ("morning", "early morning"), ("raised", "hoisted"),
         ("said in a statement", "said"), ("Columns of vehicles", "Convoys"), ("night", "overnight hours"),
         ("residents", "villagers"), ("watched", "monitored"), ("officials said", "officials added"),
         ("statement signed", "agreement signed"), ("belongings", "possessions"), ("main square", "central square"),
         ("trucks", "lorries"), ("posts", "positions"), ("first set", "originally set"), ("now due", "now expected"),
         ("defence ministry", "Defence Ministry"), ("stayed behind", "remained"), ("from posts", "from checkpoints")]


def reprints() -> list[str]:
    """Twenty light rewrites of one wire story: a dateline, one changed phrase, a credit line."""
    out = []
    for n, (outlet, (old, new)) in enumerate(zip(OUTLETS, SWAPS)):
        body = WIRE.replace(old, new, 1)
        out.append(f"BAKU, Nov 20 ({outlet}) - {body}\n\nReporting by the {outlet} desk.")
    return out


OTHER = (
    "Armenian forces withdrew from the Lachin district on Tuesday, completing the last of the handovers "
    "agreed in November, while Russian peacekeepers took control of the corridor road linking the region "
    "to Armenia, the Russian defence ministry said."
)


def test_shingles_and_signature_round_trip():
    assert shingles("A b, c!") == {b"a b c"}
    assert len(shingles("one two three four five six")) == 2
    assert shingles("  ,, ") == set() and minhash("...") is None
    m = minhash(WIRE)
    assert from_bytes(to_bytes(m), 128).jaccard(m) == 1.0
    with pytest.raises(ValueError):
        from_bytes(to_bytes(m)[:-4], 128)


def test_index_finds_reprints_not_other_stories():
    texts = reprints()
    index = NearDupIndex(0.8)
    index.add("wire", minhash(WIRE))
    for t in texts:
        match = index.best(minhash(t))
        assert match is not None and match.key == "wire" and match.similarity >= 0.8
    assert index.best(minhash(OTHER)) is None
    strict = NearDupIndex(0.99)
    strict.add("wire", minhash(WIRE))
    assert strict.best(minhash(texts[0])) is None


def _write(folder, texts, published="2020-11-20"):
    folder.mkdir(parents=True, exist_ok=True)
    for n, t in enumerate(texts):
        (folder / f"{n:03d}.txt").write_text(f"date {published}\n{t}")


def test_twenty_reprints_are_one_story_and_one_source(tmp_path):
    _write(tmp_path / "wire", reprints())
    _write(tmp_path / "other", [OTHER], "2020-12-01")
    ags = list(services.agreements([]).values())
    with Store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.upgrade()
        s = ingest(store, [tmp_path / "wire", tmp_path / "other"], ags)
        assert s.new == 21 and s.near_duplicates == 19 and s.duplicates == 0
        reports = store.list_reports()
        stories = {store.get_report(r["id"])["story_id"] for r in reports}
        first = reports[0]["id"]
        assert len(stories) == 2 and first in stories  # a story's id is its earliest report's id
        sigs = list(store.signatures())
        assert len(sigs) == 21 and all(r.num_perm == 128 and len(r.signature) == 512 for r in sigs)
        views = store.evidence_views(NK)
        aghdam = [v for v in views if v.provision_id.endswith("aghdam") or "aghdam" in v.provision_id]
        assert aghdam and {v.story_id for v in aghdam} == {first}
        agreement, statuses = services.status(store, NK, as_of=dt.date(2020, 11, 21))
        by_id = {st.provision.id: st for st in statuses}
        aghdam_status = by_id[aghdam[0].provision_id]
        assert len({v.report_id for v in aghdam}) >= 15  # many reports as evidence ...
        assert aghdam_status.sources == 1  # ... but one independent source
        assert aghdam_status.to_dict()["sources"] == 1


def test_index_is_rebuilt_from_stored_signatures_and_threshold_is_configurable(tmp_path):
    texts = reprints()
    _write(tmp_path / "a", texts[:1])
    _write(tmp_path / "b", texts[1:5])
    ags = list(services.agreements([]).values())
    with Store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.upgrade()
        assert ingest(store, [tmp_path / "a"], ags).new == 1
    with Store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:  # a later run: the index comes from the database
        s = ingest(store, [tmp_path / "b"], ags)
        assert s.new == 4 and s.near_duplicates == 4
        assert {store.get_report(r["id"])["story_id"] for r in store.list_reports()} == {1}
    db = f"sqlite:///{tmp_path / 'strict.sqlite'}"
    res = CliRunner().invoke(app, ["--db", db, "ingest", str(tmp_path / "a"), str(tmp_path / "b"),
                                   "--near-dup-threshold", "0.99", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["near_duplicates"] == 0
    res = CliRunner().invoke(app, ["--db", db, "ingest", str(tmp_path / "a"), "--near-dup-threshold", "1.5"])
    assert res.exit_code == 1 and "--near-dup-threshold" in res.output


def test_a_writer_sees_reprints_another_writer_stored_meanwhile(store):
    """Two ingests into one database at once (two processes, or two Dask
    workers), each with its own index: before writing, an ingest brings its
    index up to date with what the other stored, so a reprint joins the story
    the other ingest started."""
    from accordwatch.ingest import Ingestor
    from accordwatch.sources import Item

    texts = reprints()
    ags = list(services.agreements([]).values())
    first, second = Ingestor(store, ags), Ingestor(store, ags)
    assert len(first.index) == 0 and len(second.index) == 0  # both built before anything was stored
    first.add(Item("a.txt", texts[0], dt.date(2020, 11, 20)))
    first.flush()
    second.add(Item("b.txt", texts[1], dt.date(2020, 11, 20)))
    second.flush()
    assert second.summary.new == 1 and second.summary.near_duplicates == 1
    [a], [b] = first.summary.report_ids, second.summary.report_ids
    assert store.get_report(b)["story_id"] == a
    assert len(second.index) == 2 and second.index.last_id == a  # its own report is indexed as it is stored
    # Rows it has already indexed are not decoded again; nothing new: the index is unchanged.
    second.index.sync(store.signatures(after=0))
    assert len(second.index) == 2


def test_exact_copies_stay_copies(tmp_path):
    text = reprints()[0]
    _write(tmp_path / "x", [text])
    _write(tmp_path / "y", [text])
    ags = list(services.agreements([]).values())
    with Store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.upgrade()
        s = ingest(store, [tmp_path / "x", tmp_path / "y"], ags)
        assert s.new == 1 and s.duplicates == 1 and s.near_duplicates == 0
        [r] = store.list_reports()
        assert r["copies"] == 2 and len(list(store.signatures())) == 1


def test_store_signature_and_story_methods(tmp_path):
    from accordwatch.model import Report

    with Store(f"sqlite:///{tmp_path / 'n.sqlite'}") as store:
        store.upgrade()
        a, _ = store.add_report(Report(text=WIRE, published=dt.date(2020, 11, 20)))
        b, _ = store.add_report(Report(text=OTHER, published=dt.date(2020, 12, 1)))
        store.add_signature(a, 128, to_bytes(minhash(WIRE)))
        store.add_signature(a, 128, to_bytes(minhash(WIRE)))  # replaced, not doubled
        store.set_story(b, a)
        rows = list(store.signatures())
        assert [(r.report_id, r.num_perm) for r in rows] == [(a, 128)]
        assert store.get_report(b)["story_id"] == a
        from accordwatch.errors import StoreError

        with pytest.raises(StoreError):
            store.set_story(999, a)
        rid, is_new, n_events, n_evidence = store.add_report_bundle(
            Report(text="A third, unrelated text about grain ships.", published=dt.date(2022, 8, 1)), [], "test")
        assert is_new and (n_events, n_evidence) == (0, 0) and store.get_report(rid)["story_id"] == rid


def test_index_keeps_only_reports_within_the_window() -> None:
    """Months of reports: the index holds only the last window's, so memory stays bounded;
    a reprint within the window is still found, one of a report older than it is not."""
    import datetime as dt

    index = NearDupIndex(0.8, window_days=30)
    start = dt.date(2023, 1, 1)
    sizes = []
    for i in range(600):  # 5 a day over 120 days
        day = start + dt.timedelta(days=i // 5)
        index.add(f"r{i}", minhash(f"report number {i} says the convoy {i} reached town {i} on day {i // 5} of the year"), day)
        sizes.append(len(index))
    assert max(sizes) <= 31 * 5 and len(index) <= 31 * 5
    assert len(index._lsh.keys) == len(index)  # removed from the LSH too, not just forgotten
    recent = minhash("report number 599 says the convoy 599 reached town 599 on day 119 of the year")
    old = minhash("report number 3 says the convoy 3 reached town 3 on day 0 of the year")
    assert index.best(recent) is not None and index.best(recent).key == "r599"
    assert index.best(old) is None
    unbounded = NearDupIndex(0.8, window_days=None)
    for i in range(50):
        unbounded.add(f"r{i}", minhash(f"text {i} of many words here"), start + dt.timedelta(days=10 * i))
    assert len(unbounded) == 50
