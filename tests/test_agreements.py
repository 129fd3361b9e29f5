"""Agreement files: bundled data, validation messages, folders and overrides."""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from pathlib import Path

import pytest

from accordwatch.agreements import (
    ENV_VAR,
    agreement_dirs,
    bundled_dir,
    get_agreement,
    load_agreement,
    load_all,
    validate_file,
)
from accordwatch.errors import AgreementError
from accordwatch.model import Agreement, EventType, PartyRole

BUNDLED = sorted(bundled_dir().glob("*.yaml"))

CANONICAL_PLACES = {
    "Kalbajar", "Aghdam", "Lachin", "Lachin corridor", "Stepanakert", "Nagorno-Karabakh",
    "Nakhchivan", "Shusha", "southern Lebanon", "Lebanon", "Israel", "Litani River", "Black Sea",
    "Odesa", "Chornomorsk", "Pivdennyi", "Istanbul", "Colombia", "Afghanistan", "Doha",
    "eastern Ukraine", "Ukraine", "Debaltseve", "Gaza Strip",
}
CANONICAL_PARTIES = {
    "Armenia", "Azerbaijan", "Russia", "Israel", "Lebanon", "Hezbollah", "United States", "France",
    "Ukraine", "Turkey", "United Nations", "Colombia", "FARC", "Cuba", "Norway", "Taliban", "Qatar",
    "Afghanistan", "Egypt", "Hamas", "OSCE",
}


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = textwrap.dedent("""\
    id: {id}
    title: {title}
    signed: 2021-01-01
    parties:
      - {{name: A, role: signatory}}
      - {{name: B, role: signatory}}
    provisions:
      - id: one
        article: "1"
        kind: ceasefire
        text: A and B stop fighting.
        obligor: [A, B]
        term: {{start: 2021-01-01}}
""")


def minimal(id: str = "test-2021", title: str = "Test agreement") -> str:
    return MINIMAL.format(id=id, title=title)


# ---------------------------------------------------------------- bundled data


def test_bundled_files_exist():
    names = {p.stem for p in BUNDLED}
    assert {
        "nk-2020-11-10",
        "lebanon-2024-11-27",
        "black-sea-grain-2022-07-22",
        "colombia-farc-2016-11-24",
        "doha-2020-02-29",
    } <= names


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_file_validates_and_loads(path):
    assert validate_file(path) == []
    agreement = load_agreement(path)
    assert isinstance(agreement, Agreement)
    assert agreement.id == path.stem
    assert agreement.path == str(path)
    assert all(p.id.startswith(agreement.id + "/") for p in agreement.provisions)


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_bundled_names_are_canonical(path):
    agreement = load_agreement(path)
    for party in agreement.parties:
        assert party.id in CANONICAL_PARTIES, party.id
    for provision in agreement.provisions:
        assert set(provision.places) <= CANONICAL_PLACES, (provision.id, provision.places)


def test_load_all_has_every_bundled_agreement():
    agreements = load_all()
    assert set(agreements) == {p.stem for p in BUNDLED}


