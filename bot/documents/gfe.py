"""The Good Faith Estimate as the patient reads it: the model GFE's (CMS-10791) sections, in the
patient's language, money and dates per locale.

The disclaimers state what 45 CFR 149.610 and 149.620 give the patient: an estimate, not a
contract; items scheduled separately are not included; the right to dispute a bill of $400 or
more above the estimate for one provider, started within 120 days of the bill ($25 fee), at
cms.gov/nosurprises or the No Surprises Help Desk (1-800-985-3059); disputing does not affect
care (DOMAIN.md "Documents").
"""

from __future__ import annotations

from bot.i18n import N_, Translator

from .content import GfeLine, GoodFaithEstimate, Provider
from .pdf import Block, Fields, Grid, Heading, Text

__all__ = ["SERVICES", "blocks", "disclaimers", "title"]

SERVICES = {
    "97124": N_("Medical massage (CPT 97124)"),
    "97140": N_("Manual therapy (CPT 97140)"),
}
DISCLAIMERS = (
    N_("This Good Faith Estimate shows what %(provider)s expects to charge for the items and "
       "services listed, based on what is known on %(date)s. It is only an estimate: the items, "
       "services and charges you actually receive may be different."),
    N_("This estimate is not a contract. It does not oblige you to get these items or services "
       "from this provider."),
    N_("Items and services scheduled separately, or given by other providers, are not included "
       "in this estimate."),
    N_("This estimate covers the course of treatment listed, until %(until)s."),
    N_("If you are billed at least $400 more than this estimate by this provider, you have the "
       "right to dispute the bill. You must start the dispute within 120 days of the date on "
       "the bill; there is a $25 fee. To start a dispute or to ask for help, visit "
       "https://www.cms.gov/nosurprises or call 1-800-985-3059."),
    N_("Disputing a bill does not affect the care you receive."),
    N_("Keep a copy of this Good Faith Estimate, and of every bill you receive for these "
       "services."),
)


def title(t: Translator) -> str:
    return t.gettext("Good Faith Estimate for health care items and services")


def _provider_rows(p: Provider, t: Translator) -> list[tuple[str, str]]:
    rows = [(t.gettext("Provider or facility"), p.name), (t.gettext("Address"), p.address),
            (t.gettext("Phone"), p.phone or ""), (t.gettext("NPI"), p.npi or ""),
            (t.gettext("TIN"), p.tin or "")]
    if p.clinician:
        rows.append((t.gettext("Clinician"), p.clinician))
    rows.append((t.gettext("Provider taxonomy"), p.taxonomy))
    return rows


def _line_row(line: GfeLine, t: Translator) -> list[str]:
    if line.session_rate:  # the clinic's self-pay price per session, as the patient knows it
        quantity = str(line.sessions)
        each = t.gettext("%(amount)s per session", amount=t.money(line.per_session))
    elif line.unit == "unit":
        quantity = f"{line.sessions} × {line.units_per_session} = {line.quantity}"
        each = t.gettext("%(amount)s per 15-minute unit", amount=t.money(line.unit_price))
    else:
        quantity = str(line.quantity)
        each = t.gettext("%(amount)s per session", amount=t.money(line.unit_price))
    return [line.cpt_code, line.code_type, ", ".join(line.diagnosis_codes) or "—", quantity,
            each, t.money(line.total)]


def blocks(gfe: GoodFaithEstimate, t: Translator) -> list[Block]:
    """The GFE's sections, in order."""
    diagnosis = "\n".join(f"{code} {name}".strip() for code, name in gfe.diagnoses)
    when = (t.date(gfe.expected_date, "long") if gfe.expected_date
            else t.gettext("Not scheduled yet"))
    service = SERVICES[gfe.lines[0].cpt_code]
    out: list[Block] = [
        Heading(title(t), 0),
        Text(t.gettext("You are receiving this Good Faith Estimate because you are not using "
                       "health insurance for this care. Under the No Surprises Act, your "
                       "provider must tell you in advance what they expect to charge.")),
        Heading(t.gettext("Patient")),
        Fields([(t.gettext("Patient name"), gfe.patient.name),
                (t.gettext("Date of birth"), t.date(gfe.patient.birth_date, "long"))]),
        Heading(t.gettext("Provider")),
        Fields(_provider_rows(gfe.provider, t)),
        Heading(t.gettext("Primary service")),
        Fields([(t.gettext("Service"), t.gettext(service)),
                (t.gettext("Session length"),
                 t.gettext("%(minutes)s minutes", minutes=gfe.session_minutes)),
                (t.gettext("Expected date of service"), when),
                (t.gettext("Diagnosis (ICD-10-CM)"),
                 diagnosis or t.gettext("None given yet"))]),
        Heading(t.gettext("Itemized estimate")),
        Grid([t.gettext("Service code"), t.gettext("Code type"), t.gettext("Diagnosis code"),
              t.gettext("Quantity (sessions × units)"), t.gettext("Expected charge each"),
              t.gettext("Expected total")],
             [*(_line_row(line, t) for line in gfe.lines),
              [t.gettext("Total estimated charges"), "", "", "", "", t.money(gfe.total)]],
             total=True, widths=(0.12, 0.1, 0.15, 0.2, 0.25, 0.18)),
        Heading(t.gettext("Items and services scheduled separately")),
        *(Text(text) for text in _separately(gfe, t)),
        Heading(t.gettext("Disclaimers")),
    ]
    out += [Text(text) for text in disclaimers(gfe, t)]
    out.append(Text(t.gettext("Issued on %(date)s.", date=t.date(gfe.issued, "long")),
                    small=True))
    return out


def _separately(gfe: GoodFaithEstimate, t: Translator) -> list[str]:
    """What the course needs that this GFE does not price."""
    out = []
    if gfe.prescription_needed:
        out.append(t.gettext("The evaluation and prescription by your doctor, billed by your "
                             "doctor and not included here."))
    if gfe.billed_to_insurance:
        out.append(t.ngettext(
            "The other session of your course, billed to your insurance, is not included here.",
            "The other %(n)s sessions of your course, billed to your insurance, are not "
            "included here.", gfe.billed_to_insurance))
    return out or [t.gettext("None are expected.")]


def disclaimers(gfe: GoodFaithEstimate, t: Translator) -> list[str]:
    """The disclaimers in `t`'s language (the PDF's and the FHIR bundle's)."""
    values = {"provider": gfe.provider.name, "date": t.date(gfe.issued, "long"),
              "until": t.date(gfe.valid_until, "long")}
    return [t.gettext(text, **_used(values, text)) for text in DISCLAIMERS]


def _used(values: dict[str, str], text: str) -> dict[str, str]:
    """The values whose placeholder `text` has (a message without one is not interpolated)."""
    return {key: value for key, value in values.items() if "%(" + key + ")s" in text}
