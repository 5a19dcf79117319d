"""Abuse limits on Telegram, end to end: a flood from one user gets one polite reply, and other
users are served as usual."""

from __future__ import annotations

from bot.i18n import translator
from bot.telegram import texts
from tests.test_telegram_support import BotUnderTest, fake_fixture  # noqa: F401  (fixture)


async def test_a_flood_is_told_once_and_others_are_not_affected(fake, tmp_path):
    bot = await BotUnderTest(fake, tmp_path / "bot.db", rate_limit_updates=5,
                             rate_limit_seconds=60).start()
    try:
        for n in range(12):
            await fake.user_sends(1001, f"hello {n}")
        await fake.wait_idle()
        told = translator("en").gettext(texts.RATE_LIMITED)
        texts_sent = fake.bot_texts(1001)
        assert sum(told in text for text in texts_sent) == 1
        # Five messages answered, one polite refusal, and nothing for the six after it.
        replies = [call for call in fake.calls
                   if call.method in ("sendMessage", "editMessageText")
                   and str(call.params.get("chat_id")) == "1001"]
        assert len(replies) == 6
        await fake.user_sends(2002, "/start")
        reply = await fake.wait_for_bot(2002)
        assert told not in reply.text
    finally:
        await bot.stop()


async def test_replies_survive_telegram_server_errors_and_flood_waits(fake, tmp_path):
    bot = await BotUnderTest(fake, tmp_path / "bot.db").start()
    try:
        fake.fail_next("sendMessage", status=502)
        fake.fail_next("sendMessage", status=503)
        await fake.user_sends(1001, "/start")
        reply = await fake.wait_for_bot(1001, timeout=10)
        assert "medical condition" in reply.text
        fake.fail_next("editMessageText", status=429, retry_after=1)
        fake.fail_next("sendMessage", status=429, retry_after=1)
        await fake.press_button(1001, "A medical condition")
        await fake.wait_for_bot(1001, lambda m: "Who would pay" in m.text, timeout=10)
    finally:
        await bot.stop()
