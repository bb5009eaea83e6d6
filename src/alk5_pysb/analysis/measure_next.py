"""What to measure next: which constants the headline predictions rest on (issue 17, item 5).

One Latin hypercube ensemble from the parameter ranges (``uncertainty.draw``) runs every headline
prediction on the scan engine; each prediction's spread is then attributed to the constants by
first-order sensitivity indices from RBD-FAST (SALib, Plischke 2010: a given-data estimator, so one
ensemble serves every prediction and every one of the ~150 uncertain constants; Saltelli total-order
indices would need N x (D + 2) runs per prediction, ~40,000 at D = 150). The indices come with SALib's
bootstrap intervals and are summed per evidence class. Each ranked constant is paired with the
experiment that would measure it (``data/measurements.csv``).

Two designs (``--over``):

- ``prior``: RBD-FAST S1 over a prior Latin hypercube, as above: where the present uncertainty comes from.
- ``accepted``: Sobol total-order indices (Jansen estimator, SALib, bootstrap intervals) over the
  literature-constrained ensemble's marginals: each constant is drawn from the accepted members' own
  folds (its empirical marginal), independently, since Sobol indices need independent inputs, so the
  correlations the behaviours impose between constants are not kept (the band is reported next to the
  accepted ensemble's own). The screened constants (the prior ranking's top ``SCREEN`` per prediction)
  are factors of their own; every other constant enters as one group per evidence class, so
  N x (groups + 2) runs give total-order indices that add the rest of the model up honestly.
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
#: the compounds of the IC50 predictions
COMPOUNDS = ("SB-431542", "galunisertib")
NOT_COMPUTED = {"galunisertib trough inhibition at 150 mg twice daily":
                "not by Sobol here (a regimen run per design point, ~2 s each): `alk5 regimen --ensemble` ranks the PK "
                "draws and the model's constants by Spearman over its members (figures/regimen_ensemble.json)"}


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
    drawn = uncertainty.simulated_columns(members)
    dr = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min,at:8h"))
    _, fits = dose_response(sim, dr, np.logspace(-1, 4, 11), members=drawn, engine=engine)
    for metric, label in (("at:45min", "pSmad2 EC50 at 45 min (pM)"), ("at:8h", "pSmad2 EC50 at 8 h (pM)")):
        out[label] = fits[fits["metric"] == metric].set_index("member")["ec50"]
    inh = Experiment(dose_pM=100.0, readouts=["pSmad2"], metrics=parse_metrics("at:60min"), pretreat_min=60.0)
    compounds = [get_compound(name) for name in COMPOUNDS]
    _, ifits = inhibition(sim, inh, compounds, np.logspace(-1, 5, 13), members=members, engine=engine)
    for name, label in (("SB-431542", "SB-431542 pSmad2 IC50 (nM; 60 min, 100 pM)"),
                        ("galunisertib", "galunisertib pSmad2 IC50 (nM; 60 min, 100 pM)")):
        out[label] = ifits[ifits["compound"] == name].set_index("member")["ic50"]
    step = Experiment(dose_pM=100.0, readouts=["PAI1_mRNA", "total_TBRI"], metrics=parse_metrics("at:0min,at:8h,at:24h"))
    conditions = drawn.copy()
    conditions.insert(0, "condition_id", np.arange(len(conditions)))
    with tempfile.TemporaryDirectory(prefix="alk5-next-") as scratch:
        wide = run_scan(sim, step, conditions, Path(scratch) / "scan", executor=engine.executor,
                        workers=engine.workers, scheduler=engine.scheduler, progress=True)
    wide = wide.set_index("member")
    out["PAI-1 mRNA fold at 8 h (100 pM)"] = wide["PAI1_mRNA@at:8h"] / wide["PAI1_mRNA@at:0min"]
    out["ALK5 lost at 24 h (fraction, 100 pM)"] = 1 - wide["total_TBRI@at:24h"] / wide["total_TBRI@at:0min"]
    return out.reset_index()


def member_predictions(sim, members: pd.DataFrame, engine: EngineOptions) -> pd.DataFrame:
    """:func:`predictions` per member, each distinct parameter set simulated once (an accepted ensemble's repeated
    Markov chain states keep their weight as members)."""
    columns = [c for c in uncertainty.fold_columns(members) if c.split(":", 1)[1] in sim.table_parameters]
    twins = uncertainty.same_parameter_sets(members, columns)
    first = members.loc[members["member"].isin(twins), ["member", *columns]]
    values = predictions(sim, first, engine).set_index("member")
    representative = {twin: m for m, group in twins.items() for twin in group}
    out = values.loc[[representative[int(m)] for m in members["member"]]].reset_index(drop=True)
    out.insert(0, "member", members["member"].to_numpy())
    return out


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


#: constants the prior screen ranks within this many places of any prediction are Sobol factors of their own
#: (``data/measure_next_prior.csv`` keeps the prior RBD-FAST top three per prediction)
SCREEN = 3


def screened(ranking: pd.DataFrame, top: int = SCREEN) -> list[str]:
    """Constants within ``top`` of any prediction's prior RBD-FAST ranking (``data/measure_next_prior.csv``)."""
    return sorted(set(ranking.loc[ranking["rank"] <= top, "parameter"]))


