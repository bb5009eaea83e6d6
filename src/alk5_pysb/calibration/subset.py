"""The literature-constrained ensemble by ABC subset simulation (``alk5 ensemble``).

The behaviours of ``alk5 validate`` are pass/fail statements with written thresholds, not likelihoods,
so the inference is likelihood-free: the target is the prior restricted to the parameter sets that meet
every constraint. That set is rare (over 64 prior draws the pass fractions multiply to ~1e-8), so
rejection from the prior cannot reach it.

Why not pyABC's ABC-SMC: tried first (pyABC 0.13, distance = summed margins, diagonal normal kernel in a
standard normal space). With ~150 drawn constants and a population of tens, the importance weights
(prior density / kernel mixture density) spread over dozens of decades after two generations and the
effective sample size fell to ~1; that is the known weakness of importance-weighted SMC in high
dimension. ABC by subset simulation (Chiachio, Beck, Chiachio & Rus 2014, SIAM J Sci Comput 36:A1339;
subset simulation: Au & Beck 2001, Probab Eng Mech 16:263) needs no weights: each level keeps the best
fraction ``P0`` of the population (their distance sets the level's tolerance) and grows it back with
Markov chains whose moves leave the prior invariant (preconditioned Crank-Nicolson in a standard normal
space: z' = rho z + sqrt(1 - rho^2) xi on a random block of the coordinates; Cotter et al. 2013, Stat Sci
28:424), accepting a move only if it meets the tolerance. Its efficiency does not degrade with the number of constants. The levels' product
of fractions estimates the prior probability of the constrained set. No maintained Python library
implements it on numpy 2 (UQpy pins numpy 1.26 and torch), hence ~100 lines here.

Distance: the sum over the constraints of each behaviour's ``margin`` (``checks.miss``: 0 when it
passes, otherwise how far its quantities lie outside their bands, in decades). A proposal stops at the
first behaviours that already exceed the tolerance (cheap, often-missed behaviours go first); on level 0 (prior
draws) the tolerance is the running ``P0``-th best complete distance, which changes no seed (``_draws``). The last
level's tolerance is 0: its population meets every constraint and is the *accepted* ensemble.

Parameters live as standard normal variates mapped through each row's distribution (``to_folds``; the
same quantile function as the prior draws), ``tied_to`` rows multiplied by their partner's fold. A
behaviour no prior draw meets is a structural miss (``STRUCTURAL``): reported, FAIL in ``alk5 validate``,
and left out of the constraints (it would reject everything). Each finished chain and level is written to the
results folder; ``--resume`` continues from the last one.

A larger ensemble than the population (``members``): once tolerance 0 is reached, one more level grows the
accepted population to ``members`` with chains at tolerance 0 from its distinct members. Its states are
Markov chain states of the constrained prior, one simulated parameter set each (a proposal that fails stops
at its first missed behaviour, ~1/3 of a full evaluation), so 1,000 members cost ~900 proposals instead of
the ~16 sets per member that the levels above 0 spend; the price is repeats (a rejected move repeats its
chain's state), reported as the distinct count.
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import pickle
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.calibration.constrained import BEHAVIOUR_ATOL

from alk5_pysb.errors import UserInputError
from alk5_pysb.simulation.experiment import FOLD_PREFIX

#: behaviours no prior draw meets (docs/research/uncertainty.md: 0 of 64), with the mechanism they lack
STRUCTURAL = {"B26": "inhibition that outlasts the drug needs tissue retention or a slow downstream memory "
                     "the model does not have (0 of 64 prior draws meet it)"}
#: evaluation order: cheap behaviours that many draws miss first (early rejection), the costly ones last
ORDER = ("B6", "B8", "B20", "B21", "B22", "B15", "B5", "B1", "B2", "B3", "B4", "B16", "B17", "B18", "B19", "B23",
         "B24", "B25", "B14", "B11", "B13", "B7", "B12", "B10", "B9", "B26")
#: fraction of each level kept as seeds of the next (Au & Beck 2001 recommend 0.1-0.2)
P0 = 0.2
#: pCN correlation of the first level's moves; adapted per level towards ACCEPTANCE
RHO = 0.8
ACCEPTANCE = (0.2, 0.5)
#: fraction of the constants a move changes (a random block each step; the others stay): moving all ~150
#: at once breaks a met constraint almost surely near tolerance 0 (measured: acceptance fell to 0 and the
#: population collapsed onto one parameter set)
BLOCK = 0.1
#: at tolerance 0, chains go on until this fraction of the population is distinct parameter sets
DISTINCT = 0.5
MAX_LEVELS = 40


def constraints(ids=None) -> list[str]:
    """The behaviours used as constraints, in evaluation order."""
    from alk5_pysb.analysis.validation import CHECKS
    chosen = list(ids) if ids else [i for i in CHECKS if i not in STRUCTURAL]
    return sorted(chosen, key=lambda i: ORDER.index(i) if i in ORDER else len(ORDER))


def to_folds(z, names, table: pd.DataFrame) -> dict[str, float]:
    """Standard normal variates (one per name) -> the member's folds on the table's values: each variate's
    normal CDF is the row's quantile (``parameters.quantile``, as for the prior draws); ties applied."""
    from scipy.stats import norm
    from alk5_pysb.analysis.uncertainty import tie
    from alk5_pysb.model.parameters import quantile
    u = np.clip(norm.cdf(np.asarray(z, float)), 1e-12, 1 - 1e-12)
    own = {n: float(quantile(table.loc[n, "distribution"], float(table.loc[n, "low"]), float(table.loc[n, "high"]),
                              np.array(u[j]))) / float(table.loc[n, "value"]) for j, n in enumerate(names)}
    return tie(own, table)


