"""The literature behaviours as constraints on the parameters (issue 17).

Each member of an ensemble (``uncertainty.draw``: Latin hypercube draws from every parameter's range)
is run through every behaviour of ``alk5 validate`` (``validation.CHECKS``, the same code and
thresholds); a member that meets them is *accepted*. What the behaviours teach about a constant is its
accepted range next to its prior range. The inference is rejection ABC with a zero tolerance: the
behaviours are pass/fail statements with written thresholds, so a draw either meets them or not, and
every accepted member is a parameter set the literature allows (re-run, it passes again: tested). Its
cost is the acceptance rate; ABC-SMC (pyABC) would need continuous distances per behaviour, which the
checks do not expose yet.

A behaviour that *no* prior draw meets cannot tell parameter sets apart: it is a structural miss of the
model (a mechanism it lacks), reported with its pass fraction 0 and left out of the acceptance test
(otherwise nothing would be accepted); it stays FAIL in ``alk5 validate``.

B9 (isoforms) needs the full network; every other behaviour runs on the lean TGF-beta1 network, which
gives the same TGF-beta1 responses to solver tolerance (tested in test_model). Members are evaluated
on local processes; each evaluation is appended to ``evaluations.jsonl`` as it finishes, so an
interrupted run resumes where it stopped.
"""
from __future__ import annotations

import json
import math
import os
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis.uncertainty import fold_columns, member_folds, same_parameter_sets
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write, make_folder, read_json_lines

#: CVODE absolute tolerance of the behaviour evaluations of an ensemble, in molecules per cell (three orders below
#: one molecule; simulations elsewhere keep 1e-9). Compared member by member on 24 prior draws x 25 constraints:
#: the same verdicts as at 1e-9, margins within 1e-4, in ~75% of the time (docs/performance.md).
BEHAVIOUR_ATOL = 1e-3

#: behaviours that need ligands other than TGF-beta1 (the full network)
FULL_NETWORK = ("B9",)
EVALUATIONS = "evaluations.jsonl"


#: the cell-context behaviours and the network each family runs on (fibroblast F, cytostasis C, EMT M, endothelial E)
CONTEXT_NETWORKS = {"F": "fibrosis", "C": "cytostasis", "M": "emt", "E": "endothelial"}


def context_networks(ids) -> set:
    """The optional-block networks the behaviours ``ids`` need (their constants are drawn only then)."""
    return {CONTEXT_NETWORKS[str(i)[0]] for i in ids or () if str(i)[0] in CONTEXT_NETWORKS}


def _sims(models=None, rtol: float = 1e-6, atol: float = BEHAVIOUR_ATOL, networks=()):
    from alk5_pysb.simulation.simulator import Simulator
    sims = {"full": Simulator(network="full", models=models, rtol=rtol, atol=atol),
            "tgfb1": Simulator(network="tgfb1", models=models, rtol=rtol, atol=atol)}
    for network in sorted(networks):     # a context family's behaviours run on their block's network
        sims[network] = Simulator(network=network, models=models, rtol=rtol, atol=atol)
    return sims


def network_of(check_id: str, sims: dict) -> str:
    """The network a behaviour runs on: a context family on its block's network (F fibrosis, C cytostasis, M emt,
    E endothelial), B9 on the full one, the rest on the lean one."""
    own = CONTEXT_NETWORKS.get(check_id[0])
    if own in sims:
        return own
    return "full" if check_id in FULL_NETWORK or "tgfb1" not in sims else "tgfb1"


def evaluate(sims: dict, folds: dict[str, float], ids=None, eps: float = math.inf) -> dict:
    """Every behaviour under one member's folds: {id: {"passed": bool, "model": text, "margin": float}}, plus
    seconds taken; stops once the summed margins exceed ``eps`` (early rejection in ``subset``)."""
    from alk5_pysb.analysis.validation import CHECKS, run_check
    start = time.perf_counter()
    out, distance = {}, 0.0
    for check_id in ids or CHECKS:
        sim = sims[network_of(check_id, sims)]
        sim.folds = {n: f for n, f in folds.items() if n in sim.table_parameters}
        try:
            check = run_check(sim, check_id)
        finally:
            sim.folds = {}
        out[check_id] = {"passed": bool(check.passed), "model": check.model, "margin": float(check.margin)}
        distance += float(check.margin)
        if distance > eps:
            break
    out["_seconds"] = time.perf_counter() - start
    return out


_WORKER: dict = {}


