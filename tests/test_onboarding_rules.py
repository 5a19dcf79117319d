"""The rules a self-chosen link name and clinic name follow, and the profile questions' readers
(bot.onboarding.rules, bot.onboarding.fields), in pairs that straddle each boundary."""

from __future__ import annotations

import pytest

from bot.onboarding import rules
from bot.onboarding.fields import BY_ID, FieldProblem
from bot.onboarding.funnel import Week


@pytest.mark.parametrize("slug", ["abc", "a" * 40, "sunrise-massage", "spa-2", "x9y"])
def test_link_names_that_are_accepted(slug):
    assert rules.slug_problem(slug) is None


@pytest.mark.parametrize("slug", ["ab", "a" * 41, "Sunrise", "-spa", "spa-", "sp--a", "spa_1",
                                  "spa massage", "спа"])
def test_link_names_of_the_wrong_shape(slug):
    assert rules.slug_problem(slug)[0] == rules.SLUG_SHAPE


@pytest.mark.parametrize("slug", ["api", "admin", "static", "stats", "staff-joy", "staff",
                                  "newclinic", "admin-panel"])
def test_reserved_link_names(slug):
    assert rules.slug_problem(slug) == (rules.SLUG_RESERVED, {"slug": slug})


@pytest.mark.parametrize(("name", "ok"), [
    ("Sp", True), ("S", False), ("x" * 80, True), ("x" * 81, False),
    ("Bob & Ann's Massage", True), ("<b>Spa</b>", False), ("Spa &amp; Co", False),
    ("Spa\x07", False), ("Массаж у Анны", True),
])
def test_clinic_names(name, ok):
    assert (rules.name_problem(name) is None) is ok


def test_suggested_link_names_come_from_the_name():
    assert list(rules.slug_candidates("Sunrise Massage, LLC"))[:2] == [
        "sunrise-massage-llc", "sunrise-massage-llc-2"]
    assert next(rules.slug_candidates("Café Ñandú")) == "cafe-nandu"
    assert next(rules.slug_candidates("Staff Room")) == "clinic-staff-room"  # reserved prefix
    assert list(rules.slug_candidates("Массаж")) == []  # nothing Latin to make one from
    assert all(rules.slug_problem(s) is None for s in rules.slug_candidates("A" * 60))


@pytest.mark.parametrize(("field", "typed", "value"), [
    ("billed_per_unit", "$35", "35.00"), ("billed_per_unit", "2000", "2000.00"),
    ("session_minutes", "8", 8), ("session_minutes", "240", 240), ("state", " wa ", "WA"),
    ("npi", "1234567893", "1234567893"), ("tin", "12-3456789", "12-3456789"),
    ("payers", "Aetna 30; Regence BlueShield: $32.50",
     [{"name": "Aetna", "allowed_per_unit": "30.00"},
      {"name": "Regence BlueShield", "allowed_per_unit": "32.50"}]),
])
def test_profile_answers_that_are_read(field, typed, value):
    assert BY_ID[field].read(typed, "en") == value


@pytest.mark.parametrize(("field", "typed"), [
    ("billed_per_unit", "0"), ("billed_per_unit", "2000.01"), ("session_minutes", "7"),
    ("session_minutes", "241"), ("state", "Oregon"), ("cpt_code", "97110"),
    ("npi", "1234567890"), ("tin", "123"), ("payers", "Aetna"), ("payers", "Aetna 30; aetna 31"),
    ("phone", "<script>"), ("address", "x" * 201),
])
def test_profile_answers_that_are_refused_with_a_reason(field, typed):
    with pytest.raises(FieldProblem) as refused:
        BY_ID[field].read(typed, "en")
    assert refused.value.problem.message


def test_the_median_number_of_answers_comes_from_the_counts():
    week = Week("2026-W49")
    assert week.median_answers is None
    week.answers.update({3: 2, 7: 1})
    assert week.median_answers == 3
    week.answers[9] += 1
    assert week.median_answers == 5
