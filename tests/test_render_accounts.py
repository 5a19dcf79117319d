"""An FSA over a course that runs past its plan year, and an HSA's tax saving, worded from real
estimates (the engine's figures, hand-computed below) in English, Spanish and Russian."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from bot.i18n import translator
from bot.render import explain
from estimator import Scenario, estimate

# Twice a week from Monday 2026-12-07: 8 sessions in 2026 at 20% of 120.00 = 24.00 (the
# deductible met), 4 in 2027 at 120.00 each (a new 1000.00 deductible): 192.00 + 480.00.
CROSSING = {
    "payer": "commercial", "network": "in", "prescription": True,
    "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 12,
    "sessions_per_week": 2, "start_date": "2026-12-07",
    "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00"},
    "plan": {"deductible": "1000.00", "deductible_met": "1000.00", "coinsurance_pct": "20"},
    "hsa_fsa": "fsa", "tax_rate_pct": "30",
}


def _text(lang: str, **changes: object) -> str:
    s = Scenario.model_validate(json.loads(json.dumps({**CROSSING, **changes})))
    return explain(estimate(s), s, translator(lang))


@pytest.mark.parametrize(("lang", "lines"), [
    ("en", ["Your FSA can pay for the 8 sessions up to {end}: $192.00.",
            "The 4 sessions after {end} ($480.00) need next year's FSA.",
            "That saves you about $57.60 in taxes."]),
    ("es", ["Su FSA puede pagar las 8 sesiones hasta el {end}: $192.00.",
            "Las 4 sesiones después del {end} ($480.00) tendrán que pagarse con la FSA del año "
            "siguiente.",
            "Así se ahorra unos $57.60 en impuestos."]),
    ("ru", ["Со счёта FSA можно оплатить 8 сеансов до {end} включительно: 192,00\xa0$.",
            "4 сеанса после {end} (480,00\xa0$) придётся оплатить из FSA следующего года.",
            "Это сэкономит вам около 57,60\xa0$ на налогах."]),
])
def test_an_fsa_pays_only_this_plan_years_sessions(lang, lines):
    """A 2026 FSA without a grace period or carryover pays the 192.00 of 2026 (30% = 57.60
    saved), not the 672.00 of the whole course."""
    end = translator(lang).date(date(2026, 12, 31), "long")
    text = _text(lang, fsa_rollover="none")
    assert "\n".join(lines).format(end=end) in text
    for whole in ("FSA can pay all of it", "FSA puede pagarlo todo", "FSA можно оплатить всю"):
        assert whole not in text


@pytest.mark.parametrize(("lang", "check"), [
    ("en", "We counted no grace period and no carryover: ask your employer whether your FSA has "
           "one, which may pay for some of the later sessions."),
    ("es", "No contamos ningún período de gracia ni saldo que pase al año siguiente: pregunte a "
           "su empleador si su FSA tiene alguno de los dos, porque podría pagar parte de las "
           "sesiones posteriores."),
    ("ru", "Мы не учли ни льготного периода, ни переноса остатка: спросите работодателя, есть ли "
           "что-то из этого у вашего FSA, — тогда из него можно будет оплатить часть более "
           "поздних сеансов."),
])
def test_an_unknown_fsa_rule_counts_the_worst_case_and_says_what_to_check(lang, check):
    text = _text(lang, fsa_rollover=None)
    assert check in text
    assert check not in _text(lang, fsa_rollover="none")


@pytest.mark.parametrize(("lang", "lines"), [
    ("en", ["Your FSA can pay for the 8 sessions up to {end}: $192.00.",
            "What is left in it carries over, up to $680.00: it can pay $308.00 of the $480.00 "
            "for the 4 sessions after {end}.",
            "The rest, $172.00, needs next year's FSA.",
            "That saves you about $150.00 in taxes."]),
    ("es", ["Su FSA puede pagar las 8 sesiones hasta el {end}: $192.00.",
            "Lo que le quede pasa al año siguiente, hasta $680.00: puede pagar $308.00 de los "
            "$480.00 de las 4 sesiones después del {end}.",
            "El resto, $172.00, tendrá que pagarse con la FSA del año siguiente."]),
    ("ru", ["Со счёта FSA можно оплатить 8 сеансов до {end} включительно: 192,00\xa0$.",
            "Остаток на счёте переносится на следующий год (не больше 680,00\xa0$): из него "
            "можно оплатить 308,00\xa0$ из 480,00\xa0$ за 4 сеанса после {end}.",
            "Остальное, 172,00\xa0$, придётся оплатить из FSA следующего года."]),
])
def test_a_carryover_pays_part_of_next_years_sessions(lang, lines):
    """500.00 left: 192.00 for 2026, the other 308.00 (under the 680.00 limit) carries over
    and pays 308.00 of the 480.00 of 2027; 172.00 is left for the 2027 FSA."""
    end = translator(lang).date(date(2026, 12, 31), "long")
    text = _text(lang, fsa_rollover="carryover", account_balance="500.00")
    assert "\n".join(lines).format(end=end) in text


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "What is left in it carries over, up to $680.00, so it can also pay for the 4 "
           "sessions after {end}: $480.00."),
    ("es", "Lo que le quede pasa al año siguiente, hasta $680.00, así que también puede pagar "
           "las 4 sesiones después del {end}: $480.00."),
    ("ru", "Остаток на счёте переносится на следующий год (не больше 680,00\xa0$), поэтому из "
           "него можно оплатить и 4 сеанса после {end}: 480,00\xa0$."),
])
def test_a_carryover_that_covers_next_years_sessions(lang, line):
    end = translator(lang).date(date(2026, 12, 31), "long")
    text = _text(lang, fsa_rollover="carryover")
    assert line.format(end=end) in text
    assert "next year's FSA" not in text


def test_a_balance_below_this_years_sessions_and_a_grace_period():
    """100.00 left pays 100.00 of 2026's 192.00. With a grace period to 2027-03-15 the whole
    course is before it: the FSA pays all of it, worded as before."""
    end = translator("en").date(date(2026, 12, 31), "long")
    text = _text("en", fsa_rollover="none", account_balance="100.00")
    assert f"Your FSA can pay $100.00 of the $192.00 for the 8 sessions up to {end}." in text
    grace = _text("en", fsa_rollover="grace_period")
    assert "Your FSA can pay all of it, $672.00.\nThat saves you about $201.60 in taxes." in grace
    # One session on 2027-01-14 is the 2026 plan year's only under the grace period.
    one = _text("en", fsa_rollover="none", sessions=9)
    assert f"The 1 session after {end} ($120.00) needs next year's FSA." in one


@pytest.mark.parametrize(("lang", "line"), [
    ("en", "That saves you about $92.40 in taxes."),
    ("es", "Así se ahorra unos $92.40 en impuestos."),
    ("ru", "Это сэкономит вам около 92,40\xa0$ на налогах."),
])
def test_an_hsa_saves_tax_only_on_new_money(lang, line):
    """The reviewer's case: 12 sessions cash at 85.00 = 1020.00 (cheaper than the HDHP before
    its deductible), 600.00 already in the HSA: 22% x (1020.00 - 600.00) = 92.40, not
    22% x 1020.00 = 224.40."""
    s = Scenario.model_validate({
        "payer": "commercial", "plan_type": "hdhp", "network": "in", "prescription": True,
        "diagnosis_codes": ["M79.7"], "preauth": "not_required", "state": "WA",
        "sessions": 12, "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "32.00",
                                 "cash_per_session": "85.00"},
        "plan": {"deductible": "3000", "deductible_met": "200", "deductible_applies": False,
                 "coinsurance_pct": "10", "oop_max": "6000", "visit_limit": 20,
                 "visits_used": 0},
        "hsa_fsa": "hsa", "account_balance": "600", "tax_rate_pct": "22"})
    e = estimate(s)
    assert (e.recommended.patient_total, e.accounts.amount, e.accounts.tax_savings) == (
        Decimal("1020.00"), Decimal("1020.00"), Decimal("92.40"))
    text = explain(e, s, translator(lang))
    assert line in text
    assert "224" not in text


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_without_a_health_plan_the_fsas_year_is_assumed_and_said(lang):
    """Paying the clinic yourself (no plan gives the plan year): the FSA's year is taken to be
    the calendar year, the usual one, and the patient is told to check it."""
    t = translator(lang)
    text = _text(lang, payer="self_pay", fsa_rollover="none",
                 fees={"billed_per_unit": "40.00", "cash_per_session": "90.00"}, plan={})
    assert t.gettext("We took your FSA's plan year to be the calendar year: ask your employer "
                     "if it is not.") in text
    assert t.date(date(2026, 12, 31), "long") in text
    with_plan = _text(lang, fsa_rollover="none")  # the health plan's year is the FSA's
    assert t.gettext("We took your FSA's plan year to be the calendar year: ask your employer "
                     "if it is not.") not in with_plan
