"""Case-insensitive regular expressions that run faster on ASCII text.

Python's ``re`` is several times slower with ``re.IGNORECASE`` than without:
every character is case-mapped as it is compared. For an ASCII text and a
pattern whose letters are ASCII, matching the pattern case-insensitively finds
exactly what its lower-cased copy finds case-sensitively in the lower-cased
text (same length, so the same offsets). ``Caseless`` uses that to look for a
match, and then takes the match itself from the original pattern at the place
found, so callers get the same match objects as before (groups in the text's
own case). On non-ASCII text, where Unicode case rules have exceptions ('ſ'
matches 's', the Kelvin sign matches 'k'), the original pattern runs unchanged.

Before the lower-cased pattern runs, a substring test rejects texts that lack
every literal a match must contain (``prefilter.required_literals``), when
there are only a few such literals: that costs less than a regex pass.

The text is lower-cased on each call, so the fast path is taken only when the
text is short or the searched part is most of it; a small window of a huge text
(``search(text, pos, endpos)``) uses the original pattern, which keeps the
work linear in the window.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator

from .prefilter import required_literals

SHORT = 2048  # a text this long is lower-cased whole for any window of it
MAX_LITERALS = 8  # with more required literals, the substring tests cost more than they save
_NAMED_GROUP = re.compile(r"\(\?P(?:<\w+>|=\w+\))")


def _lower_pattern(src: str) -> str | None:
    """``src`` with its literal letters lower-cased (escapes and group names kept),
    or None when a non-ASCII letter of it could match an ASCII letter ignoring case."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            out.append(src[i : i + 2])  # \W, \S, \B, \D keep their meaning
            i += 2
            continue
        if ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
        elif in_class and ch.isupper():
            return None  # a range such as [A-z] would change if lower-cased
        m = _NAMED_GROUP.match(src, i)
        if m:
            out.append(m.group(0))
            i = m.end()
            continue
        if not ch.isascii() and any(re.fullmatch(re.escape(ch), a, re.IGNORECASE) for a in string.ascii_letters):
            return None
        out.append(ch.lower())
        i += 1
    return "".join(out)


def _seek_pattern(fast: re.Pattern) -> re.Pattern | None:
    """A pattern whose ``search`` finds where ``fast``'s first match begins, faster.

    ``re`` skips quickly to the places where a pattern can begin only when the pattern
    starts with a character or a character class, not with ``\\b``, which most of ours
    start with. When every match of ``fast`` begins at a word boundary with one of a
    set of letters (``anchors.beginnings``), ``[those letters](?<=(?=FAST).)`` matches the
    first of those letters, at the place where ``fast`` matches: the lookbehind steps
    back over the letter just read and the lookahead inside it runs ``fast`` from there.
    The search then skips through the text as fast as for a plain character class
    (measured faster for every pattern of the extractor, even with 15 first letters).
    """
    from .anchors import beginnings  # anchors does not import this module

    keys = beginnings(fast)
    if not keys:
        return None
    first = {k[0] for k in keys}
    if not all(c.isascii() and (c.isalpha() or c == "0") for c in first):
        return None
    chars = "".join(sorted("0-9" if c == "0" else c for c in first))  # digits are keyed as "0"
    try:
        return re.compile(f"[{chars}](?<=(?={fast.pattern}).)", fast.flags)
    except re.error:  # e.g. inline global flags, which must open a pattern
        return None


