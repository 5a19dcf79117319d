"""The interview a simulated patient goes through, and what the interview engine makes of it.

INTERVIEW is the patient the tests and benchmarks share: a PPO plan, in network, with an answer
to every question the interview may ask, as {question: (kind, value)}. A kind is "choice"
(press the option's button) or "text" (type the value); the Telegram tests also answer
"unknown" (the "I don't know" button) and "back". Callers that vary the patient write
`{**INTERVIEW, "question": (kind, value)}`.

steps() turns such a script into the updates a patient sends, in the order the interview asks
(it narrows the first estimate down until the script is used up), for a harness that sends them
in turn (a webhook load test; a typed answer must wait for its question to be shown, or the bot
drops it as meant for an earlier question); expected_outcome() runs
those steps through the interview engine (bot.interview.step) for the answers and history the
store must end up with. question_of(), is_result() and interview_view() read a bot message the
way a patient does: which question its buttons answer, or whether it is the estimate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

CHOICE = "choice"  # the option's button pressed
TEXT = "text"  # the value typed

Action = tuple[str, str | None]  # (kind, value)
Step = tuple[str, str | None, str]  # (kind, question, value); question None for /start

INTERVIEW: dict[str, tuple[str, str]] = {
    "purpose": (CHOICE, "medical"),
    "payer": (CHOICE, "commercial"),
    "network": (CHOICE, "in"),
    "plan_type": (CHOICE, "ppo"),
    "provider": (CHOICE, "massage_therapist"),
    "prescription": (CHOICE, "yes"),
    "diagnosis": (TEXT, "M54.50"),
    "preauth": (CHOICE, "not_required"),
    "covers_mt": (CHOICE, "yes"),
    "deductible": (TEXT, "1000"),
    "deductible_met": (TEXT, "200"),
    "cost_share": (CHOICE, "coinsurance"),
    "coinsurance": (TEXT, "20%"),
    "oop_max": (TEXT, "5000"),
    "oop_met": (TEXT, "200"),
    "visit_limit": (TEXT, "20"),
    "visits_used": (TEXT, "4"),
    "sessions": (CHOICE, "12"),
    "minutes": (CHOICE, "60"),
    "price": (TEXT, "160"),
    "cash": (TEXT, "90"),
    "account": (CHOICE, "none"),
    # The prescription's day, typed as its option's number (the options are days before today:
    # "About a month ago"), and its length in weeks.
    "rx_date": (TEXT, "3"),
    "rx_weeks": (TEXT, "6"),
    # Asked only when the course could cross the plan year's start (a day late in the year):
    # the first session's day as its option's number ("Today"), the plan year from January.
    "start": (TEXT, "1"),
    "plan_year": (CHOICE, "1"),
}


NARROW_TEXT = "narrow it down"  # typed at the estimate: the same as pressing the button


def steps(script: Mapping[str, tuple[str, str]]) -> list[Step]:
    """/start, then the script's answers in the order the interview asks them, with "narrow it
    down" typed at the estimate while the script has answers the interview has not asked for.
    The order comes from the interview engine itself (the questions that narrow an estimate
    down depend on the answers before them); a question the script has no answer to fails."""
    from bot.clinics import load_clinics
    from bot.interview import Answer, step
    from bot.today import today_for

    clinics = load_clinics()
    today = today_for(None)  # the bot's day for a chat without a clinic: the dates it asks
    out: list[Step] = [(TEXT, None, "/start")]
    state, prompt = step(None, Answer(kind="start"), clinics, "en", today)
    for _ in range(3 * len(script) + 3):
        if prompt.kind == "result":
            if not prompt.narrow or all(q in state.answers for q in script if q != "_"):
                return out
            out.append((TEXT, None, NARROW_TEXT))
            state, prompt = step(state, Answer(kind="text", value=NARROW_TEXT), clinics, "en",
                                 today)
            continue
        question = prompt.question_id
        assert question in script, f"the script has no answer to {question}"
        kind, value = script[question]
        out.append((kind, question, value))
        state, prompt = step(state, Answer(kind=kind, value=value), clinics, "en", today)
    raise AssertionError("the script does not finish the interview")


def expected_outcome(script: Sequence[Step]) -> tuple[dict[str, Any], list[str], list[str]]:
    """(answers, history, prompts shown) of the steps run through the interview engine: the
    answers and their order the store must hold, and one prompt (a question id, or "result")
    per step. Fails if the steps do not finish the interview."""
    # Imported here: a benchmark harness that only sends the script does not load the engine.
    from bot.clinics import load_clinics
    from bot.interview import Answer, step
    from bot.today import today_for

    clinics = load_clinics()
    today = today_for(None)  # as `steps`
    state, shown = None, []
    for kind, _, value in script:
        answer = Answer(kind="start") if value == "/start" else Answer(kind=kind, value=value)
        state, prompt = step(state, answer, clinics, "en", today)
        shown.append(prompt.question_id if prompt.kind == "question" else prompt.kind)
    assert state is not None and state.finished, "the script does not finish the interview"
    return state.answers, state.history, shown


# The callback data of the bot's buttons (bot/telegram/keyboards.py): "<action>|<question>|..."
# for a question's buttons, RESTART_DATA for "start over", shown under the estimate only.
QUESTION_ACTIONS = "anuhb"
RESTART_DATA = "r"
NARROW_DATA = "w"  # "Narrow it down", under an estimate that some question can narrow


def question_of(message: Any) -> str | None:
    """The question a bot message's buttons answer (None: not a question)."""
    for _, data in message.buttons:
        if data and len(data) > 2 and data[0] in QUESTION_ACTIONS and data[1] == "|":
            return data.split("|")[1]
    return None


def is_result(message: Any) -> bool:
    """The message shows the estimate."""
    return any(data == RESTART_DATA for _, data in message.buttons)


def can_narrow(message: Any) -> bool:
    """The estimate offers to narrow it down."""
    return any(data == NARROW_DATA for _, data in message.buttons)


def interview_view(message: Any) -> bool:
    """The message is the interview's: a question with its buttons, or the estimate."""
    return bool(message.buttons) and (is_result(message) or question_of(message) is not None)
