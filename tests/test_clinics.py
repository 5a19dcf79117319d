import re
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.clinics import (
    Clinic,
    ClinicDirectory,
    ClinicFileError,
    ClinicPayer,
    default_clinics_path,
    load_clinics,
)

VALID = """\
clinics:
  - slug: demo-clinic
    name: Demo Medical Massage
    state: WA
    cpt_code: "97124"
    billed_per_unit: "40.00"
    cash_per_session: "85.00"
    session_minutes: 60
    payers:
      - {name: Aetna, allowed_per_unit: "30.00"}
      - {name: Regence, allowed_per_unit: "32.50"}
    staff_user_ids: [123456789]
"""


def write(tmp_path: Path, text: str, name: str = "clinics.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ClinicFileError) as info:
        load_clinics(write(tmp_path, text))
    return str(info.value)


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line in `text` containing `needle`."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


# --- the demo file ------------------------------------------------------------------------


def test_default_path_is_the_packaged_demo_file():
    path = default_clinics_path()
    assert path == Path(__file__).parent.parent / "bot" / "data" / "clinics.yaml"
    assert path.is_file()


def test_demo_file_loads_and_is_plausible():
    directory = load_clinics()
    assert len(directory.clinics) >= 2
    assert "demo data" in default_clinics_path().read_text(encoding="utf-8").lower()
    demo = directory.get("demo-clinic")
    assert demo is not None and demo.state == "WA"
    assert {"Aetna", "Kaiser Permanente"} <= {payer.name for payer in demo.payers}
    states = {clinic.state for clinic in directory.clinics}
    assert {"WA", "NY", "FL"} <= states
    for clinic in directory.clinics:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", clinic.slug)
        assert Decimal("35.00") <= clinic.billed_per_unit <= Decimal("45.00")
        assert clinic.cash_per_session is not None
        assert Decimal("75.00") <= clinic.cash_per_session <= Decimal("110.00")
        for payer in clinic.payers:
            assert payer.allowed_per_unit <= clinic.billed_per_unit


def test_demo_file_is_the_same_with_an_explicit_path():
    assert load_clinics(default_clinics_path()) == load_clinics()
    assert load_clinics(str(default_clinics_path())) == load_clinics()


# --- a valid file ------------------------------------------------------------------------


def test_valid_file_fields_and_defaults(tmp_path):
    directory = load_clinics(write(tmp_path, VALID))
    clinic = directory.clinics[0]
    assert clinic.billed_per_unit == Decimal("40.00")
    assert clinic.payers[1] == ClinicPayer(name="Regence", allowed_per_unit=Decimal("32.50"))
    assert clinic.provider_type == "massage_therapist"
    assert clinic.languages is None and clinic.phone is None
    dumped = clinic.model_dump(mode="json")
    assert dumped["billed_per_unit"] == "40.00"
    assert dumped["payers"][1]["allowed_per_unit"] == "32.50"


def test_minimal_clinic_defaults():
    clinic = Clinic(slug="a", name="A", state="ny", billed_per_unit="40")
    assert clinic.state == "NY"
    assert clinic.cpt_code == "97124"
    assert clinic.session_minutes == 60
    assert clinic.cash_per_session is None
    assert clinic.payers == [] and clinic.staff_user_ids == []
    assert clinic.provider_type == "massage_therapist"


def test_unquoted_cpt_code_and_language_list_are_accepted(tmp_path):
    text = VALID.replace('cpt_code: "97124"', "cpt_code: 97140").replace(
        "session_minutes: 60", "session_minutes: 60\n    languages: [English, Spanish]"
    )
    clinic = load_clinics(write(tmp_path, text)).clinics[0]
    assert clinic.cpt_code == "97140"
    assert clinic.languages == "English, Spanish"


def test_empty_clinic_list_is_allowed(tmp_path):
    assert load_clinics(write(tmp_path, "clinics: []\n")).clinics == []


# --- lookups -----------------------------------------------------------------------------


def test_lookups_are_case_insensitive(tmp_path):
    directory = load_clinics(write(tmp_path, VALID))
    clinic = directory.get("DEMO-Clinic")
    assert clinic is not None and clinic.slug == "demo-clinic"
    assert directory.get("nope") is None
    assert directory.get("") is None and directory.get(None) is None
    payer = clinic.payer("  aetna ")
    assert payer is not None and payer.name == "Aetna"
    assert clinic.payer("REGENCE").allowed_per_unit == Decimal("32.50")
    assert clinic.payer("Cigna") is None
    assert clinic.payer("   ") is None and clinic.payer(None) is None


def test_is_staff(tmp_path):
    clinic = load_clinics(write(tmp_path, VALID)).clinics[0]
    assert clinic.is_staff(123456789)
    assert not clinic.is_staff(987654321)
    assert not clinic.is_staff(None)


# --- errors name the line and the field ---------------------------------------------------


def test_negative_fee_names_line_and_field(tmp_path):
    text = VALID.replace('billed_per_unit: "40.00"', 'billed_per_unit: "-1.00"')
    message = load_error(tmp_path, text)
    line = line_of(text, "billed_per_unit")
    assert message == (
        f"clinics.yaml, line {line} (clinics[0].billed_per_unit): "
        "Input should be greater than or equal to 0"
    )


def test_fee_with_three_decimals(tmp_path):
    text = VALID.replace('"32.50"', '"32.505"')
    message = load_error(tmp_path, text)
    assert message.startswith(
        f"clinics.yaml, line {line_of(text, 'Regence')} (clinics[0].payers[1].allowed_per_unit): "
    )
    assert "decimal places" in message


@pytest.mark.parametrize("slug", ["demo clinic", "demo/clinic", "d" * 65, '""'])
def test_bad_slug(tmp_path, slug):
    text = VALID.replace("slug: demo-clinic", f"slug: {slug}")
    message = load_error(tmp_path, text)
    assert message.startswith(f"clinics.yaml, line {line_of(text, 'slug:')} (clinics[0].slug): ")
    assert "letters, digits, _ or -" in message


def test_duplicate_slug_is_case_insensitive_and_points_at_the_second(tmp_path):
    second = """\
  - slug: Demo-CLINIC
    name: Another
    state: OR
    billed_per_unit: "38.00"
"""
    text = VALID + second
    message = load_error(tmp_path, text)
    assert message.startswith(
        f"clinics.yaml, line {line_of(text, 'Demo-CLINIC')} (clinics[1].slug): "
    )
    assert "twice" in message and "clinics[0]" in message


def test_duplicate_payer_names_case_insensitive(tmp_path):
    text = VALID.replace("name: Regence", "name: ' AETNA'")
    message = load_error(tmp_path, text)
    assert message.startswith(
        f"clinics.yaml, line {line_of(text, 'AETNA')} (clinics[0].payers[1].name): "
    )
    assert "twice" in message


def test_unknown_key(tmp_path):
    text = VALID.replace("session_minutes: 60", "session_minutes: 60\n    fax: 555-0100")
    message = load_error(tmp_path, text)
    assert message.startswith(f"clinics.yaml, line {line_of(text, 'fax:')} (clinics[0].fax): ")
    assert "unknown field" in message and "billed_per_unit" in message


def test_unknown_key_in_a_payer(tmp_path):
    text = VALID.replace('{name: Aetna, allowed_per_unit: "30.00"}', "{name: Aetna, rate: 30}")
    message = load_error(tmp_path, text)
    line = line_of(text, "rate: 30")
    assert f"line {line} (clinics[0].payers[0].rate): unknown field" in message
    assert f"line {line} (clinics[0].payers[0].allowed_per_unit): required field" in message


@pytest.mark.parametrize("state", ["XX", "Washington", "123"])
def test_bad_state(tmp_path, state):
    text = VALID.replace("state: WA", f"state: {state}")
    message = load_error(tmp_path, text)
    assert message == (
        f"clinics.yaml, line {line_of(text, 'state:')} (clinics[0].state): "
        "must be a US postal code such as WA, NY or FL"
    )


def test_missing_field_points_at_the_clinic(tmp_path):
    text = VALID.replace("    name: Demo Medical Massage\n", "")
    message = load_error(tmp_path, text)
    assert message == (
        f"clinics.yaml, line {line_of(text, 'slug:')} (clinics[0].name): required field is missing"
    )


def test_out_of_range_values(tmp_path):
    text = VALID.replace("session_minutes: 60", "session_minutes: 300").replace(
        "[123456789]", "[0]"
    )
    lines = load_error(tmp_path, text).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(
        f"clinics.yaml, line {line_of(text, 'session_minutes')} (clinics[0].session_minutes): "
    )
    assert lines[1].startswith(
        f"clinics.yaml, line {line_of(text, 'staff_user_ids')} (clinics[0].staff_user_ids[0]): "
    )


def test_yaml_syntax_error_names_the_line(tmp_path):
    text = VALID.replace('{name: Aetna, allowed_per_unit: "30.00"}', "{name: Aetna, [")
    message = load_error(tmp_path, text)
    assert message.startswith("clinics.yaml, line ")
    assert "YAML syntax error" in message
    number = int(re.search(r"line (\d+)", message).group(1))
    assert line_of(text, "{name: Aetna, [") <= number <= line_of(text, "{name: Aetna, [") + 1


def test_duplicate_yaml_key_is_an_error(tmp_path):
    text = VALID.replace("state: WA", "state: WA\n    state: OR")
    message = load_error(tmp_path, text)
    second = line_of(text, "state: OR")
    assert message.startswith(f"clinics.yaml, line {second}, column 5: YAML syntax error")
    assert "duplicate key 'state'" in message


def test_missing_file(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ClinicFileError) as info:
        load_clinics(missing)
    assert "not found" in str(info.value) and str(missing) in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "clinics.yaml: the file is empty"),
        ("- slug: a\n", "clinics.yaml, line 1: expected a mapping with a `clinics:` list"),
        ("clinic:\n  - slug: a\n", "there is no `clinics:` key"),
    ],
)
def test_top_level_must_be_a_mapping_with_clinics(tmp_path, text, expected):
    assert expected in load_error(tmp_path, text)


