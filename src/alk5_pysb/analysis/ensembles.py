"""Global sensitivity (Sobol indices, SALib) and virtual populations, both on the scan engine."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis.fitting import fit_hill
from alk5_pysb.simulation.engine import run_scan
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.io.files import atomic_write
from alk5_pysb.io.experiment_files import Axis, sobol_problem
from alk5_pysb.errors import UserInputError

SENSITIVITY_DEFAULTS = ("kon_TGFB1_TBRII", "kon_ALK5_complex", "k_GS_phos", "k_phos_Smad2", "kon_Smad7_ALK5",
                        "kdeg_Smurf2_receptor", "k_dephos_PPM1A_complex", "k_import_Smad_complex")
#: protein levels that vary from cell to cell (Strasen et al. 2018 Mol Syst Biol: receptor and Smad
#: levels set cell-specific responses); Smad7 via its basal transcription
POPULATION_DEFAULTS = ("TBRII_0", "ALK5_0", "Smad2_0", "Smad3_0", "Smad4_0", "Smurf2_0", "PPM1A_0",
                       "k_tx_basal_SMAD7")


def _check_names(parameters):
    if not parameters:
        raise UserInputError("--params: name at least one parameter (see `alk5 info`)")
    twice = sorted({p for p in parameters if list(parameters).count(p) > 1})
    if twice:
        raise UserInputError(f"--params: {', '.join(twice)} given more than once")


def sensitivity(sim, experiment: Experiment, parameters, fold: float, samples: int, out, executor="processes",
                workers=None, scheduler=None, resume=False, seed=1):
    """First-order and total Sobol indices of every readout@metric w.r.t. log-uniform parameters."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample
    if fold <= 1:
        raise UserInputError("--fold must be > 1 (parameters vary from value/fold to value*fold)")
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise UserInputError(f"--samples must be an integer >= 1 (Sobol base samples), got {samples!r}")
    _check_names(parameters)
    unknown = [p for p in parameters if p not in sim.table_parameters]
    if unknown:
        raise UserInputError(f"unknown parameter(s) {unknown}; valid parameters: {', '.join(sim.table_parameters)}")
    zero = [p for p in parameters if sim._origin[p] <= 0]
    if zero:
        raise UserInputError(f"parameter(s) {zero} are 0 in the model: a fold range around 0 is empty")
    axes = [Axis(p, low=sim._origin[p] / fold, high=sim._origin[p] * fold) for p in parameters]
    problem = sobol_problem(axes)
    raw = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    table = pd.DataFrame(10 ** raw, columns=list(parameters))
    table.insert(0, "condition_id", np.arange(len(table)))
    results = run_scan(sim, experiment, table, Path(out), executor=executor, workers=workers, scheduler=scheduler,
                       resume=resume)
    rows = []
    for column in experiment.columns():
        y = results.sort_values("condition_id")[column].to_numpy(float)
        if not np.all(np.isfinite(y)):
            raise UserInputError(f"{column}: {int((~np.isfinite(y)).sum())} conditions failed; see results.parquet")
        # a Generator, not the int: SALib's sobol.analyze ignores seed 0 (`if seed:`) and its CIs vary run to run
        si = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=np.random.default_rng(seed))
        for j, name in enumerate(parameters):
            rows.append({"output": column, "parameter": name, "S1": si["S1"][j], "S1_conf": si["S1_conf"][j],
                         "ST": si["ST"][j], "ST_conf": si["ST_conf"][j]})
    indices = flag_unreadable(pd.DataFrame(rows))
    atomic_write(Path(out) / "sobol_indices.csv", indices.to_csv(index=False, float_format="%.5g"))
    return indices, results


#: a Sobol estimate is read when its 95% bootstrap half-width (SALib's S1_conf/ST_conf) is below this
READABLE_CONF = 0.1


def flag_unreadable(indices: pd.DataFrame) -> pd.DataFrame:
    """Add a ``warning`` per row where the estimates contradict what Sobol indices can be: S1 below 0 or S1
    above ST by more than their bootstrap 95% intervals (N too small), or a wide interval on a top-3 parameter."""
    def row_warning(r):
        notes = []
        if r.S1 + r.S1_conf < 0:
            notes.append("S1 < 0 beyond its 95% CI")
        if r.S1 - r.S1_conf > r.ST + r.ST_conf:
            notes.append("S1 > ST beyond their 95% CIs")
        return "; ".join(notes)
    indices = indices.assign(warning=[row_warning(r) for r in indices.itertuples()])
    for output, group in indices.groupby("output", sort=False):
        top = group.sort_values("ST", ascending=False).head(3)
        wide = top[(top["ST_conf"] > READABLE_CONF) | (top["S1_conf"] > READABLE_CONF)].index
        for i in wide:
            note = f"95% CI half-width > {READABLE_CONF:g} on a top-3 parameter"
            indices.loc[i, "warning"] = "; ".join(filter(None, [indices.loc[i, "warning"], note]))
    return indices


def readability(indices: pd.DataFrame, samples: int) -> list[str]:
    """One line per output whose indices cannot be read yet, saying what to change (empty: readable)."""
    lines = []
    for output, group in indices.groupby("output", sort=False):
        flagged = group[group["warning"] != ""]
        if len(flagged):
            lines.append(f"{output}: {len(flagged)} of {len(group)} indices are not readable at --samples {samples} "
                         f"({'; '.join(sorted(set('; '.join(flagged['warning']).split('; '))))}): raise --samples "
                         f"(the CI shrinks as 1/sqrt(N))")
    return lines


