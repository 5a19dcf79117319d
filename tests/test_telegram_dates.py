"""Dates on Telegram, end to end (the real PTB Application, the fake Bot API): in December a
course may cross January 1, so narrowing asks the first session's day and the plan year's month
by buttons, and the estimate lists the sessions by date with the advice to book before the
reset."""

from __future__ import annotations

from tests.fakes.patients import INTERVIEW
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    bot_fixture,
    fake_fixture,
    run_interview,
)

# The shared patient, with the deductible met (all of it paid) and no cash price: the plan is
# billed, and the January sessions pay the new deductible.
DECEMBER = {**INTERVIEW, "deductible_met": ("text", "1000"), "oop_met": ("text", "1000"),
            "cash": ("choice", "none"),
            "start": ("choice", "2026-12-07"), "plan_year": ("choice", "1")}


async def test_a_december_course_is_dated_on_telegram(bot, fake, monkeypatch):
    monkeypatch.setenv("MASSAGE_BOT_TODAY", "2026-12-07")  # the clinic's day (bot/today.py)
    asked: list[str | None] = []
    result = await run_interview(fake, 3001, DECEMBER, asked=asked)
    assert "start" in asked and "plan_year" in asked
    assert asked.index("start") > asked.index(None)  # while narrowing, after the first estimate
    assert "Your sessions:" in result.text
    assert "Your plan year starts again during the course:" in result.text
    assert "before your plan year starts again" in result.text
    record = await bot.stored(3001)
    assert record.state["interview"]["answers"]["start"] == "2026-12-07"
    assert record.state["interview"]["today"] == "2026-12-07"
