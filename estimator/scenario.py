"""The scenario: everything the estimate depends on (the public input contract).

An omitted field takes its documented default; `null` means "the patient does not know", and the
engine then works with every answer inside a realistic domain (see `estimator.domains`).
"""

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .money import HUNDRED, ZERO, Money, Percent

Payer = Literal[
    "commercial", "medicare", "medicare_advantage", "medicaid", "workers_comp", "auto", "self_pay"
]
HEALTH_PLAN_PAYERS: frozenset[str] = frozenset(
    {"commercial", "medicare", "medicare_advantage", "medicaid"}
)
# The health plan behind an auto or workers' compensation patient ("none": they have none).
FallbackPayer = Literal["commercial", "medicare", "medicare_advantage", "medicaid", "none"]
PlanType = Literal["ppo", "hmo", "epo", "pos", "hdhp"]
Network = Literal["in", "out", "unknown"]
Purpose = Literal["medical", "relaxation"]
Preauth = Literal["obtained", "required", "not_required", "unknown"]
ProviderType = Literal["massage_therapist", "physical_therapist", "chiropractor"]
CptCode = Literal["97124", "97140"]
Account = Literal["none", "hsa", "fsa", "hra"]
NoLimit = Literal["none"]
# What a health FSA lets the patient keep after its plan year (Notice 2005-42: one or the other).
FsaRollover = Literal["grace_period", "carryover", "none"]



def _whole_number(value: Any) -> Any:
    # JSON Schema's "integer" (the OpenAPI document's) is any number without a fraction: 69.0
    # is one. Nothing else becomes an integer: not true, not "69", not 69.5.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: Any) -> Any:
    # A day, written YYYY-MM-DD (ISO 8601, as the OpenAPI document's "format: date" says), or a
    # date already (YAML reads an unquoted 2026-12-07 as one). Not a timestamp, not a datetime.
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("iso_date", "Value error, must be a date written YYYY-MM-DD, "
                              "such as 2026-12-07")


Day = Annotated[date, BeforeValidator(_iso_date)]
# A count: an integer, or a number without a fraction. Booleans are true and false only (JSON's,
# or Python's): the document says "boolean", so 0, 1 and "yes" are refused.
Count = Annotated[StrictInt, BeforeValidator(_whole_number)]
# Bounds inside the union member, so that the document carries them as minimum and maximum.
_VisitsUsed = Annotated[StrictInt, Field(ge=0, le=1000), BeforeValidator(_whole_number)]
_PerWeek = Annotated[StrictInt, Field(ge=1, le=7), BeforeValidator(_whole_number)]
_Weeks = Annotated[StrictInt, Field(ge=1, le=365), BeforeValidator(_whole_number)]
_RxWeeks = Annotated[StrictInt, Field(ge=1, le=104), BeforeValidator(_whole_number)]
_Visits = Annotated[StrictInt, Field(ge=0, le=365), BeforeValidator(_whole_number)]

US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fees(_Strict):
    """What the clinic charges and what the plan allows, per 15-minute unit."""

    # null: the patient does not know the clinic's price (estimator.unknown_price).
    billed_per_unit: Money | None
    allowed_per_unit: Money | None = None
    oon_allowed_per_unit: Money | None = None
    cash_per_session: Money | None = None


# Days in each month, February's in a leap year (a plan year may start on any day).
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


class YearStart(_Strict):
    """The first day of the plan year, every year: January 1 for individual and most employer
    plans, but an employer plan may use any month (DOMAIN.md "Calendar")."""

    month: Count = Field(default=1, ge=1, le=12)
    day: Count = Field(default=1, ge=1, le=31)

    @model_validator(mode="after")
    def _real_day(self) -> "YearStart":
        if self.day > _MONTH_DAYS[self.month - 1]:
            raise PydanticCustomError(
                "year_start_day", "Value error, month {month} has no day {day}",
                {"month": self.month, "day": self.day},
            )
        return self


class NextYear(_Strict):
    """The plan's terms in the next plan year: only the fields given change; the others renew
    as they are (null: not known). What was paid or used starts again from zero."""

    deductible: Money | None = None
    deductible_applies: StrictBool | None = None
    copay: Money | None = None
    coinsurance_pct: Percent | None = None
    oop_max: Money | NoLimit | None = None
    visit_limit: Count | NoLimit | None = None
    oon_deductible: Money | None = None
    oon_coinsurance_pct: Percent | None = None
    oon_oop_max: Money | NoLimit | None = None

    @field_validator("visit_limit")
    @classmethod
    def _visit_limit_range(cls, value: int | str | None) -> int | str | None:
        return _visit_limit_in_range(value)


