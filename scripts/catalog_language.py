"""Untranslated English left in the Spanish and Russian catalogs.

`language_problems(catalog, lang)` reads every msgstr of an es or ru catalog and reports the
English words in it that are not proper names, codes or accepted loanwords, such as Russian
"Медстраховка (работа, Marketplace)" or Spanish "su deductible". It runs in
`python scripts/update_catalogs.py --check` and in tests/test_catalog_language.py.

How a translation is read:

1. What is not prose is removed first: `%(name)s` placeholders, URLs and t.me links, Telegram
   commands (/start), staff syntax (key=value, snake_case field names, JSON values in straight
   quotes such as "none", backslash escapes such as \\uXXXX), ICD-10 codes (M54.50,
   S13.4XXA), CPT codes and other numbers (97124, 48.43.045), money ($30, 10 600 $), and the
   one marked gloss a message may carry (see GLOSS below).
2. The rest is split into words (letters, with inner apostrophes and hyphens: "workers'",
   "out-of-pocket", "ICD-10").
3. Russian: every word in Latin script is suspect, unless it is in RU_ALLOWED (a short list of
   names and acronyms that Russian-language US material keeps in Latin) or is a US state's
   postal code (NY, TX: what the patient types) or a single capital letter (an ICD-10 7th
   character, "A", "D", "S"; Medicare "Part B" is written "часть B").
   Spanish: a word is suspect when it is in ENGLISH_WORDS, a list of common English words and
   US insurance terms that are not also Spanish words ("plan", "total", "no", "a" are Spanish
   and are not in it), unless it is part of a name in ES_ALLOWED.

GLOSS: a patient in the US reads English paperwork (the insurance card, the Explanation of
Benefits) and may call an English-speaking member line, so an explanation may name the English
term once, marked as English: "(англ. deductible)" in Russian, "(en inglés: deductible)" in
Spanish. Only a message whose source is a sentence (it ends with . ? or !) may carry one, only
one, and only in that marked form: buttons, labels and headlines are translated through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from babel.messages.catalog import Catalog, Message

# Russian: Latin-script names and acronyms a Russian-speaking patient in the US meets as such
# (they are on the card, the forms and the agencies' own Russian-language pages). Each entry
# is a name, not an English word; keep this list short.
RU_ALLOWED: dict[str, str] = {
    "Medicare": "the federal program's name; CMS's Russian-language material keeps it in Latin",
    "Medicaid": "the state programs' name; kept in Latin like Medicare",
    "Medicare Advantage": "the private Medicare plans (часть C); kept in Latin like Medicare",
    "HSA": "health savings account: the account's name on the card and the tax forms",
    "FSA": "flexible spending account: as HSA",
    "HRA": "health reimbursement arrangement: as HSA",
    "PIP": "personal injury protection, the auto policy's coverage as the policy names it",
    "MedPay": "medical payments coverage, the auto policy's coverage as the policy names it",
    "HMO": "plan type, printed on the insurance card",
    "PPO": "plan type, printed on the insurance card",
    "EPO": "plan type, printed on the insurance card",
    "POS": "plan type, printed on the insurance card",
    "HDHP": "high-deductible health plan, the IRS's name for an HSA-eligible plan",
    "ICD-10": "the diagnosis code system printed on the prescription (МКБ-10 is named beside it)",
    "ICD-10-CM": "the US clinical modification of ICD-10, which insurers require",
    "CPT": "the procedure code system (CPT 97124) the clinic bills with",
    "KX": "the Medicare claim modifier the therapist adds; a code, not a word",
    "NPI": "the clinic's National Provider Identifier, a number's name",
    "TIN": "the clinic's taxpayer identification number, as NPI (on the Good Faith Estimate)",
    "PDF": "the file format's name, on the buttons that send a document",
    "IRS": "the US tax agency, cited by name beside its release number (IR-2024-65)",
    "IR-2024-65": "the IRS news release on letters of medical necessity, cited by its number",
    "RCW": "Revised Code of Washington, in a statute citation (RCW 48.43.045)",
    "Telegram": "the messenger's name",
    "QR": "QR-код: the code's name in Russian too",
    "UTF-8": "a text encoding's name (staff messages)",
    "JSON": "the scenario file's format (massage-estimate's messages)",
    "null": "JSON's literal for unknown, typed by staff in /scenario and scenario files",
    "true": "JSON's literal, named where a scenario file needs a yes/no value",
    "false": "JSON's literal, as true",
}

# Spanish: names that contain a word of ENGLISH_WORDS (the rest of a Spanish text is Spanish
# words, names like Medicare and acronyms like HSA are not in ENGLISH_WORDS anyway).
ES_ALLOWED: dict[str, str] = {
    "Medicare Advantage": "the plan name (Medicare Parte C); CMS's Spanish pages keep it",
}
# English word order for a name that Spanish writes its own way ("Original" is a Spanish word
# too, so the list of words cannot see it): CMS's Spanish pages say "Medicare Original".
ES_ENGLISH_PHRASES: tuple[str, ...] = ("Original Medicare",)

# Common English words and US insurance terms that are not Spanish words. Words spelled the
# same in both languages ("plan", "auto", "personal", "original", "flexible", "balance",
# "diagnosis", "doctor", "total", "general", "no", "a", "me", "he", "has", "red") must not be here.
ENGLISH_WORDS: frozenset[str] = frozenset(
    """
    the and of your you our my to for with from by at on in into out is are was were be been
    this that these those it its if then than or not only also what which who when where how
    why do does did don't can't cannot will would should could may might must have had
    about after before more most less each every any some all other own per up off over
    here there yes please thank thanks sorry we they he's she's i'm it's let's
    plan's insurer insurance insured insurer's health care medical massage therapist therapy
    therapists physical chiropractor doctor's prescription referral code codes
    network in-network out-of-network allowed amount claim claims adjuster deductible deductibles
    copay copays copayment coinsurance out-of-pocket pocket maximum limit limits visit visits
    session sessions unit units billed bill billing price cash self-pay self-funded
    fully pay pays paid payment payer payroll tax account savings spending reimbursement
    arrangement letter necessity explanation benefits benefit summary estimate good
    faith workers worker compensation comp injury protection car accident
    pre-authorization preauthorization authorization approval approved primary
    specialist provider providers directory marketplace exchange employer job union
    part participating enrolled limiting charge threshold modifier
    start restart help cancel forget privacy language scenario whatif key value
    week weeks month months year years yearly day days minutes
    """.split()
)

_PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[a-zA-Z]|%%")
_NOT_PROSE = [
    re.compile(r"https?://\S+|\bt\.me/\S+"),  # URLs
    re.compile(r"(?<![\w/])/[a-z_]+\b"),  # Telegram commands
    re.compile(r"\bmassage-(?:estimate|bot|cost-bot)(?: [a-z-]+)?"),  # the project's names
    re.compile(r"\S*=\S*"),  # key=value
    re.compile(r"\"[a-z][a-z0-9_]*\"|'[a-z][a-z0-9_]*'"),  # JSON values in straight quotes
    re.compile(r"\\\w+"),  # backslash escapes (\uXXXX)
    re.compile(r"\b\w*_\w*\b"),  # snake_case field names
    re.compile(r"\b[A-TV-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?\b"),  # ICD-10-CM codes
    re.compile(r"[$€]\s?\d[\d,.\u00a0\u202f ]*|\d[\d,.\u00a0\u202f ]*\s?\$"),  # money
    re.compile(r"\b\d+(?:\([a-z0-9]+\))+"),  # a statute's subsection: 213(d)
    re.compile(r"(?<![\w-])\d+(?:[.,]\d+)*(?![\w-])"),  # numbers, CPT codes, citations
]
# The marked gloss: "(англ. deductible)", "(en inglés: deductible)" / "(en inglés, ...)".
GLOSS = {
    "ru": re.compile(r"\(англ\.\s[^()]+\)"),
    "es": re.compile(r"\(en inglés[:,]?\s[^()]+\)"),
}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W_]+)*['’]?")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def _us_states() -> frozenset[str]:
    try:
        from estimator.scenario import US_STATES
    except ImportError:  # run from a checkout that is not installed
        import sys
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from estimator.scenario import US_STATES
    return US_STATES


def strip_non_prose(text: str) -> str:
    """`text` without placeholders, URLs, commands, staff syntax, codes, money and numbers."""
    text = _PLACEHOLDER.sub(" ", text)
    for pattern in _NOT_PROSE:
        text = pattern.sub(" ", text)
    return text


def words(text: str) -> list[str]:
    """The words of `text` as written (inner apostrophes and hyphens kept, a trailing
    apostrophe dropped: "workers'" → "workers")."""
    return [w.rstrip("'’") for w in _WORD.findall(text)]


def _latin_parts(found: list[str]) -> list[str]:
    """The Latin-script words; a word joined to a Russian one ("QR-код") is taken apart."""
    out = []
    for word in found:
        if _CYRILLIC.search(word):
            out += [part for part in word.split("-") if _LATIN.search(part)]
        elif _LATIN.search(word):
            out.append(word)
    return out


def english_words(text: str, lang: str, sentence: bool = True) -> list[str]:
    """The untranslated English words of one translated string, in order, each once.

    `sentence`: the source is a sentence, so one marked gloss may stand (see GLOSS)."""
    glosses = GLOSS[lang].findall(text)
    found: list[str] = []
    if len(glosses) > 1 or (glosses and not sentence):
        found += [g for g in glosses]  # reported whole: a gloss too many
    text = GLOSS[lang].sub(" ", text)
    text = strip_non_prose(text)
    if lang == "ru":
        for name in RU_ALLOWED:
            if " " in name:
                text = text.replace(name, " ")
        states = _us_states()
        suspects = [
            w for w in _latin_parts(words(text))
            if w not in RU_ALLOWED and w not in states
            and not (len(w) == 1 and w.isupper())
        ]
    else:
        suspects = [phrase for phrase in ES_ENGLISH_PHRASES if phrase in text]
        for name in (*ES_ALLOWED, *ES_ENGLISH_PHRASES):
            text = text.replace(name, " ")
        suspects += [w for w in words(text) if w.lower() in ENGLISH_WORDS]
    for word in suspects:
        if word not in found:
            found.append(word)
    return found


def _strings(message: Message) -> Iterable[str]:
    if isinstance(message.string, (tuple, list)):
        return [s for s in message.string if s]
    return [message.string] if message.string else []


def _is_sentence(message: Message) -> bool:
    source = message.id[-1] if isinstance(message.id, (tuple, list)) else message.id
    return source.rstrip().endswith((".", "?", "!"))


def offenders(catalog: Catalog, lang: str) -> list[tuple[Message, list[str]]]:
    """(message, its English words) for every message of an es or ru catalog with some."""
    if lang not in GLOSS:
        return []
    out = []
    for message in catalog:
        if not message.id:
            continue
        found: list[str] = []
        for text in _strings(message):
            for word in english_words(text, lang, _is_sentence(message)):
                if word not in found:
                    found.append(word)
        if found:
            out.append((message, found))
    return out


def language_problems(catalog: Catalog, lang: str, describe=repr) -> list[str]:
    """One line per translation with English left in it (`describe` names the message)."""
    return [
        f"{lang}: English left ({', '.join(found)}) in {describe(message)}"
        for message, found in offenders(catalog, lang)
    ]