class Caseless:
    """A case-insensitive pattern with a fast path for ASCII text (see the module doc).

    Offers ``search``, ``match``, ``finditer`` and ``sub`` with the results of the
    wrapped pattern; ``pattern``, ``flags`` and ``groupindex`` are the wrapped pattern's.
    """

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        self.pattern = rx.pattern
        self.flags = rx.flags
        self.groupindex = rx.groupindex

    def __getattr__(self, name: str):
        """``_fast`` (the lower-cased pattern), ``_seek`` (see ``_seek_pattern``) and
        ``_required`` (its literals) are made on first use, so that importing the
        extractor compiles nothing twice."""
        if name not in ("_fast", "_seek", "_required", "_finder"):
            raise AttributeError(name)
        rx = self.rx
        lowered = _lower_pattern(rx.pattern) if rx.flags & re.IGNORECASE else None
        self._fast = re.compile(lowered, rx.flags & ~re.IGNORECASE) if lowered is not None else None
        self._seek = _seek_pattern(self._fast) if self._fast is not None else None
        self._finder = self._seek or self._fast  # what ``search`` runs on the lower-cased text
        required = required_literals(lowered) if lowered is not None else None
        self._required = tuple(sorted(required)) if required and len(required) <= MAX_LITERALS else None
        return getattr(self, name)

    def _fast_for(self, text: str, pos: int, end: int) -> bool:
        """Take the fast path: ASCII text, and not a small window of a huge text."""
        return self._fast is not None and text.isascii() and (len(text) <= SHORT or 2 * (end - pos) >= len(text))

    def _may_match(self, low: str) -> bool:
        """Can the lower-cased text hold a match (does it contain a required literal)?"""
        if self._required is None:
            return True
        for lit in self._required:
            if lit in low:
                return True
        return False

    def search(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        # the hottest call of the extractor: _fast_for and _may_match are inlined
        n = len(text)
        end = n if endpos is None else endpos
        finder = self._finder
        if finder is None or not text.isascii() or (n > SHORT and 2 * (end - pos) < n):
            return self.rx.search(text, pos, end)
        low = text.lower()
        required = self._required
        if required is not None:
            for lit in required:
                if lit in low:
                    break
            else:
                return None
        m = finder.search(low, pos, end)
        return None if m is None else self.rx.match(text, m.start(), end)

    def match(self, text: str, pos: int = 0, endpos: int | None = None) -> re.Match | None:
        # as in ``search``, _fast_for and _may_match are inlined
        n = len(text)
        end = n if endpos is None else endpos
        fast = self._fast
        if fast is None or not text.isascii() or (n > SHORT and 2 * (end - pos) < n):
            return self.rx.match(text, pos, end)
        low = text.lower()
        required = self._required
        if required is not None:
            for lit in required:
                if lit in low:
                    break
            else:
                return None
        m = fast.match(low, pos, end)
        return None if m is None else self.rx.match(text, pos, end)

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        end = len(text) if endpos is None else endpos
        if not self._fast_for(text, pos, end):
            yield from self.rx.finditer(text, pos, end)
            return
        low = text.lower()
        if not self._may_match(low):
            return
        for m in self._fast.finditer(low, pos, end):
            yield self.rx.match(text, m.start(), end)  # type: ignore[misc]

    def finditer_lower(self, text: str, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match]:
        """Like ``finditer``, but on ASCII text the matches are those found in the
        lower-cased text: the same spans, group texts lower-cased. For callers that
        read only offsets (or lower-case the matched text anyway); it saves matching
        every hit again with the case-insensitive pattern."""
        end = len(text) if endpos is None else endpos
        if not self._fast_for(text, pos, end):
            return self.rx.finditer(text, pos, end)
        low = text.lower()
        if not self._may_match(low):
            return iter(())
        return self._fast.finditer(low, pos, end)

    def sub(self, repl: str | Callable[[re.Match], str], text: str, count: int = 0) -> str:
        if self._fast_for(text, 0, len(text)) and not (self._may_match(text.lower()) and self._fast.search(text.lower())):
            return text  # nothing to replace
        return self.rx.sub(repl, text, count)


def caseless(src: str, flags: int = re.IGNORECASE) -> Caseless:
    """``Caseless(re.compile(src, flags))``."""
    return Caseless(re.compile(src, flags))


def last_token(text: str) -> str | None:
    """The last white-space-delimited token of ``text``, lower-cased ("" when there is
    none), or None when ``text`` is not ASCII.

    For patterns anchored at the end of a short window (``...\\s+$``): a pattern that
    can only end with one of a few words after optional white space cannot match a
    window whose last token does not end with one of them, which a string test tells
    at a fraction of a regex search. ASCII only, where a case-insensitive letter
    matches only its two cases (and ``\\s`` is ``str.isspace``, so tokens are the
    same for both).
    """
    if not text.isascii():
        return None
    parts = text.rsplit(None, 1)
    return parts[-1].lower() if parts else ""
