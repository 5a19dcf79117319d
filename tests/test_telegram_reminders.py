"""Reminders on Telegram, end to end: the real PTB Application polling the fake Bot API, a real
SQLite store, and the reminder sender running as `massage-bot polling` runs it, on a clock the
test moves (the Application's `reminder_sender.CLOCK`; the system clock is never read for
them). A reminder is set only by the patient's own presses or typing, comes once on its day in
the patient's language with a button that runs the estimate again, is listed and cancelled by
/reminders, and never comes after /forget."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from bot.telegram import reminder_sender
from tests.fakes.patients import CHOICE
from tests.test_telegram_interview import GENERIC
from tests.test_telegram_support import (  # noqa: F401  (fixtures)
    answered,
    bot_fixture,
    fake_fixture,
    is_result,
    run_interview,
)

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
PLAN_YEAR_DUE = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)  # 2 weeks before January 1, 2027
OPEN, PLAN_YEAR, ON_A_DATE, NEVER_MIND, RUN_AGAIN = "m|o", "m|p", "m|d", "m|q", "m|r"
# The shortest way to an estimate: no insurance.
CASH = {**GENERIC, "payer": (CHOICE, "self_pay")}


class Time:
    """The time every worker's clock shows; the test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now


class Clock:
    """One worker's view of `Time`, counting its reads: the sender reads it once per pass, so
    two more reads mean a whole pass ran with the time the test set."""

    def __init__(self, time: Time) -> None:
        self.time = time
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return self.time.now

    async def passes(self, count: int = 2, timeout: float = 10) -> None:
        async with asyncio.timeout(timeout):
            target = self.reads + count
            while self.reads < target:
                await asyncio.sleep(0.005)


@asynccontextmanager
async def sender(app, store, clock: Clock) -> AsyncIterator[None]:
    """The sender task as `polling` and `serve` start it, checking every few milliseconds."""
    app.bot_data[reminder_sender.CLOCK] = clock
    running = reminder_sender.start(app, store, every=0.005)
    try:
        yield
    finally:
        await running.stop()


def reminders_in(fake, chat: int, marker: str = RUN_AGAIN) -> list:
    """The reminder messages the chat got (each carries the "run again" button)."""
    return [m for m in fake.messages(chat) if any(data == marker for _, data in m.buttons)]


async def press(fake, chat: int, data: str, lang: str = "en") -> str:
    return await fake.press_button(chat, lambda text, d: d == data, language_code=lang)


async def ask_for_plan_year_reminder(fake, chat: int, confirmed: bool = True) -> None:
    """Under the estimate: "Remind me later", then "2 weeks before my plan year resets" (and,
    with `confirmed`, the bot's "Done")."""
    await press(fake, chat, OPEN)
    await fake.wait_for_bot(chat, lambda m: any(d == PLAN_YEAR for _, d in m.buttons))
    await press(fake, chat, PLAN_YEAR)
    if confirmed:
        await fake.wait_for_bot(chat, lambda m: m.text.startswith("Done"))


async def test_a_plan_year_reminder_is_set_by_buttons_and_sent_once_on_its_day(bot, fake):
    chat = 3001
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    result = await run_interview(fake, chat, CASH)
    assert ("Remind me later", OPEN) in result.buttons
    assert await bot.store.reminders(chat) == []  # nothing without the patient asking

    await press(fake, chat, OPEN)
    menu = await fake.wait_for_bot(chat, lambda m: (m.buttons or [("", "")])[0][1] == PLAN_YEAR)
    assert menu.buttons == [
        ("2 weeks before my plan year resets (January 1, 2027)", PLAN_YEAR),
        ("On a date I choose", ON_A_DATE),
        ("Never mind", NEVER_MIND),
    ]  # no prescription (no insurance): that choice is not offered
    await press(fake, chat, PLAN_YEAR)
    done = await fake.wait_for_bot(chat, lambda m: m.message_id == menu.message_id and
                                   m.text.startswith("Done"))
    assert done.text == ("Done: I will remind you on December 18, 2026. /reminders shows your "
                         "reminders.")
    [reminder] = await bot.store.reminders(chat)
    assert (reminder.kind, reminder.language, reminder.due_at) == ("plan_year", "en",
                                                                    PLAN_YEAR_DUE)

    async with sender(bot.app, bot.store, clock):
        time.now = PLAN_YEAR_DUE - timedelta(seconds=1)
        await clock.passes()
        assert reminders_in(fake, chat) == []  # not yet
        time.now = PLAN_YEAR_DUE
        sent = await fake.wait_for_bot(chat, lambda m: m.text.startswith("Reminder:"))
        time.now = PLAN_YEAR_DUE + timedelta(days=1)
        await clock.passes()
    assert sent.text.startswith("Reminder: your plan year resets on January 1, 2027.")
    assert sent.buttons == [("Run my estimate again", RUN_AGAIN)]
    assert reminders_in(fake, chat) == [sent]  # once
    assert await bot.store.reminders(chat) == []

    # Its button runs the estimate again, as a new message.
    await fake.user_presses(chat, sent.message_id, RUN_AGAIN)
    again = await fake.wait_for_bot(chat, is_result)
    assert again.message_id > sent.message_id
    amounts = cost_texts_of(result)
    assert amounts and [amount for amount in amounts if amount not in again.text] == []


