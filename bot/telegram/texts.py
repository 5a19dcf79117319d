"""What the Telegram channel itself says (the interview's own texts come from `bot.render`), and
the HTML helpers every message goes through.

Every message here is a whole English sentence marked with `N_` and translated when the
language is known (`t.gettext(MESSAGE, **params)`). Every string that reaches Telegram goes
through `html.escape` (see `esc`), whether the patient typed it or a catalog supplied it.
"""

from __future__ import annotations

import html

from ..i18n import N_, Translator

# Telegram allows 4096 characters per message; keep a margin for the markup added around text.
MAX_MESSAGE = 4096
BUDGET = 3800
CALLBACK_TOAST = 200  # answerCallbackQuery text limit

# --- the bot's profile (setMyCommands / setMyDescription) -------------------------------------

COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", N_("Start or continue your estimate")),
    ("estimate", N_("Show your last estimate again")),
    ("language", N_("Choose the language")),
    ("help", N_("Insurance terms, and what this bot can and cannot do")),
    ("privacy", N_("What is stored about you, and for how long")),
    ("forget", N_("Delete everything stored about you")),
    ("cancel", N_("Stop and delete your answers")),
    ("restart", N_("Start over with new answers")),
    ("reminders", N_("Your reminders: see or cancel them")),
)
DESCRIPTION = N_(
    "I estimate what medical massage will cost you with your US health insurance (or workers' "
    "compensation, auto insurance, an HSA/FSA, or paying cash). I ask a few questions about "
    "your plan, then show the likely cost per session and for the whole course, and what to "
    "ask your insurer. It is an estimate, not a guarantee of coverage."
)
SHORT_DESCRIPTION = N_("What will medical massage cost you with your insurance? A quick estimate.")

# --- patients -------------------------------------------------------------------------------

WELCOME = N_(
    "Hello! I estimate what medical massage will cost you with your insurance. I will ask a few "
    "short questions; you can go back or change any answer."
)
YOUR_ANSWERS = N_("Your answers:")
STALE_BUTTON = N_("That question has moved on. Here is the current one.")
NO_INTERVIEW = N_("There is no estimate in progress. Send /start to begin one.")
FINISHED_HINT = N_(
    "Your estimate is ready: /estimate shows it again, and /restart starts over."
)
NO_ESTIMATE_YET = N_("There is no estimate yet: answer the questions first, or send /start.")
CANCELLED = N_(
    "Stopped, and your answers are deleted. Send /start whenever you want a new estimate."
)
NOT_TEXT = N_("I can only read text and buttons. Please answer the question above.")
UNKNOWN_COMMAND = N_("I do not know that command. /help lists what I can do.")
GROUP_ONLY_PRIVATE = N_("Please message me privately: %(link)s")
UNAVAILABLE = N_(
    "I cannot reach my records right now. Your answers are safe: please try again in a minute."
)
RATE_LIMITED = N_(
    "You are sending messages faster than I can answer. Please wait a few seconds: your answers "
    "so far are safe."
)
FAILED = N_(
    "Sorry, something went wrong on my side. Your answers are safe: please try again, "
    "or send /restart."
)

LANGUAGE_PROMPT = N_("Choose your language:")
LANGUAGE_SET = N_("Language: %(language)s.")

HELP = N_(
    "What I can do: estimate what a course of medical massage will cost you, from your plan's "
    "deductible, copay or coinsurance, out-of-pocket maximum and visit limit; show a range "
    "when you do not know an answer; compare insurance with paying cash, HSA/FSA money, "
    "workers' compensation and auto insurance; and tell you what to ask your insurer or "
    "clinic.\n\n"
    "What I cannot do: see your real plan or claims, promise that your insurer will pay, or "
    "give medical advice. Your insurer's answer and the clinic's bill are what count.\n\n"
    "Commands: /start begins or continues, /estimate shows your last estimate, /language "
    "changes the language, /privacy says what is stored, /forget deletes it, /cancel stops, "
    "/restart starts over."
)
PRIVACY_STORED = N_(
    "What I store: only the answers the estimate needs (such as your plan type, deductible and "
    "number of sessions, never your name or what you typed as such), your language setting, "
    "and when you last wrote. I do not share it with anyone."
)
PRIVACY_FORGET = N_("Send /forget to delete it now.")

FORGET_CONFIRM = N_(
    "Delete everything I have stored about you: your answers, your language setting and when "
    "you last wrote? This cannot be undone."
)
FORGET_YES = N_("Yes, delete it")
FORGET_NO = N_("No, keep it")
FORGOTTEN = N_("Done: everything I stored about you is deleted. Send /start to begin again.")
FORGET_KEPT = N_("Nothing was deleted.")

