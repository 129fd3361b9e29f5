"""Place names in report text: an offline gazetteer and a fast matcher.

Data (``geo/data``, see ATTRIBUTION.md), in priority order, the first claim of
an alias wins:

1. ``places_extra.tsv``: our own conflict places; canonical names of the
   Karabakh theatre follow the devset alias tables; ``not_place`` rows block
   phrases (demonyms, person names) from ever being places.
2. ``admin_divisions_az_am.tsv`` + ``admin_crosswalk.tsv``: AZ rayons/cities and
   AM provinces, linked to boundary shapeIDs.
3. ``gazetteer_karabakh.tsv``: GeoNames populated places of the theatre.
4. ``world_places.tsv``: GeoNames countries and cities >= 100k (built by
   ``scripts/build_gazetteer.py``).

Matching is a token n-gram dictionary lookup over a folded copy of the text
(diacritics folded one character for one, so offsets are kept; apostrophe-like
characters inside words dropped; case-folded). Rules:

- a place must start with a capital letter unless its alias is written
  lower-case in our own data ("southern Lebanon"); short all-capital aliases
  ("NK", "US") match only in that case;
- GeoNames city names that are common words or person names ("Nice",
  "Reading", "Santos", "Victoria"; flag ``ambiguous``) need a cue: a following
  place-type word or a preceding "in/near/outside/from/to";
- a single-word GeoNames city glued to a following capitalised word is taken
  for part of a name ("Vladimir Putin") and skipped;
- "X district/region/corridor/crossing/port/village..." and "the village/town/
  city/port of X" cover the whole phrase and give X's canonical name; when X
  is unknown, a match "X district" (or just X after "village of") is returned
  with confidence 0.6.

Speed, measured on the 17 devset reports (mean 1,713 chars; one core of the
2-core dev machine, best of repeated runs, other jobs running;
``python -m accordwatch.geo.gazetteer`` prints the numbers again):

- this matcher (capitalised-word candidates, token n-gram dict lookup with a
  prefix set, str.find for place-type words): ~0.22 ms per report
  (~4,500 reports/s, i.e. ~0.26 ms per 2,000 chars); building the index from
  the shipped files: ~0.3-0.4 s, once per process;
- spaCy 3.8 ``PhraseMatcher`` (attr LOWER, same 19k alias keys) on a blank
  English tokenizer over the same folded text: ~3.0 ms per report, ~2.7 ms of
  it in the tokenizer alone, plus ~4-6 s to build the matcher;
so the dictionary lookup is used.
"""

from __future__ import annotations

import csv
import re
import threading
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

__all__ = ["PlaceMatch", "Gazetteer", "fold", "tokenize"]

# --------------------------------------------------------------------------- folding

_APOS = "'’ʻʼˌ`´‘ʹʿʾ"
_SPECIAL = {
    "ə": "e", "Ə": "E", "ı": "i", "İ": "I", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O",
    "đ": "d", "Đ": "D", "ħ": "h", "ß": "s", "æ": "a", "Æ": "A", "œ": "o", "Œ": "O",
    "þ": "t", "ð": "d", "ǝ": "e", "“": '"', "”": '"', "–": "-", "—": "-", "‑": "-", "‐": "-",
}


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x80, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base.isascii() and base != ch:
            table[cp] = base
    for k, v in _SPECIAL.items():
        table[ord(k)] = v
    for a in _APOS:
        table[ord(a)] = "'"
    for cp in range(0x300, 0x370):  # combining marks: joined into the word, then dropped
        table[cp] = "'"
    return table


_TABLE = _build_table()
_TOKEN_RE = re.compile(r"[^\W_]+(?:'(?!s\b)[^\W_]+)*|[^\w\s]")
_NONASCII = re.compile(r"[^\x00-\x7f]")


def _fold_text(text: str) -> str:
    """Folded copy of ``text`` with exactly the same length (offsets are kept)."""
    if text.isascii():
        return text.lower()
    t = _NONASCII.sub(lambda m: _TABLE.get(ord(m.group()), m.group()), text)
    low = t.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in t)


