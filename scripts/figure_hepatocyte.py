"""The hepatocyte context: our model fitted to Lucarelli et al. 2018 next to their published model.

Called by ``make figures`` as ``python scripts/figure_hepatocyte.py --out figures/``. It reads the shipped
context (``alk5_pysb/data/contexts/hepatocyte``: the calibration problem, the fitted ``parameters.csv``
and the fit report ``report.json``), simulates our model at the fitted values and the published model at
its own fitted values on the same measurements, and draws data and both models per observable (the models'
curves simulated on a 2-min grid; the 60-min dose response joins the measured doses).

Outputs: hepatocyte_fit.png/.svg, hepatocyte_fit.csv (every point: measurement, both models, sigma) and
hepatocyte_fit.md (the fit table: objective, chi2 with a common sd, per observable, both models).
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

from alk5_pysb.calibration import hepatocyte  # noqa: E402
from alk5_pysb.io import contexts  # noqa: E402
from alk5_pysb.io.files import atomic_path, atomic_write  # noqa: E402

PANELS = [("ppSmad2_pct", "C-terminally phosphorylated Smad2 (% of Smad2)"),
          ("ppSmad3_pct", "C-terminally phosphorylated Smad3 (% of Smad3)"),
          ("SMAD7_mRNA_fold", "SMAD7 mRNA (fold over control)")]


def fit_table(ours: dict, reference: dict) -> pd.DataFrame:
    """Per observable and in total: n, -log L and chi2 (common sd) of both models."""
    rows = []
    for obs, row in ours["per_observable"].iterrows():
        ref = reference["per_observable"].loc[obs]
        rows.append({"observable": obs, "n": int(row["n"]), "nllh_ours": row["nllh"], "nllh_lucarelli": ref["nllh"],
                     "chi2_ours": row["chi2_common_sd"], "chi2_lucarelli": ref["chi2_common_sd"]})
    rows.append({"observable": "total", "n": ours["n_measurements"], "nllh_ours": ours["nllh"],
                 "nllh_lucarelli": reference["nllh"], "chi2_ours": ours["chi2_common_sd"],
                 "chi2_lucarelli": reference["chi2_common_sd"]})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("figures"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    report = json.loads(contexts.folder("hepatocyte").joinpath("report.json").read_text(encoding="utf-8"))
    ours = hepatocyte.model_objective(report["fitted"])
    reference = hepatocyte.reference_objective()
    table = fit_table(ours, reference)
    points = ours["table"][["observableId", "simulationConditionId", "time", "measurement", "simulation", "sigma"]]
    points = points.assign(lucarelli=reference["table"]["simulation"].to_numpy())
    with atomic_path(args.out / "hepatocyte_fit.csv") as tmp:
        points.to_csv(tmp, index=False, float_format="%.6g")
    md = ["| observable | n | -log L ours | -log L Lucarelli 2018 | chi2 ours | chi2 Lucarelli 2018 |", "|---|---|---|---|---|---|"]
    md += [f"| {r.observable} | {r.n} | {r.nllh_ours:.1f} | {r.nllh_lucarelli:.1f} | {r.chi2_ours:.1f} | "
           f"{r.chi2_lucarelli:.1f} |" for r in table.itertuples()]
    atomic_write(args.out / "hepatocyte_fit.md", "\n".join(md) + "\n")

    grid = np.linspace(0.0, float(points["time"].max()), int(points["time"].max() // 2) + 1)
    curves = hepatocyte.model_simulation(report["fitted"], times=grid)
    curves["lucarelli"] = hepatocyte.reference_simulation(times=grid)["simulation"].to_numpy()
    fig, axes = plt.subplots(1, 4, figsize=(17, 4.2))
    colors = {"TGFB1_0pM": "0.5", "TGFB1_4pM": "tab:orange", "TGFB1_40pM": "tab:blue"}
    for ax, (obs, title) in zip(axes[:3], PANELS):
        sub = points[points["observableId"] == obs]
        for cond, rows in sub.groupby("simulationConditionId"):
            if rows["time"].nunique() < 3:
                continue
            mean = curves[(curves["observableId"] == obs) & (curves["simulationConditionId"] == cond)]
            mean = mean.groupby("time")[["simulation", "lucarelli"]].mean()
            ax.plot(rows["time"], rows["measurement"], "o", color=colors.get(cond, "k"), ms=4, alpha=0.6,
                    label=f"data {cond.split('_')[1]}")
            ax.plot(mean.index, mean["simulation"], "-", color=colors.get(cond, "k"), label="this model (fitted)")
            ax.plot(mean.index, mean["lucarelli"], "--", color=colors.get(cond, "k"), label="Lucarelli 2018 model")
        ax.set_xlabel("time after TGF-beta1 (min)")
        ax.set_title(title, fontsize=9)
        if obs == "SMAD7_mRNA_fold":
            ax.set_yscale("log")
        ax.legend(fontsize=7)
    ax = axes[3]
    at60 = points[(points["time"] == 60.0) & points["observableId"].isin(["ppSmad2_pct", "ppSmad3_pct"])]
    dose = at60["simulationConditionId"].str.extract(r"_(\d+)pM")[0].astype(float)
    for obs, marker in (("ppSmad2_pct", "o"), ("ppSmad3_pct", "s")):
        mask = at60["observableId"] == obs
        x = dose[mask].clip(lower=0.4)               # 0 pM drawn at 0.4 on the log axis
        ax.plot(x, at60.loc[mask, "measurement"], marker, color="k", alpha=0.5, label=f"data {obs.split('_')[0]}")
        order = x.sort_values().index
        ax.plot(x[order], at60.loc[order, "simulation"], "-", label=f"this model {obs.split('_')[0]}")
        ax.plot(x[order], at60.loc[order, "lucarelli"], "--", label=f"Lucarelli {obs.split('_')[0]}")
    ax.set_xscale("log")
    ax.set_xlabel("TGF-beta1 (pM; 0 drawn at 0.4)")
    ax.set_title("60 min dose response (% phosphorylated)", fontsize=9)
    ax.legend(fontsize=7)
    total = table.iloc[-1]
    fig.suptitle(f"Primary mouse hepatocytes (Lucarelli et al. 2018, {int(total.n)} points): this model fitted "
                 f"(-log L {total.nllh_ours:.0f}, chi2 {total.chi2_ours:.0f}) vs the published model "
                 f"(-log L {total.nllh_lucarelli:.0f}, chi2 {total.chi2_lucarelli:.0f})", fontsize=10)
    fig.tight_layout()
    for ext in ("png", "svg"):
        with atomic_path(args.out / f"hepatocyte_fit.{ext}") as tmp:
            # no date or software version in the file: regenerating it leaves git clean
            fig.savefig(tmp, dpi=110, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
    print(f"hepatocyte fit figure and table in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
