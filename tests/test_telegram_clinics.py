"""Clinics onboarding themselves on Telegram, end to end through the fake Bot API: /newclinic,
the link a patient opens, /myclinic edits, pausing and deleting, staff invites and isolation."""

from __future__ import annotations

import pytest

from bot.clinics import load_clinics
from bot.onboarding import rules
from bot.store.clinic_rows import ClinicRows
from bot.telegram import clinic_commands, clinic_form, texts
from bot.web.server import create_app
from tests.fakes.patients import CHOICE
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    BotUnderTest,
    fake_fixture,
    run_interview,
)

OWNER, PATIENT, OTHER_OWNER, HELPER = 5001, 6001, 5002, 7001
SLUG = "sunrise-massage"
# The /newclinic interview as the owner types it: name, link name (+ takes the suggestion),
# state, code, minutes, billed per unit, cash per session, insurers, then the optional
# document fields skipped.
ANSWERS = ["Sunrise Massage", "+", "or", "97124", "60", "$35", "90", "Aetna 28.00",
           "-", "-", "-", "-", "-", "-"]
CASH_PATIENT = {"purpose": (CHOICE, "medical"), "payer": (CHOICE, "self_pay"),
                "sessions": (CHOICE, "12")}


@pytest.fixture(name="bot")
async def bot_fixture(fake, tmp_path):
    running = await BotUnderTest(fake, tmp_path / "bot.db", clinic_refresh_seconds=0,
                                 webhook_url="https://bot.example.com/telegram").start()
    yield running
    await running.stop()


async def say(fake, chat: int, text: str, until=None) -> str:
    """The text (or caption) of the bot's first reply, or of the first one `until` accepts."""
    await fake.wait_idle()  # the previous action's last replies are in
    await fake.user_sends(chat, text)
    reply = await fake.wait_for_bot(chat, until)
    return reply.text or reply.caption or ""


async def start_form(fake, chat: int) -> None:
    await say(fake, chat, "/newclinic", lambda m: "What is the clinic's name" in m.text)


async def create_clinic(fake, chat: int = OWNER, answers: list[str] = ANSWERS) -> str:
    """The caption of the photo /newclinic ends with."""
    await start_form(fake, chat)
    for answer in answers[:-1]:
        await say(fake, chat, answer)
    return await say(fake, chat, answers[-1], lambda m: m.photo is not None)


async def test_a_new_clinic_gets_a_link_a_qr_code_and_patients_see_its_prices(bot, fake):
    caption = await create_clinic(fake)
    link = f"https://t.me/{fake.bot_user['username']}?start={SLUG}"
    assert "Sunrise Massage is ready" in caption and link in caption
    rows = ClinicRows(bot.store)
    stored = await rows.get(SLUG)
    assert stored.owner_id == OWNER and stored.profile["cash_per_session"] == "90.00"
    assert stored.profile["payers"] == [{"name": "Aetna", "allowed_per_unit": "28.00"}]

    await patient_sees(fake, PATIENT, "$90.00")


async def patient_sees(fake, patient: int, price: str) -> None:
    """A patient opens the clinic's link, is welcomed by its name, pays `price` per session."""
    await fake.user_sends(patient, f"/start {SLUG}")
    await fake.wait_for_bot(patient, lambda m: "You came from Sunrise Massage" in m.text)
    result = await run_interview(fake, patient, CASH_PATIENT)  # /start goes on from the link
    assert f"That is about {price} per session" in result.text, result.text


async def test_the_owner_edits_the_cash_price_and_the_next_patient_pays_it(bot, fake):
    await create_clinic(fake)
    profile = await say(fake, OWNER, "/myclinic", lambda m: "Link:" in m.text)
    assert "Sunrise Massage: taking estimates" in profile and "Cash price per session: 90.00" in (
        profile)
    number = next(line.split(".")[0] for line in profile.splitlines()
                  if "Cash price per session" in line)
    asked = await say(fake, OWNER, number)
    assert "What does a patient paying cash pay per session?" in asked and "Now: 90.00" in asked
    await fake.user_sends(OWNER, "$110")
    compared = await fake.wait_for_bot(OWNER, lambda m: "before and after" in m.text)
    cash_row = compared.text.split("A patient paying cash, 10 sessions")[1]
    assert "$900.00" in cash_row and "$1,100.00" in cash_row
    assert "Saved: Cash price per session is now 110.00." in fake.bot_texts(OWNER)
    versions = await ClinicRows(bot.store).versions(SLUG)
    assert [(v.profile["cash_per_session"], v.changed_by) for v in versions] == [
        ("90.00", OWNER), ("110.00", OWNER)]
    await patient_sees(fake, PATIENT, "$110.00")


