"""Fuzz: raw, malformed HTTP requests into the public endpoints (issue 12, "Done when").

The whole server (webhook with a PTB Application against the fake Bot API, the estimate API,
the clinic pages) runs in a thread with its own event loop; Hypothesis draws requests written
byte by byte to a socket: to `/telegram`, `/api/v1/estimate` and `/c/<slug>/estimate`, with
bodies that are JSON, broken JSON, a key named twice, forms, multipart with and without a
boundary, raw bytes, gzip and deflate that are or are not, cut short (the client leaves
mid-body); headers with raw non-UTF-8 bytes (secret, API key, language), unknown or bogus
charsets and encodings. The pass criteria, after every request: no 5xx, nothing logged at
ERROR or with a traceback, and no error counted in `massage_bot_errors_total`.

schemathesis covers the same API against its OpenAPI document (test_web_schemathesis.py).
Run longer with FUZZ_EXAMPLES=2000.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import os
import socket
import threading
import zlib
from collections.abc import Iterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram.ext import Application, TypeHandler

from bot.clinics import load_clinics
from bot.web.openapi import ESTIMATE_PATH
from bot.web.server import METRICS_KEY, SECRET_HEADER, WEBHOOK_PATH, create_app
from tests.fakes import FakeTelegramAPI
from tests.test_web_server import SECRET, TOKEN, make_settings

KEY = "fuzz-api-key"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SCENARIO = {"payer": "commercial", "sessions": 4, "fees": {"billed_per_unit": "40.00"},
            "plan": {"deductible": "500.00", "copay": "20"}}
UPDATE = {"update_id": 7, "message": {"message_id": 1, "date": 0, "text": "hi",
                                      "chat": {"id": 4242, "type": "private"}}}


class Records(logging.Handler):
    """What the server logged at ERROR, or with a traceback, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.bad: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or record.exc_info or record.exc_text:
            self.bad.append(f"{record.levelname} {record.name}: {record.getMessage()[:300]}")


def quiet_application(fake: FakeTelegramAPI) -> Application:
    """A PTB Application built like the bot's (no updater) whose one handler takes every
    update and answers nothing: what the handlers do is test_fuzz_telegram.py's part."""
    application = (Application.builder().token(TOKEN).base_url(f"{fake.url}/bot")
                   .base_file_url(f"{fake.url}/file/bot").updater(None).build())

    async def taken(update: object, context: object) -> None:
        return None

    application.add_handler(TypeHandler(object, taken))
    return application


class Server:
    """The application with the webhook, served from a thread on 127.0.0.1."""

    def __init__(self) -> None:
        self.port = 0
        self.app: web.Application | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with FakeTelegramAPI(token=TOKEN) as fake:
            settings_ = make_settings(fake, api_keys=[KEY], api_rate_limit_requests=1_000_000)
            self.app = create_app(settings_, clinics=load_clinics(),
                                  telegram_app=quiet_application(fake))
            runner = web.AppRunner(self.app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await runner.cleanup()

    def __enter__(self) -> Server:
        self._thread.start()
        assert self._ready.wait(30), "the server did not start"
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def errors_counted(self) -> str:
        assert self.app is not None
        text = self.app[METRICS_KEY].exposition().decode()
        return "\n".join(line for line in text.splitlines()
                         if line.startswith("massage_bot_errors_total{") and
                         not line.endswith(" 0.0"))


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Server, Records]]:
    records = Records()
    logging.getLogger().addHandler(records)
    try:
        with Server() as running:
            yield running, records
    finally:
        logging.getLogger().removeHandler(records)


