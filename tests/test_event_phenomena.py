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


def test_a_signing_is_dated_by_the_day_at_the_end_of_its_clause() -> None:
    text = "Russia and Ukraine signed separate deals with Turkey and the UN in Istanbul on Friday."
    assert _events(text, dt.date(2022, 7, 22)) == [("sign", "occurred", "2022-07-22")]


def test_a_refusal_to_renew_is_a_refused_change_and_a_mere_no_is_none() -> None:
    # "A party declining ... is refused" (the conventions): a stated refusal to extend is kept as refused;
    # a plain "would not renew" reports an intention, not a decision
    assert _events("Russia said it would not renew the grain deal, which expired on Monday.", dt.date(2023, 7, 18)) == []
    assert _events("Moscow refused to extend the deal beyond July 17.", dt.date(2023, 7, 14)) == [("deadline_change", "refused", None)]


def test_units_arriving_at_a_zone_deploy_there() -> None:
    assert _events("The last rebel units arrived at the transition zones on Tuesday.", dt.date(2017, 2, 1)) == [
        ("deployment", "occurred", "2017-01-31")
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Thousands of civilians fled the fighting in Hadrut on Monday.", [("evacuation", "occurred", "2020-11-16")]),
        ("Families who fled in 2020 have returned to Shusha.", [("return", "occurred", None)]),  # fled long ago: a return
    ],
)
def test_people_fleeing_is_an_evacuation(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Armenia handed the Aghdam district to Azerbaijan.", [("handover", "occurred", ["Aghdam"])]),
        ("Armenia is handing the Lachin district to Azerbaijan next week.", [("handover", "planned", ["Lachin"])]),
        # "not ... yet": a commitment not met so far is planned (the conventions' "no prisoners exchanged so far")
        ("Armenia has not handed the Kalbajar district to Azerbaijan yet.", [("handover", "planned", ["Kalbajar"])]),
        ("Armenia has not handed the Kalbajar district to Azerbaijan.", []),
        ("Officials handed the list of prisoners from Lachin to the Red Cross.", []),
        ("He handed a letter about Aghdam to the minister.", []),
    ],
)
def test_a_place_handed_to_a_party_without_over_or_back(text: str, expected: list) -> None:
    """'handed the X district to Y' is a handover as much as 'handed X over to Y'."""
    assert [(e.type.value, e.modality.value, e.places) for e in extract_events(text, DAY)] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # control of a place changing hands is the handover; forces taking a place over is their move (like "entered")
        ("Azerbaijani forces took control of the Kalbajar district on Wednesday.", [("handover", "occurred", "2020-11-18")]),
        ("Army units assumed full control over Lachin on Tuesday, the ministry said.", [("handover", "occurred", "2020-11-17")]),
        ("Azerbaijani troops took over Agdam on Friday, officials said.", [("deployment", "occurred", "2020-11-20")]),
        ("The army is to take over the area once the handover is complete.", [("deployment", "planned", None)]),
    ],
)
def test_forces_taking_control_of_a_place(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Mikati took over as prime minister after the vote, and the army stayed in its barracks.",
        "Police took control of the situation after the protest.",
        "The new minister took over the ministry of defence on Friday.",
    ],
)
def test_taking_over_an_office_or_a_situation_is_no_deployment(text: str) -> None:
    assert [e for e in _events(text) if e[0] == "deployment"] == []


