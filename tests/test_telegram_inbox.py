"""The webhook's inbox in one process, end to end through python-telegram-bot and the fake Bot
API: a private chat's update is stored before the 200, applied once, lowest update_id first;
groups are never stored; an update the store cannot take gets 503 (Telegram sends it again);
/forget deletes a chat whose state the keys no longer read. (Two workers: test_multiworker.)"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from cryptography.fernet import Fernet

from bot.clinics import load_clinics
from bot.i18n import translator
from bot.settings import Settings
from bot.store import StoreUnavailable, open_store
from bot.telegram import texts
from bot.telegram.app import build_application
from bot.web.server import SECRET_HEADER, WEBHOOK_KEY, create_app
from tests.fakes import FakeTelegramAPI
from tests.fakes.patients import INTERVIEW, expected_outcome, interview_view, question_of, steps

TOKEN = "123456:" + "I" * 35
SECRET = "inbox_secret"
CHAT = 5151
CLINICS = load_clinics()


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api
    assert api.internal_errors == []


class Webhook:
    """`massage-bot serve` in this process (SQLite store), and Telegram's POSTs to it."""

    def __init__(self, fake: FakeTelegramAPI, client: TestClient, store: Any, app: Any) -> None:
        self.fake, self.client, self.store, self.app = fake, client, store, app
        self.database = getattr(store, "_path", None)  # SQLite's file (rows() reads it)

    async def deliver(self) -> list[dict[str, Any]]:
        """POST every update the fake queued, one after the other as Telegram does."""
        updates = self.fake.take_updates()
        for update in updates:
            await self.post(update)
        return updates

    async def post(self, update: dict[str, Any]) -> None:
        response = await self.client.post("/telegram", json=update,
                                          headers={SECRET_HEADER: SECRET})
        assert response.status == 200

    async def rows(self, sql: str) -> list[tuple]:
        """Raw SQL on the database file, in a thread: blocking the event loop while the store
        holds SQLite's write lock would wait for a commit that cannot come."""

        def run() -> list[tuple]:
            with sqlite3.connect(self.database) as conn:
                return conn.execute(sql).fetchall()

        return await asyncio.to_thread(run)

    @property
    def inbox(self):
        return self.app[WEBHOOK_KEY].inbox


@asynccontextmanager
async def serving(fake: FakeTelegramAPI, tmp_path, key: str | None = None,
                  database_url: str | None = None, **settings: Any):
    settings = Settings(_env_file=None, telegram_bot_token=TOKEN, webhook_secret=SECRET,
                        telegram_api_base_url=f"{fake.url}/bot", api_keys=[],
                        **{"rate_limit_updates": 1_000_000, **settings})
    store = open_store(database_url or f"sqlite:///{tmp_path / 'bot.db'}", encryption_key=key)
    await store.open()
    try:
        application = build_application(settings, store=store, clinics=CLINICS,
                                         base_url=f"{fake.url}/bot", log_salt=b"salt")
        app = create_app(settings, clinics=CLINICS, store=store, telegram_app=application)
        async with TestClient(TestServer(app)) as client:
            yield Webhook(fake, client, store, app)
    finally:
        await store.close()


async def idle(hook: Webhook) -> None:
    """Every stored update applied and answered (a row leaves the inbox after its replies)."""
    for _ in range(500):
        if not await hook.rows("SELECT 1 FROM inbox") and not hook.inbox.in_flight:
            return
        await asyncio.sleep(0.01)
    left = await hook.rows("SELECT update_id FROM inbox")
    raise AssertionError(f"updates left in the inbox: {left}")


async def test_an_update_is_stored_before_its_200_and_applied_once(fake, tmp_path):
    async with serving(fake, tmp_path) as hook:
        await fake.user_sends(CHAT, "/start")
        [update] = fake.take_updates()
        await hook.post(update)
        # Answered 200: the update is in the inbox, or already applied (never neither).
        update_id = update["update_id"]
        where = await hook.rows(f"SELECT 'inbox' FROM inbox WHERE update_id = {update_id} "
                                "UNION ALL SELECT 'applied' FROM processed_updates "
                                f"WHERE update_id = {update_id}")
        assert where, "answered 200 before the update was stored"
        await hook.post(update)  # Telegram re-delivers it, now and later
        await idle(hook)
        await hook.post(update)
        await idle(hook)
        assert len(fake.bot_texts(CHAT)) == 1
        metrics = await (await hook.client.get("/metrics")).text()
        assert "massage_bot_updates_repeated_total 2.0" in metrics
        assert await hook.rows("SELECT update_id FROM processed_updates") == [(update_id,)]
        assert await hook.rows("SELECT * FROM inbox") == []


