"""The parameter table: every rate constant, amount and volume with unit and source.

``data/parameters.csv`` columns:

name        identifier used in the model and the SBML
value       number in ``unit``
unit        explicit unit (molecule/cell, nM, L, 1/min, 1/(nM*min), 1/(molecule*min), ...)
block       mechanism block that uses it (ligand, receptor, smad, transcription, feedback,
            noncanonical, inhibitors, compartments)
description what the number means
evidence    literature | model (value read from a published SBML) | calibrated | assumed
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

EVIDENCE = ("literature", "model", "calibrated", "assumed")
COLUMNS = ("name", "value", "unit", "block", "compartment", "description", "evidence", "source")


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
    if frame.index.duplicated().any():
        problems.append(f"duplicated names: {sorted(set(frame.index[frame.index.duplicated()]))}")
    if problems:
        raise ParameterTableError("parameter table: " + "; ".join(problems))


def read_table(path=None) -> ParameterTable:
    if path is None:
        with resources.files("alk5_pysb").joinpath("data/parameters.csv").open(encoding="utf-8") as fh:
            frame = pd.read_csv(fh, comment="#", skipinitialspace=True)
    else:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    frame = frame.set_index("name")
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
    frame["compartment"] = frame["compartment"].fillna("")
    validate(frame)
    return ParameterTable(frame)


@lru_cache(maxsize=1)
def default_table() -> ParameterTable:
    return read_table()
