"""The estimate summary: what the chat showed, on paper the patient can take to the clinic or
the insurer (dated, with the estimator's version).

The wording is the chat's (`bot.render.explain`: the verdict and reasons, who pays, the other
ways to pay, the next steps, the questions for the insurer, the disclaimer); this adds the
answers, the ways to pay as a table with the recommended one first, the range and what would
narrow it, and the session table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import metadata

from bot.clinics import Clinic
from bot.i18n import Translator
from bot.render import TOPICS, cost_span, explain, price_known, route_label
from estimator import Estimate, Scenario

from .pdf import Block, Fields, Grid, Heading, Text

__all__ = ["EstimateSummary", "blocks", "title", "version"]


def version() -> str:
    """The estimator's version (the installed distribution's)."""
    try:
        return metadata.version("massage-cost-bot")
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True)
class EstimateSummary:
    made: date
    scenario: Scenario
    estimate: Estimate
    clinic: Clinic | None
    answers: Sequence[str]  # "Title: answer" lines (bot.render.answer_lines), may be empty
    version: str


def title(t: Translator) -> str:
    return t.gettext("Your massage cost estimate")


def _routes(s: EstimateSummary, t: Translator) -> Grid:
    e = s.estimate
    ordered = sorted(e.routes, key=lambda r: r.route != e.recommended.route)
    rows = []
    for r in ordered:
        total = (t.money(r.patient_total) if r.low is None or r.low == r.patient_total
                 else t.gettext("%(low)s to %(high)s", low=t.money(r.low),
                                high=t.money(r.patient_total)))
        status = (t.gettext("recommended") if r.route == e.recommended.route
                  else t.gettext("available") if r.available else t.gettext("not available"))
        rows.append([route_label(r.route, t, s.scenario.plan_payer, price_known(s.scenario)),
                     total, status])
    return Grid([t.gettext("Way to pay"), t.gettext("You pay"), ""], rows,
                widths=(0.55, 0.25, 0.2))


def _sessions(e: Estimate, t: Translator) -> Grid:
    # A session no insurer covers has no allowed amount (not one of $0.00).
    rows = [[str(r.n), t.money(r.billed), t.money(r.allowed) if r.covered else "—",
             t.money(r.patient), t.money(r.insurer)] for r in e.sessions]
    rows.append(["Σ", "", "", t.money(e.totals.patient), t.money(e.totals.insurer)])
    return Grid(["#", t.gettext("Billed"), t.gettext("Allowed"), t.gettext("You"),
                 t.gettext("Insurer")], rows, total=True)


def _range(e: Estimate, t: Translator) -> list[Block]:
    low, high = cost_span(e)
    if low == high or e.range is None:
        return []
    topics = [t.gettext(TOPICS[code]) for code in e.range.widened_by if code in TOPICS]
    lines = [t.gettext("From %(low)s to %(high)s, depending on the answers still open.",
                       low=t.money(low), high=t.money(high))]
    if topics:
        lines.append(t.gettext("What would narrow it, most first: %(topics)s.",
                               topics=t.join(topics)))
    return [Heading(t.gettext("The range")), Text("\n".join(lines))]


def _pair(line: str) -> tuple[str, str]:
    title, _, answer = line.partition(": ")
    return title, answer


def blocks(s: EstimateSummary, t: Translator) -> list[Block]:
    """The summary's sections, in order."""
    made = t.gettext("Made on %(date)s by massage-cost-bot %(version)s.",
                     date=t.date(s.made, "long"), version=s.version)
    out: list[Block] = [Heading(title(t), 0), Text(made, small=True)]
    if s.clinic is not None:
        out.append(Fields([(t.gettext("Clinic"), s.clinic.name),
                           *([(t.gettext("Phone"), s.clinic.phone)] if s.clinic.phone else [])]))
    if s.answers:
        out += [Heading(t.gettext("Your answers")),
                Fields([_pair(line) for line in s.answers])]
    out += [Heading(t.gettext("The estimate")),
            *(Text(part) for part in explain(s.estimate, s.scenario, t).split("\n\n")),
            Heading(t.gettext("Ways to pay")), _routes(s, t), *_range(s.estimate, t),
            Heading(t.gettext("Session by session")), _sessions(s.estimate, t)]
    return out
