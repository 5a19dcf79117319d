"""Tests of the fake Bot API: a real PTB Application against it, and its limits."""

from __future__ import annotations

import asyncio
import html
import time

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes import FakeTelegramAPI, HtmlParseError, buttons, parse_html

TOKEN = "123:ABC"
CHAT = 1001

# --------------------------------------------------------------------------- fixtures


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api
    assert api.internal_errors == []


@pytest.fixture
async def bot(fake):
    """A bare Bot for limit tests: no polling needed."""
    async with Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot") as b:
        yield b


@pytest.fixture
async def http(fake):
    async with aiohttp.ClientSession(base_url=fake.url) as session:
        yield session


def keyboard(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )


async def on_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(
        "<b>Welcome</b>, pick one:",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([("Estimate", "estimate"), ("Help", "help")]),
    )


async def on_typing(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_action(ChatAction.TYPING)
    await update.effective_message.reply_text("done typing")


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("ok")
    await query.edit_message_text(
        f"You chose <i>{html.escape(query.data)}</i>",
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([("Back", "back")]),
    )


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(f"echo: {update.effective_message.text}")


async def on_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_chat.send_message(f"edited: {update.edited_message.text}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    telegram_file = await message.document.get_file()
    content = bytes(await telegram_file.download_as_bytearray())
    await message.reply_document(
        document=content.upper(), filename="echo.yaml", caption=f"got {len(content)} bytes"
    )


async def on_sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("nice sticker")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text("nice photo")


@pytest.fixture
async def app(fake):
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", on_start))
    application.add_handler(CommandHandler("typing", on_typing))
    application.add_handler(CallbackQueryHandler(on_button))
    application.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, on_edit))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(MessageHandler(filters.Document.ALL, on_document))
    application.add_handler(MessageHandler(filters.Sticker.ALL, on_sticker))
    application.add_handler(MessageHandler(filters.PHOTO, on_photo))
    await application.initialize()
    await application.start()
    await application.updater.start_polling(poll_interval=0, timeout=1)
    yield application
    await application.updater.stop()
    await application.stop()
    await application.shutdown()


# --------------------------------------------------------------------------- a real PTB app


async def test_echo_round_trip(app, fake):
    sent = await fake.user_sends(CHAT, "hello")
    reply = await fake.wait_for_bot(CHAT)

    assert reply.text == "echo: hello"
    # Message ids are per chat and shared by the user and the bot.
    assert (sent["message_id"], reply.message_id) == (1, 2)
    assert fake.bot_texts(CHAT) == ["echo: hello"]
    methods = [call.method for call in fake.calls]
    assert methods[:2] == ["getMe", "deleteWebhook"]
    assert "getUpdates" in methods
    assert fake.calls_to("sendMessage")[0] == {"chat_id": CHAT, "text": "echo: hello"}


async def test_command_keyboard_and_callback_edit(app, fake):
    await fake.user_sends(CHAT, "/start")
    welcome = await fake.wait_for_bot(CHAT, lambda m: bool(m.buttons))

    assert welcome.text == "Welcome, pick one:"
    assert welcome.raw_text == "<b>Welcome</b>, pick one:"
    assert welcome.entities == [{"type": "bold", "offset": 0, "length": 7}]
    assert welcome.buttons == [("Estimate", "estimate"), ("Help", "help")]

    query_id = await fake.press_button(CHAT, "Estimate")
    edited = await fake.wait_for_bot(CHAT, lambda m: m.edit_count == 1)

    assert edited.text == "You chose estimate"
    assert edited.message_id == welcome.message_id
    assert fake.answered_callbacks[query_id]["text"] == "ok"
    assert len(fake.messages(CHAT)) == 1
    assert fake.last_bot_message(CHAT).buttons == [("Back", "back")]

    # The callback carried the message as stored, with its keyboard at the time.
    await fake.press_button(CHAT, lambda text, data: data == "back")
    again = await fake.wait_for_bot(CHAT, lambda m: m.edit_count == 2)
    assert again.text == "You chose back"
    await fake.wait_idle()
    assert fake.pending_update_count == 0


