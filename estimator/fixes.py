"""What the course would cost once the paperwork an insurer asks for is in order.

Some reasons an insurer would not pay are the patient's to fix before the first visit: a
referral or prescription (DOMAIN.md "Who pays": it names the diagnosis, frequency and duration),
a billable diagnosis code on it (DOMAIN.md "Codes": M54.5 is no longer billable, injury codes
need a 7th character), the plan's pre-authorization. When one of them keeps the plan (or
workers' comp, or PIP) from paying, and billing it could then cost less than the way recommended
now, a billing office would say: get it first. So the estimate also says what billing the insurer
would cost with the paperwork in order (`Estimate.once_fixed`), worked out by the same
estimator on the scenario as it would be then.

Not fixable this way: a plan that excludes the provider or the service, a visit limit used up,
a claim refused, a wellness code (the massage treats no condition).
"""

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .estimate import Estimate, OnceFixed, Route
from .scenario import Scenario

# The reason a route is refused -> what the scenario is once it is fixed. The diagnosis becomes
# unknown rather than invented: the prescription will name it, and no amount depends on which
# billable code it is.
FIXES: dict[str, dict[str, Any]] = {
    "no_referral": {"prescription": True},
    "no_prescription": {"prescription": True},
    "no_diagnosis": {"diagnosis_codes": None},
    "nonbillable_diagnosis": {"diagnosis_codes": None},
    "invalid_diagnosis": {"diagnosis_codes": None},
    "external_cause_only": {"diagnosis_codes": None},
    "preauth_required": {"preauth": "obtained"},
}


# What may still stand between the patient and the insurer's payment once the paperwork is in
# order: said with the figure.
OPEN = ("preauth_unknown", "claim_unknown", "price_unknown")


def _blocking(result: Estimate) -> list[str]:
    """The fixable reasons behind a route that is refused, or behind the verdict, in FIXES'
    order."""
    found = set(result.reasons) | {r.reason for r in result.routes if not r.available}
    return [reason for reason in FIXES if reason in found]


def once_fixed(s: Scenario, result: Estimate, estimate: Callable[[Scenario], Estimate]
               ) -> OnceFixed | None:
    """Billing the insurer with the paperwork in order, when that can cost less than the
    recommended way now (its best case below the recommended one's worst): the insurer's way
    that can cost least then."""
    if s.payer == "self_pay" or s.purpose != "medical":
        return None
    fixes = _blocking(result)
    if not fixes:
        return None
    update: dict[str, Any] = {}
    for reason in fixes:
        update.update(FIXES[reason])
    then = estimate(s.model_copy(update=update))
    # The way through an insurer that can cost least then (paying yourself may still be
    # recommended then, for its certainty: the patient is told what the insurer could save).
    insured = [r for r in then.routes if r.available and r.route != "self_pay"]
    if not insured:
        return None
    best = min(insured, key=lambda r: (_lowest(r), r.patient_total))
    if _lowest(best) >= result.recommended.patient_total:
        return None
    return OnceFixed(fixes=fixes, route=best.route, patient_total=best.patient_total,
                     low=best.low, insurer_total=best.insurer_total,
                     open=[r for r in then.reasons if r in OPEN])


def _lowest(r: Route) -> Decimal:
    return r.patient_total if r.low is None else r.low
