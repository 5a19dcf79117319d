"""Real `massage-bot serve` worker processes for a test or a benchmark, in webhook mode.

serve_workers() starts N `python -m bot.cli serve` processes, each on a free port with the
developer's own bot settings taken out of its environment (LOG_LEVEL=WARNING, rate limit off:
simulated patients type fast) and its stderr in a log file, and yields them once every one
answers /readyz; on the way out each gets SIGTERM (SIGKILL after 30 s). fresh_schema() gives
them a PostgreSQL schema of their own, dropped after. WebhookFake is the fake Bot API they send
their replies to, handing back the update each user action makes for the harness to POST to
the workers' /telegram.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parents[2]
# Settings a worker must not inherit from the environment it is started from.
_OWN_SETTINGS = ("TELEGRAM_", "WEBHOOK_", "BOT_", "API_KEYS", "DATABASE_", "CLINICS_",
                 "DATA_ENCRYPTION")


class WebhookFake(FakeTelegramAPI):
    """The fake Bot API, handing back the update each user action makes, to be POSTed (the fake
    also queues it for getUpdates, which nobody calls in webhook mode)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_update: dict[int, dict[str, Any]] = {}

    async def push_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = await super().push_update(payload)
        body = update.get("message") or update["callback_query"]["message"]
        self.last_update[body["chat"]["id"]] = update
        return update

    async def text(self, chat_id: int, text: str) -> dict[str, Any]:
        await self.user_sends(chat_id, text)
        return self.last_update.pop(chat_id)

    async def press(self, chat_id: int, message_id: int, data: str) -> dict[str, Any]:
        await self.user_presses(chat_id, message_id, data)
        return self.last_update.pop(chat_id)

    def replies(self, chat_id: int) -> list[dict[str, Any]]:
        """The bot's sendMessage and editMessageText calls to the chat, in arrival order."""
        return [call.params for call in self.calls
                if call.method.lower() in ("sendmessage", "editmessagetext")
                and call.params.get("chat_id") == chat_id]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Worker:
    name: str  # "worker 1", "worker 2", ...
    port: int
    process: asyncio.subprocess.Process
    log: Path  # its stderr

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stderr(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_lines(self, since: int) -> list[str]:
        """The log's lines from byte `since` on (a log_size() taken earlier)."""
        with self.log.open("rb") as file:
            file.seek(since)
            return file.read().decode(errors="replace").splitlines()


def worker_env(*, port: int, database_url: str, token: str, secret: str,
               api_base_url: str) -> dict[str, str]:
    """This process's environment without its bot settings, and the worker's own."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_OWN_SETTINGS)}
    env.update(HOST="127.0.0.1", PORT=str(port), LOG_LEVEL="WARNING",
               DATABASE_URL=database_url, TELEGRAM_BOT_TOKEN=token, WEBHOOK_SECRET=secret,
               TELEGRAM_API_BASE_URL=api_base_url,
               RATE_LIMIT_UPDATES="1000000",  # simulated patients type fast
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""))
    return env


async def stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it has not exited within 30 s."""
    if process.returncode is None:
        with suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            with suppress(ProcessLookupError):
                process.kill()
            await process.wait()


async def _wait_ready(http: aiohttp.ClientSession, worker: Worker, label: str,
                      deadline: float, start_seconds: float) -> None:
    while True:
        if worker.process.returncode is not None:
            raise RuntimeError(f"{label} exited with {worker.process.returncode}:\n"
                               f"{worker.stderr()[-3000:]}")
        with suppress(aiohttp.ClientError):
            async with http.get(f"{worker.url}/readyz") as response:
                if response.status == 200:
                    return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{label} not ready in {start_seconds:g} s:\n"
                               f"{worker.stderr()[-3000:]}")
        await asyncio.sleep(0.1)


@asynccontextmanager
async def serve_workers(count: int, *, folder: Path, http: aiohttp.ClientSession,
                        database_url: str, token: str, secret: str, api_base_url: str,
                        start_seconds: float, label: str = "",
                        extra_env: dict[str, str] | None = None) -> AsyncIterator[list[Worker]]:
    """`count` serve processes on one database, started in `folder` (their logs
    `[label-]worker-N.log` there), yielded once all are ready (within `start_seconds`); stopped
    on the way out, also when one failed to start. `extra_env`: settings of the test's own."""
    processes: list[asyncio.subprocess.Process] = []
    prefix = f"{label}-" if label else ""
    try:
        workers: list[Worker] = []
        for number in range(1, count + 1):
            port = free_port()
            env = worker_env(port=port, database_url=database_url, token=token, secret=secret,
                             api_base_url=api_base_url)
            env.update(extra_env or {})
            log = folder / f"{prefix}worker-{number}.log"
            with log.open("wb") as stderr:
                process = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "bot.cli", "serve", cwd=folder, env=env,
                    stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
                    stderr=stderr,
                )
            processes.append(process)
            workers.append(Worker(f"worker {number}", port, process, log))
        deadline = time.monotonic() + start_seconds
        for worker in workers:
            where = f"{label} {worker.name}".lstrip() + f" (port {worker.port})"
            await _wait_ready(http, worker, where, deadline, start_seconds)
        yield workers
    finally:
        await asyncio.gather(*(stop(process) for process in processes))


def schema_url(url: str, schema: str) -> str:
    """The PostgreSQL URL whose connections create and read their tables in `schema` only
    (asyncpg passes unknown URL query keys to the server as settings), named after it in
    pg_stat_activity."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}search_path={schema}&application_name={schema}"


@asynccontextmanager
async def fresh_schema(admin: Any, url: str, prefix: str) -> AsyncIterator[tuple[str, str]]:
    """(schema, database URL): a new schema `<prefix>_<random>` made through the asyncpg
    connection `admin` to `url`, dropped with everything in it on the way out."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    await admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield schema, schema_url(url, schema)
    finally:
        with suppress(Exception):
            await admin.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


PG_URL = os.environ.get("STORE_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


@asynccontextmanager
async def postgres_schema(prefix: str) -> AsyncIterator[str]:
    """The database URL of a fresh schema on the test PostgreSQL server (PG_URL), dropped on
    the way out; the test is skipped when no server answers."""
    import asyncpg
    import pytest

    try:
        admin = await asyncpg.connect(PG_URL, timeout=3)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({exc!r})")
    try:
        async with fresh_schema(admin, PG_URL, prefix) as (_, url):
            yield url
    finally:
        await admin.close()
