"""A PEtab (v1) calibration problem on the resting-state SBML.

Measurements are the numeric literature facts of ``validation_targets.md`` (with their sources in
a ``datasetId`` column), written as relative observables so that no arbitrary absolute scale is
assumed: pSmad2 relative to its 45-min value, total TbetaRII/TbetaRI relative to rest (the resting
amounts are parameters: 2 chains per dimer of TBRII_0/ALK5_0, which set the resting level), nuclear
Smad2 relative to rest. Estimated parameters are the calibrated and assumed kinetic constants that
shape these readouts, with log10 bounds of 10-fold around the table value. The conditions are
:class:`~alk5_pysb.simulation.experiment.Experiment` objects (:func:`experiments`), the ones ``alk5``
runs, written as their resting-state SBML parameter values (``Experiment.sbml_changes``).
"""
from __future__ import annotations

import io

import pandas as pd

from alk5_pysb.model.parameters import default_table
from alk5_pysb.simulation.experiment import Experiment

ESTIMATED = ("kon_TGFB1_TBRII", "kon_ALK5_complex", "k_GS_phos", "k_phos_Smad2", "kon_Smad7_ALK5",
             "kdeg_Smurf2_receptor", "k_dephos_PPM1A_complex", "K_tx_SMAD7", "K_Smad7_repression",
             "k_tx_max_SMAD7", "kdeg_Smad7")


def experiments() -> dict[str, Experiment]:
    """The simulation conditions as ``alk5`` runs them, by PEtab ``conditionId``: plain TGF-beta1 steps
    at t = 0 (PEtab times are then minutes after ligand addition, as in ``alk5``)."""
    return {"TGFB1_50pM": Experiment(name="50 pM TGF-beta1", dose_pM=50.0),
            "TGFB1_100pM": Experiment(name="100 pM TGF-beta1", dose_pM=100.0)}


def condition_table() -> pd.DataFrame:
    """One row per experiment: its id, name and :meth:`Experiment.sbml_changes` (the resting-state
    SBML's parameter values)."""
    rows = []
    for condition, experiment in experiments().items():
        if experiment.pretreat_min:
            raise ValueError(f"{condition}: measurement times are minutes after ligand addition; a pre-treatment "
                             "would shift them")
        rows.append({"conditionId": condition, "conditionName": experiment.name,
                     **experiment.check().sbml_changes()})
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("PEtab conditions must set the same parameters (the table has no empty cells)")
    return pd.DataFrame(rows)


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
     "observableFormula": "nuc_Smad2 / 17066.2", "noiseFormula": "0.3",
     "observableTransformation": "lin", "noiseDistribution": "normal"},
])
ZI = "Zi2011_BIOMD0000000342_simulated"
SCH = "Schmierer2008_BIOMD0000000173_simulated"
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
    # nuclear Smad2 rises ~2.3-fold in concentration by 45 min (Schmierer 2008 model; Schmierer & Hill 2005)
    {"observableId": "nucSmad2_rel_rest", "simulationConditionId": "TGFB1_100pM", "time": 45.0, "measurement": 2.3,
     "observableParameters": "", "datasetId": SCH},
])


def parameter_table() -> pd.DataFrame:
    table = default_table()
    rows = [{"parameterId": name, "parameterName": name, "parameterScale": "log10",
             "lowerBound": table.value(name) / 10, "upperBound": table.value(name) * 10,
             "nominalValue": table.value(name), "estimate": 1} for name in ESTIMATED]
    rows.append({"parameterId": "scale_pSmad2_50pM", "parameterName": "pSmad2 at 45 min, 50 pM (molecules/cell)",
                 "parameterScale": "log10", "lowerBound": 1e3, "upperBound": 1e5, "nominalValue": 2.5e4,
                 "estimate": 1})
    return pd.DataFrame(rows)


YAML = """format_version: 1
parameter_file: parameters.tsv
problems:
- sbml_files:
  - ../alk5_rest.sbml
  condition_files:
  - conditions.tsv
  measurement_files:
  - measurements.tsv
  observable_files:
  - observables.tsv
"""


def _tsv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, sep="\t", index=False, lineterminator="\n")
    return buffer.getvalue()


def render() -> dict[str, str]:
    """{file name: text} of the PEtab problem (written to models/petab/)."""
    return {"problem.yaml": YAML, "parameters.tsv": _tsv(parameter_table()), "conditions.tsv": _tsv(condition_table()),
            "observables.tsv": _tsv(OBSERVABLES), "measurements.tsv": _tsv(MEASUREMENTS)}


def lint(problem_yaml) -> bool:
    """True when petab's linter finds no errors."""
    import petab.v1 as petab
    problem = petab.Problem.from_yaml(str(problem_yaml))
    return not petab.lint_problem(problem)
