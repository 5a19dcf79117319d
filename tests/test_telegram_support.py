"""The harness of the Telegram end-to-end tests (the real PTB Application, polling the fake Bot
API, on a real SQLite store and the demo clinics), plus unit tests of the channel's pure parts:
callback data, keyboards, message splitting.

Other test_telegram_* modules import the fixtures (`bot_fixture`, `fake_fixture`, used as `bot`
and `fake`) and the helpers from here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.clinics import load_clinics
from bot.i18n import SUPPORTED, translator
from bot.interview.model import Option, Prompt
from bot.interview.questions import QUESTIONS
from bot.settings import Settings
from bot.store import open_store
from bot.telegram import ALLOWED_UPDATES, build_application, keyboards, texts
from tests.fakes import BotMessage, FakeTelegramAPI
from tests.fakes.patients import (  # noqa: F401  (also imported from here by other tests)
    NARROW_DATA,
    QUESTION_ACTIONS,
    RESTART_DATA,
    can_narrow,
    interview_view,
    is_result,
    question_of,
)

TOKEN = "123456:" + "A" * 35
CLINIC_STAFF = 123456789  # listed by demo-clinic in bot/data/clinics.yaml
EXTRA_STAFF = 777  # STAFF_USER_IDS
CLINICS = load_clinics()


class BotUnderTest:
    """The bot as `massage-bot polling` runs it, pointed at the fake server."""

    def __init__(self, fake: FakeTelegramAPI, database: Path, *,
                 encryption_key: str | None = None, **settings) -> None:
        self.fake = fake
        self.database_url = f"sqlite:///{database}"
        self.encryption_key = encryption_key
        self.settings = Settings(
            _env_file=None,
            telegram_bot_token=TOKEN,
            database_url=self.database_url,
            staff_user_ids=[EXTRA_STAFF],
            **{"rate_limit_updates": 1_000_000, **settings},  # tests type faster than people
        )
        self.store = None
        self.app = None

    async def start(self) -> BotUnderTest:
        self.store = open_store(self.database_url, encryption_key=self.encryption_key)
        await self.store.open()
        self.app = build_application(
            self.settings, store=self.store, clinics=CLINICS, base_url=f"{self.fake.url}/bot",
            log_salt=b"test-salt",
        )
        await self.app.initialize()
        await self.app.post_init(self.app)
        await self.app.start()
        await self.app.updater.start_polling(
            poll_interval=0, timeout=timedelta(seconds=0.2), allowed_updates=ALLOWED_UPDATES
        )
        return self

    async def stop(self) -> None:
        await self.app.updater.stop()
        await self.app.stop()
        await self.app.shutdown()
        await self.store.close()

    async def stored(self, chat_id: int):
        """The chat's record in the store (None when nothing is stored)."""
        async with self.store.chat(chat_id) as session:
            return session.record


@pytest.fixture(name="fake")
async def fake_fixture():
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api
    assert api.internal_errors == []


