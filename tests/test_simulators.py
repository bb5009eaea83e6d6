"""RoadRunner on the exported SBML agrees with PySB's own ODE simulator on the same model."""
import numpy as np
import pytest

from alk5_pysb.simulation.simulator import Simulator

DOSE_MOLECULES = 120_000   # ~100 pM TGF-beta1 in 2 nL of medium per cell


@pytest.fixture(scope="module")
def tight(sbml_text):
    return Simulator(sbml_text, rtol=1e-10, atol=1e-8)


def test_roadrunner_matches_pysb_scipy(model, tight):
    from pysb.simulator import ScipyOdeSimulator
    tspan = np.linspace(0, 240, 49)
    pysb_res = ScipyOdeSimulator(model, tspan, compiler="python", integrator="lsoda",
                                 integrator_options={"rtol": 1e-10, "atol": 1e-8}).run(
        param_values={"TGFB1_0": DOSE_MOLECULES})
    rr = tight.rr
    rr.resetAll()
    rr["TGFB1_0"] = DOSE_MOLECULES
    rr.reset()                                   # re-evaluate initial assignments with the new dose
    names = [o.name for o in model.observables]
    out = rr.simulate(times=list(tspan), selections=["time"] + names)
    compared = 0
    for i, name in enumerate(names):
        ref = pysb_res.observables[name]
        got = np.asarray(out[:, i + 1])
        scale = max(float(np.max(np.abs(ref))), 1.0)
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4 * scale, err_msg=name)
        compared += 1
    assert compared >= 30
    # the run really did something
    assert pysb_res.observables["pSmad2"][-1] > 10 * pysb_res.observables["pSmad2"][0]


def test_reset_reevaluates_initial_assignments_and_resetall_restores(sim):
    """The RoadRunner reset trap: parameters changed by a run must not leak into the next."""
    from alk5_pysb.simulation.experiment import Experiment
    short = Experiment(dose_pM=0.0, t_end_min=10, n_points=3)
    low = sim.run(short, readouts=["total_Smad2"], params={"Smad2_0": 50_000})
    assert low["total_Smad2"].iloc[0] == pytest.approx(50_000, rel=1e-6)
    default = sim.run(short, readouts=["total_Smad2"])
    assert default["total_Smad2"].iloc[0] == pytest.approx(100_000, rel=1e-6)


def test_a_run_with_every_constant_moved_leaves_nothing_behind(sim):
    """A member's run sets every constant at once (one vector write); the next default run equals one before it,
    bit for bit, and every settable global is back at the model's value."""
    from alk5_pysb.simulation.experiment import Experiment
    import numpy as np
    exp = Experiment(dose_pM=100.0, t_end_min=45, n_points=4)
    before = sim.run(exp, readouts=["pSmad2", "total_TBRII"])
    moved = {n: sim.nominal(n) * 1.5 for n in sim.table_parameters if n not in ("TGFB1_0",) and sim.nominal(n) > 0}
    moved = {n: v for n, v in moved.items() if n in sim._plain}
    member = sim.run(exp, readouts=["pSmad2", "total_TBRII"], params=moved)
    assert not np.allclose(member["pSmad2"], before["pSmad2"])
    after = sim.run(exp, readouts=["pSmad2", "total_TBRII"])
    assert after.equals(before)
    values = dict(zip(sim.parameters, sim.rr.model.getGlobalParameterValues()))
    assert all(values[n] == sim.nominal(n) for n in sim.table_parameters)


def test_fixed_species_follow_their_parameters(sim):
    """PPM1A and FKBP12 are boundary species: a knock-down must reach them (reset trap, part 2)."""
    from alk5_pysb.simulation.experiment import Experiment
    protocol = Experiment(dose_pM=100.0, t_end_min=60, n_points=13)
    sim.run(protocol, readouts=["pSmad2"], params={"PPM1A_0": 1000})
    assert sim.rr["PPM1A"] == pytest.approx(1000)
    knock = sim.run(protocol, readouts=["pSmad2"], params={"PPM1A_0": 1000})
    wild = sim.run(protocol, readouts=["pSmad2"])
    assert sim.rr["PPM1A"] == pytest.approx(10_000)
    assert knock["pSmad2"].iloc[-1] > 1.2 * wild["pSmad2"].iloc[-1]
    # the same knock-down expressed on the rate constants gives the same dynamics (mass action)
    scaled = sim.run(protocol, readouts=["pSmad2"], params={"k_dephos_PPM1A": 3.94e-6, "k_dephos_PPM1A_complex": 4e-7})
    np.testing.assert_allclose(knock["pSmad2"], scaled["pSmad2"], rtol=1e-4)


def test_feedback_variant_equals_smad7_binding_knockout(model, sim):
    """build_model(exclude={'feedback'}) behaves like the full model with kon_Smad7_ALK5 = 0."""
    from alk5_pysb.io.export import to_sbml
    from alk5_pysb.model import build_model
    from alk5_pysb.simulation.experiment import Experiment
    variant = Simulator(to_sbml(build_model(exclude={"feedback"})))
    protocol = Experiment(dose_pM=100.0, t_end_min=480, n_points=49)
    a = variant.run(protocol, readouts=["pSmad2", "total_TBRII"])
    b = sim.run(protocol, readouts=["pSmad2", "total_TBRII"], params={"kon_Smad7_ALK5": 0.0})
    np.testing.assert_allclose(a["pSmad2"], b["pSmad2"], rtol=1e-3)
    np.testing.assert_allclose(a["total_TBRII"], b["total_TBRII"], rtol=1e-3)


def test_absolute_tolerance_is_uniform_in_molecules_and_survives_shipping(sim):
    """libRoadRunner rescales a scalar absolute tolerance per species (to 1e-17 for some); the
    simulator gives CVODE one value in molecules per cell for every species, also on workers."""
    import pickle
    for s in (sim, pickle.loads(pickle.dumps(sim))):
        atol = np.asarray(s.rr.integrator.getAbsoluteToleranceVector())
        assert len(atol) == len(s.species) and np.all(atol == s.atol) and s.atol == 1e-9
        assert s.rr.integrator.relative_tolerance == 1e-6


@pytest.fixture(scope="module")
def lean():
    return Simulator(network="tgfb1")


@pytest.mark.parametrize("protocol", [
    dict(dose_pM=100.0), dict(dose_pM=1.0), dict(dose_pM=1000.0, inhibitor_nM=1000.0, pretreat_min=60.0),
    dict(dose_pM=100.0, trap_nM=10.0), dict(dose_pM=100.0, washout_min=30.0)])
def test_lean_tgfb1_network_gives_the_full_models_responses(sim, lean, protocol):
    from alk5_pysb.simulation.experiment import Experiment
    readouts = ["pSmad2", "nuc_Smad2", "SMAD7_mRNA", "PAI1_mRNA", "total_TBRII", "p38_active", "ERK_active"]
    p = Experiment(t_end_min=1440.0, n_points=97, **protocol)
    full, small = sim.run(p, readouts), lean.run(p, readouts)
    assert len(lean.species) < 0.6 * len(sim.species)
    for r in readouts:   # same model, fewer (empty) isoform complexes: agreement to solver tolerance
        np.testing.assert_allclose(small[r], full[r], rtol=1e-4, atol=1e-4 * full[r].abs().max(), err_msg=r)


def test_lean_network_refuses_other_ligands(lean):
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.errors import UserInputError
    with pytest.raises(UserInputError, match="--network full"):
        lean.run(Experiment(ligand="TGFB2", dose_pM=100.0, t_end_min=60.0), ["pSmad2"])
