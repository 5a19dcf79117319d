"""Where each chat's interview state lives between updates.

    store = open_store(settings.database_url, encryption_key=settings.encryption_key)
    await store.open()                       # connects and applies migrations
    async with store.chat(chat_id) as s:     # exclusive for this chat, across processes
        if update_id is not None and await s.seen(update_id):
            return                           # Telegram re-delivered it: already applied
        state = s.record.state if s.record else None
        ...                                  # run the interview step
        await s.save(user_id=user_id, state=new_state, language=lang, update_id=update_id)
    # leaving the block commits; an exception inside it rolls everything back
    # send the replies here, after the block

Inside the section
------------------
The chat's lock is held from entering the block until leaving it: on PostgreSQL a
pooled connection with an open transaction and an advisory lock on the chat id, on
SQLite the database's single write lock (so every chat waits). Keep the block to
load -> compute -> save; do network calls (Telegram sends, HTTP) after it. A
section idle for SECTION_IDLE_SECONDS loses its PostgreSQL connection. Waiting more
than LOCK_WAIT_SECONDS, in this process or for another one, for the chat (or for
the SQLite write lock) raises StoreUnavailable, so nothing hangs for good.

`save()` writes the state and marks the update id in the same transaction, which
commits when the block exits, so StoreUnavailable can also come from the `async
with` line itself: nothing was saved then and Telegram's retry will redo the update.
Replies sent after the block are at-most-once (a crash between commit and send
loses a reply, the retry is recognised by `seen()`); sent inside, they are
at-least-once (a failed commit means the retry answers again).

Sections do not nest (RuntimeError). `forget_user()`, `purge_inactive()` and
`rotate()` called inside a section run in its transaction, so handling a /forget
command inside the section is fine (do not save afterwards, or the chat comes
back). A task started inside a section is not part of it: if the section awaits
such a task that enters the same chat (or, on SQLite, any chat), that task fails
with StoreUnavailable after LOCK_WAIT_SECONDS.

Leases and the inbox
--------------------
`async with store.lease(chat_id):` holds the chat across several sections and the
network calls between them (the bot holds it from loading the state until its reply is
sent and recorded); sections of that chat opened inside it by the same task do not wait.
On PostgreSQL it holds across processes; SQLite is for one process. The inbox keeps
updates accepted but not yet applied: `enqueue()` stores one (False when it was stored or
applied before; on PostgreSQL it gives up after STORE_UPDATE_SECONDS, since the webhook's
answer waits for it), `next_stored(chat_id, done=...)` drops the one applied and returns the
chat's lowest stored update, `waiting_chats()` finds those left behind (bot.telegram.inbox).

Reminders
---------
Rows of what a patient asked to be reminded of (bot.reminders): `add_reminder()` (False when
the same one is stored), `reminders(chat_id)`, `cancel_reminder()`. A sender claims the due
ones (`claim_reminders(now, claimer, hold, limit)`: an atomic claim, `FOR UPDATE SKIP LOCKED`
on PostgreSQL, inside the single write lock on SQLite), checks its claim still holds inside
the chat's lease (`reminder_claimed()`: /forget may have deleted it), sends, then deletes it
(`finish_reminder()`). A claim not finished within `hold` (its process died) is taken again.
These join a chat section's transaction when called inside one. `forget_user()` deletes a
user's reminders; `purge_inactive()` those due longer ago than the retention period.

Backends: SQLite (`sqlite:///path/to/file.db`, `sqlite:///:memory:`) and PostgreSQL
(`postgresql://...` or `postgres://...`). Outages surface as StoreUnavailable only.
Encryption at rest and key rotation: see bot.store.crypto.
"""

from __future__ import annotations

from .base import (
    LOCK_WAIT_SECONDS,
    PROCESSED_UPDATES_TTL,
    SECTION_IDLE_SECONDS,
    ChatRecord,
    ChatSession,
    Reminder,
    StateDecryptionError,
    Store,
    StoreError,
    StoreUnavailable,
)
from .crypto import StateCodec

ACCEPTED_URLS = (
    "sqlite:///relative/file.db, sqlite:////absolute/file.db, sqlite:///:memory:, "
    "postgresql://user:password@host:port/dbname (or postgres://...)"
)


def open_store(database_url: str, *, encryption_key: str | None = None) -> Store:
    """A store for that URL, not yet connected: call `await store.open()`.

    Raises ValueError for an unsupported URL or a malformed encryption key.
    """
    codec = StateCodec(encryption_key)
    if database_url.startswith("sqlite:///") and len(database_url) > len("sqlite:///"):
        from .sqlite import SQLiteStore

        return SQLiteStore(database_url.removeprefix("sqlite:///"), codec)
    if database_url.startswith(("postgresql://", "postgres://")):
        from .postgres import PostgresStore

        return PostgresStore(database_url, codec)
    # Only the scheme is echoed: the rest of a URL may carry a password.
    scheme = database_url.split("://", 1)[0] if "://" in database_url else "(none)"
    raise ValueError(f"unsupported database URL (scheme {scheme!r}); accepted: {ACCEPTED_URLS}")


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; the names of those applied now (empty if up to date)."""
    store = open_store(database_url)
    await store.open()
    try:
        return list(store.applied_migrations)
    finally:
        await store.close()


__all__ = [
    "LOCK_WAIT_SECONDS", "PROCESSED_UPDATES_TTL", "SECTION_IDLE_SECONDS", "ChatRecord",
    "ChatSession", "Reminder", "StateDecryptionError", "Store", "StoreError", "StoreUnavailable",
    "migrate", "open_store",
]