@pytest.mark.parametrize(
    "text",
    [
        "Moscow pulled out of the grain deal on Monday, letting it expire.",
        "Russia withdrew from the Black Sea Grain Initiative on Monday.",
        "The rebels pulled out of the peace talks on Friday.",
        "Russia announced its withdrawal from the grain deal.",
    ],
)
def test_leaving_a_deal_or_talks_is_no_withdrawal(text: str) -> None:
    # the conventions: a party suspending its participation is not an event; troops did not move
    assert _events(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Armenian forces withdrew from the Aghdam district under the deal on Friday.", [("withdrawal", "occurred", "2020-11-20")]),
        ("Armenia must pull its troops out of Kalbajar in line with the agreement.", [("withdrawal", "planned", None)]),
    ],
)
def test_a_withdrawal_from_a_place_under_a_deal_is_still_a_withdrawal(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_released_personnel_are_an_exchange() -> None:
    assert _events("The Taliban released 20 Afghan security personnel on Sunday.", dt.date(2020, 4, 12)) == [
        ("exchange", "occurred", "2020-04-12")
    ]


def test_a_bare_within_of_a_done_action_is_how_long_it_took_not_a_deadline() -> None:
    # counted from the report's date it would push an occurred event into the future
    assert _events("The US military has cut its forces in Afghanistan to 8,600 within 135 days.", dt.date(2020, 7, 14)) == [
        ("withdrawal", "occurred", None)
    ]


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # a place "was handed to" a party, with no "over"
        ("Karvachar was handed to Azerbaijan at dawn on Wednesday.", dt.date(2020, 11, 25), [("handover", "occurred", "2020-11-25")]),
        # a present presence under someone's control is an ongoing deployment
        ("Khankendi remains under the control of Russian peacekeepers.", dt.date(2020, 12, 10), [("deployment", "ongoing", None)]),
        # troops landing somewhere arrive there
        ("The first planes carrying Russian peacekeepers landed in Yerevan on Tuesday night.", dt.date(2020, 11, 11),
         [("deployment", "occurred", "2020-11-10")]),
        # an accusation of shelling reports a violation
        ("Baku accused Yerevan on Sunday of shelling its positions near Tovuz.", dt.date(2020, 11, 22), [("violation", "occurred", "2020-11-22")]),
    ],
)
def test_more_ways_to_say_handover_deployment_violation(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


def test_a_letter_handed_to_an_envoy_is_no_handover() -> None:
    assert _events("The letter was handed to the UN envoy on Monday.") == []


def test_the_accused_party_is_the_agent_of_the_violation_not_the_accuser() -> None:
    [e] = extract_events("Baku accused Yerevan on Sunday of shelling its positions near Tovuz.", dt.date(2020, 11, 22))
    assert (e.type.value, e.agent) == ("violation", "Armenia")


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("Officials said Israeli troops had left several villages near Naqoura by Tuesday evening.", dt.date(2025, 1, 29),
         [("withdrawal", "occurred", "2025-01-28")]),
        ("According to the army, the last Armenian soldiers left Kalbajar overnight.", DAY, [("withdrawal", "occurred", None)]),
        ("Israeli forces have not left the village yet.", DAY, [("withdrawal", "planned", None)]),  # a commitment not yet met
        ("Israeli forces have not left the village.", DAY, []),  # negated
        ("The attack left two soldiers dead.", DAY, []),
        ("Soldiers left behind their equipment.", DAY, []),
        ("Three soldiers were left wounded after the blast.", DAY, []),
        ("The troops left for Moscow on Friday.", DAY, []),
    ],
)
def test_troops_that_left_a_place_withdrew(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Had the prisoners been released on time, the talks would have started.",  # counterfactual
        "Should Armenia withdraw from Lachin early, Baku would reciprocate.",  # inverted conditional
        "Israel would withdraw only if the Lebanese army deployed first, an official said.",  # condition after the action
        "Russia will extend its mission provided that Baku agrees.",
    ],
)
def test_conditionals_and_counterfactuals_state_no_event(text: str) -> None:
    assert [e for e in _events(text) if e[0] != "deadline_change"] == []


