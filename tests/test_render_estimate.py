"""How an estimate is worded (bot.render.estimate), in English, Spanish and Russian.

The estimates are built by hand from the output contract (estimator/estimate.py), so the wording
is tested apart from the engine's arithmetic: the headline (the recommended way to pay, its total
or both ends of its range, per session), who pays for how many sessions, cash cheaper than the
plan, the other ways to pay, the accounts, and a sentence for every code.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.i18n import translator
from bot.render import codes, explain, headline_text, step_text
from bot.render.estimate import note_text, reason_text
from bot.render.plan_share import sentence
from estimator import Scenario, estimate
from estimator.estimate import (
    Accounts,
    CostRange,
    Estimate,
    NextStep,
    Recommended,
    Route,
    SessionRow,
    Totals,
)

LANGS = ("en", "es", "ru")
GOOD_NEWS = ("Good news", "Buenas noticias", "Хорошая новость")
D = Decimal


def rows(by_payer: dict[str, int], patient_each: str = "10.00") -> list[SessionRow]:
    """Sessions in the order the payers pay them, the patient's share `patient_each` each."""
    out: list[SessionRow] = []
    for paid_by in ("workers_comp", "pip", "health_plan", "cash"):
        for _ in range(by_payer.get(paid_by, 0)):
            covered = paid_by != "cash"
            out.append(SessionRow(
                n=len(out) + 1, paid_by=paid_by, billed=D("160.00"),
                allowed=D("100.00") if covered else D("0.00"), covered=covered,
                deductible=D("0.00"), copay=D("0.00"), coinsurance=D(patient_each) if covered
                else D("0.00"), balance_bill=D("0.00"), patient=D(patient_each),
                insurer=D("90.00") if covered else D("0.00")))
    return out


def make(
    route: str, total: str, by_payer: dict[str, int], *, routes: list[Route] | None = None,
    cost_range: tuple[str, str] | None = None, coverage: str = "likely", insurer: str = "0.00",
    accounts: Accounts | None = None, reasons: list[str] | None = None,
    next_steps: list[NextStep] | None = None, notes: list[str] | None = None,
    widened_by: list[str] | None = None,
) -> Estimate:
    sessions = rows(by_payer)
    covered = sum(1 for r in sessions if r.covered)
    recommended = Route(route=route, available=True, patient_total=D(total), steps=[],
                        low=D(cost_range[0]) if cost_range else None)
    others = routes if routes is not None else []
    return Estimate(
        coverage=coverage, reasons=reasons or [], units_per_session=4, diagnoses=[],
        sessions=sessions,
        totals=Totals(patient=D(total), insurer=D(insurer), covered_sessions=covered,
                      uncovered_sessions=len(sessions) - covered),
        range=None if cost_range is None else CostRange(
            low=D(cost_range[0]), high=D(cost_range[1]), widened_by=widened_by or []),
        routes=[recommended, *others],
        recommended=Recommended(route=route, patient_total=D(total),
                                sessions_by_payer=by_payer),
        best_route=route, accounts=accounts, next_steps=next_steps or [], notes=notes or [],
    )


def scenario(sessions: int = 12, **changes: Any) -> Scenario:
    data: dict[str, Any] = {"payer": "commercial", "plan_type": "ppo", "network": "in",
                            "prescription": True, "diagnosis_codes": ["M54.50"],
                            "sessions": sessions, "fees": {"billed_per_unit": "40.00",
                                                           "cash_per_session": "90.00"}}
    return Scenario.model_validate({**data, **changes})


def cash(total: str) -> Route:
    return Route(route="self_pay", available=True, patient_total=D(total), steps=[])


def headline(e: Estimate, s: Scenario, lang: str) -> str:
    return explain(e, s, translator(lang)).split("\n\n")[0]


# --- a partly covered course ----------------------------------------------------------------

PARTLY = make("insurance_then_cash", "700.00", {"health_plan": 5, "cash": 7},
              insurer="450.00", routes=[cash("1080.00"),
                                        Route(route="insurance", available=True,
                                              patient_total=D("1370.00"), steps=[])],
              reasons=["visit_limit_reached"],
              next_steps=[NextStep(code="use_cash_after_limit",
                                   params={"sessions": 7, "cash_per_session": "90.00"})])


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["We recommend billing your health plan, then paying the clinic's cash price for the "
            "sessions it does not cover.\n"
            "Your cost for 12 sessions: $700.00. That is about $58.33 per session.",
            "Your health plan will likely pay for 5 of your 12 sessions.\n"
            "You pay for the remaining 7 sessions yourself.\n"
            "Insurance would pay $450.00.",
            "Other ways to pay:\n"
            "• Pay the clinic yourself (cash price): $1,080.00\n"
            "• Your health plan: $1,370.00",
            "☐ For the 7 sessions your coverage does not pay for, ask for the clinic's cash "
            "price, $90.00 a session, instead of its full charge."]),
    ("es", ["Le recomendamos usar su plan de salud y, por las sesiones que no cubra, pagar el "
            "precio sin seguro de la clínica.\n"
            "Su costo por 12 sesiones: $700.00. Es decir, unos $58.33 por sesión.",
            "Es probable que su plan de salud pague 5 de sus 12 sesiones.\n"
            "Las 7 sesiones restantes las paga usted.",
            "• Pagarle directamente a la clínica (precio sin seguro): $1,080.00"]),
    ("ru", ["Рекомендуем оплатить через медицинскую страховку, а сеансы, которые она не "
            "покрывает, — по цене клиники без страховки.\n"
            "Ваши расходы за 12 сеансов: 700,00\xa0$. То есть около 58,33\xa0$ за сеанс.",
            "Скорее всего, ваша медицинская страховка оплатит 5 из ваших 12 сеансов.\n"
            "Оставшиеся 7 сеансов вы оплачиваете сами.",
            "☐ За 7 сеансов, которые не покрывает страховка, попросите цену клиники без "
            "страховки (90,00\xa0$ за сеанс) вместо полной цены."]),
])
def test_a_partly_covered_course_names_the_route_and_counts_the_sessions(lang, expected):
    # The allowed amount is known: what the plan pays is a figure, not a guess.
    fees = {"billed_per_unit": "40.00", "allowed_per_unit": "30.00", "cash_per_session": "90.00"}
    text = explain(PARTLY, scenario(fees=fees), translator(lang))
    assert text.startswith(expected[0] + "\n\n")
    for part in expected[1:]:
        assert part in text
    assert not any(good in text for good in GOOD_NEWS)


