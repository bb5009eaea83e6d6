"""Literature behaviours (../shared/reference/validation_targets.md), one test each, tolerances as given."""
import pytest

from alk5_pysb.analysis import validation

B10_MISS = pytest.mark.xfail(strict=True, reason=(
    "known miss, reported as FAIL in the validation table: with Cheng-Prusoff affinities and one residual factor "
    "fitted on the verified cellular values (issue 12), RepSox comes out 4x more potent than its reported 18 nM "
    "reporter IC50 (0.23x, outside 0.3-10x); its 4 nM input is an autophosphorylation value and the 18 nM is "
    "unverified; A-83-01 has no cell-free value and is not simulated"))
B26_MISS = pytest.mark.xfail(strict=True, reason=(
    "known miss, reported as FAIL: pSMAD2 inhibition lasting up to 7 days after galunisertib is stopped "
    "(Herbertz 2015) is not reproduced; the model's inhibition follows the unbound drug and recovers within ~1.5 days"))



@pytest.mark.parametrize("check_id", ["B1", "B2", "B3", "B4", "B5", "B6", "B7", "B8",
                                      "B9", pytest.param("B10", marks=B10_MISS), "B11",
                                      "B12", "B13", "B14", "B15", "B16", "B17", "B18", "B19",
                                      "B20", "B21", "B22", "B23", "B24", "B25",
                                      pytest.param("B26", marks=B26_MISS)])
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


def test_zi2011_reference_model_depletes_low_doses_and_pulses_transiently():
    """The reference side of B12/B13 is a real simulation of the published model (BIOMD0000000342)."""
    from alk5_pysb.analysis.reference_models import zi2011_time_course
    low, high = zi2011_time_course(10, 480), zi2011_time_course(100, 480)
    assert low["ligand_fraction"].iloc[-1] < 0.2 < 0.7 < high["ligand_fraction"].iloc[-1]
    pulse = zi2011_time_course(50, 480, washout_min=0.5)
    assert pulse["pSmad2"].iloc[240] < 0.3 * pulse["pSmad2"].max()


def test_b12_density_part_uses_the_medium_volume(sim):
    """Half the medium per cell (twice the cell density) consumes a 10 pM dose about twice as fast."""
    times, base = validation._medium_fraction(sim, 10.0)
    _, dense = validation._medium_fraction(sim, 10.0, params={"V_medium": float(sim.rr["V_medium"]) / 2})
    ratio = validation._time_to_half(times, dense) / validation._time_to_half(times, base)
    assert 0.4 <= ratio <= 0.6
