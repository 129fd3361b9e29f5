"""Parties named in report text: states, capitals as metonyms, demonym + force
phrases, armed groups, organisations, officials and titles.

The lexicon is data: ``extract/lexicon/parties.tsv`` (surface, party, kind,
person). On top of it, code combines:

- a demonym with a force or title noun: "the Azerbaijani army", "Armenian armed
  forces", "the Armenian side", "Russian peacekeepers", "the Afghan government",
  "the Azerbaijani Defence Ministry" (kind ``demonym`` or ``title``);
- a country's possessive with such a noun: "Azerbaijan's president",
  "Lebanon's health ministry" (kind ``title``, or ``country`` for forces);
- "the President of Azerbaijan", "Prime Minister of Armenia" (kind ``title``);
- a title followed by an official's name: "Russian President Vladimir Putin"
  (kind ``official``, with the person).

Matching reuses the gazetteer's folding and tokenisation (diacritics folded,
apostrophes dropped inside words, offsets kept). Surfaces written with a
capital must start with one in the text; all-capital acronyms ("UN", "US",
"EU", "ELN") match only in that exact case; lower-case surfaces
("separatists", "pro-Russian rebels") match in any case. A leading "the" is
never part of a match.

Choice: Arayik Harutyunyan, the Karabakh Armenian leader, maps to
"Nagorno-Karabakh authorities", not to "Armenia": the de facto authorities are
not the Armenian state and did not sign the 10 November 2020 statement; an
agreement file can list "Nagorno-Karabakh authorities" as an alias of a party
if a user wants them merged.

Speed: ~0.1 ms per devset report (1,700 chars) on one core.
"""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import dataclass
from importlib import resources

from ..geo.gazetteer import _WTOK, CapitalWords, _fold_text, fold, longest_match, lower_word_hits

__all__ = ["PartyMatch", "find_parties", "canonical_party", "PartyLexicon"]


@dataclass(frozen=True, init=False)
class PartyMatch:
    start: int
    end: int
    text: str
    party: str
    kind: str  # country|capital|metonym|demonym|group|organisation|official|title
    person: str | None = None

    def __init__(self, start: int, end: int, text: str, party: str, kind: str, person: str | None = None):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once (tens of parties per report)
        object.__setattr__(self, "__dict__", {"start": start, "end": end, "text": text, "party": party, "kind": kind, "person": person})


# Nouns after a demonym or "Country's": the party acting through its forces or offices.
_FORCE_NOUNS = (
    "army", "armed forces", "forces", "troops", "military", "side", "government", "authorities",
    "officials", "soldiers", "servicemen", "units", "military units", "armed units", "peacekeepers",
    "peacekeeping contingent", "peacekeeping forces", "peacekeeping force", "peacekeeping mission",
    "peacekeeping troops", "contingent", "border guards", "border service", "border troops", "police",
    "delegation", "negotiators", "navy", "air force", "leadership", "fighters", "commanders", "defence forces",
    "defense forces", "sappers", "engineers", "regime", "army units", "special forces",
)
_TITLE_NOUNS = (
    "president", "prime minister", "deputy prime minister", "foreign minister", "defence minister",
    "defense minister", "minister", "ministry", "defence ministry", "defense ministry", "foreign ministry",
    "health ministry", "interior ministry", "emergency ministry", "emergencies ministry",
    "ministry of defence", "ministry of defense", "ministry of foreign affairs", "foreign affairs ministry",
    "cabinet", "parliament", "presidency", "presidential administration", "presidential aide", "leader",
    "spokesman", "spokeswoman", "spokesperson", "ambassador", "envoy", "embassy", "security council",
    "national security council", "general staff", "defence ministry spokesman", "defense ministry spokesman",
    "foreign ministry spokesman", "foreign ministry spokeswoman", "chief of staff", "head of state",
    "ombudsman", "human rights ombudsman", "state security service", "intelligence service",
)
_TITLE_OF_RE = re.compile(
    r"\b(?:the\s+)?(president|prime minister|deputy prime minister|foreign minister|defen[cs]e minister|"
    r"minister of (?:defen[cs]e|foreign affairs|health|the interior)|ministry of (?:defen[cs]e|foreign affairs|"
    r"health|the interior|emergency situations)|government|leader|ambassador|envoy|embassy|armed forces|army|"
    r"parliament|presidential administration)\s+of\s+(?:the\s+)?$"
)
_TITLE_KINDS = {fold(n): "title" for n in _TITLE_NOUNS}
_NOUNS: dict[str, str] = {fold(n): "force" for n in _FORCE_NOUNS}
_NOUNS.update(_TITLE_KINDS)
_NOUN_PREFIXES = {" ".join(k.split()[:i]) for k in _NOUNS for i in range(1, len(k.split()))}


