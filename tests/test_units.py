import pytest

from estimator import units_for_minutes


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (52, 3), (53, 4), (67, 4), (68, 5), (82, 5),
     (83, 6), (97, 6), (240, 16)],
)
def test_eight_minute_rule(minutes, units):
    assert units_for_minutes(minutes) == units


def test_fewer_than_eight_minutes_cannot_be_billed():
    with pytest.raises(ValueError, match="at least 8 minutes"):
        units_for_minutes(7)
