"""Which constants the fibroblast and epithelial answers rest on: Sobol total-order indices (issue 17).

The rank correlations of ``uncertainty.rests_on`` cannot tell for these answers: the fibroblast ensemble's few
dozen members hold ~8 independent values of each fibrosis-block constant and the epithelial members a few dozen
of each upstream constant, since they descend from a few Markov chains. A variance-based design needs no independent
members, only the marginals: each constant is drawn from its distribution over the members the answer is
quoted over (``measure_next.sobol_design``), independently, so the correlations the behaviours impose between
constants are not kept (the design's band is reported next to the ensemble's own).

- ``fibroblast``: the prevention and reversal numbers of F8/F9 (``validation_fibrosis.prevention_reversal``)
  over the fibroblast ensemble's marginals.
- ``epithelial``: the SB-431542 concentrations that halve the 24-h growth arrest and the 96-h EMT score, and
  their ratio (``emt.dual_role_halves``), over the shipped ensemble's marginals joined with the prior of the
  cytostasis and EMT blocks (the members of ``figures/epithelial.json``). A response that 10 uM does not halve
  is given ``CENSORED_NM`` (one grid step above the top concentration) and counted.

Factors (``data/attribution_factors.csv``): the constants a mechanism names as candidates are factors of their
own, the rest of the context's blocks join their mechanism module, and every other constant its model module
(``upstream: receptor``, ``upstream: smad``, ...: the parameter table's ``block``), so a module that carries the
spread is named, with the evidence classes of its constants. ``N x (factors + 2)`` runs; each finished run goes
to ``runs.jsonl`` in the output folder, so a stopped run resumes.
"""
from __future__ import annotations

import json
import os
import re
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis import measure_next, uncertainty
from alk5_pysb.analysis.emt import NOT_HALVED_NM as CENSORED_NM
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write, make_folder, read_json_lines, rounded

#: the numbers per context (label -> scale of the attribution)
NUMBERS = {
    "fibroblast": {
        "prevented_alpha_SMA": "log10", "prevented_COL1A1": "log10", "alpha_SMA_96h_of_48h": "linear",
        "alpha_SMA_168h_of_48h": "linear", "secretion_120h_of_untreated": "linear",
        "deposited_144h_of_72h": "linear"},
    "epithelial": {"growth_arrest_half_nM": "log10", "EMT_half_nM": "log10", "EMT_over_arrest": "log10"},
}
NETWORKS = {"fibroblast": "fibrosis", "epithelial": "emt"}
BLOCKS = {"fibroblast": ("fibrosis",), "epithelial": ("cytostasis", "emt")}


@lru_cache(maxsize=1)
def factors_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/attribution_factors.csv").open(encoding="utf-8") as fh:
        return pd.read_csv(fh, keep_default_na=False)


def check_context(context: str) -> str:
    if context not in NUMBERS:
        raise UserInputError(f"unknown context {context!r}: choose one of {', '.join(NUMBERS)}")
    return context


def grouping(context: str):
    """(constants that are factors of their own, name -> its group): the first row of the factors table that
    matches, else the model module the constant belongs to (``upstream: <block>``, the parameter table's
    ``block``: receptor, smad, transcription, feedback, ...)."""
    from alk5_pysb.model.parameters import default_table
    rows = factors_table()[factors_table()["context"] == check_context(context)]
    block = default_table().frame["block"]
    own = [r.factor for r in rows.itertuples() if r.match == f"^{r.factor}$"]

    def group_of(name: str):
        for r in rows.itertuples():
            if (not r.block or block.get(name) == r.block) and re.search(r.match, name):
                return r.factor
        return f"upstream: {block[name]}"
    return own, group_of


