"""The interview's data: what a channel sends in (`Answer`), what it draws (`Prompt`), and the
small serialisable state kept between messages (`InterviewState`).

Nothing here knows about Telegram, the terminal or the web: message texts are gettext message ids
with parameters, options carry stable values, and each channel draws them its own way.
"""

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from estimator import Estimate, Scenario

# What a patient can do besides answering: the same on every channel.
AnswerKind = Literal[
    "start",  # begin (or resume) the interview; `value` may carry a clinic slug
    "choice",  # picked an option: `value` is the option's stable value
    "text",  # typed something: `value` is the text
    "unknown",  # "I don't know"
    "back",  # re-ask the previous question
    "help",  # "What does this mean?"
    "change",  # after the result: change one answer; `value` is a question id or None (list them)
    "restart",  # start over, forgetting the answers
    "glossary",  # the glossary of insurance terms
    "narrow",  # after the result: ask the questions that narrow the estimate down
    "stop",  # while narrowing: show the estimate now, the rest left unknown
]


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: AnswerKind
    value: str | None = None


class Option(BaseModel):
    """A choice: `value` is stable (stored, sent in callback data); `label` is a message id."""

    model_config = ConfigDict(frozen=True)

    value: str
    label: str
    params: dict[str, Any] = {}


class Problem(BaseModel):
    """Why a reply could not be used: a message id and its parameters, said before the re-ask."""

    model_config = ConfigDict(frozen=True)

    message: str
    params: dict[str, Any] = {}


PromptKind = Literal["question", "result", "change", "glossary"]
QuestionKind = Literal["choice", "amount", "percent", "count", "code", "state"]


class Prompt(BaseModel):
    """What to show next. For a question: its text, options and which actions apply; for the
    result: the estimate with the scenario it came from."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    kind: PromptKind
    question_id: str | None = None
    question_kind: QuestionKind | None = None
    message: str | None = None  # message id of the question
    params: dict[str, Any] = {}
    options: list[Option] = []
    allow_unknown: bool = False
    allow_back: bool = False
    help: str | None = None  # message id of the explanation, when the patient asked for it
    problem: Problem | None = None  # why the last reply was not accepted
    note: Problem | None = None  # a remark before the question (e.g. "we know your clinic")
    estimate: Estimate | None = None
    scenario: Scenario | None = None
    previous_total: Decimal | None = None  # after "change one answer": the total before it
    step: int = 0  # how many questions were answered (for "question 3")
    of: int | None = None  # about how many questions there are in all (for "3 of about 6")
    # A result: how many questions could narrow it down (None: none left). A question: whether
    # it narrows an estimate already shown (the patient can stop and see it), and that
    # estimate's figure so far.
    narrow: int | None = None
    narrowing: bool = False
    so_far: Problem | None = None
    # A result: the number of sessions counted when the patient did not know it (None: known).
    sessions_assumed: int | None = None


class Confirmation(BaseModel):
    """A typed value read back before it is stored: one value to confirm ("Is that right?"), or
    the readings of an ambiguous reply to choose from. `rule` is a rule id of
    `bot.interview.plausibility`; `values` are stored values (what the answer would hold)."""

    model_config = ConfigDict(extra="ignore")

    rule: str
    values: list[Any]


class Asking(BaseModel):
    """How the replies to the question being asked now went: reset when another is asked."""

    model_config = ConfigDict(extra="ignore")

    refusals: int = 0  # replies not accepted in a row (unreadable, "I don't know" explained)
    explained: bool = False  # "I don't know" was answered with the explanation once
    confirming: Confirmation | None = None  # a typed value waiting for "Is that right?"


class InterviewState(BaseModel):
    """Everything a store keeps for one chat between messages. Only the answers the estimate
    needs are kept: stored values, never the text the patient typed."""

    model_config = ConfigDict(extra="ignore")

    version: int = 1
    clinic: str | None = None  # clinic slug from a start link
    answers: dict[str, Any] = Field(default_factory=dict)  # question id -> stored value
    history: list[str] = Field(default_factory=list)  # question ids answered, in order
    current: str | None = None  # the question waiting for an answer; None when done
    changing: str | None = None  # the question being changed after a result
    previous_total: str | None = None  # the course total before the change (Decimal as str)
    finished: bool = False
    # Asking the questions that narrow the estimate shown down: "range" until its figure is exact,
    # "details" (it was exact already) until no question that changes how to pay is left;
    # "start" only within the step that begins it (engine._next picks one of the two).
    narrowing: Literal["start", "range", "details"] | None = None
    # Added after version 1 was stored: a state saved without it loads with a fresh one.
    asking: Asking = Field(default_factory=Asking)
    # The day the channel passed with the last message (ISO 8601; the clinic's time zone): it
    # dates the options of "When will your first session be?". None: not known.
    today: str | None = None
