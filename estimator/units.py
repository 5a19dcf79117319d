"""Billing units for the timed CPT codes 97124 and 97140 (15 minutes a unit)."""

MIN_TIMED_MINUTES = 8


def units_for_minutes(minutes: int) -> int:
    """Units by the CMS 8-minute rule: 8-22 min → 1, 23-37 → 2, 38-52 → 3, 53-67 → 4, ...

    Source: DOMAIN.md "Codes" (CMS 8-minute rule: (minutes + 7) // 15 from 8 minutes on).
    Fewer than 8 minutes of a timed service cannot be billed.
    """
    if minutes < MIN_TIMED_MINUTES:
        raise ValueError(f"a timed service needs at least {MIN_TIMED_MINUTES} minutes")
    return (minutes + 7) // 15
