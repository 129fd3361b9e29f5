"""Sentence splitting with character offsets.

Rules, not a model: a sentence ends at ``.``, ``!`` or ``?`` (optionally
followed by closing quotes or brackets) before whitespace and an upper-case
letter, digit or opening quote; at a blank line; and at a bullet. Known
abbreviations (``Nov.``, ``Gen.``, ``U.S.``, ``a.m.``) and initials do not end
a sentence. Runs in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    """
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    mr mrs ms dr gen lt col maj capt sgt cpl adm cmdr gov sen rep pres st mt ft
    no nos vol pp fig approx est dept univ inc ltd co corp jr sr vs etc al
    u.s u.n u.k e.u a.m p.m e.g i.e
    """.split()
)

# Candidate boundaries: terminal punctuation + optional closers + whitespace,
# or a blank line, or a line that starts with a bullet.
_BOUNDARY = re.compile(
    r"""(?P<punct>[.!?]+)(?P<close>["'”’)\]]*)(?P<ws>\s+)(?=["'“‘(\[]?[A-Z0-9•\-–—*])"""
    r"""|(?P<para>\n[ \t]*\n\s*)"""
    r"""|(?P<bullet>\n[ \t]*(?=[•\-–—*·▪●]\s))""",
)
# Every boundary begins with one of these characters. sre cannot skip ahead on a
# pattern whose branches begin with groups, so _boundaries looks for them first.
_BOUNDARY_START = re.compile(r"[.!?\n]")
_WORD_BEFORE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z][A-Za-z.]*)$")
_BULLET = re.compile(r"^[•\-–—*·▪●]\s+")


@dataclass(frozen=True, init=False)
class Sentence:
    start: int
    end: int
    text: str
    bullet: bool = False
    paragraph: int = 0

    def __init__(self, start: int, end: int, text: str, bullet: bool = False, paragraph: int = 0):
        # the generated ``__init__`` of a frozen dataclass stores each field with its own ``object.__setattr__`` call; this one stores them all at once
        object.__setattr__(self, "__dict__", {"start": start, "end": end, "text": text, "bullet": bullet, "paragraph": paragraph})


def _is_abbreviation(text: str, dot_pos: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, dot_pos - 12), dot_pos)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # single initials: "J. Smith", "U.S."
    return len(word) == 1 and word.isalpha()


def _boundaries(text: str):
    """The matches of ``_BOUNDARY.finditer(text)``, trying the pattern only where a
    boundary can begin (about thirty places in a report instead of every character)."""
    pos = 0
    for c in _BOUNDARY_START.finditer(text):
        p = c.start()
        if p < pos:
            continue
        m = _BOUNDARY.match(text, p)
        if m is not None:
            yield m
            pos = m.end()


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences, keeping offsets into ``text``."""
    out: list[Sentence] = []
    start = 0
    paragraph = 0
    pending_para = 0

    def emit(s: int, e: int, para: int) -> None:
        # trim whitespace, keep offsets exact
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            return
        chunk = text[s:e]
        bullet = bool(_BULLET.match(chunk))
        if bullet:
            b = _BULLET.match(chunk)
            assert b is not None
            s += b.end()
            chunk = text[s:e]
            if not chunk:
                return
        out.append(Sentence(s, e, chunk, bullet, para))

    for m in _boundaries(text):
        if m.group("punct"):
            punct = m.group("punct")
            if punct == "." and not m.group("close") and _is_abbreviation(text, m.start("punct")):
                continue
            end = m.end("close")
            emit(start, end, paragraph)
            start = m.end()
            if "\n\n" in m.group("ws").replace(" ", "").replace("\t", ""):
                pending_para += 1
        elif m.group("para"):
            emit(start, m.start(), paragraph)
            start = m.end()
            pending_para += 1
        else:  # bullet line
            emit(start, m.start(), paragraph)
            start = m.start() + 1
        if pending_para:
            paragraph += pending_para
            pending_para = 0
    emit(start, len(text), paragraph)
    return out