def to_normal(members: pd.DataFrame, names, table: pd.DataFrame) -> np.ndarray:
    """Members' folds -> their standard normal variates (one column per name): the inverse of ``to_folds``. A
    constant the members do not vary sits at its table value (fold 1)."""
    from scipy.stats import norm
    from alk5_pysb.analysis.uncertainty import own_folds
    from alk5_pysb.model.parameters import cdf
    own = own_folds(members, table)
    z = np.zeros((len(members), len(names)))
    for j, n in enumerate(names):
        column = FOLD_PREFIX + n
        fold = own[column].to_numpy(float) if column in own else np.ones(len(members))
        row = table.loc[n]
        u = cdf(row["distribution"], float(row["low"]), float(row["high"]), fold * float(row["value"]))
        z[:, j] = norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))
    return z


def evaluate(sims: dict, folds: dict[str, float], ids, eps: float = math.inf) -> tuple[float, dict]:
    """(distance, {behaviour: margin}) under ``folds``; stops once the distance exceeds ``eps``."""
    from alk5_pysb.calibration.constrained import evaluate as run_behaviours
    result = run_behaviours(sims, folds, ids, eps)
    margins = {i: r["margin"] for i, r in result.items() if i != "_seconds"}
    return sum(margins.values()), margins


# -- work done in worker processes (the compiled simulators arrive once, pickled) --------------------------
_WORKER: dict = {}


def _init(blob: bytes):
    _WORKER.update(pickle.loads(blob))


def _draw_task(args):
    z, bound = args
    w = _WORKER
    return evaluate(w["sims"], to_folds(z, w["names"], w["table"]), w["ids"], bound)


def _check_task(z):
    """Does a parameter set meet every constraint? (stops at the first miss)"""
    w = _WORKER
    return evaluate(w["sims"], to_folds(z, w["names"], w["table"]), w["ids"], 0.0)


def _chain_task(args):
    """One Markov chain of a level from its seed: pCN moves kept when they meet the tolerance."""
    z, distance, length, eps, rho, rng_seed = args
    w = _WORKER
    rng = np.random.default_rng(rng_seed)
    states, accepted, evaluated = [(z, distance)], 0, 0
    block = max(1, int(round(BLOCK * len(z))))
    for _ in range(length - 1):
        moved = rng.choice(len(z), block, replace=False)
        proposal = z.copy()
        proposal[moved] = rho * z[moved] + math.sqrt(1 - rho ** 2) * rng.standard_normal(block)
        d, _ = evaluate(w["sims"], to_folds(proposal, w["names"], w["table"]), w["ids"], eps)
        evaluated += 1
        if d <= eps:
            z, distance, accepted = proposal, d, accepted + 1
        states.append((z, distance))
    return states, accepted, evaluated