async def test_stored_updates_are_applied_lowest_update_id_first(fake, tmp_path):
    async with serving(fake, tmp_path) as hook:
        await fake.user_sends(CHAT, "/start")
        await hook.deliver()
        await idle(hook)
        await fake.press_button(CHAT, "A medical condition")
        await hook.deliver()
        await idle(hook)
        await fake.press_button(CHAT, lambda text, data: data and data.endswith("|commercial"))
        await hook.deliver()
        await fake.wait_for_bot(CHAT, lambda m: "network" in m.text.lower())
        await idle(hook)
        # Two typed answers reach the server in the wrong order: the later one is stored first
        # (as on a worker that got it while another still held the earlier one), then the earlier
        # one arrives; both are applied in update_id order.
        await fake.press_button(CHAT, lambda text, data: data and data.endswith("|in"))
        await fake.user_sends(CHAT, "massage therapist")
        first, second = fake.take_updates()
        assert await hook.store.enqueue(CHAT, second["update_id"], second)
        await hook.post(first)
        await idle(hook)
        async with hook.store.chat(CHAT) as session:
            history = session.record.state["interview"]["history"]
        assert history[-2:] == ["network", "provider"], fake.transcript(CHAT)


async def test_group_updates_are_answered_and_never_stored(fake, tmp_path, monkeypatch):
    async with serving(fake, tmp_path) as hook:
        stored = []

        async def enqueue(*args):
            stored.append(args)
            return True

        monkeypatch.setattr(hook.store, "enqueue", enqueue)
        await fake.user_sends(-100, "/start", user_id=7, chat_type="group")
        await hook.deliver()
        reply = await fake.wait_for_bot(-100)
        assert "https://t.me/" in reply.text  # "please message me privately"
        assert stored == []


async def test_an_update_the_store_cannot_take_gets_503_and_is_applied_when_sent_again(
    fake, tmp_path, monkeypatch
):
    """Not stored, not applied, no apology: Telegram sends it again (no 2xx), and then it is
    applied once. (Applied at once with "try again in a minute" while it might be stored all
    the same, a timeout after the commit, it could be applied twice: issue 12, item 1.)"""
    async with serving(fake, tmp_path) as hook:
        store_enqueue = hook.store.enqueue

        async def refuse(*args):
            raise StoreUnavailable("the database is down")

        monkeypatch.setattr(hook.store, "enqueue", refuse)
        await fake.user_sends(CHAT, "/start")
        [update] = fake.take_updates()
        response = await hook.client.post("/telegram", json=update,
                                          headers={SECRET_HEADER: SECRET})
        assert response.status == 503
        await asyncio.sleep(0.1)
        assert fake.calls_to("sendMessage") == []
        monkeypatch.setattr(hook.store, "enqueue", store_enqueue)
        await hook.post(update)
        reply = await fake.wait_for_bot(CHAT)
        assert "medical condition" in reply.text
        await idle(hook)
        assert len(fake.calls_to("sendMessage")) == 1


async def test_an_unreadable_stored_update_is_dropped_and_the_chat_goes_on(fake, tmp_path,
                                                                           caplog):
    caplog.set_level(logging.WARNING, logger="bot")
    async with serving(fake, tmp_path, key=Fernet.generate_key().decode()) as hook:
        # Stored with a key this process does not have (removed from DATA_ENCRYPTION_KEY).
        foreign = Fernet(Fernet.generate_key()).encrypt(b'{"update_id": 0}').decode()
        await hook.rows(f"INSERT INTO inbox VALUES ({CHAT}, 0, '{foreign}', 0)")
        await fake.user_sends(CHAT, "/start")
        await hook.deliver()
        await fake.wait_for_bot(CHAT)
        await idle(hook)
        assert "dropped a stored update the configured keys cannot read" in caplog.text
        assert await hook.rows("SELECT * FROM inbox") == []


