"""How many answers each simulated patient gives before the first estimate and before the exact
figure, through the real interview step function (issue 11's targets).

    python benchmarks/bench_interview.py [--lang es]

Each persona (tests/fakes/personas.py) answers what it knows and "I don't know" to the rest,
takes the first estimate, then presses "Narrow it down" until the figure is exact or nothing is
left to ask. Prints one row per persona: answers to the first estimate, answers to the exact
figure ("-" when it stays a range: something the persona does not know still matters), the
final figure, the targets, and whether they are met. Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clinics import load_clinics  # noqa: E402
from tests.fakes.personas import PERSONAS, Persona, meets, play  # noqa: E402


def _target(persona: Persona) -> str:
    parts = []
    if persona.first_within is not None:
        parts.append(f"first ≤ {persona.first_within}")
    if persona.exact_within is not None:
        parts.append(f"exact ≤ {persona.exact_within}")
    return ", ".join(parts) or "an estimate"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lang", default="en", choices=["en", "es", "ru"])
    args = parser.parse_args()
    clinics = load_clinics()
    print("| persona | clinic link | answers to first estimate | answers to exact figure "
          "| final figure | target | met |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    missed = 0
    for persona in PERSONAS:
        played = play(persona, clinics, args.lang)
        low, high = (f"${Decimal(v):,.2f}" for v in (played.low, played.high))
        figure = low if low == high else f"{low} – {high}"
        ok = meets(persona, played)
        missed += not ok
        print(f"| {persona.name} | {'yes' if persona.clinic else 'no'} | {played.first} "
              f"| {played.exact if played.exact is not None else '-'} | {figure} "
              f"| {_target(persona)} | {'yes' if ok else 'NO'} |")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