def send(port: int, request: bytes, hang_up: bool) -> int | None:
    """Write `request`; the response's status (None: the client left, or no status line)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        if hang_up:
            return None
        reply = b""
        while b"\r\n" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    parts = reply.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


# --- what a request is made of ---------------------------------------------------------------

raw_text = st.binary(max_size=40) | st.text(max_size=40).map(lambda t: t.encode("utf-8"))
header_value = raw_text.map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))


def _mutate(data: bytes, cut: int, junk: bytes) -> bytes:
    return data[:cut] + junk + data[cut:]


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                               max_size=4),
    max_leaves=12,
)
scenario_like = st.fixed_dictionaries(
    {}, optional={name: json_value for name in
                  ("payer", "sessions", "lmn", "plan", "fees", "state", "network",
                   "diagnosis_codes", "session_minutes", "auto")},
).map(lambda extra: {**SCENARIO, **extra})
update_like = st.fixed_dictionaries(
    {}, optional={"update_id": json_value, "message": json_value,
                  "callback_query": json_value, "edited_message": json_value},
).map(lambda extra: {**UPDATE, **extra})

json_body = st.one_of(
    scenario_like.map(lambda d: json.dumps(d).encode()),
    update_like.map(lambda d: json.dumps(d).encode()),
    json_value.map(lambda d: json.dumps(d).encode()),
    st.just(b'{"payer": "auto", "payer": "auto", "fees": {"billed_per_unit": "1"}}'),
    st.just(b'{"update_id": 1, "update_id": 2}'),
    st.just(b"[" * 5000),
    st.just(b'{"sessions": NaN, "fees": {"billed_per_unit": Infinity}}'),
)
form_body = st.one_of(
    st.dictionaries(st.sampled_from(["payer", "sessions", "deductible", "lang", "edit",
                                     "asked", "copay-unknown", "x" * 70]),
                    st.text(max_size=30), max_size=6)
    .map(lambda d: "&".join(f"{k}={v}" for k, v in d.items()).encode("utf-8", "surrogatepass")),
    st.just(b"--x\r\nContent-Disposition: form-data; name=\"payer\"\r\n\r\nauto\r\n--x--\r\n"),
    st.just(b"--x\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n"
            b"\xff\xfe\r\n--x--\r\n"),
    st.just(b"--x\r\nbroken"),
)
body = st.one_of(json_body, form_body, st.binary(max_size=300)).flatmap(
    lambda data: st.one_of(
        st.just(data),
        st.tuples(st.integers(0, max(len(data), 1)), st.binary(min_size=1, max_size=5))
        .map(lambda cut_junk: _mutate(data, *cut_junk)),
    ))

content_type = st.sampled_from([
    None, b"application/json", b"application/json; charset=utf-8",
    b"application/json; charset=bogus", b"application/x-www-form-urlencoded",
    b"application/x-www-form-urlencoded; charset=latin-1",
    b"application/x-www-form-urlencoded; charset=bogus", b"multipart/form-data",
    b"multipart/form-data; boundary=x", b"multipart/form-data; boundary=", b"text/plain",
    b"\xff\xfe/\x80",
]) | header_value
encoding = st.sampled_from([None, "gzip", "deflate", "gzip-broken", "deflate-broken",
                            "br", "identity", "bogus", "gzip, deflate"])


@st.composite
def requests(draw: st.DrawFn) -> tuple[bytes, bool]:
    path = draw(st.sampled_from([WEBHOOK_PATH, ESTIMATE_PATH, "/c/demo-clinic/estimate",
                                 "/c/no-such-clinic/estimate", f"{ESTIMATE_PATH}?explain=true",
                                 f"{ESTIMATE_PATH}?explain=%ff",
                                 "/c/demo-clinic/estimate?lang=es"]))
    payload = draw(body)
    headers: list[tuple[bytes, bytes]] = []
    if path == WEBHOOK_PATH:
        secret = draw(st.sampled_from([SECRET.encode(), SECRET.encode(), b"wrong", b"\xff\xfe",
                                       "s\u00e9cret".encode()]) | header_value)
        headers.append((SECRET_HEADER.encode(), secret))
    if path.startswith(ESTIMATE_PATH):
        key = draw(st.sampled_from([b"Bearer " + KEY.encode(), b"Bearer " + KEY.encode(),
                                    b"Bearer \xff", b"Basic x"]) | header_value)
        headers.append((b"Authorization", key))
    kind = draw(content_type)
    if kind is not None:
        headers.append((b"Content-Type", kind))
    if draw(st.booleans()):
        headers.append((b"Accept-Language", draw(header_value)))
    how = draw(encoding)
    if how == "gzip":
        payload = gzip.compress(payload)
    elif how == "deflate":
        payload = zlib.compress(payload)
    if how is not None:
        name = how.removesuffix("-broken").encode()
        headers.append((b"Content-Encoding", name))
    extra = draw(st.lists(st.sampled_from([
        (b"Expect", b"100-continue"), (b"Expect", b"\xff"), (b"Content-Type", b"text/html"),
        (b"Accept-Charset", b"bogus"), (b"Transfer-Encoding", b"gzip"),
    ]), max_size=2))
    headers += extra
    cut = draw(st.booleans()) and len(payload) > 2
    length = len(payload)
    if cut:  # the client announces more than it sends, and leaves
        payload = payload[: draw(st.integers(0, len(payload) - 1))]
    lines = [f"POST {path} HTTP/1.1".encode(), b"Host: localhost", b"Connection: close"]
    lines += [name + b": " + value for name, value in headers]
    framing = draw(st.sampled_from(["length", "length", "chunked", "chunked-broken"]))
    if framing == "length":
        lines.append(f"Content-Length: {length}".encode())
    else:
        lines.append(b"Transfer-Encoding: chunked")
        size = f"{len(payload):x}".encode() if framing == "chunked" else b"zz"
        payload = size + b"\r\n" + payload + b"\r\n" + (b"" if cut else b"0\r\n\r\n")
    return b"\r\n".join(lines) + b"\r\n\r\n" + payload, cut


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
@given(request=requests())
def test_malformed_requests_get_no_5xx_and_no_traceback(server, request):
    running, records = server
    raw, hang_up = request
    status = send(running.port, raw, hang_up)
    assert status is None or status < 500, raw[:400]
    assert not hang_up or status is None
    assert records.bad == [], raw[:400]
    assert running.errors_counted() == "", raw[:400]


def test_the_fuzz_reaches_every_outcome(server):
    """The requests above are not all refused at the door: each endpoint answers 200 too."""
    running, _ = server
    ok = [
        (WEBHOOK_PATH, {SECRET_HEADER.encode(): SECRET.encode()}, json.dumps(UPDATE).encode()),
        (ESTIMATE_PATH, {b"Authorization": b"Bearer " + KEY.encode()},
         json.dumps(SCENARIO).encode()),
        ("/c/demo-clinic/estimate", {}, b"payer=self_pay"),
    ]
    for path, headers, payload in ok:
        kind = b"application/x-www-form-urlencoded" if path.startswith("/c/") else \
            b"application/json"
        lines = [f"POST {path} HTTP/1.1".encode(), b"Host: localhost", b"Connection: close",
                 b"Content-Type: " + kind, f"Content-Length: {len(payload)}".encode()]
        lines += [name + b": " + value for name, value in headers.items()]
        assert send(running.port, b"\r\n".join(lines) + b"\r\n\r\n" + payload, False) == 200
