"""Whole-pipeline cases for phenomena found by probing the extractor with new
phrasings (sentences written for these tests, not taken from any report)."""

from __future__ import annotations

import datetime as dt

import pytest

from accordwatch import extract_events

DAY = dt.date(2020, 11, 20)


def _events(text: str, day: dt.date = DAY) -> list[tuple]:
    return [(e.type.value, e.modality.value, e.date.isoformat() if e.date else None) for e in extract_events(text, day)]


@pytest.mark.parametrize(
    "text",
    [
        "The defence ministry denied that Kalbajar had been handed over to Azerbaijan.",
        "Azerbaijan denied reports that its troops had entered Lachin on Thursday.",
        "Armenia denied violating the ceasefire near Hadrut.",
        "Moscow dismissed as false claims that peacekeepers had left Stepanakert.",
    ],
)
def test_a_denied_action_is_no_event(text: str) -> None:
    # Read as "occurred", a denial would mark a provision fulfilled or breached.
    assert _events(text) == []


def test_a_denial_elsewhere_in_the_sentence_does_not_hide_the_event() -> None:
    assert _events("Armenia, which denied any wrongdoing, handed Kalbajar over on Wednesday.") == [
        ("handover", "occurred", "2020-11-18")
    ]


@pytest.mark.parametrize(
    "text, due",
    [
        ("Russian peacekeepers will arrive in Lachin within ten days, Moscow said.", "2020-11-30"),
        ("The remaining prisoners are to be exchanged within the next 14 days.", "2020-12-04"),
    ],
)
def test_a_bare_within_counts_from_the_report_date(text: str, due: str) -> None:
    [(kind, modality, date)] = _events(text)
    assert modality == "planned" and date == due, (kind, modality, date)


def test_within_of_an_agreement_whose_date_the_report_does_not_give_stays_undated() -> None:
    # Counting from the report's date would be wrong: the agreement is older.
    [(kind, modality, date)] = _events("Israeli forces are to withdraw from southern Lebanon within 60 days of the agreement.")
    assert (kind, modality, date) == ("withdrawal", "planned", None)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The first Russian peacekeepers reached Stepanakert on Thursday.", [("deployment", "occurred", "2020-11-19")]),
        ("Shelling resumed near Hadrut late on Tuesday despite the truce.", [("violation", "occurred", "2020-11-17")]),
        ("The two delegations reached an understanding on Tuesday.", []),  # not troops arriving anywhere
    ],
)
def test_arrival_and_renewed_fire_in_other_words(text: str, expected: list) -> None:
    assert _events(text) == expected