def tokenize(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """``(folded, [(start, end, key), ...])``: word tokens and single punctuation marks."""
    folded = _fold_text(text)
    toks = []
    for m in _TOKEN_RE.finditer(folded):
        s = m.group()
        if "'" in s and len(s) > 1:
            s = s.replace("'", "")
        toks.append((m.start(), m.end(), s))
    return folded, toks


def fold(name: str) -> str:
    """The lookup key of a name: folded tokens joined by spaces."""
    if name.isascii() and name.replace(" ", "").isalpha():  # fast path, same result
        return " ".join(name.lower().split())
    return " ".join(k for _, _, k in tokenize(name)[1])


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True, init=False)
class PlaceMatch:
    start: int
    end: int
    text: str
    name: str
    kind: str
    country: str | None
    confidence: float

    def __init__(self, start: int, end: int, text: str, name: str, kind: str, country: str | None, confidence: float):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once (tens of places per report)
        object.__setattr__(self, "__dict__", {
            "start": start, "end": end, "text": text, "name": name, "kind": kind, "country": country, "confidence": confidence})


@dataclass
class _Entry:
    name: str  # canonical
    mode: str  # "cap" | "any" | "exact"
    surface: str  # alias as written (for "exact")
    ambiguous: bool = False
    blocked: bool = False


_ADMIN_KINDS = {"district", "region", "province", "city", "autonomous republic"}
# place-type words after a name: "Lachin district", "Rafah crossing"
_TYPE_AFTER = {
    "district": "district", "districts": "district", "rayon": "district", "raion": "district",
    "region": "region", "regions": "region", "province": "province", "provinces": "province",
    "oblast": "region", "governorate": "region", "corridor": "corridor", "crossing": "crossing",
    "crossings": "crossing", "port": "port", "ports": "port", "village": "village", "villages": "village",
    "town": "town", "city": "city", "checkpoint": "checkpoint", "prison": "prison", "river": "river",
}
# place-type words before "of X": "the village of Sur"
_TYPE_OF = {"village", "town", "city", "port", "district", "region", "province", "settlement", "hamlet"}
_ADMIN_TYPES = {"district", "region", "province"}
# a settlement word before "of X" where X is a larger unit ("the main city of Karabakh") names a part of X
_SMALLER_THAN = {t: frozenset({"region", "province", "country", "territory"}) for t in ("village", "town", "city", "port", "settlement", "hamlet")}
_CUE_BEFORE = {"in", "near", "outside", "around", "into", "from", "to"}
_STOP_CAP = {
    "the", "a", "an", "this", "that", "these", "those", "each", "every", "its", "their", "our", "his", "her",
    "which", "what", "another", "other", "one", "two", "three", "some", "any", "no", "both", "all", "new",
    "northern", "southern", "eastern", "western", "central", "north", "south", "east", "west", "border",
    "mr", "ms", "mrs", "dr", "gen", "general", "president", "minister", "and", "or", "of", "in", "on", "at",
    "for", "by", "with", "from", "to", "after", "before", "since", "during", "under", "but", "if", "as",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "occupied", "liberated", "disputed", "former", "whole", "entire", "same", "last", "first", "next",
    "frontline", "front", "capital", "mountain", "mountainous", "rebel", "separatist", "government",
    "federal", "military", "administrative", "host", "home", "neighbouring", "neighboring", "key", "main",
    "u", "s", "i", "it", "we", "they", "he", "she", "there", "here", "when", "where", "while", "only",
}
_UPPER = "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).isupper() and chr(c) != "×")
_TOK = re.compile(r"[^\W_]+(?:'(?!s\b)[^\W_]+)*|[^\w\s]")
_WTOK = re.compile(r"\s*([^\W_]+(?:'(?!s\b)[^\W_]+)*|[^\w\s])")
_CUE_RE = re.compile(r"\b(?:in|near|outside|around|into|from|to)\s+$")
_OF_BEFORE_RE = re.compile(r"\b(village|town|city|port|district|region|province|settlement|hamlet)\s+of\s+$")
_OF_FWD_RE = re.compile(r"(village|town|city|port|settlement|hamlet|district|region|province)\s+of\s+")
_RUN_RE = re.compile(rf"(?:[A-Z{_UPPER}][\w'’]*(?: |-))+$")
_NAME_RUN_RE = re.compile(rf"[A-Z{_UPPER}][\w'’]*(?:[ -][A-Z{_UPPER}][\w'’]*){{0,2}}")
_WORD_RE = re.compile(r"[\w'’]+")
_CAPWORD_RE = re.compile(rf"[A-Z{_UPPER}][^\W_]*")
_TYPE_WORDS = tuple(sorted({w.rstrip("s") if w.endswith("s") and w[:-1] in _TYPE_AFTER else w for w in _TYPE_AFTER}))


