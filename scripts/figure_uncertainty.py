"""Uncertainty bands (issue 17): the model's predictions over an ensemble drawn from every parameter's range.

Called by ``make figures`` as ``python scripts/figure_uncertainty.py --out figures/``. The ensemble is
``--members`` Latin hypercube draws (seed 0) from the distributions in ``data/parameters.csv``
(``alk5_pysb.analysis.uncertainty``), or the shipped literature-constrained ensemble when one exists.
Runs on the lean TGF-beta1 network. Panels (median line, 90% band = 5th-95th percentile, nominal
model dashed):
  A-D  100 pM TGF-beta1 over 24 h: pSmad2, SMAD7 mRNA, PAI-1 mRNA, p38 active
  E    pSmad2 at 45 min and 8 h vs TGF-beta1 dose (0.1 pM-10 nM), each member's curve normalised to its max
  F    pSmad2 at 60 min vs SB-431542 (100 pM TGF-beta1, 60 min pre-treatment), % of each member's no-drug level
Writes uncertainty_bands.png/.svg, uncertainty_timecourses.csv (bands), uncertainty_fits.csv (EC50 and IC50
per member and their bands) and uncertainty_ensemble.json (what the ensemble is, failures).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.analysis import uncertainty  # noqa: E402
from alk5_pysb.analysis.dose_response import dose_response, inhibition  # noqa: E402
from alk5_pysb.io.files import atomic_path, atomic_write  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment  # noqa: E402
from alk5_pysb.simulation.metrics import parse_metrics  # noqa: E402
from alk5_pysb.simulation.simulator import Simulator  # noqa: E402

READOUTS = ["pSmad2", "SMAD7_mRNA", "PAI1_mRNA", "p38_active"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/")
    parser.add_argument("--members", default="prior:64", help="--ensemble spec (default prior:64)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulator(network="tgfb1")
    members, described = uncertainty.resolve(args.members, seed=0)
    members = members[["member", *[c for c in uncertainty.fold_columns(members)
                                   if c.split(":", 1)[1] in sim.table_parameters]]]

    tc_exp = Experiment(dose_pM=100.0, t_end_min=1440, n_points=289)
    long = uncertainty.time_courses(sim, tc_exp, members, READOUTS, progress=False)
    bands = uncertainty.time_course_bands(long, READOUTS)
    nominal = sim.run(tc_exp, readouts=READOUTS)

    dr_exp = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min,at:8h"))
    doses = np.logspace(-1, 4, 11)
    dr_data, dr_fits = dose_response(sim, dr_exp, doses, members=members)
    sb = get_compound("SB-431542")
    inh_exp = Experiment(dose_pM=100.0, readouts=["pSmad2"], metrics=parse_metrics("at:60min"), pretreat_min=60.0)
    inh_doses = np.logspace(-1, 4, 11)
    inh_data, inh_fits = inhibition(sim, inh_exp, sb, inh_doses, members=members)

    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    hours = bands["time_min"] / 60
    for ax, r in zip(axes.flat[:4], READOUTS):
        ax.fill_between(hours, bands[f"{r}_q05"], bands[f"{r}_q95"], color="tab:blue", alpha=0.25, label="90% band")
        ax.plot(hours, bands[r], color="tab:blue", label="median")
        ax.plot(nominal["time_min"] / 60, nominal[r], "k--", lw=1, label="nominal")
        ax.set(title=f"{r}, 100 pM TGF-beta1", xlabel="time (h)", ylabel="molecule/cell", yscale="log")
    axes.flat[0].legend(fontsize=8)

    ax = axes.flat[4]
    for metric, color in (("at:45min", "tab:green"), ("at:8h", "tab:red")):
        d = dr_data[(dr_data["metric"] == metric)].copy()
        d["norm"] = d["value"] / d.groupby("member")["value"].transform("max")
        q = d.groupby("dose_pM")["norm"].quantile([0.05, 0.5, 0.95]).unstack()
        ax.fill_between(q.index, q[0.05], q[0.95], color=color, alpha=0.25)
        ax.plot(q.index, q[0.5], color=color, label=f"pSmad2 {metric}")
    ax.set(xscale="log", xlabel="TGF-beta1 (pM)", ylabel="fraction of member's maximum", title="dose-response")
    ax.legend(fontsize=8)

    ax = axes.flat[5]
    d = inh_data.copy()
    control = d[d["inhibitor_nM"] == 0].set_index("member")["value"]
    d = d[d["inhibitor_nM"] > 0]
    d["pct"] = 100 * d["value"] / d["member"].map(control)
    q = d.groupby("inhibitor_nM")["pct"].quantile([0.05, 0.5, 0.95]).unstack()
    ax.fill_between(q.index, q[0.05], q[0.95], color="tab:purple", alpha=0.25)
    ax.plot(q.index, q[0.5], color="tab:purple")
    ax.set(xscale="log", xlabel="SB-431542 (nM)", ylabel="pSmad2, % of no drug", title="SB-431542, 60 min pre-treatment")

    ec50 = uncertainty.summarise(dr_fits, ["readout", "metric"], "ec50").assign(what="EC50 (pM)")
    ic50 = uncertainty.summarise(inh_fits, ["readout", "metric"], "ic50").assign(what="SB-431542 IC50 (nM)")
    summary = pd.concat([ec50, ic50], ignore_index=True)
    text = "; ".join(f"{r.what} {r.metric}: {r.median:.3g} ({r.q05:.3g}-{r.q95:.3g})" for r in summary.itertuples())
    fig.suptitle(f"{described}: median, 90% band, nominal dashed\n{text}", fontsize=9)
    fig.tight_layout()
    for ext in ("png", "svg"):
        with atomic_path(out / f"uncertainty_bands.{ext}") as tmp:
            fig.savefig(tmp, format=ext, dpi=110, metadata={"Date": None} if ext == "svg" else {"Software": None})
    plt.close(fig)
    atomic_write(out / "uncertainty_timecourses.csv", bands.to_csv(index=False, float_format="%.5g"))
    fits = pd.concat([dr_fits.assign(what="EC50 (pM)"), inh_fits.assign(what="IC50 (nM)")], ignore_index=True)
    atomic_write(out / "uncertainty_fits.csv", fits.to_csv(index=False, float_format="%.5g"))
    failed = long.loc[long["error"] != "", "member"].tolist()
    atomic_write(out / "uncertainty_ensemble.json", json.dumps(
        {"ensemble": described, "members": int(len(members)), "failed_time_courses": failed,
         "summary": summary.to_dict("records")}, indent=1, default=float) + "\n")
    print(f"uncertainty bands: {described}; {text}")


if __name__ == "__main__":
    main()
