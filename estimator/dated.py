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
from dataclasses import dataclass
from datetime import date
from typing import Any

from .calendar import add_months, resets_after, session_dates, year_lengths
from .chains import Bounds, PlanWalk, Realization, Walks, rows
from .course import Course
from .domains import Answers, Fixed, PlanOption, PlanTerms
from .estimate import RouteName, SessionRow
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
    for day in (start, *(d for d in dates if d < add_months(start, 12))):
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
        self._courses: dict[tuple[bool, int, int | None], Course] = {}
        # A plan year's answers and plan options do not depend on how many sessions fall in it:
        # its stretches of any length share them (built once per plan year, not per stretch).
        self._shared: dict[bool, tuple[dict[str, Any], dict[tuple[Any, ...], PlanOption],
                                       dict[PlanTerms, PlanWalk]]] = {
            False: ({}, {}, {}), True: ({}, {}, {})}
        self._unknowns: list[str] | None = None

    @property
    def unknowns(self) -> list[str]:
        """Every stretch's unknowns, and the plan-year start when it is one."""
        if self._unknowns is None:
            names: list[str] = []
            for split in self.candidates:
                for course in self._stretches(split):
                    names += [n for n in course.unknowns if n not in names]
            if len(self.candidates) > 1:
                names.append(YEAR_START)
            self._unknowns = names
        return self._unknowns

    def stretch(self, later: bool, sessions: int, before: int = 0) -> Course:
        """`sessions` sessions in the first plan year (or a later one), after `before` sessions
        of the course, walked once each. A pre-authorization does not start again with the plan
        year: its visits approved are what the sessions before left of them."""
        authorized = self.s.preauth_visits
        if authorized is not None:
            authorized = max(0, authorized - before)
        key = (later, sessions, authorized)
        if key not in self._courses:
            base = self._next if later else self.s
            sub = base.model_copy(update={"sessions": sessions, "preauth_visits": authorized})
            answers, options, walks = self._shared[later]
            a = Answers(sub, base=answers, options=options, closed=self.closed)
            self._courses[key] = Course(a, Walks(sub, walks, self.s.sessions), self.payers)
        return self._courses[key]

    def seed(self, sessions: int, course: Course) -> None:
        """A first-year stretch already walked elsewhere (the whole course, undated)."""
        self._courses[(False, sessions, self.s.preauth_visits)] = course

    def _stretches(self, split: tuple[int, ...]) -> list[Course]:
        return [self.stretch(i > 0, k, sum(split[:i])) for i, k in enumerate(split) if k]

    def split_bounds(self, split: tuple[int, ...], name: RouteName,
                     fixed: Fixed | None = None) -> DatedBounds:
        parts = self._parts(split, name, fixed)
        n = sum(split)
        return DatedBounds(_sum([b.low for _, b in parts], n), _sum([b.high for _, b in parts], n),
                           tuple(parts))

    def _parts(self, split: tuple[int, ...], name: RouteName, fixed: Fixed | None
               ) -> list[tuple[Course, Bounds]]:
        if not fixed:
            return [(course, course.bounds(name)) for course in self._stretches(split)]
        parts = []
        for course in self._stretches(split):
            mine = {k: v for k, v in fixed.items() if k in course.unknowns}
            parts.append((course, course.bounds(name, mine)))
        return parts

    def span(self, name: RouteName, fixed: Fixed | None = None) -> tuple[int, int]:
        """The lowest and highest totals of `bounds`, without building their realizations
        (ranking the unknowns needs only the widths)."""
        splits = self.candidates
        if fixed and YEAR_START in fixed:
            splits = [splits[fixed[YEAR_START]]]
        lows, highs = [], []
        for split in splits:
            low = high = 0
            for course in self._stretches(split):
                mine = {k: v for k, v in (fixed or {}).items() if k in course.unknowns}
                lo, hi = course.span(name, mine)
                low, high = low + lo, high + hi
            lows.append(low)
            highs.append(high)
        return min(lows), max(highs)

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
            out += rows(part.high, course.w.billed, first=len(out) + 1)
        return out
