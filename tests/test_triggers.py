"""Trigger candidates, one event type per case, on sentences written for these tests."""

import pytest

from accordwatch.extract.triggers import find_triggers, load_rules


def types(sentence: str) -> set[str]:
    return {c.rule.type.value for c in find_triggers(sentence)}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The two presidents signed the accord in Geneva.", "sign"),
        ("A ceasefire took effect at midnight.", "ceasefire"),
        ("Artillery shelled the village overnight.", "violation"),
        ("Government troops withdrew from the ridge.", "withdrawal"),
        ("The district was handed back to the government.", "handover"),
        ("Peacekeepers deployed along the border.", "deployment"),
        ("The sides exchanged prisoners of war at the crossing.", "exchange"),
        ("Thousands of refugees returned to the valley.", "return"),
        ("The border crossing reopened to traffic.", "reopening"),
        ("The rebels handed over their weapons to UN monitors.", "disarmament"),
        ("Residents were evacuated from the town.", "evacuation"),
        ("The withdrawal was postponed until March.", "deadline_change"),
    ],
)
def test_each_type_has_a_trigger(sentence, expected):
    assert expected in types(sentence)


def test_candidates_carry_offsets_and_rule_ids():
    s = "The army pulled its guns back from the front."
    [c] = [c for c in find_triggers(s) if c.rule.type.value == "withdrawal"]
    assert s[c.start : c.end] == c.text and c.rule.id.startswith("withdrawal.")


def test_forbidden_context_blocks_a_trigger():
    # an exchange of fire is a clash, not a prisoner exchange
    assert "exchange" not in types("The two armies exchanged fire across the river.")


def test_rule_ids_are_unique():
    ids = [r.id for r in load_rules()]
    assert len(ids) == len(set(ids))
