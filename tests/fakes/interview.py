"""A patient playing the interview through `bot.interview.step`: each question asked is answered
from a table of what the patient knows, and the first estimate is narrowed down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from bot.clinics import load_clinics
from bot.interview import Answer, InterviewState, Prompt, step

CLINICS = load_clinics()
NARROW = Answer(kind="narrow")
Known = dict[str, Any | Callable[[Prompt], Any]]


def _reply(prompt: Prompt, known: Known) -> Answer | None:
    """The patient's answer: an option's value or typed text, a function of the prompt giving
    one, or None ("I don't know"); None when the question is not in `known`."""
    if prompt.question_id not in known:
        return None
    value = known[prompt.question_id]
    if value is None:
        return Answer(kind="unknown")
    value = value(prompt) if callable(value) else value
    kind = "choice" if value in [o.value for o in prompt.options] else "text"
    return Answer(kind=kind, value=value)


def play(known: Known, today: date | None = None, clinic: str | None = None
         ) -> tuple[list[str], InterviewState, Prompt]:
    """Answer what is asked from `known`, narrowing the first estimate down; stop at the result
    or at a question not in `known`. Returns the asked question ids and the last state and
    prompt."""
    state, prompt = step(None, Answer(kind="start", value=clinic), CLINICS, "en", today)
    asked: list[str] = []
    for _ in range(80):
        if prompt.kind == "result":
            if not prompt.narrow:
                break
            state, prompt = step(state, NARROW, CLINICS, "en", today)
            continue
        answer = _reply(prompt, known)
        if answer is None:
            break
        asked.append(prompt.question_id or "")
        state, prompt = step(state, answer, CLINICS, "en", today)
    return asked, state, prompt