def _norm(s: str) -> str:
    return s[4:] if s.lower().startswith("the ") else s


@dataclass
class _Entry:
    party: str
    kind: str
    person: str | None
    mode: str  # cap | exact | any
    surface: str


class PartyLexicon:
    """The party lexicon and its matcher (one shared instance: ``PartyLexicon.default()``)."""

    _default: "PartyLexicon | None" = None
    _lock = threading.Lock()

    def __init__(self, rows: list[tuple[str, str, str, str | None]]) -> None:
        self.index: dict[str, _Entry] = {}
        self.prefixes: set[str] = set()
        self.first: set[str] = set()
        lower_first: set[str] = set()
        for surface, party, kind, person in rows:
            surface = _norm(surface.strip())
            key = fold(surface)
            if not key or key in self.index:
                continue
            letters = [c for c in surface if c.isalpha()]
            if surface[:1].islower():
                mode = "any"
                lower_first.add(surface.split()[0].split("-")[0].lower())
            elif letters and all(c.isupper() for c in letters) and len(letters) <= 6:
                mode = "exact"
            else:
                mode = "cap"
            self.index[key] = _Entry(party, kind, person or None, mode, surface)
            toks = key.split(" ")
            self.first.add(toks[0])
            for i in range(1, len(toks)):
                self.prefixes.add(" ".join(toks[:i]))
        self.lower_first = tuple(sorted(w + sep for w in lower_first for sep in (" ", "-")))
        self.parties = {e.party for e in self.index.values()}

    @classmethod
    def default(cls) -> "PartyLexicon":
        if cls._default is None:
            with cls._lock:
                if cls._default is None:
                    cls._default = cls(_read_lexicon())
        return cls._default

    # ------------------------------------------------------------------ helpers
    def _candidates(self, text: str, folded: str, words: CapitalWords | None = None,
                    lower_starts: list[int] | None = None) -> list[tuple[int, int, str]]:
        """Capitalised words and the whole-word starts of ``lower_first`` words
        ("pro-", "separatist "); ``lower_starts``: see ``gazetteer.lower_word_hits``."""
        out = (words if words is not None else CapitalWords(text, folded)).items
        extra = lower_word_hits(folded, self.lower_first, lower_starts)
        if extra:
            out = sorted(set(out) | set(extra))
        return out

    @staticmethod
    def _longest(folded: str, key: str, end: int, index, prefixes) -> tuple[int, object] | None:
        return longest_match(folded, key, end, index, prefixes)

    def _noun_after(self, folded: str, pos: int) -> tuple[int, str] | None:
        m = _WTOK.match(folded, pos)
        if m is None:
            return None
        k = m.group(1)
        if k not in _NOUNS and k not in _NOUN_PREFIXES:
            return None
        hit = self._longest(folded, k, m.end(), _NOUNS, _NOUN_PREFIXES)
        return hit  # (end, "force"|"title")

    # ------------------------------------------------------------------ matching
    def find(self, text: str, words: CapitalWords | None = None, lower_starts: list[int] | None = None) -> list[PartyMatch]:
        """Every party mention; ``words``: the text's ``CapitalWords``, if already read;
        ``lower_starts``: where ``lower_first`` words may begin, if known (``_candidates``)."""
        folded = _fold_text(text) if words is None else words.folded
        index, first, prefixes = self.index, self.first, self.prefixes
        out: list[PartyMatch] = []
        done = 0
        for p, kend, k in self._candidates(text, folded, words, lower_starts):
            if p < done or k not in first:
                continue
            hit = self._longest(folded, k, kend, index, prefixes)
            if hit is None:
                continue
            end, ent = hit
            if ent.mode == "cap" and not text[p].isupper():
                continue
            if ent.mode == "exact" and text[p:end] != ent.surface:
                continue
            start, kind, party, person = p, ent.kind, ent.party, ent.person
            if kind == "not_party":
                done = end  # "National Security Council": a name that contains a party's alias but is none
                continue
            if kind == "demonym":
                na = self._noun_after(folded, end)
                if na is not None:
                    end, nk = na
                    kind = "title" if nk == "title" else "demonym"
                    party = _state_of(party, ent)
            elif kind == "country":
                if folded.startswith("'s ", end):
                    na = self._noun_after(folded, end + 2)
                    if na is not None:
                        end, nk = na
                        kind = "title" if nk == "title" else "country"
                tb = _TITLE_OF_RE.search(folded, max(done, p - 60), p)
                if tb is not None:
                    start, kind = tb.start(1), "title"
            if kind == "title":
                m = _WTOK.match(folded, end)
                if m is not None and m.group(1) in first:
                    h2 = self._longest(folded, m.group(1), m.end(), index, prefixes)
                    if h2 is not None and h2[1].kind == "official" and text[m.start(1)].isupper():
                        end, kind, person = h2[0], "official", h2[1].person
                        party = party if party == h2[1].party else h2[1].party
            out.append(PartyMatch(start, end, text[start:end], party, kind, person))
            done = end
        return out

    def canonical(self, name: str) -> str | None:
        if not name:
            return None
        name = _norm(name.strip())
        e = self.index.get(fold(name))
        if e is not None:
            return e.party
        ms = self.find(name)
        if len(ms) == 1 and ms[0].start == 0 and ms[0].end == len(name.rstrip(". ")):
            return ms[0].party
        return None


