"""A PEtab (v1) calibration problem on the resting-state SBML.

Measurements are the numeric literature facts of ``validation_targets.md`` (with their sources in
a ``datasetId`` column), written as relative observables so that no arbitrary absolute scale is
assumed: pSmad2 relative to its 45-min value, total TbetaRII/TbetaRI relative to rest (the resting
amounts are parameters: 2 chains per dimer of TBRII_0/ALK5_0, which set the resting level), nuclear
Smad2 relative to rest. Estimated parameters are the calibrated and assumed kinetic constants that
shape these readouts, with log10 bounds of 10-fold around the table value. The conditions are
:class:`~alk5_pysb.simulation.experiment.Experiment` objects (:func:`experiments`), the ones ``alk5``
runs, written as their resting-state SBML parameter values (``Experiment.sbml_changes``).

SB-431542 potency: pre-treated cells (60 min, 30/100/300 nM, then 100 pM TGF-beta1) give pSmad2 at 60 min
relative to the no-drug value. These points are derived, not measured: the Hill-1 curve through the compound
table's reported cellular IC50 (the ``datasetId`` says ``derived`` and names the source), so that the drug's
cellular affinity ``Kd_inhibitor`` can be estimated from that one reported value.

Times: the resting-state SBML starts at rest, so PEtab times are minutes from the start of a condition;
the ligand comes at ``ligand_time_min`` (the pre-treatment time), and a measurement ``t`` minutes after
ligand addition is written at ``t + ligand_time_min``.

Pre-equilibration: every measurement names the ``rest`` condition (no ligand, drug or trap) as its
``preequilibrationConditionId``, so a tool that changes parameters restarts from their resting state, as
``alk5``'s engine always does (``Simulator`` pre-equilibrates per parameter set; ``alk5 calibrate`` checks
that the pre-equilibration condition is resting cells).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from alk5_pysb.model.parameters import default_table
from alk5_pysb.pharmacology.compounds import REFERENCE_COMPOUND
from alk5_pysb.simulation.experiment import Experiment

REST = "rest"                     # pre-equilibration condition: resting cells
SB431542 = REFERENCE_COMPOUND     # the default inhibitor, whose affinity the problem's Kd_inhibitor is
SB_DOSES_NM = (30.0, 100.0, 300.0)
SB_PRETREAT_MIN = 60.0
SB_READ_MIN = 60.0                # pSmad2 read 60 min after ligand addition

ESTIMATED = ("kon_TGFB1_TBRII", "kon_ALK5_complex", "k_GS_phos", "k_phos_Smad2", "kon_Smad7_ALK5",
             "kdeg_Smurf2_receptor", "k_dephos_PPM1A_complex", "K_tx_SMAD7", "K_Smad7_repression",
             "k_tx_max_SMAD7", "kdeg_Smad7", "Kd_inhibitor")


def experiments() -> dict[str, Experiment]:
    """The simulation conditions as ``alk5`` runs them, by PEtab ``conditionId``: plain TGF-beta1 steps
    at t = 0 (PEtab times are then minutes after ligand addition, as in ``alk5``)."""
    conditions = {"TGFB1_50pM": Experiment(name="50 pM TGF-beta1", dose_pM=50.0),
                  "TGFB1_100pM": Experiment(name="100 pM TGF-beta1", dose_pM=100.0)}
    # the model's default inhibitor (compound=None) carries Kd_inhibitor, which is estimated, not set here
    for dose in SB_DOSES_NM:
        conditions[f"TGFB1_100pM_SB431542_{dose:g}nM"] = Experiment(
            name=f"100 pM TGF-beta1, {SB431542} {dose:g} nM pre-treated {SB_PRETREAT_MIN:g} min", dose_pM=100.0,
            inhibitor_nM=dose, pretreat_min=SB_PRETREAT_MIN)
    return conditions


def rest_experiment() -> Experiment:
    """Resting cells: the pre-equilibration condition of every measurement."""
    return Experiment(name="resting cells (pre-equilibration)", dose_pM=0.0)


#: resting-state SBML values a condition without an inhibitor leaves at their default (the table has no gaps)
NEUTRAL = {"inhibitor_time_min": 0.0}


def condition_table() -> pd.DataFrame:
    """One row per experiment: its id, name and :meth:`Experiment.sbml_changes` (the resting-state
    SBML's parameter values); the ``rest`` pre-equilibration condition first."""
    rows = []
    for condition, experiment in {REST: rest_experiment(), **experiments()}.items():
        rows.append({"conditionId": condition, "conditionName": experiment.name,
                     **experiment.check().sbml_changes()})
    columns = list(dict.fromkeys(k for row in rows for k in row))
    for row in rows:
        missing = [c for c in columns if c not in row]
        if any(c not in NEUTRAL for c in missing):
            raise ValueError(f"PEtab conditions must set the same parameters (the table has no empty cells): "
                             f"{row['conditionId']} lacks {missing}")
        row.update({c: NEUTRAL[c] for c in missing})
    return pd.DataFrame(rows, columns=columns)


OBSERVABLES = pd.DataFrame([
    {"observableId": "pSmad2_rel45", "observableName": "pSmad2 relative to its 45 min value",
     "observableFormula": "pSmad2 / observableParameter1_pSmad2_rel45", "noiseFormula": "0.1",
     "observableTransformation": "lin", "noiseDistribution": "normal"},
    {"observableId": "TBRII_rel_rest", "observableName": "total TbetaRII relative to rest",
     "observableFormula": "total_TBRII / (2 * TBRII_0)", "noiseFormula": "0.1",
     "observableTransformation": "lin", "noiseDistribution": "normal"},
    {"observableId": "TBRI_rel_rest", "observableName": "total TbetaRI relative to rest",
     "observableFormula": "total_TBRI / (2 * ALK5_0)", "noiseFormula": "0.1",
     "observableTransformation": "lin", "noiseDistribution": "normal"},
    {"observableId": "nucSmad2_rel_rest", "observableName": "nuclear Smad2 relative to rest",
     "observableFormula": "nuc_Smad2 / observableParameter1_nucSmad2_rel_rest", "noiseFormula": "0.3",
     "observableTransformation": "lin", "noiseDistribution": "normal"},
])
OBSERVABLES = pd.concat([OBSERVABLES, pd.DataFrame([
    {"observableId": "pSmad2_rel_nodrug", "observableName": "pSmad2 relative to the no-drug value (same time)",
     "observableFormula": "pSmad2 / observableParameter1_pSmad2_rel_nodrug", "noiseFormula": "0.1",
     "observableTransformation": "lin", "noiseDistribution": "normal"}])], ignore_index=True)
ZI = "Zi2011_BIOMD0000000342_simulated"
SCH = "Schmierer2008_BIOMD0000000173_simulated"
#: times in MEASUREMENTS are minutes after ligand addition (measurement_table shifts them to PEtab time)
MEASUREMENTS = pd.DataFrame([
    # pSmad2 at 4-8 h is ~65% of its 45-min peak at 50 pM (Zi 2011 model; Inman 2002 sustained activity)
    {"observableId": "pSmad2_rel45", "simulationConditionId": "TGFB1_50pM", "time": 45.0, "measurement": 1.0,
     "observableParameters": "scale_pSmad2_50pM", "datasetId": ZI},
    {"observableId": "pSmad2_rel45", "simulationConditionId": "TGFB1_50pM", "time": 240.0, "measurement": 0.65,
     "observableParameters": "scale_pSmad2_50pM", "datasetId": ZI},
    {"observableId": "pSmad2_rel45", "simulationConditionId": "TGFB1_50pM", "time": 480.0, "measurement": 0.65,
     "observableParameters": "scale_pSmad2_50pM", "datasetId": ZI},
    # receptor down-regulation at 3 h, 50 pM: TbetaRII -74%, TbetaRI -39% (Zi 2011 model)
    {"observableId": "TBRII_rel_rest", "simulationConditionId": "TGFB1_50pM", "time": 180.0, "measurement": 0.26,
     "observableParameters": "", "datasetId": ZI},
    {"observableId": "TBRI_rel_rest", "simulationConditionId": "TGFB1_50pM", "time": 180.0, "measurement": 0.61,
     "observableParameters": "", "datasetId": ZI},
    # nuclear Smad2 rises ~2.3-fold in concentration by 45 min (Schmierer 2008 model; Schmierer & Hill 2005); the
    # resting value is the ratio's denominator, so it is a measurement (1 at the ligand's addition) with an estimated
    # scale, not a number frozen from one parameter set
    {"observableId": "nucSmad2_rel_rest", "simulationConditionId": "TGFB1_100pM", "time": 0.0, "measurement": 1.0,
     "observableParameters": "scale_nucSmad2_rest", "datasetId": SCH},
    {"observableId": "nucSmad2_rel_rest", "simulationConditionId": "TGFB1_100pM", "time": 45.0, "measurement": 2.3,
     "observableParameters": "scale_nucSmad2_rest", "datasetId": SCH},
])


def sb431542_measurements() -> pd.DataFrame:
    """pSmad2 at 60 min relative to no drug, 1/(1 + C/IC50) at the compound table's reported cellular IC50
    of SB-431542 (with its source as the datasetId); the no-drug condition pins the scale at 1."""
    from alk5_pysb.pharmacology.compounds import library
    row = library().loc[SB431542]
    ic50, source = float(row["cell_ic50_nM"]), str(row["cell_source"])
    # derived points (a Hill-1 curve through one reported IC50), not measured ones: the id says so
    dataset = ("SB431542_derived_from_cell_IC50_"
               + "_".join(source.split("(")[0].replace(".", "").replace(":", "_").split()))
    rows = [{"simulationConditionId": "TGFB1_100pM", "measurement": 1.0}]
    rows += [{"simulationConditionId": f"TGFB1_100pM_SB431542_{dose:g}nM", "measurement": round(1 / (1 + dose / ic50), 4)}
             for dose in SB_DOSES_NM]
    return pd.DataFrame([{"observableId": "pSmad2_rel_nodrug", **r, "time": SB_READ_MIN,
                          "observableParameters": "scale_pSmad2_100pM_60min", "datasetId": dataset} for r in rows])


def measurement_table() -> pd.DataFrame:
    """All measurements at PEtab times (minutes from the start of the condition: + the pre-treatment), each
    pre-equilibrated in the ``rest`` condition."""
    frame = pd.concat([MEASUREMENTS, sb431542_measurements()], ignore_index=True)
    pretreat = {c: e.pretreat_min for c, e in experiments().items()}
    frame["time"] = frame["time"] + frame["simulationConditionId"].map(pretreat)
    frame.insert(1, "preequilibrationConditionId", REST)
    return frame


def parameter_table() -> pd.DataFrame:
    table = default_table()
    # the search range of each constant is its range in the parameter table (issue 17), not a blanket x/10
    rows = [{"parameterId": name, "parameterName": name, "parameterScale": "log10",
             "lowerBound": float(table.row(name)["low"]), "upperBound": float(table.row(name)["high"]),
             "nominalValue": table.value(name), "estimate": 1} for name in ESTIMATED]
    rows.append({"parameterId": "scale_pSmad2_50pM", "parameterName": "pSmad2 at 45 min, 50 pM (molecules/cell)",
                 "parameterScale": "log10", "lowerBound": 1e3, "upperBound": 1e5, "nominalValue": 2.5e4,
                 "estimate": 1})
    rows.append({"parameterId": "scale_pSmad2_100pM_60min",
                 "parameterName": "pSmad2 at 60 min, 100 pM, no drug (molecules/cell)",
                 "parameterScale": "log10", "lowerBound": 1e3, "upperBound": 1e5, "nominalValue": 2.5e4,
                 "estimate": 1})
    rows.append({"parameterId": "scale_nucSmad2_rest", "parameterName": "nuclear Smad2 of resting cells (molecules/cell)",
                 "parameterScale": "log10", "lowerBound": 1e3, "upperBound": 1e5, "nominalValue": 1.7e4,
                 "estimate": 1})
    return pd.DataFrame(rows)


def problem_yaml(sbml: str, comment: str = "") -> str:
    """A one-problem PEtab v1 YAML over the standard table file names (used here and by calibration.hepatocyte)."""
    return comment + f"""format_version: 1
parameter_file: parameters.tsv
problems:
- sbml_files:
  - {sbml}
  condition_files:
  - conditions.tsv
  measurement_files:
  - measurements.tsv
  observable_files:
  - observables.tsv
"""


YAML = problem_yaml("../alk5_rest.sbml", comment=(
    "# PEtab v1. Every measurement is pre-equilibrated in the 'rest' condition (resting cells); alk5's\n"
    "# engine (alk5 calibrate) pre-equilibrates the resting state for every parameter set anyway.\n"))


def tsv(frame: pd.DataFrame, float_format: str | None = None) -> str:
    """A PEtab table as text (tab-separated, LF line ends, no index)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", index=False, lineterminator="\n", float_format=float_format)
    return buffer.getvalue()


def write_tables(folder, files: dict[str, str]) -> Path:
    """Write a problem's {file name: text} into ``folder`` (created)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def render() -> dict[str, str]:
    """{file name: text} of the PEtab problem (written to models/petab/)."""
    return {"problem.yaml": YAML, "parameters.tsv": tsv(parameter_table()), "conditions.tsv": tsv(condition_table()),
            "observables.tsv": tsv(OBSERVABLES), "measurements.tsv": tsv(measurement_table())}


def lint(problem_yaml) -> bool:
    """True when petab's linter finds no errors."""
    import petab.v1 as petab
    problem = petab.Problem.from_yaml(str(problem_yaml))
    return not petab.lint_problem(problem)
