"""A TCP proxy in front of the test PostgreSQL server that can fail the way a network or a
database fails, for the store's fault tests (the shared server itself is never stopped).

    async with DatabaseProxy("127.0.0.1", 5432) as proxy:
        url = proxy.url("postgresql://127.0.0.1:5432/test")   # the same database, through it
        proxy.drop()        # every connection closed, new ones closed at once (a stop)
        proxy.hang()        # connections kept open but nothing passes, either way (a freeze)
        proxy.drop_on(b"INSERT INTO chats")   # drop() as soon as a client sends that
        proxy.drop_on(b"COMMIT", after=True)  # ... once the server got it, its answer lost
        proxy.restore()     # new connections pass again

Modes apply to new connections and to those open: a frozen connection stays frozen after
restore() (as after a real freeze, the client gives it up); a dropped one is gone.
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit, urlunsplit

CHUNK = 65536


class DatabaseProxy:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.mode = "pass"  # pass | drop | hang
        self.trigger: bytes | None = None
        self.trigger_after = False
        self.triggered = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._links: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._frozen: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def listen_port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    def url(self, database_url: str) -> str:
        """`database_url` with its host and port replaced by the proxy's."""
        parts = urlsplit(database_url)
        auth = parts.netloc.rpartition("@")[0]
        netloc = (auth + "@" if auth else "") + f"127.0.0.1:{self.listen_port}"
        return urlunsplit(parts._replace(netloc=netloc))

    async def __aenter__(self) -> DatabaseProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        self.drop()
        for writer in self._frozen:
            writer.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def drop(self) -> None:
        self.mode = "drop"
        for client, server in list(self._links):
            client.close()
            server.close()
        self._links.clear()

    def hang(self) -> None:
        self.mode = "hang"
        for client, server in self._links:
            self._frozen.update((client, server))

    def drop_on(self, pattern: bytes, *, after: bool = False) -> None:
        self.trigger, self.trigger_after = pattern, after

    def restore(self) -> None:
        self.mode, self.trigger = "pass", None
        self.triggered.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.mode == "drop":
            writer.close()
            return
        if self.mode == "hang":
            self._frozen.add(writer)  # accepted, never answered
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        link = (writer, up_writer)
        self._links.add(link)
        for source, target, watch in ((reader, up_writer, True), (up_reader, writer, False)):
            task = asyncio.create_task(self._pipe(source, target, link, watch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, target: asyncio.StreamWriter,
                    link: tuple[asyncio.StreamWriter, asyncio.StreamWriter], watch: bool) -> None:
        try:
            while data := await source.read(CHUNK):
                fire = watch and self.trigger is not None and self.trigger in data
                if fire and not self.trigger_after:
                    self.triggered.set()
                    self.drop()
                    return
                while target in self._frozen:
                    await asyncio.sleep(0.05)
                if link not in self._links:
                    return
                if fire:
                    self._frozen.add(link[0])  # the server's answer never reaches the client
                target.write(data)
                await target.drain()
                if fire:
                    await asyncio.sleep(0.2)  # the server has it (a local socket) and acts on it
                    self.triggered.set()
                    self.drop()
                    return
        except (ConnectionError, OSError):
            pass
        finally:
            if link in self._links:
                self._links.discard(link)
                for writer in link:
                    with suppress(Exception):
                        writer.close()
