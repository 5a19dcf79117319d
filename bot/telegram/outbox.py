"""Replies as data, delivered after the chat's store section (see `bot.store`): a handler
decides what to say inside the section, and `deliver` says it once the section is closed.

Delivery is forgiving where Telegram is picky: an edit to identical content ("message is not
modified") is success, an edit of a message that is gone becomes a new message, a failed
delete strips the keyboard instead, and one RetryAfter is waited out.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError

log = logging.getLogger(__name__)

_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
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
    markup: InlineKeyboardMarkup | None = None
    track: str | None = None


@dataclass
class Edit:
    """Replace a message's text and keyboard (no `markup`: the keyboard goes)."""

    message_id: int
    html: str
    markup: InlineKeyboardMarkup | None = None
    track: str | None = None  # if the edit falls back to a new message, track that one


@dataclass
class Retire:
    """An interview message that is no longer current: delete it, or just drop its keyboard."""

    message_id: int
    delete: bool = False


Op = AnswerQuery | Send | Edit | Retire


def _not_modified(error: BadRequest) -> bool:
    return "not modified" in error.message.lower()


def _gone(error: BadRequest) -> bool:
    text = error.message.lower()
    return "not found" in text or "can't be edited" in text or "can't be deleted" in text


async def _call(coroutine_factory):
    """Run one Bot API call, waiting out one RetryAfter."""
    try:
        return await coroutine_factory()
    except RetryAfter as error:
        delay = error.retry_after
        seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
        await asyncio.sleep(min(seconds, _MAX_RETRY_WAIT))
        return await coroutine_factory()


@dataclass
class Delivered:
    tracked_id: int | None = None  # a new interview message
    tracked_kind: str | None = None
    failed: bool = False


async def deliver(bot: Bot, chat_id: int, ops: list[Op]) -> Delivered:
    """Perform `ops` in order; returns the id of a new interview message, if one was sent."""
    result = Delivered()
    for op in ops:
        try:
            await _perform(bot, chat_id, op, result)
        except Forbidden:
            log.info("chat blocked the bot; replies dropped")
            result.failed = True
            return result
        except TelegramError as error:
            # The description is Telegram's, never the patient's text.
            log.warning("%s failed: %s: %s", type(op).__name__, type(error).__name__, error)
            result.failed = True
    return result


async def _send(bot: Bot, chat_id: int, op: Send | Edit, result: Delivered) -> None:
    message = await _call(
        lambda: bot.send_message(
            chat_id,
            op.html,
            parse_mode=ParseMode.HTML,
            reply_markup=op.markup,
            link_preview_options=_NO_PREVIEW,
        )
    )
    if op.track:
        result.tracked_id, result.tracked_kind = message.message_id, op.track


async def _perform(bot: Bot, chat_id: int, op: Op, result: Delivered) -> None:
    if isinstance(op, AnswerQuery):
        try:
            await _call(
                lambda: bot.answer_callback_query(op.query_id, text=op.text, show_alert=op.alert)
            )
        except BadRequest as error:  # too old (e.g. answered before a restart): harmless
            log.info("callback query not answered: %s", error)
    elif isinstance(op, Send):
        await _send(bot, chat_id, op, result)
    elif isinstance(op, Edit):
        try:
            await _call(
                lambda: bot.edit_message_text(
                    op.html,
                    chat_id=chat_id,
                    message_id=op.message_id,
                    parse_mode=ParseMode.HTML,
                    reply_markup=op.markup,
                    link_preview_options=_NO_PREVIEW,
                )
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
                await _call(lambda: bot.delete_message(chat_id, op.message_id))
                return
            except BadRequest:
                pass  # too old to delete (48 hours): drop the keyboard instead
        try:
            await _call(
                lambda: bot.edit_message_reply_markup(chat_id, op.message_id, reply_markup=None)
            )
        except BadRequest as error:
            if not (_not_modified(error) or _gone(error)):
                raise
