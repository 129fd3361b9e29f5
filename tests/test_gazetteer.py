"""The shipped gazetteer: canonical names, offsets, patterns, world places, boundaries."""

from __future__ import annotations

import json
import time
from importlib import resources

import pytest

from accordwatch.geo import Gazetteer, PlaceMatch


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.default()


def names(gaz: Gazetteer, text: str) -> list[str]:
    return [m.name for m in gaz.find(text)]


@pytest.mark.parametrize(
    "text, canonical",
    [
        ("Convoys left Kelbajar before dawn.", "Kalbajar"),
        ("Residents of Karvachar burned their houses.", "Kalbajar"),
        ("The road to Kalbacar was icy.", "Kalbajar"),
        ("Officials in Kəlbəcər counted the damage.", "Kalbajar"),
        ("A monk stayed in K'arvachar.", "Kalbajar"),
        ("Farmers returned to Agdam at last.", "Aghdam"),
        ("The ruins of Akna stood empty.", "Aghdam"),
        ("Buses waited in Berdzor overnight.", "Lachin"),
        ("Families crossed the Berdzor corridor on foot.", "Lachin corridor"),
        ("Trucks drove through the Lachin corridor.", "Lachin corridor"),
        ("A curfew was lifted in Khankendi.", "Stepanakert"),
        ("The mayor of Xankandi spoke briefly.", "Stepanakert"),
        ("Shelling hit Shushi twice.", "Shusha"),
        ("Engineers reached Gubadly.", "Qubadli"),
        ("Snow blocked the pass near Dashkasan.", "Dashkesan"),
        ("Observers flew over Artsakh.", "Nagorno-Karabakh"),
        ("Fighting around Khin Takher stopped.", "Hin Tagher"),
        ("Grain left Odessa on Tuesday.", "Odesa"),
        ("Troops pulled back from Debaltsevo.", "Debaltseve"),
        ("Patrols moved south of the Litani.", "Litani River"),
        # towns of the other bundled agreements' theatres (places_extra.tsv)
        ("Federal troops entered Mek'ele on Thursday.", "Mekelle"),
        ("The army moved into El Khiam.", "Khiam"),
        ("Soldiers left Naqura at dawn.", "Naqoura"),
        ("Ships docked at Al Hudaydah.", "Hodeidah"),
        ("Pilgrims returned to Aksum.", "Axum"),
    ],
)
def test_spelling_variants_map_to_canonical_names(gaz, text, canonical):
    assert canonical in names(gaz, text)


@pytest.mark.parametrize(
    "text",
    [
        "Aid reached Kəlbəcər and Laçın by Friday.",
        "“Kelbajar”, he repeated – and then Agdam.",
        "Azerbaijan's army entered the Lachin district at noon.",
    ],
)
def test_offsets_slice_back_to_the_matched_text(gaz, text):
    found = gaz.find(text)
    assert found
    for m in found:
        assert text[m.start:m.end] == m.text


def test_matches_are_sorted_and_do_not_overlap(gaz):
    text = "From Goris to Stepanakert, then the Lachin corridor and the village of Sus in Lachin district."
    found = gaz.find(text)
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(a.end <= b.start for a, b in zip(found, found[1:]))


def test_longest_match_wins(gaz):
    (m,) = gaz.find("Food was trucked along the Lachin corridor.")
    assert (m.name, m.kind, m.text) == ("Lachin corridor", "corridor", "Lachin corridor")


def test_known_name_with_district_word_covers_the_phrase(gaz):
    (m,) = gaz.find("They handed back the Kelbajar district late.")
    assert (m.text, m.name, m.kind, m.confidence) == ("Kelbajar district", "Kalbajar", "district", 1.0)


def test_village_of_pattern(gaz):
    (m,) = gaz.find("Soldiers took positions near the village of Sur.")
    assert (m.name, m.kind, m.text) == ("Sur", "village", "village of Sur")


@pytest.mark.parametrize(
    "text, name, kind",
    [
        ("Mines were found in the Qaraburun district after the talks.", "Qaraburun district", "district"),
        ("A new Vostok crossing opened for trucks.", "Vostok crossing", "crossing"),
        ("Shelling was heard near the village of Chardakhlu.", "Chardakhlu", "village"),
    ],
)
def test_unknown_place_phrases_get_lower_confidence(gaz, text, name, kind):
    found = [m for m in gaz.find(text) if m.name == name]
    assert len(found) == 1
    assert found[0].kind == kind
    assert 0.5 <= found[0].confidence < 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Azerbaijani officials and Armenian priests met.",
        "Russian peacekeepers set up a checkpoint.",
        "Lebanese soldiers and Israeli tanks faced each other.",
        "The Armenian village elders refused.",
    ],
)
def test_demonyms_are_not_places(gaz, text):
    assert gaz.find(text) == []


@pytest.mark.parametrize("text", ["they walked sus roads", "a sur la table", "zod was a word here"])
def test_lower_case_words_are_not_places(gaz, text):
    assert gaz.find(text) == []


