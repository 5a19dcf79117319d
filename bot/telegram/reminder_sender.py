"""Sends the reminders patients asked for (bot.telegram.reminders), once each, from any number
of workers: both `massage-bot serve` and `massage-bot polling` run `send_reminders_forever`.

Every CHECK_EVERY_SECONDS a worker claims the reminders due (`Store.claim_reminders`: an atomic
claim, so two workers never take the same row), then, for each, holds its chat's lease, checks
the claim still holds (a /forget or a cancel in /reminders, which run under the same lease,
deleted it), sends it, and deletes it. A worker that dies with a claim leaves it to be taken
again once CLAIM_HOLD has passed; the only way a reminder goes out twice is a worker dying in
the moment between Telegram's answer and the delete. A send Telegram refuses for good (the
patient blocked the bot) or that timed out (it may have gone through) is not tried again;
Telegram being down is (after CLAIM_HOLD).

The clock is read from the Application's bot_data (`CLOCK`, default the system's UTC time), so
tests move it instead of waiting: the handlers that compute a reminder's day read it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, TelegramError, TimedOut

from .. import reminders as rules
from ..i18n import SUPPORTED, translator
from ..logs import log_failure
from ..store import Reminder, Store, StoreError
from . import keyboards, texts
from . import reminder_texts as rt

log = logging.getLogger(__name__)

CLOCK = "reminder_clock"  # bot_data key: a function returning the current aware datetime
CHECK_EVERY_SECONDS = 30.0
CLAIM_HOLD = timedelta(minutes=5)
BATCH = 50


def utc_now() -> datetime:
    return datetime.now(UTC)


def clock_of(bot_data: MutableMapping[Any, Any]) -> Callable[[], datetime]:
    clock: Callable[[], datetime] = bot_data.get(CLOCK, utc_now)
    return clock


def message_for(reminder: Reminder) -> tuple[str, dict[str, Any]]:
    """The reminder's text (HTML) in its language, and its button."""
    t = translator(reminder.language if reminder.language in SUPPORTED else "en")
    day = reminder.due_at.date()
    if reminder.kind == "plan_year":
        text = t.gettext(rt.SENT_PLAN_YEAR, date=t.date(rules.plan_year_reset_of(day), "long"))
    elif reminder.kind == "prescription":
        text = t.gettext(rt.SENT_PRESCRIPTION,
                         date=t.date(rules.prescription_end_of(day), "long"))
    else:
        text = t.gettext(rt.SENT_DATE)
    run = keyboards.button(t.gettext(rt.RUN_AGAIN), keyboards.encode(keyboards.REMIND, "r"))
    return texts.esc(text), keyboards.markup([[run]])


def new_claimer() -> str:
    """This process's name on its claims: unique, and telling which host holds a row."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"


async def send_due(bot: Bot, store: Store, now: datetime, claimer: str,
                   stopping: asyncio.Event | None = None) -> int:
    """Claim the reminders due at `now` and send them (until `stopping` is set: the rest are
    taken again after the hold); how many were sent."""
    sent = 0
    for reminder in await store.claim_reminders(now, claimer, CLAIM_HOLD, BATCH):
        if stopping is not None and stopping.is_set():
            break
        try:
            sent += await _send_one(bot, store, reminder, claimer)
        except StoreError as error:  # e.g. its chat busy too long: taken again after the hold
            log.warning("a reminder was left for later: %s", type(error).__name__)
    return sent


async def _send_one(bot: Bot, store: Store, reminder: Reminder, claimer: str) -> bool:
    async with store.lease(reminder.chat_id):
        if not await store.reminder_claimed(reminder.id, claimer):
            return False  # cancelled or forgotten since the claim
        html, markup = message_for(reminder)
        buttons = [[InlineKeyboardButton(b["text"], callback_data=b["callback_data"])
                    for b in row] for row in markup["inline_keyboard"]]
        try:
            await bot.send_message(reminder.chat_id, html, parse_mode=ParseMode.HTML,
                                   reply_markup=InlineKeyboardMarkup(buttons))
        except (Forbidden, BadRequest, TimedOut) as error:
            # Refused for good, or maybe delivered: not tried again. (Telegram's text only.)
            log.info("reminder not retried: %s: %s", type(error).__name__, error)
            await store.finish_reminder(reminder.id, claimer)
            return False
        except TelegramError as error:
            log.warning("reminder not sent, tried again later: %s", type(error).__name__)
            return False
        await store.finish_reminder(reminder.id, claimer)
        return True


class Sender:
    """The sender task of a running Application. `stop()` lets a send under way finish (sent
    and deleted, never sent and left claimed) before the process closes the bot and the store;
    a send that hangs is cancelled after STOP_SECONDS."""

    STOP_SECONDS = 10.0

    def __init__(self, application: Any, store: Store, every: float = CHECK_EVERY_SECONDS):
        self._bot, self._store, self._bot_data = application.bot, store, application.bot_data
        self._every = every
        self._stopping = asyncio.Event()
        self.task = asyncio.create_task(self._run(), name="reminders")

    async def _run(self) -> None:
        """Send the due reminders now and every `every` seconds, until stopped."""
        claimer = new_claimer()
        while not self._stopping.is_set():
            try:
                now = clock_of(self._bot_data)()
                sent = await send_due(self._bot, self._store, now, claimer, self._stopping)
                if sent:
                    log.info("sent %d reminder(s)", sent)
            except StoreError as error:
                log.warning("reminders skipped: %s", type(error).__name__)
            except Exception as error:  # a bug: say so, and try again next time
                log_failure(log, "sending reminders failed", error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._every)

    async def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(self.task, self.STOP_SECONDS)


def start(application: Any, store: Store, every: float = CHECK_EVERY_SECONDS) -> Sender:
    """The sender of a running Application (the caller stops it on shutdown)."""
    return Sender(application, store, every)
