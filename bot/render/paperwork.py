"""What billing the insurer would cost once the paperwork is in order (`Estimate.once_fixed`,
estimator/fixes.py), in one sentence under the headline: a billing office would say "get the
referral first", so the patient sees what it is worth before paying the clinic themselves."""

from babel.lists import format_list

from bot.i18n import N_, Translator
from estimator import Estimate, Scenario

from .who_pays import payer_name, payers_of

# What the patient would have in hand, by the reason it fixes (several reasons, one document).
# TRANSLATORS: these follow "With ..." (es "Con ...") or, in Russian, "Когда вы получите ..."
# (accusative); they are joined into a list ("A and B").
HAVING = {
    "no_referral": N_("a referral from your primary care doctor"),
    "no_prescription": N_("a prescription from your doctor"),
    "no_diagnosis": N_("a billable diagnosis code"),
    "nonbillable_diagnosis": N_("a billable diagnosis code"),
    "invalid_diagnosis": N_("a billable diagnosis code"),
    "external_cause_only": N_("a billable diagnosis code"),
    "preauth_required": N_("your plan's pre-authorization"),
}
# Still unknown then, and perhaps needed too: said with what to have in hand.
PERHAPS_NEEDED = {
    "preauth_unknown": N_("your plan's pre-authorization, if it needs one"),
}

def once_fixed_lines(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    fixed = e.once_fixed
    if fixed is None:
        return []
    having = [HAVING[code] for code in fixed.fixes if code in HAVING]
    if not having:
        return []
    having += [PERHAPS_NEEDED[code] for code in fixed.open if code in PERHAPS_NEEDED]
    fixes = format_list([t.gettext(text) for text in dict.fromkeys(having)], locale=t.locale)
    names = [payer_name(paid_by, s, t) for paid_by in payers_of(fixed.route)]
    payers = format_list(names, locale=t.locale)
    if fixed.low is None or fixed.low == fixed.patient_total:
        total = t.money(fixed.patient_total)
        if not fixed.insurer_total:  # all of it to the deductible: the insurer pays nothing
            return [t.gettext("With %(fixes)s, billing %(payers)s would cost you %(total)s.",
                              fixes=fixes, payers=payers, total=total)]
        return [t.ngettext("With %(fixes)s, the course would cost you %(total)s, and %(payers)s "
                           "would pay the rest.",
                           "With %(fixes)s, the course would cost you %(total)s, and %(payers)s "
                           "would pay the rest.", len(names), fixes=fixes, total=total,
                           payers=payers)]
    low, high = t.money(fixed.low), t.money(fixed.patient_total)
    if "claim_unknown" in fixed.open:
        return [t.gettext("With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                          "depending on whether your claim is accepted.", fixes=fixes, low=low,
                          high=high)]
    if "price_unknown" in fixed.open:
        return [t.gettext("With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                          "depending on the clinic's price.", fixes=fixes, low=low, high=high)]
    return [t.ngettext("With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                       "depending on what %(payers)s pays.",
                       "With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                       "depending on what %(payers)s pay.", len(names), fixes=fixes, low=low,
                       high=high, payers=payers)]
