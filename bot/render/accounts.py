"""An FSA's money plan year by plan year, in words: what this year's FSA pays of a dated course
that runs past its deadline, and what the later sessions need (DOMAIN.md "Accounts": money not
used by the plan's deadline is lost; a grace period or a carryover, not both)."""

from decimal import Decimal

from bot.i18n import Translator
from estimator import FsaYear
from estimator.parameters import ACCOUNT_ANNUAL_LIMIT, ACCOUNT_LIMIT_YEAR

from .calendar import day_text


def _this_year(y: FsaYear, paid: Decimal, t: Translator) -> str:
    """What this plan year's FSA pays, for the sessions up to its deadline."""
    if paid >= y.total:
        return t.ngettext("Your FSA can pay for the %(n)s session up to %(date)s: %(amount)s.",
                          "Your FSA can pay for the %(n)s sessions up to %(date)s: %(amount)s.",
                          y.sessions, date=day_text(y.deadline, t), amount=t.money(paid))
    return t.ngettext(
        "Your FSA can pay %(amount)s of the %(total)s for the %(n)s session up to %(date)s.",
        "Your FSA can pay %(amount)s of the %(total)s for the %(n)s sessions up to %(date)s.",
        y.sessions, date=day_text(y.deadline, t), amount=t.money(paid), total=t.money(y.total))


def _later(y: FsaYear, t: Translator) -> list[str]:
    """The sessions after the deadline: what a carryover pays of them, what needs next year's
    FSA."""
    day = day_text(y.deadline, t)
    if not y.carryover:
        return [t.ngettext(
            "The %(n)s session after %(date)s (%(total)s) needs next year's FSA.",
            "The %(n)s sessions after %(date)s (%(total)s) need next year's FSA.",
            y.later_sessions, date=day, total=t.money(y.later_total))]
    limit = t.money(y.carryover_limit or y.carryover)
    if y.carryover >= y.later_total:
        return [t.ngettext(
            "What is left in it carries over, up to %(limit)s, so it can also pay for the "
            "%(n)s session after %(date)s: %(amount)s.",
            "What is left in it carries over, up to %(limit)s, so it can also pay for the "
            "%(n)s sessions after %(date)s: %(amount)s.",
            y.later_sessions, date=day, amount=t.money(y.carryover), limit=limit)]
    return [t.ngettext(
        "What is left in it carries over, up to %(limit)s: it can pay %(amount)s of the "
        "%(total)s for the %(n)s session after %(date)s.",
        "What is left in it carries over, up to %(limit)s: it can pay %(amount)s of the "
        "%(total)s for the %(n)s sessions after %(date)s.",
        y.later_sessions, date=day, amount=t.money(y.carryover), total=t.money(y.later_total),
        limit=limit),
        t.gettext("The rest, %(amount)s, needs next year's FSA.",
                  amount=t.money(y.later_total - y.carryover))]


def fsa_year_lines(y: FsaYear, amount: Decimal, t: Translator) -> list[str]:
    """What an FSA pays (`amount` in all) of a course that runs past its deadline."""
    paid = amount - y.carryover
    lines = [_this_year(y, paid, t)] if y.total else []
    lines += _later(y, t)
    if y.assumed:
        lines.append(t.gettext("We took your FSA's plan year to be the calendar year: ask your "
                               "employer if it is not."))
    if y.rule == "unknown":
        # The worst case was counted: a grace period or a carryover can only pay more.
        lines.append(t.gettext("We counted no grace period and no carryover: ask your employer "
                               "whether your FSA has one, which may pay for some of the later "
                               "sessions."))
    return lines


def hsa_balance_line(balance: Decimal, amount: Decimal, total: Decimal, t: Translator) -> str:
    """An HSA on an HDHP with its balance given: the balance pays now; the rest of `amount` only
    once it is put in this year, up to the year's limit (IRC 223(c)(1), DOMAIN.md "Accounts")."""
    limit, year = t.money(ACCOUNT_ANNUAL_LIMIT["hsa"]), str(ACCOUNT_LIMIT_YEAR)
    if not balance:
        return t.gettext("Your HSA can pay %(amount)s if you put it in this year (up to %(limit)s "
                         "for %(year)s).", amount=t.money(amount), limit=limit, year=year)
    if amount >= total:
        return t.gettext("Your HSA can pay %(balance)s now; the rest, %(rest)s, too if you put "
                         "more in this year (up to %(limit)s for %(year)s).",
                         balance=t.money(balance), rest=t.money(total - balance), limit=limit,
                         year=year)
    return t.gettext("Your HSA can pay %(balance)s now, and %(more)s more of the %(total)s if you "
                     "put more in this year (up to %(limit)s for %(year)s).",
                     balance=t.money(balance), more=t.money(amount - balance),
                     total=t.money(total), limit=limit, year=year)
