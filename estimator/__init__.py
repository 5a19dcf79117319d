"""The coverage and cost engine for medical massage: pure, deterministic, exact money.

    from estimator import Scenario, estimate
    result = estimate(Scenario.model_validate_json(text))
"""

from .calendar import next_reset, prescription_end
from .engine import estimate
from .estimate import (
    Accounts,
    CostRange,
    DiagnosisCheck,
    Estimate,
    FsaYear,
    NextStep,
    PlanYearTotal,
    Recommended,
    Route,
    SessionRow,
    Totals,
)
from .scenario import HEALTH_PLAN_PAYERS, Scenario
from .units import units_for_minutes

__all__ = [
    "HEALTH_PLAN_PAYERS", "Accounts", "CostRange", "DiagnosisCheck", "Estimate", "FsaYear",
    "NextStep", "PlanYearTotal", "Recommended", "Route",
    "Scenario", "SessionRow", "Totals", "estimate", "next_reset",
    "prescription_end", "units_for_minutes",
]
