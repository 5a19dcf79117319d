"""What billing the insurer would cost once the paperwork is in order (`Estimate.once_fixed`,
estimator/fixes.py), in one sentence under the headline: a billing office would say "get the
referral first", so the patient sees what it is worth before paying the clinic themselves."""

from babel.lists import format_list

from bot.i18n import N_, Translator
from estimator import Estimate, Scenario

from .codes import PAYER_NAMES

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

# The first payer of the route, which pays "the rest" (as the route's name spells it).
_FIRST_PAYER = (("workers_comp", "workers_comp"), ("auto_pip", "auto"), ("insurance", None))


def _payer(route: str, s: Scenario, t: Translator) -> str:
    for prefix, payer in _FIRST_PAYER:
        if route.startswith(prefix):
            name = payer or (s.plan_payer if s.plan_payer in PAYER_NAMES else "commercial")
            return t.gettext(PAYER_NAMES[name])
    return t.gettext(PAYER_NAMES["commercial"])


def once_fixed_lines(e: Estimate, s: Scenario, t: Translator) -> list[str]:
    fixed = e.once_fixed
    if fixed is None:
        return []
    having = [HAVING[code] for code in fixed.fixes if code in HAVING]
    if not having:
        return []
    having += [PERHAPS_NEEDED[code] for code in fixed.open if code in PERHAPS_NEEDED]
    fixes = format_list([t.gettext(text) for text in dict.fromkeys(having)], locale=t.locale)
    payer = _payer(fixed.route, s, t)
    if fixed.low is None or fixed.low == fixed.patient_total:
        return [t.gettext("With %(fixes)s, the course would cost you %(total)s, and %(payer)s "
                          "would pay the rest.", fixes=fixes,
                          total=t.money(fixed.patient_total), payer=payer)]
    low, high = t.money(fixed.low), t.money(fixed.patient_total)
    if "claim_unknown" in fixed.open:
        return [t.gettext("With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                          "depending on whether your claim is accepted.", fixes=fixes, low=low,
                          high=high)]
    return [t.gettext("With %(fixes)s, the course would cost you between %(low)s and %(high)s, "
                      "depending on what %(payer)s pays.", fixes=fixes, low=low, high=high,
                      payer=payer)]
