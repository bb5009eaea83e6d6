"""Mechanisms behind the non-canonical behaviours (issue 11): the p38-TAB1 feedback makes p38 transient,
JNK has kinetics of its own, AKT runs through the p38-dependent autocrine factor, and an ALK5 inhibitor
does not degrade ALK5 through Smad7/Smurf2."""
import numpy as np

from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.metrics import peak, value_at

DAY = Experiment(dose_pM=100.0, t_end_min=1440.0, n_points=1441)


def test_the_tab1_feedback_makes_p38_transient(sim):
    with_feedback = sim.run(DAY, readouts=["p38_active"])
    without = sim.run(DAY, readouts=["p38_active"], params={"k_p38_TAB1_feedback": 0.0})
    late = lambda frame: value_at(frame, "p38_active", 240) / peak(frame, "p38_active")[1]
    assert late(with_feedback) < 0.5
    assert late(without) > 0.8           # without it the arm stays near its peak while complexes persist


def test_p38_and_jnk_curves_differ(sim):
    frame = sim.run(Experiment(dose_pM=100.0, t_end_min=240.0, n_points=241), readouts=["p38_active", "JNK_active"])
    shape = lambda col: frame[col].to_numpy() / frame[col].max()
    assert np.max(np.abs(shape("p38_active") - shape("JNK_active"))) > 0.1
    assert peak(frame, "JNK_active")[0] > peak(frame, "p38_active")[0]


def test_akt_needs_the_autocrine_factor(sim):
    short = Experiment(dose_pM=100.0, t_end_min=480.0, n_points=481)
    ctrl = peak(sim.run(short, readouts=["AKT_active"]), "AKT_active")[1]
    no_factor = peak(sim.run(short, readouts=["AKT_active"], params={"k_autocrine_factor": 0.0}), "AKT_active")[1]
    assert no_factor < 0.5 * ctrl


def test_an_alk5_inhibitor_spares_most_alk5_from_ligand_induced_loss(sim):
    """Smad7 binds only active, inhibitor-free ALK5, so under 10 uM SB-431542 (the library compound) ALK5 loss at
    24 h is less than half of the untreated loss; what remains comes from the slow kinase-independent complex
    degradation and the little ALK5 the drug leaves free."""
    from alk5_pysb.pharmacology.compounds import get_compound
    drug = Experiment(dose_pM=100.0, t_end_min=1440.0, n_points=1441, inhibitor_nM=10_000.0, pretreat_min=60.0,
                      compound=get_compound("SB-431542"))
    loss = lambda frame: 1 - value_at(frame, "total_TBRI", 1440) / frame["total_TBRI"].iloc[0]
    untreated, treated = loss(sim.run(DAY, readouts=["total_TBRI"])), loss(sim.run(drug, readouts=["total_TBRI"]))
    assert untreated > 0.5
    assert treated < 0.5 * untreated, (treated, untreated)
