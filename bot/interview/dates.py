"""The questions about dates: asked only when a date can change the answer.

A course that starts today could cross the plan year's start (January 1 unless the patient says
otherwise: DOMAIN.md "Calendar"), when the deductible, the amounts met and the visits used start
again; an FSA's money must be spent by its plan year's end. Otherwise no date is asked and the
estimate has none. The day comes from the channel (`Facts.today`), never from the clock.
"""

from datetime import date, timedelta

from bot.i18n import N_

from .facts import Facts
from .model import InterviewState, Option

DEFAULT_SESSIONS = 12  # a course whose length the patient does not know (scenario, questions)
# The first session's day, offered as days from today.
START_OFFSETS = (
    (0, N_("This week, from %(date)s")),
    (7, N_("Next week, from %(date)s")),
    (14, N_("In two weeks, from %(date)s")),
    (28, N_("In four weeks, from %(date)s")),
)
# The prescription's day, offered as days before today: each the earliest day its answer can
# mean, so its end (and the reminder before it) comes early rather than late.
PRESCRIPTION_OFFSETS = (
    (7, N_("In the last week (from %(date)s)")),
    (14, N_("About two weeks ago (%(date)s)")),
    (31, N_("About a month ago (%(date)s)")),
    (61, N_("About two months ago (%(date)s)")),
    (92, N_("About three months ago (%(date)s)")),
)
MONTHS = tuple(Option(value=str(m), label=N_("%(month)s"), params={"month": m, "format": "month"})
               for m in range(1, 13))


def start_options(today: date) -> list[Option]:
    """"When will your first session be?": days from today, each with its date (the value)."""
    return [Option(value=(today + timedelta(days=d)).isoformat(), label=label,
                   params={"date": (today + timedelta(days=d)).isoformat(), "format": "date"})
            for d, label in START_OFFSETS]


def prescription_options(today: date) -> list[Option]:
    """"When was the prescription written?": days before today, each with its date (the
    value)."""
    return [Option(value=(today - timedelta(days=d)).isoformat(), label=label,
                   params={"date": (today - timedelta(days=d)).isoformat(), "format": "date"})
            for d, label in PRESCRIPTION_OFFSETS]


def prescription_matters(f: Facts) -> bool:
    """The prescription's dates can change the answer or let the patient be reminded before it
    runs out: the patient has one and a health plan may pay (a plan pays only for sessions the
    prescription still covers: DOMAIN.md "Who pays"). Whether the plan may still pay is the
    narrowing's to judge (`narrowing.VERDICT`)."""
    return (f.today is not None and f.medical and f.health_plan
            and f.get("prescription") == "yes")


def _course_days(f: Facts) -> int:
    sessions = f.get("sessions") or DEFAULT_SESSIONS
    return (int(sessions) - 1) * 7  # one a week, the estimator's default schedule


def start_matters(f: Facts) -> bool:
    """The first session's day can change the answer: a course that may run past the next
    January 1 (counted from the latest day offered), paid by a health plan (its deductible and
    visits reset) or from an FSA (its money must be spent by the plan year's end)."""
    if f.today is None or not f.medical:
        return False
    if not (f.health_plan or f.get("account") == "fsa"):
        return False
    last = f.today + timedelta(days=START_OFFSETS[-1][0] + _course_days(f))
    return last >= date(f.today.year + 1, 1, 1)


def as_of(state: InterviewState, today: date) -> InterviewState:
    """The interview on a later day ("Run my estimate again" under a reminder): its day is
    `today`, and a first session's day now past becomes today, so the course is dated from the
    day the estimate is run again rather than from a day gone by."""
    answers = dict(state.answers)
    start = answers.get("start")
    if isinstance(start, str) and start < today.isoformat():  # ISO days compare as text
        answers["start"] = today.isoformat()
    return state.model_copy(update={"today": today.isoformat(), "answers": answers})
