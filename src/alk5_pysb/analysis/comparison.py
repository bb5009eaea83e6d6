"""One table of all library compounds: reported cellular potencies vs the model's, on each compound's own assay.

Each compound's cellular value is compared on the readout and time its assay declares in ``data/potency.csv``
(a pSmad assay: pSmad2; a transcriptional reporter: PAI-1 mRNA), at the declared ligand dose and
pre-treatment, before any simulation. The fold error is model/reported; the geometric-mean fold error
(GMFE = 10^mean|log10 fold|) is given over verified values (``yes``), over verified and secondary ones, and
over all. A parity figure (log-log, 3x band) is written next to the table.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis.dose_response import EngineOptions, inhibition, remove_outputs
from alk5_pysb.io.files import atomic_write, rounded
from alk5_pysb.io.units import parse_concentration, parse_dose_grid
from alk5_pysb.pharmacology.compounds import declared_assay, get_compound, library, simulable_compounds
from alk5_pysb.simulation.experiment import Experiment, schedule
from alk5_pysb.simulation.metrics import parse_metrics

FLAG_SETS = {"verified": ("yes",), "verified_or_secondary": ("yes", "secondary"), "all": ("yes", "secondary", "no")}


def gmfe(folds) -> float:
    folds = np.asarray([f for f in folds if np.isfinite(f) and f > 0], dtype=float)
    return float(10 ** np.mean(np.abs(np.log10(folds)))) if len(folds) else math.nan


def compare_compounds(sim, readouts=("pSmad2", "ERK_active", "p38_active"), doses="0.1nM:100uM:19",
                      ligand_dose="100pM", protocol="pretreat:60min", metric="at:60min", out=None,
                      resume=False, engine: EngineOptions | None = None, members: pd.DataFrame | None = None
                      ) -> pd.DataFrame:
    """Run every compound with a potency on the requested readouts and on its declared assay; write raw rows
    to ``<out>.data.csv`` as they come, the table to ``out``, ``<out>.summary.json`` (GMFE) and
    ``<out>.parity.png``. Compounds without public potency are listed, not simulated. With ``members`` (an
    ensemble) every IC50 is the median over the members, with its 90% band (``_q05``, ``_q95`` columns), every
    member's fit in ``<out>.member_fits.csv`` and the band of each GMFE in the summary."""
    grid = parse_dose_grid(doses, to="nM", molar_mass_kDa=None, what="--doses")
    ligand_pM = parse_concentration(ligand_dose, to="pM", what="--ligand-dose")
    lib = library()
    simulated = [get_compound(name) for name in lib.index if name in simulable_compounds()]
    declared = {c.name: declared_assay(lib.loc[c.name]) for c in simulated}
    data_path = Path(out).with_name(Path(out).stem + ".data.csv") if out else None
    if data_path is not None and not resume:
        remove_outputs(data_path)
    # the requested readouts, and every declared assay, grouped by ligand dose and pre-treatment (one scan each)
    general = Experiment(ligand="TGFB1", dose_pM=ligand_pM, readouts=list(readouts), metrics=parse_metrics(metric),
                         **schedule(protocol))
    groups = {("general", ligand_pM, general.pretreat_min): (general, simulated)}
    for c in simulated:
        d = declared[c.name]
        if d is None:
            continue
        key = ("declared", d["dose_pM"], d["pretreat_min"])
        experiment, listed = groups.get(key, (None, []))
        metrics = sorted({m.text for m in (experiment.metrics if experiment else [])} | {d["metric"]})
        names = sorted(set(experiment.readouts if experiment else []) | {d["readout"]})
        experiment = Experiment(ligand="TGFB1", dose_pM=d["dose_pM"], readouts=names,
                                metrics=parse_metrics(",".join(metrics)), pretreat_min=d["pretreat_min"])
        groups[key] = (experiment, listed + [c])
    fits_by_group = {}
    paths = [data_path if i == 0 or data_path is None else data_path.with_name(f"{data_path.stem}.{i}.csv")
             for i in range(len(groups))]
    if data_path is not None and not resume:
        for path in paths[1:]:
            remove_outputs(path)
    for path, (key, (experiment, compounds)) in zip(paths, groups.items()):
        _, fits = inhibition(sim, experiment, compounds, grid, out=path, resume=resume, engine=engine,
                             members=members)
        fits_by_group[key] = fits
    rows, per_member = [], {}
    for name in lib.index:
        entry = lib.loc[name]
        row = {"compound": name, "alk5_input_nM": entry.get("alk5_ic50_nM"), "alk5_assay_class": entry.get("alk5_assay_class"),
               "alk5_verified": entry.get("alk5_verified"), "tbrii_ic50_nM": entry.get("tbrii_ic50_nM"),
               "alk4_ic50_nM": entry.get("alk4_ic50_nM"), "alk7_ic50_nM": entry.get("alk7_ic50_nM"),
               "reported_cell_ic50_nM": entry.get("cell_ic50_nM"), "cell_assay": entry.get("cell_assay"),
               "cell_verified": entry.get("cell_verified")}
        if name not in simulable_compounds():
            row["note"] = ("no cell-free ALK5 potency: not simulated" if math.isfinite(entry.get("cell_ic50_nM"))
                           else "no public potency: not simulated (supply one with --ki or --compound-file)")
            rows.append(row)
            continue
        compound = get_compound(name)
        row.update({"ki_nM": compound.ki_nM, "model_kd_cell_nM": compound.kd_cell_nM,
                    "residence_time_min": compound.residence_time_min})
        general_fits = fits_by_group[("general", ligand_pM, general.pretreat_min)]
        mine = general_fits[general_fits["compound"] == name]
        for (readout, metric), f in mine.groupby(["readout", "metric"], sort=False):
            row.update(_ic50(f, f"model_ic50_{readout}_{metric}_nM"))
        d = declared[name]
        if d is not None:
            fits = fits_by_group[("declared", d["dose_pM"], d["pretreat_min"])]
            hit = fits[(fits["compound"] == name) & (fits["readout"] == d["readout"]) & (fits["metric"] == d["metric"])]
            row["declared_readout"] = f"{d['readout']} {d['metric']}"
            row.update(_ic50(hit, "model_cell_ic50_nM"))
            row["fold_error"] = row["model_cell_ic50_nM"] / float(entry["cell_ic50_nM"])
            if members is not None:
                per_member[name] = hit.set_index("member")["ic50"].where(hit.set_index("member")["converged"]) \
                    / float(entry["cell_ic50_nM"])
        rows.append(row)
    table = pd.DataFrame(rows)
    if out is not None:
        atomic_write(out, table.to_csv(index=False, float_format="%.4g"))
        summary = summarise(table)
        if members is not None:
            every = pd.concat([f.assign(group=str(k[0])) for k, f in fits_by_group.items()], ignore_index=True)
            atomic_write(Path(out).with_name(Path(out).stem + ".member_fits.csv"),
                         every.to_csv(index=False, float_format="%.5g"))
            summary["ensemble"] = _gmfe_bands(table, pd.DataFrame(per_member), len(members))
        atomic_write(Path(out).with_name(Path(out).stem + ".summary.json"), json.dumps(rounded(summary), indent=2) + "\n")
        parity_figure(table, Path(out).with_name(Path(out).stem + ".parity.png"), summary)
    return table