def _pool(stack: contextlib.ExitStack, context: dict, workers: int, executor: str = "processes",
          scheduler: str | None = None):
    """None (this process) for one local worker, else a ``calibration.pools`` pool that ``stack`` closes."""
    from alk5_pysb.calibration.pools import open_pool
    blob = pickle.dumps(context)
    if executor == "processes" and workers <= 1:
        _init(blob)
        return None
    return stack.enter_context(open_pool(_init, blob, workers, executor, scheduler))


def _map(pool, fn, items):
    from tqdm import tqdm
    items = list(items)
    results = map(fn, items) if pool is None else pool.map(fn, items)
    return list(tqdm(results, total=len(items), desc=fn.__name__.strip("_").replace("_task", ""), leave=False,
                     disable=None))


def _draws(pool, z, keep: int, workers: int) -> np.ndarray:
    """Level 0's distances, with a bound that changes no seed: a draw stops once its distance exceeds the
    ``keep``-th smallest complete distance known when it starts (``evaluate``'s ``eps``). That running bound only
    falls, so a stopped draw lies above the level's final ``keep``-th smallest: it is no seed, and its recorded
    distance (a lower bound) changes neither the next tolerance nor the fraction within it. Draws are started
    one per free worker so that each gets the latest bound."""
    import heapq
    from tqdm import tqdm
    distances = np.full(len(z), np.nan)
    best: list[float] = []                 # negated: a max-heap of the `keep` smallest complete distances

    def bound() -> float:
        return -best[0] if len(best) >= keep else math.inf

    def record(i: int, d: float, limit: float):
        distances[i] = d
        if d <= limit:                     # complete (a stopped draw's distance exceeds its limit)
            heapq.heappush(best, -d)
            if len(best) > keep:
                heapq.heappop(best)

    with tqdm(total=len(z), desc="draw", leave=False, disable=None) as bar:
        if pool is None:
            for i in range(len(z)):
                limit = bound()
                record(i, _draw_task((z[i], limit))[0], limit)
                bar.update()
            return distances
        pending, started = {}, 0
        while started < len(z) or pending:
            while started < len(z) and len(pending) < workers:
                limit = bound()
                pending[pool.submit(_draw_task, (z[started], limit))] = (started, limit)
                started += 1
            finished = next(iter(pool.as_completed(list(pending))))
            i, limit = pending.pop(finished)
            record(i, finished.result()[0], limit)
            bar.update()
    return distances


def _chains(pool, tasks: list, path: Path) -> list:
    """Run a level's chains, appending each finished one to ``path`` (JSON lines); chains already there (an
    interrupted level) are read back, not run again."""
    from tqdm import tqdm
    from alk5_pysb.io.files import read_json_lines
    done = {}
    for row in read_json_lines(path):           # a line cut by a kill is skipped: that chain runs again
        k = row["chain"]
        if k < len(tasks) and len(row["z"]) == tasks[k][2] and np.array_equal(row["z"][0], tasks[k][0]):
            done[k] = ([(np.array(z, float), d) for z, d in zip(row["z"], row["distance"])],
                       row["accepted"], row["evaluated"])
    todo = [k for k in range(len(tasks)) if k not in done]
    with open(path, "a", encoding="utf-8") as sink, \
            tqdm(total=len(tasks), initial=len(done), desc="chains", leave=False, disable=None) as bar:
        def store(k, chain):
            done[k] = chain
            states, accepted, evaluated = chain
            sink.write(json.dumps({"chain": k, "z": [z.tolist() for z, _ in states],
                                   "distance": [float(d) for _, d in states], "accepted": accepted,
                                   "evaluated": evaluated}) + "\n")
            sink.flush()
            bar.update()
        if pool is None:
            for k in todo:
                store(k, _chain_task(tasks[k]))
        else:
            futures = {pool.submit(_chain_task, tasks[k]): k for k in todo}
            for future in pool.as_completed(list(futures)):
                store(futures[future], future.result())
    return [done[k] for k in range(len(tasks))]


