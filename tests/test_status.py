"""Status rules (SPEC "Status rules"), on hand-made evidence: no extraction, no store."""

from __future__ import annotations

import datetime as dt

import pytest

from accordwatch.agreements import get_agreement
from accordwatch.model import Event, EventType, EvidenceView, Modality, Relation, ReviewState, Status
from accordwatch.status import add_iso_duration, agreement_status, provision_status

D = dt.date
NK = get_agreement("nk-2020-11-10")
KALBAJAR = NK.provision("6-kalbajar")
AGHDAM = NK.provision("2-aghdam")
LACHIN = NK.provision("6-lachin")
CEASEFIRE = NK.provision("1-ceasefire")


def ev(pid, relation, published, *, etype=EventType.HANDOVER, modality=Modality.OCCURRED, date=None, old=None, new=None,
       review=ReviewState.PROPOSED, eid=1, report=1):
    e = Event(type=etype, modality=modality, date=date, old_date=old, new_date=new, sentence=f"sentence {eid}")
    return EvidenceView(eid, NK.id + "/" + pid if "/" not in pid else pid, relation, review, e, report, published)


SEED_POSTPONEMENT = ev("6-kalbajar", Relation.RESCHEDULES, D(2020, 11, 15), etype=EventType.DEADLINE_CHANGE,
                       date=D(2020, 11, 15), old=D(2020, 11, 15), new=D(2020, 11, 25), eid=10)


def test_spec_example_overdue_when_postponement_not_yet_known():
    st = provision_status(NK, KALBAJAR, [SEED_POSTPONEMENT], as_of=D(2020, 11, 16), known_at=D(2020, 11, 14))
    assert st.status == Status.OVERDUE
    assert st.current_due == D(2020, 11, 15)
    assert st.deadline_history == []


def test_spec_example_pending_once_postponement_known():
    st = provision_status(NK, KALBAJAR, [SEED_POSTPONEMENT], as_of=D(2020, 11, 16), known_at=D(2020, 11, 15))
    assert st.status == Status.PENDING  # due 25 Nov is 9 days away: more than the 7-day "due" window
    assert st.original_due == D(2020, 11, 15)
    assert st.current_due == D(2020, 11, 25)
    [move] = st.deadline_history
    assert (move.old_date, move.new_date, move.known_on) == (D(2020, 11, 15), D(2020, 11, 25), D(2020, 11, 15))
    assert st.unreviewed


def test_due_within_seven_days():
    st = provision_status(NK, LACHIN, [], as_of=D(2020, 11, 24))
    assert st.status == Status.DUE  # 1 Dec is 7 days after 24 Nov
    assert provision_status(NK, LACHIN, [], as_of=D(2020, 11, 23)).status == Status.PENDING


def test_aghdam_overdue_and_lachin_pending_on_21_november():
    sts = {s.provision.local_id: s for s in agreement_status(NK, [], as_of=D(2020, 11, 21))}
    assert sts["2-aghdam"].status == Status.OVERDUE
    assert sts["6-lachin"].status == Status.PENDING


def test_fulfilled_on_time_and_late():
    done = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20))
    st = provision_status(NK, AGHDAM, [done], as_of=D(2020, 11, 21))
    assert (st.status, st.fulfilled_on, st.on_time) == (Status.FULFILLED, D(2020, 11, 20), True)
    late = ev("6-kalbajar", Relation.FULFILS, D(2020, 11, 25), date=D(2020, 11, 25))
    st = provision_status(NK, KALBAJAR, [late], as_of=D(2020, 11, 26))
    assert st.status == Status.FULFILLED and st.on_time is False  # original due 15 Nov, no move known
    st = provision_status(NK, KALBAJAR, [late, SEED_POSTPONEMENT], as_of=D(2020, 11, 26))
    assert st.on_time is True  # within the moved deadline


