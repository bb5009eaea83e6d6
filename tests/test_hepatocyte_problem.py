"""The hepatocyte PEtab problem (Lucarelli et al. 2018 data): valid, reproducible from the copied source
tables, the intended subset, and a reference fit by the published model that beats a flat line."""
from __future__ import annotations

import io
import math
from pathlib import PurePosixPath

import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from alk5_pysb.calibration import hepatocyte


@pytest.fixture(scope="module")
def reference():
    return hepatocyte.reference_objective()


def test_petab_lint_passes():
    pytest.importorskip("petab")
    assert hepatocyte.lint()


def test_committed_files_equal_render():
    folder = hepatocyte.problem_dir()
    for name, text in hepatocyte.render().items():
        assert (folder / name).read_text(encoding="utf-8") == text, \
            f"{name} is stale: regenerate with `python -m alk5_pysb.calibration.hepatocyte`"


def test_yaml_sbml_path_reaches_the_shipped_exports_in_a_wheel():
    # alk5_pysb/data/contexts/hepatocyte -> alk5_pysb/exports (pyproject maps models/ there)
    inside = PurePosixPath("alk5_pysb", *hepatocyte.PROBLEM_FOLDER.split("/"))
    parts = []
    for part in (inside / hepatocyte.SBML_RELATIVE).parts:
        if part == "..":
            parts.pop()
        else:
            parts.append(part)
    assert "/".join(parts) == "alk5_pysb/exports/alk5_rest.sbml"
    assert f"- {hepatocyte.SBML_RELATIVE}" in hepatocyte.yaml_text()
    assert hepatocyte.sbml_file().is_file()           # load_problem() resolves it like the simulator


def test_measurement_subset_has_the_expected_conditions_and_counts():
    m = pd.read_csv(hepatocyte.problem_dir() / "measurements.tsv", sep="\t")
    assert len(m) == 123
    counts = m.groupby(["observableId", "simulationConditionId"]).size().to_dict()
    assert counts == {("ppSmad2_pct", "TGFB1_0pM"): 2, ("ppSmad2_pct", "TGFB1_4pM"): 2, ("ppSmad2_pct", "TGFB1_40pM"): 21,
                      ("ppSmad3_pct", "TGFB1_0pM"): 2, ("ppSmad3_pct", "TGFB1_4pM"): 2, ("ppSmad3_pct", "TGFB1_40pM"): 15,
                      ("Smad2_total", "TGFB1_0pM"): 18, ("Smad4_total", "TGFB1_0pM"): 18,
                      ("Smad2_share_pct", "TGFB1_40pM"): 13,
                      ("SMAD7_mRNA_fold", "TGFB1_0pM"): 15, ("SMAD7_mRNA_fold", "TGFB1_40pM"): 15}
    sources = m["datasetId"].str.split(":").str[0]
    assert set(sources) == {"model1_data1", "model1_data2", "model1_data3", "model1_data4", "model1_data5",
                            "model1_data6", "model1_data9", "model1_data13"}     # no over-expression condition
    c = pd.read_csv(hepatocyte.problem_dir() / "conditions.tsv", sep="\t")
    assert dict(zip(c["conditionId"], c["dose_TGFB1_pM"])) == {"TGFB1_0pM": 0, "TGFB1_4pM": 4, "TGFB1_40pM": 40}
    assert m["time"].max() == 600
    # the copied measurement table holds exactly the used rows, and they map one to one
    # (plus the 13 Smad3-share rows that only bound Smad3_0: the complement of the Smad2 share, same samples)
    src = hepatocyte.source_table("measurements")
    assert len(src) == len(hepatocyte.selected_source_measurements(fitted_only=False)) == 136
    fitted = hepatocyte.selected_source_measurements()
    assert len(fitted) == 123
    scale = np.array([hepatocyte.SERIES[i].scale for i in fitted["series"]])
    np.testing.assert_allclose(m["measurement"], src.loc[fitted.index, "measurement"] * scale, rtol=1e-9)
    share2 = src[src["observableId"].str.startswith("S23IP_tS2_") & src["observableId"].str.endswith("ratios_nExpID10")]
    share3 = src[src["observableId"].str.startswith("S23IP_tS3_") & src["observableId"].str.endswith("ratios_nExpID10")]
    np.testing.assert_allclose(share2["measurement"].to_numpy() + share3["measurement"].to_numpy(), 100, atol=1e-6)
    # amounts are molecules per cell (their unit is 1,000 molecules per cell)
    assert 1.2e5 < m.loc[m.observableId == "Smad2_total", "measurement"].mean() < 1.6e5


