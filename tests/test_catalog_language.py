"""No untranslated English in the Spanish and Russian catalogs (scripts/catalog_language.py).

The first test reads the committed catalogs: it lists every es and ru translation that still
has English words in it that are not names, codes or accepted loanwords. The fix is to
translate them (docs/translating.md); a name that Russian text really keeps in Latin goes into
`RU_ALLOWED` with the reason. The rest shows, on single strings, what the checker counts as
English and what it leaves alone.
"""

from __future__ import annotations

import importlib.util
import io
import shutil
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cl = _load("catalog_language")
uc = _load("update_catalogs")


# The committed catalogs.


@pytest.mark.parametrize("lang", ["es", "ru"])
def test_no_english_left_in_the_translations(lang: str) -> None:
    catalog = uc.read_catalog(uc.po_path(lang, ROOT), lang)
    problems = uc.language_problems(catalog, lang)
    assert not problems, "\n".join(
        [*problems, f"{len(problems)} {lang} translations to finish (docs/translating.md)"]
    )


def test_update_script_reports_english_left(tmp_path: Path) -> None:
    """`update_catalogs.py --check` fails on English left in a translation, naming it."""
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    (tmp_path / "bot").mkdir()
    (tmp_path / "estimator").mkdir()
    (tmp_path / "bot" / "sample.py").write_text(
        'a = _("Health plan (job or marketplace)")\nb = _("Thank you")\n', encoding="utf-8"
    )
    uc.run(tmp_path, out=io.StringIO())
    for lang, texts in {
        "es": ("Seguro médico (trabajo o Mercado de Seguros)", "Gracias"),
        "ru": ("Медстраховка (работа, Marketplace)", "Спасибо"),
    }.items():
        path = uc.po_path(lang, tmp_path)
        catalog = uc.read_catalog(path, lang)
        catalog["Health plan (job or marketplace)"].string = texts[0]
        catalog["Thank you"].string = texts[1]
        path.write_bytes(uc.render(catalog))
    out = io.StringIO()
    assert uc.run(tmp_path, check=True, out=out) == 1
    report = out.getvalue()
    assert "ru: English left (Marketplace) in 'Health plan (job or marketplace)'" in report
    assert "es: English left" not in report


# What counts as English.


@pytest.mark.parametrize(
    ("text", "english"),
    [
        # The examples of the issue.
        ("Медстраховка (работа, Marketplace)", ["Marketplace"]),
        ("Травма на работе (workers' comp)", ["workers", "comp"]),
        ("ваша страховая по workers' compensation", ["workers", "compensation"]),
        ("какую цену (allowed amount) план признаёт за массаж, CPT 97124", ["allowed", "amount"]),
        # Glosses without the mark, program names half translated, English word order.
        ("Франшиза (deductible) — это сумма", ["deductible"]),
        ("Original Medicare не оплачивает массаж", ["Original"]),
        ("франшизу Medicare Part B", ["Part"]),
        ("«В сети» (in-network) значит", ["in-network"]),
        ("Спросите бота в Telegramm", ["Telegramm"]),
    ],
)
def test_russian_latin_words_are_english(text: str, english: list[str]) -> None:
    assert cl.english_words(text, "ru") == english


@pytest.mark.parametrize(
    "text",
    [
        # Names and acronyms of RU_ALLOWED.
        "Рекомендуем оплатить через Medicare, Medicaid или план Medicare Advantage.",
        "Со счёта HSA, FSA или HRA; PIP или MedPay; планы HMO, PPO, EPO, POS и HDHP.",
        "Код ICD-10 (МКБ-10), код ICD-10-CM, CPT 97124, модификатор KX, RCW 48.43.045.",
        "Спросите бота в Telegram; QR-код ссылки; текст в кодировке UTF-8.",
        # Codes, numbers, money, placeholders, state codes, ICD-10 7th characters.
        "Например M54.50, S13.4XXA или M62.830; 12 сеансов за 6 недель.",
        "Например, 30 $ или 10\u00a0600 $, $1,234.50 и 7,65 %.",
        "%(code)s — это не код; %(n)s сеансов, %(amount)s из %(total)s; 100 %%.",
        "Введите двухбуквенный код штата, например NY или TX.",
        "A — первичное лечение травмы, D — последующие визиты, S — последствия.",
        # Staff syntax and Telegram commands.
        "Отправьте /start, /estimate или /restart; /whatif deductible_met=1000.",
        "Пары key=value: /scenario payer=commercial network=out; null означает «неизвестно».",
        "Ссылка https://t.me/massage_cost_bot?start=demo-clinic и t.me/bot.",
        # The one marked gloss of an explanation.
        "Франшиза — сумма, которую вы платите сами (англ. deductible).",
    ],
)
def test_russian_names_codes_and_syntax_are_not_english(text: str) -> None:
    assert cl.english_words(text, "ru") == []


