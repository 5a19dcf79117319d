"""A fake Telegram Bot API server for end-to-end tests and benchmarks.

It speaks the real Bot API's HTTP shape, so an unmodified python-telegram-bot
``Application`` can long-poll it::

    async with FakeTelegramAPI(token="123:ABC") as fake:
        app = (
            Application.builder()
            .token(fake.token)
            .base_url(f"{fake.url}/bot")
            .base_file_url(f"{fake.url}/file/bot")
            .build()
        )
        ...  # add handlers
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            await fake.user_sends(42, "/start")
            reply = await fake.wait_for_bot(42, lambda m: "Welcome" in m.text)
            await fake.press_button(42, "Estimate")
            await fake.wait_idle()
        finally:
            # Reverse order, and before the fake stops: the updater makes one
            # last getUpdates call to confirm what it fetched.
            await app.updater.stop()
            await app.stop()
            await app.shutdown()

HTTP routes (any HTTP method; parameters from the query string and a JSON,
url-encoded or multipart body, like Telegram):

* ``/bot<token>/<method>`` -> ``{"ok": true, "result": ...}`` or
  ``{"ok": false, "error_code": 400, "description": "Bad Request: ..."}``.
  A wrong token is 401 "Unauthorized", an unknown method 404 "Not Found".
* ``/file/bot<token>/<file_path>`` -> the bytes of a stored file.

Implemented methods: getMe, deleteWebhook, setWebhook, getWebhookInfo, getUpdates
(long polling with offset, limit, timeout, allowed_updates; a second concurrent
poller terminates the first with 409 like Telegram), sendMessage, editMessageText,
editMessageReplyMarkup, answerCallbackQuery, setMyCommands, getMyCommands,
deleteMyCommands, setMyDescription, getMyDescription, setMyShortDescription,
getMyShortDescription, sendDocument, sendPhoto, getFile, sendChatAction, deleteMessage.
More can be added per test with ``fake.register_method(name, handler)``.

Limits enforced (status 400, Telegram's wording where known):

* text 1-4096 characters (captions 0-1024) counted after entity parsing and
  trimming of surrounding whitespace, like the real server (code points);
* ``callback_data`` 1-64 UTF-8 bytes per inline button ("BUTTON_DATA_INVALID");
* ``parse_mode=HTML``: only Telegram's tags, properly nested and closed, and
  only ``&lt; &gt; &amp; &quot;`` and numeric character references.  NOTE: this
  is stricter than Telegram for a stray ``&`` (Telegram keeps it as text); the
  fake rejects it on purpose so that unescaped user data is caught in tests.
  ``Markdown``/``MarkdownV2`` texts are stored as sent, not validated;
* editing to identical content -> "message is not modified: ..."; editing an
  unknown message -> "message to edit not found";
* answering an unknown or already answered callback query -> "query is too
  old and response timeout expired or query ID is invalid"; the same for a query
  answered more than ``fake.callback_query_lifetime`` seconds after the press,
  when a test sets it (None, the default: no limit). Telegram does not document
  its limit; answers some seconds late are refused in practice;
* writing to a chat the fake has never seen -> "chat not found" (a chat is
  known once the user wrote in it, or after ``fake.add_chat``).

Test-side API (all coroutines unless marked *sync*):

Lifecycle
    ``FakeTelegramAPI(token="123:ABC", bot_username="massage_cost_test_bot",
    *, bot_first_name="Massage Cost Test Bot")``; ``await fake.start()`` binds
    127.0.0.1 on a free port, ``await fake.stop()``; ``async with`` does both.
    ``fake.url`` (sync) is e.g. ``http://127.0.0.1:PORT``.

Acting as a user (each update gets the next update_id; message ids are per
chat and shared by user and bot messages, like Telegram)
    ``user_sends(chat_id, text, *, user_id=None, language_code="en",
    first_name="Pat", chat_type="private") -> dict`` (the Message; a leading
    "/" adds the ``bot_command`` entity CommandHandler needs);
    ``user_presses(chat_id, message_id, data, *, user_id=None,
    language_code="en") -> str`` (callback query id; the update carries the
    bot message as currently stored);
    ``press_button(chat_id, text_or_predicate) -> str`` presses a button of
    the chat's latest bot message that has an inline keyboard (the predicate
    gets ``(text, callback_data)``);
    ``user_sends_document(chat_id, filename, content, *,
    mime_type="application/x-yaml", caption=None, ...) -> dict``;
    ``user_edits(chat_id, message_id, new_text) -> dict``;
    ``user_sends_sticker(chat_id) -> dict``; ``user_sends_photo(chat_id) -> dict``;
    ``push_update(payload) -> dict`` for anything else (update_id is added);
    ``add_chat(chat_id, *, chat_type="private", first_name="Pat")`` (sync).

Observing (all sync)
    ``fake.calls``: list of ``ApiCall(method, params)`` in arrival order
    (getUpdates included); ``fake.calls_to(method) -> list[dict]``;
    ``fake.messages(chat_id) -> list[BotMessage]`` (current state, deleted ones
    left out); ``fake.last_bot_message(chat_id)``; ``fake.bot_texts(chat_id)``
    (visible texts, HTML tags removed); ``fake.transcript(chat_id)``;
    ``fake.answered_callbacks`` (query id -> answer params);
    ``fake.commands`` (language code, "" for none -> commands of the default
    scope); ``fake.commands_by_scope`` ((scope key, language code) -> commands,
    the scope key being e.g. "default", "all_private_chats" or "chat:42");
    ``fake.descriptions`` / ``fake.short_descriptions`` (language code -> text);
    ``fake.documents_sent(chat_id) -> list[SentDocument]``;
    ``fake.chat_actions(chat_id)``; ``fake.webhook`` (url, secret_token, ...);
    ``fake.internal_errors`` (exceptions raised by the fake itself: a test
    can assert it stays empty).

Waiting
    ``wait_for_bot(chat_id, predicate=None, timeout=5) -> BotMessage``: the
    first message the bot sent or edited in the chat since the user's last
    action there that satisfies ``predicate(BotMessage)`` (a snapshot taken at
    that moment); on timeout an AssertionError carries the chat transcript.
    ``wait_idle(timeout=5)``: every injected update was fetched by the bot and
    no bot call arrived (or is in flight) for ~100 ms.

Faults
    ``fail_next(method, status=429, retry_after=1, description=None)`` (sync):
    the next call of ``method`` fails once with that status (429 carries
    ``parameters.retry_after`` so PTB raises RetryAfter; 5xx becomes
    NetworkError).  Calls queue up: two fail_next calls fail the next two.

Everything is indexed per chat and per method, so recording stays O(1) per
request even with thousands of updates, and waiting uses asyncio events.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
import re
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any, NamedTuple

from aiohttp import web

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
IDLE_QUIET_SECONDS = 0.1

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_MARKUP_NOT_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)

# Telegram does not send these unless they are asked for explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


# --------------------------------------------------------------------------- records


class ApiCall(NamedTuple):
    """One request the bot made: the method name and its decoded parameters."""

    method: str
    params: dict[str, Any]


@dataclass
class UploadedFile:
    """A multipart file part as received (what ``calls`` shows for uploads)."""

    filename: str
    mime_type: str
    content: bytes = field(repr=False)


@dataclass
class SentDocument:
    """A document the bot sent, with its bytes."""

    message_id: int
    filename: str | None
    mime_type: str | None
    content: bytes = field(repr=False)
    caption: str | None = None


@dataclass
class BotMessage:
    """A message the bot sent, as the fake currently stores it.

    ``text`` is the visible text (HTML tags removed, entities decoded) and is ""
    for documents; ``raw_text`` is exactly what the bot sent.
    """

    message_id: int
    chat: dict[str, Any] = field(repr=False)
    sender: dict[str, Any] = field(repr=False)
    date: int = field(repr=False)
    text: str = ""
    raw_text: str | None = None
    parse_mode: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list, repr=False)
    reply_markup: dict[str, Any] | None = None
    edit_count: int = 0
    edit_date: int | None = field(default=None, repr=False)
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list, repr=False)
    reply_to: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def chat_id(self) -> int:
        return self.chat["id"]

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return buttons(self)

    def to_api(self) -> dict[str, Any]:
        """The Message object Telegram would return for this message."""
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": self.chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            message["edit_date"] = self.edit_date
        if self.document is not None or self.photo is not None:
            if self.document is not None:
                message["document"] = self.document
            else:
                message["photo"] = self.photo
            if self.caption:
                message["caption"] = self.caption
            if self.caption_entities:
                message["caption_entities"] = self.caption_entities
        else:
            message["text"] = self.text
            if self.entities:
                message["entities"] = self.entities
        if self.reply_to is not None:
            message["reply_to_message"] = self.reply_to
        # Telegram only echoes inline keyboards, never reply keyboards.
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            message["reply_markup"] = self.reply_markup
        return message


def buttons(message: BotMessage | dict[str, Any] | None) -> list[tuple[str, str | None]]:
    """Flatten an inline keyboard into ``[(text, callback_data), ...]``.

    Accepts a BotMessage, a Message dict (with ``reply_markup``) or a
    reply_markup dict.  URL and other non-callback buttons give ``None`` data.
    """
    if message is None:
        return []
    if isinstance(message, BotMessage):
        markup = message.reply_markup
    elif "inline_keyboard" in message:
        markup = message
    else:
        markup = message.get("reply_markup")
    rows = (markup or {}).get("inline_keyboard") or []
    return [(button.get("text", ""), button.get("callback_data")) for row in rows for button in row]


class ApiError(Exception):
    """Raised by method handlers; becomes Telegram's error response."""

    def __init__(
        self, description: str, status: int = 400, parameters: dict[str, Any] | None = None
    ):
        super().__init__(description)
        self.description = description
        self.status = status
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


