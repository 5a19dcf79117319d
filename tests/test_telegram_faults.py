"""The webhook and its inbox when PostgreSQL fails under them, end to end through
python-telegram-bot and the fake Bot API: the database reached through a TCP proxy that drops or
freezes connections (tests/fakes/db_proxy.py; the shared server is never stopped)."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.i18n import translator
from bot.telegram import inbox as inbox_module
from bot.telegram import texts
from bot.web.server import SECRET_HEADER
from tests.fakes import FakeTelegramAPI
from tests.fakes.db_proxy import DatabaseProxy
from tests.fakes.patients import question_of
from tests.fakes.workers import PG_URL, fresh_schema
from tests.test_telegram_inbox import (
    CHAT,
    SCRIPT,
    SECRET,
    TOKEN,
    Webhook,
    answer_until,
    serving,
)

UNAVAILABLE = translator("en").gettext(texts.UNAVAILABLE)
NGINX_CONF = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "massage-bot.conf"


def nginx_setting(name: str) -> int:
    """An integer setting of the recommended nginx configuration (e.g. `proxy_read_timeout`)."""
    [value] = re.findall(rf"^\s*{name}\s+(\d+)s?;", NGINX_CONF.read_text(), re.MULTILINE)
    return int(value)


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api
    assert api.internal_errors == []


@pytest.fixture
async def proxied():
    """(proxy, database URL through it): a fresh schema of the test server."""
    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc!r})")
    parts = PG_URL.split("//", 1)[1].split("/", 1)[0].rpartition("@")[2]
    host, _, port = parts.partition(":")
    try:
        async with fresh_schema(admin, PG_URL, "faults") as (_, url), \
                DatabaseProxy(host or "127.0.0.1", int(port or 5432)) as proxy:
            yield proxy, proxy.url(url)
    finally:
        await admin.close()


@pytest.fixture
def quick_sweep(monkeypatch):
    """Updates left behind are looked for at once and often (normally 10 s, every 5 s)."""
    monkeypatch.setattr(inbox_module, "LEFT_BEHIND", timedelta(0))
    monkeypatch.setattr(inbox_module, "SWEEP_EVERY_SECONDS", 0.1)


async def post(hook: Webhook, update: dict[str, Any]) -> int:
    response = await hook.client.post("/telegram", json=update, headers={SECRET_HEADER: SECRET})
    return response.status


async def settled(hook: Webhook) -> None:
    """Nothing left in the inbox, nothing being applied."""
    for _ in range(1000):
        try:
            waiting = await hook.store.waiting_chats(timedelta(0))
        except Exception:  # the store is still recovering
            waiting = [CHAT]
        if not waiting and not hook.inbox.in_flight:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("updates left in the inbox")


# The question that comes after the deductible in the order the interview asks them.
AFTER_DEDUCTIBLE = SCRIPT[[q for _, q, _ in SCRIPT].index("deductible") + 1][1]


async def answers(hook: Webhook) -> dict[str, Any]:
    async with hook.store.chat(CHAT) as session:
        return session.record.state["interview"]["answers"]


async def test_an_answer_the_database_dropped_while_saving_is_applied_once_unapologised(
    fake, tmp_path, proxied, quick_sweep
):
    """Issue 12, item 1: the database dropped while a typed answer was being saved; the patient
    was told "cannot reach my records ... try again", the stored update was applied after the
    recovery anyway, and the retyped answer then answered the next question too."""
    proxy, url = proxied
    async with serving(fake, tmp_path, database_url=url) as hook:
        await answer_until(hook, "deductible", settled)
        proxy.drop_on(b'"deductible":"1000.00"')  # the save of this very answer
        await fake.user_sends(CHAT, "1000")
        [typed] = fake.take_updates()
        assert await post(hook, typed) == 200  # stored before the drop
        await asyncio.wait_for(proxy.triggered.wait(), 30)
        # The patient, hearing nothing, types it again while the database is still down.
        await fake.user_sends(CHAT, "1000")
        [again] = fake.take_updates()
        status = await post(hook, again)
        assert status != 200 or UNAVAILABLE not in "".join(fake.bot_texts(CHAT))
        proxy.restore()
        while status != 200:  # Telegram re-sends an update that got no 2xx
            await asyncio.sleep(0.1)
            status = await post(hook, again)
        await settled(hook)
        texts_sent = fake.bot_texts(CHAT)
        assert not any(UNAVAILABLE in text for text in texts_sent), fake.transcript(CHAT)
        saved = await answers(hook)
        assert saved["deductible"] == "1000.00"
        assert AFTER_DEDUCTIBLE not in saved, fake.transcript(CHAT)
        # The retyped answer came before the next question: that question is shown again.
        assert question_of(fake.last_bot_message(CHAT)) == AFTER_DEDUCTIBLE
        note = translator("en").gettext(texts.STALE_BUTTON)
        assert note in fake.last_bot_message(CHAT).text, fake.transcript(CHAT)


async def test_a_hung_database_gets_the_webhook_its_answer_within_nginx_timeout(
    fake, tmp_path, proxied
):
    """Issue 12, item 4: a database that accepts connections and never answers held the
    webhook's answer 35 s (the 30 s command timeout, then a reconnection), past nginx's
    proxy_read_timeout, so nginx gave up on the worker and the next one hung alike. Storing
    the update is bounded: 503 (not stored: Telegram sends it again) in time for nginx to try
    every worker it may; the update sent again once the database answers is applied."""
    proxy, url = proxied
    budget = nginx_setting("proxy_read_timeout") / nginx_setting("proxy_next_upstream_tries")
    async with serving(fake, tmp_path, database_url=url) as hook:
        await fake.user_sends(CHAT, "/help")  # the pool has connections: they hang too
        await hook.deliver()
        await fake.wait_for_bot(CHAT)
        await settled(hook)
        await fake.user_sends(CHAT, "/start")
        [update] = fake.take_updates()
        proxy.hang()
        started = time.monotonic()
        status = await post(hook, update)
        assert status == 503
        assert time.monotonic() - started < budget
        proxy.restore()
        while await post(hook, update) != 200:  # Telegram sends it again
            await asyncio.sleep(0.2)
        reply = await fake.wait_for_bot(CHAT, timeout=60)
        assert "medical condition" in reply.text


async def test_an_outage_is_logged_as_error_types_without_tracebacks(tmp_path, proxied):
    """Issue 12, item 7: during an outage asyncpg's pool logs a failure every few seconds;
    docs/deploy.md promises its error type only. A `massage-bot serve` worker's own log, with
    the database gone under it."""
    import aiohttp

    from tests.fakes.workers import WebhookFake, serve_workers

    proxy, url = proxied
    token = "123456:" + "L" * 35
    async with WebhookFake(token=token) as telegram, aiohttp.ClientSession() as http, \
            serve_workers(1, folder=tmp_path, http=http, database_url=url, token=token,
                          secret=SECRET, api_base_url=f"{telegram.url}/bot",
                          start_seconds=120) as [worker]:
        proxy.drop()
        for _ in range(300):
            async with http.get(f"{worker.url}/readyz") as response:
                assert response.status == 503 or proxy.mode != "drop"
            if "asyncpg.pool" in worker.stderr():
                break
            await asyncio.sleep(0.1)
        log = worker.stderr()
    pool_lines = [line for line in log.splitlines() if " asyncpg.pool: " in line]
    assert pool_lines, log
    assert all(re.search(r" \[\w+\]$", line) for line in pool_lines), log
    assert "Traceback" not in log and 'File "' not in log, log


async def test_an_answer_saved_as_the_database_dropped_shows_its_next_question_later(
    fake, tmp_path, proxied, quick_sweep
):
    """Issue 12, item 1, the commit that went through unanswered: the answer is saved, the
    process thinks not and keeps the stored update, which is then found applied. The patient
    still needs the next question (or a retyped answer would be applied to it)."""
    proxy, url = proxied
    async with serving(fake, tmp_path, database_url=url) as hook:
        await answer_until(hook, "deductible", settled)
        proxy.drop_on(b"COMMIT", after=True)  # the commit of this answer's section
        await fake.user_sends(CHAT, "1000")
        [typed] = fake.take_updates()
        assert await post(hook, typed) == 200
        await asyncio.wait_for(proxy.triggered.wait(), 30)
        await fake.user_sends(CHAT, "1000")  # retyped while the bot says nothing
        [again] = fake.take_updates()
        status = await post(hook, again)
        proxy.restore()
        while status != 200:
            await asyncio.sleep(0.1)
            status = await post(hook, again)
        await settled(hook)
        saved = await answers(hook)
        assert saved["deductible"] == "1000.00"
        assert AFTER_DEDUCTIBLE not in saved, fake.transcript(CHAT)
        assert question_of(fake.last_bot_message(CHAT)) == AFTER_DEDUCTIBLE, fake.transcript(CHAT)
        assert not any(UNAVAILABLE in text for text in fake.bot_texts(CHAT))
