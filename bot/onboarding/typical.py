"""The clinic's typical patients, whose estimates /myclinic shows before and after each edit
(as /whatif does for staff): what a profile change does to what patients are told.

Two patients, ten sessions each: one paying cash, and, when the clinic lists in-network insurers,
one insured by the first of them with a common employer plan (a $1,000 deductible not yet met,
20 percent coinsurance, a $5,000 out-of-pocket maximum, 20 visits a year, a prescription and a
low-back-pain diagnosis: illustrative values within the ranges DOMAIN.md "Cost sharing" gives).
"""

from __future__ import annotations

from estimator import Estimate, Scenario, estimate

from ..clinics import Clinic
from ..i18n import N_
from ..staff import parse_pairs, scenario_from_pairs

SESSIONS = 10
CASH = N_("A patient paying cash, %(sessions)s sessions")
INSURED = N_("A patient insured by %(insurer)s, %(sessions)s sessions")
_CASH_PAIRS = f"payer=self_pay sessions={SESSIONS}"
_INSURED_PAIRS = (f"payer=commercial network=in purpose=medical prescription=yes "
                  f"diagnosis_codes=M54.50 covers_massage_therapists=yes preauth=not_required "
                  f"deductible=1000 deductible_met=0 coinsurance_pct=20 oop_max=5000 oop_met=0 "
                  f"visit_limit=20 visits_used=0 sessions={SESSIONS}")


def patients(clinic: Clinic) -> list[tuple[str, dict[str, object], Scenario]]:
    """(message id, its parameters, scenario) of each typical patient of the clinic."""
    found: list[tuple[str, dict[str, object], Scenario]] = [
        (CASH, {"sessions": SESSIONS}, scenario_from_pairs(parse_pairs(_CASH_PAIRS), clinic)),
    ]
    if clinic.payers:
        insurer = clinic.payers[0].name
        pairs = parse_pairs(_INSURED_PAIRS)
        pairs["insurer"] = insurer
        found.append((INSURED, {"insurer": insurer, "sessions": SESSIONS},
                      scenario_from_pairs(pairs, clinic)))
    return found


def estimates(clinic: Clinic) -> dict[str, tuple[str, dict[str, object], Estimate]]:
    """Each typical patient's estimate, keyed by who they are (cash, or the insurer's name)."""
    return {str(params.get("insurer", "cash")): (message, params, estimate(scenario))
            for message, params, scenario in patients(clinic)}
