"""`estimate(scenario)`: the one entry point every channel calls."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from . import icd10
from .accounts import accounts
from .calendar import start_of
from .chains import CHAINS, Bounds, Walks
from .course import Course, CourseLike
from .coverage import Facts, Finding, authorized_visits, findings, payer_route_open, verdict
from .dated import DatedCourse, dated_plan
from .dated_steps import by_plan_year, calendar_steps, date_rows
from .domains import (
    Answers,
    primary_unknowns,
)
from .estimate import (
    CostRange,
    DiagnosisCheck,
    Estimate,
    PaidBy,
    Recommended,
    Route,
    RouteName,
    SessionRow,
    Totals,
)
from .fixes import once_fixed
from .money import ZERO
from .next_steps import next_steps
from .parameters import MEDICARE_PART_B_YEAR
from .routes import Payers, names, recommended, route
from .scenario import Scenario
from .units import units_for_minutes
from .unknown_price import estimate_without_price

# Notes shown when paying cash beats billing the plan (DOMAIN.md "Cost sharing"; the clinic's
# network contract binds it to bill the plan unless the patient chooses not to).
CASH_BEATS_INSURANCE_NOTES = ("cash_not_counted_toward_deductible",
                              "in_network_cash_only_if_not_billed")


def _diagnoses(s: Scenario) -> list[DiagnosisCheck]:
    return [icd10.check(code) for code in (s.diagnosis_codes or [])]


def _closing_reason(found: Sequence[Finding]) -> str | None:
    """The finding that decides the verdict (the first of the most severe level)."""
    for level in ("not_covered", "unlikely"):
        for f in found:
            if f.level == level:
                return f.reason
    return None


def _payers(s: Scenario, diagnoses: Sequence[DiagnosisCheck], found: list[Finding]
            ) -> tuple[Payers, list[str]]:
    """Which payers would pay; also the findings about the plan behind auto or workers' comp."""
    primary_open = payer_route_open(verdict(found)) and s.payer != "self_pay"
    if s.health_plan:
        return Payers(False, None, primary_open, _closing_reason(found)), []
    if s.plan_payer is None:
        return Payers(primary_open, _closing_reason(found), False, None), []
    view = s.model_copy(update={"payer": s.plan_payer, "fallback_payer": None})
    plan_found = findings(Facts(view, diagnoses, primary_unknowns(view)))
    payers = Payers(primary_open, _closing_reason(found),
                    payer_route_open(verdict(plan_found)), _closing_reason(plan_found))
    return payers, [f.reason for f in plan_found]


# The route of the first payer alone, always listed for these payers.
FIRST_ALONE: dict[str, RouteName] = {"auto": "auto_pip", "workers_comp": "workers_comp"}


def _reaches_plan(first: Bounds) -> bool:
    """Whether workers' comp or PIP (the route of the first payer alone) may leave sessions over
    for the plan behind them."""
    return any(r.sessions > len(r.first) for r in (first.low, first.high))


def _closed_networks(s: Scenario, diagnoses: Sequence[DiagnosisCheck]) -> frozenset[str]:
    """With the network unknown, the sides the plan would refuse whatever the amounts: the rules
    run on the plan with each network in turn (a POS plan pays in network only with a referral,
    out of network without one)."""
    # Only a POS plan's rules differ by side (its referral binds in network only); the other
    # differences (no out-of-network benefits, Medicaid enrolment) are in the plan's options.
    if s.plan_payer in (None, "medicare") or s.network_status != "unknown" or (
            s.plan_type != "pos"):
        return frozenset()
    closed = set()
    for side in ("in", "out"):
        view = s.model_copy(update={"payer": s.plan_payer, "fallback_payer": None,
                                    "network": side})
        if not payer_route_open(verdict(findings(Facts(view, diagnoses, primary_unknowns(view))))):
            closed.add(side)
    return frozenset(closed)


def _listed(found: list[RouteName], all_bounds: dict[RouteName, Bounds], payers: Payers
            ) -> list[RouteName]:
    """Drop a "_then_cash" route that never pays cash (nothing left uncovered) or whose payers
    would all refuse (then it is just paying the clinic yourself)."""
    def keep(name: RouteName) -> bool:
        chain = CHAINS[name]
        if not chain.cash_tail or name == "self_pay":
            return True
        if not ((chain.first and payers.first_open) or (chain.plan and payers.plan_open)):
            return False
        sibling = all_bounds[name.removesuffix("_then_cash")]  # type: ignore[index]
        mine = all_bounds[name]
        return (mine.low.total, mine.high.total) != (sibling.low.total, sibling.high.total)
    return [name for name in found if keep(name)]


