"""The wording of the estimator's codes: reasons, routes, next steps, notes, accounts.

The estimator answers with stable snake_case codes (estimator/estimate.py); every sentence a
patient reads about them is here, marked for the catalogs. Each message is a whole sentence (or a
list label) with named placeholders, so a translator sees the whole thought. `bot.render.estimate`
puts them together.
"""

from decimal import Decimal

from bot.i18n import N_

try:  # the lead adds these with Estimator v2; the figures below are the same (DOMAIN.md)
    from estimator.parameters import (
        MEDICARE_PART_B_COINSURANCE_PCT,
        MEDICARE_PART_B_DEDUCTIBLE,
    )
except ImportError:  # pragma: no cover - only until estimator.parameters has them
    MEDICARE_PART_B_DEDUCTIBLE = Decimal("283.00")
    MEDICARE_PART_B_COINSURANCE_PCT = Decimal("20")
try:
    from estimator.parameters import MEDICARE_LIMITING_CHARGE_PCT
except ImportError:  # pragma: no cover
    MEDICARE_LIMITING_CHARGE_PCT = Decimal("115")

# Who pays: the health plan by its kind, and the payers before it, as a sentence names them
# ("your health plan", but "Medicare": nobody says "your Medicare"). The renderer capitalizes a
# sentence that starts with one.
PAYER_NAMES = {
    "commercial": N_("your health plan"),
    "medicare": N_("Medicare"),
    "medicare_advantage": N_("your Medicare Advantage plan"),
    "medicaid": N_("your Medicaid plan"),
    "workers_comp": N_("your workers' compensation insurer"),
    "auto": N_("your auto insurer"),
}

# The verdict on the patient's own payer, when the recommended way to pay does not use it.
VERDICTS = {
    "likely": N_("Good news: %(payer)s will likely pay for this massage."),
    "uncertain": N_("%(payer)s may pay for this massage, but some answers are still open."),
    "unlikely": N_("As things stand, %(payer)s is unlikely to pay for this massage."),
    "not_covered": N_("%(payer)s will not pay for this massage."),
}
VERDICT_SELF_PAY = N_("You are paying yourself, so there is no insurer to bill.")
VERDICT_RELAXATION = N_("Massage for relaxation is not covered by any insurance.")

