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

# ACA 2026 in-network out-of-pocket limit, self-only (CMS, revised June 2025): no plan's in-network
# OOP maximum or deductible can exceed it, so it bounds an unknown one.
ACA_OOP_LIMIT = Decimal("10600.00")
# HDHP 2026, self-only (Rev. Proc. 2025-19): minimum deductible and maximum out-of-pocket.
HDHP_MIN_DEDUCTIBLE = Decimal("1700.00")
HDHP_OOP_LIMIT = Decimal("8500.00")

# Visit limits are typically 10-30 a year; an unknown limit is taken as the low end in the worst
# case and as no limit in the best case.
TYPICAL_VISIT_LIMIT_LOW = 10

# 2026 annual contribution limits, self-only (IRS): HSA $4,400; health FSA $3,400. An HRA is
# funded by the employer and has no such limit. Tax is saved at most on what the account can hold.
ACCOUNT_ANNUAL_LIMIT: dict[str, Decimal] = {"hsa": Decimal("4400.00"), "fsa": Decimal("3400.00")}