def _init(blob: bytes):
    _WORKER["sims"] = pickle.loads(blob)


def _task(member, folds, ids):
    return member, evaluate(_WORKER["sims"], folds, ids)


def read_evaluations(folder: Path) -> dict:
    return {row["member"]: row["result"] for row in read_json_lines(Path(folder) / EVALUATIONS)}


def run(members: pd.DataFrame, out, ids=None, workers: int | None = None, models=None, resume: bool = False,
        progress: bool = True, rtol: float = 1e-6, atol: float = BEHAVIOUR_ATOL, executor: str = "processes",
        scheduler: str | None = None) -> pd.DataFrame:
    """Evaluate every member (writing each as it finishes) on local processes or Dask (``executor``,
    ``scheduler``: ``calibration.pools``); returns the pass table (member x behaviour)."""
    from tqdm import tqdm
    from alk5_pysb.analysis.validation import CHECKS
    from alk5_pysb.calibration.pools import check_executor, open_pool
    executor = check_executor(executor, scheduler)
    ids = list(ids or CHECKS)
    out = make_folder(Path(out))
    record = {"members": len(members), "behaviours": ids, "rtol": rtol, "atol": atol,
              "folds_sha": pd.util.hash_pandas_object(members, index=False).sum().item()}
    record_path = out / "ensemble_run.json"
    if record_path.is_file():
        old = json.loads(record_path.read_text(encoding="utf-8"))
        if not resume:
            raise UserInputError(f"{out} holds an ensemble run: --resume to continue it, or another folder")
        if old != record:
            raise UserInputError(f"{out} holds a different ensemble run (other members or behaviours): use another "
                                 "folder")
    atomic_write(record_path, json.dumps(record) + "\n")
    done = read_evaluations(out) if resume else {}
    todo = [m for m in members["member"] if int(m) not in done]
    # members that repeat a parameter set (Markov chain states) are evaluated once: the others share the result
    twins = same_parameter_sets(members[members["member"].isin(todo)])
    workers = workers or min(len(twins), os.cpu_count() or 1) or 1
    sims = _sims(models, rtol, atol, networks=context_networks(ids))
    with open(out / EVALUATIONS, "a", encoding="utf-8") as sink, \
            tqdm(total=len(members), initial=len(members) - len(todo), desc="behaviours", unit="member",
                 disable=None if progress else True) as bar:
        def store(member, result):
            for twin in twins[int(member)]:
                done[twin] = result
                sink.write(json.dumps({"member": twin, "result": result}) + "\n")
                bar.update()
            sink.flush()
        if executor == "processes" and (workers <= 1 or len(twins) <= 1):
            for member in twins:
                store(member, evaluate(sims, member_folds(members, member), ids))
        elif twins:
            with open_pool(_init, pickle.dumps(sims), workers, executor, scheduler) as pool:
                futures = [pool.submit(_task, m, member_folds(members, m), ids) for m in twins]
                for future in pool.as_completed(futures):
                    store(*future.result())
    return pass_table(done, ids)


def pass_table(done: dict, ids) -> pd.DataFrame:
    rows = [{"member": m, **{i: bool(r[i]["passed"]) for i in ids}, "seconds": r.get("_seconds", math.nan)}
            for m, r in sorted(done.items())]
    return pd.DataFrame(rows)


def acceptance(passes: pd.DataFrame, ids) -> tuple[pd.Series, list[str]]:
    """(accepted per member, structural misses): accepted = every behaviour met that some member meets."""
    structural = [i for i in ids if not passes[i].any()]
    used = [i for i in ids if i not in structural]
    accepted = passes[used].all(axis=1) if used else pd.Series(True, index=passes.index)
    return accepted, structural


