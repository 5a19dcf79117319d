#!/usr/bin/env python
"""Extract the messages and update every catalog with Babel, then check what is left to do.

    python scripts/update_catalogs.py           # write bot/locales/messages.pot and the .po files
    python scripts/update_catalogs.py --check   # write nothing; exit 1 if anything is not done

It runs Babel's own commands (`babel.messages.frontend`, what `pybabel` runs), from the
project's folder:

    pybabel extract -F babel.cfg -o bot/locales/messages.pot --add-location=file --sort-by-file
                    -c TRANSLATORS: -s -w 100 --project=massage-cost-bot
                    --copyright-holder=massage-cost-bot .
    pybabel update -i bot/locales/messages.pot -d bot/locales -l LANG -D messages
                    --ignore-obsolete --ignore-pot-creation-date -w 100

Locations are written without line numbers, so that moving code around does not touch the
catalogs; a .pot whose messages did not change is left as it is (not rewritten for its date).
A language of bot.i18n.LANGUAGES without a catalog gets one holding only the header with its
Plural-Forms (`pybabel update` then fills it; `pybabel init` would use CLDR's plural rule).

Then, per language, the project's own checks: every message translated (English may leave
msgstr empty) and none fuzzy; a translation has the source's %(name)s placeholders; the
Plural-Forms header is the one in bot.i18n.LANGUAGES and each plural has that many forms; no
English left in a Spanish or Russian translation (scripts/catalog_language.py); the catalog
compiles as the build compiles it (bot.i18n.compile_catalog: Babel's read_po and write_mo) into
a file Python's gettext loads, and GNU `msgfmt --check` accepts it (when gettext is installed).
(Not `pybabel compile`: its format check compares Russian plural form 0 with the singular
msgid, so it refuses "%(n)s" there, which form 0 needs for 21, 31, ...)
With --check, also: the .pot and the .po files are what extract and update would write. The
same checks run in tests/test_catalogs.py. See docs/translating.md.
"""

from __future__ import annotations

import argparse
import contextlib
import gettext
import importlib.util
import io
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import BaseError, CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout: bot.i18n is the checkout's

from bot.i18n import DEFAULT, DOMAIN, LANGUAGES, compile_catalog  # noqa: E402  (path above)

PROJECT = "massage-cost-bot"
LOCALES = Path("bot") / "locales"  # relative to the project's folder
SOURCE_LANGUAGE = DEFAULT  # its catalog may leave msgstr empty: the source text is English
WIDTH = "100"

# %(name)s, and also the positional %s / %d that must not be used (they cannot be reordered).
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?([a-zA-Z%])")

Key = tuple[str | None, str, str | None]  # (context, msgid, msgid_plural)


