"""One update's work on one chat: the stored state it starts from, what it changes, and the
replies it leaves for after the store section (`bot.telegram.outbox`).

What a chat keeps in the store (a JSON dict; the store never looks inside):

    {"v": 1,
     "interview": InterviewState as JSON, or null,
     "telegram": TelegramState as JSON:
                 {"message_id": 12,            the interview message: the one with live buttons
                  "kind": "question",           question | change | result
                  "question": "deductible",     the question token its buttons carry
                  "options": ["ppo", "hmo"],    its option values, for index-coded buttons
                  "seq": 7,                     bumped on every save of an update (a count)
                  "last_update": 812,           the update_id of the last update applied
                  "lost_reply_to": 40,          the patient's message whose reply a stopped
                                                worker may have sent unrecorded (see below)
                  "reminder_prompt": 15,        the message asking for a reminder's day
                  "scenario": {...},            staff: the last /scenario or /whatif
                  "document": {...},            the Good Faith Estimate's questions, open
                                                (bot.telegram.documents; the name, once typed)
                  "clinic": {...},              a clinic owner's /newclinic or /myclinic
                  "rate": {"times": [...],      when the user's last updates came, and whether
                           "told": false}}}     they were told to slow down (bot.ratelimit)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from .. import render
from ..clinics import ClinicDirectory
from ..i18n import Translator, negotiate, translator
from ..interview.model import InterviewState, Prompt
from ..ratelimit import Window
from . import keyboards, texts
from .outbox import AnswerQuery, Edit, Op, Retire, Send

log = logging.getLogger(__name__)

STATE_VERSION = 1
# Interview messages that are deleted when a newer one replaces them (a result is kept).
INTERVIEW_KINDS = frozenset({"question", "change", "glossary"})



class TelegramState(BaseModel):
    """The channel's bookkeeping of a chat (the "telegram" part of the saved state). A field a
    saved state has in a form that cannot be read (an older version, a hand edit) starts
    afresh; the others are kept."""

    message_id: int | None = None
    kind: str | None = None
    question: str = ""
    options: list[str] = []
    seq: int = 0
    scenario: dict[str, Any] | None = None
    rate: Window = Field(default_factory=Window)  # the user's rate-limit window
    last_update: int | None = None  # the update_id of the last update applied
    # Set while the interview message is one shown again because the worker applying the
    # patient's message of this id stopped before it was done: its reply (the same question)
    # may have gone out unrecorded, and a message typed after it answered that question.
    lost_reply_to: int | None = None
    # The message asking for a reminder's day (bot.telegram.reminders): a typed text is that day.
    reminder_prompt: int | None = None
    # The Good Faith Estimate's name and date of birth being asked (bot.telegram.documents).
    document: dict[str, Any] | None = None
    # A clinic owner's /newclinic or /myclinic in progress (bot.telegram.clinic_form.ClinicChat).
    clinic: dict[str, Any] | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _unreadable_fields_afresh(cls, data: Any, handler: Any) -> TelegramState:
        if not isinstance(data, dict):
            return handler({})
        try:
            return handler(data)
        except ValidationError as error:
            unreadable = {problem["loc"][0] for problem in error.errors() if problem["loc"]}
            return handler({k: v for k, v in data.items() if k not in unreadable})

    def untrack(self) -> None:
        self.message_id, self.kind, self.question, self.options = None, None, "", []
        self.lost_reply_to = None


def load_state(stored: dict[str, Any] | None) -> tuple[InterviewState | None, TelegramState]:
    """The interview and the channel's bookkeeping from a stored dict (unreadable → fresh)."""
    if not isinstance(stored, dict):
        return None, TelegramState()
    interview = None
    if stored.get("interview") is not None:
        try:
            interview = InterviewState.model_validate(stored["interview"])
        except ValidationError:
            log.warning("a stored interview could not be read; starting that chat afresh")
    return interview, TelegramState.model_validate(stored.get("telegram"))


