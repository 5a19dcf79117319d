"""A course's routes bounded over the unknowns, some of them answered hypothetically.

`Course` is the course as one stretch of the plan's accumulators; `estimator.dated.DatedCourse`
has the same shape for a course that crosses plan-year resets. The engine asks either for each
route's bounds, for the bounds with an unknown fixed (to rank the unknowns), and for the rows.
"""

from functools import cached_property
from typing import Any, Protocol

from .chains import CHAINS, Bounds, Walks, bounds, extremes, rows
from .domains import Answers, Fixed, PlanOption, domain_ends, plan_options, unknowns
from .estimate import RouteName, SessionRow
from .routes import Payers


class CourseLike(Protocol):
    @property
    def unknowns(self) -> list[str]: ...

    def bounds(self, name: RouteName, fixed: Fixed | None = None) -> Bounds: ...

    def span(self, name: RouteName, fixed: Fixed | None = None) -> tuple[int, int]: ...

    def ends(self, name: str) -> tuple[Any, ...]: ...

    def rows(self, b: Bounds) -> list[SessionRow]: ...


def route_bounds(a: Answers, w: Walks, name: RouteName, payers: Payers,
                 options: list[PlanOption] | None = None) -> Bounds:
    options = plan_options(a) if options is None else options
    return bounds(w, CHAINS[name], payers.first_open, payers.plan_open, options, a)


def route_span(a: Answers, w: Walks, name: RouteName, payers: Payers) -> tuple[int, int]:
    """The lowest and highest totals of `route_bounds`."""
    low, high = extremes(w, CHAINS[name], payers.first_open, payers.plan_open, plan_options(a), a)
    return low.total, high.total


class Course:
    """The whole course under one plan year's accumulators."""

    def __init__(self, a: Answers, w: Walks, payers: Payers):
        self.a, self.w, self.payers = a, w, payers
        self.options = plan_options(a)
        # By route and the answers fixed: a later plan year is asked again for every unknown of
        # the first that it does not have (its bounds are then its own, unchanged).
        self._bounds: dict[tuple[RouteName, tuple[tuple[str, Any], ...]], Bounds] = {}
        self._spans: dict[tuple[RouteName, tuple[tuple[str, Any], ...]], tuple[int, int]] = {}

    @cached_property
    def unknowns(self) -> list[str]:
        return unknowns(self.a.s)

    def bounds(self, name: RouteName, fixed: Fixed | None = None) -> Bounds:
        key = (name, tuple(sorted((fixed or {}).items())))
        found = self._bounds.get(key)
        if found is None:
            if not fixed:
                found = route_bounds(self.a, self.w, name, self.payers, self.options)
            else:
                found = route_bounds(self.a.with_fixed(fixed), self.w, name, self.payers)
            self._bounds[key] = found
        return found

    def span(self, name: RouteName, fixed: Fixed | None = None) -> tuple[int, int]:
        """`bounds`' lowest and highest totals (an answer fixed: without its realizations)."""
        if not fixed:
            b = self.bounds(name)
            return b.low.total, b.high.total
        key = (name, tuple(sorted(fixed.items())))
        found = self._spans.get(key)
        if found is None:
            found = self._spans[key] = route_span(self.a.with_fixed(fixed), self.w, name,
                                                  self.payers)
        return found

    def ends(self, name: str) -> tuple[Any, ...]:
        return domain_ends(self.a.s, name)

    def rows(self, b: Bounds) -> list[SessionRow]:
        return rows(b.high, self.w.billed)