_PLURAL_STATE = {
    "Armenians": "Armenia", "Azerbaijanis": "Azerbaijan", "Russians": "Russia", "Israelis": "Israel",
    "Ukrainians": "Ukraine", "Turks": "Turkey", "Afghans": "Afghanistan", "Colombians": "Colombia",
    "Americans": "United States",
}


def _state_of(party: str, ent: _Entry) -> str:
    """"Armenians" alone are people; "Armenian forces" are the state's forces."""
    return _PLURAL_STATE.get(party, party)


def _read_lexicon() -> list[tuple[str, str, str, str | None]]:
    path = resources.files("accordwatch.extract").joinpath("lexicon", "parties.tsv")
    with path.open("r", encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    rows = []
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    assert header[:3] == ["surface", "party", "kind"], header
    for r in reader:
        if len(r) < 3 or not r[0].strip():
            continue
        rows.append((r[0], r[1].strip(), r[2].strip(), (r[3].strip() if len(r) > 3 else "") or None))
    return rows


def find_parties(text: str, words: CapitalWords | None = None, lower_starts: list[int] | None = None) -> list[PartyMatch]:
    """Every party mention: non-overlapping, sorted, longest match wins."""
    return PartyLexicon.default().find(text, words, lower_starts)


def canonical_party(name: str) -> str | None:
    """Any surface form ("the Kremlin", "U.N.", "Armenian forces") -> canonical party, or None."""
    return PartyLexicon.default().canonical(name)