def _ic50(fits: pd.DataFrame, column: str) -> dict:
    """The IC50 of one compound, readout and metric: the fit's value, or over an ensemble the median over the
    members whose fit converged with its 90% band."""
    if not len(fits):
        return {column: math.nan}
    values = fits["ic50"].where(fits["converged"].astype(bool))
    if "member" not in fits:
        return {column: float(values.iloc[0])}
    from alk5_pysb.analysis.uncertainty import band
    b = band(values)
    return {column: b["median"], column.replace("_nM", "_q05_nM"): b["q05"], column.replace("_nM", "_q95_nM"): b["q95"],
            column.replace("_nM", "_members"): b["n"]}


def _gmfe_bands(table: pd.DataFrame, fold_errors: pd.DataFrame, n_members: int) -> dict:
    """Each GMFE recomputed per member (its fold errors on the declared readouts) and given as a band."""
    from alk5_pysb.analysis.uncertainty import band
    out = {"members": n_members}
    for label, flags in FLAG_SETS.items():
        chosen = [c for c in table.loc[table["cell_verified"].isin(flags), "compound"] if c in fold_errors]
        per_member = [gmfe(fold_errors.loc[m, chosen]) for m in fold_errors.index] if chosen else []
        out[f"gmfe_{label}"] = band(per_member)
    return out


