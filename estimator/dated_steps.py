"""The dated estimate's rows, totals by plan year and next steps: timing advice, account
deadlines and validity windows (DOMAIN.md "Calendar" and "Accounts"; the dates themselves in
`estimator.calendar`, the walk by plan year in `estimator.dated`)."""

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from .calendar import (
    DAY,
    fsa_carryover,
    fsa_grace_end,
    lmn_end,
    plan_year_of,
    prescription_end,
)
from .dated import DatedCourse, DatedPlan
from .estimate import Accounts, NextStep, PlanYearTotal, Route, RouteName, SessionRow
from .money import ZERO
from .routes import Payers
from .scenario import Scenario


def _windows(s: Scenario) -> list[tuple[str, date | None, int | None]]:
    """The validity windows: code, last valid day, visits approved."""
    out: list[tuple[str, date | None, int | None]] = []
    rx = prescription_end(s)
    if rx is not None:
        out.append(("prescription_expires", rx, None))
    if s.preauth_status == "obtained" and (s.preauth_end or s.preauth_visits is not None):
        out.append(("preauth_expires", s.preauth_end, s.preauth_visits))
    lmn = lmn_end(s)
    if lmn is not None and s.lmn and s.hsa_fsa != "none":
        out.append(("lmn_expires", lmn, None))
    return out


def _outside(day: date, n: int, end: date | None, visits: int | None) -> bool:
    return (end is not None and day > end) or (visits is not None and n > visits)


def date_rows(s: Scenario, plan: DatedPlan, rows: list[SessionRow]) -> list[SessionRow]:
    """Each row with its day and the validity windows it falls outside of."""
    if not plan.dates:
        return rows
    windows = _windows(s)
    out = []
    for r, day in zip(rows, plan.dates, strict=True):
        flags = tuple(code for code, end, visits in windows if _outside(day, r.n, end, visits))
        # Positional: dataclasses.replace costs more than the rest of a known estimate's rows.
        out.append(SessionRow(r.n, r.paid_by, r.billed, r.allowed, r.covered, r.deductible,
                              r.copay, r.coinsurance, r.balance_bill, r.patient, r.insurer,
                              day, flags))
    return out


def by_plan_year(s: Scenario, plan: DatedPlan, rows: Sequence[SessionRow]) -> list[PlanYearTotal]:
    ys = s.plan.year_start
    # The plan's years matter only to the sessions that go through it (not to paying the clinic).
    through_plan = any(r.paid_by == "health_plan" for r in rows)
    if not plan.dates or ys is None or not s.health_plan or not through_plan:
        return []
    years: dict[tuple[date, date], list[SessionRow]] = {}
    for row in rows:
        assert row.date is not None
        years.setdefault(plan_year_of(ys, row.date), []).append(row)
    return [PlanYearTotal(starts=first, ends=last, sessions=len(part),
                          patient=sum((r.patient for r in part), ZERO),
                          insurer=sum((r.insurer for r in part), ZERO))
            for (first, last), part in years.items()]


def _money(cents: int) -> str:
    return f"{Decimal(cents).scaleb(-2):.2f}"


def _prefix_costs(course: DatedCourse, later: bool, n: int, name: RouteName) -> list[int]:
    """What the first k sessions cost the patient (k = 0..n) if all fell in one plan year (the
    first, or a later one), at the route's worst case."""
    worst = course.stretch(later, n).bounds(name).high
    paid = [x.patient for x in worst.first] + [x.patient for x in worst.plan_shares]
    paid += [worst.tail_price] * (n - len(paid))
    costs = [0]
    for cents in paid:
        costs.append(costs[-1] + cents)
    return costs


def _split_costs(course: DatedCourse, n: int, name: RouteName) -> Callable[[int, int], int]:
    """What k sessions before the reset and m after cost the patient, at the route's worst case:
    the sum of each plan year's prefix, unless a pre-authorization caps the visits. That cap does
    not start again with the plan year, so the years are not independent: then the split is
    walked as it is."""
    if course.s.preauth_visits is None:
        first = _prefix_costs(course, False, n, name)
        second = _prefix_costs(course, True, n, name)
        return lambda k, m: first[k] + second[m]
    return lambda k, m: course.split_bounds((k, m), name).high.total


def _best_move(cost: Callable[[int, int], int], split: tuple[int, int], moves: range,
               shift: int) -> tuple[int, int]:
    """The number of sessions to move across the reset (`shift` +1: into the first plan year,
    -1: out of it) that saves most, and the saving in cents; the smallest such number."""
    k, m = split
    now = cost(k, m)
    best = (0, 0)
    for j in moves:
        saving = now - cost(k + shift * j, m - shift * j)
        if saving > best[1]:
            best = (j, saving)
    return best


