"""`alk5 calibrate`: PEtab problems fitted on alk5's own engine (calibration/objective.py)."""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pypesto")
pytest.importorskip("petab")

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "models" / "petab" / "problem.yaml"
REST_SBML = REPO / "models" / "alk5_rest.sbml"
ALK5 = [sys.executable, "-m", "alk5_pysb.cli"]
TRUE = {"kon_TGFB1_TBRII": 2.0, "k_phos_Smad2": 0.5}       # fold change from the table value
TIMES = (15.0, 45.0, 120.0, 240.0)                           # min after ligand addition
DOSES = (5.0, 100.0)                                       # pM TGF-beta1
SIGMA = 0.4                                                  # pSmad2 noise, thousand molecules per cell


def _tsv(frame, path):
    frame.to_csv(path, sep="\t", index=False)


def write_problem(folder: Path, measurements: pd.DataFrame, observable: dict, estimated=tuple(TRUE),
                  conditions: pd.DataFrame | None = None) -> Path:
    """A PEtab v1 problem on the resting-state SBML: TGF-beta1 doses, one pSmad2 observable."""
    from alk5_pysb.model.parameters import default_table
    table = default_table()
    folder.mkdir(parents=True, exist_ok=True)
    if conditions is None:
        conditions = pd.DataFrame([{"conditionId": f"TGFB1_{d:g}pM", "dose_TGFB1_pM": d} for d in DOSES])
    _tsv(conditions, folder / "conditions.tsv")
    _tsv(pd.DataFrame([{"observableId": "pSmad2_k", "observableFormula": "pSmad2 / 1000",
                        "noiseFormula": str(SIGMA), "observableTransformation": "lin", "noiseDistribution": "normal",
                        **observable}]), folder / "observables.tsv")
    _tsv(measurements, folder / "measurements.tsv")
    _tsv(pd.DataFrame([{"parameterId": p, "parameterScale": "log10", "lowerBound": table.value(p) / 10,
                        "upperBound": table.value(p) * 10, "nominalValue": table.value(p), "estimate": 1}
                       for p in estimated]), folder / "parameters.tsv")
    (folder / "problem.yaml").write_text(
        f"format_version: 1\nparameter_file: parameters.tsv\nproblems:\n- sbml_files:\n  - {os.path.relpath(REST_SBML, folder)}\n"
        "  condition_files:\n  - conditions.tsv\n  measurement_files:\n  - measurements.tsv\n"
        "  observable_files:\n  - observables.tsv\n", encoding="utf-8")
    return folder / "problem.yaml"


@pytest.fixture(scope="module")
def lean():
    from alk5_pysb.simulation.simulator import shared_simulator
    return shared_simulator("tgfb1")


def _truth(lean):
    from alk5_pysb.model.parameters import default_table
    return {p: default_table().value(p) * fold for p, fold in TRUE.items()}


def _synthetic_measurements(lean, seed=3) -> pd.DataFrame:
    from alk5_pysb.simulation.experiment import Experiment
    rng = np.random.default_rng(seed)
    rows = []
    for dose in DOSES:
        frame = lean.run(Experiment(dose_pM=dose, times=TIMES, t_end_min=max(TIMES)), readouts=["pSmad2"],
                         params=_truth(lean)).set_index("time_min")
        for t in TIMES:
            rows.append({"observableId": "pSmad2_k", "simulationConditionId": f"TGFB1_{dose:g}pM", "time": t,
                         "measurement": frame.loc[t, "pSmad2"] / 1000 + rng.normal(0, SIGMA)})
    return pd.DataFrame(rows)