def test_dose_conversion_ng_per_ml_to_pM():
    # TGF-beta1 dimer ~25 kDa: 1 ng/mL = 1e-6 g/L / 25,000 g/mol = 4e-11 M
    assert hepatocyte.PM_PER_NG_PER_ML == pytest.approx(1e-6 / 25_000 * 1e12)
    doses = hepatocyte.source_conditions()
    assert doses.loc["model1_data2", "dose_pM"] == pytest.approx(4.0)
    assert doses.loc["model1_data3", "dose_pM"] == pytest.approx(40.0)
    from alk5_pysb.io.units import parse_concentration
    assert parse_concentration("1ng/mL") == pytest.approx(hepatocyte.PM_PER_NG_PER_ML)   # alk5's own parser


def test_estimated_parameters_and_bounds():
    p = pd.read_csv(hepatocyte.problem_dir() / "parameters.tsv", sep="\t").set_index("parameterId")
    assert set(hepatocyte.ESTIMATED) <= set(p.index)
    # model parameters and the SMAD7 reference are estimated; noise sd are fixed at the published model's, and
    # the constants the data bound from one side only are fixed with their reason (hepatocyte.FIXED)
    noise = p.index.str.startswith("sd_")
    fixed = p.index.isin([n for n, spec in hepatocyte.FIXED.items() if spec[0] is not None])
    assert (p.loc[~noise & ~fixed, "estimate"] == 1).all() and (p.loc[noise | fixed, "estimate"] == 0).all()
    assert p.loc["TBRII_0", "nominalValue"] == hepatocyte.FIXED["TBRII_0"][0]
    assert "K_tx_SMAD7" not in p.index      # kept at the table value: k_tx_max_SMAD7 carries the promoter slope
    # every bound that is not the x/10 default says why
    for name, (low, high, reason) in hepatocyte.BOUNDS.items():
        assert (p.loc[name, "lowerBound"], p.loc[name, "upperBound"]) == (low, high)
        assert reason in p.loc[name, "parameterName"]
    assert (p["parameterScale"] == "log10").all()
    assert (p["lowerBound"] <= p["nominalValue"]).all() and (p["nominalValue"] <= p["upperBound"]).all()
    assert p.loc["kon_TGFB1_TBRII", "upperBound"] <= 200
    measured = hepatocyte.measured_smad_amounts()
    for name in ("Smad2_0", "Smad3_0", "Smad4_0"):
        assert p.loc[name, "lowerBound"] == pytest.approx(measured[name] / 3, rel=1e-8)
        assert p.loc[name, "upperBound"] == pytest.approx(measured[name] * 3, rel=1e-8)


def test_the_one_likelihood_matches_petab():
    """calibration.likelihood is the only PEtab likelihood (the objective and the hepatocyte report use it)."""
    calculate = pytest.importorskip("petab.v1.calculate")
    from alk5_pysb.calibration.likelihood import nll_terms
    cases = [(50.0, 42.0, 5.0, "lin", "normal"), (0.0, 0.1, 5.0, "lin", "normal"), (7.5, 6.8, 0.07, "log10", "normal"),
             (7.5, 6.8, 0.2, "log", "normal"), (3.0, 4.5, 0.5, "lin", "laplace"), (3.0, 4.5, 0.1, "log10", "laplace"),
             (3.0, 4.5, 0.3, "log", "laplace")]
    for m, s, sd, scale, noise in cases:
        expected = -calculate.calculate_single_llh(m, s, scale, noise, sd)
        assert nll_terms([m], [s], [sd], [scale], [noise])[0] == pytest.approx(expected, rel=1e-12)


