"""The documents (bot.documents): every PDF is opened with pypdf and each required field is
found in its text, in English, Spanish and Russian, for a cash patient, an HSA patient who needs
a letter of medical necessity, and an out-of-network patient; the GFE's FHIR bundle validates
with fhir.resources and every reference in it resolves inside it; a document that needs a
clinic field the clinic has not given is refused, naming the field.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from pypdf import PdfReader

from bot.clinics import Clinic, load_clinics
from bot.documents import (
    DocumentError,
    InvalidPatient,
    MissingClinicField,
    NotApplicable,
    Patient,
    applicable,
    error_text,
    make,
    make_gfe,
    make_gfe_fhir,
    make_lmn,
    make_summary,
    parse_patient,
)
from bot.documents.gfe import DISCLAIMERS, SERVICES
from bot.i18n import translator
from bot.render import explain
from estimator import Estimate, Scenario, estimate

LANGS = ("en", "es", "ru")
TODAY = date(2026, 3, 2)
BORN = date(1984, 11, 23)
NAMES = {"en": "Maria Lopez", "es": "María López Núñez", "ru": "Мария Лопес"}
FEES = {"billed_per_unit": "40.00", "cash_per_session": "85.00"}
PATIENTS: dict[str, dict[str, Any]] = {
    "cash": {"payer": "self_pay", "sessions": 10, "diagnosis_codes": ["M54.50"], "fees": FEES},
    "hsa": {"payer": "commercial", "plan_type": "hdhp", "hsa_fsa": "hsa", "sessions": 8,
            "diagnosis_codes": ["M54.2"], "prescription": False, "fees": FEES,
            "plan": {"deductible": "3000", "deductible_met": "0", "coinsurance_pct": "20"}},
    "out_of_network": {"payer": "commercial", "network": "out", "sessions": 6,
                       "diagnosis_codes": ["M62.830"], "prescription": True, "fees": FEES,
                       "plan": {"oon_covered": True, "oon_deductible": "2000",
                                "oon_coinsurance_pct": "40"}},
}


@pytest.fixture(scope="module")
def clinic() -> Clinic:
    found = load_clinics().get("demo-clinic")
    assert found is not None
    return found


def case(name: str) -> tuple[Scenario, Estimate]:
    scenario = Scenario.model_validate(PATIENTS[name])
    return scenario, estimate(scenario)


def patient(lang: str) -> Patient:
    return Patient(NAMES[lang], BORN)


def text_of(pdf: bytes) -> str:
    """The PDF's text, every run of white space (line ends, no-break spaces) one space."""
    reader = PdfReader(io.BytesIO(pdf))
    return flat(" ".join(page.extract_text() for page in reader.pages))


def flat(text: str) -> str:
    return " ".join(text.split())


def missing(needles: list[str], text: str) -> list[str]:
    return [needle for needle in needles if flat(needle) not in text]


def gfe_fields(scenario: Scenario, result: Estimate, clinic: Clinic, lang: str) -> list[str]:
    t = translator(lang)
    total = Decimal(FEES["cash_per_session"]) * scenario.sessions
    values = {"provider": clinic.name, "date": t.date(TODAY, "long"),
              "until": t.date(date(2027, 3, 2), "long")}
    return [
        NAMES[lang], t.date(BORN, "long"), clinic.name, str(clinic.address), str(clinic.phone),
        str(clinic.npi), str(clinic.tin), "225700000X", t.gettext(SERVICES["97124"]),
        "97124", "CPT", *(scenario.diagnosis_codes or []),
        t.gettext("%(amount)s per session", amount=t.money(Decimal(FEES["cash_per_session"]))),
        t.money(total),
        t.gettext("Items and services scheduled separately"),
        *(t.gettext(text, **{k: v for k, v in values.items() if f"%({k})s" in text})
          for text in DISCLAIMERS),
    ]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who", sorted(PATIENTS))
def test_good_faith_estimate_has_every_required_field(
        who: str, lang: str, clinic: Clinic) -> None:
    scenario, result = case(who)
    pdf = make_gfe(scenario, result, clinic, patient(lang), lang, today=TODAY)
    assert pdf.startswith(b"%PDF-")
    assert missing(gfe_fields(scenario, result, clinic, lang), text_of(pdf)) == []