def test_a_past_perfect_that_is_not_inverted_is_still_an_event() -> None:
    assert _events("Russian peacekeepers had deployed along the corridor by Friday.", dt.date(2020, 11, 28)) == [
        ("deployment", "occurred", "2020-11-27")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The Taliban have rejected the government's offer to free 1,500 prisoners in stages.",
        "Kabul offered to release 1,500 prisoners as a goodwill gesture.",
        "The mediators proposed to exchange the remaining detainees.",
    ],
)
def test_an_offer_or_proposal_is_a_plan_not_a_done_release(text: str) -> None:
    assert [(t, m) for t, m, _d in _events(text, dt.date(2020, 3, 12))] == [("exchange", "planned")]


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("The exchange that was meant to happen on Saturday was called off at the last minute.", dt.date(2025, 1, 27),
         [("exchange", "cancelled", "2025-01-25")]),
        ("The next exchange is due to take place on Saturday, Qatari mediators said.", dt.date(2025, 1, 27),
         [("exchange", "planned", "2025-02-01")]),
        ("The third exchange went ahead on Thursday after a delay.", dt.date(2025, 1, 31), [("exchange", "occurred", "2025-01-30")]),
        ("A heated exchange between the ministers was expected.", dt.date(2025, 1, 31), []),
        ("The stock exchange was closed as expected.", dt.date(2025, 1, 31), []),
    ],
)
def test_a_scheduled_exchange_without_naming_its_captives(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("The handover of Kelbajar, originally set for November 15, took place on November 25.", dt.date(2020, 11, 26),
         [("handover", "occurred", "2020-11-25"), ("handover", "postponed", "2020-11-15")]),
        ("The exchange, first planned for January 25, finally went ahead on February 1.", dt.date(2025, 2, 2),
         [("exchange", "occurred", "2025-02-01"), ("exchange", "postponed", "2025-01-25")]),
        # the plan alone stays a plan
        ("The handover of Kelbajar was originally set for November 15.", dt.date(2020, 11, 14), [("handover", "planned", "2020-11-15")]),
    ],
)
def test_a_plan_that_took_place_later_is_done_then_and_postponed_at_its_first_date(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day)) == sorted(expected)


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("Commercial flights resumed at Sanaa airport on Monday for the first time since 2016.", dt.date(2022, 5, 17),
         [("reopening", "occurred", "2022-05-16")]),
        ("Ukraine resumed grain exports from Odesa on Monday.", dt.date(2022, 8, 2), [("reopening", "occurred", "2022-08-01")]),
        ("Rail traffic between Armenia and Azerbaijan will resume next year.", DAY, [("reopening", "planned", None)]),
        ("Talks on trade resumed in Doha on Monday.", DAY, []),
    ],
)
def test_traffic_flights_or_exports_resuming_is_a_reopening(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # "still to be" is a plan, not a process under way
        ("Aghdam is still to be handed back by Friday.", dt.date(2020, 11, 16), [("handover", "planned", "2020-11-20")]),
        # "back in/under X hands/rule": due back is a plan, "is now back" a done handover
        ("Lachin is due back in Azerbaijani hands by December 1.", dt.date(2020, 11, 16), [("handover", "planned", "2020-12-01")]),
        ("Kalbajar is now back under Azerbaijani rule.", dt.date(2020, 11, 26), [("handover", "occurred", None)]),
        # presence verbs in the simple present describe the current state
        ("Russian peacekeepers now man posts across Karabakh.", DAY, [("deployment", "ongoing", None)]),
        ("Russian peacekeepers patrol the Lachin corridor.", DAY, [("deployment", "ongoing", None)]),
        ("Russian peacekeepers will patrol the Lachin corridor.", DAY, [("deployment", "planned", None)]),
        ("The last Russian soldiers were flown in on Friday.", DAY, [("deployment", "occurred", "2020-11-20")]),
        # a perfect progressive with an adverb is still under way
        ("Karabakh Armenian units have also been abandoning their positions in Kalbajar.", DAY, [("withdrawal", "ongoing", None)]),
        # the action an extension is for has not been done
        # (and the extension granted is itself a change, without dates here)
        ("Azerbaijan has granted Armenia a ten-day extension for handing back the Kelbajar district.", DAY,
         [("deadline_change", "occurred", None), ("handover", "planned", None)]),
    ],
)
def test_phrasings_of_plans_states_and_processes(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


def test_a_past_perfect_after_said_on_a_day_is_not_dated_by_the_saying() -> None:
    # the residents left before Monday; Monday is when officials spoke
    assert _events("Armenian officials said on Monday that most residents of Kalbajar had already gone.", dt.date(2020, 11, 16)) == [
        ("evacuation", "occurred", None)
    ]


def test_a_capital_in_the_possessive_or_as_a_speaker_is_the_government_not_a_place() -> None:
    evs = extract_events("Aghdam returned to Baku’s control on Friday. Moscow says its troops escorted 300 people back to Stepanakert, "
                         "and Moscow says more will follow.", dt.date(2020, 11, 21))
    assert [(e.type.value, e.places) for e in evs][:1] == [("handover", ["Aghdam"])]
    assert all("Baku" not in e.places and "Moscow" not in e.places for e in evs), [(e.type.value, e.places) for e in evs]


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("Army columns crossed the old front line into the Aghdam district yesterday.", dt.date(2020, 11, 21),
         [("deployment", "occurred", "2020-11-20")]),
        # "put back" is British for postponed; "its return" is the handover of the district just named
        ("Kelbajar is next. Its return, first set for November 15, was put back to Wednesday.", dt.date(2020, 11, 21),
         [("deadline_change", "occurred", None), ("handover", "planned", "2020-11-25"), ("handover", "postponed", "2020-11-15")]),
        ("Moscow says its troops have escorted several thousand people back to Stepanakert.", dt.date(2020, 11, 21),
         [("return", "ongoing", None)]),
        # "the remains of the fallen" are not a process that "remains" under way
        ("The statement requires the two sides to swap prisoners of war and the remains of the fallen.", dt.date(2020, 11, 21),
         [("exchange", "planned", None)]),
        ("Officials had begun moving people out of Berdzor, but the evacuation was dropped.", dt.date(2020, 12, 2),
         [("evacuation", "cancelled", None)]),
        ("Agdam was returned on November 20 and Kelbajar five days later.", dt.date(2020, 12, 2),
         [("handover", "occurred", "2020-11-20"), ("handover", "occurred", "2020-11-25")]),
        ("Lachin town stays under the guard of Russian peacekeepers.", dt.date(2020, 12, 2), [("deployment", "ongoing", None)]),
        ("The statement also calls for a transport link across Armenia connecting the Nakhchivan exclave with Azerbaijan.",
         dt.date(2020, 12, 2), [("reopening", "planned", None)]),
    ],
)
def test_phrasings_of_handovers_returns_and_plans_from_agency_copy(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day), key=str) == sorted(expected, key=str)


