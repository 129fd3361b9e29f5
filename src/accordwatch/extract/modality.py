"""Modality of a trigger from its clause: occurred, planned, postponed,
cancelled, refused, ongoing — or negated (no event).

``clause_bounds`` finds the clause around a trigger; ``modality`` reads the
cues in it. Both are pure functions of the sentence text, tested alone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .anchors import CueSet
from .caseless import caseless

# Clause boundaries inside a sentence, in four alternatives (tried in this order).
_BOUNDARY_PARTS = (
    r"[;()\[\]“”\"]|:(?=\s)",
    r"\s[–—-]\s",  # needs a dash
    r",\s(?=(?:but|while|and|after|before|when|as|which|who|whose|although|though|whereas|so|then|with|saying|arguing|citing|adding|according|by)\b)",
    r"\s(?=(?:but|while|whereas|although|after|before|once|when)\s)",  # needs one of these words
)
_BOUNDARY = caseless("|".join(_BOUNDARY_PARTS), re.IGNORECASE)
# On ASCII text (lower-cased, as ``Caseless`` reads it) an alternative that cannot match
# anywhere in the text is left out: the others then match where they did. The dash and
# the words alternatives are tried at every blank, which costs the most.
_BOUNDARY_ASCII = {
    (dash, words): re.compile("|".join(p for i, p in enumerate(_BOUNDARY_PARTS) if (i != 1 or dash) and (i != 3 or words)))
    for dash in (False, True) for words in (False, True)
}

NEGATION = caseless(
    r"\b(?:not|n't|never|no|nor|without|ruled out|rule out|rules out|neither|none|excluded from|exempt from"
    r"|(?:prevented|barred|blocked|stopped|kept|banned) from|fail(?:ed|s|ing)? to|unable to)\b",
    re.IGNORECASE,
)
NOT_YET = caseless(
    r"\byet(?=\s*[.,;:]|\s*$)|\b(?:not yet|yet to|so far|still|no (?:new )?(?:date|deadline|timetable)|sets? no date|given no (?:date|timetable)|gave no (?:new )?date|has not been acted on|not been acted on|no prisoners? .{0,30}so far)\b",
    re.IGNORECASE,
)
NO_DATE = caseless(
    r"\b(?:no (?:new )?(?:date|deadline|timetable)(?: has| had)?(?: been)? (?:set|given|fixed)?|sets? no (?:date|deadline)|gave no (?:new )?date|given no (?:date|timetable)|neither government said when|did not say when|no date for)\b",
    re.IGNORECASE,
)
CANCELLED = caseless(r"\b(?:called off|call off|calls off|cancel(?:l?ed|s|ling|lation)?|scrapped|abandoned|aborted|(?:was|were|been) (?:dropped|shelved))\b", re.IGNORECASE)
REFUSED = caseless(r"\b(?:refus(?:ed|es|e|ing) to|declin(?:ed|es|ing) to|will not|won't|would not)\b", re.IGNORECASE)
REFUSED_STRICT = caseless(r"\b(?:refus(?:ed|es|e|ing) to|declin(?:ed|es|ing) to)\b", re.IGNORECASE)
PAST_PLAN = caseless(
    r"\b(?:supposed to|(?:was|were|had been) due to|(?:was|were|had been) (?:due|set|scheduled|planned) (?:for|on|to)|originally|first planned|(?:first|initially) (?:set|scheduled|fixed|due) (?:for|on)|(?:was|were) to(?: be| have)?|had been set for|original (?:deadline|date))\b",
    re.IGNORECASE,
)
POSTPONED = caseless(r"\b(?:postponed|put off|put back|delayed|pushed back|push(?:ed)? (?:\w+ ){0,3}back|deferred)\b", re.IGNORECASE)
CONTRAST_MISS = caseless(r"\bbut\b.{0,80}\b(?:postpon|delay|push|put off|not|never|moved)", re.IGNORECASE)
ONGOING = caseless(
    r"\b(?:began|begun|begin(?:s|ning)?|started|starts|start(?:ing)? to|under way|underway|continu(?:e|es|ed|ing)|(?<!the )remains(?! of)|remain(?:s|ed)?(?: (?:deployed|stationed|posted|in place|on duty|in|on|at|along|across|inside|throughout)\b|\s*$)|(?<!must )(?<!should )(?<!will )(?<!would )still(?!\s+(?:to|due|scheduled|expected|set)\b)|following the implementation|in the process of|gradually|(?:have|has|had) (?:\w+ )?been \w+ing)\b",
    re.IGNORECASE,
)
PLANNED = caseless(
    r"\b(?:will|would|shall|must|should|(?:is|are|be|was) to|has to|have to|due(?: to| on| by)?|expected to|scheduled|set to|plans? to|planned|agree[ds]? to(?! (?:the|a|an)\b)|intend(?:s|ed)? to|meant to|required to|obliged to|obligated|commit(?:s|ted)? to|pledged? to|promised? to|requires? (?:\w+ ){0,4}?to|calls? (?:\w+ ){0,3}?to|offer(?:s|ed)? to|propos(?:e|es|ed|al) to|ready to|is provided for|are provided for|provides for|provided for|have until|has until|had until|until|can|may|could|aims? to|envisage[sd]?|calls for|timetable|schedule)\b",
    re.IGNORECASE,
)
PERFECT = caseless(r"\b(?:has|have|had)\s+(?:\w+\s+){0,2}?(?:been\s+)?\w+(?:ed|en|wn|ne|ft|ck|ght|t)\b", re.IGNORECASE)
PAST_VERB = caseless(
    r"\b(?:\w+ed|withdrew|took|gave|came|went|left|fled|drove|rode|began|began|brought|sent|held|made|put|set|struck|fell|froze|met|won|lost|kept|told|said|saw|broke|built|ran|crossed|entered|returned|moved|rolled|flew|flown|quit|landed|laid|hit|struck|bombed|pounded)\b",
    re.IGNORECASE,
)
# verbs of a lasting presence in the simple present describe the current state, not a plan
STATE_PRESENT = caseless(r"(?:patrols?|guards?|mans|man|monitors?|controls?|polices?|occup(?:y|ies))\b", re.IGNORECASE)
DEADLINE_FOR = caseless(r"\b(?:extension|delay|postponement|deadline|more time|extra time|grace period|new date|timetable|request)\s+(?:for|of|in|on)(?:\s+the)?\s*$", re.IGNORECASE)
NOW_BEFORE = caseless(r"\b(?:now|currently|already)\s*$", re.IGNORECASE)
PAST_PROGRESSIVE = caseless(r"\b(?:was|were)\s+(?:\w+ly\s+|still\s+|already\s+)?\w+ing\b(?!\s+to\b)", re.IGNORECASE)
PROGRESSIVE = caseless(r"\b(?:is|are|am)\s+(?:\w+ly\s+)?\w+ing\b", re.IGNORECASE)
NOMINAL = caseless(
    r"^(?:(?:its|their|the|a|an|this|that|next|planned|first|second|third|latest) )?(?:handovers?|hand-overs?|handbacks?|transfers?|pull-?backs?|pullouts?|pull-outs?|withdrawals?|evacuations?|deployments?|exchanges?|returns?|releases?|swaps?|reopenings?|ceasefires?|truces?|cessation of hostilities|liberation|laydown|disarmament)$",
    re.IGNORECASE,
)
PRESENT_PASSIVE = caseless(r"\b(?:is|are)\s+(?:\w+ly\s+)?\w+(?:ed|en)\s+by\b", re.IGNORECASE)
FINITE_PAST = caseless(r"\b(?:was|were|took place|happened|went ahead|passed|began|ended|finished|completed|had|has been|have been|came|started)\b", re.IGNORECASE)
VERB_NEGATION = caseless(r"\b(?:not|n't|never)\b", re.IGNORECASE)
AS_PLANNED = caseless(r"\b(?:(?:later|earlier|sooner) than (?:first |originally )?(?:planned|scheduled|agreed|expected)|as (?:first |originally )?(?:planned|scheduled|agreed))\b", re.IGNORECASE)
PARTICIPLE_AFTER_PAST = caseless(r"\b(?:\w+ed|withdrew|took|came|went|rode|drove|fell)\b[^.;]{3,}?,\s+(?:\w+\s+){0,2}?(?:completing|taking|finishing|bringing|ending|leaving|handing|returning)(?:\s+\w+){0,2}\s*$", re.IGNORECASE)
YET_TO = caseless(r"\b(?:ha(?:ve|s|d) yet to|(?:is|are|was|were) (?:yet|still) to)(?:\s+\w+)?\s*$", re.IGNORECASE)
LIGHT_VERB = caseless(r"\b(?:carried out|conducted|completed|held|staged|finished|made)\b(?:\s+\w+){0,3}\s*$", re.IGNORECASE)
FORCED_TO = caseless(r"\b(?:forcing|forced|compelling|compelled|obliging)\b(?:\s+\w+){1,5}\s+to\s*$", re.IGNORECASE)
PERFECT_PROGRESSIVE = caseless(r"\b(?:have|has|had) (?:\w+ )?been \w+ing\b", re.IGNORECASE)
HYPOTHETICAL = caseless(r"\b(?:if|unless|would only|provided that|in case|whether)\b", re.IGNORECASE)
# "Had the prisoners been released ...", "Should Armenia withdraw ...": an inverted conditional opens the clause
COUNTERFACTUAL = caseless(r"^\s*(?:had|were|should)\s+(?:the\s+|its\s+|their\s+|all\s+|any\s+)?[\w'’-]+\b(?![^,;]*\?)", re.IGNORECASE)
# "once Kelbajar is returned", "until the troops are withdrawn": a present passive after a time conjunction is to come
ONCE_PRESENT = caseless(r"\b(?:once|as soon as|until|till)\s+(?:[\w'’-]+\s+){0,3}(?:is|are)\b[^.;,]{0,30}$", re.IGNORECASE)
# "would withdraw only if ...", "will deploy provided that ...": the action hangs on a condition after it
ONLY_IF = caseless(r"^\s*(?:[\w'’-]+\s+){0,4}?(?:only if|only when|only after|on condition that|provided that|providing that|as long as)\b", re.IGNORECASE)
# "left ahead of the handover": an action named as still to come, whatever the
# tense of the clause around it
AHEAD_OF = caseless(r"\b(?:ahead of|in advance of|in preparation for|prior to|pending|before)\s+(?:the\s+|its\s+|their\s+|a\s+)?(?:[\w-]+\s+){0,2}$", re.IGNORECASE)
# A party denying that something happened: "denied that its forces had shelled",
# "denied violating", "rejected reports that the handover had been postponed".
# The denied action is an event of modality ``denied`` (it would otherwise read as
# occurred), kept apart from the events the gold schema knows. "denied any wrongdoing" or "dismissed the offer" are not denials of
# an action in the clause, so the cue needs that / a gerund / reports of.
DENIAL = caseless(
    r"\b(?:den(?:y|ies|ied|ying)\s+(?:that\b|having\b|\w+ing\b|(?:the\s+|any\s+|all\s+)?(?:media\s+|press\s+)?"
    r"(?:reports?|claims?|allegations?|accusations?|suggestions?|rumou?rs?)\b)"
    r"|(?:dismiss(?:ed|es|ing)?|reject(?:ed|s|ing)?|refut(?:ed|es|ing)?)\s+(?:as\s+\w+\s+)?(?:the\s+|any\s+|all\s+)?"
    r"(?:media\s+|press\s+)?(?:reports?|claims?|allegations?|accusations?|suggestions?|rumou?rs?)\b)",
    re.IGNORECASE,
)
SINCE = caseless(r"\bsince\b", re.IGNORECASE)
FUTURE_ONLY = caseless(r"\b(?:will|shall|is to|are to|due to|expected to|set to|to be)\b", re.IGNORECASE)
PERFECT_AUX = caseless(r"\b(?:have|has|had)\b")
SAID = caseless(r"\b(?:said|reported)\b")
HANDING = caseless(r"\b(?:handing|returning|giving)\b")
TO_AT_END = caseless(r"\bto$")


@dataclass(frozen=True, init=False)
class ModalityResult:
    modality: str | None  # None = negated, no event
    cue: str
    date_negated: bool = False
    past_plan: bool = False

    def __init__(self, modality: str | None, cue: str, date_negated: bool = False, past_plan: bool = False):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once
        object.__setattr__(self, "__dict__", {"modality": modality, "cue": cue, "date_negated": date_negated, "past_plan": past_plan})


def clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The clause of ``text`` around [start, end): between the nearest boundaries."""
    return _bounds_in(boundaries(text), len(text), start, end)