async def test_chat_action_and_command_entity(app, fake):
    await fake.user_sends(CHAT, "/typing now")
    await fake.wait_for_bot(CHAT, lambda m: m.text == "done typing")
    assert fake.chat_actions(CHAT) == ["typing"]


async def test_document_upload_and_download(app, fake):
    await fake.user_sends_document(CHAT, "plan.yaml", b"visits: 4\n")
    reply = await fake.wait_for_bot(CHAT, lambda m: m.document is not None)

    assert reply.caption == "got 10 bytes"
    [document] = fake.documents_sent(CHAT)
    assert (document.filename, document.content) == ("echo.yaml", b"VISITS: 4\n")
    assert document.message_id == reply.message_id
    assert [call.method for call in fake.calls].count("getFile") == 1


async def test_edits_stickers_and_photos(app, fake):
    sent = await fake.user_sends(CHAT, "hi")
    await fake.wait_for_bot(CHAT, lambda m: m.text == "echo: hi")
    await fake.user_edits(CHAT, sent["message_id"], "hi there")
    await fake.wait_for_bot(CHAT, lambda m: m.text == "edited: hi there")
    await fake.user_sends_sticker(CHAT)
    await fake.wait_for_bot(CHAT, lambda m: m.text == "nice sticker")
    await fake.user_sends_photo(CHAT)
    await fake.wait_for_bot(CHAT, lambda m: m.text == "nice photo")


async def test_group_reply_quotes_the_user_message(app, fake):
    group = -100200
    sent = await fake.user_sends(group, "hello all", chat_type="group", user_id=5)
    reply = await fake.wait_for_bot(group)
    # PTB quotes in groups by default: the fake resolves reply_parameters.
    assert reply.reply_to["message_id"] == sent["message_id"]
    assert sent["from"]["id"] == 5


async def test_many_chats_are_answered_in_order(app, fake):
    for round_number in range(5):
        for chat_id in range(2000, 2020):
            await fake.user_sends(chat_id, f"m{round_number}")
    # Each chat's last answer, not a quiet spell: on a loaded machine the bot can be busy
    # without calling the API for longer than wait_idle's quiet window.
    for chat_id in range(2000, 2020):
        await fake.wait_for_bot(chat_id, lambda m: m.text == "echo: m4", timeout=30)
    await fake.wait_idle(timeout=10)
    for chat_id in range(2000, 2020):
        assert fake.bot_texts(chat_id) == [f"echo: m{n}" for n in range(5)]
        # The chat numbers its messages in the order they were sent, both ways (how early the
        # bot answered depends on the machine's load, so not the exact numbers).
        ids = [m.message_id for m in fake.messages(chat_id)]
        assert ids == sorted(ids) and len(set(ids)) == 5 and ids[0] > 1


async def test_wait_for_bot_timeout_shows_transcript(fake):
    await fake.user_sends(CHAT, "anyone?")
    with pytest.raises(AssertionError, match=r"(?s)within 0.2s.*user #1: 'anyone\?'"):
        await fake.wait_for_bot(CHAT, timeout=0.2)
    with pytest.raises(AssertionError, match="not fetch all updates"):
        await fake.wait_idle(timeout=0.2)


async def test_wait_for_bot_only_counts_messages_after_the_last_user_action(fake, bot):
    await fake.user_sends(CHAT, "one")
    await bot.send_message(CHAT, "first answer")
    assert (await fake.wait_for_bot(CHAT)).text == "first answer"
    await fake.user_sends(CHAT, "two")
    waiter = asyncio.create_task(fake.wait_for_bot(CHAT, timeout=2))
    await asyncio.sleep(0.05)
    assert not waiter.done()
    await bot.send_message(CHAT, "second answer")
    assert (await waiter).text == "second answer"


# --------------------------------------------------------------------------- HTTP shape


