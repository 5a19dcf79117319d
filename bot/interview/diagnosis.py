"""The diagnosis questions: reading the codes a patient types, checking each against the
ICD-10-CM code set, refining the ones that cannot be billed, and saying what was understood.

A reply may hold several codes ("M54.50, M62.830", "M54.50 y M62.830", "M54.50 и M62.830",
"M54.50; M62.830"): every valid one is kept in the order typed, up to the scenario's limit
(`MAX_CODES`), and each invalid one is named. A valid code that cannot be billed (M54.5, or an
injury code without its 7th character such as S13.4) is refined by the `diagnosis_child` question,
one code at a time: its choices are the billable codes under it, each with its title from the
code set. When more codes wait, a pick replaces its code in the list and the question is asked
again for the next one; the last pick stays the answer to `diagnosis_child`, so Back and "change
an answer" re-ask it. "I don't know" ends the refining: the codes go to the estimator as they are.

Stored values: `diagnosis` is a list of checked codes (states saved before several codes were
kept hold one code as a string), or None for "I don't know"; `diagnosis_child` is the billable
code picked for the first code of the list that still cannot be billed, or None.

Titles are the code set's English descriptions (CDC data, never translated); the sentences around
them are gettext message ids with named placeholders.
"""

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import N_, Translator
from estimator import DiagnosisCheck, Scenario, icd10

from .model import Option, Problem
from .parsing import ParseError, parse_codes

QUESTION_IDS = ("diagnosis", "diagnosis_child")

# The scenario's limit on diagnosis codes (a claim form lists at most 12).
MAX_CODES: int = next(m.max_length for m in Scenario.model_fields["diagnosis_codes"].metadata
                      if hasattr(m, "max_length"))

# TRANSLATORS: a choice of diagnosis code: the code, then its English title from the ICD-10-CM
# code set, e.g. "M54.50 Low back pain, unspecified". Keep both placeholders.
CODE_LABEL = N_("%(code)s %(title)s")
# The question for a code whose only billable children are its 7th-character extensions.
SEVENTH_CHARACTER = N_(
    "%(code)s (%(title)s) is missing its last letter. Injury codes need a last letter: A for the "
    "first treatment of a new injury, D for follow-up visits while it heals, S for problems that "
    "remain later. Which one fits your treatment?")
# TRANSLATORS: %(codes)s lists codes with their English titles from the code set, e.g.
# "M54.50, Low back pain, unspecified".
CONFIRMED = N_("Got it: %(codes)s.")
CONFIRMED_WELLNESS = N_(
    "Got it: %(codes)s. %(code)s describes stress, a check-up or wellness, not a condition a "
    "health plan pays to treat: ask your doctor for the code of the condition the massage treats.")
CONFIRMED_EXTERNAL_CAUSE = N_(
    "Got it: %(codes)s. %(code)s only says how an injury happened, not the injury itself, so a "
    "health plan does not pay for it alone: ask your doctor for the code of the injury, such as "
    "S13.4XXA.")
INVALID_ONE = N_("%(code)s is not an ICD-10-CM diagnosis code, so I left it out. If it was "
                 "mistyped, go back and type the codes again.")
INVALID_SEVERAL = N_("These are not ICD-10-CM diagnosis codes, so I left them out: %(codes)s. If "
                     "one was mistyped, go back and type the codes again.")
TOO_MANY = N_("A claim lists at most %(limit)s diagnosis codes, so I kept the first %(limit)s.")


@dataclass(frozen=True)
class Reading:
    """What a reply to the diagnosis question holds: the codes kept (checked, in the code set's
    spelling), the invalid ones as typed, and the valid ones left out over the limit."""

    codes: list[str]
    invalid: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def codes(value: Any) -> list[str] | None:
    """The stored diagnosis answer as a list of codes (None: not known)."""
    if value is None:
        return None
    if isinstance(value, str):  # a state saved when the answer was one code
        return [icd10.check(value).code] if value.strip() else None
    return [str(code) for code in value]


def read(text: str) -> Reading:
    """Every code in a reply, checked: ParseError("not_a_code") when nothing looks like a
    diagnosis code, ParseError("unknown_code", code=...) when none is valid."""
    # Five digits are a procedure (CPT) code copied from the prescription, not a diagnosis.
    typed = [token for token in parse_codes(text) if not token.isdecimal()]
    if not typed:
        raise ParseError("not_a_code", text=(text or "").strip())
    valid: list[str] = []
    invalid: list[str] = []
    for token in typed:
        check = icd10.check(token)
        if check.status == "invalid":
            invalid.append(token)
        elif check.code not in valid:
            valid.append(check.code)
    if not valid:
        raise ParseError("unknown_code", code=invalid[0], text=(text or "").strip())
    # A category typed with one of its billable codes ("M54.5, M54.50") needs no refining.
    valid = [code for code in valid
             if not set(icd10.check(code).billable_children) & set(valid)]
    return Reading(codes=valid[:MAX_CODES], invalid=invalid, dropped=valid[MAX_CODES:])


