"""Uncertainty bands (issue 17): the model's predictions over the prior ranges and over the
literature-constrained ensemble.

Called by ``make figures`` as ``python scripts/figure_uncertainty.py --out figures/``. Two ensembles, each
drawn on the lean TGF-beta1 network: ``--members`` (default 64 Latin hypercube draws, seed 0, from the
distributions in ``data/parameters.csv``) in grey, and, when the package ships one, the accepted ensemble of
``alk5 ensemble`` (parameter sets that meet every literature behaviour used as a constraint) in colour.
Panels (median line, 90% band = 5th-95th percentile, nominal model dashed):
  A-D  100 pM TGF-beta1 over 24 h: pSmad2, SMAD7 mRNA, PAI-1 mRNA, p38 active
  E    pSmad2 at 45 min and 8 h vs TGF-beta1 dose (0.1 pM-10 nM), each member's curve normalised to its max
  F    pSmad2 at 60 min vs SB-431542 (100 pM TGF-beta1, 60 min pre-treatment), % of each member's no-drug level
Writes uncertainty_bands.png/.svg, uncertainty_timecourses.csv (bands), uncertainty_fits.csv (EC50 and IC50
per member and their bands) and uncertainty_ensemble.json (what each ensemble is, failures, bands).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.analysis import uncertainty  # noqa: E402
from alk5_pysb.analysis.dose_response import dose_response, inhibition  # noqa: E402
from alk5_pysb.io.files import atomic_path, atomic_write, rounded  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment  # noqa: E402
from alk5_pysb.simulation.metrics import parse_metrics  # noqa: E402
from alk5_pysb.simulation.simulator import Simulator  # noqa: E402

READOUTS = ["pSmad2", "SMAD7_mRNA", "PAI1_mRNA", "p38_active"]


def predictions(sim, members) -> dict:
    """Time-course bands, dose-response and SB-431542 inhibition over one ensemble."""
    tc_exp = Experiment(dose_pM=100.0, t_end_min=1440, n_points=289)
    long = uncertainty.time_courses(sim, tc_exp, members, READOUTS, progress=False)
    dr_exp = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min,at:8h"))
    dr_data, dr_fits = dose_response(sim, dr_exp, np.logspace(-1, 4, 11), members=members)
    inh_exp = Experiment(dose_pM=100.0, readouts=["pSmad2"], metrics=parse_metrics("at:60min"), pretreat_min=60.0)
    inh_data, inh_fits = inhibition(sim, inh_exp, get_compound("SB-431542"), np.logspace(-1, 4, 11), members=members)
    ec50 = uncertainty.summarise(dr_fits, ["readout", "metric"], "ec50").assign(what="EC50 (pM)")
    ic50 = uncertainty.summarise(inh_fits, ["readout", "metric"], "ic50").assign(what="SB-431542 IC50 (nM)")
    return {"long": long, "bands": uncertainty.time_course_bands(long, READOUTS), "dr": dr_data, "inh": inh_data,
            "fits": pd.concat([dr_fits.assign(what="EC50 (pM)"), inh_fits.assign(what="IC50 (nM)")],
                              ignore_index=True),
            "summary": pd.concat([ec50, ic50], ignore_index=True)}


def _quantiles(frame, by, value):
    return frame.groupby(by)[value].quantile([0.05, 0.5, 0.95]).unstack()


def draw(axes, result, label, colors):
    """One ensemble's bands on the six panels."""
    bands = result["bands"]
    hours = bands["time_min"] / 60
    for ax, r in zip(axes.flat[:4], READOUTS):
        ax.fill_between(hours, bands[f"{r}_q05"], bands[f"{r}_q95"], color=colors[0], alpha=0.25,
                        label=f"{label}: 90% band")
        ax.plot(hours, bands[r], color=colors[0], label=f"{label}: median")
    ax = axes.flat[4]
    for metric, color in zip(("at:45min", "at:8h"), colors[1:3]):
        d = result["dr"][result["dr"]["metric"] == metric].copy()
        d["norm"] = d["value"] / d.groupby("member")["value"].transform("max")
        q = _quantiles(d, "dose_pM", "norm")
        ax.fill_between(q.index, q[0.05], q[0.95], color=color, alpha=0.2)
        ax.plot(q.index, q[0.5], color=color, label=f"{label}: pSmad2 {metric}")
    d = result["inh"].copy()
    control = d[d["inhibitor_nM"] == 0].set_index("member")["value"]
    d = d[d["inhibitor_nM"] > 0]
    d["pct"] = 100 * d["value"] / d["member"].map(control)
    q = _quantiles(d, "inhibitor_nM", "pct")
    axes.flat[5].fill_between(q.index, q[0.05], q[0.95], color=colors[3], alpha=0.25)
    axes.flat[5].plot(q.index, q[0.5], color=colors[3], label=label)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures/")
    parser.add_argument("--members", default="prior:64", help="--ensemble spec of the prior ensemble (default prior:64)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulator(network="tgfb1")
    ensembles = [(uncertainty.resolve(args.members, seed=0), "prior", ("0.55", "0.55", "0.35", "0.55"))]
    if uncertainty.shipped_ensemble() is not None:
        ensembles.append((uncertainty.resolve("accepted"), "constrained",
                          ("tab:blue", "tab:green", "tab:red", "tab:purple")))
    nominal = sim.run(Experiment(dose_pM=100.0, t_end_min=1440, n_points=289), readouts=READOUTS)
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    results, lines, record = {}, [], {}
    for (members, described), label, colors in ensembles:
        members = members[["member", *[c for c in uncertainty.fold_columns(members)
                                       if c.split(":", 1)[1] in sim.table_parameters]]]
        results[label] = result = predictions(sim, members)
        draw(axes, result, label, colors)
        text = "; ".join(f"{r.what} {r.metric}: {r.median:.3g} ({r.q05:.3g}-{r.q95:.3g})"
                         for r in result["summary"].itertuples())
        lines.append(f"{label} ({described}): {text}")
        record[label] = {"ensemble": described, "members": int(len(members)),
                         "failed_time_courses": result["long"].loc[result["long"]["error"] != "", "member"].tolist(),
                         "summary": result["summary"].to_dict("records")}
    for ax, r in zip(axes.flat[:4], READOUTS):
        ax.plot(nominal["time_min"] / 60, nominal[r], "k--", lw=1, label="nominal")
        ax.set(title=f"{r}, 100 pM TGF-beta1", xlabel="time (h)", ylabel="molecule/cell", yscale="log")
    axes.flat[0].legend(fontsize=7)
    axes.flat[4].set(xscale="log", xlabel="TGF-beta1 (pM)", ylabel="fraction of member's maximum",
                     title="dose-response")
    axes.flat[4].legend(fontsize=7)
    axes.flat[5].set(xscale="log", xlabel="SB-431542 (nM)", ylabel="pSmad2, % of no drug",
                     title="SB-431542, 60 min pre-treatment")
    axes.flat[5].legend(fontsize=7)
    fig.suptitle("median, 90% band, nominal dashed\n" + "\n".join(lines), fontsize=8)
    fig.tight_layout()
    for ext in ("png", "svg"):
        with atomic_path(out / f"uncertainty_bands.{ext}") as tmp:
            fig.savefig(tmp, format=ext, dpi=110, metadata={"Date": None} if ext == "svg" else {"Software": None})
    plt.close(fig)
    bands = pd.concat([r["bands"].assign(ensemble=k) for k, r in results.items()], ignore_index=True)
    atomic_write(out / "uncertainty_timecourses.csv", bands.to_csv(index=False, float_format="%.5g"))
    fits = pd.concat([r["fits"].assign(ensemble=k) for k, r in results.items()], ignore_index=True)
    atomic_write(out / "uncertainty_fits.csv", fits.to_csv(index=False, float_format="%.5g"))
    atomic_write(out / "uncertainty_ensemble.json", json.dumps(rounded(record), indent=1, default=float) + "\n")
    for line in lines:
        print(f"uncertainty bands, {line}")


if __name__ == "__main__":
    main()
