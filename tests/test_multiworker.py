"""Two `massage-bot serve` workers on one PostgreSQL database, one chat's updates spread over both.

The harness plays Telegram in webhook mode: a FakeTelegramAPI in this process (the Bot API both
workers call) and the POSTs to /telegram, each update POSTed only after the previous one of its
chat was accepted (200), without waiting for it to be processed, and some of them POSTed again
to the other worker (Telegram re-delivering).

What the app guarantees for one chat, and what these tests hold it to:

* Exactly once, across workers: every distinct update is applied once (the store's section is
  serialised by `pg_advisory_xact_lock(chat_id)` and remembers the update id in the same
  transaction), however the deliveries interleave. Checked by: the store's processed update ids
  are the ids sent; the interview state was saved once per distinct update (`telegram.seq`,
  bumped by every save of an update); the bot replied once per distinct update.
* Order: updates of a chat that reach the SAME worker are applied in arrival order (a FIFO
  per-chat lock in the process). Across workers there is no order: two updates of one chat
  that race on two workers are applied one after the other but in either order, even when the
  second was POSTed only after the first was accepted (docs/deploy.md, "how one chat stays in
  order"). So order is asserted where it is guaranteed: a chat whose updates go to one worker
  back-to-back, switching worker only once the previous updates were processed, while
  re-deliveries race on the other worker; the recorded answers must then be exactly those
  sent, in the order sent.

`test_two_workers_apply_each_update_once` is the free-for-all (alternate workers back-to-back,
retries racing their originals): exactly once only. Run `python tests/test_multiworker.py
--reorder 10` to see the ordering gap in figures.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
import pytest_asyncio

ROOT = Path(__file__).resolve().parent.parent
if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))

from bot.clinics import load_clinics  # noqa: E402
from bot.interview import Answer, step  # noqa: E402
from bot.store import open_store  # noqa: E402
from bot.web.server import SECRET_HEADER  # noqa: E402
from tests.fakes import FakeTelegramAPI  # noqa: E402

PG_URL = os.environ.get("STORE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
TOKEN = "123456:" + "W" * 35
SECRET = "multi-worker_secret"
START_SECONDS = 45.0  # both workers load the ICD-10 code set at start-up, on shared cores
IDLE_SECONDS = 20.0

# The interview one patient goes through: /start, then every question answered by typing or by
# pressing the button of the current question (a PPO plan, in network, every question asked).
TYPED = "text"
PRESS = "press"
INTERVIEW: list[tuple[str, str | None, str]] = [
    (TYPED, None, "/start"),
    (PRESS, "purpose", "medical"),
    (PRESS, "payer", "commercial"),
    (PRESS, "network", "in"),
    (TYPED, "plan_type", "PPO"),
    (PRESS, "provider", "massage_therapist"),
    (TYPED, "prescription", "yes"),
    (TYPED, "diagnosis", "M54.50"),
    (PRESS, "preauth", "not_required"),
    (PRESS, "covers_mt", "yes"),
    (TYPED, "deductible", "1000"),
    (TYPED, "deductible_met", "200"),
    (PRESS, "cost_share", "coinsurance"),
    (TYPED, "coinsurance", "20%"),
    (TYPED, "oop_max", "5000"),
    (TYPED, "oop_met", "300"),
    (TYPED, "visit_limit", "20"),
    (TYPED, "visits_used", "4"),
    (PRESS, "sessions", "12"),
    (PRESS, "minutes", "60"),
    (TYPED, "price", "160"),
    (TYPED, "cash", "90"),
    (PRESS, "account", "none"),
]
# The same interview typed from start to end: every update can be built before the bot answers
# the previous one (a button press must name the message it was pressed on).
ALL_TYPED: list[tuple[str, str | None, str]] = [
    (TYPED, question, value) for _, question, value in INTERVIEW
]


def expected(script: list[tuple[str, str | None, str]]) -> tuple[dict[str, Any], list[str],
                                                                   list[str]]:
    """(answers, history, prompts shown) of the script run through the interview engine."""
    clinics = load_clinics()
    state, shown = None, []
    for kind, _, value in script:
        if value == "/start":
            answer = Answer(kind="start")
        elif kind == PRESS:
            answer = Answer(kind="choice", value=value)
        else:
            answer = Answer(kind="text", value=value)
        state, prompt = step(state, answer, clinics, "en")
        shown.append(prompt.question_id if prompt.kind == "question" else prompt.kind)
    assert state is not None and state.finished, "the script does not finish the interview"
    return state.answers, state.history, shown


# --------------------------------------------------------------------------- the cluster


class WebhookFake(FakeTelegramAPI):
    """The fake Bot API, with the updates a user action makes handed back to be POSTed (the
    fake also queues them for getUpdates, which nobody calls here)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_update: dict[int, dict[str, Any]] = {}

    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = await super().push_update(payload)
        body = update.get("message") or update["callback_query"]["message"]
        self.last_update[body["chat"]["id"]] = update
        return update

    async def text(self, chat_id: int, text: str) -> dict[str, Any]:
        await self.user_sends(chat_id, text)
        return self.last_update[chat_id]

    async def press(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        await self.user_presses(chat_id, message_id, data)
        return self.last_update[chat_id]

    def replies(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's sendMessage and editMessageText calls to the chat, in arrival order."""
        return [call.params for call in self.calls
                if call.method.lower() in ("sendmessage", "editmessagetext")
                and call.params.get("chat_id") == chat_id]


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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Worker:
    port: int
    process: asyncio.subprocess.Process
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


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

    async def processed_count(self) -> int:
        """Updates the workers finished processing (store section and replies)."""
        total = 0
        for worker in self.workers:
            async with self.http.get(f"{worker.url}/metrics") as response:
                for line in (await response.text()).splitlines():
                    if line.startswith("massage_bot_update_seconds_count"):
                        total += int(float(line.split()[-1]))
        return total

    async def idle(self, timeout: float = IDLE_SECONDS) -> None:
        """Every accepted POST was processed."""
        deadline = time.monotonic() + timeout
        while (done := await self.processed_count()) < self.accepted:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.accepted - done} of {self.accepted} accepted "
                                     f"updates still unprocessed after {timeout:g} s")
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


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()