def boundaries(text: str) -> list[tuple[int, int]]:
    """The clause boundaries of ``text`` (spans, in order)."""
    if text.isascii():
        low = text.lower()
        words = ("but" in low or "whe" in low or "while" in low or "although" in low or "after" in low
                 or "before" in low or "once" in low)
        return [m.span() for m in _BOUNDARY_ASCII["-" in low, words].finditer(low)]
    return [m.span() for m in _BOUNDARY.finditer_lower(text)]


def _bounds_in(spans: list[tuple[int, int]], n: int, start: int, end: int) -> tuple[int, int]:
    lo, hi = 0, n
    for b_start, b_end in spans:
        if b_end <= start:
            lo = b_end
        elif b_start >= end:
            hi = b_start
            break
    return lo, hi


# The cue patterns read in the words before a trigger, and in a whole sentence:
# one scan of a text tells which of them can match there at all (``anchors.CueSet``).
_NEAR_CUES = CueSet([NEGATION, YET_TO, FORCED_TO, PAST_PLAN, PLANNED, HYPOTHETICAL, ONGOING, SAID, LIGHT_VERB, FINITE_PAST, PAST_VERB])
_TRIGGER_CUES = CueSet([NEGATION, ONGOING, PLANNED])
_SENTENCE_CUES = CueSet([AS_PLANNED, NO_DATE, NOT_YET, DENIAL])


