"""The estimate: what the engine answers (the public output contract).

Reason, route, next-step and note codes are stable snake_case strings; their wording lives in the
bot's message catalogs.
"""

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SkipValidation

from .money import MoneyOut

Verdict = Literal["likely", "uncertain", "unlikely", "not_covered"]
RouteName = Literal[
    "workers_comp", "auto_pip", "insurance", "insurance_then_cash", "hsa_fsa", "self_pay"
]
DiagnosisStatus = Literal["billable", "nonbillable", "invalid"]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session of the course: what was billed, what the plan allowed, who pays what.

    A plain dataclass, not a model: the walk builds one per session and the engine computes every
    field itself, so validating them was most of the cost of an estimate.
    """

    n: int
    billed: MoneyOut
    allowed: MoneyOut
    covered: bool
    deductible: MoneyOut
    copay: MoneyOut
    coinsurance: MoneyOut
    balance_bill: MoneyOut
    patient: MoneyOut
    insurer: MoneyOut


class Totals(_Out):
    patient: MoneyOut
    insurer: MoneyOut
    covered_sessions: int
    uncovered_sessions: int


class CostRange(_Out):
    """The patient's total for the course from the best to the worst case of the unknowns."""

    low: MoneyOut
    high: MoneyOut
    # Unknown answers, the one that would narrow the range most first.
    widened_by: list[str]


class Route(_Out):
    route: RouteName
    available: bool
    patient_total: MoneyOut
    steps: list["NextStep"]
    # hsa_fsa only: the route it pays for, and the tax saved (null without a tax rate).
    pays_for: RouteName | None = None
    tax_savings: MoneyOut | None = None


class NextStep(_Out):
    code: str
    params: dict[str, Any] = {}


class DiagnosisCheck(_Out):
    code: str
    status: DiagnosisStatus
    description: str | None = None
    billable_children: list[str] = []


class Estimate(_Out):
    coverage: Verdict
    reasons: list[str]
    units_per_session: int
    diagnoses: list[DiagnosisCheck]
    sessions: SkipValidation[list[SessionRow]]
    totals: Totals
    range: CostRange | None
    routes: list[Route]
    best_route: RouteName
    next_steps: list[NextStep]
    notes: list[str]