def test_russian_plural_forms_follow_the_number():
    t = translator("ru")
    e = make("insurance_then_cash", "700.00", {"health_plan": 5, "cash": 16})
    text = explain(e, scenario(21), t)
    assert "Ваши расходы за 21 сеанс: 700,00\xa0$." in text
    assert "оплатит 5 из ваших 21 сеанса." in text
    assert "Оставшиеся 16 сеансов вы оплачиваете сами." in text
    e = make("insurance_then_cash", "700.00", {"health_plan": 2, "cash": 2})
    text = explain(e, scenario(4), t)
    assert "Ваши расходы за 4 сеанса" in text and "Оставшиеся 2 сеанса" in text
    assert "оплатит 2 из ваших 4 сеансов." in text


# --- "Good news" only when the recommended plan's payers pay every session --------------------

@pytest.mark.parametrize(("lang", "good_news"), [
    ("en", "Good news: your health plan will likely pay for each of your 12 sessions."),
    ("es", "Buenas noticias: es probable que su plan de salud pague las 12 sesiones."),
    ("ru", "Хорошая новость: ваша медицинская страховка, скорее всего, оплатит все 12 сеансов."),
])
def test_good_news_only_when_every_session_is_paid_and_likely(lang, good_news):
    every = make("insurance", "240.00", {"health_plan": 12}, insurer="1200.00",
                 routes=[cash("1080.00")])
    assert good_news in explain(every, scenario(), translator(lang))
    open_answers = every.model_copy(update={"coverage": "uncertain"})
    text = explain(open_answers, scenario(), translator(lang))
    assert good_news not in text
    assert translator(lang).gettext(
        "Some answers are still open, so this is not certain yet.") in text


def test_one_session_and_a_chain_of_payers():
    t = translator("en")
    one = make("insurance", "16.00", {"health_plan": 1})
    text = explain(one, scenario(1), t)
    assert text.startswith("We recommend billing your health plan.\n"
                           "Your cost for 1 session: $16.00.\n\n")  # no "per session"
    assert "Good news: your health plan will likely pay for this session." in text
    chain = make("workers_comp_then_insurance", "120.00", {"workers_comp": 6, "health_plan": 6})
    text = explain(chain, scenario(12), t)
    assert ("Good news: between them, your insurers will likely pay for each of your 12 "
            "sessions.\n"
            "Your workers' compensation insurer will likely pay for 6 of your 12 sessions.\n"
            "Your health plan will likely pay for 6 of your 12 sessions.") in text
    assert text.startswith("We recommend billing workers' compensation first, then your health "
                           "plan.\n")


# --- paying the clinic's cash price is cheaper ----------------------------------------------

CHEAPER = make("self_pay", "720.00", {"cash": 12},
               routes=[Route(route="insurance", available=True, patient_total=D("1440.00"),
                             steps=[])],
               notes=["cash_not_counted_toward_deductible", "in_network_cash_only_if_not_billed"],
               next_steps=[NextStep(code="request_good_faith_estimate")])


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", ["We recommend paying the clinic yourself, at its cash price.\n"
            "Your cost for 12 sessions: $720.00. That is about $60.00 per session.",
            "Your health plan would pay its share, but paying the clinic's cash price is cheaper "
            "than billing it: $720.00 instead of $1,440.00.",
            "This is an estimate from your answers and the clinic's prices, not a bill."]),
    ("es", ["Le recomendamos pagarle directamente a la clínica, a su precio sin seguro.\n"
            "Su costo por 12 sesiones: $720.00. Es decir, unos $60.00 por sesión.",
            "pagar el precio sin seguro de la clínica le sale más barato que usar el seguro: "
            "$720.00 en lugar de $1,440.00."]),
    ("ru", ["Рекомендуем платить клинике самостоятельно, по её цене без страховки.\n"
            "Ваши расходы за 12 сеансов: 720,00\xa0$. То есть около 60,00\xa0$ за сеанс.",
            "Даже с учётом того, что ваша медицинская страховка оплатит свою часть, заплатить "
            "клинике по цене без страховки дешевле: 720,00\xa0$ вместо 1\xa0440,00\xa0$."]),
])
def test_a_cheaper_cash_price_is_the_headline(lang, expected):
    text = explain(CHEAPER, scenario(), translator(lang))
    assert text.startswith(expected[0] + "\n\n")
    for part in expected[1:]:
        assert part in text
    assert not any(good in text for good in GOOD_NEWS)
    assert translator(lang).gettext(codes.DISCLAIMER) not in text  # no insurer decides here


