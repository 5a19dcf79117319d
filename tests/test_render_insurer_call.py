"""The call-your-insurer script: the unknowns that widen the estimate as questions for the
insurer's member line, with the service and diagnosis codes filled in."""

import pytest

from bot.i18n import translator
from bot.render import explain
from bot.render.insurer_call import INTRO, call_script, questions
from estimator import Scenario, estimate

OPEN = {"prescription": True, "diagnosis_codes": ["M54.50"], "network": None, "sessions": 12,
        "fees": {"billed_per_unit": "40"},
        "plan": {"deductible": None, "deductible_met": None, "visit_limit": None,
                 "covers_massage_therapists": None}}
KNOWN = {"prescription": True, "diagnosis_codes": ["M54.50"], "preauth": "not_required",
         "sessions": 12, "fees": {"billed_per_unit": "40", "allowed_per_unit": "30"},
         "plan": {"deductible": "500", "deductible_met": "0", "coinsurance_pct": "20"}}


def _explained(data, lang="en"):
    s = Scenario.model_validate(data)
    return s, estimate(s), explain(estimate(s), s, translator(lang))


def test_open_answers_become_numbered_questions_with_the_codes_filled_in():
    s, e, text = _explained(OPEN)
    asked = questions(e, s, translator("en"))
    assert asked[0] == "Is the clinic in my plan's network?"
    assert "Do I need pre-authorization for CPT 97124 with diagnosis M54.50?" in asked
    assert any(q.startswith("What is my deductible, how much of it have I met") for q in asked)
    assert any("visits a year does my plan allow" in q for q in asked)
    script = call_script(e, s, translator("en"))
    assert script.splitlines()[0] == INTRO
    assert [line.split(".")[0] for line in script.splitlines()[1:]] == [
        str(n) for n in range(1, len(asked) + 1)]
    # The script replaces the one-line "Ask your insurer about ..." steps.
    assert script in text and "Ask your insurer about" not in text


def test_the_clinic_is_named_when_known():
    s = Scenario.model_validate(OPEN)
    asked = questions(estimate(s), s, translator("en"), clinic="Demo Clinic")
    assert asked[0] == "Is Demo Clinic in my plan's network?"


def test_nothing_to_ask_when_every_answer_is_known():
    s, e, text = _explained(KNOWN)
    assert call_script(e, s, translator("en")) == ""
    assert "When you call your insurer" not in text


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_the_script_is_in_the_patients_language(lang):
    s, e, _ = _explained(OPEN, lang)
    t = translator(lang)
    script = call_script(e, s, t)
    assert t.gettext(INTRO) != INTRO and script.startswith(t.gettext(INTRO))
    assert "CPT 97124" in script and "M54.50" in script
    assert "Is the clinic" not in script


def test_no_plan_questions_when_no_way_to_pay_goes_through_the_plan():
    # Original Medicare does not pay a massage therapist: nothing to ask about its amounts.
    s, e, _ = _explained({"payer": "medicare", "prescription": True, "diagnosis_codes": ["M54.50"],
                          "sessions": 12, "fees": {"billed_per_unit": "40"},
                          "plan": {"deductible_met": None}})
    assert call_script(e, s, translator("en")) == ""


def test_only_what_is_used_is_asked_when_the_amount_itself_is_known():
    """Original Medicare's deductible is set by law: only how much of it is met is open, so the
    call asks just that (not the deductible, nor whether it applies)."""
    medicare = Scenario.model_validate({
        "payer": "medicare", "network": "in", "sessions": 12, "prescription": True,
        "diagnosis_codes": ["M54.50"], "provider_type": "physical_therapist",
        "fees": {"billed_per_unit": "40"}, "plan": {"deductible_met": None}})
    asked = questions(estimate(medicare), medicare, translator("en"))
    assert "How much of my deductible have I met this year?" in asked
    assert not any("What is my deductible" in q for q in asked)
    plan = Scenario.model_validate({**KNOWN, "plan": {**KNOWN["plan"], "oop_max": "4000",
                                                      "oop_met": None}})
    asked = questions(estimate(plan), plan, translator("es"))
    assert "¿Cuánto he acumulado este año para mi máximo de gastos de bolsillo?" in asked


def test_nothing_is_asked_about_what_is_paid_toward_an_amount_the_plan_does_not_have():
    """No deductible, no out-of-pocket maximum: how much of them is met changes nothing, so the
    insurer is not asked (estimator.domains leaves it out of the unknowns)."""
    plan = Scenario.model_validate({**KNOWN, "plan": {
        "deductible": "0", "deductible_met": None, "coinsurance_pct": "20", "oop_max": "none",
        "oop_met": None}})
    asked = " ".join(questions(estimate(plan), plan, translator("en")))
    assert "deductible" not in asked and "out-of-pocket" not in asked


@pytest.mark.parametrize("payer", ["medicare", "medicare_advantage"])
def test_original_medicare_is_never_asked_about_pre_authorization(payer):
    """Original Medicare has no pre-authorization for therapy (a certified plan of care and the
    KX modifier instead); Medicare Advantage plans may require one."""
    s = Scenario.model_validate({
        "payer": payer, "provider_type": "physical_therapist", "prescription": True,
        "diagnosis_codes": ["M54.50"], "sessions": 12, "medicare_participating": None,
        "fees": {"billed_per_unit": "40.00"}, "plan": {"deductible_met": None}})
    e = estimate(s)
    asked = questions(e, s, translator("en"))
    preauth = "Do I need pre-authorization for CPT 97124 with diagnosis M54.50?"
    assert (preauth in asked) == (payer == "medicare_advantage")
    route_steps = {st.code for r in e.routes for st in r.steps}
    assert ("request_preauth" in route_steps) == (payer == "medicare_advantage")
