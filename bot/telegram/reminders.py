"""Reminders on Telegram: after an estimate, "Remind me later" offers the choices as buttons (2
weeks before the plan year resets; before the prescription runs out, when the interview knows
its date and length; on a day the patient types), and /reminders lists them, each with a button that
cancels it. Nothing is set without the patient pressing or typing for it.

The hooks in bot.telegram.handlers are one line each: `on_press` for every `m|...` button,
`list_command` for /reminders, and `typed_date` for a text typed while the bot asks for a day
(`TelegramState.reminder_prompt`). The day's rules are in bot.reminders; the sending in
bot.telegram.reminder_sender. The clock comes from the Application (`reminder_sender.CLOCK`).

Callback values (`m|<value>`): o open the choices, p plan year, x prescription, d a typed day,
q never mind, r run the estimate again (the reminder's button), c<id> cancel that reminder.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from telegram import Update

from estimator import prescription_end

from .. import reminders as rules
from ..clinics import ClinicDirectory
from ..i18n import Translator
from ..interview import Answer, dates, step
from ..interview.engine import scenario_for
from ..interview.model import InterviewState
from ..interview.parsing import ParseError
from ..interview.typed_dates import parse_date
from ..store import Reminder, Store
from ..today import clinic_today
from . import keyboards, texts
from . import reminder_texts as rt
from .outbox import Edit, Retire, Send
from .pipeline import Pipeline
from .reminder_sender import clock_of
from .turn import Turn

MAX_PER_CHAT = 5
EXAMPLE_AHEAD = timedelta(days=30)  # the day shown as an example of how to type one


# --- what the interview knows (its dates: bot.interview.dates) --------------------------------


PLAN_YEAR_ANSWER = "plan_year"  # the answer naming the month the plan year starts, when asked


def plan_year_start(interview: InterviewState | None) -> tuple[int, int]:
    """The plan year's first month and day: the month the patient answered (on its first day),
    else January 1, the start for individual and most employer plans (DOMAIN.md, Calendar)."""
    month = interview.answers.get(PLAN_YEAR_ANSWER) if interview is not None else None
    if isinstance(month, int | str) and str(month).isdecimal() and 1 <= int(month) <= 12:
        return int(month), 1
    return 1, 1


def prescription_window(interview: InterviewState | None, clinics: ClinicDirectory | None
                        ) -> tuple[date, int] | None:
    """The prescription's date and the days it is valid, when the interview has its date and
    length (asked while narrowing: bot.interview.dates): the estimator's own window
    (`estimator.prescription_end`), so the reminder and the estimate's flags agree."""
    scenario = scenario_for(interview, clinics) if interview is not None else None
    end = None if scenario is None else prescription_end(scenario)
    if scenario is None or end is None or scenario.prescription_date is None:
        return None
    return scenario.prescription_date, (end - scenario.prescription_date).days + 1


# --- the buttons ------------------------------------------------------------------------------


def _data(value: str) -> str:
    return keyboards.encode(keyboards.REMIND, value)


async def on_press(pipeline: Pipeline, update: Update, context: Any, value: str) -> None:
    """A reminder button: answered first, then applied in the chat's section."""
    query = update.callback_query
    assert query is not None and query.message is not None  # on_button checked
    message_id = query.message.message_id
    now = clock_of(context.bot_data)()

    async def work(turn: Turn) -> None:
        await _press(pipeline, turn, query.id, message_id, value, now)

    await pipeline.run(update, context, f"button:{keyboards.REMIND}", work)


async def _press(
    pipeline: Pipeline, turn: Turn, query_id: str, message_id: int, value: str, now: datetime
) -> None:
    t, today = turn.t, clinic_today(turn.clinics, turn.interview, now)
    if value == "r":
        turn.answer_query(query_id)
        _run_again(turn, now)
        return
    if value.startswith("c"):
        await _cancel(pipeline.store, turn, query_id, message_id, value[1:])
        return
    if value == "q":
        turn.answer_query(query_id)
        turn.tg.reminder_prompt = None
        turn.edit_plain(message_id, rt.DROPPED)
        return
    if turn.interview is None or not turn.interview.finished:
        turn.answer_query(query_id, t.gettext(rt.NO_ESTIMATE))
        return
    turn.answer_query(query_id)
    if value == "o":
        turn.ops.append(Send(*_menu(turn, today)))
    elif value == "p":
        day = rules.plan_year_reminder(today, *plan_year_start(turn.interview))
        if day is None:
            reset = rules.next_plan_year_reset(today, *plan_year_start(turn.interview))
            turn.edit_plain(message_id, rt.RESET_TOO_CLOSE, date=t.date(reset, "long"))
        else:
            await _set(pipeline.store, turn, "plan_year", day, message_id)
    elif value == "x" and (day := _prescription_day(turn, today)) is not None:
        await _set(pipeline.store, turn, "prescription", day, message_id)
    elif value == "d":
        turn.tg.reminder_prompt = message_id
        html = texts.esc(t.gettext(rt.ASK_DATE, example=_example(t, today)))
        never_mind = keyboards.button(t.gettext(rt.NEVER_MIND), _data("q"))
        turn.ops.append(Edit(message_id, html, keyboards.markup([[never_mind]])))
    else:  # an option no longer offered (the answers changed): the choices again
        turn.ops.append(Edit(message_id, *_menu(turn, today)))


