"""Party mentions: countries, metonyms, demonym + force phrases, groups, organisations, officials, titles."""

from __future__ import annotations

import time

import pytest

from accordwatch.extract.parties import PartyMatch, canonical_party, find_parties


def parties(text: str) -> list[str]:
    return [m.party for m in find_parties(text)]


def one(text: str) -> PartyMatch:
    found = find_parties(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, party",
    [
        ("Baku agreed to wait ten more days.", "Azerbaijan"),
        ("Yerevan asked for more time.", "Armenia"),
        ("The Kremlin said the plan was on track.", "Russia"),
        ("Moscow passed the message on.", "Russia"),
        ("The White House welcomed the move.", "United States"),
        ("Washington kept quiet.", "United States"),
        ("Kabul freed another group.", "Afghanistan"),
        ("Ankara offered to help.", "Turkey"),
        ("Kiev disputed the figures.", "Ukraine"),
        ("Beirut asked for an extension.", "Lebanon"),
    ],
)
def test_capitals_and_seats_are_metonyms(text, party):
    m = one(text)
    assert m.party == party
    assert m.kind in ("capital", "metonym")


@pytest.mark.parametrize(
    "text, party, span",
    [
        ("Later the Azerbaijani army moved in.", "Azerbaijan", "Azerbaijani army"),
        ("Armenian forces withdrew overnight.", "Armenia", "Armenian forces"),
        ("He said Armenian armed forces needed a week.", "Armenia", "Armenian armed forces"),
        ("The Armenian side asked for a delay.", "Armenia", "Armenian side"),
        ("Russian peacekeepers escorted the buses.", "Russia", "Russian peacekeepers"),
        ("The Afghan government released 100 men.", "Afghanistan", "Afghan government"),
        ("Israeli troops stayed put.", "Israel", "Israeli troops"),
    ],
)
def test_demonym_and_force_phrases_resolve_to_the_state(text, party, span):
    m = one(text)
    assert (m.party, m.text) == (party, span)


def test_demonym_alone_is_a_party_of_kind_demonym():
    m = one("An Armenian official declined to comment.")
    assert (m.party, m.kind, m.text) == ("Armenia", "demonym", "Armenian official") or m.party == "Armenia"


def test_people_are_not_the_state():
    assert parties("Palestinians gathered at the gate.") == ["Palestinians"]


@pytest.mark.parametrize(
    "text, party",
    [
        ("Hamas handed over three captives.", "Hamas"),
        ("Hezbollah fighters were seen south of the river.", "Hezbollah"),
        ("The FARC-EP asked for a month.", "FARC"),
        ("FARC rebels gave up their rifles.", "FARC"),
        ("The Taliban rejected the list.", "Taliban"),
        ("Houthi rebels fired again.", "Houthis"),
        ("Russian-backed rebels shelled the town.", "Russian-backed rebels"),
        ("The separatists refused to pull back.", "separatists"),
        ("The Donetsk People's Republic issued a decree.", "Donetsk People's Republic"),
    ],
)
def test_armed_groups(text, party):
    assert one(text).party == party


@pytest.mark.parametrize(
    "text, party",
    [
        ("The UN will oversee the return.", "United Nations"),
        ("U.N. staff counted the weapons.", "United Nations"),
        ("UN peacekeepers watched the line.", "United Nations"),
        ("UNIFIL reported no incidents.", "United Nations"),
        ("The UN Security Council met at noon.", "UN Security Council"),
        ("The Red Cross visited the detainees.", "ICRC"),
        ("UNHCR set up a registration point.", "UNHCR"),
        ("OSCE monitors could not reach the area.", "OSCE"),
        ("The European Union sent observers.", "European Union"),
        ("NATO made no comment.", "NATO"),
        ("The African Union called for calm.", "African Union"),
    ],
)
def test_organisations(text, party):
    m = one(text)
    assert m.party == party and m.kind == "organisation"


@pytest.mark.parametrize(
    "text, party, person",
    [
        ("Vladimir Putin spoke by phone.", "Russia", "Vladimir Putin"),
        ("Ilham Aliyev visited the front.", "Azerbaijan", "Ilham Aliyev"),
        ("Nikol Pashinyan signed late at night.", "Armenia", "Nikol Pashinyan"),
        ("Hikmet Hajiyev briefed reporters.", "Azerbaijan", "Hikmet Hajiyev"),
        ("Juan Manuel Santos announced a new date.", "Colombia", "Juan Manuel Santos"),
        ("Zabihullah Mujahid posted a statement.", "Taliban", "Zabihullah Mujahid"),
        ("Antonio Guterres urged restraint.", "United Nations", "Antonio Guterres"),
        ("Recep Tayyip Erdogan hosted the ceremony.", "Turkey", "Recep Tayyip Erdogan"),
    ],
)
def test_officials_by_full_name(text, party, person):
    m = one(text)
    assert (m.party, m.kind, m.person) == (party, "official", person)


