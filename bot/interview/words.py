"""What patients type instead of pressing a button, per language, as data.

A reply means one of these only when it is the whole reply (folded: case, accents, apostrophes
and punctuation ignored): "no sé" is "I don't know", but "no, it is 1200" is not "no". The
interview (`engine.step`) reads them in the patient's language first, then in the others, since
people mix languages ("ok, idk").

    ACTIONS    "I don't know", back, restart: the same on every question
    YES_NO     answers to yes/no questions (and to "Is that right?")
    SYNONYMS   short names of options, by (question id, option value), besides the option's
               translated label, its English label and its value, which always match

A new language adds its lists to each table (tests/test_interview_words.py checks they exist).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from bot.i18n import SUPPORTED

# Words that stand for an action, per language: action -> replies.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "unknown": ("i don't know", "i do not know", "don't know", "dont know", "idk", "dunno",
                    "not sure", "i'm not sure", "im not sure", "i am not sure", "unsure",
                    "no idea", "i have no idea", "no clue", "i don't remember", "don't remember",
                    "not known", "unknown", "i dont know"),
        "back": ("back", "go back", "previous", "previous question", "undo"),
        "restart": ("restart", "start over", "start again", "begin again", "reset", "from scratch"),
        "narrow": ("narrow it down", "narrow down", "narrow", "more questions", "add details"),
        "stop": ("show my estimate", "show my estimate now", "show the estimate", "stop",
                 "enough"),
    },
    "es": {
        "unknown": ("no sé", "no lo sé", "yo no sé", "nose", "no estoy seguro", "no estoy segura",
                    "no estoy seguro/a", "ni idea", "no tengo idea", "no tengo ni idea",
                    "no me acuerdo", "no recuerdo", "desconozco", "no lo tengo claro",
                    "quién sabe", "ns"),
        "back": ("atrás", "volver", "regresar", "volver atrás", "anterior", "ir atrás"),
        "restart": ("empezar de nuevo", "reiniciar", "volver a empezar", "comenzar de nuevo",
                    "empezar otra vez", "desde el principio"),
        "narrow": ("precisar", "precisarla", "afinar", "más preguntas", "añadir detalles"),
        "stop": ("mostrar mi estimación", "ver mi estimación", "ver la estimación", "basta",
                 "parar"),
    },
    "ru": {
        "unknown": ("не знаю", "я не знаю", "без понятия", "понятия не имею", "не уверен",
                    "не уверена", "не уверен(а)", "я не уверен", "я не уверена", "хз",
                    "не помню", "не знаю точно", "точно не знаю", "неизвестно", "фиг знает"),
        "back": ("назад", "вернуться", "вернуться назад", "предыдущий вопрос", "обратно"),
        "restart": ("заново", "сначала", "начать заново", "начать сначала", "с начала",
                    "сброс", "перезапуск"),
        "narrow": ("уточнить", "уточнить оценку", "больше вопросов", "добавить подробности"),
        "stop": ("показать оценку", "покажи оценку", "хватит", "стоп"),
    },
}

YES_NO: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "yes": ("yes", "y", "yeah", "yep", "yup", "sure", "of course", "correct", "right",
                "that's right", "ok", "okay"),
        "no": ("no", "n", "nope", "nah", "not really", "wrong", "incorrect"),
    },
    "es": {
        "yes": ("sí", "si", "claro", "por supuesto", "correcto", "así es", "vale", "sip", "exacto"),
        "no": ("no", "nop", "para nada", "incorrecto", "no es así"),
    },
    "ru": {
        "yes": ("да", "ага", "угу", "конечно", "верно", "правильно", "так и есть", "ок",
                "да, верно"),
        "no": ("нет", "неа", "не", "нету", "неверно", "неправильно", "не так"),
    },
}

# Skipping a question when it is offered (after three replies that could not be used).
SKIP: dict[str, tuple[str, ...]] = {
    "en": ("skip", "skip it", "skip this question", "pass"),
    "es": ("omitir", "saltar", "siguiente", "pasar", "omitir esta pregunta", "saltar pregunta"),
    "ru": ("пропустить", "пропусти", "пропуск", "дальше", "следующий"),
}

# Short or everyday names of options: (question id, option value) -> replies, per language.
SYNONYMS: dict[str, dict[tuple[str, str], tuple[str, ...]]] = {
    "en": {
        ("purpose", "medical"): ("medical", "medical condition", "pain", "injury", "treatment",
                                 "therapy", "prescribed", "doctor"),
        ("purpose", "relaxation"): ("relax", "relaxing", "stress", "wellness", "spa"),
        ("payer", "commercial"): ("health plan", "health insurance", "insurance", "job",
                                  "employer", "work insurance", "marketplace", "obamacare", "aca",
                                  "commercial", "private"),
        ("payer", "medicare_advantage"): ("medicare advantage", "advantage", "part c", "ma"),
        ("payer", "workers_comp"): ("workers comp", "workers compensation", "work comp",
                                    "hurt at work", "work injury", "comp"),
        ("payer", "auto"): ("auto", "car", "car insurance", "car accident", "pip", "medpay"),
        ("payer", "self_pay"): ("no insurance", "none", "uninsured", "self pay", "cash",
                                "myself", "i pay", "out of pocket"),
        ("network", "in"): ("in network", "innetwork", "in", "inside", "yes"),
        ("network", "out"): ("out of network", "outofnetwork", "out", "oon", "outside", "no"),
        ("plan_type", "hdhp"): ("high deductible", "hsa plan"),
        ("provider", "massage_therapist"): ("massage therapist", "lmt", "masseuse", "masseur"),
        ("provider", "physical_therapist"): ("physical therapist", "pt", "physio",
                                             "physiotherapist"),
        ("provider", "chiropractor"): ("chiro", "chiropractor", "dc"),
        ("preauth", "obtained"): ("approved", "yes approved", "have it"),
        ("preauth", "required"): ("required", "needed", "not approved"),
        ("preauth", "not_required"): ("not required", "not needed", "no need"),
        ("cost_share", "copay"): ("copay", "co pay", "copayment", "fixed"),
        ("cost_share", "coinsurance"): ("coinsurance", "co insurance", "percentage", "percent"),
        ("cost_share", "nothing"): ("none", "zero", "free"),
        ("deductible", "0"): ("none", "no deductible", "zero"),
        ("deductible", "met"): ("met", "already met", "paid", "all paid", "fully met"),
        ("deductible_met", "all"): ("all", "all of it", "met", "fully met", "everything"),
        ("deductible_met", "0"): ("none", "nothing", "zero"),
        ("oop_max", "none"): ("none", "no maximum", "no max", "no limit"),
        ("oop_met", "0"): ("none", "nothing", "zero"),
        ("oon_deductible", "0"): ("none", "no deductible", "zero"),
        ("oon_deductible_met", "all"): ("all", "all of it", "met", "everything"),
        ("oon_deductible_met", "0"): ("none", "nothing", "zero"),
        ("visit_limit", "none"): ("none", "no limit", "unlimited", "no"),
        ("visits_used", "0"): ("none", "zero", "no"),
        ("cash", "none"): ("none", "no", "no cash price", "no discount"),
        ("account", "none"): ("none", "no", "neither"),
    },
    "es": {
        ("purpose", "medical"): ("médico", "medico", "salud", "dolor", "lesión", "tratamiento",
                                 "terapia", "receta"),
        ("purpose", "relaxation"): ("relajarme", "relax", "estrés", "bienestar", "spa"),
        ("payer", "commercial"): ("plan de salud", "seguro médico", "seguro medico", "seguro",
                                  "trabajo", "mercado", "obamacare"),
        ("payer", "workers_comp"): ("compensación laboral", "compensacion", "lesión laboral",
                                    "accidente de trabajo"),
        ("payer", "auto"): ("auto", "carro", "coche", "seguro de carro", "accidente de auto",
                            "accidente de carro", "pip"),
        ("payer", "self_pay"): ("sin seguro", "ninguno", "pago yo", "yo pago", "efectivo",
                                "de mi bolsillo"),
        ("network", "in"): ("en la red", "dentro", "dentro de la red", "en red", "sí"),
        ("network", "out"): ("fuera", "fuera de la red", "no"),
        ("plan_type", "hdhp"): ("deducible alto",),
        ("provider", "massage_therapist"): ("masajista", "masoterapeuta"),
        ("provider", "physical_therapist"): ("fisioterapeuta", "fisio", "terapeuta físico"),
        ("provider", "chiropractor"): ("quiropráctico", "quiropractico", "quiro"),
        ("preauth", "obtained"): ("aprobada", "sí aprobada", "la tengo"),
        ("preauth", "required"): ("se exige", "hace falta", "no aprobada"),
        ("preauth", "not_required"): ("no se exige", "no hace falta", "no necesita"),
        ("cost_share", "copay"): ("copago", "cantidad fija"),
        ("cost_share", "coinsurance"): ("coseguro", "porcentaje"),
        ("deductible", "0"): ("ninguno", "no tengo", "cero"),
        ("deductible", "met"): ("cumplido", "ya lo cumplí", "ya cumplido", "pagado"),
        ("deductible_met", "all"): ("todo", "todo el deducible", "ya lo cumplí"),
        ("deductible_met", "0"): ("nada", "cero"),
        ("oop_max", "none"): ("ninguno", "no tiene", "sin máximo", "no hay"),
        ("oop_met", "0"): ("nada", "cero"),
        ("oon_deductible", "0"): ("ninguno", "cero"),
        ("oon_deductible_met", "all"): ("todo",),
        ("oon_deductible_met", "0"): ("nada", "cero"),
        ("visit_limit", "none"): ("ninguno", "sin límite", "ilimitado", "ilimitadas", "no"),
        ("visits_used", "0"): ("ninguna", "ninguno", "cero", "no"),
        ("cash", "none"): ("no", "no tiene", "ninguno"),
        ("account", "none"): ("ninguna", "ninguno", "no"),
    },
    "ru": {
        ("purpose", "medical"): ("лечение", "для лечения", "медицинский", "медицинская", "боль",
                                 "травма", "по назначению", "по рецепту"),
        ("purpose", "relaxation"): ("расслабление", "для расслабления", "релакс", "отдых",
                                    "стресс", "спа"),
        ("payer", "commercial"): ("медстраховка", "страховка", "медицинская страховка",
                                  "от работы", "работа", "страховка от работы", "marketplace"),
        ("payer", "workers_comp"): ("травма на работе", "производственная травма",
                                    "workers comp"),
        ("payer", "auto"): ("автостраховка", "авто", "дтп", "авария", "машина"),
        ("payer", "self_pay"): ("без страховки", "нет страховки", "сам", "сама", "за свой счёт",
                                "за свой счет", "наличные"),
        ("network", "in"): ("в сети", "в сеть", "внутри сети", "входит", "да"),
        ("network", "out"): ("вне сети", "не в сети", "не входит", "нет"),
        ("plan_type", "hdhp"): ("высокая франшиза",),
        ("provider", "massage_therapist"): ("массажист",),
        ("provider", "physical_therapist"): ("физиотерапевт", "реабилитолог"),
        ("provider", "chiropractor"): ("хиропрактор", "мануальный терапевт", "мануальщик"),
        ("preauth", "obtained"): ("одобрено", "да одобрено", "есть"),
        ("preauth", "required"): ("нужно", "требуется", "не одобрено"),
        ("preauth", "not_required"): ("не нужно", "не требуется"),
        ("cost_share", "copay"): ("доплата", "фиксированная", "копэй"),
        ("cost_share", "coinsurance"): ("сострахование", "процент"),
        ("cost_share", "both"): ("оба", "и то и другое"),
        ("deductible", "0"): ("нет", "нету", "ноль"),
        ("deductible", "met"): ("выплачена", "уже выплачена", "выплатил", "выплатила"),
        ("deductible_met", "all"): ("всю", "всё", "все", "полностью"),
        ("deductible_met", "0"): ("ничего", "ноль", "нисколько"),
        ("oop_max", "none"): ("нет", "нету", "без лимита"),
        ("oop_met", "0"): ("ничего", "ноль", "нисколько"),
        ("oon_deductible", "0"): ("нет", "нету", "ноль"),
        ("oon_deductible_met", "all"): ("всю", "всё", "полностью"),
        ("oon_deductible_met", "0"): ("ничего", "ноль"),
        ("visit_limit", "none"): ("нет", "без лимита", "безлимит", "не ограничено"),
        ("visits_used", "0"): ("ни одного", "ноль", "нисколько", "нет"),
        ("cash", "none"): ("нет", "нету"),
        ("account", "none"): ("нет", "никакого", "ничего"),
    },
}

_APOSTROPHES = str.maketrans("", "", "'\u2019\u02bc`\u00b4")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """A reply as it is compared: lower case, no accents, apostrophes or punctuation, single
    spaces ("No sé." → "no se", "In-network" → "in network", "Don't know!" → "dont know")."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = _PUNCTUATION.sub(" ", plain.translate(_APOSTROPHES))
    return _SPACES.sub(" ", plain).strip()