def _visit_limit_in_range(value: int | str | None) -> int | str | None:
    if isinstance(value, int) and not 0 <= value <= 365:
        # The errors of this model keep pydantic's "Value error, " wording; their type and
        # context let a caller say them in another language (bot/validation_messages.py).
        raise PydanticCustomError(
            "visit_limit_range", 'Value error, must be between {min} and {max}, or "none"',
            {"min": 0, "max": 365},
        )
    return value


class Plan(_Strict):
    """The health plan's cost sharing for this benefit (in network, then out of network)."""

    deductible: Money | None = ZERO
    deductible_met: Money | None = ZERO
    deductible_applies: StrictBool | None = True
    copay: Money | None = ZERO
    coinsurance_pct: Percent | None = ZERO
    oop_max: Money | NoLimit | None = "none"
    oop_met: Money | None = ZERO
    visit_limit: Count | NoLimit | None = Field(default="none")
    visits_used: _VisitsUsed | None = 0
    # Whether sessions paid entirely toward the deductible use up visits varies by plan.
    deductible_visits_count: StrictBool = True
    covers_massage_therapists: StrictBool | None = True
    # Out of network (used only when network is "out" or unknown).
    # Omitted: false for HMO and EPO, true otherwise (see `domains.oon_covered`); null: unknown.
    oon_covered: StrictBool | None = None
    # Out-of-network benefits usually have their own, higher deductible and coinsurance
    # (DOMAIN.md "Cost sharing"): omitted, they are unknown rather than zero.
    oon_deductible: Money | None = None
    oon_deductible_met: Money | None = ZERO
    oon_coinsurance_pct: Percent | None = None
    oon_oop_max: Money | NoLimit | None = None
    oon_oop_met: Money | None = ZERO
    # When the deductible, the amounts met and the visits used start again (null: not known).
    year_start: YearStart | None = YearStart()
    # The next plan year's terms, where they change (omitted: the same terms renew).
    next_year: NextYear | None = None

    @field_validator("visit_limit")
    @classmethod
    def _visit_limit_range(cls, value: int | str | None) -> int | str | None:
        return _visit_limit_in_range(value)


class WorkersComp(_Strict):
    claim_accepted: StrictBool | None = None


class Auto(_Strict):
    """Auto insurance medical benefits: PIP (no-fault states, add-on PIP) or MedPay.

    New Jersey's standard policy has a $250 deductible and a 20% copayment on expenses between
    $250 and $5,000 (N.J.S.A. 39:6A-4.3): `pip_deductible: 250`, `pip_copay_pct: 20`,
    `pip_copay_limit: 5000`. Florida's PIP pays 80% (`pip_pays_pct: 80`).
    """

    pip_remaining: Money | None = None
    pip_pays_pct: Percent = HUNDRED
    pip_deductible: Money = ZERO
    # Medical expenses already submitted under this PIP policy: they count toward its deductible
    # and copayment band.
    pip_expenses_to_date: Money = ZERO
    pip_copay_pct: Percent = ZERO
    # The course's expenses up to which the copayment applies; null: all of them.
    pip_copay_limit: Money | None = None


