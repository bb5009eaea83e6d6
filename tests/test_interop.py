"""Other simulators reproduce RoadRunner's numbers on our exports."""
import numpy as np
import pytest

from alk5_pysb.io import interop
from conftest import MODELS

TIMES = np.linspace(0, 240, 49)
OBSERVABLES = ["pSmad2", "pSmad3", "nuc_Smad2", "nuc_Smad_complex", "receptor_complex", "SMAD7_mRNA", "PAI1_mRNA",
               "Smad7", "p38_active", "ERK_active", "RhoA_GTP"]
EXPRESSIONS = ["ALK5_active", "ALK5_inhibited", "total_TBRII", "total_TBRI", "free_ligand"]
CASES = {"ligand": {"TGFB1_0": 120_000.0}, "ligand+inhibitor": {"TGFB1_0": 120_000.0, "Inhibitor_0": 1000.0}}
#: PEtab observables relative to rest -> the readout they divide
REL_REST = {"TBRII_rel_rest": "total_TBRII", "TBRI_rel_rest": "total_TBRI", "nucSmad2_rel_rest": "nuc_Smad2"}
#: relative-to-rest observables whose denominator is an estimated scale (its measurement at t = 0 pins it)
SCALED_REST = {"nucSmad2_rel_rest"}


@pytest.fixture(scope="module")
def reference(sbml_text):
    return {case: interop.roadrunner_run(sbml_text, params, TIMES, OBSERVABLES + EXPRESSIONS)
            for case, params in CASES.items()}


