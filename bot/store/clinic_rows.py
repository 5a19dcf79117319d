"""The clinics that onboard themselves, in the store: profiles with every version, staff, one-time
tokens and the anonymous funnel counters (migration 0004_clinics).

    rows = ClinicRows(store)                     # over an opened SQLiteStore or PostgresStore
    await rows.create("sunrise", profile, owner_id=42)   # False: the slug is taken
    await rows.change("sunrise", by=42, profile=new)     # a new version; the old one is kept

Every call joins the chat section the calling task is in (so a command's clinic change commits
with the chat's state, and SQLite's single connection is never asked for twice), else runs in a
transaction of its own. Every change bumps `clinic_epoch`, which workers poll to reload.
The SQL is written once with `?` placeholders; PostgreSQL gets them numbered.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

from .base import StoreBase

STATUSES = ("active", "paused", "deleted", "disabled")
_PLACEHOLDER = re.compile(r"\?")


@dataclass(frozen=True, slots=True)
class StoredClinic:
    slug: str
    owner_id: int
    status: str
    profile: dict[str, Any]
    version: int
    changed_by: int | None
    changed_at: float


@dataclass(frozen=True, slots=True)
class ClinicVersion:
    version: int
    status: str
    profile: dict[str, Any]
    changed_by: int | None  # None: the operator
    changed_at: float


def slug_key(slug: str) -> str:
    return slug.strip().casefold()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_CLINIC_COLUMNS = "slug, owner_id, status, profile, version, changed_by, changed_at"


def _clinic(row: Any) -> StoredClinic:
    slug, owner, status, profile, version, by, at = tuple(row)
    return StoredClinic(slug, owner, status, json.loads(profile), version, by, at)


class ClinicRows:
    """Clinic rows over one opened store (SQLite or PostgreSQL)."""

    def __init__(self, store: StoreBase) -> None:
        self.store = store
        self._pg = type(store).__name__ == "PostgresStore"

    # -- plumbing --------------------------------------------------------------------------

    def _sql(self, query: str) -> str:
        if not self._pg:
            return query
        numbers = iter(range(1, 1000))
        return _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", query)

    @contextmanager
    def _translate(self) -> Iterator[None]:
        if self._pg:
            from .postgres import _translate
            with _translate():
                yield
        else:
            with self.store._translate():  # type: ignore[attr-defined]
                yield

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[Any]:
        async with self.store._joined_or_new() as conn:
            with self._translate():
                yield conn

    async def _rows(self, conn: Any, query: str, *args: Any) -> list[tuple[Any, ...]]:
        if self._pg:
            return [tuple(row) for row in await conn.fetch(self._sql(query), *args)]
        return [tuple(row) for row in await conn.execute_fetchall(query, args)]

    async def _run(self, conn: Any, query: str, *args: Any) -> int:
        """Run one statement; how many rows it changed."""
        if self._pg:
            status = await conn.execute(self._sql(query), *args)
            return int(status.rsplit(" ", 1)[-1]) if status[-1:].isdigit() else 0
        cursor = await conn.execute(query, args)
        return int(cursor.rowcount)

    async def _bump(self, conn: Any) -> None:
        await self._run(conn, "UPDATE clinic_epoch SET n = n + 1 WHERE id = 1")

    # -- clinics ---------------------------------------------------------------------------

    async def epoch(self) -> int:
        """A number that changes whenever any clinic, its staff or its tokens change."""
        async with self._conn() as conn:
            rows = await self._rows(conn, "SELECT n FROM clinic_epoch WHERE id = 1")
        return int(rows[0][0]) if rows else 0

    async def all(self) -> list[StoredClinic]:
        async with self._conn() as conn:
            rows = await self._rows(
                conn, f"SELECT {_CLINIC_COLUMNS} FROM clinics ORDER BY slug_key")
        return [_clinic(row) for row in rows]

    async def get(self, slug: str) -> StoredClinic | None:
        async with self._conn() as conn:
            rows = await self._rows(
                conn, f"SELECT {_CLINIC_COLUMNS} FROM clinics WHERE slug_key = ?", slug_key(slug))
        return _clinic(rows[0]) if rows else None

    async def owned_by(self, user_id: int) -> list[StoredClinic]:
        """The user's clinics that are not deleted, oldest first."""
        async with self._conn() as conn:
            rows = await self._rows(
                conn, f"SELECT {_CLINIC_COLUMNS} FROM clinics WHERE owner_id = ? "
                "AND status <> 'deleted' ORDER BY changed_at", user_id)
        return [_clinic(row) for row in rows]

    async def create(self, slug: str, profile: dict[str, Any], owner_id: int) -> bool:
        """A new clinic, version 1, owned by `owner_id`; False when the slug is taken."""
        now, text = time.time(), json.dumps(profile, sort_keys=True)
        async with self._conn() as conn:
            created = await self._run(
                conn, "INSERT INTO clinics (slug_key, slug, owner_id, status, profile, version, "
                "changed_by, changed_at) VALUES (?, ?, ?, 'active', ?, 1, ?, ?) "
                "ON CONFLICT DO NOTHING",
                slug_key(slug), slug, owner_id, text, owner_id, now)
            if not created:
                return False
            await self._version(conn, slug, 1, "active", text, owner_id, now)
            await self._bump(conn)
        return True

    async def _version(self, conn: Any, slug: str, version: int, status: str, profile: str,
                       by: int | None, at: float) -> None:
        await self._run(
            conn, "INSERT INTO clinic_versions (slug_key, version, status, profile, changed_by, "
            "changed_at) VALUES (?, ?, ?, ?, ?, ?)",
            slug_key(slug), version, status, profile, by, at)

    async def change(self, slug: str, *, by: int | None, profile: dict[str, Any] | None = None,
                     status: str | None = None) -> StoredClinic | None:
        """A new version with the profile and/or status changed (None: the clinic is unknown).
        `by` None is the operator."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"unknown clinic status {status!r}")
        now = time.time()
        async with self._conn() as conn:
            rows = await self._rows(
                conn, f"SELECT {_CLINIC_COLUMNS} FROM clinics WHERE slug_key = ?"
                + (" FOR UPDATE" if self._pg else ""), slug_key(slug))
            if not rows:
                return None
            old = _clinic(rows[0])
            new_profile = profile if profile is not None else old.profile
            new_status = status or old.status
            text = json.dumps(new_profile, sort_keys=True)
            version = old.version + 1
            await self._run(
                conn, "UPDATE clinics SET profile = ?, status = ?, version = ?, changed_by = ?, "
                "changed_at = ? WHERE slug_key = ?",
                text, new_status, version, by, now, slug_key(slug))
            await self._version(conn, slug, version, new_status, text, by, now)
            await self._bump(conn)
        return StoredClinic(old.slug, old.owner_id, new_status, new_profile, version, by, now)

    async def versions(self, slug: str) -> list[ClinicVersion]:
        """Every version of the clinic, oldest first."""
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT version, status, profile, changed_by, changed_at FROM "
                "clinic_versions WHERE slug_key = ? ORDER BY version", slug_key(slug))
        return [ClinicVersion(v, s, json.loads(p), b, a) for v, s, p, b, a in rows]

    # -- staff -----------------------------------------------------------------------------

    async def staff(self, slug: str) -> list[int]:
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT user_id FROM clinic_staff WHERE slug_key = ? ORDER BY added_at",
                slug_key(slug))
        return [row[0] for row in rows]

    async def all_staff(self) -> dict[str, list[int]]:
        """slug key -> staff user ids, for every clinic."""
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT slug_key, user_id FROM clinic_staff ORDER BY added_at")
        found: dict[str, list[int]] = {}
        for key, user in rows:
            found.setdefault(key, []).append(user)
        return found

    async def staff_of(self, user_id: int) -> list[str]:
        """The slug keys of the clinics the user is staff of."""
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT slug_key FROM clinic_staff WHERE user_id = ?", user_id)
        return [row[0] for row in rows]

    async def remove_staff(self, slug: str, user_id: int) -> bool:
        async with self._conn() as conn:
            gone = await self._run(
                conn, "DELETE FROM clinic_staff WHERE slug_key = ? AND user_id = ?",
                slug_key(slug), user_id)
            if gone:
                await self._bump(conn)
        return gone > 0

    async def forget_user(self, user_id: int) -> int:
        """/forget: the user is nobody's staff any more and their unused invites and logins go
        (the clinics they own stay: a clinic's profile is the business's, not the person's)."""
        async with self._conn() as conn:
            gone = await self._run(conn, "DELETE FROM clinic_staff WHERE user_id = ?", user_id)
            gone += await self._run(
                conn, "DELETE FROM clinic_tokens WHERE created_by = ? OR used_by = ?",
                user_id, user_id)
            if gone:
                await self._bump(conn)
        return gone

    # -- tokens: staff invites (used once) and stats logins (short-lived) -------------------

    async def new_token(self, kind: str, slug: str, by: int, ttl_seconds: float,
                        now: float | None = None) -> str:
        """A new random token; only its hash is stored."""
        token = secrets.token_urlsafe(18)  # 24 characters: fits a start payload with "staff-"
        now = time.time() if now is None else now
        async with self._conn() as conn:
            await self._run(
                conn, "DELETE FROM clinic_tokens WHERE expires_at < ?", now)
            await self._run(
                conn, "INSERT INTO clinic_tokens (token_hash, kind, slug_key, created_by, "
                "expires_at) VALUES (?, ?, ?, ?, ?)",
                token_hash(token), kind, slug_key(slug), by, now + ttl_seconds)
        return token

    async def accept_invite(self, token: str, user_id: int,
                            now: float | None = None) -> str | None:
        """The slug key the unused, unexpired invite was for, the user now its staff; None for
        a token that is unknown, used or expired."""
        now = time.time() if now is None else now
        async with self._conn() as conn:
            used = await self._run(
                conn, "UPDATE clinic_tokens SET used_by = ?, used_at = ? WHERE token_hash = ? "
                "AND kind = 'invite' AND used_by IS NULL AND expires_at >= ?",
                user_id, now, token_hash(token), now)
            if not used:
                return None
            rows = await self._rows(
                conn, "SELECT slug_key, created_by FROM clinic_tokens WHERE token_hash = ?",
                token_hash(token))
            key, by = rows[0]
            await self._run(
                conn, "INSERT INTO clinic_staff (slug_key, user_id, added_by, added_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", key, user_id, by, now)
            await self._bump(conn)
        return str(key)

    async def login(self, token: str, now: float | None = None) -> tuple[str, int] | None:
        """(slug key, user id) of an unexpired stats login token, else None."""
        now = time.time() if now is None else now
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT slug_key, created_by FROM clinic_tokens WHERE token_hash = ? "
                "AND kind = 'stats' AND expires_at >= ?", token_hash(token), now)
        return (str(rows[0][0]), int(rows[0][1])) if rows else None

    # -- the funnel ------------------------------------------------------------------------

    async def count(self, slug: str, week: str, events: list[tuple[str, str]]) -> None:
        """Add one to each (event, detail) counter of the clinic's week."""
        async with self._conn() as conn:
            for event, detail in events:
                await self._run(
                    conn, "INSERT INTO clinic_funnel (slug_key, week, event, detail, count) "
                    "VALUES (?, ?, ?, ?, 1) ON CONFLICT (slug_key, week, event, detail) "
                    "DO UPDATE SET count = clinic_funnel.count + 1",
                    slug_key(slug), week, event, detail)

    async def funnel(self, slug: str, weeks: int = 8) -> list[tuple[str, str, str, int]]:
        """(week, event, detail, count) of the clinic's last `weeks` weeks with counts."""
        async with self._conn() as conn:
            rows = await self._rows(
                conn, "SELECT week, event, detail, count FROM clinic_funnel WHERE slug_key = ? "
                "AND week IN (SELECT DISTINCT week FROM clinic_funnel WHERE slug_key = ? "
                "ORDER BY week DESC LIMIT ?) ORDER BY week DESC, event, detail",
                slug_key(slug), slug_key(slug), weeks)
        return [(str(w), str(e), str(d), int(c)) for w, e, d, c in rows]