# Findings (Estimate.reasons), also given as the reason a route is not available.
REASONS = {
    "relaxation_not_covered": N_("Insurers pay only for massage that treats a medical "
                                 "condition."),
    "no_insurance": N_("Without insurance you pay the clinic directly."),
    "no_prescription": N_("There is no prescription: insurers usually pay a massage therapist "
                          "only with one."),
    "no_diagnosis": N_("There is no diagnosis code, which every claim needs."),
    "invalid_diagnosis": N_("The diagnosis code is not a valid ICD-10-CM code."),
    "nonbillable_diagnosis": N_("The diagnosis code is too general to be billed: a more "
                                "specific code is needed."),
    "external_cause_only": N_("The diagnosis code only says how the injury happened, not which "
                              "condition is treated, and a claim needs the condition."),
    "wellness_diagnosis": N_("The diagnosis code describes stress, a general check-up or "
                             "wellness, not a condition that insurance treats."),
    "preauth_required": N_("The plan requires pre-authorization, which you don't have yet."),
    "preauth_unknown": N_("We don't know whether the plan requires pre-authorization."),
    "no_referral": N_("Your plan pays only with a referral from your primary care doctor, and "
                      "you don't have one yet."),
    "referral_unknown": N_("We don't know whether you have a referral from your primary care "
                           "doctor, which your plan requires."),
    "network_unknown": N_("We don't know whether the clinic is in your plan's network."),
    "oon_benefits_unknown": N_("We don't know whether your plan pays for out-of-network care."),
    "out_of_network_not_covered": N_("Your plan pays nothing out of network."),
    "out_of_network_unlikely": N_("HMO and EPO plans usually pay nothing out of network, and we "
                                  "don't know whether yours does."),
    "provider_not_covered": N_("Your plan does not cover licensed massage therapists."),
    "provider_coverage_unknown": N_("We don't know whether your plan covers licensed massage "
                                    "therapists."),
    "medicare_excludes_massage_therapists": N_("Original Medicare does not pay licensed massage "
                                               "therapists."),
    "medicaid_provider_not_enrolled": N_("Medicaid pays only clinics enrolled with Medicaid, "
                                         "and this one is not."),
    "visit_limit_reached": N_("Some or all sessions are beyond your plan's visit limit."),
    "visit_limit_may_be_reached": N_("Some sessions may be beyond your plan's visit limit: we "
                                     "don't know it, or how many visits you have used, so we "
                                     "counted the low end of typical limits."),
    "preauth_visits_may_run_out": N_("Your pre-authorization approved fewer visits than you "
                                     "have sessions: the sessions after them need a new "
                                     "approval (ask the clinic to request more visits). Until "
                                     "it comes, we counted them as paid by you."),
    "medicaid_varies": N_("Medicaid coverage of massage differs by state and plan."),
    "amount_unknown": N_("Some amounts are unknown, so the cost is a range."),
    "price_unknown": N_("We don't know the clinic's price yet, so the range runs from one to two "
                        "times Medicare's rate for the session."),
    "claim_not_accepted": N_("Your workers' compensation claim was not accepted."),
    "claim_unknown": N_("We don't know yet whether your workers' compensation claim is "
                        "accepted."),
    "pip_excludes_massage": N_("Florida's PIP coverage excludes massage, whoever provides it."),
    "pip_unknown": N_("We don't know how much PIP or MedPay coverage is left."),
    "pip_exhausted": N_("Your PIP or MedPay benefit is used up."),
    "pip_state_unknown": N_("We don't know your state, so we can't rule out Florida, where PIP "
                            "does not pay for massage."),
    "prescription_unknown": N_("We don't know whether you have a prescription."),
    "diagnosis_unknown": N_("We don't know the diagnosis code yet."),
    "hdhp_deductible_always_applies": N_("On a high-deductible plan the deductible applies to "
                                         "massage, so we counted it."),
}
# Why a route is not available, besides the findings above (Route.reason).
ROUTE_REASONS = {
    "must_bill_medicare": N_("A clinic must bill Medicare for the services Medicare covers, so "
                             "it cannot take its cash price for them instead."),
    "must_bill_medicaid": N_("A clinic enrolled with Medicaid must accept Medicaid's payment in "
                             "full, so it cannot charge you its cash price instead."),
}
# Shown only when the cost really is a range (never "range" next to a single figure).
RANGE_REASONS = frozenset({"amount_unknown", "price_unknown", "visit_limit_may_be_reached",
                           "preauth_visits_may_run_out"})

# The recommended way to pay, as the headline's first sentence.
HEADLINES = {
    "insurance": N_("We recommend billing your health plan."),
    "insurance_then_cash": N_("We recommend billing your health plan, then paying the clinic's "
                              "cash price for the sessions it does not cover."),
    "workers_comp": N_("We recommend billing workers' compensation."),
    "workers_comp_then_cash": N_("We recommend billing workers' compensation, then paying the "
                                 "clinic's cash price for the sessions it does not cover."),
    "workers_comp_then_insurance": N_("We recommend billing workers' compensation first, then "
                                      "your health plan."),
    "workers_comp_then_insurance_then_cash": N_("We recommend billing workers' compensation "
                                                "first, then your health plan, then paying the "
                                                "clinic's cash price for the sessions neither "
                                                "covers."),
    "auto_pip": N_("We recommend billing your auto insurance (PIP or MedPay)."),
    "auto_pip_then_cash": N_("We recommend billing your auto insurance (PIP or MedPay), then "
                             "paying the clinic's cash price for the sessions it does not cover."),
    "auto_pip_then_insurance": N_("We recommend billing your auto insurance (PIP or MedPay) "
                                  "first, then your health plan."),
    "auto_pip_then_insurance_then_cash": N_("We recommend billing your auto insurance (PIP or "
                                            "MedPay) first, then your health plan, then paying "
                                            "the clinic's cash price for the sessions neither "
                                            "covers."),
    "self_pay": N_("We recommend paying the clinic yourself, at its cash price."),
}