# --------------------------------------------------------------------------- HTML


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram-style."""


_SPACE = " \t\r\n\v\f\0"
_SPECIAL_CHAR = re.compile(r"[<&]")
_CHAR_REFERENCE = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_REFERENCES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_NAME_TOKEN = re.compile(r"[A-Za-z0-9.\-]*")
_END_TAG = re.compile(r"</([^\s>]*)[ \t\r\n\v\f]*>")
_ENTITY_OF_TAG = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units: the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram-flavoured HTML into (visible text, MessageEntity dicts).

    Raises HtmlParseError with the message Telegram would put after
    "can't parse entities: ".
    """
    return _HtmlParser(source).parse()


@dataclass
class _OpenTag:
    name: str
    attributes: dict[str, str]
    offset: int  # UTF-16 offset of the tag's content in the visible text
    chunk_index: int  # where the tag's content starts in the parser's output chunks


class _HtmlParser:
    """A small single-pass parser following the rules of Telegram's server."""

    def __init__(self, source: str):
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.offset16 = 0
        self.open: list[_OpenTag] = []
        self.entities: list[dict[str, Any]] = []

    def parse(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            match = _SPECIAL_CHAR.search(src, self.pos)
            stop = match.start() if match else len(src)
            # Plain runs are emitted as whole chunks: cheap even for long texts.
            self._emit(src[self.pos : stop])
            self.pos = stop
            if match is None:
                break
            if src[stop] == "&":
                char, self.pos = self._char_reference(stop)
                self._emit(char)
            elif src.startswith("</", stop):
                self._end_tag()
            else:
                self._start_tag()
        if self.open:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1].name}"'
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)  # only <pre><code class=...> keeps it
        # A canonical order, so that <b><i>x</i></b> and <i><b>x</b></i> compare
        # equal (Telegram treats them as the same content).
        self.entities.sort(key=lambda e: (e["offset"], -e["length"], e["type"]))
        return "".join(self.out), self.entities

    # -- pieces

    def _emit(self, chunk: str) -> None:
        if chunk:
            self.out.append(chunk)
            self.offset16 += utf16_length(chunk)

    def _byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8", "surrogatepass"))

    def _char_reference(self, index: int) -> tuple[str, int]:
        match = _CHAR_REFERENCE.match(self.src, index)
        if match is None:
            raise HtmlParseError(
                f"Unsupported character reference at byte offset {self._byte_offset(index)}; "
                'escape "&" as "&amp;"'
            )
        decimal, hexadecimal, name = match.groups()
        if name:
            return _NAMED_REFERENCES[name], match.end()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise HtmlParseError(
                f"Invalid character reference at byte offset {self._byte_offset(index)}"
            )
        return chr(code), match.end()

    def _unclosed_start_tag(self, begin: int) -> HtmlParseError:
        return HtmlParseError(f"Unclosed start tag at byte offset {self._byte_offset(begin)}")

    def _skip_space(self, index: int) -> int:
        while index < len(self.src) and self.src[index] in _SPACE:
            index += 1
        return index

    def _scan_until(self, index: int, stops: str) -> int:
        while index < len(self.src) and self.src[index] not in stops:
            index += 1
        return index

    def _start_tag(self) -> None:
        begin = self.pos
        name_end = self._scan_until(begin + 1, _SPACE + ">")
        if name_end >= len(self.src):
            raise self._unclosed_start_tag(begin)
        name = self.src[begin + 1 : name_end].lower()
        if name not in _ENTITY_OF_TAG:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {self._byte_offset(begin)}'
            )
        attributes, self.pos = self._attributes(name, begin, name_end)
        self._check_required_attributes(name, attributes)
        self.open.append(_OpenTag(name, attributes, self.offset16, len(self.out)))

    def _attributes(self, tag: str, begin: int, index: int) -> tuple[dict[str, str], int]:
        attributes: dict[str, str] = {}
        at = f'the tag "{tag}" at byte offset {self._byte_offset(begin)}'
        while True:
            index = self._skip_space(index)
            if index >= len(self.src):
                raise self._unclosed_start_tag(begin)
            if self.src[index] == ">":
                return attributes, index + 1
            name_end = self._scan_until(index, _SPACE + "=>")
            name = self.src[index:name_end].lower()
            if not name:
                raise HtmlParseError(f"Empty attribute name in {at}")
            index = self._skip_space(name_end)
            if index < len(self.src) and self.src[index] == "=":
                index = self._skip_space(index + 1)
                if index >= len(self.src):
                    raise HtmlParseError(
                        f'Unclosed start tag "{tag}" at byte offset {self._byte_offset(begin)}'
                    )
                attributes[name], index = self._attribute_value(begin, index)
            elif tag == "blockquote" and name == "expandable":
                attributes[name] = ""  # the one valueless attribute Telegram documents
            else:
                raise HtmlParseError(f"Expected equal sign in declaration of an attribute of {at}")

    def _attribute_value(self, begin: int, index: int) -> tuple[str, int]:
        quote = self.src[index]
        if quote in "'\"":
            end = self.src.find(quote, index + 1)
            if end < 0:
                raise self._unclosed_start_tag(begin)
            return self._decode_references(index + 1, end), end + 1
        # An unquoted value is an HTML "name token".
        end = _NAME_TOKEN.match(self.src, index).end()
        if end >= len(self.src):
            raise self._unclosed_start_tag(begin)
        if self.src[end] not in _SPACE + ">":
            raise HtmlParseError(
                f"Unexpected end of name token at byte offset {self._byte_offset(index)}"
            )
        return self.src[index:end].lower(), end

    def _decode_references(self, start: int, end: int) -> str:
        parts: list[str] = []
        index = start
        while index < end:
            amp = self.src.find("&", index, end)
            if amp < 0:
                parts.append(self.src[index:end])
                break
            parts.append(self.src[index:amp])
            char, index = self._char_reference(amp)
            parts.append(char)
        return "".join(parts)

    def _check_required_attributes(self, tag: str, attributes: dict[str, str]) -> None:
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise HtmlParseError('Tag "span" must have class "tg-spoiler"')
        if tag == "tg-emoji" and not attributes.get("emoji-id", "").isdigit():
            raise HtmlParseError('Tag "tg-emoji" must have a numeric "emoji-id" attribute')

    def _end_tag(self) -> None:
        begin = self.pos
        if not self.open:
            raise HtmlParseError(f"Unexpected end tag at byte offset {self._byte_offset(begin)}")
        match = _END_TAG.match(self.src, begin)
        if match is None:
            raise HtmlParseError(f"Unclosed end tag at byte offset {self._byte_offset(begin)}")
        name = match.group(1).lower()
        expected = self.open[-1].name
        if name and name != expected:  # "</>" closes whatever is open
            raise HtmlParseError(
                f"Unmatched end tag at byte offset {self._byte_offset(begin)}, "
                f'expected "</{expected}>", found "</{name}>"'
            )
        self._close(self.open.pop())
        self.pos = match.end()

    def _close(self, tag: _OpenTag) -> None:
        length = self.offset16 - tag.offset
        if length <= 0:
            return  # Telegram drops empty entities
        entity: dict[str, Any] = {
            "type": _ENTITY_OF_TAG[tag.name],
            "offset": tag.offset,
            "length": length,
        }
        attributes = tag.attributes
        if tag.name == "a":
            # Without href the link text is the URL, as on Telegram.
            url = attributes.get("href") or "".join(self.out[tag.chunk_index :])
            if not url:
                return
            entity["url"] = url
        elif tag.name == "code" and attributes.get("class", "").startswith("language-"):
            entity["language"] = attributes["class"][len("language-") :]
        elif tag.name == "pre":
            inner = self.entities[-1] if self.entities else None
            if (
                inner is not None
                and inner["type"] == "code"
                and (inner["offset"], inner["length"]) == (tag.offset, length)
            ):
                # <pre><code class="language-x">: one pre entity with a language.
                self.entities.pop()
                if "language" in inner:
                    entity["language"] = inner["language"]
        elif tag.name == "blockquote" and "expandable" in attributes:
            entity["type"] = "expandable_blockquote"
        elif tag.name == "tg-emoji":
            entity["custom_emoji_id"] = attributes["emoji-id"]
        self.entities.append(entity)


