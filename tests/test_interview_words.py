"""What patients type instead of pressing buttons (bot/interview/words.py), through the step
function: "I don't know", yes/no, option names, back and restart, in every language; and no
question is ever asked forever."""

from __future__ import annotations

import pytest

from bot.interview import Answer, step, words
from bot.interview.questions import BY_ID
from tests.test_interview import CLINICS, COMMERCIAL, UNKNOWN, drive, pick, typed
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    bot_fixture,
    fake_fixture,
    interview_view,
    question_of,
)

# --- the word lists -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "folded"), [
    ("No sé.", "no se"), ("  In-Network ", "in network"), ("Don’t know!", "dont know"),
    ("НЕ ЗНАЮ", "не знаю"), ("¿Atrás?", "atras"),
])
def test_replies_are_folded_before_they_are_compared(text, folded):
    assert words.fold(text) == folded


UNKNOWN_REPLIES = [
    "I don't know", "i dont know", "IDK", "dunno", "not sure", "No idea", "no sé", "No lo sé",
    "no estoy seguro", "no estoy segura", "ni idea", "не знаю", "Без понятия", "не уверен",
    "не уверена", "Не знаю.",
]


@pytest.mark.parametrize("text", UNKNOWN_REPLIES)
def test_every_way_of_saying_i_dont_know_is_read_in_any_language(text):
    for lang in ("en", "es", "ru"):
        assert words.action(text, lang) == "unknown"


@pytest.mark.parametrize(("text", "meaning"), [
    ("yes", "yes"), ("Y", "yes"), ("yeah", "yes"), ("sí", "yes"), ("si", "yes"), ("да", "yes"),
    ("ага", "yes"), ("no", "no"), ("No.", "no"), ("нет", "no"), ("nope", "no"),
])
def test_yes_and_no(text, meaning):
    assert words.yes_no(text, "en") == meaning


@pytest.mark.parametrize("text", ["no, it is 1200", "I don't know, maybe 20", "yes please 3",
                                  "not", "nosé que", ""])
def test_only_a_whole_reply_is_a_word(text):
    assert words.yes_no(text, "en") is None and words.action(text, "en") is None


def test_every_language_has_its_words():
    from bot.i18n import SUPPORTED

    for lang in SUPPORTED:
        assert {"unknown", "back", "restart"} <= set(words.ACTIONS[lang])
        assert set(words.YES_NO[lang]) == {"yes", "no"}
        assert words.SKIP[lang] and words.SYNONYMS[lang]


def test_no_reply_means_two_things():
    """A reply listed for two meanings would be read one way at random: every list is apart."""
    for lang in words.ACTIONS:
        seen: dict[str, str] = {}
        for table in (words.ACTIONS[lang], words.YES_NO[lang]):
            for meaning, replies in table.items():
                for reply in replies:
                    assert seen.setdefault(words.fold(reply), meaning) == meaning, reply
    for lang, table in words.SYNONYMS.items():
        for (question, value), replies in table.items():
            assert value in {o.value for o in BY_ID[question].options}, (lang, question, value)
            others = [r for (q, v), rs in table.items() if q == question and v != value
                      for r in rs]
            assert not {words.fold(r) for r in replies} & {words.fold(r) for r in others}


# --- through the step function --------------------------------------------------------------


def _at(question: str, lang: str = "en"):
    return drive(COMMERCIAL, lang=lang, until=question)


@pytest.mark.parametrize(("lang", "text"), [("en", "idk"), ("en", "Not sure"), ("es", "No sé"),
                                             ("es", "ni idea"), ("ru", "не знаю"),
                                             ("ru", "без понятия"), ("en", "не знаю")])
