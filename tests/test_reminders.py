"""When a reminder is due (bot.reminders) and how a typed day is read
(bot.interview.typed_dates): pure functions, the day passed in. Boundaries come in pairs (the
day before, the day itself)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot import reminders as rules
from bot.interview.parsing import ParseError
from bot.interview.typed_dates import parse_date

# --- the plan year ----------------------------------------------------------------------------


@pytest.mark.parametrize(("after", "month", "day", "reset"), [
    (date(2026, 12, 6), 1, 1, date(2027, 1, 1)),
    (date(2026, 12, 31), 1, 1, date(2027, 1, 1)),
    (date(2027, 1, 1), 1, 1, date(2028, 1, 1)),  # the reset day itself is past
    (date(2026, 6, 30), 7, 1, date(2026, 7, 1)),  # a plan year starting July 1
    (date(2026, 7, 1), 7, 1, date(2027, 7, 1)),
    (date(2026, 12, 6), 2, 29, date(2027, 3, 1)),  # no February 29 in 2027: as the estimator
    (date(2027, 3, 1), 2, 29, date(2028, 2, 29)),
])
def test_the_next_plan_year_reset(after, month, day, reset):
    assert rules.next_plan_year_reset(after, month, day) == reset


def test_a_plan_year_start_that_is_no_day_is_refused():
    with pytest.raises(ValueError, match="13/1"):
        rules.next_plan_year_reset(date(2026, 1, 1), 13, 1)


def test_the_plan_year_reminder_comes_two_weeks_before_the_reset():
    assert rules.plan_year_reminder(date(2026, 12, 6)) == date(2026, 12, 18)
    assert rules.plan_year_reminder(date(2026, 12, 17)) == date(2026, 12, 18)
    # On the reminder's own day, or later, the reset is too close: no reminder.
    assert rules.plan_year_reminder(date(2026, 12, 18)) is None
    assert rules.plan_year_reminder(date(2026, 12, 31)) is None
    # Just after a reset: the next one, a year later.
    assert rules.plan_year_reminder(date(2027, 1, 1)) == date(2027, 12, 18)
    assert rules.plan_year_reminder(date(2026, 6, 1), 7, 1) == date(2026, 6, 17)
    assert rules.plan_year_reset_of(date(2026, 12, 18)) == date(2027, 1, 1)


# --- the prescription -------------------------------------------------------------------------


def test_a_prescription_runs_out_on_its_last_valid_day():
    assert rules.prescription_runs_out(date(2026, 11, 1), 1) == date(2026, 11, 1)
    assert rules.prescription_runs_out(date(2026, 11, 1), 90) == date(2027, 1, 29)
    with pytest.raises(ValueError):
        rules.prescription_runs_out(date(2026, 11, 1), 0)


def test_the_prescription_reminder_comes_a_week_before_it_runs_out():
    written, days = date(2026, 11, 1), 90  # runs out January 29, 2027
    assert rules.prescription_reminder(date(2026, 12, 6), written, days) == date(2027, 1, 22)
    assert rules.prescription_end_of(date(2027, 1, 22)) == date(2027, 1, 29)
    assert rules.prescription_reminder(date(2027, 1, 21), written, days) == date(2027, 1, 22)
    assert rules.prescription_reminder(date(2027, 1, 22), written, days) is None  # too late
    # A prescription valid for years: beyond the horizon, no reminder.
    assert rules.prescription_reminder(date(2026, 12, 6), written, 800) is None


# --- any day, and the time of day -------------------------------------------------------------


def test_a_chosen_day_must_be_after_today_and_within_a_year():
    today = date(2026, 12, 6)
    assert rules.check_reminder_day(date(2026, 12, 6), today) == "past"
    assert rules.check_reminder_day(date(2026, 12, 7), today) is None
    assert rules.check_reminder_day(today + rules.HORIZON, today) is None
    assert rules.check_reminder_day(date(2027, 12, 8), today) == "too_far"


def test_a_reminder_is_due_at_the_us_morning_of_its_day():
    due = rules.due_at(date(2026, 12, 18))
    assert due == datetime(2026, 12, 18, 16, 0, tzinfo=UTC)
    assert not rules.is_due(due, datetime(2026, 12, 18, 15, 59, 59, tzinfo=UTC))
    assert rules.is_due(due, datetime(2026, 12, 18, 16, 0, tzinfo=UTC))


# --- typed days -------------------------------------------------------------------------------

TODAY = date(2026, 12, 6)


@pytest.mark.parametrize(("lang", "typed", "day"), [
    ("en", "3/15/2027", date(2027, 3, 15)),
    ("en", "3/15/27", date(2027, 3, 15)),
    ("en", "3/4", date(2027, 3, 4)),  # month first in English
    ("en", "15/3", date(2027, 3, 15)),  # only one order is a day
    ("en", "March 15th", date(2027, 3, 15)),
    ("en", "on Mar 15, 2027", date(2027, 3, 15)),
    ("en", "2027-03-15", date(2027, 3, 15)),
    ("en", "Dec 20", date(2026, 12, 20)),  # later this year
    ("en", "Dec 1", date(2027, 12, 1)),  # past this year: next year's
    ("en", "Dec 6", date(2027, 12, 6)),  # today is past too
    ("en", "Feb 29", date(2028, 2, 29)),  # the next leap year
    ("es", "3/4", date(2027, 4, 3)),  # day first in US Spanish (Babel's short format)
    ("es", "15 de marzo de 2027", date(2027, 3, 15)),
    ("es", "15 mar", date(2027, 3, 15)),
    ("es", "el 2 de enero", date(2027, 1, 2)),
    ("ru", "15.03.2027", date(2027, 3, 15)),
    ("ru", "15.03", date(2027, 3, 15)),
    ("ru", "15 марта 2027 г.", date(2027, 3, 15)),
    ("ru", "1 янв", date(2027, 1, 1)),
    ("ru", "20 декабря", date(2026, 12, 20)),
    ("ru", "March 15", date(2027, 3, 15)),  # English month names are read everywhere
])
def test_a_typed_day_is_read_in_the_users_language(lang, typed, day):
    assert parse_date(typed, lang, TODAY) == day


@pytest.mark.parametrize(("typed", "kind"), [
    ("", "not_a_date"),
    ("next week", "not_a_date"),
    ("march", "not_a_date"),
    ("15", "not_a_date"),
    ("ma 15", "not_a_date"),  # too short to name a month
    ("2/30/2027", "no_such_date"),
    ("13/13", "no_such_date"),
    ("2027-02-29", "no_such_date"),
])
def test_what_is_not_a_day_says_why(typed, kind):
    with pytest.raises(ParseError) as raised:
        parse_date(typed, "en", TODAY)
    assert raised.value.kind == kind
    assert raised.value.details == {"text": typed}


def test_the_example_each_language_shows_reads_back():
    from bot.i18n import translator

    for lang in ("en", "es", "ru"):
        example = translator(lang).date(date(2027, 1, 5), "short")
        assert parse_date(example, lang, TODAY) == date(2027, 1, 5), (lang, example)