@pytest.fixture(name="bot")
async def bot_fixture(fake, tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    running = await BotUnderTest(fake, tmp_path / "bot.db").start()
    yield running
    await running.stop()
    # Every call the bot made was accepted: the fake enforces Telegram's limits (text length,
    # HTML, callback data), and the outbox logs each refused call as a warning.
    refused = [r.getMessage() for r in caplog.records
               if r.name.startswith("bot.telegram") and r.levelno >= logging.WARNING]
    assert refused == [], refused
    check_limits(fake)


def check_limits(fake: FakeTelegramAPI) -> None:
    """callback_data ≤ 64 bytes and texts ≤ 4096 characters in everything the bot sent."""
    for method in ("sendMessage", "editMessageText", "editMessageReplyMarkup"):
        for params in fake.calls_to(method):
            markup = params.get("reply_markup") or {}
            for row in markup.get("inline_keyboard", []):
                for button in row:
                    assert len(button["callback_data"].encode()) <= 64, button
            if "text" in params:
                assert len(params["text"]) <= 4096


# --- driving a conversation ------------------------------------------------------------------

Action = tuple[str, str | None]  # ("choice", value) | ("text", typed) | ("unknown", None) ...


def moved_on_from(question: str | None) -> Callable[[BotMessage], bool]:
    return lambda m: interview_view(m) and (is_result(m) or question_of(m) != question)


async def act(fake, chat: int, question: str, action: Action, lang: str = "en") -> BotMessage:
    """Answer `question` and wait for the next question or the result."""
    kind, value = action
    if kind == "choice":
        await fake.press_button(
            chat, lambda text, data: data == f"a|{question}|{value}", language_code=lang
        )
    elif kind == "text":
        await fake.user_sends(chat, value, language_code=lang)
    elif kind in ("unknown", "back", "help"):
        await fake.press_button(
            chat, lambda text, data: data == f"{kind[0]}|{question}", language_code=lang
        )
    elif kind == "narrow":  # under the estimate: its first question comes below it
        await fake.press_button(chat, lambda text, data: data == NARROW_DATA, language_code=lang)
        return await fake.wait_for_bot(chat, lambda m: question_of(m) is not None)
    else:
        raise ValueError(kind)
    return await fake.wait_for_bot(chat, moved_on_from(question))


NARROW: Action = ("narrow", None)


async def run_interview(
    fake, chat: int, script: dict[str, Action], *, start: str = "/start", lang: str = "en",
    asked: list[str | None] | None = None,
) -> BotMessage:
    """Start, answer every question from `script` up to the first estimate, then narrow it down
    ("I don't know" to what the script does not say) until nothing is left to ask; return the
    result message."""
    await fake.user_sends(chat, start, language_code=lang)
    view = await fake.wait_for_bot(chat, interview_view)
    narrowing = False
    while not is_result(view) or can_narrow(view):
        if is_result(view):
            if asked is not None:
                asked.append(None)  # "Narrow it down" pressed
            view, narrowing = await act(fake, chat, None, NARROW, lang), True
            continue
        question = question_of(view)
        assert question in script or narrowing, (
            f"unexpected question {question}:\n{fake.transcript(chat)}")
        if asked is not None:
            asked.append(question)
        view = await act(fake, chat, question, script.get(question, ("unknown", None)), lang)
    return view


async def answered(fake, query_id: str, timeout: float = 5) -> dict:
    """The bot's answer to a button press, once it came."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while query_id not in fake.answered_callbacks:
        assert loop.time() < deadline, f"callback query {query_id} was never answered"
        await asyncio.sleep(0.01)
    return fake.answered_callbacks[query_id]


def cost_texts(result, lang: str) -> list[str]:
    """What the result must show: the total, or both ends of the range, in that locale."""
    t = translator(lang)
    if result.range is not None and result.range.low != result.range.high:
        return [t.money(result.range.low), t.money(result.range.high)]
    return [t.money(result.totals.patient)]


# --- unit tests of the pure parts -----------------------------------------------------------


def test_the_patients_read_the_buttons_the_bot_makes():
    assert RESTART_DATA == keyboards.RESTART
    assert set(QUESTION_ACTIONS) == keyboards.QUESTION_ACTIONS


def test_callback_data_round_trip():
    assert keyboards.decode("a|payer|medicare_advantage") == keyboards.Callback(
        "a", "payer", "medicare_advantage"
    )
    assert keyboards.decode("u|deductible") == keyboards.Callback("u", "deductible")
    assert keyboards.decode("c") == keyboards.Callback("c", None, None)
    assert keyboards.decode("c|sessions") == keyboards.Callback("c", None, "sessions")
    assert keyboards.decode("l|es") == keyboards.Callback("l", None, "es")
    assert keyboards.decode("f|y") == keyboards.Callback("f", None, "y")
    for junk in (None, "", "zz", "a|payer", "l|de", "f|maybe"):
        assert keyboards.decode(junk) is None


def test_long_values_and_question_ids_still_fit():
    long_id = "q" * 40
    token = keyboards.question_token(long_id)
    assert token.startswith("#") and len(token) == 11
    assert keyboards.question_token("deductible_met") == "deductible_met"
    prompt = Prompt(
        kind="question", question_id=long_id, question_kind="choice", message="Pick",
        options=[Option(value="v" * 80, label="Long"), Option(value="a|b", label="Pipe")],
        allow_unknown=True, allow_back=True,
    )
    markup = keyboards.for_prompt(prompt, translator("en"))
    data = [button["callback_data"] for row in markup["inline_keyboard"] for button in row]
    assert data[:2] == [f"n|{token}|0", f"n|{token}|1"]
    assert all(len(d.encode()) <= 64 for d in data)


@pytest.mark.parametrize("lang", SUPPORTED)
def test_every_catalog_question_fits_callback_data(lang):
    """Every question's buttons, in every language, stay within 64 bytes."""
    t = translator(lang)
    for question in QUESTIONS:
        prompt = Prompt(
            kind="question", question_id=question.id, question_kind=question.kind,
            message=question.message, options=list(question.options) + [
                Option(value="medicare_advantage", label="x"), Option(value="M54.50", label="y")],
            allow_unknown=True, allow_back=True,
        )
        markup = keyboards.for_prompt(prompt, t)
        for row in markup["inline_keyboard"]:
            for button in row:
                assert len(button["callback_data"].encode()) <= 64
        change = Prompt(kind="change", options=[Option(value=question.id, label=question.title)])
        first = keyboards.for_prompt(change, t)["inline_keyboard"][0][0]
        assert first["callback_data"] == f"c|{question.id}"


def test_split_text_escapes_and_respects_the_limit():
    paragraphs = [f"Paragraph {i} & <more> " + "x" * 300 for i in range(40)]
    chunks = texts.split_text("\n\n".join(paragraphs), limit=1000)
    assert len(chunks) > 1
    assert all(len(chunk) <= 1000 for chunk in chunks)
    assert all("<more>" not in chunk and "&lt;more&gt;" in chunk for chunk in chunks)
    one_line = "word " * 2000
    assert all(len(c) <= 500 for c in texts.split_text(one_line, limit=500))
    no_spaces = "&" * 3000
    chunks = texts.split_text(no_spaces, limit=400)
    assert all(len(c) <= 400 for c in chunks) and "".join(chunks) == "&amp;" * 3000
    first = texts.split_text("\n\n".join(paragraphs), limit=3000, first_limit=500)
    assert len(first[0]) <= 500 and all(len(c) <= 3000 for c in first)


def test_money_in_tests_is_locale_formatted():
    assert translator("en").money(Decimal("1234.5")) == "$1,234.50"
    assert "1\u00a0234,50" in translator("ru").money(Decimal("1234.5"))
