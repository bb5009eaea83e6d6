"""Profile likelihoods (calibration/profiles.py, pyPESTO's profiler): a synthetic problem with one identifiable,
one structurally and one practically non-identifiable parameter, and the shipped potency problem."""
import json
import math

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pypesto")

from alk5_pysb.calibration.profiles import FLAT_TOL, profile, threshold  # noqa: E402

T = np.array([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0])
NOISE = np.array([0.03, -0.05, 0.02, 0.04, -0.03, 0.01, -0.02])      # fixed, small
SIGMA = 0.05
TRUE = {"a": 2.0, "b": 0.0, "k": 20.0}
NAMES, LB, UB, SCALES = ["a", "b", "k"], [0.1, -5.0, -1.0], [10.0, 5.0, 3.0], ["lin", "lin", "log10"]


def synthetic():
    """y = a*t + (1 - exp(-k*t)) + 0*b, sd 0.05: a is determined; b enters nowhere (flat); k only from below
    (for k >~ 10 the rise is over before the first time point, so k can grow to its bound).
    x = (a, b, log10 k). Returns the pyPESTO problem (no model) and its NLL."""
    import pypesto
    from pypesto.objective import FD
    y = TRUE["a"] * T + (1 - np.exp(-TRUE["k"] * T)) + NOISE

    def residuals(x):
        a, b, log_k = x
        return (y - (a * T + (1 - np.exp(-10.0 ** log_k * T)) + 0.0 * b)) / SIGMA

    def nll(x):
        return 0.5 * float(np.sum(residuals(x) ** 2)) + len(T) * math.log(math.sqrt(2 * math.pi) * SIGMA)

    objective = FD(pypesto.Objective(fun=nll, res=residuals), grad=True, sres=True)
    return pypesto.Problem(objective, lb=LB, ub=UB, x_names=NAMES, x_scales=SCALES), nll


def start():
    """Not the optimum: profile() re-optimises it first."""
    return [TRUE["a"] * 1.01, 0.3, math.log10(TRUE["k"])]


def _profile_minimum(nll, fixed: int, value: float, x0) -> float:
    """The NLL minimised over the other parameters with one fixed: an independent (scipy) check."""
    from scipy.optimize import minimize
    free = [i for i in range(3) if i != fixed]

    def f(z):
        x = np.empty(3)
        x[fixed], x[free] = value, z
        return nll(x)
    best = min((minimize(f, np.asarray(x0)[free] + shift, method="L-BFGS-B",
                         bounds=[(LB[i], UB[i]) for i in free]) for shift in (0.0, 0.5)), key=lambda r: r.fun)
    return float(best.fun)


@pytest.fixture(scope="module")
def synthetic_profiles(tmp_path_factory):
    out = tmp_path_factory.mktemp("profiles")
    problem, nll = synthetic()
    points, intervals = profile(problem, start(), out=out)
    return points, intervals.set_index("parameter"), out, nll, intervals.attrs


def test_identifiable_parameter_has_a_finite_interval_holding_the_truth(synthetic_profiles):
    points, intervals, _, nll, attrs = synthetic_profiles
    a = intervals.loc["a"]
    assert a["identifiability"] == "identifiable"
    assert a["lower_end"] == a["upper_end"] == "threshold"
    low, high = float(a["lower"]), float(a["upper"])
    assert LB[0] < low < TRUE["a"] < high < UB[0]
    assert low < a["best"] < high
    # independently of pyPESTO: re-optimising the others at each end rises by the chi2(1) threshold over the
    # best NLL (the profile points themselves are re-optimised too)
    at_best = points[(points["parameter"] == "a") & (points["delta_nll"] == 0)]
    best_x = at_best[NAMES].iloc[0].to_numpy(dtype=float, copy=True)
    best_x[2] = math.log10(best_x[2])
    best = nll(best_x)
    assert best == pytest.approx(attrs["best_nll"], abs=1e-9)
    for end in (low, high):
        assert _profile_minimum(nll, 0, end, best_x) - best == pytest.approx(threshold(), abs=0.03)
    # a is linear in the data: its interval is the exact 1.96 sd one, a_hat -/+ 1.96 * sigma / sqrt(sum t^2)
    half = 1.959964 * SIGMA / math.sqrt(float(np.sum(T ** 2)))
    assert (high - low) / 2 == pytest.approx(half, rel=0.02)


def test_flat_parameter_is_structurally_non_identifiable(synthetic_profiles):
    points, intervals, _, _, _ = synthetic_profiles
    b = intervals.loc["b"]
    assert b["identifiability"] == "structurally non-identifiable"
    assert b["lower"] == b["upper"] == "bound"
    assert b["explored_low"] == pytest.approx(LB[1]) and b["explored_high"] == pytest.approx(UB[1])
    delta = points.loc[points["parameter"] == "b", "delta_nll"]
    assert len(delta) >= 3 and delta.abs().max() < FLAT_TOL


def test_one_sided_parameter_is_practically_non_identifiable(synthetic_profiles):
    points, intervals, _, _, _ = synthetic_profiles
    k = intervals.loc["k"]
    assert k["identifiability"] == "practically non-identifiable"
    assert k["lower_end"] == "threshold" and k["upper"] == "bound"
    assert 10.0 ** LB[2] < float(k["lower"]) < TRUE["k"]
    assert k["explored_high"] == pytest.approx(10.0 ** UB[2])
    rise = points[points["parameter"] == "k"].sort_values("value")["delta_nll"].to_numpy()
    assert rise[0] > threshold() and rise[-1] < threshold()           # rises below, stays low above


