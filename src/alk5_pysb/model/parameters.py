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
            fitted    estimated by ``alk5 calibrate`` (the source names the problem) or constrained by the
                      behaviours of ``alk5 ensemble`` (the source names the run and the behaviours)
            assumed   none of these (the source starts "assumed" and gives the reason)
cell_type   the cells (or system) a measured value comes from
source      author year journal (and BioModels id); for ``assumed`` the reason
distribution what is known about the value (issue 17), one of
            point       exact, a switch or a protocol handle (low = high = value)
            loguniform  low and high are hard bounds on a log scale (an order-of-magnitude span)
            lognormal   low and high are the 2.5th and 97.5th percentiles; median sqrt(low * high)
            uniform     low and high are hard bounds on a linear scale (Hill exponents, fractions)
            normal      low and high are the 2.5th and 97.5th percentiles; mean (low + high) / 2
low, high   the range in ``unit`` (low <= value <= high)
tied_to     optional: another parameter whose drawn fold also multiplies this one (a koff derived from
            kon and a measured KD; a constant assumed equal to another)
range_reason why this range: the source's spread, other published models' values, a physical limit or a
            compilation; a blanket x/10 range (high/low = 100 around the value) must say that nothing
            narrower is known

Bimolecular constants given in 1/(nM*min) also name the compartment whose volume turns them
into per-molecule constants (column ``compartment``), because the model counts molecules per cell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from alk5_pysb.errors import UserInputError

EVIDENCE = ("measured", "model", "derived", "fitted", "assumed")
DISTRIBUTIONS = ("point", "loguniform", "lognormal", "uniform", "normal")
Z975 = 1.959963984540054     # low-high of a (log)normal row is its central 95%
RANGE_COLUMNS = ("distribution", "low", "high", "tied_to", "range_reason")
COLUMNS = ("name", "value", "unit", "block", "compartment", "description", "evidence", "cell_type", "source",
           *RANGE_COLUMNS)
#: a range this wide around the value (x/10) is the blanket default: its reason must say nothing narrower is known
BLANKET_DECADES = 2.0
BLANKET_WORDS = "nothing narrower"


class ParameterTableError(UserInputError):
    """A parameter table row does not carry what it claims (one line; the CLI exits 2)."""


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
        problems += range_problems(name, row, frame.index)
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
    if evidence == "fitted" and "alk5 calibrate" not in source and "alk5 ensemble" not in source:
        return [f"{name}: a fitted value must name the alk5 calibrate problem or the alk5 ensemble run it comes from"]
    if evidence == "assumed" and not source.startswith("assumed"):
        return [f"{name}: an assumed value must start its source with 'assumed' and give the reason"]
    return []


def description_without_default(description: str) -> str:
    """A row's description for a context's value: without the default value's half-life or unit conversion
    (e.g. "(t1/2 9 h)", "(1e6 /M/s)"), which describe the default, not the context's number."""
    import re
    description = re.sub(r"; t1/2 [^);]*", "", description)
    return re.sub(r" \((t1/2|[^)]*/M/s)[^)]*\)", "", description)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()