def _in_order(lang: str) -> list[str]:
    """The patient's language first, then the others."""
    return [lang, *(other for other in SUPPORTED if other != lang)]


@cache
def _folded(table_name: str, lang: str) -> dict[str, str]:
    """folded reply -> meaning, for ACTIONS or YES_NO, the patient's language winning."""
    table = {"actions": ACTIONS, "yes_no": YES_NO}[table_name]
    meanings: dict[str, str] = {}
    for language in reversed(_in_order(lang)):
        for meaning, replies in table.get(language, {}).items():
            meanings.update({fold(reply): meaning for reply in replies})
    return meanings


def action(text: str | None, lang: str) -> str | None:
    """"unknown", "back", "restart", "narrow" or "stop" when the whole reply says so, else
    None."""
    return _folded("actions", lang).get(fold(text))


def yes_no(text: str | None, lang: str) -> str | None:
    """"yes" or "no" when the whole reply is one, else None ("no, 1200" is neither)."""
    return _folded("yes_no", lang).get(fold(text))


@cache
def _skips() -> frozenset[str]:
    return frozenset(fold(reply) for replies in SKIP.values() for reply in replies)


def skip(text: str | None) -> bool:
    """The reply asks to skip the question."""
    return fold(text) in _skips()


def synonyms(question_id: str, value: str, lang: str) -> list[str]:
    """The folded short names of one option, the patient's language first."""
    return [fold(reply) for language in _in_order(lang)
            for reply in SYNONYMS.get(language, {}).get((question_id, value), ())]
