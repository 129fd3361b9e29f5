"""Modality of a trigger from its clause: occurred, planned, postponed,
cancelled, refused, ongoing — or negated (no event).

``clause_bounds`` finds the clause around a trigger; ``modality`` reads the
cues in it. Both are pure functions of the sentence text, tested alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Clause boundaries inside a sentence.
_BOUNDARY = re.compile(
    r"[;()\[\]“”\"]|:(?=\s)|\s[–—-]\s|,\s(?=(?:but|while|and|after|before|when|as|which|who|whose|although|though|whereas|so|then|with|saying|arguing|citing|adding|according|by)\b)"
    r"|\s(?=(?:but|while|whereas|although|after|before|once|when)\s)",
    re.IGNORECASE,
)

NEGATION = re.compile(
    r"\b(?:not|n't|never|no|nor|without|ruled out|rule out|rules out|neither|none|excluded from|exempt from)\b", re.IGNORECASE
)
NOT_YET = re.compile(
    r"\b(?:not yet|yet to|so far|still|no (?:new )?(?:date|deadline|timetable)|sets? no date|given no (?:date|timetable)|gave no (?:new )?date|has not been acted on|not been acted on|no prisoners? .{0,30}so far)\b",
    re.IGNORECASE,
)
NO_DATE = re.compile(
    r"\b(?:no (?:new )?(?:date|deadline|timetable)(?: has| had)?(?: been)? (?:set|given|fixed)?|sets? no (?:date|deadline)|gave no (?:new )?date|given no (?:date|timetable)|neither government said when|did not say when|no date for)\b",
    re.IGNORECASE,
)
CANCELLED = re.compile(r"\b(?:called off|call off|calls off|cancel(?:l?ed|s|ling|lation)?|scrapped|abandoned|aborted)\b", re.IGNORECASE)
REFUSED = re.compile(r"\b(?:refus(?:ed|es|e|ing) to|declin(?:ed|es|ing) to|will not|won't|would not)\b", re.IGNORECASE)
REFUSED_STRICT = re.compile(r"\b(?:refus(?:ed|es|e|ing) to|declin(?:ed|es|ing) to)\b", re.IGNORECASE)
PAST_PLAN = re.compile(
    r"\b(?:supposed to|(?:was|were|had been) due to|(?:was|were|had been) (?:due|set|scheduled|planned) (?:for|on|to)|originally|first planned|(?:was|were) to(?: be| have)?|had been set for|original (?:deadline|date))\b",
    re.IGNORECASE,
)
POSTPONED = re.compile(r"\b(?:postponed|put off|delayed|pushed back|push(?:ed)? (?:\w+ ){0,3}back|deferred)\b", re.IGNORECASE)
CONTRAST_MISS = re.compile(r"\bbut\b.{0,80}\b(?:postpon|delay|push|put off|not|never|moved)", re.IGNORECASE)
ONGOING = re.compile(
    r"\b(?:began|begun|begin(?:s|ning)?|started|starts|start(?:ing)? to|under way|underway|continu(?:e|es|ed|ing)|remains|still|following the implementation|in the process of|gradually|(?:have|has|had) been \w+ing)\b",
    re.IGNORECASE,
)
PLANNED = re.compile(
    r"\b(?:will|would|shall|must|should|(?:is|are|be|was) to|has to|have to|due(?: to| on| by)?|expected to|scheduled|set to|plans? to|planned|agree[ds]? to|intend(?:s|ed)? to|meant to|required to|obliged to|obligated|commit(?:s|ted)? to|pledged? to|promised? to|ready to|is provided for|are provided for|provides for|provided for|have until|has until|had until|until|can|may|could|aims? to|envisage[sd]?|calls for|timetable|schedule)\b",
    re.IGNORECASE,
)
PERFECT = re.compile(r"\b(?:has|have|had)\s+(?:\w+\s+){0,2}?(?:been\s+)?\w+(?:ed|en|wn|ne|ft|ck|ght|t)\b", re.IGNORECASE)
PAST_VERB = re.compile(
    r"\b(?:\w+ed|withdrew|took|gave|came|went|left|fled|drove|rode|began|began|brought|sent|held|made|put|set|struck|fell|froze|met|won|lost|kept|told|said|saw|broke|built|ran|crossed|entered|returned|moved|rolled)\b",
    re.IGNORECASE,
)
PROGRESSIVE = re.compile(r"\b(?:is|are|am)\s+(?:\w+ly\s+)?\w+ing\b", re.IGNORECASE)
NOMINAL = re.compile(
    r"^(?:handovers?|hand-overs?|transfers?|pull-?backs?|pullouts?|pull-outs?|withdrawals?|evacuations?|deployments?|exchanges?|returns?|releases?|swaps?|reopenings?|ceasefires?|truces?|cessation of hostilities|liberation|laydown|disarmament)$",
    re.IGNORECASE,
)
PRESENT_PASSIVE = re.compile(r"\b(?:is|are)\s+(?:\w+ly\s+)?\w+(?:ed|en)\s+by\b", re.IGNORECASE)
FINITE_PAST = re.compile(r"\b(?:was|were|took place|happened|went ahead|passed|began|ended|finished|completed|had|has been|have been|came|started)\b", re.IGNORECASE)
VERB_NEGATION = re.compile(r"\b(?:not|n't|never)\b", re.IGNORECASE)
AS_PLANNED = re.compile(r"\b(?:(?:later|earlier|sooner) than (?:first |originally )?(?:planned|scheduled|agreed|expected)|as (?:first |originally )?(?:planned|scheduled|agreed))\b", re.IGNORECASE)
PARTICIPLE_AFTER_PAST = re.compile(r"\b(?:\w+ed|withdrew|took|came|went|rode|drove|fell)\b[^.;]{3,}?,\s+(?:\w+\s+){0,2}?(?:completing|taking|finishing|bringing|ending|leaving|handing|returning)(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
YET_TO = re.compile(r"\b(?:ha(?:ve|s|d) yet to|(?:is|are|was|were) yet to)(?:\s+\w+)?\s*$", re.IGNORECASE)
LIGHT_VERB = re.compile(r"\b(?:carried out|conducted|completed|held|staged|finished|made)\b(?:\s+\w+){0,3}\s*$", re.IGNORECASE)
FORCED_TO = re.compile(r"\b(?:forcing|forced|compelling|compelled|obliging)\b(?:\s+\w+){1,5}\s+to\s*$", re.IGNORECASE)
PERFECT_PROGRESSIVE = re.compile(r"\b(?:have|has|had) been \w+ing\b", re.IGNORECASE)
HYPOTHETICAL = re.compile(r"\b(?:if|unless|would only|provided that|in case|whether)\b", re.IGNORECASE)
SINCE = re.compile(r"\bsince\b", re.IGNORECASE)
FUTURE_ONLY = re.compile(r"\b(?:will|shall|is to|are to|due to|expected to|set to|to be)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ModalityResult:
    modality: str | None  # None = negated, no event
    cue: str
    date_negated: bool = False
    past_plan: bool = False


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around [start, end): between the nearest boundaries."""
    lo, hi = 0, len(text)
    for m in _BOUNDARY.finditer(text):
        if m.end() <= start:
            lo = m.end()
        elif m.start() >= end:
            hi = m.start()
            break
    return lo, hi