# Billing the plan when the plan is original Medicare or Medicaid: named as such.
HEADLINES_BY_PLAN = {
    ("insurance", "medicare"): N_("We recommend billing Medicare."),
    ("insurance", "medicaid"): N_("We recommend billing Medicaid."),
    ("insurance_then_cash", "medicare"): N_(
        "We recommend billing Medicare, then paying the clinic's cash price for the sessions "
        "it does not cover."),
    ("workers_comp_then_insurance", "medicare"): N_(
        "We recommend billing workers' compensation first, then Medicare."),
    ("workers_comp_then_insurance_then_cash", "medicare"): N_(
        "We recommend billing workers' compensation first, then Medicare, then paying the "
        "clinic's cash price for the sessions neither covers."),
    ("auto_pip_then_insurance", "medicare"): N_(
        "We recommend billing your auto insurance (PIP or MedPay) first, then Medicare."),
    ("auto_pip_then_insurance_then_cash", "medicare"): N_(
        "We recommend billing your auto insurance (PIP or MedPay) first, then Medicare, then "
        "paying the clinic's cash price for the sessions neither covers."),
    ("insurance_then_cash", "medicaid"): N_(
        "We recommend billing Medicaid, then paying the clinic's cash price for the sessions "
        "it does not cover."),
    ("workers_comp_then_insurance", "medicaid"): N_(
        "We recommend billing workers' compensation first, then Medicaid."),
    ("workers_comp_then_insurance_then_cash", "medicaid"): N_(
        "We recommend billing workers' compensation first, then Medicaid, then paying the "
        "clinic's cash price for the sessions neither covers."),
    ("auto_pip_then_insurance", "medicaid"): N_(
        "We recommend billing your auto insurance (PIP or MedPay) first, then Medicaid."),
    ("auto_pip_then_insurance_then_cash", "medicaid"): N_(
        "We recommend billing your auto insurance (PIP or MedPay) first, then Medicaid, then "
        "paying the clinic's cash price for the sessions neither covers."),
}

# The same routes as short labels, in the list of other ways to pay.
ROUTES = {
    "insurance": N_("Your health plan"),
    "insurance_then_cash": N_("Your health plan, then the cash price"),
    "workers_comp": N_("Workers' compensation"),
    "workers_comp_then_cash": N_("Workers' compensation, then the cash price"),
    "workers_comp_then_insurance": N_("Workers' compensation, then your health plan"),
    "workers_comp_then_insurance_then_cash": N_("Workers' compensation, then your health plan, "
                                                "then the cash price"),
    "auto_pip": N_("Auto insurance (PIP or MedPay)"),
    "auto_pip_then_cash": N_("Auto insurance (PIP or MedPay), then the cash price"),
    "auto_pip_then_insurance": N_("Auto insurance (PIP or MedPay), then your health plan"),
    "auto_pip_then_insurance_then_cash": N_("Auto insurance (PIP or MedPay), then your health "
                                            "plan, then the cash price"),
    "self_pay": N_("Pay the clinic yourself (cash price)"),
}
# Paying the clinic yourself when neither its price nor its cash price is known yet.
SELF_PAY_PRICE_UNKNOWN = N_("Pay the clinic yourself (price not known yet)")