def _chain_level(pool, folder: Path, level: int, last: dict, seeds, total: int, eps: float, seed: int) -> dict:
    """One level: chains from ``seeds`` (rows of the last level) with ``total`` states in all."""
    started, rho = time.perf_counter(), _adapt(last)
    tasks = [(last["z"][i], float(last["distance"][i]), n, eps, rho, [seed, level, k])
             for k, (i, n) in enumerate(zip(seeds, _lengths(total, len(seeds))))]
    partial = folder / f"level_{level:02d}.chains.jsonl"
    chains = _chains(pool, tasks, partial)
    z = np.array([s[0] for c in chains for s in c[0]])
    distance = [s[1] for c in chains for s in c[0]]
    entry = _level(folder, level, z, distance, eps, rho, sum(c[2] for c in chains), sum(c[1] for c in chains),
                   time.perf_counter() - started)
    partial.unlink()          # the level file now holds its states
    return entry


def run(out, population: int = 100, ids=None, seed: int = 0, workers: int | None = None, models=None,
        resume: bool = False, table: pd.DataFrame | None = None, max_levels: int = MAX_LEVELS,
        rtol: float = 1e-6, atol: float = BEHAVIOUR_ATOL, executor: str = "processes",
        scheduler: str | None = None, members: int | None = None, start: pd.DataFrame | None = None) -> dict:
    """Subset simulation down to tolerance 0; each finished chain and level goes to ``levels/`` (resumable);
    then, when ``members`` exceeds the population, one level of chains at tolerance 0 grows the accepted
    population to ``members``; at the end the accepted ensemble and what the behaviours teach. ``start``: an
    accepted ensemble to grow instead (its members are checked against the constraints, those that meet them seed
    the chains; no levels above 0, so no prior probability). Returns the summary."""
    from alk5_pysb.calibration.constrained import _sims, context_networks
    from alk5_pysb.analysis.uncertainty import prior, uncertain
    from alk5_pysb.io.files import atomic_write, make_folder
    from alk5_pysb.calibration.pools import check_executor
    executor = check_executor(executor, scheduler)
    ids = constraints(ids)
    n_seeds = max(1, int(round(P0 * population)))
    if population < 2 or population % round(1 / P0):
        raise UserInputError(f"--population must be a multiple of {round(1 / P0)} (at least {round(1 / P0)}), "
                             f"got {population}")
    members = population if members is None else int(members)
    if start is None and members < population:
        raise UserInputError(f"--members must be at least --population ({population}), got {members}")
    if start is not None and members < len(start):
        raise UserInputError(f"--members must be at least the size of the ensemble it grows ({len(start)}), "
                             f"got {members}")
    out = make_folder(Path(out))
    levels = make_folder(out / "levels")
    table = prior() if table is None else table
    names = uncertain(table, extra=bool(context_networks(ids)))
    if not names:
        raise UserInputError("nothing to draw: the constants chosen (--vary) are all fixed, or belong to a block whose "
                             "behaviours are not among the constraints (--behaviours F..., C..., M..., E...)")
    record = {"population": population, "behaviours": ids, "seed": seed, "parameters": names, "rtol": rtol,
              "atol": atol, "p0": P0, "block": BLOCK}
    if start is not None:
        foreign = sorted(c[len(FOLD_PREFIX):] for c in start.columns
                         if c.startswith(FOLD_PREFIX) and c[len(FOLD_PREFIX):] not in names)
        if foreign:
            raise UserInputError(f"the ensemble to grow varies constants this run keeps fixed: {', '.join(foreign[:5])}"
                                 + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                                 + " (grow it with the same --vary and --context it was built with)")
        record["start"] = int(pd.util.hash_pandas_object(start, index=False).sum())
    record_path = out / "subset_run.json"
    if record_path.is_file():
        if not resume:
            raise UserInputError(f"{out} holds an ensemble run: --resume to continue it, or another folder")
        if json.loads(record_path.read_text(encoding="utf-8")) != record:
            raise UserInputError(f"{out} holds a different ensemble run (population, behaviours, seed or "
                                 "parameters): use another folder")
    atomic_write(record_path, json.dumps(record) + "\n")
    started = time.perf_counter()
    history = _read_levels(levels)
    # wall time of earlier sessions of this run (a resumed run adds its own)
    earlier = json.loads((out / "summary.json").read_text(encoding="utf-8")).get("seconds", 0.0) \
        if history and (out / "summary.json").is_file() else 0.0
    workers = workers or os.cpu_count() or 1
    sims = _sims(models, rtol, atol, networks=context_networks(ids))
    with contextlib.ExitStack() as stack:
        pool = _pool(stack, {"sims": sims, "names": names, "table": table, "ids": ids}, workers, executor, scheduler)
        if not history and start is not None:
            # the ensemble to grow: its distinct members, each checked against every constraint
            z = np.unique(to_normal(start, names, table), axis=0)
            results = _map(pool, _check_task, z)
            history.append(_level(levels, 0, z, [r[0] for r in results], 0.0, RHO, len(z), len(z),
                                  time.perf_counter() - started))
        if not history:
            z = np.random.default_rng([seed, 0]).standard_normal((population, len(names)))
            distance = _draws(pool, z, n_seeds, workers)
            history.append(_level(levels, 0, z, distance, math.inf, RHO, population, population,
                                  time.perf_counter() - started))
        while start is None and not _finished(history[-1], population) and len(history) < max_levels:
            last = history[-1]
            order = _distinct(last["z"], np.argsort(last["distance"], kind="stable"))
            eps = float(last["distance"][order[min(n_seeds, len(order)) - 1]])
            if eps == 0:                 # at least P0 already meet everything: grow from all of those
                order = order[last["distance"][order] == 0]
            seeds = order[:n_seeds] if eps > 0 else order
            history.append(_chain_level(pool, levels, len(history), last, seeds, population, eps, seed))
        last = history[-1]
        if start is not None and not (last["distance"] <= 0).any():
            raise UserInputError("none of the members of the ensemble to grow meets the constraints "
                                 f"({', '.join(ids)}): it was built with other constraints, ranges or context")
        if (start is not None or _finished(last, population)) and len(last["z"]) < members:
            # grow at tolerance 0: chains from every distinct member that meets every constraint
            seeds = _distinct(last["z"], np.flatnonzero(last["distance"] <= 0))
            history.append(_chain_level(pool, levels, len(history), last, seeds, members, 0.0, seed))
    return write_results(out, history, names, table, ids, seed, earlier + time.perf_counter() - started)