async def test_a_paused_or_deleted_clinic_link_says_so_politely(bot, fake):
    await create_clinic(fake)
    assert "is paused" in await say(fake, OWNER, "/pauseclinic")
    reply = await say(fake, PATIENT, f"/start {SLUG}")
    assert reply == clinic_commands.LINK_PAUSED % {"clinic": "Sunrise Massage"}
    await say(fake, OWNER, "/resumeclinic")
    await say(fake, OWNER, "/deleteclinic")
    assert await say(fake, OWNER, "not-the-slug") == clinic_commands.KEPT
    await say(fake, OWNER, "/deleteclinic")
    assert "is deleted" in await say(fake, OWNER, SLUG)
    reply = await say(fake, PATIENT + 1, f"/start {SLUG}")
    assert reply == clinic_commands.LINK_GONE % {"clinic": "Sunrise Massage"}
    # The link name stays the deleted clinic's: printed QR codes never lead to someone else.
    await start_form(fake, OTHER_OWNER)
    assert "I suggest sunrise-massage-2" in await say(fake, OTHER_OWNER, "Sunrise Massage")
    assert (await say(fake, OTHER_OWNER, SLUG)) == rules.SLUG_TAKEN % {"slug": SLUG}


async def test_slug_and_name_rules_are_explained(bot, fake):
    await start_form(fake, OWNER)
    assert "cannot contain < or >" in await say(fake, OWNER, "<b>Spa</b>")
    assert "I suggest clinic-admin" in await say(fake, OWNER, "Admin")
    assert "is reserved" in await say(fake, OWNER, "staff-joy")
    assert "is reserved" in await say(fake, OWNER, "api")
    assert "3 to 40 lower-case letters" in await say(fake, OWNER, "No Spaces")
    assert "is already taken" in await say(fake, OWNER, "demo-clinic")  # in CLINICS_FILE
    assert "In which US state" in await say(fake, OWNER, "+")
    assert "two-letter postal code" in await say(fake, OWNER, "Oregon")
    assert await say(fake, OWNER, "/cancel") == clinic_form.CANCELLED
    assert await ClinicRows(bot.store).owned_by(OWNER) == []


async def test_one_owner_has_at_most_the_clinics_the_setting_allows(fake, tmp_path):
    bot = await BotUnderTest(fake, tmp_path / "bot.db", max_clinics_per_owner=1).start()
    try:
        await create_clinic(fake)
        reply = await say(fake, OWNER, "/newclinic")
        assert reply == clinic_form.TOO_MANY % {"count": 1}
    finally:
        await bot.stop()


async def test_a_staff_invite_works_once_and_staff_see_only_their_clinic(bot, fake):
    await create_clinic(fake)
    await create_clinic(fake, OTHER_OWNER, ["Moonlight Spa", "+", *ANSWERS[2:]])
    invite = await say(fake, OWNER, "/invite", lambda m: "start=staff-" in m.text)
    payload = invite.split("start=")[1].split()[0]
    assert "You are now staff of Sunrise Massage" in await say(fake, HELPER, f"/start {payload}")
    assert "already used or has expired" in await say(fake, PATIENT, f"/start {payload}")

    assert "Sunrise Massage: taking estimates" in await say(fake, HELPER, "/myclinic")
    assert fake.bot_texts(HELPER)[-1].endswith(clinic_commands.STAFF_MENU)
    assert await say(fake, HELPER, "/myclinic moonlight-spa") == (
        clinic_commands.NOT_YOURS % {"slug": "moonlight-spa"})
    assert await say(fake, OTHER_OWNER, f"/myclinic {SLUG}") == (
        clinic_commands.NOT_YOURS % {"slug": SLUG})
    assert await say(fake, HELPER, "/pauseclinic") == clinic_commands.OWNER_ONLY
    assert await say(fake, HELPER, "/invite") == clinic_commands.OWNER_ONLY
    assert "for a medical condition" in await say(fake, HELPER, "1")  # no menu: an interview
    assert (await ClinicRows(bot.store).get(SLUG)).status == "active"

    assert str(HELPER) in await say(fake, OWNER, "/staff")
    assert await say(fake, OTHER_OWNER, f"/staff remove {HELPER}") == (
        clinic_commands.NOT_STAFF % {"user": HELPER, "clinic": "Moonlight Spa"})
    await say(fake, OWNER, f"/staff remove {HELPER}")
    assert await say(fake, HELPER, "/myclinic") == clinic_commands.NO_CLINIC