class SentenceCues:
    """What ``modality`` reads from a whole sentence, computed once for all the
    triggers of that sentence: the text with "as planned" phrases blanked, its
    clause boundaries, and the sentence-wide cues."""

    __slots__ = ("sentence", "text", "scan", "_bounds", "_orig_bounds", "_no_date", "_not_yet", "may_deny")

    def __init__(self, sentence: str):
        self.sentence = sentence
        # every trigger reads the blanked text and its scan: both are made at once
        scan = _SENTENCE_CUES.scan(sentence)
        if scan.may_match(AS_PLANNED):
            #: the sentence with "as planned" / "later than planned" blanked out (same length)
            self.text = AS_PLANNED.sub(lambda m: " " * len(m.group(0)), sentence)
            if self.text != sentence:
                scan = _SENTENCE_CUES.scan(self.text)
        else:
            self.text = sentence
        #: the ``_SENTENCE_CUES`` scan of ``text``
        self.scan = scan
        #: whether a ``DENIAL`` cue can occur in the sentence at all (most have none)
        self.may_deny = scan.may_match(DENIAL)
        self._bounds = self._orig_bounds = self._no_date = self._not_yet = None

    def clause(self, start: int, end: int, *, original: bool = False) -> tuple[int, int]:
        """``clause_bounds`` of the blanked text (or of the original sentence)."""
        text = self.text
        if original or text == self.sentence:  # nothing was blanked: one list of boundaries serves both
            spans = self._orig_bounds
            if spans is None:
                spans = self._orig_bounds = _Bounds(boundaries(self.sentence))
            return spans.around(len(self.sentence), start, end)
        spans = self._bounds
        if spans is None:
            spans = self._bounds = _Bounds(boundaries(text))
        return spans.around(len(text), start, end)

    @property
    def no_date(self) -> bool:
        if self._no_date is None:
            self._no_date = bool(self.scan.search(NO_DATE))
        return self._no_date

    @property
    def not_yet(self) -> bool:
        if self._not_yet is None:
            self._not_yet = bool(self.scan.search(NOT_YET))
        return self._not_yet