def teach(members: pd.DataFrame, accepted_members, table: pd.DataFrame, reference: pd.DataFrame | None = None
          ) -> pd.DataFrame:
    """Each drawn parameter's prior range next to the range its accepted members span (5th-95th percentile);
    the drawn range from ``reference`` (prior draws) when the members are not themselves prior draws."""
    rows = []
    accepted = members[members["member"].isin(accepted_members)]
    drawn = members if reference is None else reference
    for column in fold_columns(members):
        name = column.split(":", 1)[1]
        row = table.loc[name]
        values = accepted[column].to_numpy(float) * float(row["value"])
        prior_values = drawn[column].to_numpy(float) * float(row["value"])
        entry = {"parameter": name, "evidence": row["evidence"], "value": float(row["value"]), "unit": row["unit"],
                 "distribution": row["distribution"], "prior_low": float(row["low"]), "prior_high": float(row["high"]),
                 "drawn_q05": float(np.quantile(prior_values, 0.05)), "drawn_q95": float(np.quantile(prior_values, 0.95))}
        entry["accepted_distinct"] = int(len(np.unique(values)))
        if len(values) >= 2:
            q05, q95 = np.quantile(values, [0.05, 0.95])
            entry.update(accepted_q05=float(q05), accepted_q95=float(q95),
                         width_ratio=float(np.log(q95 / q05) / np.log(entry["drawn_q95"] / entry["drawn_q05"]))
                         if q05 > 0 and entry["drawn_q95"] > entry["drawn_q05"] else math.nan)
        else:
            entry.update(accepted_q05=math.nan, accepted_q95=math.nan, width_ratio=math.nan)
        rows.append(entry)
    frame = pd.DataFrame(rows)
    return frame.sort_values("width_ratio", na_position="last").reset_index(drop=True)


#: significance level of a behaviour-constant association (rank test); the expected number of chance findings
#: (tests x ALPHA) is reported beside them
ALPHA = 1e-3


def associations(members: pd.DataFrame, passes: pd.DataFrame, ids, table: pd.DataFrame, alpha: float = ALPHA,
                 strata=None) -> tuple[pd.DataFrame, int]:
    """Which constants each behaviour constrains, over an ensemble: for every behaviour that some members meet and
    some miss, the rank correlation of each constant's own log10 fold (tied rows divided by their partner's,
    ``uncertainty.own_folds``) with the verdict, two-sided p from its normal approximation (Mann-Whitney's test
    in rank-correlation form). Returns (the associations with p < ``alpha``, sorted by p; shift_log10 = median
    among passing minus median among failing: the direction the behaviour moves the constant) and the number of
    tests made.

    Over a constrained ensemble the members descend from a few chains and share values: each constant is judged
    over its own distinct values (``uncertainty.lineage_rho``), within ``strata`` (default: the shipped ensemble's
    runs when the members are its sets, ``uncertainty.shipped_runs``), so neither a copied value nor a run's
    region counts as evidence. Prior draws (all values distinct, one stratum) are tested member by member.
    """
    from scipy.stats import norm
    from alk5_pysb.analysis.uncertainty import lineage_rho, own_folds, strata_labels
    own = own_folds(members, table).set_index("member")
    columns = fold_columns(members)
    logs = np.log10(own[columns].astype(float).clip(lower=1e-300))
    labels = strata_labels(members, strata)
    verdicts = passes.set_index("member")
    rows, tests = [], 0
    for i in ids:
        met = verdicts[i].reindex(logs.index).astype(bool)
        if met.all() or not met.any():
            continue
        for column in columns:
            x, y = logs.loc[met, column].to_numpy(), logs.loc[~met, column].to_numpy()
            if np.ptp(np.concatenate([x, y])) == 0:
                continue
            tests += 1
            rho, n = lineage_rho(logs[column].to_numpy(), met.to_numpy(float), labels)
            p = float(2 * norm.sf(abs(rho) * np.sqrt(max(n - 1, 1)))) if np.isfinite(rho) else 1.0
            if p < alpha:
                rows.append({"behaviour": i, "parameter": column.split(":", 1)[1], "p": p,
                             "shift_log10": float(np.median(x) - np.median(y)), "n_pass": len(x), "n_fail": len(y),
                             "independent_values": n})
    frame = pd.DataFrame(rows, columns=["behaviour", "parameter", "p", "shift_log10", "n_pass", "n_fail",
                                        "independent_values"])
    return frame.sort_values("p").reset_index(drop=True), tests


def summary(passes: pd.DataFrame, ids, seed, source: str) -> dict:
    accepted, structural = acceptance(passes, ids)
    fractions = {i: float(passes[i].mean()) for i in ids}
    return {"drawn": int(len(passes)), "accepted": int(accepted.sum()),
            "acceptance_rate": float(accepted.mean()) if len(passes) else math.nan,
            "seed": seed, "members_from": source,
            "structural_misses": structural,
            "pass_fraction_prior": fractions,
            "seconds_per_member_cpu": float(passes["seconds"].median()) if len(passes) else math.nan,
            "rule": "accepted = meets every behaviour that at least one drawn member meets; behaviours no draw "
                    "meets are structural misses, reported and left out of the test"}