def _trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip surrounding whitespace like Telegram does, keeping entities aligned."""
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_length(text[: len(text) - len(text.lstrip())])
    total = utf16_length(stripped)
    trimmed = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return stripped, trimmed


# --------------------------------------------------------------------------- params

# Form and query values arrive as strings (PTB JSON-encodes every non-string
# value and sends a url-encoded form), so the fake converts them by name like
# Telegram does.  Free-text parameters such as "text" are never converted.
_INT_PARAMS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "user_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "cache_time",
        "max_connections",
    }
)
_FLOAT_PARAMS = frozenset({"timeout"})
_BOOL_PARAMS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
        "has_spoiler",
    }
)
_JSON_PARAMS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
    }
)


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in _JSON_PARAMS:
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise ApiError(_MARKUP_NOT_JSON) from None
            raise ApiError(f"Bad Request: can't parse {name} JSON object") from None
    if name in _INT_PARAMS:
        # "@channelusername" stays a string and later yields "chat not found".
        return int(value) if re.fullmatch(r"-?\d+", value.strip()) else value
    if name in _FLOAT_PARAMS:
        try:
            return float(value)
        except ValueError:
            raise ApiError(f"Bad Request: wrong parameter {name} in request") from None
    if name in _BOOL_PARAMS:
        return value.strip().lower() in ("true", "1")
    return value


def _require(params: dict[str, Any], name: str) -> Any:
    value = params.get(name)
    if value is None or value == "":
        raise ApiError(f"Bad Request: {name} is empty")
    return value


def _scope_key(scope: dict[str, Any] | None) -> str:
    if not scope or scope.get("type", "default") == "default":
        return "default"
    key = scope["type"]
    if "chat_id" in scope:
        key += f":{scope['chat_id']}"
    if "user_id" in scope:
        key += f":{scope['user_id']}"
    return key


# --------------------------------------------------------------------------- state


class _Pulse:
    """Wakes everybody waiting right now; later waiters wait for the next fire()."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_until(self, check: Callable[[], bool], deadline: float) -> bool:
        """Wait until check() is true (re-evaluated on each fire) or the deadline."""
        loop = asyncio.get_running_loop()
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            event = self._event  # taken right after check(): no lost wake-ups
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                return check()
        return True


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)


