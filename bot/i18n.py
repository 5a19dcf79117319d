"""Translations (gettext catalogs under `bot/locales/`) and locale-aware formatting (Babel).

Usage::

    from bot.i18n import N_, negotiate, translator

    GREETING = N_("Hello, %(name)s!")          # module level: marked for extraction only

    t = translator(negotiate(user.language, update.effective_user.language_code))
    t.gettext(GREETING, name=user.first_name)
    t.ngettext("%(n)s session", "%(n)s sessions", sessions)   # `n` is always a parameter
    t.pgettext("button", "Yes")
    t.money(Decimal("1234.50"))                # "$1,234.50" (en)

Parameters are interpolated with `%(name)s` after translation, and only when there are some
(gettext without parameters returns the text as is, so a bare "%" needs no escaping there;
ngettext always interpolates, since `n` is always a parameter: write "%%" for a literal "%").
A message without a translation (or with a fuzzy one) falls back to the English catalog and then
to the English source text.

The catalogs are package data, found through `importlib.resources`. An installed package (a
wheel) holds only the `.mo` files, compiled by the build (setup.py, with `compile_catalog`); a
checkout holds the `.po` files, compiled into `.mo` files beside them on first use
(`ensure_compiled`). `.mo` files are never committed. See docs/translating.md.
"""

from __future__ import annotations

import gettext as _gettext
import io
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date as _date
from datetime import datetime as _datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent

# The styles of babel.lists.format_list.
ListStyle = Literal["standard", "standard-short", "or", "or-short", "unit", "unit-short",
                    "unit-narrow"]

log = logging.getLogger(__name__)



class Language(NamedTuple):
    babel_locale: str
    """The Babel locale for numbers, money and dates. The patients are in the US: Spanish is US
    Spanish ("$1,234.50"); Russian keeps Russian conventions ("1 234,50 $")."""
    plural_forms: str
    """The `Plural-Forms` its catalog declares: GNU gettext's standard rule for the language
    (Babel's would give Spanish a third, CLDR "many" form for millions, which no one translates)."""


# The languages the bot speaks: the one list. Settings, the command lines, the channels and the
# catalog tools (scripts/update_catalogs.py) all take them from here.
LANGUAGES: Mapping[str, Language] = {
    "en": Language("en_US", "nplurals=2; plural=(n != 1);"),
    "es": Language("es_US", "nplurals=2; plural=(n != 1);"),
    "ru": Language(
        "ru_RU",
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);",
    ),
}
SUPPORTED: tuple[str, ...] = tuple(LANGUAGES)
BABEL_LOCALES: Mapping[str, str] = {code: lang.babel_locale for code, lang in LANGUAGES.items()}
DEFAULT = "en"
DOMAIN = "messages"
CURRENCY = "USD"

_HUNDRED = Decimal(100)


def N_(message: str) -> str:
    """Mark `message` for extraction without translating it (for module-level constants).

    Translate it later, when the language is known: `translator(lang).gettext(MESSAGE)`.
    """
    return message


def _primary(code: str | None) -> str | None:
    """`es-MX` / `ru_RU` / ` EN ` → `es` / `ru` / `en`; empty → None."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary or None


def negotiate(user_setting: str | None, channel_code: str | None, default: str = DEFAULT) -> str:
    """The language to talk in: the user's own choice, else the channel's, else `default`.

    Both inputs may be full tags (`es-MX`, `ru_RU`); only the language part counts, and only a
    supported language is taken (`pt-BR` gives `default`).
    """
    for candidate in (_primary(user_setting), _primary(channel_code)):
        if candidate in SUPPORTED:
            return candidate
    return default


@contextmanager
def catalog_folder(locales_dir: Path | None = None) -> Iterator[Path]:
    """`locales_dir`, or else the package's own catalogs (`bot/locales`, wherever installed)."""
    if locales_dir is not None:
        yield locales_dir
        return
    # Looked up when needed, not at import: setup.py loads this module on its own to compile.
    with resources.as_file(resources.files("bot") / "locales") as folder:
        yield folder


def _paths(lang: str, locales_dir: Path) -> tuple[Path, Path]:
    folder = locales_dir / lang / "LC_MESSAGES"
    return folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"


