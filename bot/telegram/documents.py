"""The documents on Telegram (bot.documents: the Good Faith Estimate, the letter for the doctor,
the summary): buttons under the estimate send the PDF with sendDocument; the Good Faith
Estimate first asks the patient's name, then the date of birth, as typed replies. Staff get them
from /scenario with `documents=summary,lmn,gfe`.

The hooks in bot.telegram.handlers are one line each: `on_press` for every `d|...` button,
`asking`/`typed` for a text typed while a question of the GFE is open, `cancel` for /cancel
then; `staff_request`/`for_staff` in bot.telegram.staff_commands. The buttons themselves are
drawn by keyboards.for_prompt (`keyboards.documents_rows`).

Callback values (`d|<value>`): gfe, lmn, summary (make that document for the estimate), x (stop
asking the GFE's questions).

While the GFE's questions are open, the chat's state holds `TelegramState.document`:
{"source": "interview" | "scenario", "name": "..."}. The name (45 CFR 149.610 has the GFE name
the patient) is kept there, under the state's encryption and retention, only from its reply to
the reply with the date of birth; the date of birth is never stored: it is read, put into the
file and dropped in the same update. Cancelling, /cancel, the interview moving on and /forget
delete them; neither ever reaches a log line (`Patient`'s repr hides them).

Drawing a PDF takes 25-50 ms of CPU: it runs after the store section (`Turn.after`), in a
thread (`asyncio.to_thread`), so the event loop keeps serving other chats meanwhile.
"""

from __future__ import annotations

import asyncio
import shlex
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError
from telegram import Bot, Update

from estimator import Estimate, Scenario, estimate

from .. import documents, render, staff
from ..clinics import Clinic
from ..i18n import N_, SUPPORTED
from ..interview import words
from ..interview.engine import scenario_for
from ..today import clinic_today
from . import keyboards, texts
from .outbox import Op, Retire, Send, SendDocument
from .pipeline import Pipeline
from .turn import Turn

STOP = "x"  # the callback value of "Cancel" under a GFE question
STAFF_KEY = "documents"  # /scenario documents=summary,lmn

NAME_NOTE = N_(
    "The name and the date of birth go into the document and nowhere else; I keep them only "
    "until it is sent."
)
CANCEL_BUTTON = N_("Cancel")
NOT_A_BIRTH_DATE = N_("\u201c%(text)s\u201d is not a date of birth I can use.")
STOPPED = N_("No Good Faith Estimate was made. The buttons under your estimate still work.")
NO_ESTIMATE = N_("Documents come with an estimate: answer the questions first, or send /start.")
PRIVACY = N_(
    "For a Good Faith Estimate I ask the patient's name and date of birth: they go into the "
    "document and nowhere else. I keep the name only until you type the date of birth, and the "
    "date of birth not at all; /forget deletes them too."
)
STAFF_USAGE = N_(
    "Add documents=summary,lmn,gfe to get those documents as PDF files (the Good Faith "
    "Estimate asks for the patient's name and date of birth first)."
)
UNKNOWN_DOCUMENT = N_("Unknown document %(name)s. Documents: %(kinds)s")

# Typed instead of pressing "Cancel" (compared folded, as bot.interview.words does).
CANCEL_WORDS = {
    "en": ("cancel", "stop", "never mind", "nevermind", "forget it", "no thanks"),
    "es": ("cancelar", "cancela", "parar", "no importa", "olvídalo", "déjalo", "no gracias"),
    "ru": ("отмена", "отменить", "отмени", "стоп", "не надо", "не нужно", "нет спасибо"),
}
_CANCEL = frozenset(words.fold(w) for lang in SUPPORTED for w in CANCEL_WORDS.get(lang, ()))


class Asking(BaseModel):
    """The GFE's questions, open: whose estimate, and the name once it was typed."""

    source: Literal["interview", "scenario"] = "interview"
    name: str | None = Field(default=None, repr=False)  # None: the name is being asked


# --- what a document is made from ----------------------------------------------------------


Source = tuple[Scenario, Estimate, Clinic | None, list[str]]  # ... and the answers, for a summary