def potency_factors_drawn() -> list[str]:
    """The predictions' compounds whose own potency draw (data/potency.csv) is a factor of the Sobol design: every
    one but the anchor compound, whose spread is the members' Kd_inhibitor."""
    probe = pd.DataFrame({"member": [0]})
    return [name for name in COMPOUNDS if uncertainty.potency_factors(name, probe) is not None]


def sobol_design(accepted: pd.DataFrame, table: pd.DataFrame, individual, n_base: int, seed: int = 0,
                 group_of=None, potencies=None):
    """Saltelli/Sobol' design over the accepted marginals: (members, SALib problem).

    Each constant is drawn from the empirical distribution of the accepted members' own folds (tied rows:
    their own draw, then multiplied by the partner's drawn fold, as in ``uncertainty.tie``); constants not in
    ``individual`` form groups: ``group_of(name)`` names a constant's group (e.g. its mechanism), and where it
    gives None (or is not given) the constant joins its evidence class's group. ``potencies``: the compounds whose
    own potency draw is a factor (default :func:`potency_factors_drawn`)."""
    from SALib.sample import sobol as sobol_sample
    if n_base < 8 or n_base & (n_base - 1):
        raise UserInputError(f"--base must be a power of two >= 8 (Sobol' sequences), got {n_base}")
    own = uncertainty.own_folds(accepted, table)
    columns = uncertainty.fold_columns(own)
    names = [c[len(uncertainty.FOLD_PREFIX):] for c in columns]
    unknown = sorted(set(individual) - set(names))
    if unknown:
        raise UserInputError(f"not in the ensemble: {', '.join(unknown)}")

    def group(name):
        if name in set(individual):
            return name
        return (group_of(name) if group_of else None) or f"other {table.loc[name, 'evidence']} constants"
    groups = [group(n) for n in names]
    drawn_potency = potency_factors_drawn() if potencies is None else list(potencies)
    potency_names = [uncertainty.POTENCY_PREFIX + c for c in drawn_potency]
    problem = {"num_vars": len(names) + len(potency_names), "names": names + potency_names,
               "groups": groups + potency_names, "bounds": [[0.0, 1.0]] * (len(names) + len(potency_names))}
    u = sobol_sample.sample(problem, n_base, calc_second_order=False, scramble=True, seed=seed)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    draws = {n: np.quantile(own[c].to_numpy(float), u[:, j], method="inverted_cdf")
             for j, (n, c) in enumerate(zip(names, columns))}
    folds = {uncertainty.FOLD_PREFIX + n: f for n, f in uncertainty.tie(draws, table).items()}
    members = pd.DataFrame({"member": np.arange(len(u)), **folds})
    # each compound's own potency draw is a factor of its own: left to the member id, it would differ between a
    # design row and its resampled twin and inflate every index of that compound's IC50
    for j, name in enumerate(drawn_potency, start=len(names)):
        members[uncertainty.POTENCY_PREFIX + name] = u[:, j]
    return members, problem


def factor_evidence(problem: dict, table: pd.DataFrame) -> dict[str, str]:
    """The evidence class of each factor of a Sobol problem: a constant's own, a group's classes joined by '/'
    (one class for an evidence-class group), 'compound potency' for a compound's potency draw."""
    classes: dict[str, set] = {}
    for name, group in zip(problem["names"], problem["groups"]):
        evidence = table.loc[name, "evidence"] if name in table.index else "compound potency"
        classes.setdefault(group, set()).add(evidence)
    return {group: "/".join(sorted(found)) for group, found in classes.items()}