async def test_http_shape(fake, http):
    async with http.get(f"/bot{TOKEN}/getMe") as response:
        body = await response.json()
    assert body["ok"] is True
    assert body["result"]["username"] == "massage_cost_test_bot"
    assert body["result"]["id"] == 123 and body["result"]["is_bot"] is True

    fake.add_chat(CHAT)
    async with http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": CHAT, "text": "x"}) as r:
        assert (await r.json())["result"]["text"] == "x"
    async with http.post(f"/bot{TOKEN}/sendmessage", data={"chat_id": str(CHAT), "text": "7"}) as r:
        result = (await r.json())["result"]
    assert result["text"] == "7"  # a numeric text stays text
    assert result["from"]["is_bot"] is True and result["chat"]["type"] == "private"

    async with http.post(f"/bot{TOKEN}/sendPigeon") as response:
        assert response.status == 404
        assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    async with http.post("/bot999:WRONG/getMe") as response:
        assert response.status == 401
    async with http.post(f"/bot{TOKEN}/sendMessage", json={"chat_id": 5, "text": "x"}) as r:
        assert r.status == 400
        assert await r.json() == {
            "ok": False,
            "error_code": 400,
            "description": "Bad Request: chat not found",
        }


async def test_file_route_serves_uploaded_documents(fake, http, bot):
    message = await fake.user_sends_document(CHAT, "a.yaml", b"key: value\n")
    telegram_file = await bot.get_file(message["document"]["file_id"])
    assert telegram_file.file_size == 11
    assert bytes(await telegram_file.download_as_bytearray()) == b"key: value\n"
    path = telegram_file.file_path.split(f"/file/bot{TOKEN}/", 1)[1]
    async with http.get(f"/file/bot{TOKEN}/{path}") as response:
        assert await response.read() == b"key: value\n"
    async with http.get(f"/file/bot{TOKEN}/documents/nope.yaml") as response:
        assert response.status == 404
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("no-such-file")


async def test_send_document_by_bot_records_bytes(fake, bot):
    fake.add_chat(CHAT)
    await bot.send_document(
        CHAT,
        b"\x00\x01binary",
        filename="report.pdf",
        caption="<b>r</b>",
        parse_mode=ParseMode.HTML,
    )
    [document] = fake.documents_sent(CHAT)
    assert (document.filename, document.content, document.caption) == (
        "report.pdf",
        b"\x00\x01binary",
        "r",
    )
    assert fake.calls_to("sendDocument")[0]["document"].filename == "report.pdf"


# --------------------------------------------------------------------------- long polling


async def get_updates(http, **params):
    async with http.post(f"/bot{TOKEN}/getUpdates", json=params) as response:
        return response.status, await response.json()


async def test_long_poll_returns_early_and_honours_offset(fake, http):
    assert await get_updates(http, timeout=0) == (200, {"ok": True, "result": []})

    poll = asyncio.create_task(get_updates(http, timeout=5))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await fake.user_sends(CHAT, "wake up")
    status, body = await poll
    assert time.monotonic() - started < 1
    [update] = body["result"]
    assert update["message"]["text"] == "wake up"

    # Not confirmed yet: delivered again; a higher offset confirms it.
    _, body = await get_updates(http, timeout=0)
    assert [u["update_id"] for u in body["result"]] == [update["update_id"]]
    _, body = await get_updates(http, timeout=0, offset=update["update_id"] + 1)
    assert body["result"] == [] and fake.pending_update_count == 0

    started = time.monotonic()
    _, body = await get_updates(http, timeout=0.2)
    assert body["result"] == [] and time.monotonic() - started >= 0.2


async def test_allowed_updates_limit(fake, http):
    await fake.user_sends(CHAT, "a message")
    _, body = await get_updates(http, timeout=0, allowed_updates=["callback_query"])
    assert body["result"] == []
    await fake.push_update({"callback_query": {"id": "1", "from": {}, "chat_instance": "1"}})
    _, body = await get_updates(http, timeout=0, limit=1)
    assert list(body["result"][0]) == ["update_id", "callback_query"]
    # An empty list restores the default set (message included).
    await fake.user_sends(CHAT, "again")
    _, body = await get_updates(http, timeout=0, allowed_updates=[], offset=-1)
    assert body["result"][0]["message"]["text"] == "again"


async def test_second_poller_terminates_the_first(fake, http):
    first = asyncio.create_task(get_updates(http, timeout=5))
    await asyncio.sleep(0.05)
    assert await get_updates(http, timeout=0) == (200, {"ok": True, "result": []})
    status, body = await first
    assert status == 409 and "terminated by other getUpdates" in body["description"]