def _finished(level: dict, population: int) -> bool:
    """Tolerance 0 reached and enough distinct members (chains at tolerance 0 diversify the population)."""
    return level["eps"] == 0 and len(np.unique(level["z"], axis=0)) >= DISTINCT * population


def _distinct(z: np.ndarray, order) -> np.ndarray:
    """``order`` without repeats of a parameter set (a rejected move repeats its chain's state)."""
    seen, keep = set(), []
    for i in order:
        key = z[i].tobytes()
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return np.array(keep, dtype=int)


def _lengths(population: int, seeds: int) -> list[int]:
    base, extra = divmod(population, seeds)
    return [base + (k < extra) for k in range(seeds)]


def _adapt(last: dict) -> float:
    """Smaller moves (rho up) when the last level accepted too few, larger when too many."""
    rho, rate = last["rho"], last["acceptance"]
    if not np.isfinite(rate):
        return rho
    if rate < ACCEPTANCE[0]:
        return min(0.999, 1 - (1 - rho) * 0.5)
    if rate > ACCEPTANCE[1]:
        return max(0.3, 1 - (1 - rho) * 1.5)
    return rho


def _level(folder: Path, level: int, z, distance, eps: float, rho: float, evaluated: int, accepted: int,
           seconds: float = math.nan) -> dict:
    from alk5_pysb.io.files import atomic_write
    entry = {"level": level, "z": np.asarray(z, float), "distance": np.asarray(distance, float), "eps": eps,
             "rho": rho, "evaluated": int(evaluated), "seconds": float(seconds),
             "acceptance": accepted / evaluated if level and evaluated else math.nan}
    frame = pd.DataFrame(entry["z"], columns=[f"z{j}" for j in range(entry["z"].shape[1])])
    frame.insert(0, "distance", entry["distance"])
    atomic_write(folder / f"level_{level:02d}.csv", frame.to_csv(index=False, float_format="%.17g"))
    meta = {k: entry[k] for k in ("level", "eps", "rho", "evaluated", "acceptance", "seconds")}
    atomic_write(folder / f"level_{level:02d}.json", json.dumps(meta) + "\n")
    return entry


