"""Dose-response and inhibitor-potency scans, run on the scan engine and written as they go.

A scan here is a small table of conditions (ligand doses, or compounds x inhibitor doses under one
treatment) handed to :func:`engine.run_scan`, so it runs serially, on all local cores or on Dask,
and streams Parquet chunks to ``<out stem>.chunks/`` as conditions finish. ``resume=True`` continues
an interrupted scan from those chunks. The tidy CSV (condition columns + readout, metric, value,
unit, error) is written once the scan is complete, then curves are fitted per readout and metric
with a four-parameter Hill function.
"""
from __future__ import annotations

import dataclasses
import math
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis.fitting import fit_hill
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write
from alk5_pysb.simulation.engine import folder_lock, run_scan
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.simulator import Simulator, readout_table

CSV_FLOAT = "%.8g"


@dataclass
class EngineOptions:
    """Where a scan runs (see engine.run_scan)."""
    executor: str = "serial"
    workers: int | None = None
    scheduler: str | None = None


def _unit(readout: str) -> str:
    table = readout_table()
    return str(table.loc[readout, "unit"]) if readout in table.index else "molecule/cell"


def chunks_folder(out: Path) -> Path:
    """Where the engine streams the chunks of the scan whose tidy CSV is ``out``."""
    return out.with_name(out.stem + ".chunks")


def check_output_file(out: Path) -> Path:
    """``out`` must name a file in an existing folder (not a folder itself)."""
    out = Path(out)
    if out.is_dir():
        raise UserInputError(f"{out} is a folder: give a file name for the results (e.g. {out / 'results.csv'})")
    if not out.parent.is_dir():
        raise UserInputError(f"cannot write {out}: folder {out.parent} does not exist")
    return out


def remove_outputs(out: Path):
    """--force: forget a previous scan in ``out`` (its CSV and its chunks); refused while a scan writes them."""
    out = check_output_file(out)
    folder = chunks_folder(out)
    try:
        if folder.is_dir():
            with folder_lock(folder):           # not from under a running scan
                out.unlink(missing_ok=True)
                shutil.rmtree(folder)
        else:
            out.unlink(missing_ok=True)
    except OSError as err:
        raise UserInputError(f"cannot remove the previous results {out}: {err.strerror}") from None


def run_conditions(sim: Simulator, experiment: Experiment, axes: pd.DataFrame, keys: pd.DataFrame,
                   out: Path | None = None, resume: bool = False, engine: EngineOptions | None = None) -> pd.DataFrame:
    """Run the conditions in ``axes`` (condition_id + engine axes) on the engine; return tidy rows labelled
    by ``keys`` (condition_id + the columns that identify a condition in the CSV)."""
    sim.check_readouts(experiment.readouts)
    engine = engine or EngineOptions()
    if out is not None:
        out = check_output_file(out)
        if out.exists() and not resume:
            raise UserInputError(f"{out} exists: use --resume to continue that scan or --force to start again")
    with tempfile.TemporaryDirectory(prefix="alk5-scan-") as scratch:
        folder = chunks_folder(out) if out is not None else Path(scratch) / "scan"
        wide = run_scan(sim, experiment, axes, folder, executor=engine.executor, workers=engine.workers,
                        scheduler=engine.scheduler, chunk_size=None, resume=resume, progress=True,
                        restart_option="--force")
    wide = keys.merge(wide[["condition_id", "error", *experiment.columns()]], on="condition_id")
    labels = [c for c in keys.columns if c != "condition_id"]
    rows = [{**{k: cond[k] for k in labels}, "readout": r, "metric": m.text,
             "value": cond[f"{r}@{m.text}"], "unit": m.unit(_unit(r)), "error": cond["error"]}
            for cond in wide.to_dict("records") for r in experiment.readouts for m in experiment.metrics]
    data = pd.DataFrame(rows)
    failed = wide[wide["error"] != ""]
    if len(failed):
        first = " ".join(str(failed["error"].iloc[0]).split())
        print(f"alk5: warning: {len(failed)} of {len(wide)} conditions failed (first: {first}); "
              "their rows are kept with the error and left out of the fits", file=sys.stderr)
    if out is not None:
        atomic_write(out, data.to_csv(index=False, float_format=CSV_FLOAT))
    return data


