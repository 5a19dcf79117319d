"""The billing review's findings on what the interview asks each payer's patient: the visits a
pre-authorization approved, where the car is insured (also from a clinic link), no plan-year
month and no cash price for original Medicare, and a limit asked before what is paid of it."""

from datetime import date
from decimal import Decimal

from bot.interview.facts import Facts
from bot.interview.scenario import build_scenario
from estimator import Scenario
from estimator.scenario import YearStart
from tests.fakes.interview import CLINICS, play

COMMERCIAL = {"purpose": "medical", "payer": "commercial", "network": "in",
              "provider": "massage_therapist", "prescription": "yes", "diagnosis": "M54.50",
              "sessions": "12", "plan_type": "ppo", "covers_mt": "yes", "deductible": "1000",
              "deductible_met": "all", "cost_share": "coinsurance", "coinsurance": "20",
              "oop_max": "none", "visit_limit": "none", "minutes": "60", "cash": "none",
              "price": "160", "account": "none"}
MEDICARE_PT = {"purpose": "medical", "payer": "medicare", "provider": "physical_therapist",
               "prescription": "yes", "diagnosis": "M54.50", "sessions": "24",
               "participating": "yes", "deductible_met": "0", "minutes": "60",
               "price": "150", "account": "none"}


# --- pre-authorization ------------------------------------------------------------------------

def test_an_approved_preauthorization_is_asked_how_many_visits_it_approved():
    asked, _, prompt = play({**COMMERCIAL, "preauth": "obtained", "preauth_visits": "6"})
    assert prompt.kind == "result" and asked.index("preauth") < asked.index("preauth_visits")
    assert prompt.scenario.preauth_visits == 6
    # 6 of the 12 sessions approved: the other 6 may need a new approval (DOMAIN.md "Who pays").
    assert "preauth_visits_may_run_out" in prompt.estimate.reasons
    assert prompt.estimate.range is not None


def test_not_knowing_the_visits_approved_leaves_no_cap():
    asked, _, prompt = play({**COMMERCIAL, "preauth": "obtained", "preauth_visits": None})
    assert "preauth_visits" in asked and prompt.kind == "result"
    assert prompt.scenario.preauth_visits is None
    assert "preauth_visits_may_run_out" not in prompt.estimate.reasons


def test_the_visits_approved_are_asked_only_when_the_course_can_outrun_them():
    """A typical approval is 4-6 visits: a course of 4 fits in any of them; nor is it asked
    when the pre-authorization is not approved or not required."""
    for known in ({**COMMERCIAL, "sessions": "4", "preauth": "obtained"},
                  {**COMMERCIAL, "preauth": "required"},
                  {**COMMERCIAL, "preauth": "not_required"}):
        asked, _, prompt = play(known)
        assert prompt.kind == "result" and "preauth" in asked
        assert "preauth_visits" not in asked


# --- where the car is insured -----------------------------------------------------------------

AUTO = {"purpose": "medical", "payer": "auto", "fallback": "none", "prescription": "yes",
        "diagnosis": "S13.4XXA", "sessions": "10", "pip_remaining": "10000", "account": "none"}


def test_a_clinic_link_still_asks_where_the_car_is_insured_offering_the_clinics_state():
    """Florida's PIP excludes massage for Florida policies: a New York driver treated in Tampa
    has New York's no-fault benefits (DOMAIN.md "Who pays")."""
    asked, _, prompt = play({**AUTO, "state": "NY"}, clinic="demo-tampa")
    assert "state" in asked and prompt.kind == "result"
    assert prompt.scenario.state == "NY"
    pip = next(r for r in prompt.estimate.routes if r.route == "auto_pip")
    assert pip.available

    _, _, question = play(AUTO, clinic="demo-tampa")  # stops at the state
    assert question.question_id == "state"
    assert question.options[0].value == "FL"
    _, _, prompt = play({**AUTO, "state": "FL"}, clinic="demo-tampa")  # the option, pressed
    assert prompt.scenario.state == "FL"
    pip = next(r for r in prompt.estimate.routes if r.route == "auto_pip")
    assert not pip.available


def test_an_unknown_car_state_is_not_taken_from_the_clinic():
    _, _, prompt = play({**AUTO, "state": None}, clinic="demo-tampa")
    assert prompt.kind == "result" and prompt.scenario.state is None


def test_other_payers_keep_the_clinics_state():
    facts = Facts({"purpose": "medical", "payer": "commercial"}, CLINICS.get("demo-tampa"))
    assert build_scenario(facts).state == "FL"