def pending(value: Any) -> list[DiagnosisCheck]:
    """The codes of a stored answer that cannot be billed but have billable codes under them, in
    order: each is refined by the `diagnosis_child` question, the first one now."""
    return [check for check in map(icd10.check, codes(value) or [])
            if check.status == "nonbillable" and check.billable_children]


def child_options(value: Any) -> list[Option]:
    """The billable codes under the first code waiting to be refined, each with its title."""
    waiting = pending(value)
    if not waiting:
        return []
    return [Option(value=child, label=CODE_LABEL,
                   params={"code": child, "title": icd10.check(child).description or ""})
            for child in waiting[0].billable_children]


def child_message(value: Any, default: str) -> str:
    """The refining question: the missing 7th character explained, or the `default` wording
    ("no longer accepted: a more specific code is needed")."""
    waiting = pending(value)
    return SEVENTH_CHARACTER if waiting and waiting[0].needs_seventh_character else default


def child_params(value: Any) -> dict[str, Any]:
    waiting = pending(value)
    if not waiting:
        return {"code": "", "title": ""}
    return {"code": waiting[0].code, "title": waiting[0].description or ""}


def final_codes(answers: dict[str, Any]) -> list[str] | None:
    """The codes for the estimator: the list with the last pick in place of its code."""
    found = codes(answers.get("diagnosis"))
    if found is None:
        return None
    pick = answers.get("diagnosis_child")
    waiting = pending(found)
    if pick and waiting:
        found = _replace(found, waiting[0].code, pick)
    return found


def _replace(found: list[str], code: str, pick: str) -> list[str]:
    replaced = [pick if c == code else c for c in found]
    return list(dict.fromkeys(replaced))  # the pick may have been typed too


def record(answers: dict[str, Any], question_id: str, typed: str | None
           ) -> tuple[dict[str, Any], dict[str, Problem]]:
    """The answers after a reply to a diagnosis question (`answers` already holds the stored
    value), and what the next prompt says about it: `note` confirms the codes accepted with their
    titles (and explains a code that describes no treatable condition); `problem` names the
    codes left out."""
    answers = dict(answers)
    said: dict[str, Problem] = {}
    if question_id == "diagnosis":
        answers.pop("diagnosis_child", None)  # new codes: their billable children asked again
        found = codes(answers.get("diagnosis"))
        if found is None:
            return answers, said
        new = [c for c in found if icd10.check(c).status == "billable"]
        problem = _left_out(typed)
        if problem is not None:
            said["problem"] = problem
    else:
        pick = answers.get("diagnosis_child")
        waiting = pending(answers.get("diagnosis"))
        if pick is None or not waiting:
            return answers, said
        if len(waiting) > 1:  # the next code is refined by the same question, asked again
            answers["diagnosis"] = _replace(codes(answers["diagnosis"]) or [], waiting[0].code,
                                            pick)
            answers.pop("diagnosis_child")
        new = [pick]
    note = _confirmation(new, final_codes(answers) or [])
    if note is not None:
        said["note"] = note
    return answers, said


def _left_out(typed: str | None) -> Problem | None:
    try:
        reading = read(typed or "")
    except ParseError:
        return None
    if len(reading.invalid) == 1:
        return Problem(message=INVALID_ONE, params={"code": reading.invalid[0]})
    if reading.invalid:
        return Problem(message=INVALID_SEVERAL, params={"codes": ", ".join(reading.invalid)})
    if reading.dropped:
        return Problem(message=TOO_MANY, params={"limit": MAX_CODES})
    return None


def _confirmation(new: list[str], final: list[str]) -> Problem | None:
    """"Got it: M54.50, Low back pain, unspecified." for the billable codes just accepted."""
    if not new:
        return None
    listed = "; ".join(f"{code}, {icd10.check(code).description}" for code in new)
    checks = [icd10.check(code) for code in final]
    if not any(c.kind == "condition" for c in checks):
        # What the estimator reports then: wellness_diagnosis before external_cause_only.
        for kind, message in (("wellness", CONFIRMED_WELLNESS),
                              ("external_cause", CONFIRMED_EXTERNAL_CAUSE)):
            code = next((c.code for c in checks if c.kind == kind), None)
            if code is not None:
                return Problem(message=message, params={"codes": listed, "code": code})
    return Problem(message=CONFIRMED, params={"codes": listed})


def answer_text(value: Any, t: Translator) -> str:
    """The record line of a diagnosis answer: each code with its title."""
    return "; ".join(_label(code, t) for code in codes(value) or [])


def _label(code: str, t: Translator) -> str:
    description = icd10.check(code).description
    return t.gettext(CODE_LABEL, code=code, title=description) if description else code
