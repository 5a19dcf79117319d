"""A clinic onboarding itself on two `massage-bot serve` workers sharing PostgreSQL: a new user
creates it through one worker, patients open its link through the other and get its prices, the
owner changes the cash price on the first and the next patient on the second gets the new one
(each worker reloads the clinics it did not change itself: CLINIC_REFRESH_SECONDS=0 here, so
the very next update sees it)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.onboarding.fields import FIELDS
from bot.web.server import SECRET_HEADER
from tests.fakes.workers import WebhookFake, Worker, fresh_schema, serve_workers
from tests.test_multiworker import PG_URL, SECRET, START_SECONDS, TOKEN, connect_admin
from tests.test_telegram_clinics import ANSWERS, OWNER, SLUG

WAIT = 20.0


class Chats:
    """The harness's side of Telegram: each user action becomes an update POSTed to a worker,
    and the bot's reply is awaited in the fake."""

    def __init__(self, fake: WebhookFake, http: aiohttp.ClientSession) -> None:
        self.fake, self.http = fake, http

    async def post(self, worker: Worker, update: dict[str, Any]) -> None:
        async with self.http.post(f"{worker.url}/telegram", json=update,
                                  headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 200, await response.text()

    async def say(self, worker: Worker, chat: int, text: str, until) -> Any:
        await self.post(worker, await self.fake.text(chat, text))
        return await self.fake.wait_for_bot(chat, until, timeout=WAIT)

    async def press(self, worker: Worker, chat: int, data: str, until) -> Any:
        message = next(m for m in reversed(self.fake.messages(chat))
                       if any(d == data for _, d in m.buttons))
        await self.post(worker, await self.fake.press(chat, message.message_id, data))
        return await self.fake.wait_for_bot(chat, until, timeout=WAIT)


def _buttons(question: str):
    return lambda m: any((d or "").startswith(f"a|{question}|") for _, d in m.buttons)


async def cash_patient(chats: Chats, worker: Worker, chat: int) -> str:
    """A patient paying cash for 12 sessions, from the clinic's link: the estimate's text."""
    await chats.say(worker, chat, f"/start {SLUG}", lambda m: "Sunrise Massage" in m.text)
    await chats.press(worker, chat, "a|purpose|medical", _buttons("payer"))
    await chats.press(worker, chat, "a|payer|self_pay", _buttons("sessions"))
    result = await chats.press(worker, chat, "a|sessions|12", lambda m: "per session" in m.text)
    return result.text


async def test_a_clinic_made_on_one_worker_serves_patients_on_the_other(tmp_path):
    admin = await connect_admin()
    try:
        async with (
            fresh_schema(admin, PG_URL, "mwc") as (_, database_url),
            WebhookFake(token=TOKEN) as fake,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
            serve_workers(2, folder=tmp_path, http=http, database_url=database_url,
                          token=TOKEN, secret=SECRET, api_base_url=f"{fake.url}/bot",
                          start_seconds=START_SECONDS,
                          extra_env={"CLINIC_REFRESH_SECONDS": "0"}) as (first, second),
        ):
            chats = Chats(fake, http)
            await chats.say(first, OWNER, "/newclinic", lambda m: "clinic's name" in m.text)
            for answer, following in zip(ANSWERS[:-1], FIELDS[1:], strict=True):
                await chats.say(first, OWNER, answer, lambda m, q=following.question: q in m.text)
            photo = await chats.say(first, OWNER, ANSWERS[-1], lambda m: m.photo is not None)
            assert f"?start={SLUG}" in (photo.caption or "")

            assert "That is about $90.00 per session" in await cash_patient(chats, second, 9001)

            profile = await chats.say(first, OWNER, "/myclinic", lambda m: "Link:" in m.text)
            number = next(line.split(".")[0] for line in profile.text.splitlines()
                          if "Cash price per session" in line)
            await chats.say(first, OWNER, number, lambda m: "Now: 90.00" in m.text)
            await chats.say(first, OWNER, "120", lambda m: "before and after" in m.text)

            assert "That is about $120.00 per session" in await cash_patient(chats, second, 9002)
            assert fake.internal_errors == []
    finally:
        await admin.close()
