"""The calendar's rules (estimator/calendar.py), in pairs that straddle each boundary, and the
dated estimate's contract: pure (today is passed in), sound over an unknown plan-year start."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from estimator import Scenario, estimate, next_reset, prescription_end
from estimator.calendar import (
    fsa_carryover,
    fsa_grace_end,
    lmn_end,
    plan_year_of,
    reset_in,
    session_dates,
    year_lengths,
)
from estimator.scenario import YearStart

BASE = {"prescription": True, "diagnosis_codes": ["M54.50"], "preauth": "not_required",
        "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00"},
        "plan": {"deductible": "1000.00", "deductible_met": "1000.00", "coinsurance_pct": "20"}}


def scenario(**changes: object) -> Scenario:
    return Scenario.model_validate({**BASE, **changes})


def test_sessions_spread_by_the_week_or_over_the_course():
    twice = scenario(sessions=4, sessions_per_week=2)
    assert session_dates(twice, date(2026, 12, 7)) == [
        date(2026, 12, 7), date(2026, 12, 10), date(2026, 12, 14), date(2026, 12, 17)]
    # "12 sessions over 6 weeks": every 3.5 days, rounded down.
    course = scenario(sessions=12, course_weeks=6)
    days = [(d - date(2026, 1, 5)).days for d in session_dates(course, date(2026, 1, 5))]
    assert days == [0, 3, 7, 10, 14, 17, 21, 24, 28, 31, 35, 38]
    weekly = scenario(sessions=2)
    assert session_dates(weekly, date(2026, 1, 5)) == [date(2026, 1, 5), date(2026, 1, 12)]


def test_a_schedule_is_one_or_the_other_and_fits_its_weeks():
    with pytest.raises(ValidationError, match="not both"):
        scenario(sessions=4, sessions_per_week=2, course_weeks=2)
    with pytest.raises(ValidationError, match="do not fit"):
        scenario(sessions=15, course_weeks=2)
    assert scenario(sessions=14, course_weeks=2).course_weeks == 2


def test_the_plan_year_reset_day_belongs_to_the_new_year():
    july = YearStart(month=7, day=1)
    assert plan_year_of(july, date(2026, 6, 30)) == (date(2025, 7, 1), date(2026, 6, 30))
    assert plan_year_of(july, date(2026, 7, 1)) == (date(2026, 7, 1), date(2027, 6, 30))
    dates = [date(2026, 6, 24), date(2026, 7, 1)]
    assert year_lengths(dates, [date(2026, 7, 1)]) == (1, 1)
    assert year_lengths(dates, [date(2026, 7, 2)]) == (2,)


def test_a_february_29_start_falls_on_march_1_in_other_years():
    leap = YearStart(month=2, day=29)
    assert reset_in(2028, leap) == date(2028, 2, 29)
    assert reset_in(2027, leap) == date(2027, 3, 1)
    with pytest.raises(ValidationError, match="no day 30"):
        YearStart(month=2, day=30)
    with pytest.raises(ValidationError, match="no day 31"):
        YearStart(month=4, day=31)


def test_next_reset_and_prescription_end_for_reminders():
    s = scenario(plan={**BASE["plan"], "year_start": {"month": 7, "day": 1}},
                 prescription_date="2026-09-01", prescription_weeks=6)
    assert next_reset(s, date(2026, 6, 30)) == date(2026, 7, 1)
    assert next_reset(s, date(2026, 7, 1)) == date(2027, 7, 1)
    assert prescription_end(s) == date(2026, 10, 12)
    unknown = scenario(plan={**BASE["plan"], "year_start": None}, prescription_date="2026-09-01")
    assert next_reset(unknown, date(2026, 6, 30)) is None
    assert prescription_end(unknown) is None  # no duration given
    # The course's weeks stand for the prescription's when it gives none.
    assert prescription_end(scenario(prescription_date="2026-09-01", sessions=6,
                                     course_weeks=3)) == date(2026, 9, 21)


def test_fsa_grace_period_ends_on_the_15th_of_the_third_month():
    assert fsa_grace_end(date(2026, 12, 31)) == date(2027, 3, 15)
    assert fsa_grace_end(date(2026, 6, 30)) == date(2026, 9, 15)
    assert fsa_carryover(date(2026, 12, 31)) == (2026, "680.00")
    # A later year without a published figure uses the latest one, named with its year.
    assert fsa_carryover(date(2027, 12, 31)) == (2026, "680.00")


def test_lmn_is_accepted_for_twelve_months():
    assert lmn_end(scenario(lmn=True, lmn_date="2025-11-20")) == date(2026, 11, 19)
    assert lmn_end(scenario(lmn=True, lmn_date="2024-02-29")) == date(2025, 2, 28)


def test_today_comes_from_the_caller_and_the_start_date_wins():
    s = scenario(sessions=12, sessions_per_week=2)
    assert estimate(s).sessions[0].date is None  # not dated: no clock is read
    december = estimate(s, date(2026, 12, 7))
    assert december.sessions[0].date == date(2026, 12, 7)
    assert december.totals.patient == estimate(s, date(2026, 12, 7)).totals.patient
    assert december.totals.patient > estimate(s, date(2026, 11, 2)).totals.patient
    pinned = scenario(sessions=12, sessions_per_week=2, start_date="2026-11-02")
    assert estimate(pinned, date(2026, 12, 7)).sessions[0].date == date(2026, 11, 2)


def test_dates_round_trip_as_iso_8601():
    s = scenario(start_date="2026-12-07", sessions=2)
    out = estimate(s).model_dump(mode="json")
    assert [r["date"] for r in out["sessions"]] == ["2026-12-07", "2026-12-14"]
    with pytest.raises(ValidationError):
        scenario(start_date="07/12/2026")


@settings(max_examples=40, deadline=None)
@given(day=st.dates(date(2026, 1, 1), date(2026, 12, 31)),
       start=st.dates(date(2026, 10, 1), date(2027, 1, 31)),
       sessions=st.integers(1, 16), per_week=st.integers(1, 3),
       met=st.sampled_from(["0.00", "500.00", "1000.00"]))
def test_an_unknown_plan_year_start_holds_every_known_one(day, start, sessions, per_week, met):
    """Whatever day the plan year really starts, the total lies inside the range."""
    plan = {**BASE["plan"], "deductible_met": met}
    common = {"sessions": sessions, "sessions_per_week": per_week, "start_date": start.isoformat()}
    unknown = estimate(scenario(**common, plan={**plan, "year_start": None}))
    known = estimate(scenario(**common, plan={**plan, "year_start": {"month": day.month,
                                                                      "day": day.day}}))
    low = unknown.range.low if unknown.range else unknown.totals.patient
    assert low <= known.totals.patient <= unknown.totals.patient


def test_an_unknown_plan_year_start_from_february_29_still_spans_every_split():
    plan = {**BASE["plan"], "year_start": None}
    e = estimate(scenario(sessions=6, start_date="2028-02-29", plan=plan))
    # All six at 24.00 when no reset falls in the course; at worst the reset falls on session
    # 2's day and the other five pay a new 1000.00 deductible: 24.00 + 5 x 120.00.
    assert e.range is not None and (e.range.low, e.range.high) == (144, 24 + 5 * 120)


# An FSA's plan year pays only for care received in it (DOMAIN.md "Accounts"). Weekly sessions
# on BASE's plan: 24.00 while 2026's deductible is met, 120.00 each from January 1 (a new 1000.00
# deductible: 8 x 120.00, then 40.00 + 20% x 80.00 = 56.00, then 24.00).
@pytest.mark.parametrize(("start", "sessions", "rule", "amount", "later"), [
    # Dec 24 and Dec 31: both in 2026, the FSA pays as over an undated course.
    ("2026-12-24", 2, "none", "48.00", None),
    # Dec 25 and Jan 1: the reset day's session is 2027's.
    ("2026-12-25", 2, "none", "24.00", (1, "120.00")),
    ("2026-12-25", 2, None, "24.00", (1, "120.00")),
    # With a grace period the deadline is 2027-03-15. From Dec 28, session 12 falls on Mar 15:
    # 24.00 + 960.00 + 56.00 + 24.00 + 24.00 = 1088.00, all of it the FSA's.
    ("2026-12-28", 12, "grace_period", "1088.00", None),
    # From Dec 29, session 12 falls on Mar 16, one day too late: its 24.00 is next year's.
    ("2026-12-29", 12, "grace_period", "1064.00", (1, "24.00")),
])
def test_an_fsa_pays_up_to_its_deadline_not_after(start, sessions, rule, amount, later):
    s = scenario(start_date=start, sessions=sessions, sessions_per_week=1, hsa_fsa="fsa",
                 fsa_rollover=rule)
    a = estimate(s).accounts
    assert a is not None and a.amount == Decimal(amount)
    if later is None:
        assert a.fsa_year is None
    else:
        assert a.fsa_year is not None
        assert (a.fsa_year.later_sessions, a.fsa_year.later_total) == (later[0], Decimal(later[1]))
        assert a.fsa_year.rule == (rule or "unknown")


@pytest.mark.parametrize(("balance", "amount", "carried"), [
    # Dec 25 (24.00) and Jan 1 (120.00) with a carryover: what is left after 2026 pays 2027's.
    ("144.00", "144.00", "120.00"),  # exactly enough
    ("143.99", "143.99", "119.99"),  # a cent short: 0.01 is left for the 2027 FSA
    ("24.00", "24.00", "0.00"),      # nothing left to carry over
    (None, "144.00", "120.00"),      # the election not given: up to 3400.00
])
def test_a_carryover_pays_next_years_sessions_with_what_is_left(balance, amount, carried):
    s = scenario(start_date="2026-12-25", sessions=2, sessions_per_week=1, hsa_fsa="fsa",
                 fsa_rollover="carryover", account_balance=balance)
    a = estimate(s).accounts
    assert a is not None and a.fsa_year is not None
    assert (a.amount, a.fsa_year.carryover) == (Decimal(amount), Decimal(carried))


def test_the_carryover_is_capped_at_the_years_limit():
    """Dec 25 (24.00), then 2027 weekly: 8 x 120.00 + 56.00 + 3 x 24.00 = 1088.00. 3000.00
    left: 24.00 in 2026, and of the 2976.00 left at most 680.00 carries over (2026 limit)."""
    s = scenario(start_date="2026-12-25", sessions=13, sessions_per_week=1, hsa_fsa="fsa",
                 fsa_rollover="carryover", account_balance="3000.00", tax_rate_pct="25")
    a = estimate(s).accounts
    assert a is not None and a.fsa_year is not None
    assert a.fsa_year.later_total == Decimal("1088.00")
    assert (a.amount, a.fsa_year.carryover, a.tax_savings) == (
        Decimal("704.00"), Decimal("680.00"), Decimal("176.00"))


def test_an_undated_fsa_course_pays_as_before():
    """Without dates the FSA pays the whole course (up to the election): 12 x 24.00."""
    s = scenario(sessions=12, hsa_fsa="fsa", fsa_rollover="none")
    a = estimate(s).accounts
    assert a is not None and (a.amount, a.fsa_year) == (Decimal("288.00"), None)
