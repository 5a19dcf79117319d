"""What every update of a private chat goes through, whatever its handler (bot.telegram.handlers)
says it does to the chat (its `work`, run on a `Turn`):

1. The chat's lease (`Store.lease`, across processes on PostgreSQL), held from loading the
   state until a newly sent interview message is recorded: a chat's updates run one after the
   other, replies included, so edits never overtake each other and a button is never judged
   against a message not yet recorded. Updates of different chats run concurrently.
2. The store section (load, work, save, one transaction that also records the update id):
   an update applied before is only acknowledged; one older than the chat's last applied one
   is dropped (it came too late to be applied in order); over the user's rate limit the work
   is not done (the user is told once per burst).
3. The replies (`outbox.deliver`), after the section, then the new interview message recorded.
4. Failures: the store down gives the patient "cannot reach my records", unless the update is
   a stored one the inbox applies again later (bot.telegram.inbox), which gets nothing; a bug
   gives "something went wrong"; neither takes the bot down.
5. Metrics, and one log line per update: hashed chat id, question ids, outcome, timings.

Nothing is kept in memory between updates (no ConversationHandler, no user_data): any process
can serve any chat, and a restart continues where the patient was.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from .. import metrics, ratelimit
from ..clinics import ClinicDirectory
from ..i18n import Translator, negotiate, translator
from ..logs import log_failure
from ..onboarding import funnel
from ..onboarding.live import LiveClinics
from ..settings import Settings
from ..store import ChatRecord, StateDecryptionError, Store, StoreUnavailable
from . import inbox, texts
from .outbox import AnswerQuery, Edit, Op, Send, SendDocument, deliver
from .turn import Turn, load_state

log = logging.getLogger("bot.telegram")
updates_log = logging.getLogger("bot.telegram.updates")

Work = Callable[[Turn], Awaitable[None] | None]


class Pipeline:
    """The update pipeline over one store, one clinic directory and the settings."""

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
        # CLINICS_FILE's clinics and the store's, reloaded when another worker changes them.
        self.live = LiveClinics(clinics, store, settings.clinic_refresh_seconds)
        self._salt = log_salt if log_salt is not None else secrets.token_bytes(16)
        # Shows the interview's current message again (set by the handlers: see _interrupted).
        self.redisplay: Callable[[Turn, bool], None] | None = None  # (turn, edit in place)

    def chat_hash(self, chat_id: int) -> str:
        """The chat id as logs show it: salted, hashed, short."""
        return hashlib.sha256(self._salt + str(chat_id).encode()).hexdigest()[:12]

    async def run(
        self, update: Update, context: Any, kind: str, work: Work, *, keyless: bool = False
    ) -> None:
        """One update of a private chat. `keyless` work also runs when the saved state cannot be
        decrypted: it then sees no state and nothing is saved (how /forget still deletes such a
        chat)."""
        started = time.perf_counter()
        chat_id = _chat_id(update)
        turn: Turn | None = None
        outcome, store_ms, send_ms = "busy", 0.0, 0.0
        try:
            async with self.store.lease(chat_id):
                store_started = time.perf_counter()
                # Inside the lease: awaited before it, a reload would let a chat's next update
                # take the lease first (the lease is handed over in arrival order).
                self.clinics = await self.live.current()
                turn, outcome, ops = await self._section(update, context, work, keyless)
                store_ms = (time.perf_counter() - store_started) * 1000
                send_started = time.perf_counter()
                delivered = await deliver(context.bot, chat_id, ops)
                if any(isinstance(op, Send | Edit | SendDocument) for op in ops):
                    metrics.reply_sent()
                send_ms = (time.perf_counter() - send_started) * 1000
                if delivered.tracked_id is not None and turn is not None and not turn.forgotten:
                    await self._track(chat_id, delivered.tracked_id, turn.tg.lost_reply_to)
        except StoreUnavailable:  # no lease: the store is down, or the chat busy for too long
            outcome = "busy"
            await deliver(context.bot, chat_id, self.apology(update, texts.UNAVAILABLE))
        metrics.update_outcome(outcome)
        updates_log.info(
            "update %s chat=%s question=%s->%s outcome=%s store_ms=%.1f send_ms=%.1f "
            "total_ms=%.1f",
            kind,
            self.chat_hash(chat_id),
            (turn.question_before if turn else None) or "-",
            (turn.interview.current if turn and turn.interview else None) or "-",
            outcome,
            store_ms,
            send_ms,
            (time.perf_counter() - started) * 1000,
        )

    async def _section(
        self, update: Update, context: Any, work: Work, keyless: bool
    ) -> tuple[Turn | None, str, list[Op]]:
        """The turn (None: a duplicate or a failure), its outcome and the replies to send."""
        query = update.callback_query
        try:
            turn = await self._in_section(update, work, keyless)
        except (StoreUnavailable, StateDecryptionError) as error:
            metrics.error("store")
            log.warning("store unavailable: %s", type(error).__name__)
            stored = inbox.applying()
            if stored is not None and isinstance(error, StoreUnavailable):
                # Applied later (the inbox keeps it): "try again" would get it twice.
                stored.kept = True
                return None, "postponed", [AnswerQuery(query.id)] if query else []
            return None, "unavailable", self.apology(update, texts.UNAVAILABLE)
        except Exception as error:  # never let one update take the bot down
            metrics.error("handler")
            log_failure(log, "update failed", error)
            return None, "error", self.apology(update, texts.FAILED)
        if turn is None:
            return None, "duplicate", [AnswerQuery(query.id)] if query else []
        outcome = turn.outcome or ("rate_limited" if turn.rate_limited else "ok")
        ops = turn.ops
        if turn.after is not None:
            try:
                ops += await turn.after(context.bot)
            except Exception as error:
                metrics.error("handler")
                log_failure(log, "update failed", error)
                return turn, "error", self.apology(update, texts.FAILED)
        _count_interview(turn)
        await self._count_funnel(turn)
        return turn, outcome, ops

    async def _count_funnel(self, turn: Turn) -> None:
        """The clinic's anonymous funnel counters (bot.onboarding.funnel)."""
        interview = turn.interview
        found = funnel.events(turn.question_before, turn.narrowing_before, interview,
                              self.clinics)
        await funnel.record(self.live.rows, interview.clinic if interview else None, found)

    async def _in_section(self, update: Update, work: Work, keyless: bool) -> Turn | None:
        entered = False
        try:
            async with self.store.chat(_chat_id(update)) as session:
                entered = True
                if await session.seen(update.update_id):
                    return self._interrupted(update, session.record)
                turn = self._turn(update, session.record)
                if _out_of_order(update, turn):
                    return turn  # nothing saved
                turn.tg.last_update = update.update_id
                if self._within_rate_limit(update, turn):
                    await _run(work, turn)
                if update.message is not None and turn.tg.lost_reply_to is not None:
                    # Not a reply the patient saw, if it comes next: see _interrupted.
                    turn.tg.lost_reply_to = update.message.message_id
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

    def _interrupted(self, update: Update, record: ChatRecord | None) -> Turn | None:
        """An update applied before: None (only acknowledged), unless it is a stored one the
        inbox still holds. Then its section committed but its process stopped (or lost the
        database's answer to the commit) before it was done, and its replies may never have
        gone out: the interview's current message is shown again, so the patient sees where
        they are, and an answer they retype meanwhile counts as sent before it (not applied to
        the next question).

        But the stopped process may have sent that reply, the current question, before it
        stopped (unrecorded, or recorded with the update left in the inbox), and the patient
        may have answered it: so a typed update's own message id is kept with the message
        shown again (`lost_reply_to`, see handlers._typed_before), and a button press's reply,
        an edit of the message pressed, is shown again in place (no newer message id)."""
        if inbox.applying() is None or self.redisplay is None:
            return None
        turn = self._turn(update, record)
        turn.outcome = "duplicate"
        query = update.callback_query
        if query:
            turn.answer_query(query.id)
        if turn.interview is not None:
            pressed = query.message.message_id if query and query.message else None
            self.redisplay(turn, pressed is not None and pressed == turn.tg.message_id)
            if update.message is not None:
                turn.tg.lost_reply_to = update.message.message_id
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
            turn.ops += self.apology(update, texts.RATE_LIMITED, turn.t)
        elif query:
            turn.ops.append(AnswerQuery(query.id))
        return False

    def _turn(self, update: Update, record: ChatRecord | None) -> Turn:
        """The update's turn over the chat's saved record (None: a chat with nothing saved)."""
        user = update.effective_user
        interview, tg = load_state(record.state if record else None)
        return Turn(
            chat_id=_chat_id(update),
            user_id=user.id if user else None,
            interview=interview,
            tg=tg,
            language_setting=record.language if record else None,
            channel_language=user.language_code if user else None,
            default_language=self.settings.default_locale,
            clinics=self.clinics,
        )

    async def _track(self, chat_id: int, message_id: int, lost_reply_to: int | None) -> None:
        """Remember the new interview message (and, for one shown again after a stopped
        process, the message whose reply may be lost: see _interrupted). The chat's lease is
        still held, so nothing but the retention purge can have changed the chat since its
        section."""
        try:
            async with self.store.chat(chat_id) as session:
                record = session.record
                if record is None or not isinstance(record.state, dict):
                    return
                _, tg = load_state(record.state)
                tg.message_id, tg.lost_reply_to = message_id, lost_reply_to
                await session.save(
                    user_id=record.user_id,
                    state={**record.state, "telegram": tg.model_dump(mode="json")},
                    language=record.language,
                    update_id=None,
                )
        except (StoreUnavailable, StateDecryptionError):
            # Its buttons will count as stale and the question is shown again: nothing lost.
            log.warning("could not record the interview message")

    def translator_for(self, update: Update) -> Translator:
        """The language Telegram gives for the user (for replies with no stored setting)."""
        user = update.effective_user
        return translator(negotiate(None, user.language_code if user else None,
                                    self.settings.default_locale))

    def apology(self, update: Update, message: str, t: Translator | None = None) -> list[Op]:
        """`message` as a new message or, for a button press, a toast; in `t`'s language, else
        the one Telegram gives for the user (no stored setting is at hand)."""
        text = (t or self.translator_for(update)).gettext(message)
        if update.callback_query:
            return [AnswerQuery(update.callback_query.id, text[: texts.CALLBACK_TOAST], True)]
        return [Send(texts.esc(text))]

    def log_group(self, chat_id: int | None, outcome: str, started: float) -> None:
        """The metrics and log line of an update of a group (never stored)."""
        metrics.update_outcome(outcome)
        updates_log.info(
            "update group chat=%s question=-->- outcome=%s store_ms=0.0 send_ms=0.0 total_ms=%.1f",
            self.chat_hash(chat_id) if chat_id is not None else "-",
            outcome,
            (time.perf_counter() - started) * 1000,
        )


def _chat_id(update: Update) -> int:
    """The private chat's id (the handlers that use the pipeline only take updates with one)."""
    chat = update.effective_chat
    assert chat is not None
    return chat.id


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


def _count_interview(turn: Turn) -> None:
    """Interviews started (a first question asked with no answers yet) and completed (the first
    estimate reached from an open question; narrowing it down later does not count again)."""
    interview = turn.interview
    if interview is None:
        return
    if interview.current is not None and not interview.answers and turn.question_before is None:
        metrics.interview_started()
    if interview.finished and turn.question_before is not None and not turn.narrowing_before:
        metrics.interview_completed()
