"""Cheap prefilters for regular expressions: the literal strings a match must contain.

``required_literals(pattern)`` walks the parsed pattern and returns a set of
strings such that every match of the pattern contains at least one of them
(or ``None`` when no such set is found). A rule whose set has no member in the
(case-folded) text cannot match, and its regular expression need not run: a
substring test in C is far cheaper than a regex scan. This is how the
extractor stays fast with a hundred trigger rules.
"""

from __future__ import annotations

import re
from typing import Iterable

try:  # Python 3.11+
    import re._constants as _c  # type: ignore[import-not-found]
    import re._parser as _p  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

MIN_LEN = 3


def _best(options: list[set[str]]) -> set[str] | None:
    """Of several requirements that all hold, the most selective one."""
    options = [o for o in options if o]
    if not options:
        return None
    return max(options, key=lambda s: (min(len(x) for x in s), -len(s)))


def _seq(items: Iterable) -> set[str] | None:
    """Requirement of a sequence of pattern items (all must match in order)."""
    options: list[set[str]] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= MIN_LEN:
            options.append({"".join(run)})
        run.clear()

    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        flush()
        if op is _c.SUBPATTERN:
            sub = av[-1]
            r = _seq(sub)
            if r:
                options.append(r)
        elif op is _c.BRANCH:
            alts = []
            ok = True
            for branch in av[1]:
                r = _seq(branch)
                if not r:
                    ok = False
                    break
                alts.append(r)
            if ok and alts:
                union: set[str] = set()
                for a in alts:
                    union |= a
                options.append(union)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            lo, _hi, item = av
            if lo >= 1:
                r = _seq(item)
                if r:
                    options.append(r)
        elif op is _c.IN:
            # a one-character class of one letter ("[s]") is still a literal; others break runs
            pass
        # AT (anchors, \b), ASSERT, ANY, ...: neutral or break
    flush()
    return _best(options)


def required_literals(pattern: str | re.Pattern) -> set[str] | None:
    src = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    try:
        parsed = _p.parse(src, 0)
    except Exception:  # noqa: BLE001 - no prefilter is always safe
        return None
    r = _seq(list(parsed))
    if r and all(x == x.lower() for x in r):
        return r
    return None


def may_match(required: set[str] | None, folded: str) -> bool:
    return required is None or any(x in folded for x in required)