async def test_forget_deletes_a_chat_whose_state_the_keys_cannot_read(fake, tmp_path):
    async with serving(fake, tmp_path, key=Fernet.generate_key().decode()) as hook:
        await fake.user_sends(CHAT, "/start")
        await hook.deliver()
        await fake.wait_for_bot(CHAT)
        await idle(hook)
    # The operator replaced the key without keeping the old one after it.
    async with serving(fake, tmp_path, key=Fernet.generate_key().decode()) as hook:
        t = translator("en")
        await fake.user_sends(CHAT, "hello")
        await hook.deliver()
        await fake.wait_for_bot(CHAT, lambda m: t.gettext(texts.UNAVAILABLE) in m.text)
        await fake.user_sends(CHAT, "/forget")
        await hook.deliver()
        await fake.wait_for_bot(CHAT, lambda m: bool(m.buttons))
        await fake.press_button(CHAT, lambda text, data: data is not None and data.endswith("y"))
        await hook.deliver()
        await fake.wait_for_bot(CHAT, lambda m: t.gettext(texts.FORGOTTEN) in m.text)
        await idle(hook)
        assert await hook.rows(f"SELECT * FROM chats WHERE chat_id = {CHAT}") == []
        assert await hook.rows(f"SELECT * FROM processed_updates WHERE chat_id = {CHAT}") == []


async def test_outcomes_estimates_and_refused_bot_api_calls_are_counted(fake, tmp_path):
    script = steps(INTERVIEW)
    results = expected_outcome(script)[2].count("result")  # the first estimate, the narrowed one
    async with serving(fake, tmp_path) as hook:
        for _, _, value in script:  # every answer typed once its question is shown
            await fake.user_sends(CHAT, value)
            await hook.deliver()
            await fake.wait_for_bot(CHAT, interview_view)
        await idle(hook)
        fake.fail_next("sendMessage", status=400)
        await fake.user_sends(CHAT, "/help")
        await hook.deliver()
        await idle(hook)
        text = await (await hook.client.get("/metrics")).text()
    for line in (f'massage_bot_estimates_total{{channel="telegram"}} {results}.0',
                 f'massage_bot_estimate_seconds_count{{channel="telegram"}} {results}.0',
                 "massage_bot_interviews_completed_total 1.0",
                 'massage_bot_errors_total{where="telegram"} 1.0',
                 f'massage_bot_update_outcomes_total{{outcome="ok"}} {len(script) + 1}.0',
                 'massage_bot_update_outcomes_total{outcome="error"} 0.0'):
        assert line in text, f"{line}\n{fake.transcript(CHAT)}"


async def test_the_rate_limit_holds_over_every_worker(fake, tmp_path):
    """Two workers on one database, a flood sent to them in turn: the window is saved with the
    chat, so the user gets the limit's worth of answers in all and is told once."""
    limits = {"rate_limit_updates": 4, "rate_limit_seconds": 60}
    async with serving(fake, tmp_path, **limits) as one, serving(fake, tmp_path, **limits) as two:
        for n in range(10):
            await fake.user_sends(CHAT, f"hello {n}")
            [update] = fake.take_updates()
            await (one, two)[n % 2].post(update)
            await idle(one)
            await idle(two)
        await fake.user_sends(CHAT + 1, "/start")  # somebody else is served as usual
        await one.deliver()
        reply = await fake.wait_for_bot(CHAT + 1)
    told = translator("en").gettext(texts.RATE_LIMITED)
    replies = [call.params.get("text", "") for call in fake.calls
               if call.method in ("sendMessage", "editMessageText")
               and str(call.params.get("chat_id")) == str(CHAT)]
    assert sum(told in text for text in replies) == 1, fake.transcript(CHAT)
    assert len(replies) == 4 + 1, fake.transcript(CHAT)  # four answers, one "slow down"
    assert told not in reply.text


# --- updates the store cannot take: refused before they reach it -----------------------------