def _load_language_check():
    # scripts/ is not a package: load the sibling module by its path (this file is itself
    # loaded that way by the tests).
    path = Path(__file__).resolve().with_name("catalog_language.py")
    spec = importlib.util.spec_from_file_location("catalog_language", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalog_language = _load_language_check()


# Paths.


def pot_path(root: Path = ROOT) -> Path:
    return root / LOCALES / f"{DOMAIN}.pot"


def po_path(lang: str, root: Path = ROOT) -> Path:
    return root / LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


# Babel's commands.


def pybabel(root: Path, *args: str) -> None:
    """Run `pybabel ARGS` in `root`; raise BaseError when it fails (Babel says why)."""
    with contextlib.chdir(root):
        status = CommandLineInterface().run(["pybabel", "-q", *args])
    if status:
        raise BaseError(f"pybabel {args[0]} failed")


def extract_to(root: Path, pot: Path) -> None:
    pybabel(
        root, "extract", "-F", "babel.cfg", "-o", str(pot), "--add-location=file",
        "--sort-by-file", "-c", "TRANSLATORS:", "-s", "-w", WIDTH, f"--project={PROJECT}",
        f"--copyright-holder={PROJECT}", ".",
    )


def update(root: Path, pot: Path, lang: str, check: bool = False) -> None:
    """`pybabel update` of one language's catalog; with `check`, raise if it would change."""
    pybabel(
        root, "update", "-i", str(pot), "-d", str(root / LOCALES), "-l", lang, "-D", DOMAIN,
        "--ignore-obsolete", "--ignore-pot-creation-date", "-w", WIDTH,
        *(["--check"] if check else []),
    )


def start_catalog(path: Path, lang: str) -> None:
    """A new language's catalog: the header only, with the language's Plural-Forms."""
    catalog = Catalog(locale=lang, domain=DOMAIN, project=PROJECT, copyright_holder=PROJECT,
                      fuzzy=False)
    catalog.mime_headers = [("Plural-Forms", LANGUAGES[lang].plural_forms)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(render(catalog))


# Reading and writing.


def read_catalog(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def render(catalog: Catalog) -> bytes:
    """A catalog as `pybabel update` writes it (for the tests and start_catalog)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=int(WIDTH), ignore_obsolete=True)
    return buffer.getvalue()


def same_messages(one: Catalog, other: Catalog) -> bool:
    """The same messages in the same order, with the same locations and comments (headers
    aside: the date and Babel's version change by themselves)."""
    ours, theirs = list(one)[1:], list(other)[1:]  # [0] is the header
    if len(ours) != len(theirs):
        return False
    return all(a.is_identical(b) for a, b in zip(ours, theirs, strict=True))


def extract(root: Path = ROOT) -> Catalog:
    """The template catalog `pybabel extract` makes of the code now."""
    with tempfile.TemporaryDirectory() as folder:
        pot = Path(folder) / f"{DOMAIN}.pot"
        extract_to(root, pot)
        return read_catalog(pot)


# Checks (each returns human-readable problems; an empty list means all is well).


def key(message: Message) -> Key:
    if message.pluralizable:
        return (message.context, message.id[0], message.id[1])
    return (message.context, message.id, None)


def keys(catalog: Catalog) -> set[Key]:
    return {key(message) for message in catalog if message.id}


def describe(k: Key) -> str:
    context, msgid, plural = k
    text = repr(msgid) if plural is None else f"{msgid!r} / {plural!r}"
    return f"[{context}] {text}" if context else text


def sync_problems(catalog: Catalog, template: Catalog, name: str) -> list[str]:
    """Ids of the template that `catalog` lacks, and ids it has that the template does not
    (what `update --check` finds, said message by message)."""
    have, want = keys(catalog), keys(template)
    problems = [f"{name}: missing {describe(k)}" for k in sorted(want - have, key=str)]
    problems += [f"{name}: obsolete {describe(k)}" for k in sorted(have - want, key=str)]
    problems += [f"{name}: obsolete (#~) {describe(key(m))}" for m in catalog.obsolete.values()]
    return problems


def _messages(catalog: Catalog) -> Iterable[Message]:
    return (message for message in catalog if message.id)


def untranslated(catalog: Catalog) -> list[Message]:
    """Messages with an empty translation (for a plural, any empty form)."""
    out = []
    for message in _messages(catalog):
        strings = message.string if message.pluralizable else (message.string,)
        if not isinstance(strings, (tuple, list)) or not all(strings):
            out.append(message)
    return out


def translation_problems(catalog: Catalog, lang: str) -> list[str]:
    """Untranslated (except in the source language) and fuzzy messages."""
    problems = [
        f"{lang}: fuzzy (review, then remove the flag) {describe(key(m))}"
        for m in _messages(catalog)
        if m.fuzzy
    ]
    if lang != SOURCE_LANGUAGE:
        problems += [f"{lang}: untranslated {describe(key(m))}" for m in untranslated(catalog)]
    return problems


def placeholders(text: str) -> set[str]:
    """`%(name)s` names in `text`; a positional `%s` counts as the name "%s"; `%%` is none."""
    names = set()
    for match in _PLACEHOLDER.finditer(text):
        name, conversion = match.groups()
        if conversion == "%" and name is None:
            continue
        names.add(name if name is not None else f"%{conversion}")
    return names


def _single_n_forms(catalog: Catalog) -> set[int]:
    """Plural forms used for one value of n only (say "one session": they may omit %(n)s)."""
    rule = gettext.c2py(catalog.plural_expr)
    seen: dict[int, set[int]] = {}
    for n in range(0, 1000):
        seen.setdefault(rule(n), set()).add(n)
    return {form for form, values in seen.items() if len(values) == 1}


def placeholder_problems(catalog: Catalog, lang: str) -> list[str]:
    """Translations whose placeholders are not exactly the source's.

    A plural form is compared with the plural msgid; a form that serves a single n may omit
    `n`. Positional placeholders (`%s`) are an error in the source too. (Babel's and msgfmt's
    format checks let a translation drop a placeholder; this does not.)
    """
    problems = []
    single = _single_n_forms(catalog)
    for message in _messages(catalog):
        k = describe(key(message))
        ids = message.id if message.pluralizable else (message.id,)
        for source in ids:
            if any(name.startswith("%") for name in placeholders(source)):
                problems.append(f"{lang}: use %(name)s, not a positional %s, in {k}")
        if not message.pluralizable:
            if message.string and placeholders(message.string) != placeholders(message.id):
                problems.append(
                    f"{lang}: placeholders {sorted(placeholders(message.string))} differ from "
                    f"the source's {sorted(placeholders(message.id))} in {k}"
                )
            continue
        want = placeholders(message.id[1])
        for form, text in enumerate(message.string):
            if not text:
                continue
            got = placeholders(text)
            if got == want or (form in single and got == want - {"n"}):
                continue
            problems.append(
                f"{lang}: plural form {form} has placeholders {sorted(got)}, "
                f"the plural source {sorted(want)}, in {k}"
            )
    return problems


def _rule_table(plural_forms: str) -> tuple[int, list[int]]:
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", plural_forms).group(1))
    expr = re.search(r"plural\s*=\s*(.+?);?\s*$", plural_forms).group(1)
    rule = gettext.c2py(expr)
    return nplurals, [rule(n) for n in range(0, 1000)]


def plural_problems(catalog: Catalog, lang: str) -> list[str]:
    """The Plural-Forms header must be the language's in bot.i18n.LANGUAGES (the same rule),
    and every plural message must have exactly that many forms."""
    problems = []
    want = LANGUAGES[lang].plural_forms
    if _rule_table(catalog.plural_forms) != _rule_table(want):
        problems.append(f"{lang}: Plural-Forms is {catalog.plural_forms!r}, want {want!r}")
    for message in _messages(catalog):
        if message.pluralizable and len(message.string) != catalog.num_plurals:
            problems.append(
                f"{lang}: {len(message.string)} plural forms, want {catalog.num_plurals}, "
                f"in {describe(key(message))}"
            )
    return problems


def language_problems(catalog: Catalog, lang: str) -> list[str]:
    """Spanish and Russian translations with untranslated English words left in them."""
    return catalog_language.language_problems(
        catalog, lang, describe=lambda message: describe(key(message))
    )


def compile_problems(path: Path, lang: str) -> list[str]:
    """Whether the catalog compiles as the build compiles it, to a .mo Python's gettext loads."""
    try:
        gettext.GNUTranslations(io.BytesIO(compile_catalog(path, lang)))
    except Exception as exc:  # any failure is the finding
        return [f"{lang}: {path.name} does not compile: {exc!r}"]
    return []


def msgfmt_problems(path: Path, lang: str) -> list[str]:
    """What GNU `msgfmt --check` refuses (syntax, a message twice, format strings), which
    Babel's reader lets pass. Nothing when gettext is not installed: see `msgfmt_missing`."""
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        return []
    result = subprocess.run(
        [msgfmt, "--check", "-o", "/dev/null", str(path)], capture_output=True, text=True
    )
    if result.returncode == 0:
        return []
    lines = [line for line in result.stderr.splitlines() if ": warning: " not in line]
    return [f"{lang}: msgfmt: {line}" for line in lines]


def msgfmt_missing() -> bool:
    return shutil.which("msgfmt") is None


def audit(catalog: Catalog, lang: str) -> list[str]:
    """The project's checks of one catalog's content."""
    return (
        translation_problems(catalog, lang)
        + placeholder_problems(catalog, lang)
        + language_problems(catalog, lang)
        + plural_problems(catalog, lang)
    )


# The command.


def _refresh_pot(root: Path, check: bool, out) -> tuple[bool, Catalog]:
    """Extract; unless `check`, write the .pot when its messages changed. Returns whether the
    committed .pot is (or was) out of date, and the messages of the code."""
    pot = pot_path(root)
    with tempfile.TemporaryDirectory() as folder:
        fresh = Path(folder) / pot.name
        extract_to(root, fresh)
        template = read_catalog(fresh)
        stale = not pot.exists() or not same_messages(read_catalog(pot), template)
        count = len(keys(template))
        if check:
            if stale:
                print(f"{pot.relative_to(root)}: out of date with the code", file=out)
        else:
            if stale:
                pot.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(fresh, pot)
            print(f"{pot.relative_to(root)}: {count} messages"
                  f"{' (written)' if stale else ''}", file=out)
    return stale, template


def _refresh_po(root: Path, lang: str, check: bool, template: Catalog, out) -> list[str]:
    """Update one catalog (unless `check`); return what is wrong with it."""
    path = po_path(root=root, lang=lang)
    name = str(path.relative_to(root))
    if not path.exists():
        if check:
            return [f"{name}: missing"]
        start_catalog(path, lang)
        print(f"{name}: created", file=out)
    try:
        update(root, pot_path(root), lang, check=check)
        stale = []
    except BaseError:
        stale = [f"{name}: out of date with the .pot"]
    catalog = read_catalog(path, lang)
    problems = stale + (sync_problems(catalog, template, lang) if check else [])
    problems += audit(catalog, lang) + compile_problems(path, lang) + msgfmt_problems(path, lang)
    todo = len(untranslated(catalog)) if lang != SOURCE_LANGUAGE else 0
    fuzzy = sum(1 for m in _messages(catalog) if m.fuzzy)
    print(f"{lang}: {len(keys(catalog))} messages, {todo} to translate, {fuzzy} fuzzy", file=out)
    return problems


def run(root: Path = ROOT, check: bool = False, out=sys.stdout) -> int:
    """Extract, update and report; with `check`, write nothing and return 1 if anything is
    not done (out of date, untranslated, fuzzy, wrong placeholders, English left in a
    translation, does not compile)."""
    stale, template = _refresh_pot(root, check, out)
    status = 1 if stale and check else 0
    for lang in LANGUAGES:
        problems = _refresh_po(root, lang, check, template, out)
        for problem in problems:
            print(f"  {problem}", file=out)
        if problems:
            status = 1
    if msgfmt_missing():
        print("msgfmt not found: install gettext for GNU msgfmt's checks", file=out)
    if status and not check:
        print(
            "To do: translate (and review the fuzzy) messages above in the .po files, "
            "then run this again.",
            file=out,
        )
    return status if check else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if a catalog is out of date or incomplete",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return run(args.root.resolve(), check=args.check)


if __name__ == "__main__":
    sys.exit(main())