def test_event_after_as_of_does_not_count():
    done = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20))
    assert provision_status(NK, AGHDAM, [done], as_of=D(2020, 11, 19)).status == Status.DUE


def test_report_after_known_at_does_not_count():
    done = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20))
    st = provision_status(NK, AGHDAM, [done], as_of=D(2020, 11, 22), known_at=D(2020, 11, 19))
    assert st.status == Status.OVERDUE


def test_rejected_never_counts_and_reviewed_only_counts_accepted():
    rejected = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20), review=ReviewState.REJECTED)
    assert provision_status(NK, AGHDAM, [rejected], as_of=D(2020, 11, 22)).status == Status.OVERDUE
    proposed = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20))
    assert provision_status(NK, AGHDAM, [proposed], as_of=D(2020, 11, 22), reviewed_only=True).status == Status.OVERDUE
    accepted = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20), review=ReviewState.ACCEPTED)
    st = provision_status(NK, AGHDAM, [accepted], as_of=D(2020, 11, 22), reviewed_only=True)
    assert st.status == Status.FULFILLED and not st.unreviewed


def test_disputed_when_done_and_denied():
    done = ev("2-aghdam", Relation.FULFILS, D(2020, 11, 20), date=D(2020, 11, 20), eid=1)
    denied = ev("2-aghdam", Relation.DENIES, D(2020, 11, 21), date=D(2020, 11, 21), eid=2)
    assert provision_status(NK, AGHDAM, [done, denied], as_of=D(2020, 11, 22)).status == Status.DISPUTED


def test_latest_known_move_wins_and_history_keeps_all():
    first = ev("6-kalbajar", Relation.RESCHEDULES, D(2020, 11, 15), etype=EventType.DEADLINE_CHANGE, old=D(2020, 11, 15), new=D(2020, 11, 25), eid=1)
    again = ev("6-kalbajar", Relation.RESCHEDULES, D(2020, 11, 20), etype=EventType.DEADLINE_CHANGE, old=D(2020, 11, 25), new=D(2020, 11, 30), eid=2)
    repeat = ev("6-kalbajar", Relation.RESCHEDULES, D(2020, 11, 23), etype=EventType.DEADLINE_CHANGE, old=D(2020, 11, 15), new=D(2020, 11, 25), eid=3)
    st = provision_status(NK, KALBAJAR, [first, again, repeat], as_of=D(2020, 11, 21))
    assert st.current_due == D(2020, 11, 30)
    assert [(m.old_date, m.new_date) for m in st.deadline_history] == [(D(2020, 11, 15), D(2020, 11, 25)), (D(2020, 11, 25), D(2020, 11, 30))]
    assert st.deadline_history[0].sources == 2  # the same move reported twice is one move with two sources


def test_continuous_provision_in_force_then_breached():
    assert provision_status(NK, CEASEFIRE, [], as_of=D(2020, 11, 9)).status == Status.NOT_STARTED
    assert provision_status(NK, CEASEFIRE, [], as_of=D(2020, 11, 20)).status == Status.IN_FORCE
    clash = ev("1-ceasefire", Relation.BREACHES, D(2020, 12, 13), etype=EventType.VIOLATION, date=D(2020, 12, 11))
    st = provision_status(NK, CEASEFIRE, [clash], as_of=D(2020, 12, 13))
    assert st.status == Status.BREACHED and st.breaches == {"2020-12": 1}
    assert provision_status(NK, CEASEFIRE, [clash], as_of=D(2021, 1, 20)).status == Status.IN_FORCE


@pytest.mark.parametrize(
    "start, duration, expected",
    [(D(2020, 11, 10), "P5Y", D(2025, 11, 10)), (D(2022, 7, 22), "P120D", D(2022, 11, 19)), (D(2020, 1, 31), "P1M", D(2020, 2, 29)), (D(2020, 2, 29), "P1Y", D(2021, 2, 28))],
)
def test_add_iso_duration(start, duration, expected):
    assert add_iso_duration(start, duration) == expected
