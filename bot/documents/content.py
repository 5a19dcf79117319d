"""What each document says, as data: built from the scenario, the estimate, the clinic profile
and the patient, before any language or layout (the PDF and FHIR builders draw these).

- `GoodFaithEstimate`: the fields of the model GFE (CMS-10791) that 45 CFR 149.610 requires:
  patient name and date of birth; provider name, address, NPI and TIN; the primary service and
  its expected date; an itemized list (diagnosis code, service code and code type, quantity,
  expected charge each and in total); services scheduled separately; the disclaimers (a
  recurring course may be covered by one GFE for up to 12 months). DOMAIN.md "Good Faith
  Estimate" and "Documents".
- `LetterOfMedicalNecessity`: a draft for the clinician, who must evaluate the patient and sign
  (IRS IR-2024-65); it names the diagnosis, the treatment, frequency and duration, and how it
  treats the condition (IRC 213(d)); dated before the purchase, usually accepted for 12 months
  (IRS Pub. 502). DOMAIN.md "Accounts".
- `EstimateSummary`: the estimate as the patient can show it (the text comes from bot.render).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.clinics import Clinic
from estimator import Estimate, Scenario
from estimator.money import cents

from .errors import MissingClinicField, NotApplicable
from .patient import Patient

__all__ = ["GfeLine", "GoodFaithEstimate", "LetterOfMedicalNecessity", "Provider",
           "applicable", "build_gfe", "build_lmn", "require"]

# NUCC provider taxonomy codes (nucc.org): massage therapist 225700000X (DOMAIN.md "Codes,
# more"), physical therapist 225100000X, chiropractor 111N00000X.
TAXONOMY = {"massage_therapist": "225700000X", "physical_therapist": "225100000X",
            "chiropractor": "111N00000X"}
GFE_FIELDS = ("name", "address", "phone", "npi", "tin")
LMN_FIELDS = ("name", "address")
GFE_VALID_MONTHS = 12  # one GFE may cover a recurring course for up to 12 months
LMN_VALID_MONTHS = 12  # an LMN is usually accepted for 12 months (IRS Pub. 502)


def require(clinic: Clinic | None, document: str, fields: Sequence[str]) -> Clinic:
    """The clinic, when it has every field the document needs; else MissingClinicField naming
    the first one missing (the document is never drawn with a blank)."""
    if clinic is None:
        raise MissingClinicField(document, "clinic")
    for name in fields:
        if not getattr(clinic, name):
            raise MissingClinicField(document, name)
    return clinic


@dataclass(frozen=True)
class Provider:
    """Who gives and bills the service, from the clinic profile."""

    name: str
    address: str
    phone: str | None
    npi: str | None
    tin: str | None
    clinician: str | None  # "Jane Roe, LMT" when the profile names one
    taxonomy: str


def _provider(clinic: Clinic) -> Provider:
    clinician = clinic.provider_name
    if clinician and clinic.provider_credentials:
        clinician = f"{clinician}, {clinic.provider_credentials}"
    return Provider(clinic.name, clinic.address or "", clinic.phone, clinic.npi, clinic.tin,
                    clinician, TAXONOMY[clinic.provider_type])


def _diagnoses(estimate: Estimate) -> list[tuple[str, str]]:
    """The billable condition codes with their titles (external-cause and wellness codes are not
    a diagnosis to treat; DOMAIN.md "Codes, more")."""
    return [(d.code, d.description or "") for d in estimate.diagnoses
            if d.status == "billable" and d.kind == "condition"]


@dataclass(frozen=True)
class GfeLine:
    """One itemized service: `quantity` units of `cpt_code` at `unit_price` (per 15-minute unit,
    or per session when the self-pay rate does not divide into whole cents per unit)."""

    cpt_code: str
    diagnosis_codes: tuple[str, ...]
    sessions: int
    units_per_session: int
    quantity: int
    unit: str  # "unit" (15 minutes) or "session"
    unit_price: Decimal
    per_session: Decimal
    total: Decimal
    code_type: str = "CPT"
    session_rate: bool = False  # the clinic's self-pay price is per session (its cash rate)


def _per_session(scenario: Scenario, units: int) -> Decimal:
    """What a self-pay session is charged: the clinic's cash rate, else its billed charge."""
    cash, price = scenario.fees.cash_per_session, scenario.fees.billed_per_unit
    if cash is not None:
        return cash
    if price is None:  # an estimate can range over it; a Good Faith Estimate cannot
        raise NotApplicable("gfe", "price_unknown")
    return cents(price * units)


