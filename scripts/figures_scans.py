"""Scan figures: dose-response, isoforms, inhibitor potency and selectivity, protocols, feedback,
validation table and the model's contact map.

Called by ``make figures`` as ``python scripts/figures_scans.py --out figures/`` (after
``figure_timecourses.py``). One compiled simulator is reused for every run.

Figures (each as PNG + SVG, with the CSV of the numbers drawn):
  dose_response        TGF-beta1 0.01 pM-10 nM: pSmad2, SMAD7 mRNA, PAI-1 mRNA at 45 min, 8 h and 24 h;
                       each curve normalised to its own maximum, 4-parameter Hill fit per time.
                       dose_response.csv (points), dose_response_fits.csv (EC50, Hill, bottom, top).
  isoforms             pSmad2 at 45 min vs dose of TGF-beta1/2/3, 0.01 pM-100 nM, with betaglycan
                       (default TBRIII_0) and without (TBRIII_0 = 0). isoforms.csv, isoforms_fits.csv.
  inhibitor_potency    pSmad2 at 60 min (100 pM TGF-beta1, 60 min pre-treatment) vs inhibitor
                       0.1 nM-100 uM for every library compound with a potency, % of the no-drug
                       control. inhibitor_potency.csv, inhibitor_potency_fits.csv.
  branch_selectivity   % inhibition at 1 uM (60 min pre-treatment, 100 pM), with TRAF6-TAK1 independent of
                       ALK5 kinase (default) and dependent on it (TRAF6_needs_ALK5_kinase = 1): readouts at
                       60 min, PAI-1 mRNA at 24 h; level with drug vs level without (negative =
                       the drug raises the readout). branch_selectivity.csv.
  protocols            pSmad2, ERK, p38 over 0-6 h at 100 pM with 10 uM SB-431542: no drug,
                       pre-treatment, co-treatment, post-treatment at 45 min, pre-treatment washed
                       out at t = 0, and a 30 s ligand pulse. protocols.csv.
  feedback             pSmad2, total TbetaRII, Smad7, PAI-1 mRNA over 24 h at 100 pM: wild type,
                       no Smad7 feedback (kon_Smad7_ALK5 = 0), PPM1A knock-down to 10%. feedback.csv.
  depletion_pulse      ligand left in the medium and pSmad2 after a step (1-100 pM) and a 30-s pulse, this
                       model next to the Zi 2011 model (BIOMD0000000342) under the same protocol (B12, B13)
  validation           literature checks B1-B24 (validation.run_checks): validation.md,
                       validation.csv and a table figure (PASS green, FAIL red).
  contact_map          monomers of build_model() and the bonds its rules make (solid), catalysis
                       (dashed arrows: a reactant pattern unchanged on both sides while another
                       monomer changes state, is made or is degraded; the first monomer of that
                       unchanged pattern is drawn as the enzyme), and rate-law regulation (dotted:
                       observables in a rule's rate expression, e.g. nuclear Smad complexes driving
                       transcription). contact_map.csv is the edge list.

Every file is written atomically (temp file + os.replace).
"""
from __future__ import annotations

import argparse
import math
import sys
import textwrap
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.analysis.fitting import hill4
from alk5_pysb.simulation.metrics import value_at  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound, simulable_compounds  # noqa: E402
from alk5_pysb.io.files import atomic_path  # noqa: E402
from alk5_pysb.simulation.metrics import parse_metrics, time_grid  # noqa: E402
from alk5_pysb.model.parameters import default_table  # noqa: E402
from alk5_pysb.analysis.dose_response import dose_response, inhibition  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment, schedule  # noqa: E402
from alk5_pysb.simulation.simulator import Simulator, readout_table  # noqa: E402

LIGAND_LABEL = {"TGFB1": "TGF-\u03b21", "TGFB2": "TGF-\u03b22", "TGFB3": "TGF-\u03b23"}
LIGAND_DOSE_PM = 100.0            # standard stimulus for inhibitor, protocol and feedback figures
PRETREAT = "pretreat:60min"

# dose_response
DR_DOSES_PM = np.logspace(-2, 4, 17)                  # 0.01 pM - 10 nM
DR_READOUTS = ["pSmad2", "SMAD7_mRNA", "PAI1_mRNA"]
DR_METRICS = "at:45min,at:8h,at:24h"
# isoforms
ISO_DOSES_PM = np.logspace(-2, 5, 22)                 # 0.01 pM - 100 nM
ISO_METRIC = "at:45min"
NO_BETAGLYCAN = {"TBRIII_0": 0.0}
# inhibitor potency
INH_DOSES_NM = np.logspace(-1, 5, 19)                 # 0.1 nM - 100 uM
INH_METRIC = "at:60min"
# branch selectivity
SEL_DOSE_NM = 1000.0
SEL_READOUTS = ["pSmad2", "pSmad3", "ERK_active", "p38_active", "JNK_active", "AKT_active", "RhoA_GTP"]
SEL_LATE = ("PAI1_mRNA", 1440.0)                      # read at 24 h
SEL_SWITCH = (0.0, 1.0)                               # TRAF6_needs_ALK5_kinase: both settings
SEL_EARLY_MIN = 60.0
# protocols
PROTO_COMPOUND = "SB-431542"
PROTO_NM = 10000.0
PROTO_READOUTS = ["pSmad2", "ERK_active", "p38_active"]
PROTO_T_END = 360.0
# feedback
FB_READOUTS = ["pSmad2", "total_TBRII", "Smad7", "PAI1_mRNA"]
FB_T_END = 1440.0

# depletion and pulse (B12, B13), side by side with the Zi 2011 model
DEP_DOSES_PM = [1.0, 10.0, 50.0, 100.0]
DEP_T_END = 1440.0
PULSE_DOSE_PM = 100.0
PULSE_T_END = 480.0

