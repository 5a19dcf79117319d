"""Inline keyboards and their callback data, declared once.

Callback data is at most 64 bytes (Telegram's limit) in every language, because it never holds
a label, only short codes, the question id and the option's stable value:

    a|<question>|<value>   a choice                 n|<question>|<index>   a choice (long value)
    u|<question>           "I don't know"           h|<question>           "What does this mean?"
    b|<question>           Back                     c|<question id or empty>  change an answer
    r                      start over               g                      the glossary
    e                      back to the estimate (from the list of answers to change)
    w                      narrow the estimate down s                     show the estimate now
    l|<language>           language                 f|y, f|n               /forget confirmed or not
    m|<what>               reminders (bot.telegram.reminders: open, set, cancel, run again)
    d|<kind>, d|x          a document (gfe, lmn, summary), or stop its questions
                           (bot.telegram.documents)

The question id in the data tells a press on the current question from a stale one; a question
id too long for the budget is replaced by a short hash of it (`question_token`).

Keyboards are plain Bot API dicts (`{"inline_keyboard": [[{"text", "callback_data"}]]}`):
they only travel to Telegram, and building PTB objects to serialize them again cost more than
the rest of drawing a question.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .. import documents, render
from ..i18n import SUPPORTED, Translator, translator
from ..interview.model import Prompt
from . import reminder_texts, texts

MAX_DATA = 64
SEP = "|"
_MAX_QUESTION = 24

Markup = dict[str, Any]
Button = dict[str, str]


def button(text: str, data: str) -> Button:
    return {"text": text, "callback_data": data}


def markup(rows: list[list[Button]]) -> Markup:
    return {"inline_keyboard": rows}

CHOICE, CHOICE_INDEX, UNKNOWN, HELP, BACK = "a", "n", "u", "h", "b"
CHANGE, RESTART, GLOSSARY, ESTIMATE, LANGUAGE, FORGET = "c", "r", "g", "e", "l", "f"
NARROW, STOP = "w", "s"
REMIND = "m"
DOCUMENT = "d"
# Buttons that answer the current question: stale once the interview has moved on.
QUESTION_ACTIONS = frozenset({CHOICE, CHOICE_INDEX, UNKNOWN, HELP, BACK})


@dataclass(frozen=True)
class Callback:
    action: str
    question: str | None = None  # a question token (see question_token)
    value: str | None = None


def question_token(question_id: str | None) -> str:
    """The question id as it travels in callback data: itself, or a hash if it is long."""
    if not question_id:
        return ""
    if len(question_id.encode()) <= _MAX_QUESTION and SEP not in question_id:
        return question_id
    return "#" + hashlib.sha1(question_id.encode()).hexdigest()[:10]


def encode(action: str, *parts: str) -> str:
    data = SEP.join((action, *parts))
    if len(data.encode()) > MAX_DATA:
        raise ValueError(f"callback data over {MAX_DATA} bytes: {data!r}")
    return data


def decode(data: str | None) -> Callback | None:
    """Parse callback data; None for data this bot did not make (an old version, a forgery)."""
    if not data:
        return None
    action, _, rest = data.partition(SEP)
    if action in (CHOICE, CHOICE_INDEX):
        question, sep, value = rest.partition(SEP)
        return Callback(action, question, value) if sep else None
    if action in (UNKNOWN, HELP, BACK):
        return Callback(action, rest)
    if action == CHANGE:
        return Callback(action, None, rest or None)
    if action in (RESTART, GLOSSARY, ESTIMATE, NARROW, STOP):
        return Callback(action)
    if action == LANGUAGE and rest in SUPPORTED:
        return Callback(action, None, rest)
    if action == FORGET and rest in ("y", "n"):
        return Callback(action, None, rest)
    if action == REMIND and rest:
        return Callback(action, None, rest)
    if action == DOCUMENT and rest in (*documents.KINDS, "x"):
        return Callback(action, None, rest)
    return None


def _choice_data(question: str, value: str, index: int) -> str:
    data = SEP.join((CHOICE, question, value))
    if SEP in value or len(data.encode()) > MAX_DATA:
        return encode(CHOICE_INDEX, question, str(index))
    return data


def _rows(buttons: list[Button]) -> list[list[Button]]:
    """Two buttons a row when the labels are short, else one: long labels get cut on phones."""
    if all(len(b["text"]) <= 18 for b in buttons) and len(buttons) > 3:
        return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [[button] for button in buttons]


def for_prompt(prompt: Prompt, t: Translator) -> Markup | None:
    """The keyboard of a question, of the list of answers to change, or of a result."""
    rows: list[list[Button]] = []
    token = question_token(prompt.question_id)
    if prompt.kind == "result":
        if prompt.narrow:
            rows.append([button(render.narrow_label(prompt, t), NARROW)])
        rows.append(
            [
                button(render.action_label("change", t), CHANGE),
                button(render.action_label("restart", t), RESTART),
            ]
        )
        rows.append([button(render.action_label("glossary", t), GLOSSARY)])
        rows.append([button(t.gettext(reminder_texts.REMIND_ME), encode(REMIND, "o"))])
        rows.extend(documents_rows(prompt, t))
        return markup(rows)
    options = []
    for index, option in enumerate(prompt.options):
        label = render.option_label(option, t)
        if prompt.kind == "change":
            data = encode(CHANGE, option.value)  # question ids are short by contract
        else:
            data = _choice_data(token, option.value, index)
        options.append(button(label, data))
    rows.extend(_rows(options))
    actions = []
    if prompt.kind == "question":
        if prompt.allow_unknown:
            actions.append((render.action_label("unknown", t), encode(UNKNOWN, token)))
        if prompt.help is None:
            actions.append((render.action_label("help", t), encode(HELP, token)))
    if prompt.allow_back:
        actions.append((render.action_label("back", t), encode(BACK, token)))
    elif prompt.kind == "change":
        actions.append((render.action_label("back", t), ESTIMATE))
    if actions:
        rows.append([button(text, data) for text, data in actions])
    if prompt.kind == "question" and prompt.narrowing:
        rows.append([button(render.action_label("stop", t), STOP)])
    return markup(rows) if rows else None


def languages() -> Markup:
    """Each language in its own name."""
    return markup(
        [[button(translator(lang).language_name(), encode(LANGUAGE, lang)) for lang in SUPPORTED]]
    )


def forget(t: Translator) -> Markup:
    yes = button(t.gettext(texts.FORGET_YES), encode(FORGET, "y"))
    no = button(t.gettext(texts.FORGET_NO), encode(FORGET, "n"))
    return markup([[yes, no]])


def documents_rows(prompt: Prompt, t: Translator) -> list[list[Button]]:
    """Under an estimate, a button for each document that applies (bot.documents.applicable)."""
    if prompt.estimate is None or prompt.scenario is None:
        return []
    kinds = documents.applicable(prompt.estimate, prompt.scenario)
    return [[button(t.gettext(documents.LABELS[kind]), encode(DOCUMENT, kind))] for kind in kinds]
