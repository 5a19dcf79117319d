"""Issue 11's targets, played by the simulated patients of tests/fakes/personas.py through the
real step function (benchmarks/bench_interview.py prints the same figures as a table): a first
estimate within six answers from a clinic link and the exact figure within twelve for a patient
who knows their plan, within four for the uninsured, two for relaxation, and an estimate for
everyone, also one who answers "I don't know" to everything, in every language."""

from datetime import date

import pytest

from bot.clinics import load_clinics
from tests.fakes.personas import PERSONAS, meets, play

CLINICS = load_clinics()


@pytest.mark.parametrize("lang", ["en", "es", "ru"])
@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_every_persona_meets_its_target(persona, lang):
    played = play(persona, CLINICS, lang)
    assert played.first is not None
    assert meets(persona, played), (played.first, played.exact, played.asked)


@pytest.mark.parametrize("persona", PERSONAS, ids=[p.name for p in PERSONAS])
def test_in_december_the_targets_still_hold(persona):
    """A course from December 7 may cross January 1: the first session's day is asked only
    while narrowing down, so no first estimate comes later, and no target is missed."""
    played = play(persona, CLINICS, today=date(2026, 12, 7))
    assert meets(persona, played), (played.first, played.exact, played.asked)
    assert played.first == play(persona, CLINICS).first


def test_a_patient_who_knows_their_plan_gets_the_figure_the_estimator_gives():
    """The exact figure is the estimator's own for the facts the persona knows: 12 sessions of
    4 units at Aetna's $30.00, 20 percent coinsurance, the deductible met: $288.00."""
    played = play(PERSONAS[0], CLINICS)
    assert played.low == played.high == "288.00"


def test_narrowing_asks_only_what_changes_the_estimate():
    """The uninsured are never asked about a plan, and nobody is asked a question twice."""
    for persona in PERSONAS:
        played = play(persona, CLINICS)
        repeated = [q for q in set(played.asked) if played.asked.count(q) > 1]
        assert set(repeated) <= {"payer"}, (persona.name, played.asked)  # explained once
        if persona.known.get("payer", (None, None))[1] == "self_pay":
            assert not {"deductible", "network", "provider", "cost_share"} & set(played.asked)
