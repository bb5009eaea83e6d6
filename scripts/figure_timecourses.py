"""Standard TGF-beta1 time courses: 5 doses, untreated vs. ALK5-inhibitor pre-treatment.

Called by ``make figures`` as ``python scripts/figure_timecourses.py --out figures/``.

Conditions: TGF-beta1 at 1, 10, 30, 100 and 1000 pM added at t = 0 to resting cells, followed
for 24 h; each dose once untreated and once pre-treated for 60 min with 10 uM of the model's
ALK5 kinase inhibitor (default parameters: SB-431542, cellular Kd 20.8 nM as for `--compound SB-431542`),
which stays on.

Writes (atomically: temp file + os.replace, so an interrupted run leaves the old files intact):
  timecourses.csv                  tidy table, one row per condition, dose and time point:
                                   condition, dose_pM, inhibitor_nM, pretreat_min, time_min,
                                   then every readout of data/readouts.csv (units there;
                                   time_min < 0 is the pre-treatment phase)
  timecourses_canonical.{png,svg}  receptor / Smad / target-gene readouts
  timecourses_noncanonical.{png,svg}  p38, JNK, ERK, AKT, RhoA
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "alk5-pysb"
plt.rcParams["svg.fonttype"] = "none"    # text as text: no glyph outlines, whose ids and shapes vary by font and run
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from alk5_pysb.io.files import atomic_path  # noqa: E402
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.simulator import Simulator, default_readouts, readout_table  # noqa: E402

LIGAND = "TGFB1"
LIGAND_LABEL = "TGF-\u03b21"
DOSES_PM = (1.0, 10.0, 30.0, 100.0, 1000.0)
INHIBITOR_NAME = "SB-431542"     # the model's default inhibitor (Kd_inhibitor in data/parameters.csv)
INHIBITOR_NM = 10000.0           # 10 uM
PRETREAT_MIN = 60.0
T_END_MIN = 1440.0               # 24 h after ligand addition

#: condition label -> (inhibitor_nM, pretreat_min, line style)
CONDITIONS = {
    "untreated": (0.0, 0.0, "-"),
    "inhibitor_pretreated": (INHIBITOR_NM, PRETREAT_MIN, "--"),
}

CANONICAL_PANELS = [
    "pSmad2", "pSmad3", "nuc_Smad_complex", "receptor_complex",
    "ALK5_active", "total_TBRII", "surface_TBRII", "free_ligand",
    "SMAD7_mRNA", "Smad7", "PAI1_mRNA", "CTGF_mRNA",
    "COL1A1_mRNA", "ACTA2_mRNA",
]
NONCANONICAL_PANELS = ["p38_active", "JNK_active", "ERK_active", "AKT_active", "RhoA_GTP"]


# -- simulation ---------------------------------------------------------------------------------
def simulate(sim: Simulator, readouts: list[str], dt_min: float) -> pd.DataFrame:
    """All dose x condition time courses as one tidy frame (same time grid after t = 0)."""
    frames = []
    for condition, (inhibitor_nM, pretreat_min, _) in CONDITIONS.items():
        n_points = int(round((T_END_MIN + pretreat_min) / dt_min)) + 1
        for dose in DOSES_PM:
            protocol = Experiment(ligand=LIGAND, dose_pM=dose, t_end_min=T_END_MIN, n_points=n_points,
                                inhibitor_nM=inhibitor_nM, pretreat_min=pretreat_min)
            frame = sim.run(protocol, readouts=readouts)
            frame.insert(0, "pretreat_min", pretreat_min)
            frame.insert(0, "inhibitor_nM", inhibitor_nM)
            frame.insert(0, "dose_pM", dose)
            frame.insert(0, "condition", condition)
            frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data["time_min"] = data["time_min"].round(9)   # linspace noise, so time points match across runs
    return data


# -- plotting -----------------------------------------------------------------------------------
def _dose_colours():
    cmap = plt.get_cmap("viridis")
    positions = np.linspace(0.0, 0.85, len(DOSES_PM))   # skip viridis' pale yellow end
    return {dose: cmap(p) for dose, p in zip(DOSES_PM, positions)}


def _panel_label(name: str, units: pd.DataFrame) -> str:
    unit = units.loc[name, "unit"] if name in units.index else ""
    return f"{name.replace('_', ' ')} ({unit})" if unit else name.replace("_", " ")


def plot(data: pd.DataFrame, panels: list[str], title: str, ncols: int = 4):
    units = readout_table()
    colours = _dose_colours()
    n_axes = len(panels) + 1                       # one extra slot for the legend
    nrows = -(-n_axes // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols, 3.0 * nrows), squeeze=False,
                             sharex=True, constrained_layout=True)
    flat = axes.ravel()
    for ax, name in zip(flat, panels):
        for condition, (_, _, style) in CONDITIONS.items():
            for dose in DOSES_PM:
                sel = data[(data["condition"] == condition) & (data["dose_pM"] == dose)]
                ax.plot(sel["time_min"] / 60.0, sel[name], style, color=colours[dose], lw=1.4)
        ax.axvline(0.0, color="0.6", lw=0.7, zorder=0)
        ax.set_title(name, fontsize=10)
        ax.set_ylabel(_panel_label(name, units), fontsize=8)
        ax.tick_params(labelsize=8)
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4))
        ax.yaxis.get_offset_text().set_fontsize(7)
        ax.set_ylim(bottom=0)
        ax.set_xlim(-PRETREAT_MIN / 60.0, T_END_MIN / 60.0)
        ax.set_xticks(np.arange(0, T_END_MIN / 60.0 + 1, 6))
        ax.grid(alpha=0.25, lw=0.5)
    for ax in flat[: len(panels)]:
        ax.xaxis.set_tick_params(labelbottom=True)
    for ax in flat[len(panels) - ncols: len(panels)]:
        ax.set_xlabel("time after ligand addition (h)", fontsize=8)
    for ax in flat[len(panels):]:
        ax.axis("off")

    legend_ax = flat[len(panels)]
    handles = [plt.Line2D([], [], color=colours[d], lw=2, label=f"{d:g} pM") for d in DOSES_PM]
    handles += [plt.Line2D([], [], color="0.3", ls="-", lw=1.4, label="untreated"),
                plt.Line2D([], [], color="0.3", ls="--", lw=1.4,
                           label=f"{INHIBITOR_NAME} {INHIBITOR_NM / 1000:g} \u00b5M,\n"
                                 f"{PRETREAT_MIN:g} min before ligand")]
    legend_ax.legend(handles=handles, title=f"{LIGAND_LABEL} dose", loc="center", fontsize=9,
                     title_fontsize=9, frameon=False)
    fig.suptitle(title, fontsize=12)
    return fig


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("figures"), help="output folder (default: figures/)")
    parser.add_argument("--sbml", default=None, help="SBML file (default: models/alk5.sbml)")
    parser.add_argument("--dt-min", type=float, default=5.0, help="output time step in minutes (default: 5)")
    parser.add_argument("--no-svg", action="store_true", help="write PNG only")
    args = parser.parse_args(argv)
    if not args.dt_min > 0:
        parser.error("--dt-min must be > 0")

    t0 = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    sim = Simulator(args.sbml)
    readouts = default_readouts()
    data = simulate(sim, readouts, args.dt_min)

    written = []
    csv_path = args.out / "timecourses.csv"
    with atomic_path(csv_path) as tmp:
        data.to_csv(tmp, index=False, float_format="%.6g")
    written.append(csv_path)

    inhibitor = f"{INHIBITOR_NAME} {INHIBITOR_NM / 1000:g} \u00b5M pre-treatment ({PRETREAT_MIN:g} min)"
    figures = {
        "timecourses_canonical": (CANONICAL_PANELS,
                                  f"{LIGAND_LABEL}, 0-24 h: Smad pathway, receptors and target genes; "
                                  f"solid untreated, dashed {inhibitor}"),
        "timecourses_noncanonical": (NONCANONICAL_PANELS,
                                     f"{LIGAND_LABEL}, 0-24 h: non-canonical pathways; "
                                     f"solid untreated, dashed {inhibitor}"),
    }
    for stem, (panels, title) in figures.items():
        fig = plot(data, panels, title, ncols=4 if len(panels) > 6 else 3)
        for ext in ("png",) if args.no_svg else ("png", "svg"):
            path = args.out / f"{stem}.{ext}"
            with atomic_path(path) as tmp:
                # no dates, fixed SVG ids: the committed figures only change when the numbers do
                fig.savefig(tmp, dpi=150, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
            written.append(path)
        plt.close(fig)

    n_runs = len(CONDITIONS) * len(DOSES_PM)
    print(f"{LIGAND_LABEL} time courses: {n_runs} runs ({len(DOSES_PM)} doses x {len(CONDITIONS)} conditions), "
          f"{len(data)} rows x {len(readouts)} readouts, {time.perf_counter() - t0:.1f} s")
    for path in written:
        print(f"  wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