@dataclass
class _ChatState:
    chat: dict[str, Any]
    next_message_id: int = 1
    bot_messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Snapshots of every send/edit by the bot, in order; wait_for_bot scans the
    # ones after user_mark (the index at the user's last action).
    events: list[BotMessage] = field(default_factory=list)
    user_mark: int = 0
    pulse: _Pulse = field(default_factory=_Pulse)
    actions: list[str] = field(default_factory=list)
    documents: list[SentDocument] = field(default_factory=list)
    # (sender, message_id) in order, for transcripts.
    order: list[tuple[str, int]] = field(default_factory=list)

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id


@dataclass
class _Fault:
    status: int
    description: str
    parameters: dict[str, Any] | None


MethodHandler = Callable[[dict[str, Any]], Any | Awaitable[Any]]


# --------------------------------------------------------------------------- server


class FakeTelegramAPI:
    """An in-process Bot API server; see the module docstring for the API."""

    def __init__(
        self,
        token: str = "123:ABC",
        bot_username: str = "massage_cost_test_bot",
        *,
        bot_first_name: str = "Massage Cost Test Bot",
    ):
        self.token = token
        self.bot_username = bot_username
        bot_id = token.split(":", 1)[0]  # a real token starts with the bot's id
        self.bot_user: dict[str, Any] = {
            "id": int(bot_id) if bot_id.isdigit() else 123,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
        }

        self.calls: list[ApiCall] = []
        self._calls_by_method: dict[str, list[dict[str, Any]]] = {}
        self.answered_callbacks: dict[str, dict[str, Any]] = {}
        self.expired_callbacks: list[str] = []  # answered after callback_query_lifetime
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.commands_by_scope: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}
        self.webhook: dict[str, Any] = {"url": ""}
        self.internal_errors: list[BaseException] = []

        self._chats: dict[int, _ChatState] = {}
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._open_callbacks: dict[str, int] = {}  # query id -> chat id
        self._pressed_at: dict[str, float] = {}  # query id -> time.monotonic() of the press
        self.callback_query_lifetime: float | None = None
        self._faults: dict[str, deque[_Fault]] = {}
        self._ids = itertools.count(1)  # file ids, callback query ids, ...

        # Update queue: unconfirmed updates in id order.
        self._updates: deque[dict[str, Any]] = deque()
        self._last_update_id = 0
        self._fetched_upto = 0  # every update id <= this was delivered or dropped
        self._allowed_updates: frozenset[str] | None = None  # None: Telegram's default
        self._poll_generation = 0
        self._updates_pulse = _Pulse()

        # Activity, for wait_idle.
        self._in_flight = 0
        self._last_activity = 0.0

        self._methods: dict[str, tuple[str, MethodHandler]] = {}
        for name, handler in self._builtin_methods().items():
            self.register_method(name, handler)

        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False

    # ----------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://127.0.0.1:{self._port}"

    async def start(self) -> None:
        # Uploads can be large (Telegram allows 50 MB); aiohttp's default is 1 MB.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()
        self._closing = False

    async def stop(self) -> None:
        if self._runner is None:
            return
        # Release long polls first so the server can shut down immediately.
        self._closing = True
        self._updates_pulse.fire()
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # ----------------------------------------------------------------- extension / faults

    def register_method(self, name: str, handler: MethodHandler) -> None:
        """Serve ``name`` (case-insensitive, like Telegram) with handler(params) -> result.

        The handler may raise ApiError and may be a coroutine function.
        """
        self._methods[name.lower()] = (name, handler)

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int | None = 1,
        description: str | None = None,
    ) -> None:
        """Make the next call of ``method`` fail once with ``status``."""
        parameters = None
        if status == HTTPStatus.TOO_MANY_REQUESTS:
            parameters = {"retry_after": retry_after or 1}
            description = description or f"Too Many Requests: retry after {retry_after or 1}"
        elif description is None:
            try:
                description = HTTPStatus(status).phrase
            except ValueError:
                description = f"Error {status}"
        fault = _Fault(status, description, parameters)
        self._faults.setdefault(method.lower(), deque()).append(fault)

    # ----------------------------------------------------------------- observing

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of ``method``, in order."""
        return self._calls_by_method.get(method.lower(), [])

    def messages(self, chat_id: int) -> list[BotMessage]:
        chat = self._chats.get(chat_id)
        return list(chat.bot_messages.values()) if chat else []

    def last_bot_message(self, chat_id: int) -> BotMessage | None:
        chat = self._chats.get(chat_id)
        if not chat or not chat.bot_messages:
            return None
        return next(reversed(chat.bot_messages.values()))

    def bot_texts(self, chat_id: int) -> list[str]:
        return [message.text for message in self.messages(chat_id)]

    def documents_sent(self, chat_id: int) -> list[SentDocument]:
        chat = self._chats.get(chat_id)
        return list(chat.documents) if chat else []

    def chat_actions(self, chat_id: int) -> list[str]:
        chat = self._chats.get(chat_id)
        return list(chat.actions) if chat else []

    def file_content(self, file_id: str) -> bytes:
        return self._files[file_id].content

    @property
    def pending_update_count(self) -> int:
        return len(self._updates)

    def take_updates(self) -> list[dict[str, Any]]:
        """The queued updates, removed from the queue: what Telegram would POST to a webhook."""
        taken = list(self._updates)
        self._updates.clear()
        return taken

    def transcript(self, chat_id: int, last: int = 40) -> str:
        """The chat as lines "user: ..." / "bot: ..." (current state of each message)."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return f"(chat {chat_id} unknown)"
        lines = []
        for sender, message_id in chat.order[-last:]:
            if sender == "bot":
                message = chat.bot_messages.get(message_id)
                lines.append(_describe_bot_message(message_id, message))
            else:
                user_message = chat.user_messages.get(message_id)
                lines.append(_describe_user_message(message_id, user_message))
        return "\n".join(lines) or "(no messages)"

    # ----------------------------------------------------------------- waiting

    async def wait_for_bot(
        self,
        chat_id: int,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 5,
    ) -> BotMessage:
        """First bot send/edit in the chat since the user's last action matching predicate."""
        chat = self._chats.get(chat_id)
        if chat is None:
            raise AssertionError(f"chat {chat_id} is unknown to the fake: no user action there")
        cursor = chat.user_mark
        found: list[BotMessage] = []

        def check() -> bool:
            nonlocal cursor
            # Only new events are looked at on each wake-up: no rescans.
            while cursor < len(chat.events):
                snapshot = chat.events[cursor]
                cursor += 1
                if predicate is None or predicate(snapshot):
                    found.append(snapshot)
                    return True
            return False

        deadline = asyncio.get_running_loop().time() + timeout
        if not await chat.pulse.wait_until(check, deadline):
            what = "a message" if predicate is None else "a message matching the predicate"
            raise AssertionError(
                f"the bot sent no {what} in chat {chat_id} within {timeout}s after the "
                f"user's last action. Transcript:\n{self.transcript(chat_id)}"
            )
        return found[0]

    async def wait_idle(self, timeout: float = 5) -> None:
        """Wait until all updates were fetched and the bot made no call for ~100 ms."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            fetched = await self._updates_pulse.wait_until(self._all_fetched, deadline)
            if not fetched:
                raise AssertionError(
                    f"the bot did not fetch all updates within {timeout}s: "
                    f"{self._last_update_id - self._fetched_upto} still pending "
                    "(is the application polling?)"
                )
            quiet_for = loop.time() - self._last_activity
            if self._in_flight == 0 and quiet_for >= IDLE_QUIET_SECONDS and self._all_fetched():
                return
            if loop.time() >= deadline:
                raise AssertionError(
                    f"the bot did not go idle within {timeout}s ({self._in_flight} calls in flight)"
                )
            # Sleep out the rest of the quiet window, then look again.
            wait = max(IDLE_QUIET_SECONDS - quiet_for, 0.01)
            await asyncio.sleep(min(wait, max(deadline - loop.time(), 0)))

    def _all_fetched(self) -> bool:
        return self._fetched_upto >= self._last_update_id

    # ----------------------------------------------------------------- acting as a user

    def add_chat(
        self,
        chat_id: int,
        *,
        chat_type: str = "private",
        first_name: str = "Pat",
        title: str | None = None,
    ) -> dict[str, Any]:
        """Make a chat known (as if the user had written); returns the Chat dict."""
        state = self._chats.get(chat_id)
        if state is None:
            chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
            if chat_type == "private":
                chat["first_name"] = first_name
            else:
                chat["title"] = title or f"Test {chat_type} {chat_id}"
            state = self._chats[chat_id] = _ChatState(chat)
        return state.chat

    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (its update_id is assigned here) and return it."""
        self._last_update_id += 1
        update = {"update_id": self._last_update_id}
        update.update({k: v for k, v in payload.items() if k != "update_id"})
        self._updates.append(update)
        self._mark_user_action(update)
        self._updates_pulse.fire()
        return update

    async def user_sends(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Pat",
        chat_type: str = "private",
    ) -> dict[str, Any]:
        message = self._new_user_message(
            chat_id, _user_text(text), user_id, language_code, first_name, chat_type
        )
        await self.push_update({"message": message})
        return message

    async def user_sends_document(
        self,
        chat_id: int,
        filename: str,
        content: bytes,
        *,
        mime_type: str = "application/x-yaml",
        caption: str | None = None,
        user_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Pat",
        chat_type: str = "private",
    ) -> dict[str, Any]:
        stored = self._store_file("documents", filename, content)
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": filename,
            "mime_type": mime_type,
            "file_size": len(content),
        }
        body: dict[str, Any] = {"document": document}
        if caption is not None:
            body["caption"] = caption
        message = self._new_user_message(
            chat_id, body, user_id, language_code, first_name, chat_type
        )
        await self.push_update({"message": message})
        return message

    async def user_sends_sticker(
        self, chat_id: int, *, emoji: str = "👍", user_id: int | None = None
    ) -> dict[str, Any]:
        stored = self._store_file("stickers", "sticker.webp", b"RIFF\x00\x00\x00\x00WEBP")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.content),
        }
        message = self._new_user_message(chat_id, {"sticker": sticker}, user_id)
        await self.push_update({"message": message})
        return message

    async def user_sends_photo(
        self,
        chat_id: int,
        *,
        content: bytes = b"\xff\xd8\xff\xe0fake-jpeg\xff\xd9",
        caption: str | None = None,
        user_id: int | None = None,
    ) -> dict[str, Any]:
        stored = self._store_file("photos", "photo.jpg", content)
        sizes = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": side,
                "height": side,
                "file_size": len(content),
            }
            for side in (90, 320)
        ]
        body: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            body["caption"] = caption
        message = self._new_user_message(chat_id, body, user_id)
        await self.push_update({"message": message})
        return message

    async def user_edits(self, chat_id: int, message_id: int, new_text: str) -> dict[str, Any]:
        chat = self._chats.get(chat_id)
        original = chat.user_messages.get(message_id) if chat else None
        if original is None:
            raise AssertionError(f"no user message {message_id} in chat {chat_id} to edit")
        edited = {k: v for k, v in original.items() if k != "entities"}
        edited.update(_user_text(new_text), edit_date=int(time.time()))
        chat.user_messages[message_id] = edited
        await self.push_update({"edited_message": edited})
        return edited

    async def user_presses(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        language_code: str = "en",
    ) -> str:
        """Press an inline button with ``data`` under a bot message; returns the query id."""
        chat = self._chats.get(chat_id)
        message = chat.bot_messages.get(message_id) if chat else None
        if message is None:
            raise AssertionError(f"no bot message {message_id} in chat {chat_id} to press on")
        query_id = str(4_000_000_000 + next(self._ids))
        self._open_callbacks[query_id] = chat_id
        self._pressed_at[query_id] = time.monotonic()
        query = {
            "id": query_id,
            "from": self._user(
                chat.chat, user_id, chat.chat.get("first_name", "Pat"), language_code
            ),
            "message": message.to_api(),
            "chat_instance": str(chat_id * 31 + 7),
            "data": data,
        }
        await self.push_update({"callback_query": query})
        return query_id

    async def press_button(
        self,
        chat_id: int,
        text_or_predicate: str | Callable[[str, str | None], bool],
        **kwargs: Any,
    ) -> str:
        """Press a button of the latest bot message that has an inline keyboard."""
        chat = self._chats.get(chat_id)
        target = None
        if chat is not None:
            target = next((m for m in reversed(chat.bot_messages.values()) if m.buttons), None)
        if target is None:
            raise AssertionError(
                f"no bot message with an inline keyboard in chat {chat_id}. "
                f"Transcript:\n{self.transcript(chat_id)}"
            )
        for text, data in target.buttons:
            matches = (
                text == text_or_predicate
                if isinstance(text_or_predicate, str)
                else text_or_predicate(text, data)
            )
            if matches and data is not None:
                return await self.user_presses(chat_id, target.message_id, data, **kwargs)
        raise AssertionError(
            f"no callback button {text_or_predicate!r} on message {target.message_id} "
            f"in chat {chat_id}; buttons: {target.buttons}"
        )

    def _user(
        self,
        chat: dict[str, Any],
        user_id: int | None,
        first_name: str,
        language_code: str | None,
    ) -> dict[str, Any]:
        # In a private chat the chat id is the user's id.
        if user_id is None:
            user_id = chat["id"] if chat["type"] == "private" else 777_000_001
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _new_user_message(
        self,
        chat_id: int,
        content: dict[str, Any],
        user_id: int | None = None,
        language_code: str = "en",
        first_name: str = "Pat",
        chat_type: str = "private",
    ) -> dict[str, Any]:
        chat_dict = self.add_chat(chat_id, chat_type=chat_type, first_name=first_name)
        chat = self._chats[chat_id]
        message_id = chat.take_message_id()
        message = {
            "message_id": message_id,
            "from": self._user(chat_dict, user_id, first_name, language_code),
            "chat": chat_dict,
            "date": int(time.time()),
            **content,
        }
        chat.user_messages[message_id] = message
        chat.order.append(("user", message_id))
        return message

    def _mark_user_action(self, update: dict[str, Any]) -> None:
        chat_id = _chat_id_of_update(update)
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is not None:
            chat.user_mark = len(chat.events)

    def _store_file(self, folder: str, filename: str, content: bytes) -> _StoredFile:
        number = next(self._ids)
        suffix = "." + filename.rsplit(".", 1)[1] if "." in filename else ""
        stored = _StoredFile(
            file_id=f"FAKE-{folder[:3].upper()}-{number}",
            file_unique_id=f"U{number}",
            file_path=f"{folder}/file_{number}{suffix}",
            content=content,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    # ----------------------------------------------------------------- HTTP layer

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        file_prefix = f"/file/bot{self.token}/"
        if path.startswith(file_prefix):
            return self._serve_file(path[len(file_prefix) :])
        if path.startswith("/file/bot"):
            return _error_response(ApiError("Unauthorized", 401))
        if not path.startswith("/bot"):
            return _error_response(ApiError("Not Found", 404))
        token, _, method = path[len("/bot") :].partition("/")
        if token != self.token:
            return _error_response(ApiError("Unauthorized", 401))
        return await self._call_method(request, method)

    async def _call_method(self, request: web.Request, method: str) -> web.StreamResponse:
        name, handler = self._methods.get(method.lower(), (method, None))
        # A long poll is not bot "activity": it would keep wait_idle waiting forever.
        counts_as_activity = name != "getUpdates"
        if counts_as_activity:
            self._in_flight += 1
            self._touch()
        try:
            params = await _read_params(request)
            self._record(name, params)
            if handler is None:
                raise ApiError("Not Found", 404)
            self._raise_injected_fault(name)
            result = handler(params)
            if inspect.isawaitable(result):
                result = await result
            return web.json_response({"ok": True, "result": result})
        except ApiError as error:
            return _error_response(error)
        except Exception as error:  # a bug in the fake: report it, don't hide it
            _LOGGER.exception("FakeTelegramAPI failed on %s", name)
            self.internal_errors.append(error)
            return _error_response(ApiError(f"Internal Server Error: fake failed: {error!r}", 500))
        finally:
            if counts_as_activity:
                self._in_flight -= 1
                self._touch()

    def _serve_file(self, file_path: str) -> web.StreamResponse:
        stored = self._files_by_path.get(file_path)
        if stored is None:
            return _error_response(ApiError("Not Found", 404))
        return web.Response(body=stored.content, content_type="application/octet-stream")

    def _record(self, name: str, params: dict[str, Any]) -> None:
        self.calls.append(ApiCall(name, params))
        self._calls_by_method.setdefault(name.lower(), []).append(params)

    def _touch(self) -> None:
        self._last_activity = asyncio.get_running_loop().time()

    def _raise_injected_fault(self, name: str) -> None:
        queue = self._faults.get(name.lower())
        if queue:
            fault = queue.popleft()
            raise ApiError(fault.description, fault.status, fault.parameters)

    # ----------------------------------------------------------------- methods

    def _builtin_methods(self) -> dict[str, MethodHandler]:
        return {
            "getMe": self._get_me,
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_my_description,
            "getMyDescription": self._get_my_description,
            "setMyShortDescription": self._set_my_short_description,
            "getMyShortDescription": self._get_my_short_description,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "getFile": self._get_file,
            "sendChatAction": self._send_chat_action,
            "deleteMessage": self._delete_message,
        }

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # -- webhook and updates

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {"url": ""}
        if params.get("drop_pending_updates"):
            self._drop_pending_updates()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = _require(params, "url")
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "max_connections": params.get("max_connections", 40),
            "allowed_updates": params.get("allowed_updates"),
        }
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self._drop_pending_updates()
        self._updates_pulse.fire()  # running long polls now conflict
        return True

    def _get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"],
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook["url"]:
            info["max_connections"] = self.webhook.get("max_connections", 40)
        return info

    def _drop_pending_updates(self) -> None:
        self._updates.clear()
        self._fetched_upto = self._last_update_id
        self._updates_pulse.fire()

    def _set_allowed_updates(self, allowed: Iterable[str] | None) -> None:
        # An empty list means "back to the default", as on Telegram.
        self._allowed_updates = frozenset(allowed) if allowed else None

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed_updates

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook["url"]:
            raise ApiError(WEBHOOK_CONFLICT, 409)
        # Like Telegram, a newer getUpdates request terminates an older one.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_pulse.fire()

        offset = params.get("offset")
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params:
            self._set_allowed_updates(params["allowed_updates"])
        self._confirm(offset)

        batch = self._select(offset, limit)
        if not batch and timeout > 0 and not self._closing:

            def ready() -> bool:
                nonlocal batch
                if self._closing or generation != self._poll_generation or self.webhook["url"]:
                    return True
                batch = self._select(offset, limit)
                return bool(batch)

            deadline = asyncio.get_running_loop().time() + timeout
            await self._updates_pulse.wait_until(ready, deadline)
            if generation != self._poll_generation and not self._closing:
                raise ApiError(POLL_CONFLICT, 409)
            if self.webhook["url"] and not self._closing:
                raise ApiError(WEBHOOK_CONFLICT, 409)
        if batch:
            self._fetched_upto = max(self._fetched_upto, batch[-1]["update_id"])
            self._updates_pulse.fire()  # wait_idle watches deliveries too
        return batch

    def _confirm(self, offset: int | None) -> None:
        """Forget updates the bot confirmed by asking for a higher offset."""
        if offset is None:
            return
        if offset < 0:  # -N: keep only the last N updates
            while len(self._updates) > -offset:
                self._updates.popleft()
            return
        while self._updates and self._updates[0]["update_id"] < offset:
            self._updates.popleft()

    def _select(self, offset: int | None, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` deliverable updates; disallowed kinds are dropped for good."""
        batch: list[dict[str, Any]] = []
        dropped: list[dict[str, Any]] = []
        low = offset if offset and offset > 0 else 0
        for update in self._updates:
            if len(batch) >= limit:
                break
            if update["update_id"] < low:
                continue
            if self._is_allowed(update):
                batch.append(update)
            else:
                dropped.append(update)
                self._fetched_upto = max(self._fetched_upto, update["update_id"])
        if dropped:
            dropped_ids = {update["update_id"] for update in dropped}
            self._updates = deque(u for u in self._updates if u["update_id"] not in dropped_ids)
        return batch

    # -- chats and messages

    def _chat_for_bot(self, params: dict[str, Any]) -> _ChatState:
        chat_id = _require(params, "chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError("Bad Request: chat not found")
        return chat

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_bot(params)
        raw_text = params.get("text")
        if raw_text is None or raw_text == "":
            raise ApiError("Bad Request: message text is empty")
        text, entities = _format_text(str(raw_text), params, "entities", MAX_TEXT_LENGTH)
        markup = _validate_markup(params.get("reply_markup"))
        message = BotMessage(
            message_id=chat.take_message_id(),
            chat=chat.chat,
            sender=self.bot_user,
            date=int(time.time()),
            text=text,
            raw_text=raw_text,
            parse_mode=params.get("parse_mode"),
            entities=entities,
            reply_markup=markup,
            reply_to=self._reply_target(chat, params),
        )
        return self._store_bot_message(chat, message)

    def _reply_target(self, chat: _ChatState, params: dict[str, Any]) -> dict[str, Any] | None:
        reply = params.get("reply_parameters") or {}
        message_id = reply.get("message_id", params.get("reply_to_message_id"))
        if message_id is None:
            return None
        target = chat.user_messages.get(message_id)
        if target is None and message_id in chat.bot_messages:
            target = chat.bot_messages[message_id].to_api()
        tolerate = reply.get("allow_sending_without_reply") or params.get(
            "allow_sending_without_reply"
        )
        if target is None and not tolerate:
            raise ApiError("Bad Request: message to be replied not found")
        return target

    def _store_bot_message(self, chat: _ChatState, message: BotMessage) -> dict[str, Any]:
        chat.bot_messages[message.message_id] = message
        chat.order.append(("bot", message.message_id))
        self._bot_event(chat, message)
        return message.to_api()

    def _bot_event(self, chat: _ChatState, message: BotMessage) -> None:
        chat.events.append(replace(message))  # a snapshot: later edits don't change it
        chat.pulse.fire()

    def _message_to_edit(self, params: dict[str, Any]) -> tuple[_ChatState, BotMessage]:
        if "inline_message_id" in params:
            raise ApiError("Bad Request: message to edit not found")  # not modelled
        chat = self._chat_for_bot(params)
        message_id = params.get("message_id")
        if message_id is None:
            raise ApiError("Bad Request: message identifier is not specified")
        if message_id in chat.user_messages:
            raise ApiError("Bad Request: message can't be edited")
        message = chat.bot_messages.get(message_id)
        if message is None:
            raise ApiError("Bad Request: message to edit not found")
        return chat, message

    def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(params)
        raw_text = params.get("text")
        if raw_text is None or raw_text == "":
            raise ApiError("Bad Request: message text is empty")
        if message.document is not None:
            raise ApiError("Bad Request: there is no text in the message to edit")
        text, entities = _format_text(str(raw_text), params, "entities", MAX_TEXT_LENGTH)
        # Omitting reply_markup in an edit removes the keyboard, as on Telegram.
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        current = (message.text, message.entities, _inline_only(message.reply_markup))
        if (text, entities, markup) == current:
            raise ApiError(NOT_MODIFIED)
        message.text, message.entities, message.reply_markup = text, entities, markup
        message.raw_text = raw_text
        message.parse_mode = params.get("parse_mode")
        return self._record_edit(chat, message)

    def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        chat, message = self._message_to_edit(params)
        markup = _validate_markup(params.get("reply_markup"), inline_only=True)
        if markup == _inline_only(message.reply_markup):
            raise ApiError(NOT_MODIFIED)
        message.reply_markup = markup
        return self._record_edit(chat, message)

    def _record_edit(self, chat: _ChatState, message: BotMessage) -> dict[str, Any]:
        message.edit_count += 1
        message.edit_date = int(time.time())
        self._bot_event(chat, message)
        return message.to_api()

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for_bot(params)
        message_id = params.get("message_id")
        if message_id in chat.bot_messages:
            del chat.bot_messages[message_id]
        elif message_id in chat.user_messages:
            del chat.user_messages[message_id]
        else:
            raise ApiError("Bad Request: message to delete not found")
        return True

    def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat = self._chat_for_bot(params)
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError("Bad Request: wrong parameter action in request")
        chat.actions.append(action)
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(_require(params, "callback_query_id"))
        if self._open_callbacks.pop(query_id, None) is None:
            raise ApiError(QUERY_TOO_OLD)
        lifetime, pressed = self.callback_query_lifetime, self._pressed_at.pop(query_id, None)
        if lifetime is not None and pressed is not None and time.monotonic() - pressed > lifetime:
            self.expired_callbacks.append(query_id)
            raise ApiError(QUERY_TOO_OLD)
        self.answered_callbacks[query_id] = params
        return True

    # -- files

    def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat_for_bot(params)
        document = params.get("document")
        if isinstance(document, UploadedFile):
            stored = self._store_file("documents", document.filename, document.content)
            name, mime, content = document.filename, document.mime_type, document.content
        elif isinstance(document, str) and document in self._files:
            stored = self._files[document]  # re-sending by file_id
            name, mime, content = stored.file_path.rsplit("/", 1)[-1], None, stored.content
        else:
            raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
        caption, caption_entities = None, []
        if params.get("caption"):
            caption, caption_entities = _format_text(
                str(params["caption"]), params, "caption_entities", MAX_CAPTION_LENGTH
            )
        document_dict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": name,
            "file_size": len(content),
        }
        if mime:
            document_dict["mime_type"] = mime
        message = BotMessage(
            message_id=chat.take_message_id(),
            chat=chat.chat,
            sender=self.bot_user,
            date=int(time.time()),
            parse_mode=params.get("parse_mode"),
            reply_markup=_validate_markup(params.get("reply_markup")),
            document=document_dict,
            caption=caption or None,
            caption_entities=caption_entities,
            reply_to=self._reply_target(chat, params),
        )
        chat.documents.append(
            SentDocument(message.message_id, name, mime, content, caption or None)
        )
        return self._store_bot_message(chat, message)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """An uploaded photo: kept with the documents (`documents_sent`, mime type image/*)."""
        chat = self._chat_for_bot(params)
        photo = params.get("photo")
        if not isinstance(photo, UploadedFile) or not photo.content:
            raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
        stored = self._store_file("photos", "photo.jpg", photo.content)
        caption, caption_entities = None, []
        if params.get("caption"):
            caption, caption_entities = _format_text(
                str(params["caption"]), params, "caption_entities", MAX_CAPTION_LENGTH
            )
        message = BotMessage(
            message_id=chat.take_message_id(), chat=chat.chat, sender=self.bot_user,
            date=int(time.time()), parse_mode=params.get("parse_mode"),
            reply_markup=_validate_markup(params.get("reply_markup")),
            photo=[{"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "width": 512, "height": 512, "file_size": len(photo.content)}],
            caption=caption or None, caption_entities=caption_entities,
            reply_to=self._reply_target(chat, params),
        )
        chat.documents.append(SentDocument(message.message_id, photo.filename, "image/png",
                                           photo.content, caption or None))
        return self._store_bot_message(chat, message)

    def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        stored = self._files.get(str(_require(params, "file_id")))
        if stored is None:
            raise ApiError("Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    # -- bot profile

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = _require(params, "commands")
        _validate_commands(commands)
        language = _language_code(params)
        scope = _scope_key(params.get("scope"))
        self.commands_by_scope[(scope, language)] = commands
        if scope == "default":
            self.commands[language] = commands
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        key = (_scope_key(params.get("scope")), _language_code(params))
        return self.commands_by_scope.get(key, [])

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        language = _language_code(params)
        scope = _scope_key(params.get("scope"))
        self.commands_by_scope.pop((scope, language), None)
        if scope == "default":
            self.commands.pop(language, None)
        return True

    def _set_my_description(self, params: dict[str, Any]) -> bool:
        _set_text_setting(self.descriptions, params, "description", 512)
        return True

    def _get_my_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"description": self.descriptions.get(_language_code(params), "")}

    def _set_my_short_description(self, params: dict[str, Any]) -> bool:
        _set_text_setting(self.short_descriptions, params, "short_description", 120)
        return True

    def _get_my_short_description(self, params: dict[str, Any]) -> dict[str, str]:
        return {"short_description": self.short_descriptions.get(_language_code(params), "")}


# --------------------------------------------------------------------------- helpers


async def _read_params(request: web.Request) -> dict[str, Any]:
    """Merge query string and body (JSON, url-encoded or multipart) into typed params."""
    raw: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                raise ApiError("Bad Request: can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise ApiError("Bad Request: JSON request body must be an object")
            raw.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                raw[key] = UploadedFile(
                    filename=value.filename,
                    mime_type=value.content_type,
                    content=value.file.read(),
                )
            else:
                raw[key] = value
    params = {key: _coerce(key, value) for key, value in raw.items()}
    # Files may be referenced as attach://<part name> (used for media groups).
    for key, value in params.items():
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = params.get(value[len("attach://") :], value)
    return params


def _error_response(error: ApiError) -> web.Response:
    return web.json_response(error.body(), status=error.status)


def _format_text(
    raw: str, params: dict[str, Any], entities_param: str, max_length: int
) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of a text or caption, enforcing Telegram's limits."""
    parse_mode = params.get("parse_mode")
    if parse_mode and str(parse_mode).lower() == "html":
        try:
            text, entities = parse_html(raw)
        except HtmlParseError as error:
            raise ApiError(f"Bad Request: can't parse entities: {error}") from None
    elif parse_mode and str(parse_mode).lower() not in ("markdown", "markdownv2"):
        raise ApiError("Bad Request: unsupported parse_mode")
    else:
        text, entities = raw, list(params.get(entities_param) or [])
    text, entities = _trim(text, entities)
    is_caption = entities_param == "caption_entities"
    if not text and not is_caption:
        raise ApiError("Bad Request: message text is empty")
    if len(text) > max_length:  # Telegram counts code points here
        what = "message caption is too long" if is_caption else "message is too long"
        raise ApiError(f"Bad Request: {what}")
    return text, entities


def _validate_markup(
    markup: dict[str, Any] | None, *, inline_only: bool = False
) -> dict[str, Any] | None:
    """Check a reply_markup the way Telegram does; empty keyboards count as none."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(_MARKUP_NOT_JSON)
    if "inline_keyboard" not in markup:
        if inline_only:
            raise ApiError("Bad Request: inline keyboard expected")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(
            'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup '
            "should be an Array of Arrays"
        )
    for row in rows:
        for button in row:
            _validate_button(button)
    if not any(rows):
        return None
    return markup


def _inline_only(markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The part of a markup an edit can change: reply keyboards are not part of a message."""
    return markup if markup and "inline_keyboard" in markup else None


def _validate_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError("Bad Request: can't parse inline keyboard button: Text must be a String")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise ApiError(
            "Bad Request: can't parse inline keyboard button: "
            "Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if "callback_data" in actions and (
        not isinstance(data, str)
        or not 1 <= len(data.encode("utf-8", "surrogatepass")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise ApiError("Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in actions and not re.match(r"(https?|tg)://\S+$", str(url)):
        raise ApiError("Bad Request: BUTTON_URL_INVALID")


def _validate_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise ApiError("Bad Request: commands must be a list of at most 100 BotCommand")
    for command in commands:
        name = command.get("command", "") if isinstance(command, dict) else ""
        if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
            raise ApiError("Bad Request: BOT_COMMAND_INVALID")
        description = command.get("description", "")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise ApiError("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")


def _language_code(params: dict[str, Any]) -> str:
    language = params.get("language_code") or ""
    if language and not re.fullmatch(r"[a-z]{2}", language):
        raise ApiError("Bad Request: invalid language code specified")
    return language


def _set_text_setting(
    store: dict[str, str], params: dict[str, Any], name: str, max_length: int
) -> None:
    language = _language_code(params)
    value = params.get(name) or ""
    if len(value) > max_length:
        raise ApiError(f"Bad Request: {name.replace('_', ' ')} is too long")
    if value:
        store[language] = value
    else:
        store.pop(language, None)  # an empty value removes it, as on Telegram


def _user_text(text: str) -> dict[str, Any]:
    """Text content of a user message, with the entity clients add to commands."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        # CommandHandler only reacts to messages with a bot_command entity at 0.
        command = text.split(maxsplit=1)[0]
        content["entities"] = [
            {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
        ]
    return content


def _chat_id_of_update(update: dict[str, Any]) -> int | None:
    for key, payload in update.items():
        if key == "update_id" or not isinstance(payload, dict):
            continue
        message = payload.get("message") if key == "callback_query" else payload
        with contextlib.suppress(AttributeError, KeyError, TypeError):
            return message["chat"]["id"]
    return None


def _describe_bot_message(message_id: int, message: BotMessage | None) -> str:
    if message is None:
        return f"bot  #{message_id}: (deleted)"
    if message.document is not None:
        body = f"[document {message.document.get('file_name')}] {message.caption or ''}"
    else:
        body = message.text
    extra = f" [edited x{message.edit_count}]" if message.edit_count else ""
    keyboard = f" buttons={message.buttons}" if message.buttons else ""
    return f"bot  #{message_id}: {body!r}{extra}{keyboard}"


def _describe_user_message(message_id: int, message: dict[str, Any] | None) -> str:
    if message is None:
        return f"user #{message_id}: (deleted)"
    if "text" in message:
        body = repr(message["text"])
    else:
        kind = next((k for k in ("document", "sticker", "photo") if k in message), "other content")
        body = f"[{kind}]"
    return f"user #{message_id}: {body}"
