"""``Caseless`` patterns give exactly the wrapped pattern's results."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accordwatch import dates
from accordwatch.extract import arguments, deadlines, events, modality
from accordwatch.extract.caseless import Caseless, _lower_pattern, caseless
from accordwatch.extract.sentences import split_sentences

DEVSET = sorted((Path(__file__).parent / "data" / "devset" / "reports").glob("*.txt"))


def _wrapped() -> list[tuple[str, Caseless]]:
    out = []
    for mod in (arguments, deadlines, events, modality, dates):
        for name, value in vars(mod).items():
            items = value if isinstance(value, list) else [value]
            for i, v in enumerate(items):
                if isinstance(v, Caseless):
                    out.append((f"{mod.__name__}.{name}[{i}]", v))
    return out


PATTERNS = _wrapped()


def _texts() -> list[str]:
    rng = random.Random(7)
    out = []
    for p in DEVSET:
        for s in split_sentences(p.read_text("utf-8")):
            out.append(s.text)
            out.append("".join(c.upper() if rng.random() < 0.3 else c for c in s.text))
            out.append(s.text.upper())
    return out


TEXTS = _texts()


def _same(c: Caseless, text: str) -> None:
    rx = c.rx
    want = rx.search(text)
    got = c.search(text)
    assert (want and (want.span(), want.groups())) == (got and (got.span(), got.groups())), (rx.pattern[:60], text[:120])
    assert [m.span() for m in c.finditer(text)] == [m.span() for m in rx.finditer(text)]
    assert [(m.span(), m.group(0).lower()) for m in c.finditer_lower(text)] == [(m.span(), m.group(0).lower()) for m in rx.finditer(text)]
    for pos in (0, 3, len(text) // 2):
        w, g = rx.match(text, pos), c.match(text, pos)
        assert (w and w.span()) == (g and g.span())
    assert c.sub(lambda m: "#" * len(m.group(0)), text) == rx.sub(lambda m: "#" * len(m.group(0)), text)


def test_patterns_are_wrapped() -> None:
    assert len(PATTERNS) > 40
    assert sum(c._fast is not None for _n, c in PATTERNS) > 40


@pytest.mark.parametrize("name,c", PATTERNS, ids=[n for n, _c in PATTERNS])
def test_same_on_devset_sentences(name: str, c: Caseless) -> None:
    for text in TEXTS:
        _same(c, text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdeinorstuwyABDINORSTW ,.;'-\n0123456789", max_size=80))
def test_same_on_random_ascii(text: str) -> None:
    for _name, c in PATTERNS:
        _same(c, text)


def test_non_ascii_text_uses_the_original_pattern() -> None:
    c = caseless(r"\bsince\b")
    assert c.search("ſince then") is not None  # long s matches 's' ignoring case
    assert c.search("SINCE then").span() == (0, 5)


def test_lower_pattern_keeps_escapes_and_group_names() -> None:
    assert _lower_pattern(r"(?P<Party>\W+)Baku\S") == r"(?P<Party>\W+)baku\S"
    assert _lower_pattern(r"[A-z]") is None
    assert _lower_pattern("ſ") is None  # matches 's' ignoring case
    assert caseless(r"\bAgreed\b").search("they AGREED") is not None
    assert isinstance(caseless("x", 0).search("x"), re.Match)


def test_seek_pattern_is_built_for_most_patterns() -> None:
    assert sum(c._seek is not None for _n, c in PATTERNS) > 30


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdeinorstuwyABDINORSTW ,.;'-\n0123456789", max_size=80), st.integers(0, 80), st.integers(0, 80))
def test_search_with_pos_and_endpos(text: str, pos: int, endpos: int) -> None:
    for _name, c in PATTERNS:
        want, got = c.rx.search(text, pos, endpos), c.search(text, pos, endpos)
        assert (want and want.span()) == (got and got.span()), c.pattern[:60]
