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
from alk5_pysb.io.files import rounded
from alk5_pysb.pharmacology.pk import OralPK, Regimen

STEP_MIN = 5.0


def regimen_model(pk: OralPK, regimen: Regimen, tgfb1_pM: float, compound, models=None,
                  residence_time_min: float | None = None, network: str = "tgfb1", values: dict | None = None) -> str:
    from alk5_pysb.io.locations import sbml_path
    from alk5_pysb.io.regimen_sbml import regimen_sbml
    if not (math.isfinite(tgfb1_pM) and tgfb1_pM > 0):
        raise UserInputError(f"TGF-beta1 level {tgfb1_pM!r} pM: expected a level > 0 pM (e.g. 100pM)")
    lean = Path(sbml_path(network, models)).read_text(encoding="utf-8")
    if values:
        lean = _member_sbml(lean, {}, values)
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
                models=None, figure=True, residence_time_min: float | None = None, washout_days: float = 7.0,
                network: str = "tgfb1", values: dict | None = None) -> dict:
    """The regimen on a network (``fibrosis`` with the fibroblast context's ``values``: collagen, alpha-SMA)."""
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.pharmacology.pk import get_pk
    pk = get_pk(compound_name, fu=fu)
    compound = get_compound(pk.compound)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    sbml = regimen_model(pk, regimen, tgfb1_pM, compound, models, residence_time_min, network, values)
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
    (outdir / "summary.json").write_text(json.dumps(rounded(summary), indent=2, default=float) + "\n", encoding="utf-8")
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


# -- ensemble (issue 17): the regimen under every member's model folds and PK draws -------------------------
def _member_sbml(lean: str, folds: dict, values: dict | None = None) -> str:
    """The network's SBML with a context's ``values`` set and a member's folds applied to its parameter values
    (and the ksyn_X rules follow)."""
    import libsbml
    doc = libsbml.readSBMLFromString(lean)
    m = doc.getModel()
    for name, value in (values or {}).items():
        p = m.getParameter(name)
        if p is not None:
            p.setValue(float(value))
    for name, fold in folds.items():
        p = m.getParameter(name)
        if p is not None and fold != 1.0:
            p.setValue(p.getValue() * fold)
    return libsbml.writeSBMLToString(doc)


def _member_run(args):
    (compound_name, regimen, tgfb1_pM, readouts, lean, folds, pk_values, washout_days, residence, *rest) = args
    values = rest[0] if rest else None
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.pharmacology.pk import get_pk
    from alk5_pysb.io.regimen_sbml import regimen_sbml
    try:
        pk = get_pk(compound_name, values=pk_values)
        compound = get_compound(pk.compound)
        kd = compound.kd_cell_nM * folds.get("Kd_inhibitor", 1.0) * folds.get("Kd_residual_factor", 1.0)
        # the shared residual factor converts the TbetaRII potency too; the ALK5 potency spread is ALK5's own
        tbrii = compound.kd_tbrii_cell_nM * folds.get("Kd_residual_factor", 1.0) \
            if math.isfinite(compound.tbrii_ic50_nM) else None
        kon = compound.kon * folds.get("kon_inhibitor", 1.0) if residence is None else 1.0 / (residence * kd)
        model_folds = {k: v for k, v in folds.items() if k not in ("Kd_inhibitor", "Kd_residual_factor", "kon_inhibitor")}
        sbml = regimen_sbml(_member_sbml(lean, model_folds, values), pk, regimen.dose_times_h() * 60.0, regimen.dose_mg,
                            tgfb1_pM, kd, tbrii, kon)
        frame = simulate_regimen(sbml, regimen, readouts, washout_days=washout_days)
        cycles = pd.concat([cycle_metrics(frame, regimen, r) for r in readouts], ignore_index=True)
        return frame, cycles, ""
    except (UserInputError, RuntimeError, ValueError) as err:
        return None, None, " ".join(str(err).split())


