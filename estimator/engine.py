"""`estimate(scenario)`: the one entry point every channel calls."""

from decimal import Decimal

from . import icd10, walk
from .coverage import Facts, findings, payer_route_open, verdict
from .estimate import CostRange, DiagnosisCheck, Estimate, Totals
from .money import ZERO
from .next_steps import next_steps
from .routes import RouteInputs, cheapest, routes
from .scenario import Scenario
from .terms import Terms, WorstFor, all_best, all_worst, resolve, unknowns

# Notes shown when paying cash beats billing the plan (DOMAIN.md "Cost sharing"; the clinic's
# network contract binds it to bill the plan unless the patient chooses not to).
CASH_BEATS_INSURANCE_NOTES = ("cash_not_counted_toward_deductible",
                              "in_network_cash_only_if_not_billed")


def _diagnoses(s: Scenario) -> list[DiagnosisCheck]:
    return [icd10.check(code) for code in (s.diagnosis_codes or [])]


def _payer_walk(s: Scenario, t: Terms, payer_open: bool) -> walk.Walk:
    if not payer_open:
        return walk.not_covered(t, s.sessions)
    if s.health_plan:
        return walk.health_plan(t, s.sessions)
    if s.payer == "auto":
        return walk.auto_pip(t, s.sessions)
    if s.payer == "workers_comp":
        return walk.workers_comp(t, s.sessions)
    return walk.self_pay(t, s.sessions)


def _patient_total(w: walk.Walk) -> Decimal:
    return sum((row.patient for row in w.rows), ZERO)


def _walk_total(s: Scenario, case: WorstFor) -> Decimal:
    return _patient_total(_payer_walk(s, resolve(s, case), True))


def _cases(s: Scenario, names: list[str]) -> tuple[WorstFor, WorstFor]:
    """The worst and the best case. Each unknown has a fixed worse side except the network: out of
    network usually costs more, but not when its cost sharing is lower, so both sides are walked."""
    if "network" not in names:
        return all_worst, all_best
    flip_worst: WorstFor = lambda name: name != "network"  # noqa: E731
    flip_best: WorstFor = lambda name: name == "network"  # noqa: E731
    worst = flip_worst if _walk_total(s, flip_worst) > _walk_total(s, all_worst) else all_worst
    best = flip_best if _walk_total(s, flip_best) < _walk_total(s, all_best) else all_best
    return worst, best


def _range(
    s: Scenario, names: list[str], worst: WorstFor, best: WorstFor, high: Decimal
) -> CostRange | None:
    """Best case of every unknown vs. the worst; the unknowns ranked by how much each narrows it."""
    if not names:
        return None
    low = _walk_total(s, best)

    def narrowing(name: str) -> Decimal:
        # Unknowns interact (with every visit used, the network no longer matters), so each is
        # measured both ways: known among the others at their worst, and among them at their best.
        known_among_worst = _walk_total(s, lambda o: best(o) if o == name else worst(o))
        known_among_best = _walk_total(s, lambda o: worst(o) if o == name else best(o))
        return max(high - known_among_worst, known_among_best - low)

    effect = {name: narrowing(name) for name in names}
    ranked = sorted((n for n in names if effect[n] > 0), key=lambda n: -effect[n])
    if low == high and not ranked:
        return None  # the unknowns do not change this patient's total
    return CostRange(low=low, high=high, widened_by=ranked)


def estimate(s: Scenario) -> Estimate:
    diagnoses = _diagnoses(s)
    unknown = unknowns(s)
    found = findings(Facts(s, diagnoses, unknown))
    reasons = [f.reason for f in found]
    coverage = verdict(found)
    payer_open = payer_route_open(coverage) and s.payer != "self_pay"
    # Unknowns widen the payer's total only when the payer's route is open at all.
    unknown = unknown if payer_open else []
    worst, best = _cases(s, unknown)
    terms = resolve(s, worst)  # totals and routes plan for the worst case
    payer = _payer_walk(s, terms, payer_open)
    if payer.beyond_limit and "visit_limit_reached" not in reasons:
        reasons.append("visit_limit_reached")
    cash_total = walk.cash_price(terms) * s.sessions
    found_routes = routes(RouteInputs(s, payer_open, payer, cash_total))
    best_route = cheapest(found_routes)
    cost_range = _range(s, unknown, worst, best, _patient_total(payer))
    rows = walk.self_pay(terms, s.sessions).rows if s.payer == "self_pay" else payer.rows
    covered = sum(1 for row in rows if row.covered)
    notes = _notes(s, found_routes)
    return Estimate(
        coverage=coverage,
        reasons=reasons,
        units_per_session=terms.units,
        diagnoses=diagnoses,
        sessions=rows,
        totals=Totals(
            patient=sum((r.patient for r in rows), ZERO),
            insurer=sum((r.insurer for r in rows), ZERO),
            covered_sessions=covered,
            uncovered_sessions=len(rows) - covered,
        ),
        range=cost_range,
        routes=found_routes,
        best_route=best_route.route,
        next_steps=next_steps(s, reasons, diagnoses, cost_range.widened_by if cost_range else [],
                              found_routes, best_route.route),
        notes=notes,
    )


def _notes(s: Scenario, found_routes) -> list[str]:
    by_name = {r.route: r for r in found_routes}
    notes: list[str] = []
    insurance, cash = by_name.get("insurance"), by_name["self_pay"]
    if insurance and insurance.available and cash.patient_total < insurance.patient_total:
        notes += CASH_BEATS_INSURANCE_NOTES
    if s.hsa_fsa == "fsa" and by_name.get("hsa_fsa") and by_name["hsa_fsa"].available:
        notes.append("fsa_use_it_or_lose_it")
    return notes