def test_cash_that_is_only_safer_than_an_uncertain_plan_says_so():
    e = make("self_pay", "1080.00", {"cash": 12},
             routes=[Route(route="insurance", available=True, patient_total=D("1088.00"),
                           low=D("288.00"), steps=[])])
    text = explain(e, scenario(), translator("en"))
    assert ("Your health plan: from $288.00 to $1,088.00, depending on the answers still open. "
            "The clinic's cash price costs $1,080.00 for sure, so we recommend it.") in text
    assert "• Your health plan: $288.00 to $1,088.00" in text


@pytest.mark.parametrize(("lang", "relaxation"), [
    ("en", "Massage for relaxation is not covered by any insurance."),
    ("es", "Ningún seguro cubre el masaje para relajarse."),
    ("ru", "Массаж для расслабления не покрывает ни одна страховка."),
])
def test_relaxation_pays_the_clinic_and_gives_each_reason_once(lang, relaxation):
    e = make("self_pay", "1080.00", {"cash": 12}, coverage="not_covered",
             reasons=["relaxation_not_covered"],
             routes=[Route(route="insurance", available=False, patient_total=D("1920.00"),
                           steps=[], reason="relaxation_not_covered")])
    t = translator(lang)
    text = explain(e, scenario(purpose="relaxation"), t)
    assert text.startswith(t.gettext(codes.HEADLINES["self_pay"]) + "\n")
    assert relaxation in text
    assert text.count(t.gettext(codes.REASONS["relaxation_not_covered"])) == 1
    assert "\n• " + t.gettext("%(route)s: not available.",
                              route=t.gettext(codes.ROUTES["insurance"])) in text


# --- a range: both ends, always -------------------------------------------------------------

RANGED = make("insurance", "900.00", {"health_plan": 12}, cost_range=("600.00", "900.00"),
              coverage="uncertain", reasons=["amount_unknown"], widened_by=["deductible_met"])


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "We recommend billing your health plan.\n"
           "Your cost for 12 sessions: between $600.00 and $900.00. That is $50.00 to $75.00 per "
           "session.\n"
           "Knowing how much of your deductible is met would narrow this the most."),
    ("es", "Le recomendamos usar su plan de salud.\n"
           "Su costo por 12 sesiones: entre $600.00 y $900.00. Es decir, de $50.00 a $75.00 por "
           "sesión.\n"
           "Lo que más reduciría este rango es saber cuánto de su deducible ya pagó."),
    ("ru", "Рекомендуем оплатить через медицинскую страховку.\n"
           "Ваши расходы за 12 сеансов: от 600,00\xa0$ до 900,00\xa0$. То есть от 50,00\xa0$ до "
           "75,00\xa0$ за сеанс.\n"
           "Точнее всего расчёт станет, если узнать, сколько из франшизы уже выплачено."),
])
def test_a_range_shows_both_ends(lang, expected):
    assert headline(RANGED, scenario(), lang) == expected
    t = translator(lang)
    assert t.gettext(codes.REASONS["amount_unknown"]) in explain(RANGED, scenario(), t)


@pytest.mark.parametrize("lang", LANGS)
def test_no_range_word_next_to_a_single_figure(lang):
    # The unknowns do not change this route: one figure, and no sentence about a range.
    flat = RANGED.model_copy(update={"range": CostRange(low=D("900.00"), high=D("900.00"),
                                                        widened_by=[])})
    t = translator(lang)
    text = explain(flat, scenario(), t)
    assert t.ngettext("Your cost for %(n)s session: %(total)s.",
                      "Your cost for %(n)s sessions: %(total)s.", 12,
                      total=t.money(D("900.00"))) in text
    assert t.gettext(codes.REASONS["amount_unknown"]) not in text
    assert headline_text(flat, scenario(), t).count(t.money(D("900.00"))) == 1


# --- other ways to pay, accounts ------------------------------------------------------------

def test_other_routes_with_their_totals_ranges_and_reasons():
    e = make("insurance", "370.40", {"health_plan": 6}, routes=[
        Route(route="self_pay", available=False, patient_total=D("540.00"), steps=[],
              reason="must_bill_medicare"),
        Route(route="auto_pip_then_cash", available=True, patient_total=D("609.99"),
              low=D("0.00"), steps=[]),
    ])
    text = explain(e, scenario(6, payer="medicare"), translator("en"))
    assert ("Other ways to pay:\n"
            "• Pay the clinic yourself (cash price): not available.\n"
            "  A clinic must bill Medicare for the services Medicare covers, so it cannot take "
            "its cash price for them instead.\n"
            "• Auto insurance (PIP or MedPay), then the cash price: $0.00 to $609.99") in text
    assert "Good news: Medicare will likely pay for each of your 6 sessions." in text
    assert "your Medicare" not in text
    assert codes.DISCLAIMER in text  # an insurer is involved