def _is_wordish(c: str) -> bool:
    return c.isalnum() or c in "'’ʻ_"


# a capitalised word not glued to a word character or apostrophe before it (``_is_wordish``:
# ``\w`` is exactly ``isalnum()`` or "_"); the capital comes first and the look-behind
# after it (back over it), so that re skips to capitals instead of trying every position
_CAPWORD_START_RE = re.compile(rf"[A-Z{_UPPER}](?<![\w'’ʻ].)[^\W_]*")
_APOS_EXTRA = "".join(c for c in _APOS if c not in "'’ʻ")  # also glue a place name, not a party name


class CapitalWords:
    """The capitalised words of a text, read once for the gazetteer and the party
    lexicon: ``items`` are ``(start, end, key)`` with the folded word as key (a word
    with an apostrophe inside, "K'arvachar", read whole without it); ``folded`` is
    ``_fold_text(text)``. Words glued to a word character or to one of "'’ʻ" before
    them are left out (``_is_wordish``)."""

    __slots__ = ("text", "folded", "items")

    def __init__(self, text: str, folded: str | None = None):
        self.text = text
        self.folded = folded = _fold_text(text) if folded is None else folded
        out = []
        n = len(text)
        for m in _CAPWORD_START_RE.finditer(text):
            p, e = m.span()
            if e < n and text[e] in _APOS:  # K'arvachar, Azerbaijan's
                t = _TOK.match(folded, p)
                e = t.end()
                k = t.group().replace("'", "")
            else:
                k = folded[p:e]
            out.append((p, e, k))
        self.items = out


# The type words and the "<type> of" words, as one pattern for ``anchors.AnchoredPatterns``:
# the extraction pipeline lists, in its one pass over a report's key text, the word starts
# where one of these words may begin (``type_starts``), and ``_type_hits`` / ``_of_hits``
# then look only there instead of running a ``str.find`` pass over the text per word.
# No word of either list begins another, so at most one of them begins at a place.
TYPE_WORD_PATTERN = re.compile(r"\b(?:" + "|".join(sorted(set(_TYPE_WORDS) | _TYPE_OF)) + ")")
assert not any(a != b and b.startswith(a) for a in _TYPE_WORDS for b in _TYPE_WORDS)
assert not any(a != b and b.startswith(a) for a in _TYPE_OF for b in _TYPE_OF)


def _type_hits(folded: str, starts: list[int] | None = None) -> list[tuple[int, int, str]]:
    """``(start, end, word)`` of whole-word type words ("district", "corridors"...); str.find is fast.

    ``starts``, when given: ascending offsets that include every place after a non-word
    character (or 0) where a type word begins (``TYPE_WORD_PATTERN``'s places in an ASCII
    text); a whole-word hit begins at one of them, so only they are read."""
    if starts is not None:
        return _type_hits_at(folded, starts)
    hits = []
    n = len(folded)
    for w in _TYPE_WORDS:
        i = folded.find(w)
        while i >= 0:
            e = i + len(w)
            if e < n and folded[e] == "s" and w + "s" in _TYPE_AFTER:
                e += 1
            if (e >= n or not _is_wordish(folded[e])) and (i == 0 or not _is_wordish(folded[i - 1])):
                hits.append((i, e, folded[i:e]))
            i = folded.find(w, e)
    hits.sort()
    return hits


def lower_word_hits(folded: str, words: tuple[str, ...], starts: list[int] | None = None) -> list[tuple[int, int, str]]:
    """``(start, start + len(w) - 1, w[:-1])`` for every whole-word start in ``folded`` of a
    word ``w`` of ``words`` (each ends with its separator: "southern ", "pro-"), in no
    particular order. ``starts``, when given: ascending offsets that include every place
    after a non-word character (or 0) where one of ``words`` begins; a whole-word start
    is one of them, so only they are read instead of a ``str.find`` pass per word."""
    hits = []
    if starts is None:
        for w in words:
            i = folded.find(w)
            while i >= 0:
                if i == 0 or not _is_wordish(folded[i - 1]):
                    hits.append((i, i + len(w) - 1, w[:-1]))
                i = folded.find(w, i + 1)
        return hits
    for i in starts:
        if i and _is_wordish(folded[i - 1]):
            continue
        for w in words:
            if folded.startswith(w, i):
                hits.append((i, i + len(w) - 1, w[:-1]))
    return hits


