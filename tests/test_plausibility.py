"""Typed values read back before they are used (bot/interview/plausibility.py), through the step
function: each rule in a pair of replies that straddle its boundary, the confirmation's Yes, No
and a new value, the two readings of an ambiguous amount, and the record of answers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.i18n import translator
from bot.interview import Answer, InterviewState, plausibility, step
from bot.interview.questions import BY_ID
from bot.render import answers_summary, prompt_text
from tests.fakes.patients import INTERVIEW
from tests.test_interview import CLINICS, COMMERCIAL, FEES_AND_COURSE, UNKNOWN, drive, pick, typed
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    NARROW,
    act,
    bot_fixture,
    fake_fixture,
    interview_view,
    question_of,
)

D = Decimal


def at(question: str, lang: str = "en", script=COMMERCIAL, **changes):
    """The interview waiting for `question`, the script's answers before it given first (some
    replaced; None: not given). The rules read back a value against the answers given before
    it, whichever order the interview asked them in: each is given here as the answer to the
    question then asked, read and stored by `step()` itself."""
    replies = [(q, changes.get(q, a)) for q, a in script if changes.get(q, a) is not None]
    state, prompt = step(None, Answer(kind="start"), CLINICS, lang)
    for asked, reply in replies:
        if asked == question:
            break
        state = state.model_copy(update={"current": asked, "finished": False})
        state, prompt = step(state, reply, CLINICS, lang)
        assert prompt.problem is None and asked in state.answers, (asked, prompt.problem)
    state = state.model_copy(update={"current": question, "finished": False})
    return state, prompt


def values(prompt) -> list[str]:
    return [o.value for o in prompt.options]


# --- "Is that right?" --------------------------------------------------------------------------

# (question, reply, earlier answers, rule asked or None): pairs on each side of a boundary.
STRADDLES = [
    ("oop_max", "499.99", {"deductible": typed("0"), "deductible_met": None}, "oop_low"),
    ("oop_max", "500", {"deductible": typed("0"), "deductible_met": None}, None),
    ("oop_max", "2", {}, "oop_below_deductible"),
    ("oop_max", "999.99", {}, "oop_below_deductible"),  # deductible $1,000
    ("oop_max", "1000", {}, None),
    ("price", "1000.01", {}, "price_high"),
    ("price", "1000", {}, None),
    ("price", "9.99", {}, "price_low"),
    ("price", "10", {}, None),
    ("cash", "1000.01", {"price": typed("1000")}, "cash_high"),
    ("cash", "1000", {"price": typed("1000")}, None),
    ("cash", "160.01", {}, "cash_above_price"),  # the clinic's price is $160
    ("cash", "160", {}, None),
    ("cash", "9.99", {}, "cash_low"),
    ("cash", "0", {}, None),
    ("deductible", "9.99", {}, "deductible_low"),  # e.g. "1" typed for the first option
    ("deductible", "10", {}, None),
    ("deductible", "0", {}, None),  # no deductible, typed
]


@pytest.mark.parametrize(("question", "reply", "changes", "rule"), STRADDLES)
def test_implausible_values_are_asked_back_before_they_are_used(question, reply, changes, rule):
    state, _ = at(question, **changes)
    before = dict(state.answers)
    state, prompt = step(state, typed(reply), CLINICS)
    if rule is None:
        assert state.answers[question] is not None and prompt.question_id != question
        return
    assert state.answers == before  # nothing stored until the patient says
    assert prompt.question_id == question and prompt.question_kind == "choice"
    assert prompt.message == plausibility.BY_ID[rule].message
    assert values(prompt) == ["yes", "no"] and prompt.allow_back and prompt.allow_unknown


def test_the_confirmation_says_what_was_read_in_the_patients_language():
    state, _ = at("oop_max")
    _, prompt = step(state, typed("2"), CLINICS)
    assert prompt_text(prompt, translator("en")).startswith(
        "You typed $2.00 as your out-of-pocket maximum, less than your deductible of $1,000.00.")
    assert prompt.params == {"amount": "$2.00", "deductible": "$1,000.00"}
    state, _ = at("oop_max", lang="ru", deductible=typed("1 000"))
    _, prompt = step(state, typed("2"), CLINICS, "ru")
    assert prompt.params["amount"] == translator("ru").money(D(2))


def test_yes_keeps_the_value_and_the_record_shows_it():
    state, _ = at("oop_max")
    state, _ = step(state, typed("2"), CLINICS)
    state, prompt = step(state, typed("yes"), CLINICS)
    assert state.answers["oop_max"] == "2.00" and prompt.question_id != "oop_max"
    assert "Out-of-pocket maximum: $2.00" in answers_summary(state, CLINICS, translator("en"))


def test_no_asks_the_question_again():
    state, _ = at("oop_max")
    state, _ = step(state, typed("2"), CLINICS)
    state, prompt = step(state, pick("no"), CLINICS)
    assert prompt.question_id == "oop_max" and prompt.question_kind == "amount"
    assert "oop_max" not in state.answers and prompt.note is not None
    state, prompt = step(state, typed("5000"), CLINICS)
    assert state.answers["oop_max"] == "5000.00" and prompt.question_id != "oop_max"


def test_a_new_value_typed_instead_of_yes_or_no_is_the_answer():
    state, _ = at("oop_max")
    state, _ = step(state, typed("2"), CLINICS)
    state, prompt = step(state, typed("$2,000"), CLINICS)
    assert state.answers["oop_max"] == "2000.00" and prompt.question_id != "oop_max"


def test_back_and_i_dont_know_while_confirming():
    state, _ = at("oop_max")
    state, _ = step(state, typed("2"), CLINICS)
    back, prompt = step(state, typed("back"), CLINICS)
    assert prompt.question_id == "oop_max" and prompt.question_kind == "amount"
    assert back.asking.confirming is None and "coinsurance" in back.answers
    state, prompt = step(state, UNKNOWN, CLINICS)
    assert state.answers["oop_max"] is None and prompt.kind in ("question", "result")


def test_a_confirmation_survives_the_store_and_a_change_of_language():
    state, _ = at("oop_max")
    state, _ = step(state, typed("2"), CLINICS)
    restored = InterviewState.model_validate_json(state.model_dump_json())
    _, prompt = step(restored, pick("yes"), CLINICS)
    assert prompt.question_id != "oop_max"
    # Shown again (a resumed chat, /language) in Spanish: the same question, Spanish money.
    _, again = step(restored, Answer(kind="start"), CLINICS, "es")
    assert again.question_id == "oop_max" and values(again) == ["yes", "no"]
    assert again.params["amount"] == translator("es").money(D(2))


# --- two readings -------------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "reply", "readings"), [
    ("en", "12.345", ["12345.00", "12.35"]),  # read as 12,345, or a mistyped 12.35
    ("en", "$1.500", ["1500.00", "1.50"]),
    ("es", "12.345", ["12345.00", "12.35"]),
    ("ru", "12,345", ["12345.00", "12.35"]),
    ("ru", "1,500", ["1500.00", "1.50"]),  # the parser's "ambiguous", now a question
    ("ru", "2.000", ["2000.00", "2.00"]),
])
def test_an_amount_that_reads_two_ways_offers_both(lang, reply, readings):
    state, _ = at("deductible", lang=lang)
    state, prompt = step(state, typed(reply), CLINICS, lang)
    assert "deductible" not in state.answers
    assert prompt.question_id == "deductible" and values(prompt) == readings
    assert prompt.message == plausibility.READING_MESSAGES["readings"]
    state, prompt = step(state, typed("2"), CLINICS, lang)  # the second option
    if Decimal(readings[1]) < plausibility.DEDUCTIBLE_TOO_LOW:  # then read back like a typed one
        assert prompt.message == plausibility.BY_ID["deductible_low"].message
        state, prompt = step(state, typed("1"), CLINICS, lang)  # "Yes"
    assert state.answers["deductible"] == readings[1]


@pytest.mark.parametrize(("lang", "reply"), [("en", "1,500"), ("en", "12.50"), ("en", "1500"),
                                              ("es", "1.500,00"), ("ru", "1 500")])
def test_an_amount_that_reads_one_way_is_not_asked_about(lang, reply):
    state, _ = at("deductible", lang=lang)
    state, prompt = step(state, typed(reply), CLINICS, lang)
    assert prompt.question_id != "deductible"


def test_a_reading_picked_is_still_checked():
    state, _ = at("oop_max")
    state, prompt = step(state, typed("1.500"), CLINICS)
    assert values(prompt) == ["1500.00", "1.50"]
    state, prompt = step(state, pick("1.50"), CLINICS)
    assert prompt.message == plausibility.BY_ID["oop_below_deductible"].message
    state, prompt = step(state, pick("yes"), CLINICS)
    assert state.answers["oop_max"] == "1.50"


@pytest.mark.parametrize(("question", "reply", "readings"), [
    ("coinsurance", "0.2", ["20", "0.2"]),
    ("coinsurance", ".25", ["25", "0.25"]),
    ("coinsurance", "0,5", ["50", "0.5"]),
])
def test_a_fraction_typed_for_a_percentage_asks_which(question, reply, readings):
    state, _ = at(question)
    state, prompt = step(state, typed(reply), CLINICS, "ru" if "," in reply else "en")
    assert values(prompt) == readings
    assert prompt.message == plausibility.READING_MESSAGES["fraction"]
    state, prompt = step(state, pick(readings[0]), CLINICS)
    assert state.answers[question] == readings[0]
    summary = answers_summary(state, CLINICS, translator("en"))
    assert f"Coinsurance: {readings[0]}%" in summary


@pytest.mark.parametrize("reply", ["0.2%", "1", "0", "20"])
def test_a_percentage_is_not_asked_about(reply):
    state, _ = at("coinsurance")
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.question_id != "coinsurance" and state.answers["coinsurance"] is not None


def test_the_tax_rate_is_read_as_a_percentage_too():
    script = [("purpose", pick("medical")), ("payer", pick("self_pay")),
              ("provider", pick("massage_therapist")), ("prescription", pick("yes")),
              *FEES_AND_COURSE[:-1], ("account", pick("hsa")), ("account_balance", UNKNOWN)]
    state, prompt = drive(script)
    assert prompt.question_id == "tax_rate"
    state, prompt = step(state, typed("0.22"), CLINICS)
    assert values(prompt) == ["22", "0.22"]


# --- bounds instead of questions ---------------------------------------------------------------


@pytest.mark.parametrize(("question", "reply", "high"), [
    ("visits_used", "21", 20), ("deductible_met", "1000.01", D("1000.00")),
    ("oop_met", "5001", D("5000.00")),
])
def test_more_used_than_the_limit_is_refused_naming_the_limit(question, reply, high):
    state, _ = at(question)
    state, prompt = step(state, typed(reply), CLINICS)
    assert prompt.question_id == question and prompt.problem.params["high"] == high
    state, prompt = step(state, typed(str(high)), CLINICS)
    assert prompt.question_id != question


def test_every_rule_names_a_typed_question_and_asks_a_question():
    for rule in plausibility.RULES:
        assert BY_ID[rule.question].kind in ("amount", "percent")
        assert rule.message.endswith("Is that right?") and "%(amount)s" in rule.message


# --- on Telegram, end to end ---------------------------------------------------------------------


async def test_on_telegram_the_read_back_has_buttons_and_the_record_shows_the_value(bot, fake):
    """The confirmation is drawn like any question (buttons Yes / No on the same question), and
    once confirmed the value is in the record of answers above the next question."""
    chat = 1201
    await fake.user_sends(chat, "/start")
    view = await fake.wait_for_bot(chat, interview_view)
    while question_of(view) != "oop_max":
        question = question_of(view)
        view = await act(fake, chat, question, INTERVIEW[question] if question else NARROW)
    await fake.user_sends(chat, "2")
    asked = await fake.wait_for_bot(chat, lambda m: "Is that right?" in m.text)
    assert "You typed $2.00 as your out-of-pocket maximum" in asked.text
    assert [data for _, data in asked.buttons][:2] == ["a|oop_max|yes", "a|oop_max|no"]
    view = await act(fake, chat, "oop_max", ("choice", "yes"))
    assert question_of(view) not in ("oop_max", None)
    assert "Out-of-pocket maximum: $2.00" in view.text
    record = await bot.stored(chat)
    assert record.state["interview"]["answers"]["oop_max"] == "2.00"
