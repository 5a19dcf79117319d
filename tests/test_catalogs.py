"""The message catalogs (bot/locales/) and bot/i18n.py.

These fail when: the committed messages.pot is not what `pybabel extract` makes of the code; a
.po is not what `pybabel update` makes of it (lacks ids of the .pot, keeps ids it no longer has);
an es or ru message is untranslated or fuzzy; a translation's %(name)s placeholders are not the
source's; Plural-Forms is not the language's in bot.i18n.LANGUAGES; a .po does not compile or
GNU msgfmt --check refuses it. The fix is nearly always `python scripts/update_catalogs.py` and
then translating what it lists (docs/translating.md).

The second half runs the same checks, and bot/i18n.py, on a small project made in a temporary
folder, to show that each check catches what it should.
"""

from __future__ import annotations

import gettext
import importlib.util
import io
import os
import re
import shutil
import subprocess
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot import i18n

ROOT = Path(__file__).resolve().parent.parent
FIX = "run `python scripts/update_catalogs.py` (docs/translating.md)"


def _load_script():
    spec = importlib.util.spec_from_file_location(
        "update_catalogs", ROOT / "scripts" / "update_catalogs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


uc = _load_script()
LANGS = i18n.SUPPORTED
TRANSLATED = [lang for lang in LANGS if lang != uc.SOURCE_LANGUAGE]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return uc.extract(ROOT)


def po(lang: str, root: Path = ROOT) -> Catalog:
    return uc.read_catalog(uc.po_path(lang, root), lang)


def _show(problems: list[str]) -> str:
    return "\n".join(problems + [FIX])


needs_msgfmt = pytest.mark.skipif(
    uc.msgfmt_missing(), reason="GNU msgfmt not installed (apt install gettext; .ci/run does)"
)


# The committed catalogs.


def test_script_and_runtime_agree_on_languages() -> None:
    assert uc.LANGUAGES is i18n.LANGUAGES
    assert tuple(i18n.LANGUAGES) == i18n.SUPPORTED
    assert uc.SOURCE_LANGUAGE == i18n.DEFAULT
    assert uc.DOMAIN == i18n.DOMAIN
    assert set(i18n.BABEL_LOCALES) == set(i18n.SUPPORTED)
    with i18n.catalog_folder() as folder:  # the checkout's, through importlib.resources
        assert folder == ROOT / "bot" / "locales"


def test_pot_is_up_to_date_with_the_code(template: Catalog) -> None:
    committed = uc.read_catalog(uc.pot_path(ROOT))
    problems = uc.sync_problems(committed, template, "bot/locales/messages.pot")
    assert not problems, _show(problems)
    assert uc.same_messages(committed, template), _show(["locations or comments changed"])


@pytest.mark.parametrize("lang", LANGS)
def test_po_is_in_sync_with_the_pot(lang: str) -> None:
    pot = uc.read_catalog(uc.pot_path(ROOT))
    problems = uc.sync_problems(po(lang), pot, lang)
    assert not problems, _show(problems)
    uc.update(ROOT, uc.pot_path(ROOT), lang, check=True)  # `pybabel update --check`


# Every place that offers a choice of languages takes it from bot.i18n (issue 12, item 9).
_CODE = r"""\s*["'](?:en|es|ru)["']\s*"""
_LANGUAGE_LIST = re.compile(rf"[\[(]{_CODE}(?:,{_CODE})+,?\s*[\])]")  # ("en", "es"), ["es", "ru"]


def test_languages_are_listed_once() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("bot", "estimator", "scripts")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "bot" / "i18n.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _LANGUAGE_LIST.search(line)
    ]
    assert not found, "use bot.i18n.SUPPORTED instead of a list of its own:\n" + "\n".join(found)