# --- staff ----------------------------------------------------------------------------------

STAFF_ONLY = N_(
    "Sorry, this is for clinic staff only. To estimate your own costs, send /start."
)
SCENARIO_USAGE = N_(
    "Send the scenario as key=value pairs, for example: /scenario payer=commercial "
    "network=out deductible=1000 deductible_met=200 coinsurance_pct=20 sessions=12. The "
    "clinic's fees fill in the rest; null means unknown. Valid keys: %(keys)s"
)
WHATIF_USAGE = N_(
    "Send the fields to change as key=value pairs, for example: /whatif deductible_met=1000"
)
WHATIF_NOTHING = N_(
    "There is nothing to change yet: send /scenario first, or finish an interview."
)
WHATIF_HEADER = N_("What if %(changes)s:")
COLUMN_BEFORE = N_("Before")
COLUMN_AFTER = N_("After")
ROW_PATIENT = N_("You pay")
ROW_INSURER = N_("Insurer pays")
ROW_RANGE = N_("Range")
SESSIONS_HEADER = N_("Session by session:")
CASE_PASSED = N_("Passed: %(name)s")
CASE_FAILED = N_("Failed: %(name)s")
CASE_FILE_ERROR = N_("This scenario file cannot be read: %(problem)s")
FILE_TOO_BIG = N_("This file is too big for a scenario file (the limit is %(size)s).")
FILE_NOT_TEXT = N_("This file is not UTF-8 text, so it cannot be a scenario file.")
FILE_TOO_SLOW = N_(
    "This scenario file needs more than %(seconds)s seconds of computing, the limit for one "
    "file, so it was stopped. Split it into smaller files."
)
FILE_TOO_LARGE_TO_RUN = N_(
    "This scenario file needs more than %(size)s of memory, the limit for one file, so it was "
    "stopped. Split it into smaller files."
)


# --- HTML -----------------------------------------------------------------------------------


def esc(text: str) -> str:
    """Text made safe for parse_mode=HTML (quotes too: it may end up in an attribute)."""
    return html.escape(text, quote=True)


def split_text(plain: str, limit: int = BUDGET, first_limit: int | None = None) -> list[str]:
    """Split plain text into escaped chunks of at most `limit` characters each (the first one
    at most `first_limit`, when something goes above it).

    Cuts between paragraphs if it can, else between lines, else between words, else anywhere,
    measuring the escaped text (so `&` counted as `&amp;` never pushes a chunk over the limit).
    """
    first_limit = limit if first_limit is None else max(1, min(first_limit, limit))
    chunks: list[str] = []
    current = ""
    for paragraph in _pieces(plain.strip(), "\n\n", first_limit):
        room = limit if chunks else first_limit
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(esc(candidate)) <= room:
            current = candidate
        else:
            if current:
                chunks.append(esc(current))
            current = paragraph
    if current:
        chunks.append(esc(current))
    return chunks or [esc(plain) or "\u2026"]


def _pieces(text: str, separator: str, limit: int) -> list[str]:
    """`text` cut at `separator` (then finer separators) into pieces that fit `limit` escaped."""
    finer = {"\n\n": "\n", "\n": " ", " ": ""}
    pieces: list[str] = []
    for piece in text.split(separator) if separator else list(text):
        if len(esc(piece)) <= limit or separator == "":
            pieces.append(piece)
            continue
        # Too long: split finer, then glue the small bits back together up to the limit.
        glue = finer[separator]
        current = ""
        for bit in _pieces(piece, glue, limit):
            candidate = f"{current}{glue}{bit}" if current else bit
            if len(esc(candidate)) <= limit:
                current = candidate
            else:
                pieces.append(current)
                current = bit
        if current:
            pieces.append(current)
    return pieces


# Plurals are literal ngettext calls, so that extraction sees singular and plural together.


def retention(t: Translator, days: int) -> str:
    return t.ngettext(
        "It is deleted automatically after %(n)s day without messages from you.",
        "It is deleted automatically after %(n)s days without messages from you.",
        days,
    )


def cases_summary(t: Translator, passed: int, total: int) -> str:
    return t.ngettext(
        "%(passed)s of %(n)s case passed.", "%(passed)s of %(n)s cases passed.", total,
        passed=passed,
    )


def lines_not_shown(t: Translator, n: int) -> str:
    return t.ngettext(
        "%(n)s more line not shown: massage-estimate check prints them all.",
        "%(n)s more lines not shown: massage-estimate check prints them all.",
        n,
    )