async def test_stats_count_the_funnel_and_the_rows_hold_no_patient_data(bot, fake, aiohttp_client):
    await create_clinic(fake)
    await patient_sees(fake, PATIENT, "$90.00")
    await fake.user_sends(PATIENT + 1, f"/start {SLUG}")  # started, never finished
    await fake.wait_for_bot(PATIENT + 1, lambda m: "Sunrise Massage" in m.text)

    reply = await say(fake, OWNER, "/stats", lambda m: "Week" in m.text)
    # The first patient narrowed the estimate down to the end (run_interview does).
    assert ("2 started, 1 got a first estimate, 1 narrowed it down to the end; "
            "median answers: 3.") in reply
    assert ("Verdicts: not covered 1. Recommended routes: Pay the clinic yourself (cash price) 1."
            in reply)

    # Every stored counter: codes and counts, nothing typed, no id, no amount.
    rows = await ClinicRows(bot.store).funnel(SLUG)
    week = rows[0][0]
    assert sorted(row[1:] for row in rows) == [
        ("answers", "3", 1), ("completed", "", 1), ("estimate", "", 1),
        ("route", "self_pay", 1), ("started", "", 2), ("verdict", "not_covered", 1)]
    assert all(r[0] == week for r in rows)
    async with bot.store._joined_or_new() as db:
        columns = [d[1] for d in await db.execute_fetchall("PRAGMA table_info(clinic_funnel)")]
        stored = await db.execute_fetchall("SELECT * FROM clinic_funnel")
    assert columns == ["slug_key", "week", "event", "detail", "count"]
    cells = {str(cell) for row in stored for cell in row}
    assert not cells & {str(PATIENT), str(PATIENT + 1), "12", "90", "90.00", "1080.00"}

    # The web page: only with the login link /stats sent, only for that clinic.
    link = reply.split("web page")[1].split(": ", 1)[1].split()[0]
    path = link.removeprefix("https://bot.example.com")
    client = await aiohttp_client(create_app(bot.settings, clinics=load_clinics(),
                                             store=bot.store))
    page = await client.get(path)
    html = await page.text()
    assert page.status == 200 and "Sunrise Massage" in html and "not covered 1" in html
    token = path.split("token=")[1]
    assert (await client.get(f"/c/{SLUG}/stats?token=forged")).status == 403
    assert (await client.get(f"/c/{SLUG}/stats")).status == 403
    assert (await client.get(f"/c/demo-clinic/stats?token={token}")).status == 403


async def test_a_stats_login_expires(bot):
    rows = ClinicRows(bot.store)
    await rows.create(SLUG, {"slug": SLUG, "name": "Sunrise", "state": "OR",
                             "billed_per_unit": "35.00"}, OWNER)
    token = await rows.new_token("stats", SLUG, OWNER, 900, now=1000.0)
    assert await rows.login(token, now=1900.0) == (SLUG, OWNER)
    assert await rows.login(token, now=1901.0) is None


async def test_the_clinic_page_follows_the_store(bot, fake, aiohttp_client):
    client = await aiohttp_client(create_app(bot.settings, clinics=load_clinics(),
                                             store=bot.store))
    assert (await client.get(f"/c/{SLUG}")).status == 404
    await create_clinic(fake)
    page = await client.get(f"/c/{SLUG}")
    assert page.status == 200 and "Sunrise Massage" in await page.text()
    await say(fake, OWNER, "/pauseclinic")
    closed = await client.get(f"/c/{SLUG}")
    assert closed.status == 410 and "Please contact the clinic directly" in await closed.text()


async def test_start_leaves_an_open_form_and_forget_ends_staff_membership(bot, fake):
    await create_clinic(fake)
    invite = await say(fake, OWNER, "/invite", lambda m: "start=staff-" in m.text)
    await say(fake, HELPER, "/start " + invite.split("start=")[1].split()[0])
    await start_form(fake, HELPER)
    await say(fake, HELPER, "/start")
    assert "for a medical condition" in await say(fake, HELPER, "hello")  # not the clinic's name
    await fake.user_sends(HELPER, "/forget")
    await fake.wait_for_bot(HELPER, lambda m: ("", "f|y") in [("", d) for _, d in m.buttons])
    await fake.press_button(HELPER, lambda text, data: data == "f|y")
    await fake.wait_for_bot(HELPER, lambda m: m.text == texts.FORGOTTEN)
    assert await ClinicRows(bot.store).staff(SLUG) == []
