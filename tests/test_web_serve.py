"""`massage-bot serve` as a process: pages and API without a token; the webhook with one
(against the fake Bot API); a clean exit on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.web.server import SECRET_HEADER
from tests.fakes import FakeTelegramAPI

TOKEN = "123456:" + "C" * 35
SECRET = "serve-secret_1"
CHAT = 777
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("TELEGRAM_", "WEBHOOK_", "BOT_", "API_KEYS",
                                        "DATABASE_", "CLINICS_", "DATA_ENCRYPTION"))}
    env.update(HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="WARNING",
               DATABASE_URL=f"sqlite:///{tmp_path / 'serve.sqlite3'}",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""), **extra)
    return env


async def serve(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "serve", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def wait_until_up(http: aiohttp.ClientSession, url: str, process) -> None:
    for _ in range(300):  # 30 s: the first start loads the ICD-10 code set
        if process.returncode is not None:
            _, err = await process.communicate()
            pytest.fail(f"serve exited with {process.returncode}: {err.decode()}")
        try:
            async with http.get(f"{url}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    pytest.fail("serve did not answer /healthz")


async def stop(process) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    except TimeoutError:
        process.kill()
        _, err = await process.communicate()
    return process.returncode, err.decode()


async def test_serve_without_a_token_serves_pages_and_api_and_exits_cleanly(tmp_path):
    port = free_port()
    process = await serve(tmp_path, environment(tmp_path, port, BOT_USERNAME="DemoClinicBot"))
    url = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            await wait_until_up(http, url, process)
            async with http.get(f"{url}/readyz") as response:
                assert response.status == 200
                assert (await response.json())["checks"] == {"store": True}
            async with http.get(f"{url}/c/demo-clinic") as response:
                assert "https://t.me/DemoClinicBot?start=demo-clinic" in await response.text()
            async with http.post(f"{url}/api/v1/estimate",
                                 json={"fees": {"billed_per_unit": "40"}}) as response:
                assert response.status == 200
            async with http.post(f"{url}/telegram", json={"update_id": 1}) as response:
                assert response.status in (404, 405)
    finally:
        code, err = await stop(process)
    assert code == 0, err


async def test_serve_with_a_token_registers_the_webhook_and_answers_through_it(tmp_path):
    port = free_port()
    async with FakeTelegramAPI(token=TOKEN) as fake:
        env = environment(tmp_path, port, TELEGRAM_BOT_TOKEN=TOKEN,
                          TELEGRAM_API_BASE_URL=f"{fake.url}/bot",
                          WEBHOOK_URL="https://bot.example.com/telegram", WEBHOOK_SECRET=SECRET)
        process = await serve(tmp_path, env)
        url = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                await wait_until_up(http, url, process)
                assert fake.webhook["url"] == "https://bot.example.com/telegram"
                assert fake.webhook["secret_token"] == SECRET
                message = await fake.user_sends(CHAT, "/start demo-clinic")
                async with http.post(f"{url}/telegram", json={"update_id": 1, "message": message},
                                     headers={SECRET_HEADER: SECRET}) as response:
                    assert response.status == 200
                await fake.wait_for_bot(CHAT, timeout=15)
        finally:
            code, err = await stop(process)
        assert code == 0, err
        assert fake.internal_errors == []


async def test_serve_refuses_a_token_without_a_webhook_secret(tmp_path):
    process = await serve(tmp_path, environment(tmp_path, free_port(), TELEGRAM_BOT_TOKEN=TOKEN))
    try:
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await stop(process)
    assert process.returncode == 2
    assert "WEBHOOK_SECRET is not set" in err.decode()
