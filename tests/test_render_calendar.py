"""The dated estimate in words, in every language: the calendar's next steps, the sessions by
date, the split by plan year (bot/render/calendar.py)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.render import explain, step_text
from bot.render.calendar import CALENDAR_CODES, dated_rows, plan_years_text, schedule_text
from estimator import estimate
from estimator.cases import load_cases

FILE = Path(__file__).resolve().parent.parent / "scenarios" / "examples" / "calendar.yaml"
CASES = load_cases(FILE.read_text(encoding="utf-8"), FILE.name)
ESTIMATES = [(case.scenario, estimate(case.scenario)) for case in CASES]


def test_the_examples_give_every_calendar_code():
    given = {s.code for _, e in ESTIMATES for s in e.next_steps}
    # fsa_use_by (no rollover rule given) is worded in its own test below.
    assert CALENDAR_CODES - {"fsa_use_by"} <= given


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_every_calendar_step_is_worded_with_its_date_and_amount(lang):
    t = translator(lang)
    for _, e in ESTIMATES:
        for s in e.next_steps:
            if s.code not in CALENDAR_CODES:
                continue
            text = step_text(s.code, s.params, t)
            # written out in a sentence ("31 de diciembre de 2026", not "31 dic 2026")
            assert t.date(date.fromisoformat(s.params["date"]), "long") in text
            if "saving" in s.params:
                assert t.money(Decimal(s.params["saving"])) in text
            if lang != "en":
                assert text != step_text(s.code, s.params, translator("en"))


def test_fsa_use_by_is_worded():
    params = {"date": "2026-12-31", "rule": "unknown"}
    assert "December 31, 2026" in step_text("fsa_use_by", params, translator("en"))
    spanish = step_text("fsa_use_by", params, translator("es"))
    assert "31 de diciembre de 2026" in spanish and "31 dic 2026" not in spanish


def test_the_crossing_course_is_split_by_plan_year_and_listed_by_date():
    scenario, e = ESTIMATES[0]
    t = translator("en")
    assert plan_years_text(e, t).splitlines()[1:] == [
        "• Jan 1, 2026 to Dec 31, 2026: 8 sessions, $192.00.",
        "• Jan 1, 2027 to Dec 31, 2027: 4 sessions, $480.00."]
    assert schedule_text(e, t).splitlines()[1:] == [
        "• Sessions 1 to 8, Dec 7, 2026 to Dec 31, 2026: $24.00 each",
        "• Sessions 9 to 12, Jan 4, 2027 to Jan 14, 2027: $120.00 each"]
    assert "book 4 more sessions by December 31, 2026" in explain(e, scenario, t)


def test_flagged_sessions_say_what_runs_out():
    _, e = next((s, e) for s, e in ESTIMATES if any(r.flags for r in e.sessions)
                and "prescription_expires" in e.sessions[-1].flags)
    t = translator("es")
    assert "después de que venza su receta" in schedule_text(e, t)
    assert dated_rows(e, t)[-1][4] == "después de que venza su receta"


def test_an_undated_estimate_shows_no_dates():
    scenario = CASES[0].scenario.model_copy(update={"start_date": None})
    e = estimate(scenario)
    t = translator("en")
    assert schedule_text(e, t) == plan_years_text(e, t) == "" and dated_rows(e, t) == []


def _dated(**changes):
    from estimator import Scenario

    data = {"payer": "commercial", "network": "in", "prescription": True,
            "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 6,
            "start_date": "2026-12-07",
            "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00",
                     "cash_per_session": "90.00"},
            "plan": {"deductible": "1000.00", "deductible_met": "1000.00",
                     "coinsurance_pct": "20"}}
    s = Scenario.model_validate({**data, **changes})
    return s, estimate(s)


@pytest.mark.parametrize(("lang", "pair"), [
    ("en", "• Sessions 5 and 6, Jan 4, 2027 and Jan 11, 2027: $120.00 each"),
    ("es", "• Sesiones 5 y 6,"),
    ("ru", "• Сеансы 5 и 6,"),
])
def test_two_sessions_alike_are_said_as_a_pair(lang, pair):
    """Weekly from Dec 7: 4 in 2026 at 24.00, then 2 in 2027 at the allowed 120.00 (a new
    deductible): "5 and 6", not "5 to 6"."""
    s, e = _dated()
    text = schedule_text(e, translator(lang))
    assert pair in text and "5 to 6" not in text


def test_paying_the_clinic_yourself_shows_no_plan_year_split():
    """The plan's year is not the clinic's: when paying cash is recommended, no "Your plan year
    starts again" block (the plan's deductible of 5,000.00 makes cash cheaper)."""
    s, e = _dated(plan={"deductible": "5000.00", "deductible_met": "0.00",
                        "coinsurance_pct": "20"})
    assert e.recommended.route == "self_pay" and e.totals.by_plan_year == []
    assert plan_years_text(e, translator("en")) == ""
    s, e = _dated()
    assert plan_years_text(e, translator("en")).startswith("Your plan year starts again")


def test_an_fsa_the_patient_said_has_no_grace_or_carryover_is_not_told_to_ask_about_them():
    t = translator("en")
    said = step_text("fsa_use_by", {"date": "2026-12-31", "rule": "none"}, t)
    assert said == ("Spend your FSA money by December 31, 2026, when its plan year ends: money "
                    "left after that is lost.")
    unknown = step_text("fsa_use_by", {"date": "2026-12-31", "rule": "unknown"}, t)
    assert "unless your plan has a grace period or a carryover" in unknown