async def test_webhook_recorded_and_conflicts_with_polling(fake, bot, http):
    await bot.set_webhook("https://example.test/hook", secret_token="s3cret")
    assert fake.webhook["url"] == "https://example.test/hook"
    assert fake.webhook["secret_token"] == "s3cret"
    info = await bot.get_webhook_info()
    assert info.url == "https://example.test/hook"
    status, body = await get_updates(http, timeout=0)
    assert status == 409 and "webhook is active" in body["description"]
    await bot.delete_webhook()
    assert (await bot.get_webhook_info()).url == ""


# --------------------------------------------------------------------------- limits


async def test_unknown_chat(fake, bot):
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(CHAT, "hi")


async def test_text_length_is_counted_after_entity_parsing(fake, bot):
    fake.add_chat(CHAT)
    await bot.send_message(CHAT, "<b>" + "a" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_message(CHAT, "&lt;" * 4096, parse_mode=ParseMode.HTML)
    await bot.send_message(CHAT, "😀" * 4096)  # code points, not UTF-16 units
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(CHAT, "a" * 4097)
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, "  \n ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(CHAT, "<b> </b>", parse_mode=ParseMode.HTML)


async def test_callback_data_is_limited_to_64_bytes(fake, bot):
    fake.add_chat(CHAT)
    await bot.send_message(CHAT, "ok", reply_markup=keyboard([("x", "é" * 32)]))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(CHAT, "no", reply_markup=keyboard([("x", "é" * 32 + "x")]))
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(
            CHAT, "no", reply_markup={"inline_keyboard": [[{"text": "x", "callback_data": ""}]]}
        )


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("é <br/>", 'Unsupported start tag "br/" at byte offset 3'),
        ("AT&T", "Unsupported character reference at byte offset 2"),
        ("&nbsp;", "Unsupported character reference at byte offset 0"),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<b", "Unclosed start tag at byte offset 0"),
        ('<a href="x>y', "Unclosed start tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("<b x>y</b>", 'Expected equal sign in declaration of an attribute of the tag "b"'),
        ("<a href=a/b>y</a>", "Unexpected end of name token at byte offset 8"),
    ],
)
def test_invalid_html_is_rejected(text, error):
    with pytest.raises(HtmlParseError) as excinfo:
        parse_html(text)
    assert str(excinfo.value).startswith(error)


@pytest.mark.parametrize(
    ("source", "text", "entities"),
    [
        ("&lt;&gt;&amp;&quot;&#39;&#x41;", "<>&\"'A", []),
        ("<b>😀x</b>y", "😀xy", [{"type": "bold", "offset": 0, "length": 3}]),
        (
            '<a href="https://x.test/?a=1&amp;b=2">link</a>',
            "link",
            [{"type": "text_link", "offset": 0, "length": 4, "url": "https://x.test/?a=1&b=2"}],
        ),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "x = 1",
            [{"type": "pre", "offset": 0, "length": 5, "language": "python"}],
        ),
        ("<code>c</code>", "c", [{"type": "code", "offset": 0, "length": 1}]),
        (
            '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>',
            "st",
            [
                {"type": "spoiler", "offset": 0, "length": 1},
                {"type": "spoiler", "offset": 1, "length": 1},
            ],
        ),
        (
            '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>',
            "👍",
            [
                {
                    "type": "custom_emoji",
                    "offset": 0,
                    "length": 2,  # UTF-16 units
                    "custom_emoji_id": "5368324170671202286",
                }
            ],
        ),
        (
            "<blockquote expandable>q</blockquote>",
            "q",
            [{"type": "expandable_blockquote", "offset": 0, "length": 1}],
        ),
        (
            "<B><i>x</i></b><u>u</u><s>s</s>",
            "xus",
            [
                {"type": "bold", "offset": 0, "length": 1},
                {"type": "italic", "offset": 0, "length": 1},
                {"type": "underline", "offset": 1, "length": 1},
                {"type": "strikethrough", "offset": 2, "length": 1},
            ],
        ),
    ],
)
def test_valid_html_gives_text_and_entities(source, text, entities):
    assert parse_html(source) == (text, entities)


