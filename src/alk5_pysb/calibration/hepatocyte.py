"""A PEtab (v1) calibration problem for primary mouse hepatocytes: the data of Lucarelli et al. 2018.

Lucarelli P et al. 2018, Cell Systems 6:75-89.e11 (doi:10.1016/j.cels.2017.11.010) stimulated primary
mouse hepatocytes with TGF-beta1 (0.1 and 1 ng/mL) and measured Smad amounts and phosphorylation by
mass spectrometry and 12 target genes by qPCR. Their PEtab benchmark problem (Benchmark-Models-PEtab,
BSD-3-Clause) is copied, in part, to ``data/lucarelli2018/`` (see its README: provenance, licence,
which rows are kept). Nothing is fetched at run time.

:func:`render` builds our problem (``data/contexts/hepatocyte/``) from those copied tables:

- **which series** (:data:`SERIES`): C-terminal phosphorylation of Smad2 and Smad3 in % (their
  ``ppS2``/``ppS3``; doubly = C-terminally phosphorylated, our ``pSmad2``/``pSmad3``) at 60 min for
  0, 0.1 and 1 ng/mL (nExpID2) and over 0-600 min at 1 ng/mL (nExpID5); total Smad2 and Smad4
  molecules per cell (nExpID1); the Smad2:Smad3 shares (nExpID10); SMAD7 mRNA fold change at
  1 ng/mL and without ligand in the control-virus conditions (nExpID100, ``model1_data9/13``).
- **units**: their species are in units of 1,000 molecules per cell (:data:`MOLECULES_PER_UNIT`):
  the observable ``molecules_per_cell`` (nExpID1) is the plain sum of species values, and every rate
  law is ``cell * (mass action in concentrations)`` on species given as concentrations, so the
  compartment size (``cell`` = 13.17) cancels and never converts anything. The factor 1,000 is our
  reading (the PEtab files give none; their visualisation table labels the axis "molecules/cell
  (x10^4)", but it gives the same label to the percentage series, so it is not used). Doses:
  TGF-beta1 is a ~25 kDa disulfide-linked dimer, so 1 ng/mL = 1e-6 g/L / 25,000 g/mol = 40 pM
  (:data:`PM_PER_NG_PER_ML`; the same factor as ``io.units``).
- **what is left out, and why**: the README of ``data/lucarelli2018`` says it; in short, complex
  compositions from IP-MS (our readouts do not resolve Smad4 complexes by member in both
  compartments), mono-phosphorylated Smads (not in our model), receptor signal (arbitrary units),
  the over-expression conditions (they set Smad2_0/Smad3_0/Smad4_0 in the condition table, which
  PEtab v1 forbids for estimated parameters) and the other 11 genes (not in our model).

:func:`reference_objective` simulates the published model (their SBML and fitted parameters, with
libRoadRunner, time in min) on exactly the selected measurements and returns its negative
log-likelihood with its own noise model, plus a chi-square with a common fixed sd
(:data:`COMMON_SD`) that :func:`model_objective` also reports for our model.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

#: TGF-beta1 dimer ~25 kDa: 1 ng/mL = 1e-6 g/L / 25,000 g/mol = 4e-11 M = 40 pM
PM_PER_NG_PER_ML = 40.0
#: molecules per cell in one unit of the Lucarelli species (see the module docstring)
MOLECULES_PER_UNIT = 1000.0

SOURCE_FOLDER = "data/lucarelli2018"
PROBLEM_FOLDER = "data/contexts/hepatocyte"
SOURCE_FILES = {"measurements": "measurementData_Lucarelli_CellSystems2018.tsv",
                "conditions": "experimentalCondition_Lucarelli_CellSystems2018.tsv",
                "observables": "observables_Lucarelli_CellSystems2018.tsv",
                "parameters": "parameters_Lucarelli_CellSystems2018.tsv",
                "model": "model_Lucarelli_CellSystems2018.xml"}
#: the packaged SBML as seen from the problem folder inside an installed wheel
#: (alk5_pysb/data/contexts/hepatocyte -> alk5_pysb/exports). In a source checkout the exports live in
#: models/ (pyproject maps them to alk5_pysb.exports only in the wheel), so no one relative path works in
#: both: :func:`load_problem` finds the SBML as the simulator does and does not rely on this entry
SBML_RELATIVE = "../../../exports/alk5_rest.sbml"
SBML_NAME = "alk5_rest.sbml"


@dataclass(frozen=True)
class Series:
    """One measured series: their observable in their conditions -> our observable (ours = scale x theirs)."""
    source_observable: str
    source_conditions: tuple[str, ...]
    observable: str
    scale: float = 1.0


_S23 = "S23IP_{}_MSPL2_{}"
SERIES = (
    Series(_S23.format("ppS2", "complexes_all_hepa16_no_single_complex_nExpID2"),
           ("model1_data1", "model1_data2", "model1_data3"), "ppSmad2_pct"),
    Series(_S23.format("ppS3", "complexes_all_hepa16_no_single_complex_nExpID2"),
           ("model1_data1", "model1_data2", "model1_data3"), "ppSmad3_pct"),
    Series(_S23.format("ppS2", "PL_hepa16_pS2_pS3_time_course_nExpID5"), ("model1_data4",), "ppSmad2_pct"),
    Series(_S23.format("ppS3", "PL_hepa16_pS2_pS3_time_course_nExpID5"), ("model1_data4",), "ppSmad3_pct"),
    Series("S23IP_tS2_MSPL2_PL_PN_molecules_per_cell_hepa16_nExpID1", ("model1_data5",), "Smad2_total",
           MOLECULES_PER_UNIT),
    Series("S4IP_tS4_MSPL2_PL_PN_molecules_per_cell_hepa16_nExpID1", ("model1_data5",), "Smad4_total",
           MOLECULES_PER_UNIT),
    Series("S23IP_tS2_MSPL2_PL_PN_molecules_per_cell_hepa16_ratios_nExpID10", ("model1_data6",), "Smad2_share_pct"),
    Series("S23IP_tS3_MSPL2_PL_PN_molecules_per_cell_hepa16_ratios_nExpID10", ("model1_data6",), "Smad3_share_pct"),
    Series("Smad7_gene_expression_OE_nExpID100", ("model1_data9", "model1_data13"), "SMAD7_mRNA_fold"),
)

#: our observables: name, formula over our readouts and model parameters, transformation, noise parameter
#: (fixed at Lucarelli's sd, see NOISE_SOURCE) and a common fixed sd for the
#: chi-square comparison of both models (Lucarelli's fixed sd; 0.1 log10 units for SMAD7)
OBSERVABLES = {
    "ppSmad2_pct": ("C-terminally phosphorylated Smad2, % of total Smad2 (their ppS2)",
                    "100 * pSmad2 / Smad2_0", "lin", "sd_ppSmad2_pct", 5.0),
    "ppSmad3_pct": ("C-terminally phosphorylated Smad3, % of total Smad3 (their ppS3)",
                    "100 * pSmad3 / Smad3_0", "lin", "sd_ppSmad3_pct", 5.0),
    "Smad2_total": ("total Smad2, molecules per cell (constant: Smad2 is conserved in the model)",
                    "Smad2_0", "lin", "sd_Smad_total", 15.0 * MOLECULES_PER_UNIT),
    "Smad4_total": ("total Smad4, molecules per cell (constant: Smad4 is conserved in the model)",
                    "Smad4_0", "lin", "sd_Smad_total", 15.0 * MOLECULES_PER_UNIT),
    "Smad2_share_pct": ("Smad2, % of Smad2 + Smad3", "100 * Smad2_0 / (Smad2_0 + Smad3_0)", "lin",
                        "sd_Smad23_share_pct", 1.0),
    "SMAD7_mRNA_fold": ("SMAD7 mRNA, fold change over unstimulated cells (log10 noise)",
                        "SMAD7_mRNA / observableParameter1_SMAD7_mRNA_fold", "log10", "sd_SMAD7_mRNA_fold", 0.1),
}
#: the observable parameter: resting SMAD7 mRNA (molecules/cell) that the fold change divides by
SMAD7_REST = "SMAD7_mRNA_rest"
#: a common fixed sd per observable (log10 units for SMAD7): the same for both models in the chi-square
COMMON_SD = {obs: spec[4] for obs, spec in OBSERVABLES.items()}
#: estimated model parameters (parameters.csv names); Smad amounts get bounds from the measurements
ESTIMATED = ("Smad2_0", "Smad3_0", "Smad4_0", "k_phos_Smad2", "k_phos_Smad3", "k_dephos_PPM1A", "kon_TGFB1_TBRII",
             "k_tx_max_SMAD7")
#: constants the data bound from one side only, fixed with the reason (profiles of the fit that estimated them:
#: TBRII_0 ran to its upper bound with kon_TGFB1_TBRII to its lower one, their product, the capture rate,
#: staying at 1.7-2.2e5; widened tenfold, TBRII_0 ran to 2.3e5; k_tx_max and K_tx_SMAD7 moved together)
FIXED = {
    "TBRII_0": (2.0e4, "assumed", "loguniform", 1.6e4, 5.0e4,
                "fixed, not estimated: the Lucarelli 2018 data give a lower limit (profile, kon free: TBRII_0 >= 1.6e4 "
                "per cell) and no upper one; 2e4 lies among binding-site counts of cultured cells (10,500 on AKR-2B, "
                "Tucker et al. 1984 PNAS 81:6757; 29,400 on rheumatoid synovial cells, Pronost et al. 1993 Agents "
                "Actions Suppl) and primary hepatocytes raise their TGF-beta receptors in culture (affinity "
                "labelling of rat hepatocytes); with it fixed, kon_TGFB1_TBRII carries the capture rate",
                "lower: the profile's limit 1.6e4; upper: 1.7x the largest count found (29,400)"),
    "K_tx_SMAD7": (None, "assumed", None, None, None,
                   "kept at the table value: the data fix only the SMAD7 promoter's slope k_tx_max/K_tx (the two moved "
                   "together along the profiles), which k_tx_max_SMAD7 now carries", None),
}
#: search bounds with a reason where the table's x/10 is not the range (name: low, high, reason)
BOUNDS = {
    "kon_TGFB1_TBRII": (1.0, 200.0, "lower 1 /(nM*min) (1.7e7 /M/s): 4x below the on-rate Schmierer et al. 2008 "
                        "fitted (7.4e7 /M/s); upper 200 (3.3e9 /M/s), above the ~1e9 /M/s diffusion limit for one site"),
    "k_tx_max_SMAD7": (0.43, 40.0, "lower: the measured 7.5-fold SMAD7 mRNA peak at 60 min (Lucarelli 2018) needs at "
                       "least (7.5 - 1) x k_tx_basal 0.05 / (1 - exp(-0.0231 x 60)) = 0.43 at full promoter "
                       "occupancy; upper: the table's Pol II initiation limit"),
    "k_dephos_PPM1A": (3.94e-6, 1.0e-3, "upper: kcat/Km 1e7 /M/s (an efficient phosphatase) at 1e4 PPM1A in a 1 pL "
                       "nucleus (16.6 nM) is 0.17/s, i.e. 1e-3 per molecule per min (nuclear pSmad t1/2 4 s); "
                       "lower: the table value / 10"),
}
#: series used only to bound Smad3_0: their Smad3 share is 100 - the Smad2 share of the same 13 samples,
#: so fitting both would count those samples twice
BOUND_ONLY = {"Smad3_share_pct"}
#: the source noise parameter each of our sd parameters starts from (their fixed sd, or their fitted sd)
NOISE_SOURCE = {"sd_ppSmad2_pct": "S23IP_ppS2_MSPL2_PL_hepa16_pS2_pS3_time_course_nExpID5",
                "sd_ppSmad3_pct": "S23IP_ppS3_MSPL2_PL_hepa16_pS2_pS3_time_course_nExpID5",
                "sd_Smad_total": "S23IP_tS2_MSPL2_PL_PN_molecules_per_cell_hepa16_nExpID1",
                "sd_Smad23_share_pct": "S23IP_tS2_MSPL2_PL_PN_molecules_per_cell_hepa16_ratios_nExpID10",
                "sd_SMAD7_mRNA_fold": "Smad7_gene_expression_OE_nExpID100"}


# -- the copied source tables ---------------------------------------------------------------------------
def _source_text(kind: str) -> str:
    return resources.files("alk5_pysb").joinpath(f"{SOURCE_FOLDER}/{SOURCE_FILES[kind]}").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def source_table(kind: str) -> pd.DataFrame:
    """A copied Lucarelli table (``measurements``, ``conditions``, ``observables``, ``parameters``)."""
    frame = pd.read_csv(io.StringIO(_source_text(kind)), sep="\t", dtype={"conditionId": str})
    return frame.rename(columns=str.strip)


def source_sbml() -> str:
    return _source_text("model")


def selected_source_measurements(table: pd.DataFrame | None = None, fitted_only: bool = True) -> pd.DataFrame:
    """The rows of their measurement table that the problem uses, in file order, with ``series`` (index
    into :data:`SERIES`); ``fitted_only=False`` adds the rows used only for the Smad3 bound."""
    table = source_table("measurements") if table is None else table
    keep = pd.Series(-1, index=table.index)
    for i, series in enumerate(SERIES):
        if fitted_only and series.observable in BOUND_ONLY:
            continue
        hit = (table.observableId == series.source_observable) & table.simulationConditionId.isin(series.source_conditions)
        keep[hit] = i
    frame = table[keep >= 0].copy()
    frame["series"] = keep[keep >= 0]
    return frame


def write_sources(reference_dir, target_dir) -> dict[str, int]:
    """Copy the used Lucarelli tables from a verbatim copy of their PEtab folder: the SBML, conditions,
    observables and parameters unchanged (bytes), the measurement table with only the used rows (each
    kept line byte-identical). Returns the number of data lines per file."""
    reference_dir, target_dir = Path(reference_dir), Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for kind, name in SOURCE_FILES.items():
        data = (reference_dir / name).read_bytes()
        if kind == "measurements":
            lines = data.splitlines(keepends=True)
            table = pd.read_csv(io.BytesIO(data), sep="\t")
            rows = selected_source_measurements(table, fitted_only=False).index
            data = b"".join([lines[0]] + [lines[i + 1] for i in rows])
        (target_dir / name).write_bytes(data)
        counts[name] = max(len(data.splitlines()) - (0 if kind == "model" else 1), 0)
    return counts


# -- our problem ----------------------------------------------------------------------------------------
def source_conditions() -> pd.DataFrame:
    """Their conditions, indexed by id, with the TGF-beta1 dose in ng/mL and pM."""
    frame = source_table("conditions").set_index("conditionId")
    frame["dose_ng_per_mL"] = frame["init_TGFb"].astype(float)
    frame["dose_pM"] = frame["dose_ng_per_mL"] * PM_PER_NG_PER_ML
    return frame


def condition_id(dose_pM: float) -> str:
    return f"TGFB1_{dose_pM:g}pM"


def condition_table() -> pd.DataFrame:
    """One condition per dose (their conditions with the same dose are the same simulation here)."""
    used = sorted({c for s in SERIES for c in s.source_conditions}, key=lambda c: int(c.rsplit("data", 1)[1]))
    src = source_conditions().loc[used]
    rows = []
    for dose_pM in sorted(set(src["dose_pM"])):
        members = src.index[src["dose_pM"] == dose_pM]
        ng = src.loc[members[0], "dose_ng_per_mL"]
        rows.append({"conditionId": condition_id(dose_pM),
                     "conditionName": f"TGF-beta1 {ng:g} ng/mL ({dose_pM:g} pM) in primary mouse hepatocytes; "
                                      f"Lucarelli 2018 {', '.join(members)}",
                     "dose_TGFB1_pM": float(dose_pM)})
    return pd.DataFrame(rows)


def on_grid(src: pd.DataFrame, times) -> pd.DataFrame:
    """Rows of :func:`selected_source_measurements` re-laid on ``times`` (minutes; measurement NaN) for every
    measured time course (a series in a condition with >= 3 time points): the models' curves between the
    measured times, for figures."""
    rows = []
    for _, group in src.groupby(["series", "simulationConditionId"], sort=False):
        if group["time"].nunique() < 3:
            continue
        template = group.iloc[0]
        rows += [{**template.to_dict(), "time": float(t), "measurement": np.nan} for t in times]
    return pd.DataFrame(rows)


def measurement_table(src: pd.DataFrame | None = None) -> pd.DataFrame:
    src = selected_source_measurements() if src is None else src
    doses = source_conditions()["dose_pM"]
    rows = []
    for _, row in src.iterrows():
        series = SERIES[row["series"]]
        obs = series.observable
        rows.append({"observableId": obs,
                     "simulationConditionId": condition_id(doses[row["simulationConditionId"]]),
                     "measurement": float(row["measurement"]) * series.scale,
                     "time": float(row["time"]),
                     "observableParameters": SMAD7_REST if obs == "SMAD7_mRNA_fold" else "",
                     "noiseParameters": OBSERVABLES[obs][3],
                     "datasetId": f"{row['simulationConditionId']}:{row['datasetId']}"})
    return pd.DataFrame(rows)


def observable_table() -> pd.DataFrame:
    rows = []
    for obs, (name, formula, transformation, _sd, _common) in OBSERVABLES.items():
        rows.append({"observableId": obs, "observableName": name, "observableFormula": formula,
                     "observableTransformation": transformation, "noiseFormula": f"noiseParameter1_{obs}",
                     "noiseDistribution": "normal"})
    return pd.DataFrame(rows)


def _source_noise(source_observable: str) -> float:
    """Their sd for one of their observables: a number, or a fitted parameter of their table."""
    formula = source_table("observables").set_index("observableId").loc[source_observable, "noiseFormula"]
    try:
        return float(formula)
    except ValueError:
        return float(source_table("parameters").set_index("parameterId").loc[formula.strip(), "nominalValue"])


def measured_smad_amounts() -> dict[str, float]:
    """Smad amounts (molecules/cell) from the data: nExpID1 means for Smad2 and Smad4, and Smad3 from
    Smad2 and the mean Smad3:Smad2 share ratio (nExpID10)."""
    m = selected_source_measurements(fitted_only=False)
    mean = {SERIES[i].observable: float(group["measurement"].mean() * SERIES[i].scale)
            for i, group in m.groupby("series")}
    smad2 = mean["Smad2_total"]
    return {"Smad2_0": smad2, "Smad4_0": mean["Smad4_total"],
            "Smad3_0": smad2 * mean["Smad3_share_pct"] / mean["Smad2_share_pct"]}


def parameter_table() -> pd.DataFrame:
    from alk5_pysb.model.parameters import default_table
    table = default_table()
    measured = measured_smad_amounts()
    rows = []
    for name in ESTIMATED:
        nominal = table.value(name)
        if name in measured:       # the measured copy number +-3x
            low, high = measured[name] / 3, measured[name] * 3
            label = f"{name} ({table.unit(name)}; bounds: measured {measured[name]:.4g} /3 to x3)"
        elif name in BOUNDS:
            low, high, reason = BOUNDS[name]
            label = f"{name} ({table.unit(name)}; bounds: {reason})"
        else:
            low, high = nominal / 10, nominal * 10
            label = f"{name} ({table.unit(name)})"
        if not low <= nominal <= high:
            raise ValueError(f"{name}: table value {nominal:g} lies outside its bounds {low:g}-{high:g}")
        rows.append({"parameterId": name, "parameterName": label, "parameterScale": "log10",
                     "lowerBound": low, "upperBound": high, "nominalValue": nominal, "estimate": 1})
    for name, (value, *_, reason, _range) in FIXED.items():
        if value is not None:      # fixed away from the table value: a row, so every PEtab tool applies it
            rows.append({"parameterId": name, "parameterName": f"{name} ({table.unit(name)}; {reason})",
                         "parameterScale": "log10", "lowerBound": value / 10, "upperBound": value * 10,
                         "nominalValue": value, "estimate": 0})
    rest = table.value("k_tx_basal_SMAD7") / table.value("kdeg_SMAD7_mRNA")
    rows.append({"parameterId": SMAD7_REST, "parameterName": "resting SMAD7 mRNA (molecule/cell), the fold "
                 "change's reference; nominal k_tx_basal_SMAD7/kdeg_SMAD7_mRNA", "parameterScale": "log10",
                 "lowerBound": rest / 10, "upperBound": rest * 10, "nominalValue": rest, "estimate": 1})
    for sd, source in NOISE_SOURCE.items():
        obs = ", ".join(o for o, spec in OBSERVABLES.items() if spec[3] == sd)
        scale = next(s.scale for s in SERIES if s.source_observable == source)
        nominal = _source_noise(source) * scale
        # fixed at the published model's noise model, so both models are scored on the same likelihood
        rows.append({"parameterId": sd, "parameterName": f"noise sd of {obs}, fixed at Lucarelli's sd for "
                     f"{source.split('_')[0]} {source.rsplit('_', 1)[1]}", "parameterScale": "log10",
                     "lowerBound": nominal / 10, "upperBound": nominal * 10, "nominalValue": nominal, "estimate": 0})
    return pd.DataFrame(rows)


def yaml_text() -> str:
    from alk5_pysb.calibration.literature import problem_yaml
    return problem_yaml(SBML_RELATIVE)


def _tsv(frame: pd.DataFrame) -> str:
    from alk5_pysb.calibration.literature import tsv
    return tsv(frame, float_format="%.10g")


def render() -> dict[str, str]:
    """{file name: text} of the hepatocyte PEtab problem (committed in ``data/contexts/hepatocyte/``)."""
    return {"problem.yaml": yaml_text(), "conditions.tsv": _tsv(condition_table()),
            "observables.tsv": _tsv(observable_table()), "measurements.tsv": _tsv(measurement_table()),
            "parameters.tsv": _tsv(parameter_table())}


def problem_dir() -> Path:
    return Path(str(resources.files("alk5_pysb").joinpath(PROBLEM_FOLDER)))


def problem_path() -> Path:
    """The packaged problem.yaml (its ``sbml_files`` entry resolves inside an installed wheel only; in a
    source checkout use :func:`load_problem`, which finds the SBML the way the simulator does)."""
    return problem_dir() / "problem.yaml"


def write(folder=None) -> Path:
    from alk5_pysb.calibration.literature import write_tables
    return write_tables(folder or problem_dir(), render())


def sbml_file(models=None) -> Path:
    """``alk5_rest.sbml`` in the exports the simulator reads (wheel, checkout, --models or $ALK5_MODELS)."""
    from alk5_pysb.io.locations import models_dir
    return models_dir(models) / SBML_NAME


def load_problem(models=None):
    """The packaged problem as a ``petab.v1.Problem`` with the SBML found like the simulator finds it."""
    from alk5_pysb.calibration.problem import problem_from_tables
    return problem_from_tables(problem_path(), sbml_file(models))


def lint(models=None) -> bool:
    """True when petab's linter finds no errors in the packaged problem."""
    import petab.v1 as petab
    return not petab.lint_problem(load_problem(models))


