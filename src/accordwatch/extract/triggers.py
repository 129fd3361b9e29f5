"""Event triggers: find candidate words that signal an event type.

``find_triggers(sentence_text)`` has no side effects and returns candidates
(rule id, type, span); the pipeline step writes them to the doc. The rules are
data (``rules/triggers.yaml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from ..model import EventType


@dataclass(frozen=True)
class TriggerRule:
    id: str
    type: EventType
    pattern: re.Pattern
    requires: re.Pattern | None
    forbids: re.Pattern | None
    window: int
    modality: str | None
    confidence: float


@lru_cache(maxsize=1)
def load_rules() -> tuple[TriggerRule, ...]:
    raw = yaml.safe_load(resources.files("accordwatch.extract").joinpath("rules/triggers.yaml").read_text("utf-8"))
    rules = []
    for r in raw["rules"]:
        flags = re.IGNORECASE
        rules.append(
            TriggerRule(
                id=r["id"],
                type=EventType(r["type"]),
                pattern=re.compile(r["pattern"], flags),
                requires=re.compile(r["requires"], flags) if r.get("requires") else None,
                forbids=re.compile(r["forbids"], flags) if r.get("forbids") else None,
                window=int(r.get("window", 80)),
                modality=r.get("modality"),
                confidence=float(r.get("confidence", 0.7)),
            )
        )
    return tuple(rules)


@dataclass(frozen=True)
class Candidate:
    start: int
    end: int
    text: str
    rule: TriggerRule


def find_triggers(text: str) -> list[Candidate]:
    """All trigger candidates in one sentence, overlapping ones resolved.

    Two candidates of the same type that overlap keep the earlier/longer one;
    candidates of different types may overlap (the later steps decide).
    """
    found: list[Candidate] = []
    for rule in load_rules():
        for m in rule.pattern.finditer(text):
            lo = max(0, m.start() - rule.window)
            hi = min(len(text), m.end() + rule.window)
            window = text[lo:hi]
            if rule.requires is not None and not rule.requires.search(window):
                continue
            if rule.forbids is not None:
                # forbids patterns anchored with ^ look right after the trigger
                target = text[m.start() : hi] if rule.forbids.pattern.startswith("^") else window
                if rule.forbids.search(target):
                    continue
            found.append(Candidate(m.start(), m.end(), m.group(0), rule))
    found.sort(key=lambda c: (c.start, -(c.end - c.start)))
    kept: list[Candidate] = []
    for c in found:
        if any(k.rule.type == c.rule.type and k.start < c.end and c.start < k.end for k in kept):
            continue
        kept.append(c)
    return kept