def _assert_close(got, ref, names, rtol):
    for name in names:
        scale = max(float(ref[name].abs().max()), 1.0)
        np.testing.assert_allclose(np.asarray(got[name], float), ref[name].to_numpy(), rtol=rtol, atol=rtol * scale,
                                   err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_copasi_agrees_with_roadrunner(sim, sbml_text, reference, case):
    got = interop.copasi_run(sbml_text, CASES[case], TIMES, OBSERVABLES + EXPRESSIONS)
    _assert_close(got, reference[case], OBSERVABLES + EXPRESSIONS, rtol=1e-3)
    # the agreement is not vacuous: COPASI's run shows each case's own response, measured against
    # another simulation (or, for the drug, against equilibrium binding worked out by hand)
    if case == "ligand":
        unstimulated = interop.roadrunner_run(sbml_text, {}, TIMES, ["pSmad2"])
        assert got["pSmad2"].max() > 10 * unstimulated["pSmad2"].max()
    else:
        dose_nM, kd_nM = CASES[case]["Inhibitor_0"], sim.rr["Kd_inhibitor"] * sim.rr["Kd_residual_factor"]   # cellular Kd
        occupancy = dose_nM / (dose_nM + kd_nM)            # competitive ATP-site binding at equilibrium
        bound = got["ALK5_inhibited"].iloc[-1] / got["total_TBRI"].iloc[-1]
        assert bound == pytest.approx(occupancy, rel=1e-2)
        assert got["pSmad2"].max() < reference["ligand"]["pSmad2"].max()   # the drug lowers the response


def test_antimony_round_trip(sbml_text, reference):
    text = (MODELS / "alk5.ant").read_text(encoding="utf-8")
    assert "substanceOnly species TGFB1_medium in medium" in text
    again = interop.antimony_to_sbml(text)
    got = interop.roadrunner_run(again, CASES["ligand"], TIMES, OBSERVABLES + EXPRESSIONS)
    _assert_close(got, reference["ligand"], OBSERVABLES + EXPRESSIONS, rtol=1e-6)


def test_bngl_through_bionetgen_run_network(reference):
    got = interop.bng_ode_run((MODELS / "alk5.bngl").read_text(encoding="utf-8"), CASES["ligand+inhibitor"], 240, 48)
    np.testing.assert_allclose(got["time_min"], TIMES)
    _assert_close(got, reference["ligand+inhibitor"], OBSERVABLES, rtol=1e-4)


# -- the same Experiment through `alk5` and through the resting-state SBML (SED-ML, PEtab) ----------------
#: agreement of `alk5` (Simulator.run) and the SBML tools on the same Experiment, per readout: relative
#: 1e-4, absolute 1e-4 x the readout's largest value (observed: <= 1e-5 for every readout and case)
AGREE = 1e-4


def _assert_same_experiment(got, ours, experiment, readouts, label):
    """``got``: a tool's run on the resting-state SBML (``time`` in SBML time = experiment time +
    pre-treatment); ``ours``: ``Simulator.run(experiment)``. Same grid, same numbers. Rows at the dose
    times are left out: the SBML events fire just after them (the tools report the state before the
    dose), while `alk5` reports the state after it."""
    times = np.asarray(got["time"], float) - experiment.pretreat_min
    ours = ours.set_index("time_min")
    assert len(times) > 10 and np.isin(times, ours.index).all(), label      # the experiment's own grid
    ours = ours.loc[times]
    keep = ~np.isin(times, [0.0, experiment.inhibitor_time_min or 0.0])
    for name in readouts:
        expected = ours[name].to_numpy()[keep]
        np.testing.assert_allclose(np.asarray(got[name], float)[keep], expected, rtol=AGREE,
                                   atol=AGREE * max(np.abs(expected).max(), 1.0), err_msg=f"{label}: {name}")


@pytest.fixture(scope="module")
def rest_rr(sim):
    """RoadRunner on the committed resting-state SBML, with the simulator's tolerances."""
    import roadrunner
    from alk5_pysb.simulation.simulator import set_tolerances
    rr = roadrunner.RoadRunner(str(MODELS / "alk5_rest.sbml"))
    set_tolerances(rr, sim.rtol, sim.atol)
    return rr


def _rest_run(rr, values: dict, sbml_times, readouts):
    """The resting-state SBML with parameter values ``values``, as a PEtab or SED-ML tool runs it."""
    import pandas as pd
    rr.resetAll()
    for name, value in values.items():
        rr[name] = float(value)
    out = rr.simulate(times=[float(t) for t in sbml_times], selections=["time"] + list(readouts))
    return pd.DataFrame(np.array(out), columns=["time"] + list(readouts))


def test_combine_archive_runs_in_tellurium_and_matches_alk5(sim, tmp_path):
    """Unpack the committed .omex, execute its SED-ML with tellurium; each task is an Experiment
    (sedml.standard_experiments, a repeated task one per dose) that `alk5` runs to the same numbers."""
    from alk5_pysb.io import sedml
    omex = MODELS / "alk5.omex"
    assert set(sedml.omex_entries(omex)) == {"./alk5_rest.sbml", "./alk5_experiments.sedml"}
    assert sedml.sedml_errors((MODELS / "alk5_experiments.sedml").read_text(encoding="utf-8")) == []
    reports = {}
    for frame in sedml.execute_omex(omex, tmp_path).values():
        reports[frame.columns[0].split(".")[0]] = frame.rename(columns=lambda c: c.split(".")[-1])
    experiments = sedml.standard_experiments()
    assert set(reports) == set(experiments) == {"timecourse_100pM", "dose_response_45min", "pretreatment_SB431542"}
    for task, experiment in experiments.items():
        report, runs = reports[task], sedml.conditions(task)
        assert set(report.columns) >= {"time", *experiment.readouts}
        if task in sedml.REPEATS:            # one block of rows per dose, in the range's order
            assert [c.dose_pM for c in runs] == list(sedml.DOSES_PM)
            assert list(dict.fromkeys(report["dose_TGFB1_pM"])) == list(sedml.DOSES_PM)
        for run in runs:
            got = report[report["dose_TGFB1_pM"] == run.dose_pM] if task in sedml.REPEATS else report
            _assert_same_experiment(got, sim.run(run), run, run.readouts, f"{task} ({run.describe()})")
    # the experiments are the ones named: a 24-h course, pSmad2 rising with the dose at 45 min, and a
    # pre-treatment that binds ALK5 before the ligand comes and keeps pSmad2 down
    tc, dr, pre = reports["timecourse_100pM"], reports["dose_response_45min"], reports["pretreatment_SB431542"]
    assert tc["time"].iloc[-1] == 1440 and tc["pSmad2"].max() > 10 * tc["pSmad2"].iloc[0]
    at45 = dr[dr["time"] == 45.0].set_index("dose_TGFB1_pM")["pSmad2"]
    assert list(at45.index) == list(sedml.DOSES_PM) and at45.is_monotonic_increasing
    before_ligand = pre[pre["time"] == 57.0]
    assert before_ligand["ALK5_inhibited"].item() > 0.5 * pre["ALK5_inhibited"].max() > 0
    assert pre["pSmad2"].max() < 0.2 * tc["pSmad2"].max()          # 10 uM, cellular Kd 20.8 nM: > 99% of ALK5 bound


def test_sbml_changes_reproduce_the_simulator_for_other_schedules(sim, rest_rr):
    """Experiment.sbml_changes on schedules the standard exports do not use: co-, pre- and
    post-treatment, a compound with a TbetaRII effect, other ligands, a parameter change."""
    import dataclasses
    from alk5_pysb.errors import UserInputError
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.simulator import default_readouts
    galunisertib = get_compound("galunisertib")
    cases = [Experiment(dose_pM=100.0, inhibitor_nM=1000.0, compound=galunisertib, inhibitor_at_min=0.0),
             Experiment(dose_pM=100.0, inhibitor_nM=1000.0, compound=galunisertib, pretreat_min=30.0),
             Experiment(dose_pM=100.0, inhibitor_nM=10_000.0, inhibitor_at_min=30.0),
             Experiment(ligand="TGFB2", dose_pM=100.0),
             Experiment(ligand="GDF11", dose_pM=1000.0),
             Experiment(dose_pM=100.0, inhibitor_nM=100.0, pretreat_min=60.0, params={"Kd_inhibitor": 100.0}),
             Experiment(dose_pM=100.0, trap_nM=1.0),
             Experiment(dose_pM=100.0, trap_nM=1.0, inhibitor_nM=1000.0, pretreat_min=60.0)]
    assert cases[0].sbml_changes()["TBRII_kinase_activity"] < 1
    readouts = default_readouts()
    for experiment in cases:
        experiment = dataclasses.replace(experiment, t_end_min=480.0, n_points=97)
        got = _rest_run(rest_rr, experiment.sbml_changes(),
                        np.linspace(0.0, experiment.pretreat_min + 480.0, 97), readouts)
        _assert_same_experiment(got, sim.run(experiment, readouts=readouts), experiment, readouts, repr(experiment))
    # what the resting-state SBML cannot express is refused, not approximated
    for experiment in (Experiment(inhibitor_nM=1000.0, compound=galunisertib, inhibitor_at_min=30.0),
                       Experiment(washout_min=30.0),
                       Experiment(inhibitor_nM=1000.0, pretreat_min=60.0, inhibitor_washout_min=30.0)):
        with pytest.raises(UserInputError):
            experiment.sbml_changes()


def test_petab_problem_lints_clean_and_reproduces_the_simulator(sim, rest_rr):
    """Each PEtab condition is an Experiment (literature.experiments): its row holds the
    experiment's sbml_changes, and RoadRunner on alk5_rest.sbml with the row's values gives the
    numbers `alk5` gives for the experiment, for every standard readout (pre-treated conditions on the
    SBML's clock, which starts the pre-treatment earlier)."""
    import dataclasses

    import pandas as pd
    import sympy
    from alk5_pysb.calibration import literature
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.simulator import default_readouts
    folder = MODELS / "petab"
    assert literature.lint(folder / "problem.yaml")
    conditions = pd.read_csv(folder / "conditions.tsv", sep="\t").set_index("conditionId")
    measurements = pd.read_csv(folder / "measurements.tsv", sep="\t")
    parameters = pd.read_csv(folder / "parameters.tsv", sep="\t").set_index("parameterId")
    # each estimated model constant is searched over its range in the parameter table (issue 17)
    from alk5_pysb.model.parameters import default_table
    table = default_table().frame
    model_rows = parameters[parameters.index.isin(table.index)]
    assert len(model_rows) == len(literature.ESTIMATED)
    assert (model_rows["lowerBound"] == table.loc[model_rows.index, "low"]).all()
    assert (model_rows["upperBound"] == table.loc[model_rows.index, "high"]).all()
    assert "Kd_inhibitor" in parameters.index and parameters.loc["Kd_inhibitor", "estimate"] == 1
    observables = pd.read_csv(folder / "observables.tsv", sep="\t").set_index("observableId")
    experiments = literature.experiments()
    assert list(conditions.index) == ["rest", *experiments]
    assert list(experiments)[:2] == ["TGFB1_50pM", "TGFB1_100pM"]
    assert {e.inhibitor_nM for e in list(experiments.values())[2:]} == set(literature.SB_DOSES_NM)
    assert set(measurements["simulationConditionId"]) == set(experiments)
    assert set(measurements["preequilibrationConditionId"]) == {"rest"}     # resting cells before every condition
    rest_row = conditions.loc["rest"].drop("conditionName").astype(float).to_dict()
    assert rest_row == {**literature.NEUTRAL, **literature.rest_experiment().sbml_changes()}
    readouts = default_readouts()
    rest = sim.run(Experiment(dose_pM=0.0, t_end_min=1, n_points=2), readouts=readouts).iloc[0]
    simulated = {}
    for condition, experiment in experiments.items():
        settings = conditions.loc[condition]
        values = settings.drop("conditionName").astype(float).to_dict()
        assert values == {**literature.NEUTRAL, **experiment.sbml_changes()}, condition   # the row is the experiment
        rows = measurements[measurements["simulationConditionId"] == condition]
        shift = experiment.pretreat_min                   # PEtab (SBML) time = alk5 time + pre-treatment
        times = np.union1d(np.linspace(0.0, 480.0, 97), [*(rows["time"] - shift), 45.0, 60.0])
        # the SBML clock starts at 0, the pre-treatment (RoadRunner starts at the first output time)
        got = _rest_run(rest_rr, values, np.union1d([0.0], times + shift), readouts)
        run = dataclasses.replace(experiment, t_end_min=float(times[-1]), times=tuple(times))
        ours = sim.run(run, readouts=readouts)
        _assert_same_experiment(got, ours, run, readouts, condition)
        petab = got.assign(time=got["time"] - shift).set_index("time")
        ours = ours.set_index("time_min")
        for _, row in rows.iterrows():
            obs, t = row["observableId"], row["time"] - shift
            scope = {name: float(v) for name, v in petab.loc[t].items()}
            scope.update({name: rest_rr[name] for name in ("TBRII_0", "ALK5_0")})   # model parameters in formulas
            if obs == "pSmad2_rel45":      # the scale stands for the 45-min pSmad2 of the same condition
                scope[f"observableParameter1_{obs}"] = float(petab.loc[45.0, "pSmad2"])
            elif obs == "pSmad2_rel_nodrug":   # ... for the drug-free pSmad2 at 60 min
                scope[f"observableParameter1_{obs}"] = simulated.get("nodrug_60") or float(petab.loc[60.0, "pSmad2"])
                simulated.setdefault("nodrug_60", scope[f"observableParameter1_{obs}"])
            elif obs in SCALED_REST:       # ... for the resting value (the condition's state at the ligand's addition)
                scope[f"observableParameter1_{obs}"] = float(petab.loc[0.0, REL_REST[obs]])
            value = float(sympy.sympify(observables.loc[obs, "observableFormula"]).subs(scope))
            if obs == "pSmad2_rel45":
                reference = ours.loc[t, "pSmad2"] / ours.loc[45.0, "pSmad2"]
            elif obs == "pSmad2_rel_nodrug":
                reference = ours.loc[t, "pSmad2"] / simulated["nodrug_60"]
            else:   # relative to the resting state that `alk5` pre-equilibrates
                reference = ours.loc[t, REL_REST[obs]] / rest[REL_REST[obs]]
            assert value == pytest.approx(reference, rel=1e-2), obs
            simulated[obs, t, condition] = value
    # the simulated observables show the facts the measurements state (sign and order):
    # TbetaRII is lost more than TbetaRI by 3 h (Zi 2011; B8), Smad2 accumulates in the nucleus (B5),
    # pSmad2 stays a large fraction of its 45-min value (B2), SB-431542 lowers pSmad2 with its dose
    assert 0 < simulated["TBRII_rel_rest", 180.0, "TGFB1_50pM"] < simulated["TBRI_rel_rest", 180.0, "TGFB1_50pM"] < 1
    assert simulated["nucSmad2_rel_rest", 45.0, "TGFB1_100pM"] > 1
    assert 0 < simulated["pSmad2_rel45", 240.0, "TGFB1_50pM"] < 1
    drug = [simulated["pSmad2_rel_nodrug", 60.0, f"TGFB1_100pM_SB431542_{d:g}nM"] for d in literature.SB_DOSES_NM]
    assert 1 > drug[0] > drug[1] > drug[2] > 0
