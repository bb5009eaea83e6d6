"""Repeated ligand pulses: the schedule the simulator runs, its checks, and the experiment-file keys."""
import pytest

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.experiment_files import parse
from alk5_pysb.simulation.experiment import Experiment


def test_each_pulse_adds_the_dose_and_each_washout_removes_it(sim):
    exp = Experiment(dose_pM=50.0, t_end_min=100.0, times=(0.0, 0.25, 0.75, 30.25, 30.75, 60.25, 61.0, 100.0),
                     washout_min=0.5, pulses=3, pulse_every_min=30.0)
    assert exp.ligand_times() == [0.0, 30.0, 60.0] and exp.washout_times() == [0.5, 30.5, 60.5]
    ligand = sim.run(exp, readouts=["free_ligand"]).set_index("time_min")["free_ligand"]
    for t in (0.25, 30.25, 60.25):          # during each pulse: most of the 50 pM dose is in the medium
        assert 40.0 < ligand[t] < 51.0, (t, ligand[t])
    for t in (0.75, 30.75, 61.0):           # after each medium change: only what non-specific sites release
        assert ligand[t] < 2.0, (t, ligand[t])


def test_a_second_pulse_adds_to_the_first(sim):
    """Until the second pulse the course is the single pulse's; after it pSmad2 rises above the single pulse's
    (the second dose acts on cells still signalling from the first)."""
    one = sim.run(Experiment(dose_pM=50.0, t_end_min=120.0, n_points=121, washout_min=0.5), readouts=["pSmad2"])
    two = sim.run(Experiment(dose_pM=50.0, t_end_min=120.0, n_points=121, washout_min=0.5, pulses=2,
                             pulse_every_min=30.0), readouts=["pSmad2"])
    both = one.merge(two, on="time_min", suffixes=("_one", "_two"))       # the common 1-min grid
    assert len(both) == 122                                 # 0-120 min and the first washout
    before, after = both[both["time_min"] < 30.0], both[both["time_min"] >= 45.0]
    assert (before["pSmad2_two"] - before["pSmad2_one"]).abs().max() < 1e-6 * one["pSmad2"].max()
    assert (after["pSmad2_two"] > 1.2 * after["pSmad2_one"]).all()


@pytest.mark.parametrize("fields, message", [
    ({"pulses": 0}, "pulses must be a whole number from 1 to 1000"),
    ({"pulses": 2.5, "pulse_every_min": 30.0}, "pulses must be a whole number"),
    ({"pulses": 3}, "3 pulses need pulse_every > 0 min"),
    ({"pulses": 3, "pulse_every_min": 0.5, "washout_min": 0.5}, "pulse_every (0.5 min) must be longer"),
    ({"washout_min": 0.0}, "washout must be > 0 min"),
    ({"pulses": 3, "pulse_every_min": 60.0, "t_end_min": 100.0}, "pulse 3 at 120 min lies outside the simulated window"),
])
def test_bad_pulse_schedules_are_refused(fields, message):
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Experiment(dose_pM=50.0, **fields).check()


def test_the_rest_sbml_cannot_express_repeated_doses():
    with pytest.raises(UserInputError, match="repeated-dose"):
        Experiment(dose_pM=50.0, pulses=2, pulse_every_min=60.0).check().sbml_changes()


def test_experiment_files_spell_pulses():
    spec = parse('[experiment]\nname = "p"\nligand_dose = "50pM"\nwashout = "30s"\npulses = 3\npulse_every = "30min"\nreadouts = ["pSmad2"]\n',
                 origin="p.toml")
    exp = spec.experiment()
    assert (exp.pulses, exp.pulse_every_min, exp.washout_min) == (3, 30.0, 0.5)
    with pytest.raises(UserInputError, match="pulses"):
        parse('[experiment]\nname = "p"\npulses = "three"\nreadouts = ["pSmad2"]\n', origin="p.toml")