# -- objectives -----------------------------------------------------------------------------------------
def _summary(table: pd.DataFrame) -> dict:
    """Objective values of a table with measurement, simulation, sigma, transformation, observableId."""
    table = table.reset_index(drop=True)
    from alk5_pysb.calibration.likelihood import nll_terms, transform
    measured = transform(table["measurement"], table["transformation"])
    residual = transform(table["simulation"], table["transformation"]) - measured
    common = table["observableId"].map(COMMON_SD).to_numpy()
    flat = pd.Series(measured).groupby(table["observableId"]).transform("mean").to_numpy()
    table = table.assign(residual=residual,
                         nllh=nll_terms(table["measurement"], table["simulation"], table["sigma"],
                                        table["transformation"]),
                         chi2_common_sd=(residual / common) ** 2, residual_flat=measured - flat)
    per_obs = table.groupby("observableId").agg(n=("residual", "size"), nllh=("nllh", "sum"),
                                                chi2_common_sd=("chi2_common_sd", "sum"),
                                                rss=("residual", lambda r: float(np.sum(np.square(r)))),
                                                rss_flat=("residual_flat", lambda r: float(np.sum(np.square(r)))))
    return {"nllh": float(table["nllh"].sum()), "chi2_common_sd": float(table["chi2_common_sd"].sum()),
            "n_measurements": int(len(table)), "per_observable": per_obs, "table": table}


