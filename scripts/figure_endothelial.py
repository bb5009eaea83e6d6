"""Endothelial context (issue 19): the ALK1/ALK5 balance and which ALK5 inhibitors touch ALK1.

Called by ``make figures`` as ``python scripts/figure_endothelial.py --out figures/``. One figure,
``endothelial_alk1_alk5.png``: (a) 8-h time courses in the endothelial context after 40 pM BMP9, 40 pM TGF-beta1 or
both: pSmad1/5, pSmad2, ID1 mRNA and PAI-1 mRNA; (b) every library compound at 1 and 10 uM (pre-treated 60 min):
inhibition of TGF-beta1 -> pSmad2 (ALK5) and of BMP9 -> pSmad1/5 (ALK1) at 1 h. A compound without a reported ALK1
potency leaves the BMP9 arm untouched by construction; the bar says which compounds have one.
Writes the figure (.png/.svg), endothelial_timecourses.csv and endothelial_selectivity.csv.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.io import contexts  # noqa: E402
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


def timecourses(sim, values) -> pd.DataFrame:
    frames = []
    for arm, ligand, bmp9 in (("BMP9 40 pM", "BMP9", 0.0), ("TGF-beta1 40 pM", "TGFB1", 0.0),
                              ("both, 40 pM each", "TGFB1", DOSE_PM)):
        exp = Experiment(ligand=ligand, dose_pM=DOSE_PM, t_end_min=480, n_points=97)
        start = with_bmp9(sim, exp, values, bmp9) if bmp9 else None
        frames.append(sim.run(exp, readouts=READOUTS, params=values, start_state=start).assign(arm=arm))
    return pd.concat(frames, ignore_index=True)


def selectivity(sim, values) -> pd.DataFrame:
    rows = []
    rest = sim.run(Experiment(dose_pM=0.0, t_end_min=60, n_points=13), readouts=READOUTS, params=values)
    base = {lig: sim.run(Experiment(ligand=lig, dose_pM=DOSE_PM, t_end_min=60, n_points=13), readouts=READOUTS,
                         params=values) for lig in ("TGFB1", "BMP9")}
    inc = lambda f, r: value_at(f, r, 60) - value_at(rest, r, 60)
    for name in library().index:
        try:
            compound = get_compound(name)
        except Exception:               # a library entry without an ALK5 potency cannot be simulated
            continue
        for nM in DRUG_NM:
            drug = dict(compound=compound, inhibitor_nM=nM, pretreat_min=60.0)
            tgf = sim.run(Experiment(dose_pM=DOSE_PM, t_end_min=60, n_points=13, **drug), readouts=READOUTS, params=values)
            bmp = sim.run(Experiment(ligand="BMP9", dose_pM=DOSE_PM, t_end_min=60, n_points=13, **drug),
                          readouts=READOUTS, params=values)
            rows.append({"compound": name, "inhibitor_nM": nM,
                         "ALK1_potency_nM": compound.alk1_ic50_nM if math.isfinite(compound.alk1_ic50_nM) else np.nan,
                         "TGFB1_pSmad2_inhibition": 1 - inc(tgf, "pSmad2") / inc(base["TGFB1"], "pSmad2"),
                         "BMP9_pSmad1_5_inhibition": 1 - inc(bmp, "pSmad1_5") / inc(base["BMP9"], "pSmad1_5")})
    return pd.DataFrame(rows)


def draw(tc: pd.DataFrame, sel: pd.DataFrame, path: Path):
    fig = plt.figure(figsize=(13, 7))
    grid = fig.add_gridspec(2, 4)
    for i, readout in enumerate(READOUTS):
        ax = fig.add_subplot(grid[0, i])
        for arm, grp in tc.groupby("arm", sort=False):
            ax.plot(grp["time_min"] / 60, grp[readout], label=arm)
        ax.set_xlabel("time (h)")
        ax.set_title(readout, fontsize=10)
        ax.grid(alpha=0.3)
    fig.axes[0].legend(frameon=False, fontsize=7)
    for j, nM in enumerate(DRUG_NM):
        ax = fig.add_subplot(grid[1, 2 * j:2 * j + 2])
        sub = sel[sel["inhibitor_nM"] == nM].reset_index(drop=True)
        x = np.arange(len(sub))
        ax.bar(x - 0.2, 100 * sub["TGFB1_pSmad2_inhibition"], 0.4, label="TGF-beta1 -> pSmad2 (ALK5)")
        ax.bar(x + 0.2, 100 * sub["BMP9_pSmad1_5_inhibition"], 0.4, label="BMP9 -> pSmad1/5 (ALK1)")
        labels = [f"{c}{'' if np.isnan(p) else ' *'}" for c, p in zip(sub["compound"], sub["ALK1_potency_nM"])]
        ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("% inhibition at 1 h")
        ax.set_ylim(-5, 105)
        ax.set_title(f"{nM / 1000:g} uM, pre-treated 60 min (* = ALK1 potency reported)", fontsize=9)
        ax.grid(alpha=0.3, axis="y")
    fig.axes[-2].legend(frameon=False, fontsize=7)
    fig.suptitle("Endothelial context: BMP9 and TGF-beta1 through ALK1 and ALK5, and ALK5 inhibitors on both arms")
    fig.tight_layout()
    save_figure(fig, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = shared_simulator("endothelial")
    values = contexts.load("endothelial")
    tc, sel = timecourses(sim, values), selectivity(sim, values)
    atomic_write(out / "endothelial_timecourses.csv", tc.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "endothelial_selectivity.csv", sel.to_csv(index=False, float_format="%.6g"))
    draw(tc, sel, out / "endothelial_alk1_alk5")
    print(sel.to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
