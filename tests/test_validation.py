"""Literature behaviours (../shared/reference/validation_targets.md), one test each, tolerances as given."""
import pytest

from alk5_pysb.analysis import validation

B7_MISS = pytest.mark.xfail(strict=True, reason=(
    "known miss, reported as FAIL in the validation table: the 8 h PAI-1 dose response has nH ~1.4 (< 1.5); "
    "it is switch-like only by 24 h (nH ~2.3) because receptor capture depletes low doses over hours, "
    "not within ~1 h as in Zi 2011"))


B10_MISS = pytest.mark.xfail(strict=True, reason=(
    "known miss, reported as FAIL in the validation table: the target's full potency order "
    "vactosertib ~ RepSox < A-83-01 < SB-431542 is not met, vactosertib (Kd_cell from its 13 nM biochemical IC50) "
    "comes out weaker than A-83-01 (12 nM, a reporter value); the A-83-01 rank is [R] in the targets"))


@pytest.mark.parametrize("check_id", ["B1", "B2", "B3", "B4", "B5", "B6", pytest.param("B7", marks=B7_MISS), "B8",
                                      "B9", pytest.param("B10", marks=B10_MISS), "B11"])
def test_behaviour(sim, check_id):
    check = validation.CHECKS[check_id](sim)
    assert check.id == check_id
    assert check.passed, f"{check.id}: target {check.target}; model {check.model}. {check.note}"


def test_validation_table_renders(sim):
    table = validation.run_checks(sim, ["B1", "B5"])
    md = validation.to_markdown(table)
    assert md.count("PASS") + md.count("FAIL") == 2


def test_b10_states_and_checks_the_full_potency_order():
    """B10's target names every compared compound in the order asserted, and every pair is checked
    (the earlier check only asked for SB-431542 to be the weakest)."""
    assert "potency order vactosertib ~ RepSox < A-83-01 < SB-431542" in validation.B10_TARGET
    compared = [name for rank in validation.B10_ORDER for name in rank]
    assert all(name in validation.B10_TARGET for name in compared)
    breaks = validation.potency_order_breaks
    assert breaks({"vactosertib": 15, "RepSox": 12, "A-83-01": 40, "SB-431542": 300}) == []
    assert breaks({"vactosertib": 12, "RepSox": 15, "A-83-01": 40, "SB-431542": 300}) == []   # '~': not ordered
    # SB-431542 the weakest but A-83-01 out of place: the old check passed this, the full order does not
    assert breaks({"vactosertib": 51, "RepSox": 16, "A-83-01": 47, "SB-431542": 372}) == [("vactosertib", "A-83-01")]
    assert breaks({"vactosertib": 15, "RepSox": 12, "A-83-01": 400, "SB-431542": 300}) == [("A-83-01", "SB-431542")]