def fit_curves(data: pd.DataFrame, dose_column: str) -> pd.DataFrame:
    """Hill fit per readout and metric; a failed fit is reported, never hidden."""
    fits = []
    for (readout, metric), grp in data.groupby(["readout", "metric"], sort=False):
        grp = grp.sort_values(dose_column)
        failed = int((~np.isfinite(grp["value"].to_numpy(float))).sum())
        grp = grp[np.isfinite(grp["value"].to_numpy(float))]
        doses, values = grp[dose_column].to_numpy(float), grp["value"].to_numpy(float)
        if len(values) < 4:
            fits.append({"readout": readout, "metric": metric, "ec50": math.nan, "ec50_ci_low": math.nan,
                         "ec50_ci_high": math.nan, "hill": math.nan, "bottom": math.nan, "top": math.nan,
                         "converged": False, "message": f"only {len(values)} conditions succeeded ({failed} failed): "
                                                        "too few to fit"})
            continue
        if np.ptp(values) <= 1e-9 * max(1.0, np.abs(values).max()):
            fits.append({"readout": readout, "metric": metric, "ec50": math.nan, "ec50_ci_low": math.nan,
                         "ec50_ci_high": math.nan, "hill": math.nan, "bottom": values[0], "top": values[-1],
                         "converged": False, "message": "flat response: no dose dependence"})
            continue
        fit = fit_hill(doses, values)
        message = fit.message + (f"; {failed} failed condition(s) left out" if failed else "")
        fits.append({"readout": readout, "metric": metric, "ec50": fit.ec50, "ec50_ci_low": fit.ec50_ci[0],
                     "ec50_ci_high": fit.ec50_ci[1], "hill": fit.hill, "bottom": fit.bottom, "top": fit.top,
                     "converged": fit.converged, "message": message})
    return pd.DataFrame(fits)


def _with_members(axes: pd.DataFrame, keys: pd.DataFrame, members: pd.DataFrame | None):
    """Every condition under every ensemble member (members is None: unchanged)."""
    if members is None:
        return axes, keys
    from alk5_pysb.analysis.uncertainty import with_members
    big_axes = with_members(axes, members)
    big_keys = with_members(keys, members[["member"]])
    return big_axes, big_keys[["condition_id", "member", *[c for c in keys.columns if c != "condition_id"]]]


def _per_member(data: pd.DataFrame, fit) -> pd.DataFrame:
    if "member" not in data:
        return fit(data)
    frames = [fit(grp).assign(member=member) for member, grp in data.groupby("member", sort=False)]
    fits = pd.concat(frames, ignore_index=True)
    return fits[["member", *[c for c in fits.columns if c != "member"]]]


