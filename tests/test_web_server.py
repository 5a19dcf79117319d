"""The web server: the Telegram webhook end to end against the fake Bot API, health,
readiness and metrics."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp.test_utils import TestClient, TestServer
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot import metrics as web_metrics
from bot.clinics import load_clinics
from bot.settings import Settings, SettingsError
from bot.store import open_store
from bot.web.server import MAX_BODY_BYTES, SECRET_HEADER, WEBHOOK_PATH, create_app
from tests.fakes import FakeTelegramAPI

TOKEN = "123456:" + "A" * 35
SECRET = "webhook_secret-123"
CHAT = 4242
WEBHOOK_URL = "https://bot.example.com/telegram"


def make_settings(fake: FakeTelegramAPI | None = None, **overrides) -> Settings:
    values = {
        "telegram_bot_token": TOKEN if fake else None,
        "telegram_api_base_url": f"{fake.url}/bot" if fake else "https://api.telegram.org/bot",
        "webhook_url": WEBHOOK_URL if fake else None,
        "webhook_secret": SECRET,
        "bot_username": "DemoClinicBot",
        "api_keys": [],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
async def fake():
    async with FakeTelegramAPI(token=TOKEN) as api:
        yield api
    assert api.internal_errors == []


def echo_application(fake: FakeTelegramAPI, delay: float = 0.0) -> Application:
    """A plain PTB Application with one handler, built like the bot's: no updater."""

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if delay:
            await asyncio.sleep(delay)
        if update.effective_message.text == "fail":
            raise RuntimeError("a handler bug")
        await update.effective_message.reply_text(f"echo: {update.effective_message.text}")
        web_metrics.reply_sent()

    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .updater(None)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