def _widened_by(c: CourseLike, best: RouteName, current: Bounds) -> list[str]:
    """The unknowns that change the recommended route's range, the one whose answer leaves the
    narrowest range whatever it turns out to be (minimax) first."""
    width = current.high.total - current.low.total
    ranked: list[tuple[int, int, int, str]] = []
    for order, name in enumerate(c.unknowns):
        widths = []
        for answer in c.ends(name):
            low, high = c.span(best, {name: answer})
            widths.append(high - low)
        if min(widths) < width:
            ranked.append((max(widths), sum(widths), order, name))
    return [name for *_, name in sorted(ranked)]


def _range(c: CourseLike, best: RouteName, b: Bounds) -> CostRange | None:
    if b.low.total == b.high.total:
        return None
    return CostRange(low=Decimal(b.low.total).scaleb(-2), high=Decimal(b.high.total).scaleb(-2),
                     widened_by=_widened_by(c, best, b))


def _contenders(found_routes: Sequence[Route], best: Route) -> list[Route]:
    """The allowed route that could still beat the recommended one if the unknowns turn out
    well: what to ask about it is worth a next step too."""
    better = [r for r in found_routes if r.available and r is not best and r.low is not None
              and r.low < best.patient_total]
    return sorted(better, key=lambda r: r.low)[:1]  # type: ignore[arg-type, return-value]


def _sessions_by_payer(session_rows: Sequence[SessionRow]) -> dict[PaidBy, int]:
    counts: dict[PaidBy, int] = {}
    for row in session_rows:
        counts[row.paid_by] = counts.get(row.paid_by, 0) + 1
    return counts


def estimate(s: Scenario, today: date | None = None) -> Estimate:
    """What the patient would pay for the course, each way to pay it, and what to do next.

    `today` is the caller's day (the clinic's time zone): the course starts then unless
    `s.start_date` says otherwise; with neither, the estimate has no dates. The estimator never
    reads the clock, so the same arguments always give the same estimate."""
    result = _priced(s, today)
    fixed = once_fixed(s, result, lambda then: _priced(then, today))
    return result if fixed is None else result.model_copy(update={"once_fixed": fixed})


def _priced(s: Scenario, today: date | None) -> Estimate:
    if s.fees.billed_per_unit is None:
        return estimate_without_price(s, lambda priced: _estimate(priced, today))
    return _estimate(s, today)


def _estimate(s: Scenario, today: date | None) -> Estimate:
    start = start_of(s, today)
    diagnoses = _diagnoses(s)
    found = findings(Facts(s, diagnoses, primary_unknowns(s)))
    reasons = [f.reason for f in found]
    payers, plan_reasons = _payers(s, diagnoses, found)
    closed = _closed_networks(s, diagnoses)
    w = Walks(s)
    plan = dated_plan(s, start)
    c: CourseLike = (Course(Answers(s, closed=closed), w, payers) if plan.whole
                     else DatedCourse(s, payers, closed, plan.candidates))
    listed = names(s, w.cash < w.billed)
    all_bounds = {name: c.bounds(name) for name in listed}
    first_alone = FIRST_ALONE.get(s.payer)
    if first_alone is not None:
        payers = replace(payers, plan_reached=_reaches_plan(all_bounds[first_alone]))
    found_routes = [route(s, name, all_bounds[name], payers)
                    for name in _listed(listed, all_bounds, payers)]
    best = recommended(found_routes, payers.plan_reached)
    chosen = all_bounds[best.route]
    session_rows = date_rows(s, plan, c.rows(chosen))
    plan_left_out = (CHAINS[best.route].plan and chosen.high.plan is not None
                     and any(r.paid_by == "cash" for r in session_rows))
    if plan_left_out:
        _left_out_reason(s, session_rows, c.unknowns, reasons)
    cost_range = _range(c, best.route, chosen)
    questions = list(cost_range.widened_by) if cost_range else []
    for other in _contenders(found_routes, best):
        questions += [q for q in _widened_by(c, other.route, all_bounds[other.route])
                      if q not in questions]
    account = accounts(s, best.route, best.patient_total, crosses=plan.crosses,
                       rows=session_rows)
    # The plan behind workers' comp or PIP matters to the patient only if the recommended route
    # may reach it.
    plan_used = s.health_plan or (CHAINS[best.route].plan and payers.plan_reached)
    covered = sum(1 for r in session_rows if r.paid_by != "cash")
    steps = next_steps(s, reasons, diagnoses, questions, best, session_rows, account,
                       plan_reasons if plan_used else ())
    steps += calendar_steps(s, plan, c, payers, closed, best, session_rows, account)
    return Estimate(
        coverage=verdict(found),
        reasons=reasons,
        units_per_session=units_for_minutes(s.session_minutes),
        diagnoses=diagnoses,
        sessions=session_rows,
        totals=Totals(
            patient=sum((r.patient for r in session_rows), ZERO),
            insurer=sum((r.insurer for r in session_rows), ZERO),
            covered_sessions=covered,
            uncovered_sessions=len(session_rows) - covered,
            by_plan_year=by_plan_year(s, plan, session_rows),
        ),
        range=cost_range,
        routes=found_routes,
        recommended=Recommended(route=best.route, patient_total=best.patient_total,
                                sessions_by_payer=_sessions_by_payer(session_rows)),
        best_route=best.route,
        accounts=account,
        next_steps=steps,
        notes=_notes(s, found_routes, best, plan_used, session_rows),
    )