def marginals(context: str, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The members whose marginals the design draws from, and what they are."""
    if check_context(context) == "fibroblast":
        members = uncertainty.fibroblast_ensemble()
        if members is None:
            raise UserInputError("no fibroblast ensemble is shipped: make fibroblast-ensemble")
        return members, f"the fibroblast ensemble's {len(members)} members"
    shipped = uncertainty.shipped_ensemble()
    if shipped is None:
        raise UserInputError("no constrained ensemble is shipped: alk5 ensemble")
    n = 3 * len(shipped)            # each shipped member three times, so its marginals keep their weights
    members = uncertainty.joined(n, seed, blocks=BLOCKS[context])
    return members, (f"the shipped ensemble's {len(shipped)} members joined with {n} prior draws of the cytostasis "
                     "and EMT blocks")


def evaluate(context: str, folds: dict) -> dict:
    """The context's numbers for one parameter set; ``error`` holds the solver's reason when it failed."""
    from alk5_pysb.errors import SimulationError
    from alk5_pysb.simulation.simulator import shared_simulator
    sim = shared_simulator(NETWORKS[context])
    folds = {k: v for k, v in folds.items() if k in sim.table_parameters}
    try:
        with np.errstate(all="ignore"):
            if context == "fibroblast":
                from alk5_pysb.analysis.validation_fibrosis import prevention_reversal
                sim.folds = folds
                return {**{k: float(v) for k, v in prevention_reversal(sim).items()}, "error": ""}
            from alk5_pysb.analysis.emt import dual_role_halves
            halves = dual_role_halves(sim, folds)
            return {**halves, "error": ""}
    except (SimulationError, RuntimeError, ValueError, ZeroDivisionError) as err:
        return {"error": " ".join(str(err).split())[:300]}
    finally:
        sim.folds = {}


def _task(args):
    return args[0], evaluate(args[1], args[2])


def run_design(context: str, design: pd.DataFrame, path: Path, workers: int) -> pd.DataFrame:
    """Every row of ``design`` evaluated, each result appended to ``path`` (JSON lines) as it finishes; rows
    already there are not run again."""
    done = {int(row["member"]): row for row in read_json_lines(path)}
    todo = [(int(m), context, uncertainty.member_folds(design, m)) for m in design["member"] if int(m) not in done]
    from tqdm import tqdm
    with open(path, "a", encoding="utf-8") as sink, ProcessPoolExecutor(workers) as pool, \
            tqdm(total=len(design), initial=len(done), desc=f"{context} design", disable=None) as bar:
        for member, values in pool.map(_task, todo, chunksize=2):
            done[member] = {"member": member, **values}
            sink.write(json.dumps(done[member]) + "\n")
            sink.flush()
            bar.update()
    return pd.DataFrame([done[int(m)] for m in design["member"]])


def derived_numbers(context: str, values: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """The numbers as attributed: epithelial half-inhibitions not reached at 10 uM (inf) set to ``CENSORED_NM``
    (counted), and their ratio; nothing to halve stays nan. Returns (values, counts of censored runs per number)."""
    out, censored = values.copy(), {}
    if context == "epithelial":
        for key in ("growth_arrest_half_nM", "EMT_half_nM"):
            column = out[key].astype(float)
            censored[key] = int(np.isposinf(column).sum())
            out[key] = column.where(~np.isposinf(column), CENSORED_NM)
        out["EMT_over_arrest"] = out["EMT_half_nM"] / out["growth_arrest_half_nM"]
    return out, censored


def run(context: str, n_base: int, out, seed: int = 0, workers: int | None = None, top: int = 5) -> dict:
    """Sobol total-order attribution of a context's numbers; writes design.csv, runs.jsonl, values.csv,
    ranking.csv, summary.json, attribution.md and attribution.png/.svg to ``out``."""
    context = check_context(context)
    out = make_folder(Path(out))
    table = uncertainty.prior()
    members, what = marginals(context, seed)
    own, group_of = grouping(context)
    design, problem = measure_next.sobol_design(members, table, own, n_base, seed, group_of=group_of, potencies=())
    record = {"context": context, "base": n_base, "seed": seed, "design": int(pd.util.hash_pandas_object(design).sum())}
    record_path = out / "design.json"
    if record_path.is_file() and json.loads(record_path.read_text(encoding="utf-8")) != record:
        raise UserInputError(f"{out} holds another design (context, --base, --seed or the ensembles differ): "
                             "use another folder")
    atomic_write(record_path, json.dumps(record) + "\n")
    atomic_write(out / "design.csv", design.to_csv(index=False, float_format="%.17g"))
    values = run_design(context, design, out / "runs.jsonl", workers or os.cpu_count() or 1)
    values, censored = derived_numbers(context, values)
    atomic_write(out / "values.csv", values.to_csv(index=False, float_format="%.8g"))
    numbers = NUMBERS[context]
    ranking = measure_next.total_order(problem, values, table, seed, predictions=numbers)
    atomic_write(out / "ranking.csv", ranking.to_csv(index=False, float_format="%.4g"))
    failed = int((~values["error"].fillna("").eq("")).sum())
    bands = {key: uncertainty.band(values.loc[values["error"].fillna("").eq(""), key]) for key in numbers}
    lines = ["| number | independent marginals: median (90% band) | total-order ST ± 95% CI (evidence) |",
             "|---|---|---|"]
    for key in numbers:
        b, best = bands[key], ranking[ranking["prediction"] == key].head(top)
        shown = best[best["ST"] - best["ST_conf"] > 0.02]
        names = "; ".join(f"{r.factor} {r.ST:.2f} ± {r.ST_conf:.2f} ({r.evidence})" for r in shown.itertuples()) \
            or "none stands out (every ST within noise)"
        lines.append(f"| {key} | {b['median']:.3g} ({b['q05']:.3g}-{b['q95']:.3g}) | {names} |")
    markdown = "\n".join(lines) + "\n"
    atomic_write(out / "attribution.md", markdown)
    groups = factors_table()[factors_table()["context"] == context]
    summary = {"context": context, "marginals": what, "base_samples": n_base, "runs": len(design), "seed": seed,
               "failed": failed, "censored_at_nM": CENSORED_NM if censored else None, "censored": censored,
               "factors": list(pd.unique(np.array(problem["groups"]))),
               "why": dict(zip(groups["factor"], groups["why"])), "bands": bands,
               "method": "Sobol total-order indices (Jansen; SALib, 500 bootstrap resamples) over the members' "
                         "marginals, constants drawn independently; candidates of the mechanism as factors of their "
                         "own, the rest of the blocks by mechanism module, the other constants by model module"}
    atomic_write(out / "summary.json", json.dumps(rounded(summary), indent=1, default=float) + "\n")
    from alk5_pysb.analysis.plots import attribution_figure
    attribution_figure(ranking, out / "attribution", f"What the {context} numbers rest on: Sobol total-order indices "
                       f"over {what} (marginals, {len(design)} runs)")
    return {"markdown": markdown, "ranking": ranking, "bands": bands, "summary": summary}
