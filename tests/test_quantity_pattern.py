"""``arguments.QUANTITY`` writes its word lists as tries for speed: it must find what the
pattern with plain alternations finds."""

from __future__ import annotations

import random
import re

from accordwatch.extract.arguments import NUMBER_WORDS, QUANTITY, may_hold_quantity, quantity

PLAIN = re.compile(
    r"\b(?:(?:about|some|more than|over|up to|nearly|almost|around|at least|roughly|another|down to)\s+)?"
    r"(?:\d[\d,.]*|" + NUMBER_WORDS + r")(?:[- ]\w+)?\s+(?:\w+\s+){0,2}?"
    r"(?:servicem[ae]n|troops|soldiers|peacekeepers|personnel|prisoners|hostages|captives|detainees|inmates|people|refugees|"
    r"civilians|residents|families|fighters|armoured personnel carriers|vehicles|buses|cars|trucks|ships|vessels|tonnes|tons|"
    r"artillery pieces|rocket launchers|guns|weapons|pieces of equipment|items|observers|monitors|bodies|killed|wounded|"
    r"Armenians|Azerbaijanis|Palestinians|Israelis|women|children|posts)\b",
    re.IGNORECASE,
)

WORDS = ["about", "some", "more", "than", "over", "up", "to", "nearly", "almost", "around", "at", "least", "roughly", "another",
         "down", "one", "two", "three", "ten", "tens", "of", "thousands", "hundred", "hundreds", "dozen", "dozens", "scores",
         "fifty", "fifteen", "twelve", "seventy", "onerous", "someone", "troops", "servicemen", "serviceman", "servicemin",
         "prisoners", "Armenians", "killed", "armoured", "personnel", "carriers", "cars", "tons", "tonnes", "ton", "pieces",
         "equipment", "items", "posts", "1,960", "90", "2020", "3.5", "x1", "A", "AT", "LEAST", "Two", "TENS", "ſome", "tenſ",
         "were", "the", "-", ","]
BLANKS = [" ", " ", "  ", "\n", "\t", "-", "", "\u00a0"]


def test_quantity_finds_what_the_plain_pattern_finds():
    rng = random.Random(1)
    hits = 0
    for _ in range(20000):
        text = "".join(rng.choice(WORDS) + rng.choice(BLANKS) for _ in range(rng.randint(1, 12)))
        a, b = PLAIN.search(text), QUANTITY.search(text)
        assert (a and (a.span(), a.group(0))) == (b and (b.span(), b.group(0))), text
        hits += a is not None
    assert hits > 2000  # the texts do hold quantities


def test_noun_prefilter_never_rules_out_a_match():
    """``quantity`` skips QUANTITY when ``may_hold_quantity`` says no: that must only
    happen on texts where QUANTITY finds nothing."""
    rng = random.Random(2)
    ruled_out = 0
    for _ in range(20000):
        text = "".join(rng.choice(WORDS) + rng.choice(BLANKS) for _ in range(rng.randint(1, 12)))
        if not may_hold_quantity(text):
            ruled_out += 1
            assert QUANTITY.search(text) is None, text
            assert quantity(text) is None
    for text in ("1,960 servicemen", "90 Palestinian prisoners", "about 2,000 Russian peacekeepers", "TWO HUNDRED TROOPS",
                 "10 ARMOURED PERSONNEL CARRIERS", "five\tprisoners", "5 soldiers", "3 x Troops"):
        assert may_hold_quantity(text) and QUANTITY.search(text), text
    assert ruled_out > 1000  # the shortcut is taken


def test_over_as_a_verb_particle_is_not_more_than():
    from accordwatch.extract.arguments import quantity

    assert quantity("Hamas handed over three Israeli hostages to the Red Cross") == "three Israeli hostages"
    assert quantity("Kabul freed over 100 prisoners") == "over 100 prisoners"
