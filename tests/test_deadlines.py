"""Deadline changes, one phenomenon per test, on reports written for these tests."""

import datetime as dt

from accordwatch import extract_events

D = dt.date


def changes(text: str, day: dt.date) -> list:
    return [e for e in extract_events(text, day) if e.type.value == "deadline_change"]


def test_request_via_mediator_and_grace_period_across_sentences():
    text = (
        "The return of the Zangilan district, which was due today on March 3, has been postponed. "
        "Armenia made this request to Baku, passing it through Moscow. "
        "Security concerns were named as the reason. Azerbaijan agreed to a seven-day grace period."
    )
    [c] = changes(text, D(2021, 3, 3))
    assert (c.old_date, c.new_date) == (D(2021, 3, 3), D(2021, 3, 10))
    assert (c.requested_by, c.granted_by, c.via) == ("Armenia", "Azerbaijan", "Russia")
    assert "security" in c.reason.lower()
    assert c.date == D(2021, 3, 3)  # "has been postponed" in a report of that day


def test_passive_request_and_original_date():
    text = "Aghdam came back on November 20 and Kalbajar on November 28, after Baku granted an eight-day delay requested by Yerevan from the original November 20 date."
    [c] = changes(text, D(2020, 12, 1))
    assert (c.old_date, c.new_date) == (D(2020, 11, 20), D(2020, 11, 28))
    assert (c.requested_by, c.granted_by) == ("Armenia", "Azerbaijan")
    assert c.places == ["Kalbajar"]  # the action dated on the new date, not the first one listed


def test_negated_postponement_is_no_event():
    text = "By December 1 the Lachin district must be handed over. There can be no talk of any postponement."
    assert changes(text, D(2020, 11, 15)) == []


def test_extension_given_as_a_duration_beyond_an_expiry():
    text = "Russia and Ukraine agreed on Thursday to extend the grain corridor for another 60 days beyond its expiry on November 19, Turkey and the United Nations said."
    [c] = changes(text, D(2022, 11, 17))
    assert (c.old_date, c.new_date) == (D(2022, 11, 19), D(2023, 1, 18))


def test_moved_the_deadline():
    text = "The government moved the deadline for the rebels to hand in their weapons to July 15."
    [c] = changes(text, D(2017, 6, 1))
    assert c.new_date == D(2017, 7, 15)


def test_also_said_continues_the_earlier_announcement():
    text = (
        "President Santos announced the change in an address on Monday evening: the fighters now have until June 20 "
        "instead of May 30 to hand over their weapons. Santos also said the camps would remain in place until August 1."
    )
    cs = changes(text, D(2017, 6, 1))
    zones = next(c for c in cs if c.new_date == D(2017, 8, 1))
    assert zones.date == D(2017, 5, 29)  # Monday of the first announcement
    assert zones.granted_by == "Colombia"  # the speaker decided it


def test_same_day_delay_ordered_by_a_party():
    text = (
        "The truce had been due to begin at 9 a.m. on Sunday but did not take effect until noon. "
        "Prime Minister Benjamin Netanyahu ordered the army to keep firing until the list of names arrived."
    )
    [c] = changes(text, D(2025, 1, 20))
    assert c.old_date == c.new_date == c.date == D(2025, 1, 19)
    assert c.granted_by == "Israel"


def test_an_undated_attack_takes_the_day_its_paragraph_is_about_and_the_report_region():
    from accordwatch import extract_events

    text = (
        "GAZA, March 3 - The pause in the Gaza Strip had been due to start at dawn on Sunday. "
        "Medics said artillery fire in the following hours killed 9 people."
    )
    [v] = [e for e in extract_events(text, D(2025, 3, 3)) if e.type.value == "violation"]
    assert v.date == D(2025, 3, 2) and v.places == ["Gaza Strip"]


def test_shift_by_a_duration_gives_the_old_date_and_moves_the_missed_instance():
    text = "The deadline for the Aghdam handover was pushed back by a week to November 27 at the request of Yerevan."
    events = extract_events(text, D(2020, 11, 15))
    [c] = [e for e in events if e.type.value == "deadline_change"]
    assert (c.old_date, c.new_date, c.requested_by) == (D(2020, 11, 20), D(2020, 11, 27), "Armenia")
    handovers = sorted((e.date, e.modality.value) for e in events if e.type.value == "handover")
    assert handovers == [(D(2020, 11, 20), "postponed"), (D(2020, 11, 27), "planned")]


def test_brought_forward_is_a_change_to_an_earlier_date():
    [c] = changes("The prisoner exchange was brought forward by two days to November 18, officials said.", D(2020, 11, 15))
    assert (c.old_date, c.new_date) == (D(2020, 11, 20), D(2020, 11, 18))


def test_mediator_relaying_a_request_named_by_its_demonym():
    [c] = changes("Baku agreed to delay the handover of Kalbajar until November 25 after Moscow relayed an Armenian request.",
                  D(2020, 11, 15))
    assert (c.new_date, c.requested_by, c.granted_by, c.via) == (D(2020, 11, 25), "Armenia", "Azerbaijan", "Russia")


