"""Clinics in the store (bot.store.clinic_rows) and the live directory over it
(bot.onboarding.live), on SQLite and PostgreSQL: versions, taken slugs, invites, isolation, the
funnel's rows."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from bot.clinics import load_clinics
from bot.onboarding.live import LiveClinics
from bot.store import open_store
from bot.store.clinic_rows import ClinicRows
from tests.test_store import db  # noqa: F401  (the sqlite/postgres fixture)

PROFILE = {"slug": "sunrise", "name": "Sunrise Massage", "state": "OR",
           "billed_per_unit": "35.00", "cash_per_session": "90.00", "session_minutes": 60,
           "payers": [{"name": "Aetna", "allowed_per_unit": "28.00"}]}


@pytest.fixture
async def rows(db):  # noqa: F811
    store = open_store(db.url)
    await store.open()
    yield ClinicRows(store)  # type: ignore[arg-type]
    await store.close()


async def test_a_slug_is_taken_once_ignoring_case(rows):
    assert await rows.create("sunrise", PROFILE, owner_id=1)
    assert not await rows.create("SunRise", {**PROFILE, "slug": "SunRise"}, owner_id=2)
    assert (await rows.get("SUNRISE")).owner_id == 1


async def test_every_change_keeps_the_previous_version_and_who_made_it(rows):
    await rows.create("sunrise", PROFILE, owner_id=1)
    await rows.change("sunrise", by=1, profile={**PROFILE, "cash_per_session": "95.00"})
    await rows.change("sunrise", by=None, status="disabled")
    versions = await rows.versions("sunrise")
    assert [(v.version, v.status, v.profile["cash_per_session"], v.changed_by)
            for v in versions] == [(1, "active", "90.00", 1), (2, "active", "95.00", 1),
                                   (3, "disabled", "95.00", None)]
    current = await rows.get("sunrise")
    assert (current.version, current.status) == (3, "disabled")
    assert await rows.change("nowhere", by=1, status="paused") is None


async def test_an_invite_is_used_once_and_expires(rows):
    await rows.create("sunrise", PROFILE, owner_id=1)
    now = time.time()
    token = await rows.new_token("invite", "sunrise", by=1, ttl_seconds=86400, now=now)
    assert await rows.accept_invite(token, user_id=7, now=now + 60) == "sunrise"
    assert await rows.accept_invite(token, user_id=8, now=now + 120) is None  # used
    assert await rows.staff("sunrise") == [7]
    late = await rows.new_token("invite", "sunrise", by=1, ttl_seconds=86400, now=now)
    assert await rows.accept_invite(late, user_id=9, now=now + 86401) is None  # expired
    assert await rows.accept_invite("forged-token", user_id=9, now=now) is None
    stats = await rows.new_token("stats", "sunrise", by=1, ttl_seconds=900, now=now)
    assert await rows.accept_invite(stats, user_id=9, now=now) is None  # not an invite
    assert await rows.staff("sunrise") == [7]


async def test_staff_belong_to_one_clinic(rows):
    await rows.create("sunrise", PROFILE, owner_id=1)
    await rows.create("moonlight", {**PROFILE, "slug": "moonlight", "name": "Moonlight"}, 2)
    token = await rows.new_token("invite", "sunrise", by=1, ttl_seconds=60)
    await rows.accept_invite(token, user_id=7)
    assert await rows.staff_of(7) == ["sunrise"]
    assert await rows.staff("moonlight") == []
    assert not await rows.remove_staff("moonlight", 7)
    assert await rows.remove_staff("sunrise", 7)
    assert await rows.staff_of(7) == []


async def test_the_live_directory_merges_the_file_and_sees_changes(rows):
    yaml = load_clinics()
    clock = [0.0]
    live = LiveClinics(yaml, rows.store, refresh_seconds=2, clock=lambda: clock[0])
    assert (await live.current()).get("sunrise") is None
    await rows.create("sunrise", PROFILE, owner_id=1)
    assert (await live.current()).get("sunrise") is None  # checked under 2 s ago
    clock[0] = 2.0
    directory = await live.current()
    assert directory.get("demo-clinic") is not None
    sunrise = directory.get("sunrise")
    assert sunrise.cash_per_session == Decimal("90.00") and sunrise.is_staff(1)
    await rows.change("sunrise", by=1, status="paused")
    directory = await live.current(force=True)
    assert directory.get("sunrise") is None and live.status("Sunrise") == "paused"


async def test_a_stored_clinic_never_shadows_a_file_clinic(rows):
    await rows.create("demo-clinic", {**PROFILE, "slug": "demo-clinic", "name": "Impostor"}, 5)
    live = LiveClinics(load_clinics(), rows.store, refresh_seconds=0)
    assert (await live.current()).get("demo-clinic").name != "Impostor"


async def test_forget_leaves_no_staff_row_or_token_of_the_user(rows):
    await rows.create("sunrise", PROFILE, owner_id=1)
    invite = await rows.new_token("invite", "sunrise", by=1, ttl_seconds=60)
    await rows.accept_invite(invite, user_id=7)
    await rows.new_token("stats", "sunrise", by=7, ttl_seconds=60)
    assert await rows.forget_user(7) == 3  # the membership, the used invite, the login
    assert await rows.staff("sunrise") == [] and await rows.staff_of(7) == []
    assert (await rows.get("sunrise")).owner_id == 1


async def test_funnel_rows_are_counts_per_clinic_week_event_and_detail(rows):
    await rows.count("sunrise", "2026-W49", [("started", ""), ("verdict", "likely")])
    await rows.count("sunrise", "2026-W49", [("started", "")])
    await rows.count("sunrise", "2026-W50", [("answers", "7")])
    await rows.count("moonlight", "2026-W50", [("started", "")])
    assert await rows.funnel("sunrise") == [
        ("2026-W50", "answers", "7", 1), ("2026-W49", "started", "", 2),
        ("2026-W49", "verdict", "likely", 1)]
    assert await rows.funnel("sunrise", weeks=1) == [("2026-W50", "answers", "7", 1)]
