"""Payment routes: every way this patient could pay for the course, and which is cheapest.

Each route says whether it is available, what the patient would pay (also when it is not
available: what it would cost) and the steps it needs.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from .estimate import NextStep, Route, RouteName
from .money import ZERO, share
from .parameters import ACCOUNT_ANNUAL_LIMIT, PIP_EXCLUDES_MASSAGE
from .scenario import Scenario
from .walk import Walk

# Ties go to the earlier route: a payer that owes the care first, cash last.
TIE_ORDER: tuple[RouteName, ...] = (
    "workers_comp", "auto_pip", "insurance", "insurance_then_cash", "hsa_fsa", "self_pay",
)


@dataclass(frozen=True)
class RouteInputs:
    scenario: Scenario
    payer_open: bool  # the payer's verdict is likely or uncertain
    payer_walk: Walk  # the payer's walk (worst case of the unknowns)
    cash_total: Decimal  # the course at the clinic's cash rate


def _total(walk: Walk) -> Decimal:
    return sum((row.patient for row in walk.rows), ZERO)


def _step(step: str, **params) -> NextStep:
    return NextStep(code=step, params=params)


def _insurance_steps(s: Scenario) -> list[NextStep]:
    steps = [_step("bring_insurance_card")]
    if s.provider_type == "massage_therapist":
        steps.append(_step("bring_prescription"))
    if s.preauth_status in ("required", "unknown"):
        steps.append(_step("request_preauth"))
    return steps


def insurance(r: RouteInputs) -> Route:
    """Bill the health plan: the cost-sharing walk."""
    return Route(route="insurance", available=r.payer_open, patient_total=_total(r.payer_walk),
                 steps=_insurance_steps(r.scenario))


def insurance_then_cash(r: RouteInputs) -> Route:
    """Bill the plan up to the visit limit, then pay the clinic's cash rate for the rest."""
    s, walk = r.scenario, r.payer_walk
    beyond = [row for row in walk.rows if not row.covered]
    covered_part = sum((row.patient for row in walk.rows if row.covered), ZERO)
    cash = s.fees.cash_per_session
    cash_part = sum((cash if cash is not None else row.billed for row in beyond), ZERO)
    steps = [*_insurance_steps(s),
             _step("use_cash_after_limit", sessions=len(beyond),
                   cash_per_session=None if cash is None else f"{cash:.2f}")]
    return Route(route="insurance_then_cash", available=r.payer_open,
                 patient_total=covered_part + cash_part, steps=steps)


def workers_comp(r: RouteInputs) -> Route:
    """An accepted workers' compensation claim: authorized treatment costs the worker nothing."""
    accepted = r.scenario.workers_comp.claim_accepted is True
    steps = [_step("bring_wc_claim_number"), _step("bring_doctors_order")]
    return Route(route="workers_comp", available=r.payer_open and accepted, patient_total=ZERO,
                 steps=steps)


def auto_pip(r: RouteInputs) -> Route:
    """Auto PIP or MedPay, in any state whose PIP does not exclude massage."""
    s = r.scenario
    known = s.auto.pip_remaining is not None
    allowed_state = s.state not in PIP_EXCLUDES_MASSAGE
    steps = [_step("file_pip_claim", state=s.state)]
    return Route(route="auto_pip", available=r.payer_open and known and allowed_state,
                 patient_total=_total(r.payer_walk), steps=steps)


def self_pay(r: RouteInputs) -> Route:
    """The clinic's cash rate, always available."""
    return Route(route="self_pay", available=True, patient_total=r.cash_total,
                 steps=[_step("request_good_faith_estimate")])


def hsa_fsa(s: Scenario, others: Sequence[Route]) -> Route:
    """Pre-tax money (HSA, FSA, HRA) pays for the cheapest available route. Massage is a
    dual-purpose expense: it qualifies only for a medical condition backed by a prescription or a
    Letter of Medical Necessity (DOMAIN.md "Alternative routes")."""
    eligible = s.purpose == "medical" and (s.prescription is True or s.lmn)
    target = cheapest(others)
    limit = ACCOUNT_ANNUAL_LIMIT.get(s.hsa_fsa)
    from_account = target.patient_total if limit is None else min(target.patient_total, limit)
    savings = None if s.tax_rate_pct is None else share(s.tax_rate_pct, from_account)
    steps = [_step("pay_with_account", account=s.hsa_fsa, route=target.route)]
    if not (s.prescription is True or s.lmn):
        steps.insert(0, _step("ask_for_lmn"))
    return Route(
        route="hsa_fsa", available=eligible, pays_for=target.route, tax_savings=savings,
        patient_total=target.patient_total - (savings or ZERO), steps=steps,
    )


def cheapest(routes: Sequence[Route]) -> Route:
    """The available route with the lowest patient total; ties go by `TIE_ORDER`."""
    available = [r for r in routes if r.available]
    return min(available, key=lambda r: (r.patient_total, TIE_ORDER.index(r.route)))


def routes(r: RouteInputs) -> list[Route]:
    """The routes that apply to this patient, in `TIE_ORDER`."""
    s = r.scenario
    found: list[Route] = []
    if s.payer == "workers_comp":
        found.append(workers_comp(r))
    if s.payer == "auto":
        found.append(auto_pip(r))
    if s.health_plan:
        found.append(insurance(r))
        # Only when the plan pays some sessions: all beyond the limit is simply paying cash.
        if 0 < r.payer_walk.beyond_limit < s.sessions:
            found.append(insurance_then_cash(r))
    found.append(self_pay(r))
    if s.hsa_fsa != "none":
        found.insert(len(found) - 1, hsa_fsa(s, found))
    return found