class Delivery:
    """Plays Telegram's part: posts the fake's user messages to the webhook."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.update_id = 100

    async def send(self, fake: FakeTelegramAPI, text: str, secret: str | None = SECRET):
        message = await fake.user_sends(CHAT, text)
        self.update_id += 1
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return await self.client.post(
            WEBHOOK_PATH, json={"update_id": self.update_id, "message": message}, headers=headers
        )


@pytest.fixture
async def webhook(fake):
    app = create_app(make_settings(fake), clinics=load_clinics(),
                     telegram_app=echo_application(fake))
    async with TestClient(TestServer(app)) as client:
        yield client, Delivery(client)


# --- the webhook ------------------------------------------------------------------------------


async def test_webhook_is_registered_with_the_secret_on_startup(webhook, fake):
    assert fake.webhook["url"] == WEBHOOK_URL
    assert fake.webhook["secret_token"] == SECRET


async def test_an_update_with_the_right_secret_reaches_the_handler_and_the_reply_the_fake(
    webhook, fake
):
    client, delivery = webhook
    response = await delivery.send(fake, "hello there")
    assert response.status == 200
    reply = await fake.wait_for_bot(CHAT, lambda m: m.text.startswith("echo:"))
    assert reply.text == "echo: hello there"


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1]])
async def test_a_wrong_or_missing_secret_is_forbidden_and_nothing_is_processed(
    webhook, fake, secret
):
    client, delivery = webhook
    response = await delivery.send(fake, "hello", secret=secret)
    assert response.status == 403
    await asyncio.sleep(0.05)
    assert fake.bot_texts(CHAT) == []
    assert fake.calls_to("sendMessage") == []


@pytest.mark.parametrize(
    "body", [b"not json", b"", b"\xff\xfe", b"[1, 2]", b'{"message": {}}', b'{"update_id": "1"}',
             b'{"update_id": NaN}', b"[" * 100_000]
)
async def test_a_body_that_is_not_an_update_is_a_bad_request(webhook, body):
    client, _ = webhook
    response = await client.post(
        WEBHOOK_PATH, data=body, headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    )
    assert response.status == 400


async def test_a_body_over_one_megabyte_is_refused(webhook):
    client, _ = webhook
    body = b'{"update_id": 1, "padding": "' + b"x" * MAX_BODY_BYTES + b'"}'
    response = await client.post(
        WEBHOOK_PATH, data=body, headers={SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    )
    assert response.status == 413


async def test_the_webhook_answers_at_once_and_shutdown_finishes_updates_in_flight(fake):
    app = create_app(make_settings(fake), clinics=load_clinics(),
                     telegram_app=echo_application(fake, delay=0.5))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        delivery = Delivery(client)
        started = time.perf_counter()
        response = await delivery.send(fake, "slow one")
        assert response.status == 200
        assert time.perf_counter() - started < 0.4
        assert fake.calls_to("sendMessage") == []
    finally:
        await client.close()  # stops the server: the update in flight must finish first
    assert fake.bot_texts(CHAT) == ["echo: slow one"]


async def test_without_a_telegram_application_there_is_no_webhook():
    app = create_app(make_settings(), clinics=load_clinics())
    async with TestClient(TestServer(app)) as client:
        response = await client.post(WEBHOOK_PATH, json={"update_id": 1},
                                     headers={SECRET_HEADER: SECRET})
        assert response.status in (404, 405)


async def test_a_telegram_application_without_a_webhook_secret_is_refused(fake):
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        create_app(make_settings(fake, webhook_secret=None), clinics=load_clinics(),
                   telegram_app=echo_application(fake))


# --- health, readiness, metrics -----------------------------------------------------------------


async def test_healthz_says_alive():
    async with TestClient(TestServer(create_app(make_settings(), clinics=load_clinics()))) as c:
        response = await c.get("/healthz")
        assert response.status == 200
        assert (await response.json()) == {"status": "ok"}


async def test_readyz_checks_the_store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'ready.sqlite3'}")
    await store.open()
    app = create_app(make_settings(), clinics=load_clinics(), store=store)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/readyz")
        assert response.status == 200
        assert (await response.json()) == {"status": "ready", "checks": {"store": True}}
        await store.close()
        response = await client.get("/readyz")
        assert response.status == 503
        assert (await response.json())["checks"] == {"store": False}


async def test_readyz_checks_the_telegram_application(webhook):
    client, _ = webhook
    response = await client.get("/readyz")
    assert response.status == 200
    assert (await response.json())["checks"] == {"telegram": True}


async def test_metrics_count_updates_replies_latency_and_interviews(webhook, fake):
    client, delivery = webhook
    await delivery.send(fake, "count me")
    await fake.wait_for_bot(CHAT, lambda m: m.text.startswith("echo:"))
    web_metrics.interview_started()
    web_metrics.interview_completed()
    with web_metrics.estimate_timer("telegram"):
        pass
    await client.post(WEBHOOK_PATH, data=b"nope", headers={SECRET_HEADER: SECRET})
    await client.post(WEBHOOK_PATH, json={"update_id": 1}, headers={SECRET_HEADER: "bad"})
    for _ in range(50):  # the update's latency is recorded when its task ends
        text = await (await client.get("/metrics")).text()
        if "massage_bot_update_seconds_count 1.0" in text:
            break
        await asyncio.sleep(0.02)
    response = await client.get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    for line in (
        'massage_bot_updates_total{kind="message"} 1.0',
        "massage_bot_replies_total 1.0",
        "massage_bot_update_seconds_count 1.0",
        'massage_bot_estimate_seconds_count{channel="telegram"} 1.0',
        "massage_bot_interviews_started_total 1.0",
        "massage_bot_interviews_completed_total 1.0",
        'massage_bot_webhook_rejected_total{reason="not_json"} 1.0',
        'massage_bot_webhook_rejected_total{reason="secret"} 1.0',
        'massage_bot_errors_total{where="handler"} 0.0',
    ):
        assert line in text, line
    # Not in any series' name or labels (a sample's value, e.g. a `_created` timestamp, may
    # happen to contain the digits).
    series = [line.rsplit(" ", 1)[0] for line in text.splitlines() if not line.startswith("#")]
    assert not any(str(CHAT) in name for name in series) and "count me" not in text


async def test_handler_errors_are_counted_and_logged(webhook, fake, caplog):
    client, delivery = webhook
    assert (await delivery.send(fake, "fail")).status == 200
    for _ in range(100):
        text = await (await client.get("/metrics")).text()
        if 'massage_bot_errors_total{where="handler"} 1.0' in text:
            break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the handler error was not counted")
    assert "a handler failed: RuntimeError" in caplog.text
    assert str(CHAT) not in caplog.text  # the error is logged, not who had it


def test_each_application_has_its_own_registry():
    first = create_app(make_settings(), clinics=load_clinics())
    web_metrics.interview_started()
    second = create_app(make_settings(), clinics=load_clinics())
    from bot.web.server import METRICS_KEY

    assert first[METRICS_KEY] is not second[METRICS_KEY]
    assert b"massage_bot_interviews_started_total 1.0" in first[METRICS_KEY].exposition()
    assert b"massage_bot_interviews_started_total 0.0" in second[METRICS_KEY].exposition()


def test_metric_labels_come_from_fixed_sets():
    metrics = web_metrics.Metrics()
    metrics.error("Pat Smith, chat 4242")
    metrics.update_received("private stuff")
    text = metrics.exposition().decode()
    assert "Pat" not in text and "private" not in text
    assert 'massage_bot_errors_total{where="other"} 1.0' in text
    assert web_metrics.update_kind({"update_id": 1, "callback_query": {}}) == "callback_query"
    assert web_metrics.update_kind({"update_id": 1, "whatever": {}}) == "other"


# --- the bot's own Application behind the webhook ---------------------------------------------


async def test_the_bot_answers_start_through_the_webhook_and_saves_the_chat(fake, tmp_path):
    from bot.telegram.app import build_application

    store = open_store(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    await store.open()
    try:
        settings = make_settings(fake)
        clinics = load_clinics()
        application = build_application(settings, store=store, clinics=clinics,
                                         base_url=f"{fake.url}/bot")
        app = create_app(settings, clinics=clinics, store=store, telegram_app=application)
        async with TestClient(TestServer(app)) as client:
            assert fake.calls_to("setMyCommands")  # the Application's post_init ran
            response = await Delivery(client).send(fake, "/start demo-clinic")
            assert response.status == 200
            first = await fake.wait_for_bot(CHAT)
            assert first.text
            ready = await client.get("/readyz")
            assert (await ready.json())["checks"] == {"store": True, "telegram": True}
            # The page's start link uses the username Telegram gave (getMe), not BOT_USERNAME.
            page = await (await client.get("/c/demo-clinic")).text()
            assert f"https://t.me/{fake.bot_username}?start=demo-clinic" in page
        async with store.chat(CHAT) as session:
            assert session.record is not None and session.record.state
    finally:
        await store.close()


# --- hostile requests: 4xx, counted, and no traceback in the logs ------------------------------


async def raw_request(port: int, request: bytes, *, hang_up: bool = False) -> int | None:
    """Send `request` as raw bytes (headers a client library would refuse, bodies cut short)
    and return the response's status; with `hang_up`, close the connection after sending and
    return None."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        if hang_up:
            await asyncio.sleep(0.1)
            return None
        status_line = await asyncio.wait_for(reader.readline(), 5)
        return int(status_line.split()[1])
    finally:
        writer.close()


