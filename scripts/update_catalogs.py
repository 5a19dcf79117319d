#!/usr/bin/env python
"""Extract the messages, update every catalog, and say what needs translating.

    python scripts/update_catalogs.py           # write bot/locales/messages.pot and the .po files
    python scripts/update_catalogs.py --check   # write nothing; exit 1 if anything is not done

1. Extract: the source files named in babel.cfg (with its keywords) → bot/locales/messages.pot.
2. Update: each bot/locales/<lang>/LC_MESSAGES/messages.po (created when missing) gets the new
   message ids, keeps every existing translation, and drops the ids the code no longer uses.
   An id that changed a little gets the old translation marked fuzzy (to be reviewed).
3. Report: per language, the ids that still need a translation (or a review), the
   translations whose %(name)s placeholders differ from the source's, and the Spanish and
   Russian translations with English words left in them (scripts/catalog_language.py).

Files are rewritten only when more than their dates would change. Locations are written without
line numbers, so that moving code around does not touch the catalogs. The same checks run in
tests/test_catalogs.py. See docs/translating.md.
"""

from __future__ import annotations

import argparse
import gettext
import importlib.util
import io
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "massage-cost-bot"
DOMAIN = "messages"
LANGUAGES = ("en", "es", "ru")  # the same as bot.i18n.SUPPORTED (checked by the tests)
SOURCE_LANGUAGE = "en"  # its catalog may leave msgstr empty: the source text is English
WIDTH = 100

# Spelled as GNU gettext's documentation spells them (Babel would give Spanish a third,
# CLDR "many" form for millions, which no one translates).
PLURAL_FORMS = {
    "en": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
    "(n%100<10 || n%100>=20) ? 1 : 2);",
}

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
    return root / "bot" / "locales" / f"{DOMAIN}.pot"


def po_path(lang: str, root: Path = ROOT) -> Path:
    return root / "bot" / "locales" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


# Extraction.


def extract(root: Path = ROOT) -> Catalog:
    """The template catalog: every message id the code marks, as babel.cfg says."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    template = Catalog(
        project=PROJECT,
        version="",
        copyright_holder=PROJECT,
        msgid_bugs_address="",
        charset="utf-8",
    )

    found = extract_from_dir(
        root,
        method_map,
        options_map,
        keywords={},  # only babel.cfg's keywords
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        template.add(
            message,
            None,
            [(Path(filename).as_posix(), lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


# Reading and writing.


def read_catalog(path: Path, lang: str | None = None, strict: bool = False) -> Catalog:
    """The catalog in `path`; `strict`: raise on any fault (else Babel warns and goes on)."""
    with path.open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN, abort_invalid=strict)


def render(catalog: Catalog) -> bytes:
    buffer = io.BytesIO()
    write_po(
        buffer,
        catalog,
        width=WIDTH,
        include_lineno=False,
        sort_by_file=True,
        ignore_obsolete=True,
    )
    return buffer.getvalue()


_DATE_LINE = re.compile(rb'^"(POT-Creation-Date|PO-Revision-Date): .*$', re.MULTILINE)


def _without_dates(data: bytes) -> bytes:
    return _DATE_LINE.sub(b"", data)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already says the same apart from its dates."""
    if path.exists() and _without_dates(path.read_bytes()) == _without_dates(data):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def _set_plural_forms(catalog: Catalog, lang: str) -> None:
    catalog.mime_headers = [("Plural-Forms", PLURAL_FORMS[lang])]


def new_catalog(template: Catalog, lang: str) -> Catalog:
    """A new, untranslated catalog for `lang` holding the template's ids."""
    catalog = Catalog(
        locale=lang,
        domain=DOMAIN,
        project=PROJECT,
        version="",
        copyright_holder=PROJECT,
        msgid_bugs_address="",
        language_team=Locale.parse(lang).english_name,
        charset="utf-8",
        fuzzy=False,
    )
    _set_plural_forms(catalog, lang)
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def update_catalog(catalog: Catalog, template: Catalog, lang: str) -> Catalog:
    """`catalog` updated in place to the template's ids (translations kept; obsolete dropped)."""
    _set_plural_forms(catalog, lang)
    catalog.fuzzy = False
    catalog.update(template)
    catalog.obsolete.clear()
    return catalog


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
    """Ids of the template that `catalog` lacks, and ids it has that the template does not."""
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
    `n`. Positional placeholders (`%s`) are an error in the source too.
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
    """The Plural-Forms header must be the standard one for `lang` (the same rule), and
    every plural message must have exactly that many forms."""
    problems = []
    if _rule_table(catalog.plural_forms) != _rule_table(PLURAL_FORMS[lang]):
        problems.append(
            f"{lang}: Plural-Forms is {catalog.plural_forms!r}, want {PLURAL_FORMS[lang]!r}"
        )
    for message in _messages(catalog):
        if message.pluralizable and len(message.string) != catalog.num_plurals:
            problems.append(
                f"{lang}: {len(message.string)} plural forms, want {catalog.num_plurals}, "
                f"in {describe(key(message))}"
            )
    return problems


