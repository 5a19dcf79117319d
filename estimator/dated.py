"""A dated course: the plan's accumulators reset at each plan-year start.

Deductibles, OOP amounts met and visit counts reset on the plan year's first day (DOMAIN.md
"Calendar"): a course that crosses it is walked as one stretch per plan year, the first with the
patient's answers, the next ones with the same terms renewed (or `plan.next_year`'s) and nothing
yet paid or used. A route's total is the sum of its stretches; its bounds are the sums of their
bounds, each stretch at its own extremes (sound: the unknowns they share are taken at the same
end by both, since every stretch is monotone in each of them the same way). An unknown plan-year
start is one more unknown (`year_start`): every way the resets could split the course is a
candidate, and the range spans them all.

Resets are applied to health-plan payers; behind auto or workers' compensation the course is
walked as one stretch (dated, without resets).
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
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
    resets_after,
    session_dates,
    year_lengths,
)
from .chains import Bounds, Realization, Walks
from .course import Course
from .domains import Answers, Fixed
from .estimate import Accounts, NextStep, PlanYearTotal, Route, RouteName, SessionRow
from .money import ZERO
from .routes import Payers
from .scenario import Scenario, YearStart

# What a new plan year starts again from zero (DOMAIN.md "Calendar").
USED = {"deductible_met": ZERO, "oop_met": ZERO, "visits_used": 0,
        "oon_deductible_met": ZERO, "oon_oop_met": ZERO}
YEAR_START = "year_start"


@dataclass(frozen=True)
class DatedPlan:
    """The course's days and how the plan years split it: one candidate when the plan-year
    start is known (or no reset applies), one per possible split when it is not."""

    dates: tuple[date, ...]  # empty: the estimate is not dated
    candidates: tuple[tuple[int, ...], ...]  # sessions in each plan year, per candidate
    resets: tuple[date, ...] = ()  # the known resets the course crosses

    @property
    def whole(self) -> bool:
        return len(self.candidates) == 1 and len(self.candidates[0]) <= 1

    @property
    def crosses(self) -> bool:
        return any(len(c) > 1 for c in self.candidates)


def dated_plan(s: Scenario, start: date | None) -> DatedPlan:
    if start is None:
        return DatedPlan((), ((s.sessions,),))
    dates = tuple(session_dates(s, start))
    if not s.health_plan:
        return DatedPlan(dates, ((s.sessions,),))
    ys = s.plan.year_start
    if ys is not None:
        resets = tuple(resets_after(ys, start, dates[-1]))
        return DatedPlan(dates, (year_lengths(list(dates), list(resets)),), resets)
    # Unknown: the plan year may start on any day; only the session a reset falls before
    # matters, so one start per session day within the first year (and the start day) covers
    # every split.
    seen: dict[tuple[int, ...], None] = {}
    for day in (start, *(d for d in dates if d < start.replace(year=start.year + 1)
                         if not (start.month == 2 and start.day == 29))):
        guess = YearStart(month=day.month, day=day.day)
        split = year_lengths(list(dates), resets_after(guess, start, dates[-1]))
        seen.setdefault(split, None)
    return DatedPlan(dates, tuple(seen))


def renewed(s: Scenario) -> Scenario:
    """The scenario of the next plan year: the same terms unless `plan.next_year` gives new
    ones, nothing paid or used yet."""
    nxt = s.plan.next_year
    terms = {} if nxt is None else {f: getattr(nxt, f) for f in nxt.model_fields_set}
    return s.model_copy(update={"plan": s.plan.model_copy(update={**terms, **USED})})


@dataclass(frozen=True)
class DatedBounds(Bounds):
    """Bounds summed over the plan years; `parts` the worst case's stretches, for its rows."""

    parts: tuple[tuple[Course, Bounds], ...] = ()


def _sum(parts: Sequence[Realization], n: int) -> Realization:
    plan = next((p.plan for p in parts if p.plan is not None), None)
    return Realization((), None, plan, tuple(x for p in parts for x in p.plan_shares),
                       parts[0].tail_price, sum(p.total for p in parts), n)