def test_unknown_top_level_key(tmp_path):
    message = load_error(tmp_path, VALID + "extra: 1\n")
    assert message.startswith(f"clinics.yaml, line {line_of(VALID + 'extra: 1', 'extra')} (extra)")


def test_clinics_must_be_a_list(tmp_path):
    message = load_error(tmp_path, "clinics: {slug: a}\n")
    assert message.startswith("clinics.yaml, line 1 (clinics): ")


def test_merge_keys_report_the_line_of_the_anchor(tmp_path):
    text = """\
    x-defaults: &defaults
      state: WA
      billed_per_unit: "-5.00"
    clinics:
      - <<: *defaults
        slug: a
        name: A
    """
    message = load_error(tmp_path, text)
    assert "line 3 (clinics[0].billed_per_unit)" in message


# --- the models on their own ------------------------------------------------------------


def test_directory_rejects_duplicate_slugs_without_a_file():
    clinic = {"slug": "a", "name": "A", "state": "WA", "billed_per_unit": "40.00"}
    with pytest.raises(ValidationError, match="used twice"):
        ClinicDirectory.model_validate({"clinics": [clinic, {**clinic, "slug": "A"}]})


def test_models_forbid_extra_fields():
    with pytest.raises(ValidationError):
        ClinicPayer(name="Aetna", allowed_per_unit="30.00", rate="1")
    with pytest.raises(ValidationError):
        Clinic(slug="a", name="A", state="WA", billed_per_unit="1", colour="red")


