"""The Telegram handlers: every update goes load -> step -> save in the chat's store section,
then the replies go out (`Channel.process`).

Nothing is kept in memory between updates (no ConversationHandler, no user_data): any process
can serve any chat, and a restart continues where the patient was. Updates of different chats
run concurrently; updates of one chat run one after the other, replies included: each holds
the chat's store lease (`Store.lease`, across processes on PostgreSQL) from loading the state
until its new message is recorded, so edits never overtake each other and a button is never
judged against a message not yet recorded. The handlers work the same whether updates come by
polling or by webhook (where `bot.telegram.inbox` also puts them in update_id order).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from .. import metrics, ratelimit, render
from ..clinics import ClinicDirectory
from ..i18n import negotiate, translator
from ..interview import Answer, step
from ..interview.model import Problem, Prompt
from ..logs import log_failure
from ..settings import Settings
from ..store import StateDecryptionError, Store, StoreUnavailable
from . import inbox, keyboards, staff_commands, texts
from .keyboards import Callback
from .outbox import AnswerQuery, Edit, Op, Retire, Send, deliver
from .turn import INTERVIEW_KINDS, Turn, load_state

log = logging.getLogger("bot.telegram")
updates_log = logging.getLogger("bot.telegram.updates")

MAX_TYPED = 500  # characters of a typed reply passed on to the interview

Work = Callable[[Turn], Awaitable[None] | None]
# "Back" from the list of answers to change: the estimate again (no interview action needed).
SHOW_ESTIMATE = Answer(kind="start")


class Channel:
    """The bot's behaviour on Telegram, over one store and one clinic directory."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clinics: ClinicDirectory,
        *,
        log_salt: bytes | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clinics = clinics
        self._salt = log_salt if log_salt is not None else secrets.token_bytes(16)

    # --- wiring ---------------------------------------------------------------------------

    def register(self, app: Application) -> None:
        private = filters.ChatType.PRIVATE
        new_message = filters.UpdateType.MESSAGE
        app.add_handler(MessageHandler(~private & new_message, self.in_group))
        app.add_handler(CallbackQueryHandler(self.on_button))
        commands: dict[str, Callable[..., Any]] = {
            "start": self.start,
            "restart": self.restart,
            "cancel": self.cancel,
            "estimate": self.show_estimate,
            "language": self.choose_language,
            "help": self.help,
            "privacy": self.privacy,
            "forget": self.forget,
            "scenario": self.scenario,
            "whatif": self.whatif,
        }
        for name, callback in commands.items():
            app.add_handler(CommandHandler(name, callback, filters=private & new_message))
        text = private & new_message & filters.TEXT
        app.add_handler(MessageHandler(text & ~filters.COMMAND, self.answer_text))
        app.add_handler(MessageHandler(text & filters.COMMAND, self.unknown_command))
        app.add_handler(MessageHandler(private & new_message & filters.Document.ALL, self.document))
        app.add_handler(MessageHandler(private & new_message, self.other_message))

    # --- the pipeline -----------------------------------------------------------------------

    def chat_hash(self, chat_id: int) -> str:
        """The chat id as logs show it: salted, hashed, short."""
        return hashlib.sha256(self._salt + str(chat_id).encode()).hexdigest()[:12]

    async def process(
        self, update: Update, context: Any, kind: str, work: Work, *, keyless: bool = False
    ) -> None:
        """One update: `work` runs inside the chat's store section (load, step, save); its
        replies go out after the section; then a newly sent interview message is recorded.
        `keyless` work also runs when the saved state cannot be decrypted: it then sees no
        state and nothing is saved (how /forget still deletes such a chat)."""
        started = time.perf_counter()
        chat = update.effective_chat
        query = update.callback_query
        turn: Turn | None = None
        ops: list[Op] = []
        outcome, store_ms = "ok", 0.0
        try:
            async with self.store.lease(chat.id):
                try:
                    store_started = time.perf_counter()
                    turn = await self._in_section(update, work, keyless)
                    store_ms = (time.perf_counter() - store_started) * 1000
                    if turn is None:
                        outcome = "duplicate"
                        ops = [AnswerQuery(query.id)] if query else []
                    else:
                        outcome = "rate_limited" if turn.rate_limited else outcome
                        outcome = turn.outcome or outcome
                        ops = turn.ops
                        if turn.after is not None:
                            ops += await turn.after(context.bot)
                except (StoreUnavailable, StateDecryptionError) as error:
                    outcome = "unavailable"
                    metrics.error("store")
                    log.warning("store unavailable: %s", type(error).__name__)
                    stored = inbox.applying()
                    if stored is not None and isinstance(error, StoreUnavailable):
                        # Applied later (the inbox keeps it): "try again" would get it twice.
                        stored.kept, outcome = True, "postponed"
                        ops = [AnswerQuery(query.id)] if query else []
                    else:
                        ops = self._apology(update, texts.UNAVAILABLE)
                except Exception as error:  # never let one update take the bot down
                    outcome = "error"
                    metrics.error("handler")
                    log_failure(log, "update failed", error)
                    ops = self._apology(update, texts.FAILED)
                if turn is not None:
                    _count_interview(turn)
                send_started = time.perf_counter()
                delivered = await deliver(context.bot, chat.id, ops)
                if any(isinstance(op, Send | Edit) for op in ops):
                    metrics.reply_sent()
                send_ms = (time.perf_counter() - send_started) * 1000
                if delivered.tracked_id is not None and turn is not None and not turn.forgotten:
                    await self._track(chat.id, delivered.tracked_id)
        except StoreUnavailable:  # no lease: the store is down, or the chat busy for too long
            outcome, send_ms = "busy", 0.0
            await deliver(context.bot, chat.id, self._apology(update, texts.UNAVAILABLE))
        metrics.update_outcome(outcome)
        updates_log.info(
            "update %s chat=%s question=%s->%s outcome=%s store_ms=%.1f send_ms=%.1f "
            "total_ms=%.1f",
            kind,
            self.chat_hash(chat.id),
            (turn.question_before if turn else None) or "-",
            (turn.interview.current if turn and turn.interview else None) or "-",
            outcome,
            store_ms,
            send_ms,
            (time.perf_counter() - started) * 1000,
        )

    async def _in_section(self, update: Update, work: Work, keyless: bool) -> Turn | None:
        entered = False
        try:
            async with self.store.chat(update.effective_chat.id) as session:
                entered = True
                if await session.seen(update.update_id):
                    return None
                record = session.record
                turn = self._turn(update, record)
                if _out_of_order(update, turn):
                    return turn  # nothing saved
                turn.tg.last_update = update.update_id
                if self._within_rate_limit(update, turn):
                    await _run(work, turn)
                if not turn.forgotten:
                    await session.save(
                        user_id=turn.user_id,
                        state=turn.dump(),
                        language=turn.language_setting,
                        update_id=update.update_id,
                    )
                return turn
        except StateDecryptionError:
            if entered or not keyless:
                raise
        log.warning("the saved state cannot be decrypted: handled without it")
        turn = self._turn(update, None)
        await _run(work, turn)
        return turn

    def _within_rate_limit(self, update: Update, turn: Turn) -> bool:
        """At most RATE_LIMIT_UPDATES per RATE_LIMIT_SECONDS per user, over every worker (the
        window is saved with the chat): over it, the user is told once per burst and further
        updates are dropped (a button press still gets its query answered)."""
        settings = self.settings
        verdict = ratelimit.check(turn.tg.rate, time.time(), settings.rate_limit_updates,
                                  settings.rate_limit_seconds)
        if verdict == "allow":
            return True
        turn.rate_limited = True
        query = update.callback_query
        if verdict == "refuse_and_tell":
            turn.ops += self._apology(update, texts.RATE_LIMITED, turn.t)
        elif query:
            turn.ops.append(AnswerQuery(query.id))
        return False

    def _turn(self, update: Update, record: Any) -> Turn:
        """The update's turn over the chat's saved record (None: a chat with nothing saved)."""
        user = update.effective_user
        interview, tg = load_state(record.state if record else None)
        return Turn(
            chat_id=update.effective_chat.id,
            user_id=user.id if user else None,
            interview=interview,
            tg=tg,
            language_setting=record.language if record else None,
            channel_language=user.language_code if user else None,
            default_language=self.settings.default_locale,
            clinics=self.clinics,
        )

    async def _track(self, chat_id: int, message_id: int) -> None:
        """Remember the new interview message. The chat's lease is still held, so nothing but
        the retention purge can have changed the chat since its section."""
        try:
            async with self.store.chat(chat_id) as session:
                record = session.record
                if record is None or not isinstance(record.state, dict):
                    return
                _, tg = load_state(record.state)
                tg.message_id = message_id
                await session.save(
                    user_id=record.user_id,
                    state={**record.state, "telegram": tg.model_dump(mode="json")},
                    language=record.language,
                    update_id=None,
                )
        except (StoreUnavailable, StateDecryptionError):
            # Its buttons will count as stale and the question is shown again: nothing lost.
            log.warning("could not record the interview message")

    def _apology(self, update: Update, message: str, t: Any = None) -> list[Op]:
        """`message` as a new message or, for a button press, a toast; in `t`'s language, else
        the one Telegram gives for the user (no stored setting is at hand)."""
        if t is None:
            user = update.effective_user
            t = translator(negotiate(None, user.language_code if user else None,
                                     self.settings.default_locale))
        text = t.gettext(message)
        ops: list[Op] = []
        if update.callback_query:
            ops.append(AnswerQuery(update.callback_query.id, text[: texts.CALLBACK_TOAST], True))
        else:
            ops.append(Send(texts.esc(text)))
        return ops

    # --- the interview ----------------------------------------------------------------------

    def _step(self, turn: Turn, answer: Answer) -> Prompt:
        started = time.perf_counter()
        turn.interview, prompt = step(turn.interview, answer, self.clinics, turn.lang)
        if prompt.kind == "result":  # the step computed the estimate
            metrics.estimate_given("telegram", time.perf_counter() - started)
        return prompt

    def _current(self, turn: Turn, note: str | None = None) -> Prompt:
        """The interview's current question (or result), shown again."""
        assert turn.interview is not None
        prompt = self._step(turn, Answer(kind="start", value=turn.interview.clinic))
        return prompt.model_copy(update={"note": Problem(message=note) if note else None})

    def _begin(self, turn: Turn, slug: str | None) -> None:
        fresh = turn.interview is None or not turn.interview.answers
        if slug is None and turn.interview is not None:
            slug = turn.interview.clinic  # plain /start keeps the clinic of the start link
        prompt = self._step(turn, Answer(kind="start", value=slug))
        turn.show(prompt, edit=False, note=turn.t.gettext(texts.WELCOME) if fresh else None)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/start or /start <clinic-slug>: begins (or resumes) the interview."""
        slug = context.args[0][:64] if context.args else None
        await self.process(update, context, "command:start", lambda turn: self._begin(turn, slug))

    async def restart(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/restart: forgets the answers, asks the first question again."""

        def work(turn: Turn) -> None:
            if turn.interview is None:
                self._begin(turn, None)
            else:
                turn.show(self._step(turn, Answer(kind="restart")), edit=False)

        await self.process(update, context, "command:restart", work)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/cancel: stops the interview and deletes its answers."""

        def work(turn: Turn) -> None:
            if turn.interview is None:
                turn.say(texts.NO_INTERVIEW)
                return
            turn.retire_tracked()
            turn.interview = None
            turn.tg.scenario = None
            turn.say(texts.CANCELLED)

        await self.process(update, context, "command:cancel", work)

    async def show_estimate(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/estimate: the last estimate again, as a new message."""

        def work(turn: Turn) -> None:
            if turn.interview is None or not turn.interview.finished:
                turn.say(texts.NO_ESTIMATE_YET)
                return
            turn.show(self._current(turn), edit=False)

        await self.process(update, context, "command:estimate", work)

    async def answer_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Typed text: the answer to an amount, percent, count or code question (or a choice
        typed out); the next question comes as a new message and the old one goes."""
        message = update.effective_message
        text = (message.text or "")[:MAX_TYPED]

        def work(turn: Turn) -> None:
            if turn.interview is None:
                self._begin(turn, None)
            elif turn.interview.finished:
                turn.say(texts.FINISHED_HINT)
            elif _typed_before(message.message_id, turn):
                turn.outcome = "stale"  # meant for a question already answered: not applied
                turn.show(self._current(turn, turn.t.gettext(texts.STALE_BUTTON)), edit=False)
            else:
                turn.show(self._step(turn, Answer(kind="text", value=text)), edit=False)

        await self.process(update, context, "text", work)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A button press: answered first, then applied to the message it was pressed on."""
        query = update.callback_query
        message = query.message
        if message is None or message.chat.type != "private":
            await self.in_group(update, context)
            return
        callback = keyboards.decode(query.data)
        kind = f"button:{callback.action}" if callback else "button:unknown"
        await self.process(
            update, context, kind,
            lambda turn: self._press(turn, query.id, message.message_id, callback),
            keyless=callback is not None and callback.action == keyboards.FORGET,
        )

    async def _press(
        self, turn: Turn, query_id: str, message_id: int, callback: Callback | None
    ) -> None:
        if callback is not None and callback.action == keyboards.LANGUAGE:
            self._set_language(turn, query_id, message_id, callback.value)
            return
        if callback is not None and callback.action == keyboards.FORGET:
            await self._forget(turn, query_id, message_id, confirmed=callback.value == "y")
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
        answer = self._answer_for(turn, callback)
        on_current = message_id == turn.tg.message_id
        if answer is None or not on_current:
            turn.answer_query(query_id, turn.t.gettext(texts.STALE_BUTTON))
            if not on_current:
                turn.ops.append(Retire(message_id))
            turn.show(self._current(turn), edit=on_current)
            return
        turn.answer_query(query_id)
        if answer is SHOW_ESTIMATE:
            turn.show(self._current(turn), edit=True)
        else:
            turn.show(self._step(turn, answer), edit=True)

    def _answer_for(self, turn: Turn, callback: Callback | None) -> Answer | None:
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
            index = int(callback.value) if (callback.value or "").isdecimal() else -1
            if not 0 <= index < len(turn.tg.options):
                return None
            return Answer(kind="choice", value=turn.tg.options[index])
        kinds = {keyboards.UNKNOWN: "unknown", keyboards.HELP: "help", keyboards.BACK: "back"}
        if action in kinds:
            return Answer(kind=kinds[action])
        finished = turn.interview.finished
        if action == keyboards.CHANGE and finished and turn.tg.kind in ("result", "change"):
            return Answer(kind="change", value=callback.value)
        if action == keyboards.RESTART and turn.tg.kind == "result":
            return Answer(kind="restart")
        if action == keyboards.ESTIMATE and finished and turn.tg.kind == "change":
            return SHOW_ESTIMATE
        return None

    # --- language, help, privacy, forget ----------------------------------------------------

    async def choose_language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/language: the languages, each in its own name."""

        def work(turn: Turn) -> None:
            html = texts.esc(turn.t.gettext(texts.LANGUAGE_PROMPT))
            turn.ops.append(Send(html, keyboards.languages()))

        await self.process(update, context, "command:language", work)

    def _set_language(self, turn: Turn, query_id: str, message_id: int, lang: str | None) -> None:
        turn.language_setting = lang
        turn.answer_query(query_id)
        turn.edit_plain(message_id, texts.LANGUAGE_SET, language=turn.t.language_name())
        if turn.interview is not None and turn.tg.message_id is not None:
            turn.show(self._current(turn), edit=False)  # the interview, now in that language

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/help: what the bot can and cannot do, and the glossary."""

        def work(turn: Turn) -> None:
            turn.send_plain(turn.t.gettext(texts.HELP) + "\n\n" + render.glossary_text(turn.t))

        await self.process(update, context, "command:help", work)

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/privacy: what is stored, for how long, and how to delete it."""

        def work(turn: Turn) -> None:
            t = turn.t
            parts = [
                t.gettext(texts.PRIVACY_STORED),
                texts.retention(t, self.settings.retention_days),
                t.gettext(texts.PRIVACY_FORGET),
            ]
            turn.send_plain("\n\n".join(parts))

        await self.process(update, context, "command:privacy", work)

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/forget: asks to confirm with buttons before deleting anything."""

        def work(turn: Turn) -> None:
            html = texts.esc(turn.t.gettext(texts.FORGET_CONFIRM))
            turn.ops.append(Send(html, keyboards.forget(turn.t)))

        await self.process(update, context, "command:forget", work, keyless=True)

    async def _forget(self, turn: Turn, query_id: str, message_id: int, confirmed: bool) -> None:
        turn.answer_query(query_id)
        if not confirmed:
            turn.edit_plain(message_id, texts.FORGET_KEPT)
            return
        if turn.tg.message_id is not None and turn.tg.kind in INTERVIEW_KINDS:
            turn.ops.append(Retire(turn.tg.message_id, delete=True))
        if turn.user_id is not None:
            await self.store.forget_user(turn.user_id)  # in this section's transaction
        if turn.chat_id != turn.user_id:
            await self.store.forget_user(turn.chat_id)
        turn.forgotten = True
        turn.edit_plain(message_id, texts.FORGOTTEN)

    # --- everything else ----------------------------------------------------------------------

    async def unknown_command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.process(
            update, context, "command:unknown", lambda turn: turn.say(texts.UNKNOWN_COMMAND)
        )

    async def other_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Stickers, photos, voice...: only text and buttons are read."""
        await self.process(update, context, "other", lambda turn: turn.say(texts.NOT_TEXT))

    async def in_group(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Groups get one line, "please message me privately", and nothing is stored."""
        started = time.perf_counter()
        bot = context.bot
        user = update.effective_user
        t = translator(negotiate(None, user.language_code if user else None,
                                 self.settings.default_locale))
        username = bot.username or self.settings.bot_username or ""
        link = "https://t.me/" + username
        line = t.gettext(texts.GROUP_ONLY_PRIVATE, link=link)
        ops: list[Op] = []
        if update.callback_query:
            ops.append(AnswerQuery(update.callback_query.id, line[: texts.CALLBACK_TOAST]))
        elif _addressed_to(update, username, bot.id):
            ops.append(Send(texts.esc(line)))
        chat = update.effective_chat  # None for a press on an inline message
        if ops:
            await deliver(bot, chat.id if chat else 0, ops)
        metrics.update_outcome("answered" if ops else "ignored")
        updates_log.info(
            "update group chat=%s question=-->- outcome=%s store_ms=0.0 send_ms=0.0 total_ms=%.1f",
            self.chat_hash(chat.id) if chat else "-",
            "answered" if ops else "ignored",
            (time.perf_counter() - started) * 1000,
        )

    # --- staff ------------------------------------------------------------------------------

    async def scenario(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/scenario key=value ...: staff only; the full estimate and the session table."""
        text = _after_command(update.effective_message.text)
        await self.process(
            update, context, "command:scenario",
            lambda turn: staff_commands.scenario(turn, text, self.clinics, self.settings),
        )

    async def whatif(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """/whatif key=value ...: staff only; the last scenario changed, old and new totals."""
        text = _after_command(update.effective_message.text)
        await self.process(
            update, context, "command:whatif",
            lambda turn: staff_commands.whatif(turn, text, self.clinics, self.settings),
        )

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A scenario YAML file from staff: each case run, pass or fail."""
        document = update.effective_message.document
        await self.process(
            update, context, "document",
            lambda turn: staff_commands.document(turn, document, self.clinics, self.settings),
        )


async def _run(work: Work, turn: Turn) -> None:
    result = work(turn)
    if result is not None:
        await result


def _out_of_order(update: Update, turn: Turn) -> bool:
    """An update older than the chat's last applied one (Telegram numbers them in the order
    sent) came late: applied now it would garble the interview, so it is dropped and counted
    (a button press still gets its query answered)."""
    last = turn.tg.last_update
    if last is None or update.update_id > last:
        return False
    turn.outcome = "out_of_order"
    if update.callback_query:
        turn.answer_query(update.callback_query.id)
    return True


def _typed_before(message_id: int, turn: Turn) -> bool:
    """The typed message came before the question now shown: it was meant for an earlier one
    (a private chat numbers its messages, both ways, in the order they were sent). So an answer
    retyped while the bot was silent (slow, or its database down) is not applied to the next
    question once the first one is: the patient sees the current question again instead."""
    shown = turn.tg.message_id
    return shown is not None and turn.tg.kind == "question" and message_id < shown


def _after_command(text: str | None) -> str:
    """What follows `/command` (or `/command@bot`) in a message."""
    return (text or "").partition(" ")[2].strip() if text else ""


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


def _count_interview(turn: Turn) -> None:
    """Interviews started (a first question asked with no answers yet) and completed (the
    estimate reached from an open question)."""
    interview = turn.interview
    if interview is None:
        return
    if interview.current is not None and not interview.answers and turn.question_before is None:
        metrics.interview_started()
    if interview.finished and turn.question_before is not None:
        metrics.interview_completed()