def population_table(sim, cells: int, cv: float, parameters, doses_nM, seed=1, ligand_doses_pM=None,
                     base=None) -> pd.DataFrame:
    """Cells x (untreated + inhibitor doses), or with ``ligand_doses_pM`` cells x ligand doses; each cell's protein
    levels drawn log-normal with mean 1 x value (``base``'s value, e.g. a context's, else the table's)."""
    if cells < 2:
        raise UserInputError("--cells must be at least 2")
    if not 0 < cv < 3:
        raise UserInputError("--cv must be between 0 and 3 (coefficient of variation of protein levels)")
    _check_names(parameters)
    unknown = [p for p in parameters if p not in sim.table_parameters]
    if unknown:
        raise UserInputError(f"unknown parameter(s) {unknown}; valid parameters: {', '.join(sim.table_parameters)}")
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(np.log(1 + cv**2))
    factors = rng.lognormal(mean=-sigma**2 / 2, sigma=sigma, size=(cells, len(parameters)))
    base = base or {}
    values = np.array([base.get(p, sim._origin[p]) for p in parameters])
    per_cell = pd.DataFrame(factors * values, columns=list(parameters))
    per_cell.insert(0, "cell", np.arange(cells))
    if ligand_doses_pM is not None and len(ligand_doses_pM):
        if len(doses_nM):
            raise UserInputError("give inhibitor doses (--doses) or ligand doses (--ligand-doses), not both")
        axis = pd.DataFrame({"ligand_dose": [float(d) for d in ligand_doses_pM]})
    else:
        axis = pd.DataFrame({"inhibitor_dose": [0.0] + [float(d) for d in doses_nM]})
    table = per_cell.merge(axis, how="cross")
    table.insert(0, "condition_id", np.arange(len(table)))
    return table


def population(sim, experiment: Experiment, table: pd.DataFrame, out, executor="processes", workers=None,
               scheduler=None, resume=False):
    """Run the population; per cell: untreated response and IC50 of every readout@metric."""
    results = run_scan(sim, experiment, table, Path(out), executor=executor, workers=workers, scheduler=scheduler,
                       resume=resume)
    rows = []
    for cell, grp in results.groupby("cell"):
        grp = grp.sort_values("inhibitor_dose")
        row = {"cell": int(cell)}
        control = grp[grp["inhibitor_dose"] == 0]
        treated = grp[grp["inhibitor_dose"] > 0]
        for column in experiment.columns():
            row[f"{column}"] = float(control[column].iloc[0])
            if len(treated) >= 4:
                fit = fit_hill(treated["inhibitor_dose"], treated[column])
                inhibited = treated[column].iloc[-1] < 0.5 * control[column].iloc[0]
                row[f"IC50_nM {column}"] = fit.ec50 if (fit.converged and inhibited) else np.nan
        rows.append(row)
    summary = pd.DataFrame(rows)
    atomic_write(Path(out) / "cells.csv", summary.to_csv(index=False, float_format="%.5g"))
    return summary, results


def parse_responder(text: str, columns) -> tuple[str, str, float]:
    """``READOUT>=VALUE`` or ``READOUT<=VALUE`` (READOUT one of ``columns``, i.e. readout@metric, or a readout
    whose only metric is meant) -> (column, operator, threshold)."""
    for op in (">=", "<="):
        if op in text:
            name, _, value = text.partition(op)
            name = name.strip()
            matches = [c for c in columns if c == name or c.split("@")[0] == name]
            if len(matches) != 1:
                raise UserInputError(f"--responder {text!r}: {name!r} is not one of the measured outputs "
                                     f"{', '.join(columns)}")
            try:
                threshold = float(value)
            except ValueError:
                raise UserInputError(f"--responder {text!r}: expected a number after {op}") from None
            return matches[0], op, threshold
    raise UserInputError(f"--responder {text!r}: expected READOUT>=VALUE or READOUT<=VALUE (e.g. EMT_index>=0.5)")


def bimodality_coefficient(values) -> float:
    """Sarle's bimodality coefficient (skewness^2 + 1) / (kurtosis + 3(n-1)^2/((n-2)(n-3))): above 5/9 (0.555)
    suggests two modes; nan for fewer than 4 values or no spread."""
    from scipy.stats import kurtosis, skew
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n < 4 or np.ptp(v) == 0:
        return float("nan")
    g, k = skew(v, bias=False), kurtosis(v, bias=False)
    return float((g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3))))


def responder_fractions(results: pd.DataFrame, columns, responders) -> pd.DataFrame:
    """Per ligand dose: cells, median and 5-95% of every output, its bimodality coefficient, and the fraction of
    cells meeting each responder rule (column, operator, threshold)."""
    rows = []
    for dose, grp in results.groupby("ligand_dose"):
        row = {"ligand_dose_pM": float(dose), "cells": int(len(grp))}
        for column in columns:
            values = grp[column]
            row.update({f"{column} median": float(values.median()), f"{column} q05": float(values.quantile(0.05)),
                        f"{column} q95": float(values.quantile(0.95)),
                        f"{column} bimodality": bimodality_coefficient(values)})
        for column, op, threshold in responders:
            hit = grp[column] >= threshold if op == ">=" else grp[column] <= threshold
            row[f"fraction {column}{op}{threshold:g}"] = float(hit.mean())
        rows.append(row)
    return pd.DataFrame(rows)
