"""Two `massage-bot serve` workers on one PostgreSQL database, one chat's updates spread over both.

The harness plays Telegram in webhook mode: a FakeTelegramAPI in this process (the Bot API both
workers call) and the POSTs to /telegram. As Telegram does, it POSTs a chat's next update only
once the previous one was accepted (200), not waiting for it to be processed, so a fast typer
has several updates in flight; it sends them to the two workers in turn, many chats at once,
and delivers some twice: to both workers at the same moment (a re-delivery racing its
original), or again later. The workers, the fake in webhook mode and the patient's interview
come from tests/fakes (workers.py, patients.py).

What the app guarantees for a chat, and what these tests hold it to:

* Order, across workers: an update is stored in the inbox before the 200, so the chat's next
  one always finds it there; the worker holding the chat's lease applies the stored updates
  lowest update_id first, and keeps the lease until its replies are sent. So the recorded
  answers are those sent, in the order sent, and the bot's replies come in the same order.
* Exactly once: every distinct update is applied once (the inbox keeps one copy; the section
  remembers the update id in the same transaction as the state). Checked by: the store's
  processed update ids are the ids sent; the state was saved once per distinct update
  (`telegram.seq`, bumped by every save of an update); one reply per distinct update.
* Nothing accepted is lost when a worker dies: its stored updates are applied by the other.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio

from bot.store import open_store
from bot.web.server import SECRET_HEADER
from tests.fakes.patients import (
    CHOICE,
    INTERVIEW,
    NARROW_TEXT,
    TEXT,
    Step,
    can_narrow,
    expected_outcome,
    question_of,
    steps,
)
from tests.fakes.workers import WebhookFake, Worker, fresh_schema, serve_workers

PG_URL = os.environ.get("STORE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
TOKEN = "123456:" + "W" * 35
SECRET = "multi-worker_secret"
START_SECONDS = 45.0  # both workers load the ICD-10 code set at start-up, on shared cores
IDLE_SECONDS = 20.0

# The interview one patient goes through: /start, then every question answered by typing or by
# pressing the button of the current question (a PPO plan, in network, every question asked;
# two choice questions typed).
SCRIPT: list[Step] = steps({**INTERVIEW, "plan_type": (TEXT, "PPO"),
                            "prescription": (TEXT, "yes"), "oop_met": (TEXT, "300")})
# The same interview typed from start to end: every update can be built before the bot answers
# the previous one (a button press must name the message it was pressed on).
ALL_TYPED: list[Step] = [(TEXT, question, value) for _, question, value in SCRIPT]


# --------------------------------------------------------------------------- the cluster


def shown_by(reply: dict[str, Any]) -> str:
    """What a reply shows: the question its buttons answer, "result", or "other"."""
    markup = reply.get("reply_markup") or {}
    if isinstance(markup, str):
        markup = json.loads(markup)
    data = [button.get("callback_data") or "" for row in markup.get("inline_keyboard") or []
            for button in row]
    for item in data:
        if item[:2] in ("a|", "n|", "u|", "h|"):
            return item.split("|")[1]
    return "result" if "r" in data else "other"


@dataclass
class Cluster:
    """Workers, the fake, the database URL (a schema of its own) and a client for the POSTs."""

    fake: WebhookFake
    workers: list[Worker]
    database_url: str
    schema: str
    admin: asyncpg.Connection
    http: aiohttp.ClientSession
    accepted: int = 0
    statuses: Counter = field(default_factory=Counter)

    async def post(self, worker: Worker, update: dict[str, Any]) -> None:
        async with self.http.post(f"{worker.url}/telegram", json=update,
                                  headers={SECRET_HEADER: SECRET}) as response:
            self.statuses[response.status] += 1
            assert response.status == 200, f"{worker.url} answered {response.status}"
            self.accepted += 1

    async def idle(self, timeout: float = IDLE_SECONDS) -> None:
        """Every accepted update was applied and answered: a stored update leaves the inbox
        only once its replies went out."""
        deadline = time.monotonic() + timeout
        while left := await self.admin.fetchval(f"SELECT count(*) FROM {self.schema}.inbox"):
            if time.monotonic() > deadline:
                raise AssertionError(f"{left} accepted updates still unapplied after "
                                     f"{timeout:g} s\n{self.worker_logs()}")
            await asyncio.sleep(0.02)

    async def state(self, chat_id: int) -> dict[str, Any]:
        store = open_store(self.database_url)
        await store.open()
        try:
            async with store.chat(chat_id) as session:
                assert session.record is not None, f"chat {chat_id} has no stored state"
                return session.record.state
        finally:
            await store.close()

    async def processed_ids(self, chat_id: int) -> list[int]:
        rows = await self.admin.fetch(
            f"SELECT update_id FROM {self.schema}.processed_updates WHERE chat_id = $1 "
            "ORDER BY update_id", chat_id)
        return [row["update_id"] for row in rows]

    def worker_logs(self) -> str:
        return "\n".join(f"--- worker {w.port} stderr:\n{w.stderr()[-3000:]}"
                         for w in self.workers)


async def connect_admin() -> asyncpg.Connection:
    try:
        return await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({type(exc).__name__}: {exc}); "
                    "start one (.ci/run does) or set STORE_TEST_POSTGRES_URL")


@asynccontextmanager
async def cluster(folder: Path, workers: int = 2) -> AsyncIterator[Cluster]:
    """`workers` serve processes on a fresh PostgreSQL schema, talking to a fake Bot API."""
    admin = await connect_admin()
    try:
        async with (
            fresh_schema(admin, PG_URL, "mw") as (schema, database_url),
            WebhookFake(token=TOKEN) as fake,
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64),
                                  timeout=aiohttp.ClientTimeout(total=30)) as http,
            serve_workers(workers, folder=folder, http=http, database_url=database_url,
                          token=TOKEN, secret=SECRET, api_base_url=f"{fake.url}/bot",
                          start_seconds=START_SECONDS) as started,
        ):
            yield Cluster(fake, started, database_url, schema, admin, http)
            assert fake.internal_errors == []
    finally:
        await admin.close()


# --------------------------------------------------------------------------- the patients


async def question_message(fake: WebhookFake, chat: int, question: str | None) -> int:
    """The bot message whose buttons answer `question` (None: the estimate offering to narrow
    it down), once the bot has sent it (a patient answers only what they see)."""
    deadline = time.monotonic() + IDLE_SECONDS
    while True:
        for message in reversed(fake.messages(chat)):
            if (question_of(message) == question if question else can_narrow(message)):
                return message.message_id
        if time.monotonic() > deadline:
            raise AssertionError(f"the chat went off the script (an update lost, applied twice "
                                 f"or out of order): no buttons for {question!r}:\n"
                                 f"{fake.transcript(chat)}")
        await asyncio.sleep(0.01)


async def patient(c: Cluster, chat: int, script: list[Step],
                  seed: int, workers: list[Worker] | None = None) -> list[int]:
    """One patient through `script`, their updates to the workers in turn, each POSTed once
    the previous one was accepted and its question shown (a typed answer sent before its
    question is dropped as meant for an earlier one); one in four also to another worker at the
    same moment, one in five again after its acceptance. Returns the ids of the distinct
    updates sent."""
    rng = random.Random(seed)
    workers = workers or c.workers
    sent: list[int] = []
    for number, (kind, question, value) in enumerate(script):
        if kind == CHOICE:
            message_id = await question_message(c.fake, chat, question)
            update = await c.fake.press(chat, message_id, f"a|{question}|{value}")
        else:
            if question is not None or value == NARROW_TEXT:
                await question_message(c.fake, chat, question)
            update = await c.fake.text(chat, value)
        sent.append(update["update_id"])
        first = workers[number % len(workers)]
        posts = [c.post(first, update)]
        if rng.random() < 0.25:
            posts.append(c.post(rng.choice(workers), update))
        await asyncio.gather(*posts)
        if rng.random() < 0.2:
            await c.post(rng.choice(workers), update)
    return sent


async def check_exactly_once(c: Cluster, chat: int, sent: list[int],
                             every_reply: bool = True) -> dict[str, Any]:
    """Each distinct update applied once: its id recorded, one save, one reply. The state."""
    distinct = sorted(set(sent))
    context = f"\n{c.fake.transcript(chat)}\n{c.worker_logs()}"
    assert await c.processed_ids(chat) == distinct, (
        f"processed update ids differ from those sent{context}")
    state = await c.state(chat)
    saves = state["telegram"]["seq"]
    assert saves == len(distinct), (
        f"the state was saved {saves} times for {len(distinct)} distinct updates "
        f"({'an update applied twice' if saves > len(distinct) else 'an update lost'}){context}")
    if every_reply:
        replies = c.fake.replies(chat)
        assert len(replies) == len(distinct), (
            f"{len(replies)} replies for {len(distinct)} distinct updates{context}")
    return state


def check_in_order(c: Cluster, chat: int, state: dict[str, Any],
                   script: list[Step]) -> None:
    answers, history, shown = expected_outcome(script)
    interview = state["interview"]
    context = f"\n{c.fake.transcript(chat)}\n{c.worker_logs()}"
    assert interview["history"] == history, f"answers applied out of order{context}"
    assert interview["answers"] == answers
    assert interview["finished"] is True
    # Each prompt shown once and in turn: replies never overtake each other across workers.
    assert [shown_by(reply) for reply in c.fake.replies(chat)] == shown, context


# --------------------------------------------------------------------------- the tests

# One pair of workers for the module: starting one takes seconds (the ICD-10 code set).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two_workers(tmp_path_factory) -> AsyncIterator[Cluster]:
    async with cluster(tmp_path_factory.mktemp("multiworker")) as c:
        yield c


async def test_two_workers_apply_each_chats_updates_once_and_in_order(two_workers):
    """Eight patients at once, half typing the whole interview as fast as Telegram lets them,
    half pressing buttons where there are some; every update to the other worker than the one
    before, with re-deliveries: the answers recorded are exactly those sent, in order."""
    c = two_workers
    before = c.accepted
    chats = {9_100_001 + n: (ALL_TYPED if n % 2 else SCRIPT) for n in range(8)}
    sent = await asyncio.gather(*(patient(c, chat, script, seed=chat)
                                  for chat, script in chats.items()))
    await c.idle()
    assert c.accepted - before > sum(map(len, sent))  # some were delivered twice
    for (chat, script), ids in zip(chats.items(), sent, strict=True):
        assert len(set(ids)) == len(script)
        state = await check_exactly_once(c, chat, ids)
        check_in_order(c, chat, state, script)
    assert "Traceback" not in c.worker_logs(), c.worker_logs()


async def test_updates_left_behind_are_applied_by_the_sweep(two_workers):
    """An update stored by a worker that died before applying it (a row aged in the inbox):
    a live worker's sweep applies it, and the chat goes on from there."""
    c = two_workers
    chat = 9_200_001
    update = await c.fake.text(chat, "/start")
    await c.admin.execute(
        f"INSERT INTO {c.schema}.inbox (chat_id, update_id, payload, received_at) "
        "VALUES ($1, $2, $3, now() - interval '1 minute')",
        chat, update["update_id"], json.dumps(update))
    c.accepted += 1
    await c.idle()
    await question_message(c.fake, chat, "purpose")
    rest = await patient(c, chat, SCRIPT[1:], seed=1)
    await c.idle()
    state = await check_exactly_once(c, chat, [update["update_id"], *rest])
    check_in_order(c, chat, state, SCRIPT)


