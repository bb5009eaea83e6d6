"""The parameter table: every rate constant, amount and volume with unit and source.

``data/parameters.csv`` columns:

name        identifier used in the model and the SBML
value       number in ``unit``
unit        explicit unit (molecule/cell, nM, L, 1/min, 1/(nM*min), 1/(molecule*min), ...)
block       mechanism block that uses it (ligand, receptor, smad, transcription, feedback,
            noncanonical, inhibitors, compartments)
description what the number means
evidence    what the number rests on:
            measured  a value measured for this molecule (``cell_type`` says in what)
            model     taken from a published model (the source names it)
            derived   computed from other entries (the source starts "derived:" and names them and the formula)
            fitted    estimated by ``alk5 calibrate`` (the source names the problem)
            assumed   none of these (the source starts "assumed" and gives the reason)
cell_type   the cells (or system) a measured value comes from
source      author year journal (and BioModels id); for ``assumed`` the reason

Bimolecular constants given in 1/(nM*min) also name the compartment whose volume turns them
into per-molecule constants (column ``compartment``), because the model counts molecules per cell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pandas as pd

EVIDENCE = ("measured", "model", "derived", "fitted", "assumed")
COLUMNS = ("name", "value", "unit", "block", "compartment", "description", "evidence", "cell_type", "source")


class ParameterTableError(ValueError):
    pass


@dataclass(frozen=True)
class ParameterTable:
    frame: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return list(self.frame.index)

    def value(self, name: str) -> float:
        return float(self.row(name)["value"])

    def unit(self, name: str) -> str:
        return str(self.row(name)["unit"])

    def row(self, name: str) -> pd.Series:
        try:
            return self.frame.loc[name]
        except KeyError:
            raise KeyError(f"parameter {name!r} is not in the parameter table") from None


def validate(frame: pd.DataFrame) -> None:
    """Raise ParameterTableError unless every row has a finite value, a unit and a source."""
    missing = [c for c in COLUMNS if c not in frame.columns and c != "name"]
    if missing:
        raise ParameterTableError(f"parameter table lacks columns {missing}")
    problems = []
    for name, row in frame.iterrows():
        if not isinstance(row["value"], (int, float)) or not math.isfinite(row["value"]):
            problems.append(f"{name}: value {row['value']!r} is not a finite number")
        if not str(row["unit"]).strip() or str(row["unit"]) == "nan":
            problems.append(f"{name}: no unit")
        if row["evidence"] not in EVIDENCE:
            problems.append(f"{name}: evidence {row['evidence']!r} not one of {EVIDENCE}")
        source = str(row["source"]).strip()
        if not source or source == "nan" or (row["evidence"] == "assumed" and len(source) < 15):
            problems.append(f"{name}: no source (or no reason for an assumed value)")
        problems += _evidence_problems(name, row["evidence"], str(row.get("cell_type", "") or "").strip(), source,
                                       frame.index)
    if frame.index.duplicated().any():
        problems.append(f"duplicated names: {sorted(set(frame.index[frame.index.duplicated()]))}")
    if problems:
        raise ParameterTableError("parameter table: " + "; ".join(problems))


def _evidence_problems(name, evidence, cell_type, source, names) -> list[str]:
    """What a row must carry for its evidence class to mean what it says."""
    if evidence == "measured" and not cell_type:
        return [f"{name}: a measured value needs its cell type (column cell_type)"]
    if evidence == "derived":
        others = [n for n in names if n != name and n in source]
        if not source.startswith("derived:") or not others or "=" not in source:
            return [f"{name}: a derived value must say 'derived:' with its formula and the entries it uses"]
    if evidence == "fitted" and "alk5 calibrate" not in source:
        return [f"{name}: a fitted value must name the alk5 calibrate problem it comes from"]
    if evidence == "assumed" and not source.startswith("assumed"):
        return [f"{name}: an assumed value must start its source with 'assumed' and give the reason"]
    return []


def evidence_counts(table: "ParameterTable") -> pd.DataFrame:
    """Parameters per block and evidence class (every class a column, totals in the last row and column)."""
    counts = pd.crosstab(table.frame["block"], table.frame["evidence"]).reindex(columns=list(EVIDENCE), fill_value=0)
    counts.loc["all"] = counts.sum()
    counts["all"] = counts.sum(axis=1)
    return counts


def read_table(path=None) -> ParameterTable:
    if path is None:
        with resources.files("alk5_pysb").joinpath("data/parameters.csv").open(encoding="utf-8") as fh:
            frame = pd.read_csv(fh, comment="#", skipinitialspace=True)
    else:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    frame = frame.set_index("name")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["compartment"] = frame["compartment"].fillna("")
    if "cell_type" in frame:
        frame["cell_type"] = frame["cell_type"].fillna("")
    validate(frame)
    return ParameterTable(frame)


@lru_cache(maxsize=1)
def default_table() -> ParameterTable:
    return read_table()