async def _wait_ready(http: aiohttp.ClientSession, worker: Worker, deadline: float) -> None:
    while True:
        if worker.process.returncode is not None:
            raise AssertionError(f"worker {worker.port} exited with {worker.process.returncode}:"
                                 f"\n{worker.stderr()[-3000:]}")
        with suppress(aiohttp.ClientError):
            async with http.get(f"{worker.url}/readyz") as response:
                if response.status == 200:
                    return
        if time.monotonic() > deadline:
            raise AssertionError(f"worker {worker.port} not ready in {START_SECONDS:g} s:\n"
                                 f"{worker.stderr()[-3000:]}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def cluster(folder: Path, workers: int = 2) -> AsyncIterator[Cluster]:
    """`workers` serve processes on a fresh PostgreSQL schema, talking to a fake Bot API."""
    admin = await connect_admin()
    schema = f"mw_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    # asyncpg passes unknown URL query keys to the server as settings: the workers' tables
    # are created in, and read from, this schema only.
    separator = "&" if "?" in PG_URL else "?"
    database_url = f"{PG_URL}{separator}search_path={schema}&application_name={schema}"
    processes: list[asyncio.subprocess.Process] = []
    try:
        async with WebhookFake(token=TOKEN) as fake, aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64), timeout=aiohttp.ClientTimeout(total=30)
        ) as http:
            started: list[Worker] = []
            for number in range(workers):
                port = free_port()
                env = {k: v for k, v in os.environ.items()
                       if not k.upper().startswith(("TELEGRAM_", "WEBHOOK_", "BOT_", "API_KEYS",
                                                    "DATABASE_", "CLINICS_", "DATA_ENCRYPTION"))}
                env.update(HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="WARNING",
                           DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=TOKEN,
                           WEBHOOK_SECRET=SECRET, TELEGRAM_API_BASE_URL=f"{fake.url}/bot",
                           RATE_LIMIT_UPDATES="1000000",  # simulated patients type fast
                           PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
                log = folder / f"worker-{number}.log"
                with log.open("wb") as stderr:
                    process = await asyncio.create_subprocess_exec(
                        sys.executable, "-m", "bot.cli", "serve", cwd=folder, env=env,
                        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                        stderr=stderr,
                    )
                processes.append(process)
                started.append(Worker(port, process, log))
            deadline = time.monotonic() + START_SECONDS
            for worker in started:
                await _wait_ready(http, worker, deadline)
            yield Cluster(fake, started, database_url, schema, admin, http)
            assert fake.internal_errors == []
    finally:
        await asyncio.gather(*(_stop(process) for process in processes))
        with suppress(Exception):
            await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        await admin.close()


# --------------------------------------------------------------------------- the patients


async def race(c: Cluster, chat: int, script: list[tuple[str, str | None, str]],
               retry_every: int, seed: int) -> list[int]:
    """Every update POSTed to the next worker in turn as soon as the previous one was accepted;
    every `retry_every`-th also to the other worker at the same time. Returns the ids sent."""
    rng = random.Random(seed)
    sent = []
    for number, (_, _, value) in enumerate(script):
        update = await c.fake.text(chat, value)
        sent.append(update["update_id"])
        first, other = c.workers[number % 2], c.workers[(number + 1) % 2]
        posts = [c.post(first, update)]
        if number % retry_every == retry_every - 1:
            posts.append(c.post(other, update))
            rng.shuffle(posts)  # either delivery may arrive first
        await asyncio.gather(*posts)
    return sent


def bursts(script: list[tuple[str, str | None, str]]) -> list[list[tuple[str, str | None, str]]]:
    """The script cut where a button press follows a typed answer: a press names the message
    it is pressed on, which exists only once the bot has answered the typed answer."""
    cut: list[list[tuple[str, str | None, str]]] = []
    for item in script:
        if not cut or (item[0] == PRESS and cut[-1][-1][0] == TYPED):
            cut.append([])
        cut[-1].append(item)
    return cut


def interview_message(fake: WebhookFake, chat: int, question: str) -> int:
    """The bot message whose buttons answer `question` (the newest, if several)."""
    for message in reversed(fake.messages(chat)):
        if any(data and data.split("|")[:2] == ["a", question] for _, data in message.buttons):
            return message.message_id
    raise AssertionError(f"the chat went off the script (an update lost, applied twice or out of "
                         f"order): no message with buttons for {question!r}:\n"
                         f"{fake.transcript(chat)}")


async def ordered(c: Cluster, chat: int, script: list[tuple[str, str | None, str]]) -> list[int]:
    """The script in bursts, worker A, B, A, ...: a burst's updates back-to-back to one worker
    (several in flight), the next burst once they were processed. The first update of each
    burst is also POSTed to the other worker at the same time (a retry racing its original),
    and the previous burst's updates are POSTed again to this burst's worker in between."""
    sent: list[int] = []
    previous: list[dict[str, Any]] = []
    for number, burst in enumerate(bursts(script)):
        worker, other = c.workers[number % 2], c.workers[(number + 1) % 2]
        message_id = None
        updates = []
        for position, (kind, question, value) in enumerate(burst):
            if kind == PRESS:
                if message_id is None:  # presses edit the message in place: one per burst
                    message_id = interview_message(c.fake, chat, question)
                update = await c.fake.press(chat, message_id, f"a|{question}|{value}")
            else:
                update = await c.fake.text(chat, value)
            updates.append(update)
            sent.append(update["update_id"])
            if position == 0:
                await asyncio.gather(c.post(worker, update), c.post(other, update))
            else:
                await c.post(worker, update)
            if previous:
                await c.post(worker, previous.pop())
        previous = updates
        await c.idle()
    return sent


async def check_exactly_once(c: Cluster, chat: int, sent: list[int]) -> dict[str, Any]:
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
    replies = c.fake.replies(chat)
    assert len(replies) == len(distinct), (
        f"{len(replies)} replies for {len(distinct)} distinct updates{context}")
    return state


# --------------------------------------------------------------------------- the tests

# One pair of workers for the module: starting one takes seconds (the ICD-10 code set).
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def two_workers(tmp_path_factory) -> AsyncIterator[Cluster]:
    async with cluster(tmp_path_factory.mktemp("multiworker")) as c:
        yield c


async def test_two_workers_apply_each_update_once(two_workers):
    """Two chats at once, each typing the whole interview, every update to the other worker
    than the one before, back-to-back, one in three re-delivered to both workers at once."""
    c = two_workers
    before = c.accepted
    chats = {9_100_001 + n: seed for n, seed in enumerate((11, 12))}
    sent = await asyncio.gather(*(race(c, chat, ALL_TYPED, 3, seed)
                                  for chat, seed in chats.items()))
    await c.idle()
    assert c.accepted - before > sum(map(len, sent))  # some were delivered twice
    for chat, ids in zip(chats, sent, strict=True):
        assert len(ids) == len(ALL_TYPED)
        await check_exactly_once(c, chat, ids)
    assert "Traceback" not in c.worker_logs(), c.worker_logs()


async def test_two_workers_keep_one_chats_answers_in_order(two_workers):
    """The interview, typed and pressed, over both workers with re-deliveries racing their
    originals: the recorded answers are exactly those sent, in order, each once."""
    answers, history, shown = expected(INTERVIEW)
    chat = 9_200_001
    c = two_workers
    before = c.accepted
    try:
        sent = await ordered(c, chat, INTERVIEW)
    except AssertionError as error:
        raise AssertionError(f"{error}\n{c.worker_logs()}") from None
    await c.idle()
    assert len(set(sent)) == len(INTERVIEW)
    assert c.accepted - before > len(sent)  # re-deliveries included
    state = await check_exactly_once(c, chat, sent)
    interview = state["interview"]
    assert interview["history"] == history, "answers applied out of order, lost or twice"
    assert interview["answers"] == answers
    assert interview["finished"] is True
    # The bot showed each prompt once: a duplicate would show one again, a loss one fewer.
    # (Replies of two workers may arrive in either order: compared as counts.)
    assert Counter(shown_by(reply) for reply in c.fake.replies(chat)) == Counter(shown), (
        f"{c.fake.transcript(chat)}\n{c.worker_logs()}")
    assert "Traceback" not in c.worker_logs(), c.worker_logs()


# --------------------------------------------------------------------------- the gap in figures


async def _measure_reordering(rounds: int) -> None:
    """How often a chat's typed interview, POSTed alternately back-to-back, ends in order."""
    _, history, _ = expected(ALL_TYPED)
    with tempfile.TemporaryDirectory() as folder:
        async with cluster(Path(folder)) as c:
            for mode in ("one worker", "alternate"):
                in_order = 0
                for number in range(rounds):
                    chat = 9_300_000 + number + (rounds if mode == "alternate" else 0)
                    sent = []
                    for index, (_, _, value) in enumerate(ALL_TYPED):
                        update = await c.fake.text(chat, value)
                        sent.append(update["update_id"])
                        target = 0 if mode == "one worker" else index % 2
                        await c.post(c.workers[target], update)
                    await c.idle()
                    state = await check_exactly_once(c, chat, sent)
                    in_order += state["interview"]["history"] == history
                print(f"{mode}: {in_order} of {rounds} interviews applied in order, "
                      f"all {rounds} exactly once")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=_measure_reordering.__doc__)
    parser.add_argument("--reorder", type=int, default=10, metavar="ROUNDS")
    asyncio.run(_measure_reordering(parser.parse_args().reorder))
