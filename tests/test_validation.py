"""Literature behaviours (../shared/reference/validation_targets.md), one test each, tolerances as given."""
import pytest

from alk5_pysb import validation


def _assert(check):
    assert check.passed, f"{check.id}: target {check.target}; model {check.model}. {check.note}"


def test_B1_pSmad2_peak_time(sim):
    _assert(validation.b1_peak_time(sim))


def test_B2_sustained_phase(sim):
    _assert(validation.b2_sustained(sim))


def test_B3_graded_short_term_dose_response(sim):
    _assert(validation.b3_graded_short_term(sim))


def test_B4_inhibitor_washoff(sim):
    _assert(validation.b4_inhibitor_washoff(sim))


def test_B5_nuclear_accumulation_by_trapping(sim):
    _assert(validation.b5_nuclear_accumulation(sim))


def test_B6_smad7_immediate_early(sim):
    _assert(validation.b6_smad7_immediate_early(sim))


@pytest.mark.xfail(strict=True, reason="known miss, reported as FAIL in the validation table: the 8 h PAI-1 "
                   "dose response has nH ~1.4 (< 1.5); it is switch-like only by 24 h (nH ~2.3) because receptor "
                   "capture depletes low doses over hours, not within ~1 h as in Zi 2011")
def test_B7_pai1_delayed_and_switch_like(sim):
    _assert(validation.b7_pai1_delayed_switch(sim))


def test_B8_receptor_downregulation_and_feedback(sim):
    _assert(validation.b8_receptor_downregulation(sim))


def test_validation_table_renders(sim):
    table = validation.run_checks(sim, ["B1", "B5"])
    md = validation.to_markdown(table)
    assert md.count("PASS") + md.count("FAIL") == 2