async def test_a_worker_killed_mid_interview_loses_no_answer(tmp_path):
    """Worker A is killed (SIGKILL) right after accepting a burst of typed answers; the rest go
    to worker B. Every accepted answer is applied once, in order (a reply the dead worker had
    not sent yet may be missing: replies are sent at most once)."""
    chat = 9_300_001
    async with cluster(tmp_path) as c:
        a, b = c.workers
        half = len(ALL_TYPED) // 2
        sent = await patient(c, chat, ALL_TYPED[:half], seed=3, workers=[a])
        a.process.kill()
        await a.process.wait()
        c.workers = [b]
        sent += await patient(c, chat, ALL_TYPED[half:], seed=4, workers=[b])
        await c.idle(timeout=IDLE_SECONDS + 15)  # a row of A's may wait for B's sweep
        state = await check_exactly_once(c, chat, sent, every_reply=False)
        _, history, _ = expected_outcome(ALL_TYPED)
        assert state["interview"]["history"] == history, c.fake.transcript(chat)
        assert state["interview"]["finished"] is True


async def test_a_button_pressed_after_a_restart_is_answered(tmp_path):
    """Both workers stopped (SIGTERM, as a deploy does) mid-interview and two new ones started
    on the same database: the patient's next button press, on the question shown before the
    restart, is answered (the spinner stops) and applied, as is one pressed while the workers
    were down (delivered, as Telegram does, once a worker answers)."""
    chat = 9_400_001
    admin = await connect_admin()
    try:
        async with (
            fresh_schema(admin, PG_URL, "mw") as (schema, database_url),
            WebhookFake(token=TOKEN) as fake,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
        ):
            def start(label: str):
                return serve_workers(2, folder=tmp_path, http=http, database_url=database_url,
                                     token=TOKEN, secret=SECRET, label=label,
                                     api_base_url=f"{fake.url}/bot",
                                     start_seconds=START_SECONDS)

            half = 4
            async with start("before") as workers:
                c = Cluster(fake, workers, database_url, schema, admin, http)
                sent = await patient(c, chat, SCRIPT[:half], seed=5)
                await c.idle()
            kind, question, value = SCRIPT[half]
            assert kind == CHOICE
            pressed = await c.fake.press(chat, await question_message(fake, chat, question),
                                         f"a|{question}|{value}")
            async with start("after") as workers:
                c.workers = workers
                await c.post(workers[0], pressed)
                sent.append(pressed["update_id"])
                sent += await patient(c, chat, SCRIPT[half + 1:], seed=6)
                await c.idle()
                presses = [step for step in SCRIPT[half:] if step[0] == CHOICE]
                queries = [call["callback_query_id"]
                           for call in fake.calls_to("answerCallbackQuery")]
                assert pressed["callback_query"]["id"] in queries, (
                    f"the first press after the restart was not answered\n{c.worker_logs()}")
                assert len(fake.answered_callbacks) >= len(presses)
                state = await check_exactly_once(c, chat, sent)
                check_in_order(c, chat, state, SCRIPT)
            assert fake.internal_errors == []
    finally:
        await admin.close()