@pytest.mark.parametrize(
    ("text", "english"),
    [
        ("Su deductible anual", ["deductible"]),
        ("El copay por visita (out-of-pocket maximum)", ["copay", "out-of-pocket", "maximum"]),
        ("Seguro médico (trabajo o marketplace)", ["marketplace"]),
        ("Pídale el Good Faith Estimate a la clínica", ["Good", "Faith", "Estimate"]),
        ("planes fully insured o self-funded", ["fully", "insured", "self-funded"]),
        ("Original Medicare no paga a los masajistas", ["Original Medicare"]),
        ("the plan's allowed amount", ["the", "plan's", "allowed", "amount"]),
    ],
)
def test_spanish_english_words(text: str, english: list[str]) -> None:
    assert cl.english_words(text, "es") == english


@pytest.mark.parametrize(
    "text",
    [
        # Spanish words that are also English ones, loanwords, names and codes.
        "Su plan no paga el total; a veces el copago es general o final.",
        "El seguro de auto (PIP o MedPay) paga los gastos; el personal de la clínica.",
        "Medicare Original, Medicaid y los planes Medicare Advantage; el bot en Telegram.",
        "Código ICD-10 como M54.50; CPT 97124; $1,234.50; %(amount)s; envíe /start.",
        "Una cuenta de gastos flexible (FSA) y el balance de su cuenta HSA.",
        "Aparece en la columna “fuera de la red” (en inglés: out-of-network).",
    ],
)
def test_spanish_text_is_not_english(text: str) -> None:
    assert cl.english_words(text, "es") == []


def test_a_gloss_is_marked_single_and_only_in_an_explanation() -> None:
    marked = "Франшиза — сумма, которую вы платите сами (англ. deductible)."
    assert cl.english_words(marked, "ru", sentence=True) == []
    # A label or a button is translated through, even with the mark.
    assert cl.english_words("Годовая франшиза (англ. deductible)", "ru", sentence=False) == [
        "(англ. deductible)"
    ]
    # One gloss a message: more is a glossary in disguise.
    two = "Франшиза (англ. deductible) и доплата (англ. copay)."
    assert cl.english_words(two, "ru") == ["(англ. deductible)", "(англ. copay)"]
    # Unmarked, the words are English.
    assert cl.english_words("Франшиза — сумма (deductible).", "ru") == ["deductible"]
    assert cl.english_words("El deducible (en inglés: deductible).", "es") == []
    assert cl.english_words("El deducible (deductible).", "es") == ["deductible"]


def test_offenders_reads_every_plural_form_and_only_es_and_ru() -> None:
    catalog = Catalog(locale="ru")
    catalog.add(("%(n)s visit", "%(n)s visits"), ("%(n)s визит", "%(n)s визита", "%(n)s visits"))
    catalog.add("Copay", "Доплата")
    [(message, found)] = cl.offenders(catalog, "ru")
    assert message.id == ("%(n)s visit", "%(n)s visits") and found == ["visits"]
    english = Catalog(locale="en")
    english.add("Copay", "Copay")
    assert cl.offenders(english, "en") == []


def test_the_allow_lists_are_short_and_explained() -> None:
    assert len(cl.RU_ALLOWED) <= 30
    for name, reason in {**cl.RU_ALLOWED, **cl.ES_ALLOWED}.items():
        assert len(reason) > 10, name
    # An allowed name is never an English word the Spanish list looks for.
    assert not {name.lower() for name in cl.RU_ALLOWED} & cl.ENGLISH_WORDS
    # Words that are Spanish too must not be in the English list.
    spanish_too = {"plan", "auto", "personal", "original", "flexible", "balance", "total", "no",
                   "a", "doctor", "general", "final", "me", "he", "has", "red", "diagnosis"}
    assert not spanish_too & cl.ENGLISH_WORDS