@dataclass
class Turn:
    """The work of one update on one chat, built inside the chat's store section."""

    chat_id: int
    user_id: int | None
    interview: InterviewState | None
    tg: TelegramState
    language_setting: str | None  # the user's own choice (/language), stored
    channel_language: str | None  # Telegram's language_code
    default_language: str
    clinics: ClinicDirectory
    ops: list[Op] = field(default_factory=list)
    forgotten: bool = False  # /forget ran: do not save
    rate_limited: bool = False  # over the rate limit: the work was not done
    outcome: str | None = None  # the update was dropped: why (metrics.OUTCOMES)
    question_before: str | None = None
    narrowing_before: bool = False  # the question before narrowed an estimate already shown
    after: Any = None  # a coroutine function run after the section, returning more ops

    def __post_init__(self) -> None:
        self.question_before = self.interview.current if self.interview else None
        self.narrowing_before = bool(self.interview and self.interview.narrowing)

    @property
    def lang(self) -> str:
        return negotiate(self.language_setting, self.channel_language, self.default_language)

    @property
    def t(self) -> Translator:
        return translator(self.lang)

    def dump(self) -> dict[str, Any]:
        self.tg.seq += 1
        return {
            "v": STATE_VERSION,
            "interview": self.interview.model_dump(mode="json") if self.interview else None,
            "telegram": self.tg.model_dump(mode="json"),
        }

    # --- simple replies -----------------------------------------------------------------

    def answer_query(self, query_id: str, text: str | None = None, alert: bool = False) -> None:
        """Answer the button press: always the first reply."""
        self.ops.insert(0, AnswerQuery(query_id, text[: texts.CALLBACK_TOAST] if text else None,
                                       alert))

    def say(self, message: str, **params: Any) -> None:
        """A new message: one translated sentence (escaped; split if parameters make it long)."""
        self.send_plain(self.t.gettext(message, **params))

    def send_plain(self, plain: str, markup=None) -> None:
        """A new message from plain text, split if it is long (the keyboard on the last)."""
        chunks = texts.split_text(plain)
        for chunk in chunks[:-1]:
            self.ops.append(Send(chunk))
        self.ops.append(Send(chunks[-1], markup))

    def retire_tracked(self) -> None:
        """The interview message stops being current: a question goes, a result stays."""
        if self.tg.message_id is not None:
            self.ops.append(Retire(self.tg.message_id, delete=self.tg.kind in INTERVIEW_KINDS))
        self.tg.untrack()

    # --- the interview message ------------------------------------------------------------

    def _record_lines(self) -> list[str]:
        if self.interview is None:
            return []
        return render.answers_summary(self.interview, self.clinics, self.t)

    def _record_html(self, budget: int) -> str:
        """The answers so far, newest kept when space runs out."""
        lines = self._record_lines()
        if not lines or budget <= 0:
            return ""
        header = f"<b>{texts.esc(self.t.gettext(texts.YOUR_ANSWERS))}</b>\n"
        kept: list[str] = []
        used = len(header) + len("<blockquote></blockquote>") + 2
        for line in reversed(lines):
            escaped = texts.esc(line)
            if used + len(escaped) + 1 > budget:
                kept.append("\u2026")
                break
            kept.append(escaped)
            used += len(escaped) + 1
        return f"{header}<blockquote>{chr(10).join(reversed(kept))}</blockquote>"

    def prompt_html(self, prompt: Prompt, note: str | None = None) -> list[str]:
        """The interview message for `prompt`: the record of answers above the question (or the
        result), split into several messages only when a result is too long for one."""
        head = f"<i>{texts.esc(note)}</i>\n\n" if note else ""
        plain = render.prompt_text(prompt, self.t)
        if prompt.kind != "result":
            body = texts.esc(plain)
            if len(head) + len(body) > texts.BUDGET:  # a pathological prompt: cut it
                body = texts.esc(plain[: texts.BUDGET // 2]) + "\u2026"
            record = self._record_html(texts.BUDGET - len(head) - len(body) - 2)
            return [head + (f"{record}\n\n" if record else "") + body]
        record = self._record_html(texts.BUDGET // 2)
        first_budget = texts.BUDGET - len(head) - len(record) - 2
        chunks = texts.split_text(plain, first_limit=first_budget)
        return [head + (f"{record}\n\n" if record else "") + chunks[0], *chunks[1:]]

    def show(self, prompt: Prompt, *, edit: bool, note: str | None = None) -> None:
        """Show what the interview asks next, or its result, in the interview message.

        When `edit` (a button was pressed on it), the interview message is replaced in place;
        otherwise (the patient typed, or sent a command) the prompt comes as a new message below,
        and the old question goes (an old result stays, without its buttons).
        """
        pages = self.prompt_html(prompt, note)
        markup = keyboards.for_prompt(prompt, self.t)
        self.tg.lost_reply_to = None  # a message shown in the normal course
        self.tg.reminder_prompt = None  # the interview moved on: typed text answers it again
        self.tg.document = None  # (and the GFE's questions close, the name with them)
        old_id, old_kind = self.tg.message_id, self.tg.kind
        if edit and old_id is not None and old_kind is not None:
            if len(pages) == 1:
                self.ops.append(Edit(old_id, pages[0], markup, track=prompt.kind))
            else:
                self.ops.append(Edit(old_id, pages[0]))
                self.ops.extend(Send(page) for page in pages[1:-1])
                self.ops.append(Send(pages[-1], markup, track=prompt.kind))
                self.tg.message_id = None
        else:
            self.ops.extend(Send(page) for page in pages[:-1])
            self.ops.append(Send(pages[-1], markup, track=prompt.kind))
            self.retire_tracked()
        self.tg.kind = prompt.kind
        self.tg.question = keyboards.question_token(prompt.question_id)
        self.tg.options = [option.value for option in prompt.options]
        if prompt.kind == "result":
            self.tg.scenario = None  # the interview is now the latest scenario (for /whatif)

    def edit_plain(self, message_id: int | None, message: str, **params: Any) -> None:
        """Turn a one-off message (language list, /forget question) into a sentence."""
        html = texts.esc(self.t.gettext(message, **params))
        self.ops.append(Edit(message_id, html) if message_id is not None else Send(html))