def range_problems(name, row, names) -> list[str]:
    """What is wrong with a row's distribution (empty list: nothing)."""
    dist = _text(row.get("distribution"))
    if not dist:
        return [f"{name}: no distribution (one of {', '.join(DISTRIBUTIONS)})"]
    if dist not in DISTRIBUTIONS:
        return [f"{name}: unknown distribution {dist!r} (expected one of {', '.join(DISTRIBUTIONS)})"]
    try:
        value, low, high = float(row["value"]), float(row.get("low")), float(row.get("high"))
    except (TypeError, ValueError):
        return [f"{name}: low and high must be numbers in {row.get('unit', 'the unit')}, got {row.get('low')!r}, "
                f"{row.get('high')!r}"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return [f"{name}: low and high must be finite numbers, got {low!r}, {high!r}"]
    if low > high:
        return [f"{name}: low {low:g} is above high {high:g}"]
    problems = []
    if not low <= value <= high:
        problems.append(f"{name}: value {value:g} lies outside its range {low:g}-{high:g}")
    if dist == "point" and not low == value == high:
        problems.append(f"{name}: a point distribution has low = high = value ({value:g})")
    if dist in ("loguniform", "lognormal") and low <= 0:
        problems.append(f"{name}: a {dist} range needs low > 0, got {low:g}")
    if dist != "point" and low == high:
        problems.append(f"{name}: low = high: use distribution point")
    if name.startswith("n_") and dist != "point" and low < 1:
        problems.append(f"{name}: a Hill exponent's range must stay >= 1 (below 1 the slope at zero is infinite "
                        f"and no negative cooperativity is reported), got low {low:g}")
    reason = _text(row.get("range_reason"))
    if len(reason) < 15:
        problems.append(f"{name}: no range_reason (why this range)")
    elif (dist in ("loguniform", "lognormal") and value > 0 and low > 0 and abs(math.log10(high / low) - BLANKET_DECADES) < 0.02
          and abs(math.log10(value * value / (low * high))) < 0.02 and BLANKET_WORDS not in reason.lower()):
        problems.append(f"{name}: a blanket x/10 range must say '{BLANKET_WORDS} is known' and why")
    tied = _text(row.get("tied_to"))
    if tied and (tied not in names or tied == name):
        problems.append(f"{name}: tied_to {tied!r} is not another parameter of the table")
    return problems


def check_side_table(frame: pd.DataFrame, label, origin: str) -> pd.DataFrame:
    """The compound, pharmacology and PK tables carry ranges too: every row with a numeric value needs a valid
    distribution (rows whose value is a word, such as a model choice, need distribution point)."""
    problems = []
    for _, row in frame.iterrows():
        name = label(row)
        if "distribution" not in row:
            problems.append(f"{name}: no distribution column")
            break
        try:
            float(row["value"])
        except (TypeError, ValueError):
            if _text(row.get("distribution")) != "point":
                problems.append(f"{name}: a value that is not a number ({row['value']!r}) takes distribution point")
            continue
        problems += range_problems(name, row, [])
    if problems:
        raise ParameterTableError(f"{origin}: " + "; ".join(problems))
    return frame


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
    for column in ("tied_to", "range_reason", "distribution"):
        if column in frame:
            frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
    if "cell_type" in frame:
        frame["cell_type"] = frame["cell_type"].astype(object).where(frame["cell_type"].notna(), "")
    validate(frame)
    return ParameterTable(frame)


@lru_cache(maxsize=1)
def default_table() -> ParameterTable:
    return read_table()


def quantile(dist: str, low: float, high: float, u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a row's distribution at uniform draws ``u`` (0 < u < 1): loguniform and uniform between
    low and high, lognormal and normal with low-high as their central 95%."""
    from scipy.stats import norm
    if dist == "loguniform":
        return np.exp(np.log(low) + u * (np.log(high) - np.log(low)))
    if dist == "uniform":
        return low + u * (high - low)
    if dist == "lognormal":
        mu, sigma = _centre_spread(np.log(low), np.log(high))
        return np.exp(mu + sigma * norm.ppf(u))
    if dist == "normal":
        mu, sigma = _centre_spread(low, high)
        return np.maximum(mu + sigma * norm.ppf(u), 0.0)     # values are >= 0 (amounts, rates)
    raise ValueError(f"cannot draw from distribution {dist!r}")


def cdf(dist: str, low: float, high: float, value: np.ndarray) -> np.ndarray:
    """CDF of a row's distribution at ``value``: the inverse of ``quantile`` (a value outside a bounded row's
    range is clipped to it)."""
    from scipy.stats import norm
    value = np.asarray(value, float)
    if dist == "loguniform":
        return np.clip((np.log(value) - np.log(low)) / (np.log(high) - np.log(low)), 0.0, 1.0)
    if dist == "uniform":
        return np.clip((value - low) / (high - low), 0.0, 1.0)
    if dist == "lognormal":
        mu, sigma = _centre_spread(np.log(low), np.log(high))
        return norm.cdf((np.log(value) - mu) / sigma)
    if dist == "normal":
        mu, sigma = _centre_spread(low, high)
        return norm.cdf((value - mu) / sigma)
    raise ValueError(f"no distribution {dist!r}")


def _centre_spread(low: float, high: float) -> tuple[float, float]:
    """Mean and SD of a normal whose central 95% is low-high."""
    return 0.5 * (low + high), (high - low) / (2 * Z975)