def test_capitalised_short_village_names_are_places(gaz):
    assert names(gaz, "Sus and Sur were emptied; Zod stayed quiet.") == ["Sus", "Sur", "Zod"]


@pytest.mark.parametrize("text", ["Police said the road was shut.", "Reading the statement, he paused."])
def test_stop_listed_city_names_need_a_place_cue(gaz, text):
    assert gaz.find(text) == []


def test_stop_listed_city_name_with_a_cue_is_a_place(gaz):
    (m,) = gaz.find("Talks were held in Nice last spring.")
    assert m.name == "Nice" and m.country == "France"


@pytest.mark.parametrize(
    "text, name, kind, country",
    [
        ("Delegates flew to Doha.", "Doha", "city", "Qatar"),
        ("The ministers met in Istanbul.", "Istanbul", "city", "Turkey"),
        ("A statement came out of Bogota.", "Bogotá", "city", "Colombia"),
        ("Observers in Minsk took notes.", "Minsk", "city", "Belarus"),
        ("Colombia signed first.", "Colombia", "country", "Colombia"),
        ("Aid arrived from Japan.", "Japan", "country", "Japan"),
        ("Ships crossed the Black Sea.", "Black Sea", "sea", None),
        ("Shelling shook southern Lebanon.", "southern Lebanon", "region", "Lebanon"),
        ("Fighting flared in Donbas.", "eastern Ukraine", "region", "Ukraine"),
    ],
)
def test_world_cities_countries_and_regions(gaz, text, name, kind, country):
    (m,) = [m for m in gaz.find(text) if m.name == name]
    assert (m.kind, m.country) == (kind, country)


def test_country_named_like_a_foreign_city_is_the_country(gaz):
    (m,) = gaz.find("Armenia rejected the offer.")
    assert (m.name, m.kind) == ("Armenia", "country")


def test_person_names_are_not_places(gaz):
    assert gaz.find("Vladimir Putin phoned Israel Katz.") == []


def test_canonical_and_lookup(gaz):
    assert gaz.canonical("kelbajar") == "Kalbajar"
    assert gaz.canonical("Martuni") == "Khojavend"
    assert gaz.canonical("Lachin district") == "Lachin"
    assert gaz.canonical("Nowhere-on-Sea") is None
    rec = gaz.lookup("Karvachar")
    assert rec["name"] == "Kalbajar" and rec["kind"] == "district" and rec["country"] == "Azerbaijan"
    assert rec["admin_code"] == "AZ.26" and rec["shape_id"]
    assert rec["lat"] == pytest.approx(40.1, abs=0.2)


def test_district_shape_ids_point_at_real_features(gaz):
    shapes = gaz.district_shape_ids()
    data = resources.files("accordwatch.geo").joinpath("data", "aze_adm2_geoboundaries_simplified.geojson")
    features = {f["properties"]["shapeID"]: f["properties"]["shapeName"] for f in json.loads(data.read_text())["features"]}
    for name, shape_name in [("Kalbajar", "Kalbajar District"), ("Aghdam", "Agdam District"), ("Lachin", "Lachin District")]:
        assert features[shapes[name]] == shape_name


def test_armenian_provinces_have_shape_ids(gaz):
    shapes = gaz.district_shape_ids()
    data = resources.files("accordwatch.geo").joinpath("data", "arm_adm1_geoboundaries_simplified.geojson")
    ids = {f["properties"]["shapeID"] for f in json.loads(data.read_text())["features"]}
    assert shapes["Syunik"] in ids and shapes["Gegharkunik"] in ids


def test_default_is_a_cached_singleton():
    assert Gazetteer.default() is Gazetteer.default()


def test_place_match_is_frozen(gaz):
    m = gaz.find("Goris")[0]
    assert isinstance(m, PlaceMatch)
    with pytest.raises(AttributeError):
        m.name = "x"  # type: ignore[misc]


def test_find_is_fast(gaz):
    text = ("Armenian forces left the Kalbajar district on Wednesday as Azerbaijani troops entered Aghdam, "
            "while Russian peacekeepers patrolled the Lachin corridor near Stepanakert. ") * 12
    gaz.find(text)
    t0 = time.perf_counter()
    for _ in range(50):
        gaz.find(text)
    per_call = (time.perf_counter() - t0) / 50
    assert per_call < 0.01  # generous bound for slow CI; ~0.3 ms on the dev machine


def test_capital_words_shared_with_the_party_lexicon(gaz):
    from accordwatch.extract.parties import PartyLexicon
    from accordwatch.geo.gazetteer import CapitalWords

    text = "O'Brien said 2Baku and ʼShusha, ‘Lachin and K'arvachar near Azerbaijan's Aghdam; _Fuzuli, the Armenian army left."
    words = CapitalWords(text)
    keys = [k for _s, _e, k in words.items]
    assert "karvachar" in keys and "azerbaijan's" not in keys and "brien" not in keys and "baku" not in keys
    assert gaz.find(text) == gaz.find(text, words)
    assert [p.name for p in gaz.find(text)].count("Shusha") == 0  # glued to an apostrophe-like mark
    lex = PartyLexicon.default()
    assert lex.find(text) == lex.find(text, words)


