"""What every store backend shares: the record type, the errors, the protocol, the
per-chat in-process lock, the session bookkeeping and the migration file loader.

The store never looks inside `state`: it is whatever JSON-serialisable dict the
interview engine hands it, and it may hold health and money data, so nothing in
this package logs it or puts it into an exception message.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .crypto import StateCodec

# How long entering a chat section waits for another process holding the same
# chat before giving up with StoreUnavailable. Telegram re-sends an unanswered
# webhook anyway, so waiting longer than this only ties up a worker.
LOCK_WAIT_SECONDS = 15.0
# PostgreSQL only: a section that sits idle longer than this (a hung or frozen
# process) loses its connection, so it cannot block a chat forever.
SECTION_IDLE_SECONDS = 60.0
# Storing an incoming update (the webhook answers Telegram after it) gives up after this
# long: nginx waits 30 s for a worker and may try two, and a database that hangs instead of
# refusing would otherwise hold the answer for the 30 s command timeout and a reconnection.
STORE_UPDATE_SECONDS = 4.0
# Processed update ids are only needed while Telegram may still retry a delivery.
PROCESSED_UPDATES_TTL = timedelta(hours=24)


class StoreError(Exception):
    """Base class of the errors this package raises on purpose."""


class StoreUnavailable(StoreError):
    """The database cannot be reached or is too busy right now; nothing was lost.

    Raised for every outage (connection refused or dropped, lock wait timed out,
    disk errors). Retrying later, on the same store object, works once the database
    is back: there is no need to restart or reopen.
    """


class StateDecryptionError(StoreError):
    """A saved state cannot be read with the configured key(s)."""


@dataclass(frozen=True, slots=True)
class ChatRecord:
    chat_id: int
    user_id: int | None
    state: dict[str, Any] | None
    language: str | None
    updated_at: datetime  # timezone-aware, UTC


@dataclass(frozen=True, slots=True)
class Reminder:
    """One message a patient asked for (bot.reminders): only what sending it needs."""

    id: int
    chat_id: int
    user_id: int | None
    kind: str
    language: str
    due_at: datetime  # timezone-aware, UTC


class ChatSession(Protocol):
    record: ChatRecord | None

    async def seen(self, update_id: int) -> bool: ...

    async def save(
        self,
        *,
        user_id: int | None,
        state: dict[str, Any] | None,
        language: str | None,
        update_id: int | None,
    ) -> None: ...


class Store(Protocol):
    applied_migrations: list[str]

    async def open(self) -> None: ...
    async def close(self) -> None: ...
    def chat(self, chat_id: int) -> AbstractAsyncContextManager[ChatSession]: ...
    def lease(self, chat_id: int) -> AbstractAsyncContextManager[None]: ...
    async def enqueue(self, chat_id: int, update_id: int, update: dict[str, Any]) -> bool: ...
    async def next_stored(
        self, chat_id: int, done: int | None = None
    ) -> tuple[int, dict[str, Any] | None] | None: ...
    # Chats with an update stored more than `older_than` ago that no process holds (none is
    # applying it): left behind by a process that died, or by a store that failed.
    async def waiting_chats(self, older_than: timedelta) -> list[int]: ...
    async def forget_user(self, user_id: int) -> int: ...
    # Reminders (see bot.store.__init__): called inside a chat section, they join its transaction.
    async def add_reminder(
        self, chat_id: int, user_id: int | None, kind: str, language: str, due_at: datetime
    ) -> bool: ...
    async def reminders(self, chat_id: int) -> list[Reminder]: ...
    async def cancel_reminder(self, chat_id: int, reminder_id: int) -> bool: ...
    async def claim_reminders(
        self, now: datetime, claimer: str, hold: timedelta, limit: int
    ) -> list[Reminder]: ...
    async def reminder_claimed(self, reminder_id: int, claimer: str) -> bool: ...
    async def finish_reminder(self, reminder_id: int, claimer: str) -> bool: ...
    async def purge_inactive(self, older_than: timedelta) -> int: ...
    async def rotate(self) -> int: ...
    async def ping(self) -> bool: ...


@asynccontextmanager
async def locked(
    lock: asyncio.Lock | asyncio.Semaphore, timeout: float, what: str
) -> AsyncIterator[None]:
    """Hold an asyncio lock, but wait at most `timeout` for it.

    Bounded so that a stuck section (or a task awaiting one that waits on it)
    turns into StoreUnavailable instead of a silent hang.
    """
    try:
        async with asyncio.timeout(timeout):
            await lock.acquire()
    except TimeoutError:
        raise StoreUnavailable(f"waited more than {timeout:g} s for {what}") from None
    try:
        yield
    finally:
        lock.release()


class KeyedLocks:
    """One asyncio.Lock per chat id, dropped as soon as nobody holds or awaits it.

    asyncio.Lock hands itself over in arrival order, so updates of one chat that
    enter in order also run in order. The entry count keeps the dict from growing
    with every chat ever seen.
    """

    def __init__(self) -> None:
        self._entries: dict[int, list[Any]] = {}  # chat id -> [lock, users]

    @asynccontextmanager
    async def hold(self, key: int, timeout: float) -> AsyncIterator[None]:
        entry = self._entries.setdefault(key, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with locked(entry[0], timeout, "this chat's earlier updates"):
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._entries[key]

    def __len__(self) -> int:
        return len(self._entries)


class BaseSession:
    """The part of a chat session that does not depend on the database."""

    def __init__(self, conn: Any, chat_id: int, record: ChatRecord | None) -> None:
        self.conn = conn  # the connection holding this section's transaction
        self.chat_id = chat_id
        self.record = record
        self.closed = False

    def _check_open(self) -> None:
        if self.closed:
            raise RuntimeError("chat session used outside its `async with store.chat(...)` block")

    async def seen(self, update_id: int) -> bool:
        self._check_open()
        return await self._seen(update_id)

    async def save(
        self,
        *,
        user_id: int | None,
        state: dict[str, Any] | None,
        language: str | None,
        update_id: int | None,
    ) -> None:
        self._check_open()
        await self._save(user_id, state, language, update_id)

    async def _seen(self, update_id: int) -> bool:
        raise NotImplementedError

    async def _save(self, user_id, state, language, update_id) -> None:
        raise NotImplementedError


class SectionGuard:
    """Remembers which task is inside which chat section of one store.

    Nesting sections in one task would deadlock (the outer one holds the lock or,
    on SQLite, the only connection), so it is refused; store-wide operations called
    from inside a section run in that section's transaction instead. Keyed by task,
    not by context variable: a task started inside a section is not in it, and must
    neither share its connection nor count as nested.
    """

    def __init__(self) -> None:
        self._sections: dict[asyncio.Task[Any] | None, BaseSession] = {}

    def current(self) -> BaseSession | None:
        return self._sections.get(asyncio.current_task())

    def refuse_nesting(self) -> None:
        if self.current() is not None:
            raise RuntimeError("store.chat() sections cannot be nested")

    def enter(self, session: BaseSession) -> None:
        self._sections[asyncio.current_task()] = session

    def leave(self, session: BaseSession) -> None:
        session.closed = True
        self._sections.pop(asyncio.current_task(), None)


@dataclass(slots=True)
class Lease:
    """A chat held by one task across several sections and the sends between them."""

    chat_id: int
    conn: Any = None  # PostgreSQL: the connection holding the session-level advisory lock


class StoreBase:
    """Lifecycle and section bookkeeping shared by both backends.

    Subclasses provide `_transaction()`: an async context manager yielding a
    connection inside a transaction that commits on success, rolls back on error,
    and `_hold(chat_id)`: the cross-process part of a lease.
    """

    def __init__(self) -> None:
        self.applied_migrations: list[str] = []  # names applied by the last open()
        self._chat_locks = KeyedLocks()
        self._guard = SectionGuard()
        self._leases: dict[asyncio.Task[Any] | None, Lease] = {}
        self._codec: StateCodec  # set by each backend
        self._opened = False
        self._closed = False

    @asynccontextmanager
    async def lease(self, chat_id: int) -> AsyncIterator[None]:
        """Hold one chat, against every task and process using the database, until the block
        ends: sections of that chat opened inside it (by this task) do not wait, nobody
        else's do. A chat's updates hold it from loading the state until their replies are
        sent and recorded, so replies and button presses of one chat never interleave.

        Re-entrant within a task (an inner lease of the same chat is a no-op); holding two
        chats at once, or opening a lease inside a section, is refused (RuntimeError).
        """
        self._check_usable()
        task = asyncio.current_task()
        held = self._leases.get(task)
        if held is not None:
            if held.chat_id != chat_id:
                raise RuntimeError("a task can hold one chat's lease at a time")
            yield
            return
        self._guard.refuse_nesting()
        async with (
            self._chat_locks.hold(chat_id, LOCK_WAIT_SECONDS),
            self._hold(chat_id) as lease,
        ):
            self._leases[task] = lease
            try:
                yield
            finally:
                del self._leases[task]

    def _lease_for(self, chat_id: int) -> Lease | None:
        """This task's lease, when it is on `chat_id` (a section inside it needs no lock)."""
        lease = self._leases.get(asyncio.current_task())
        if lease is not None and lease.chat_id != chat_id:
            raise RuntimeError("a section of another chat inside a lease")
        return lease

    def _hold(self, chat_id: int) -> AbstractAsyncContextManager[Lease]:
        raise NotImplementedError

    def _readable(self, stored: str, chat_id: int) -> dict[str, Any] | None:
        """An inbox row's update, or None when the configured keys cannot read it."""
        try:
            return self._codec.decode(stored, chat_id)
        except StateDecryptionError:
            return None

    def _check_usable(self) -> None:
        if self._closed:
            raise RuntimeError("the store is closed")
        if not self._opened:
            raise RuntimeError("call `await store.open()` before using the store")

    @asynccontextmanager
    async def _joined_or_new(self) -> AsyncIterator[Any]:
        """The current section's connection (same transaction), else a new transaction.

        Lets the bot call e.g. forget_user() while handling a chat's /forget command
        without deadlocking on the lock that section already holds.
        """
        self._check_usable()
        session = self._guard.current()
        if session is not None:
            yield session.conn
        else:
            async with self._transaction() as conn:
                yield conn

    def _forget_in_current_section(self, chat_ids: set[int]) -> None:
        session = self._guard.current()
        if session is not None and session.chat_id in chat_ids:
            session.record = None  # its row is gone; keep the section's view honest

    def _transaction(self) -> AbstractAsyncContextManager[Any]:
        raise NotImplementedError

    async def __aenter__(self):
        await self.open()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    async def open(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


def load_migrations(dialect: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migrations/<dialect>/NNNN_name.sql, in order."""
    folder = resources.files(__package__).joinpath("migrations", dialect)
    found = []
    for item in folder.iterdir() if folder.is_dir() else ():
        if item.name.endswith(".sql"):
            version = int(item.name.split("_", 1)[0])
            found.append((version, item.name.removesuffix(".sql"), item.read_text("utf-8")))
    if not found:
        raise RuntimeError(f"no {dialect} migrations found in {folder} (package data missing?)")
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two {dialect} migrations share a version number: {versions}")
    return found