def test_typed_i_dont_know_is_i_dont_know_on_any_question(lang, text):
    state, _ = _at("deductible", lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert state.answers["deductible"] is None and prompt.problem is None
    assert prompt.question_id not in ("deductible", None)
    state, _ = _at("network", lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert state.answers["network"] is None and prompt.question_id == "provider"


@pytest.mark.parametrize(("lang", "text", "value"), [
    ("en", "yes", "yes"), ("en", "Y", "yes"), ("en", "nope", "no"), ("es", "si", "yes"),
    ("es", "No", "no"), ("ru", "да", "yes"), ("ru", "ага", "yes"), ("ru", "Нет", "no"),
])
def test_typed_yes_and_no_answer_yes_no_questions(lang, text, value):
    state, _ = _at("prescription", lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert state.answers["prescription"] == value and prompt.problem is None


def test_a_sentence_with_no_in_it_is_not_no():
    state, _ = _at("prescription")
    state, prompt = step(state, typed("no, but I will get one"), CLINICS)
    assert "prescription" not in state.answers and prompt.problem is not None


@pytest.mark.parametrize(("question", "lang", "text", "value"), [
    ("network", "en", "in network", "in"), ("network", "en", "In-Network", "in"),
    ("network", "en", "out of network", "out"), ("network", "es", "en la red", "in"),
    ("network", "es", "Dentro de la red", "in"), ("network", "es", "fuera de la red", "out"),
    ("network", "ru", "в сети", "in"), ("network", "ru", "вне сети", "out"),
    ("plan_type", "en", "ppo", "ppo"), ("plan_type", "ru", "HMO", "hmo"),
    ("plan_type", "en", "hdhp", "hdhp"), ("plan_type", "es", "deducible alto", "hdhp"),
    ("payer", "en", "Medicare", "medicare"), ("payer", "en", "no insurance", "self_pay"),
    ("payer", "es", "sin seguro", "self_pay"), ("payer", "ru", "без страховки", "self_pay"),
    ("payer", "en", "workers comp", "workers_comp"), ("payer", "en", "Health plan", "commercial"),
    ("purpose", "es", "relajación", "relaxation"), ("purpose", "ru", "для лечения", "medical"),
    ("cost_share", "es", "copago", "copay"), ("cost_share", "en", "coinsurance", "coinsurance"),
])
def test_an_option_name_typed_instead_of_its_number_picks_it(question, lang, text, value):
    state, _ = _at(question, lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert state.answers[question] == value and prompt.problem is None


@pytest.mark.parametrize(("question", "lang", "text", "value"), [
    ("oop_max", "en", "none", "none"), ("oop_max", "es", "no tiene", "none"),
    ("visit_limit", "en", "unlimited", "none"), ("visit_limit", "es", "sin límite", "none"),
    ("visit_limit", "ru", "без лимита", "none"), ("visits_used", "ru", "ни одного", 0),
    ("deductible_met", "en", "all of it", "all"),
])
def test_typed_questions_take_their_options_by_name_too(question, lang, text, value):
    state, _ = _at(question, lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert state.answers[question] == value and prompt.problem is None


@pytest.mark.parametrize(("lang", "text"), [("en", "back"), ("en", "Go back"), ("es", "atrás"),
                                             ("es", "volver"), ("ru", "Назад")])
def test_typed_back_goes_back(lang, text):
    state, _ = _at("provider", lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert prompt.question_id == "network" and "network" not in state.answers


@pytest.mark.parametrize(("lang", "text"), [("en", "restart"), ("en", "Start over"),
                                             ("es", "empezar de nuevo"), ("ru", "заново"),
                                             ("ru", "сначала")])
def test_typed_restart_starts_over(lang, text):
    state, _ = _at("plan_type", lang)
    state, prompt = step(state, typed(text), CLINICS, lang)
    assert prompt.question_id == "purpose" and state.answers == {}


def test_typed_skip_is_taken_when_the_skip_is_offered():
    state, prompt = _at("network")
    for _ in range(2):
        state, prompt = step(state, typed("maybe"), CLINICS)
    state, prompt = step(state, typed("omitir"), CLINICS, "es")
    assert state.answers["network"] is None and prompt.question_id == "provider"


def test_a_diagnosis_code_or_a_state_code_is_not_taken_for_a_word():
    state, _ = _at("diagnosis")
    state, prompt = step(state, typed("no"), CLINICS)
    assert prompt.question_id == "diagnosis" and prompt.problem is not None


# --- never a loop -----------------------------------------------------------------------------

DONT_KNOW = {"en": ["I don't know", "idk", "not sure"], "es": ["no sé", "ni idea"],
             "ru": ["не знаю", "без понятия"]}


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
@pytest.mark.parametrize("clinic", [None, "demo-clinic"])
def test_a_patient_who_knows_nothing_reaches_an_estimate(lang, clinic):
    state, prompt = step(None, Answer(kind="start", value=clinic), CLINICS, lang)
    asked: list[str] = []
    for turn in range(60):
        if prompt.kind == "result":
            break
        asked.append(prompt.question_id)
        replies = DONT_KNOW[lang]
        reply = typed(replies[turn % len(replies)]) if turn % 3 else UNKNOWN
        state, prompt = step(state, reply, CLINICS, lang)
    assert prompt.kind == "result", asked
    for i in range(len(asked) - 2):
        assert len(set(asked[i:i + 3])) > 1, asked  # never the same question three times


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
def test_a_patient_who_types_nonsense_is_offered_a_way_forward_everywhere(lang):
    """Whatever the question, two unreadable replies bring "Skip this question"."""
    state, prompt = step(None, Answer(kind="start"), CLINICS, lang)
    for _ in range(80):
        if prompt.kind == "result":
            break
        question = prompt.question_id
        for _ in range(2):
            state, prompt = step(state, typed("§§ zz 77 §§"), CLINICS, lang)
            assert prompt.question_id == question
        skip = [o.value for o in prompt.options][-1]
        assert skip == "_skip"
        state, prompt = step(state, pick(skip), CLINICS, lang)
    assert prompt.kind == "result"


# --- on Telegram, end to end ---------------------------------------------------------------------


async def test_on_telegram_typed_words_are_read_like_buttons(bot, fake):
    """"не знаю" typed on the first question brings the simpler question, whose "да" typed
    answers it; "назад" typed goes back."""
    chat = 1202
    await fake.user_sends(chat, "/start", language_code="ru")
    await fake.wait_for_bot(chat, interview_view)
    await fake.user_sends(chat, "Не знаю", language_code="ru")
    clarifier = await fake.wait_for_bot(chat, lambda m: question_of(m) == "purpose_check")
    assert ("Да", "a|purpose_check|yes") in clarifier.buttons
    await fake.user_sends(chat, "да", language_code="ru")
    payer = await fake.wait_for_bot(chat, lambda m: question_of(m) == "payer")
    assert "Для лечения" in payer.text  # the record: the reason the answer stands for
    await fake.user_sends(chat, "назад", language_code="ru")
    await fake.wait_for_bot(chat, lambda m: question_of(m) == "purpose")
    record = await bot.stored(chat)
    assert record.state["interview"]["answers"] == {}
