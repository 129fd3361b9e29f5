"""Anchored matching finds exactly what ``finditer`` finds."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accordwatch import dates as D
from accordwatch.extract.anchors import AnchoredPatterns, beginnings, key_text
from accordwatch.extract.triggers import load_rules

sys.path.insert(0, str(Path(__file__).parent))
from date_cases import CASES  # noqa: E402

DEVSET = sorted((Path(__file__).parent / "data" / "devset" / "reports").glob("*.txt"))

WORDS = [
    "on", "in", "by", "the", "The", "a", "an", "of", "until", "next", "last", "this", "November", "Nov.", "nov",
    "May", "Friday", "today", "tonight", "days", "day", "weeks", "ago", "later", "within", "2020", "15", "3rd",
    "1,960", "10:30", "4", "a.m.", "pm", "mid", "early", "-", "–", ",", ".", ";", "returned", "handed", "over",
    "withdrew", "from", "troops", "prisoners", "exchanged", "ten", "twenty-one", "hundred", "fortnight", "Kalbajar",
    "\n", "\t", "\u00a0", "\u0663", "٢٠٢٠", "İ", "ſ", "K", "_x", "x_", "T10:00", "-11-",
]


def _same(ap: AnchoredPatterns, text: str, source_of) -> None:
    keys = key_text(D.fold_case(text))
    where = ap.places(keys)
    for i, rx in enumerate(ap.patterns):
        src = source_of(i, text)
        want = [m.span() for m in rx.finditer(src)]
        got = [m.span() for m in ap.finditer(i, src, where[i])]
        assert got == want, (rx.pattern[:80], text[:200])


def _date_source(i: int, text: str) -> str:
    return D.fold_case(text) if D._PATTERNS[i][1].flags & re.IGNORECASE else text


_TRIGGERS = AnchoredPatterns([r.fast if not r.lead_boundary else re.compile(r.pattern.pattern) for r in load_rules()])


def _trigger_source(_i: int, text: str) -> str:
    return D.fold_case(text)


def test_beginnings_are_listed_for_most_patterns() -> None:
    dates = D._anchored()
    assert sum(b is not None for b in dates.begins) >= len(dates.begins) - 2
    assert sum(b is not None for b in _TRIGGERS.begins) >= len(_TRIGGERS.begins) - 5


def test_unlisted_patterns_fall_back_to_a_scan() -> None:
    assert beginnings(re.compile(r"\w+ed")) is None  # no word boundary
    assert beginnings(re.compile(r"\b\w+ed")) is None  # any word
    assert beginnings(re.compile(r"\bfoo", re.IGNORECASE)) is None
    assert beginnings(re.compile(r"\b(?:foo|bar)")) == {"foo", "bar"}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_date_cases(case: dict) -> None:
    _same(D._anchored(), case["text"], _date_source)
    _same(_TRIGGERS, case["text"], _trigger_source)


@pytest.mark.parametrize("path", DEVSET, ids=[p.name for p in DEVSET])
def test_devset(path: Path) -> None:
    text = path.read_text("utf-8")
    _same(D._anchored(), text, _date_source)
    _same(_TRIGGERS, text, _trigger_source)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), max_size=40), st.lists(st.sampled_from([" ", "", "  ", "\n"]), min_size=40, max_size=40))
def test_random_texts(words: list[str], seps: list[str]) -> None:
    text = "".join(w + s for w, s in zip(words, seps))
    _same(D._anchored(), text, _date_source)
    _same(_TRIGGERS, text, _trigger_source)


def test_places_respect_pos_and_endpos() -> None:
    text = "On 15 November, then on 20 November 2020 and today."
    ap = D._anchored()
    keys = key_text(D.fold_case(text))
    for pos in range(0, len(text), 3):
        for end in range(pos, len(text) + 1, 5):
            where = ap.places(keys, pos, end)
            for i, rx in enumerate(ap.patterns):
                src = _date_source(i, text)
                want = [m.span() for m in rx.finditer(src, pos, end)]
                got = [m.span() for m in ap.finditer(i, src, where[i], pos, end)]
                assert got == want


def test_timex_moved_is_replace() -> None:
    import dataclasses
    import datetime as dt

    for t in D.tag("Troops left on Friday, November 20, at 4 p.m., within 60 days of the agreement.", dt.date(2020, 11, 20)):
        assert t.moved(7) == dataclasses.replace(t, start=t.start + 7, end=t.end + 7)
    assert [f.name for f in dataclasses.fields(D.Timex)] == [
        "start", "end", "text", "type", "value", "date", "precision", "signal", "mod", "duration_days", "anchor"]


_CUE_WORDS = WORDS + ["not", "no", "never", "will", "would", "was", "due", "to", "is", "has", "been", "had", "yet",
                      "forced", "if", "began", "still", "said", "scheduled", "n't", "don't", "as", "planned", "later", "than"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_CUE_WORDS), max_size=30), st.lists(st.sampled_from([" ", "", "  ", "\n", ", "]), min_size=30, max_size=30))
def test_cue_scan_skips_only_patterns_that_cannot_match(words: list[str], seps: list[str]) -> None:
    from accordwatch.extract import modality as M

    text = "".join(w + s for w, s in zip(words, seps))
    for cues in (M._NEAR_CUES, M._TRIGGER_CUES, M._SENTENCE_CUES):
        scan = cues.scan(text)
        for rx in cues.patterns:
            want = rx.search(text)
            got = scan.search(rx)
            assert (want and want.span()) == (got and got.span()), rx.pattern[:60]
            # may_match also covers every suffix that starts after a blank
            for i, ch in enumerate(text):
                if ch == " " and rx.search(text[i + 1 :]):
                    assert scan.may_match(rx), (rx.pattern[:60], text)