@pytest.mark.parametrize(("lang", "lines"), [
    ("en", ["Your HSA can pay $400.00 of the $700.00.", "That saves you about $120.00 in taxes.",
            "The account can pay only up to what is in it."]),
    ("es", ["Su HSA puede pagar $400.00 de los $700.00.",
            "Así se ahorra unos $120.00 en impuestos."]),
    ("ru", ["Со счёта HSA можно оплатить 400,00\xa0$ из 700,00\xa0$.",
            "Это сэкономит вам около 120,00\xa0$ на налогах."]),
])
def test_an_account_pays_part_of_the_recommended_total(lang, lines):
    account = Accounts(kind="hsa", eligible=True, pays_for="insurance_then_cash",
                       amount=D("400.00"), tax_savings=D("120.00"),
                       notes=["account_balance_limits"])
    e = PARTLY.model_copy(update={"accounts": account})
    text = explain(e, scenario(), translator(lang))
    assert "\n".join(lines) in text


def test_an_account_that_cannot_pay_says_only_why():
    account = Accounts(kind="fsa", eligible=False, pays_for="insurance", amount=D("0.00"),
                       notes=["lmn_needed", "fsa_use_it_or_lose_it"])
    e = make("insurance", "240.00", {"health_plan": 12}, accounts=account)
    text = explain(e, scenario(), translator("en"))
    assert ("Your FSA cannot pay for this massage as things stand.\n"
            "For the account to pay, you need a prescription or a Letter of Medical Necessity "
            "from a clinician who examined you.") in text
    assert "FSA money not used" not in text
    hra = Accounts(kind="hra", eligible=True, pays_for="insurance", amount=D("240.00"),
                   notes=["hra_no_tax_saving"])
    text = explain(e.model_copy(update={"accounts": hra}), scenario(), translator("en"))
    assert ("Your HRA can pay all of it, $240.00.\n"
            "An HRA is your employer's money: it saves you no tax, but what it pays does not "
            "come out of your pocket.") in text


# --- every code has a sentence, in every language -------------------------------------------

NEW_REASONS = ["referral_unknown", "pip_exhausted", "pip_state_unknown", "external_cause_only",
               "wellness_diagnosis", "no_referral", "medicaid_provider_not_enrolled",
               "must_bill_medicare", "must_bill_medicaid"]
STEPS_WITH_PARAMS = [
    ("bring_insurance_card", {}),
    ("bring_prescription", {}),
    ("bring_doctors_order", {}),
    ("appeal_state_mandate", {"state": "WA"}),
    ("appeal_state_mandate", {"state": "OR"}),
    ("add_seventh_character", {"code": "S13.4XX", "children": ["S13.4XXA", "S13.4XXD",
                                                              "S13.4XXS"]}),
    ("use_condition_code", {"code": "W01.0XXA"}),
    ("get_referral", {}),
    ("physician_certified_plan_of_care", {}),
    ("kx_modifier", {"threshold": "2480.00", "year": 2026}),
    ("kx_modifier", {"threshold": "2480.00", "year": 2026, "course_year": 2026,
                     "approved": "2600.00"}),
    ("kx_modifier", {"threshold": "2480.00", "year": 2026, "course_year": 2027,
                     "approved": "2600.00"}),
    ("submit_claim_yourself", {}),
    ("tell_us_about_health_plan_after_pip", {}),
    ("tell_us_about_health_plan_if_claim_denied", {}),
    ("tell_us_about_health_plan_instead", {}),
    ("see_physical_therapist_medicare", {}),
    ("ask_about_manual_therapy", {}),
    ("use_cash_after_limit", {"sessions": 3, "cash_per_session": "90.00"}),
    ("use_cash_after_limit", {"sessions": 1, "cash_per_session": None}),
    ("use_cash_after_limit", {}),
    ("use_cash_after_limit", {"sessions": 3, "cash_per_session": "90.00",
                              "condition": "claim_not_accepted"}),
    ("use_cash_after_limit", {"sessions": 3, "cash_per_session": None,
                              "condition": "claim_not_accepted"}),
    ("use_cash_after_limit", {"sessions": 3, "cash_per_session": "90.00",
                              "condition": "worst_case"}),
    ("use_cash_after_limit", {"sessions": 3, "cash_per_session": None,
                              "condition": "worst_case"}),
]
NEW_NOTES = ["oop_met_from_deductible", "medicare_part_b_defaults", "medicare_part_b_later_year",
             "medicare_limiting_charge",
             "medicaid_no_balance_billing", "cash_not_counted_toward_deductible",
             "in_network_cash_only_if_not_billed", "hra_no_tax_saving",
             "hsa_no_new_contributions", "fsa_use_it_or_lose_it", "lmn_needed",
             "account_balance_limits"]


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_every_new_code_is_worded_and_translated(lang):
    en, t = translator("en"), translator(lang)
    pairs = [(reason_text(c, en), reason_text(c, t)) for c in NEW_REASONS]
    pairs += [(step_text(c, p, en), step_text(c, p, t)) for c, p in STEPS_WITH_PARAMS]
    pairs += [(note_text(c, en), note_text(c, t)) for c in NEW_NOTES]
    pairs += [(en.gettext(m), t.gettext(m)) for m in (*codes.HEADLINES.values(),
                                                      *codes.ROUTES.values())]
    for english, translated in pairs:
        assert english and translated and english != translated, english


