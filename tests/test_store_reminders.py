# ruff: noqa: F811  (the test functions take the `db` and `store` fixtures imported here)
"""Reminders in the store, on both backends (the `db` and `store` fixtures of test_store): added
once, listed, cancelled, claimed by one claimer at a time, finished, deleted by /forget and by
retention. Times are passed in: nothing here reads the clock, except retention (which, like the
rest of the purge, counts from the database's now)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.store import Reminder, open_store
from tests.test_store import _save, db, postgres_only, store  # noqa: F401  (fixtures)

DUE = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)
HOLD = timedelta(minutes=5)


async def _add(store, chat_id, due=DUE, kind="plan_year", user_id=None, language="en"):
    return await store.add_reminder(chat_id, user_id if user_id is not None else chat_id,
                                    kind, language, due)


async def test_a_reminder_is_stored_once_and_listed_in_due_order(store):
    assert await _add(store, 5, DUE + timedelta(days=30), kind="date", language="es")
    assert await _add(store, 5, DUE)
    assert not await _add(store, 5, DUE)  # the same one again: kept once
    assert await _add(store, 6, DUE)

    listed = await store.reminders(5)
    assert [(r.chat_id, r.user_id, r.kind, r.language, r.due_at) for r in listed] == [
        (5, 5, "plan_year", "en", DUE),
        (5, 5, "date", "es", DUE + timedelta(days=30)),
    ]
    assert listed[0].due_at.tzinfo is not None


async def test_a_reminder_is_cancelled_only_by_its_own_chat(store):
    await _add(store, 5)
    [reminder] = await store.reminders(5)
    assert not await store.cancel_reminder(6, reminder.id)  # another chat's id: refused
    assert await store.cancel_reminder(5, reminder.id)
    assert await store.reminders(5) == []
    assert not await store.cancel_reminder(5, reminder.id)


async def test_only_due_reminders_are_claimed_and_a_claim_excludes_others(store):
    await _add(store, 5)
    await _add(store, 6, DUE + timedelta(hours=1))

    assert await store.claim_reminders(DUE - timedelta(seconds=1), "a", HOLD, 10) == []
    claimed = await store.claim_reminders(DUE, "a", HOLD, 10)
    assert [r.chat_id for r in claimed] == [5]
    # Claimed by "a": nobody else gets it while the claim holds.
    assert await store.claim_reminders(DUE + timedelta(minutes=1), "b", HOLD, 10) == []
    assert await store.reminder_claimed(claimed[0].id, "a")
    assert not await store.reminder_claimed(claimed[0].id, "b")
    assert not await store.finish_reminder(claimed[0].id, "b")
    assert await store.finish_reminder(claimed[0].id, "a")
    assert await store.reminders(5) == []
    # Later the other one is due.
    later = await store.claim_reminders(DUE + timedelta(hours=2), "b", HOLD, 10)
    assert [r.chat_id for r in later] == [6]


async def test_a_claim_not_finished_in_time_is_taken_again(store):
    await _add(store, 5)
    [first] = await store.claim_reminders(DUE, "dead worker", HOLD, 10)
    assert await store.claim_reminders(DUE + HOLD - timedelta(seconds=1), "b", HOLD, 10) == []
    [again] = await store.claim_reminders(DUE + HOLD, "b", HOLD, 10)
    assert again.id == first.id
    assert not await store.reminder_claimed(first.id, "dead worker")
    assert not await store.finish_reminder(first.id, "dead worker")
    assert await store.finish_reminder(again.id, "b")


async def test_claims_take_at_most_the_limit_oldest_first(store):
    for chat in range(1, 6):
        await _add(store, chat, DUE - timedelta(minutes=chat))
    claimed = await store.claim_reminders(DUE, "a", HOLD, 2)
    assert [r.chat_id for r in claimed] == [5, 4]


async def test_concurrent_claimers_share_the_due_reminders_without_overlap(db):
    stores = [open_store(db.url) for _ in range(2)]
    for s in stores:
        await s.open()
    try:
        for chat in range(1, 41):
            await _add(stores[0], chat)
        rounds = await asyncio.gather(*(
            s.claim_reminders(DUE, name, HOLD, 7)
            for _ in range(4) for s, name in zip(stores, "ab", strict=True)
        ))
        ids = [r.id for claimed in rounds for r in claimed]
        assert len(ids) == len(set(ids))  # nothing claimed twice
        assert len(ids) == 40  # 8 claims of 7: everything due was claimed
    finally:
        for s in stores:
            await s.close()


async def test_forget_user_deletes_their_reminders(db, store):
    await _save(store, 100, {"a": 1}, user_id=1, update_id=1)
    await _add(store, 100, user_id=1)  # a chat of theirs
    await _add(store, 1, user_id=None)  # their private chat, saved without a user id
    await store.add_reminder(1, None, "date", "en", DUE)
    await _add(store, 200, user_id=2)

    deleted = await store.forget_user(1)

    assert deleted == 2 + 3  # the chat and its update id, three reminders
    assert [(r.chat_id, r.user_id) for r in await store.reminders(200)] == [(200, 2)]
    assert await db.fetch("SELECT chat_id FROM reminders") == [(200,)]


async def test_forget_user_inside_a_section_deletes_reminders_in_its_transaction(store):
    await _save(store, 100, {"a": 1}, user_id=1, update_id=1)
    async with asyncio.timeout(10), store.chat(100) as session:
        assert await store.add_reminder(100, 1, "date", "en", DUE)
        assert len(await store.reminders(100)) == 1  # the section's own write
        await store.forget_user(1)
        assert await store.reminders(100) == []
        assert session.record is None
    assert await store.reminders(100) == []


async def test_retention_removes_reminders_long_overdue_and_keeps_the_future_ones(db, store):
    now = datetime.now(UTC)
    await _add(store, 1, now - timedelta(days=40))  # never sent: the chat blocked the bot
    await _add(store, 2, now - timedelta(days=2))  # overdue, still to be sent
    await _add(store, 3, now + timedelta(days=200))  # the chat's answers may go; this stays
    await _save(store, 3, {"answers": "old"}, user_id=3)
    await db.age("chats", "updated_at", "chat_id = 3", days=40)

    await store.purge_inactive(timedelta(days=30))

    assert sorted(row[0] for row in await db.fetch("SELECT chat_id FROM reminders")) == [2, 3]
    assert await db.fetch("SELECT chat_id FROM chats") == []


@postgres_only
async def test_a_claim_waits_for_nobody_on_postgres(db):
    """A claimer holding rows in an open transaction does not block another one: SKIP LOCKED."""
    first, second = open_store(db.url), open_store(db.url)
    await first.open()
    await second.open()
    try:
        await _add(first, 1)
        await _add(first, 2)
        async with first.chat(1):  # a section: the claim runs in its transaction, uncommitted
            [mine] = await first.claim_reminders(DUE, "a", HOLD, 1)
            async with asyncio.timeout(5):
                theirs = await second.claim_reminders(DUE, "b", HOLD, 10)
            assert [r.id for r in theirs] != [mine.id] and len(theirs) == 1
    finally:
        await first.close()
        await second.close()


def test_a_reminder_record_holds_nothing_but_what_sending_needs():
    assert set(Reminder.__dataclass_fields__) == {
        "id", "chat_id", "user_id", "kind", "language", "due_at"}
