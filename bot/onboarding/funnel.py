"""The clinic's funnel, without patient data: per clinic and ISO week, how many interviews started
from its link, reached a first estimate (by verdict and by recommended route, and how many
answers it took), and were completed (narrowed down to the end).

Counters only: a row is (clinic, week, event, detail, count), where detail is a verdict code, a
route code or a number of answers; never a chat id, an answer or an amount. The median number of
answers is read from the "answers" counts (a histogram).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from estimator import estimate

from ..clinics import ClinicDirectory
from ..i18n import N_, Translator
from ..interview.engine import scenario_for
from ..interview.model import InterviewState
from ..render.codes import ROUTES
from ..store import StoreUnavailable
from ..store.clinic_rows import ClinicRows

log = logging.getLogger(__name__)

STARTED, ESTIMATE, COMPLETED = "started", "estimate", "completed"
# How long the login link /stats sends works for the page /c/<slug>/stats.
STATS_LOGIN_SECONDS = 15 * 60
VERDICT, ROUTE, ANSWERS = "verdict", "route", "answers"


def week_of(when: datetime) -> str:
    """The ISO week, as 2026-W49 (sorts as text)."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def events(before: str | None, narrowing_before: bool, interview: InterviewState | None,
           clinics: ClinicDirectory) -> list[tuple[str, str]]:
    """What one update did to a clinic patient's interview, as (event, detail) counters:
    `before` is the question shown before the update, `narrowing_before` whether it narrowed
    an estimate already shown (the same tests as bot.metrics' interview counts)."""
    if interview is None or interview.clinic is None or clinics.get(interview.clinic) is None:
        return []
    if interview.current is not None and not interview.answers and before is None:
        return [(STARTED, "")]
    if not interview.finished or before is None:
        return []
    if narrowing_before:
        return [(COMPLETED, "")]
    scenario = scenario_for(interview, clinics)
    if scenario is None:
        return [(ESTIMATE, "")]
    result = estimate(scenario)
    return [(ESTIMATE, ""), (VERDICT, result.coverage), (ROUTE, result.recommended.route),
            (ANSWERS, str(len(interview.answers)))]


async def record(rows: ClinicRows | None, slug: str | None, found: list[tuple[str, str]],
                 now: datetime | None = None) -> None:
    """Add the update's events to the clinic's counters of this week (a store outage loses them:
    figures, not records)."""
    if rows is None or not slug or not found:
        return
    try:
        await rows.count(slug, week_of(now or datetime.now(UTC)), found)
    except StoreUnavailable:
        log.warning("funnel counts not stored: the store is unavailable")


# The verdicts as short labels (the patient's own wording, render.codes.VERDICTS, is a sentence
# about their payer).
VERDICT_LABELS = {
    "likely": N_("likely covered"),
    "uncertain": N_("coverage uncertain"),
    "unlikely": N_("unlikely to be covered"),
    "not_covered": N_("not covered"),
}


def labelled(counts: Counter[str], event: str, t: Translator) -> str:
    """"likely covered 3, not covered 1": a week's verdict or route counts, in `t`'s language
    (a code without a label as itself)."""
    labels = VERDICT_LABELS if event == VERDICT else ROUTES
    return ", ".join(f"{t.gettext(labels[code]) if code in labels else code} {count}"
                     for code, count in counts.most_common())


@dataclass
class Week:
    week: str
    started: int = 0
    estimates: int = 0
    completed: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    routes: Counter[str] = field(default_factory=Counter)
    answers: Counter[int] = field(default_factory=Counter)

    @property
    def median_answers(self) -> float | None:
        """The median of the answers histogram (None without estimates)."""
        values = sorted(self.answers.elements())
        if not values:
            return None
        middle = len(values) // 2
        if len(values) % 2:
            return float(values[middle])
        return (values[middle - 1] + values[middle]) / 2


def weeks(counted: list[tuple[str, str, str, int]]) -> list[Week]:
    """ClinicRows.funnel's rows as one Week each, newest first."""
    found: dict[str, Week] = {}
    for week, event, detail, count in counted:
        figures = found.setdefault(week, Week(week))
        if event == STARTED:
            figures.started += count
        elif event == ESTIMATE:
            figures.estimates += count
        elif event == COMPLETED:
            figures.completed += count
        elif event == VERDICT:
            figures.verdicts[detail] += count
        elif event == ROUTE:
            figures.routes[detail] += count
        elif event == ANSWERS and detail.isdecimal():
            figures.answers[int(detail)] += count
    return sorted(found.values(), key=lambda w: w.week, reverse=True)