# The routes through the plan when the plan is original Medicare or Medicaid: named as such.
ROUTES_BY_PLAN = {
    ("insurance", "medicare"): N_("Medicare"),
    ("insurance_then_cash", "medicare"): N_("Medicare, then the cash price"),
    ("workers_comp_then_insurance", "medicare"): N_("Workers' compensation, then Medicare"),
    ("workers_comp_then_insurance_then_cash", "medicare"): N_(
        "Workers' compensation, then Medicare, then the cash price"),
    ("auto_pip_then_insurance", "medicare"): N_("Auto insurance (PIP or MedPay), then Medicare"),
    ("auto_pip_then_insurance_then_cash", "medicare"): N_(
        "Auto insurance (PIP or MedPay), then Medicare, then the cash price"),
    ("insurance", "medicaid"): N_("Medicaid"),
    ("insurance_then_cash", "medicaid"): N_("Medicaid, then the cash price"),
    ("workers_comp_then_insurance", "medicaid"): N_("Workers' compensation, then Medicaid"),
    ("workers_comp_then_insurance_then_cash", "medicaid"): N_(
        "Workers' compensation, then Medicaid, then the cash price"),
    ("auto_pip_then_insurance", "medicaid"): N_("Auto insurance (PIP or MedPay), then Medicaid"),
    ("auto_pip_then_insurance_then_cash", "medicaid"): N_(
        "Auto insurance (PIP or MedPay), then Medicaid, then the cash price"),
}

TOPICS = {
    "billed_per_unit": N_("the clinic's price"),
    "network": N_("whether the clinic is in network"),
    "preauth": N_("whether pre-authorization is required"),
    "provider_coverage": N_("whether licensed massage therapists are covered"),
    "oon_benefits": N_("whether out-of-network care is covered"),
    "allowed_per_unit": N_("the plan's price (allowed amount) for massage, CPT 97124"),
    "oon_allowed_per_unit": N_("the out-of-network allowed amount for massage"),
    "deductible": N_("your deductible"),
    "deductible_met": N_("how much of your deductible is met"),
    "deductible_applies": N_("whether the deductible applies to these visits"),
    "copay": N_("your copay"),
    "coinsurance_pct": N_("your coinsurance"),
    "oop_max": N_("your out-of-pocket maximum"),
    "oop_met": N_("how much of your out-of-pocket maximum is met"),
    "oon_deductible": N_("your out-of-network deductible"),
    "oon_deductible_met": N_("how much of your out-of-network deductible is met"),
    "oon_coinsurance_pct": N_("your out-of-network coinsurance"),
    "oon_oop_max": N_("your out-of-network out-of-pocket maximum"),
    "oon_oop_met": N_("how much of your out-of-network out-of-pocket maximum is met"),
    "visit_limit": N_("your visit limit"),
    "visits_used": N_("how many visits you have used"),
    "oon_covered": N_("whether out-of-network care is covered"),
    "pip_remaining": N_("how much PIP or MedPay is left"),
    "claim_accepted": N_("whether your claim is accepted"),
    "medicare_participating": N_("whether the clinic participates in Medicare"),
    "year_start": N_("the day your plan year starts"),
}

