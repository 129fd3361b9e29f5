"""Merging repeated mentions (devset conventions), on hand-made events."""

import datetime as dt

from accordwatch.extract.merge import merge_events
from accordwatch.model import Event, EventType, Modality

D = dt.date


def ev(t, m, date=None, places=(), agent=None, precision=None):
    return Event(type=EventType(t), modality=Modality(m), date=date, places=list(places), agent=agent, date_precision=precision)


def test_plan_and_completion_of_one_handover_are_one_event_with_the_most_advanced_status():
    out = merge_events([ev("handover", "planned", D(2020, 12, 1), ["Lachin"]), ev("handover", "occurred", D(2020, 12, 1), ["Lachin"])])
    assert [(e.modality.value, e.date) for e in out] == [("occurred", D(2020, 12, 1))]


def test_postponed_instance_and_rescheduled_instance_stay_apart():
    out = merge_events([ev("handover", "postponed", D(2020, 11, 15), ["Kalbajar"]), ev("handover", "planned", D(2020, 11, 25), ["Kalbajar"])])
    assert len(out) == 2


def test_open_ended_exchange_provision_stays_apart_from_an_instance():
    out = merge_events([ev("exchange", "planned"), ev("exchange", "occurred", D(2020, 12, 14), ["Yerevan", "Baku"])])
    assert len(out) == 2


def test_different_districts_never_merge():
    out = merge_events([ev("handover", "occurred", D(2020, 11, 20), ["Aghdam"]), ev("handover", "occurred", D(2020, 11, 20), ["Lachin"])])
    assert len(out) == 2


def test_same_day_mentions_by_different_actors_stay_apart():
    out = merge_events([ev("withdrawal", "ongoing", D(2015, 2, 26), ["eastern Ukraine"], agent="Ukraine"),
                        ev("withdrawal", "ongoing", D(2015, 2, 26), [], agent="Donetsk People's Republic")])
    assert len(out) == 2


def test_a_vague_date_blocks_merging_with_a_dated_mention():
    out = merge_events([ev("deployment", "occurred", D(2020, 12, 13), ["Nagorno-Karabakh"]),
                        ev("deployment", "occurred", None, ["Nagorno-Karabakh"], precision="vague")])
    assert len(out) == 2


def test_different_quantities_are_different_releases():
    a = ev("exchange", "planned")
    a.quantity = "up to 1,000 captives"
    b = ev("exchange", "planned")
    b.quantity = "3,500 prisoners"
    assert len(merge_events([a, b])) == 2


def test_a_due_plan_and_an_undated_completion_are_one_event_on_the_due_date():
    out = merge_events([ev("handover", "planned", D(2020, 11, 20), ["Aghdam"]), ev("handover", "occurred", None, ["Aghdam"], precision="vague")],
                       anchor=D(2020, 11, 20))
    assert [(e.modality.value, e.date) for e in out] == [("occurred", D(2020, 11, 20))]
    # but not a plan still in the future of the report
    out = merge_events([ev("handover", "planned", D(2020, 12, 1), ["Lachin"]), ev("handover", "occurred", None, ["Lachin"])], anchor=D(2020, 11, 20))
    assert len(out) == 2