FIGURES = ("dose_response", "isoforms", "inhibitor_potency", "branch_selectivity", "protocols", "feedback",
           "depletion_pulse", "validation", "contact_map")


# -- small helpers ------------------------------------------------------------------------------
def _unit(readout: str) -> str:
    table = readout_table()
    return str(table.loc[readout, "unit"]) if readout in table.index else "molecule/cell"


def _label(readout: str) -> str:
    return f"{readout.replace('_', ' ')} ({_unit(readout)})"


def fmt_pM(x: float) -> str:
    """A concentration given in pM, written in the most readable unit."""
    if not np.isfinite(x):
        return "n.d."
    for factor, unit in ((1e6, "\u00b5M"), (1e3, "nM")):
        if x >= factor:
            return f"{x / factor:.3g} {unit}"
    return f"{x:.3g} pM"


def _fmt_time(t_min: float) -> str:
    return f"{t_min / 60:g} h" if t_min >= 120 else f"{t_min:g} min"


def fmt_nM(x: float) -> str:
    return fmt_pM(1e3 * x)


def _log_axis(ax, label):
    ax.set_xscale("log")
    ax.set_xlabel(label, fontsize=9)
    ax.grid(alpha=0.25, lw=0.5, which="major")
    ax.tick_params(labelsize=8)


class Writer:
    """Writes CSVs and figures into one folder, atomically, and remembers what it wrote."""

    def __init__(self, out: Path, svg: bool):
        self.out, self.svg, self.written = out, svg, []

    def csv(self, frame: pd.DataFrame, name: str):
        path = self.out / name
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6g")
        self.written.append(path)

    def text(self, text: str, name: str):
        path = self.out / name
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        self.written.append(path)

    def figure(self, fig, stem: str):
        for ext in ("png", "svg") if self.svg else ("png",):
            path = self.out / f"{stem}.{ext}"
            with atomic_path(path) as tmp:
                # no dates, fixed SVG ids: the committed figures only change when the numbers do
                fig.savefig(tmp, dpi=150, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
            self.written.append(path)
        plt.close(fig)


def _hill_legend(fit, fmt) -> str:
    if not fit["converged"] or not np.isfinite(fit["ec50"]):
        return "EC50 n.d."
    return f"EC50 {fmt(fit['ec50'])}, nH {fit['hill']:.2f}"


# -- 2. dose response ---------------------------------------------------------------------------
def fig_dose_response(sim: Simulator, w: Writer) -> str:
    metrics = parse_metrics(DR_METRICS)
    data, fits = dose_response(sim, Experiment(ligand="TGFB1", readouts=DR_READOUTS, metrics=metrics), DR_DOSES_PM)
    data["curve_max"] = data.groupby(["readout", "metric"])["value"].transform("max")
    data["fraction_of_max"] = data["value"] / data["curve_max"]
    w.csv(data, "dose_response.csv")
    w.csv(fits, "dose_response_fits.csv")

    colours = dict(zip([m.text for m in metrics], plt.get_cmap("viridis")(np.linspace(0.0, 0.8, len(metrics)))))
    fine = np.logspace(np.log10(DR_DOSES_PM.min()), np.log10(DR_DOSES_PM.max()), 300)
    fig, axes = plt.subplots(1, len(DR_READOUTS), figsize=(5.0 * len(DR_READOUTS), 4.4), constrained_layout=True)
    for ax, readout in zip(axes, DR_READOUTS):
        for m in metrics:
            pts = data[(data["readout"] == readout) & (data["metric"] == m.text)].sort_values("dose_pM")
            fit = fits[(fits["readout"] == readout) & (fits["metric"] == m.text)].iloc[0]
            ymax = pts["value"].max()
            when = _fmt_time(m.t0)
            top = f"{ymax:,.0f}" if ymax >= 100 else f"{ymax:.3g}"
            label = f"{when}: {_hill_legend(fit, fmt_pM)}\n      (max {top} {_unit(readout)})"
            ax.plot(pts["dose_pM"], pts["value"] / ymax, "o", ms=4, color=colours[m.text], label=label)
            if np.isfinite(fit["ec50"]):
                ax.plot(fine, hill4(fine, fit["bottom"], fit["top"], fit["ec50"], fit["hill"]) / ymax, "-",
                        lw=1.4, color=colours[m.text])
        _log_axis(ax, f"{LIGAND_LABEL['TGFB1']} dose (pM)")
        ax.set_ylim(0, 1.08)
        ax.set_ylabel(f"{readout.replace('_', ' ')}\n(fraction of each curve's own maximum)", fontsize=9)
        ax.set_title(readout.replace("_", " "), fontsize=10)
        ax.legend(fontsize=7.5, loc="upper left", title="time after ligand", title_fontsize=7.5, frameon=False)
    fig.suptitle(f"{LIGAND_LABEL['TGFB1']} dose response, {fmt_pM(DR_DOSES_PM.min())}-{fmt_pM(DR_DOSES_PM.max())} "
                 "added at t = 0, no inhibitor: points simulated, lines 4-parameter Hill fits", fontsize=11)
    w.figure(fig, "dose_response")
    return f"{len(DR_DOSES_PM)} doses x {len(metrics)} times x {len(DR_READOUTS)} readouts"


# -- 3. isoforms --------------------------------------------------------------------------------
def fig_isoforms(sim: Simulator, w: Writer) -> str:
    metrics = parse_metrics(ISO_METRIC)
    tbriii_default = default_table().value("TBRIII_0")
    conditions = {"with betaglycan": {}, "without betaglycan": NO_BETAGLYCAN}
    frames, fit_frames = [], []
    for cond, params in conditions.items():
        for iso in LIGAND_LABEL:
            data, fits = dose_response(sim, Experiment(ligand=iso, readouts=["pSmad2"], metrics=metrics, params=params),
                                       ISO_DOSES_PM)
            for frame in (data, fits):
                frame.insert(0, "TBRIII_0", params.get("TBRIII_0", tbriii_default))
                frame.insert(0, "condition", cond)
            fits.insert(2, "ligand", iso)
            frames.append(data)
            fit_frames.append(fits)
    data, fits = pd.concat(frames, ignore_index=True), pd.concat(fit_frames, ignore_index=True)
    w.csv(data, "isoforms.csv")
    w.csv(fits, "isoforms_fits.csv")

    colours = {"TGFB1": "tab:blue", "TGFB2": "tab:orange", "TGFB3": "tab:green"}
    fine = np.logspace(np.log10(ISO_DOSES_PM.min()), np.log10(ISO_DOSES_PM.max()), 300)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True, constrained_layout=True)
    for ax, cond in zip(axes, conditions):
        ref = fits[(fits["condition"] == cond) & (fits["ligand"] == "TGFB1")]["ec50"].iloc[0]
        for iso, colour in colours.items():
            pts = data[(data["condition"] == cond) & (data["ligand"] == iso)].sort_values("dose_pM")
            fit = fits[(fits["condition"] == cond) & (fits["ligand"] == iso)].iloc[0]
            label = f"{LIGAND_LABEL[iso]}: {_hill_legend(fit, fmt_pM)}"
            if iso != "TGFB1" and fit["converged"]:
                label += f" ({fit['ec50'] / ref:.2g}x \u03b21)"
            ax.plot(pts["dose_pM"], pts["value"], "o", ms=4, color=colour, label=label)
            if np.isfinite(fit["ec50"]):
                ax.plot(fine, hill4(fine, fit["bottom"], fit["top"], fit["ec50"], fit["hill"]), "-", lw=1.4, color=colour)
        _log_axis(ax, "ligand dose (pM)")
        tbriii = NO_BETAGLYCAN["TBRIII_0"] if conditions[cond] else tbriii_default
        ax.set_title(f"{cond} (TBRIII_0 = {tbriii:g} molecule/cell{', default' if not conditions[cond] else ''})",
                     fontsize=10)
        ax.legend(fontsize=8, loc="upper left", frameon=False)
        ax.set_ylim(bottom=0)
    axes[0].set_ylabel(_label("pSmad2") + " at 45 min", fontsize=9)
    fig.suptitle("TGF-\u03b2 isoforms: pSmad2 45 min after a single dose (0.01 pM-100 nM), "
                 "with and without betaglycan (TbetaRIII)", fontsize=11)
    w.figure(fig, "isoforms")
    return f"3 isoforms x 2 betaglycan levels x {len(ISO_DOSES_PM)} doses"