def test_steps_and_notes_with_values():
    t = translator("en")
    assert step_text("kx_modifier", {"threshold": "2480.00", "year": 2026}, t).startswith(
        "Your course passes Medicare's yearly therapy threshold ($2,480.00 in 2026): the "
        "therapist adds the KX modifier")
    seventh = {"code": "S13.4XX", "children": ["S13.4XXA", "S13.4XXD", "S13.4XXS"]}
    assert step_text("add_seventh_character", seventh, t).endswith(
        "Ask your doctor which one applies: S13.4XXA, S13.4XXD, or S13.4XXS.")
    assert "RCW 48.43.045" in step_text("appeal_state_mandate", {"state": "WA"}, t)
    assert "(OR)" in step_text("appeal_state_mandate", {"state": "OR"}, t)
    assert note_text("medicare_part_b_defaults", t) == (
        "We used Medicare Part B's deductible of $283.00 and its 20% coinsurance, which are set "
        "by law.")
    assert "115%" in note_text("medicare_limiting_charge", t)
    assert "115\xa0%" in note_text("medicare_limiting_charge", translator("ru"))
    assert step_text("use_cash_after_limit", {"sessions": 1, "cash_per_session": "90.00"}, t) == (
        "For the session your coverage does not pay for, ask for the clinic's cash price, "
        "$90.00, instead of its full charge.")
    assert step_text("no_such_step", {}, t) == "" and note_text("no_such_note", t) == ""


def _codes_in_the_engine() -> dict[str, set[str]]:
    """Every reason, step and note code the estimator's source can emit."""
    found: dict[str, set[str]] = {"reasons": set(), "steps": set(), "notes": set()}
    for path in (Path(__file__).resolve().parent.parent / "estimator").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found["reasons"] |= set(re.findall(r'Finding\("(\w+)"', text))
        found["steps"] |= set(re.findall(r'(?<![\w.])_?step\("(\w+)"', text))
        for line in text.splitlines():
            if "notes" in line and "def " not in line:
                found["notes"] |= set(re.findall(r'"([a-z]+_[a-z_]+)"', line))
    return found


def test_every_code_the_engine_emits_has_a_sentence():
    from estimator.routes import MUST_BILL

    t = translator("en")
    engine = _codes_in_the_engine()
    assert {"visit_limit_reached", "bring_insurance_card", "medicare_part_b_defaults"} <= (
        engine["reasons"] | engine["steps"] | engine["notes"])  # the scan finds them
    for code in engine["reasons"] | set(MUST_BILL.values()):
        assert reason_text(code, t), code
    params: dict[str, dict[str, Any]] = {"ask_insurer": {"topic": "deductible"}}
    for code, given in STEPS_WITH_PARAMS:
        params.setdefault(code, given)
    params.update({c: {"code": "M54.5", "children": ["M54.50"]} for c in
                   ("use_billable_code", "check_diagnosis_code")})
    for code in engine["steps"]:
        assert step_text(code, params.get(code, {}), t), code
    for code in engine["notes"]:
        assert note_text(code, t), code


def test_a_closed_first_payer_leaves_the_health_plan_as_the_headline():
    # A denied workers' comp claim: the chain "workers' comp, then the plan" is billing the plan.
    denied = Route(route="workers_comp", available=False, patient_total=D("1920.00"), steps=[],
                   reason="claim_not_accepted")
    e = make("workers_comp_then_insurance", "288.00", {"health_plan": 12}, coverage="unlikely",
             routes=[denied, cash("1080.00")], reasons=["claim_not_accepted"])
    text = explain(e, scenario(payer="workers_comp", fallback_payer="commercial"),
                   translator("en"))
    assert text.startswith("We recommend billing your health plan.\n")
    assert "• Workers' compensation: not available.\n  Your workers' compensation claim was not " \
           "accepted." in text
    # While the claim may still pay, the chain is named as it is.
    open_claim = denied.model_copy(update={"available": True, "reason": None})
    e = e.model_copy(update={"routes": [e.routes[0], open_claim]})
    assert explain(e, scenario(), translator("en")).startswith(
        "We recommend billing workers' compensation first, then your health plan.\n")


@pytest.mark.parametrize(("lang", "medicare"), [
    ("en", "We recommend billing Medicare.\n"), ("es", "Le recomendamos usar Medicare.\n"),
    ("ru", "Рекомендуем оплатить через Medicare.\n"),
])
def test_original_medicare_is_named_in_the_headline(lang, medicare):
    e = make("insurance", "285.72", {"health_plan": 12}, notes=["medicare_part_b_defaults"])
    s = scenario(payer="medicare", provider_type="physical_therapist")
    assert explain(e, s, translator(lang)).startswith(medicare)


def test_an_empty_account_says_so_instead_of_paying_nothing():
    empty = Accounts(kind="hra", eligible=True, pays_for="insurance", amount=D("0.00"),
                     notes=["hra_no_tax_saving", "account_balance_limits"])
    e = make("insurance", "500.00", {"health_plan": 6}, accounts=empty)
    text = explain(e, scenario(6), translator("en"))
    assert "There is no money in your HRA to pay for this now.\n" in text
    assert "$0.00 of" not in text


def test_every_unknown_the_engine_ranks_has_a_topic():
    from estimator.domains import COVERAGE_UNKNOWNS, IN_NETWORK, OUT_OF_NETWORK

    names = {*IN_NETWORK, *OUT_OF_NETWORK, *COVERAGE_UNKNOWNS, "deductible_applies",
             "visit_limit", "visits_used", "medicare_participating"}
    assert names <= set(codes.TOPICS), names - set(codes.TOPICS)


