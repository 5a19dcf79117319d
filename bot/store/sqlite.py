"""SQLite backend (aiosqlite): for one machine, a demo, or tests.

Every transaction is `BEGIN IMMEDIATE`, which takes SQLite's single write lock at
once, so a chat section is exclusive against every other process using the same
file; a process that finds it taken waits up to LOCK_WAIT_SECONDS (the busy
timeout). WAL mode keeps readers out of the writers' way. The store uses one
connection, so inside one process transactions also run one at a time: chats do
not proceed in parallel here, which is fine at this scale.

A lease (`store.lease(chat_id)`) is held inside this process only: SQLite is for one
bot process; several processes need PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext, suppress
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from .base import (
    LOCK_WAIT_SECONDS,
    PROCESSED_UPDATES_TTL,
    BaseSession,
    ChatRecord,
    Lease,
    Reminder,
    StoreBase,
    StoreUnavailable,
    load_migrations,
    locked,
)
from .crypto import StateCodec

log = logging.getLogger(__name__)

# Primary result codes that mean "the database is not usable right now" rather
# than a bug in a query: busy/locked, out of memory, read-only, I/O, corrupt, full,
# cannot open, lock protocol, not a database.
_OUTAGE_CODES = {5, 6, 7, 8, 10, 11, 13, 14, 15, 26}
# Of those, the ones after which the connection itself is suspect: reopen it.
_REOPEN_CODES = {8, 10, 11, 14, 26}


class SQLiteStore(StoreBase):
    def __init__(self, path: str, codec: StateCodec) -> None:
        super().__init__()
        self._path = path
        self._codec = codec
        self._db: aiosqlite.Connection | None = None
        self._reopen = False
        # One connection can hold one transaction: this lock hands it out.
        self._tx_lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------

    async def open(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")
        self._opened = True  # lets a failed open() simply be retried
        async with self._transaction() as db:
            self.applied_migrations = await self._migrate(db)
        for name in self.applied_migrations:
            log.info("applied SQLite migration %s", name)

    async def close(self) -> None:
        self._closed = True
        async with self._tx_lock:
            if self._db is not None:
                with suppress(sqlite3.Error):
                    await self._db.close()
                self._db = None

    async def ping(self) -> bool:
        if self._closed or not self._opened:
            return False
        try:
            async with asyncio.timeout(5), self._tx_lock:
                db = await self._connection()
                with self._translate():
                    await db.execute_fetchall("SELECT 1 FROM schema_version LIMIT 1")
            return True
        except (StoreUnavailable, TimeoutError, sqlite3.Error):
            return False

    # -- chat sections -----------------------------------------------------------

    @asynccontextmanager
    async def chat(self, chat_id: int) -> AsyncIterator[_Session]:
        self._check_usable()
        self._guard.refuse_nesting()
        leased = self._lease_for(chat_id) is not None  # then this task holds the chat already
        async with (
            nullcontext() if leased else self._chat_locks.hold(chat_id, LOCK_WAIT_SECONDS),
            self._transaction() as db,
        ):
            with self._translate():
                rows = list(await db.execute_fetchall(
                    "SELECT user_id, state, language, updated_at FROM chats WHERE chat_id = ?",
                    (chat_id,),
                ))
            record = None
            if rows:
                user_id, stored, language, updated_at = rows[0]
                record = ChatRecord(
                    chat_id, user_id, self._codec.decode(stored, chat_id), language,
                    datetime.fromtimestamp(updated_at, UTC),
                )
            session = _Session(self, db, chat_id, record)
            self._guard.enter(session)
            try:
                yield session
            finally:
                self._guard.leave(session)

    @asynccontextmanager
    async def _hold(self, chat_id: int) -> AsyncIterator[Lease]:
        yield Lease(chat_id)  # the per-chat lock of this process is all there is to hold

    # -- the inbox ---------------------------------------------------------------

    async def enqueue(self, chat_id: int, update_id: int, update: dict[str, Any]) -> bool:
        async with self._transaction() as db:
            with self._translate():
                cursor = await db.execute(
                    "INSERT INTO inbox (chat_id, update_id, payload, received_at) "
                    "SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM processed_updates "
                    "WHERE chat_id = ? AND update_id = ?) ON CONFLICT DO NOTHING",
                    (chat_id, update_id, self._codec.encode(update), time.time(),
                     chat_id, update_id),
                )
        return cursor.rowcount == 1

    async def next_stored(
        self, chat_id: int, done: int | None = None
    ) -> tuple[int, dict[str, Any] | None] | None:
        async with self._transaction() as db:
            with self._translate():
                if done is not None:
                    await db.execute(
                        "DELETE FROM inbox WHERE chat_id = ? AND update_id = ?", (chat_id, done)
                    )
                rows = list(await db.execute_fetchall(
                    "SELECT update_id, payload FROM inbox WHERE chat_id = ? "
                    "ORDER BY update_id LIMIT 1",
                    (chat_id,),
                ))
        return None if not rows else (rows[0][0], self._readable(rows[0][1], chat_id))

    async def waiting_chats(self, older_than: timedelta) -> list[int]:
        async with self._transaction() as db:
            with self._translate():
                rows = await db.execute_fetchall(
                    "SELECT DISTINCT chat_id FROM inbox WHERE received_at < ?",
                    (time.time() - older_than.total_seconds(),),
                )
        return [row[0] for row in rows]

    # -- reminders -----------------------------------------------------------------

    async def add_reminder(
        self, chat_id: int, user_id: int | None, kind: str, language: str, due_at: datetime
    ) -> bool:
        async with self._joined_or_new() as db:
            with self._translate():
                cursor = await db.execute(
                    "INSERT INTO reminders (chat_id, user_id, kind, language, due_at, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (chat_id, user_id, kind, language, due_at.timestamp(), time.time()),
                )
        return cursor.rowcount == 1

    async def reminders(self, chat_id: int) -> list[Reminder]:
        async with self._joined_or_new() as db:
            with self._translate():
                rows = await db.execute_fetchall(
                    f"SELECT {_REMINDER} FROM reminders WHERE chat_id = ? ORDER BY due_at, id",
                    (chat_id,),
                )
        return [_reminder(row) for row in rows]

    async def cancel_reminder(self, chat_id: int, reminder_id: int) -> bool:
        async with self._joined_or_new() as db:
            with self._translate():
                cursor = await db.execute(
                    "DELETE FROM reminders WHERE chat_id = ? AND id = ?", (chat_id, reminder_id)
                )
        return cursor.rowcount == 1

    async def claim_reminders(
        self, now: datetime, claimer: str, hold: timedelta, limit: int
    ) -> list[Reminder]:
        # One BEGIN IMMEDIATE transaction: the select and the update are one atomic claim.
        at = now.timestamp()
        async with self._joined_or_new() as db:
            with self._translate():
                rows = list(await db.execute_fetchall(
                    f"SELECT {_REMINDER} FROM reminders WHERE due_at <= ? AND "
                    "(claimed_until IS NULL OR claimed_until <= ?) ORDER BY due_at, id LIMIT ?",
                    (at, at, limit),
                ))
                await db.executemany(
                    "UPDATE reminders SET claimed_by = ?, claimed_until = ? WHERE id = ?",
                    [(claimer, at + hold.total_seconds(), row[0]) for row in rows],
                )
        return [_reminder(row) for row in rows]

    async def reminder_claimed(self, reminder_id: int, claimer: str) -> bool:
        async with self._joined_or_new() as db:
            with self._translate():
                rows = await db.execute_fetchall(
                    "SELECT 1 FROM reminders WHERE id = ? AND claimed_by = ?",
                    (reminder_id, claimer),
                )
        return bool(rows)

    async def finish_reminder(self, reminder_id: int, claimer: str) -> bool:
        async with self._joined_or_new() as db:
            with self._translate():
                cursor = await db.execute(
                    "DELETE FROM reminders WHERE id = ? AND claimed_by = ?", (reminder_id, claimer)
                )
        return cursor.rowcount == 1

    # -- store-wide operations ---------------------------------------------------

    async def forget_user(self, user_id: int) -> int:
        # chat_id = user_id too: a private chat's id is the user's id, so that chat
        # is about them even if it was saved without a user id.
        async with self._joined_or_new() as db:
            with self._translate():
                gone = await db.execute_fetchall(
                    "SELECT chat_id FROM chats WHERE user_id = ? OR chat_id = ?",
                    (user_id, user_id),
                )
                updates = await db.execute(
                    "DELETE FROM processed_updates WHERE chat_id = ? OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = ?)",
                    (user_id, user_id),
                )
                await db.execute(
                    "DELETE FROM inbox WHERE chat_id = ? OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = ?)",
                    (user_id, user_id),
                )
                reminders = await db.execute(
                    "DELETE FROM reminders WHERE user_id = ? OR chat_id = ? OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE user_id = ?)",
                    (user_id, user_id, user_id),
                )
                chats = await db.execute(
                    "DELETE FROM chats WHERE user_id = ? OR chat_id = ?", (user_id, user_id)
                )
        self._forget_in_current_section({row[0] for row in gone})
        return updates.rowcount + reminders.rowcount + chats.rowcount

    async def purge_inactive(self, older_than: timedelta) -> int:
        now = time.time()
        idle_since = now - older_than.total_seconds()
        async with self._joined_or_new() as db:
            with self._translate():
                await db.execute(
                    "DELETE FROM processed_updates WHERE at < ? OR chat_id IN "
                    "(SELECT chat_id FROM chats WHERE updated_at < ?)",
                    (now - PROCESSED_UPDATES_TTL.total_seconds(), idle_since),
                )
                # Updates nobody could apply for that long are as stale as idle chats.
                await db.execute("DELETE FROM inbox WHERE received_at < ?", (idle_since,))
                # A reminder outlives its chat's answers until it is sent; one that could not be
                # sent for that long after it was due never will be.
                await db.execute("DELETE FROM reminders WHERE due_at < ?", (idle_since,))
                chats = await db.execute("DELETE FROM chats WHERE updated_at < ?", (idle_since,))
        return chats.rowcount

    async def rotate(self, batch_size: int = 500) -> int:
        if not self._codec.encrypts:
            raise RuntimeError("rotate() needs an encryption key")
        rotated, after = 0, None
        while True:
            # One batch per transaction, so sections are not held up for long.
            async with self._joined_or_new() as db:
                with self._translate():
                    rows = await db.execute_fetchall(
                        "SELECT chat_id, state FROM chats WHERE state IS NOT NULL "
                        "AND (? IS NULL OR chat_id > ?) ORDER BY chat_id LIMIT ?",
                        (after, after, batch_size),
                    )
                    for chat_id, stored in rows:
                        cursor = await db.execute(
                            "UPDATE chats SET state = ? WHERE chat_id = ? AND state = ?",
                            (self._codec.rotated(stored, chat_id), chat_id, stored),
                        )
                        rotated += cursor.rowcount
            if len(rows) < batch_size:
                log.info("re-encrypted %d chat states with the first key", rotated)
                return rotated
            after = rows[-1][0]

    # -- plumbing ----------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with locked(self._tx_lock, LOCK_WAIT_SECONDS, "the SQLite connection"):
            db = await self._connection()
            try:
                with self._translate():
                    await _retry_busy(lambda: db.execute("BEGIN IMMEDIATE"))
                yield db
                with self._translate():
                    await db.commit()
            except BaseException:
                await self._rollback(db)
                raise

    async def _rollback(self, db: aiosqlite.Connection) -> None:
        # Shielded: a cancelled task must still leave the shared connection clean
        # (aiosqlite runs calls in order, so this also follows a BEGIN still queued).
        try:
            await asyncio.shield(db.rollback())
        except Exception:
            self._reopen = True

    async def _connection(self) -> aiosqlite.Connection:
        """The store's connection, (re)opened if needed. Caller holds _tx_lock."""
        self._check_usable()
        if self._db is not None and not self._reopen:
            return self._db
        if self._db is not None:
            with suppress(Exception):
                await self._db.close()
            self._db = None
        with self._translate():
            # isolation_level=None: we issue BEGIN/COMMIT ourselves.
            db = await aiosqlite.connect(
                self._path, timeout=LOCK_WAIT_SECONDS, isolation_level=None
            )
            try:
                await _retry_busy(lambda: db.execute("PRAGMA journal_mode=WAL"))
            except BaseException:
                await db.close()
                raise
        self._db, self._reopen = db, False
        return db

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", None)
            primary = code & 0xFF if code is not None else None
            if primary not in _OUTAGE_CODES:
                raise
            if primary in _REOPEN_CODES:
                self._reopen = True
            raise StoreUnavailable(f"SQLite database unavailable: {exc}") from exc

    async def _migrate(self, db: aiosqlite.Connection) -> list[str]:
        # Runs inside one BEGIN IMMEDIATE transaction: two processes starting at
        # once apply each migration once, and a failed one leaves nothing behind.
        with self._translate():
            await db.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
            )
            rows = await db.execute_fetchall("SELECT version FROM schema_version")
            done = {row[0] for row in rows}
            applied = []
            for version, name, sql in load_migrations("sqlite"):
                if version in done:
                    continue
                # Not executescript(): it would COMMIT the surrounding transaction.
                for statement in _statements(sql):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, time.time()),
                )
                applied.append(name)
        return applied