def _type_hits_at(folded: str, starts: list[int]) -> list[tuple[int, int, str]]:
    """``_type_hits(folded)``, reading only the places ``starts`` (see ``_type_hits``)."""
    hits = []
    n = len(folded)
    for i in starts:
        if i and _is_wordish(folded[i - 1]):
            continue
        for w in _TYPE_WORDS:
            if folded.startswith(w, i):
                e = i + len(w)
                if e < n and folded[e] == "s" and w + "s" in _TYPE_AFTER:
                    e += 1
                if e >= n or not _is_wordish(folded[e]):
                    hits.append((i, e, folded[i:e]))
                break  # no other type word begins here
    return hits


def _of_hits(folded: str, starts: list[int] | None = None) -> list[re.Match]:
    """``_OF_FWD_RE`` matches ("village of ") at whole-word starts, in order; ``starts``:
    as for ``_type_hits`` (every place where a "<type> of" word may begin)."""
    if starts is not None:
        return _of_hits_at(folded, starts)
    hits = []
    for w in _TYPE_OF:
        i = folded.find(w + " of ")
        while i >= 0:
            m = _OF_FWD_RE.match(folded, i)
            if m is not None and (i == 0 or not _is_wordish(folded[i - 1])):
                hits.append(m)
            i = folded.find(w + " of ", i + 1)
    hits.sort(key=lambda m: m.start())
    return hits


def _of_hits_at(folded: str, starts: list[int]) -> list[re.Match]:
    """``_of_hits(folded)``, reading only the places ``starts``."""
    hits = []
    for i in starts:
        if i and _is_wordish(folded[i - 1]):
            continue
        for w in _TYPE_OF:
            if folded.startswith(w, i):
                if folded.startswith(" of ", i + len(w)):
                    hits.append(_OF_FWD_RE.match(folded, i))
                break  # no other "<type> of" word begins here
    return hits
_NAME_OK_AFTER = {
    "agreement", "agreements", "accord", "accords", "protocol", "statement", "declaration", "process", "format",
    "group", "airport", "summit", "talks", "deal", "memorandum", "ii", "i", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "on", "and",
}
_DEMONYM_SUFFIX = re.compile(r"(?:ian|ians|ese|ish|ani|anis|eli|elis)$")


def _data_path(name: str):
    return resources.files("accordwatch.geo").joinpath("data", name)


def _read_tsv(name: str) -> list[dict[str, str]]:
    with _data_path(name).open("r", encoding="utf-8", newline="") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    reader = csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    header = next(reader)
    out = []
    for row in reader:
        if not row or not any(row):
            continue
        row = row + [""] * (len(header) - len(row))
        out.append({h: v.strip() for h, v in zip(header, row)})
    return out


def _split_aliases(s: str, sep: str) -> list[str]:
    return [a.strip() for a in s.split(sep) if a.strip()] if s else []


def _is_latin(s: str) -> bool:
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in s)


def _float(s: str) -> float | None:
    try:
        return float(s) if s else None
    except ValueError:
        return None


# --------------------------------------------------------------------------- gazetteer



def longest_match(folded: str, key: str, end: int, index, prefixes) -> tuple[int, object] | None:
    """The longest entry of ``index`` that starts with token ``key`` (ending at ``end``)
    and extends over the following tokens while they stay a known prefix."""
    hit = (end, index[key]) if key in index else None
    cur, e = key, end
    while cur in prefixes:
        m = _WTOK.match(folded, e)
        if m is None:
            break
        k = m.group(1)
        if "'" in k and len(k) > 1:
            k = k.replace("'", "")
        cur = cur + " " + k
        e = m.end()
        if cur in index:
            hit = (e, index[cur])
    return hit