def _read_levels(folder: Path) -> list[dict]:
    history = []
    for meta_path in sorted(folder.glob("level_*.json")):
        data = pd.read_csv(meta_path.with_suffix(".csv"))
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        history.append({**meta, "eps": float(meta["eps"]), "distance": data["distance"].to_numpy(float),
                        "z": data.drop(columns="distance").to_numpy(float)})
    return history


def _write_accepted(out: Path, members: pd.DataFrame, table: pd.DataFrame, ids, seed: int):
    """accepted.csv and parameter_ranges.csv (what the behaviours teach, against 1,000 prior draws)."""
    from alk5_pysb.calibration.constrained import context_networks, teach
    from alk5_pysb.analysis.uncertainty import draw
    from alk5_pysb.io.files import atomic_write
    # full precision: a member at the edge of a solver failure can fail when its folds are rounded
    # (measured: 2 of 58 distinct members failed B16/B19 with 6-digit folds)
    atomic_write(out / "accepted.csv", members.to_csv(index=False, float_format="%.17g"))
    taught = teach(members, members["member"], table,
                   reference=draw(1000, seed, table, extra=bool(context_networks(ids))))
    atomic_write(out / "parameter_ranges.csv", taught.to_csv(index=False, float_format="%.4g"))


def write_results(out: Path, history: list[dict], names, table: pd.DataFrame, ids, seed: int,
                  seconds: float) -> dict:
    """levels.csv, accepted.csv (the last level, when its tolerance is 0), parameter_ranges.csv, summary.json."""
    from alk5_pysb.analysis.uncertainty import write_summary
    from alk5_pysb.io.files import atomic_write
    rows = []
    for h, nxt in zip(history, [*history[1:], None]):
        rows.append({"level": h["level"], "tolerance": h["eps"], "rho": h["rho"], "simulated": h["evaluated"],
                     "fraction_within_next": float((h["distance"] <= nxt["eps"]).mean()) if nxt else math.nan,
                     "move_acceptance": h["acceptance"], "median_distance": float(np.median(h["distance"])),
                     "meet_all": int((h["distance"] <= 0).sum()),
                     "distinct": int(len(np.unique(h["z"], axis=0))), "seconds": h.get("seconds", math.nan)})
    levels = pd.DataFrame(rows)
    atomic_write(out / "levels.csv", levels.to_csv(index=False, float_format="%.6g"))
    last = history[-1]
    done = last["eps"] == 0 or (len(history) == 1 and (last["distance"] <= 0).all())
    # levels at tolerance 0 after the first only diversify the population; they do not change P
    first_zero = next((k for k, h in enumerate(history) if h["eps"] == 0), len(history))
    keep = last["distance"] <= 0
    # shuffled (seeded): rows of one chain are neighbours, and --ensemble N takes the first N members
    chosen = np.random.default_rng([seed, 1]).permutation(last["z"][keep])
    members = pd.DataFrame([to_folds(z, names, table) for z in chosen]) if keep.any() else pd.DataFrame()
    members = members.rename(columns=lambda n: FOLD_PREFIX + n)
    members.insert(0, "member", np.arange(len(members)))
    if done:
        _write_accepted(out, members, table, ids, seed)
    # P(every constraint) = the product over levels of the fraction meeting the next level's tolerance
    # (about P0 each, more when distances tie), ending with the fraction at tolerance 0
    n = len(last["distance"])
    fractions = [float((h["distance"] <= nxt["eps"]).mean()) for h, nxt in zip(history, history[1:first_zero + 1])]
    probability = float(np.prod(fractions)) if len(history) > 1 else float(keep.mean())
    # a grown ensemble (level 0 at tolerance 0) never saw the prior: no estimate
    probability = probability if done and history[0]["eps"] > 0 else math.nan
    summary = {
        "method": "ABC by subset simulation (Chiachio et al. 2014): levels of tolerance on the summed margins, "
                  "pCN Markov chains in a standard normal space, tolerance to 0",
        "constraints": list(ids), "structural_misses": STRUCTURAL, "seed": seed, "population": int(n),
        "levels": int(len(history)), "final_tolerance": float(last["eps"]), "reached_zero": bool(done),
        "accepted": int(keep.sum()) if done else 0,
        "distinct_accepted": int(len(np.unique(last["z"][keep], axis=0))) if done else 0,
        "simulated": int(levels["simulated"].sum()),
        "prior_probability_of_meeting_all": probability,
        "seconds": seconds,
        "rule": "accepted = the last level's population, every constraint met (tolerance 0); members are Markov "
                "chain states, so some repeat a seed when a move was rejected",
        "grown": bool(len(history) > 1 and len(last["z"]) > len(history[-2]["z"]) and history[-2]["eps"] == 0),
    }
    write_summary(out / "summary.json", summary)
    return summary