def test_nk_has_nine_articles_and_the_schedule():
    nk = get_agreement("nk-2020-11-10")
    assert {p.article for p in nk.provisions} == {str(n) for n in range(1, 10)}
    assert nk.effective == dt.datetime(2020, 11, 10, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    assert nk.theatre == "karabakh"
    assert "November 10 statement" in nk.aliases
    roles = {p.id: p.role for p in nk.parties}
    assert roles == {"Armenia": PartyRole.SIGNATORY, "Azerbaijan": PartyRole.SIGNATORY, "Russia": PartyRole.MEDIATOR}

    assert nk.provision("6-kalbajar").due == dt.date(2020, 11, 15)
    assert nk.provision("2-aghdam").due == dt.date(2020, 11, 20)
    assert nk.provision("6-lachin").due == dt.date(2020, 12, 1)
    kalbajar = nk.provision("nk-2020-11-10/6-kalbajar")
    assert kalbajar.kind is EventType.HANDOVER
    assert kalbajar.obligor == ("Armenia",) and kalbajar.beneficiary == ("Azerbaijan",)
    assert kalbajar.places == ("Kalbajar",)
    assert "Kelbajar" in kalbajar.keywords

    pk = nk.provision("3-peacekeepers")
    assert pk.kind is EventType.DEPLOYMENT
    assert "1,960 servicemen" in pk.quantity and "90 armoured personnel carriers" in pk.quantity
    assert "380 vehicles" in pk.quantity
    assert pk.term.duration == "P5Y" and pk.term.start == dt.date(2020, 11, 10)
    assert pk.term.renewal and pk.continuous

    assert nk.provision("4-armenian-withdrawal").depends_on == ("nk-2020-11-10/3-peacekeepers",)
    assert nk.provision("1-ceasefire").continuous
    assert nk.provision("6-lachin-corridor").continuous
    assert nk.resolved_due(nk.provision("6-new-route")) == dt.date(2023, 11, 10)
    assert set(nk.provision("8-exchange").obligor) == {"Armenia", "Azerbaijan"}
    assert nk.provision("9-nakhchivan").places == ("Nakhchivan",)
    for local in ("7-returns", "9-transport-links", "5-monitoring-centre"):
        assert nk.resolved_due(nk.provision(local)) is None


def test_lebanon_withdrawal_due_resolves_to_60_days_after_effect():
    lb = get_agreement("lebanon-2024-11-27")
    withdrawal = lb.provision("israeli-withdrawal")
    assert withdrawal.due is None and withdrawal.due_rule.days == 60
    assert lb.resolved_due(withdrawal) == dt.date(2025, 1, 26)
    assert "Litani River" in lb.provision("hezbollah-south-litani").places
    assert {p.id for p in lb.parties if p.role is PartyRole.SIGNATORY} == {"Israel", "Lebanon"}


def test_doha_troop_reduction_is_135_days_after_signing():
    doha = get_agreement("doha-2020-02-29")
    assert doha.resolved_due(doha.provision("reduce-to-8600")) == dt.date(2020, 7, 13)
    assert doha.provision("prisoner-release").due == dt.date(2020, 3, 10)
    assert doha.provision("full-withdrawal").due == dt.date(2021, 4, 29)


def test_other_bundled_facts():
    grain = get_agreement("black-sea-grain-2022-07-22")
    passage = grain.provision("safe-passage")
    assert passage.term.duration == "P120D" and passage.term.start == dt.date(2022, 7, 22)
    assert {"Odesa", "Chornomorsk", "Pivdennyi"} <= set(passage.places)
    farc = get_agreement("colombia-farc-2016-11-24")
    laydown = farc.provision("weapons-laydown")
    assert laydown.kind is EventType.DISARMAMENT and laydown.due == dt.date(2017, 5, 30)
    assert laydown.obligor == ("FARC",) and laydown.beneficiary == ("United Nations",)


# ---------------------------------------------------------------- error messages


def test_minimal_file_is_valid(tmp_path):
    path = write(tmp_path, "ok.yaml", minimal())
    assert validate_file(path) == []
    agreement = load_agreement(path)
    assert agreement.provisions[0].id == "test-2021/one"
    assert agreement.effective is None and agreement.effective_date == dt.date(2021, 1, 1)


def _one_error(tmp_path, name: str, text: str) -> str:
    errors = validate_file(write(tmp_path, name, text))
    assert len(errors) == 1, errors
    assert errors[0].startswith(name), errors[0]
    return errors[0]


def test_bad_kind(tmp_path):
    text = minimal().replace("kind: ceasefire", "kind: handoff")
    msg = _one_error(tmp_path, "kind.yaml", text)
    assert "provisions[0].kind" in msg
    assert "'handoff' is not an event type" in msg
    assert "use one of: sign, ceasefire" in msg
    assert msg.startswith("kind.yaml:10:")  # the line of 'kind:'


def test_bad_date(tmp_path):
    msg = _one_error(tmp_path, "date.yaml", minimal().replace("signed: 2021-01-01", "signed: 2021-02-30"))
    assert "signed" in msg and "'2021-02-30' is not a real date" in msg


def test_unparseable_date_and_datetime_without_offset(tmp_path):
    text = minimal().replace("signed: 2021-01-01", "signed: 1 Jan 2021\neffective: 2021-01-01T00:00:00")
    errors = validate_file(write(tmp_path, "dt.yaml", text))
    assert any("signed: '1 Jan 2021' is not a date; write it as YYYY-MM-DD" in e for e in errors)
    assert any("effective:" in e and "has no UTC offset" in e for e in errors)


def test_unknown_depends_on(tmp_path):
    text = minimal() + "    depends_on: [two]\n"
    msg = _one_error(tmp_path, "dep.yaml", text)
    assert "provisions[0].depends_on[0]" in msg and "'two' is not a provision id" in msg


def test_dependency_cycle(tmp_path):
    text = minimal() + (
        "    depends_on: [three]\n"
        "  - id: two\n"
        "    article: '2'\n"
        "    kind: handover\n"
        "    text: B hands over X.\n"
        "    depends_on: [one]\n"
        "  - id: three\n"
        "    article: '3'\n"
        "    kind: handover\n"
        "    text: A hands over Y.\n"
        "    depends_on: [two]\n"
    )
    msg = _one_error(tmp_path, "cycle.yaml", text)
    assert "depends_on" in msg and "cycle" in msg
    assert "one -> three -> two -> one" in msg


def test_duplicate_provision_id(tmp_path):
    text = minimal() + "  - id: one\n    article: '2'\n    kind: handover\n    text: again.\n"
    msg = _one_error(tmp_path, "dup.yaml", text)
    assert "provisions[1].id" in msg and "'one' is used twice" in msg


def test_unknown_field(tmp_path):
    text = minimal().replace("    term:", "    deu: 2021-02-01\n    term:")
    msg = _one_error(tmp_path, "extra.yaml", text)
    assert "provisions[0].deu" in msg and "unknown field 'deu'" in msg and "did you mean 'due'" in msg


def test_yaml_syntax_error_has_line(tmp_path):
    text = minimal().replace("title: Test agreement", "title: [Test agreement")
    msg = _one_error(tmp_path, "syntax.yaml", text)
    assert "YAML syntax error" in msg
    assert msg.split(":")[1].isdigit()


def test_obligor_must_be_party_or_actor(tmp_path):
    text = minimal().replace("obligor: [A, B]", "obligor: [A, C]")
    msg = _one_error(tmp_path, "who.yaml", text)
    assert "provisions[0].obligor" in msg and "'C' is not a party or actor" in msg
    fixed = text.replace("provisions:", "actors: [C]\nprovisions:")
    assert validate_file(write(tmp_path, "who2.yaml", fixed)) == []


def test_obligor_alias_points_to_canonical_name(tmp_path):
    text = minimal().replace("{name: A, role: signatory}", "{name: A, role: signatory, aliases: [Ay]}")
    msg = _one_error(tmp_path, "alias.yaml", text.replace("obligor: [A, B]", "obligor: [Ay, B]"))
    assert "'Ay' is an alias of A" in msg


def test_due_and_due_rule_exclusive(tmp_path):
    text = minimal().replace("    term:", "    due: 2021-02-01\n    due_rule: {days: 30}\n    term:")
    msg = _one_error(tmp_path, "both.yaml", text)
    assert "provisions[0].due_rule" in msg and "keep only one" in msg


def test_ids_must_be_slugs(tmp_path):
    errors = validate_file(write(tmp_path, "slug.yaml", minimal(id="Test 2021").replace("id: one", "id: One_1")))
    assert any("id: 'Test 2021' is not a slug" in e for e in errors)
    assert any("provisions[0].id: 'One_1' is not a slug" in e for e in errors)


def test_bad_role_and_duration(tmp_path):
    text = minimal().replace("{name: B, role: signatory}", "{name: B, role: boss}")
    text = text.replace("term: {start: 2021-01-01}", "term: {start: 2021-01-01, duration: 5 years}")
    errors = validate_file(write(tmp_path, "role.yaml", text))
    assert any("parties[1].role: 'boss' is not a party role" in e for e in errors)
    assert any("provisions[0].term.duration: '5 years' is not an ISO 8601 duration" in e for e in errors)


def test_missing_field_and_empty_file(tmp_path):
    msg = _one_error(tmp_path, "miss.yaml", minimal().replace("title: Test agreement\n", ""))
    assert "title" in msg and "required" in msg
    assert "empty" in _one_error(tmp_path, "empty.yaml", "")


def test_load_agreement_raises_with_every_problem(tmp_path):
    text = minimal().replace("kind: ceasefire", "kind: handoff").replace("signed: 2021-01-01", "signed: soon")
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(AgreementError) as err:
        load_agreement(path)
    message = str(err.value)
    assert str(path) in message and "2 problems" in message
    assert "'handoff' is not an event type" in message and "'soon' is not a date" in message


# ---------------------------------------------------------------- folders


def test_agreement_dirs_order(tmp_path, monkeypatch):
    one, two, three = tmp_path / "one", tmp_path / "two", tmp_path / "three"
    monkeypatch.setenv(ENV_VAR, f"{one}{os.pathsep}{two}")
    assert agreement_dirs([three]) == [bundled_dir(), one, two, three]


def test_env_var_folder_is_loaded(tmp_path, monkeypatch):
    write(tmp_path, "mine.yaml", minimal(id="mine-2021"))
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    assert get_agreement("mine-2021").title == "Test agreement"
    assert "nk-2020-11-10" in load_all()


def test_extra_folder_and_single_file(tmp_path):
    folder = tmp_path / "extra"
    folder.mkdir()
    write(folder, "a.yml", minimal(id="extra-a"))
    single = write(tmp_path, "b.yaml", minimal(id="extra-b"))
    agreements = load_all([folder, single])
    assert {"extra-a", "extra-b", "nk-2020-11-10"} <= set(agreements)


def test_user_file_overrides_bundled(tmp_path):
    bundled_text = (bundled_dir() / "nk-2020-11-10.yaml").read_text(encoding="utf-8")
    write(tmp_path, "my-nk.yaml", bundled_text.replace("due: 2020-11-15", "due: 2020-11-25"))
    nk = get_agreement("nk-2020-11-10", extra=[tmp_path])
    assert nk.provision("6-kalbajar").due == dt.date(2020, 11, 25)
    assert nk.path == str(tmp_path / "my-nk.yaml")
    assert get_agreement("nk-2020-11-10").provision("6-kalbajar").due == dt.date(2020, 11, 15)


def test_duplicate_id_in_one_folder_names_both_files(tmp_path):
    write(tmp_path, "first.yaml", minimal(id="same-id"))
    write(tmp_path, "second.yaml", minimal(id="same-id", title="Other"))
    with pytest.raises(AgreementError) as err:
        load_all([tmp_path])
    message = str(err.value)
    assert "'same-id'" in message and "first.yaml" in message and "second.yaml" in message


def test_invalid_user_file_stops_load_all_with_its_messages(tmp_path):
    write(tmp_path, "broken.yaml", minimal().replace("kind: ceasefire", "kind: handoff"))
    with pytest.raises(AgreementError, match=r"broken\.yaml:\d+: provisions\[0\]\.kind"):
        load_all([tmp_path])


def test_missing_folder_is_reported(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(AgreementError, match="does not exist"):
        load_all()


def test_unknown_agreement_lists_known_ids():
    with pytest.raises(AgreementError) as err:
        get_agreement("nk-2020-11-11")
    message = str(err.value)
    assert message.startswith("unknown agreement 'nk-2020-11-11'")
    assert "known: black-sea-grain-2022-07-22, colombia-farc-2016-11-24" in message
    assert "did you mean 'nk-2020-11-10'" in message
    assert "--agreements" in message and ENV_VAR in message


def test_documented_example_is_valid(tmp_path):
    doc = (Path(__file__).resolve().parents[1] / "docs" / "AGREEMENT_FORMAT.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = write(tmp_path, "example.yaml", example)
    assert validate_file(path) == []
    nk = load_agreement(path)
    assert nk.resolved_due(nk.provision("6-new-route")) == dt.date(2023, 11, 10)


def test_load_all_is_cached_but_sees_edited_added_and_removed_files(tmp_path):
    import os

    first = load_all([tmp_path])
    assert load_all([tmp_path]) == first and load_all([tmp_path]) is not first  # a fresh dict each call
    a = write(tmp_path, "a.yaml", minimal(id="user-a"))
    assert "user-a" in load_all([tmp_path])
    write(tmp_path, "a.yaml", minimal(id="user-a", title="Edited title"))
    st = a.stat()
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert load_all([tmp_path])["user-a"].title == "Edited title"
    write(tmp_path, "b.yaml", minimal(id="user-b"))
    assert {"user-a", "user-b"} <= set(load_all([tmp_path]))
    a.unlink()
    assert "user-a" not in load_all([tmp_path])
    write(tmp_path, "broken.yaml", minimal(id="user-c").replace("kind: ceasefire", "kind: handoff"))
    with pytest.raises(AgreementError):
        load_all([tmp_path])