@pytest.mark.parametrize("lang", LANGS)
def test_the_gfe_prices_only_the_sessions_paid_directly(lang: str, clinic: Clinic) -> None:
    """The plan pays for 4 visits, the patient the clinic for the other 6: the GFE (owed for
    self-pay items, 45 CFR 149.610) lists those 6 and says the 4 are billed to insurance."""
    scenario = Scenario.model_validate(
        {"payer": "commercial", "prescription": True, "diagnosis_codes": ["M54.50"],
         "sessions": 10, "fees": {**FEES, "allowed_per_unit": "30"},
         "plan": {"deductible": "0", "copay": "25", "visit_limit": 4, "visits_used": 0}})
    result = estimate(scenario)
    assert result.recommended.sessions_by_payer == {"health_plan": 4, "cash": 6}
    t = translator(lang)
    text = text_of(make_gfe(scenario, result, clinic, patient(lang), lang, today=TODAY))
    assert missing([t.gettext("%(amount)s per session", amount=t.money(Decimal("85.00"))),
                    t.money(Decimal("510.00")),
                    t.ngettext("The other session of your course, billed to your insurance, "
                               "is not included here.",
                               "The other %(n)s sessions of your course, billed to your "
                               "insurance, are not included here.", 4)], text) == []
    assert t.money(Decimal("850.00")) not in text  # not the whole course


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who", sorted(PATIENTS))
def test_letter_of_medical_necessity_is_a_draft_for_the_clinician(
        who: str, lang: str, clinic: Clinic) -> None:
    scenario, result = case(who)
    t = translator(lang)
    text = text_of(make_lmn(scenario, result, clinic, lang, today=TODAY))
    title = next(d.description for d in result.diagnoses)
    assert title and missing([
        t.gettext("Letter of Medical Necessity"), *(scenario.diagnosis_codes or []), title,
        t.gettext(SERVICES["97124"]), str(scenario.sessions), clinic.name, str(clinic.address),
        "213(d)", "IR-2024-65", t.gettext("Signature"), t.gettext("License type and number"),
        t.gettext("Frequency and duration"),
    ], text) == []
    assert "_" * 20 in text  # the clinician's lines are left blank
    with_patient = text_of(make_lmn(scenario, result, clinic, lang, patient=patient(lang)))
    assert NAMES[lang] in with_patient and NAMES[lang] not in text


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("who", sorted(PATIENTS))
def test_summary_carries_the_estimate(who: str, lang: str, clinic: Clinic) -> None:
    scenario, result = case(who)
    t = translator(lang)
    answers = ["Sessions: 10", "Diagnosis: M54.50"]
    text = text_of(make_summary(scenario, result, clinic, lang, answers=answers, today=TODAY))
    recommended = explain(result, scenario, t).split("\n")[0]
    assert missing([
        t.gettext("Your massage cost estimate"), t.date(TODAY, "long"), "0.1.0", clinic.name,
        "Sessions", "M54.50", recommended, t.money(result.totals.patient),
        t.money(result.recommended.patient_total), t.gettext("recommended"),
        t.gettext("Session by session"),
    ], text) == []


def test_the_documents_offered_follow_the_estimate() -> None:
    cash, hsa, oon = (applicable(*reversed(case(who))) for who in
                      ("cash", "hsa", "out_of_network"))
    assert cash[0] == "gfe" and cash[-1] == "summary" and "lmn" not in cash
    assert "lmn" in hsa  # the HSA pays only with a letter
    in_network = Scenario.model_validate(
        {"payer": "commercial", "prescription": True, "diagnosis_codes": ["M54.50"],
         "fees": {"billed_per_unit": "40", "allowed_per_unit": "30"},
         "plan": {"coinsurance_pct": "10"}})
    assert applicable(estimate(in_network), in_network) == ("summary",)
    assert oon[-1] == "summary"


def test_every_font_is_embedded_so_cyrillic_renders(clinic: Clinic) -> None:
    scenario, result = case("cash")
    pdf = make_gfe(scenario, result, clinic, patient("ru"), "ru")
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for ref in fonts.values():
        font = ref.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font \
            else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert "DejaVuSans" in str(font["/BaseFont"])
        assert "/FontFile2" in descriptor  # the glyphs travel with the file
    assert "Мария Лопес" in text_of(pdf)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) missing")