def _left_out_reason(s: Scenario, session_rows: Sequence[SessionRow], unknown: Sequence[str],
                     reasons: list[str]) -> None:
    """Why the worst case leaves sessions to the patient although the plan pays: the
    pre-authorization's visits ran out (its sessions after them need a new approval, DOMAIN.md
    "Who pays"), or the visit limit."""
    authorized = authorized_visits(s)
    by_plan = sum(1 for r in session_rows if r.paid_by == "health_plan")
    if authorized is not None and by_plan >= authorized:
        reasons.append("preauth_visits_may_run_out")
    elif "visit_limit_reached" not in reasons:
        # With the limit or the visits used unknown, the worst case counts the low end of
        # typical limits: the sessions only may be beyond it.
        guessed = {"visit_limit", "visits_used"} & set(unknown)
        reasons.append("visit_limit_may_be_reached" if guessed else "visit_limit_reached")


def _notes(s: Scenario, found_routes: Sequence[Route], best: Route, plan_used: bool,
           rows: Sequence[SessionRow] = ()) -> list[str]:
    notes: list[str] = []
    insured = [r for r in found_routes if CHAINS[r.route].plan and r.available]
    if best.route == "self_pay" and insured:
        notes.append("cash_not_counted_toward_deductible")
        if s.network == "in":
            notes.append("in_network_cash_only_if_not_billed")
    if not plan_used or not insured:  # how the plan's figures were reckoned: none are shown
        return notes
    payer = s.plan_payer
    side = "oon_" if s.network == "out" else ""
    paid = getattr(s.plan, side + "deductible_met")
    if (payer not in (None, "medicare") and side + "oop_met" not in s.plan.model_fields_set
            and paid is not None and paid != 0
            and getattr(s.plan, side + "oop_max") != "none"):
        notes.append("oop_met_from_deductible")
    if payer == "medicare" and s.provider_type == "physical_therapist":
        law = [n for n in ("deductible", "coinsurance_pct")
               if n not in s.plan.model_fields_set or getattr(s.plan, n) is None]
        if law:
            notes.append("medicare_part_b_defaults")
        if _unpublished_deductible(s, rows):
            notes.append("medicare_part_b_later_year")
        if s.medicare_participating is not True:
            notes.append("medicare_limiting_charge")
    if payer == "medicaid" and s.network == "in":
        notes.append("medicaid_no_balance_billing")
    return notes


def _unpublished_deductible(s: Scenario, rows: Sequence[SessionRow]) -> bool:
    """Whether Medicare sessions fall in a year after that of the Part B deductible we know
    (CMS publishes each year's, DOMAIN.md "Medicare and Medicaid") and were counted with it:
    the first year's deductible when not given, a later year's when neither it nor
    `plan.next_year` gives it (a given one renews as it is)."""
    days = [r.date for r in rows if r.paid_by == "health_plan" and r.date is not None]
    if not days:
        return False
    first_year = days[0].year
    given_now = "deductible" in s.plan.model_fields_set and s.plan.deductible is not None
    nxt = s.plan.next_year
    given_next = (nxt is not None and "deductible" in nxt.model_fields_set
                  and nxt.deductible is not None)
    return any(day.year > MEDICARE_PART_B_YEAR
               and not (given_now or (given_next and day.year > first_year)) for day in days)
