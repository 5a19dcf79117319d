"""Parameters of the rules, as data, each with its source (DOMAIN.md names the sources in full)."""

from decimal import Decimal

# Florida has excluded massage from PIP since 2013, whoever provides it
# (HB 119; Fla. Stat. 627.736).
PIP_EXCLUDES_MASSAGE: frozenset[str] = frozenset({"FL"})

# Washington's "every category of provider" law (RCW 48.43.045) makes health plans there include
# licensed massage therapists.
EVERY_CATEGORY_OF_PROVIDER_STATES: frozenset[str] = frozenset({"WA"})

# Medicare national non-facility rate per unit (CMS physician fee schedule): 97124 $29.76 (2025,
# the latest year given), 97140 $27.72 (2026). Used only as a reference when the allowed amount is
# unknown: commercial allowed amounts are often a multiple of Medicare, with no reliable public
# figure, so an unknown allowed amount is taken as 1.0 to 2.0 times this rate, capped at the charge.
CMS_RATE_PER_UNIT: dict[str, Decimal] = {"97124": Decimal("29.76"), "97140": Decimal("27.72")}
REFERENCE_ALLOWED_LOW = Decimal("1.0")
REFERENCE_ALLOWED_HIGH = Decimal("2.0")
# Out of network the plan sets its own allowed amount, which can be far below Medicare's (or
# nothing at all for a provider type it does not recognise): an unknown one ranges from 0 (the
# patient owes the whole charge) to the same high end.
OON_REFERENCE_ALLOWED_LOW = Decimal("0")

# ACA 2026 in-network out-of-pocket limit, self-only (CMS, revised June 2025): no plan's in-network
# OOP maximum or deductible can exceed it, so it bounds an unknown one.
ACA_OOP_LIMIT = Decimal("10600.00")
# HDHP 2026 (Rev. Proc. 2025-19): minimum deductible, self-only. Its OOP limit ($8,500 self-only)
# does not bound an unknown maximum: on family HDHP coverage one person can owe up to the ACA
# self-only limit above before the embedded limit stops it.
HDHP_MIN_DEDUCTIBLE = Decimal("1700.00")

# Visit limits are typically 10-30 a year (DOMAIN.md "Cost sharing"): an unknown limit lies between
# the low end and no limit at all.
TYPICAL_VISIT_LIMIT_LOW = 10

# 2026 annual contribution limits, self-only (IRS): HSA $4,400; health FSA $3,400. An HRA is
# funded by the employer and has no such limit. Tax is saved at most on what the account can hold.
ACCOUNT_ANNUAL_LIMIT: dict[str, Decimal] = {"hsa": Decimal("4400.00"), "fsa": Decimal("3400.00")}
ACCOUNT_LIMIT_YEAR = 2026

# --- Original Medicare (Part B), set by law and by CMS each year ---------------------------------
# 2026 Part B deductible and coinsurance (CMS, "2026 Medicare Parts A & B Premiums and
# Deductibles" fact sheet): the defaults when the patient does not know theirs.
MEDICARE_PART_B_DEDUCTIBLE = Decimal("283.00")
MEDICARE_PART_B_COINSURANCE_PCT = Decimal("20")
# The physician fee schedule's national non-facility amount per unit, with its year: 97140 from
# the CY2026 schedule; for 97124 the latest figure in DOMAIN.md is 2025's (0.92 RVU × $32.3465).
# A clinic's or state's own rate, when given as `fees.allowed_per_unit`, takes precedence.
MEDICARE_FEE_SCHEDULE: dict[str, tuple[int, Decimal]] = {
    "97124": (2025, Decimal("29.76")),
    "97140": (2026, Decimal("27.72")),
}
# Non-participating providers: the fee schedule amount is 95% of the participating one, and the
# patient can be billed at most the limiting charge, 115% of that amount (SSA 1848(g)).
MEDICARE_NONPAR_PCT = Decimal("95")
MEDICARE_LIMITING_CHARGE_PCT = Decimal("115")
# The year of the Part B figures above: a later year's deductible is not published yet, and a
# course running into it is counted with this year's (and says so).
MEDICARE_PART_B_YEAR = 2026
# Above the yearly therapy threshold claims need the KX modifier attesting medical necessity:
# $2,410 in 2025 (DOMAIN.md), $2,480 in 2026 (CY2026 physician fee schedule final rule). The
# threshold is per calendar year: a dated course is counted year by year.
KX_THRESHOLDS: dict[int, Decimal] = {2025: Decimal("2410.00"), 2026: Decimal("2480.00")}
KX_THRESHOLD: tuple[int, Decimal] = (2026, KX_THRESHOLDS[2026])  # the latest, for undated courses

# --- The calendar (DOMAIN.md "Calendar" and "Accounts") ---------------------------------------
# Health FSA carryover limit by year (IRS, adjusted yearly; Notice 2005-42 allows either a
# carryover or a grace period, not both): 2026 $680. A year without a figure uses the latest one
# before it, named with its year so the wording can say which year's limit it is.
FSA_CARRYOVER_LIMIT: dict[int, Decimal] = {2026: Decimal("680.00")}
# The grace period lasts at most 2½ months after the plan year (Notice 2005-42): until the 15th
# day of the third month after the plan year ends (a plan year ending December 31: March 15).
FSA_GRACE_MONTHS = 2
FSA_GRACE_LAST_DAY = 15
# A Letter of Medical Necessity is usually accepted for 12 months from its date (IRS Pub. 502).
LMN_VALID_MONTHS = 12
# Without a schedule, a course is one session a week.
DEFAULT_SESSIONS_PER_WEEK = 1
