"""Sentence splitting keeps offsets and knows abbreviations, quotes and bullets."""

import pytest

from accordwatch.extract.sentences import split_sentences


def test_offsets_slice_back_to_the_text():
    text = "The truce held. Gen. Mahmudov said units crossed on Nov. 25 at 4 a.m. local time.\n\nA new paragraph."
    ss = split_sentences(text)
    assert [s.text for s in ss] == ["The truce held.", "Gen. Mahmudov said units crossed on Nov. 25 at 4 a.m. local time.", "A new paragraph."]
    for s in ss:
        assert text[s.start : s.end] == s.text
    assert ss[2].paragraph > ss[1].paragraph


def test_bullets_are_sentences_and_marked():
    text = "The terms include:\n\n• Troops stay where they are.\n\n• Prisoners are exchanged."
    ss = split_sentences(text)
    assert [s.bullet for s in ss] == [False, True, True]
    assert ss[1].text == "Troops stay where they are."


def test_closing_quote_stays_with_its_sentence():
    ss = split_sentences("“We will leave by Friday.” The official said nothing more.")
    assert ss[0].text == "“We will leave by Friday.”"


@pytest.mark.parametrize("text", ["", "   ", "no full stop at all", "...", "U.S. troops left. Then U.N. monitors came."])
def test_never_breaks_on_odd_input(text):
    for s in split_sentences(text):
        assert text[s.start : s.end] == s.text and s.text.strip()


def test_us_abbreviation_does_not_split():
    assert len(split_sentences("U.S. troops left on Monday.")) == 1


def test_boundaries_are_finditer() -> None:
    import random

    from accordwatch.extract.sentences import _BOUNDARY, _boundaries

    rng = random.Random(3)
    pieces = ["Nov.", "U.S.", " ", "  ", "\n", "\n\n", "\n- ", "\n• ", "?", "!", "...", "”", ")", "A", "b", "1", "“Q", "–"]
    for _ in range(2000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert [m.span() for m in _boundaries(text)] == [m.span() for m in _BOUNDARY.finditer(text)], text