def cost_texts_of(message) -> list[str]:
    """The dollar amounts a result message shows."""
    return [word.strip(".,:;()") for word in message.text.split() if word.startswith("$")]


async def test_a_typed_day_in_russian_is_checked_set_and_sent_in_russian(bot, fake):
    chat = 3002
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    await run_interview(fake, chat, CASH, lang="ru")
    await press(fake, chat, OPEN, "ru")
    await fake.wait_for_bot(chat, lambda m: any(d == ON_A_DATE for _, d in m.buttons))
    await press(fake, chat, ON_A_DATE, "ru")
    asked = await fake.wait_for_bot(chat, lambda m: m.text.startswith("Напишите день"))
    assert asked.text == "Напишите день, когда прислать напоминание, например 05.01.2027."
    assert asked.buttons == [("Не нужно", NEVER_MIND)]

    replies = []
    for typed in ("в пятницу", "30.02", "1 декабря 2026", "15.03"):
        await fake.user_sends(chat, typed, language_code="ru")
        reply = await fake.wait_for_bot(chat, lambda m: m.message_id != asked.message_id)
        replies.append(reply.text.replace("\u202f", " "))
    assert replies == [
        "Не получилось понять «в пятницу» как дату. Напишите её так: 05.01.2027 — или нажмите "
        "«Не нужно».",
        "Такого дня, как «30.02», нет. Напишите дату так: 05.01.2027.",
        "1 декабря 2026 г. — это не будущая дата. Напишите более поздний день, например "
        "05.01.2027.",
        "Готово: 15 марта 2027 г. я пришлю вам напоминание. Ваши напоминания — в /reminders.",
    ]
    [reminder] = await bot.store.reminders(chat)
    assert (reminder.kind, reminder.language) == ("date", "ru")
    assert reminder.due_at == datetime(2027, 3, 15, 16, 0, tzinfo=UTC)
    prompt = next(m for m in fake.messages(chat) if m.message_id == asked.message_id)
    assert prompt.buttons == []  # "Не нужно" is gone once the day is set

    # Typed text goes back to the interview.
    await fake.user_sends(chat, "16.03", language_code="ru")
    assert "/estimate" in (await fake.wait_for_bot(chat)).text
    assert len(await bot.store.reminders(chat)) == 1

    async with sender(bot.app, bot.store, clock):
        time.now = reminder.due_at
        sent = await fake.wait_for_bot(chat, lambda m: bool(reminders_in(fake, chat)))
    assert sent.text.startswith("Вот напоминание, о котором вы просили.")
    assert sent.buttons == [("Рассчитать оценку заново", RUN_AGAIN)]