class Gazetteer:
    """Alias index over the shipped place files; ``find`` returns place mentions."""

    _default: "Gazetteer | None" = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.records: dict[str, dict] = {}
        self._index: dict[str, _Entry] = {}
        self._by_gid: dict[str, str] = {}
        self._by_admin: dict[str, str] = {}
        self._first: dict[str, int] = {}  # first token -> max n-gram length
        self._shapes: dict[str, str] = {}
        self._lf: tuple[str, ...] | None = None
        self._prefixes: set[str] = set()
        self._keys_of: dict[str, set[str]] = {}

    # ------------------------------------------------------------------ building
    @classmethod
    def default(cls) -> "Gazetteer":
        """The gazetteer of the shipped files, built once per process."""
        if cls._default is None:
            with cls._lock:
                if cls._default is None:
                    g = cls()
                    g._load_shipped()
                    cls._default = g
        return cls._default

    def add_alias(
        self, alias: str, name: str, *, ambiguous: bool = False, blocked: bool = False, own: bool = False
    ) -> bool:
        """Claim ``alias`` for ``name`` unless a higher-priority record has it."""
        alias = alias.strip()
        key = fold(alias)
        if not key or key in self._index:
            return False
        if alias[:1].islower():
            mode = "any" if own else "exact"  # "southern Lebanon" (ours) vs "eMbalenhle" (GeoNames)
        elif alias.isupper() and len(alias.replace(".", "")) <= 4:
            mode = "exact"
        else:
            mode = "cap"
        self._index[key] = _Entry(name, mode, alias, ambiguous, blocked)
        self._keys_of.setdefault(name, set()).add(key)
        toks = key.split(" ")
        if self._first.get(toks[0], 0) < len(toks):
            self._first[toks[0]] = len(toks)
        for i in range(1, len(toks)):
            self._prefixes.add(" ".join(toks[:i]))
        return True

    def _add_record(self, rec: dict, aliases: Iterable[str], ambiguous: bool = False) -> dict:
        name = rec["name"]
        if name in self.records:
            old = self.records[name]
            for k, v in rec.items():
                if old.get(k) in (None, "") and v not in (None, ""):
                    old[k] = v
            rec = old
        else:
            self.records[name] = rec
        if rec.get("geonameid"):
            self._by_gid.setdefault(str(rec["geonameid"]), name)
        if rec.get("admin_code"):
            self._by_admin.setdefault(rec["admin_code"], name)
        own = rec.get("source") == "places_extra"
        self.add_alias(name, name, ambiguous=ambiguous, own=own)
        for a in aliases:
            self.add_alias(a, name, ambiguous=ambiguous, own=own)
        return rec

    def _load_shipped(self) -> None:
        # 1. our own places (and blocked phrases)
        for r in _read_tsv("places_extra.tsv"):
            aliases = _split_aliases(r["aliases"], "|")
            if r["kind"] == "not_place":
                for a in [r["name"], *aliases]:
                    self.add_alias(a, r["name"], blocked=True, own=True)
                continue
            rec = {
                "name": r["name"], "kind": r["kind"], "country": r["country"] or None,
                "lat": _float(r["lat"]), "lon": _float(r["lon"]), "geonameid": r["geonameid"] or None,
                "admin_code": r["admin_code"] or None, "source": "places_extra",
            }
            self._add_record(rec, aliases)

        # 2. AZ/AM admin units, with boundary shapeIDs
        cross: dict[str, list[dict]] = {}
        for r in _read_tsv("admin_crosswalk.tsv"):
            cross.setdefault(r["geonames_code"], []).append(r)
        country_of = {"AZ": "Azerbaijan", "AM": "Armenia"}
        kind_of = {"Rayon": "district", "Municipality": "city", "City": "city", "Region": "province",
                   "Autonomous republic": "region"}
        for r in _read_tsv("admin_divisions_az_am.tsv"):
            code = r["geonames_code"]
            xs = cross.get(code, [])
            # the main body first (Lankaran District has a detached part)
            xs = sorted(xs, key=lambda x: x["shapeID"].endswith("26341487"))
            shape_name = xs[0]["shapeName"] if xs else ""
            kind = kind_of.get(r["type"], "district" if r["country_code"] == "AZ" else "province")
            if not r["type"] and ("City" in shape_name or r["name"].endswith(" City")):
                kind = "city"
            name = self._by_admin.get(code)
            if name is None:
                base = re.sub(r" (District|City)$", "", shape_name) if shape_name else ""
                eng = _split_aliases(r["aliases"], ",")
                base = base or next((a for a in eng if a.isascii()), r["name"])
                if kind == "city" and base in self.records and self.records[base].get("admin_code") != code:
                    base = f"{base} City"
                name = base
            rec = {
                "name": name, "kind": kind, "country": country_of.get(r["country_code"]),
                "lat": None, "lon": None, "admin_code": code, "iso_3166_2": r["iso_3166_2"] or None,
                "admin_geonameid": r["geonameid"], "shape_id": xs[0]["shapeID"] if xs else None,
                "boundary_file": xs[0]["boundary_file"] if xs else None, "source": "admin_divisions",
            }
            aliases = [r["name"], *_split_aliases(r["aliases"], ",")]
            if shape_name:
                aliases.append(shape_name)
            aliases = [a for a in aliases if _is_latin(a)]
            self._add_record(rec, aliases)
            if rec["shape_id"] and rec["kind"] in ("district", "province") or (
                rec["shape_id"] and name not in self._shapes
            ):
                self._shapes[name] = rec["shape_id"]
            for x in xs[1:]:
                self.records[name].setdefault("extra_shape_ids", []).append(x["shapeID"])

        # 3. GeoNames places of the Karabakh theatre
        for r in _read_tsv("gazetteer_karabakh.tsv"):
            code = f'{r["country_code"]}.{r["admin1"]}'
            alts = [a for a in _split_aliases(r["alternatenames"], ",") if _is_latin(a) and a[:1].isupper()]
            keys = {fold(r["name"])} | {fold(a) for a in alts}
            target = self._by_gid.get(r["geonameid"])
            if target is None:
                owner = self._by_admin.get(code)
                if owner and keys & self._keys_of.get(owner, set()):
                    target = owner
            pop = int(r["population"] or 0)
            if target is not None:
                rec = self.records[target]
                rec.setdefault("town_geonameid", r["geonameid"])
                if rec.get("lat") is None:
                    rec["lat"], rec["lon"] = _float(r["lat"]), _float(r["lon"])
                rec.setdefault("population", pop)
                for a in alts:
                    if len(a) >= 3:
                        self.add_alias(a, target)
                continue
            name = r["name"]
            if name in self.records or (fold(name) in self._index):
                continue  # e.g. the Gegharkunik Martuni; the name belongs to a higher-priority place
            rec = {
                "name": name, "kind": "town" if pop >= 5000 else "village",
                "country": country_of.get(r["country_code"]), "lat": _float(r["lat"]), "lon": _float(r["lon"]),
                "geonameid": r["geonameid"], "admin_code": code, "population": pop, "source": "geonames",
            }
            self._add_record(rec, [a for a in alts if len(a) >= 3])

        # 4. world countries and cities
        for r in _read_tsv("world_places.tsv"):
            flags = set(r.get("flags", "").split(","))
            target = self._by_gid.get(r["geonameid"])
            name = target or r["name"]
            if target is None and name in self.records and self.records[name].get("country") not in (
                None, r["country"]
            ):
                continue  # a city named like a country (Armenia, Colombia)
            rec = {
                "name": name, "kind": r["kind"], "country": r["country"] or None,
                "lat": _float(r["lat"]), "lon": _float(r["lon"]), "geonameid": r["geonameid"],
                "iso2": r["iso2"] or None, "population": int(r["population"] or 0), "source": "geonames",
            }
            if r["capital"]:
                rec["capital"] = r["capital"]
            if "capital" in flags:
                rec["capital_of"] = r["country"]
            if target is not None:
                self._add_record(rec, _split_aliases(r["aliases"], "|"))
            else:
                self._add_record(rec, _split_aliases(r["aliases"], "|"), ambiguous="ambiguous" in flags)

    # ------------------------------------------------------------------ queries
    def canonical(self, name: str) -> str | None:
        """Alias (any spelling, case, diacritics) -> canonical name, or None."""
        if not name:
            return None
        key = fold(name)
        e = self._index.get(key)
        if e is None:
            m = re.match(r"^(?:the )?(.+?) (?:district|region|rayon|province)$", key)
            if m:
                e = self._index.get(m.group(1))
        if e is None or e.blocked:
            return None
        return e.name

    def lookup(self, name: str) -> dict | None:
        """The canonical record of a name or alias (a copy), or None."""
        c = self.canonical(name)
        if c is None:
            return None
        rec = dict(self.records[c])
        return rec

    def district_shape_ids(self) -> dict[str, str]:
        """Canonical admin-unit name -> boundary shapeID (AZ rayons and cities, AM provinces)."""
        return dict(self._shapes)

    # ------------------------------------------------------------------ matching
    def _lower_first(self) -> tuple[str, ...]:
        if self._lf is None:
            self._lf = tuple(sorted({e.surface.split()[0].lower() + " " for e in self._index.values()
                                     if e.mode == "any" and e.surface[:1].islower()}))
        return self._lf

    def _candidates(self, text: str, folded: str, words: CapitalWords | None = None,
                    lower_starts: list[int] | None = None) -> list[tuple[int, int, str]]:
        """``(start, end, key)`` of words where a place may start: capitalised words, plus
        the first words of lower-case aliases ("southern Lebanon"). ``lower_starts``, when
        given: ascending offsets that include every place after a non-word character (or
        0) where one of those first words begins; only they are read (see
        ``lower_word_hits``)."""
        if words is None:
            words = CapitalWords(text, folded)
        # a place name is not glued to any apostrophe-like mark either (2B, O'Brien: see CapitalWords)
        out = [w for w in words.items if not (w[0] and text[w[0] - 1] in _APOS_EXTRA)]
        extra = lower_word_hits(folded, self._lower_first(), lower_starts)
        if extra:
            out = sorted(set(out) | set(extra))
        return out

    def find(self, text: str, words: CapitalWords | None = None, type_starts: list[int] | None = None,
             lower_starts: list[int] | None = None) -> list[PlaceMatch]:
        """Every place mention: longest match wins, non-overlapping, sorted by offset.
        ``words``: the text's ``CapitalWords``, when the caller has them already;
        ``type_starts``, ``lower_starts``: where type words and the first words of
        lower-case aliases may begin, if known (see ``_type_hits``, ``_candidates``)."""
        folded = _fold_text(text) if words is None else words.folded
        index, first, prefixes = self._index, self._first, self._prefixes
        records = self.records
        out: list[PlaceMatch] = []
        done = 0  # everything before this offset is consumed
        for p, kend, k in self._candidates(text, folded, words, lower_starts):
            if p < done:
                continue
            if k not in first:
                continue
            ent0 = index.get(k)
            hit = longest_match(folded, k, kend, index, prefixes)
            if hit is None:
                continue
            end, ent = hit
            n = 1 if ent is ent0 and end == kend else 2
            if ent.mode == "cap" and not text[p].isupper():
                continue
            if ent.mode == "exact" and text[p:end] != ent.surface:
                continue
            if ent.blocked:
                done = end
                continue
            rec = records[ent.name]
            kind = rec["kind"]
            start = p
            nxt = _WTOK.match(folded, end)
            nk = nxt.group(1) if nxt else ""
            t_after = _TYPE_AFTER.get(nk)
            if t_after:
                end = nxt.end()
                kind = _kind_for(kind, t_after)
            else:
                if ent.ambiguous and not _CUE_RE.search(folded, max(0, p - 14), p) and not (
                    folded.endswith("of ", 0, p) and _OF_BEFORE_RE.search(folded, max(0, p - 30), p)
                ):
                    continue
                # "Vladimir Putin", "Hamas" look-alikes: a GeoNames city glued to a capitalised word
                if (n == 1 and rec.get("source") == "geonames" and kind == "city" and nxt is not None
                        and nxt.start(1) == end + 1 and text[nxt.start(1)].isupper()
                        and nk not in _NAME_OK_AFTER and nk not in index):
                    continue
                # "Prime Minister Nawaf Salam": a GeoNames city glued after a capitalised word is a surname
                if n == 1 and rec.get("source") == "geonames" and kind == "city" and not rec.get("capital_of") and _glued_after_name(text, folded, p, index):
                    continue
            ob = folded.endswith("of ", 0, p) and _OF_BEFORE_RE.search(folded, max(done, p - 30), p)
            if ob and _SMALLER_THAN.get(ob.group(1), frozenset()) & {rec["kind"]}:
                ob = None  # "the main city of Karabakh": a city in the region, not the region as a city
            if ob:
                start = ob.start(1)
                kind = _kind_for(rec["kind"], ob.group(1))
            out.append(PlaceMatch(start, end, text[start:end], ent.name, kind, rec.get("country"), 1.0))
            done = end
        return self._unknown(text, folded, out, type_starts)

    def _unknown(self, text: str, folded: str, known: list[PlaceMatch], type_starts: list[int] | None = None) -> list[PlaceMatch]:
        """Unknown "Foo district" / "the village of Foo": confidence 0.6."""
        busy = [(pm.start, pm.end) for pm in known]

        def free(a: int, b: int) -> bool:
            for s, e in busy:
                if a < e and s < b:
                    return False
            return True

        extra: list[PlaceMatch] = []
        for s, te, tw in _type_hits(folded, type_starts):
            if s < 2 or text[s - 1] not in " -" or not free(s, te):
                continue
            ws = max(text.rfind(" ", max(0, s - 40), s - 1), text.rfind("-", max(0, s - 40), s - 1)) + 1
            if not text[ws:ws + 1].isupper():
                continue
            rm = _RUN_RE.search(text, max(0, s - 80), s)
            if rm is None:
                continue
            words = list(_WORD_RE.finditer(text, rm.start(), s))
            keys = [_fold_text(w.group()).replace("'", "").replace("’", "") for w in words]
            cut = 0
            for i, k in enumerate(keys):
                if k in _STOP_CAP or self._is_blocked(k):
                    cut = i + 1
            words, keys = words[cut:][-3:], keys[cut:][-3:]
            if not words or _DEMONYM_SUFFIX.search(keys[-1]):
                continue
            a = words[0].start()
            if not free(a, te):
                continue
            t = _TYPE_AFTER[tw]
            extra.append(PlaceMatch(a, te, text[a:te], f"{text[a:words[-1].end()]} {t}", t, None, 0.6))
            busy.append((a, te))
        for om in _of_hits(folded, type_starts):
            xm = _NAME_RUN_RE.match(text, om.end())
            if xm is None:
                continue
            words = list(_WORD_RE.finditer(text, xm.start(), xm.end()))
            keys = [_fold_text(w.group()) for w in words]
            if not words or keys[0] in _STOP_CAP or any(self._is_blocked(k) for k in keys):
                continue
            b = words[-1].end()
            if not free(om.start(1), b):
                continue
            extra.append(PlaceMatch(om.start(1), b, text[om.start(1):b], text[om.end():b], om.group(1), None, 0.6))
            busy.append((om.start(1), b))
        if not extra:
            return known
        return sorted(known + extra, key=lambda pm: pm.start)

    def _is_blocked(self, key: str) -> bool:
        e = self._index.get(key)
        return e is not None and e.blocked