def test_synthetic_fit_recovers_true_parameters_within_ci(tmp_path, lean):
    from alk5_pysb.cli import main
    problem = write_problem(tmp_path / "petab", _synthetic_measurements(lean), {})
    out = tmp_path / "fit"
    assert main(["calibrate", str(problem), "--starts", "3", "--optimizer", "scipy-ls", "--seed", "1",
                 "--max-iter", "40", "-o", str(out)]) == 0
    ci = pd.read_csv(out / "confidence.csv").set_index("parameterId")
    for name, value in _truth(lean).items():
        low, high = ci.loc[name, "ci95_low"], ci.loc[name, "ci95_high"]
        assert np.isfinite(low) and np.isfinite(high) and low > 0, (name, low, high)
        assert high / low < 2, (name, low, high)                     # the data constrain it
        assert low <= value <= high, (name, value, low, high)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_data"] == len(TIMES) * len(DOSES) and summary["n_estimated"] == 2
    assert summary["AIC"] == pytest.approx(2 * 2 + 2 * summary["objective_nll"])
    # the reported objective is the PEtab NLL at the best point (constants included), not the optimizer's
    # least-squares cost 0.5*sum(res^2)
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    objective = PetabObjective(load_problem(problem), lean)
    fitted = pd.read_csv(out / "best.csv").set_index("name")["value"].to_dict()
    x_best = objective.scale({**objective.nominal, **fitted})
    # (recomputed in another process from best.csv's 8 digits: CVODE agrees to ~1e-5; the least-squares cost
    # differs from the NLL by the constant terms, here several units)
    assert summary["objective_nll"] == pytest.approx(objective.nll(x_best), abs=1e-3)
    constants = 0.5 * len(TIMES) * len(DOSES) * np.log(2 * np.pi * SIGMA ** 2)    # normal noise, fixed sigma
    cost = 0.5 * float(np.sum(objective.residuals(x_best) ** 2))
    assert summary["objective_nll"] == pytest.approx(cost + constants, abs=1e-3)
    starts = pd.read_csv(out / "starts.csv")
    assert list(starts["start"]) == [0, 1, 2] and starts["objective"].min() == pytest.approx(summary["objective_nll"])
    # --resume with more starts runs only the new one; the finished starts are kept as they were
    assert main(["calibrate", str(problem), "--starts", "4", "--optimizer", "scipy-ls", "--seed", "1",
                 "--max-iter", "40", "--resume", "-o", str(out)]) == 0
    again = pd.read_csv(out / "starts.csv")
    assert list(again["start"]) == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(again.iloc[:3], starts)