def _run_again(turn: Turn, now: datetime) -> None:
    """The reminder's button: the patient's estimate again, as of the day it is pressed (the
    clinic's day by the sender's clock; a first session's day now past becomes that day)."""
    if turn.interview is None:
        turn.say(texts.NO_INTERVIEW)  # cancelled, forgotten, or deleted after RETENTION_DAYS
        return
    today = clinic_today(turn.clinics, turn.interview, now)
    state = dates.as_of(turn.interview, today)
    turn.interview, prompt = step(state, Answer(kind="start", value=state.clinic), turn.clinics,
                                  turn.lang, today)
    turn.show(prompt.model_copy(update={"note": None}), edit=False)  # not "welcome back"


def _prescription_day(turn: Turn, today: date) -> date | None:
    window = prescription_window(turn.interview, turn.clinics)
    return None if window is None else rules.prescription_reminder(today, *window)


def _menu(turn: Turn, today: date) -> tuple[str, keyboards.Markup]:
    t = turn.t
    reset = rules.next_plan_year_reset(today, *plan_year_start(turn.interview))
    rows = [[keyboards.button(t.gettext(rt.PLAN_YEAR_OPTION, date=t.date(reset, "long")),
                              _data("p"))]]
    day = _prescription_day(turn, today)
    if day is not None:
        end = rules.prescription_end_of(day)
        rows.append([keyboards.button(t.gettext(rt.PRESCRIPTION_OPTION,
                                                date=t.date(end, "long")), _data("x"))])
    rows.append([keyboards.button(t.gettext(rt.DATE_OPTION), _data("d"))])
    rows.append([keyboards.button(t.gettext(rt.NEVER_MIND), _data("q"))])
    return texts.esc(t.gettext(rt.MENU)), keyboards.markup(rows)


def _example(t: Translator, today: date) -> str:
    """A day written the way this language writes it short (and `parse_date` reads it)."""
    return t.date(today + EXAMPLE_AHEAD, "short")


async def _set(store: Store, turn: Turn, kind: str, day: date, message_id: int | None) -> None:
    """Store the reminder (in the section's transaction) and say so, in the choices' message."""
    t = turn.t
    if len(await store.reminders(turn.chat_id)) >= MAX_PER_CHAT:
        turn.edit_plain(message_id, rt.TOO_MANY, count=t.number(MAX_PER_CHAT))
        return
    added = await store.add_reminder(turn.chat_id, turn.user_id, kind, turn.lang,
                                     rules.due_at(day))
    turn.edit_plain(message_id, rt.SET if added else rt.ALREADY, date=t.date(day, "long"))


# --- a typed day ------------------------------------------------------------------------------


def asking_date(turn: Turn) -> bool:
    """The bot asked for a day, and a typed text is the answer."""
    return turn.tg.reminder_prompt is not None


async def typed_date(store: Store, turn: Turn, text: str, now: datetime) -> None:
    """The day typed after "On a date I choose": set, or what is wrong with it (still asking)."""
    t, today = turn.t, clinic_today(turn.clinics, turn.interview, now)
    example = _example(t, today)
    try:
        day = parse_date(text, turn.lang, today)
    except ParseError as error:
        message = rt.NO_SUCH_DATE if error.kind == "no_such_date" else rt.NOT_A_DATE
        turn.say(message, text=text.strip()[:40], example=example)
        return
    problem = rules.check_reminder_day(day, today)
    if problem == "past":
        turn.say(rt.DATE_PAST, date=t.date(day, "long"), example=example)
        return
    if problem == "too_far":
        turn.say(rt.DATE_TOO_FAR, last=t.date(today + rules.HORIZON, "long"))
        return
    prompt, turn.tg.reminder_prompt = turn.tg.reminder_prompt, None
    if prompt is not None:
        turn.ops.append(Retire(prompt))  # its "Never mind" no longer applies
    await _set(store, turn, "date", day, None)


# --- /reminders -------------------------------------------------------------------------------


async def list_command(pipeline: Pipeline, update: Update, context: Any) -> None:
    """/reminders: the patient's reminders, each with a button that cancels it."""

    async def work(turn: Turn) -> None:
        items = await pipeline.store.reminders(turn.chat_id)
        if not items:
            turn.say(rt.NONE)
            return
        turn.ops.append(Send(*_listing(turn.t, items)))

    await pipeline.run(update, context, "command:reminders", work)


def _listing(t: Translator, items: list[Reminder]) -> tuple[str, keyboards.Markup]:
    lines, rows = [t.gettext(rt.LIST_HEADER)], []
    for reminder in items:
        day = reminder.due_at.date()
        if reminder.kind == "plan_year":
            about = rules.plan_year_reset_of(day)
        else:
            about = rules.prescription_end_of(day)
        day_text = t.date(day, "long")
        lines.append(rt.item(t, reminder.kind, day_text, t.date(about, "long")))
        rows.append([keyboards.button(t.gettext(rt.CANCEL_ITEM, date=day_text),
                                      _data(f"c{reminder.id}"))])
    return texts.esc("\n".join(lines)), keyboards.markup(rows)


async def _cancel(store: Store, turn: Turn, query_id: str, message_id: int, which: str) -> None:
    t = turn.t
    listed = {r.id: r for r in await store.reminders(turn.chat_id)}
    reminder = listed.get(int(which)) if which.isdecimal() else None
    if reminder is None or not await store.cancel_reminder(turn.chat_id, reminder.id):
        turn.answer_query(query_id, t.gettext(rt.GONE))
    else:
        del listed[reminder.id]
        turn.answer_query(query_id, t.gettext(rt.CANCELLED,
                                              date=t.date(reminder.due_at.date(), "long")))
    if listed:
        turn.ops.append(Edit(message_id, *_listing(t, list(listed.values()))))
    else:
        turn.edit_plain(message_id, rt.NONE)