class DatedCourse:
    """The course walked one plan year at a time, for each candidate split."""

    def __init__(self, s: Scenario, payers: Payers, closed: frozenset[str],
                 candidates: Sequence[tuple[int, ...]]):
        self.s, self.payers, self.closed = s, payers, closed
        self.candidates = list(candidates)
        self._next = renewed(s)
        self._courses: dict[tuple[bool, int], Course] = {}
        names: list[str] = []
        for split in self.candidates:
            for course in self._stretches(split):
                names += [n for n in course.unknowns if n not in names]
        if len(self.candidates) > 1:
            names.append(YEAR_START)
        self.unknowns = names

    def _course(self, later: bool, sessions: int) -> Course:
        key = (later, sessions)
        if key not in self._courses:
            base = self._next if later else self.s
            sub = base.model_copy(update={"sessions": sessions})
            self._courses[key] = Course(Answers(sub, closed=self.closed), Walks(sub), self.payers)
        return self._courses[key]

    def _stretches(self, split: tuple[int, ...]) -> list[Course]:
        return [self._course(i > 0, k) for i, k in enumerate(split) if k]

    def split_bounds(self, split: tuple[int, ...], name: RouteName,
                     fixed: Fixed | None = None) -> DatedBounds:
        parts = []
        for course in self._stretches(split):
            mine = {k: v for k, v in (fixed or {}).items() if k in course.unknowns}
            parts.append((course, course.bounds(name, mine)))
        n = sum(split)
        return DatedBounds(_sum([b.low for _, b in parts], n), _sum([b.high for _, b in parts], n),
                           tuple(parts))

    def bounds(self, name: RouteName, fixed: Fixed | None = None) -> Bounds:
        splits = self.candidates
        if fixed and YEAR_START in fixed:
            splits = [splits[fixed[YEAR_START]]]
        found = [self.split_bounds(split, name, fixed) for split in splits]
        low = min(found, key=lambda b: b.low.total)
        high = max(found, key=lambda b: b.high.total)
        return DatedBounds(low.low, high.high, high.parts)

    def ends(self, name: str) -> tuple[Any, ...]:
        if name == YEAR_START:
            return tuple(range(len(self.candidates)))
        for split in self.candidates:
            for course in self._stretches(split):
                if name in course.unknowns:
                    return course.ends(name)
        return ()

    def rows(self, b: Bounds) -> list[SessionRow]:
        assert isinstance(b, DatedBounds)
        out: list[SessionRow] = []
        for course, part in b.parts:
            out += [replace(r, n=len(out) + i) for i, r in enumerate(course.rows(part), start=1)]
        return out


# --- rows, totals and steps -------------------------------------------------------------------

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
    for row, day in zip(rows, plan.dates, strict=True):
        flags = tuple(code for code, end, visits in windows if _outside(day, row.n, end, visits))
        out.append(replace(row, date=day, flags=flags))
    return out


def by_plan_year(s: Scenario, plan: DatedPlan, rows: Sequence[SessionRow]) -> list[PlanYearTotal]:
    ys = s.plan.year_start
    if not plan.dates or ys is None or not s.health_plan:
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
    one = course._course(later, n)
    costs = [0]
    for row in one.rows(one.bounds(name)):
        costs.append(costs[-1] + int(row.patient * 100))
    return costs


def _best_move(first: list[int], second: list[int], split: tuple[int, int], moves: range,
               shift: int) -> tuple[int, int]:
    """The number of sessions to move across the reset (`shift` +1: into the first plan year,
    -1: out of it) that saves most, and the saving in cents; the smallest such number."""
    k, m = split
    now = first[k] + second[m]
    best = (0, 0)
    for j in moves:
        saving = now - first[k + shift * j] - second[m - shift * j]
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
        course._courses[(False, n)] = c  # the whole course in this plan year: already walked
    first = _prefix_costs(course, False, n, best.route)
    second = _prefix_costs(course, True, n, best.route)
    if m and room > 0:
        j, saving = _best_move(first, second, (k, m), range(1, min(room, m) + 1), 1)
        if saving:
            return [NextStep(code="book_before_reset", params={
                "sessions": j, "saving": _money(saving), "date": (reset - DAY).isoformat()})]
    if stuck:
        j, saving = _best_move(first, second, (k, m), range(1, k + 1), -1)
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
