"""The next steps and the notes of an estimate, each code as a sentence."""

from decimal import Decimal
from typing import Any

from bot.i18n import Translator
from estimator.parameters import MEDICARE_PART_B_YEAR

from .calendar import CALENDAR_CODES, calendar_step
from .codes import (
    ACCOUNT_NOTES,
    APPEAL_STATE_MANDATE,
    APPEAL_STATE_MANDATE_OTHER,
    MEDICARE_LIMITING_CHARGE_PCT,
    MEDICARE_PART_B_COINSURANCE_PCT,
    MEDICARE_PART_B_DEDUCTIBLE,
    NOTE_MEDICARE_LIMITING_CHARGE,
    NOTE_MEDICARE_PART_B_DEFAULTS,
    NOTE_MEDICARE_PART_B_LATER_YEAR,
    NOTES,
    STEPS,
    TOPICS,
)


def step_text(code: str, params: dict[str, Any], t: Translator) -> str:
    """A next step as a sentence ("" for a code or topic without wording)."""
    if code == "ask_insurer":
        topic = TOPICS.get(str(params.get("topic")))
        return t.gettext(STEPS[code], topic=t.gettext(topic)) if topic else ""
    if code == "use_billable_code":  # one of them
        return t.gettext(STEPS[code], code=params["code"],
                         children=t.join([str(c) for c in params.get("children", [])], "or"))
    if code == "add_seventh_character":  # one of them: "S13.4XXA, S13.4XXD, or S13.4XXS"
        return t.gettext(STEPS[code], code=params["code"],
                         children=t.join([str(c) for c in params.get("children", [])], "or"))
    if code in ("check_diagnosis_code", "use_condition_code"):
        return t.gettext(STEPS[code], code=params["code"])
    if code == "appeal_state_mandate":
        state = params.get("state")
        if state in APPEAL_STATE_MANDATE:
            return t.gettext(APPEAL_STATE_MANDATE[state])
        return t.gettext(APPEAL_STATE_MANDATE_OTHER, state=state) if state else ""
    if code == "kx_modifier" and "course_year" in params:
        return _kx_by_year(params, t)
    if code == "kx_modifier":
        return t.gettext(
            "Your course passes Medicare's yearly therapy threshold (%(threshold)s in "
            "%(year)s): the therapist adds the KX modifier to the claims, confirming that the "
            "therapy is medically necessary.",
            threshold=t.money(Decimal(str(params["threshold"]))), year=str(params["year"]))
    if code == "use_cash_after_limit":
        return _cash_after_limit(params, t)
    if code in CALENDAR_CODES:
        return calendar_step(code, params, t)
    message = STEPS.get(code)
    return t.gettext(message) if message else ""


def _kx_by_year(params: dict[str, Any], t: Translator) -> str:
    """A dated course: the calendar year whose approved amounts pass the yearly threshold; a
    year whose threshold we do not have yet is compared with the latest one, as a maybe."""
    threshold = t.money(Decimal(str(params["threshold"])))
    year, course_year = str(params["year"]), str(params["course_year"])
    approved = t.money(Decimal(str(params["approved"])))
    if year == course_year:
        return t.gettext(
            "Your sessions in %(year)s pass Medicare's therapy threshold for %(year)s "
            "(%(threshold)s of approved amounts; yours come to %(approved)s): the therapist "
            "adds the KX modifier to those claims, confirming that the therapy is medically "
            "necessary.", year=year, threshold=threshold, approved=approved)
    return t.gettext(
        "Your sessions in %(course_year)s come to %(approved)s of approved amounts, more than "
        "Medicare's therapy threshold for %(year)s (%(threshold)s; we don't have the one for "
        "%(course_year)s yet): the therapist may need to add the KX modifier to those claims, "
        "confirming that the therapy is medically necessary.",
        year=year, course_year=course_year, threshold=threshold, approved=approved)


def _cash_after_limit(params: dict[str, Any], t: Translator) -> str:
    n, cash = params.get("sessions"), params.get("cash_per_session")
    if n and params.get("condition"):
        return _cash_if_uncovered(params, t)
    if not n:
        return t.gettext("For the sessions your coverage does not pay for, ask for the clinic's "
                         "cash price instead of its full charge.")
    if cash is None:
        return t.ngettext(
            "For the session your coverage does not pay for, ask the clinic for its cash price "
            "instead of its full charge.",
            "For the %(n)s sessions your coverage does not pay for, ask the clinic for its cash "
            "price instead of its full charge.", int(n))
    return t.ngettext(
        "For the session your coverage does not pay for, ask for the clinic's cash price, "
        "%(cash)s, instead of its full charge.",
        "For the %(n)s sessions your coverage does not pay for, ask for the clinic's cash price, "
        "%(cash)s a session, instead of its full charge.", int(n),
        cash=t.money(Decimal(str(cash))))


def _cash_if_uncovered(params: dict[str, Any], t: Translator) -> str:
    """The cash price step when only the worst case leaves sessions uncovered: a condition,
    not a fact (a workers' comp claim not accepted, or another unknown turning out badly)."""
    n, cash = int(params["sessions"]), params.get("cash_per_session")
    if params["condition"] == "claim_not_accepted":
        if cash is None:
            return t.gettext("If your claim is not accepted, ask the clinic for its cash price "
                             "instead of its full charge.")
        return t.ngettext(
            "If your claim is not accepted, ask for the clinic's cash price for your session, "
            "%(cash)s, instead of its full charge.",
            "If your claim is not accepted, ask for the clinic's cash price for your %(n)s "
            "sessions, %(cash)s a session, instead of its full charge.", n,
            cash=t.money(Decimal(str(cash))))
    if cash is None:
        return t.ngettext(
            "If your coverage does not pay for your session, ask the clinic for its cash price "
            "instead of its full charge.",
            "If your coverage does not pay for some of your sessions (up to %(n)s), ask the "
            "clinic for its cash price instead of its full charge.", n)
    return t.ngettext(
        "If your coverage does not pay for your session, ask for the clinic's cash price, "
        "%(cash)s, instead of its full charge.",
        "If your coverage does not pay for some of your sessions (up to %(n)s), ask for the "
        "clinic's cash price, %(cash)s a session, instead of its full charge.", n,
        cash=t.money(Decimal(str(cash))))


def note_text(code: str, t: Translator) -> str:
    if code == "medicare_part_b_later_year":
        return t.gettext(NOTE_MEDICARE_PART_B_LATER_YEAR, year=str(MEDICARE_PART_B_YEAR),
                         deductible=t.money(MEDICARE_PART_B_DEDUCTIBLE))
    if code == "medicare_part_b_defaults":
        return t.gettext(NOTE_MEDICARE_PART_B_DEFAULTS,
                         deductible=t.money(MEDICARE_PART_B_DEDUCTIBLE),
                         coinsurance=t.percent(MEDICARE_PART_B_COINSURANCE_PCT))
    if code == "medicare_limiting_charge":
        return t.gettext(NOTE_MEDICARE_LIMITING_CHARGE,
                         percent=t.percent(MEDICARE_LIMITING_CHARGE_PCT))
    message = NOTES.get(code) or ACCOUNT_NOTES.get(code)
    return t.gettext(message) if message else ""