def test_an_occurred_ceasefire_is_placed_in_the_region_the_report_is_about() -> None:
    text = ("Fighting around Nagorno-Karabakh stopped in the night. Refugees from Nagorno-Karabakh waited at the border. "
            "The ceasefire, which took effect at midnight Moscow time on November 10, has largely held.")
    [e] = [e for e in extract_events(text, dt.date(2020, 12, 2)) if e.type.value == "ceasefire"]
    assert (e.date, e.places) == (dt.date(2020, 11, 10), ["Nagorno-Karabakh"])


def test_the_only_land_link_left_is_no_reopening() -> None:
    evs = _events("The handover closes the northern road, leaving the route through Lachin as the only land link.", dt.date(2020, 12, 2))
    assert [e for e in evs if e[0] == "reopening"] == []


def test_its_return_is_the_handover_of_the_district_named_last() -> None:
    text = ("Agdam was handed over on Friday. Agdam had been empty for years. "
            "Kelbajar is next. Its return, first set for November 15, was put back to Wednesday.")
    evs = [(e.type.value, e.modality.value, e.date.isoformat() if e.date else None, e.places) for e in extract_events(text, dt.date(2020, 11, 21))]
    assert ("handover", "postponed", "2020-11-15", ["Kalbajar"]) in evs
    assert ("handover", "planned", "2020-11-25", ["Kalbajar"]) in evs


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("The statement requires the two sides to hand back every prisoner of war and other detainee.", dt.date(2021, 6, 13),
         [("exchange", "planned", None)]),
        ("Baku has refused to hand over the soldiers captured in the Hadrut area.", dt.date(2021, 6, 13), [("exchange", "refused", None)]),
        ("Search teams have continued to recover and return the bodies of servicemen who died in the war.", dt.date(2021, 6, 13),
         [("exchange", "ongoing", None)]),
        ("The first swap came in mid-December, when 44 Armenians and 12 Azerbaijanis were flown home.", dt.date(2021, 6, 13),
         [("exchange", "occurred", None)]),
        ("About 2,000 Russian peacekeepers remain deployed in Karabakh.", dt.date(2021, 6, 13), [("deployment", "ongoing", None)]),
        # a topic of talks is no event
        ("Pashinyan said the talks had not resolved the most painful question, the return of prisoners of war.", dt.date(2021, 1, 12), []),
    ],
)
def test_captives_handed_back_and_forces_that_remain(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("Israeli warplanes struck a Hezbollah rocket depot in southern Lebanon on Thursday.", dt.date(2024, 11, 28),
         [("violation", "occurred", "2024-11-28")]),
        ("The two sides struck a deal on Thursday.", dt.date(2024, 11, 28), [("sign", "occurred", "2024-11-28")]),
        ("Israeli forces refused to give up five hilltop positions along the border.", dt.date(2025, 2, 19),
         [("withdrawal", "refused", None)]),
        ("Hezbollah must clear its fighters and heavy arms from the area south of the Litani River.", dt.date(2024, 11, 28),
         [("withdrawal", "planned", None)]),
        ("The army said it had begun reinforcing its units south of the Litani on Wednesday.", dt.date(2024, 11, 28),
         [("deployment", "ongoing", "2024-11-27")]),
        ("Officials said about 5,000 troops will be sent to the border.", dt.date(2024, 11, 28), [("deployment", "planned", None)]),
        ("UNIFIL's 10,000 peacekeepers remain in the area.", dt.date(2024, 11, 28), [("deployment", "ongoing", None)]),
        ("Under the truce, in force since November 27, Israel had 60 days to leave.", dt.date(2025, 2, 19),
         [("ceasefire", "occurred", "2024-11-27"), ("withdrawal", "planned", "2025-01-26")]),
        ("Israeli forces pulled out on Tuesday. Lebanese army units entered the vacated villages within hours.", dt.date(2025, 2, 19),
         [("withdrawal", "occurred", "2025-02-18"), ("deployment", "occurred", "2025-02-18")]),
    ],
)
def test_phrasings_from_the_lebanon_truce(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day), key=str) == sorted(expected, key=str)