async def test_html_errors_reach_the_bot(fake, bot):
    fake.add_chat(CHAT)
    with pytest.raises(BadRequest, match="Can't parse entities: unsupported start tag"):
        await bot.send_message(CHAT, "price < 100", parse_mode=ParseMode.HTML)
    await bot.send_message(CHAT, html.escape("price < 100 & more"), parse_mode=ParseMode.HTML)
    assert fake.bot_texts(CHAT) == ["price < 100 & more"]


async def test_edit_limits(fake, bot):
    fake.add_chat(CHAT)
    markup = keyboard([("a", "a")])
    message = await bot.send_message(CHAT, "<b>t</b>", parse_mode="HTML", reply_markup=markup)

    with pytest.raises(BadRequest, match="Message is not modified: specified new message"):
        await bot.edit_message_text(
            "<b>t</b>", CHAT, message.message_id, parse_mode="HTML", reply_markup=markup
        )
    # Same visible text but different formatting is a modification.
    await bot.edit_message_text("t", CHAT, message.message_id, reply_markup=markup)
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(CHAT, message.message_id, reply_markup=markup)
    # Omitting reply_markup removes the keyboard.
    edited = await bot.edit_message_text("t", CHAT, message.message_id)
    assert edited.reply_markup is None and fake.last_bot_message(CHAT).edit_count == 2
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", CHAT, 999)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_reply_markup(CHAT, 999, reply_markup=markup)


async def test_answer_callback_query_once(fake, bot):
    fake.add_chat(CHAT)
    message = await bot.send_message(CHAT, "pick", reply_markup=keyboard([("a", "a")]))
    assert buttons(message.to_dict()) == [("a", "a")]
    query_id = await fake.user_presses(CHAT, message.message_id, "a")
    await bot.answer_callback_query(query_id, text="thanks")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(query_id)
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("12345")
    assert fake.answered_callbacks[query_id]["text"] == "thanks"


# PTB itself warns when it builds a RetryAfter with an int retry_after.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_injection(fake, bot):
    fake.add_chat(CHAT)
    fake.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "x")
    await bot.send_message(CHAT, "x")  # applied once
    fake.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(CHAT, "x")
    assert fake.bot_texts(CHAT) == ["x"]
    assert [call.method for call in fake.calls].count("sendMessage") == 3


async def test_commands_descriptions_and_other_methods(fake, bot):
    from telegram import BotCommand, BotCommandScopeAllPrivateChats

    await bot.set_my_commands([BotCommand("start", "Start over")])
    await bot.set_my_commands([BotCommand("start", "Neu starten")], language_code="de")
    await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeAllPrivateChats())
    assert fake.commands == {
        "": [{"command": "start", "description": "Start over"}],
        "de": [{"command": "start", "description": "Neu starten"}],
    }
    assert fake.commands_by_scope[("all_private_chats", "")][0]["command"] == "help"
    assert [c.command for c in await bot.get_my_commands(language_code="de")] == ["start"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Start-Over", "x")])

    await bot.set_my_description("Estimates massage costs", language_code="en")
    await bot.set_my_short_description("Massage costs")
    assert fake.descriptions == {"en": "Estimates massage costs"}
    assert fake.short_descriptions == {"": "Massage costs"}
    assert (await bot.get_my_description("en")).description == "Estimates massage costs"

    fake.add_chat(CHAT)
    message = await bot.send_message(CHAT, "bye")
    with pytest.raises(BadRequest, match="Wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert await bot.delete_message(CHAT, message.message_id) is True
    assert fake.messages(CHAT) == []
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await bot.delete_message(CHAT, message.message_id)


async def test_captions_and_other_parse_modes(fake, bot):
    fake.add_chat(CHAT)
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_document(CHAT, b"x", filename="x.txt", caption="c" * 1025)
    # Markdown is stored as sent (not validated by the fake).
    await bot.send_message(CHAT, "*bold*", parse_mode=ParseMode.MARKDOWN_V2)
    assert fake.last_bot_message(CHAT).text == "*bold*"


async def test_register_method_extends_the_fake(fake, http):
    fake.register_method("sendPing", lambda params: {"pong": params["n"]})
    async with http.post(f"/bot{TOKEN}/sendPing", data={"n": "1"}) as response:
        assert await response.json() == {"ok": True, "result": {"pong": "1"}}