def test_outputs_are_written(synthetic_profiles):
    points, intervals, out, _, _ = synthetic_profiles
    for name in ("profiles.csv", "profile_intervals.csv", "profiles.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    written = pd.read_csv(out / "profile_intervals.csv").set_index("parameter")
    assert list(written.index) == NAMES
    assert list(written["identifiability"]) == list(intervals["identifiability"])
    table = pd.read_csv(out / "profiles.csv")
    assert set(table["parameter"]) == set(NAMES) and len(table) == len(points)
    assert np.allclose(table["ratio"], np.exp(-table["delta_nll"]))
    assert not list(out.glob(".*"))                                   # no temporary file left behind


def test_max_steps_stops_a_direction_and_says_so():
    problem, _ = synthetic()
    points, intervals = profile(problem, start(), parameters=["a"], max_steps=1)
    a = intervals.set_index("parameter").loc["a"]
    assert a["lower"] == a["upper"] == "not reached"
    assert a["lower_end"] == a["upper_end"] == "max_steps" and a["identifiability"] == "undetermined"
    assert len(points) == 3 and points["delta_nll"].max() < threshold()    # the stop placeholder is dropped


def test_workers_give_the_serial_profiles(synthetic_profiles):
    _, serial, _, _, _ = synthetic_profiles
    problem, _ = synthetic()
    _, parallel = profile(problem, start(), parameters=["a", "k"], workers=2)
    parallel = parallel.set_index("parameter")
    for name in ("a", "k"):
        for column in ("lower", "upper", "identifiability"):
            assert parallel.loc[name, column] == serial.loc[name, column], (name, column)


def test_bad_arguments_are_refused():
    import pypesto.optimize as optimize
    problem, _ = synthetic()
    with pytest.raises(ValueError, match="not an estimated parameter"):
        profile(problem, start(), parameters=["c"])
    with pytest.raises(ValueError, match="3"):
        profile(problem, [1.0, 2.0])
    # its objective includes the constant terms a least-squares optimizer leaves out
    with pytest.raises(ValueError, match="least-squares"):
        profile(problem, start(), optimizer=optimize.ScipyOptimizer(method="ls_trf"))


def test_potency_problem_residual_factor_profile():
    """The shipped potency problem on the model: Kd_residual_factor's profile interval is finite, holds the
    estimate and agrees with the Wald interval of `alk5 calibrate potency` on the log scale (the profile is
    nearly quadratic there)."""
    import time

    from alk5_pysb.calibration.multistart import confidence

    from alk5_pysb.calibration.objective import PetabObjective

    from alk5_pysb.calibration.problem import load_problem
    from alk5_pysb.io import contexts
    from alk5_pysb.simulation.simulator import shared_simulator
    t0 = time.perf_counter()
    report = json.loads((contexts.problem_yaml("potency").parent / "report.json").read_text(encoding="utf-8"))
    objective = PetabObjective(load_problem("potency"), shared_simulator("tgfb1"))
    # report.json keeps the residual factor; the two assay scales are nominal and re-optimised (polish)
    points, intervals = profile(objective, {"Kd_residual_factor": report["Kd_residual_factor"]},
                                parameters=["Kd_residual_factor"], max_steps=15)
    row = intervals.iloc[0]
    assert row["identifiability"] == "identifiable", row.to_dict()
    low, high = float(row["lower"]), float(row["upper"])
    assert low < row["best"] < high
    assert row["best"] == pytest.approx(report["Kd_residual_factor"], rel=0.05)
    assert intervals.attrs["best_nll"] == pytest.approx(report["nllh"], abs=0.05)
    x_best = objective.scale({**objective.nominal, **{n: v for n, v in points[points["delta_nll"] == 0]
                                                        .iloc[0][objective.x_ids].items()}})
    wald = confidence(objective, x_best).set_index("parameterId").loc["Kd_residual_factor"]
    assert math.log10(high / low) == pytest.approx(math.log10(wald["ci95_high"] / wald["ci95_low"]), rel=0.3)
    assert time.perf_counter() - t0 < 90


def test_best_values_of_a_fit_folder_and_of_a_shipped_report(tmp_path):
    from alk5_pysb.calibration.profiles import best_values
    from alk5_pysb.io import contexts
    pd.DataFrame([{"name": "k_phos_Smad2", "value": 0.061}, {"name": "TBRII_0", "value": 2.2e4}]).to_csv(
        tmp_path / "best.csv", index=False)
    pd.DataFrame([{"parameterId": "SMAD7_mRNA_rest", "value": 2.47, "scale": "log10"}]).to_csv(
        tmp_path / "observable_parameters.csv", index=False)
    assert best_values(tmp_path) == {"k_phos_Smad2": 0.061, "TBRII_0": 2.2e4, "SMAD7_mRNA_rest": 2.47}
    report = contexts.folder("hepatocyte") / "report.json"
    fitted = json.loads(report.read_text(encoding="utf-8"))["fitted"]
    assert best_values(report) == pytest.approx(fitted) and len(fitted) == 9      # 8 model parameters + the SMAD7 reference
    with pytest.raises(FileNotFoundError):
        best_values(tmp_path / "missing")
