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
        dose_nM, kd_nM = CASES[case]["Inhibitor_0"], sim.rr["Kd_inhibitor"]
        occupancy = dose_nM / (dose_nM + kd_nM)            # competitive ATP-site binding at equilibrium
        bound = got["ALK5_inhibited"].iloc[-1] / got["total_TBRI"].iloc[-1]
        assert bound == pytest.approx(occupancy, rel=1e-2)
        assert got["pSmad2"].max() < reference["ligand"]["pSmad2"].max()   # the drug lowers the response


def test_antimony_round_trip(sbml_text, reference):
    text = (MODELS / "alk5.ant").read_text()
    assert "substanceOnly species TGFB1_medium in medium" in text
    again = interop.antimony_to_sbml(text)
    got = interop.roadrunner_run(again, CASES["ligand"], TIMES, OBSERVABLES + EXPRESSIONS)
    _assert_close(got, reference["ligand"], OBSERVABLES + EXPRESSIONS, rtol=1e-6)


def test_bngl_through_bionetgen_run_network(reference):
    got = interop.bng_ode_run((MODELS / "alk5.bngl").read_text(), CASES["ligand+inhibitor"], 240, 48)
    np.testing.assert_allclose(got["time_min"], TIMES)
    _assert_close(got, reference["ligand+inhibitor"], OBSERVABLES, rtol=1e-4)


def test_combine_archive_runs_in_tellurium_and_matches_alk5(sim, tmp_path):
    """Unpack the committed .omex, execute its SED-ML with tellurium, compare with `alk5`."""
    from alk5_pysb.io import sedml
    from alk5_pysb.simulation.experiment import Experiment
    omex = MODELS / "alk5.omex"
    assert set(sedml.omex_entries(omex)) == {"./alk5_rest.sbml", "./alk5_experiments.sedml"}
    assert sedml.sedml_errors((MODELS / "alk5_experiments.sedml").read_text()) == []
    reports = {}
    for frame in sedml.execute_omex(omex, tmp_path).values():
        reports[frame.columns[0].split(".")[0]] = frame.rename(columns=lambda c: c.split(".")[-1])
    tc = reports["timecourse_100pM"]
    ours = sim.run(Experiment(dose_pM=100.0, t_end_min=1440, times=tuple(tc["time"])),
                   readouts=["pSmad2", "nuc_Smad_complex", "SMAD7_mRNA", "PAI1_mRNA", "p38_active"])
    for col in ("pSmad2", "nuc_Smad_complex", "SMAD7_mRNA", "PAI1_mRNA", "p38_active"):
        np.testing.assert_allclose(tc[col], ours[col], rtol=1e-3, atol=1e-3 * ours[col].abs().max(), err_msg=col)
    dr = reports["dose_response_45min"]
    at45 = dr[dr["time"] == 45.0].set_index("dose_TGFB1_pM")["pSmad2"]
    for dose in sedml.DOSES_PM:
        ref = sim.run(Experiment(dose_pM=dose, t_end_min=45, n_points=46), readouts=["pSmad2"])["pSmad2"].iloc[-1]
        assert at45[dose] == pytest.approx(ref, rel=1e-3)
    pre = reports["pretreatment_SB431542"]
    ours = sim.run(Experiment(dose_pM=100.0, t_end_min=180, times=tuple(pre["time"] - 60), inhibitor_nM=10_000,
                            pretreat_min=60), readouts=["pSmad2", "ALK5_inhibited"])
    ours = ours[ours["time_min"].isin(list(pre["time"] - 60))].reset_index(drop=True)
    np.testing.assert_allclose(pre["pSmad2"], ours["pSmad2"], rtol=1e-3, atol=1.0)


def test_petab_problem_lints_clean_and_reproduces_the_simulator(sim):
    import pandas as pd
    import roadrunner
    import sympy
    from alk5_pysb.io.petab_problem import lint
    from alk5_pysb.simulation.experiment import Experiment
    folder = MODELS / "petab"
    assert lint(folder / "problem.yaml")
    conditions = pd.read_csv(folder / "conditions.tsv", sep="\t").set_index("conditionId")
    measurements = pd.read_csv(folder / "measurements.tsv", sep="\t")
    parameters = pd.read_csv(folder / "parameters.tsv", sep="\t").set_index("parameterId")
    assert (parameters["upperBound"] / parameters["lowerBound"]).round(6).isin([100.0]).sum() >= len(parameters) - 1
    observables = pd.read_csv(folder / "observables.tsv", sep="\t").set_index("observableId")
    readouts = ["pSmad2", "total_TBRII", "total_TBRI", "nuc_Smad2"]
    rest = sim.run(Experiment(dose_pM=0.0, t_end_min=1, n_points=2), readouts=readouts).iloc[0]
    rr = roadrunner.RoadRunner(str(MODELS / "alk5_rest.sbml"))
    simulated = {}
    for condition, rows in measurements.groupby("simulationConditionId"):
        settings = conditions.loc[condition]
        assert settings["Inhibitor_0"] == 0 and settings["ligand_time_min"] == 0   # a plain TGF-beta1 step
        rr.resetAll()
        for name, value in settings.drop("conditionName").items():
            rr[name] = float(value)
        times = sorted(set(rows["time"]) | {45.0})
        out = rr.simulate(times=[0.0] + times, selections=["time"] + readouts)
        petab = pd.DataFrame(np.array(out)[1:], columns=["time_min"] + readouts).set_index("time_min")
        # the PEtab condition is the same experiment as `alk5`'s TGF-beta1 step: same numbers
        ours = sim.run(Experiment(dose_pM=float(settings["dose_TGFB1_pM"]), t_end_min=max(times), times=tuple(times)),
                       readouts=readouts).set_index("time_min").loc[times]
        np.testing.assert_allclose(petab.to_numpy(), ours.to_numpy(), rtol=1e-3, atol=1.0)
        for _, row in rows.iterrows():
            obs, t = row["observableId"], row["time"]
            values = {name: float(v) for name, v in petab.loc[t].items()}
            values.update({name: rr[name] for name in ("TBRII_0", "ALK5_0")})   # model parameters in formulas
            # the scaling parameter stands for the 45-min pSmad2 of the same condition
            values[f"observableParameter1_{obs}"] = float(petab.loc[45.0, "pSmad2"])
            got = float(sympy.sympify(observables.loc[obs, "observableFormula"]).subs(values))
            if obs == "pSmad2_rel45":
                reference = ours.loc[t, "pSmad2"] / ours.loc[45.0, "pSmad2"]
            else:   # relative to the resting state that `alk5` pre-equilibrates
                reference = ours.loc[t, REL_REST[obs]] / rest[REL_REST[obs]]
            assert got == pytest.approx(reference, rel=1e-2), obs
            simulated[obs, t] = got
    # the simulated observables show the facts the measurements state (sign and order):
    # TbetaRII is lost more than TbetaRI by 3 h (Zi 2011; B8), Smad2 accumulates in the nucleus (B5),
    # pSmad2 stays a large fraction of its 45-min value (B2)
    assert 0 < simulated["TBRII_rel_rest", 180.0] < simulated["TBRI_rel_rest", 180.0] < 1
    assert simulated["nucSmad2_rel_rest", 45.0] > 1
    assert 0 < simulated["pSmad2_rel45", 240.0] < 1