class Scenario(_Strict):
    payer: Payer = "commercial"
    plan_type: PlanType = "ppo"
    network: Network | None = "in"
    purpose: Purpose = "medical"
    prescription: StrictBool | None = False
    diagnosis_codes: list[str] | None = Field(default_factory=list, max_length=12)
    preauth: Preauth | None = "unknown"
    provider_type: ProviderType = "massage_therapist"
    state: str | None = None
    sessions: Count = Field(default=1, ge=1, le=365)
    session_minutes: Count = Field(default=60, ge=8, le=240)
    cpt_code: CptCode = "97124"
    fees: Fees
    plan: Plan = Plan()
    workers_comp: WorkersComp = WorkersComp()
    auto: Auto = Auto()
    hsa_fsa: Account = "none"
    # What is in the HSA or HRA now (null: not known); an FSA's election is available in full.
    account_balance: Money | None = None
    lmn: StrictBool = False
    tax_rate_pct: Percent | None = None
    # Auto and workers' compensation only: the health plan that pays after them, described by
    # `plan_type`, `network` and `plan`. null: not known whether the patient has one.
    fallback_payer: FallbackPayer | None = None
    # Original Medicare: whether the provider participates (accepts Medicare's approved amount
    # as payment in full). null: not known.
    medicare_participating: StrictBool | None = True
    # --- the calendar (all optional; without a start date the estimate has no dates) ---
    # The first session's day (omitted: the day the caller passes to `estimate` as today).
    start_date: Day | None = None
    # The schedule: sessions a week, or the weeks the course is spread over ("12 sessions over 6
    # weeks", read from the prescription); neither: one a week.
    sessions_per_week: _PerWeek | None = None
    course_weeks: _Weeks | None = None
    # Validity windows: the prescription (its date; how many weeks it covers, omitted: the
    # course's weeks), the pre-authorization (visits approved, last day) and the LMN's date.
    prescription_date: Day | None = None
    prescription_weeks: _RxWeeks | None = None
    preauth_visits: _Visits | None = None
    preauth_end: Day | None = None
    lmn_date: Day | None = None
    # A health FSA's rule after its plan year (null: not known).
    fsa_rollover: FsaRollover | None = None

    @field_validator("state")
    @classmethod
    def _us_state(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = value.strip().upper()
        if code not in US_STATES:
            raise PydanticCustomError(
                "us_state", "Value error, must be a US postal code such as WA, NY or FL"
            )
        return code

    @field_validator("diagnosis_codes")
    @classmethod
    def _normalise_codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        codes = [code.strip().upper() for code in value if code.strip()]
        for code in codes:
            if len(code) > 10 or not all(c.isascii() and (c.isalnum() or c == ".") for c in code):
                raise PydanticCustomError(
                    "icd10_code",
                    "Value error, {code} is not an ICD-10 code (letters, digits and a dot)",
                    {"code": repr(code[:12])},
                )
        return codes

    @model_validator(mode="after")
    def _answers_agree(self) -> "Scenario":
        """Amounts already used cannot exceed their limits: the message names both fields (only
        limits the patient gave: an omitted one is a default, or the law's for Medicare)."""
        p = self.plan
        pairs = (("visits_used", "visit_limit"), ("deductible_met", "deductible"),
                 ("oop_met", "oop_max"), ("oon_deductible_met", "oon_deductible"),
                 ("oon_oop_met", "oon_oop_max"))
        errors, over = [], []
        for used_name, limit_name in pairs:
            used, limit = getattr(p, used_name), getattr(p, limit_name)
            given = {used_name, limit_name} <= p.model_fields_set
            if given and used is not None and limit not in (None, "none") and used > limit:
                errors.append(f"plan.{used_name} ({used}) is more than "
                              f"plan.{limit_name} ({limit})")
                over.append({"used": f"plan.{used_name}", "used_value": str(used),
                             "limit": f"plan.{limit_name}", "limit_value": str(limit)})
        if errors:
            raise PydanticCustomError(
                "used_over_limit", "Value error, {detail}",
                {"detail": "; ".join(errors), "pairs": over},
            )
        return self

    @model_validator(mode="before")
    @classmethod
    def _medicare_calendar_year(cls, data: Any) -> Any:
        """Original Medicare's Part B deductible is per calendar year (42 CFR 410.160(b); see
        docs/domain-sources.md "Medicare"): its plan year starts on January 1, whatever was
        given, so an unknown start does not widen the estimate."""
        if not isinstance(data, dict):
            return data
        fallback = data.get("payer") in ("auto", "workers_comp") and (
            data.get("fallback_payer") == "medicare")
        if data.get("payer") != "medicare" and not fallback:
            return data
        plan = data.get("plan", {})
        if isinstance(plan, Plan):
            plan = plan.model_copy(update={"year_start": YearStart()})
        elif isinstance(plan, dict):
            plan = {**plan, "year_start": {"month": 1, "day": 1}}
        return {**data, "plan": plan}

    @model_validator(mode="after")
    def _one_schedule(self) -> "Scenario":
        if self.sessions_per_week is not None and self.course_weeks is not None:
            raise PydanticCustomError(
                "one_schedule",
                "Value error, give sessions_per_week or course_weeks, not both",
            )
        if self.course_weeks is not None and self.sessions > 7 * self.course_weeks:
            raise PydanticCustomError(
                "schedule_too_dense",
                "Value error, {sessions} sessions do not fit in {weeks} weeks (one a day at most)",
                {"sessions": self.sessions, "weeks": self.course_weeks},
            )
        return self

    @model_validator(mode="after")
    def _fallback_behind_auto_or_wc(self) -> "Scenario":
        if self.fallback_payer is not None and self.payer not in ("auto", "workers_comp"):
            raise PydanticCustomError(
                "fallback_payer_not_applicable",
                "Value error, fallback_payer applies only when payer is auto or workers_comp",
            )
        return self

    @property
    def health_plan(self) -> bool:
        return self.payer in HEALTH_PLAN_PAYERS

    @property
    def plan_payer(self) -> str | None:
        """The health plan in this scenario: the payer itself, or the one behind auto or
        workers' compensation; None when there is none or it is not known."""
        if self.health_plan:
            return self.payer
        if self.fallback_payer in HEALTH_PLAN_PAYERS:
            return self.fallback_payer
        return None

    @property
    def network_status(self) -> str:
        return self.network or "unknown"

    @property
    def preauth_status(self) -> str:
        return self.preauth or "unknown"
