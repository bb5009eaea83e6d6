"""Fibroblast context (issue 18): the myofibroblast and matrix outputs, and galunisertib over 28 days.

Called by ``make figures`` as ``python scripts/figure_fibrosis.py --out figures/``. Two figures:

``fibrosis_timecourses.png``  the fibroblast context (fibrosis network) over 7 days of 100 pM TGF-beta1 with
    fresh medium every 48 h (as the F behaviours run "continuous"): alpha-SMA, COL1A1 and FN1 mRNA, collagen
    secretion and deposited collagen, latent and active TGF-beta1, with 10 uM SB-431542 from the start
    (prevention) and from 48 h (reversal), and a single 30-min pulse.
``fibrosis_regimen.png``  established fibrosis: cells at steady state under 100 pM TGF-beta1 held constant
    (a tissue with a steady supply), galunisertib 150 mg twice daily for 28 days continuously or 14 days on /
    14 off, from day 0. Deposited collagen and alpha-SMA as % reduction against the untreated steady state
    (no drug = 0%), median and 90% band over ``--members`` members of the fibroblast ensemble
    (``uncertainty.fibroblast_members``: upstream constants constrained by B1-B25, the fibrosis block's and
    ACTA2's by F1, F2, F5, F6, F8, F9, F10), and PK draws from the PK table.
Writes the figures (.png/.svg), fibrosis_timecourses.csv, fibrosis_regimen_bands.csv and
fibrosis_regimen.json (schedules, members, failures, day-28 bands).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import pandas as pd  # noqa: E402

from alk5_pysb.analysis import uncertainty  # noqa: E402
from alk5_pysb.analysis.regimen import regimen_ensemble  # noqa: E402
from alk5_pysb.analysis.validation_fibrosis import feeding  # noqa: E402
from alk5_pysb.io import contexts  # noqa: E402
from alk5_pysb.io.files import atomic_path, atomic_write, rounded  # noqa: E402
from alk5_pysb.pharmacology.compounds import get_compound  # noqa: E402
from alk5_pysb.pharmacology.pk import Regimen  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment  # noqa: E402
from alk5_pysb.simulation.simulator import Simulator  # noqa: E402

READOUTS = ["alpha_SMA", "COL1A1_mRNA", "FN1_mRNA", "collagen_secretion", "collagen_deposited", "latent_TGFB1",
            "free_ligand", "pSmad2"]
SCHEDULES = {"continuous 28 d": Regimen(150.0, 12.0, 28.0, 0.0, 1), "14 d on / 14 d off": Regimen(150.0, 12.0, 14.0, 14.0, 1)}
REGIMEN_READOUTS = ["collagen_deposited", "alpha_SMA", "pSmad2"]


def timecourses(sim) -> pd.DataFrame:
    values = contexts.load("fibroblast")
    sb = dict(compound=get_compound("SB-431542"), inhibitor_nM=10_000.0)
    fed = dict(dose_pM=100.0, t_end_min=10080, n_points=673, **feeding(10080))
    arms = {"no TGF-beta1": Experiment(dose_pM=0.0, t_end_min=10080, n_points=673),
            "100 pM TGF-beta1, fed every 48 h": Experiment(**fed),
            "+ SB-431542 from the start": Experiment(**fed, pretreat_min=60.0, **sb),
            "+ SB-431542 from 48 h": Experiment(**fed, inhibitor_at_min=2880.0, **sb),
            "one 30-min pulse": Experiment(dose_pM=100.0, t_end_min=10080, n_points=673, washout_min=30.0)}
    frames = [sim.run(e, readouts=READOUTS, context=values).assign(arm=arm) for arm, e in arms.items()]
    return pd.concat(frames, ignore_index=True)


def plot_timecourses(frame: pd.DataFrame, out: Path):
    panels = [("alpha_SMA", "alpha-SMA (molecules/cell)"), ("COL1A1_mRNA", "COL1A1 mRNA (copies/cell)"),
              ("FN1_mRNA", "FN1 mRNA (copies/cell)"), ("collagen_secretion", "collagen secretion (/cell/min)"),
              ("collagen_deposited", "deposited collagen (chains/cell)"), ("latent_TGFB1", "latent TGF-beta1 (pM)"),
              ("free_ligand", "active TGF-beta1 in medium (pM)"), ("pSmad2", "pSmad2 (molecules/cell)")]
    fig, axes = plt.subplots(2, 4, figsize=(15, 6.5))
    for ax, (col, label) in zip(axes.flat, panels):
        for i, (arm, grp) in enumerate(frame.groupby("arm", sort=False)):
            ax.plot(grp["time_min"] / 1440, grp[col], color=f"C{i}", lw=1.1, label=arm)
        ax.set(xlabel="time (days)", ylabel=label)
        if col == "free_ligand":
            ax.set_yscale("log")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle("Fibroblast context (fibrosis network): 100 pM TGF-beta1 over 7 days, fresh medium every 48 h; "
                 "10 uM SB-431542 before or from 48 h; one 30-min pulse", fontsize=10)
    fig.tight_layout()
    for ext in ("png", "svg"):
        with atomic_path(out / f"fibrosis_timecourses.{ext}") as tmp:
            fig.savefig(tmp, dpi=120, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
    plt.close(fig)


def members(n: int, seed: int) -> tuple[pd.DataFrame, str]:
    return uncertainty.fibroblast_members(n, seed)


def regimen_bands(n: int, seed: int, workers: int | None):
    ens, what = members(n, seed)
    values = contexts.load("fibroblast")
    bands, summary = {}, {"members": what, "failed": {}, "day28": {}}
    with tempfile.TemporaryDirectory(prefix="alk5-fibrosis-") as scratch:
        for label, regimen in SCHEDULES.items():
            result = regimen_ensemble("galunisertib", regimen, 100.0, REGIMEN_READOUTS, ens, Path(scratch) / label,
                                      seed=seed, washout_days=0.0, workers=workers, network="fibrosis",
                                      values=values, plot=False)
            bands[label] = result["bands"]
            summary["failed"][label] = result["failed"]
            last = result["bands"].iloc[-1]
            summary["day28"][label] = {r: {"median_pct": float(last[f"{r}_inhibition_pct"]),
                                           "q05": float(last[f"{r}_q05"]), "q95": float(last[f"{r}_q95"])}
                                       for r in REGIMEN_READOUTS}
    return bands, summary


def plot_regimen(bands: dict, summary: dict, out: Path):
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    titles = {"collagen_deposited": "deposited collagen", "alpha_SMA": "alpha-SMA", "pSmad2": "pSmad2"}
    for ax, r in zip(axes, REGIMEN_READOUTS):
        ax.axhline(0, color="0.4", lw=0.8, label="no drug")
        for i, (label, b) in enumerate(bands.items()):
            days = b["time_h"] / 24
            ax.fill_between(days, b[f"{r}_q05"], b[f"{r}_q95"], color=f"C{i}", alpha=0.2)
            ax.plot(days, b[f"{r}_inhibition_pct"], color=f"C{i}", lw=0.9, label=label)
        ax.set(xlabel="time (days)", ylabel="reduction vs untreated fibrotic steady state (%)", title=titles[r])
    axes[0].legend(fontsize=8)
    fig.suptitle("Galunisertib 150 mg twice daily in established fibrosis (fibroblast context, 100 pM TGF-beta1 held "
                 f"constant): median and 90% band; {summary['members']}", fontsize=8.5)
    fig.tight_layout()
    for ext in ("png", "svg"):
        with atomic_path(out / f"fibrosis_regimen.{ext}") as tmp:
            fig.savefig(tmp, dpi=120, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures", help="output folder (default figures/)")
    parser.add_argument("--members", type=int, default=32, help="ensemble members of the regimen figure (default 32)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    sim = Simulator(network="fibrosis")
    frame = timecourses(sim)
    atomic_write(out / "fibrosis_timecourses.csv", frame.to_csv(index=False, float_format="%.6g"))
    plot_timecourses(frame, out)
    bands, summary = regimen_bands(args.members, args.seed, args.workers)
    long = pd.concat([b.assign(schedule=label) for label, b in bands.items()], ignore_index=True)
    atomic_write(out / "fibrosis_regimen_bands.csv", long.to_csv(index=False, float_format="%.5g"))
    atomic_write(out / "fibrosis_regimen.json", json.dumps(rounded(summary), indent=2, default=float) + "\n")
    plot_regimen(bands, summary, out)
    for label, day28 in summary["day28"].items():
        print(f"{label}: day 28 " + ", ".join(f"{r} -{v['median_pct']:.0f}% ({v['q05']:.0f} to {v['q95']:.0f})"
                                              for r, v in day28.items()))
    print(f"-> {out / 'fibrosis_timecourses.png'}, {out / 'fibrosis_regimen.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
