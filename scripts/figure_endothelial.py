"""Endothelial context (issue 19): the ALK1/ALK5 balance and which ALK5 inhibitors touch ALK1.

Called by ``make figures`` as ``python scripts/figure_endothelial.py --out figures/``. One figure,
``endothelial_alk1_alk5.png``: (a) 8-h time courses in the endothelial context after 40 pM BMP9, 40 pM TGF-beta1 or
both: pSmad1/5, pSmad2, ID1 mRNA and PAI-1 mRNA; (b) every library compound at 1 and 10 uM (pre-treated 60 min):
inhibition of TGF-beta1 -> pSmad2 (ALK5) and of BMP9 -> pSmad1/5 (ALK1) at 1 h. A compound without a reported ALK1
potency leaves the BMP9 arm untouched by construction; the bar says which compounds have one. Lines and bars are
the context's nominal values; the shaded bands and the whiskers are the central 90% over ``--members`` members (the
shipped literature-constrained ensemble joined with prior draws of the endothelial block, not constrained by E1-E9).
Writes the figure (.png/.svg), endothelial_timecourses.csv, endothelial_selectivity.csv (nominal),
endothelial_timecourse_bands.csv, endothelial_selectivity_bands.csv and endothelial.json (members, failures).
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.analysis import uncertainty  # noqa: E402
from alk5_pysb.errors import SimulationError  # noqa: E402
from alk5_pysb.io import contexts  # noqa: E402
from alk5_pysb.io.files import rounded  # noqa: E402
from alk5_pysb.analysis.plots import save_figure  # noqa: E402
from alk5_pysb.io.files import atomic_write  # noqa: E402
from alk5_pysb.analysis.validation_endothelial import with_bmp9  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound, library  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment  # noqa: E402
from alk5_pysb.simulation.metrics import value_at  # noqa: E402
from alk5_pysb.simulation.simulator import shared_simulator  # noqa: E402

READOUTS = ["pSmad1_5", "pSmad2", "ID1_mRNA", "PAI1_mRNA"]
DOSE_PM = 40.0
DRUG_NM = (1000.0, 10000.0)


def timecourses(sim, values, folds=None) -> pd.DataFrame:
    frames = []
    for arm, ligand, bmp9 in (("BMP9 40 pM", "BMP9", 0.0), ("TGF-beta1 40 pM", "TGFB1", 0.0),
                              ("both, 40 pM each", "TGFB1", DOSE_PM)):
        exp = Experiment(ligand=ligand, dose_pM=DOSE_PM, t_end_min=480, n_points=97, folds=folds or {})
        start = with_bmp9(sim, exp, None, bmp9, values) if bmp9 else None
        frames.append(sim.run(exp, readouts=READOUTS, context=values, start_state=start).assign(arm=arm))
    return pd.concat(frames, ignore_index=True)


def selectivity(sim, values, folds=None) -> pd.DataFrame:
    rows = []
    hour = dict(t_end_min=60, n_points=13, folds=folds or {})
    rest = sim.run(Experiment(dose_pM=0.0, **hour), readouts=READOUTS, context=values)
    base = {lig: sim.run(Experiment(ligand=lig, dose_pM=DOSE_PM, **hour), readouts=READOUTS,
                         context=values) for lig in ("TGFB1", "BMP9")}
    inc = lambda f, r: value_at(f, r, 60) - value_at(rest, r, 60)
    for name in library().index:
        try:
            compound = get_compound(name)
        except Exception:               # a library entry without an ALK5 potency cannot be simulated
            continue
        for nM in DRUG_NM:
            drug = dict(compound=compound, inhibitor_nM=nM, pretreat_min=60.0)
            tgf = sim.run(Experiment(dose_pM=DOSE_PM, **hour, **drug), readouts=READOUTS, context=values)
            bmp = sim.run(Experiment(ligand="BMP9", dose_pM=DOSE_PM, **hour, **drug), readouts=READOUTS, context=values)
            rows.append({"compound": name, "inhibitor_nM": nM,
                         "ALK1_potency_nM": compound.alk1_ic50_nM if math.isfinite(compound.alk1_ic50_nM) else np.nan,
                         "TGFB1_pSmad2_inhibition": 1 - inc(tgf, "pSmad2") / inc(base["TGFB1"], "pSmad2"),
                         "BMP9_pSmad1_5_inhibition": 1 - inc(bmp, "pSmad1_5") / inc(base["BMP9"], "pSmad1_5")})
    return pd.DataFrame(rows)


def over_members(sim, values, members: pd.DataFrame):
    """Every member's time courses and inhibitions (long tables with a member column) and the failures."""
    tcs, sels, failures = [], [], []
    for member in members["member"]:
        folds = {n: f for n, f in uncertainty.member_folds(members, member).items() if n in sim.table_parameters}
        try:
            tcs.append(timecourses(sim, values, folds).assign(member=member))
            sels.append(selectivity(sim, values, folds).assign(member=member))
        except SimulationError as err:
            failures.append({"member": int(member), "reason": " ".join(str(err).split())[:200]})
    return pd.concat(tcs, ignore_index=True), pd.concat(sels, ignore_index=True), failures