def dose_response(sim, experiment: Experiment, doses_pM, out=None, resume=False,
                  engine: EngineOptions | None = None, members: pd.DataFrame | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ligand dose-response of ``experiment`` (its ligand, readouts, metrics, parameters, any inhibitor):
    one condition per dose, Hill fits per readout and metric; returns (tidy data, fits). With ``members``
    (an ensemble, see uncertainty.py) every dose runs under every member and the fits are per member."""
    doses = [float(d) for d in doses_pM]
    ids = np.arange(len(doses))
    axes = pd.DataFrame({"condition_id": ids, "ligand_dose": doses})
    keys = pd.DataFrame({"condition_id": ids, "ligand": experiment.ligand, "dose_pM": doses})
    axes, keys = _with_members(axes, keys, members)
    data = run_conditions(sim, experiment, axes, keys, out, resume, engine)
    return data, _per_member(data, lambda d: fit_curves(d, "dose_pM"))


def inhibition(sim, experiment: Experiment, compounds, doses_nM, out=None, resume=False,
               engine: EngineOptions | None = None, members: pd.DataFrame | None = None):
    """Inhibitor dose-response of ``experiment`` (ligand dose, inhibitor schedule, readouts, metrics) for
    one compound or a list of them (one scan, untreated control included); returns (data, fits with IC50
    per compound, readout and metric)."""
    compounds = list(compounds) if isinstance(compounds, (list, tuple)) else [compounds]
    for t in (experiment.inhibitor_at_min, experiment.inhibitor_washout_min):
        if t is not None and t > experiment.t_end_min:
            raise UserInputError(f"protocol {experiment.schedule_text!r}: time {t:g} min lies outside the simulated "
                                 f"window 0-{experiment.t_end_min:g} min set by the metrics")
    doses = [0.0] + [float(d) for d in doses_nM]
    grid = [(c.name, d) for c in compounds for d in doses]
    ids = np.arange(len(grid))
    axes = pd.DataFrame({"condition_id": ids, "compound": [c for c, _ in grid], "inhibitor_dose": [d for _, d in grid]})
    keys = pd.DataFrame({"condition_id": ids, "compound": axes["compound"], "protocol": experiment.schedule_text,
                         "ligand_dose_pM": experiment.dose_pM, "inhibitor_nM": axes["inhibitor_dose"]})
    experiment = dataclasses.replace(experiment, compounds={**experiment.compounds, **{c.name: c for c in compounds}})
    from alk5_pysb.analysis.uncertainty import simulated_columns, with_compound_potency
    drawn = None if members is None else simulated_columns(members)     # potency:NAME draws set Kd_inhibitor below
    axes, keys = _with_members(axes, keys, drawn)
    if members is not None:             # each library compound's potency moves with its own draw
        axes = with_compound_potency(axes, members)
    data = run_conditions(sim, experiment, axes, keys, out, resume, engine)

    def per_compound(frame):
        fits = pd.concat([_inhibition_fits(grp, float(max(doses_nM))).assign(compound=name)
                          for name, grp in frame.groupby("compound", sort=False)], ignore_index=True)
        return fits[["compound", *[c for c in fits.columns if c != "compound"]]]
    return data, _per_member(data, per_compound)


def _inhibition_fits(data: pd.DataFrame, top_dose: float) -> pd.DataFrame:
    treated = data[data["inhibitor_nM"] > 0]
    fits = fit_curves(treated, "inhibitor_nM").rename(columns={"ec50": "ic50", "ec50_ci_low": "ic50_ci_low",
                                                               "ec50_ci_high": "ic50_ci_high"})
    control = data[data["inhibitor_nM"] == 0].set_index(["readout", "metric"])["value"]
    top = treated.loc[treated.groupby(["readout", "metric"])["inhibitor_nM"].idxmax()].set_index(["readout", "metric"])["value"]
    fits["control"] = [control.get((r, m), math.nan) for r, m in zip(fits.readout, fits.metric)]
    fits["pct_inhibition_at_top_dose"] = [100 * (1 - top.get((r, m), math.nan) / control.get((r, m), math.nan))
                                         if control.get((r, m), 0) else math.nan for r, m in zip(fits.readout, fits.metric)]
    # an IC50 only means something when the readout is at least half inhibited within the grid
    weak = ~(fits["pct_inhibition_at_top_dose"] >= 50.0)
    fits.loc[weak, "message"] = [f"< 50% inhibition at the top dose ({p:.0f}%): IC50 > {top_dose:g} nM"
                                 for p in fits.loc[weak, "pct_inhibition_at_top_dose"]]
    fits.loc[weak, ["ic50", "ic50_ci_low", "ic50_ci_high", "hill"]] = math.nan
    fits.loc[weak, "converged"] = False
    return fits