class _Bounds:
    """Clause boundaries (spans in order, not overlapping, none empty) and their
    ends, for ``_bounds_in`` by bisection."""

    __slots__ = ("spans", "ends")

    def __init__(self, spans: list[tuple[int, int]]):
        self.spans = spans
        self.ends = [b for _a, b in spans]

    def around(self, n: int, start: int, end: int) -> tuple[int, int]:
        """``_bounds_in(self.spans, n, start, end)``."""
        spans = self.spans
        if not spans:
            return 0, n
        if end <= start:
            return _bounds_in(spans, n, start, end)
        # the boundaries that end by ``start`` come first; the first one after them
        # that starts at or after ``end`` closes the clause (one between overlaps the trigger)
        i = bisect_right(self.ends, start)
        lo = spans[i - 1][1] if i else 0
        for j in range(i, len(spans)):
            if spans[j][0] >= end:
                return lo, spans[j][0]
        return lo, n


# Two cues with a cheap necessary condition on ASCII text (where a letter matches
# only its two cases): a present passive holds "by"; a participle clause ends with
# one of its -ing words among the last three words.
_PARTICIPLES = frozenset({"completing", "taking", "finishing", "bringing", "ending", "leaving", "handing", "returning"})


def _present_passive(text: str) -> re.Match | None:
    """``PRESENT_PASSIVE.search(text)``."""
    if text.isascii() and "by" not in text.lower():
        return None
    return PRESENT_PASSIVE.search(text)


