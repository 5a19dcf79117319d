"""What the bot says about reminders (bot.telegram.reminders, bot.telegram.reminder_sender):
whole sentences marked with `N_`, translated when the language is known."""

from __future__ import annotations

from ..i18n import N_, Translator

PRIVACY = N_(
    "For a reminder you ask for, I keep only your chat, its day, its kind and your language, "
    "until it is sent or you cancel it (/reminders); /forget deletes it too."
)

# --- setting one, under an estimate ----------------------------------------------------------
REMIND_ME = N_("Remind me later")
MENU = N_(
    "When should I remind you? I will send you one message that day, with a button to run your "
    "estimate again."
)
PLAN_YEAR_OPTION = N_("2 weeks before my plan year resets (%(date)s)")
PRESCRIPTION_OPTION = N_("Before my prescription runs out (%(date)s)")
DATE_OPTION = N_("On a date I choose")
NEVER_MIND = N_("Never mind")
NO_ESTIMATE = N_("Reminders come after an estimate: answer the questions first, or send /start.")
ASK_DATE = N_("Type the day you want the reminder, for example %(example)s.")
NOT_A_DATE = N_(
    "I could not read \u201c%(text)s\u201d as a day. Type it like %(example)s, or press "
    "\u201cNever mind\u201d."
)
NO_SUCH_DATE = N_("There is no such day as \u201c%(text)s\u201d. Type it like %(example)s.")
DATE_PAST = N_("%(date)s is not in the future. Type a later day, like %(example)s.")
DATE_TOO_FAR = N_("I can set reminders up to a year ahead, until %(last)s. Type an earlier day.")
RESET_TOO_CLOSE = N_(
    "Your plan year resets on %(date)s, in less than two weeks: a reminder would come too late. "
    "If you want sessions on this year's deductible, book them now."
)
SET = N_("Done: I will remind you on %(date)s. /reminders shows your reminders.")
ALREADY = N_("You already have that reminder, on %(date)s.")
TOO_MANY = N_(
    "You have %(count)s reminders already, the most I keep. Send /reminders to cancel one first."
)
DROPPED = N_("No reminder was set.")

# --- /reminders --------------------------------------------------------------------------------
NONE = N_(
    "You have no reminders. After an estimate, the \u201cRemind me later\u201d button sets one."
)
LIST_HEADER = N_("Your reminders (press one to cancel it):")
ITEM_PLAN_YEAR = N_("%(date)s: your plan year resets on %(reset)s")
ITEM_PRESCRIPTION = N_("%(date)s: your prescription runs out on %(end)s")
ITEM_DATE = N_("%(date)s: the day you chose")
CANCEL_ITEM = N_("Cancel %(date)s")
CANCELLED = N_("Cancelled the reminder of %(date)s.")
GONE = N_("That reminder is no longer there.")

# --- the reminder itself -----------------------------------------------------------------------
SENT_PLAN_YEAR = N_(
    "Reminder: your plan year resets on %(date)s. Sessions before then count toward this "
    "year's deductible and out-of-pocket amounts; from that day, they start again from zero. "
    "Run your estimate again to see what booking now or later costs."
)
SENT_PRESCRIPTION = N_(
    "Reminder: your prescription for massage runs out on %(date)s. Insurers pay only for "
    "sessions a current prescription covers: ask your doctor for a new one if you need more."
)
SENT_DATE = N_(
    "Here is the reminder you asked for. Run your estimate again to see what your sessions "
    "cost from today."
)
RUN_AGAIN = N_("Run my estimate again")


def item(t: Translator, kind: str, day_text: str, about_text: str) -> str:
    """One line of /reminders: the day it comes and what it is about."""
    if kind == "plan_year":
        return t.gettext(ITEM_PLAN_YEAR, date=day_text, reset=about_text)
    if kind == "prescription":
        return t.gettext(ITEM_PRESCRIPTION, date=day_text, end=about_text)
    return t.gettext(ITEM_DATE, date=day_text)
