"""The questions about dates: asked (while narrowing) only when a date can change the answer,
with the day the channel passes in; the answers date the estimate."""

from datetime import UTC, date, datetime

from bot.i18n import translator
from bot.interview.facts import Facts
from bot.interview.scenario import build_scenario
from bot.render import explain, option_label
from bot.today import TODAY_ENV, today_for
from tests.fakes.interview import play

# A health plan in network, its deductible met: a course crossing January 1 pays the new one.
FIRST = {"purpose": "medical", "payer": "commercial", "network": "in",
         "provider": "massage_therapist", "prescription": "yes", "diagnosis": "M54.50",
         "sessions": "12"}
LATER = {"oop_max": "none", "visit_limit": "none", "deductible": "1000", "deductible_met": "all",
         "cost_share": "coinsurance", "coinsurance": "20", "preauth": "not_required",
         "covers_mt": "yes", "plan_type": "ppo", "minutes": "60", "cash": "none", "price": "160",
         "account": "none", "rx_date": None}


def first_option(prompt):
    return prompt.options[0].value


def test_without_a_day_no_date_is_asked():
    asked, _, prompt = play({**FIRST, **LATER}, None)
    assert "start" not in asked and prompt.kind == "result"
    assert prompt.estimate.sessions[0].date is None


def test_a_course_far_from_january_is_not_asked_its_day():
    asked, _, prompt = play({**FIRST, **LATER}, date(2026, 3, 2))
    assert "start" not in asked and "plan_year" not in asked
    assert prompt.estimate.sessions[0].date is None


def test_a_course_that_may_cross_january_1_is_asked_while_narrowing():
    today = date(2026, 12, 7)
    known = {**FIRST, **LATER, "start": first_option, "plan_year": "1"}
    asked, state, prompt = play(known, today)
    # Never before the first estimate: the date questions come while narrowing it down.
    first_estimate = asked.index("sessions") + 1
    assert asked.index("start") > first_estimate and asked.index("plan_year") > first_estimate
    assert state.answers["start"] == "2026-12-07" and state.today == "2026-12-07"
    e = prompt.estimate
    assert e.sessions[0].date == today and len(e.totals.by_plan_year) == 2
    steps = {s.code: s.params for s in e.next_steps}
    # Without a clinic the plan's price is unknown: at worst it allows the whole 160.00 charge.
    # Weekly from Dec 7: 4 sessions in 2026 at 20% (32.00 each); 8 in 2027: 6 x 160.00 to the
    # new deductible, then 40.00 of it + 20% of 120.00 = 64.00, then 32.00: 1056.00. Booked
    # before Dec 31 (24 days, room for 20 more), the 8 would cost 8 x 32.00: 800.00 saved.
    assert e.totals.patient == 4 * 32 + 6 * 160 + 64 + 32
    assert steps["book_before_reset"] == {"sessions": 8, "saving": "800.00",
                                          "date": "2026-12-31"}
    text = explain(e, prompt.scenario, translator("en"))
    assert "book 8 more sessions by December 31, 2026" in text


def test_an_unknown_plan_year_month_makes_a_range():
    known = {**FIRST, **LATER, "start": first_option, "plan_year": None}
    _, state, prompt = play(known, date(2026, 12, 7))
    scenario = build_scenario(Facts(state.answers, None, date(2026, 12, 7)))
    assert scenario.plan.year_start is None
    assert prompt.estimate.range is not None and "year_start" in prompt.estimate.range.widened_by


def test_the_first_session_options_carry_their_dates_in_the_patients_language():
    _, state, prompt = play({**FIRST, **LATER}, date(2026, 12, 7))  # stops at the day
    assert prompt.question_id == "start"
    assert [o.value for o in prompt.options] == ["2026-12-07", "2026-12-14", "2026-12-21",
                                                 "2027-01-04"]
    shown = option_label(prompt.options[1], translator("es"))
    assert shown == "La próxima semana, desde el 14 dic 2026"