def _participle_after_past(text: str) -> re.Match | None:
    """``PARTICIPLE_AFTER_PAST.search(text)``."""
    if text.isascii() and not any(w.lower() in _PARTICIPLES for w in text.rsplit(None, 3)[-3:]):
        return None
    return PARTICIPLE_AFTER_PAST.search(text)


class _TriggerInfo:
    """What ``modality`` reads from a trigger's own words alone: whether it is a noun,
    and the cue patterns that match in it. Trigger texts come from a small
    vocabulary ("withdrew", "handed over", "the handover"), so these are kept per text
    (``_trigger_info``) instead of being searched again for every trigger."""

    __slots__ = ("nominal", "past_verb", "_scan", "_found")

    def __init__(self, trig: str):
        self.nominal = bool(NOMINAL.match(trig.strip()))
        self.past_verb = PAST_VERB.search(trig)
        self._scan = _TRIGGER_CUES.scan(trig)
        self._found: dict = {}

    def search(self, rx) -> re.Match | None:
        """``rx.search(trig)`` for one of ``_TRIGGER_CUES`` (as ``CueScan.search``), once."""
        found = self._found
        if rx not in found:
            found[rx] = self._scan.search(rx)
        return found[rx]


_TRIGGER_INFO: dict[str, _TriggerInfo] = {}
_TRIGGER_INFO_MAX = 4096  # distinct trigger texts kept; more (an unusual input) starts the table again


def _trigger_info(trig: str) -> _TriggerInfo:
    info = _TRIGGER_INFO.get(trig)
    if info is None:
        if len(_TRIGGER_INFO) >= _TRIGGER_INFO_MAX:
            _TRIGGER_INFO.clear()
        info = _TRIGGER_INFO[trig] = _TriggerInfo(trig)
    return info


