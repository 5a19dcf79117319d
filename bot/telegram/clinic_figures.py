"""/stats: a clinic's funnel figures in chat, for its owner and staff (bot.onboarding.funnel),
with a short-lived login link to the same figures on the web (bot.web.clinic_stats)."""

from __future__ import annotations

from ..i18n import N_
from ..onboarding import funnel
from . import clinic_form
from .clinic_commands import managed, name_of
from .clinic_form import load, rows_of, save
from .pipeline import Pipeline
from .turn import Turn

WEEKS_SHOWN = 4

STATS_HEADER = N_("%(clinic)s, patients who came through its link (counts only, no patient data):")
NO_FIGURES = N_("No patient has come through the clinic's link yet.")
STATS_WEEK = N_(
    "Week %(week)s: %(started)s started, %(estimates)s got a first estimate, %(completed)s "
    "narrowed it down to the end; median answers: %(median)s."
)
STATS_VERDICTS = N_("Verdicts: %(counts)s. Recommended routes: %(routes)s.")
STATS_LINK = N_("The same figures on a web page (the link works for 15 minutes): %(link)s")


async def stats(pipeline: Pipeline, turn: Turn, wanted: str | None) -> None:
    """/stats [slug]: the clinic's funnel by week, and a short-lived login link to its page."""
    chat = load(turn)
    clinic, _ = await managed(pipeline, turn, chat, wanted)
    rows = rows_of(pipeline)
    save(turn, chat)
    if clinic is None or rows is None or turn.user_id is None:
        return
    t = turn.t
    lines = [t.gettext(STATS_HEADER, clinic=name_of(clinic))]
    weeks = funnel.weeks(await rows.funnel(clinic.slug, WEEKS_SHOWN))
    for week in weeks:
        median = "\u2014" if week.median_answers is None else format(week.median_answers, "g")
        lines.append(t.gettext(STATS_WEEK, week=week.week, started=week.started,
                               estimates=week.estimates, completed=week.completed,
                               median=median))
        if week.verdicts:
            lines.append(t.gettext(STATS_VERDICTS,
                                   counts=funnel.labelled(week.verdicts, funnel.VERDICT, t),
                                   routes=funnel.labelled(week.routes, funnel.ROUTE, t)))
    if not weeks:
        lines.append(t.gettext(NO_FIGURES))
    page = clinic_form.page_url(pipeline, clinic.slug)
    if page is not None:
        token = await rows.new_token("stats", clinic.slug, turn.user_id,
                                     funnel.STATS_LOGIN_SECONDS)
        login = f"{page}/stats?token={token}"
        lines.append(t.gettext(STATS_LINK, link=login))
    turn.send_plain("\n".join(lines))
