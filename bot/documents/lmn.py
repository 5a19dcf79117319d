"""The Letter of Medical Necessity, drafted for the clinician to review, complete and sign.

What the letter must carry (DOMAIN.md "Accounts"): written by a clinician who evaluated the
patient, since notes based only on self-reported questionnaires do not qualify (IRS IR-2024-65,
March 2024); the diagnosis, the treatment, its frequency and duration, and how it treats the
condition, in the words of IRC 213(d) (the diagnosis, cure, mitigation, treatment or prevention
of disease, not general health); dated before the purchase and usually accepted for 12 months
(IRS Pub. 502). The clinician's name, license and signature are left blank for them.
"""

from __future__ import annotations

from bot.i18n import N_, Translator

from .content import LMN_VALID_MONTHS, LetterOfMedicalNecessity
from .gfe import SERVICES
from .pdf import Block, Fields, Heading, Text

__all__ = ["blocks", "title"]

BLANK = "_" * 34
ACCOUNTS = {
    "hsa": N_("Health savings account (HSA)"),
    "fsa": N_("Health flexible spending account (FSA)"),
    "hra": N_("Health reimbursement arrangement (HRA)"),
}


def title(t: Translator) -> str:
    return t.gettext("Letter of Medical Necessity")


def _patient_rows(letter: LetterOfMedicalNecessity, t: Translator) -> list[tuple[str, str]]:
    p = letter.patient
    rows = [(t.gettext("Patient name"), p.name if p else BLANK),
            (t.gettext("Date of birth"), t.date(p.birth_date, "long") if p else BLANK),
            (t.gettext("Account holder, if not the patient"), BLANK)]
    if letter.account:
        rows.append((t.gettext("Account"), t.gettext(ACCOUNTS[letter.account])))
    return rows


def blocks(letter: LetterOfMedicalNecessity, t: Translator) -> list[Block]:
    """The letter's sections, in order."""
    p = letter.provider
    diagnosis = "\n".join(f"{code} {name}".strip() for code, name in letter.diagnoses)
    return [
        Heading(title(t), 0),
        Text(t.gettext("DRAFT for the clinician. This letter is valid only after a licensed "
                       "clinician has evaluated the patient, completed it and signed it. It "
                       "must be signed before the massage is paid for, and is usually accepted "
                       "for %(months)s months. A letter based only on a questionnaire the "
                       "patient filled in does not qualify (IRS, IR-2024-65).",
                       months=LMN_VALID_MONTHS), bold=True),
        Heading(t.gettext("Patient")),
        Fields(_patient_rows(letter, t)),
        Heading(t.gettext("Diagnosis (ICD-10-CM)")),
        Text(diagnosis or BLANK),
        Heading(t.gettext("Treatment")),
        Fields([(t.gettext("Service"), t.gettext(SERVICES[letter.cpt_code])),
                (t.gettext("Session length"),
                 t.gettext("%(minutes)s minutes", minutes=letter.session_minutes)),
                (t.gettext("Number of sessions"), str(letter.sessions)),
                (t.gettext("Frequency and duration"),
                 t.gettext("____ sessions a week for ____ weeks")),
                (t.gettext("Provider"), f"{p.name}, {p.address}")]),
        Heading(t.gettext("Medical necessity")),
        Text(t.gettext("I have evaluated this patient and diagnosed the condition above. I "
                       "prescribe this treatment to treat and mitigate that specific condition, "
                       "not for general health or relaxation; the patient would not need it "
                       "without the condition. It is medical care as defined in section 213(d) "
                       "of the Internal Revenue Code.")),
        Heading(t.gettext("Clinician")),
        Fields([(t.gettext("Name"), BLANK), (t.gettext("License type and number"), BLANK),
                (t.gettext("NPI"), BLANK), (t.gettext("Phone"), BLANK),
                (t.gettext("Signature"), BLANK), (t.gettext("Date"), BLANK)]),
        Text(t.gettext("Drafted on %(date)s from the patient's answers; to be reviewed by the "
                       "clinician.", date=t.date(letter.drafted, "long")), small=True),
    ]
