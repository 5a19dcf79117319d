"""Documents from a finished interview: estimate + clinic + answers in, bytes out; channels only
deliver them.

    from bot.documents import applicable, make_gfe, make_lmn, make_summary, parse_patient

    kinds = applicable(estimate, scenario)          # ("gfe", "lmn", "summary"), in that order
    patient = parse_patient("Ana Díaz", "1980-04-25", "es", today)   # InvalidPatient
    pdf = make_gfe(scenario, estimate, clinic, patient, "es")       # MissingClinicField
    fhir = make_gfe_fhir(scenario, estimate, clinic, patient, "es") # application/fhir+json
    letter = make_lmn(scenario, estimate, clinic, "es")             # NotApplicable
    summary = make_summary(scenario, estimate, clinic, "es", answers=lines)

Every error is a `DocumentError`; `error_text(error, translator)` says it in the patient's
language, naming the clinic field to add. The patient's name and date of birth are never
logged (`Patient`'s repr hides them).

    content   the facts each document states (models, from scenario, estimate and clinic)
    gfe, lmn, summary   each document's sections in the patient's language
    pdf       the sections as PDF (ReportLab, embedded DejaVu Sans)
    fhir      the GFE as a Da Vinci PCT bundle (fhir.resources)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.clinics import Clinic
from bot.i18n import N_, translator
from estimator import Estimate, Scenario

from . import gfe, lmn, pdf, summary
from .content import applicable, build_gfe, build_lmn
from .errors import DocumentError, InvalidPatient, MissingClinicField, NotApplicable, error_text
from .fhir import MEDIA_TYPE as FHIR_MEDIA_TYPE
from .fhir import bundle_json
from .patient import ASK_BIRTH_DATE, ASK_NAME, Patient, parse_name, parse_patient

__all__ = [
    "ASK_BIRTH_DATE", "ASK_NAME", "FHIR_MEDIA_TYPE", "KINDS", "PDF_MEDIA_TYPE", "DocumentError",
    "InvalidPatient", "MissingClinicField", "NotApplicable", "Patient", "applicable", "check",
    "error_text", "filename", "label", "make", "make_gfe", "make_gfe_fhir", "make_lmn",
    "make_summary", "parse_name", "parse_patient",
]

KINDS = ("gfe", "lmn", "summary")
PDF_MEDIA_TYPE = "application/pdf"
_FILENAMES = {"gfe": "good-faith-estimate", "lmn": "letter-of-medical-necessity",
              "summary": "estimate-summary"}
# The buttons and links that offer each document.
LABELS = {"gfe": N_("Good Faith Estimate (PDF)"),
          "lmn": N_("Letter for your doctor (PDF)"),
          "summary": N_("Summary (PDF)")}


def filename(kind: str, lang: str, fhir: bool = False) -> str:
    """The file name to send a document under: `good-faith-estimate-es.pdf`."""
    return f"{_FILENAMES[kind]}-{lang}.{'json' if fhir else 'pdf'}"


def label(kind: str, lang: str) -> str:
    """The button or link text that offers the document, in `lang`."""
    return translator(lang).gettext(LABELS[kind])


def _today(today: date | None) -> date:
    return today if today is not None else date.today()


def make_gfe(scenario: Scenario, estimate: Estimate, clinic: Clinic | None, patient: Patient,
             lang: str, *, today: date | None = None,
             expected_date: date | None = None) -> bytes:
    """The Good Faith Estimate (PDF). MissingClinicField when the clinic (or its name, address,
    phone, NPI or TIN) is missing."""
    t = translator(lang)
    document = build_gfe(scenario, estimate, clinic, patient, _today(today), expected_date)
    return pdf.render(gfe.blocks(document, t), gfe.title(t), lang)


def make_gfe_fhir(scenario: Scenario, estimate: Estimate, clinic: Clinic | None,
                  patient: Patient, lang: str, *, today: date | None = None,
                  expected_date: date | None = None) -> bytes:
    """The Good Faith Estimate as a FHIR R4 PCTGFEBundle (JSON bytes, FHIR_MEDIA_TYPE); the same
    refusals as `make_gfe`."""
    document = build_gfe(scenario, estimate, clinic, patient, _today(today), expected_date)
    return bundle_json(document, translator(lang))


def make_lmn(scenario: Scenario, estimate: Estimate, clinic: Clinic | None, lang: str, *,
             patient: Patient | None = None, today: date | None = None) -> bytes:
    """The Letter of Medical Necessity draft for the clinician (PDF); without `patient`, lines
    for the clinician to fill in. NotApplicable when the massage is not for a medical condition;
    MissingClinicField without the clinic's name and address."""
    t = translator(lang)
    letter = build_lmn(scenario, estimate, clinic, patient, _today(today))
    return pdf.render(lmn.blocks(letter, t), lmn.title(t), lang)


def make_summary(scenario: Scenario, estimate: Estimate, clinic: Clinic | None, lang: str, *,
                 answers: Sequence[str] = (), today: date | None = None) -> bytes:
    """The estimate summary (PDF); `answers` are the "Title: answer" lines of the interview
    (`bot.render.answers_summary`), when there is one. Needs no clinic field."""
    t = translator(lang)
    document = summary.EstimateSummary(_today(today), scenario, estimate, clinic,
                                       tuple(answers), summary.version())
    return pdf.render(summary.blocks(document, t), summary.title(t), lang)


# Stands in for the patient when `check` builds a GFE's content (never drawn, never kept).
_ANYONE = Patient("-", date(2000, 1, 1))


def check(kind: str, scenario: Scenario, estimate: Estimate, clinic: Clinic | None, *,
          today: date | None = None) -> None:
    """Raise the refusal `make` would raise for this estimate and clinic, without drawing
    anything (microseconds, not a PDF's milliseconds): a channel that must ask the patient's
    name and date of birth first refuses before asking, not after."""
    if kind == "gfe":
        build_gfe(scenario, estimate, clinic, _ANYONE, _today(today))
    elif kind == "lmn":
        build_lmn(scenario, estimate, clinic, None, _today(today))
    elif kind != "summary":
        raise ValueError(f"unknown document {kind!r}; known: {', '.join(KINDS)}")


def make(kind: str, scenario: Scenario, estimate: Estimate, clinic: Clinic | None, lang: str, *,
         patient: Patient | None = None, answers: Sequence[str] = (),
         today: date | None = None, expected_date: date | None = None) -> bytes:
    """The PDF of document `kind` (one of KINDS): one entry point for the channels. The GFE
    needs `patient` (InvalidPatient("name") without one)."""
    if kind == "gfe":
        if patient is None:
            raise InvalidPatient("name")
        return make_gfe(scenario, estimate, clinic, patient, lang, today=today,
                        expected_date=expected_date)
    if kind == "lmn":
        return make_lmn(scenario, estimate, clinic, lang, patient=patient, today=today)
    if kind == "summary":
        return make_summary(scenario, estimate, clinic, lang, answers=answers, today=today)
    raise ValueError(f"unknown document {kind!r}; known: {', '.join(KINDS)}")
