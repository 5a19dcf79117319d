"""What a clinic that onboards itself may call itself: slug and name rules, and a slug suggested
from the name.

A slug becomes the Telegram start link (`t.me/<bot>?start=<slug>`, whose payload Telegram limits
to 64 characters of A-Z, a-z, 0-9, _ and -) and the web page `/c/<slug>`. Self-chosen slugs are
stricter than the operator's YAML ones: lower case, 3 to 40 characters, and not a word the bot or
the web server uses itself (`RESERVED`), nor one that starts like a staff invite (`staff-...`).
Each check returns None or a gettext message id (a whole sentence, with its parameters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from ..i18n import N_

SLUG_MIN, SLUG_MAX = 3, 40
NAME_MIN, NAME_MAX = 2, 80
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
# Paths and start payloads the bot and the web server use, and words that would mislead.
RESERVED = frozenset({
    "admin", "api", "app", "bot", "c", "clinic", "clinics", "demo", "docs", "healthz", "help",
    "login", "logout", "metrics", "myclinic", "newclinic", "openapi", "operator", "privacy",
    "readyz", "root", "settings", "start", "static", "staff", "stats", "support", "telegram",
    "test", "www",
})
RESERVED_PREFIXES = ("staff-", "staff_", "admin-", "api-", "stats-")
_MARKUP = re.compile(r"[<>]|&[#a-zA-Z0-9]+;")

Problem = tuple[str, dict[str, object]]

SLUG_SHAPE = N_(
    "A link name is %(min)s to %(max)s lower-case letters, digits or dashes (no dash at either "
    "end), for example %(example)s."
)
SLUG_EXAMPLE = "sunrise-massage"
SLUG_RESERVED = N_("The link name %(slug)s is reserved: please choose another.")
SLUG_TAKEN = N_("The link name %(slug)s is already taken: please choose another.")
NAME_LENGTH = N_("The clinic's name must be %(min)s to %(max)s characters long.")
NAME_MARKUP = N_("The clinic's name cannot contain < or > or HTML entities.")


def slug_problem(slug: str) -> Problem | None:
    """Why `slug` cannot be a self-chosen slug (shape or reserved), or None."""
    if not (SLUG_MIN <= len(slug) <= SLUG_MAX) or not _SLUG.fullmatch(slug) or "--" in slug:
        return SLUG_SHAPE, {"min": SLUG_MIN, "max": SLUG_MAX, "example": SLUG_EXAMPLE}
    if slug in RESERVED or slug.startswith(RESERVED_PREFIXES):
        return SLUG_RESERVED, {"slug": slug}
    return None


def name_problem(name: str) -> Problem | None:
    """Why `name` cannot be a clinic's name (length, markup, control characters), or None."""
    if not (NAME_MIN <= len(name) <= NAME_MAX):
        return NAME_LENGTH, {"min": NAME_MIN, "max": NAME_MAX}
    if has_markup(name):
        return NAME_MARKUP, {}
    return None


def has_markup(text: str) -> bool:
    """Whether typed text has HTML's < or >, an entity, or a control character."""
    return bool(_MARKUP.search(text)) or any(unicodedata.category(ch) == "Cc" for ch in text)


def clean_text(text: str) -> str:
    """Typed text with its runs of white space made single spaces."""
    return " ".join(text.split())


def _ascii_words(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def slug_candidates(name: str) -> Iterator[str]:
    """Slugs made from the clinic's name, best first ("Sunrise Massage, LLC" ->
    sunrise-massage-llc, then sunrise-massage-llc-2...); none when the name has too few Latin
    letters or digits. The caller takes the first one not taken."""
    base = _ascii_words(name)[:SLUG_MAX].strip("-")
    if len(base) >= SLUG_MIN and slug_problem(base) is not None:
        base = f"clinic-{base}"[:SLUG_MAX].strip("-")  # e.g. "Admin" -> clinic-admin
    if len(base) < SLUG_MIN or slug_problem(base) is not None:
        return
    for number in range(1, 50):
        suffix = "" if number == 1 else f"-{number}"
        yield base[: SLUG_MAX - len(suffix)].strip("-") + suffix
