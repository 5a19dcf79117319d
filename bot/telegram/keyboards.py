"""Inline keyboards and their callback data, declared once.

Callback data is at most 64 bytes (Telegram's limit) in every language, because it never holds
a label, only short codes, the question id and the option's stable value:

    a|<question>|<value>   a choice                 n|<question>|<index>   a choice (long value)
    u|<question>           "I don't know"           h|<question>           "What does this mean?"
    b|<question>           Back                     c|<question id or empty>  change an answer
    r                      start over               g                      the glossary
    e                      back to the estimate (from the list of answers to change)
    l|<language>           language                 f|y, f|n               /forget confirmed or not

The question id in the data tells a press on the current question from a stale one; a question
id too long for the budget is replaced by a short hash of it (`question_token`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from .. import render
from ..i18n import SUPPORTED, Translator, translator
from ..interview.model import Prompt
from . import texts

MAX_DATA = 64
SEP = "|"
_MAX_QUESTION = 24

CHOICE, CHOICE_INDEX, UNKNOWN, HELP, BACK = "a", "n", "u", "h", "b"
CHANGE, RESTART, GLOSSARY, ESTIMATE, LANGUAGE, FORGET = "c", "r", "g", "e", "l", "f"
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
    if action in (RESTART, GLOSSARY, ESTIMATE):
        return Callback(action)
    if action == LANGUAGE and rest in SUPPORTED:
        return Callback(action, None, rest)
    if action == FORGET and rest in ("y", "n"):
        return Callback(action, None, rest)
    return None


def _choice_data(question: str, value: str, index: int) -> str:
    data = SEP.join((CHOICE, question, value))
    if SEP in value or len(data.encode()) > MAX_DATA:
        return encode(CHOICE_INDEX, question, str(index))
    return data


def _rows(buttons: list[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """Two buttons a row when the labels are short, else one: long labels get cut on phones."""
    if all(len(button.text) <= 18 for button in buttons) and len(buttons) > 3:
        return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return [[button] for button in buttons]


def for_prompt(prompt: Prompt, t: Translator) -> InlineKeyboardMarkup | None:
    """The keyboard of a question, of the list of answers to change, or of a result."""
    rows: list[list[InlineKeyboardButton]] = []
    token = question_token(prompt.question_id)
    if prompt.kind == "result":
        rows.append(
            [
                InlineKeyboardButton(render.action_label("change", t), callback_data=CHANGE),
                InlineKeyboardButton(render.action_label("restart", t), callback_data=RESTART),
            ]
        )
        rows.append(
            [InlineKeyboardButton(render.action_label("glossary", t), callback_data=GLOSSARY)]
        )
        return InlineKeyboardMarkup(rows)
    options = []
    for index, option in enumerate(prompt.options):
        label = render.option_label(option, t)
        if prompt.kind == "change":
            data = encode(CHANGE, option.value)  # question ids are short by contract
        else:
            data = _choice_data(token, option.value, index)
        options.append(InlineKeyboardButton(label, callback_data=data))
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
        rows.append([InlineKeyboardButton(text, callback_data=data) for text, data in actions])
    return InlineKeyboardMarkup(rows) if rows else None


def languages() -> InlineKeyboardMarkup:
    """Each language in its own name."""
    buttons = [
        InlineKeyboardButton(translator(lang).language_name(), callback_data=encode(LANGUAGE, lang))
        for lang in SUPPORTED
    ]
    return InlineKeyboardMarkup([buttons])


def forget(t: Translator) -> InlineKeyboardMarkup:
    yes = InlineKeyboardButton(t.gettext(texts.FORGET_YES), callback_data=encode(FORGET, "y"))
    no = InlineKeyboardButton(t.gettext(texts.FORGET_NO), callback_data=encode(FORGET, "n"))
    return InlineKeyboardMarkup([[yes, no]])