TOO_BIG, TOO_SMALL = 2**63, -(2**63) - 1  # one past each end of PostgreSQL's BIGINT


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    """The database of `serving`: SQLite, and PostgreSQL in a fresh schema (skipped when no
    server answers at tests.fakes.workers.PG_URL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.db'}"
        return
    from tests.fakes.workers import postgres_schema

    async with postgres_schema("inbox_test") as url:
        yield url


def _message(chat_id: int = CHAT, user_id: int = CHAT, **fields: Any) -> dict[str, Any]:
    message = {"message_id": 1, "date": 1700000000, "text": "/start",
               "chat": {"id": chat_id, "type": "private", "first_name": "Pat"},
               "from": {"id": user_id, "is_bot": False, "first_name": "Pat"}}
    message.update(fields)
    return {key: value for key, value in message.items() if value is not None}


def _query(**message: Any) -> dict[str, Any]:
    return {"id": "77", "chat_instance": "1", "data": "c",
            "from": {"id": CHAT, "is_bot": False, "first_name": "Pat"},
            "message": _message(**message)}


HOSTILE_UPDATES = {
    "update_id too big": {"update_id": TOO_BIG, "message": _message()},
    "update_id too small": {"update_id": TOO_SMALL, "message": _message()},
    "chat id too big": {"update_id": 11, "message": _message(chat_id=TOO_BIG)},
    "chat id too small": {"update_id": 12, "message": _message(chat_id=TOO_SMALL)},
    "user id too big": {"update_id": 13, "message": _message(user_id=TOO_BIG)},
    "button of a chat id too big": {"update_id": 14, "callback_query": _query(chat_id=TOO_BIG)},
    "message id too big": {"update_id": 15, "message": _message(message_id=TOO_BIG)},
    "message without chat": {"update_id": 16, "message": _message(chat=None)},
    "edited message without chat": {"update_id": 17, "edited_message": _message(chat=None)},
    "chat without id": {"update_id": 18, "message": _message(chat={"type": "private"})},
    "chat id a string": {"update_id": 19,
                         "message": _message(chat={"id": str(CHAT), "type": "private"})},
    "button on a message without chat": {"update_id": 20, "callback_query": _query(chat=None)},
}


@pytest.mark.parametrize("name", list(HOSTILE_UPDATES))
async def test_an_update_the_store_cannot_take_is_refused_without_a_traceback(
    fake, tmp_path, caplog, database_url, name
):
    """An id outside the signed 64-bit range (PostgreSQL's BIGINT, SQLite's INTEGER) failed in
    the store with a traceback quoting it; a message without a chat failed in the handlers.
    Both are refused as not an update, counted, and leave the chat working."""
    from tests.test_web_server import metric, tracebacks

    caplog.set_level(logging.INFO)
    async with serving(fake, tmp_path, database_url=database_url) as hook:
        response = await hook.client.post("/telegram", json=HOSTILE_UPDATES[name],
                                          headers={SECRET_HEADER: SECRET})
        assert response.status == 400
        await asyncio.sleep(0.2)
        assert metric(hook.client, 'massage_bot_webhook_rejected_total{reason="not_an_update"}'
                      ) == 1
        for where in ("webhook", "handler", "store", "page"):
            assert metric(hook.client, f'massage_bot_errors_total{{where="{where}"}}') == 0
        assert tracebacks(caplog) == []
        assert str(TOO_BIG) not in caplog.text and str(TOO_SMALL) not in caplog.text
        assert fake.calls_to("sendMessage") == []
        # The patient's chat goes on.
        await fake.user_sends(CHAT, "/start")
        await hook.deliver()
        assert "medical condition" in (await fake.wait_for_bot(CHAT)).text


async def test_the_largest_ids_that_fit_are_taken(fake, tmp_path, database_url):
    async with serving(fake, tmp_path, database_url=database_url) as hook:
        await fake.user_sends(CHAT, "/start")
        [update] = fake.take_updates()
        update["update_id"] = 2**63 - 1
        await hook.post(update)
        assert "medical condition" in (await fake.wait_for_bot(CHAT)).text


@pytest.mark.parametrize("order", [[3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]])
async def test_updates_arriving_out_of_order_are_applied_in_update_id_order_or_dropped(
    fake, tmp_path, order
):
    """Issue 12, item 6: a chat's updates delivered reversed or shuffled, each once and each
    applied before the next arrives, were applied in arrival order (a /cancel before the /start
    it followed). An update older than the chat's last applied one is dropped and counted."""
    from tests.test_web_server import metric

    async with serving(fake, tmp_path) as hook:
        for text in ("/start", "/help", "/privacy", "/cancel"):
            await fake.user_sends(CHAT, text)
        updates = fake.take_updates()
        applied, newest = [], -1
        for index in order:
            await hook.post(updates[index])
            await idle(hook)
            if updates[index]["update_id"] > newest:
                newest = updates[index]["update_id"]
                applied.append(index)
        assert len(fake.calls_to("sendMessage")) == len(applied), fake.transcript(CHAT)
        dropped = len(order) - len(applied)
        assert metric(hook.client, 'massage_bot_update_outcomes_total{outcome="out_of_order"}'
                      ) == dropped
        async with hook.store.chat(CHAT) as session:
            assert session.record.state["telegram"]["last_update"] == newest