def regimen_ensemble(compound_name: str, regimen: Regimen, tgfb1_pM: float, readouts, members: pd.DataFrame,
                     outdir: Path, seed: int = 0, models=None, washout_days: float = 7.0, workers: int | None = None,
                     residence_time_min: float | None = None, fu: float | None = None, network: str = "tgfb1",
                     values: dict | None = None, plot: bool = True) -> dict:
    """Every member: its model folds and a PK draw from the PK table's ranges (same seed); the inhibition of each
    readout over time as median and 90% band, and each cycle metric's band. Writes ensemble_cycles.csv (per
    member), ensemble_timecourse.csv (bands) and ensemble.json. ``network`` and a context's ``values`` choose
    the cell model (the fibroblast context: ``fibrosis`` and its parameter values)."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from alk5_pysb.analysis.uncertainty import band, member_folds, with_compound_potency
    from alk5_pysb.io.locations import sbml_path
    from alk5_pysb.pharmacology.pk import pk_draws
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    lean = Path(sbml_path(network, models)).read_text(encoding="utf-8")
    draws = pk_draws(compound_name, len(members), seed)
    members = with_compound_potency(members, members, compound=compound_name)   # the compound's own potency draw
    if fu is not None:                       # --fu fixes the fraction unbound in every member
        draws["fu"] = float(fu)
    tasks = [(compound_name, regimen, tgfb1_pM, list(readouts), lean, member_folds(members, m),
              draws.iloc[i].to_dict(), washout_days, residence_time_min, values)
             for i, m in enumerate(members["member"])]
    workers = workers or min(len(tasks), os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_member_run, tasks))
    else:
        results = [_member_run(t) for t in tasks]
    rows, curves, failures = [], {}, []
    for (member, (frame, cycles, error)), pk_row in zip(zip(members["member"], results), draws.to_dict("records")):
        if error:
            failures.append({"member": int(member), "error": error})
            continue
        rows.append(cycles.assign(member=int(member), **{f"pk_{k}": v for k, v in pk_row.items()}))
        curves[int(member)] = frame
    if not rows:
        raise UserInputError(f"every ensemble member failed (first: {failures[0]['error']})")
    per_member = pd.concat(rows, ignore_index=True)
    per_member.to_csv(outdir / "ensemble_cycles.csv", index=False)
    first = next(iter(curves.values()))
    bands = pd.DataFrame({"time_h": first["time_h"]})
    for r in readouts:
        stack = np.vstack([100 * c[f"{r}_inhibition"].to_numpy() for c in curves.values()])
        q = np.quantile(stack, [0.5, 0.05, 0.95], axis=0)
        bands[f"{r}_inhibition_pct"], bands[f"{r}_q05"], bands[f"{r}_q95"] = q
    stack = np.vstack([c["C_unbound_nM"].to_numpy() for c in curves.values()])
    q = np.quantile(stack, [0.5, 0.05, 0.95], axis=0)
    bands["C_unbound_nM"], bands["C_unbound_q05"], bands["C_unbound_q95"] = q
    bands.to_csv(outdir / "ensemble_timecourse.csv", index=False, float_format="%.5g")
    metrics = {f"{r} cycle {c} {k}": band(grp[k]) for (r, c), grp in per_member.groupby(["readout", "cycle"])
               for k in ("peak_inhibition", "trough_inhibition", "mean_inhibition_on")}
    summary = {"members": int(len(members)), "failed": failures, "seed": seed, "metrics": metrics,
               "pk_drawn": list(draws.columns), "rests_on": trough_rests_on(per_member, members, draws, readouts)}
    (outdir / "ensemble.json").write_text(json.dumps(rounded(summary), indent=2, default=float) + "\n", encoding="utf-8")
    if plot:
        plot_ensemble(bands, readouts, compound_name, regimen, len(curves), outdir / "regimen_ensemble.png")
    summary["bands"] = bands
    return summary


def trough_rests_on(per_member: pd.DataFrame, members: pd.DataFrame, draws: pd.DataFrame, readouts) -> dict:
    """Per readout, what the first cycle's trough inhibition rests on (``uncertainty.rests_on``): the PK draws
    and the model's constants, each group above its own noise floor."""
    from alk5_pysb.analysis.uncertainty import prior, rests_on
    out = {}
    for readout in readouts:
        first = per_member[(per_member["readout"] == readout) & (per_member["cycle"] == 1)].set_index("member")
        troughs = first["trough_inhibition"].reindex(members["member"]).to_numpy(float)   # nan: failed member
        groups = {"PK": set(draws.columns), "model_constants": set(prior().index)}
        out[f"{readout} cycle 1 trough_inhibition"] = rests_on(members, troughs, groups, drawn=draws.reset_index(drop=True),
                                                               drawn_evidence="PK table draw")
    return out


def plot_ensemble(bands: pd.DataFrame, readouts, compound: str, regimen: Regimen, n: int, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2))
    days = bands["time_h"] / 24.0
    axes[0].fill_between(days, bands["C_unbound_q05"], bands["C_unbound_q95"], color="C3", alpha=0.25)
    axes[0].plot(days, bands["C_unbound_nM"], color="C3", lw=0.8)
    axes[0].set(xlabel="time (days)", ylabel=f"unbound {compound} (nM)", yscale="log", title="unbound drug in plasma")
    axes[0].set_ylim(bottom=1e-3)      # far below any effect (cellular Kd ~10-100 nM)
    for i, r in enumerate(readouts):
        axes[1].fill_between(days, bands[f"{r}_q05"], bands[f"{r}_q95"], color=f"C{i}", alpha=0.2)
        axes[1].plot(days, bands[f"{r}_inhibition_pct"], color=f"C{i}", lw=0.9, label=r)
    axes[1].axhline(50, color="0.6", ls=":", lw=0.8)
    axes[1].set(xlabel="time (days)", ylabel="inhibition vs untreated (%)", title="readouts (median, 90% band)")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"{compound} {regimen.dose_mg:g} mg every {regimen.every_h:g} h, {regimen.days_on:g} d on / "
                 f"{regimen.days_off:g} d off x {regimen.cycles}: {n} members (model folds, PK and potency draws)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