def post_bytes(path: str, headers: dict[bytes, bytes], body: bytes,
               length: int | None = None) -> bytes:
    lines = [f"POST {path} HTTP/1.1".encode(), b"Host: localhost", b"Connection: close"]
    lines += [name + b": " + value for name, value in headers.items()]
    lines.append(b"Content-Length: " + str(len(body) if length is None else length).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def tracebacks(caplog) -> list[str]:
    """Log records that carry a traceback (or print one in their message)."""
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.exc_info or r.exc_text or "Traceback" in r.getMessage()]


def metric(client: TestClient, line: str) -> float:
    from bot.web.server import METRICS_KEY

    text = client.server.app[METRICS_KEY].exposition().decode()
    for row in text.splitlines():
        if row.startswith(line + " "):
            return float(row.rsplit(" ", 1)[1])
    raise AssertionError(f"no metric {line}")


UPDATE = b'{"update_id": 1, "message": {"message_id": 1, "date": 0, "text": "hi", ' \
         b'"chat": {"id": 4242, "type": "private"}}}'


@pytest.mark.parametrize(
    "secret", [b"\xff\xfe", "s\u00e9cret".encode(), SECRET.encode() + b"\xff",
               SECRET.encode() + "\u00e9".encode(), b"\x80" * 300],
    ids=["latin1-bytes", "utf8", "secret+ff", "secret+utf8", "long"],
)
async def test_a_secret_that_is_not_ascii_is_a_rejected_secret(webhook, fake, caplog, secret):
    client, _ = webhook
    status = await raw_request(client.port, post_bytes(
        WEBHOOK_PATH, {SECRET_HEADER.encode(): secret}, UPDATE))
    assert status == 403
    assert metric(client, 'massage_bot_webhook_rejected_total{reason="secret"}') == 1
    assert metric(client, 'massage_bot_errors_total{where="page"}') == 0
    assert tracebacks(caplog) == []
    assert fake.calls_to("sendMessage") == []


