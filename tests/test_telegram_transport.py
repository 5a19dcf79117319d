"""bot/telegram/transport.py: PTB's request contract on aiohttp, against the fake Bot API."""

from __future__ import annotations

import asyncio
import socket

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.telegram.transport import AiohttpRequest
from tests.test_telegram_support import TOKEN, fake_fixture  # noqa: F401  (fixture)


@pytest.fixture
async def client(fake):
    bot = Bot(TOKEN, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot",
              request=AiohttpRequest(4), get_updates_request=AiohttpRequest(1))
    async with bot:
        yield bot


async def test_calls_uploads_and_downloads(client, fake):
    fake.add_chat(7)
    message = await client.send_message(7, "<b>hi</b> &amp; more", parse_mode="HTML")
    assert message.text == "hi & more"
    await client.send_document(7, b"\x00binary", filename="r.bin", caption="c")
    [document] = fake.documents_sent(7)
    assert (document.filename, document.content, document.caption) == ("r.bin", b"\x00binary", "c")
    uploaded = await fake.user_sends_document(7, "cases.yaml", b"a: 1\n")
    telegram_file = await client.get_file(uploaded["document"]["file_id"])
    assert bytes(await telegram_file.download_as_bytearray()) == b"a: 1\n"
    assert (await client.get_me()).username == "massage_cost_test_bot"


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_errors_map_to_ptb_exceptions(client, fake):
    with pytest.raises(BadRequest, match="Chat not found"):
        await client.send_message(404, "x")
    fake.add_chat(7)
    fake.fail_next("sendMessage", status=429, retry_after=2)
    with pytest.raises(RetryAfter):
        await client.send_message(7, "x")
    fake.fail_next("sendMessage", status=502)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await client.send_message(7, "x")


async def test_timeouts_and_refused_connections():
    async def slow(request):
        await asyncio.sleep(2)
        return web.json_response({"ok": True, "result": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    request = AiohttpRequest(2, read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
        await runner.cleanup()

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        free = sock.getsockname()[1]
    request = AiohttpRequest(2)
    await request.initialize()
    try:
        with pytest.raises(NetworkError, match="aiohttp"):
            await request.post(f"http://127.0.0.1:{free}/bot{TOKEN}/getMe")
    finally:
        await request.shutdown()
    with pytest.raises(NetworkError, match="not initialized"):
        await request.post(f"http://127.0.0.1:{free}/bot{TOKEN}/getMe")