def test_an_extension_by_a_length_on_a_day_is_kept_without_its_dates():
    # the text gives neither the old nor the new end: the change is still stated, dated by its decision
    [c] = changes("The warring parties agreed on Thursday to extend the truce by two months.", D(2022, 6, 3))
    assert (c.modality.value, c.date, c.old_date, c.new_date) == ("occurred", D(2022, 6, 2), None, None)


def test_a_dateless_extension_that_is_only_asked_for_or_possible_is_no_change():
    for text in (
        "Kyiv asked on Thursday for the deal to be extended by a year.",
        "Diplomats said on Thursday the truce could be extended by two months.",
        "The truce was extended by two months.",  # no day of decision: a background mention
    ):
        assert changes(text, D(2022, 6, 3)) == [], text


def test_a_violation_in_the_sentence_before_is_not_what_a_deadline_change_moves():
    text = ("Colombia accused the FARC of shelling positions on January 6, in breach of the ceasefire. "
            "The deadline for the weapons handover was extended from January 10 to February 9.")
    [c] = changes(text, D(2017, 1, 12))
    assert (c.old_date, c.new_date) == (D(2017, 1, 10), D(2017, 2, 9))
    evs = extract_events(text, D(2017, 1, 12))
    # a violation has no deadline: no postponed or rescheduled copies of it
    assert [(e.modality.value, e.date) for e in evs if e.type.value == "violation"] == [("occurred", D(2017, 1, 6))]


def test_a_refused_extension_is_a_refused_change_not_no_event():
    [c] = changes("The grain deal lapsed at midnight on Monday after Russia refused to extend it.", D(2023, 7, 18))
    assert (c.modality.value, c.date) == ("refused", D(2023, 7, 17))
    # and it is not merged with an extension granted earlier in the report
    text = ("The grain deal lapsed on Monday after Russia refused to extend it. "
            "In May, Moscow had agreed to a further extension to July 17.")
    assert sorted(c.modality.value for c in changes(text, D(2023, 7, 18))) == ["occurred", "refused"]


def test_a_hoped_for_or_conditional_extension_is_no_change():
    text = "The truce expires on June 2 unless the parties agree to renew it, and the envoy hopes it can be extended."
    assert changes(text, D(2022, 5, 17)) == []


def test_two_renewals_decided_weeks_apart_are_two_changes():
    text = ("Yemen's warring parties have agreed to extend their truce by another two months, to October 2, "
            "the UN envoy announced on Tuesday. The truce began on April 2 and was renewed on June 2 for two months.")
    found = sorted((c.date, c.new_date) for c in changes(text, D(2022, 8, 3)))
    assert found[-1] == (D(2022, 8, 2), D(2022, 10, 2))
    assert [d for d, _n in found] == [D(2022, 6, 2), D(2022, 8, 2)]


def test_a_change_by_a_length_made_at_a_partys_request_is_kept_without_dates():
    [c] = changes("The handover of Kalbajar was delayed by ten days at Armenia's request, Baku said.", D(2020, 11, 15))
    assert (c.requested_by, c.old_date, c.new_date) == ("Armenia", None, None)
    [c] = changes("Baku granted Armenia's request to delay the handover of Kalbajar by ten days.", D(2020, 11, 15))
    assert (c.requested_by, c.granted_by) == ("Armenia", "Azerbaijan")
    # only asked for: no change
    assert changes("Armenia asked for the handover of Kalbajar to be delayed by ten days.", D(2020, 11, 15)) == []


def test_later_than_planned_gives_the_old_date_from_the_new_one():
    [c] = changes("The government gave the rebels until June 20 to hand over their weapons, three weeks later than planned.", D(2017, 6, 1))
    assert (c.old_date, c.new_date, c.date) == (D(2017, 5, 30), D(2017, 6, 20), None)
    # the day of the late action is not the day the change was decided
    [c] = changes("The army moved into Kalbajar on Wednesday, ten days later than first planned.", D(2020, 11, 25))
    assert (c.old_date, c.new_date, c.date) == (D(2020, 11, 15), D(2020, 11, 25), None)


def test_a_plan_in_apposition_is_the_old_date_not_the_day_of_the_decision():
    [c] = changes("Kabul postponed the prisoner release, due to start on March 10, until after talks with the Taliban.", D(2020, 3, 11))
    assert (c.old_date, c.date) == (D(2020, 3, 10), None)


def test_a_change_of_the_agreements_own_term_is_where_the_agreement_is():
    text = ("The Black Sea Grain Initiative lets Ukraine ship grain from its ports. "
            "Signed on July 22 in Istanbul for 120 days, the deal was extended in November until March 18.")
    [c] = changes(text, D(2023, 7, 18))
    # not Istanbul, where it was signed: the place its name gives; and March 18 follows November, not the report
    assert (c.places, c.new_date) == (["Black Sea"], D(2023, 3, 18))