def test_sessions_paid_wholly_to_the_deductible_say_the_allowed_amount():
    """A plan that "covers" a session the patient pays wholly toward the deductible: the patient
    is told, so "Good news" is not read as "free", and what they pay is the plan's allowed amount,
    not the clinic's charge ("in full" read as the charge) (scenarios/example.json: 800.00 left
    of the deductible, 120.00 allowed a session of 160.00 billed: sessions 1-6)."""
    from pathlib import Path

    from estimator import estimate

    path = Path(__file__).resolve().parent.parent / "scenarios" / "example.json"
    s = Scenario.model_validate_json(path.read_text())
    text = explain(estimate(s), s, translator("en"))
    assert ("Your first 6 covered sessions go to your deductible: you pay the plan's allowed "
            "amount for them, $120.00 a session." in text)
    assert "in full" not in text


def test_original_medicare_and_medicaid_are_named_in_every_way_to_pay():
    """Not "your health plan": the patient knows them by name, in the headline and the list."""
    base = {"network": "in", "sessions": 12, "prescription": True, "diagnosis_codes": ["M54.50"],
            "provider_type": "physical_therapist",
            "fees": {"billed_per_unit": "40", "allowed_per_unit": "30", "cash_per_session": "80"}}
    medicaid = Scenario.model_validate({**base, "payer": "medicaid",
                                        "plan": {"visit_limit": 5}})
    text = explain(estimate(medicaid), medicaid, translator("en"))
    assert text.startswith("We recommend billing Medicaid, then paying the clinic's cash price")
    assert "• Medicaid: " in text and "health plan" not in text
    behind_pip = Scenario.model_validate({**base, "payer": "auto", "state": "NY",
                                          "fallback_payer": "medicare",
                                          "auto": {"pip_remaining": "500"}})
    e = estimate(behind_pip)
    assert e.recommended.route == "auto_pip_then_insurance"
    text = explain(e, behind_pip, translator("es"))
    assert text.startswith("Le recomendamos usar primero su seguro de auto (PIP o MedPay) y "
                           "después Medicare.")


def test_with_pip_left_unknown_the_sessions_it_pays_for_are_not_counted():
    """How many sessions PIP pays for is the unknown itself: the worst case's count ("1 of your
    12") would read as a fact, and so would what insurance pays in it."""
    s = Scenario.model_validate({
        "payer": "auto", "state": "NY", "network": "in", "sessions": 12, "prescription": True,
        "diagnosis_codes": ["M54.50"], "fallback_payer": "commercial",
        "fees": {"billed_per_unit": "40", "allowed_per_unit": "30", "cash_per_session": "80"},
        "plan": {"deductible": "500", "deductible_met": "0", "coinsurance_pct": "20"}})
    text = explain(estimate(s), s, translator("en"))
    assert ("Your auto insurer pays first, for as many of your 12 sessions as your PIP or MedPay "
            "benefit still covers; your health plan may pay for the sessions after that.") in text
    assert "of your 12 sessions." not in text and "Insurance would pay" not in text
    known = Scenario.model_validate({**s.model_dump(mode="json"),
                                     "auto": {"pip_remaining": "500"}})
    assert "of your 12 sessions." in explain(estimate(known), known, translator("en"))


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_a_visit_limit_nobody_knows_is_not_stated_as_reached(lang):
    """With the visit limit unknown the worst case counts 10 visits: the estimate says sessions
    may be beyond the limit, never that they are."""
    s = Scenario.model_validate({
        "payer": "commercial", "network": "in", "prescription": True,
        "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 12,
        "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00",
                 "cash_per_session": "90.00"},
        "plan": {"deductible_applies": False, "copay": "20.00", "visit_limit": None}})
    e = estimate(s)
    t = translator(lang)
    text = explain(e, s, t)
    assert t.gettext(codes.REASONS["visit_limit_may_be_reached"]) in text
    assert t.gettext(codes.REASONS["visit_limit_reached"]) not in text
    known = s.model_copy(update={"plan": s.plan.model_copy(update={"visit_limit": 10})})
    assert t.gettext(codes.REASONS["visit_limit_reached"]) in explain(estimate(known), known, t)


# --- the billing review (A3, A9, A13) ----------------------------------------------------------

PREAUTH_6_OF_12 = {
    "payer": "commercial", "network": "in", "prescription": True, "diagnosis_codes": ["M54.2"],
    "preauth": "obtained", "preauth_visits": 6, "sessions": 12,
    "fees": {"billed_per_unit": "40.00", "allowed_per_unit": "30.00", "cash_per_session": "80.00"},
    "plan": {"deductible": "0", "copay": "25", "oop_max": "3000"}}


@pytest.mark.parametrize("lang", LANGS)
def test_sessions_beyond_the_pre_authorization_are_not_promised(lang):
    """6 visits approved of 12 sessions: the plan likely pays for 6, the other 6 need a new
    approval; never "each of your 12 sessions"."""
    s = Scenario.model_validate(PREAUTH_6_OF_12)
    t = translator(lang)
    text = explain(estimate(s), s, t)
    assert t.gettext(codes.REASONS["preauth_visits_may_run_out"]) in text
    assert sentence(t.ngettext("%(payer)s will likely pay for %(covered)s of your %(n)s session.",
                               "%(payer)s will likely pay for %(covered)s of your %(n)s sessions.",
                               12, payer=t.gettext("your health plan"), covered=6)) in text
    assert not any(g in text for g in GOOD_NEWS)