def _last_word_window(text: str, n: int) -> str:
    words = text.split()
    return " ".join(words[-n:])


def modality(sentence: str, start: int, end: int, *, bullet_terms: bool = False, fixed: str | None = None) -> ModalityResult:
    """Modality of the trigger at [start, end) in ``sentence``."""
    # "ten days later than first planned" reports a delay, not a plan
    sentence = AS_PLANNED.sub(lambda m: " " * len(m.group(0)), sentence)
    lo, hi = clause_bounds(sentence, start, end)
    left = sentence[lo:start]
    trig = sentence[start:end]
    right = sentence[end:hi]
    near_left = _last_word_window(left, 7)
    clause = sentence[lo:hi]
    whole = sentence
    nominal = bool(NOMINAL.match(trig.strip()))
    left_only = near_left
    follow = ""
    if nominal:
        # a noun trigger takes its tense from the verb group that follows it
        after = sentence[end:]
        follow = " ".join(after.split()[:10])
        near_left = near_left + " " + follow
        if POSTPONED.search(after[:170]) and not PLANNED.search(_last_word_window(left, 7)):
            if not NEGATION.search(after[:60]):
                return ModalityResult("postponed", "noun-postponed")

    date_negated = bool(NO_DATE.search(whole))
    # negation: in the few words before the trigger or inside the trigger's verb group
    neg = NEGATION.search(left_only) or NEGATION.search(trig) or (nominal and VERB_NEGATION.search(" ".join(follow.split()[:5])))
    if neg and not date_negated:
        if NOT_YET.search(clause) or NOT_YET.search(whole):
            return ModalityResult("planned", "not-yet", date_negated)
        if REFUSED_STRICT.search(clause):
            return ModalityResult("refused", "refused")
        return ModalityResult(None, f"negated:{neg.group(0)}")
    if date_negated and (neg or NEGATION.search(clause)):
        return ModalityResult("planned", "no-date", True)
    if fixed:
        return ModalityResult(fixed, "rule")
    if YET_TO.search(left_only):
        return ModalityResult("planned", "yet-to")
    if FORCED_TO.search(left_only):
        return ModalityResult("occurred", "forced-to")
    if CANCELLED.search(clause):
        return ModalityResult("cancelled", "cancelled")
    if REFUSED_STRICT.search(left):
        return ModalityResult("refused", "refused")
    past_plan = bool(PAST_PLAN.search(_last_word_window(left, 10)) or PAST_PLAN.search(near_left))
    if past_plan:
        if CONTRAST_MISS.search(sentence[end:]) or POSTPONED.search(clause):
            return ModalityResult("postponed", "past-plan-missed", past_plan=True)
        return ModalityResult("planned", "past-plan", past_plan=True)
    if POSTPONED.search(right[:40]) and not PLANNED.search(near_left):
        return ModalityResult("postponed", "postponed")
    if bullet_terms:
        return ModalityResult("planned", "terms-list")
    if HYPOTHETICAL.search(near_left):
        return ModalityResult(None, "hypothetical")  # "if separatists launched an attack": no event
    if PRESENT_PASSIVE.search(near_left + " " + trig + " " + right[:20]) and not PLANNED.search(near_left):
        return ModalityResult("ongoing", "present-passive")
    if SINCE.search(right) and re.search(r"\b(?:have|has|had)\b", near_left + " " + trig, re.IGNORECASE):
        return ModalityResult("ongoing", "since-perfect")
    if ONGOING.search(near_left) or ONGOING.search(trig) or PERFECT_PROGRESSIVE.search(near_left + " " + trig):
        return ModalityResult("ongoing", "ongoing")
    if PLANNED.search(trig):
        return ModalityResult("planned", "modal-in-trigger")
    if PAST_VERB.search(trig) and not PLANNED.search(near_left) and not nominal:
        return ModalityResult("occurred", "past-trigger")
    if (PARTICIPLE_AFTER_PAST.search(sentence[:end]) or PARTICIPLE_AFTER_PAST.search(sentence[:start].rstrip())) and not PLANNED.search(left_only):
        # "Troops entered X on Tuesday, completing the return of ..." / ", taking back ..."
        return ModalityResult("occurred", "participle-after-past")
    if PLANNED.search(near_left):
        return ModalityResult("planned", "modal")
    if PROGRESSIVE.search(near_left + " " + trig) and not re.search(r"\b(?:said|reported)\b", near_left, re.IGNORECASE):
        # "Armenia is handing back" describes a schedule in news register
        return ModalityResult("planned" if re.search(r"\b(?:handing|returning|giving)\b", trig + near_left, re.IGNORECASE) else "ongoing", "progressive")
    if PERFECT.search(near_left + " " + trig) or PAST_VERB.search(trig):
        return ModalityResult("occurred", "past")
    if re.search(r"\bto$", near_left.strip(), re.IGNORECASE):
        return ModalityResult("planned", "infinitive")
    # nominal or present-tense trigger: read the clause's verbs
    if nominal:
        if LIGHT_VERB.search(left_only):
            return ModalityResult("occurred", "light-verb")
        if FINITE_PAST.search(near_left):
            return ModalityResult("planned" if PLANNED.search(clause) else "occurred", "noun-finite-past")
        return ModalityResult("planned", "noun-present")
    if PAST_VERB.search(right) or PAST_VERB.search(near_left):
        if PLANNED.search(clause):
            return ModalityResult("planned", "clause-modal")
        return ModalityResult("occurred", "clause-past")
    return ModalityResult("planned", "present")