def draw(tc: pd.DataFrame, sel: pd.DataFrame, tc_bands: pd.DataFrame, sel_bands: pd.DataFrame, path: Path,
         caption: str):
    fig = plt.figure(figsize=(13, 7.4))
    grid = fig.add_gridspec(2, 4)
    for i, readout in enumerate(READOUTS):
        ax = fig.add_subplot(grid[0, i])
        for k, (arm, grp) in enumerate(tc.groupby("arm", sort=False)):
            b = tc_bands[(tc_bands["arm"] == arm) & (tc_bands["readout"] == readout)]
            ax.fill_between(b["time_min"] / 60, b["q05"], b["q95"], color=f"C{k}", alpha=0.2, lw=0)
            ax.plot(grp["time_min"] / 60, grp[readout], color=f"C{k}", label=arm)
        ax.set_xlabel("time (h)")
        ax.set_title(readout, fontsize=10)
        ax.grid(alpha=0.3)
    fig.axes[0].legend(frameon=False, fontsize=7)
    for j, nM in enumerate(DRUG_NM):
        ax = fig.add_subplot(grid[1, 2 * j:2 * j + 2])
        sub = sel[sel["inhibitor_nM"] == nM].reset_index(drop=True)
        x = np.arange(len(sub))
        for shift, column, label in ((-0.2, "TGFB1_pSmad2_inhibition", "TGF-beta1 -> pSmad2 (ALK5)"),
                                     (0.2, "BMP9_pSmad1_5_inhibition", "BMP9 -> pSmad1/5 (ALK1)")):
            b = sel_bands[(sel_bands["inhibitor_nM"] == nM) & (sel_bands["readout"] == column)].set_index("compound")
            b = b.reindex(sub["compound"])
            low = np.clip(100 * (sub[column].to_numpy() - b["q05"].to_numpy()), 0, None)
            high = np.clip(100 * (b["q95"].to_numpy() - sub[column].to_numpy()), 0, None)
            ax.bar(x + shift, 100 * sub[column], 0.4, label=label, yerr=[low, high], capsize=2,
                   error_kw={"lw": 0.8})
        labels = [f"{c}{'' if np.isnan(p) else ' *'}" for c, p in zip(sub["compound"], sub["ALK1_potency_nM"])]
        ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("% inhibition at 1 h")
        ax.set_ylim(-5, 105)
        ax.set_title(f"{nM / 1000:g} uM, pre-treated 60 min (* = ALK1 potency reported)", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.axes[-2].legend(frameon=False, fontsize=7)
    fig.suptitle("Endothelial context: BMP9 and TGF-beta1 through ALK1 and ALK5, and ALK5 inhibitors on both arms")
    fig.text(0.5, 0.005, caption, ha="center", fontsize=7)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/")
    parser.add_argument("--members", type=int, default=64, help="ensemble members for the bands (default 64)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = shared_simulator("endothelial")
    values = contexts.load("endothelial")
    tc, sel = timecourses(sim, values), selectivity(sim, values)
    atomic_write(out / "endothelial_timecourses.csv", tc.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "endothelial_selectivity.csv", sel.to_csv(index=False, float_format="%.6g"))
    members = uncertainty.joined(args.members, args.seed, blocks=("endothelial",))
    if members is None:
        members = uncertainty.draw(args.members, args.seed, extra=True)
    tcs, sels, failures = over_members(sim, values, members)
    tc_bands = uncertainty.summarise(tcs.melt(id_vars=["member", "arm", "time_min"], value_vars=READOUTS,
                                              var_name="readout"), ["arm", "time_min", "readout"])
    columns = ["TGFB1_pSmad2_inhibition", "BMP9_pSmad1_5_inhibition"]
    sel_bands = uncertainty.summarise(sels.melt(id_vars=["member", "compound", "inhibitor_nM"], value_vars=columns,
                                                var_name="readout"), ["compound", "inhibitor_nM", "readout"])
    atomic_write(out / "endothelial_timecourse_bands.csv", tc_bands.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "endothelial_selectivity_bands.csv", sel_bands.to_csv(index=False, float_format="%.6g"))
    described = (f"{args.members} members: shipped ensemble (B1-B25) joined with prior draws (seed {args.seed}) of the "
                 "endothelial block, not constrained by E1-E9; lines and bars: the context's nominal values, bands and "
                 "whiskers: 5th-95th percentile")
    atomic_write(out / "endothelial.json", json.dumps(rounded({"members": described, "failures": failures}), indent=1)
                 + "\n")
    draw(tc, sel, tc_bands, sel_bands, out / "endothelial_alk1_alk5", described)
    print(sel.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