@pytest.mark.parametrize("lang", LANGS)
def test_hmo_out_of_network_not_asked_is_unlikely_and_the_insurer_is_asked(lang):
    s = Scenario.model_validate({
        "payer": "commercial", "plan_type": "hmo", "network": "out", "prescription": True,
        "diagnosis_codes": ["M54.2"], "sessions": 6,
        "fees": {"billed_per_unit": "40", "cash_per_session": "80"}})
    t = translator(lang)
    text = explain(estimate(s), s, t)
    assert t.gettext(codes.REASONS["out_of_network_unlikely"]) in text
    assert t.gettext(codes.REASONS["out_of_network_not_covered"]) not in text
    assert sentence(t.gettext(codes.VERDICTS["not_covered"],
                              payer=t.gettext("your health plan"))) not in text
    assert t.gettext("Does my plan pay anything for out-of-network care?") in text


WC = {"payer": "workers_comp", "prescription": True, "diagnosis_codes": ["S16.1XXA"],
      "state": "WA", "sessions": 12, "workers_comp": {"claim_accepted": True},
      "fees": {"billed_per_unit": "40.00", "cash_per_session": "80.00"}}


@pytest.mark.parametrize("lang", LANGS)
def test_workers_comp_payment_is_not_stated_as_a_figure(lang):
    """Authorized treatment costs the worker nothing (DOMAIN); what the insurer pays the clinic
    is not known, so no "Insurance would pay $1,920.00"."""
    s = Scenario.model_validate(WC)
    e = estimate(s)
    t = translator(lang)
    text = explain(e, s, t)
    assert e.totals.patient == 0
    assert t.gettext("Your workers' compensation claim pays the clinic for its sessions.") in text
    assert t.gettext("Insurance would pay %(amount)s.", amount=t.money(D("1920.00"))) not in text


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_claim_is_not_said_to_be_not_accepted(lang):
    s = Scenario.model_validate({**WC, "workers_comp": {"claim_accepted": None}})
    t = translator(lang)
    text = explain(estimate(s), s, t)
    assert t.gettext(codes.REASONS["claim_unknown"]) in text
    assert "not accepted yet" not in t.gettext(codes.REASONS["claim_unknown"])


# --- the billing review's findings, on real scenarios (estimated, then worded) ---------------

def _said(data: dict[str, Any], lang: str = "en") -> str:
    s = Scenario.model_validate(data)
    return explain(estimate(s), s, translator(lang))


OON_UNMET = {"payer": "commercial", "plan_type": "ppo", "network": "out", "prescription": True,
             "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 8,
             "fees": {"billed_per_unit": "45.00", "oon_allowed_per_unit": "25.00",
                      "cash_per_session": "120.00"},
             "plan": {"oon_covered": True, "oon_deductible": "1500", "oon_deductible_met": "0",
                      "oon_coinsurance_pct": "40", "oon_oop_max": "12000"}}


@pytest.mark.parametrize(("lang", "expected"), [
    ("en", "Your health plan would pay nothing for these sessions: the ones it covers would all "
           "go to your deductible. Billing it would cost you $1,440.00; the clinic's cash price "
           "is $960.00."),
    ("es", "Su plan de salud no pagaría nada por estas sesiones"),
    ("ru", "Ваша медицинская страховка ничего не заплатит за эти сеансы"),
])
def test_a_plan_that_would_pay_nothing_is_not_said_to_pay_its_share(lang, expected):
    text = _said(OON_UNMET, lang)
    assert expected in text
    assert "would pay its share" not in text and "свою часть" not in text


UNKNOWNS = {"payer": "commercial", "plan_type": "ppo", "network": None, "prescription": None,
            "diagnosis_codes": None, "sessions": 12, "fees": {"billed_per_unit": "40.00"},
            "plan": {"deductible": None, "deductible_met": None, "coinsurance_pct": None,
                     "copay": None, "oop_max": None, "visit_limit": None}}


def test_a_range_says_the_worst_case_as_a_condition():
    text = _said(UNKNOWNS)
    assert "between $0.00 and $1,920.00" in text
    assert ("We don't know your plan's visit limit: if it allows only 10 visits a year, you "
            "would pay for 2 of your 12 sessions yourself.") in text
    assert ("If your deductible is not met yet, up to your first 10 covered sessions could go to "
            "it: you would pay the plan's allowed amount for them.") in text
    for fact in ("You pay for the remaining 2 sessions yourself.",
                 "so you pay for them in full", "may pay for 10 of your 12 sessions",
                 "Insurance would pay"):
        assert fact not in text
    # no prescription yet: ask for one, not "bring" it; no question about "my prescription"
    assert "Bring the prescription" not in text and "on my prescription" not in text
    assert "Do I need pre-authorization for CPT 97124?" in text