@pytest.mark.parametrize("provider", ["massage_therapist", "physical_therapist", "chiropractor"])
def test_provider_types(provider):
    clinic = Clinic(slug="a", name="A", state="WA", billed_per_unit="1", provider_type=provider)
    assert clinic.provider_type == provider
    with pytest.raises(ValidationError):
        Clinic(slug="a", name="A", state="WA", billed_per_unit="1", provider_type="acupuncturist")


# --- who bills: NPI and TIN (issue 13: the Good Faith Estimate names them) -------------------

BILLING = VALID + """\
    npi: "1234567893"
    tin: "12-3456789"
    provider_name: Jane Doe
    provider_credentials: LMT
"""


def test_the_billing_provider_is_read_and_its_numbers_checked(tmp_path):
    clinic = load_clinics(write(tmp_path, BILLING)).clinics[0]
    # 1234567893 is CMS's own example of the NPI check digit (Luhn over 80840 + the digits).
    assert clinic.npi == "1234567893" and clinic.tin == "12-3456789"
    assert (clinic.provider_name, clinic.provider_credentials) == ("Jane Doe", "LMT")
    assert load_clinics(write(tmp_path, VALID)).clinics[0].npi is None  # optional


@pytest.mark.parametrize("npi", ["1234567890", "123456789", "12345678931", "ABCDEFGHIJ"])
def test_an_npi_with_a_wrong_check_digit_or_length_is_refused_naming_it(tmp_path, npi):
    message = load_error(tmp_path, BILLING.replace('"1234567893"', f'"{npi}"'))
    assert "line 13 (clinics[0].npi)" in message and "check digit" in message


@pytest.mark.parametrize(("typed", "kept"), [("123456789", "12-3456789"),
                                              ("12-3456789", "12-3456789"),
                                              ("123-45-6789", "123-45-6789")])
def test_a_tin_is_kept_in_its_usual_form(typed, kept):
    clinic = Clinic(slug="a", name="A", state="WA", billed_per_unit="40", tin=typed)
    assert clinic.tin == kept


@pytest.mark.parametrize("tin", ["00-0000000", "12-345678", "EIN", "123-45-678"])
def test_a_tin_never_issued_or_malformed_is_refused(tin):
    with pytest.raises(ValidationError, match="taxpayer identification number"):
        Clinic(slug="a", name="A", state="WA", billed_per_unit="40", tin=tin)