def test_a_page_renders_to_an_image(clinic: Clinic, tmp_path: Path) -> None:
    """The Russian GFE drawn by poppler, as a person would see it (left in tmp_path)."""
    from PIL import Image

    scenario, result = case("cash")
    source = tmp_path / "gfe-ru.pdf"
    source.write_bytes(make_gfe(scenario, result, clinic, patient("ru"), "ru"))
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile",
                    str(source), str(tmp_path / "gfe-ru")], check=True, timeout=60)
    with Image.open(tmp_path / "gfe-ru.png") as image:
        gray = image.convert("L")
        assert gray.width > 300 and gray.height > 400
        dark = sum(gray.histogram()[:128])
    assert dark > 2000  # text was drawn, not an empty page


def references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return found + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


@pytest.mark.parametrize("lang", LANGS)
def test_fhir_bundle_validates_and_its_references_resolve(lang: str, clinic: Clinic) -> None:
    scenario, result = case("cash")
    data = make_gfe_fhir(scenario, result, clinic, patient(lang), lang, today=TODAY)
    bundle = Bundle.model_validate_json(data)  # fhir.resources validates every element
    raw = json.loads(data)
    assert raw["type"] == "collection" and raw["meta"]["profile"][0].endswith(
        "davinci-pct-gfe-bundle")
    urls = {entry["fullUrl"] for entry in raw["entry"]}
    assert len(urls) == len(raw["entry"])
    assert references(raw) and set(references(raw)) <= urls
    kinds = [entry["resource"]["resourceType"] for entry in raw["entry"]]
    assert kinds[:2] == ["Claim", "Claim"] and {"Patient", "Organization", "Coverage"} <= set(kinds)
    summary, claim = (entry["resource"] for entry in raw["entry"][:2])
    assert summary["meta"]["profile"][0].endswith("davinci-pct-gfe-summary")
    assert claim["meta"]["profile"][0].endswith("davinci-pct-gfe-professional")
    assert claim["use"] == "predetermination" and claim["type"]["coding"][0]["code"] == \
        "professional"
    assert claim["careTeam"][0]["qualification"]["coding"][0]["code"] == "225700000X"
    assert claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] == "M54.50"
    item = claim["item"][0]
    units = result.units_per_session
    assert item["productOrService"]["coding"][0]["code"] == "97124"
    assert item["quantity"]["value"] == 10 * units
    assert Decimal(str(item["unitPrice"]["value"])) == Decimal("85") / units
    assert Decimal(str(item["net"]["value"])) == Decimal("850.00")
    assert Decimal(str(claim["total"]["value"])) == Decimal("850.00")
    t = translator(lang)
    notes = [e["valueString"] for e in claim["extension"] if e["url"].endswith("gfeDisclaimer")]
    assert len(notes) == len(DISCLAIMERS) and t.gettext(DISCLAIMERS[1]) in notes
    patient_entry = next(e["resource"] for e in raw["entry"]
                         if e["resource"]["resourceType"] == "Patient")
    assert patient_entry["birthDate"] == BORN.isoformat()
    organization = next(e["resource"] for e in raw["entry"]
                        if e["resource"]["resourceType"] == "Organization")
    assert {i["value"] for i in organization["identifier"]} == {clinic.npi, clinic.tin}
    assert bundle.entry and len(bundle.entry) == len(raw["entry"])


@pytest.mark.parametrize("field", ["address", "phone", "npi", "tin"])
@pytest.mark.parametrize("lang", LANGS)
def test_a_missing_clinic_field_refuses_the_gfe_naming_it(
        field: str, lang: str, clinic: Clinic) -> None:
    scenario, result = case("cash")
    lacking = clinic.model_copy(update={field: None})
    for make_one in (make_gfe, make_gfe_fhir):
        with pytest.raises(MissingClinicField) as refused:
            make_one(scenario, result, lacking, patient(lang), lang)
        assert refused.value.field == field
    message = error_text(refused.value, translator(lang))
    named = {"en": {"address": "address", "phone": "phone", "npi": "NPI", "tin": "TIN"},
             "es": {"address": "dirección", "phone": "teléfono", "npi": "NPI", "tin": "TIN"},
             "ru": {"address": "адрес", "phone": "телефон", "npi": "NPI", "tin": "TIN"}}
    assert named[lang][field] in message