def timing_steps(s: Scenario, plan: DatedPlan, best: Route, rows: Sequence[SessionRow],
                 c: Any, payers: Payers, closed: frozenset[str]) -> list[NextStep]:
    """When moving sessions across the next plan-year reset changes the total, by how much:
    book before it (this year's deductible is met), or wait for it (this year's visits are used
    up). Resets as in DOMAIN.md "Calendar"; the same terms renew unless `plan.next_year` says.
    The saving compares each plan year's walk at the route's worst case."""
    ys = s.plan.year_start
    if not plan.dates or ys is None or not s.health_plan or len(plan.candidates) != 1:
        return []
    start, split = plan.dates[0], plan.candidates[0]
    reset = plan_year_of(ys, start)[1] + DAY
    k, m = split[0], (split[1] if len(split) > 1 else 0)
    room = (reset - start).days - k  # one session a day at most before the reset
    # Waiting can help only when the plan leaves sessions of this plan year to the patient.
    stuck = any(r.paid_by == "cash" for r in rows[:k])
    if not (m and room > 0) and not stuck:
        return []
    n = k + m
    if isinstance(c, DatedCourse):
        course = c  # its stretches are cached by length: reuse them
    else:
        course = DatedCourse(s, payers, closed, [(k, m)])
        course.seed(n, c)  # the whole course in this plan year: already walked
    cost = _split_costs(course, n, best.route)
    if m and room > 0:
        j, saving = _best_move(cost, (k, m), range(1, min(room, m) + 1), 1)
        if saving:
            return [NextStep(code="book_before_reset", params={
                "sessions": j, "saving": _money(saving), "date": (reset - DAY).isoformat()})]
    if stuck:
        j, saving = _best_move(cost, (k, m), range(1, k + 1), -1)
        if saving:
            return [NextStep(code="wait_for_reset", params={
                "sessions": j, "saving": _money(saving), "date": reset.isoformat()})]
    return []


def account_steps(s: Scenario, plan: DatedPlan, account: Accounts | None) -> list[NextStep]:
    """An FSA's deadline: unused money is lost after the plan year, unless a grace period of up
    to 2½ months or a carryover (2026: $680) applies, one or the other (Notice 2005-42,
    DOMAIN.md "Accounts"). The FSA's plan year is taken to be the health plan's."""
    ys = s.plan.year_start
    if (account is None or account.kind != "fsa" or not account.eligible or not plan.dates
            or ys is None):
        return []
    ends = plan_year_of(ys, plan.dates[0])[1]
    if s.fsa_rollover == "grace_period":
        return [NextStep(code="fsa_grace_period", params={
            "date": fsa_grace_end(ends).isoformat(), "plan_year_end": ends.isoformat()})]
    if s.fsa_rollover == "carryover":
        year, amount = fsa_carryover(ends)
        return [NextStep(code="fsa_carryover", params={
            "date": ends.isoformat(), "amount": amount, "year": year})]
    return [NextStep(code="fsa_use_by", params={"date": ends.isoformat(),
                                                 "rule": s.fsa_rollover or "unknown"})]


def _last_day(rows: Sequence[SessionRow], end: date | None, visits: int | None) -> date:
    """A window's last covered day: its end date, or the last approved visit's day when the
    visits run out first (the day before the course when none are approved)."""
    days = []
    if end is not None:
        days.append(end)
    if visits is not None and visits < len(rows):
        first = rows[0].date
        assert first is not None
        days.append(first - DAY if visits == 0 else rows[visits - 1].date or first)
    return min(days)


def window_steps(s: Scenario, rows: Sequence[SessionRow]) -> list[NextStep]:
    """Sessions after a validity window ends: what to renew, and by when."""
    steps = []
    for code, end, visits in _windows(s):
        late = [r for r in rows if code in r.flags]
        if not late:
            continue
        params: dict[str, Any] = {"date": _last_day(rows, end, visits).isoformat(),
                                  "sessions": len(late), "first_session": late[0].n}
        if code == "preauth_expires":
            params["visits"] = visits
        steps.append(NextStep(code=code, params=params))
    return steps


def calendar_steps(s: Scenario, plan: DatedPlan, c: Any, payers: Payers,
                   closed: frozenset[str], best: Route, rows: Sequence[SessionRow],
                   account: Accounts | None) -> list[NextStep]:
    """The dated estimate's own next steps: timing, account deadlines, validity windows."""
    if not plan.dates or s.purpose != "medical":
        return []
    steps = window_steps(s, rows)
    if best.route in ("insurance", "insurance_then_cash"):
        steps = timing_steps(s, plan, best, rows, c, payers, closed) + steps
    return steps + account_steps(s, plan, account)
