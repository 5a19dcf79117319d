"""Both long-running commands send reminders: `massage-bot polling` and `massage-bot serve`, as
processes against the fake Bot API, each send a reminder stored before they started whose time
has passed, once, and delete it. (When reminders are due is tested on a moved clock in
test_telegram_reminders and test_reminders_multiworker; here only the wiring.)"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.store import open_store
from tests.fakes import FakeTelegramAPI
from tests.test_telegram_run import polling_env
from tests.test_telegram_support import TOKEN
from tests.test_web_serve import SECRET, environment, free_port, serve, stop, wait_until_up

CHAT = 6001


async def _store_a_due_reminder(database: Path) -> None:
    store = open_store(f"sqlite:///{database}")
    await store.open()
    try:
        due = datetime.now(UTC) - timedelta(hours=1)
        assert await store.add_reminder(CHAT, CHAT, "date", "es", due)
    finally:
        await store.close()


def _left(database: Path) -> int:
    with sqlite3.connect(database) as db:
        return db.execute("SELECT count(*) FROM reminders").fetchone()[0]


async def _received(fake: FakeTelegramAPI) -> None:
    sent = await fake.wait_for_bot(CHAT, timeout=60)
    assert sent.text.startswith("Aquí tiene el recordatorio que pidió.")
    assert sent.buttons == [("Volver a calcular mi estimación", "m|r")]


async def test_polling_sends_the_reminders_due(tmp_path):
    database = tmp_path / "bot.db"
    await _store_a_due_reminder(database)
    async with FakeTelegramAPI(token=TOKEN) as fake:
        fake.add_chat(CHAT)  # known before the process starts, which may send at once
        env = polling_env(fake, database)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "polling", cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await _received(fake)
            await fake.wait_idle()
        finally:
            code, err = await stop(process)
    assert code == 0, err
    assert len(fake.messages(CHAT)) == 1
    assert _left(database) == 0


async def test_serve_sends_the_reminders_due(tmp_path):
    port = free_port()
    database = tmp_path / "serve.sqlite3"  # the one `environment` names
    await _store_a_due_reminder(database)
    async with FakeTelegramAPI(token=TOKEN) as fake:
        fake.add_chat(CHAT)  # known before the process starts, which may send at once
        env = environment(tmp_path, port, TELEGRAM_BOT_TOKEN=TOKEN,
                          TELEGRAM_API_BASE_URL=f"{fake.url}/bot", WEBHOOK_SECRET=SECRET)
        process = await serve(tmp_path, env)
        try:
            async with aiohttp.ClientSession() as http:
                await wait_until_up(http, f"http://127.0.0.1:{port}", process)
            await _received(fake)
        finally:
            code, err = await stop(process)
    assert code == 0, err
    assert len(fake.messages(CHAT)) == 1
    assert _left(database) == 0
