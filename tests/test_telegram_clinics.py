"""Clinics onboarding themselves on Telegram, end to end through the fake Bot API: /newclinic,
the link a patient opens, /myclinic edits, pausing and deleting, staff invites and isolation."""

from __future__ import annotations

import pytest

from bot.onboarding import rules
from bot.store.clinic_rows import ClinicRows
from bot.telegram import clinic_commands, clinic_form
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
                                 bot_username="MassageCostBot").start()
    yield running
    await running.stop()


async def say(fake, chat: int, text: str, until=None) -> str:
    """The text (or caption) of the bot's first reply, or of the first one `until` accepts."""
    await fake.user_sends(chat, text)
    reply = await fake.wait_for_bot(chat, until)
    return reply.text or reply.caption or ""


async def create_clinic(fake, chat: int = OWNER, answers: list[str] = ANSWERS) -> str:
    """The caption of the photo /newclinic ends with."""
    await say(fake, chat, "/newclinic", lambda m: "What is the clinic's name" in m.text)
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
