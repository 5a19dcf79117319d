"""The second billing review's findings, on real scenarios estimated then worded in every
language: the KX threshold and Part B deductible by calendar year, the cash step and the health
plan step behind workers' comp and auto, an HSA's balance, original Medicare's approved amount."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from bot.i18n import translator
from bot.render import codes, explain
from estimator import Scenario, estimate

LANGS = ["en", "es", "ru"]

KX_DATED = {"payer": "medicare", "provider_type": "physical_therapist", "prescription": True,
            "diagnosis_codes": ["M54.50"], "sessions": 24, "session_minutes": 60,
            "cpt_code": "97140", "start_date": "2026-12-13",
            "fees": {"billed_per_unit": "45.00", "cash_per_session": "120.00"},
            "plan": {"deductible_met": "0"}}
WC_UNKNOWN = {"payer": "workers_comp", "prescription": True, "diagnosis_codes": ["S16.1XXA"],
              "sessions": 12, "session_minutes": 60,
              "fees": {"billed_per_unit": "25.00", "cash_per_session": "80.00"}}
HSA = {"payer": "commercial", "plan_type": "hdhp", "network": "in", "prescription": True,
       "diagnosis_codes": ["M54.2"], "preauth": "not_required", "sessions": 10,
       "session_minutes": 60,
       "fees": {"billed_per_unit": "30.00", "allowed_per_unit": "28.00",
                "cash_per_session": "85.00"},
       "plan": {"deductible": "3000", "deductible_met": "500", "coinsurance_pct": "20",
                "oop_max": "7000"},
       "hsa_fsa": "hsa", "account_balance": "400", "tax_rate_pct": "22"}


def _said(data: dict[str, Any], lang: str) -> str:
    s = Scenario.model_validate(data)
    return explain(estimate(s), s, translator(lang))


@pytest.mark.parametrize("lang", LANGS)
def test_kx_is_not_claimed_when_no_calendar_year_passes_it(lang):
    t = translator(lang)
    text = _said(KX_DATED, lang)
    assert "KX" not in text  # 332.64 in 2026, 2328.48 in 2027: neither above 2480.00
    assert t.gettext(codes.NOTE_MEDICARE_PART_B_LATER_YEAR, year="2026",
                     deductible=t.money(D("283.00"))) in text


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Your sessions in 2027 come to $2,661.12 of approved amounts, more than Medicare's "
           "therapy threshold for 2026 ($2,480.00; we don't have the one for 2027 yet): the "
           "therapist may need to add the KX modifier"),
    ("es", "Sus sesiones de 2027 suman"),
    ("ru", "Ваши сеансы в 2027 году дают"),
])
def test_kx_names_the_year_that_passes_it(lang, expected):
    text = _said({**KX_DATED, "sessions": 27}, lang)
    assert expected in text and "2026" in text.split("KX")[0].rsplit("\n", 1)[-1]


@pytest.mark.parametrize("lang", LANGS)
def test_kx_within_one_year_says_that_year(lang):
    text = _said({**KX_DATED, "start_date": "2026-01-05"}, lang)
    t = translator(lang)
    assert "KX" in text and t.money(D("2661.12")) in text
    assert t.gettext(codes.NOTE_MEDICARE_PART_B_LATER_YEAR, year="2026",
                     deductible=t.money(D("283.00"))) not in text


@pytest.mark.parametrize(("lang", "conditional", "fact"), [
    ("en", "If your claim is not accepted, ask for the clinic's cash price for your 12 sessions, "
           "$80.00 a session, instead of its full charge.",
     "For the 12 sessions your coverage does not pay for"),
    ("es", "Si su reclamo no es aceptado, pida el precio sin seguro de la clínica para sus 12 "
           "sesiones", "Para las 12 sesiones que su cobertura no paga"),
    ("ru", "Если ваше требование не примут, попросите для 12 сеансов цену клиники без "
           "страховки", "которые не покрывает страховка"),
])
def test_the_cash_step_is_a_condition_while_the_claim_is_undecided(lang, conditional, fact):
    text = _said(WC_UNKNOWN, lang)
    t = translator(lang)
    assert conditional in text and fact not in text
    assert t.gettext(codes.STEPS["tell_us_about_health_plan_if_claim_denied"]) in text


@pytest.mark.parametrize("lang", LANGS)
def test_no_health_plan_step_when_an_accepted_claim_pays_everything(lang):
    data = {**WC_UNKNOWN, "workers_comp": {"claim_accepted": True}}
    s = Scenario.model_validate(data)
    e = estimate(s)
    assert e.totals.patient == 0
    text = explain(e, s, translator(lang))
    t = translator(lang)
    for code in ("tell_us_about_health_plan_if_claim_denied", "tell_us_about_health_plan_instead"):
        assert t.gettext(codes.STEPS[code]) not in text


@pytest.mark.parametrize("lang", LANGS)
def test_auto_says_the_plan_pays_after_pip_runs_out(lang):
    data = {**WC_UNKNOWN, "payer": "auto", "state": "TX",
            "auto": {"pip_remaining": "500.00", "pip_pays_pct": "80"}}
    t = translator(lang)
    assert t.gettext(codes.STEPS["tell_us_about_health_plan_after_pip"]) in _said(data, lang)


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Your HSA can pay $400.00 now; the rest, $450.00, too if you put more in this year "
           "(up to $4,400.00 for 2026)."),
    ("es", "Su HSA puede pagar $400.00 ahora; el resto, $450.00, también si aporta más este año"),
    ("ru", "Со счёта HSA можно оплатить 400,00\xa0$ сейчас, а остальное"),
])
def test_an_hsa_pays_its_balance_now_and_the_rest_once_put_in(lang, expected):
    text = _said(HSA, lang)
    assert expected in text
    assert translator(lang).gettext(codes.ACCOUNT_PAYS_ALL["hsa"],
                                    amount=translator(lang).money(D("850.00"))) not in text


def test_an_hsa_without_an_hdhp_pays_only_its_balance():
    text = _said({**HSA, "plan_type": "ppo"}, "en")
    assert "Your HSA can pay $400.00 of the $850.00." in text
    assert "if you put more in this year" not in text


@pytest.mark.parametrize(("lang", "medicare", "plan"), [
    ("en", "Medicare's approved amount", "the plan's allowed amount"),
    ("es", "el monto aprobado por Medicare", "el monto permitido por el plan"),
    ("ru", "сумму, одобренную Medicare", "сумму, разрешённую планом"),
])
def test_original_medicare_deductible_sessions_pay_its_approved_amount(lang, medicare, plan):
    text = _said(KX_DATED, lang)
    assert medicare in text and plan not in text


@pytest.mark.parametrize("lang", LANGS)
def test_original_medicare_points_to_a_physical_therapists_plan_of_care(lang):
    text = _said({**KX_DATED, "provider_type": "massage_therapist"}, lang)
    t = translator(lang)
    assert t.gettext(codes.STEPS["see_physical_therapist_medicare"]) in text
    assert t.gettext(codes.STEPS["see_physical_therapist"]) not in text