# --- original Medicare ------------------------------------------------------------------------

def test_original_medicare_is_not_asked_its_plan_year_month():
    """The Part B deductible is per calendar year (42 CFR 410.160(b)): a course from December
    splits on January 1, and no range or "ask your insurer" step for the plan year's start."""
    today = date(2026, 12, 7)
    asked, _, prompt = play({**MEDICARE_PT, "start": "2026-12-07", "rx_date": None},
                            today=today)
    assert "start" in asked and "plan_year" not in asked and prompt.kind == "result"
    e = prompt.estimate
    assert [t.starts for t in e.totals.by_plan_year] == [date(2026, 1, 1), date(2027, 1, 1)]
    assert e.range is None or "year_start" not in e.range.widened_by
    assert "year_start" not in [s.params.get("topic") for s in e.next_steps]


def test_the_estimator_takes_january_1_for_original_medicare():
    fees = {"billed_per_unit": "30.00"}
    for payer in ({"payer": "medicare"},
                  {"payer": "workers_comp", "fallback_payer": "medicare"}):
        for given in (None, {"month": 7, "day": 1}):
            s = Scenario.model_validate({**payer, "fees": fees, "plan": {"year_start": given}})
            assert s.plan.year_start == YearStart(month=1, day=1)
    other = Scenario.model_validate({"payer": "medicare_advantage", "fees": fees,
                                     "plan": {"year_start": None}})
    assert other.plan.year_start is None  # a Medicare Advantage plan's year is asked


def test_original_medicare_is_not_asked_a_cash_price_the_clinic_cannot_take():
    """The clinic must bill Medicare for the sessions it covers (SSA 1848(g)(4))."""
    asked, _, prompt = play({**MEDICARE_PT, "cash": "90"})
    assert prompt.kind == "result" and "cash" not in asked
    # A massage therapist is not paid by Medicare: the patient pays the clinic, so it is asked.
    asked, _, prompt = play({**MEDICARE_PT, "provider": "massage_therapist", "cash": "90"})
    assert prompt.kind == "result" and "cash" in asked


# --- order and wording ------------------------------------------------------------------------

def test_a_limit_is_asked_before_what_is_paid_or_used_of_it():
    """The estimator ranks what is paid of the deductible first (it narrows most), but "How
    much of the deductible have you paid?" cannot come before "How much is the deductible?"."""
    known = {q: v for q, v in COMMERCIAL.items()
             if q not in ("plan_type", "covers_mt", "cost_share", "deductible_met", "oop_max",
                          "visit_limit")}
    known.update({"deductible": "1500", "deductible_met": "400", "oop_max": "5000",
                  "oop_met": "400", "visit_limit": "20", "visits_used": "4", "preauth": None,
                  "plan_type": None, "covers_mt": None, "cost_share": None})
    asked, _, prompt = play(known)
    assert prompt.kind == "result", asked
    for limit, used in (("deductible", "deductible_met"), ("oop_max", "oop_met"),
                        ("visit_limit", "visits_used")):
        assert asked.index(limit) < asked.index(used), asked


def test_all_of_medicares_deductible_paid_is_the_deductible_the_law_sets():
    """Original Medicare never asks the deductible (set by law): "All of it" paid is that amount,
    not an unknown that leaves the estimate a range and charges the deductible again."""
    _, _, prompt = play({**MEDICARE_PT, "deductible_met": "all"})
    assert prompt.kind == "result"
    assert prompt.scenario.plan.deductible_met == Decimal("283.00")
    assert "deductible_met" not in (prompt.estimate.range.widened_by if prompt.estimate.range
                                    else [])
    paid = play({**MEDICARE_PT, "deductible_met": "283"})[2]
    assert prompt.estimate.totals == paid.estimate.totals


def test_a_workers_comp_claim_not_decided_yet_is_unknown_not_refused():
    """"Not decided yet" is not "No": the estimate ranges over accepted and refused (reason
    claim_unknown), never "your claim was not accepted"."""
    known = {"purpose": "medical", "payer": "workers_comp", "fallback": "none",
             "provider": "massage_therapist", "prescription": "yes", "diagnosis": "S16.1XXA",
             "sessions": "12", "wc_claim": "pending", "cash": "80", "price": "160",
             "minutes": "60", "account": "none"}
    asked, _, prompt = play(known)
    assert "wc_claim" in asked and prompt.kind == "result"
    assert prompt.scenario.workers_comp.claim_accepted is None
    assert "claim_unknown" in prompt.estimate.reasons
    assert "claim_not_accepted" not in prompt.estimate.reasons
