"""The TRAF6 kinase-dependence switch (issue 11): with TRAF6_needs_ALK5_kinase = 1 a saturating ALK5 inhibitor
blocks p38 (Bakin et al. 2002: kinase-inactive ALK5 blocked p38); with the default 0 it spares it (Sorrentino et
al. 2008: TRAF6-TAK1 activation is independent of TbetaRI kinase activity)."""
import pytest

from alk5_pysb.simulation.experiment import Experiment

CONTROL = Experiment(dose_pM=100.0, t_end_min=60.0, n_points=61)
DRUG = Experiment(dose_pM=100.0, t_end_min=60.0, n_points=61, inhibitor_nM=100_000.0, pretreat_min=60.0)


def _p38_peak(sim, experiment, switch):
    frame = sim.run(experiment, readouts=["p38_active", "pSmad2"], params={"TRAF6_needs_ALK5_kinase": switch})
    after = frame[frame["time_min"] >= 0]
    return after["p38_active"].max() - frame["p38_active"].iloc[0], after["pSmad2"].max()


@pytest.mark.parametrize("switch, spared", [(0.0, True), (1.0, False)])
def test_the_switch_decides_whether_an_alk5_inhibitor_spares_p38(sim, switch, spared):
    control, _ = _p38_peak(sim, CONTROL, switch)
    drug, _ = _p38_peak(sim, DRUG, switch)
    assert control > 0
    if spared:
        assert drug >= 0.9 * control, (drug, control)
    else:   # "blocked" is qualitative in the source; the 0.7% of ALK5 left free at 100 uM still drives ~18% of
        # the p38 rise because the TRAF6-TAK1-p38 cascade amplifies (issue 11: the branch saturates)
        assert drug < 0.5 * control, (drug, control)


def test_without_drug_the_two_settings_agree_on_the_canonical_arm(sim):
    """The switch acts on the TRAF6 branch only: pSmad2 does not depend on it, and p38 without drug is close."""
    (p38_0, ps2_0), (p38_1, ps2_1) = _p38_peak(sim, CONTROL, 0.0), _p38_peak(sim, CONTROL, 1.0)
    assert ps2_1 == pytest.approx(ps2_0, rel=1e-6)
    assert p38_1 == pytest.approx(p38_0, rel=0.3) and p38_1 <= p38_0