def total_order(problem: dict, values: pd.DataFrame, table: pd.DataFrame, seed: int = 0,
                predictions: dict | None = None) -> pd.DataFrame:
    """Sobol total-order (and first-order) index of every factor for every prediction (``predictions``: label ->
    'log10' or 'linear', default the headline :data:`PREDICTIONS`), bootstrap 95% CI.

    A member whose prediction failed (NaN) gets the median of the others, since the estimator needs every
    run of the design; the count is kept in ``imputed``."""
    from SALib.analyze import sobol
    evidence = factor_evidence(problem, table)
    rows = []
    for label, scale in (PREDICTIONS if predictions is None else predictions).items():
        y = values[label].to_numpy(float)
        ok = np.isfinite(y) & ((y > 0) if scale == "log10" else True)
        if ok.sum() < 0.9 * len(y):
            raise UserInputError(f"{label}: only {int(ok.sum())} of {len(y)} runs gave a value")
        y = np.where(ok, np.log10(np.where(ok, y, 1.0)) if scale == "log10" else y, np.nan)
        y[~ok] = np.nanmedian(y)
        # a Generator: SALib ignores an int seed of 0 (`if seed:`), and the bootstrap CIs would vary run to run
        si = sobol.analyze(problem, y, calc_second_order=False, num_resamples=500,
                           seed=np.random.default_rng(seed)).to_df()[0]
        for factor, r in si.iterrows():
            rows.append({"prediction": label, "factor": factor, "evidence": evidence[factor],
                         "ST": float(r["ST"]), "ST_conf": float(r["ST_conf"]),
                         "runs": len(y), "imputed": int((~ok).sum())})
    frame = pd.DataFrame(rows)
    frame["rank"] = frame.groupby("prediction")["ST"].rank(ascending=False, method="first").astype(int)
    frame["experiment"] = [experiment_for("Kd_inhibitor") if p.startswith(uncertainty.POTENCY_PREFIX)
                           else experiment_for(p) if p in table.index else "" for p in frame["factor"]]
    return frame.sort_values(["prediction", "rank"]).reset_index(drop=True)


def run_accepted(sim, accepted: pd.DataFrame, n_base: int, seed: int, out, engine: EngineOptions,
                 top: int = 5) -> dict:
    """Sobol total-order attribution of the headline predictions over the accepted ensemble's marginals."""
    out = make_folder(Path(out))
    table = uncertainty.prior()
    keep = [c for c in uncertainty.fold_columns(accepted) if c.split(":", 1)[1] in sim.table_parameters]
    accepted = accepted[["member", *keep]]
    with resources.as_file(resources.files("alk5_pysb").joinpath("data/measure_next_prior.csv")) as path:
        screen = screened(pd.read_csv(path))
    members, problem = sobol_design(accepted, table, screen, n_base, seed)
    atomic_write(out / "design.csv", members.to_csv(index=False, float_format="%.17g"))
    values = predictions(sim, members, engine)
    atomic_write(out / "predictions.csv", values.to_csv(index=False, float_format="%.8g"))
    ranking = total_order(problem, values, table, seed)
    atomic_write(out / "ranking.csv", ranking.to_csv(index=False, float_format="%.4g"))
    bands = {label: uncertainty.band(values[label]) for label in PREDICTIONS}
    # the accepted ensemble itself (its correlations kept), next to the independent-marginal design
    own = member_predictions(sim, accepted, engine)
    atomic_write(out / "accepted_predictions.csv", own.to_csv(index=False, float_format="%.8g"))
    bands_accepted = {label: uncertainty.band(own[label]) for label in PREDICTIONS}
    lines = ["| prediction | accepted ensemble: median (90% band) | independent marginals: median (90% band) | "
             "total-order ST ± 95% CI (evidence) | experiment for the first constant |", "|---|---|---|---|---|"]
    for label in PREDICTIONS:
        b, a = bands[label], bands_accepted[label]
        best = ranking[ranking["prediction"] == label].head(top)
        shown = best[best["ST"] - best["ST_conf"] > 0.02]
        names = "; ".join(f"{r.factor} {r.ST:.2f} ± {r.ST_conf:.2f} ({r.evidence})" for r in shown.itertuples()) \
            or "none stands out (every ST within noise)"
        first = next((r.experiment for r in shown.itertuples() if r.experiment), "")
        lines.append(f"| {label} | {a['median']:.3g} ({a['q05']:.3g}-{a['q95']:.3g}) | "
                     f"{b['median']:.3g} ({b['q05']:.3g}-{b['q95']:.3g}) | {names} | {first} |")
    for label, why in NOT_COMPUTED.items():
        lines.append(f"| {label} | not computed: {why} | | | |")
    markdown = "\n".join(lines) + "\n"
    atomic_write(out / "measure_next.md", markdown)
    summary = {"base_samples": n_base, "runs": len(members), "seed": seed,
               "factors": list(pd.unique(np.array(problem["groups"]))), "screened": screen, "bands": bands,
               "bands_accepted_ensemble": bands_accepted, "accepted_members": len(accepted),
               "not_computed": NOT_COMPUTED,
               "method": "Sobol total-order indices (Jansen; SALib) over the accepted ensemble's empirical marginals, "
                         "constants drawn independently; unscreened constants grouped by evidence class"}
    uncertainty.write_summary(out / "summary.json", summary)
    return {"markdown": markdown, "ranking": ranking, "bands": bands}


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
