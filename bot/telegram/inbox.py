"""The webhook's inbox: a private chat's update is stored before Telegram gets its 200, then
applied by whichever process holds the chat, lowest update_id first.

Telegram sends a chat's next update only once the previous one was answered (its webhook
delivery as grammY's guide describes it: https://grammy.dev/guide/deployment-types), and
update ids grow with every update (the Bot API's `Update.update_id`: "increase sequentially
... to restore the correct update sequence, should they get out of order"). So an update stored
before its answer is in the database when the chat's next one arrives, at whichever worker,
and the worker holding the chat's lease (`Store.lease`) applies every stored update of that
chat in update_id order: a chat's updates are applied in the order Telegram sent them, across
processes. An update delivered again is stored once (`Store.enqueue`), and one accepted by a
process that died before applying it is applied by another process's sweep. One whose store
section failed stays stored (`Applying.kept`: the patient is told nothing, since it will be
applied) and the sweep applies it once the store answers again.

Updates without a private chat (group messages, inline buttons) go straight to the handlers:
nothing of theirs is stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from telegram import Update
from telegram.constants import ChatType

from ..logs import log_failure
from ..store import Store, StoreError, StoreUnavailable

log = logging.getLogger(__name__)

# Every this often, each process looks for updates stored longer than LEFT_BEHIND ago whose chat
# no process holds, and applies them: normally an update is applied within milliseconds of being
# stored. A press left behind must be answered within the seconds Telegram waits for the answer
# (then the button stops spinning, the answer refused): both are short for that.
SWEEP_EVERY_SECONDS = 2.0
LEFT_BEHIND = timedelta(seconds=2)

Accepted = Literal["stored", "repeated", "direct"]


@dataclass
class Applying:
    """A stored update being applied. The handlers set `kept` when the store failed under it:
    it stays stored, and is applied again once the store answers (by the sweep)."""

    update_id: int
    kept: bool = False


_applying: ContextVar[Applying | None] = ContextVar("applying_stored_update", default=None)


def applying() -> Applying | None:
    """The stored update this task is applying (None: an update straight from Telegram, which
    nobody applies again if it fails)."""
    return _applying.get()


class Inbox:
    """Stores the updates of private chats and applies them in order, through `application`."""

    def __init__(self, application: Any, store: Store, metrics: Any = None) -> None:
        self.application = application
        self.store = store
        self.metrics = metrics
        self._draining: dict[int, asyncio.Task[None]] = {}  # chat id -> its drain, here
        self._again: set[int] = set()  # chats woken while their drain was finishing

    @property
    def in_flight(self) -> int:
        return len(self._draining)

    async def accept(self, update: Update, data: dict[str, Any]) -> Accepted:
        """Store the update and start applying its chat's updates: "stored", or "repeated"
        when it was stored or applied before, or "direct" when it has no private chat (the
        caller runs it itself). Raises StoreUnavailable when the store cannot take it."""
        chat = update.effective_chat
        if chat is None or chat.type != ChatType.PRIVATE:
            return "direct"
        stored = await self.store.enqueue(chat.id, update.update_id, data)
        # Woken even when repeated: the process that stored it first may have died since.
        self.wake(chat.id)
        return "stored" if stored else "repeated"

    def wake(self, chat_id: int) -> None:
        """Apply the chat's stored updates, in a task of its own unless one is running."""
        if chat_id in self._draining:
            self._again.add(chat_id)
            return
        self._draining[chat_id] = asyncio.create_task(self._drain(chat_id), name="inbox-drain")

    async def _drain(self, chat_id: int) -> None:
        try:
            while True:
                self._again.discard(chat_id)
                more = await self._apply_next(chat_id)
                if not more and chat_id not in self._again:
                    break
        except StoreError as error:
            # Left in the store: the sweep applies them once the store answers again.
            log.warning("stored updates not applied yet: %s", type(error).__name__)
        except Exception as error:  # a bug: say so, and let the sweep try again
            if self.metrics is not None:
                self.metrics.error("webhook")
            log_failure(log, "applying stored updates failed", error)
        finally:
            # No await between the last look at _again and this: a wake() in between is
            # either seen above or starts a new drain.
            del self._draining[chat_id]

    async def _apply_next(self, chat_id: int) -> bool:
        """Apply the chat's lowest stored update, holding its lease; True if more are stored.

        One update per lease: a chat whose patient answers faster than the bot goes to the
        back of the queue for its next one, instead of keeping a connection from the others.
        """
        async with self.store.lease(chat_id):
            stored = await self.store.next_stored(chat_id)
            if stored is None:
                return False
            update_id, data = stored
            if data is None:
                log.warning("dropped a stored update the configured keys cannot read")
            else:
                current = Applying(update_id)
                token = _applying.set(current)
                try:
                    await self._apply(data)
                finally:
                    _applying.reset(token)
                if current.kept:  # not applied: left stored, for the sweep
                    raise StoreUnavailable("the store failed while applying a stored update")
            return await self.store.next_stored(chat_id, done=update_id) is not None

    async def _apply(self, data: dict[str, Any]) -> None:
        start = time.perf_counter()
        try:
            # Handlers run in this task, inside the lease (PTB awaits blocking handlers), and
            # their errors go to the Application's error handlers.
            await self.application.process_update(Update.de_json(data, self.application.bot))
        except Exception as error:
            if self.metrics is not None:
                self.metrics.error("webhook")
            log_failure(log, "a stored update failed", error)
        finally:
            if self.metrics is not None:
                self.metrics.update_seconds.observe(time.perf_counter() - start)

    async def sweep_forever(self) -> None:
        """Apply updates left behind (their process died, or the store was down), until
        cancelled: at once, then every SWEEP_EVERY_SECONDS."""
        while True:
            try:
                left = await self.store.waiting_chats(LEFT_BEHIND)
                if left:
                    # Normal only after a worker died or the store was down: worth a look.
                    log.warning("applying the stored updates of %d chat(s) left behind", len(left))
                for chat_id in left:
                    self.wake(chat_id)
            except StoreError as error:
                log.warning("inbox sweep skipped: %s", type(error).__name__)
            await asyncio.sleep(SWEEP_EVERY_SECONDS)

    async def finish(self, timeout: float) -> None:
        """Wait for the drains running here (at most `timeout` s, then cancel them: what they
        did not apply stays stored, for the next process)."""
        tasks = set(self._draining.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
