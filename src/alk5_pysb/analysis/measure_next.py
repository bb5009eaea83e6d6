"""What to measure next: which constants the headline predictions rest on (issue 17, item 5).

One Latin hypercube ensemble from the parameter ranges (``uncertainty.draw``) runs every headline
prediction on the scan engine; each prediction's spread is then attributed to the constants by
first-order sensitivity indices from RBD-FAST (SALib, Plischke 2010: a given-data estimator, so one
ensemble serves every prediction and every one of the ~150 uncertain constants; Saltelli total-order
indices would need N x (D + 2) runs per prediction, ~40,000 at D = 150). The indices come with SALib's
bootstrap intervals and are summed per evidence class. Each ranked constant is paired with the
experiment that would measure it (``data/measurements.csv``).

The ensemble is the prior, not the literature-constrained one (none is accepted yet, see
constrained.py): the ranking says where the present uncertainty comes from.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis import uncertainty
from alk5_pysb.analysis.dose_response import EngineOptions, dose_response, inhibition
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write, make_folder
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.metrics import parse_metrics

PREDICTIONS = {
    "pSmad2 EC50 at 45 min (pM)": "log10",
    "pSmad2 EC50 at 8 h (pM)": "log10",
    "PAI-1 mRNA fold at 8 h (100 pM)": "log10",
    "SB-431542 pSmad2 IC50 (nM; 60 min, 100 pM)": "log10",
    "galunisertib pSmad2 IC50 (nM; 60 min, 100 pM)": "log10",
    "ALK5 lost at 24 h (fraction, 100 pM)": "linear",
}
NOT_COMPUTED = {"galunisertib trough inhibition at 150 mg twice daily":
                "needs the regimen model per member (~5 s each); next run"}


@lru_cache(maxsize=1)
def experiments_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/measurements.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh)


def experiment_for(name: str) -> str:
    for row in experiments_table().itertuples():
        if re.search(row.pattern, name):
            return row.experiment
    return ""


def predictions(sim, members: pd.DataFrame, engine: EngineOptions) -> pd.DataFrame:
    """Every headline prediction per member (member x prediction; NaN where a fit or run failed)."""
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.engine import run_scan
    import tempfile
    out = pd.DataFrame({"member": members["member"]}).set_index("member")
    dr = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min,at:8h"))
    _, fits = dose_response(sim, dr, np.logspace(-1, 4, 11), members=members, engine=engine)
    for metric, label in (("at:45min", "pSmad2 EC50 at 45 min (pM)"), ("at:8h", "pSmad2 EC50 at 8 h (pM)")):
        out[label] = fits[fits["metric"] == metric].set_index("member")["ec50"]
    inh = Experiment(dose_pM=100.0, readouts=["pSmad2"], metrics=parse_metrics("at:60min"), pretreat_min=60.0)
    compounds = [get_compound("SB-431542"), get_compound("galunisertib")]
    _, ifits = inhibition(sim, inh, compounds, np.logspace(-1, 5, 13), members=members, engine=engine)
    for name, label in (("SB-431542", "SB-431542 pSmad2 IC50 (nM; 60 min, 100 pM)"),
                        ("galunisertib", "galunisertib pSmad2 IC50 (nM; 60 min, 100 pM)")):
        out[label] = ifits[ifits["compound"] == name].set_index("member")["ic50"]
    step = Experiment(dose_pM=100.0, readouts=["PAI1_mRNA", "total_TBRI"], metrics=parse_metrics("at:0min,at:8h,at:24h"))
    conditions = members.copy()
    conditions.insert(0, "condition_id", np.arange(len(conditions)))
    with tempfile.TemporaryDirectory(prefix="alk5-next-") as scratch:
        wide = run_scan(sim, step, conditions, Path(scratch) / "scan", executor=engine.executor,
                        workers=engine.workers, scheduler=engine.scheduler, progress=True)
    wide = wide.set_index("member")
    out["PAI-1 mRNA fold at 8 h (100 pM)"] = wide["PAI1_mRNA@at:8h"] / wide["PAI1_mRNA@at:0min"]
    out["ALK5 lost at 24 h (fraction, 100 pM)"] = 1 - wide["total_TBRI@at:24h"] / wide["total_TBRI@at:0min"]
    return out.reset_index()


def attribute(members: pd.DataFrame, values: pd.DataFrame, table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """RBD-FAST first-order index of every drawn constant for every prediction, with bootstrap intervals."""
    from SALib.analyze import rbd_fast
    columns = uncertainty.fold_columns(members)
    names = [c.split(":", 1)[1] for c in columns]
    # independent inputs: a tied constant's own draw, not its total fold (which carries its partner's)
    X = np.log(uncertainty.own_folds(members, table)[columns].to_numpy(float))
    problem = {"num_vars": len(names), "names": names,
               "bounds": [[float(x.min()), float(x.max())] for x in X.T]}
    rows = []
    for label, scale in PREDICTIONS.items():
        y = values[label].to_numpy(float)
        ok = np.isfinite(y) & ((y > 0) if scale == "log10" else True)
        if ok.sum() < 64:
            raise UserInputError(f"{label}: only {int(ok.sum())} members gave a value; raise --members")
        yy = np.log10(y[ok]) if scale == "log10" else y[ok]
        si = rbd_fast.analyze(problem, X[ok], yy, seed=seed)
        for j, name in enumerate(names):
            rows.append({"prediction": label, "parameter": name, "evidence": table.loc[name, "evidence"],
                         "S1": float(si["S1"][j]), "S1_conf": float(si["S1_conf"][j]),
                         "members_used": int(ok.sum())})
    frame = pd.DataFrame(rows)
    frame["rank"] = frame.groupby("prediction")["S1"].rank(ascending=False, method="first").astype(int)
    frame["experiment"] = [experiment_for(p) for p in frame["parameter"]]
    return frame.sort_values(["prediction", "rank"]).reset_index(drop=True)


#: an index is read as informative when its bootstrap interval excludes the noise floor of RBD-FAST
def informative(frame: pd.DataFrame) -> pd.Series:
    return frame["S1"] - frame["S1_conf"] > 0.02


def run(sim, n: int, seed: int, out, engine: EngineOptions, top: int = 5) -> dict:
    out = make_folder(Path(out))
    table = uncertainty.prior()
    members = uncertainty.draw(n, seed, table)
    keep = [c for c in uncertainty.fold_columns(members) if c.split(":", 1)[1] in sim.table_parameters]
    members = members[["member", *keep]]
    values = predictions(sim, members, engine)
    atomic_write(out / "members.csv", members.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "predictions.csv", values.to_csv(index=False, float_format="%.6g"))
    ranking = attribute(members, values, table, seed)
    atomic_write(out / "ranking.csv", ranking.to_csv(index=False, float_format="%.4g"))
    by_class = (ranking.groupby(["prediction", "evidence"])["S1"].sum().unstack(fill_value=0.0)
                .reindex(columns=["measured", "model", "derived", "fitted", "assumed"], fill_value=0.0))
    atomic_write(out / "by_evidence.csv", by_class.to_csv(float_format="%.3g"))
    bands = {label: uncertainty.band(values[label]) for label in PREDICTIONS}
    lines = ["| prediction | median (90% band) | constants to measure (S1 ± 95% CI, evidence) | experiment for the first |",
             "|---|---|---|---|"]
    for label in PREDICTIONS:
        b = bands[label]
        best = ranking[(ranking["prediction"] == label)].head(top)
        shown = best[informative(best)]
        names = "; ".join(f"{r.parameter} {r.S1:.2f} ± {r.S1_conf:.2f} ({r.evidence})" for r in shown.itertuples()) \
            or "none stands out (every S1 within noise: the spread is shared by many constants)"
        first = shown["experiment"].iloc[0] if len(shown) else ""
        lines.append(f"| {label} | {b['median']:.3g} ({b['q05']:.3g}-{b['q95']:.3g}; {b['n']} members) | {names} | {first} |")
    for label, why in NOT_COMPUTED.items():
        lines.append(f"| {label} | not computed: {why} | | |")
    markdown = "\n".join(lines) + "\n"
    atomic_write(out / "measure_next.md", markdown)
    summary = {"members": n, "seed": seed, "bands": bands, "not_computed": NOT_COMPUTED,
               "method": "RBD-FAST first-order indices (SALib) on one Latin hypercube prior ensemble"}
    uncertainty.write_summary(out / "summary.json", summary)
    return {"markdown": markdown, "ranking": ranking, "bands": bands, "by_class": by_class}