# -- 4. inhibitor potency -----------------------------------------------------------------------
def fig_inhibitor_potency(sim: Simulator, w: Writer) -> str:
    metrics = parse_metrics(INH_METRIC)
    pretreated = Experiment(dose_pM=LIGAND_DOSE_PM, readouts=["pSmad2"], metrics=metrics, **schedule(PRETREAT))
    frames, fit_frames = [], []
    for name in simulable_compounds():
        compound = get_compound(name)
        data, fits = inhibition(sim, pretreated, compound, INH_DOSES_NM)
        control = data.loc[data["inhibitor_nM"] == 0, "value"].iloc[0]
        data["pct_of_control"] = 100.0 * data["value"] / control
        fits["kd_cell_nM"] = compound.kd_cell_nM
        fits["kd_tbrii_cell_nM"] = compound.kd_tbrii_cell_nM
        frames.append(data)
        fit_frames.append(fits)
    data, fits = pd.concat(frames, ignore_index=True), pd.concat(fit_frames, ignore_index=True)
    w.csv(data, "inhibitor_potency.csv")
    w.csv(fits, "inhibitor_potency_fits.csv")

    order = fits.sort_values("ic50", na_position="last")["compound"].tolist()
    colours = dict(zip(order, plt.get_cmap("tab10")(np.arange(len(order)) % 10)))
    markers = dict(zip(order, ["o", "s", "^", "D", "v", "P", "X", "<", ">", "h"] * 2))
    fine = np.logspace(np.log10(INH_DOSES_NM.min()), np.log10(INH_DOSES_NM.max()), 300)
    fig, ax = plt.subplots(figsize=(8.6, 5.2), constrained_layout=True)
    for name in order:
        pts = data[(data["compound"] == name) & (data["inhibitor_nM"] > 0)].sort_values("inhibitor_nM")
        fit = fits[fits["compound"] == name].iloc[0]
        extra = " (+TbetaRII)" if np.isfinite(fit["kd_tbrii_cell_nM"]) else ""
        label = (f"{name}{extra}: IC50 {fmt_nM(fit['ic50'])}, nH {fit['hill']:.2f}" if fit["converged"]
                 else f"{name}{extra}: IC50 n.d. ({fit['message']})")
        ax.plot(pts["inhibitor_nM"], pts["pct_of_control"], markers[name], ms=4, color=colours[name], label=label)
        if np.isfinite(fit["ic50"]):
            curve = hill4(fine, fit["bottom"], fit["top"], fit["ic50"], fit["hill"]) / fit["control"] * 100.0
            ax.plot(fine, curve, "-", lw=1.2, color=colours[name])
    ax.axhline(100.0, color="0.5", lw=0.8, ls=":", zorder=0)
    ax.axhline(50.0, color="0.8", lw=0.8, ls=":", zorder=0)
    _log_axis(ax, "inhibitor concentration (nM)")
    ax.set_ylabel("pSmad2 at 60 min (% of no-drug control)", fontsize=9)
    ax.set_ylim(-3, 110)
    ax.legend(fontsize=7.5, loc="lower left", frameon=True, framealpha=0.9,
              title="sorted by IC50 (fit on 19 doses)", title_fontsize=7.5)
    ax.set_title(f"ALK5 inhibitors: pSmad2 60 min after {LIGAND_DOSE_PM:g} pM {LIGAND_LABEL['TGFB1']}, "
                 "drug added 60 min before ligand\n(cellular Kd = biochemical IC50 x ATP shift; "
                 "+TbetaRII: compound also slows TbetaRII kinase)", fontsize=10)
    w.figure(fig, "inhibitor_potency")
    return f"{len(order)} compounds x {len(INH_DOSES_NM)} doses"


