"""The prefilter never rules out a text the pattern matches (checked on hand-made cases)."""

import re

import pytest

from accordwatch.extract.prefilter import may_match, required_literals
from accordwatch.extract.triggers import load_rules


@pytest.mark.parametrize(
    "pattern, text",
    [
        (r"\bwithdr(?:aw|awn|ew)\b", "troops withdrew"),
        (r"\b(?:attacked|shelled)\b", "they shelled the town"),
        (r"\b(?P<n>\d+)\s+(?P<unit>days?|weeks?)\s+later\b", "3 days later"),
        (r"\bpull(?:ed|ing)?(?: \w+){0,6}? (?:out|back)\b", "pulling guns back"),
        (r"(?:handover|transfer) of", "the transfer of"),
    ],
)
def test_required_literals_found_in_matching_text(pattern, text):
    assert re.search(pattern, text, re.IGNORECASE)
    assert may_match(required_literals(pattern), text.lower())


def test_optional_parts_are_not_required():
    assert required_literals(r"\b(?:very )?quick") == {"quick"}
    assert required_literals(r"a|bc") is None  # a branch without a long literal: no prefilter


def test_every_trigger_rule_matches_its_own_examples_when_prefiltered():
    # each rule with a prefilter: the prefilter accepts every text the rule matches in our fixtures
    from pathlib import Path

    texts = [p.read_text("utf-8").lower() for p in (Path(__file__).parent / "data" / "devset" / "reports").glob("*.txt")]
    for rule in load_rules():
        for t in texts:
            if rule.pattern.search(t):
                assert rule.required is None or may_match(set(rule.required), t), rule.id
