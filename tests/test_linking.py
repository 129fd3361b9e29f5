"""Linking works for every bundled agreement, not only the seed's.

Each case is a short report written for this test in our own words, stating a
public fact about the agreement's implementation. The test extracts its events
and checks that ``link_events`` proposes the expected provision with the
expected relation. A failure message says whether extraction missed the event
(no event of the expected type) or linking went wrong (event found, not linked).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from accordwatch import extract_events, link_events
from accordwatch.agreements import load_all
from accordwatch.model import EventType, Relation


@dataclass(frozen=True)
class Case:
    id: str
    date: str
    text: str
    event_type: EventType
    provision: str
    relations: tuple[Relation, ...]


F, PF, RS, BR = Relation.FULFILS, Relation.PARTLY_FULFILS, Relation.RESCHEDULES, Relation.BREACHES
DC = EventType.DEADLINE_CHANGE

CASES = [
    # Israel-Lebanon cessation of hostilities, 27 November 2024
    Case("lebanon-withdrawal-extended", "2025-01-27",
         "The White House said on Sunday that the deadline for the Israeli withdrawal from southern Lebanon "
         "had been extended to February 18.",
         DC, "lebanon-2024-11-27/israeli-withdrawal", (RS,)),
    Case("lebanon-army-deployed", "2024-12-11",
         "The Lebanese army deployed in the town of Khiam in southern Lebanon on Wednesday as Israeli forces "
         "pulled back, the army said.",
         EventType.DEPLOYMENT, "lebanon-2024-11-27/lebanese-army-deployment", (F, PF)),
    # Black Sea Grain Initiative, 22 July 2022
    Case("grain-extended-120-days", "2022-11-17",
         "Russia and Ukraine agreed on Thursday to extend the Black Sea Grain Initiative for another 120 days "
         "beyond its expiry on November 19, Turkey and the United Nations said.",
         DC, "black-sea-grain-2022-07-22/safe-passage", (RS,)),
    Case("grain-extended-to-date", "2022-11-17",
         "The term of the Black Sea grain deal, due to expire on November 19, was extended to March 18, "
         "the United Nations said on Thursday.",
         DC, "black-sea-grain-2022-07-22/safe-passage", (RS,)),
    Case("grain-first-ship", "2022-08-01",
         "The first ship carrying Ukrainian grain under the deal left the port of Odesa on Monday, "
         "bound for Lebanon.",
         EventType.REOPENING, "black-sea-grain-2022-07-22/safe-passage", (F, PF)),
    # Colombia-FARC Final Agreement, 24 November 2016
    Case("farc-laydown-extended", "2017-05-30",
         "The deadline for the FARC to hand over their weapons to UN monitors was extended from May 30 to "
         "June 20, President Juan Manuel Santos said on Monday.",
         DC, "colombia-farc-2016-11-24/weapons-laydown", (RS,)),
    Case("farc-laydown-moved", "2017-05-30",
         "The Colombian government moved the deadline for the FARC to hand over their weapons to June 20.",
         DC, "colombia-farc-2016-11-24/weapons-laydown", (RS,)),
    Case("farc-weapons-handed-over", "2017-06-27",
         "FARC rebels handed over their last individual weapons to the United Nations mission on Tuesday, "
         "completing the laying down of arms.",
         EventType.DISARMAMENT, "colombia-farc-2016-11-24/weapons-laydown", (F, PF)),
    # US-Taliban agreement, Doha, 29 February 2020
    Case("doha-release-postponed", "2020-03-10",
         "The release of 5,000 Taliban prisoners, due by March 10, was postponed on Tuesday after "
         "the Afghan government delayed it.",
         DC, "doha-2020-02-29/prisoner-release", (RS,)),
    Case("doha-troops-8600", "2020-06-18",
         "The United States has reduced its troops in Afghanistan to 8,600, a US official said on Thursday.",
         EventType.WITHDRAWAL, "doha-2020-02-29/reduce-to-8600", (F, PF)),
    # Armenia-Azerbaijan-Russia statement, 10 November 2020 (the seed's agreement)
    Case("nk-aghdam-handed-over", "2020-11-20",
         "Armenia handed over the Aghdam district to Azerbaijan on Friday, as the trilateral statement required.",
         EventType.HANDOVER, "nk-2020-11-10/2-aghdam", (F,)),
    Case("nk-kalbajar-postponed", "2020-11-15",
         "Azerbaijan agreed to postpone the handover of the Kalbajar district from November 15 to November 25 "
         "at Armenia's request, conveyed through Moscow.",
         DC, "nk-2020-11-10/6-kalbajar", (RS,)),
    Case("nk-ceasefire-violated", "2020-11-28",
         "Azerbaijan accused Armenian forces of violating the ceasefire in Nagorno-Karabakh on Saturday, "
         "saying they had shelled its positions near Hadrut.",
         EventType.VIOLATION, "nk-2020-11-10/1-ceasefire", (BR,)),
]


@pytest.fixture(scope="module")
def agreements() -> list:
    return list(load_all().values())


def _describe(events) -> str:
    return "; ".join(
        f"#{i} {e.type.value}/{e.modality.value}/{e.date}/{e.places} subj={e.subject!r} old={e.old_date} new={e.new_date}"
        for i, e in enumerate(events)
    ) or "no events"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_links_to_provision(case: Case, agreements: list) -> None:
    date = dt.date.fromisoformat(case.date)
    events = extract_events(case.text, date)
    of_type = [i for i, e in enumerate(events) if e.type == case.event_type]
    assert of_type, (
        f"EXTRACTION: no {case.event_type.value} event extracted from {case.text!r}; got: {_describe(events)}"
    )
    links = link_events(events, date, agreements)
    found = [(l.provision_id, l.relation) for l in links if l.event_index in of_type]
    assert any(pid == case.provision for pid, _ in found), (
        f"LINKING: {case.event_type.value} event not linked to {case.provision}; links of those events: {found}; "
        f"events: {_describe(events)}"
    )
    rels = {rel for pid, rel in found if pid == case.provision}
    assert rels & set(case.relations), (
        f"LINKING: {case.provision} linked with {sorted(r.value for r in rels)}, "
        f"expected one of {[r.value for r in case.relations]}"
    )
    # the expected provision is the best one for that event: no other provision of the
    # same agreement is proposed for it with a higher score
    agreement = case.provision.split("/")[0]
    for i in of_type:
        mine = [l for l in links if l.event_index == i and l.agreement_id == agreement]
        if any(l.provision_id == case.provision for l in mine):
            best = max(l.score for l in mine)
            assert max(l.score for l in mine if l.provision_id == case.provision) == best, (
                f"LINKING: {case.provision} is not the top proposal for event #{i}: "
                f"{[(l.provision_id, l.score) for l in mine]}"
            )


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_links_only_to_its_agreement(case: Case, agreements: list) -> None:
    """A report about one agreement does not produce evidence for an unrelated one."""
    date = dt.date.fromisoformat(case.date)
    events = extract_events(case.text, date)
    links = link_events(events, date, agreements)
    own = case.provision.split("/")[0]
    stray = sorted({l.agreement_id for l in links} - {own})
    assert not stray, f"LINKING: {case.id} also linked to {stray}"


def test_lebanon_extension_not_hezbollah(agreements: list) -> None:
    """The Israeli withdrawal's extension reschedules Israel's provision, not Hezbollah's."""
    case = CASES[0]
    date = dt.date.fromisoformat(case.date)
    events = extract_events(case.text, date)
    links = link_events(events, date, agreements)
    dc = [i for i, e in enumerate(events) if e.type == DC]
    assert dc, f"EXTRACTION: no deadline_change in {_describe(events)}"
    pids = {l.provision_id for l in links if l.event_index in dc}
    assert "lebanon-2024-11-27/hezbollah-south-litani" not in pids, pids


def test_doha_reduction_not_full_withdrawal(agreements: list) -> None:
    """'reduced to 8,600' is the first-phase reduction, not the full withdrawal."""
    case = next(c for c in CASES if c.id == "doha-troops-8600")
    date = dt.date.fromisoformat(case.date)
    events = extract_events(case.text, date)
    links = link_events(events, date, agreements)
    pids = {l.provision_id for l in links if events[l.event_index].type == EventType.WITHDRAWAL}
    assert "doha-2020-02-29/full-withdrawal" not in pids, pids


def test_a_refused_extension_restates_the_schedule_instead_of_moving_it() -> None:
    from accordwatch.link import relation_for
    from accordwatch.model import Event, EventType, Modality, Relation

    refused = Event(type=EventType.DEADLINE_CHANGE, modality=Modality.REFUSED)
    granted = Event(type=EventType.DEADLINE_CHANGE, modality=Modality.OCCURRED)
    assert relation_for(refused, None) == Relation.RESTATES
    assert relation_for(granted, None) == Relation.RESCHEDULES