class _Session(BaseSession):
    def __init__(self, store: SQLiteStore, db, chat_id, record) -> None:
        super().__init__(db, chat_id, record)
        self._store = store

    async def _seen(self, update_id: int) -> bool:
        with self._store._translate():
            rows = await self.conn.execute_fetchall(
                "SELECT 1 FROM processed_updates WHERE chat_id = ? AND update_id = ?",
                (self.chat_id, update_id),
            )
        return bool(rows)

    async def _save(self, user_id, state, language, update_id) -> None:
        stored = self._store._codec.encode(state)
        now = time.time()
        with self._store._translate():
            await self.conn.execute(
                "INSERT INTO chats (chat_id, user_id, state, language, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (chat_id) DO UPDATE SET "
                "user_id = excluded.user_id, state = excluded.state, "
                "language = excluded.language, updated_at = excluded.updated_at",
                (self.chat_id, user_id, stored, language, now),
            )
            if update_id is not None:
                await self.conn.execute(
                    "INSERT INTO processed_updates (chat_id, update_id, at) VALUES (?, ?, ?) "
                    "ON CONFLICT DO NOTHING",
                    (self.chat_id, update_id, now),
                )
            # Opportunistic pruning of this chat's old ids: cheap (primary key range).
            await self.conn.execute(
                "DELETE FROM processed_updates WHERE chat_id = ? AND at < ?",
                (self.chat_id, now - PROCESSED_UPDATES_TTL.total_seconds()),
            )
        self.record = ChatRecord(
            self.chat_id, user_id, state, language, datetime.fromtimestamp(now, UTC)
        )


_REMINDER = "id, chat_id, user_id, kind, language, due_at"


def _reminder(row: Any) -> Reminder:
    id_, chat_id, user_id, kind, language, due_at = row
    return Reminder(id_, chat_id, user_id, kind, language, datetime.fromtimestamp(due_at, UTC))


async def _retry_busy(action):
    """Run `action`, retrying SQLITE_BUSY until the lock wait is used up.

    The busy timeout covers ordinary waits, but SQLite answers BUSY at once in a
    few corner cases, e.g. while another connection is switching a new database
    file to WAL mode; those must not surface as outages.
    """
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay = 0.005
    while True:
        try:
            return await action()
        except sqlite3.OperationalError as exc:
            busy = (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == 5
            if not busy or time.monotonic() + delay > deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)


def _statements(script: str) -> Iterator[str]:
    """Split a migration script into statements (triggers' inner ';' included)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    leftover = [ln for ln in buffer.splitlines() if ln.strip() and not ln.strip().startswith("--")]
    if leftover:
        raise ValueError("migration script ends with an incomplete statement")