def _source_parameters() -> dict[str, float]:
    return {str(k).strip(): float(v) for k, v in
            source_table("parameters").set_index("parameterId")["nominalValue"].items()}


def reference_simulation(times=None) -> pd.DataFrame:
    """The published Lucarelli model (their SBML, their fitted parameters) on the selected measurements:
    our measurement table plus ``simulation`` (our units) and ``sigma`` (their noise model, our units).
    ``times``: on that grid for every measured time course instead (:func:`on_grid`)."""
    import roadrunner
    import sympy
    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_ERROR)
    rr = roadrunner.RoadRunner(source_sbml())
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    species = list(rr.model.getFloatingSpeciesIds())
    values = _source_parameters()
    obs_table = source_table("observables").set_index("observableId")
    src = selected_source_measurements()
    src = src if times is None else on_grid(src, times)
    conditions = source_conditions()
    sim = np.empty(len(src))
    for cond, rows in src.groupby("simulationConditionId"):
        rr.resetAll()
        for pid, value in values.items():
            if pid in rr.model.getGlobalParameterIds():
                rr[pid] = value
        row = conditions.loc[cond]
        init = {col: (values[str(row[col]).strip()] if str(row[col]).strip() in values else float(row[col]))
                for col in ("init_S2", "init_S3", "init_S4", "init_TGFb")}
        for pid, value in init.items():
            rr[pid] = value
        rr.reset()                         # initial assignments with these values
        start = {"[S2]": init["init_S2"], "[S3]": init["init_S3"], "[S4]": init["init_S4"],
                 "[TGFb]": init["init_TGFb"], "[Rec]": values["init_Rec"]}
        for sid, value in start.items():
            if abs(rr[sid] - value) > 1e-9 * max(1.0, value):
                raise RuntimeError(f"Lucarelli model, {cond}: {sid} starts at {rr[sid]} instead of {value}")
        times = sorted({0.0, *rows["time"].astype(float)})
        if len(times) == 1:                # libRoadRunner needs an end time after the start
            times.append(1.0)
        out = rr.simulate(times=times, selections=["time"] + [f"[{s}]" for s in species])
        frame = pd.DataFrame(np.array(out)[:, 1:], index=np.array(out)[:, 0], columns=species)
        for i, (_, m) in zip(np.flatnonzero(src.index.isin(rows.index)), rows.iterrows()):
            formula = sympy.sympify(obs_table.loc[m["observableId"], "observableFormula"])
            scope = {str(sym): float(frame.loc[float(m["time"]), str(sym)]) for sym in formula.free_symbols}
            sim[i] = float(formula.subs(scope)) * SERIES[m["series"]].scale
    ours = measurement_table(src)
    ours["simulation"] = sim
    ours["sigma"] = [_source_noise(SERIES[i].source_observable) * SERIES[i].scale for i in src["series"]]
    ours["transformation"] = ours["observableId"].map(lambda o: OBSERVABLES[o][2])
    return ours