def modality(sentence: str, start: int, end: int, *, bullet_terms: bool = False, fixed: str | None = None,
             cues: SentenceCues | None = None) -> ModalityResult:
    """Modality of the trigger at [start, end) in ``sentence``; ``cues`` (of this
    sentence) lets several triggers share the sentence-wide work."""
    if cues is None:
        cues = SentenceCues(sentence)
    # "ten days later than first planned" reports a delay, not a plan
    sentence = cues.text
    lo, hi = cues.clause(start, end)
    left = sentence[lo:start]
    trig = sentence[start:end]
    right = sentence[end:hi]
    # the words before the trigger: one scan of the last ten tells which cues can
    # occur in them (and in the last seven, ``left_only``, a suffix after a blank)
    left_words = left.split()
    wide = _NEAR_CUES.scan(" ".join(left_words[-10:]))
    near_left = " ".join(left_words[-7:])
    clause = sentence[lo:hi]
    info = _trigger_info(trig)
    nominal = info.nominal
    left_only = near_left
    follow = ""
    if nominal:
        # a noun trigger takes its tense from the verb group that follows it
        after = sentence[end:]
        follow = " ".join(after.split()[:10])
        near_left = near_left + " " + follow
    near = _NEAR_CUES.scan(near_left) if nominal else None
    at_trigger = info

    def in_left(rx) -> re.Match | None:
        """``rx.search(left_only)``."""
        return rx.search(left_only) if wide.may_match(rx) else None

    def in_near(rx) -> re.Match | None:
        """``rx.search(near_left)``."""
        return near.search(rx) if near is not None else in_left(rx)

    found_planned: dict[str, re.Match | None] = {}

    def planned(where: str) -> re.Match | None:
        """``PLANNED.search`` of the words before the trigger ("left" or "near"), of the
        trigger or of the clause, once per call (the words before are read up to five times)."""
        if where not in found_planned:
            if where == "left":
                found_planned[where] = in_left(PLANNED)
            elif where == "near":
                found_planned[where] = in_near(PLANNED)
            elif where == "trig":
                found_planned[where] = at_trigger.search(PLANNED)
            else:
                found_planned[where] = PLANNED.search(clause)
        return found_planned[where]

    if cues.may_deny and DENIAL.search(left + trig):
        return ModalityResult("denied", "denied")
    if nominal:
        if POSTPONED.search(after[:170]) and not planned("left"):
            if not NEGATION.search(after[:60]):
                return ModalityResult("postponed", "noun-postponed")
        if AHEAD_OF.search(left[-60:]):
            return ModalityResult("planned", "ahead-of")

    date_negated = cues.no_date
    # negation: in the few words before the trigger or inside the trigger's verb group
    neg = in_left(NEGATION) or at_trigger.search(NEGATION) or (nominal and VERB_NEGATION.search(" ".join(follow.split()[:5])))
    if neg and not date_negated:
        if NOT_YET.search(clause) or cues.not_yet:
            return ModalityResult("planned", "not-yet", date_negated)
        if REFUSED_STRICT.search(clause):
            return ModalityResult("refused", "refused")
        return ModalityResult(None, f"negated:{neg.group(0)}")
    if date_negated and (neg or NEGATION.search(clause)):
        return ModalityResult("planned", "no-date", True)
    if fixed:
        return ModalityResult(fixed, "rule")
    if DEADLINE_FOR.search(left_only):
        return ModalityResult("planned", "deadline-for")  # "a ten-day extension for handing back Kelbajar": not done
    if in_left(YET_TO) or " yet to " in trig.lower():
        return ModalityResult("planned", "yet-to")
    if in_left(FORCED_TO):
        return ModalityResult("occurred", "forced-to")
    if CANCELLED.search(clause):
        return ModalityResult("cancelled", "cancelled")
    if REFUSED_STRICT.search(left):
        return ModalityResult("refused", "refused")
    past_plan = bool(wide.search(PAST_PLAN) or in_near(PAST_PLAN))
    if past_plan:
        if CONTRAST_MISS.search(sentence[end:]) or POSTPONED.search(clause):
            return ModalityResult("postponed", "past-plan-missed", past_plan=True)
        return ModalityResult("planned", "past-plan", past_plan=True)
    if POSTPONED.search(right[:40]) and not planned("near"):
        return ModalityResult("postponed", "postponed")
    if bullet_terms:
        return ModalityResult("planned", "terms-list")
    if ONCE_PRESENT.search(left_only + " " + trig):
        return ModalityResult("planned", "once-present")  # "the only road into Karabakh once Kelbajar is returned": still to come
    if in_near(HYPOTHETICAL) or COUNTERFACTUAL.match(left) or ONLY_IF.match(right):
        return ModalityResult(None, "hypothetical")  # "if separatists launched an attack": no event
    if _present_passive(near_left + " " + trig + " " + right[:20]) and not planned("near"):
        return ModalityResult("ongoing", "present-passive")
    if SINCE.search(right) and PERFECT_AUX.search(near_left + " " + trig):
        return ModalityResult("ongoing", "since-perfect")
    if in_near(ONGOING) or at_trigger.search(ONGOING) or PERFECT_PROGRESSIVE.search(near_left + " " + trig):
        return ModalityResult("ongoing", "ongoing")
    if planned("trig"):
        return ModalityResult("planned", "modal-in-trigger")
    if info.past_verb and not planned("near") and not nominal:
        return ModalityResult("occurred", "past-trigger")
    if (_participle_after_past(sentence[:end]) or _participle_after_past(sentence[:start].rstrip())) and not planned("left"):
        # "Troops entered X on Tuesday, completing the return of ..." / ", taking back ..."
        return ModalityResult("occurred", "participle-after-past")
    if planned("near"):
        return ModalityResult("planned", "modal")
    if PAST_PROGRESSIVE.search(near_left + " " + trig):
        return ModalityResult("ongoing", "past-progressive")  # "troops were entering Aghdam as of Friday morning"
    if PROGRESSIVE.search(near_left + " " + trig) and not in_near(SAID):
        # "Armenia is handing back" describes a schedule in news register
        return ModalityResult("planned" if HANDING.search(trig + near_left) else "ongoing", "progressive")
    if PERFECT.search(near_left + " " + trig) or info.past_verb:
        return ModalityResult("occurred", "past")
    if TO_AT_END.search(near_left.strip()):
        return ModalityResult("planned", "infinitive")
    if not nominal and NOW_BEFORE.search(left_only):
        return ModalityResult("ongoing", "now-present")  # "peacekeepers now man posts": a present state
    # nominal or present-tense trigger: read the clause's verbs
    if nominal:
        if in_left(LIGHT_VERB):
            return ModalityResult("occurred", "light-verb")
        if in_near(FINITE_PAST):
            return ModalityResult("planned" if planned("clause") else "occurred", "noun-finite-past")
        return ModalityResult("planned", "noun-present")
    if PAST_VERB.search(right) or in_near(PAST_VERB):
        if planned("clause"):
            return ModalityResult("planned", "clause-modal")
        return ModalityResult("occurred", "clause-past")
    if STATE_PRESENT.match(trig):
        return ModalityResult("ongoing", "state-present")  # "peacekeepers patrol the corridor"
    return ModalityResult("planned", "present")