def _from_interview(turn: Turn) -> Source | None:
    interview = turn.interview
    if interview is None or not interview.finished:
        return None
    scenario = scenario_for(interview, turn.clinics)
    if scenario is None:
        return None
    return (scenario, estimate(scenario), turn.clinics.get(interview.clinic),
            render.answers_summary(interview, turn.clinics, turn.t))


def _from_staff_scenario(turn: Turn) -> Source | None:
    if turn.tg.scenario is None:
        return None
    try:
        scenario = Scenario.model_validate(turn.tg.scenario)
    except ValidationError:
        return None
    return scenario, estimate(scenario), _staff_clinic(turn), []


def _staff_clinic(turn: Turn) -> Clinic | None:
    chat_clinic = turn.interview.clinic if turn.interview else None
    return staff.staff_clinic(turn.user_id, turn.clinics, chat_clinic)


def _source(turn: Turn, ask: Asking) -> Source | None:
    return _from_staff_scenario(turn) if ask.source == "scenario" else _from_interview(turn)


def _make_later(turn: Turn, jobs: list[tuple[str, documents.Patient | None]],
                source: Source, then: list[Op] | None = None) -> None:
    """Draw the documents after the store section, in a thread, and send each (or say why
    it cannot be made); then the replies `then`."""
    scenario, result, clinic, answers = source
    lang, t = turn.lang, turn.t
    today = clinic_today(turn.clinics, turn.interview)

    async def draw(bot: Bot) -> list[Op]:
        ops: list[Op] = []
        for kind, patient in jobs:
            try:
                data = await asyncio.to_thread(
                    documents.make, kind, scenario, result, clinic, lang, patient=patient,
                    answers=answers, today=today)
            except documents.DocumentError as error:
                ops.append(Send(texts.esc(documents.error_text(error, t))))
                continue
            ops.append(SendDocument(documents.filename(kind, lang), data))
        return ops + (then or [])

    turn.after = draw


# --- the buttons under the estimate ---------------------------------------------------------


async def on_press(pipeline: Pipeline, update: Update, context: Any, value: str) -> None:
    """A document button: answered first, then applied in the chat's section."""
    query = update.callback_query
    assert query is not None and query.message is not None  # on_button checked
    message_id = query.message.message_id
    await pipeline.run(update, context, f"button:{keyboards.DOCUMENT}",
                       lambda turn: _press(turn, query.id, message_id, value))


def _press(turn: Turn, query_id: str, message_id: int, value: str) -> None:
    t = turn.t
    if value == STOP:
        turn.answer_query(query_id)
        if turn.tg.document is None:  # an older question's button: nothing open any more
            turn.ops.append(Retire(message_id))
        else:
            turn.tg.document = None
            turn.edit_plain(message_id, STOPPED)
        return
    source = _from_interview(turn)
    if source is None or value not in documents.KINDS:
        turn.answer_query(query_id, t.gettext(NO_ESTIMATE))
        return
    turn.answer_query(query_id)
    _start(turn, value, source)


def _start(turn: Turn, kind: str, source: Source) -> None:
    """Refuse at once what cannot be made (before asking anything); ask the GFE's questions;
    draw the others."""
    if not _possible(turn, kind, source):
        return
    if kind == "gfe":
        turn.ops.append(_first_question(turn, "interview"))
    else:
        _make_later(turn, [(kind, None)], source)


def _possible(turn: Turn, kind: str, source: Source) -> bool:
    """The document can be made from `source` (the patient aside); else the patient is told
    why, naming the clinic field that is missing."""
    scenario, result, clinic, _ = source
    try:
        documents.check(kind, scenario, result, clinic)
    except documents.DocumentError as error:
        turn.send_plain(documents.error_text(error, turn.t))
        return False
    return True


def _first_question(turn: Turn, origin: Literal["interview", "scenario"]) -> Op:
    """The GFE's questions open: the name asked first."""
    turn.tg.document = Asking(source=origin).model_dump()
    t = turn.t
    return _ask(turn, f"{t.gettext(NAME_NOTE)}\n\n{t.gettext(documents.ASK_NAME)}")


