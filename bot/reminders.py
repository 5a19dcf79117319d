"""When a reminder the patient asked for is due: pure date arithmetic, the clock passed in.

A patient who has an estimate may ask for one message later ("2 weeks before my plan year
resets", "before my prescription runs out", "on a date"). The Telegram channel stores it
(`Store.add_reminder`) and a sender task delivers it (bot.telegram.reminder_sender); this module
only decides the day and the time of day, so every rule here is tested without a clock.

Reminders go out at SEND_AT_UTC on their day: 16:00 UTC is the morning across the contiguous
US (8:00 Pacific and 11:00 Eastern standard time), so no time zone data is needed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import ValidationError

from estimator.calendar import plan_year_of
from estimator.scenario import YearStart

Kind = Literal["plan_year", "prescription", "date"]
KINDS: tuple[Kind, ...] = ("plan_year", "prescription", "date")

SEND_AT_UTC = time(16, 0, tzinfo=UTC)
# How long before the plan year resets the reminder comes: time to book the sessions left.
PLAN_YEAR_LEAD = timedelta(days=14)
# How long before a prescription runs out: time to see the doctor for a new one.
PRESCRIPTION_LEAD = timedelta(days=7)
# The farthest a reminder may be set: a plan year, plus the lead of its reminder.
HORIZON = timedelta(days=366)


def due_at(day: date) -> datetime:
    """The moment a reminder for `day` is sent."""
    return datetime.combine(day, SEND_AT_UTC)


def is_due(due: datetime, now: datetime) -> bool:
    return due <= now


def next_plan_year_reset(after: date, month: int = 1, day: int = 1) -> date:
    """The first plan-year start after `after` (a reset on `after` itself is past): the
    estimator's rule (`estimator.calendar.plan_year_of`, one rule for the estimate and the
    reminder; a February 29 start falls on March 1 in other years).

    Deductibles, out-of-pocket amounts met and visit counts reset at the start of the plan
    year: January 1 for individual and most employer plans, but an employer plan may use any
    month (DOMAIN.md, Calendar).
    """
    try:
        start = YearStart(month=month, day=day)
    except ValidationError:
        raise ValueError(f"no such month/day: {month}/{day}") from None
    return plan_year_of(start, after)[1] + timedelta(days=1)


def plan_year_reminder(today: date, month: int = 1, day: int = 1) -> date | None:
    """The day of the reminder "PLAN_YEAR_LEAD before my plan year resets", or None when that
    day is not after `today` (the reset is too close for a reminder to help: book now)."""
    reminder = next_plan_year_reset(today, month, day) - PLAN_YEAR_LEAD
    return reminder if reminder > today else None


def plan_year_reset_of(reminder_day: date) -> date:
    """The reset a plan-year reminder sent on `reminder_day` is about (what its message says)."""
    return reminder_day + PLAN_YEAR_LEAD


def prescription_runs_out(prescribed_on: date, valid_days: int) -> date:
    """The last day a prescription covers: `valid_days` days counted from the day it was
    written (that day is the first)."""
    if valid_days < 1:
        raise ValueError("a prescription is valid for at least one day")
    return prescribed_on + timedelta(days=valid_days - 1)


def prescription_reminder(today: date, prescribed_on: date, valid_days: int) -> date | None:
    """The day of the reminder "before my prescription runs out": PRESCRIPTION_LEAD before its
    last day; None when that day is not after `today` or beyond HORIZON."""
    reminder = prescription_runs_out(prescribed_on, valid_days) - PRESCRIPTION_LEAD
    return reminder if today < reminder <= today + HORIZON else None


def prescription_end_of(reminder_day: date) -> date:
    """The last day of the prescription a reminder sent on `reminder_day` is about."""
    return reminder_day + PRESCRIPTION_LEAD


DateProblem = Literal["past", "too_far"]


def check_reminder_day(day: date, today: date) -> DateProblem | None:
    """Why a typed day cannot be a reminder's, or None: it must come after `today` and at most
    HORIZON after it."""
    if day <= today:
        return "past"
    if day > today + HORIZON:
        return "too_far"
    return None