def test_the_balance_bill_out_of_network_is_explained():
    data = {"payer": "commercial", "plan_type": "pos", "network": "out", "prescription": True,
            "diagnosis_codes": ["M54.2"], "preauth": "not_required", "sessions": 8,
            "fees": {"billed_per_unit": "50.00", "oon_allowed_per_unit": "30.00",
                     "cash_per_session": "190.00"},
            "plan": {"oon_covered": True, "oon_deductible": "500", "oon_deductible_met": "500",
                     "oon_coinsurance_pct": "30", "oon_oop_max": "8000"}}
    assert ("Out of network, the clinic may also bill you the difference between its charge and "
            "the plan's allowed amount (a balance bill): $80.00 a session, which we counted. A "
            "balance bill does not count toward your out-of-pocket maximum.") in _said(data)
    assert "(facturación del saldo): $80.00 por sesión" in _said(data, "es")


def test_an_unknown_clinic_price_is_not_a_cash_price():
    data = {**UNKNOWNS, "fees": {"billed_per_unit": None}}
    text = _said(data)
    assert "• Pay the clinic yourself (price not known yet): $" in text
    assert "(cash price)" not in text


MEDICARE = {"payer": "medicare", "provider_type": "physical_therapist", "prescription": True,
            "diagnosis_codes": ["M62.838"], "sessions": 10, "session_minutes": 30,
            "cpt_code": "97124", "fees": {"billed_per_unit": None},
            "plan": {"deductible_met": None}}


def test_medicare_is_named_and_never_offered_a_cash_price():
    text = _said({**MEDICARE, "medicare_participating": None})
    assert "Medicare may pay for each of your 10 sessions." in text
    assert "your Medicare" not in text
    # participation unknown: the limiting charge only as a condition
    assert "If the clinic does not participate in Medicare, it may charge you up to $" in text
    assert "When you call Medicare, ask:" in text
    assert "insurance card), ask" not in text
    assert "☐ Ask the clinic what one session costs." in text
    assert "lower price if you pay yourself" not in text
    assert "Cuando llame a Medicare, pregunte:" in _said(MEDICARE, "es")
    spanish = _said({**MEDICARE, "medicare_participating": True, "plan": {}}, "es")
    assert "es probable que Medicare pague" in spanish and "su Medicare" not in spanish


def test_medicaid_with_an_unknown_allowed_amount_shows_no_insurer_figure():
    data = {"payer": "medicaid", "network": "in", "prescription": True,
            "diagnosis_codes": ["M54.2"], "sessions": 8,
            "fees": {"billed_per_unit": "40.00", "cash_per_session": "80.00"}}
    text = _said(data)
    assert "Your cost for 8 sessions: $0.00." in text
    assert "Insurance would pay" not in text


def test_self_pay_without_a_plan_says_it_once_and_names_no_plan():
    data = {"payer": "self_pay", "prescription": False, "sessions": 10, "hsa_fsa": "hsa",
            "lmn": True, "tax_rate_pct": "30", "account_balance": "2000",
            "fees": {"billed_per_unit": "40.00", "cash_per_session": "90.00"}}
    text = _said(data)
    assert "You are paying yourself, so there is no insurer to bill." in text
    assert "Without insurance you pay the clinic directly." not in text
    assert "Your plan is not a high-deductible plan" not in text
    assert "Without a high-deductible health plan you cannot put new money into your HSA" in text


@pytest.mark.parametrize("lang", LANGS)
def test_billing_the_plan_as_a_range_says_what_it_costs_not_that_the_plan_pays_its_share(lang):
    """The plan's allowed amount not asked (the chat never asks it): what the plan itself pays is
    not known across the range (here nothing: 1,100.00 of deductible left at 120.00 or more a
    session), so the sentence names only what billing it costs and the cash price."""
    data = {"payer": "commercial", "plan_type": "ppo", "network": "in", "prescription": True,
            "diagnosis_codes": ["M54.50"], "preauth": "not_required", "sessions": 12,
            "fees": {"billed_per_unit": "30.00", "cash_per_session": "90.00"},
            "plan": {"deductible": "1500", "deductible_met": "400", "coinsurance_pct": "20",
                     "oop_max": "5000", "oop_met": "400", "visit_limit": 20, "visits_used": 4}}
    s = Scenario.model_validate(data)
    e = estimate(s)
    t = translator(lang)
    plan = next(r for r in e.routes if r.route == "insurance")
    assert plan.low is not None and e.recommended.route == "self_pay"
    text = explain(e, s, t)
    assert t.gettext(
        "%(route)s: from %(low)s to %(high)s. The clinic's cash price, %(cash)s, costs less, so "
        "we recommend it.", route=t.gettext(codes.ROUTES["insurance"]),
        low=t.money(plan.low), high=t.money(plan.patient_total),
        cash=t.money(D("1080.00"))) in text
    assert "its share" not in text and "свою часть" not in text and "su parte" not in text


def test_asking_for_a_prescription_is_not_followed_by_asking_for_its_code():
    """The prescription step already names the ICD-10 code: no second step for the code."""
    data = {"payer": "commercial", "plan_type": "ppo", "network": "in", "prescription": False,
            "diagnosis_codes": [], "sessions": 6, "fees": {"billed_per_unit": "40.00"}}
    s = Scenario.model_validate(data)
    e = estimate(s)
    codes_given = {st.code for st in e.next_steps}
    assert {"get_prescription", "ask_doctor_for_diagnosis_code"} <= codes_given
    text = explain(e, s, translator("en"))
    assert step_text("get_prescription", {}, translator("en")) in text
    assert "Ask your doctor for the ICD-10 diagnosis code." not in text