STEPS = {
    "bring_insurance_card": N_("Bring your insurance card to the first visit."),
    "bring_prescription": N_("Bring the prescription, with the diagnosis code, to the first "
                             "visit."),
    "bring_doctors_order": N_("Bring the doctor's order for the massage to the first visit."),
    "get_prescription": N_("Ask your doctor for a prescription naming the diagnosis (ICD-10 code), "
                           "how often and for how long."),
    "get_referral": N_("Ask your primary care doctor for a referral to the clinic before the "
                       "first visit."),
    "use_billable_code": N_("Ask your doctor to use a specific code instead of %(code)s: "
                            "%(children)s."),
    "add_seventh_character": N_("The injury code %(code)s needs a 7th character: A for the first "
                                "treatment of the injury, D for later visits, S for its lasting "
                                "effects. Ask your doctor which one applies: %(children)s."),
    "use_condition_code": N_("Ask your doctor for the code of the condition being treated: "
                             "%(code)s alone does not describe one."),
    "check_diagnosis_code": N_("Check the diagnosis code %(code)s with your doctor."),
    "ask_doctor_for_diagnosis_code": N_("Ask your doctor for the ICD-10 diagnosis code."),
    "see_physical_therapist": N_("Ask about massage as part of physical therapy, which many "
                                 "plans cover."),
    "see_physical_therapist_medicare": N_("Ask about massage as part of physical therapy, which "
                                          "Medicare Part B can cover under a physical "
                                          "therapist's plan of care."),
    "physician_certified_plan_of_care": N_("Medicare pays for physical therapy only under a plan "
                                           "of care certified by a doctor: ask your doctor to "
                                           "sign the physical therapist's plan."),
    "find_in_network_provider": N_("Look for an in-network clinic in your insurer's directory."),
    "submit_claim_yourself": N_("Out of network, you may have to pay the clinic first and then "
                                "send the claim to your plan yourself to be paid back."),
    "request_preauth": N_("Ask the clinic to request pre-authorization before the first visit."),
    "ask_insurer": N_("Ask your insurer about %(topic)s."),
    "ask_for_lmn": N_("Ask your doctor for a Letter of Medical Necessity, so your HSA, FSA or "
                      "HRA can pay."),
    "confirm_wc_claim": N_("Ask the claims adjuster whether your claim is accepted."),
    "bring_wc_claim_number": N_("Give the clinic your workers' compensation claim number and the "
                                "doctor's order."),
    "ask_auto_insurer_pip_remaining": N_("Ask your auto insurer how much PIP or MedPay is left."),
    "file_pip_claim": N_("Open a PIP or MedPay claim with your auto insurer and give the clinic "
                         "the claim number."),
    "tell_us_about_health_plan_after_pip": N_("If you also have a health plan, add it to your "
                                              "answers: it can pay after your PIP or MedPay "
                                              "benefit runs out."),
    "tell_us_about_health_plan_if_claim_denied": N_("If you also have a health plan, add it to "
                                                    "your answers: it can pay if your workers' "
                                                    "compensation claim is not accepted."),
    "tell_us_about_health_plan_instead": N_("If you also have a health plan, add it to your "
                                            "answers: it may pay for the massage instead."),
    "ask_about_manual_therapy": N_("Under Florida law, manual therapy (CPT 97140: mobilization, "
                                   "manipulation, traction) by a physical therapist or "
                                   "chiropractor is not massage, and it is billed to PIP: ask "
                                   "your doctor whether it would suit your condition."),
    "ask_clinic_price": N_("Ask the clinic what one session costs, and whether it has a lower "
                           "price if you pay yourself."),
    # Original Medicare and Medicaid: the clinic cannot take a cash price for covered care.
    "ask_clinic_price_billed": N_("Ask the clinic what one session costs."),
    "request_good_faith_estimate": N_("Ask the clinic for a Good Faith Estimate: paying "
                                      "yourself, you have a right to one in writing."),
}
# The calendar (dated estimates): account deadlines (the other calendar steps have plural
# forms: bot/render/calendar.py words them).
FSA_STEPS = {
    "fsa_grace_period": N_("Your FSA's plan year ends on %(plan_year_end)s; with its grace "
                           "period you can still spend this year's money until %(date)s at "
                           "the latest (your plan may set an earlier day)."),
    "fsa_carryover": N_("Spend your FSA money by %(date)s, when its plan year ends: at most "
                        "%(amount)s can carry over into the next year (the %(year)s limit), and "
                        "the rest is lost."),
    "fsa_use_by": N_("Spend your FSA money by %(date)s, when its plan year ends: money left "
                     "after that is lost, unless your plan has a grace period or a carryover "
                     "(ask your employer)."),
}

# Washington's "every category of provider" law (RCW 48.43.045) binds fully insured plans only.
APPEAL_STATE_MANDATE = {
    "WA": N_("Washington law (RCW 48.43.045) requires fully insured health plans there to "
             "include licensed massage therapists. Self-funded employer plans are exempt, so ask "
             "your insurer or employer which kind your plan is: if it is fully insured, an appeal "
             "may work."),
}
APPEAL_STATE_MANDATE_OTHER = N_("The law of your state (%(state)s) may require your plan to "
                                "include licensed massage therapists, but only if the plan is "
                                "fully insured, not self-funded by your employer: ask which kind "
                                "it is, and appeal if it is fully insured.")

