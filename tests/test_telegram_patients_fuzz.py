"""Random patients on Telegram, end to end through python-telegram-bot and the fake Bot API
(issue 11): whatever they press or type, in any of the three languages, they reach an estimate
within 60 messages, and no question is asked more than three times in a row; some narrow the
estimate down, and may stop halfway. The same patients
as tests/test_interview_fuzz.py plays through the step function, here as buttons and messages;
each waits for the bot's answer before the next message, as a person does."""

from __future__ import annotations

import random

import pytest

from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    bot_fixture,
    fake_fixture,
    interview_view,
    is_result,
    question_of,
)

MAX_MESSAGES = 60
DONT_KNOW = {"en": ["I don't know", "idk", "not sure"], "es": ["no sé", "no estoy seguro"],
             "ru": ["не знаю", "без понятия"]}
GARBAGE = ["???", "asdf", "-5", "12.345", "0.2", "😀", "yes please", "$30", "20%", "stop"]
CODES = ["M54.50", "M54.5", "S13.4", "Z73.3", "M54.50, M62.830"]
LANGUAGES = ["en", "es", "ru"]


def _buttons(view, prefix: str) -> list[str]:
    return [data for _, data in view.buttons if data and data.startswith(prefix)]


async def _act(fake, chat: int, view, rng: random.Random, lang: str, cornered: bool) -> None:
    """One thing a person might do at this question: mostly answer it, sometimes not; cornered
    (asked three times), the way forward the bot offers."""
    question = question_of(view)
    options = _buttons(view, "a|") + _buttons(view, "n|")
    if cornered:
        skip = [data for data in options if data.endswith("|_skip")]
        wanted = skip[0] if skip else f"u|{question}"
        await fake.press_button(chat, lambda text, data: data == wanted, language_code=lang)
        return
    stop = ["stop"] if _buttons(view, "s") else []
    kind = rng.choice(["option"] * 5 + ["typed"] * 2
                      + ["unknown", "unknown_typed", "garbage", "back", *stop])
    if kind == "stop":  # "Show my estimate now", while narrowing it down
        await fake.press_button(chat, lambda text, data: data == "s", language_code=lang)
        return
    if kind == "option" and options:
        wanted = rng.choice(options)
        await fake.press_button(chat, lambda text, data: data == wanted, language_code=lang)
    elif kind in ("option", "typed"):
        typed = rng.choice(CODES) if question == "diagnosis" else str(rng.randint(0, 3000))
        await fake.user_sends(chat, typed, language_code=lang)
    elif kind == "unknown":
        wanted = f"u|{question}"
        await fake.press_button(chat, lambda text, data: data == wanted, language_code=lang)
    elif kind == "unknown_typed":
        await fake.user_sends(chat, rng.choice(DONT_KNOW[lang]), language_code=lang)
    elif kind == "garbage":
        await fake.user_sends(chat, rng.choice(GARBAGE), language_code=lang)
    elif _buttons(view, "b|"):
        wanted = _buttons(view, "b|")[0]
        await fake.press_button(chat, lambda text, data: data == wanted, language_code=lang)
    else:
        await fake.user_sends(chat, rng.choice(DONT_KNOW[lang]), language_code=lang)


@pytest.mark.parametrize("seed", range(24))
async def test_a_random_patient_on_telegram_reaches_an_estimate_without_loops(bot, fake, seed):
    rng = random.Random(seed)
    lang = LANGUAGES[seed % 3]
    chat = 7100 + seed
    start = "/start demo-clinic" if seed % 2 else "/start"
    await fake.user_sends(chat, start, language_code=lang)
    view = await fake.wait_for_bot(chat, interview_view)
    last, in_a_row = None, 0
    narrowed = 0
    for sent in range(3 * MAX_MESSAGES):
        if is_result(view):
            assert narrowed or sent <= MAX_MESSAGES
            if narrowed == 2 or not _buttons(view, "w") or rng.random() < 0.5:
                return
            narrowed += 1  # "Narrow it down": its first question comes below the estimate
            await fake.press_button(chat, lambda text, data: data == "w", language_code=lang)
            view = await fake.wait_for_bot(chat, lambda m: question_of(m) is not None)
            last, in_a_row = None, 0
            continue
        question = question_of(view)
        in_a_row = in_a_row + 1 if question == last else 1
        last = question
        assert in_a_row <= 3, f"{question} asked {in_a_row} times:\n{fake.transcript(chat)}"
        await _act(fake, chat, view, rng, lang, cornered=in_a_row == 3)
        view = await fake.wait_for_bot(chat, interview_view)
    raise AssertionError(f"no end after {3 * MAX_MESSAGES} messages:\n{fake.transcript(chat)}")