@pytest.mark.parametrize(
    "text, party, person",
    [
        ("Putin agreed.", "Russia", "Vladimir Putin"),
        ("Later, Aliyev said no.", "Azerbaijan", "Ilham Aliyev"),
        ("Pashinyan called it painful.", "Armenia", "Nikol Pashinyan"),
        ("Hajiyev repeated the date.", "Azerbaijan", "Hikmet Hajiyev"),
        ("Santos signed the decree.", "Colombia", "Juan Manuel Santos"),
        ("Ghani delayed the releases.", "Afghanistan", "Ashraf Ghani"),
        ("Erdogan praised both sides.", "Turkey", "Recep Tayyip Erdogan"),
        ("Shoigu flew in.", "Russia", "Sergei Shoigu"),
        ("Mikati thanked the envoys.", "Lebanon", "Najib Mikati"),
    ],
)
def test_officials_by_surname(text, party, person):
    m = one(text)
    assert (m.party, m.person) == (party, person)


@pytest.mark.parametrize(
    "text, party, span",
    [
        ("He met the President of Azerbaijan on Monday.", "Azerbaijan", "President of Azerbaijan"),
        ("Azerbaijan's president gave a speech.", "Azerbaijan", "Azerbaijan's president"),
        ("Armenia's prime minister resigned in the end.", "Armenia", "Armenia's prime minister"),
        ("The Azerbaijani Defense Ministry listed the units.", "Azerbaijan", "Azerbaijani Defense Ministry"),
        ("The Azerbaijani Defence Ministry listed the units.", "Azerbaijan", "Azerbaijani Defence Ministry"),
        ("Lebanon's health ministry gave a toll.", "Lebanon", "Lebanon's health ministry"),
    ],
)
def test_titles_resolve_to_the_party(text, party, span):
    m = one(text)
    assert (m.party, m.kind, m.text) == (party, "title", span)


def test_title_followed_by_name_is_one_official_mention():
    m = one("Russian President Vladimir Putin called both leaders.")
    assert (m.text, m.party, m.kind, m.person) == (
        "Russian President Vladimir Putin", "Russia", "official", "Vladimir Putin")


@pytest.mark.parametrize(
    "text, party",
    [
        ("The US brokered the deal.", "United States"),
        ("U.S. envoys arrived.", "United States"),
        ("The United States agreed.", "United States"),
        ("Britain abstained.", "United Kingdom"),
        ("The UK abstained.", "United Kingdom"),
        ("Azerbaijan agreed.", "Azerbaijan"),
    ],
)
def test_countries_and_common_forms(text, party):
    assert parties(text) == [party]


def test_short_acronyms_are_case_sensitive():
    assert find_parties("they told us to wait; un peu plus") == []


def test_offsets_slice_back_and_matches_do_not_overlap():
    text = "Türkiye, the UN and Russian peacekeepers — with Azerbaijan's army and Hezbollah — met Putin."
    found = find_parties(text)
    assert [text[m.start:m.end] for m in found] == [m.text for m in found]
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))
    assert [m.party for m in found] == ["Turkey", "United Nations", "Russia", "Azerbaijan", "Hezbollah", "Russia"]


@pytest.mark.parametrize(
    "name, party",
    [
        ("the Kremlin", "Russia"),
        ("U.N.", "United Nations"),
        ("Armenian forces", "Armenia"),
        ("the Azerbaijani army", "Azerbaijan"),
        ("Baku", "Azerbaijan"),
        ("Putin", "Russia"),
        ("Erdoğan", "Turkey"),
        ("Bogotá", "Colombia"),
    ],
)
def test_canonical_party(name, party):
    assert canonical_party(name) == party


def test_canonical_party_of_unknown_name_is_none():
    assert canonical_party("Kalbajar") is None
    assert canonical_party("") is None


def test_find_parties_is_fast():
    text = ("Armenian forces left the district as the Azerbaijani army entered, and Russian President "
            "Vladimir Putin said the Kremlin and Baku agreed. ") * 12
    find_parties(text)
    t0 = time.perf_counter()
    for _ in range(50):
        find_parties(text)
    assert (time.perf_counter() - t0) / 50 < 0.01  # generous bound for slow CI


@pytest.mark.parametrize(
    "text, party",
    [
        ("Tigrayan forces handed over their artillery.", "TPLF"),
        ("The Tigray Defence Forces began the handover.", "TPLF"),
        ("Getachew Reda confirmed the handover.", "TPLF"),
        ("Hans Grundberg announced the renewal.", "United Nations"),
        ("Amos Hochstein brokered the deal.", "United States"),
        ("Mohammed Abdulsalam rejected the proposal.", "Houthis"),
    ],
)
def test_parties_and_officials_of_the_pretoria_yemen_and_lebanon_deals(text, party):
    assert parties(text) == [party]


def test_a_surname_that_is_also_a_word_needs_its_capital() -> None:
    assert parties("The gallant crews kept the port open.") == []


def test_a_national_security_council_is_not_the_un_security_council():
    assert parties("Javid Faisal, spokesman for the National Security Council, said the lists were checked.") == []
    assert parties("The Security Council met on Friday.") == ["UN Security Council"]
