"""The documents API's work, done in an estimate pool process: the request read, the estimate
made, the document drawn (`bot.documents`). Imported by the pool's processes: no aiohttp.

Request body (`DocumentRequest`): the estimator's scenario, the clinic's slug, and for the Good
Faith Estimate the patient's name and date of birth (never logged, never kept: the bytes go
back to the client and nothing else is written).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from estimator import Scenario

from ..clinics import ClinicDirectory
from ..i18n import N_
from ..today import today_for

__all__ = ["DocumentRequest", "PatientIn", "form_document", "make_document"]

FORM_INCOMPLETE = N_("The answers are not complete any more: go back to the estimate and send "
                     "the form again.")


class PatientIn(BaseModel):
    """The patient named on a Good Faith Estimate (or a letter of medical necessity)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=200)
    birth_date: date


class DocumentRequest(BaseModel):
    """What a document is made from: the scenario, the clinic (its slug), the patient."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    scenario: Scenario
    clinic: str | None = Field(default=None, max_length=64,
                               description="The clinic's slug (required for gfe and lmn).")
    patient: PatientIn | None = Field(default=None,
                                      description="Required for gfe; optional for lmn.")
    expected_date: date | None = Field(default=None,
                                       description="gfe: the first session's expected date.")


def _problem(status: int, error: str, message: str, **extra: Any) -> tuple[int, str, bytes]:
    body = {"error": error, "message": message, **extra}
    return status, "application/json", json.dumps(body).encode("utf-8")


def make_document(kind: str, data: Any, lang: str, fhir: bool,
                  clinics: ClinicDirectory) -> tuple[int, str, bytes]:
    """In a pool process: (status, media type, body) for document `kind` from the parsed
    request `data`, in `lang`; `fhir`: the GFE as FHIR JSON instead of PDF."""
    from estimator import estimate
    from estimator.cases import describe

    from .. import documents
    from ..i18n import translator
    from .estimates import field_errors

    try:
        request = DocumentRequest.model_validate(data)
    except ValidationError as exc:
        return _problem(422, "invalid_scenario", describe(exc), errors=field_errors(exc))
    clinic = clinics.get(request.clinic)
    if request.clinic and clinic is None:
        return _problem(422, "unknown_clinic", "no clinic has this slug", field="clinic")
    today = today_for(clinic.state if clinic else request.scenario.state)
    result = estimate(request.scenario)
    t = translator(lang)
    try:
        patient = (documents.parse_patient(request.patient.name, request.patient.birth_date,
                                           lang, today) if request.patient else None)
        if kind == "gfe" and fhir:
            if patient is None:
                raise documents.InvalidPatient("name")
            body = documents.make_gfe_fhir(request.scenario, result, clinic, patient, lang,
                                           today=today, expected_date=request.expected_date)
            return 200, documents.FHIR_MEDIA_TYPE, body
        if kind == "gfe":
            if patient is None:
                raise documents.InvalidPatient("name")
            body = documents.make_gfe(request.scenario, result, clinic, patient, lang,
                                      today=today, expected_date=request.expected_date)
        else:
            body = documents.make(kind, request.scenario, result, clinic, lang,
                                  patient=patient, today=today)
    except documents.MissingClinicField as exc:
        return _problem(422, "missing_clinic_field", documents.error_text(exc, t),
                        field=exc.field)
    except documents.InvalidPatient as exc:
        return _problem(422, "invalid_patient", documents.error_text(exc, t),
                        field=f"patient.{exc.field}")
    except documents.NotApplicable as exc:
        return _problem(422, "not_applicable", documents.error_text(exc, t), field=exc.reason)
    return 200, documents.PDF_MEDIA_TYPE, body


def form_document(replies: Any, slug: str, clinics: ClinicDirectory, lang: str, shown: Any,
                  kind: str, name: str, birth_date: str) -> tuple[int, str, bytes]:
    """In a pool process: document `kind` for the clinic page's posted answers (read by the
    chat's interview, as the result page was); (status, media type, body), the body of a 422
    being the reason in `lang` as plain text."""
    from .. import documents
    from ..i18n import translator
    from ..render import answers_summary
    from . import forms

    t = translator(lang)
    clinic = clinics.get(slug)
    today = today_for(clinic.state if clinic else None)
    outcome, _ = forms.fill_form(replies, slug, clinics, lang, shown, today)
    prompt = outcome.result if outcome is not None and outcome.complete else None
    if prompt is None or prompt.estimate is None or prompt.scenario is None:
        text = t.gettext(FORM_INCOMPLETE)
        return 422, "text/plain", text.encode("utf-8")
    assert outcome is not None
    try:
        patient = (documents.parse_patient(name, birth_date, lang, today)
                   if kind == "gfe" else None)
        body = documents.make(kind, prompt.scenario, prompt.estimate, clinic, lang,
                              patient=patient, answers=answers_summary(outcome.state, clinics, t),
                              today=today)
    except documents.DocumentError as exc:
        return 422, "text/plain", documents.error_text(exc, t).encode("utf-8")
    return 200, documents.PDF_MEDIA_TYPE, body