def test_a_compass_region_is_listed_with_its_country() -> None:
    [e] = extract_events("Israeli forces pulled out of villages in southern Lebanon on Tuesday.", dt.date(2025, 2, 19))
    assert e.places == ["southern Lebanon", "Lebanon"]


def test_a_new_date_of_is_the_new_date_of_a_change() -> None:
    [c] = [e for e in extract_events("When the period ended on January 26 with its soldiers still in place, "
                                     "the White House announced a new date of February 18.", dt.date(2025, 2, 19))
           if e.type.value == "deadline_change"]
    assert (c.old_date, c.new_date) == (dt.date(2025, 1, 26), dt.date(2025, 2, 18))


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("The Sierra Leone-flagged Razoni sailed on Monday with 26,527 tonnes of corn.", dt.date(2022, 8, 2),
         [("reopening", "occurred", "2022-08-01")]),
        ("A Russian warship sailed on Monday.", dt.date(2022, 8, 2), []),
        ("Yesterday it became the first vessel to leave Odessa since February.", dt.date(2022, 8, 2), [("reopening", "occurred", "2022-08-01")]),
        ("Two other ports, Chornomorsk and Pivdennyi, are expected to start shipping as well.", dt.date(2022, 8, 2),
         [("reopening", "planned", None)]),
        ("It is the first test of the pact concluded on July 22 in Istanbul.", dt.date(2022, 8, 2), [("sign", "occurred", "2022-07-22")]),
        ("A joint coordination centre, staffed by Russian, Ukrainian and UN officials, opened last Wednesday.", dt.date(2022, 8, 2),
         [("deployment", "occurred", "2022-07-27")]),
        ("Russia pulled its troops off Snake Island at the end of June.", dt.date(2022, 8, 2), [("withdrawal", "occurred", None)]),
        ("Russian missiles hit the port of Odessa on Saturday.", dt.date(2022, 8, 2), [("violation", "occurred", "2022-07-30")]),
    ],
)
def test_phrasings_from_the_grain_deal(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # the nominal "handover" after a weapons handover is that disarmament
        ("The FARC have finished giving up their weapons. The handover had first been due by May 30.", dt.date(2017, 6, 28),
         [("disarmament", "occurred", None), ("disarmament", "planned", "2017-05-30")]),
        # "must still" is an obligation, not a process under way
        ("UN teams must still locate and empty hundreds of arms caches.", dt.date(2017, 6, 28), [("disarmament", "planned", None)]),
        ("A second UN mission is expected to take over in September.", dt.date(2017, 6, 28), [("deployment", "planned", None)]),
        ("Biden said on Wednesday that all US troops would leave Afghanistan by September 11, abandoning the May 1 deadline.",
         dt.date(2021, 4, 15),
         [("deadline_change", "occurred", "2021-04-14"), ("withdrawal", "planned", "2021-09-11"), ("withdrawal", "postponed", "2021-05-01")]),
        ("He warned that US forces would hit back hard if they were attacked.", dt.date(2021, 4, 15), []),
        ("Kabul freed about 5,000 Taliban prisoners last year, while the insurgents released roughly 1,000 members of the security forces.",
         dt.date(2021, 4, 15), [("exchange", "occurred", None), ("exchange", "occurred", None)]),
        ("The Taliban said Kabul had refused to free 15 senior commanders.", dt.date(2020, 4, 9), [("exchange", "refused", None)]),
        ("Khalilzad and Baradar put their signatures to the deal on Feb. 29 in Doha. The deal commits the US to pull its troops "
         "out within 14 months of the signing.", dt.date(2020, 4, 9), [("sign", "occurred", "2020-02-29"), ("withdrawal", "planned", "2021-04-29")]),
        ("Already, US troop numbers are falling toward 8,600.", dt.date(2020, 4, 9), [("withdrawal", "ongoing", None)]),
    ],
)
def test_phrasings_from_the_farc_and_doha_deals(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # a party's name is no liberation of anything
        ("Forces loyal to the Tigray People's Liberation Front began handing over heavy weapons on Wednesday.", dt.date(2023, 1, 12),
         [("disarmament", "ongoing", "2023-01-11")]),
        ("The handover was overseen by the African Union team that monitors the truce.", dt.date(2023, 1, 12),
         [("deployment", "ongoing", None)]),
        ("Tigrayan leaders said the rest of their arsenal will be given up later.", dt.date(2023, 1, 12), [("disarmament", "planned", None)]),
        ("Under it, the federal army is to take charge of airports and main roads.", dt.date(2023, 1, 12), [("deployment", "planned", None)]),
        ("A Yemenia Airways plane took off from Sanaa for Amman on Monday.", dt.date(2022, 5, 17), [("reopening", "occurred", "2022-05-16")]),
        ("The warring parties agreed to the two-month truce on April 1, and it took effect at 7 p.m. the next day.", dt.date(2022, 5, 17),
         [("sign", "occurred", "2022-04-01"), ("ceasefire", "occurred", "2022-04-02")]),
        ("Flights to Cairo have yet to begin.", dt.date(2022, 5, 17), [("reopening", "planned", None)]),
        ("Fuel tankers have been unloading at Hodeidah since the truce started.", dt.date(2022, 5, 17), [("reopening", "ongoing", None)]),
        ("The Houthis and the government have each accused the other of breaches near Marib.", dt.date(2022, 5, 17),
         [("violation", "occurred", None)]),
        ("The truce began on April 2.", dt.date(2022, 8, 3), [("ceasefire", "occurred", "2022-04-02")]),
        ("Commercial flights between Sanaa and Amman have run since May 16.", dt.date(2022, 8, 3), [("reopening", "ongoing", "2022-05-16")]),
        ("The first flight to Cairo in six years landed on June 1.", dt.date(2022, 8, 3), [("reopening", "occurred", "2022-06-01")]),
    ],
)
def test_phrasings_from_the_pretoria_and_yemen_truces(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day), key=str) == sorted(expected, key=str)


