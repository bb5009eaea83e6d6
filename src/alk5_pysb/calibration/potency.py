"""The potency problem: one residual factor on the Cheng-Prusoff affinity of every compound, fitted to the
verified cellular potencies together (``alk5 calibrate potency``; ``make potency``).

For each library compound whose cellular value is verified (``yes``) or read verbatim in a page quoting its
source (``secondary``), cells are simulated as its declared assay is run (ligand dose, pre-treatment,
readout and time from ``data/potency.csv``): without drug and at 1/9, 1/3, 1, 3 and 9 times the reported
IC50. The points are derived, not measured: the Hill-1 curve 1/(1 + C/IC50) through the reported IC50
(``datasetId`` says so), relative to the no-drug value of the same assay (an estimated scale pinned by
the no-drug point), sd 0.1 (assumed). Each drug condition sets the compound's Kd against cellular ATP
(``Kd_inhibitor``) and kon; ``Kd_residual_factor`` is estimated (log10, 1e-4 to 1e2).

No pre-equilibration condition: the conditions set different Kd_inhibitor values, which change nothing at
rest, and ``alk5_rest.sbml`` starts at rest (``alk5``'s engine pre-equilibrates every run anyway).
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from alk5_pysb.calibration.literature import problem_yaml, tsv
from alk5_pysb.simulation.experiment import Experiment

FOLDER = "data/contexts/potency"
FOLDS = (1 / 9, 1 / 3, 1.0, 3.0, 9.0)
NOISE_SD = 0.1
SBML_RELATIVE = "../../../exports/alk5_rest.sbml"
FITTED_FLAGS = ("yes", "secondary")


def fitted_compounds() -> list[str]:
    from alk5_pysb.pharmacology.compounds import library, simulable_compounds
    lib = library()
    return [n for n in simulable_compounds() if lib.loc[n, "cell_verified"] in FITTED_FLAGS
            and lib.loc[n, "cell_ic50_nM"] > 0]


def _key(name: str) -> str:
    return "".join(ch for ch in name if ch.isalnum())


def assay(name: str) -> dict:
    """The declared cellular assay of a library compound (``compounds.declared_assay``) with its reported IC50."""
    from alk5_pysb.pharmacology.compounds import declared_assay, library
    row = library().loc[name]
    return {**declared_assay(row), "ic50_nM": float(row["cell_ic50_nM"]), "source": row["cell_source"],
            "verified": row["cell_verified"]}


def experiments() -> dict[str, Experiment]:
    from alk5_pysb.pharmacology.compounds import get_compound
    import dataclasses
    out = {}
    for name in fitted_compounds():
        a, key = assay(name), _key(name)
        compound = dataclasses.replace(get_compound(name), residual=1.0)
        # without drug the ligand comes at t = 0 (resting cells either way), so its PEtab time has no pre-treatment
        out[f"{key}_nodrug"] = Experiment(name=f"{name} assay without drug", dose_pM=a["dose_pM"])
        for fold in FOLDS:
            conc = a["ic50_nM"] * fold
            out[f"{key}_{fold:.4g}xIC50"] = Experiment(name=f"{name} {conc:.4g} nM", dose_pM=a["dose_pM"],
                                                       inhibitor_nM=conc, pretreat_min=a["pretreat_min"],
                                                       compound=compound)
    return out


def condition_table() -> pd.DataFrame:
    rows = []
    for cid, e in experiments().items():
        changes = e.check().sbml_changes()
        changes.pop("Kd_residual_factor", None)            # estimated
        rows.append({"conditionId": cid, "conditionName": e.name, **changes})
    frame = pd.DataFrame(rows)
    defaults = {"inhibitor_time_min": 0.0, "Inhibitor_0": 0.0}
    for column in frame.columns:
        if frame[column].isna().any():
            if column in ("Kd_inhibitor", "kon_inhibitor"):
                from alk5_pysb.model.parameters import default_table
                frame[column] = frame[column].fillna(default_table().value(column))
            else:
                frame[column] = frame[column].fillna(defaults.get(column, 0.0))
    return frame


def observable_table() -> pd.DataFrame:
    rows = []
    for name in fitted_compounds():
        a, key = assay(name), _key(name)
        rows.append({"observableId": f"{a['readout']}_rel_nodrug_{key}",
                     "observableName": f"{a['readout']} {a['metric']} relative to no drug ({name} assay)",
                     "observableFormula": f"{a['readout']} / observableParameter1_{a['readout']}_rel_nodrug_{key}",
                     "noiseFormula": str(NOISE_SD), "observableTransformation": "lin", "noiseDistribution": "normal"})
    return pd.DataFrame(rows)


def measurement_table() -> pd.DataFrame:
    rows = []
    for name in fitted_compounds():
        a, key = assay(name), _key(name)
        dataset = f"{key}_derived_from_cell_IC50_{a['verified']}"
        base = {"observableId": f"{a['readout']}_rel_nodrug_{key}",
                "time": a["read_min"] + a["pretreat_min"], "observableParameters": f"scale_{key}", "datasetId": dataset}
        rows.append({**base, "simulationConditionId": f"{key}_nodrug", "measurement": 1.0, "time": a["read_min"]})
        for fold in FOLDS:
            rows.append({**base, "simulationConditionId": f"{key}_{fold:.4g}xIC50",
                         "measurement": round(1 / (1 + fold), 6)})
    columns = ["observableId", "simulationConditionId", "time", "measurement",
               "observableParameters", "datasetId"]
    return pd.DataFrame(rows)[columns]


def parameter_table() -> pd.DataFrame:
    rows = [{"parameterId": "Kd_residual_factor", "parameterName": "residual factor on the Cheng-Prusoff cellular Kd",
             "parameterScale": "log10", "lowerBound": 1e-4, "upperBound": 1e2, "nominalValue": 1.0, "estimate": 1}]
    for name in fitted_compounds():
        a, key = assay(name), _key(name)
        rows.append({"parameterId": f"scale_{key}", "parameterName": f"{a['readout']} without drug ({name} assay)",
                     "parameterScale": "log10", "lowerBound": 1e-2, "upperBound": 1e6, "nominalValue": 100.0,
                     "estimate": 1})
    return pd.DataFrame(rows)


def render() -> dict[str, str]:
    comment = "# PEtab v1, generated by alk5_pysb.calibration.potency (derived points; see its docstring)\n"
    return {"problem.yaml": problem_yaml(SBML_RELATIVE, comment=comment),
            "conditions.tsv": tsv(condition_table(), float_format="%.10g"),
            "observables.tsv": tsv(observable_table()), "measurements.tsv": tsv(measurement_table(), float_format="%.10g"),
            "parameters.tsv": tsv(parameter_table(), float_format="%.10g")}


def problem_dir() -> Path:
    return Path(str(resources.files("alk5_pysb").joinpath(FOLDER)))


def write(folder=None) -> Path:
    from alk5_pysb.calibration.literature import write_tables
    return write_tables(folder or problem_dir(), render())


if __name__ == "__main__":
    print(write())