def reference_objective() -> dict:
    """The published model's fit to the selected data: ``nllh`` (PEtab negative log-likelihood with its own
    noise model: the fixed sd of their observable table and their fitted sd for SMAD7), ``chi2_common_sd``
    (with :data:`COMMON_SD`), ``n_measurements``, ``per_observable`` (n, nllh, chi2, rss and the rss of a flat
    line at the observable's mean, on the noise scale) and ``table`` (every point)."""
    return _summary(reference_simulation())


def model_simulation(params: dict | None = None, sim=None, times=None) -> pd.DataFrame:
    """Our model on the problem: the measurement table plus ``simulation`` and ``sigma``, at the problem's
    nominal parameter values updated by ``params`` (model, noise or observable parameters by id).
    ``times``: on that grid for every measured time course instead (:func:`on_grid`)."""
    import sympy
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.simulator import shared_simulator
    sim = sim or shared_simulator()
    par = parameter_table().set_index("parameterId")["nominalValue"].astype(float).to_dict()
    par.update(params or {})
    model_params = {k: v for k, v in par.items() if k in ESTIMATED or k in FIXED}
    measurements = measurement_table(None if times is None else on_grid(selected_source_measurements(), times))
    formulas = {o: sympy.sympify(spec[1]) for o, spec in OBSERVABLES.items()}
    readouts = sorted({str(s) for f in formulas.values() for s in f.free_symbols} & set(sim.observables))
    doses = condition_table().set_index("conditionId")["dose_TGFB1_pM"]
    values = np.empty(len(measurements))
    for cond, rows in measurements.groupby("simulationConditionId"):
        times = sorted(set(rows["time"]))
        frame = sim.run(Experiment(dose_pM=float(doses[cond]), t_end_min=max(times[-1], 1.0), times=times),
                        readouts=readouts, params=model_params).set_index("time_min")
        for i, m in rows.iterrows():
            scope = {**model_params, **frame.loc[m["time"]].to_dict()}
            if m["observableParameters"]:
                scope[f"observableParameter1_{m['observableId']}"] = par[m["observableParameters"]]
            f = formulas[m["observableId"]]
            values[measurements.index.get_loc(i)] = float(f.subs({s: scope[str(s)] for s in f.free_symbols}))
    measurements["simulation"] = values
    measurements["sigma"] = measurements["noiseParameters"].map(par)
    measurements["transformation"] = measurements["observableId"].map(lambda o: OBSERVABLES[o][2])
    return measurements


def model_objective(params: dict | None = None, sim=None) -> dict:
    """Our model's objective on the problem (as :func:`reference_objective`), at nominal values + ``params``."""
    return _summary(model_simulation(params, sim))


if __name__ == "__main__":       # regenerate the committed problem from the copied source tables
    print(write())