_QUOTED = r'"(?:[^"\\]|\\.)*"'
_KEYWORD_LINE = re.compile(rf"(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+({_QUOTED})")
_CONTINUATION = re.compile(_QUOTED)


def syntax_problems(path: Path, lang: str) -> list[str]:
    """What GNU msgfmt would refuse and Babel lets pass: badly quoted lines, unknown lines,
    the same message twice."""
    problems = []
    seen: set[tuple[str, str]] = set()
    context: list[str] = []
    msgid: list[str] = []
    reading: list[str] | None = None  # the quoted parts being read (continuation lines)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword = _KEYWORD_LINE.fullmatch(line)
        if keyword is None:
            if not _CONTINUATION.fullmatch(line):
                problems.append(f"{lang}: {path.name}:{number}: cannot read {raw!r}")
            elif reading is not None:
                reading.append(line)
            continue
        name, value = keyword.groups()
        if msgid and name not in ("msgid", "msgctxt"):
            key = ("".join(context), "".join(msgid))
            if key in seen:
                problems.append(f"{lang}: {path.name}:{number}: {key[1]} is there twice")
            seen.add(key)
            context, msgid = [], []
        if name == "msgctxt":
            context = reading = [value]
        elif name == "msgid":
            msgid = reading = [value]
        else:
            reading = None
    return problems


def parse_problems(path: Path, lang: str) -> list[str]:
    """Faults that a strict reading of the file finds (syntax, duplicates, more plural forms
    than the header allows)."""
    try:
        read_catalog(path, lang, strict=True)
    except Exception as exc:  # any failure is the finding
        return [f"{lang}: {path.name} does not parse: {exc}"]
    return syntax_problems(path, lang)


def compile_problems(catalog: Catalog, lang: str) -> list[str]:
    """Whether the catalog compiles to a .mo that Python's gettext loads."""
    try:
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        gettext.GNUTranslations(buffer)
    except Exception as exc:  # any failure is the finding
        return [f"{lang}: does not compile: {exc!r}"]
    return []


def language_problems(catalog: Catalog, lang: str) -> list[str]:
    """Spanish and Russian translations with untranslated English words left in them."""
    return catalog_language.language_problems(
        catalog, lang, describe=lambda message: describe(key(message))
    )


def audit(catalog: Catalog, template: Catalog, lang: str) -> list[str]:
    return (
        sync_problems(catalog, template, lang)
        + translation_problems(catalog, lang)
        + placeholder_problems(catalog, lang)
        + language_problems(catalog, lang)
        + plural_problems(catalog, lang)
        + compile_problems(catalog, lang)
    )


# The command.


def run(root: Path = ROOT, check: bool = False, out=sys.stdout) -> int:
    """Extract, update and report; with `check`, write nothing and return 1 if anything is
    not done (out of date, untranslated, fuzzy, wrong placeholders, English left in a
    translation, does not compile)."""
    template = extract(root)
    status = 0

    pot = pot_path(root)
    stale_pot = not pot.exists() or keys(read_catalog(pot)) != keys(template)
    if check:
        if stale_pot:
            print(f"{pot.relative_to(root)}: out of date with the code", file=out)
            status = 1
    else:
        written = write_if_changed(pot, render(template))
        print(
            f"{pot.relative_to(root)}: {len(keys(template))} messages"
            f"{' (written)' if written else ''}",
            file=out,
        )

    for lang in LANGUAGES:
        path = po_path(lang, root)
        if path.exists():
            catalog = read_catalog(path, lang)
            if not check:
                update_catalog(catalog, template, lang)
        elif check:
            print(f"{path.relative_to(root)}: missing", file=out)
            status = 1
            continue
        else:
            catalog = new_catalog(template, lang)
        if not check:
            written = write_if_changed(path, render(catalog))
            if written:
                print(f"{path.relative_to(root)}: written", file=out)
        problems = audit(catalog, template, lang)
        if check:
            problems = parse_problems(path, lang) + problems
        todo = len(untranslated(catalog)) if lang != SOURCE_LANGUAGE else 0
        fuzzy = sum(1 for m in _messages(catalog) if m.fuzzy)
        print(
            f"{lang}: {len(keys(catalog))} messages, {todo} to translate, {fuzzy} fuzzy", file=out
        )
        for problem in problems:
            print(f"  {problem}", file=out)
        if problems:
            status = 1
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
