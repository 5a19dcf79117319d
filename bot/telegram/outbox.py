"""Replies as data, delivered after the chat's store section (see `bot.store`): a handler
decides what to say inside the section, and `deliver` says it once the section is closed.

Delivery is forgiving where Telegram is picky: an edit to identical content ("message is not
modified") is success, an edit of a message that is gone becomes a new message, a failed
delete strips the keyboard instead, and one RetryAfter is waited out.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

from telegram import Bot, InputFile
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from .. import metrics

log = logging.getLogger(__name__)

_NO_PREVIEW = {"is_disabled": True}  # LinkPreviewOptions
Markup = dict[str, Any]  # an InlineKeyboardMarkup as the Bot API takes it
_MAX_RETRY_WAIT = 30.0


@dataclass
class AnswerQuery:
    """Answer a callback query (always the first reply to a button press)."""

    query_id: str
    text: str | None = None
    alert: bool = False


@dataclass
class Send:
    """A new message. `track`: it becomes the chat's interview message, of that kind."""

    html: str
    markup: Markup | None = None
    track: str | None = None


@dataclass
class Edit:
    """Replace a message's text and keyboard (no `markup`: the keyboard goes)."""

    message_id: int
    html: str
    markup: Markup | None = None
    track: str | None = None  # if the edit falls back to a new message, track that one


@dataclass
class Retire:
    """An interview message that is no longer current: delete it, or just drop its keyboard."""

    message_id: int
    delete: bool = False


@dataclass
class SendDocument:
    """A file (a PDF from bot.documents), uploaded with sendDocument; its bytes never logged."""

    filename: str
    data: bytes = field(repr=False)
    caption: str | None = None  # HTML


Op = AnswerQuery | Send | Edit | Retire | SendDocument


def _not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


def _gone(error: BadRequest) -> bool:
    text = error.message.lower()
    return "not found" in text or "can't be edited" in text or "can't be deleted" in text


# Telegram's 5xx answers and refused connections: tried again after these pauses. A timeout is
# not retried: the call may have gone through, and a patient must not get a message twice.
_NETWORK_RETRY_PAUSES = (0.5, 2.0)


async def _call(coroutine_factory):
    """Run one Bot API call, waiting out one RetryAfter (429) and retrying server errors (5xx)
    and connection failures with a growing pause."""
    for pause in (*_NETWORK_RETRY_PAUSES, None):
        try:
            return await coroutine_factory()
        except RetryAfter as error:
            delay = error.retry_after
            seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            await asyncio.sleep(min(seconds, _MAX_RETRY_WAIT))
            return await coroutine_factory()
        except (TimedOut, BadRequest, Forbidden):
            raise  # a timeout may have gone through; Telegram refused the others for good
        except NetworkError:  # 5xx and refused connections (BadRequest is a NetworkError too)
            if pause is None:
                raise
            await asyncio.sleep(pause)


@dataclass
class Delivered:
    tracked_id: int | None = None  # a new interview message
    tracked_kind: str | None = None
    failed: bool = False


async def deliver(bot: Bot, chat_id: int, ops: list[Op]) -> Delivered:
    """Perform `ops`; returns the id of a new interview message, if one was sent.

    Sends and edits go one after the other, in order. The answer to a button press starts
    first and runs alongside them (the spinner stops at once; the edit need not wait for it),
    and so do the deletions of messages that are no longer current; all are done on return.
    """
    result = Delivered()
    side: list[asyncio.Task] = []
    try:
        for op in ops:
            if isinstance(op, AnswerQuery | Retire):
                side.append(asyncio.create_task(_guarded(bot, chat_id, op, result)))
                await asyncio.sleep(0)  # let it write its request before the next one
            elif not await _guarded(bot, chat_id, op, result):
                break
    finally:
        if side:
            await asyncio.gather(*side)
    return result


async def _guarded(bot: Bot, chat_id: int, op: Op, result: Delivered) -> bool:
    """One op; False when the chat cannot be written to any more."""
    try:
        await _perform(bot, chat_id, op, result)
    except Forbidden:
        log.info("chat blocked the bot; replies dropped")
        result.failed = True
        return False
    except TelegramError as error:
        # The description is Telegram's, never the patient's text.
        log.warning("%s failed: %s: %s", type(op).__name__, type(error).__name__, error)
        metrics.error("telegram")
        result.failed = True
    return True


async def _api(bot: Bot, method: str, **params: Any) -> Any:
    """One Bot API call, its result left as JSON: the outbox only needs a message id, and
    parsing every returned Message into PTB objects was a fifth of the cost of an update
    (benchmarks/bench_telegram.py). PTB still serializes the parameters and raises its errors.

    PTB warns that it has a method for each of these ("please use Bot.sendMessage"):
    `quiet_wrapper_warnings` silences exactly that warning.
    """
    api_kwargs = {name: value for name, value in params.items() if value is not None}
    return await _call(lambda: bot.do_api_request(method, api_kwargs=api_kwargs))


def quiet_wrapper_warnings() -> None:
    """Silence PTB's "please use Bot.<method>" warning for `_api`'s calls, and only that one
    (build_application calls it)."""
    warnings.filterwarnings(
        "ignore",
        message=r"Please use 'Bot\.\w+' instead of 'Bot\.do_api_request",
        category=PTBUserWarning,
    )


async def _send(bot: Bot, chat_id: int, op: Send | Edit, result: Delivered) -> None:
    message = await _api(
        bot, "sendMessage", chat_id=chat_id, text=op.html, parse_mode=ParseMode.HTML,
        reply_markup=op.markup, link_preview_options=_NO_PREVIEW,
    )
    if op.track:
        result.tracked_id, result.tracked_kind = message["message_id"], op.track


async def _perform(bot: Bot, chat_id: int, op: Op, result: Delivered) -> None:
    if isinstance(op, AnswerQuery):
        try:
            await _api(bot, "answerCallbackQuery", callback_query_id=op.query_id, text=op.text,
                       show_alert=op.alert or None)
        except BadRequest as error:  # too old (e.g. answered before a restart): harmless
            log.info("callback query not answered: %s", error)
    elif isinstance(op, Send):
        await _send(bot, chat_id, op, result)
    elif isinstance(op, SendDocument):
        await _api(bot, "sendDocument", chat_id=chat_id,
                   document=InputFile(op.data, filename=op.filename), caption=op.caption,
                   parse_mode=ParseMode.HTML if op.caption else None)
    elif isinstance(op, Edit):
        try:
            # Without reply_markup the keyboard goes, as intended.
            await _api(
                bot, "editMessageText", chat_id=chat_id, message_id=op.message_id, text=op.html,
                parse_mode=ParseMode.HTML, reply_markup=op.markup,
                link_preview_options=_NO_PREVIEW,
            )
        except BadRequest as error:
            if _not_modified(error):
                return
            if not _gone(error):
                raise
            await _send(bot, chat_id, op, result)
    elif isinstance(op, Retire):
        if op.delete:
            try:
                await _api(bot, "deleteMessage", chat_id=chat_id, message_id=op.message_id)
                return
            except BadRequest:
                pass  # too old to delete (48 hours): drop the keyboard instead
        try:
            await _api(bot, "editMessageReplyMarkup", chat_id=chat_id, message_id=op.message_id)
        except BadRequest as error:
            if not (_not_modified(error) or _gone(error)):
                raise