def test_reference_model_fits_its_own_data(reference):
    assert reference["n_measurements"] == 123
    assert math.isfinite(reference["nllh"]) and math.isfinite(reference["chi2_common_sd"])
    per = reference["per_observable"]
    # the published fit follows the phosphorylation time courses and the SMAD7 induction far better than
    # a flat line at each series' mean
    for obs in ("ppSmad2_pct", "ppSmad3_pct", "SMAD7_mRNA_fold"):
        assert per.loc[obs, "rss"] < 0.5 * per.loc[obs, "rss_flat"], obs
    table = reference["table"]
    series = table[(table.observableId == "ppSmad2_pct") & table.datasetId.str.startswith("model1_data4")]
    assert len(series) == 19
    flat = series["measurement"].mean()
    assert ((series["simulation"] - series["measurement"]) ** 2).sum() < ((flat - series["measurement"]) ** 2).sum()
    # its starting Smad totals are its fitted S2tot, S4tot (x 1,000 molecules per cell)
    s2 = table.loc[table.observableId == "Smad2_total", "simulation"]
    assert s2.iloc[0] == pytest.approx(142.781779487328 * 1000, rel=1e-6)


def test_model_objective_is_consistent_and_fast(sim, reference):
    """Our model on the same table: finite, its chi-square uses the same common sd, and one objective
    evaluation (all conditions, including the resting state for new parameters) takes well under 1 s."""
    import time
    hepatocyte.model_objective(sim=sim)                  # warm up (sympy, first resting state)
    start = time.perf_counter()
    ours = hepatocyte.model_objective({"k_phos_Smad2": 0.06, "Smad2_0": 1.3e5}, sim=sim)
    assert time.perf_counter() - start < 1.0
    assert ours["n_measurements"] == reference["n_measurements"]
    assert math.isfinite(ours["nllh"]) and math.isfinite(ours["chi2_common_sd"])
    table = ours["table"]
    totals = table.loc[table.observableId == "Smad2_total", "simulation"]
    assert np.allclose(totals, 1.3e5)                    # Smad2 is conserved: the observable is Smad2_0


def test_source_copy_readme_states_provenance_and_licence():
    readme = (hepatocyte.problem_dir().parents[1] / "lucarelli2018" / "README.md").read_text(encoding="utf-8")
    for text in ("10.1016/j.cels.2017.11.010", "4d2085084b289f6215a95475b1ee639fd7d42283", "BSD 3-Clause",
                 "Copyright (c) 2020, Benchmarking-Initiative", "136"):
        assert text in readme
    # kept measurement lines are byte-identical to a PEtab table (header + rows)
    text = hepatocyte._source_text("measurements")
    frame = pd.read_csv(io.StringIO(text), sep="\t")
    assert list(frame.columns) == ["observableId", "simulationConditionId", "measurement", "time", "datasetId"]


def test_fit_curves_on_a_grid_pass_through_the_fitted_points():
    """Issue 20 defect 4: the figure draws each model on a fine grid; at the measured times the grid curve
    equals the model's value at the points the objective uses."""
    import json
    from alk5_pysb.io import contexts
    fitted = json.loads(contexts.folder("hepatocyte").joinpath("report.json").read_text(encoding="utf-8"))["fitted"]
    points = hepatocyte.model_simulation(fitted)
    grid = np.arange(0.0, 601.0, 5.0)
    curves = hepatocyte.model_simulation(fitted, times=grid)
    assert curves["measurement"].isna().all() and set(curves["time"]) == set(grid)
    courses = curves.groupby(["observableId", "simulationConditionId"]).size()
    assert (courses == len(grid)).all() and len(courses) >= 3
    merged = points.merge(curves[["observableId", "simulationConditionId", "time", "simulation"]],
                          on=["observableId", "simulationConditionId", "time"], suffixes=("", "_grid"))
    assert len(merged) >= 50
    np.testing.assert_allclose(merged["simulation_grid"], merged["simulation"], rtol=1e-4, atol=1e-6)


def test_the_shipped_problem_lints_from_the_source_tree():
    """Issue 20 defect 6: PEtab tools other than ours open the hepatocyte problem in a checkout (the YAML's
    ../../../exports/alk5_rest.sbml resolves through src/alk5_pysb/exports, a link to models/; in the wheel
    it is the packaged exports folder)."""
    petab = pytest.importorskip("petab.v1")
    from petab.v1.lint import lint_problem
    yaml_path = REPO / "src" / "alk5_pysb" / "data" / "contexts" / "hepatocyte" / "problem.yaml"
    problem = petab.Problem.from_yaml(str(yaml_path))
    assert problem.sbml_model is not None or problem.model is not None
    assert lint_problem(problem) is False          # False: no errors found