_PREV_WORD = re.compile(r"([A-Z][\w'’-]*) $")


def _glued_after_name(text: str, folded: str, p: int, index) -> bool:
    """Is the word before offset ``p`` a capitalised word that is neither a place nor a function word?"""
    m = _PREV_WORD.search(text, max(0, p - 30), p)
    if m is None or m.start() == 0 or text[m.start() - 1] not in " \t":
        return False
    before = text[: m.start()].rstrip()
    if not before or before[-1] in ".!?\n\"“:;(":
        return False  # the capital word opens a sentence or a quote
    k = folded[m.start(1) : m.end(1)].replace("'", "").replace("’", "")
    return k not in _STOP_CAP and k not in index and k not in _CUE_BEFORE and k not in _PLACE_PREFIX_WORDS


_PLACE_PREFIX_WORDS = {"greater", "old", "upper", "lower", "little", "big", "port", "fort", "saint", "st", "san", "santa", "al", "el"}


def _kind_for(record_kind: str, type_word: str) -> str:
    if type_word in _ADMIN_TYPES:
        return record_kind if record_kind in _ADMIN_KINDS else type_word
    return type_word


# --------------------------------------------------------------------------- benchmark


def _bench(paths: list[str], reps: int = 2000) -> None:  # pragma: no cover - developer tool
    import time

    t0 = time.perf_counter()
    g = Gazetteer.default()
    load = time.perf_counter() - t0
    texts = [open(p, encoding="utf-8").read() for p in paths]
    t0 = time.perf_counter()
    for _ in range(reps):
        for t in texts:
            g.find(t)
    per = (time.perf_counter() - t0) / (reps * len(texts))
    chars = sum(map(len, texts)) / len(texts)
    print(f"load {load:.3f} s; find {per * 1e3:.3f} ms per report ({chars:.0f} chars), {1 / per:,.0f} reports/s")


if __name__ == "__main__":  # pragma: no cover
    import glob
    import sys

    _bench(sys.argv[1:] or sorted(glob.glob("/work/shared/devset/reports/*.txt")))
