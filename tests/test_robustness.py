"""The extractor never raises, keeps its offsets honest, and runs in linear time.

Property tests feed ``extract_events`` random Unicode, markup, control
characters, right-to-left text, emoji, digit soup, unbalanced quotes and
brackets, and report dates from year 1 to year 9999. Every result must point
back into the text: ``text[e.start:e.end] == e.sentence``.

The pathological-input tests run one large input (hundreds of KB to 1 MB) in a
worker thread and only check that it finishes within a generous guard (120 s);
there are no tight timing asserts. A quadratic step shows up as a timeout.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accordwatch import extract_events
from accordwatch.model import Event

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# words that wake up the rules: triggers, dates, places, parties, modality cues
WORDS = [
    "Armenia", "Azerbaijan", "Russia", "Kalbajar", "Aghdam", "Lachin", "Lachin corridor",
    "Nagorno-Karabakh", "Israel", "Lebanon", "southern Lebanon", "Hezbollah", "Odesa", "FARC",
    "Taliban", "United Nations", "UN", "peacekeepers", "ceasefire", "truce", "violated",
    "shelling", "handed over", "returned", "withdrew", "withdrawal", "deployed", "released",
    "prisoners", "exchange", "reopened", "corridor", "evacuated", "weapons", "disarmament",
    "postponed", "extended", "deadline", "moved", "until", "by", "no later than", "within",
    "days", "of", "the", "agreement", "not", "never", "will", "must", "would", "if", "since",
    "today", "tomorrow", "yesterday", "on Friday", "next Tuesday", "last week", "November 15",
    "15 November", "Dec. 1", "2020-11-25", "February 18", "in March", "three days later",
    "a ten-day grace period", "120 days", "60 days", "1,960", "8,600", "5,000", "at 00:00",
    "said", "according to", "at the request of", "through Moscow", "because", ".", ",", ";",
    ":", "-", "–", "—", "\n", "\n\n", " ",
]
NASTY = [
    '"', "'", "“", "”", "‘", "’", "«", "»", "(", ")", "[", "]", "{", "}", "((((", "))))",
    "<script>alert(1)</script>", "<b>", "</b>", "<p>", "</div>", "<!--", "-->", "&amp;",
    "&nbsp;", "&#8212;", "**", "__", "# ", "## ", "> ", "```", "[link](http://x.y/z)", "|",
    "\x00", "\x01", "\x07", "\x0b", "\x0c", "\x1b[31m", "\x7f", "\x85", "\u2028", "\u2029",
    "\u200b", "\u200d", "\ufeff", "\ufffd", "\u202e", "\u202d", "\u2066", "\u2069",
    "العربية", "وقف إطلاق النار", "שביתת נשק", "עברית", "Ղարաբաղ", "Qarabağ", "Карабах",
    "😀", "🇦🇲", "🇦🇿", "👩‍👩‍👧", "🕊️", "e\u0301", "ǅ", "İ", "ß", "ﬁ", "\U0001d54f",
    "0", "00", "31", "32", "13", "29 February", "31 April", "0/0/0000", "99/99/9999",
    "12345678901234567890123456789012345678901234567890", "1e309", "-1", "+7", "½", "٣", "²",
    "10.11.2020", "2020/11/10", "11-10-2020", "T00:00:00Z", "P10D", "0001-01-01", "9999-12-31",
]
TOKENS = WORDS + NASTY

tokens_text = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.text(max_size=6),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
    ),
    max_size=80,
).flatmap(lambda toks: st.sampled_from(["", " "]).map(lambda sep: sep.join(toks)))

any_date = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))
edge_dates = st.sampled_from(
    [dt.date(1, 1, 1), dt.date(1, 1, 2), dt.date(1, 12, 31), dt.date(9999, 12, 31), dt.date(9999, 12, 30),
     dt.date(9999, 1, 1), dt.date(2000, 2, 29), dt.date(2020, 11, 15)]
)
report_dates = st.one_of(edge_dates, any_date)


def check_events(text: str, events: list[Event]) -> None:
    assert isinstance(events, list)
    for e in events:
        assert isinstance(e, Event)
        assert 0 <= e.start <= e.end <= len(text), (e.start, e.end, len(text))
        assert text[e.start : e.end] == e.sentence, (e.start, e.end, e.sentence[:80])
        if e.trigger_start is not None and e.trigger_end is not None:
            assert e.start <= e.trigger_start <= e.trigger_end <= e.end, (e.trigger_start, e.trigger_end, e.start, e.end)
            if e.trigger is not None:
                assert text[e.trigger_start : e.trigger_end] == e.trigger
        for d in (e.date, e.old_date, e.new_date):
            assert d is None or isinstance(d, dt.date)


def run(text: str, date: dt.date | str) -> list[Event]:
    events = extract_events(text, date)
    check_events(text, events)
    return events


# ---------------------------------------------------------------------------
# property tests: never raises, offsets inside the text
# ---------------------------------------------------------------------------


@SETTINGS
@given(text=st.text(), date=report_dates)
@example(text="", date=dt.date(2020, 11, 15))
@example(text="\x00", date=dt.date(1, 1, 1))
@example(text=" date 2020-11-15 ", date=dt.date(9999, 12, 31))
def test_random_unicode(text: str, date: dt.date) -> None:
    run(text, date)


@SETTINGS
@given(text=tokens_text, date=report_dates)
@example(text="Kalbajar must be returned by November 15, but the deadline was extended until November 25.",
         date=dt.date(9999, 12, 31))
@example(text="The truce will be extended for 120 days from tomorrow.", date=dt.date(9999, 12, 31))
@example(text="Armenia handed over Aghdam to Azerbaijan yesterday.", date=dt.date(1, 1, 1))
@example(text="Prisoners are to be released within 60 days of the agreement, by next Tuesday.",
         date=dt.date(9999, 12, 28))
@example(text="Three days later, on 31 December, the withdrawal was postponed.", date=dt.date(9999, 12, 31))
def test_vocabulary_soup(text: str, date: dt.date) -> None:
    run(text, date)


@pytest.mark.parametrize(
    "text",
    [
        # trigger patterns with a gap ("handed ... over", "pulled ... out", "accused ... of shelling")
        # can swallow the date that dates them; the date step must not be left with no side to pick from
        "Armenia handed the district on Friday over to Azerbaijan.",
        "Armenia handed Aghdam on 20 November back to Azerbaijan.",
        "Troops pulled on 20 November out of Aghdam.",
        "Azerbaijan accused Armenia on Sunday of shelling its positions near Tovuz.",
        "Armenia handed on 25 November the Kalbajar district to Azerbaijan.",
    ],
)
def test_a_trigger_that_spans_its_own_date(text: str) -> None:
    for event in run(text, dt.date(2020, 11, 27)):
        assert event.date is None or event.date.year == 2020


@SETTINGS
@given(text=tokens_text, date=report_dates)
def test_iso_string_date(text: str, date: dt.date) -> None:
    run(text, date.isoformat())


@SETTINGS
@given(
    opener=st.sampled_from(['"', "'", "“", "‘", "«", "(", "[", "{", "<", "<p>", "**", "```"]),
    closer=st.sampled_from(['"', "'", "”", "’", "»", ")", "]", "}", ">", "</p>", "**", "```", ""]),
    depth=st.integers(min_value=0, max_value=200),
    body=tokens_text,
    date=report_dates,
)
def test_unbalanced_quotes_and_brackets(opener: str, closer: str, depth: int, body: str, date: dt.date) -> None:
    run(opener * depth + body + closer * (depth // 3), date)
    run(body + opener * depth, date)
    run(closer * depth + body, date)


SENTENCE = "Armenia handed over the Kalbajar district to Azerbaijan on November 25, ten days later than planned."


@SETTINGS
@given(
    wrapper=st.sampled_from([
        "<script>{}</script>", "<html><body><p>{}</p></body></html>", "<div class=\"x\">{}", "{}</div></div>",
        "<!-- {} -->", "<![CDATA[{}]]>", "**{}**", "# {}\n\n## {}", "> {}", "- {}\n- {}", "```\n{}\n```",
        "[{}](http://example.org/{})", "| {} | {} |\n|---|---|", "&lt;{}&gt;", "\u202e{}\u202c", "\u2067{}\u2069",
        "{}\x00{}", "{}\r\n{}\r{}", "{}\t\v\f{}", "\ufeff{}", "{}\u2028{}\u2029", "😀{}🇦🇿{}🕊️",
        "العربية {} עברית", "{}" + "\u0301" * 50,
    ]),
    inner=st.one_of(st.just(SENTENCE), tokens_text),
    date=report_dates,
)
def test_markup_control_rtl_emoji(wrapper: str, inner: str, date: dt.date) -> None:
    run(wrapper.replace("{}", inner), date)


@SETTINGS
@given(
    digits=st.lists(
        st.one_of(
            st.integers(min_value=0, max_value=10**40).map(str),
            st.sampled_from([".", ",", "/", "-", ":", " ", "  ", "\n", "th", "st", "%", "$", "km", "days"]),
        ),
        max_size=120,
    ).map("".join),
    date=report_dates,
)
def test_digit_soup(digits: str, date: dt.date) -> None:
    run(digits, date)
    run(f"The deadline was moved from {digits} to {digits}.", date)


@SETTINGS
@given(
    n=st.integers(min_value=1, max_value=5000),
    date=report_dates,
)
def test_very_long_numbers(n: int, date: dt.date) -> None:
    run("The army released " + "9" * n + " prisoners on " + "1" * n + " November.", date)
    run("Kalbajar was handed over by " + "0" * n + "-11-25 and " + "3" * n + ",000 people returned.", date)


@pytest.mark.parametrize("date", [dt.date(1, 1, 1), dt.date(9999, 12, 31)])
@pytest.mark.parametrize(
    "text",
    [
        "Today the ceasefire took effect; tomorrow peacekeepers will deploy, and next week prisoners will be swapped.",
        "The withdrawal must be completed within 60 days of the agreement, no later than 31 December.",
        "Kalbajar was due on 15 November; the deadline was extended by ten days to 25 November at Armenia's request.",
        "The initiative was extended for a further 120 days, until March 18, from the day it expires.",
        "A ten-day grace period was added to the deadline; on Monday, three days later, the army left.",
        "Last year, in 1 BC and in 10000 AD, in the year 9999 and the year 0, nothing was returned.",
        "Yesterday Armenia returned Aghdam; two days earlier, the first prisoners were exchanged.",
    ],
)
def test_extreme_report_dates(text: str, date: dt.date) -> None:
    run(text, date)
    run(text, date.isoformat())


# ---------------------------------------------------------------------------
# big and pathological inputs: finishes (linear time), guarded in a thread
# ---------------------------------------------------------------------------

HANG_GUARD_S = 120.0
MB = 1_000_000


def run_guarded(text: str, date: dt.date = dt.date(2020, 11, 15), timeout: float = HANG_GUARD_S) -> list[Event]:
    """Run the extractor in a daemon worker thread; fail if it has not finished after ``timeout`` s.

    The thread is a daemon so that a stuck run cannot keep the test session alive.
    """
    box: dict[str, object] = {}

    def work() -> None:
        t0 = time.perf_counter()
        try:
            box["events"] = extract_events(text, date)
        except BaseException as exc:  # noqa: BLE001 - reported below
            box["error"] = exc
        box["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=work, name="extract-hang-guard", daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), (
        f"extract_events did not finish on a {len(text):,}-character input ({text[:40]!r}...) within {timeout:.0f} s: "
        "a step is super-linear (or hangs) on this input"
    )
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    events = box["events"]
    check_events(text, events)  # type: ignore[arg-type]
    return events  # type: ignore[return-value]


def _fill(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


PATHOLOGICAL = {
    "a-run": lambda: "a" * MB,
    "one-space-digits": lambda: "1 " * (MB // 2),
    "november": lambda: "November " * (MB // 9),
    "open-brackets": lambda: "(" * MB,
    "by-by-by": lambda: _fill("by ", MB),
    # one 1 MB "sentence": words with triggers, places, parties and dates, no full stop
    "one-sentence-of-words": lambda: _fill(
        "the army handed over the district to peacekeepers on Friday and Armenia returned Aghdam to Azerbaijan "
        "while prisoners were released and the deadline was extended to November 25 and ", MB),
    "punctuation": lambda: _fill(".,;:", MB),
    # many ordinary sentences: every trigger must not rescan the whole document
    "many-sentences": lambda: _fill(
        "Armenia handed over Aghdam to Azerbaijan on Friday. Russian peacekeepers deployed in Lachin on 1 December. ", MB),
}


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL))
def test_pathological_megabyte_inputs_finish(kind: str) -> None:
    run_guarded(PATHOLOGICAL[kind]())


@pytest.mark.parametrize(
    "unit",
    [
        "ceasefire peacekeepers withdrawal handover Kalbajar Lachin prisoners released returned deployed ",
        "the and of to in on by until within days week ",
        "\u0627\u0644\u0633\u0644\u0627\u0645 \u05e9\u05dc\u05d5\u05dd \U0001f600 ",
    ],
    ids=["trigger-words", "function-words", "rtl-emoji"],
)
def test_enormous_paragraph_without_punctuation(unit: str) -> None:
    run_guarded(_fill(unit, 300_000))


@SETTINGS
@given(
    unit=st.sampled_from(TOKENS),
    copies=st.integers(min_value=1, max_value=300),  # long runs: see the guarded tests above
    date=report_dates,
)
def test_repeated_tokens(unit: str, copies: int, date: dt.date) -> None:
    run((unit + " ") * copies, date)