def test_a_city_of_a_region_is_in_the_region_not_the_region_itself(gaz):
    found = [(p.text, p.name, p.kind) for p in gaz.find("Khankendi, the main city of Karabakh, is quiet.")]
    assert found == [("Khankendi", "Stepanakert", "city"), ("Karabakh", "Nagorno-Karabakh", "region")]
    # a district shares its name with its town: "the town of Lachin" is the town
    assert [(p.name, p.kind) for p in gaz.find("Buses left the town of Lachin.")] == [("Lachin", "town")]


def test_a_city_name_after_a_first_name_is_a_surname(gaz):
    # GeoNames lists "Salam" as a spelling of an Omani city; here it is Lebanon's prime minister
    assert names(gaz, "President Joseph Aoun, Prime Minister Nawaf Salam and Speaker Nabih Berri said.") == []
    assert names(gaz, "Aid arrived in Greater Aleppo and Mosul.") == ["Aleppo", "Mosul"]
    assert names(gaz, "Refugees reached Salam on Friday.") == ["Şaḩam"]


def test_type_word_scans_read_at_the_shared_pass_places_find_the_same(gaz):
    """The pipeline gives ``find`` the places where ``TYPE_WORD_PATTERN`` may begin (from its
    one anchored pass over an ASCII report); the type-word and "<type> of" scans that read
    only there must find what the ``str.find`` scans over the whole text find."""
    import random

    from accordwatch.dates import fold_case
    from accordwatch.extract.anchors import AnchoredPatterns, key_text
    from accordwatch.geo.gazetteer import TYPE_WORD_PATTERN, CapitalWords, _fold_text, _of_hits, _type_hits

    ap = AnchoredPatterns([TYPE_WORD_PATTERN])
    words = ["district", "districts", "Districts", "DISTRICT", "village", "villages", "village of", "town of", "town  of",
             "city", "cityscape", "port", "ports", "report", "support", "rivers", "river", "region", "regions", "raion",
             "rayon", "corridor", "crossings", "checkpoint", "governorate", "settlement of", "hamlet of", "province of",
             "Aghdam", "Lachin", "Foo", "the", "of", "'s", "x2", "_town", "'village", "d'city", "town-", "9port"]
    blanks = [" ", "  ", "\n", "", "-", ",", "'", "’"]
    rng = random.Random(5)
    hits = 0
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 14)))
        if not text.isascii():
            continue
        folded = _fold_text(text)
        assert folded == fold_case(text)
        starts = ap.places(key_text(folded))[0]
        assert _type_hits(folded, starts) == _type_hits(folded), text
        assert [m.span() for m in _of_hits(folded, starts)] == [m.span() for m in _of_hits(folded)], text
        assert gaz.find(text, CapitalWords(text), starts) == gaz.find(text), text
        hits += len(_type_hits(folded))
    assert hits > 1000


def test_lower_word_scans_read_at_the_shared_pass_places_find_the_same(gaz):
    """The pipeline gives the gazetteer and the party lexicon the places where a lower-case
    first word ("southern ", "pro-") or a compass word may begin, from its one anchored pass
    over an ASCII report; reading only there must find what the ``str.find`` scans find."""
    import random

    from accordwatch.extract.anchors import AnchoredPatterns, key_text
    from accordwatch.extract.parties import PartyLexicon
    from accordwatch.extract.pipeline import _COMPASS, _COMPASS_WORDS, _lower_word_pattern
    from accordwatch.geo.gazetteer import CapitalWords, _fold_text, lower_word_hits

    ap = AnchoredPatterns([_lower_word_pattern()])
    lex = PartyLexicon.default()
    words = ["southern", "Southern", "south", "east", "eastern", "easterly", "north", "west", "pro", "Pro", "pro-Russian",
             "the south", "in the east", "The north", "from the west", "of the southern part",
             "separatist", "separatists", "Separatists", "Lebanon", "Donetsk", "the", "of", "x1", "_south", "'south", "d'east",
             "anti-pro", "9east", "Armenia", "forces"]
    blanks = [" ", "  ", "\n", "", "-", ",", "'"]
    rng = random.Random(8)
    hits = 0
    for _ in range(3000):
        text = "".join(rng.choice(words) + rng.choice(blanks) for _ in range(rng.randint(1, 14)))
        folded = _fold_text(text)
        starts = ap.places(key_text(folded))[0]
        for table in (gaz._lower_first(), lex.lower_first):
            assert sorted(lower_word_hits(folded, table, starts)) == sorted(lower_word_hits(folded, table)), text
            hits += len(lower_word_hits(folded, table))
        words_ = CapitalWords(text)
        assert gaz.find(text, words_, None, starts) == gaz.find(text), text
        assert lex.find(text, words_, starts) == lex.find(text), text
        # the places step skips its compass scan when no compass word begins at one of them
        if _COMPASS.search(text):
            assert any(text.startswith(w, i) for i in starts for w in _COMPASS_WORDS), text
    assert hits > 1000