def test_today_is_the_clinics_state_day(monkeypatch):
    monkeypatch.delenv(TODAY_ENV, raising=False)
    late = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)  # still Dec 6 in New York and California
    assert today_for("NY", late) == date(2026, 12, 6)
    assert today_for("CA", late) == date(2026, 12, 6)
    assert today_for(None, late) == date(2026, 12, 7)
    assert today_for("GU", late) == date(2026, 12, 7)  # Guam is ahead of UTC
    monkeypatch.setenv(TODAY_ENV, "2026-03-02")
    assert today_for("NY") == date(2026, 3, 2)
    assert today_for("NY", late) == date(2026, 12, 6)  # a day passed in wins


def test_the_prescriptions_dates_are_asked_while_narrowing_and_flag_the_sessions_after_it():
    today = date(2026, 12, 7)
    # Written about a month ago (November 6) for 6 weeks: it covers up to December 17.
    known = {**FIRST, **LATER, "start": first_option, "plan_year": "1",
             "rx_date": lambda prompt: prompt.options[2].value, "rx_weeks": "6"}
    asked, state, prompt = play(known, today)
    first_estimate = asked.index("sessions") + 1
    assert asked.index("rx_date") > first_estimate
    assert asked.index("rx_weeks") == asked.index("rx_date") + 1
    assert state.answers["rx_date"] == "2026-11-06"
    scenario = build_scenario(Facts(state.answers, None, today))
    assert (scenario.prescription_date, scenario.prescription_weeks) == (date(2026, 11, 6), 6)
    e = prompt.estimate
    # Weekly from December 7: sessions 1 and 2 (December 7 and 14) are covered, 3 to 12 not.
    late = [r.n for r in e.sessions if "prescription_expires" in r.flags]
    assert late == list(range(3, 13))
    [step] = [s for s in e.next_steps if s.code == "prescription_expires"]
    assert step.params == {"date": "2026-12-17", "sessions": 10, "first_session": 3}


def test_the_prescription_date_is_not_asked_without_a_prescription_or_a_plan():
    today = date(2026, 12, 7)
    for changes in ({"prescription": "no"}, {"payer": "self_pay"}):
        asked, _, prompt = play({**FIRST, **LATER, **changes, "start": first_option,
                                 "plan_year": "1"}, today)
        assert prompt.kind == "result" and "rx_date" not in asked, changes


def test_the_prescription_date_options_are_days_before_today_in_the_patients_language():
    today = date(2026, 12, 7)
    known = {**FIRST, **LATER, "start": first_option, "plan_year": "1"}
    del known["rx_date"]
    _, _, prompt = play(known, today)  # stops at the prescription's day
    assert prompt.question_id == "rx_date"
    assert [o.value for o in prompt.options] == ["2026-11-30", "2026-11-23", "2026-11-06",
                                                 "2026-10-07", "2026-09-06"]
    assert option_label(prompt.options[2], translator("es")) == (
        "Hace aproximadamente un mes (6 nov 2026)")


def test_as_of_a_later_day_moves_only_a_first_session_day_gone_by():
    from bot.interview.dates import as_of
    from bot.interview.model import InterviewState

    state = InterviewState(answers={"start": "2026-12-07", "plan_year": "1"}, today="2026-12-07")
    later = as_of(state, date(2026, 12, 18))
    assert later.today == "2026-12-18" and later.answers == {"start": "2026-12-18",
                                                             "plan_year": "1"}
    assert state.answers["start"] == "2026-12-07"  # the state given is not changed
    ahead = as_of(state, date(2026, 12, 1))  # the first session is still ahead: kept
    assert ahead.answers["start"] == "2026-12-07" and ahead.today == "2026-12-01"
    for answers in ({}, {"start": None}):  # no day answered, or "I don't know"
        assert as_of(InterviewState(answers=answers), date(2026, 12, 18)).answers == answers