async def test_the_first_button_press_after_a_restart_is_answered(fake, tmp_path):
    """Issue 12, item 7 (not reproduced here): a press on a message the stopped worker sent is
    the new worker's first update; it is answered and applied."""
    async with serving(fake, tmp_path) as hook:
        await fake.user_sends(CHAT, "/start")
        await hook.deliver()
        await idle(hook)
    async with serving(fake, tmp_path) as hook:
        query_id = await fake.press_button(CHAT, "A medical condition")
        await hook.deliver()
        await idle(hook)
        assert query_id in fake.answered_callbacks, fake.transcript(CHAT)
        assert "Who would pay" in fake.last_bot_message(CHAT).text


# --------------------------------------------------------------------------- a stopped worker

SCRIPT = steps(INTERVIEW)


def stop_once(monkeypatch, owner: Any, name: str, *, after: bool = False,
              when=lambda *args, **kwargs: True) -> None:
    """The process stops (its task cancelled, as by SIGKILL but in this process) at its next
    call of `owner.name` for which `when` holds: before the call, or right `after` it."""
    original = getattr(owner, name)
    armed = [True]

    async def stopping(*args, **kwargs):
        if not (armed[0] and when(*args, **kwargs)):
            return await original(*args, **kwargs)
        armed[0] = False
        result = await original(*args, **kwargs) if after else None
        asyncio.current_task().cancel()
        await asyncio.sleep(0)
        return result

    monkeypatch.setattr(owner, name, stopping)


async def answer_until(hook: Webhook, stop_at: str,
                       settle: Callable[[Webhook], Awaitable[None]] = idle) -> None:
    """SCRIPT (/start first) up to the question `stop_at`, shown and not answered; `settle`
    waits for each update to be applied."""
    fake = hook.fake
    for kind, question, value in SCRIPT:
        if question == stop_at:
            return
        if kind == "choice":
            await fake.press_button(CHAT, lambda text, data, v=value: bool(data)
                                    and data.endswith("|" + v))
        else:
            await fake.user_sends(CHAT, value)
        await hook.deliver()
        await settle(hook)


async def stopped_while_applying(hook: Webhook, question: str, shown: str) -> None:
    """The patient answers `question` (from SCRIPT) to a process that stops while applying
    it; they see the next question, `shown`, or nothing (`shown` empty)."""
    fake = hook.fake
    [(kind, value)] = [(k, v) for k, q, v in SCRIPT if q == question]
    if kind == "choice":
        await fake.press_button(CHAT, lambda text, data: bool(data) and data.endswith("|" + value))
    else:
        await fake.user_sends(CHAT, value)
    await hook.deliver()
    if shown:
        await fake.wait_for_bot(CHAT, lambda m: question_of(m) == shown)
    for _ in range(500):  # the stopped drain is gone; its update is still stored
        if not hook.inbox.in_flight:
            break
        await asyncio.sleep(0.01)
    assert await hook.rows("SELECT 1 FROM inbox"), "the update was not left stored"


