"""Scans over doses: dose-response and inhibitor potency, written as they go and resumable.

Every scan is a list of conditions run on one compiled simulator. Results are tidy rows
(condition columns + readout, metric, value, unit) appended to the output CSV after each
condition, so an interrupted scan loses nothing; ``resume=True`` skips conditions already in the
file. Curves are then fitted per readout and metric with a four-parameter Hill function.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from .analysis import fit_hill
from .metrics import Metric, horizon, time_grid
from .simulate import Protocol, Simulator, readout_table
from .units import UserInputError


@dataclass
class Condition:
    key: dict                     # columns that identify the condition in the CSV
    protocol: Protocol
    params: dict = field(default_factory=dict)


def _unit(readout: str) -> str:
    table = readout_table()
    return str(table.loc[readout, "unit"]) if readout in table.index else "molecule/cell"


CSV_FLOAT = "%.8g"


def _key_tuple(key: dict, columns) -> tuple:
    """Condition identity as it reads back from the CSV (numbers at the precision written)."""
    return tuple(float(CSV_FLOAT % float(key[c])) if isinstance(key[c], (int, float)) else str(key[c])
                 for c in columns)


def run_conditions(sim: Simulator, conditions: list[Condition], readouts, metrics: list[Metric],
                   out: Path | None = None, resume: bool = False, desc: str = "scan") -> pd.DataFrame:
    """Run each condition, evaluate every metric on every readout, append rows to ``out``."""
    sim.check_readouts(readouts)
    key_columns = list(conditions[0].key) if conditions else []
    done = set()
    previous = None
    if out is not None:
        out = Path(out)
        if out.exists() and resume:
            previous = pd.read_csv(out)
            missing = [c for c in key_columns if c not in previous.columns]
            if missing:
                raise UserInputError(f"cannot resume from {out}: it lacks columns {missing} (a different scan?)")
            done = {_key_tuple(row, key_columns) for row in previous[key_columns].to_dict("records")}
        elif out.exists():
            raise UserInputError(f"{out} exists: use --resume to continue that scan or --force to start again")
        if not out.parent.is_dir():
            raise UserInputError(f"cannot write {out}: folder {out.parent} does not exist")
    todo = [c for c in conditions if _key_tuple(c.key, key_columns) not in done]
    rows = []
    header = previous is None or previous.empty
    for cond in tqdm(todo, desc=desc, unit="sim", disable=None, leave=False):
        frame = sim.run(cond.protocol, readouts=readouts, params=cond.params)
        frame = frame[frame["time_min"] >= 0]
        new = [{**cond.key, "readout": r, "metric": m.text, "value": m.evaluate(frame, r), "unit": m.unit(_unit(r))}
               for r in readouts for m in metrics]
        rows.extend(new)
        if out is not None:   # append and flush per condition: nothing computed is lost
            pd.DataFrame(new).to_csv(out, mode="a", header=header, index=False, float_format=CSV_FLOAT)
            header = False
    frame = pd.DataFrame(rows)
    if previous is not None and not previous.empty:
        frame = pd.concat([previous, frame], ignore_index=True)
    return frame


def fit_curves(data: pd.DataFrame, dose_column: str) -> pd.DataFrame:
    """Hill fit per readout and metric; a failed fit is reported, never hidden."""
    fits = []
    for (readout, metric), grp in data.groupby(["readout", "metric"], sort=False):
        grp = grp.sort_values(dose_column)
        doses, values = grp[dose_column].to_numpy(float), grp["value"].to_numpy(float)
        if np.ptp(values) <= 1e-9 * max(1.0, np.abs(values).max()):
            fits.append({"readout": readout, "metric": metric, "ec50": math.nan, "ec50_ci_low": math.nan,
                         "ec50_ci_high": math.nan, "hill": math.nan, "bottom": values[0], "top": values[-1],
                         "converged": False, "message": "flat response: no dose dependence"})
            continue
        fit = fit_hill(doses, values)
        fits.append({"readout": readout, "metric": metric, "ec50": fit.ec50, "ec50_ci_low": fit.ec50_ci[0],
                     "ec50_ci_high": fit.ec50_ci[1], "hill": fit.hill, "bottom": fit.bottom, "top": fit.top,
                     "converged": fit.converged, "message": fit.message})
    return pd.DataFrame(fits)


def dose_response(sim, ligand, doses_pM, readouts, metrics, params=None, out=None, resume=False,
                  t_end_min=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    t_end = horizon(metrics, t_end_min or 0.0)
    times = tuple(time_grid(t_end, metrics))
    conditions = [Condition({"ligand": ligand, "dose_pM": float(d)},
                            Protocol(ligand=ligand, dose_pM=float(d), t_end_min=t_end, times=times), params or {})
                  for d in doses_pM]
    data = run_conditions(sim, conditions, readouts, metrics, out, resume, desc=f"{ligand} dose-response")
    return data, fit_curves(data, "dose_pM")


@dataclass(frozen=True)
class Treatment:
    """When the inhibitor is present relative to ligand addition (t = 0)."""
    text: str
    pretreat_min: float = 0.0
    inhibitor_at_min: float | None = None
    washout_at_min: float | None = None


PROTOCOLS = "pretreat:60min, co, post:45min, washout:T (pre-treated 60 min, inhibitor removed at t = T)"


def parse_treatment(text: str) -> Treatment:
    from .units import parse_duration
    kind, _, arg = text.partition(":")
    if kind == "co" and not arg:
        return Treatment(text)
    if kind in ("pretreat", "post", "washout") and arg:
        t = parse_duration(arg, what=f"protocol {text!r} time")
        if kind == "pretreat":
            if t <= 0:
                raise UserInputError(f"protocol {text!r}: pre-treatment time must be > 0")
            return Treatment(text, pretreat_min=t)
        if kind == "post":
            return Treatment(text, inhibitor_at_min=t)
        return Treatment(text, pretreat_min=60.0, washout_at_min=t)
    raise UserInputError(f"unknown protocol {text!r}: valid protocols are {PROTOCOLS}")


def inhibition(sim, compound, doses_nM, ligand="TGFB1", ligand_dose_pM=100.0, treatment: Treatment | None = None,
               readouts=("pSmad2",), metrics=None, params=None, out=None, resume=False):
    """Inhibitor dose-response per readout; returns (data, fits with IC50 per readout)."""
    from .metrics import parse_metric
    treatment = treatment or parse_treatment("pretreat:60min")
    metrics = metrics or [parse_metric("at:60min")]
    t_end = horizon(metrics)
    for t in (treatment.inhibitor_at_min, treatment.washout_at_min):
        if t is not None and t > t_end:
            raise UserInputError(f"protocol {treatment.text!r}: time {t:g} min lies outside the simulated window "
                                 f"0-{t_end:g} min set by the metrics")
    times = tuple(time_grid(t_end, metrics))
    base_params = {**(params or {}), **compound.model_params()}
    conditions = []
    for dose in [0.0] + [float(d) for d in doses_nM]:
        protocol = Protocol(ligand=ligand, dose_pM=ligand_dose_pM, t_end_min=t_end, times=times,
                            inhibitor_nM=dose, pretreat_min=treatment.pretreat_min if dose > 0 else 0.0,
                            inhibitor_at_min=treatment.inhibitor_at_min if dose > 0 else None,
                            inhibitor_washout_min=treatment.washout_at_min if dose > 0 else None,
                            inhibitor_tbrii_activity=compound.tbrii_activity(dose))
        conditions.append(Condition({"compound": compound.name, "protocol": treatment.text,
                                     "ligand_dose_pM": ligand_dose_pM, "inhibitor_nM": dose}, protocol, base_params))
    data = run_conditions(sim, conditions, list(readouts), metrics, out, resume, desc=f"{compound.name} inhibition")
    # a shared, resumed file may hold other scans: fit this one only
    data = data[(data["compound"] == compound.name) & (data["protocol"] == treatment.text)
                & np.isclose(data["ligand_dose_pM"].astype(float), ligand_dose_pM)
                & data["readout"].isin(list(readouts)) & data["metric"].isin([m.text for m in metrics])]
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
    top_dose = float(max(doses_nM))
    fits.loc[weak, "message"] = [f"< 50% inhibition at the top dose ({p:.0f}%): IC50 > {top_dose:g} nM"
                                 for p in fits.loc[weak, "pct_inhibition_at_top_dose"]]
    fits.loc[weak, ["ic50", "ic50_ci_low", "ic50_ci_high", "hill"]] = math.nan
    fits.loc[weak, "converged"] = False
    fits.insert(0, "compound", compound.name)
    return data, fits
