"""schemathesis against the served OpenAPI document: no 5xx and nothing outside the document.

The server runs in a thread with its own event loop on 127.0.0.1 (schemathesis sends its
requests synchronously); the document is fetched from it, as a client would.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request
from collections.abc import Iterator

import pytest

schemathesis = pytest.importorskip("schemathesis")

from aiohttp import web  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from bot.clinics import load_clinics  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web.openapi import OPENAPI_PATH  # noqa: E402
from bot.web.server import create_app  # noqa: E402

KEY = "schemathesis-key"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]


class LiveServer:
    """The web application served on a free port of 127.0.0.1 from a background thread."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="live-server", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by __enter__
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()

    def __enter__(self) -> LiveServer:
        self._thread.start()
        self._ready.wait(10)
        if self._error is not None or not self.url:
            raise RuntimeError("the live server did not start") from self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    settings_ = Settings(_env_file=None, telegram_bot_token=None, webhook_url=None,
                         bot_username="DemoClinicBot", api_keys=[KEY],
                         api_rate_limit_requests=1_000_000)
    with LiveServer(create_app(settings_, clinics=load_clinics())) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(live: LiveServer):
    with urllib.request.urlopen(live.url + OPENAPI_PATH, timeout=10) as response:
        document = json.load(response)
    schema = schemathesis.openapi.from_dict(document)
    schema.config.base_url = live.url
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_document(case, live: LiveServer) -> None:
    case.call_and_validate(base_url=live.url, headers={"Authorization": f"Bearer {KEY}"},
                           checks=CHECKS)


@schema.include(operation_id="estimate").parametrize()
@settings(max_examples=5, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_without_a_valid_key_no_estimate_is_given(case, live: LiveServer) -> None:
    response = case.call_and_validate(base_url=live.url, checks=CHECKS,
                                      headers={"Authorization": "Bearer not-a-key"})
    # 405 when schemathesis tries a method the path does not have.
    assert response.status_code == (401 if case.method.upper() == "POST" else 405)