def _ask(turn: Turn, plain: str) -> Send:
    """A question of the GFE (or what is wrong with a reply), with its "Cancel" button."""
    cancel = keyboards.button(turn.t.gettext(CANCEL_BUTTON), keyboards.encode(
        keyboards.DOCUMENT, STOP))
    return Send(texts.esc(plain), keyboards.markup([[cancel]]))


# --- the typed name and date of birth -------------------------------------------------------


def _asking(turn: Turn) -> Asking | None:
    if turn.tg.document is None:
        return None
    try:
        return Asking.model_validate(turn.tg.document)
    except ValidationError:  # an older form of it: ask again from the start
        turn.tg.document = None
        return None


def asking(turn: Turn) -> bool:
    """A question of the GFE is open, and a typed text answers it."""
    return _asking(turn) is not None


def cancel(turn: Turn) -> bool:
    """/cancel while the GFE's questions are open stops only them (True); else False."""
    if _asking(turn) is None:
        return False
    turn.tg.document = None
    turn.say(STOPPED)
    return True


def typed(turn: Turn, text: str) -> None:
    """The name, then the date of birth; what is wrong with a reply, asking again; the GFE
    once both are right."""
    ask = _asking(turn)
    assert ask is not None  # asking() said so
    t = turn.t
    if words.fold(text) in _CANCEL:
        cancel(turn)
        return
    if ask.name is None:
        try:
            ask.name = documents.parse_name(text)
        except documents.InvalidPatient as error:
            turn.ops.append(_ask(turn, documents.error_text(error, t)))
            return
        turn.tg.document = ask.model_dump()
        turn.ops.append(_ask(turn, t.gettext(documents.ASK_BIRTH_DATE)))
        return
    try:
        patient = documents.parse_patient(ask.name, text, turn.lang,
                                          clinic_today(turn.clinics, turn.interview))
    except documents.InvalidPatient as error:
        problem = t.gettext(NOT_A_BIRTH_DATE, text=_shown(text))
        turn.ops.append(_ask(turn, f"{problem} {documents.error_text(error, t)}"))
        return
    turn.tg.document = None  # the name leaves the stored state now
    source = _source(turn, ask)
    if source is None:  # the estimate went (cancelled, or a newer staff scenario)
        turn.say(NO_ESTIMATE)
        return
    _make_later(turn, [("gfe", patient)], source)


def _shown(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:40] + "\u2026"


# --- staff: /scenario documents=... ---------------------------------------------------------


def staff_request(text: str) -> tuple[str | list[str], tuple[str, ...]]:
    """/scenario's text without its `documents=` pair, and the documents it asks for (in
    order, once each). staff.StaffInputError for an unknown document."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        return text, ()  # staff.parse_pairs says what is wrong with the quoting
    kinds: list[str] = []
    rest: list[str] = []
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep or key.strip().lower() != STAFF_KEY:
            rest.append(token)
            continue
        for kind in (item.strip().lower() for item in value.split(",")):
            if kind and kind not in documents.KINDS:
                raise staff.StaffInputError(UNKNOWN_DOCUMENT, name=kind[:40],
                                            kinds=", ".join(documents.KINDS))
            if kind and kind not in kinds:
                kinds.append(kind)
    return rest, tuple(kinds)


def for_staff(turn: Turn, kinds: tuple[str, ...], scenario: Scenario, result: Estimate) -> None:
    """The documents a staff /scenario asked for (its scenario is the chat's latest, which the
    GFE's questions read again); the GFE's first question comes after the other files."""
    source: Source = (scenario, result, _staff_clinic(turn), [])
    ready: list[tuple[str, documents.Patient | None]] = [
        (kind, None) for kind in kinds if kind != "gfe" and _possible(turn, kind, source)]
    then = ([_first_question(turn, "scenario")]
            if "gfe" in kinds and _possible(turn, "gfe", source) else [])
    if ready:
        _make_later(turn, ready, source, then)
    else:
        turn.ops.extend(then)