def test_no_clinic_and_no_address_refuse_the_documents_that_need_them(clinic: Clinic) -> None:
    scenario, result = case("hsa")
    with pytest.raises(MissingClinicField) as refused:
        make_gfe(scenario, result, None, patient("en"), "en")
    assert refused.value.field == "clinic"
    with pytest.raises(MissingClinicField) as refused:
        make_lmn(scenario, result, clinic.model_copy(update={"address": None}), "en")
    assert refused.value.field == "address"
    assert make_summary(scenario, result, None, "en").startswith(b"%PDF-")  # needs none


@pytest.mark.parametrize("lang", LANGS)
def test_no_good_faith_estimate_without_the_clinics_price(lang: str, clinic: Clinic) -> None:
    """A scenario (from the API) that does not know the price gets a ranged estimate, but a
    GFE must list a charge: refused, saying so, while the summary is still made."""
    scenario, _ = case("cash")
    unpriced = scenario.model_copy(update={"fees": scenario.fees.model_copy(
        update={"billed_per_unit": None, "cash_per_session": None})})
    result = estimate(unpriced)
    assert result.range is not None
    for make_one in (make_gfe, make_gfe_fhir):
        with pytest.raises(NotApplicable) as refused:
            make_one(unpriced, result, clinic, patient(lang), lang)
        assert refused.value.reason == "price_unknown"
    t = translator(lang)
    assert error_text(refused.value, t) == t.gettext(
        "A Good Faith Estimate needs the clinic's price, which is not known yet.")
    assert make_summary(unpriced, result, clinic, lang).startswith(b"%PDF-")


def test_no_letter_for_a_massage_that_treats_no_condition(clinic: Clinic) -> None:
    scenario = Scenario.model_validate({**PATIENTS["hsa"], "purpose": "relaxation"})
    result = estimate(scenario)
    assert "lmn" not in applicable(result, scenario)
    with pytest.raises(NotApplicable):
        make_lmn(scenario, result, clinic, "es")


def test_make_dispatches_and_the_gfe_needs_the_patient(clinic: Clinic) -> None:
    scenario, result = case("cash")
    with pytest.raises(InvalidPatient):
        make("gfe", scenario, result, clinic, "en")
    with pytest.raises(ValueError, match="unknown document"):
        make("invoice", scenario, result, clinic, "en")
    assert NAMES["en"] in text_of(make("gfe", scenario, result, clinic, "en",
                                       patient=patient("en")))


@pytest.mark.parametrize(("lang", "typed"), [("en", "11/23/1984"), ("es", "23/11/1984"),
                                             ("ru", "23.11.1984"), ("ru", "1984-11-23")])
def test_date_of_birth_is_read_in_the_languages_order(lang: str, typed: str) -> None:
    assert parse_patient(" Maria  Lopez ", typed, lang, TODAY) == Patient("Maria Lopez", BORN)


@pytest.mark.parametrize(("name", "born", "field"), [
    ("", "1984-11-23", "name"), ("12345", "1984-11-23", "name"),
    ("Maria\x00Lopez", "1984-11-23", "name"), ("Maria\ud800", "1984-11-23", "name"),
    ("Maria", "2027-01-01", "birth_date"), ("Maria", "1850-01-01", "birth_date"),
    ("Maria", "31/31/1984", "birth_date"), ("Maria", "yesterday", "birth_date")])
def test_a_patient_that_cannot_be_used_names_the_field(name: str, born: str, field: str) -> None:
    with pytest.raises(InvalidPatient) as refused:
        parse_patient(name, born, "en", TODAY)
    assert refused.value.field == field
    assert isinstance(refused.value, DocumentError)


def test_the_patient_never_shows_in_a_repr_or_a_log_line() -> None:
    shown = repr(Patient("Maria Lopez", BORN))
    assert "Maria" not in shown and "1984" not in shown
    assert not re.search(r"\d{4}", repr(parse_patient("Maria Lopez", "1984-11-23", "en", TODAY)))