def summarise(table: pd.DataFrame) -> dict:
    from alk5_pysb.pharmacology.compounds import pharmacology_table
    compared = table[table.get("fold_error", pd.Series(dtype=float)).notna()] if "fold_error" in table else table.iloc[:0]
    out = {}
    for label, flags in FLAG_SETS.items():
        chosen = compared[compared["cell_verified"].isin(flags)]
        out[f"gmfe_{label}"] = gmfe(chosen["fold_error"])
        out[f"n_{label}"] = int(len(chosen))
        out[f"compounds_{label}"] = list(chosen["compound"])
    # the fit of the residual factor used the verified/secondary values: the others test it out of sample
    from alk5_pysb.calibration.potency import fitted_compounds
    held_out = compared[~compared["compound"].isin(fitted_compounds())]
    out["gmfe_not_used_in_fit"] = gmfe(held_out["fold_error"])
    out["n_not_used_in_fit"] = int(len(held_out))
    out["compounds_not_used_in_fit"] = list(held_out["compound"])
    residual = pharmacology_table().loc["Kd_residual_factor"]
    out["Kd_residual_factor"] = float(residual["value"])
    out["Kd_residual_factor_source"] = str(residual["source"])
    return out


def parity_figure(table: pd.DataFrame, path: Path, summary: dict):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    compared = table[table["fold_error"].notna()] if "fold_error" in table else table.iloc[:0]
    fig, ax = plt.subplots(figsize=(5.6, 5.2))
    values = pd.concat([compared["reported_cell_ic50_nM"], compared["model_cell_ic50_nM"]]).astype(float)
    values = values[np.isfinite(values) & (values > 0)]
    lo = 10 ** np.floor(np.log10(values.min() / 3)) if len(values) else 1.0
    hi = 10 ** np.ceil(np.log10(values.max() * 3)) if len(values) else 1e5
    xs = np.logspace(np.log10(lo), np.log10(hi), 50)
    ax.fill_between(xs, xs / 3, xs * 3, color="0.9", label="within 3x")
    ax.plot(xs, xs, color="0.5", lw=0.8)
    styles = {"yes": ("o", "C2", "verified"), "secondary": ("s", "C0", "read in a secondary source"),
              "no": ("^", "C3", "not verified")}
    for flag, (marker, colour, label) in styles.items():
        part = compared[compared["cell_verified"] == flag]
        ax.scatter(part["reported_cell_ic50_nM"], part["model_cell_ic50_nM"], marker=marker, color=colour, label=label,
                   zorder=3)
        for _, r in part.iterrows():
            ax.annotate(f"{r['compound']}\n({r['declared_readout']})", (r["reported_cell_ic50_nM"], r["model_cell_ic50_nM"]),
                        fontsize=6, xytext=(4, 2), textcoords="offset points")
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), xlabel="reported cellular IC50 (nM)",
           ylabel="model IC50 on the declared readout (nM)",
           title=f"GMFE {summary['gmfe_verified']:.2g} (verified, n = {summary['n_verified']}), "
                 f"{summary['gmfe_verified_or_secondary']:.2g} (+ secondary), {summary['gmfe_all']:.2g} (all), "
                 f"{summary['gmfe_not_used_in_fit']:.2g} (not used in the fit)\n"
                 f"Kd_cell = Cheng-Prusoff Kd x {summary['Kd_residual_factor']:.3g} (fitted)")
    ax.title.set_fontsize(8)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
