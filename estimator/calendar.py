"""The course on the calendar: session dates, plan-year resets, account deadlines, validity windows.

Each rule is a small pure function citing its source (DOMAIN.md "Calendar" and "Accounts"). Nothing
here reads the clock: the caller passes the day it calls today.
"""

import calendar as _gregorian
from datetime import date, timedelta

from .parameters import (
    DEFAULT_SESSIONS_PER_WEEK,
    FSA_CARRYOVER_LIMIT,
    FSA_GRACE_LAST_DAY,
    FSA_GRACE_MONTHS,
    LMN_VALID_MONTHS,
)
from .scenario import Scenario, YearStart

DAY = timedelta(days=1)


def start_of(s: Scenario, today: date | None) -> date | None:
    """The first session's day: the scenario's, else today as the caller knows it; None: the
    estimate is not dated."""
    return s.start_date or today


def session_dates(s: Scenario, start: date) -> list[date]:
    """Each session's day. A prescription names frequency and duration ("12 sessions over 6
    weeks", DOMAIN.md "Who pays"): over `course_weeks` the sessions are spread evenly (session i
    on day i × days // sessions); else `sessions_per_week` (one a week when not given), session i
    on day i × 7 // per week."""
    if s.course_weeks is not None:
        days = 7 * s.course_weeks
        return [start + timedelta(days=i * days // s.sessions) for i in range(s.sessions)]
    per_week = s.sessions_per_week or DEFAULT_SESSIONS_PER_WEEK
    return [start + timedelta(days=i * 7 // per_week) for i in range(s.sessions)]


def reset_in(year: int, ys: YearStart) -> date:
    """The plan year's first day in `year` (a February 29 start falls on March 1 in other
    years)."""
    if ys.month == 2 and ys.day == 29 and not _gregorian.isleap(year):
        return date(year, 3, 1)
    return date(year, ys.month, ys.day)


def plan_year_of(ys: YearStart, day: date) -> tuple[date, date]:
    """The first and last days of the plan year containing `day`: deductibles, OOP amounts met
    and visit counts reset on its first day (DOMAIN.md "Calendar")."""
    first = reset_in(day.year, ys)
    if first > day:
        first = reset_in(day.year - 1, ys)
    return first, reset_in(first.year + 1, ys) - DAY


def resets_after(ys: YearStart, start: date, last: date) -> list[date]:
    """The resets that fall after `start` and on or before `last`."""
    out = []
    reset = plan_year_of(ys, start)[1] + DAY
    while reset <= last:
        out.append(reset)
        reset = reset_in(reset.year + 1, ys)
    return out


def year_lengths(dates: list[date], resets: list[date]) -> tuple[int, ...]:
    """How many sessions fall in each plan year the course touches, in order (a session on a
    reset day is the new year's)."""
    lengths, i = [], 0
    for reset in [*resets, date.max]:
        j = i
        while j < len(dates) and dates[j] < reset:
            j += 1
        if j > i:
            lengths.append(j - i)
        elif reset is not date.max:
            lengths.append(0)
        i = j
    while lengths and lengths[-1] == 0:
        lengths.pop()
    return tuple(lengths)


def next_reset(s: Scenario, today: date) -> date | None:
    """The next day the plan year starts again after `today` (None: the plan-year start is not
    known). For reminders: "two weeks before my plan year resets"."""
    ys = s.plan.year_start
    return None if ys is None else plan_year_of(ys, today)[1] + DAY


def prescription_end(s: Scenario) -> date | None:
    """The prescription's last valid day: it names a frequency and a duration (DOMAIN.md "Who
    pays"), so it covers `prescription_weeks` (or the course's weeks) from its date. None when
    its date or duration is not given."""
    weeks = s.prescription_weeks or s.course_weeks
    if s.prescription_date is None or weeks is None:
        return None
    return s.prescription_date + timedelta(weeks=weeks) - DAY


def add_months(day: date, months: int) -> date:
    """The same day `months` later; when that month is shorter, the day after its last (12
    months from February 29 is March 1)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = _gregorian.monthrange(year, month)[1]
    return date(year, month, day.day) if day.day <= last else date(year, month, last) + DAY


def lmn_end(s: Scenario) -> date | None:
    """A Letter of Medical Necessity is usually accepted for 12 months from its date (IRS Pub.
    502, DOMAIN.md "Accounts"): its last day."""
    if s.lmn_date is None:
        return None
    return add_months(s.lmn_date, LMN_VALID_MONTHS) - DAY


def fsa_grace_end(plan_year_end: date) -> date:
    """The last day of an FSA's grace period: at most 2½ months after the plan year, i.e. the
    15th day of the third month after it ends (Notice 2005-42, DOMAIN.md "Accounts")."""
    month = add_months(plan_year_end.replace(day=1), FSA_GRACE_MONTHS + 1)
    return month.replace(day=FSA_GRACE_LAST_DAY)


def fsa_carryover(plan_year_end: date) -> tuple[int, str]:
    """The most an FSA carries into the next plan year, with the year of the IRS figure used
    (the latest not after the plan year's end; DOMAIN.md "Accounts": 2026 $680)."""
    published = [y for y in FSA_CARRYOVER_LIMIT if y <= plan_year_end.year]
    year = max(published) if published else min(FSA_CARRYOVER_LIMIT)
    return year, f"{FSA_CARRYOVER_LIMIT[year]:.2f}"