def run_pooled(out, runs: int, seed: int = 0, **options) -> dict:
    """``runs`` independent subset simulations (seeds ``seed`` .. ``seed + runs - 1``, folders ``run_1`` ..), their
    accepted ensembles pooled with equal weight (each run contributes its ``members``). One run ends in the
    lineages of a few early draws (chains at tolerance 0 move slowly), so one run's bands can be narrower than
    the constrained set and two runs can disagree (docs/research/uncertainty.md); independent runs sample
    independent lineages. The prior probability is the runs' mean estimate; ``levels.csv`` holds every run's levels
    (columns ``run``, ``seed``). Returns the pooled summary."""
    from alk5_pysb.analysis.uncertainty import prior, read_ensemble, same_parameter_sets, write_summary
    from alk5_pysb.io.files import make_folder
    if runs < 1:
        raise UserInputError(f"--runs must be at least 1, got {runs}")
    out = make_folder(Path(out))
    summaries = [run(out / f"run_{k + 1}", seed=seed + k, **options) for k in range(runs)]
    done = all(s["reached_zero"] for s in summaries)
    per_run = [{k: s[k] for k in ("seed", "levels", "simulated", "accepted", "distinct_accepted",
                                  "prior_probability_of_meeting_all", "seconds")} for s in summaries]
    summary = {
        "method": f"{runs} independent runs of ABC by subset simulation, accepted ensembles pooled with equal weight",
        "constraints": summaries[0]["constraints"], "structural_misses": STRUCTURAL, "seed": seed, "runs": runs,
        "per_run": per_run, "levels": int(sum(s["levels"] for s in summaries)),
        "final_tolerance": float(max(s["final_tolerance"] for s in summaries)), "reached_zero": bool(done),
        "accepted": 0, "distinct_accepted": 0, "simulated": int(sum(s["simulated"] for s in summaries)),
        "prior_probability_of_meeting_all": float(np.mean([s["prior_probability_of_meeting_all"] for s in summaries])),
        "seconds": float(sum(s["seconds"] for s in summaries)),
        "rule": "accepted = every run's accepted members (each met every constraint), shuffled",
    }
    if done:
        # each member keeps the run it came from (column run; ensemble readers ignore it)
        parts = [read_ensemble(out / f"run_{k + 1}" / "accepted.csv").copy().assign(run=k + 1)
                 for k in range(runs)]
        pooled = pd.concat(parts, ignore_index=True)
        pooled = pooled.iloc[np.random.default_rng([seed, 2]).permutation(len(pooled))].reset_index(drop=True)
        pooled["member"] = np.arange(len(pooled))
        pooled = pooled[["member", "run", *[c for c in pooled.columns if c not in ("member", "run")]]]
        table = options.get("table")
        _write_accepted(out, pooled, prior() if table is None else table, summaries[0]["constraints"], seed)
        summary.update(accepted=int(len(pooled)), distinct_accepted=len(same_parameter_sets(pooled)))
    from alk5_pysb.io.files import atomic_write
    levels = pd.concat([pd.read_csv(out / f"run_{k + 1}" / "levels.csv").assign(run=k + 1, seed=seed + k)
                        for k in range(runs)], ignore_index=True)
    levels = levels[["run", "seed", *[c for c in levels.columns if c not in ("run", "seed")]]]
    atomic_write(out / "levels.csv", levels.to_csv(index=False, float_format="%.6g"))
    write_summary(out / "summary.json", summary)
    return summary