def self_pay_sessions(scenario: Scenario, estimate: Estimate) -> int:
    """The sessions the GFE covers: those the patient pays the clinic for directly. A GFE is
    owed to a patient "not seeking to file a claim with their plan" for the items concerned
    (45 CFR 149.610); sessions the recommended route bills to insurance are not self-pay.
    When no session is paid directly, the GFE is made on request for the whole course (the
    patient may yet choose to pay the clinic)."""
    cash = estimate.recommended.sessions_by_payer.get("cash", 0)
    return cash if 0 < cash < scenario.sessions else scenario.sessions


def _line(scenario: Scenario, estimate: Estimate, codes: tuple[str, ...]) -> GfeLine:
    units = estimate.units_per_session
    each = _per_session(scenario, units)
    per_unit = each / units if units else each
    by_unit = units > 0 and per_unit == cents(per_unit)
    sessions = self_pay_sessions(scenario, estimate)
    quantity = sessions * units if by_unit else sessions
    return GfeLine(scenario.cpt_code, codes, sessions, units, quantity,
                   "unit" if by_unit else "session", cents(per_unit) if by_unit else each,
                   each, cents(each * sessions),
                   session_rate=scenario.fees.cash_per_session is not None)


@dataclass(frozen=True)
class GoodFaithEstimate:
    issued: date
    patient: Patient
    provider: Provider
    expected_date: date | None  # None: not scheduled yet
    session_minutes: int
    diagnoses: list[tuple[str, str]]
    lines: list[GfeLine]
    total: Decimal
    prescription_needed: bool  # the doctor's evaluation is scheduled (and billed) separately
    billed_to_insurance: int = 0  # the course's other sessions, not in this GFE

    @property
    def valid_until(self) -> date:
        return _months_later(self.issued, GFE_VALID_MONTHS)


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def build_gfe(scenario: Scenario, estimate: Estimate, clinic: Clinic | None, patient: Patient,
              today: date, expected_date: date | None = None) -> GoodFaithEstimate:
    """The GFE for the sessions paid directly (`self_pay_sessions`) at the clinic's self-pay
    charges; MissingClinicField when the clinic lacks its name, address, phone, NPI or TIN."""
    clinic = require(clinic, "gfe", GFE_FIELDS)
    diagnoses = _diagnoses(estimate)
    line = _line(scenario, estimate, tuple(code for code, _ in diagnoses))
    return GoodFaithEstimate(today, patient, _provider(clinic), expected_date,
                             scenario.session_minutes, diagnoses, [line], line.total,
                             prescription_needed=scenario.purpose == "medical",
                             billed_to_insurance=scenario.sessions - line.sessions)


@dataclass(frozen=True)
class LetterOfMedicalNecessity:
    drafted: date
    patient: Patient | None  # None: lines for the clinician to fill in
    account: str | None  # "hsa", "fsa", "hra"
    provider: Provider
    diagnoses: list[tuple[str, str]]
    cpt_code: str
    sessions: int
    session_minutes: int


def build_lmn(scenario: Scenario, estimate: Estimate, clinic: Clinic | None,
              patient: Patient | None, today: date) -> LetterOfMedicalNecessity:
    """The letter's draft; NotApplicable for a massage that is not for a medical condition (IRC
    213(d): not general health), MissingClinicField without the clinic's name and address."""
    if scenario.purpose != "medical":
        raise NotApplicable("lmn", "not_medical")
    clinic = require(clinic, "lmn", LMN_FIELDS)
    account = scenario.hsa_fsa if scenario.hsa_fsa != "none" else None
    return LetterOfMedicalNecessity(today, patient, account, _provider(clinic),
                                    _diagnoses(estimate), scenario.cpt_code, scenario.sessions,
                                    scenario.session_minutes)


def applicable(estimate: Estimate, scenario: Scenario) -> tuple[str, ...]:
    """The documents to offer with this estimate, in the order to show them:
    - "gfe" when the patient pays the clinic directly for some sessions (the recommended route
      ends in cash, or the patient is self-pay): 45 CFR 149.610 owes them a GFE (it can still
      be made on request for anyone);
    - "lmn" when an HSA, FSA or HRA could pay only with a letter of medical necessity;
    - "summary" always."""
    kinds: list[str] = []
    cash = estimate.recommended.sessions_by_payer.get("cash", 0)
    if cash or scenario.payer == "self_pay":
        kinds.append("gfe")
    accounts = estimate.accounts
    if accounts is not None and "lmn_needed" in accounts.notes and scenario.purpose == "medical":
        kinds.append("lmn")
    kinds.append("summary")
    return tuple(kinds)