def test_command_lines_and_settings_offer_the_supported_languages(
    monkeypatch, tmp_path: Path, capsys
) -> None:
    from bot import cli, estimate_cli
    from bot.settings import SettingsError, load_settings

    missing = str(tmp_path / "missing.json")
    for lang in i18n.SUPPORTED:
        assert cli._parser().parse_args(["chat", "--lang", lang]).lang == lang
        assert estimate_cli.main([missing, "--lang", lang]) == 2  # the file, not the language
        monkeypatch.setenv("DEFAULT_LOCALE", lang)
        assert load_settings().default_locale == lang
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["chat", "--lang", "pt"])
    with pytest.raises(SystemExit):
        estimate_cli.main([missing, "--lang", "pt"])
    assert "invalid choice: 'pt'" in capsys.readouterr().err
    monkeypatch.setenv("DEFAULT_LOCALE", "pt")
    with pytest.raises(SettingsError, match="must be one of en, es, ru"):
        load_settings()


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_is_translated(lang: str) -> None:
    problems = uc.translation_problems(po(lang), lang)
    assert not problems, _show(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_match_the_source(lang: str) -> None:
    problems = uc.placeholder_problems(po(lang), lang)
    assert not problems, _show(problems)


@pytest.mark.parametrize("lang", LANGS)
def test_plural_forms(lang: str) -> None:
    problems = uc.plural_problems(po(lang), lang)
    assert not problems, _show(problems)


def test_russian_has_the_standard_three_plural_forms() -> None:
    catalog = po("ru")
    assert catalog.num_plurals == 3
    rule = gettext.c2py(catalog.plural_expr)
    # 1 сеанс, 2 сеанса, 5 сеансов; 11-14 are "many"; 21 is "one" again.
    expected = {0: 2, 1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 101: 0}
    expected |= {111: 2, 112: 2, 1001: 0, 1002: 1}
    assert {n: rule(n) for n in expected} == expected


@pytest.mark.parametrize("lang", LANGS)
def test_po_compiles(lang: str) -> None:
    problems = uc.compile_problems(uc.po_path(lang, ROOT), lang)
    assert not problems, _show(problems)


@needs_msgfmt
@pytest.mark.parametrize("lang", LANGS)
def test_msgfmt_check_accepts_the_po(lang: str) -> None:
    problems = uc.msgfmt_problems(uc.po_path(lang, ROOT), lang)
    assert not problems, _show(problems)


def test_update_script_check_passes() -> None:
    out = io.StringIO()
    assert uc.run(ROOT, check=True, out=out) == 0, out.getvalue()


def test_compiled_catalogs_are_not_committed() -> None:
    assert "*.mo" in (ROOT / ".gitignore").read_text().split()
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git work tree")
    listed = subprocess.run(
        ["git", "ls-files", "bot/locales"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert not [name for name in listed if name.endswith(".mo")]


# bot/i18n.py with the real catalogs.


@pytest.mark.parametrize(
    ("user", "channel", "expected"),
    [
        ("es", "ru", "es"),
        (None, "es-MX", "es"),
        (None, "ru_RU", "ru"),
        (None, "RU", "ru"),
        (None, "en-GB", "en"),
        (None, "pt-BR", "en"),
        ("pt", "pt-BR", "en"),
        ("de", "ru", "ru"),
        ("", "", "en"),
        (None, None, "en"),
        (" es_US ", None, "es"),
    ],
)
def test_negotiate(user: str | None, channel: str | None, expected: str) -> None:
    assert i18n.negotiate(user, channel) == expected


def test_negotiate_default() -> None:
    assert i18n.negotiate(None, "pt-BR", default="es") == "es"


def test_translator_is_cached_per_language() -> None:
    assert i18n.translator("es") is i18n.translator("es")
    assert i18n.translator("es") is not i18n.translator("ru")
    assert i18n.translator("ru").lang == "ru"
    with pytest.raises(ValueError):
        i18n.translator("pt")


def test_unknown_message_falls_back_to_the_source() -> None:
    for lang in LANGS:
        t = i18n.translator(lang)
        assert t.gettext("No such message, %(name)s", name="Ann") == "No such message, Ann"
        assert t.gettext("100% sure") == "100% sure"  # no parameters: no interpolation
        assert t("plain") == "plain"
        assert t.ngettext("%(n)s visit", "%(n)s visits", 1) == "1 visit"
        assert t.ngettext("%(n)s visit", "%(n)s visits", 21) == "21 visits"
        assert t.pgettext("button", "Yes") == "Yes"
        assert t.npgettext("unit", "%(n)s unit", "%(n)s units", 2) == "2 units"


def test_n_marks_only() -> None:
    message = "Hello, %(name)s!"
    assert i18n.N_(message) is message


@pytest.mark.parametrize(
    ("lang", "money", "percent", "number"),
    [
        ("en", "$1,234.50", "20%", "1,234.5"),
        ("es", "$1,234.50", "20%", "1,234.5"),
        ("ru", "1\u00a0234,50\u00a0$", "20\u00a0%", "1\u00a0234,5"),
    ],
)
def test_formatting(lang: str, money: str, percent: str, number: str) -> None:
    t = i18n.translator(lang)
    assert t.money(Decimal("1234.50")) == money
    assert t.percent(Decimal(20)) == percent
    assert t.number(Decimal("1234.5")) == number


def test_formatting_details() -> None:
    en, ru, es = (i18n.translator(lang) for lang in ("en", "ru", "es"))
    assert en.percent(Decimal("12.5")) == "12.5%"
    assert ru.percent(Decimal("12.5")) == "12,5\u00a0%"
    assert en.money(Decimal(0)) == "$0.00"
    assert en.date(date(2026, 3, 1)) == "Mar 1, 2026"
    assert ru.date(date(2026, 3, 1), "long") == "1 марта 2026\u202fг."
    assert en.join(["a", "b", "c"]) == "a, b, and c"
    assert es.join(["a", "b", "c"]) == "a, b y c"
    assert [t.language_name() for t in (en, es, ru)] == ["English", "Español", "Русский"]


# The workflow, on a small project in a temporary folder.

SAMPLE = """\
from bot.i18n import N_

GREETING = N_("Hello, %(name)s!")


def reply(t, n):
    # TRANSLATORS: the number of massage sessions.
    yield t.ngettext("%(n)s session", "%(n)s sessions", n)
    yield t.pgettext("button", "Yes")
    yield _("Thank you")
"""

ES = {
    "Hello, %(name)s!": "¡Hola, %(name)s!",
    ("%(n)s session", "%(n)s sessions"): ("una sesión", "%(n)s sesiones"),
    ("button", "Yes"): "Sí",
    "Thank you": "Gracias",
}
RU = {
    "Hello, %(name)s!": "Здравствуйте, %(name)s!",
    ("%(n)s session", "%(n)s sessions"): ("%(n)s сеанс", "%(n)s сеанса", "%(n)s сеансов"),
    ("button", "Yes"): "Да",
    "Thank you": "Спасибо",
}


def _write_sample(root: Path, text: str = SAMPLE) -> None:
    (root / "bot").mkdir(exist_ok=True)
    (root / "bot" / "sample.py").write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "estimator").mkdir()
    _write_sample(tmp_path)
    return tmp_path


def _find(catalog: Catalog, k):
    for message in catalog:
        if not message.id:
            continue
        context, msgid, plural = uc.key(message)
        if k in (msgid, (msgid, plural), (context, msgid)):
            return message
    raise KeyError(k)


def translate(root: Path, lang: str, translations: dict, fuzzy: bool = False) -> None:
    path = uc.po_path(lang, root)
    catalog = uc.read_catalog(path, lang)
    for k, text in translations.items():
        message = _find(catalog, k)
        message.string = text
        message.flags.discard("fuzzy")
        if fuzzy:
            message.flags.add("fuzzy")
    path.write_bytes(uc.render(catalog))


def update(root: Path, check: bool = False) -> tuple[int, str]:
    out = io.StringIO()
    status = uc.run(root, check=check, out=out)
    return status, out.getvalue()


def audit(root: Path, lang: str) -> list[str]:
    template = uc.read_catalog(uc.pot_path(root))
    catalog = po(lang, root)
    problems = uc.sync_problems(catalog, template, lang) + uc.audit(catalog, lang)
    return problems + uc.compile_problems(uc.po_path(lang, root), lang)


@pytest.fixture
def translated(project: Path) -> Path:
    update(project)
    translate(project, "es", ES)
    translate(project, "ru", RU)
    return project


def test_update_creates_catalogs_and_lists_what_to_translate(project: Path) -> None:
    status, report = update(project)
    assert status == 0
    template = uc.read_catalog(uc.pot_path(project))
    assert uc.keys(template) == {
        (None, "Hello, %(name)s!", None),
        (None, "%(n)s session", "%(n)s sessions"),
        ("button", "Yes", None),
        (None, "Thank you", None),
    }
    session = _find(template, "%(n)s session")
    assert session.auto_comments == ["the number of massage sessions."]
    assert [loc[0] for loc in session.locations] == ["bot/sample.py"]
    assert "es: 4 messages, 4 to translate" in report
    assert "ru: 4 messages, 4 to translate" in report
    assert "en: 4 messages, 0 to translate" in report
    assert "untranslated [button] 'Yes'" in report
    assert po("ru", project).num_plurals == 3
    assert po("es", project).num_plurals == 2
    assert update(project, check=True)[0] == 1


def test_translated_project_passes(translated: Path) -> None:
    status, report = update(translated, check=True)
    assert status == 0, report
    for lang in LANGS:
        assert audit(translated, lang) == []


def test_update_is_quiet_when_nothing_changed(translated: Path) -> None:
    before = {path: path.read_bytes() for path in translated.rglob("*.po*")}
    time.sleep(0.01)
    update(translated)
    assert {path: path.read_bytes() for path in translated.rglob("*.po*")} == before


def test_new_string_makes_the_pot_stale_and_update_keeps_translations(translated: Path) -> None:
    _write_sample(translated, SAMPLE + '    yield _("See you soon")\n')
    status, report = update(translated, check=True)
    assert status == 1
    assert "bot/locales/messages.pot: out of date with the code" in report
    assert "es: missing 'See you soon'" in report
    update(translated)
    catalog = po("es", translated)
    assert _find(catalog, "Thank you").string == "Gracias"
    assert _find(catalog, "See you soon").string == ""
    assert audit(translated, "es") == ["es: untranslated 'See you soon'"]
    assert audit(translated, "en") == []  # English may leave msgstr empty


def test_removed_string_is_dropped(translated: Path) -> None:
    _write_sample(translated, SAMPLE.replace('    yield _("Thank you")\n', ""))
    assert "es: obsolete 'Thank you'" in update(translated, check=True)[1]
    update(translated)
    assert "Thank you" not in uc.pot_path(translated).read_text(encoding="utf-8")
    assert "Gracias" not in uc.po_path("es", translated).read_text(encoding="utf-8")
    assert audit(translated, "es") == []


def test_changed_string_keeps_its_translation_as_fuzzy(translated: Path) -> None:
    _write_sample(translated, SAMPLE.replace("Thank you", "Thank you!"))
    update(translated)
    message = _find(po("es", translated), "Thank you!")
    assert message.fuzzy and message.string == "Gracias"
    assert audit(translated, "es") == ["es: fuzzy (review, then remove the flag) 'Thank you!'"]


def test_fuzzy_translation_fails(translated: Path) -> None:
    translate(translated, "ru", {"Thank you": "Спасибо"}, fuzzy=True)
    assert audit(translated, "ru") == ["ru: fuzzy (review, then remove the flag) 'Thank you'"]


def test_missing_translation_fails(translated: Path) -> None:
    translate(translated, "es", {("button", "Yes"): ""})
    assert audit(translated, "es") == ["es: untranslated [button] 'Yes'"]


def test_missing_plural_form_fails(translated: Path) -> None:
    translate(translated, "ru", {"%(n)s session": ("%(n)s сеанс", "%(n)s сеанса", "")})
    assert audit(translated, "ru") == ["ru: untranslated '%(n)s session' / '%(n)s sessions'"]


def test_placeholder_mismatch_fails(translated: Path) -> None:
    translate(translated, "es", {"Hello, %(name)s!": "¡Hola, %(nombre)s!"})
    (problem,) = audit(translated, "es")
    assert "placeholders ['nombre'] differ from the source's ['name']" in problem


def test_placeholder_in_each_plural_form(translated: Path) -> None:
    # Spanish form 0 is for n == 1 only: it may say "una sesión" without %(n)s. Russian form 0
    # is also for 21, 31, ...: it must have %(n)s.
    assert audit(translated, "es") == []
    translate(translated, "ru", {"%(n)s session": ("один сеанс", "%(n)s сеанса", "%(n)s сеансов")})
    (problem,) = audit(translated, "ru")
    assert "plural form 0 has placeholders []" in problem
    translate(translated, "es", {"%(n)s session": ("una sesión", "%(count)s sesiones")})
    (problem,) = audit(translated, "es")
    assert "plural form 1 has placeholders ['count']" in problem


def test_positional_placeholder_in_the_source_fails(project: Path) -> None:
    _write_sample(project, 'x = _("%s sessions")\n')
    update(project)
    assert any("not a positional %s" in p for p in audit(project, "en"))


def test_new_language_gets_its_plural_forms(project: Path) -> None:
    update(project)
    for lang in LANGS:
        assert po(lang, project).plural_forms == i18n.LANGUAGES[lang].plural_forms
    assert len(_find(po("es", project), "%(n)s session").string) == 2  # not CLDR's three


def test_wrong_plural_forms_header_fails(translated: Path) -> None:
    path = uc.po_path("ru", translated)
    text = path.read_text(encoding="utf-8")
    start = text.index('"Plural-Forms:')
    end = text.index('"MIME-Version', start)
    text = text[:start] + '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n' + text[end:]
    path.write_text(text, encoding="utf-8")
    problems = audit(translated, "ru")
    assert any("Plural-Forms is 'nplurals=2; plural=(n != 1);', want" in p for p in problems)
    assert update(translated, check=True)[0] == 1
    if not uc.msgfmt_missing():  # Babel's reader drops the third form; msgfmt names it
        assert any("plural" in p for p in uc.msgfmt_problems(path, "ru"))


@needs_msgfmt
def test_broken_po_fails(translated: Path) -> None:
    path = uc.po_path("es", translated)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "Gracias"', 'msgstr Gracias"'), encoding="utf-8")
    problems = uc.msgfmt_problems(path, "es")
    assert any('keyword "Gracias" unknown' in p for p in problems), problems
    assert update(translated, check=True)[0] == 1


@needs_msgfmt
def test_message_twice_fails(translated: Path) -> None:
    path = uc.po_path("es", translated)
    text = path.read_text(encoding="utf-8") + '\nmsgid "Thank you"\nmsgstr "Gracias otra vez"\n'
    path.write_text(text, encoding="utf-8")
    problems = uc.msgfmt_problems(path, "es")
    assert any("duplicate message definition" in p for p in problems), problems
    assert update(translated, check=True)[0] == 1
    context = 'msgctxt "other"\nmsgid "Thank you"\nmsgstr "Gracias"\n'
    path.write_text(text.replace('\nmsgid "Thank you"\nmsgstr "Gracias otra vez"\n', context))
    assert uc.msgfmt_problems(path, "es") == []  # another context: another message


# bot/i18n.py on the temporary project's catalogs.


def test_translations_at_run_time(translated: Path) -> None:
    locales = translated / "bot" / "locales"
    written = i18n.ensure_compiled(locales_dir=locales)
    assert sorted(p.parent.parent.name for p in written) == ["en", "es", "ru"]
    es = i18n.load_translator("es", locales)
    ru = i18n.load_translator("ru", locales)
    assert es.gettext("Hello, %(name)s!", name="Ana") == "¡Hola, Ana!"
    assert es.ngettext("%(n)s session", "%(n)s sessions", 1) == "una sesión"
    assert es.ngettext("%(n)s session", "%(n)s sessions", 3) == "3 sesiones"
    assert es.pgettext("button", "Yes") == "Sí"
    assert es("Thank you") == "Gracias"
    sessions = [ru.ngettext("%(n)s session", "%(n)s sessions", n) for n in (1, 3, 5, 21, 111)]
    assert sessions == ["1 сеанс", "3 сеанса", "5 сеансов", "21 сеанс", "111 сеансов"]
    assert ru.gettext("Not in the catalog") == "Not in the catalog"


def test_untranslated_and_fuzzy_fall_back_to_english(translated: Path) -> None:
    locales = translated / "bot" / "locales"
    translate(translated, "es", {"Thank you": "Gracias"}, fuzzy=True)
    translate(translated, "ru", {"%(n)s session": ("%(n)s сеанс", "", "")})
    translate(translated, "en", {"Thank you": "Thanks!"})  # an English copy edit
    es = i18n.load_translator("es", locales)
    ru = i18n.load_translator("ru", locales)
    assert es("Thank you") == "Thanks!"
    # An incomplete plural falls back whole, with English's plural rule (21 is plural there).
    assert ru.ngettext("%(n)s session", "%(n)s sessions", 21) == "21 sessions"
    assert ru.ngettext("%(n)s session", "%(n)s sessions", 1) == "1 session"


def test_mo_is_recompiled_when_the_po_is_newer(translated: Path) -> None:
    locales = translated / "bot" / "locales"
    i18n.ensure_compiled(locales_dir=locales)
    assert i18n.ensure_compiled(locales_dir=locales) == []  # up to date: nothing written
    translate(translated, "es", {"Thank you": "Muchas gracias"})
    po_path = uc.po_path("es", translated)
    later = po_path.with_suffix(".mo").stat().st_mtime + 10
    os.utime(po_path, (later, later))
    assert i18n.ensure_compiled(locales_dir=locales) == [po_path.with_suffix(".mo")]
    assert i18n.load_translator("es", locales)("Thank you") == "Muchas gracias"


def test_read_only_locales_compile_in_memory(translated: Path, monkeypatch) -> None:
    locales = translated / "bot" / "locales"

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(i18n.tempfile, "mkstemp", refuse)
    es = i18n.load_translator("es", locales)
    assert es("Thank you") == "Gracias"
    assert not uc.po_path("es", translated).with_suffix(".mo").exists()


def test_bad_translation_placeholders_do_not_break_a_reply(translated: Path) -> None:
    # The catalog tests stop this from being committed; at run time the source is used.
    translate(translated, "es", {"Hello, %(name)s!": "¡Hola, %(nombre)s!"})
    es = i18n.load_translator("es", translated / "bot" / "locales")
    assert es.gettext("Hello, %(name)s!", name="Ana") == "Hello, Ana!"


def test_missing_catalog_falls_back_to_the_source(tmp_path: Path) -> None:
    ru = i18n.load_translator("ru", tmp_path / "locales")
    assert ru.ngettext("%(n)s session", "%(n)s sessions", 5) == "5 sessions"
    assert ru.money(Decimal(5)) == "5,00\u00a0$"
