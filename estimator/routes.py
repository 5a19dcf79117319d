"""Payment routes: every way this patient could pay for the course, and which is recommended.

Each route says whether it is allowed, what the patient would pay at worst (and at best), why it is
not available when it is not, and the steps it needs. The recommended route is the cheapest
allowed one at its worst case (what the patient can plan for); ties go by `TIE_ORDER`.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from .chains import CHAINS, Bounds, Chain, money
from .estimate import NextStep, Route, RouteName
from .next_steps import step as _step
from .scenario import Scenario

# Ties go to the earlier route: a payer that owes the care first, cash last.
TIE_ORDER: tuple[RouteName, ...] = (
    "workers_comp", "workers_comp_then_insurance", "workers_comp_then_insurance_then_cash",
    "workers_comp_then_cash",
    "auto_pip", "auto_pip_then_insurance", "auto_pip_then_insurance_then_cash",
    "auto_pip_then_cash",
    "insurance", "insurance_then_cash", "self_pay",
)
# Providers must bill Medicare for the services it covers (SSA 1848(g)(4)); an enrolled provider
# must accept Medicaid's payment as payment in full (42 CFR 447.15). So while such a plan would
# pay, a route that bypasses it is not allowed.
MUST_BILL = {"medicare": "must_bill_medicare", "medicaid": "must_bill_medicaid"}


@dataclass(frozen=True)
class Payers:
    """Whether each payer would pay at all (its verdict is likely or uncertain), and the reason
    it would not when it is closed."""

    first_open: bool
    first_reason: str | None
    plan_open: bool
    plan_reason: str | None
    # Whether any session can reach the plan: always for a health-plan payer; behind workers'
    # comp or PIP, only when they may leave sessions over.
    plan_reached: bool = True


def names(s: Scenario, cash_cheaper: bool) -> list[RouteName]:
    """The routes that apply to this patient, in `TIE_ORDER` (the `_then_cash` ones only when the
    clinic's cash rate is below its charge)."""
    first = {"workers_comp": "workers_comp", "auto": "auto_pip"}.get(s.payer)
    found: list[RouteName] = []
    for name in TIE_ORDER:
        chain = CHAINS[name]
        if name == "self_pay":
            found.append(name)
        elif chain.cash_tail and not cash_cheaper:
            continue
        elif not name.startswith(first or "insurance"):
            continue
        elif chain.plan and s.plan_payer is None:
            continue
        else:
            found.append(name)
    return found


def _availability(s: Scenario, chain: Chain, payers: Payers, bounds: Bounds
                  ) -> tuple[bool, str | None]:
    if chain.plan:
        # A closed first payer simply passes the course on: "workers' comp, then the plan" is the
        # route for a denied claim, "PIP, then the plan" for a benefit that ran out.
        return payers.plan_open, payers.plan_reason
    if chain.first is not None and not payers.first_open:
        return False, payers.first_reason
    # Medicare and Medicaid pay after workers' comp and auto insurance: the rule binds only the
    # sessions left over for them. Medicaid's binds only an enrolled (in-network) provider.
    left_over = any(r.sessions > len(r.first) for r in (bounds.low, bounds.high))
    enrolled = s.plan_payer != "medicaid" or s.network == "in"
    if (payers.plan_open and s.plan_payer in MUST_BILL and enrolled and left_over
            and payers.plan_reached):
        return False, MUST_BILL[s.plan_payer]
    return True, None


def _insurance_steps(s: Scenario) -> list[NextStep]:
    steps = [_step("bring_insurance_card")]
    if s.provider_type == "massage_therapist":
        steps.append(_step("bring_prescription"))
    if s.preauth_status in ("required", "unknown") and s.plan_payer != "medicare":
        steps.append(_step("request_preauth"))
    return steps


def _steps(s: Scenario, chain: Chain, bounds: Bounds, payers: Payers) -> list[NextStep]:
    steps: list[NextStep] = []
    if chain.first == "workers_comp" and payers.first_open:
        steps += [_step("bring_wc_claim_number"), _step("bring_doctors_order")]
    if chain.first == "pip" and payers.first_open:
        steps.append(_step("file_pip_claim", state=s.state))
    if chain.plan:
        steps += _insurance_steps(s)
    high = bounds.high
    uncovered = high.sessions - len(high.first) - len(high.plan_shares)
    if chain.cash_tail and (chain.plan or chain.first) and uncovered:
        cash = s.fees.cash_per_session
        steps.append(_step("use_cash_after_limit", sessions=uncovered,
                           cash_per_session=None if cash is None else f"{cash:.2f}",
                           **_if_uncovered(s, chain, bounds, uncovered)))
    if chain.cash_tail and not chain.plan and not chain.first:
        steps.append(_step("request_good_faith_estimate"))
    return steps


def _if_uncovered(s: Scenario, chain: Chain, bounds: Bounds, uncovered: int) -> dict[str, str]:
    """When only the worst case leaves sessions uncovered, the condition it rests on: the
    workers' comp claim not being accepted (authorized treatment costs the worker nothing,
    DOMAIN.md "Alternative routes"), or some other unknown ("if")."""
    low = bounds.low
    if low.sessions - len(low.first) - len(low.plan_shares) >= uncovered:
        return {}  # uncovered whatever the unknowns turn out to be
    if (chain.first == "workers_comp" and not chain.plan
            and s.workers_comp.claim_accepted is None):
        return {"condition": "claim_not_accepted"}
    return {"condition": "worst_case"}


def route(s: Scenario, name: RouteName, bounds: Bounds, payers: Payers) -> Route:
    chain = CHAINS[name]
    available, reason = _availability(s, chain, payers, bounds)
    low, high = money(bounds.low.total), money(bounds.high.total)
    worst = bounds.high
    paid = sum(x.payer for x in worst.first) + sum(x.payer for x in worst.plan_shares)
    return Route(route=name, available=available, patient_total=high,
                 low=None if low == high else low, reason=None if available else reason,
                 steps=_steps(s, chain, bounds, payers), insurer_total=money(paid))


def recommended(routes: Sequence[Route], plan_reached: bool = True) -> Route:
    """The allowed route with the lowest worst-case total; on a tie the one that can cost less,
    then, when sessions may be left over for the plan, a route through it (PIP then the plan is
    never worse than PIP alone), then `TIE_ORDER`."""
    available = [r for r in routes if r.available]
    return min(available, key=lambda r: (
        r.patient_total, r.patient_total if r.low is None else r.low,
        not (plan_reached and CHAINS[r.route].plan), TIE_ORDER.index(r.route)))