@pytest.mark.parametrize(
    ("encoding", "body"),
    [(b"gzip", b"not gzip at all"), (b"deflate", b"\x00\x01 not deflate"),
     (b"gzip", b"\x1f\x8b\x08\x00garbage after a gzip header")],
)
async def test_a_body_that_does_not_decode_is_a_bad_request(webhook, fake, caplog, encoding,
                                                           body):
    client, _ = webhook
    headers = {SECRET_HEADER.encode(): SECRET.encode(), b"Content-Encoding": encoding,
               b"Content-Type": b"application/json"}
    status = await raw_request(client.port, post_bytes(WEBHOOK_PATH, headers, body))
    assert status == 400
    await asyncio.sleep(0.1)  # what the server does with the rest of the connection, logged
    assert metric(client, 'massage_bot_webhook_rejected_total{reason="unreadable"}') == 1
    assert metric(client, 'massage_bot_errors_total{where="page"}') == 0
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("encoding", [b"br", b"zstd", b"bogus", b"gzip, gzip, gzip"])
async def test_an_unknown_content_encoding_is_refused_without_a_traceback(webhook, caplog,
                                                                         encoding):
    client, _ = webhook
    headers = {SECRET_HEADER.encode(): SECRET.encode(), b"Content-Encoding": encoding}
    status = await raw_request(client.port, post_bytes(WEBHOOK_PATH, headers, b"xx"))
    assert status in (400, 415)
    await asyncio.sleep(0.1)
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_a_client_leaving_mid_body_leaves_no_traceback(webhook, fake, caplog, framing):
    client, _ = webhook
    headers = {SECRET_HEADER.encode(): SECRET.encode(), b"Content-Type": b"application/json"}
    if framing == "length":
        request = post_bytes(WEBHOOK_PATH, headers, UPDATE[:20], length=len(UPDATE))
    else:
        request = (f"POST {WEBHOOK_PATH} HTTP/1.1\r\nHost: localhost\r\n".encode()
                   + b"".join(k + b": " + v + b"\r\n" for k, v in headers.items())
                   + b"Transfer-Encoding: chunked\r\n\r\n40\r\n" + UPDATE[:20])
    assert await raw_request(client.port, request, hang_up=True) is None
    await asyncio.sleep(0.3)
    assert tracebacks(caplog) == []
    assert metric(client, 'massage_bot_errors_total{where="page"}') == 0
    assert metric(client, 'massage_bot_errors_total{where="webhook"}') == 0
    assert fake.calls_to("sendMessage") == []
    # The server goes on answering.
    assert (await client.get("/healthz")).status == 200


async def test_a_form_body_that_does_not_decode_is_a_bad_request(caplog):
    """The clinic page's form reads its body itself (request.post()): the same 400."""
    app = create_app(make_settings(), clinics=load_clinics())
    async with TestClient(TestServer(app)) as client:
        status = await raw_request(client.port, post_bytes(
            "/c/demo-clinic/estimate",
            {b"Content-Type": b"application/x-www-form-urlencoded", b"Content-Encoding": b"gzip"},
            b"payer=commercial but not gzip"))
        assert status == 400
        await asyncio.sleep(0.1)
        assert metric(client, 'massage_bot_errors_total{where="page"}') == 0
        assert tracebacks(caplog) == []