async def closed(worker: Worker) -> None:
    """Once the worker's port refuses connections (a stopping worker closes it first)."""
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", worker.port)
        except OSError:
            return
        writer.close()
        await asyncio.sleep(0.05)


async def test_a_press_reaching_the_new_worker_while_the_stopping_one_holds_its_chat(tmp_path):
    """A rolling restart: worker 1 gets SIGTERM while it applies a press of the chat (its edit
    held up at Telegram, so it holds the chat's lease), and the patient's next press reaches
    worker 2 meanwhile. Worker 1 finishes its update and exits cleanly, and the next press is
    answered (the spinner stops) and applied once, by whichever worker gets the chat."""
    chat = 9_400_002
    async with cluster(tmp_path) as c:
        stopping, new = c.workers
        half = 4
        sent = await patient(c, chat, SCRIPT[:half], seed=8)
        await c.idle()
        kind, question, value = SCRIPT[half]
        assert kind == CHOICE
        message_id = await question_message(c.fake, chat, question)
        editing, release = asyncio.Event(), asyncio.Event()
        edit = c.fake._methods["editmessagetext"][1]

        async def held_edit(params: dict[str, Any]) -> Any:
            if params.get("chat_id") == chat:
                editing.set()
                await release.wait()
            return edit(params)

        c.fake.register_method("editMessageText", held_edit)
        first = await c.fake.press(chat, message_id, f"a|{question}|{value}")
        await c.post(stopping, first)
        await asyncio.wait_for(editing.wait(), IDLE_SECONDS)
        stopping.process.send_signal(signal.SIGTERM)
        # Pressed again on the message the patient still sees (its edit has not come).
        second = await c.fake.press(chat, message_id, f"a|{question}|{value}")
        await c.post(new, second)
        # Its server stopped: the update it holds is now its shutdown drain's to finish.
        await asyncio.wait_for(closed(stopping), 40)
        release.set()
        assert await asyncio.wait_for(stopping.process.wait(), 40) == 0, c.worker_logs()
        c.workers = [new]
        await c.idle()
        for pressed in (first, second):
            assert pressed["callback_query"]["id"] in c.fake.answered_callbacks, (
                f"update {pressed['update_id']} not answered\n{c.worker_logs()}")
        await check_exactly_once(c, chat, [*sent, first["update_id"], second["update_id"]])


