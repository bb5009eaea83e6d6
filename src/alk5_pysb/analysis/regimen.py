"""Dosing regimens: PK-driven ALK5 inhibition over days and weeks (``alk5 regimen``).

The regimen model (``io.regimen_sbml``) is simulated with RoadRunner. Inhibition of a readout is
1 - x(t)/x(0): the run starts at the steady state under the same constant TGF-beta1 without drug.
Per cycle: peak inhibition, trough inhibition (the lowest inhibition over the last dosing interval
of the on-period, i.e. at steady state), and time above 50% inhibition. After the last dose:
the time after which inhibition stays below 50% and below 10% (recovery).
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.pharmacology.pk import OralPK, Regimen

STEP_MIN = 5.0


def regimen_model(pk: OralPK, regimen: Regimen, tgfb1_pM: float, compound, models=None,
                  residence_time_min: float | None = None) -> str:
    from alk5_pysb.io.locations import sbml_path
    from alk5_pysb.io.regimen_sbml import regimen_sbml
    if not (math.isfinite(tgfb1_pM) and tgfb1_pM > 0):
        raise UserInputError(f"TGF-beta1 level {tgfb1_pM!r} pM: expected a level > 0 pM (e.g. 100pM)")
    lean = Path(sbml_path("tgfb1", models)).read_text(encoding="utf-8")
    tbrii = compound.kd_tbrii_cell_nM if math.isfinite(compound.tbrii_ic50_nM) else None
    kon = compound.kon if residence_time_min is None else 1.0 / (residence_time_min * compound.kd_cell_nM)
    return regimen_sbml(lean, pk, regimen.dose_times_h() * 60.0, regimen.dose_mg, tgfb1_pM, compound.kd_cell_nM, tbrii,
                        kon)


def simulate_regimen(sbml: str, regimen: Regimen, readouts, washout_days: float = 0.0, step_min: float = STEP_MIN,
                     rtol: float = 1e-6, atol: float = 1e-9) -> pd.DataFrame:
    import roadrunner
    from alk5_pysb.simulation.simulator import set_tolerances
    rr = roadrunner.RoadRunner(sbml)
    set_tolerances(rr, rtol, atol)
    known = set(rr.model.getFloatingSpeciesIds()) | set(rr.model.getGlobalParameterIds())
    bad = [r for r in readouts if r not in known]
    if bad:
        raise UserInputError(f"unknown readout(s) {', '.join(bad)}: valid readouts include pSmad2, pSmad3, "
                             "PAI1_mRNA, SMAD7_mRNA, CTGF_mRNA, nuc_Smad_complex, p38_active, ERK_active")
    t_end = regimen.duration_h * 60.0 + washout_days * 1440.0
    n = int(round(t_end / step_min)) + 1
    cols = ["time", "C_plasma_nM", "C_unbound_nM"] + list(readouts)
    out = np.array(rr.simulate(0.0, t_end, n, selections=cols))
    frame = pd.DataFrame(out, columns=["time_min", "C_plasma_nM", "C_unbound_nM"] + list(readouts))
    frame.insert(1, "time_h", frame["time_min"] / 60.0)
    for r in readouts:
        frame[f"{r}_inhibition"] = 1.0 - frame[r] / frame[r].iloc[0]
    return frame


def _last_above(times, values, start, threshold):
    """Last time >= start at which ``values`` is at or above ``threshold`` (``start`` if never): after it the
    values stay below."""
    mask = (times >= start) & (values >= threshold)
    return float(times[mask][-1]) if mask.any() else start


def cycle_metrics(frame: pd.DataFrame, regimen: Regimen, readout: str) -> pd.DataFrame:
    t = frame["time_h"].to_numpy()
    inh = frame[f"{readout}_inhibition"].to_numpy()
    dt = float(np.median(np.diff(t)))
    rows = []
    for c in range(int(regimen.cycles)):
        start = c * regimen.cycle_h
        on_end = start + (regimen.doses_per_cycle - 1) * regimen.every_h + regimen.every_h
        last_interval = (t >= on_end - regimen.every_h) & (t < on_end)
        cycle = (t >= start) & (t < start + regimen.cycle_h)
        on = (t >= start) & (t < on_end)
        rows.append({"readout": readout, "cycle": c + 1, "peak_inhibition": float(inh[cycle].max()),
                     "trough_inhibition": float(inh[last_interval].min()),
                     "hours_above_50pct": float(dt * np.count_nonzero(inh[cycle] >= 0.5)),
                     "mean_inhibition_on": float(inh[on].mean())})
    return pd.DataFrame(rows)


def recovery(frame: pd.DataFrame, regimen: Regimen, readout: str) -> dict:
    """Hours after the last dose after which inhibition stays below 50% and 10%; None when it is still above
    the threshold at the end of the run (not reached: the run is too short to tell)."""
    t = frame["time_h"].to_numpy()
    inh = frame[f"{readout}_inhibition"].to_numpy()
    last = float(regimen.dose_times_h()[-1])

    def hours(threshold):
        if inh[-1] >= threshold:
            return None
        return _last_above(t, inh, last, threshold) - last
    return {"readout": readout, "last_dose_h": last, "observed_after_last_dose_h": float(t[-1] - last),
            "hours_to_below_50pct": hours(0.5), "hours_to_below_10pct": hours(0.1)}


def run_regimen(compound_name: str, regimen: Regimen, tgfb1_pM: float, readouts, outdir: Path, fu=None,
                models=None, figure=True, residence_time_min: float | None = None, washout_days: float = 7.0) -> dict:
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.pharmacology.pk import get_pk
    pk = get_pk(compound_name, fu=fu)
    compound = get_compound(pk.compound)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    sbml = regimen_model(pk, regimen, tgfb1_pM, compound, models, residence_time_min)
    (outdir / "regimen.sbml").write_text(sbml, encoding="utf-8")
    frame = simulate_regimen(sbml, regimen, readouts, washout_days=washout_days)
    frame.to_csv(outdir / "timecourse.csv", index=False)
    cycles = pd.concat([cycle_metrics(frame, regimen, r) for r in readouts], ignore_index=True)
    cycles.to_csv(outdir / "cycles.csv", index=False)
    ss = pk.steady_state(regimen.dose_mg, regimen.every_h)
    summary = {
        "compound": pk.compound, "regimen": asdict(regimen), "n_doses": regimen.n_doses, "washout_days": washout_days,
        "tgfb1_level_pM": tgfb1_pM, "Kd_cell_nM": compound.kd_cell_nM,
        "residence_time_min": compound.residence_time_min if residence_time_min is None else residence_time_min,
        "Kd_TBRII_cell_nM": compound.kd_tbrii_cell_nM if math.isfinite(compound.tbrii_ic50_nM) else None,
        "pk": {"ka_per_h": pk.ka_per_h, "CL_F_L_per_h": pk.cl_L_per_h, "V_F_L": pk.v_L, "t_half_h": pk.t_half_h,
               "fu": pk.fu, "MW_g_per_mol": pk.mw_g_per_mol,
               "provenance": [list(map(str, p)) for p in pk.provenance]},
        "steady_state_closed_form": {"t_max_h": ss["t_max_h"],
                                     "C_max_nM": ss["C_max_mg_per_L"] * pk.nM_per_mg_per_L(),
                                     "C_min_nM": ss["C_min_mg_per_L"] * pk.nM_per_mg_per_L(),
                                     "C_max_unbound_nM": pk.fu * ss["C_max_mg_per_L"] * pk.nM_per_mg_per_L(),
                                     "C_min_unbound_nM": pk.fu * ss["C_min_mg_per_L"] * pk.nM_per_mg_per_L()},
        "cycles": cycles.to_dict(orient="records"),
        "recovery": [recovery(frame, regimen, r) for r in readouts],
    }
    (outdir / "summary.json").write_text(json.dumps(summary, indent=2, default=float) + "\n", encoding="utf-8")
    if figure:
        plot_regimen(frame, regimen, readouts, pk, outdir / "regimen.png")
    return summary


def plot_regimen(frame, regimen, readouts, pk, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [2.2, 2.2, 1.3]})
    days = frame["time_h"] / 24.0
    axes[0].plot(days, frame["C_plasma_nM"], color="0.3", lw=0.8, label="total")
    axes[0].plot(days, frame["C_unbound_nM"], color="C3", lw=0.8, label=f"unbound (fu {pk.fu:g})")
    axes[0].set(xlabel="time (days)", ylabel=f"{pk.compound} in plasma (nM)", title="plasma concentration")
    axes[0].legend(fontsize=8)
    for r in readouts:
        axes[1].plot(days, 100 * frame[f"{r}_inhibition"], lw=0.9, label=r)
    axes[1].axhline(50, color="0.6", ls=":", lw=0.8)
    axes[1].set(xlabel="time (days)", ylabel="inhibition vs untreated (%)", title="readouts")
    axes[1].legend(fontsize=8)
    # hysteresis: one dosing interval at steady state (end of cycle 1) and the washout after it
    t = frame["time_h"].to_numpy()
    on_end = (regimen.doses_per_cycle) * regimen.every_h
    window = (t >= on_end - regimen.every_h) & (t <= on_end + 48)
    for r in readouts:
        axes[2].plot(frame.loc[window, "C_unbound_nM"], 100 * frame.loc[window, f"{r}_inhibition"], lw=0.9, label=r)
    axes[2].set(xscale="symlog", xlabel="unbound concentration (nM)", ylabel="inhibition (%)",
                title="effect vs concentration\n(last interval + 48 h washout)")
    fig.suptitle(f"{pk.compound} {regimen.dose_mg:g} mg every {regimen.every_h:g} h, {regimen.days_on:g} d on / "
                 f"{regimen.days_off:g} d off x {regimen.cycles}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