def _after(question: str) -> str | None:
    questions = [q for _, q, _ in SCRIPT]
    index = questions.index(question) + 1
    return questions[index] if index < len(questions) else None


def _value(question: str) -> str:
    [value] = [v for _, q, v in SCRIPT if q == question]
    return value


# A typed answer whose next question is typed too, and a pressed one followed by a typed one.
TYPED = "visit_limit"
PRESSED = next(q for k, q, _ in SCRIPT[:-1] if k == "choice" and SCRIPT[[s[1] for s in SCRIPT]
               .index(q) + 1][0] == "text" and _after(q) is not None)


@pytest.mark.parametrize("stops", ["before recording the question", "before the inbox is done"])
async def test_an_answer_to_the_question_a_stopped_worker_sent_is_applied(
        fake, tmp_path, monkeypatch, stops):
    """Seen in test_multiworker (a worker SIGKILLed): the worker applying a typed answer sent
    the next question and stopped before it was done with the update (before recording that
    question, or after it but before taking the update out of the inbox). The patient
    answered that question; the next worker applies the stored update again (found applied:
    the question is shown again), then the patient's answer, which was refused as "sent
    before the question now shown" (the one shown again) and never applied."""
    from bot.telegram.pipeline import Pipeline

    asked, answered = TYPED, _after(TYPED)
    async with serving(fake, tmp_path) as hook:
        await answer_until(hook, asked)
        if stops == "before recording the question":
            stop_once(monkeypatch, Pipeline, "_track")
        else:
            stop_once(monkeypatch, hook.store, "next_stored",
                      when=lambda chat_id, done=None: done is not None)
        await stopped_while_applying(hook, asked, shown=answered)
        await fake.user_sends(CHAT, _value(answered))  # to the question the patient sees
        await hook.deliver()
        await idle(hook)
        async with hook.store.chat(CHAT) as session:
            answers = session.record.state["interview"]["answers"]
        assert answered in answers, fake.transcript(CHAT)
        last = fake.last_bot_message(CHAT)
        assert question_of(last) == _after(answered), fake.transcript(CHAT)
        assert translator("en").gettext(texts.STALE_BUTTON) not in last.text


async def test_an_answer_to_the_question_a_stopped_worker_edited_in_is_applied(
        fake, tmp_path, monkeypatch):
    """The same for a button press: its reply, the next question edited into the message
    pressed, went out; the process stopped before taking the update out of the inbox. Shown
    again, the question stays in that message, so the answer typed under it is applied."""
    answered = _after(PRESSED)
    async with serving(fake, tmp_path) as hook:
        await answer_until(hook, PRESSED)
        stop_once(monkeypatch, hook.store, "next_stored",
                  when=lambda chat_id, done=None: done is not None)
        await stopped_while_applying(hook, PRESSED, shown=answered)
        await fake.user_sends(CHAT, _value(answered))
        await hook.deliver()
        await idle(hook)
        async with hook.store.chat(CHAT) as session:
            answers = session.record.state["interview"]["answers"]
        assert answered in answers, fake.transcript(CHAT)
        assert question_of(fake.last_bot_message(CHAT)) == _after(answered)


async def test_an_answer_retyped_after_a_stopped_worker_said_nothing_is_not_applied_twice(
        fake, tmp_path, monkeypatch):
    """The other side: the process stopped before sending the next question, so the patient,
    hearing nothing, typed their answer again. It is not applied to the next question: that
    question is shown again, with a note."""
    from bot.telegram import pipeline

    asked = TYPED
    async with serving(fake, tmp_path) as hook:
        await answer_until(hook, asked)
        stop_once(monkeypatch, pipeline, "deliver")
        await stopped_while_applying(hook, asked, shown="")
        await fake.user_sends(CHAT, _value(asked))  # retyped
        await hook.deliver()
        await idle(hook)
        async with hook.store.chat(CHAT) as session:
            answers = session.record.state["interview"]["answers"]
        assert asked in answers
        assert _after(asked) not in answers, fake.transcript(CHAT)
        last = fake.last_bot_message(CHAT)
        assert question_of(last) == _after(asked), fake.transcript(CHAT)
        assert translator("en").gettext(texts.STALE_BUTTON) in last.text