# Telegram refuses an answer to a button press that comes some seconds late (its limit is not
# documented); the fake refuses one later than this.
QUERY_LIFETIME_SECONDS = 8.0


async def test_a_press_left_by_a_killed_worker_is_answered_before_its_query_expires(tmp_path):
    """Worker 1 is killed (SIGKILL, as a crash or an OOM kill does) while it answers a press: the
    press is applied and stored, its answer never reached Telegram. With no further update from
    the patient, worker 2 takes the chat over at once (nobody holds it) and answers the press,
    showing the question again, while Telegram still takes the answer; the button stops
    spinning. (Issue 12: the sweep took only updates stored 10 s before, so the answer came
    10-15 s after the press and Telegram refused it: to the patient, never answered.)"""
    chat = 9_400_003
    async with cluster(tmp_path) as c:
        killed, survivor = c.workers
        sent = await patient(c, chat, SCRIPT[:4], seed=9)
        await c.idle()
        kind, question, value = SCRIPT[4]
        assert kind == CHOICE
        message_id = await question_message(c.fake, chat, question)
        answering, never = asyncio.Event(), asyncio.Event()
        answer = c.fake._methods["answercallbackquery"][1]

        async def held_answer(params: dict[str, Any]) -> Any:
            if not answering.is_set():  # worker 1's answer: it dies waiting for Telegram
                answering.set()
                await never.wait()
            return answer(params)

        c.fake.register_method("answerCallbackQuery", held_answer)
        c.fake.callback_query_lifetime = QUERY_LIFETIME_SECONDS
        pressed = await c.fake.press(chat, message_id, f"a|{question}|{value}")
        await c.post(killed, pressed)
        await asyncio.wait_for(answering.wait(), IDLE_SECONDS)
        killed.process.kill()
        await killed.process.wait()
        c.workers = [survivor]
        await c.idle(timeout=IDLE_SECONDS + 15)
        query = pressed["callback_query"]["id"]
        assert query not in c.fake.expired_callbacks, (
            f"the press was answered only after Telegram gave up on it\n{c.worker_logs()}")
        assert query in c.fake.answered_callbacks, c.worker_logs()
        # Applied once, by worker 1; worker 2 only showed the question again.
        assert await c.processed_ids(chat) == sorted({*sent, pressed["update_id"]})
        never.set()
