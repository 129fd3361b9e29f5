"""Anchored matching: run many regular expressions over one text, each only at
the places where a match of it can begin.

Scanning with ``rx.finditer`` costs a pass over the whole text for every
pattern, even for a pattern that matches nowhere; with a hundred trigger rules
and two dozen date patterns that is most of the extractor's time. An
``AnchoredPatterns`` set instead reads, once, the first characters (up to
``K``) that any match of each pattern must begin with, from the parsed
pattern. Per text, one pass of a combined regular expression finds every word
boundary where one of those beginnings occurs, and each pattern is then tried
with ``rx.match`` only there.

The matches are exactly ``rx.finditer``'s: a match can only start where one of
its beginnings occurs, and trying those places in order, each after the end of
the previous match, is what ``finditer`` does. Beginnings are compared on the
*key text*: the case-folded text with every decimal digit written ``0``
(``key_text``). A pattern whose beginnings cannot be listed (a leading
character class such as ``\\w``, a match that may be empty, a pattern that is
not anchored on a word boundary, case-insensitive flags) is scanned with
``finditer`` as before, so the result never depends on this optimisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

try:  # Python 3.11+
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _p  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

K = 6  # characters of a beginning (more: fewer places where a pattern is tried and fails, a bigger trie)
_LIMIT = 5000  # more beginnings than this: not worth listing
_DIGIT = re.compile(r"\d")
_OTHER_SPACE = re.compile(r"[^\S ]")


_ASCII_KEYS = str.maketrans({chr(c): ("0" if chr(c).isdecimal() else " ") for c in range(128) if chr(c).isdecimal() or chr(c).isspace()})
# the same as a byte table: translating the ASCII bytes costs far less than str.translate
_ASCII_KEY_BYTES = bytes(ord(_ASCII_KEYS.get(c, chr(c))) for c in range(128)) + bytes(range(128, 256))


def key_text(folded: str) -> str:
    """The text beginnings are compared on: ``folded`` with every decimal digit as
    ``0`` and every white space as a blank (same length, so offsets stay valid)."""
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_KEY_BYTES).decode("ascii")
    return _OTHER_SPACE.sub(" ", _DIGIT.sub("0", folded))


class _GiveUp(Exception):
    pass


def _char(ch: str) -> str:
    if ch.isdecimal():
        return "0"
    if ch.isspace():
        return " "
    low = ch.lower()
    if len(low) != 1:
        raise _GiveUp
    return low


def _join(heads: set[str], tails: tuple[set[str], set[str]]) -> tuple[set[str], set[str]]:
    """Concatenate: every open head followed by every tail ((open, closed) as in ``_seq``)."""
    t_open, t_closed = tails
    opened: set[str] = set()
    closed: set[str] = set()
    for a in heads:
        for b in t_open:
            ab = a + b
            (closed if len(ab) >= K else opened).add(ab[:K])
        for b in t_closed:
            closed.add((a + b)[:K])
    if len(opened) + len(closed) > _LIMIT:
        raise _GiveUp
    return opened, closed


def _seq(items) -> tuple[set[str], set[str]]:
    """Beginnings of a sequence of parsed items, as (open, closed): an *open*
    beginning (shorter than K) is the whole text of the sequence, what follows
    it comes from the next items; a *closed* one is final (K characters, or
    cut short where the pattern allows any character)."""
    opened, closed = {""}, set()
    for op, av in items:
        if not opened:
            break
        o2, c2 = _join(opened, _item(op, av))
        opened, closed = o2, closed | c2
    return opened, closed


def _item(op, av) -> tuple[set[str], set[str]]:
    if op is _c.LITERAL:
        return {_char(chr(av))}, set()
    if op is _c.IN:
        chars: set[str] = set()
        for iop, iav in av:
            if iop is _c.LITERAL:
                chars.add(_char(chr(iav)))
            elif iop is _c.RANGE and iav[1] - iav[0] < 64:
                chars.update(_char(chr(x)) for x in range(iav[0], iav[1] + 1))
            elif iop is _c.CATEGORY and iav is _c.CATEGORY_DIGIT:
                chars.add("0")
            elif iop is _c.CATEGORY and iav is _c.CATEGORY_SPACE:
                chars.add(" ")
            else:
                return set(), {""}  # any character may come here
        return chars, set()
    if op is _c.AT or op in (_c.ASSERT, _c.ASSERT_NOT):
        return {""}, set()  # zero width
    if op is _c.SUBPATTERN:
        if av[1] or av[2]:
            raise _GiveUp  # local flags such as (?i:...)
        return _seq(av[-1])
    if op is _c.BRANCH:
        opened: set[str] = set()
        closed: set[str] = set()
        for branch in av[1]:
            o, c = _seq(branch)
            opened |= o
            closed |= c
        return opened, closed
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        one = _seq(sub)
        opened, closed = (({""}, set()) if lo == 0 else (set(), set()))
        cur = {""}
        for r in range(1, lo + K + 1):
            if r > hi or not cur:
                break
            cur, c = _join(cur, one)
            closed |= c
            if r >= lo:
                opened |= cur
        return opened, closed
    return set(), {""}  # anything else (ANY, NOT_LITERAL, GROUPREF, ...): not listed


def _starts_at_boundary(items) -> bool:
    """Does every match begin with ``\\b``?"""
    if not items:
        return False
    op, av = items[0]
    if op is _c.AT:
        return av is _c.AT_BOUNDARY
    if op is _c.SUBPATTERN and not (av[1] or av[2]):
        return _starts_at_boundary(list(av[-1]))
    if op is _c.BRANCH:
        return all(_starts_at_boundary(list(b)) for b in av[1])
    return False


def beginnings(rx: re.Pattern) -> frozenset[str] | None:
    """The beginnings (key text, up to K characters) of every match of ``rx``, or
    None when they cannot be listed or ``rx`` is not anchored on a word boundary."""
    if rx.flags & re.IGNORECASE:
        return None
    try:
        items = list(_p.parse(rx.pattern, rx.flags))
        if not _starts_at_boundary(items):
            return None
        opened, closed = _seq(items)
    except (_GiveUp, RecursionError):
        return None
    found = opened | closed
    if not found or not all(k and (k[0].isalnum() or k[0] == "_") for k in found):
        return None  # a match may begin anywhere, or with a non-word character
    return frozenset(found)


def trie_regex(keys: set[str]) -> str:
    """An alternation of ``keys`` shaped as a trie (one branch per next character,
    longer keys tried first), so that it matches the longest key present."""
    by_first: dict[str, set[str]] = {}
    for k in keys:
        if k:
            by_first.setdefault(k[0], set()).add(k[1:])
    parts = [re.escape(ch) + trie_regex(rest) for ch, rest in sorted(by_first.items())]
    if "" in keys:
        parts.append("")
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"


class AnchoredPatterns:
    """A fixed list of compiled patterns matched over one text at a time.

    ``places(keys)`` finds, in one pass over the key text, where each pattern can
    begin (``None`` for a pattern that must be scanned); ``finditer`` then yields
    that pattern's matches, the same as ``rx.finditer(text, pos, endpos)``.
    """

    def __init__(self, patterns: Sequence[re.Pattern]):
        self.patterns = list(patterns)  # enough for ``finditer``; the rest is built on first use

    def __getattr__(self, name: str):
        """``begins``, the key table and the seed patterns are built on first use: a set
        whose places another (combined) set finds costs nothing more to start."""
        if name not in ("begins", "_table", "_seed", "_seed_ascii", "_at"):
            raise AttributeError(name)
        self._build()
        return getattr(self, name)

    def _build(self) -> None:
        self.begins = [beginnings(rx) for rx in self.patterns]
        owners: dict[str, set[int]] = {}
        for i, keys in enumerate(self.begins):
            for k in keys or ():
                owners.setdefault(k, set()).add(i)
        # the seed finds the longest key at a place; every pattern with a key that is
        # a prefix of it may begin there
        self._table = {
            k: tuple(sorted({i for n in range(1, len(k) + 1) for i in owners.get(k[:n], ())}))
            for k in owners
        }
        # a key begins with a word character after a word boundary: after a non-word
        # character (a plain ASCII class when the text is ASCII: much faster), or at 0
        trie = trie_regex(set(owners)) if owners else ""
        self._seed = re.compile(r"\W(?=(" + trie + "))") if owners else None
        self._seed_ascii = re.compile(r"[^0-9A-Za-z_](?=(" + trie + "))") if owners else None
        self._at = re.compile("(" + trie + ")") if owners else None

    def places(self, keys: str, pos: int = 0, endpos: int | None = None) -> list[list[int] | None]:
        """Per pattern, the ascending offsets in [pos, endpos) of ``keys`` (see
        ``key_text``) where a match may begin, or None for a pattern without listed
        beginnings."""
        out: list[list[int] | None] = [[] if b is not None else None for b in self.begins]
        if self._seed is None:
            return out
        end = len(keys) if endpos is None else endpos
        table = self._table
        if pos == 0 and end > 0:
            m = self._at.match(keys, 0, end)  # type: ignore[union-attr]
            if m is not None:
                for i in table[m.group(1)]:
                    out[i].append(0)  # type: ignore[union-attr]
        seed = self._seed_ascii if keys.isascii() else self._seed
        for m in seed.finditer(keys, max(pos - 1, 0), end):
            p = m.start() + 1
            for i in table[m.group(1)]:
                out[i].append(p)  # type: ignore[union-attr]
        return out

    def finditer(self, i: int, text: str, where: list[int] | None, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        """The matches of pattern ``i`` in ``text[pos:endpos]``, trying only ``where``."""
        rx = self.patterns[i]
        end = len(text) if endpos is None else endpos
        if where is None:
            yield from rx.finditer(text, pos, end)
            return
        match = rx.match
        for p in where:
            if p < pos:
                continue
            if p >= end:
                return
            m = match(text, p, end)
            if m is not None:
                yield m
                e = m.end()
                pos = e if e > p else p + 1


class CueSet:
    """Which of a fixed set of ``Caseless`` patterns can match in a short string.

    Modality reads a dozen cue patterns in the same few words before a trigger;
    most of them match nowhere there, yet each search costs a regex scan. A
    ``CueSet`` lists the beginnings of all its patterns (as ``AnchoredPatterns``
    does, from their lower-cased copies) and ``scan(text)`` finds, in one pass
    over the key text, every beginning that occurs after a word boundary: a
    pattern none of whose beginnings occurs cannot match, and ``CueScan.search``
    answers None without running it. Otherwise (and for patterns whose beginnings
    cannot be listed, or a non-ASCII text) it returns the pattern's own ``search``,
    so results never depend on this filter.
    """

    def __init__(self, patterns: Sequence):
        self.patterns = list(patterns)  # Caseless; their lower-cased copies are read on first scan
        self._bits: dict | None = None

    def _build(self) -> None:
        from .prefilter import required_literals  # prefilter does not import this module

        owners: dict[str, int] = {}
        bits = {}
        literals: list[tuple[int, tuple[str, ...]]] = []
        for i, p in enumerate(self.patterns):
            keys = beginnings(p._fast) if p._fast is not None else None
            if keys is None:
                # no listed beginnings (a case-sensitive pattern, a leading class): the
                # literals every match contains, if any, still rule it out of most texts.
                # They are lower-case letters that a match holds as they are (case-sensitive)
                # or in some case (ASCII text): the lower-cased text holds them either way.
                req = required_literals(p.pattern)
                bits[p] = 0 if not req else 1 << i  # 0: never filtered
                if req:
                    literals.append((1 << i, tuple(sorted(req))))
                continue
            bits[p] = 1 << i
            for k in keys:
                owners[k] = owners.get(k, 0) | 1 << i
        self._literals = literals
        # the seed finds the longest key at a place: it stands for every key that is a prefix of it
        self._table = {k: _or(owners.get(k[:n], 0) for n in range(1, len(k) + 1)) for k in owners}
        trie = trie_regex(set(owners)) if owners else "(?!)"  # no listed beginnings: nothing is filtered
        self._seed = re.compile(r"[^0-9A-Za-z_](?=(" + trie + "))")
        self._at = re.compile("(" + trie + ")")
        self._bits = bits

    def scan(self, text: str) -> CueScan:
        if self._bits is None:
            self._build()
        if not text.isascii():
            return CueScan(text, -1, self._bits)  # type: ignore[arg-type]
        low = text.lower()
        keys = key_text(low)
        table = self._table
        m = self._at.match(keys)
        mask = table[m.group(1)] if m is not None else 0
        for k in self._seed.findall(keys):
            mask |= table[k]
        for bit, lits in self._literals:
            for lit in lits:
                if lit in low:
                    mask |= bit
                    break
        return CueScan(text, mask, self._bits)  # type: ignore[arg-type]


def _or(values) -> int:
    out = 0
    for v in values:
        out |= v
    return out


class CueScan:
    """The result of ``CueSet.scan``: the text and which patterns may match in it."""

    __slots__ = ("text", "mask", "bits")

    def __init__(self, text: str, mask: int, bits: dict):
        self.text = text
        self.mask = mask  # a bit per pattern whose beginnings occur; -1: all
        self.bits = bits

    def may_match(self, rx) -> bool:
        """Can ``rx`` (one of the set) match in the text, or in any suffix of it
        that starts after a blank?"""
        b = self.bits[rx]
        return not b or bool(self.mask & b)

    def search(self, rx):
        """``rx.search(self.text)``, skipped when ``rx`` cannot match."""
        b = self.bits[rx]
        if b and not self.mask & b:
            return None
        return rx.search(self.text)