def test_a_signing_in_a_city_is_placed_there_even_after_the_agreement() -> None:
    [e] = extract_events("The federal government and the TPLF signed the agreement in Pretoria on November 2.", dt.date(2023, 1, 12))
    assert (e.type.value, e.date, e.places) == ("sign", dt.date(2022, 11, 2), ["Pretoria"])


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # a present passive after "once"/"until" is still to come
        ("The corridor will be the only road into Karabakh once Kelbajar is returned.", dt.date(2020, 11, 16), [("handover", "planned", None)]),
        ("Kelbajar was returned on Wednesday.", dt.date(2020, 11, 16), [("handover", "occurred", "2020-11-11")]),
        # "the last of three districts" refers back to the district just named
        ("The army entered Lachin district on Tuesday, and the last of three districts is now back in Azerbaijani hands.",
         dt.date(2020, 12, 2), [("deployment", "occurred", "2020-12-01"), ("handover", "occurred", "2020-12-01")]),
        # a cumulative total with a perfect a few words back is a process under way
        ("Moscow says tens of thousands of refugees have used the corridor to come home.", dt.date(2020, 12, 2), [("return", "ongoing", None)]),
    ],
)
def test_time_clauses_anaphors_and_totals(text: str, day: dt.date, expected: list) -> None:
    assert sorted(_events(text, day), key=str) == sorted(expected, key=str)


