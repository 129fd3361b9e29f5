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
from .anchors import AnchoredPatterns, key_text


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
    fast: re.Pattern | None = None  # case-sensitive, for lower-cased text
    lead_boundary: bool = False
    required: frozenset[str] | None = None  # literals a match must contain (prefilter)


def _top_level(src: str) -> str:
    """The pattern with every parenthesised group removed (to see top-level '|')."""
    out, depth = [], 0
    esc = False
    for ch in src:
        if esc:
            esc = False
            if depth == 0:
                out.append(ch)
            continue
        if ch == "\\":
            esc = True
            if depth == 0:
                out.append(ch)
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def _required(src: str) -> frozenset[str] | None:
    from .prefilter import required_literals

    r = required_literals(src)
    return frozenset(r) if r else None


@lru_cache(maxsize=1)
def load_rules() -> tuple[TriggerRule, ...]:
    raw = yaml.safe_load(resources.files("accordwatch.extract").joinpath("rules/triggers.yaml").read_text("utf-8"))
    rules = []
    for r in raw["rules"]:
        flags = re.IGNORECASE
        src = r["pattern"]
        from ..dates import _strippable

        lead = src.startswith(r"\b") and "|" not in _top_level(src) and _strippable(src[2:])
        rules.append(
            TriggerRule(
                id=r["id"],
                type=EventType(r["type"]),
                pattern=re.compile(src, flags),
                requires=re.compile(r["requires"]) if r.get("requires") else None,
                forbids=re.compile(r["forbids"]) if r.get("forbids") else None,
                window=int(r.get("window", 80)),
                modality=r.get("modality"),
                confidence=float(r.get("confidence", 0.7)),
                fast=re.compile(src[2:] if lead else src),
                lead_boundary=lead,
                required=_required(src),
            )
        )
    return tuple(rules)


@lru_cache(maxsize=1)
def anchored_rules():
    """The rules' patterns (case-sensitive, for the folded text) as an
    ``AnchoredPatterns`` set: each is tried only where its first words occur."""
    return AnchoredPatterns([r.fast if not r.lead_boundary else re.compile(r.pattern.pattern) for r in load_rules()])


@dataclass(frozen=True, init=False)
class Candidate:
    start: int
    end: int
    text: str
    rule: TriggerRule

    def __init__(self, start: int, end: int, text: str, rule: TriggerRule):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once
        object.__setattr__(self, "__dict__", {"start": start, "end": end, "text": text, "rule": rule})


def find_triggers(text: str) -> list[Candidate]:
    """All trigger candidates in one sentence, overlapping ones resolved.

    Two candidates of the same type that overlap keep the earlier/longer one;
    candidates of different types may overlap (the later steps decide).
    """
    return find_triggers_in(text, [(0, len(text))])[0]


def find_triggers_in(text: str, spans: list[tuple[int, int]], folded: str | None = None,
                     where: list | None = None) -> list[list[Candidate]]:
    """Trigger candidates of every sentence span of ``text`` (offsets into ``text``).

    Each rule is tried only where its first words occur (``anchors``; a rule
    whose beginnings cannot be listed scans the whole text once, not once per
    sentence); a match belongs to the sentence that contains it, and its
    requires/forbids window is clipped to that sentence. ``folded`` is
    ``fold_case(text)`` and ``where`` the ``anchored_rules().places`` of its key text
    (of all of it, or of the spans), when the caller has them already.
    """
    import bisect

    starts = [a for a, _ in spans]
    found: list[list[Candidate]] = [[] for _ in spans]
    if not spans:
        return found
    from ..dates import finditer_bounded, fold_case

    lo_all, hi_all = spans[0][0], spans[-1][1]
    low = fold_case(text) if folded is None else folded
    region = None
    anchored = anchored_rules()
    if where is None:
        where = anchored.places(key_text(low), lo_all, hi_all)
    for ri, rule in enumerate(load_rules()):
        if where[ri] is not None:
            if not where[ri]:
                continue  # none of its first words occurs: the rule cannot fire
            matches = anchored.finditer(ri, low, where[ri], lo_all, hi_all)
        else:
            if region is None:
                region = low[lo_all:hi_all]
            if rule.required is not None and not any(x in region for x in rule.required):
                continue  # a literal every match needs is absent: the rule cannot fire
            matches = finditer_bounded(rule.fast, low, rule.lead_boundary, lo_all, hi_all)
        for m in matches:
            i = bisect.bisect_right(starts, m.start()) - 1
            if i < 0:
                continue
            s_lo, s_hi = spans[i]
            if m.end() > s_hi:
                continue
            lo = max(s_lo, m.start() - rule.window)
            hi = min(s_hi, m.end() + rule.window)
            if rule.requires is not None and not rule.requires.search(low, lo, hi):
                continue
            if rule.forbids is not None:
                # forbids patterns anchored with ^ look right after the trigger
                if rule.forbids.pattern.startswith("^"):
                    if rule.forbids.search(low[m.start() : hi]):
                        continue
                elif rule.forbids.search(low, lo, hi):
                    continue
            found[i].append(Candidate(m.start() - s_lo, m.end() - s_lo, text[m.start() : m.end()], rule))
    out: list[list[Candidate]] = []
    for cands in found:
        cands.sort(key=lambda c: (c.start, -(c.end - c.start)))
        kept: list[Candidate] = []
        reach: dict[EventType, int] = {}  # per type, the furthest end kept so far (starts are sorted)
        for c in cands:
            if reach.get(c.rule.type, -1) > c.start:
                continue
            kept.append(c)
            reach[c.rule.type] = max(reach.get(c.rule.type, -1), c.end)
        out.append(kept)
    return out
