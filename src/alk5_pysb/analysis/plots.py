"""Figures for the sensitivity and population commands (PNG + SVG beside their CSVs)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from alk5_pysb.io.files import atomic_path


def panel_grid(n: int, height: float, width: float = 3.3, cols: int = 4):
    """A figure with one panel per item (``n``), at most ``cols`` per row; unused panels hidden."""
    import math
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    cols = min(cols, max(n, 1))
    rows = max(1, math.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


def save_figure(fig, stem: Path):
    """PNG and SVG of ``fig`` at ``stem`` (atomic), with no date or software stamp: reruns leave them unchanged."""
    _save(fig, stem)


def _save(fig, stem: Path):
    import matplotlib.pyplot as plt
    plt.rcParams["svg.hashsalt"] = "alk5-pysb"     # fixed SVG ids: reproducible files
    plt.rcParams["svg.fonttype"] = "none"          # text as text: glyph outlines vary by font file and run
    for ext in ("png", "svg"):
        with atomic_path(stem.with_suffix(f".{ext}")) as tmp:
            fig.savefig(tmp, dpi=150, format=ext, metadata={"Date": None} if ext == "svg" else {"Software": None})
    plt.close(fig)


def sobol_figure(indices, stem: Path, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    outputs = list(dict.fromkeys(indices["output"]))
    fig, axes = plt.subplots(1, len(outputs), figsize=(5 * len(outputs), 4.5), squeeze=False)
    for ax, output in zip(axes[0], outputs):
        sub = indices[indices["output"] == output].sort_values("ST")
        y = np.arange(len(sub))
        ax.barh(y + 0.2, sub["ST"], 0.4, xerr=sub["ST_conf"], label="total (ST)", color="tab:blue")
        ax.barh(y - 0.2, sub["S1"], 0.4, xerr=sub["S1_conf"], label="first order (S1)", color="tab:orange")
        ax.set_yticks(y, sub["parameter"])
        ax.set_xlabel("Sobol index")
        ax.set_title(output)
        ax.axvline(0, color="k", lw=0.5)
    axes[0][0].legend(loc="lower right", fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, stem)


def ligand_population_figure(results, fractions, columns, stem: Path, title: str):
    """Per output: median, 5-95% band and responder fractions against the ligand dose (top), and each dose's
    distribution over cells (bottom: bimodal at intermediate doses when cells split)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(columns), figsize=(max(7.0, 4.8 * len(columns)), 7), squeeze=False)
    doses = fractions["ligand_dose_pM"]
    cmap = plt.get_cmap("viridis")
    for j, column in enumerate(columns):
        ax = axes[0][j]
        ax.fill_between(doses, fractions[f"{column} q05"], fractions[f"{column} q95"], alpha=0.2, color="tab:blue")
        ax.plot(doses, fractions[f"{column} median"], "-o", ms=3, color="tab:blue", label="median, 5-95% of cells")
        ax.set_xscale("log")
        ax.set_xlabel("ligand dose (pM)")
        ax.set_ylabel(column)
        keys = [k for k in fractions.columns if k.startswith(f"fraction {column}")]
        twin = ax.twinx() if keys else None
        for key in keys:
            twin.plot(doses, fractions[key], "--s", ms=3, color="tab:red", label=key.removeprefix("fraction "))
            twin.set_ylabel("fraction of cells", color="tab:red")
            twin.set_ylim(-0.02, 1.02)
            twin.legend(frameon=False, fontsize=7, loc="lower right")
        ax.legend(frameon=False, fontsize=7, loc="upper left")
        bins = np.linspace(float(results[column].min()), float(results[column].max()) or 1.0, 30)
        for i, (dose, grp) in enumerate(results.groupby("ligand_dose")):
            axes[1][j].hist(grp[column], bins=bins, histtype="step", color=cmap(i / max(1, len(doses) - 1)),
                            label=f"{dose:g} pM")
        axes[1][j].set_xlabel(column)
        axes[1][j].set_ylabel("cells")
        axes[1][j].legend(frameon=False, fontsize=6, ncol=2)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, stem)


def population_figure(summary, columns, stem: Path, title: str):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, len(columns), figsize=(max(7.0, 4.5 * len(columns)), 7), squeeze=False)
    for j, column in enumerate(columns):
        axes[0][j].hist(summary[column], bins=25, color="tab:blue")
        axes[0][j].set_xlabel(f"{column} (untreated, molecule/cell)")
        axes[0][j].set_ylabel("cells")
        ic50 = summary.get(f"IC50_nM {column}")
        if ic50 is not None and np.isfinite(ic50).any():
            values = ic50[np.isfinite(ic50)]
            axes[1][j].hist(np.log10(values), bins=25, color="tab:red")
            axes[1][j].set_xlabel(f"log10 IC50 (nM), {column}")
            axes[1][j].set_title(f"median {np.median(values):.3g} nM, {len(values)}/{len(ic50)} cells inhibited",
                                 fontsize=9)
        else:
            axes[1][j].text(0.5, 0.5, "no cell reached 50% inhibition", ha="center", transform=axes[1][j].transAxes)
        axes[1][j].set_ylabel("cells")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    _save(fig, stem)


def attribution_figure(ranking, stem: Path, title: str, top: int = 8):
    """Total-order Sobol index (± bootstrap 95% CI) of the ``top`` factors of each number (``ranking`` as
    ``measure_next.total_order`` returns it), one panel per number."""
    numbers = list(dict.fromkeys(ranking["prediction"]))
    fig, axes = panel_grid(len(numbers), 3.2, width=4.2, cols=3)
    for ax, number in zip(axes.flat, numbers):
        sub = ranking[ranking["prediction"] == number].head(top).iloc[::-1]
        y = np.arange(len(sub))
        ax.barh(y, sub["ST"], xerr=sub["ST_conf"], color="tab:blue")
        ax.set_yticks(y, sub["factor"], fontsize=7)
        ax.set_xlabel("total-order Sobol index (ST)")
        ax.set_title(number, fontsize=8)
        ax.axvline(0, color="k", lw=0.5)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    _save(fig, stem)