NOTES = {
    "cash_not_counted_toward_deductible": N_("Paying cash is cheaper here, but cash payments do "
                                             "not count toward your deductible or out-of-pocket "
                                             "maximum."),
    "in_network_cash_only_if_not_billed": N_("An in-network clinic may take the cash price only "
                                             "if you choose not to bill your plan."),
    "oop_met_from_deductible": N_("We counted the deductible you have already paid toward your "
                                  "out-of-pocket maximum."),
    "medicaid_no_balance_billing": N_("A clinic enrolled with Medicaid must accept Medicaid's "
                                      "payment as payment in full: it may not bill you for the "
                                      "rest, beyond any small copay your state sets."),
    "fsa_use_it_or_lose_it": N_("FSA money not used by your plan's deadline is lost."),
}
NOTE_MEDICARE_PART_B_DEFAULTS = N_("We used Medicare Part B's deductible of %(deductible)s and its "
                                   "%(coinsurance)s coinsurance, which are set by law.")
NOTE_MEDICARE_PART_B_LATER_YEAR = N_("We don't have Medicare's Part B deductible for the years "
                                     "after %(year)s yet: for your sessions after %(year)s we "
                                     "used the %(year)s deductible, %(deductible)s.")
NOTE_MEDICARE_LIMITING_CHARGE = N_("A clinic that does not participate in Medicare may charge you "
                                   "at most the limiting charge: %(percent)s of Medicare's "
                                   "approved amount.")

# Pre-tax or employer money: which account pays how much of the recommended total.
ACCOUNT_PAYS_ALL = {
    "hsa": N_("Your HSA can pay all of it, %(amount)s."),
    "fsa": N_("Your FSA can pay all of it, %(amount)s."),
    "hra": N_("Your HRA can pay all of it, %(amount)s."),
}
ACCOUNT_PAYS_PART = {
    "hsa": N_("Your HSA can pay %(amount)s of the %(total)s."),
    "fsa": N_("Your FSA can pay %(amount)s of the %(total)s."),
    "hra": N_("Your HRA can pay %(amount)s of the %(total)s."),
}
ACCOUNT_CANNOT_PAY = {
    "hsa": N_("Your HSA cannot pay for this massage as things stand."),
    "fsa": N_("Your FSA cannot pay for this massage as things stand."),
    "hra": N_("Your HRA cannot pay for this massage as things stand."),
}
ACCOUNT_EMPTY = {
    "hsa": N_("There is no money in your HSA to pay for this now."),
    "fsa": N_("There is no money in your FSA to pay for this now."),
    "hra": N_("There is no money in your HRA to pay for this now."),
}
ACCOUNT_TAX_SAVINGS = N_("That saves you about %(amount)s in taxes.")
ACCOUNT_NOTES = {
    "hra_no_tax_saving": N_("An HRA is your employer's money: it saves you no tax, but what it "
                            "pays does not come out of your pocket."),
    "hsa_no_new_contributions": N_("Your plan is not a high-deductible plan, so you cannot put "
                                   "new money into your HSA, but you can spend what is already "
                                   "in it."),
    "fsa_use_it_or_lose_it": NOTES["fsa_use_it_or_lose_it"],
    "lmn_needed": N_("For the account to pay, you need a prescription or a Letter of Medical "
                     "Necessity from a clinician who examined you."),
    "account_balance_limits": N_("The account can pay only up to what is in it."),
    "hsa_no_plan": N_("Without a high-deductible health plan you cannot put new money into your "
                      "HSA, but you can spend what is already in it."),
    "hsa_never_expires": N_("HSA money never expires: what you do not spend this plan year "
                            "stays yours for later years."),
}

# The account notes said otherwise when the patient has no health plan at all.
ACCOUNT_NOTE_NO_PLAN = {"hsa_no_new_contributions": "hsa_no_plan"}

# The account notes that explain why an account cannot pay.
ACCOUNT_WHY_NOT = frozenset({"lmn_needed"})

DISCLAIMER = N_("This is an estimate, not a guarantee of payment: your insurer decides when it "
                "processes the claim.")
DISCLAIMER_SELF_PAY = N_("This is an estimate from your answers and the clinic's prices, not a "
                         "bill.")
