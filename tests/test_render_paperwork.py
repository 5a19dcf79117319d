"""The "once the paperwork is in order" sentence under the headline (bot.render.paperwork), for
real estimates, in English, Spanish and Russian."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n import translator
from bot.render import explain, headline_text
from estimator import Scenario, estimate

LANGS = ("en", "es", "ru")
FEES = {"billed_per_unit": "40.00", "allowed_per_unit": "30.00", "cash_per_session": "90.00"}
HMO = {"payer": "commercial", "plan_type": "hmo", "network": "in", "prescription": False,
       "diagnosis_codes": ["M54.5"], "preauth": "not_required", "sessions": 6, "fees": FEES,
       "plan": {"copay": "20.00", "deductible": "0.00"}}
# What the sentence starts with, and the words for the two documents, in each language.
WITH = {"en": "With ", "es": "Con ", "ru": "Когда вы получите "}
REFERRAL = {"en": "a referral from your primary care doctor",
            "es": "una remisión de su médico de atención primaria",
            "ru": "направление от вашего лечащего врача"}
CODE = {"en": "a billable diagnosis code", "es": "un código de diagnóstico facturable",
        "ru": "правильный код диагноза"}


def sentence(text: str, lang: str) -> str | None:
    return next((line for line in text.splitlines() if line.startswith(WITH[lang])), None)


@pytest.mark.parametrize("lang", LANGS)
def test_without_a_referral_the_headline_says_what_the_plan_would_cost_with_one(lang):
    """Paying the clinic (6 x 90.00) is recommended now; with the referral and a billable code
    the plan pays after the 20.00 copay: 6 x 20.00 = 120.00, said right under the cost."""
    s = Scenario.model_validate(HMO)
    e = estimate(s)
    t = translator(lang)
    headline = headline_text(e, s, t)
    line = sentence(headline, lang)
    assert line is not None, headline
    assert REFERRAL[lang] in line and CODE[lang] in line
    assert t.money(Decimal("120.00")) in line
    assert t.money(Decimal("540.00")) in headline.splitlines()[1]  # the cost as things stand
    assert t.gettext("your health plan") in line


@pytest.mark.parametrize("lang", LANGS)
def test_a_claim_not_decided_yet_gives_both_ends(lang):
    """Workers' comp with S16.1 (no 7th character): with a billable code, 0.00 if the claim is
    accepted, 6 x 90.00 = 540.00 if not."""
    s = Scenario.model_validate({"payer": "workers_comp", "prescription": True,
                                 "diagnosis_codes": ["S16.1"], "sessions": 6, "fees": FEES})
    t = translator(lang)
    line = sentence(explain(estimate(s), s, t), lang)
    assert line is not None
    assert CODE[lang] in line and REFERRAL[lang] not in line
    assert line == t.gettext(
        "With %(fixes)s, the course would cost you between %(low)s and %(high)s, depending on "
        "whether your claim is accepted.", fixes=CODE[lang], low=t.money(Decimal("0.00")),
        high=t.money(Decimal("540.00")))


@pytest.mark.parametrize("lang", LANGS)
def test_a_pre_authorization_nobody_knows_about_is_named_as_perhaps_needed(lang):
    """The referral fixed, pre-authorization unknown: the figure holds if it is obtained too,
    so the sentence says so."""
    s = Scenario.model_validate({**HMO, "preauth": "unknown", "diagnosis_codes": ["M54.50"]})
    t = translator(lang)
    line = sentence(explain(estimate(s), s, t), lang)
    assert line is not None and REFERRAL[lang] in line
    assert t.gettext("your plan's pre-authorization, if it needs one") in line
    assert t.money(Decimal("120.00")) in line


@pytest.mark.parametrize("lang", LANGS)
def test_nothing_is_said_when_nothing_can_be_fixed(lang):
    """A plan without massage therapists: no document changes that."""
    s = Scenario.model_validate({**HMO, "plan_type": "ppo", "prescription": True,
                                 "diagnosis_codes": ["M54.50"],
                                 "plan": {"copay": "20.00", "covers_massage_therapists": False}})
    assert sentence(explain(estimate(s), s, translator(lang)), lang) is None


@pytest.mark.parametrize("lang", LANGS)
def test_a_plan_that_would_pay_nothing_is_not_said_to_pay_the_rest(lang):
    """With the referral, the 1,000.00 deductible (none met) takes the whole course at the
    allowed 120.00 a session: 720.00, the plan pays nothing; cash 6 x 130.00 = 780.00 now."""
    s = Scenario.model_validate({**HMO, "diagnosis_codes": ["M54.50"],
                                 "fees": {**FEES, "cash_per_session": "130.00"},
                                 "plan": {"deductible": "1000.00", "deductible_met": "0.00",
                                          "coinsurance_pct": "20"}})
    t = translator(lang)
    line = sentence(explain(estimate(s), s, t), lang)
    assert line == t.gettext("With %(fixes)s, billing %(payers)s would cost you %(total)s.",
                             fixes=REFERRAL[lang], payers=t.gettext("your health plan"),
                             total=t.money(Decimal("720.00")))


@pytest.mark.parametrize("lang", LANGS)
def test_a_range_from_the_clinics_unknown_price_is_said_to_depend_on_it(lang):
    s = Scenario.model_validate({**HMO, "diagnosis_codes": ["M54.50"],
                                 "fees": {"billed_per_unit": None},
                                 "plan": {"deductible": "1000.00", "deductible_met": "0.00",
                                          "coinsurance_pct": "20"}})
    e = estimate(s)
    assert e.once_fixed is not None and "price_unknown" in e.once_fixed.open
    t = translator(lang)
    line = sentence(explain(e, s, t), lang)
    assert line == t.gettext(
        "With %(fixes)s, the course would cost you between %(low)s and %(high)s, depending on "
        "the clinic's price.", fixes=REFERRAL[lang], low=t.money(e.once_fixed.low),
        high=t.money(e.once_fixed.patient_total))