@pytest.mark.parametrize(
    "text, day, expected",
    [
        # "cut" is past and present alike: a day before the report settles it
        ("Israel cut its forces in the south on Monday, officials said.", dt.date(2025, 1, 29), [("withdrawal", "occurred", "2025-01-27")]),
        ("Israel will cut its forces in the south by Monday.", dt.date(2025, 1, 29), [("withdrawal", "planned", "2025-02-03")]),
        ("The collected rifles are to be melted down.", dt.date(2017, 6, 28), [("disarmament", "planned", None)]),
    ],
)
def test_ambiguous_past_forms_and_weapons_destroyed(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


def test_a_cargo_destination_is_not_where_shipping_reopened() -> None:
    [e] = extract_events("The Razoni sailed from Odesa on Monday with corn bound for Tripoli in Lebanon.", dt.date(2022, 8, 2))
    assert (e.type.value, e.places) == ("reopening", ["Odesa"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Armenia ceded the Aghdam district to Azerbaijan on Friday.", [("handover", "occurred", "2020-11-20")]),
        ("Yerevan relinquished control of Kalbajar on Wednesday.", [("handover", "occurred", "2020-11-18")]),
        ("Aghdam came under Azerbaijani control on Friday.", [("handover", "occurred", "2020-11-20")]),
        ("Israeli forces redeployed away from the villages near Khiam on Monday.", [("withdrawal", "occurred", "2020-11-16")]),
        ("The Rafah crossing opened for the first time in months on Saturday.", [("reopening", "occurred", "2020-11-14")]),
        ("The president relinquished power in 2019.", []),
        ("The rebels ceded ground to the army near Hadrut.", []),
        # a plan and its completion, both undated, are one handover
        ("Yerevan promised to relinquish Lachin, and Lachin is now back in Azerbaijani hands.", [("handover", "occurred", None)]),
    ],
)
def test_more_ways_to_hand_over_withdraw_and_reopen(text: str, expected: list) -> None:
    assert _events(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # "return <district>" is a handover; people who return somewhere, return flights and returned fire are not
        ("Under the deal, Armenia is obliged to return Lachin by December 1.", [("handover", "planned", "2020-12-01")]),
        ("Armenia has not yet returned Lachin.", [("handover", "planned", None)]),
        ("It allows two return flights a week from Sanaa to Amman.", []),
        ("Armenian units returned fire near Lachin.", []),
        ("Pashinyan returned to Yerevan on Friday.", []),
    ],
)
def test_returning_a_district_is_a_handover(text: str, expected: list) -> None:
    assert _events(text) == expected


def test_according_to_a_capital_names_a_speaker_not_a_place() -> None:
    [e] = extract_events("According to Baku, the last Armenian units withdrew from Aghdam late on Thursday.", DAY)
    assert e.places == ["Aghdam"]


def test_a_country_in_the_possessive_is_no_place() -> None:
    [e] = extract_events("At Israel's request, the withdrawal from Naqoura was postponed.", dt.date(2025, 1, 27))
    assert e.places == ["Naqoura"]


@pytest.mark.parametrize(
    "text, day, expected",
    [
        ("An Israeli drone strike killed a man in Bint Jbeil on Tuesday, the health ministry said.", dt.date(2024, 12, 12),
         [("violation", "occurred", "2024-12-10")]),
        ("Hezbollah fired rockets at an Israeli position on Monday.", dt.date(2024, 12, 12), [("violation", "occurred", "2024-12-09")]),
        ("The army said there had been no air strikes since the truce.", dt.date(2024, 12, 12), []),
        # a strike cited as a reason for something else is background
        ("Russia suspended its participation, citing a drone attack on its fleet at Sevastopol.", dt.date(2022, 11, 17), []),
    ],
)
def test_strikes_and_fire_are_violations(text: str, day: dt.date, expected: list) -> None:
    assert _events(text, day) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # a past progressive is a process under way at that time, not a plan
        ("Azerbaijani troops were entering Aghdam as of Friday morning.", [("deployment", "ongoing", "2020-11-20")]),
        ("Refugees were returning to Stepanakert on Thursday.", [("return", "ongoing", "2020-11-19")]),
        # "were going to" is still a plan
        ("Troops were going to leave Aghdam on Friday.", [("withdrawal", "planned", "2020-11-20")]),
    ],
)
def test_past_progressives(text: str, expected: list) -> None:
    assert _events(text) == expected
