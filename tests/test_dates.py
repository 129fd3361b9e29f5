"""Tests for ``accordwatch.dates``: the hand-checked cases in ``date_cases.py``
plus focused checks of offsets, signals, anchors, arithmetic and robustness."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accordwatch.dates import Timex, add_duration, tag, tense_of

sys.path.insert(0, str(Path(__file__).parent))
from date_cases import CASES  # noqa: E402

D = dt.date.fromisoformat


def _run(case: dict) -> list[Timex]:
    prev = D(case["previous"]) if case["previous"] else None
    return tag(case["text"], D(case["anchor"]), case["tense"], prev)


def _values(timexes: list[Timex]) -> list[str]:
    """Values in text order, without the vague *_REF values (see date_cases)."""
    return [t.value for t in timexes if not t.value.endswith("_REF")]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict) -> None:
    assert _values(_run(case)) == case["values"], case["text"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_offsets_and_fields(case: dict) -> None:
    text = case["text"]
    found = _run(case)
    for t in found:
        assert 0 <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == t.text
        assert t.type in {"DATE", "TIME", "DURATION", "SET"}
        if t.precision in ("day", "time"):
            assert t.date is not None and t.value.startswith(t.date.isoformat())
    starts = [t.start for t in found]
    assert starts == sorted(starts), "timexes are returned in text order"
    for a, b in zip(found, found[1:]):
        assert a.end <= b.start, "timexes do not overlap"


# ----------------------------------------------------------------- vague
@pytest.mark.parametrize(
    "text",
    [
        "Earlier in the week, troops pulled back from two villages.",
        "More withdrawals are expected in the coming days.",
        "The corridor is now open, and a decision will follow soon.",
    ],
)
def test_vague_has_no_day(text: str) -> None:
    for t in tag(text, D("2020-11-20")):
        assert t.date is None
        assert t.precision not in ("day", "time")


# ------------------------------------------------------------- tense_of
@pytest.mark.parametrize(
    ("text", "tense"),
    [
        ("Armenian forces withdrew from the district on Tuesday.", "past"),
        ("The two sides exchanged prisoners at the border.", "past"),
        ("Baku said the handover had been postponed.", "past"),
        ("The peacekeepers were deployed along the corridor.", "past"),
        ("The next exchange will take place on Monday.", "future"),
        ("Armenia is expected to return the district by 1 December.", "future"),
        ("The monitoring centre is due to open next month.", "future"),
        ("Both armies are going to pull back their artillery.", "future"),
        ("The peacekeepers patrol the road every day.", "present"),
        ("The ceasefire is holding along the whole line of contact.", "present"),
    ],
)
def test_tense_of(text: str, tense: str) -> None:
    assert tense_of(text) == tense


# --------------------------------------------------------- add_duration
@pytest.mark.parametrize(
    ("start", "value", "expected"),
    [
        ("2020-11-15", "P10D", "2020-11-25"),
        ("2020-11-10", "P2W", "2020-11-24"),
        ("2020-08-31", "P6M", "2021-02-28"),
        ("2024-01-31", "P1M", "2024-02-29"),
        ("2023-01-31", "P1M", "2023-02-28"),
        ("2020-01-31", "P6M", "2020-07-31"),
        ("2024-02-29", "P1Y", "2025-02-28"),
        ("2024-02-29", "P4Y", "2028-02-29"),
        ("2024-11-27", "P60D", "2025-01-26"),
        ("2020-11-10", "P5Y", "2025-11-10"),
        ("2020-11-10", "PT72H", "2020-11-13"),
        ("2020-12-28", "P1W", "2021-01-04"),
    ],
)
def test_add_duration(start: str, value: str, expected: str) -> None:
    assert add_duration(D(start), value) == D(expected)


def test_add_duration_month_end_clamp_from_jan_31() -> None:
    assert add_duration(D("2021-01-31"), "P6M") == D("2021-07-31")
    assert add_duration(D("2021-03-31"), "P6M") == D("2021-09-30")


@pytest.mark.parametrize("value", ["PAST_REF", "FUTURE_REF", "", "P", "XYZ", "2020-11"])
def test_add_duration_rejects_non_durations(value: str) -> None:
    assert add_duration(D("2020-11-15"), value) is None


# ------------------------------------------------------- signals and mod
@pytest.mark.parametrize(
    ("text", "signal"),
    [
        ("Armenia must leave Kalbajar by 25 November.", "by"),
        ("Baku gave the Armenian side until 25 November.", "until"),
        ("The district must be returned no later than 25 November.", "no later than"),
    ],
)
def test_deadline_signals_have_mod_end(text: str, signal: str) -> None:
    found = tag(text, D("2020-11-16"))
    assert [t.value for t in found] == ["2020-11-25"]
    (t,) = found
    assert t.signal == signal
    assert t.mod == "END"
    assert t.date == D("2020-11-25")
    assert t.precision == "day"
    assert t.type == "DATE"


def test_before_has_mod_before() -> None:
    (t,) = tag("All heavy weapons must be moved before 8 March.", D("2015-03-01"))
    assert t.value == "2015-03-08"
    assert t.signal == "before"
    assert t.mod == "BEFORE"


def test_on_signal_has_no_mod() -> None:
    (t,) = tag("The swap took place on 19 January.", D("2025-01-27"))
    assert t.signal == "on"
    assert t.mod in (None, "")


def test_mid_month_mod() -> None:
    (t,) = tag("The withdrawal should end by mid-November.", D("2020-11-05"))
    assert t.value == "2020-11"
    assert t.precision == "month"
    assert t.date is None


def test_month_precision_has_no_date() -> None:
    (t,) = tag("Thousands of residents left in November.", D("2020-11-28"))
    assert (t.value, t.precision, t.date) == ("2020-11", "month", None)


def test_week_precision() -> None:
    (t,) = tag("The first refugees returned last week.", D("2020-11-20"))
    assert (t.value, t.precision, t.date) == ("2020-W46", "week", None)


# ---------------------------------------------------------- durations
@pytest.mark.parametrize(
    ("text", "value", "days"),
    [
        ("Baku granted a ten-day grace period.", "P10D", 10),
        ("The pause lasted 72 hours.", "PT72H", 3),
        ("Residents were given a fortnight to leave.", "P2W", 14),
        ("The grain deal was extended by 120 days.", "P120D", 120),
    ],
)
def test_duration_fields(text: str, value: str, days: int) -> None:
    (t,) = tag(text, D("2020-11-15"))
    assert t.type == "DURATION"
    assert t.value == value
    assert t.duration_days == days
    assert t.date is None


@pytest.mark.parametrize(
    ("text", "value", "anchor"),
    [
        ("Israeli forces are to withdraw within 60 days of the agreement.", "P60D", "agreement"),
        ("Foreign forces will leave five bases within 135 days of the signing.", "P135D", "signing"),
        ("Weapons must be pulled back within 14 days of the ceasefire taking effect.", "P14D", "ceasefire"),
    ],
)
def test_within_anchor(text: str, value: str, anchor: str) -> None:
    (t,) = tag(text, D("2024-11-27"))
    assert t.type == "DURATION"
    assert t.value == value
    assert t.anchor == anchor
    assert t.signal == "within"


def test_within_without_object_has_no_agreement_anchor() -> None:
    (t,) = tag("The prisoners should be freed within ten days.", D("2020-03-14"))
    assert t.value == "P10D"
    assert t.anchor in (None, "report")


# ------------------------------------------------------------ previous
@pytest.mark.parametrize(
    ("text", "previous", "expected"),
    [
        ("Three days later the refugees arrived.", "2020-11-20", "2020-11-23"),
        ("A fortnight later a second checkpoint opened.", "2020-11-10", "2020-11-24"),
        ("Two days later the lists were exchanged.", "2024-02-27", "2024-02-29"),
        ("A week later the road reopened.", "2020-12-28", "2021-01-04"),
    ],
)
def test_previous_resolution(text: str, previous: str, expected: str) -> None:
    (t,) = tag(text, D("2021-02-01"), None, D(previous))
    assert t.value == expected
    assert t.date == D(expected)
    assert t.precision == "day"


def test_later_without_previous_is_not_a_made_up_day() -> None:
    """Unresolved "three days later" must not silently count from the report date."""
    found = tag("Three days later the refugees arrived.", D("2020-11-30"))
    for t in found:
        assert t.value != "2020-12-03"
        if t.date is None:
            assert t.anchor == "previous" or t.type == "DURATION"


# --------------------------------------------------------------- times
def test_time_fields() -> None:
    (t,) = tag("The truce takes effect at 4 a.m. on November 27.", D("2024-11-26"))
    assert t.value == "2024-11-27T04:00"
    assert t.date == D("2024-11-27")
    assert t.precision == "time"


def test_midnight_is_end_of_day() -> None:
    (t,) = tag("Troops must leave by midnight on February 18.", D("2025-02-10"))
    assert t.value == "2025-02-18T24:00"
    assert t.date == D("2025-02-18")
    assert t.mod == "END"


def test_today_on_date_is_one_timex() -> None:
    found = tag("Today on November 15 the district was to be handed over.", D("2020-11-15"))
    assert len(found) == 1
    (t,) = found
    assert t.value == "2020-11-15"
    assert "Today" in t.text and "November 15" in t.text


# -------------------------------------------------------- robustness
@settings(max_examples=200, deadline=None)
@given(st.text())
def test_never_raises_on_random_text(text: str) -> None:
    for tense in (None, "past", "future"):
        found = tag(text, D("2020-11-15"), tense, D("2020-11-10"))
        for t in found:
            assert text[t.start : t.end] == t.text
    assert tense_of(text) in ("past", "future", "present")


_WORDS = st.sampled_from(
    ["by", "until", "on", "the", "25th", "November", "Nov.", "15", "2020", "1,960", "-", "to",
     "between", "and", "ten-day", "days", "later", "within", "of", "agreement", "midnight",
     "at", "4", "a.m.", "Friday", "next", "last", "week", "today", "mid-", "29", "February",
     "00:00", "15.11.2020", "2020-11-15", ",", ".", "\n", "three", "hundred", "fortnight"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=40), st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)))
def test_never_raises_on_date_like_word_salad(words: list[str], anchor: dt.date) -> None:
    text = " ".join(words)
    for t in tag(text, anchor, None, anchor):
        assert text[t.start : t.end] == t.text
        if t.date is not None:
            assert isinstance(t.date, dt.date)


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 500_000,
        "November " * 100_000,
        "by " * 300_000,
        # ~320 KB of back-to-back deadlines: 20,000 timexes; tag() is linear but
        # spends ~0.6 ms per timex, so a full megabyte of dates would need ~35 s.
        "by 25 November, " * 20_000,
        "-" * 1_000_000,
        "within 10 days of the agreement " * 30_000,
        "one hundred and " * 60_000 + "days",
        "15.11." * 160_000,
    ],
    ids=["ones", "november", "by", "by-date", "dashes", "within", "number-words", "dotted"],
)
def test_pathological_input_finishes(text: str) -> None:
    result: dict[str, object] = {}

    def work() -> None:
        try:
            result["n"] = len(tag(text, D("2020-11-15")))
        except BaseException as exc:  # reported below
            result["error"] = exc

    th = threading.Thread(target=work, daemon=True)
    th.start()
    th.join(timeout=30)
    assert not th.is_alive(), "tag() did not finish within 30 s on a large input"
    assert "error" not in result, result.get("error")


def test_year_choice_reads_the_tense_only_when_it_matters():
    """``_choose_year_lazy`` / ``_choose_month_year_lazy`` skip the local tense when every
    tense gives the same year: they must give what the eager choice gives, errors included."""
    import datetime as dt

    from accordwatch.dates import _choose_month_year, _choose_month_year_lazy, _choose_year, _choose_year_lazy

    def outcome(f, *args):
        try:
            return ("ok", f(*args))
        except OverflowError:
            return ("overflow",)

    anchors = [dt.date(2019, 1, 1) + dt.timedelta(days=i) for i in range(0, 732, 7)]
    anchors += [dt.date(1, 1, 1), dt.date(1, 12, 31), dt.date(2020, 2, 29), dt.date(9999, 1, 5), dt.date(9999, 12, 31)]
    for anchor in anchors:
        for month in range(1, 13):
            for tense in ("past", "future", "present"):
                assert outcome(_choose_month_year, month, anchor, tense) == outcome(_choose_month_year_lazy, month, anchor, lambda: tense)
                for day in (1, 10, 15, 28, 29, 30, 31):
                    assert outcome(_choose_year, month, day, anchor, tense) == outcome(_choose_year_lazy, month, day, anchor, lambda: tense)


def test_signal_trie_finds_what_the_plain_alternation_finds():
    """``_SIGNAL`` writes its words as a trie: no signal word begins another, so it must find
    the same match and signal word as the plain alternation, in every window."""
    import random
    import re

    from accordwatch.dates import _SIGNAL, _SIGNAL_WORDS

    assert not [(a, b) for a in _SIGNAL_WORDS for b in _SIGNAL_WORDS if a != b and b.startswith(a)]
    plain = re.compile(
        r"(?P<s>no later than|not later than|no earlier than|by|until|till|before|after|since|from|on|in|within|between|to|through|as of|starting|effective|at|and)"
        r"\s+(?:the\s+)?(?:(?:early|late)\s+(?:hours\s+of\s+)?|(?:the\s+)?(?:early|small)\s+hours\s+of\s+)?$",
        re.IGNORECASE,
    )
    words = list(_SIGNAL_WORDS) + ["the", "early", "late", "small", "hours", "of", "region", "xby", "Tuesday", "NOT", "LATER", "THAN", "ſince"]
    blanks = [" ", " ", "  ", "\n", "", ",", "\u00a0"]
    rng = random.Random(2)
    for _ in range(5000):
        text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 9)))
        for pos in (0, max(0, len(text) - 40)):
            a, b = plain.search(text, pos), _SIGNAL.search(text, pos)
            assert (a and (a.span(), a.group("s"))) == (b and (b.span(), b.group("s"))), text


def test_signal_shortcut_agrees_with_the_pattern() -> None:
    """``_signal`` answers a window that ends with a one-word signal without running
    ``_SIGNAL``: it must give what the pattern's leftmost match gives, everywhere."""
    import random

    from accordwatch import dates as D

    def by_pattern(text: str, start: int):
        if start == 0 or not text[start - 1].isspace():
            return None, None
        m = D._SIGNAL.search(text, max(0, start - 40), start)
        if not m or m.group("s").lower() == "and":
            return None, None
        s = m.group("s").lower()
        return s, D._SIG_MOD.get(s)

    words = ["on", "On", "ON", "upon", "by", "until", "till", "to", "into", "and", "in", "within", "at", "as of", "of", "the",
             "early", "late", "small", "hours", "the early hours of", "late on", "no later than", "not later than", "than",
             "no earlier than", "since", "from", "starting", "effective", "between", "through", "after", "before", "x",
             "Friday", "said", "ſince", "0n", "on-", "(on", "on,"]
    blanks = [" ", "  ", "\n", "\t", "", "\u00a0", "\x1c"]
    rng = random.Random(7)
    fast = 0
    for _ in range(4000):
        text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 12)))
        for start in range(len(text) + 1):
            assert D._signal(text, start) == by_pattern(text, start), (text, start)
            last = D.last_token(text[max(0, start - 40) : start])
            fast += start > 0 and text[start - 1].isspace() and last in D._ONE_WORD_SIGNALS
    assert fast > 3000  # the shortcut is taken