@pytest.mark.skipif(not SHIPPED.is_file(), reason="no models/petab export")
def test_shipped_problem_nominal_objective_finite_and_two_start_fit(tmp_path, lean):
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    from alk5_pysb.cli import main
    objective = PetabObjective(load_problem(SHIPPED), lean)
    nominal = objective.nll(objective.scale(objective.nominal))
    assert math.isfinite(nominal)
    out = tmp_path / "fit"
    assert main(["calibrate", str(SHIPPED), "--starts", "2", "--optimizer", "scipy-ls", "--max-iter", "2",
                 "-o", str(out)]) == 0
    observables = pd.read_csv(SHIPPED.parent / "observables.tsv", sep="\t")["observableId"]
    for name in ("best.csv", "starts.csv", "confidence.csv", "summary.json", "waterfall.png",
                 "observable_parameters.csv", "provenance.json", *(f"fit_{o}.png" for o in observables)):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    # random starts need not beat the nominal point in 2 iterations; the best is finite and is the best start's
    starts = pd.read_csv(out / "starts.csv")
    assert math.isfinite(summary["objective_nll"]) and summary["objective_nll"] == pytest.approx(starts["objective"].min())
    assert summary["starts"] == 2 == len(starts)
    # best.csv is a parameter table: model parameters only, table units, linear scale
    from alk5_pysb.model.parameters import read_table
    best = read_table(out / "best.csv")
    assert set(best.names) <= set(lean.table_parameters) and "scale_pSmad2_50pM" not in best.names
    assert "scale_pSmad2_50pM" in set(pd.read_csv(out / "observable_parameters.csv")["parameterId"])
    # every command takes it as a context; the run equals one with each value given by --set
    sets = [f"--set={name}={best.value(name)!r}" for name in best.names]
    runs = {}
    for label, extra in (("set", sets), ("context", ["--context", str(out / "best.csv")])):
        res = subprocess.run([*ALK5, "simulate", "--dose", "100pM", "--t-end", "1h", "--readouts", "pSmad2", *extra,
                              "-o", str(tmp_path / f"{label}.csv")], capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stderr
        runs[label] = pd.read_csv(tmp_path / f"{label}.csv")
    pd.testing.assert_frame_equal(runs["set"], runs["context"])


def _bad(tmp_path, *args):
    res = subprocess.run([*ALK5, "calibrate", *args, "-o", str(tmp_path / "fit")], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr


def test_bad_input_exits_2_with_one_line(tmp_path, lean):
    problem = write_problem(tmp_path / "ok", _synthetic_measurements(lean), {})
    assert "invalid choice: 'lbfgs'" in _bad(tmp_path, str(problem), "--optimizer", "lbfgs")
    assert "not found" in _bad(tmp_path, str(tmp_path / "missing.yaml"))
    conditions = pd.DataFrame([{"conditionId": f"TGFB1_{d:g}pM", "dose_TGFB1_pM": d, "Smad2_zero": 1.0}
                               for d in DOSES])
    bad = write_problem(tmp_path / "bad", _synthetic_measurements(lean), {}, conditions=conditions)
    message = _bad(tmp_path, str(bad), "--optimizer", "scipy-ls")
    assert "'Smad2_zero'" in message and "dose_TGFB1_pM" in message and "ligand_time_min" in message


@pytest.mark.parametrize("transformation, distribution", [("lin", "normal"), ("log10", "normal"),
                                                          ("log", "laplace")])
def test_objective_equals_hand_computed_nll(tmp_path, lean, transformation, distribution):
    """One measurement: the NLL is PEtab's density of the datum given the simulated trajectory."""
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    from alk5_pysb.simulation.experiment import Experiment
    y, t, sigma = 8.0, 45.0, 0.3
    measurement = pd.DataFrame([{"observableId": "pSmad2_k", "simulationConditionId": "TGFB1_5pM", "time": t,
                                 "measurement": y}])
    problem = write_problem(tmp_path, measurement, {"observableTransformation": transformation,
                                                    "noiseDistribution": distribution, "noiseFormula": str(sigma)})
    objective = PetabObjective(load_problem(problem), lean)
    x = objective.scale(_truth(lean))
    frame = lean.run(Experiment(dose_pM=5.0, t_end_min=60.0, n_points=5), readouts=["pSmad2"], params=_truth(lean))
    m = float(frame.set_index("time_min").loc[t, "pSmad2"]) / 1000
    f = {"lin": lambda v: v, "log": math.log, "log10": math.log10}[transformation]
    jacobian = {"lin": 0.0, "log": math.log(y), "log10": math.log(y * math.log(10))}[transformation]
    if distribution == "normal":
        expected = 0.5 * math.log(2 * math.pi * sigma**2) + 0.5 * ((f(y) - f(m)) / sigma) ** 2 + jacobian
    else:
        expected = math.log(2 * sigma) + abs(f(y) - f(m)) / sigma + jacobian
    assert objective.nll(x) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert abs(f(y) - f(m)) > 0.01                     # the datum is off the model: the data term counts


def test_the_resume_fingerprint_covers_exactly_the_files_the_problem_names(tmp_path):
    """Issue 20 defect 5: another table in the folder does not change it; an edited named table does."""
    import shutil
    from alk5_pysb.calibration.problem import problem_digest, problem_files
    from alk5_pysb.io.locations import models_dir
    folder = tmp_path / "petab"
    shutil.copytree(Path(models_dir()) / "petab", folder)
    yaml_path = folder / "problem.yaml"
    assert {p.name for p in problem_files(yaml_path)} == {"parameters.tsv", "conditions.tsv", "measurements.tsv",
                                                            "observables.tsv"}
    before = problem_digest(yaml_path)
    (folder / "notes.tsv").write_text("unrelated\t1\n", encoding="utf-8")
    assert problem_digest(yaml_path) == before
    with open(folder / "measurements.tsv", "a", encoding="utf-8") as handle:
        handle.write("\n")
    assert problem_digest(yaml_path) != before