async def test_reminders_lists_them_and_cancels_one_in_spanish(bot, fake):
    chat = 3003
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    await run_interview(fake, chat, CASH, lang="es")
    await fake.user_sends(chat, "/reminders", language_code="es")
    empty = await fake.wait_for_bot(chat)
    assert empty.text.startswith("No tiene recordatorios.")

    await press(fake, chat, OPEN, "es")
    await fake.wait_for_bot(chat, lambda m: any(d == PLAN_YEAR for _, d in m.buttons))
    await press(fake, chat, PLAN_YEAR, "es")
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Listo"))
    await press(fake, chat, OPEN, "es")
    await fake.wait_for_bot(chat, lambda m: any(d == ON_A_DATE for _, d in m.buttons))
    await press(fake, chat, ON_A_DATE, "es")
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Escriba el día"))
    await fake.user_sends(chat, "2 de enero", language_code="es")
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Listo"))

    await fake.user_sends(chat, "/reminders", language_code="es")
    listing = await fake.wait_for_bot(chat, lambda m: m.text.startswith("Sus recordatorios"))
    plan, chosen = await bot.store.reminders(chat)
    assert listing.text == (
        "Sus recordatorios (pulse uno para cancelarlo):\n"
        "18 de diciembre de 2026: su año del plan se reinicia el 1 de enero de 2027\n"
        "2 de enero de 2027: el día que usted eligió"
    )
    assert listing.buttons == [("Cancelar el 18 de diciembre de 2026", f"m|c{plan.id}"),
                               ("Cancelar el 2 de enero de 2027", f"m|c{chosen.id}")]

    query = await fake.user_presses(chat, listing.message_id, f"m|c{plan.id}",
                                    language_code="es")
    assert (await answered(fake, query))["text"] == (
        "Cancelé el recordatorio del 18 de diciembre de 2026.")
    edited = await fake.wait_for_bot(chat, lambda m: m.message_id == listing.message_id)
    assert edited.buttons == [("Cancelar el 2 de enero de 2027", f"m|c{chosen.id}")]
    assert await bot.store.reminders(chat) == [chosen]
    # The same button again (pressed twice, or on an old list): nothing left to cancel.
    query = await fake.user_presses(chat, listing.message_id, f"m|c{plan.id}",
                                    language_code="es")
    assert (await answered(fake, query))["text"] == "Ese recordatorio ya no existe."
    assert await bot.store.reminders(chat) == [chosen]

    async with sender(bot.app, bot.store, clock):
        time.now = PLAN_YEAR_DUE + timedelta(hours=1)
        await clock.passes()
        assert reminders_in(fake, chat) == []  # the cancelled one never comes
        time.now = chosen.due_at
        sent = await fake.wait_for_bot(chat, lambda m: bool(reminders_in(fake, chat)))
    assert sent.text.startswith("Aquí tiene el recordatorio que pidió.")


async def test_forget_cancels_the_reminders_and_none_comes_after(bot, fake):
    chat = 3004
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    await run_interview(fake, chat, CASH)
    await ask_for_plan_year_reminder(fake, chat)
    assert len(await bot.store.reminders(chat)) == 1

    await fake.user_sends(chat, "/forget")
    await fake.wait_for_bot(chat, lambda m: any(d == "f|y" for _, d in m.buttons))
    await press(fake, chat, "f|y")
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Done: everything"))
    assert await bot.store.reminders(chat) == []

    async with sender(bot.app, bot.store, clock):
        time.now = PLAN_YEAR_DUE + timedelta(days=3)
        await clock.passes(3)
    assert reminders_in(fake, chat) == []


async def test_never_mind_sets_nothing_and_a_menu_without_an_estimate_says_why(bot, fake):
    chat = 3005
    bot.app.bot_data[reminder_sender.CLOCK] = Clock(Time(NOW))
    await run_interview(fake, chat, CASH)
    await press(fake, chat, OPEN)
    menu = await fake.wait_for_bot(chat, lambda m: any(d == NEVER_MIND for _, d in m.buttons))
    await press(fake, chat, NEVER_MIND)
    dropped = await fake.wait_for_bot(chat, lambda m: m.message_id == menu.message_id and
                                      not m.buttons)
    assert dropped.text == "No reminder was set."
    assert await bot.store.reminders(chat) == []

    # After /restart the old menu's choices find no estimate to follow.
    await fake.user_sends(chat, "/restart")
    await fake.wait_for_bot(chat)
    query = await fake.user_presses(chat, menu.message_id, PLAN_YEAR)
    assert (await answered(fake, query))["text"].startswith("Reminders come after an estimate")
    assert await bot.store.reminders(chat) == []


async def test_the_plan_year_reset_too_close_for_a_reminder_says_book_now(bot, fake):
    chat = 3006
    bot.app.bot_data[reminder_sender.CLOCK] = Clock(Time(datetime(2026, 12, 20, tzinfo=UTC)))
    await run_interview(fake, chat, CASH)
    await ask_for_plan_year_reminder(fake, chat, confirmed=False)
    told = await fake.wait_for_bot(chat, lambda m: "too late" in m.text)
    assert told.text.startswith("Your plan year resets on January 1, 2027, in less than two "
                                "weeks")
    assert await bot.store.reminders(chat) == []