# -- 5. branch selectivity ----------------------------------------------------------------------
def fig_branch_selectivity(sim: Simulator, w: Writer) -> str:
    readouts = SEL_READOUTS + [SEL_LATE[0]]
    read_at = {r: SEL_EARLY_MIN for r in SEL_READOUTS} | {SEL_LATE[0]: SEL_LATE[1]}
    times = tuple(time_grid(SEL_LATE[1], []))
    pretreat_min = schedule(PRETREAT)["pretreat_min"]

    def levels(protocol, params):
        frame = sim.run(protocol, readouts=readouts, params=params)
        frame = frame[frame["time_min"] >= 0]
        return {r: value_at(frame, r, t) for r, t in read_at.items()}

    rows = []
    names = sorted(simulable_compounds(), key=lambda n: get_compound(n).kd_cell_nM)
    for switch in SEL_SWITCH:                 # TRAF6 needs ALK5 kinase: 0 (default, Sorrentino 2008) or 1 (Bakin 2002)
        params = {"TRAF6_needs_ALK5_kinase": switch}
        control = levels(Experiment(dose_pM=LIGAND_DOSE_PM, t_end_min=SEL_LATE[1], times=times), params)
        resting = levels(Experiment(dose_pM=0.0, t_end_min=SEL_LATE[1], times=times), params)
        for name in names:
            protocol = Experiment(dose_pM=LIGAND_DOSE_PM, t_end_min=SEL_LATE[1], times=times,
                                  compound=get_compound(name), inhibitor_nM=SEL_DOSE_NM, pretreat_min=pretreat_min)
            drug = levels(protocol, params)
            for r in readouts:
                rows.append({"TRAF6_needs_ALK5_kinase": switch, "compound": name, "inhibitor_nM": SEL_DOSE_NM,
                             "ligand_dose_pM": LIGAND_DOSE_PM, "readout": r, "time_min": read_at[r], "value": drug[r],
                             "control": control[r], "resting": resting[r], "unit": _unit(r),
                             "pct_inhibition": 100.0 * (1.0 - drug[r] / control[r]) if control[r] else math.nan})
    table = pd.DataFrame(rows)
    w.csv(table, "branch_selectivity.csv")

    fig, axes = plt.subplots(1, len(SEL_SWITCH), figsize=(17, 0.42 * len(names) + 2.6), constrained_layout=True)
    norm = matplotlib.colors.TwoSlopeNorm(vmin=-100.0, vcenter=0.0, vmax=100.0)
    for ax, switch in zip(axes, SEL_SWITCH):
        sub = table[table["TRAF6_needs_ALK5_kinase"] == switch]
        grid = sub.pivot(index="compound", columns="readout", values="pct_inhibition").loc[names, readouts]
        image = ax.imshow(grid.to_numpy(), cmap="RdBu_r", norm=norm, aspect="auto")
        for i in range(grid.shape[0]):
            for j in range(grid.shape[1]):
                v = grid.iat[i, j]
                ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=8,
                        color="white" if abs(v) > 60 else "black")
        ax.set_xticks(range(len(readouts)),
                      [f"{r.replace('_', ' ')}\n{read_at[r] / 60:g} h" if read_at[r] >= 120 else
                       f"{r.replace('_', ' ')}\n{read_at[r]:g} min" for r in readouts], fontsize=8)
        ax.set_yticks(range(len(names)),
                      [f"{n} (Kd {fmt_nM(get_compound(n).kd_cell_nM)})" for n in names], fontsize=8)
        ax.tick_params(length=0)
        ax.set_title("TRAF6-TAK1 independent of ALK5 kinase (default; Sorrentino 2008)" if switch == 0 else
                     "TRAF6-TAK1 needs active ALK5 (TRAF6_needs_ALK5_kinase = 1; Bakin 2002)", fontsize=9)
    bar = fig.colorbar(image, ax=axes, shrink=0.9)
    bar.set_label("% inhibition vs no-drug control\n(negative = drug raises the readout)", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    fig.suptitle(f"Branch selectivity at {fmt_nM(SEL_DOSE_NM)} inhibitor (60 min pre-treatment, "
                 f"{LIGAND_DOSE_PM:g} pM {LIGAND_LABEL['TGFB1']}): 100 x (1 - level with drug / level without); "
                 "rows sorted by cellular ALK5 Kd", fontsize=10)
    w.figure(fig, "branch_selectivity")
    return f"{len(names)} compounds x {len(readouts)} readouts at {fmt_nM(SEL_DOSE_NM)}"


# -- 6. protocols -------------------------------------------------------------------------------
def fig_protocols(sim: Simulator, w: Writer) -> str:
    compound = get_compound(PROTO_COMPOUND)
    drug = dict(inhibitor_nM=PROTO_NM)
    conc = fmt_nM(PROTO_NM)
    protocols = {  # label -> Experiment fields (times relative to ligand addition)
        "no drug": {},
        f"{conc} pre-treatment 60 min": dict(pretreat_min=60.0, **drug),
        f"{conc} co-treatment (t = 0)": dict(inhibitor_at_min=0.0, **drug),
        f"{conc} post-treatment at 45 min": dict(inhibitor_at_min=45.0, **drug),
        f"{conc} pre-treatment 60 min, washed out at t = 0": dict(pretreat_min=60.0, inhibitor_washout_min=0.0, **drug),
        "no drug, ligand washed out after 30 s (pulse)": dict(washout_min=0.5),
    }
    frames = []
    for label, kwargs in protocols.items():
        start = -kwargs.get("pretreat_min", 0.0)
        times = tuple(np.round(np.arange(start, PROTO_T_END + 1e-9, 1.0), 9))
        frame = sim.run(Experiment(dose_pM=LIGAND_DOSE_PM, t_end_min=PROTO_T_END, times=times, compound=compound,
                                   **kwargs), readouts=PROTO_READOUTS)
        frame.insert(0, "protocol", label)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    w.csv(data, "protocols.csv")

    colours = dict(zip(protocols, ["black", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:gray"]))
    styles = dict(zip(protocols, ["-", "-", "--", "-", "-.", ":"]))
    fig, axes = plt.subplots(1, len(PROTO_READOUTS), figsize=(5.0 * len(PROTO_READOUTS), 4.6), constrained_layout=True)
    for ax, readout in zip(axes, PROTO_READOUTS):
        for label in protocols:
            sel = data[data["protocol"] == label]
            ax.plot(sel["time_min"] / 60.0, sel[readout], styles[label], color=colours[label], lw=1.5, label=label)
        for t in (0.0, 0.75):
            ax.axvline(t, color="0.75", lw=0.7, zorder=0)
        ax.set_xlim(-1.0, PROTO_T_END / 60.0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("time after ligand addition (h)", fontsize=9)
        ax.set_ylabel(_label(readout), fontsize=9)
        ax.set_title(readout.replace("_", " "), fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25, lw=0.5)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    axes[-1].legend(fontsize=7.5, loc="lower right", frameon=True, framealpha=0.9)
    fig.suptitle(f"Treatment protocols: {LIGAND_DOSE_PM:g} pM {LIGAND_LABEL['TGFB1']} at t = 0, "
                 f"{PROTO_COMPOUND} {conc} (cellular Kd {fmt_nM(compound.kd_cell_nM)}); grey lines at 0 and 45 min",
                 fontsize=11)
    w.figure(fig, "protocols")
    return f"{len(protocols)} protocols, 0-{PROTO_T_END / 60:g} h"


# -- 7. feedback --------------------------------------------------------------------------------
def fig_feedback(sim: Simulator, w: Writer) -> str:
    variants = {
        "wild type": {},
        "no Smad7 feedback (kon_Smad7_ALK5 = 0)": {"kon_Smad7_ALK5": 0.0},
        "PPM1A knock-down to 10% (PPM1A_0 x 0.1)": sim.resolve_parameters(scale={"PPM1A_0": 0.1}),
    }
    times = tuple(time_grid(FB_T_END, []))
    frames = []
    for label, params in variants.items():
        frame = sim.run(Experiment(dose_pM=LIGAND_DOSE_PM, t_end_min=FB_T_END, times=times), readouts=FB_READOUTS,
                        params=params)
        frame.insert(0, "variant", label)
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    w.csv(data, "feedback.csv")

    colours = dict(zip(variants, ["black", "tab:red", "tab:blue"]))
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), sharex=True, constrained_layout=True)
    for ax, readout in zip(axes.ravel(), FB_READOUTS):
        for label in variants:
            sel = data[data["variant"] == label]
            ax.plot(sel["time_min"] / 60.0, sel[readout], color=colours[label], lw=1.5, label=label)
        ax.set_ylim(bottom=0)
        ax.set_xlim(0, FB_T_END / 60.0)
        ax.set_xticks(np.arange(0, FB_T_END / 60.0 + 1, 4))
        ax.set_ylabel(_label(readout), fontsize=9)
        ax.set_title(readout.replace("_", " "), fontsize=10)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.25, lw=0.5)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
    for ax in axes[-1]:
        ax.set_xlabel("time after ligand addition (h)", fontsize=9)
    axes[0, 1].legend(fontsize=8, loc="lower right", frameon=True, framealpha=0.9)
    fig.suptitle(f"Negative regulators: {LIGAND_DOSE_PM:g} pM {LIGAND_LABEL['TGFB1']} at t = 0, 24 h, no inhibitor",
                 fontsize=11)
    w.figure(fig, "feedback")
    return f"{len(variants)} variants, 0-{FB_T_END / 60:g} h"


# -- 8a. validation -----------------------------------------------------------------------------
def fig_validation(sim: Simulator, w: Writer) -> str:
    from alk5_pysb.analysis.validation import run_checks, to_markdown
    checks = run_checks(sim)
    w.text("# Validation checks (alk5_pysb.analysis.validation.run_checks)\n\n" + to_markdown(checks), "validation.md")
    w.csv(checks, "validation.csv")

    columns = [("id", "#", 4), ("behaviour", "behaviour", 26), ("source", "source", 32), ("target", "target", 36),
               ("model", "model", 52), ("note", "note", 30), ("passed", "result", 6)]
    header = [c[1] for c in columns]
    cells, heights = [], []
    for _, row in checks.iterrows():
        line = []
        for key, _, width in columns:
            value = ("PASS" if row[key] else "FAIL") if key == "passed" else str(row[key] or "")
            if key == "source" and not value:
                value = "validation_targets.md"
            line.append("\n".join(textwrap.wrap(value, width)) or "")
        cells.append(line)
        heights.append(max(cell.count("\n") + 1 for cell in line))
    total = sum(heights) + 1
    fig = plt.figure(figsize=(20, 0.15 * total + 1.0))
    ax = fig.add_axes([0.005, 0.005, 0.99, 1 - 0.5 / (0.15 * total + 1.0)])
    ax.axis("off")
    widths = np.array([c[2] for c in columns], dtype=float)
    table = ax.table(cellText=cells, colLabels=header, colWidths=list(widths / widths.sum()), bbox=[0, 0, 1, 1],
                     cellLoc="left", colLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    unit = 1.0 / total
    for (r, c), cell in table.get_celld().items():
        cell.set_height(unit * (1 if r == 0 else heights[r - 1]))
        cell.set_linewidth(0.4)
        cell.PAD = 0.02
        if r == 0:
            cell.set_facecolor("0.88")
            cell.get_text().set_fontweight("bold")
        elif columns[c][0] == "passed":
            ok = bool(checks["passed"].iloc[r - 1])
            cell.set_facecolor("#b7e1b0" if ok else "#f4b6b0")
            cell.get_text().set_fontweight("bold")
    n_pass = int(checks["passed"].sum())
    fig.suptitle(f"Validation against literature behaviours B1-B{len(checks)}: {n_pass}/{len(checks)} pass "
                 "(targets and tolerances from validation_targets.md and the cited sources)", fontsize=11, y=0.995)
    w.figure(fig, "validation")
    return f"{n_pass}/{len(checks)} checks pass"


# -- 8b. contact map ----------------------------------------------------------------------------
BLOCK_STYLE = {  # block -> (legend label, face colour)
    "receptor": ("receptor / ligand", "#9ecae1"),
    "smad": ("Smad", "#a1d99b"),
    "transcription": ("transcription", "#fdd0a2"),
    "feedback": ("feedback", "#fcbba1"),
    "noncanonical": ("non-canonical", "#dadaeb"),
    "inhibitors": ("inhibitors", "#d9d9d9"),
}
# hand-placed layout by block (x, y): receptors top centre, Smad arm below them, target genes at the
# bottom, feedback between receptors and genes, non-canonical branches on the right
LAYOUT = {
    "Trap": (0.3, 9.2), "TBRIII": (0.3, 10.6), "L": (2.4, 9.9), "ActRII": (2.4, 11.4), "TBRII": (4.6, 11.2),
    "ALK5": (4.6, 8.3), "FKBP12": (2.4, 7.6), "Inhibitor": (6.6, 9.6),
    "Smad2": (3.4, 5.6), "Smad3": (5.6, 5.6), "Smad4": (4.5, 4.0), "PPM1A": (1.0, 5.0),
    "Smad7_protein": (7.4, 6.0), "Smurf2": (9.2, 6.0),
    # immediate-early genes beside their targets, delayed genes (with coTF) bottom left
    "mRNA_SMAD7": (7.4, 3.4), "mRNA_GADD45B": (12.4, 4.2), "GADD45B_protein": (14.4, 5.6),
    "coTF": (3.0, 2.6),
    "mRNA_SERPINE1": (0.6, 1.2), "mRNA_CTGF": (2.6, 1.2), "mRNA_COL1A1": (4.6, 1.2), "mRNA_ACTA2": (6.6, 1.2),
    "PAI1_protein": (0.6, -0.2), "CTGF_protein": (2.6, -0.2), "COL1A1_protein": (4.6, -0.2),
    "ACTA2_protein": (6.6, -0.2),
    "Par6": (8.8, 11.4), "RhoA": (10.8, 11.4),
    "TRAF6": (8.8, 10.0), "TAK1": (10.8, 10.0), "JNK": (12.6, 10.8), "p38": (14.4, 9.3),
    "PI3K": (10.8, 8.7), "AKT": (12.6, 7.9),
    "ShcA": (8.8, 7.6), "ERK": (10.8, 7.2),
}
EDGE_STYLE = {  # kind -> annotate arrowprops
    "bond": dict(arrowstyle="-", color="0.35", lw=1.6),
    "catalysis": dict(arrowstyle="-|>", color="tab:blue", lw=1.0, ls=(0, (4, 2)), mutation_scale=10),
    "degradation": dict(arrowstyle="|-|,widthA=0,widthB=0.5", color="tab:red", lw=1.0, ls=(0, (4, 2)),
                        mutation_scale=10),
    "rate_law": dict(arrowstyle="-|>", color="tab:purple", lw=0.9, ls=(0, (1, 1.5)), mutation_scale=9),
}


def monomer_blocks() -> dict[str, str]:
    """Monomer -> block: which mechanism module declares it."""
    from alk5_pysb.model import feedback, inhibitors, noncanonical, receptor, smad, transcription
    from alk5_pysb.model.builder import ModelBuilder
    blocks = {}
    for block, module in (("receptor", receptor), ("smad", smad), ("transcription", transcription),
                          ("feedback", feedback), ("noncanonical", noncanonical), ("inhibitors", inhibitors)):
        b = ModelBuilder(default_table())
        module.declare_monomers(b)
        blocks.update({m.name: block for m in b.model.monomers})
    return blocks


def _pattern_key(cp) -> tuple:
    """A complex pattern as written, with bond numbers renumbered in order of appearance
    (rules in this model write an unchanged enzyme pattern identically on both sides)."""
    bonds: dict[int, int] = {}

    def canon(value):
        if isinstance(value, list):
            return tuple(canon(v) for v in value)
        if isinstance(value, int) and not isinstance(value, bool):
            return ("bond", bonds.setdefault(value, len(bonds)))
        return repr(value)

    return tuple((mp.monomer.name, tuple(sorted((site, canon(v)) for site, v in mp.site_conditions.items())))
                 for mp in cp.monomer_patterns)


def contact_edges(model) -> pd.DataFrame:
    """Edges from the rules: bonds, catalysis/degradation by an unchanged pattern, rate-law regulation."""
    from pysb import Expression, Observable
    edges: dict[tuple, set] = {}

    def add(a, b, kind, rule):
        if a == b and kind == "bond":
            return
        key = (min(a, b), max(a, b), kind) if kind == "bond" else (a, b, kind)
        edges.setdefault(key, set()).add(rule)

    for rule in model.rules:
        reactants = list(rule.reactant_pattern.complex_patterns)
        products = list(rule.product_pattern.complex_patterns)
        # bonds: two monomers of one complex pattern sharing a bond number
        for cp in reactants + products:
            owners: dict[int, list[str]] = {}
            for mp in cp.monomer_patterns:
                for value in mp.site_conditions.values():
                    for bond in (value if isinstance(value, list) else [value]):
                        if isinstance(bond, int) and not isinstance(bond, bool):
                            owners.setdefault(bond, []).append(mp.monomer.name)
            for names in owners.values():
                for i, a in enumerate(names):
                    for b in names[i + 1:]:
                        add(a, b, "bond", rule.name)
        # catalysis: a reactant pattern found unchanged among the products acts on the rest
        unchanged, free_products = [], list(products)
        for cp in reactants:
            match = next((i for i, p in enumerate(free_products) if _pattern_key(p) == _pattern_key(cp)), None)
            if match is not None:
                unchanged.append(cp)
                free_products.pop(match)
        if unchanged:
            kept = {id(cp) for cp in unchanged}
            changed_in = {mp.monomer.name for cp in reactants if id(cp) not in kept for mp in cp.monomer_patterns}
            changed_out = {mp.monomer.name for cp in free_products for mp in cp.monomer_patterns}
            for cp in unchanged:
                enzyme = cp.monomer_patterns[0].monomer.name
                for target in sorted(changed_out):
                    add(enzyme, target, "catalysis", rule.name)
                for target in sorted(changed_in - changed_out):
                    add(enzyme, target, "degradation", rule.name)
        # rate-law regulation: observables inside the rate expression act on what the rule makes
        if isinstance(rule.rate_forward, Expression) and products:
            observables = rule.rate_forward.expand_expr().atoms(Observable)
            made = {mp.monomer.name for cp in products for mp in cp.monomer_patterns}
            for obs in observables:
                source = obs.reaction_pattern.complex_patterns[0].monomer_patterns[0].monomer.name
                for target in sorted(made):
                    add(source, target, "rate_law", rule.name)
    rows = [{"source": a, "target": b, "kind": kind, "directed": kind != "bond", "n_rules": len(rules),
             "rules": ";".join(sorted(rules))} for (a, b, kind), rules in edges.items()]
    return pd.DataFrame(rows).sort_values(["kind", "source", "target"]).reset_index(drop=True)


def _node_label(name: str) -> str:
    if name.startswith("mRNA_"):
        return f"{name[5:]}\nmRNA"
    if name == "Smad7_protein":
        return "Smad7"
    if name.endswith("_protein"):
        return name.removesuffix("_protein")
    return {"L": "ligand\n(TGF-\u03b21/2/3,\nGDF11)", "TBRIII": "TBRIII\n(betaglycan)", "ActRII": "ActRIIB"}.get(name, name)


def fig_contact_map(sim: Simulator, w: Writer) -> str:
    import networkx as nx
    from alk5_pysb.model.builder import build_model
    model = build_model()
    blocks = monomer_blocks()
    edges = contact_edges(model)
    edges.insert(2, "source_block", edges["source"].map(blocks))
    edges.insert(3, "target_block", edges["target"].map(blocks))
    w.csv(edges, "contact_map.csv")

    graph = nx.MultiDiGraph()
    for mon in model.monomers:
        graph.add_node(mon.name, block=blocks.get(mon.name, "receptor"))
    for _, e in edges.iterrows():
        graph.add_edge(e["source"], e["target"], kind=e["kind"])
    missing = [n for n in graph if n not in LAYOUT]
    pos = dict(LAYOUT)
    if missing:   # a new monomer the hand layout does not know: place it with a spring layout
        pos.update(nx.spring_layout(graph, pos=LAYOUT, fixed=list(LAYOUT), seed=1))

    fig, ax = plt.subplots(figsize=(15, 10.5))
    boxes = {}
    for node, data in graph.nodes(data=True):
        x, y = pos[node]
        boxes[node] = ax.text(x, y, _node_label(node), ha="center", va="center", fontsize=8.5, zorder=3,
                              bbox=dict(boxstyle="round,pad=0.35", fc=BLOCK_STYLE[data["block"]][1], ec="0.3", lw=0.8))
    seen = {}
    for a, b, data in graph.edges(data=True):
        kind = data["kind"]
        pair = frozenset((a, b))
        seen[pair] = seen.get(pair, 0) + 1
        rad = {"bond": 0.0, "catalysis": 0.12, "degradation": -0.12, "rate_law": 0.08}[kind] * seen[pair]
        ax.annotate("", xy=pos[b], xytext=pos[a], zorder=4,
                    arrowprops=dict(patchA=boxes[a], patchB=boxes[b], shrinkA=1, shrinkB=1,
                                    connectionstyle=f"arc3,rad={rad}", **EDGE_STYLE[kind]))
    xs, ys = zip(*pos.values())
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.9)
    ax.axis("off")
    block_handles = [matplotlib.patches.Patch(fc=colour, ec="0.3", label=label) for label, colour in BLOCK_STYLE.values()]
    edge_handles = [
        plt.Line2D([], [], color="0.35", lw=1.6, label="bond made by a rule"),
        plt.Line2D([], [], color="tab:blue", lw=1.0, ls=(0, (4, 2)), label="catalysis or translation (unchanged \u2192 changed)"),
        plt.Line2D([], [], color="tab:red", lw=1.0, ls=(0, (4, 2)), label="catalysed degradation"),
        plt.Line2D([], [], color="tab:purple", lw=0.9, ls=(0, (1, 1.5)), label="rate-law regulation (transcription)"),
    ]
    ax.legend(handles=block_handles + edge_handles, loc="lower right", fontsize=8.5,
              frameon=True, framealpha=0.95, title="blocks and edges", title_fontsize=9)
    counts = edges["kind"].value_counts()
    fig.suptitle(f"Contact map of build_model(): {len(model.monomers)} monomers, {len(model.rules)} rules; "
                 f"{counts.get('bond', 0)} bonds, {counts.get('catalysis', 0)} catalytic, "
                 f"{counts.get('degradation', 0)} degradation and {counts.get('rate_law', 0)} rate-law edges",
                 fontsize=11)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.95)
    w.figure(fig, "contact_map")
    return f"{len(model.monomers)} monomers, {len(edges)} edges"


# -- main ---------------------------------------------------------------------------------------
# -- 7b. ligand depletion and the 30-s pulse, with the Zi 2011 model --------------------------------
def fig_depletion_pulse(sim: Simulator, w: Writer) -> str:
    from alk5_pysb.analysis.reference_models import zi2011_time_course
    frames = []
    for dose in DEP_DOSES_PM:
        ours = sim.run(Experiment(dose_pM=dose, t_end_min=DEP_T_END, n_points=int(DEP_T_END / 5) + 1,
                                  readouts=["free_ligand", "pSmad2"]))
        frames.append(pd.DataFrame({"protocol": "step", "dose_pM": dose, "model": "alk5-pysb",
                                    "time_min": ours["time_min"], "ligand_fraction": ours["free_ligand"] / dose,
                                    "pSmad2": ours["pSmad2"]}))
        zi = zi2011_time_course(dose, DEP_T_END, n_points=int(DEP_T_END / 5) + 1)
        frames.append(zi.assign(protocol="step", dose_pM=dose, model="Zi 2011 (BIOMD0000000342)"))
    ours = sim.run(Experiment(dose_pM=PULSE_DOSE_PM, t_end_min=PULSE_T_END, n_points=int(PULSE_T_END) + 1,
                              washout_min=0.5, readouts=["free_ligand", "pSmad2"]))
    frames.append(pd.DataFrame({"protocol": "30-s pulse", "dose_pM": PULSE_DOSE_PM, "model": "alk5-pysb",
                                "time_min": ours["time_min"], "ligand_fraction": ours["free_ligand"] / PULSE_DOSE_PM,
                                "pSmad2": ours["pSmad2"]}))
    zi = zi2011_time_course(PULSE_DOSE_PM, PULSE_T_END, n_points=int(PULSE_T_END) + 1, washout_min=0.5)
    frames.append(zi.assign(protocol="30-s pulse", dose_pM=PULSE_DOSE_PM, model="Zi 2011 (BIOMD0000000342)"))
    data = pd.concat(frames, ignore_index=True)[["protocol", "dose_pM", "model", "time_min", "ligand_fraction",
                                                 "pSmad2"]]
    w.csv(data, "depletion_pulse.csv")

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    colours = dict(zip(DEP_DOSES_PM, ["tab:blue", "tab:green", "tab:orange", "tab:red"]))
    styles = {"alk5-pysb": "-", "Zi 2011 (BIOMD0000000342)": "--"}
    for (dose, model), sel in data[data["protocol"] == "step"].groupby(["dose_pM", "model"], sort=False):
        axes[0].plot(sel["time_min"] / 60, 100 * sel["ligand_fraction"], styles[model], color=colours[dose],
                     label=f"{dose:g} pM, {model}")
    axes[0].set(xlabel="time after TGF-β1 (h)", ylabel="ligand left in the medium (% of dose)", xlim=(0, 24),
                ylim=(0, 105), title="B12: depletion, 1e6 cells in 2 mL")
    axes[0].legend(fontsize=6.5, ncol=1, loc="upper right")
    for (dose, model), sel in data[data["protocol"] == "step"].groupby(["dose_pM", "model"], sort=False):
        axes[1].plot(sel["time_min"] / 60, sel["pSmad2"] / sel["pSmad2"].max(), styles[model], color=colours[dose])
    axes[1].set(xlabel="time after TGF-β1 (h)", ylabel="pSmad2 / own peak", xlim=(0, 24), ylim=(0, 1.05),
                title="pSmad2 after a step (solid: this model, dashed: Zi 2011)")
    for model, sel in data[data["protocol"] == "30-s pulse"].groupby("model", sort=False):
        axes[2].plot(sel["time_min"] / 60, sel["pSmad2"] / sel["pSmad2"].max(), styles[model], color="black",
                     label=model)
    axes[2].axhline(0.25, color="grey", lw=0.8, ls=":")
    axes[2].set(xlabel="time after the pulse (h)", ylabel="pSmad2 / own peak", xlim=(0, 8), ylim=(0, 1.05),
                title=f"B13: 30-s pulse of {PULSE_DOSE_PM:g} pM (target < 25% at 4 h)")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.grid(alpha=0.25, lw=0.5)
    fig.suptitle("Ligand consumption and pulse response: this model vs the Zi 2011 model under the same protocol",
                 fontsize=11)
    w.figure(fig, "depletion_pulse")
    return f"{len(DEP_DOSES_PM)} doses + a pulse, both models"


BUILDERS = {
    "dose_response": fig_dose_response, "isoforms": fig_isoforms, "inhibitor_potency": fig_inhibitor_potency,
    "branch_selectivity": fig_branch_selectivity, "protocols": fig_protocols, "feedback": fig_feedback,
    "depletion_pulse": fig_depletion_pulse, "validation": fig_validation, "contact_map": fig_contact_map,
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("figures"), help="output folder (default: figures/)")
    parser.add_argument("--sbml", default=None, help="SBML file (default: models/alk5.sbml)")
    parser.add_argument("--only", nargs="+", choices=FIGURES, metavar="FIGURE",
                        help=f"make only these figures (default: all of {', '.join(FIGURES)})")
    parser.add_argument("--no-svg", action="store_true", help="write PNG only")
    args = parser.parse_args(argv)

    t_start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    sim = Simulator(args.sbml)
    writer = Writer(args.out, svg=not args.no_svg)
    for name in args.only or FIGURES:
        t0 = time.perf_counter()
        n_before = len(writer.written)
        summary = BUILDERS[name](sim, writer)
        print(f"{name}: {summary}, {time.perf_counter() - t0:.1f} s")
        for path in writer.written[n_before:]:
            print(f"  wrote {path}")
    print(f"scan figures: {len(writer.written)} files in {args.out}/, {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
