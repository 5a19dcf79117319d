"""The Telegram handlers, in python-telegram-bot's style: one `async def x(update, context)`
per command or kind of message, registered by `register`. Each only says what its update does
to the chat, as `work` on a `Turn` (bot.telegram.turn); the pipeline (bot.telegram.pipeline)
runs it inside the chat's lease and store section, sends the replies and counts the outcome.
They work the same whether updates come by polling or by webhook (bot.telegram.inbox).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Literal

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .. import metrics, render
from ..interview import Answer, step, words
from ..interview.model import Problem, Prompt
from ..today import clinic_today
from . import (
    clinic_commands,
    clinic_form,
    clinic_handlers,
    documents,
    keyboards,
    reminder_sender,
    reminder_texts,
    reminders,
    staff_commands,
    texts,
)
from .keyboards import Callback
from .outbox import AnswerQuery, Op, Retire, Send, deliver
from .pipeline import Pipeline
from .turn import INTERVIEW_KINDS, Turn

PIPELINE = "pipeline"  # the key of the Pipeline in the Application's bot_data
MAX_TYPED = 500  # characters of a typed reply passed on to the interview
# "Back" from the list of answers to change: the estimate again (no interview action needed).
SHOW_ESTIMATE = Answer(kind="start")


def register(app: Application, pipeline: Pipeline) -> None:
    """Every handler of the bot, over `pipeline` (kept in the Application's bot_data)."""
    app.bot_data[PIPELINE] = pipeline
    pipeline.redisplay = _show_current
    private = filters.ChatType.PRIVATE
    new_message = filters.UpdateType.MESSAGE
    app.add_handler(MessageHandler(~private & new_message, in_group))
    app.add_handler(CallbackQueryHandler(on_button))
    commands: dict[str, Callable[..., Any]] = {
        "start": start,
        "restart": restart,
        "cancel": cancel,
        "estimate": show_estimate,
        "language": choose_language,
        "help": help_command,
        "privacy": privacy,
        "forget": forget,
        "scenario": scenario,
        "whatif": whatif,
        "reminders": reminders_command,
        **clinic_handlers.COMMANDS,  # clinic owners and staff: /newclinic, /myclinic...
    }
    for name, callback in commands.items():
        app.add_handler(CommandHandler(name, callback, filters=private & new_message))
    text = private & new_message & filters.TEXT
    app.add_handler(MessageHandler(text & ~filters.COMMAND, answer_text))
    app.add_handler(MessageHandler(text & filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(private & new_message & filters.Document.ALL, document))
    app.add_handler(MessageHandler(private & new_message, other_message))


def pipeline_of(context: ContextTypes.DEFAULT_TYPE | Application) -> Pipeline:
    """The pipeline of a handler's context (or of the Application)."""
    pipeline: Pipeline = context.bot_data[PIPELINE]
    return pipeline


# --- the interview ----------------------------------------------------------------------------


def _step(turn: Turn, answer: Answer) -> Prompt:
    started = time.perf_counter()
    today = clinic_today(turn.clinics, turn.interview)
    turn.interview, prompt = step(turn.interview, answer, turn.clinics, turn.lang, today)
    if prompt.kind == "result":  # the step computed the estimate
        metrics.estimate_given("telegram", time.perf_counter() - started)
    return prompt


def _current(turn: Turn, note: str | None = None) -> Prompt:
    """The interview's current question (or result), shown again."""
    assert turn.interview is not None
    prompt = _step(turn, Answer(kind="start", value=turn.interview.clinic))
    return prompt.model_copy(update={"note": Problem(message=note) if note else None})


def _show_current(turn: Turn, edit: bool) -> None:
    """The interview's current question (or result) again: in the interview message when
    `edit`, else as a new message."""
    turn.show(_current(turn), edit=edit)


def _begin(turn: Turn, slug: str | None) -> None:
    fresh = turn.interview is None or not turn.interview.answers
    if slug is None and turn.interview is not None:
        slug = turn.interview.clinic  # plain /start keeps the clinic of the start link
    prompt = _step(turn, Answer(kind="start", value=slug))
    turn.show(prompt, edit=False, note=turn.t.gettext(texts.WELCOME) if fresh else None)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start or /start <clinic-slug>: begins (or resumes) the interview."""
    slug = context.args[0][:64] if context.args else None
    pipeline = pipeline_of(context)

    async def work(turn: Turn) -> None:
        clinic_form.close(turn)  # a clinic form left open no longer takes typed answers
        if not await clinic_commands.start_payload(pipeline, turn, slug):  # invite, closed clinic
            _begin(turn, slug)

    await pipeline.run(update, context, "command:start", work)


async def restart(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/restart: forgets the answers, asks the first question again."""

    def work(turn: Turn) -> None:
        if turn.interview is None:
            _begin(turn, None)
        else:
            turn.show(_step(turn, Answer(kind="restart")), edit=False)

    await pipeline_of(context).run(update, context, "command:restart", work)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: stops the interview and deletes its answers."""

    def work(turn: Turn) -> None:
        if clinic_form.cancel(turn) or documents.cancel(turn):  # an open form stops first
            return
        if turn.interview is None:
            turn.say(texts.NO_INTERVIEW)
            return
        turn.retire_tracked()
        turn.interview = None
        turn.tg.scenario = None
        turn.say(texts.CANCELLED)

    await pipeline_of(context).run(update, context, "command:cancel", work)


async def show_estimate(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/estimate: the last estimate again, as a new message."""

    def work(turn: Turn) -> None:
        if turn.interview is None or not turn.interview.finished:
            turn.say(texts.NO_ESTIMATE_YET)
            return
        turn.show(_current(turn), edit=False)

    await pipeline_of(context).run(update, context, "command:estimate", work)


async def answer_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed text: the answer to an amount, percent, count or code question (or a choice
    typed out); the next question comes as a new message and the old one goes."""
    message = _message(update)
    text = (message.text or "")[:MAX_TYPED]
    pipeline = pipeline_of(context)

    async def work(turn: Turn) -> None:
        if await clinic_form.typed(pipeline, turn, text):  # a clinic owner's form is open
            return
        if reminders.asking_date(turn):  # the day of a reminder the patient asked for
            now = reminder_sender.clock_of(context.bot_data)()
            await reminders.typed_date(pipeline.store, turn, text, now)
            return
        if documents.asking(turn):  # the name or date of birth for a Good Faith Estimate
            documents.typed(turn, text)
            return
        if turn.interview is None:
            _begin(turn, None)
        elif turn.interview.finished and words.action(text, turn.lang) != "narrow":
            turn.say(texts.FINISHED_HINT)  # ("narrow it down" typed under it goes on, below)
        elif _typed_before(message.message_id, turn):
            turn.outcome = "stale"  # meant for a question already answered: not applied
            turn.show(_current(turn, turn.t.gettext(texts.STALE_BUTTON)), edit=False)
        else:
            turn.show(_step(turn, Answer(kind="text", value=text)), edit=False)

    await pipeline.run(update, context, "text", work)


def _typed_before(message_id: int, turn: Turn) -> bool:
    """The typed message came before the question now shown: it was meant for an earlier one
    (a private chat numbers its messages, both ways, in the order they were sent). So an answer
    retyped while the bot was silent (slow, or its database down) is not applied to the next
    question once the first one is: the patient sees the current question again instead.

    Except after a stopped process (Pipeline._interrupted): the question is shown again, but
    it may have been sent already, unrecorded, right after the patient's message
    `lost_reply_to` (kept up to date with the patient's messages since). A typed message with
    a message in between came after one the bot sent, that reply, and answers it; one right
    after was a retype."""
    shown = turn.tg.message_id
    if shown is None or turn.tg.kind != "question" or message_id > shown:
        return False
    lost = turn.tg.lost_reply_to
    return lost is None or message_id <= lost + 1


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button press: answered first, then applied to the message it was pressed on."""
    query = update.callback_query
    assert query is not None  # a CallbackQueryHandler's update
    message = query.message
    if message is None or message.chat.type != "private":
        await in_group(update, context)
        return
    callback = keyboards.decode(query.data)
    kind = f"button:{callback.action}" if callback else "button:unknown"
    pipeline = pipeline_of(context)
    if callback is not None and callback.action == keyboards.REMIND:
        await reminders.on_press(pipeline, update, context, callback.value or "")
        return
    if callback is not None and callback.action == keyboards.DOCUMENT:
        await documents.on_press(pipeline, update, context, callback.value or "")
        return
    await pipeline.run(
        update, context, kind,
        lambda turn: _press(pipeline, turn, query.id, message.message_id, callback),
        keyless=callback is not None and callback.action == keyboards.FORGET,
    )


async def _press(
    pipeline: Pipeline, turn: Turn, query_id: str, message_id: int, callback: Callback | None
) -> None:
    if callback is not None and callback.action == keyboards.LANGUAGE:
        _set_language(turn, query_id, message_id, callback.value)
        return
    if callback is not None and callback.action == keyboards.FORGET:
        await _forget(pipeline, turn, query_id, message_id, confirmed=callback.value == "y")
        return
    if callback is not None and callback.action == keyboards.GLOSSARY:
        turn.answer_query(query_id)
        turn.send_plain(render.glossary_text(turn.t))
        return
    interview = turn.interview
    if interview is None:
        turn.answer_query(query_id, turn.t.gettext(texts.NO_INTERVIEW))
        turn.ops.append(Retire(message_id))
        return
    answer = _answer_for(turn, callback)
    on_current = message_id == turn.tg.message_id
    if answer is None or not on_current:
        turn.answer_query(query_id, turn.t.gettext(texts.STALE_BUTTON))
        if not on_current:
            turn.ops.append(Retire(message_id))
        turn.show(_current(turn), edit=on_current)
        return
    turn.answer_query(query_id)
    if answer is SHOW_ESTIMATE:
        turn.show(_current(turn), edit=True)
    else:
        # Narrowing down keeps the estimate in the chat: the questions come below it.
        turn.show(_step(turn, answer), edit=answer.kind != "narrow")


def _answer_for(turn: Turn, callback: Callback | None) -> Answer | None:
    """The interview action of a button on the current message; None if it is stale."""
    if callback is None or turn.interview is None:
        return None
    action = callback.action
    current = keyboards.question_token(turn.interview.current)
    if action in keyboards.QUESTION_ACTIONS and (
        callback.question != current or turn.tg.kind != "question"
    ):
        return None
    if action == keyboards.CHOICE:
        return Answer(kind="choice", value=callback.value)
    if action == keyboards.CHOICE_INDEX:
        value = callback.value or ""
        index = int(value) if value.isdecimal() else -1
        if not 0 <= index < len(turn.tg.options):
            return None
        return Answer(kind="choice", value=turn.tg.options[index])
    kinds: dict[str, Literal["unknown", "help", "back"]] = {
        keyboards.UNKNOWN: "unknown", keyboards.HELP: "help", keyboards.BACK: "back",
    }
    if action in kinds:
        return Answer(kind=kinds[action])
    finished = turn.interview.finished
    if action == keyboards.CHANGE and finished and turn.tg.kind in ("result", "change"):
        return Answer(kind="change", value=callback.value)
    if action == keyboards.RESTART and turn.tg.kind == "result":
        return Answer(kind="restart")
    if action == keyboards.NARROW and finished and turn.tg.kind == "result":
        return Answer(kind="narrow")
    if action == keyboards.STOP and turn.interview.narrowing and turn.tg.kind == "question":
        return Answer(kind="stop")
    if action == keyboards.ESTIMATE and finished and turn.tg.kind == "change":
        return SHOW_ESTIMATE
    return None


# --- language, help, privacy, forget -------------------------------------------------------


async def choose_language(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/language: the languages, each in its own name."""

    def work(turn: Turn) -> None:
        html = texts.esc(turn.t.gettext(texts.LANGUAGE_PROMPT))
        turn.ops.append(Send(html, keyboards.languages()))

    await pipeline_of(context).run(update, context, "command:language", work)


def _set_language(turn: Turn, query_id: str, message_id: int, lang: str | None) -> None:
    turn.language_setting = lang
    turn.answer_query(query_id)
    turn.edit_plain(message_id, texts.LANGUAGE_SET, language=turn.t.language_name())
    if turn.interview is not None and turn.tg.message_id is not None:
        turn.show(_current(turn), edit=False)  # the interview, now in that language


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the bot can and cannot do, and the glossary."""

    def work(turn: Turn) -> None:
        turn.send_plain(turn.t.gettext(texts.HELP) + "\n\n" + render.glossary_text(turn.t))

    await pipeline_of(context).run(update, context, "command:help", work)


async def privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/privacy: what is stored, for how long, and how to delete it."""
    retention_days = pipeline_of(context).settings.retention_days

    def work(turn: Turn) -> None:
        t = turn.t
        parts = [
            t.gettext(texts.PRIVACY_STORED),
            texts.retention(t, retention_days),
            t.gettext(reminder_texts.PRIVACY),
            t.gettext(documents.PRIVACY),
            t.gettext(texts.PRIVACY_FORGET),
        ]
        turn.send_plain("\n\n".join(parts))

    await pipeline_of(context).run(update, context, "command:privacy", work)


async def forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/forget: asks to confirm with buttons before deleting anything."""

    def work(turn: Turn) -> None:
        html = texts.esc(turn.t.gettext(texts.FORGET_CONFIRM))
        turn.ops.append(Send(html, keyboards.forget(turn.t)))

    await pipeline_of(context).run(update, context, "command:forget", work, keyless=True)


async def _forget(
    pipeline: Pipeline, turn: Turn, query_id: str, message_id: int, confirmed: bool
) -> None:
    turn.answer_query(query_id)
    if not confirmed:
        turn.edit_plain(message_id, texts.FORGET_KEPT)
        return
    if turn.tg.message_id is not None and turn.tg.kind in INTERVIEW_KINDS:
        turn.ops.append(Retire(turn.tg.message_id, delete=True))
    if turn.user_id is not None:
        await pipeline.store.forget_user(turn.user_id)  # in this section's transaction
        await clinic_commands.forget(pipeline, turn.user_id)  # staff of no clinic any more
    if turn.chat_id != turn.user_id:
        await pipeline.store.forget_user(turn.chat_id)
    turn.forgotten = True
    turn.edit_plain(message_id, texts.FORGOTTEN)


async def reminders_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reminders: the patient's reminders, each with a button that cancels it."""
    await reminders.list_command(pipeline_of(context), update, context)


# --- everything else ---------------------------------------------------------------------------


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await pipeline_of(context).run(update, context, "command:unknown",
                                   lambda turn: turn.say(texts.UNKNOWN_COMMAND))


async def other_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stickers, photos, voice...: only text and buttons are read."""
    await pipeline_of(context).run(update, context, "other",
                                   lambda turn: turn.say(texts.NOT_TEXT))


async def in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Groups get one line, "please message me privately", and nothing is stored."""
    started = time.perf_counter()
    pipeline = pipeline_of(context)
    bot = context.bot
    username = bot.username or pipeline.settings.bot_username or ""
    line = pipeline.translator_for(update).gettext(texts.GROUP_ONLY_PRIVATE,
                                                   link="https://t.me/" + username)
    ops: list[Op] = []
    if update.callback_query:
        ops.append(AnswerQuery(update.callback_query.id, line[: texts.CALLBACK_TOAST]))
    elif _addressed_to(update, username, bot.id):
        ops.append(Send(texts.esc(line)))
    chat = update.effective_chat  # None for a press on an inline message
    if ops:
        await deliver(bot, chat.id if chat else 0, ops)
    pipeline.log_group(chat.id if chat else None, "answered" if ops else "ignored", started)


def _addressed_to(update: Update, username: str, bot_id: int) -> bool:
    message = update.effective_message
    if message is None:
        return False
    text = message.text or message.caption or ""
    if text.startswith("/"):
        return True
    if username and f"@{username.lower()}" in text.lower():
        return True
    reply = message.reply_to_message
    return bool(reply and reply.from_user and reply.from_user.id == bot_id)


# --- staff ------------------------------------------------------------------------------------


async def scenario(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/scenario key=value ...: staff only; the full estimate and the session table."""
    text = _after_command(_message(update).text)
    pipeline = pipeline_of(context)
    await pipeline.run(
        update, context, "command:scenario",
        lambda turn: staff_commands.scenario(turn, text, pipeline.clinics, pipeline.settings),
    )


async def whatif(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/whatif key=value ...: staff only; the last scenario changed, old and new totals."""
    text = _after_command(_message(update).text)
    pipeline = pipeline_of(context)
    await pipeline.run(
        update, context, "command:whatif",
        lambda turn: staff_commands.whatif(turn, text, pipeline.clinics, pipeline.settings),
    )


async def document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A scenario YAML file from staff: each case run, pass or fail."""
    file = _message(update).document
    assert file is not None  # filters.Document.ALL
    pipeline = pipeline_of(context)
    await pipeline.run(
        update, context, "document",
        lambda turn: staff_commands.document(turn, file, pipeline.clinics, pipeline.settings),
    )


def _message(update: Update) -> Message:
    """The message of an update a MessageHandler or CommandHandler took (never None there)."""
    message = update.effective_message
    assert message is not None
    return message


def _after_command(text: str | None) -> str:
    """What follows `/command` (or `/command@bot`) in a message."""
    return (text or "").partition(" ")[2].strip() if text else ""
