"""Two workers on one PostgreSQL schema send each reminder once, at its time, and none after
/forget. In-process: two real Applications (each with its own store and connection pool, as two
`massage-bot` processes have) and their reminder senders, on one clock the test moves; the
patient talks to the first by polling the fake Bot API. The system clock is never read."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store import open_store
from bot.telegram import build_application, reminder_sender
from tests.fakes.workers import postgres_schema
from tests.test_telegram_reminders import (
    CASH,
    NOW,
    OPEN,
    PLAN_YEAR,
    PLAN_YEAR_DUE,
    Clock,
    Time,
    press,
    reminders_in,
    sender,
)
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    CLINICS,
    BotUnderTest,
    fake_fixture,
    run_interview,
)


@pytest.fixture
async def database_url():
    async with postgres_schema("reminders") as url:
        yield url


@pytest.fixture
async def workers(fake, database_url):
    """(first, second): the first polls (the patient's updates), both send reminders."""
    first = BotUnderTest(fake, Path("unused.db"))
    first.database_url = database_url
    first.settings = first.settings.model_copy(update={"database_url": database_url})
    await first.start()
    second_store = open_store(database_url)
    await second_store.open()
    second = build_application(first.settings, store=second_store, clinics=CLINICS,
                               base_url=f"{fake.url}/bot", log_salt=b"test-salt")
    await second.initialize()
    try:
        yield (first.app, first.store), (second, second_store)
    finally:
        await second.shutdown()
        await second_store.close()
        await first.stop()


async def _ask_for_the_plan_year_reminder(fake, chat: int) -> None:
    await run_interview(fake, chat, CASH)
    await press(fake, chat, OPEN)
    await fake.wait_for_bot(chat, lambda m: any(d == PLAN_YEAR for _, d in m.buttons))
    await press(fake, chat, PLAN_YEAR)
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Done"))


async def test_two_workers_send_a_reminder_once_at_its_time_and_none_after_forget(fake, workers):
    (app_a, store_a), (app_b, store_b) = workers
    time = Time(NOW)
    clock_a, clock_b = Clock(time), Clock(time)
    app_a.bot_data[reminder_sender.CLOCK] = clock_a
    kept, forgotten = 4001, 4002
    await _ask_for_the_plan_year_reminder(fake, kept)
    await _ask_for_the_plan_year_reminder(fake, forgotten)
    assert [r.due_at for r in await store_b.reminders(kept)] == [PLAN_YEAR_DUE]

    await fake.user_sends(forgotten, "/forget")
    await fake.wait_for_bot(forgotten, lambda m: any(d == "f|y" for _, d in m.buttons))
    await press(fake, forgotten, "f|y")
    await fake.wait_for_bot(forgotten, lambda m: m.text.startswith("Done: everything"))

    async with sender(app_a, store_a, clock_a), sender(app_b, store_b, clock_b):
        time.now = PLAN_YEAR_DUE - timedelta(seconds=1)
        await asyncio.gather(clock_a.passes(), clock_b.passes())
        assert reminders_in(fake, kept) == []  # a second early: nothing
        time.now = PLAN_YEAR_DUE
        await fake.wait_for_bot(kept, lambda m: bool(reminders_in(fake, kept)))
        # Sent, then deleted by its sender: only then past every claim's hold (a loaded machine
        # can leave the moved clock ahead of a sender between its send and its delete).
        for _ in range(500):
            if not await store_b.reminders(kept):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("the reminder sent was not deleted")
        time.now = PLAN_YEAR_DUE + timedelta(days=2)
        await asyncio.gather(clock_a.passes(3), clock_b.passes(3))

    assert len(reminders_in(fake, kept)) == 1  # once, by one of the two
    assert reminders_in(fake, forgotten) == []  # never after /forget
    assert await store_a.reminders(kept) == []


async def test_two_workers_claiming_at_once_send_each_of_many_reminders_once(fake, workers):
    (app_a, store_a), (app_b, store_b) = workers
    chats = range(5001, 5031)
    for chat in chats:
        fake.add_chat(chat)
        assert await store_a.add_reminder(chat, chat, "date", "en", PLAN_YEAR_DUE)

    early = await asyncio.gather(
        reminder_sender.send_due(app_a.bot, store_a, PLAN_YEAR_DUE - timedelta(seconds=1), "a"),
        reminder_sender.send_due(app_b.bot, store_b, PLAN_YEAR_DUE - timedelta(seconds=1), "b"),
    )
    assert early == [0, 0]
    rounds = [
        await asyncio.gather(
            reminder_sender.send_due(app_a.bot, store_a, PLAN_YEAR_DUE, "a"),
            reminder_sender.send_due(app_b.bot, store_b, PLAN_YEAR_DUE, "b"),
        )
        for _ in range(2)
    ]
    assert sum(map(sum, rounds)) == len(chats)  # every one sent, none twice...
    assert [len(reminders_in(fake, chat)) for chat in chats] == [1] * len(chats)  # ...per chat
    assert rounds[1] == [0, 0]
    assert [await store_b.reminders(chat) for chat in chats] == [[]] * len(chats)
