"""What the interview knows so far: the stored answers plus the clinic the patient came from.

Questions use it to decide whether they apply; `scenario.build_scenario` turns it into the
estimator's scenario. Stored values: option values (str), amounts and percents as decimal strings,
counts as int, None for "I don't know".
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.clinics import Clinic, ClinicPayer
from estimator import HEALTH_PLAN_PAYERS

OTHER_INSURER = "other"
# Options of typed questions that stand for no number ("All of it", "No limit", "Already met").
NOT_A_NUMBER = frozenset({"all", "none", "met"})
# Payers a health plan can pay after (its own plan questions follow).
BEHIND = frozenset({"auto", "workers_comp"})
# Plan types matter (network rules, HDHP) for these payers only.
PLAN_TYPE_PAYERS = frozenset({"commercial", "medicare_advantage"})


@dataclass(frozen=True)
class Facts:
    answers: dict[str, Any]
    clinic: Clinic | None = None
    # The channel's day (the clinic's time zone): only dated questions use it; None: not known,
    # and no question about dates is asked.
    today: date | None = None

    def get(self, question_id: str, default: Any = None) -> Any:
        return self.answers.get(question_id, default)

    def answered(self, question_id: str) -> bool:
        return question_id in self.answers

    def amount(self, question_id: str) -> Decimal | None:
        value = self.answers.get(question_id)
        return None if value is None or value in NOT_A_NUMBER else Decimal(value)

    @property
    def medical(self) -> bool:
        return self.get("purpose") == "medical"

    @property
    def payer(self) -> str | None:
        return self.get("payer")

    @property
    def plan_payer(self) -> str | None:
        """The health plan the estimate walks: the payer itself, or the one the patient has
        behind auto insurance or workers' compensation (it pays after them)."""
        if self.payer in HEALTH_PLAN_PAYERS:
            return self.payer
        fallback = self.get("fallback")
        return fallback if self.payer in BEHIND and fallback in HEALTH_PLAN_PAYERS else None

    @property
    def health_plan(self) -> bool:
        return self.medical and self.plan_payer is not None

    @property
    def clinic_payer(self) -> ClinicPayer | None:
        """The insurer picked from the clinic's in-network list, if any."""
        if self.clinic is None:
            return None
        choice = self.get("insurer")
        if not isinstance(choice, str) or not choice.startswith("p"):
            return None
        index = int(choice[1:])
        return self.clinic.payers[index] if index < len(self.clinic.payers) else None

    @property
    def network(self) -> str:
        """in / out / unknown: from the clinic's insurer list when the patient picked from it."""
        if self.clinic_payer is not None or self.plan_payer == "medicare":
            return "in"  # (original Medicare has no network: its terms are the "in" ones)
        return self.get("network") or "unknown"

    @property
    def plan_type(self) -> str | None:
        return self.get("plan_type") if self.plan_payer in PLAN_TYPE_PAYERS else None

    @property
    def provider(self) -> str:
        if self.clinic is not None:
            return self.clinic.provider_type
        return self.get("provider") or "massage_therapist"
