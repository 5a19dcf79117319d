"""The dated estimate in words: timing advice, account deadlines, validity windows, the split by
plan year and the dated session table. Dates are formatted for the patient's language."""

from datetime import date
from decimal import Decimal
from typing import Any

from bot.i18n import N_, Translator
from estimator import Estimate, SessionRow

from .codes import FSA_STEPS

CALENDAR_CODES = frozenset({"book_before_reset", "wait_for_reset", "prescription_expires",
                            "preauth_expires", "lmn_expires", *FSA_STEPS})


def day_text(value: Any, t: Translator) -> str:
    """A day inside a sentence, written out ("31 de diciembre de 2026", not "31 dic 2026")."""
    return t.date(value if isinstance(value, date) else date.fromisoformat(str(value)), "long")


def calendar_step(code: str, params: dict[str, Any], t: Translator) -> str:
    """A calendar next step as a sentence."""
    day = day_text(params["date"], t)
    if code in FSA_STEPS:
        extra: dict[str, str] = {}
        if "plan_year_end" in params:
            extra["plan_year_end"] = day_text(params["plan_year_end"], t)
        if "amount" in params:
            extra.update(amount=t.money(Decimal(str(params["amount"]))),
                         year=str(params["year"]))
        if code == "fsa_use_by" and params.get("rule") == "none":
            # The patient said the plan has neither: no "unless" to check.
            return t.gettext("Spend your FSA money by %(date)s, when its plan year ends: money "
                             "left after that is lost.", date=day)
        return t.gettext(FSA_STEPS[code], date=day, **extra)
    n = int(params["sessions"])
    if code in ("book_before_reset", "wait_for_reset"):
        return _timing(code, n, day, t.money(Decimal(str(params["saving"]))), t)
    return _window(code, n, day, t)


def _timing(code: str, n: int, day: str, saving: str, t: Translator) -> str:
    if code == "book_before_reset":
        # Only as often as the prescription says: sessions beyond its frequency are not
        # medically necessary, and the plan may refuse them.
        return t.ngettext(
            "If your prescription allows it, book %(n)s more session by %(date)s, before your "
            "plan year starts again: this year's deductible is already paid, so it saves you "
            "%(saving)s.",
            "If your prescription allows it, book %(n)s more sessions by %(date)s, before your "
            "plan year starts again: this year's deductible is already paid, so it saves you "
            "%(saving)s.",
            n, date=day, saving=saving)
    return t.ngettext(
        "If you can wait, book your last session on or after %(date)s, when your plan year "
        "starts again with new visits: it saves you %(saving)s.",
        "If you can wait, book your last %(n)s sessions on or after %(date)s, when your plan "
        "year starts again with new visits: it saves you %(saving)s.",
        n, date=day, saving=saving)


def _window(code: str, n: int, day: str, t: Translator) -> str:
    if code == "prescription_expires":
        return t.ngettext(
            "Your prescription runs out on %(date)s, before your last session: ask your doctor "
            "to renew it before then.",
            "Your prescription runs out on %(date)s, before your last %(n)s sessions: ask your "
            "doctor to renew it before then.", n, date=day)
    if code == "preauth_expires":
        return t.ngettext(
            "Your pre-authorization covers visits until %(date)s, not your last session: ask "
            "the clinic to request more visits before then.",
            "Your pre-authorization covers visits until %(date)s, not your last %(n)s "
            "sessions: ask the clinic to request more visits before then.", n, date=day)
    return t.ngettext(
        "Your Letter of Medical Necessity is good until %(date)s, before your last session: "
        "ask your doctor for a new one before then, so your account can keep paying.",
        "Your Letter of Medical Necessity is good until %(date)s, before your last %(n)s "
        "sessions: ask your doctor for a new one before then, so your account can keep paying.",
        n, date=day)


def plan_years_text(e: Estimate, t: Translator) -> str:
    """The course's cost in each plan year, when it crosses a reset ("" otherwise)."""
    years = e.totals.by_plan_year
    if len(years) < 2:
        return ""
    lines = [t.gettext("Your plan year starts again during the course:")]
    for y in years:
        lines.append("• " + t.ngettext(
            "%(start)s to %(end)s: %(n)s session, %(amount)s.",
            "%(start)s to %(end)s: %(n)s sessions, %(amount)s.", y.sessions,
            start=t.date(y.starts), end=t.date(y.ends), amount=t.money(y.patient)))
    return "\n".join(lines)


# At most this many lines of the schedule; the rest of the course is summed on one more line.
SCHEDULE_LINES = 8
FLAG_WORDS = {
    "prescription_expires": N_("after your prescription runs out"),
    "preauth_expires": N_("beyond your pre-authorization"),
    "lmn_expires": N_("after your Letter of Medical Necessity runs out"),
}


def _groups(e: Estimate) -> list[list[SessionRow]]:
    """Consecutive sessions that cost the patient the same and share their flags."""
    groups: list[list[SessionRow]] = []
    for row in e.sessions:
        last = groups[-1][-1] if groups else None
        if last is not None and (last.patient, last.flags) == (row.patient, row.flags):
            groups[-1].append(row)
        else:
            groups.append([row])
    return groups


def schedule_text(e: Estimate, t: Translator) -> str:
    """When the sessions fall and what each costs you, grouped ("" when not dated)."""
    if not e.sessions or e.sessions[0].date is None:
        return ""
    groups = _groups(e)
    shown, rest = groups[:SCHEDULE_LINES], [r for g in groups[SCHEDULE_LINES:] for r in g]
    lines = [t.gettext("Your sessions:")]
    for group in shown:
        first, last = group[0], group[-1]
        assert first.date is not None and last.date is not None
        if len(group) == 1:
            line = t.gettext("Session %(n)s, %(date)s: %(amount)s",
                             n=first.n, date=t.date(first.date), amount=t.money(first.patient))
        elif len(group) == 2:  # "11 and 12", not "11 to 12"
            line = t.gettext("Sessions %(first)s and %(last)s, %(start)s and %(end)s: "
                             "%(amount)s each", first=first.n, last=last.n,
                             start=t.date(first.date), end=t.date(last.date),
                             amount=t.money(first.patient))
        else:
            line = t.gettext("Sessions %(first)s to %(last)s, %(start)s to %(end)s: "
                             "%(amount)s each", first=first.n, last=last.n,
                             start=t.date(first.date), end=t.date(last.date),
                             amount=t.money(first.patient))
        words = [t.gettext(FLAG_WORDS[f]) for f in first.flags if f in FLAG_WORDS]
        lines.append("• " + line + (" (" + t.join(words) + ")" if words else ""))
    if rest:
        lines.append("• " + t.gettext(
            "Sessions %(first)s to %(last)s: %(amount)s in all", first=rest[0].n,
            last=rest[-1].n, amount=t.money(sum((r.patient for r in rest), Decimal(0)))))
    return "\n".join(lines)


def dated_rows(e: Estimate, t: Translator) -> list[tuple[str, str, str, str, str]]:
    """The dated table's cells (number, date, you pay, insurance pays, what runs out), for a
    channel that draws its own table; empty when the estimate is not dated."""
    if not e.sessions or e.sessions[0].date is None:
        return []
    return [(str(r.n), t.date(r.date) if r.date else "", t.money(r.patient), t.money(r.insurer),
             t.join([t.gettext(FLAG_WORDS[f]) for f in r.flags if f in FLAG_WORDS])
             if r.flags else "") for r in e.sessions]