def test_each_kind_of_reminder_reads_in_each_language_with_the_day_it_is_about():
    from datetime import date

    from bot.i18n import translator
    from bot.store import Reminder

    for lang in ("en", "es", "ru"):
        t = translator(lang)
        texts_seen = set()
        for kind, due, about in [
            ("plan_year", PLAN_YEAR_DUE, date(2027, 1, 1)),
            ("prescription", datetime(2027, 1, 22, 16, tzinfo=UTC), date(2027, 1, 29)),
            ("date", datetime(2027, 3, 15, 16, tzinfo=UTC), None),
        ]:
            html, markup = reminder_sender.message_for(Reminder(1, 5, 5, kind, lang, due))
            if about is not None:
                assert t.date(about, "long") in html, (lang, kind, html)
            assert markup == {"inline_keyboard": [[{
                "text": t.gettext("Run my estimate again"), "callback_data": RUN_AGAIN}]]}
            texts_seen.add(html)
        assert len(texts_seen) == 3
    english = reminder_sender.message_for(Reminder(1, 5, 5, "date", "en", PLAN_YEAR_DUE))[0]
    unknown = reminder_sender.message_for(Reminder(1, 5, 5, "date", "de", PLAN_YEAR_DUE))[0]
    assert unknown == english  # a language no longer offered: English


# The shared patient, with a prescription written November 5 for 6 weeks (answered while
# narrowing): it covers the sessions up to December 16, 2026.
PRESCRIBED = {**GENERIC, "rx_date": (CHOICE, "2026-11-05"), "rx_weeks": ("text", "6")}
PRESCRIPTION, RX_DUE = "m|x", datetime(2026, 12, 9, 16, 0, tzinfo=UTC)  # a week before


async def test_a_prescription_reminder_comes_a_week_before_it_runs_out(bot, fake, monkeypatch):
    monkeypatch.setenv("MASSAGE_BOT_TODAY", "2026-12-06")  # the interview's day
    chat = 3008
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    asked: list[str | None] = []
    await run_interview(fake, chat, PRESCRIBED, asked=asked)
    assert asked.index("rx_date") > asked.index(None)  # while narrowing
    await press(fake, chat, OPEN)
    menu = await fake.wait_for_bot(chat, lambda m: any(d == PRESCRIPTION for _, d in m.buttons))
    assert ("Before my prescription runs out (December 16, 2026)", PRESCRIPTION) in menu.buttons
    await press(fake, chat, PRESCRIPTION)
    done = await fake.wait_for_bot(chat, lambda m: m.message_id == menu.message_id and
                                   m.text.startswith("Done"))
    assert done.text.startswith("Done: I will remind you on December 9, 2026.")
    [reminder] = await bot.store.reminders(chat)
    assert (reminder.kind, reminder.due_at) == ("prescription", RX_DUE)

    async with sender(bot.app, bot.store, clock):
        time.now = RX_DUE - timedelta(minutes=1)
        await clock.passes()
        assert reminders_in(fake, chat) == []
        time.now = RX_DUE
        sent = await fake.wait_for_bot(chat, lambda m: bool(reminders_in(fake, chat)))
        time.now = RX_DUE + timedelta(days=2)
        await clock.passes()
    assert sent.text.startswith("Reminder: your prescription for massage runs out on "
                                "December 16, 2026.")
    assert reminders_in(fake, chat) == [sent]  # once
    assert await bot.store.reminders(chat) == []


async def test_a_prescription_that_runs_out_within_a_week_is_not_offered(bot, fake, monkeypatch):
    monkeypatch.setenv("MASSAGE_BOT_TODAY", "2026-12-06")
    chat = 3009
    bot.app.bot_data[reminder_sender.CLOCK] = Clock(Time(NOW))
    # Written October 6 for 9 weeks: it runs out December 7, too soon for a reminder a week
    # before (the estimate says so; bot.reminders.prescription_reminder).
    close = {**PRESCRIBED, "rx_date": (CHOICE, "2026-10-06"), "rx_weeks": ("text", "9")}
    await run_interview(fake, chat, close)
    await press(fake, chat, OPEN)
    menu = await fake.wait_for_bot(chat, lambda m: any(d == PLAN_YEAR for _, d in m.buttons))
    assert PRESCRIPTION not in [data for _, data in menu.buttons]


def test_the_prescription_window_is_the_estimators():
    from datetime import date

    from bot.clinics import load_clinics
    from bot.interview.model import InterviewState
    from bot.telegram.reminders import prescription_window

    answers = {"purpose": "medical", "payer": "commercial", "network": "in",
               "prescription": "yes", "diagnosis": ["M54.50"], "sessions": 12,
               "rx_date": "2026-11-05", "rx_weeks": 6}
    done = InterviewState(answers=answers, finished=True, today="2026-12-06")
    assert prescription_window(done, load_clinics()) == (date(2026, 11, 5), 42)
    assert prescription_window(None, None) is None
    assert prescription_window(done.model_copy(update={"finished": False}), None) is None
    unknown = {**answers, "rx_weeks": None}
    assert prescription_window(done.model_copy(update={"answers": unknown}), None) is None


