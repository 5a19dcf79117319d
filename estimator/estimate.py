"""The estimate: what the engine answers (the public output contract).

Reason, route, next-step and note codes are stable snake_case strings; their wording lives in the
bot's message catalogs.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SkipValidation

from .money import MoneyOut

Verdict = Literal["likely", "uncertain", "unlikely", "not_covered"]
# A route is the sequence of payers that pay for the course, in order: the first pays until it
# stops (its benefit runs out, its claim is denied, its visit limit is reached), then the next.
# A route without "cash" at its end leaves the sessions no payer covers at the clinic's billed
# charge; "_then_cash" pays them at the clinic's self-pay rate.
RouteName = Literal[
    "workers_comp", "workers_comp_then_cash", "workers_comp_then_insurance",
    "workers_comp_then_insurance_then_cash",
    "auto_pip", "auto_pip_then_cash", "auto_pip_then_insurance",
    "auto_pip_then_insurance_then_cash",
    "insurance", "insurance_then_cash", "self_pay",
]
# Who pays a session (the patient may still owe a share of it): "cash" is the patient alone.
PaidBy = Literal["health_plan", "pip", "workers_comp", "cash"]
AccountKind = Literal["hsa", "fsa", "hra"]
DiagnosisStatus = Literal["billable", "nonbillable", "invalid"]
# What a valid code describes: a condition to treat, how an injury happened (V00-Y99, never
# first-listed), or wellness (Z73.3, Z00.*, Z41.*), which is not a treatable condition.
DiagnosisKind = Literal["condition", "external_cause", "wellness"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session of the course: what was billed, what the plan allowed, who pays what.

    A plain dataclass, not a model: the walk builds one per session and the engine computes every
    field itself, so validating them was most of the cost of an estimate.
    """

    n: int
    paid_by: PaidBy
    billed: MoneyOut
    allowed: MoneyOut
    covered: bool
    deductible: MoneyOut
    copay: MoneyOut
    coinsurance: MoneyOut
    balance_bill: MoneyOut
    patient: MoneyOut
    insurer: MoneyOut
    # The session's day (null: the estimate is not dated), and the validity windows it falls
    # outside of (`prescription_expires`, `preauth_expires`, `lmn_expires`).
    date: dt.date | None = None
    flags: tuple[str, ...] = ()


class PlanYearTotal(_Out):
    """The course's share in one plan year (`starts` and `ends` are its first and last days)."""

    starts: dt.date
    ends: dt.date
    sessions: int
    patient: MoneyOut
    insurer: MoneyOut


class Totals(_Out):
    patient: MoneyOut
    insurer: MoneyOut
    covered_sessions: int
    uncovered_sessions: int
    # The totals split by plan year (empty when the estimate is not dated, the plan-year start
    # is not known, or no session goes through a health plan).
    by_plan_year: list[PlanYearTotal] = []


class CostRange(_Out):
    """The patient's total for the course from the best to the worst case of the unknowns."""

    low: MoneyOut
    high: MoneyOut
    # Unknown answers, the one that would narrow the range most first.
    widened_by: list[str]


class Route(_Out):
    """One way to pay for the whole course. `patient_total` is the worst case of the unknowns
    (what to plan for), `low` the best case (null when the unknowns do not change this route)."""

    route: RouteName
    available: bool
    patient_total: MoneyOut
    steps: list["NextStep"]
    low: MoneyOut | None = None
    # Why the route is not available (a stable code), when it is not.
    reason: str | None = None
    # What the payers pay in the worst case (the outcome `patient_total` is for): 0 says the
    # plan would pay nothing, e.g. every covered session goes to the deductible.
    insurer_total: MoneyOut | None = None


class Recommended(_Out):
    """The cheapest allowed way to pay for the whole course (by its worst case, then by
    `TIE_ORDER`), and how many sessions each payer pays in it."""

    route: RouteName
    patient_total: MoneyOut
    sessions_by_payer: dict[PaidBy, int]


FsaRule = Literal["grace_period", "carryover", "none", "unknown"]


class FsaYear(_Out):
    """An FSA over a dated course that runs past its deadline (DOMAIN.md "Accounts"): this plan
    year's money pays only for care received up to `deadline` (the plan year's last day, or with
    a grace period that period's last day): `sessions` of the course, costing `total`. The
    `later_sessions` after it (costing `later_total`) need next year's FSA, except what a
    carryover of the money left pays of them (`carryover`, at most `carryover_limit`). An unknown
    rule counts neither a grace period nor a carryover (the worst case)."""

    rule: FsaRule
    deadline: dt.date
    sessions: int
    total: MoneyOut
    later_sessions: int
    later_total: MoneyOut
    carryover: MoneyOut
    carryover_limit: MoneyOut | None = None
    # No health plan gave the plan year: the FSA's is taken to be the calendar year, the usual
    # one (DOMAIN.md "Calendar": January 1 for most employer plans), and the patient told so.
    assumed: bool = False


class Accounts(_Out):
    """Pre-tax or employer money (HSA, FSA, HRA) is a way to pay, not a cheaper price: the
    recommended route's total stays what it is; the account pays `amount` of it, saving
    `tax_savings` (null without a tax rate, or when nothing new is saved)."""

    kind: AccountKind
    eligible: bool
    pays_for: RouteName
    amount: MoneyOut
    tax_savings: MoneyOut | None = None
    notes: list[str] = []
    # An FSA over a dated course that runs past its deadline: what it pays plan year by plan
    # year (null otherwise: it pays `amount` of the whole course).
    fsa_year: FsaYear | None = None
    # An HSA on an HDHP with its balance given: what the balance pays now (the rest of `amount`
    # needs new contributions this year); null otherwise.
    from_balance: MoneyOut | None = None


class OnceFixed(_Out):
    """What billing the insurer would cost once the paperwork is in order (estimator.fixes):
    `fixes` are the reasons fixed (`no_referral`, `preauth_required`, ...), `route` the way
    through an insurer that can cost least then (paying yourself may still be recommended for
    its certainty), with its worst (`patient_total`) and best case (`low`, null when the
    unknowns do not change it)."""

    fixes: list[str]
    route: RouteName
    patient_total: MoneyOut
    low: MoneyOut | None = None
    # What the insurers would pay then at the worst case (0: nothing, all to the deductible).
    insurer_total: MoneyOut | None = None
    # The reasons still open then (`preauth_unknown`, `claim_unknown`, ...): what the range
    # depends on, or what may be needed too.
    open: list[str] = []


class NextStep(_Out):
    code: str
    params: dict[str, Any] = {}


class DiagnosisCheck(_Out):
    code: str
    status: DiagnosisStatus
    kind: DiagnosisKind = "condition"
    description: str | None = None
    billable_children: list[str] = []
    # An injury code without its 7th character (A initial, D subsequent, S sequela): the
    # children are the codes to choose from.
    needs_seventh_character: bool = False


class Estimate(_Out):
    coverage: Verdict
    reasons: list[str]
    units_per_session: int
    diagnoses: list[DiagnosisCheck]
    sessions: SkipValidation[list[SessionRow]]
    totals: Totals
    range: CostRange | None
    routes: list[Route]
    recommended: Recommended
    # Kept for clients of the first version: always `recommended.route`.
    best_route: RouteName
    accounts: Accounts | None
    next_steps: list[NextStep]
    notes: list[str]
    # Set when an insurer could cost less than the recommended way once paperwork is in order.
    once_fixed: OnceFixed | None = None