def compile_catalog(po_path: Path, lang: str) -> bytes:
    """The `.mo` file for the `.po` file in `po_path` (the build and the run time use this)."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    for message in catalog:
        # Babel would fill an untranslated plural form with the English singular or plural,
        # picked by this language's plural rule (wrong for "21" in Russian): leave the whole
        # message out instead, so that it falls back to English as a whole.
        if (message.id and message.pluralizable and isinstance(message.string, (tuple, list))
                and not all(message.string)):
            message.string = ""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _is_stale(po_path: Path, mo_path: Path) -> bool:
    try:
        return mo_path.stat().st_mtime < po_path.stat().st_mtime
    except FileNotFoundError:
        return True


def ensure_compiled(
    languages: tuple[str, ...] = SUPPORTED, locales_dir: Path | None = None
) -> list[Path]:
    """Compile each language's `.po` into the `.mo` beside it when missing or older.

    Returns the `.mo` files written. The write is atomic (a temporary file renamed over the
    target), so concurrent processes starting up together do not read half-written files.
    A read-only locales directory is not an error: `translator` then compiles in memory.
    An installed package has no `.po` files: nothing to do.
    """
    with catalog_folder(locales_dir) as folder:
        return _ensure_compiled(languages, folder)


def _ensure_compiled(languages: tuple[str, ...], locales_dir: Path) -> list[Path]:
    written = []
    for lang in languages:
        po_path, mo_path = _paths(lang, locales_dir)
        if not po_path.exists() or not _is_stale(po_path, mo_path):
            continue
        data = compile_catalog(po_path, lang)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, prefix=".", suffix=".tmp.mo")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(tmp_name, 0o644)  # mkstemp makes it private; the .po is not
                os.replace(tmp_name, mo_path)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
        except OSError as exc:
            log.warning("cannot write %s (%s); translations are compiled in memory", mo_path, exc)
            continue
        written.append(mo_path)
    return written


def _load_translations(lang: str, locales_dir: Path) -> _gettext.NullTranslations:
    po_path, mo_path = _paths(lang, locales_dir)
    if po_path.exists() and _is_stale(po_path, mo_path):  # could not be written: in memory
        return _gettext.GNUTranslations(io.BytesIO(compile_catalog(po_path, lang)))
    if not mo_path.exists():
        log.warning("no catalog %s: %s falls back to the English source", mo_path, lang)
        return _gettext.NullTranslations()
    with mo_path.open("rb") as handle:
        return _gettext.GNUTranslations(handle)


def _interpolate(text: str, params: Mapping[str, Any]) -> str:
    return text % params if params else text


class Translator:
    """Messages and formatting for one language (get one with `translator(lang)`)."""

    def __init__(self, lang: str, translations: _gettext.NullTranslations) -> None:
        self.lang = lang
        self.locale = Locale.parse(BABEL_LOCALES.get(lang, lang))
        self._translations = translations

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    def _finish(self, translated: str, source: str, params: Mapping[str, Any]) -> str:
        try:
            return _interpolate(translated, params)
        except (KeyError, ValueError, TypeError) as exc:
            # A broken translation must not break the conversation: use the source text.
            # (tests/test_catalogs.py keeps placeholders in sync, so this is a last resort.)
            log.error("bad placeholders in the %s translation of %r: %r", self.lang, source, exc)
            return _interpolate(source, params)

    def gettext(self, message: str, /, **params: Any) -> str:
        return self._finish(self._translations.gettext(message), message, params)

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        params = {"n": n, **params}
        source = singular if n == 1 else plural
        return self._finish(self._translations.ngettext(singular, plural, n), source, params)

    def pgettext(self, context: str, message: str, /, **params: Any) -> str:
        return self._finish(self._translations.pgettext(context, message), message, params)

    def npgettext(self, context: str, singular: str, plural: str, n: int, /, **params: Any) -> str:
        params = {"n": n, **params}
        source = singular if n == 1 else plural
        translated = self._translations.npgettext(context, singular, plural, n)
        return self._finish(translated, source, params)

    # Formatting (Babel, for the language's locale).

    def money(self, amount: Decimal) -> str:
        """US dollars: `$1,234.50` (en, es), `1 234,50 $` (ru)."""
        return format_currency(amount, CURRENCY, locale=self.locale)

    def percent(self, value: Decimal) -> str:
        """`value` is in percent (20 → `20%`; 12.5 → `12.5%` in en, `12,5 %` in ru)."""
        return format_percent(
            Decimal(value) / _HUNDRED, locale=self.locale, decimal_quantization=False
        )

    def number(self, value: Decimal | int | float) -> str:
        return format_decimal(value, locale=self.locale)

    def date(self, value: _date | _datetime, format: str = "medium") -> str:
        """`format`: "short", "medium", "long", "full" or a CLDR pattern."""
        return format_date(value, format=format, locale=self.locale)

    def join(self, items: list[str], style: ListStyle = "standard") -> str:
        """`a, b, and c` / `a, b y c` / `a, b и c`."""
        return format_list(items, style=style, locale=self.locale)

    def language_name(self) -> str:
        """The language's own name: `English`, `Español`, `Русский`."""
        name = self.locale.get_language_name(self.locale) or self.lang
        return name[:1].upper() + name[1:]


_lock = threading.Lock()


def load_translator(lang: str, locales_dir: Path | None = None) -> Translator:
    """A fresh `Translator` for `lang` from the catalogs in `locales_dir` (default: the
    package's), uncached."""
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r}; supported: {', '.join(SUPPORTED)}")
    with _lock, catalog_folder(locales_dir) as folder:
        _ensure_compiled((lang,) if lang == DEFAULT else (lang, DEFAULT), folder)
        translations = _load_translations(lang, folder)
        if lang != DEFAULT:
            translations.add_fallback(_load_translations(DEFAULT, folder))
    return Translator(lang, translations)


@cache
def translator(lang: str) -> Translator:
    """The cached `Translator` for `lang` (one of SUPPORTED; see `negotiate`)."""
    return load_translator(lang)