def test_the_plan_year_starts_in_the_month_answered_else_on_january_1():
    from bot.interview.model import InterviewState
    from bot.telegram.reminders import plan_year_start

    assert plan_year_start(None) == (1, 1)
    assert plan_year_start(InterviewState()) == (1, 1)
    assert plan_year_start(InterviewState(answers={"plan_year": "7"})) == (7, 1)
    assert plan_year_start(InterviewState(answers={"plan_year": 10})) == (10, 1)
    for unreadable in (None, "13", "july", True):  # unknown, or not a month: January 1
        assert plan_year_start(InterviewState(answers={"plan_year": unreadable})) == (1, 1)


async def test_a_reminder_outlives_cancelled_answers_and_its_button_then_says_start(bot, fake):
    chat = 3007
    time = Time(NOW)
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    await run_interview(fake, chat, CASH)
    await ask_for_plan_year_reminder(fake, chat)
    await fake.user_sends(chat, "/cancel")  # the answers go; the reminder asked for stays
    await fake.wait_for_bot(chat, lambda m: m.text.startswith("Stopped"))
    assert (await bot.stored(chat)).state["interview"] is None

    async with sender(bot.app, bot.store, clock):
        time.now = PLAN_YEAR_DUE
        sent = await fake.wait_for_bot(chat, lambda m: bool(reminders_in(fake, chat)))
    await fake.user_presses(chat, sent.message_id, RUN_AGAIN)
    told = await fake.wait_for_bot(chat, lambda m: m.message_id > sent.message_id)
    assert told.text == "There is no estimate in progress. Send /start to begin one."


async def test_run_again_computes_the_estimate_as_of_the_day_it_is_pressed(bot, fake,
                                                                          monkeypatch):
    """The estimate of December 7 dated its course from that day; pressed on December 18, the
    reminder's button dates it from December 18: the day moves, the past first-session day
    with it, and the sessions left before January 1 (and the advice) change."""
    from datetime import date

    from bot.interview.facts import Facts
    from bot.interview.scenario import build_scenario
    from estimator import estimate
    from tests.test_telegram_dates import DECEMBER
    from tests.test_telegram_support import cost_texts

    monkeypatch.setenv("MASSAGE_BOT_TODAY", "2026-12-07")  # the interview's day
    chat = 3010
    time = Time(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    clock = Clock(time)
    bot.app.bot_data[reminder_sender.CLOCK] = clock
    first = await run_interview(fake, chat, DECEMBER)
    before = (await bot.stored(chat)).state["interview"]
    assert (before["today"], before["answers"]["start"]) == ("2026-12-07", "2026-12-07")
    await ask_for_plan_year_reminder(fake, chat)

    async with sender(bot.app, bot.store, clock):
        time.now = PLAN_YEAR_DUE
        sent = await fake.wait_for_bot(chat, lambda m: bool(reminders_in(fake, chat)))
    time.now = PLAN_YEAR_DUE + timedelta(hours=2)  # pressed later that day
    await fake.user_presses(chat, sent.message_id, RUN_AGAIN)
    again = await fake.wait_for_bot(chat, lambda m: m.message_id > sent.message_id and
                                    is_result(m))

    after = (await bot.stored(chat)).state["interview"]
    assert after["today"] == "2026-12-18"
    assert after["answers"]["start"] == "2026-12-18"  # the course starts from the new day
    assert {k: v for k, v in after["answers"].items() if k != "start"} == {
        k: v for k, v in before["answers"].items() if k != "start"}
    then = estimate(build_scenario(Facts(before["answers"], None, date(2026, 12, 7))))
    now = estimate(build_scenario(Facts(after["answers"], None, date(2026, 12, 18))))
    assert [r.date for r in now.sessions][:2] == [date(2026, 12, 18), date(2026, 12, 25)]
    assert [y.sessions for y in now.totals.by_plan_year] == [2, 10]
    assert [y.sessions for y in then.totals.by_plan_year] == [4, 8]
    for amount in cost_texts(now, "en"):
        assert amount in again.text
    assert [a for a in cost_texts(then, "en") if a not in first.text] == []
    # The advice follows the day: 10 sessions left to book before January 1, not 8.
    assert "book 8 more sessions by" in first.text and "book 10 more" not in first.text
    assert "book 10 more sessions by" in again.text and "book 8 more" not in again.text
    assert "Welcome back" not in again.text
