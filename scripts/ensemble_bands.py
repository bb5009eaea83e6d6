"""Headline predictions over accepted ensembles of different sizes (issue 17): do the constrained bands depend
on how many members the sampler drew?

    python scripts/ensemble_bands.py --ensemble shipped=accepted --ensemble grown=results/ens/accepted.csv \
        -o docs/research/ensemble_size_bands.csv

Each ``LABEL=SPEC`` is an ``--ensemble`` spec (``accepted``, a file, ``prior:N``). The predictions of
``alk5 measure-next`` (``measure_next.predictions``: EC50s at 45 min and 8 h, PAI-1 fold, SB-431542 and
galunisertib IC50s, ALK5 loss) are computed once per distinct parameter set and counted once per member
(repeated Markov chain states keep their weight). Writes one row per ensemble and prediction: median, 90% band,
members, distinct members; per-member values go beside it (``*_members.csv``).

A pooled ensemble (``alk5 ensemble --runs K``) keeps each member's run in its file (column ``run``). With
``--by-run`` such an ensemble also gets a row per run and a row per run left out, from the same per-member
values: do the pooled bands still move when one run is dropped (have K runs converged)? ``--values CSV`` reuses
per-member predictions already computed for an ensemble (``LABEL=CSV``, e.g. ``alk5 measure-next``'s
``accepted_predictions.csv``) instead of simulating them again.

How far the pooled bands can still move with the number of runs is also put as an interval: with ``--by-run``, the
runs are resampled with replacement (``--resamples``, seeded) and each resample's pooled median and 5th/95th
percentiles recomputed; ``*_{LABEL}_run_bootstrap.csv`` gives the central 90% of each over the resamples (the
Monte Carlo error of the pooled band from a finite number of runs, runs as the independent units: members of one
run share its lineages).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.analysis import measure_next, uncertainty
from alk5_pysb.analysis.dose_response import EngineOptions
from alk5_pysb.io.files import atomic_write
from alk5_pysb.simulation.simulator import Simulator


def pooled_runs(spec: str, members: pd.DataFrame) -> pd.Series | None:
    """Each member's run (aligned with ``members``) when the ensemble's file is a pooled one, else None."""
    if spec == "accepted":
        frame = uncertainty.shipped_ensemble(with_runs=True)
    elif Path(spec).is_file():
        frame = pd.read_csv(spec)
    else:
        return None
    if "run" not in frame:
        return None
    return frame.set_index("member")["run"].loc[members["member"]].reset_index(drop=True)


def run_bootstrap(values: pd.DataFrame, runs: pd.Series, resamples: int, seed: int) -> pd.DataFrame:
    """Per prediction: the pooled band (median, q05, q95) and the central 90% of each over ``resamples`` draws of
    the runs with replacement (each drawn run brings all its members)."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(runs)
    names = np.unique(labels)
    rows = []
    for prediction in measure_next.PREDICTIONS:
        column = values[prediction].to_numpy(float)
        per_run = {k: column[labels == k] for k in names}
        stats = []
        for _ in range(resamples):
            pooled = np.concatenate([per_run[k] for k in rng.choice(names, len(names), replace=True)])
            pooled = pooled[np.isfinite(pooled)]
            stats.append(np.quantile(pooled, [0.5, *uncertainty.BAND]))
        stats = np.array(stats)
        whole = uncertainty.band(column)
        row = {"prediction": prediction, "runs": len(names), "resamples": resamples,
               "median": whole["median"], "q05": whole["q05"], "q95": whole["q95"]}
        for j, key in enumerate(("median", "q05", "q95")):
            row[f"{key}_lo"], row[f"{key}_hi"] = np.quantile(stats[:, j], uncertainty.BAND)
        rows.append(row)
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ensemble", action="append", required=True, metavar="LABEL=SPEC")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--by-run", action="store_true",
                        help="for a pooled ensemble (file with a run column): a row per run and per run left out")
    parser.add_argument("--values", action="append", default=[], metavar="LABEL=CSV",
                        help="per-member predictions of ensemble LABEL already computed (member + prediction columns)")
    parser.add_argument("--resamples", type=int, default=2000,
                        help="--by-run: run-bootstrap resamples of the pooled band (default 2000; 0: none)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the run bootstrap (default 0)")
    parser.add_argument("-o", "--output", required=True, help="CSV of the bands")
    args = parser.parse_args(argv)
    sim = Simulator(network="tgfb1")
    engine = EngineOptions(executor="processes", workers=args.workers)
    known = dict(item.partition("=")[::2] for item in args.values)
    rows, output = [], Path(args.output)
    for item in args.ensemble:
        label, _, spec = item.partition("=")
        members, described = uncertainty.resolve(spec)
        if label in known:
            values = pd.read_csv(known[label])
            if sorted(values["member"]) != sorted(members["member"]):
                raise SystemExit(f"--values {label}: its members are not those of the ensemble {spec}")
            values = values.set_index("member").loc[members["member"]].reset_index()
        else:
            values = measure_next.member_predictions(sim, members, engine)
        atomic_write(output.with_name(f"{output.stem}_{label}_members.csv"),
                     values.to_csv(index=False, float_format="%.6g"))
        groups = [(label, described, pd.Series(True, index=values.index))]
        runs = pooled_runs(spec, members) if args.by_run else None
        if runs is not None:
            for k in sorted(runs.unique()):
                groups.append((f"{label} run {k}", f"run {k} of {described}", runs == k))
            for k in sorted(runs.unique()):
                groups.append((f"{label} without run {k}", f"{described} without run {k}", runs != k))
            if args.resamples > 0:
                boot = run_bootstrap(values, runs, args.resamples, args.seed)
                atomic_write(output.with_name(f"{output.stem}_{label}_run_bootstrap.csv"),
                             boot.to_csv(index=False, float_format="%.4g"))
                print(boot.round(3).to_string(index=False))
        for name, source, chosen in groups:
            part = members[chosen.to_numpy()]
            distinct = len(part[uncertainty.fold_columns(part)].drop_duplicates())
            for prediction in measure_next.PREDICTIONS:
                b = uncertainty.band(values.loc[chosen.to_numpy(), prediction])
                rows.append({"ensemble": name, "source": source, "members": len(part), "distinct": distinct,
                             "prediction": prediction, "median": b["median"], "q05": b["q05"], "q95": b["q95"],
                             "failed": b["n_failed"]})
    frame = pd.DataFrame(rows)
    atomic_write(output, frame.to_csv(index=False, float_format="%.4g"))
    print(frame.pivot(index="prediction", columns="ensemble", values=["median", "q05", "q95"]).round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
