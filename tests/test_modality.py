"""Modality cues, one phenomenon per case, on sentences written for these tests."""

import pytest

from accordwatch.extract.modality import clause_bounds, modality


def mod(sentence: str, trigger: str):
    i = sentence.index(trigger)
    return modality(sentence, i, i + len(trigger)).modality


@pytest.mark.parametrize(
    "sentence, trigger, expected",
    [
        ("Government troops withdrew from the town on Monday.", "withdrew", "occurred"),
        ("The rebels have withdrawn from the valley.", "withdrawn", "occurred"),
        ("The army will withdraw from the valley by March 3.", "withdraw", "planned"),
        ("Both sides must exchange prisoners within a week.", "exchange", "planned"),
        ("Refugees are to return to their villages.", "return", "planned"),
        ("The handover is due to take place on Friday.", "handover", "planned"),
        ("The militia has not withdrawn from the ridge.", "withdrawn", None),
        ("The government ruled out any deployment of foreign troops.", "deployment", None),
        ("No prisoners have been exchanged so far.", "exchanged", "planned"),
        ("The evacuation of the village was called off on Friday.", "evacuation", "cancelled"),
        ("The ministry refused to release the detainees before the talks.", "release", "refused"),
        ("The transfer, which was supposed to happen today, has been postponed.", "transfer", "postponed"),
        ("The pullback was supposed to start on Tuesday.", "pullback", "planned"),
        ("The army began pulling its guns back from the front on Thursday.", "pulling its guns back", "ongoing"),
        ("The road is patrolled by peacekeepers.", "patrolled", "ongoing"),
        ("If the talks fail, the rebels would withdraw from the ceasefire line.", "withdraw", None),
        ("The statement provided for a contingent of 500 troops.", "contingent", "planned"),
        ("The militia has yet to give up its heavy weapons.", "give up", "planned"),
        ("The handover on Tuesday went ahead without incident.", "handover", "occurred"),
        ("A new border crossing is to be opened next month.", "crossing is to be opened", "planned"),
        ("Troops entered the town at dawn, completing the return of the valley.", "return of the valley", "occurred"),
        ("The convoy reached the capital two days later than first planned, taking back the bridge.", "taking back", "occurred"),
        ("More than 5,000 refugees have come home since March 3.", "come home", "ongoing"),
        ("The valley is excluded from the handover.", "handover", None),
        # a noun named as still to come ("ahead of the handover") is planned, whatever the clause's tense
        ("Families have left the valley ahead of the handover.", "handover", "planned"),
        ("The shops closed in preparation for the withdrawal.", "withdrawal", "planned"),
        # an action that was prevented or failed did not happen
        ("Displaced families were prevented from returning to the valley on Saturday.", "returning", None),
        ("Aid convoys were unable to reach the town on Monday.", "reach", None),
        ("The militia has so far failed to hand over its heavy weapons.", "hand over", "planned"),
        # denial: the denied action is "denied" (kept as evidence that denies, never as occurred)
        ("The ministry denied that its troops had shelled the village.", "shelled", "denied"),
        ("The rebels denied attacking the convoy near the bridge.", "attacking", "denied"),
        ("Officials rejected reports that the handover had been delayed.", "handover", "denied"),
        ("The army dismissed as false claims that it had left the ridge.", "left", "denied"),
        ("The militia, which denied any wrongdoing, withdrew from the ridge on Friday.", "withdrew", "occurred"),
        ("The council dismissed the offer and released the detainees on Monday.", "released", "occurred"),
        ("Guards denied entry to reporters as the troops withdrew on Friday.", "withdrew", "occurred"),
    ],
)
def test_modality_cues(sentence, trigger, expected):
    assert mod(sentence, trigger) == expected


def test_clause_bounds_stop_at_but():
    s = "The district was due to be returned on Monday, but the date was pushed back."
    i = s.index("returned")
    lo, hi = clause_bounds(s, i, i + 8)
    assert "pushed" not in s[lo:hi]


def test_boundaries_on_ascii_text_are_the_patterns():
    """``boundaries`` leaves out, on ASCII text, the alternatives that cannot match there:
    it must find what the whole case-insensitive pattern finds."""
    import random

    from accordwatch.extract.modality import _BOUNDARY, boundaries

    words = ["but", "While", "whereas", "Although", "after", "BEFORE", "once", "when", "and", "as", "which", "by", "so",
             "then", "with", "x", "the", "troops", ",", ";", ":", "(", ")", "[", "]", '"', "-", "--", "“", "–"]
    blanks = [" ", "  ", "\t", "\n", "", ","]
    rng = random.Random(3)
    for _ in range(5000):
        text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 12)))
        assert boundaries(text) == [m.span() for m in _BOUNDARY.rx.finditer(text)], text
