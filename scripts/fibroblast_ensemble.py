"""The fibroblast ensemble: full parameter sets that meet the upstream behaviours and the fibroblast ones.

Called by ``make fibroblast-ensemble`` (~10 min on 2 cores; not part of ``make figures``). Two steps:

1. the block ensemble (``data/contexts/fibroblast/block_ensemble.csv``) is ABC by subset simulation over the
   fibrosis block and the ACTA2 constants against F1, F2, F5, F6, F8, F9, F10 with every other constant at the
   fibroblast context's value::

       alk5 ensemble --context fibroblast --vary fibrosis,k_tx_max_ACTA2,K_tx_ACTA2,n_tx_ACTA2,k_tx_basal_ACTA2,
           kdeg_ACTA2_mRNA,kdeg_ACTA2 --behaviours F1,F2,F5,F6,F8,F9,F10 --population 100 --max-levels 30 -o DIR

   (F3 is the memory diagnostic and F4 a structural miss, so neither constrains); this script takes its
   ``accepted.csv`` (``--block``);
2. ``--candidates`` members join the shipped ensemble's members (upstream constants, B1-B25) with the block
   ensemble's (``uncertainty.joined``); each is run through the same seven behaviours and the ones that meet
   all are written to ``data/contexts/fibroblast/ensemble.csv``, with the record (pass fractions) beside it.
   Upstream variation moves the fibroblast behaviours, so the joined candidates are checked, not assumed.

Between the two steps the fibroblast context takes its values of the block's constants from the block ensemble
(``nominal_from_block``): the *medoid* member (closest to the ensemble's median in standardised log-folds) becomes
the context's value of each constant, evidence ``fitted`` with the accepted range in its source, the prior range
kept as its distribution (so a rerun draws from the prior again). Ensemble folds are relative to the context's
values, so the shipped ensembles' folds of those constants are divided by the medoid's: every member keeps its
absolute values. ``--nominal-only`` applies this step to the shipped files alone.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.calibration import constrained
from alk5_pysb.analysis import uncertainty
from alk5_pysb.io.files import atomic_write

BEHAVIOURS = ["F1", "F2", "F5", "F6", "F8", "F9", "F10"]
FOLD = "fold:"


def medoid(block: pd.DataFrame) -> int:
    """Row of the member closest to the median of the distinct members (log-folds standardised per constant)."""
    folds = [c for c in block.columns if c.startswith(FOLD)]
    logf = np.log(block[folds].to_numpy(float))
    distinct = ~pd.DataFrame(np.round(logf, 12)).duplicated().to_numpy()
    sd = logf[distinct].std(axis=0)
    sd[sd == 0] = 1.0
    z = (logf - np.median(logf[distinct], axis=0)) / sd
    return int(np.argmin(np.sqrt((z ** 2).sum(axis=1))))


def _rescale(path: Path, folds: dict):
    if not path.is_file():
        return
    frame = pd.read_csv(path)
    for name, fold in folds.items():
        if FOLD + name in frame:
            frame[FOLD + name] = frame[FOLD + name] / fold
    atomic_write(path, frame.to_csv(index=False, float_format="%.17g"))


def nominal_from_block(data: Path) -> dict:
    """The fibroblast context's values of the block's constants from the block ensemble's medoid (see above)."""
    from alk5_pysb.model.parameters import default_table, description_without_default
    block = pd.read_csv(data / "block_ensemble.csv")
    row = medoid(block)
    folds = {c[len(FOLD):]: float(block[c].iloc[row]) for c in block.columns if c.startswith(FOLD)}
    distinct = int(block[[FOLD + n for n in folds]].round(12).drop_duplicates().shape[0])
    table = default_table().frame
    path = data / "parameters.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    current = {r["name"]: float(r["value"]) for r in rows}
    rows = [r for r in rows if r["name"] not in folds]
    applied = {}
    for name, fold in folds.items():
        prior = table.loc[name]
        before = current.get(name, float(prior["value"]))
        value = float(f"{before * fold:.8g}")              # as written: the folds are divided by exactly this
        applied[name] = value / before
        accepted = (block[FOLD + name] / fold * value).to_numpy(float)
        rows.append({
            "name": name, "value": f"{value:.8g}", "unit": prior["unit"], "block": prior["block"],
            "compartment": "" if pd.isna(prior["compartment"]) else prior["compartment"],
            "description": description_without_default(prior["description"]), "evidence": "fitted",
            "cell_type": "fibroblasts (behaviours " + ", ".join(BEHAVIOURS) + ")",
            "source": f"fitted: alk5 ensemble --context fibroblast --behaviours {','.join(BEHAVIOURS)} (ABC by subset "
                      f"simulation from the prior range; make fibroblast-ensemble): the medoid of the {len(block)} "
                      f"accepted members ({distinct} distinct); accepted {accepted.min():.3g}-{accepted.max():.3g}",
            "distribution": prior["distribution"], "low": f"{float(prior['low']):.8g}",
            "high": f"{float(prior['high']):.8g}", "tied_to": "" if pd.isna(prior["tied_to"]) else prior["tied_to"],
            "range_reason": f"the prior range, kept so that make fibroblast-ensemble draws from it again: "
                            f"{prior['range_reason']}"})
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(path, buffer.getvalue())
    for name in ("block_ensemble.csv", "ensemble.csv"):
        _rescale(data / name, applied)
    return {"medoid_member": int(block["member"].iloc[row]), "constants": len(folds)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=Path, help="accepted.csv of the block run (default: the shipped block ensemble)")
    parser.add_argument("--candidates", type=int,
                        help="joined members checked (default: 1.5 x the shipped ensemble's members, 1,200 for 800)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--scratch", type=Path, default=Path("results/fibroblast_ensemble"),
                        help="evaluations, written as they finish (--resume-safe; default results/fibroblast_ensemble)")
    parser.add_argument("--data", type=Path, default=Path("src/alk5_pysb/data/contexts/fibroblast"),
                        help="where the ensembles are written (default: the package's fibroblast context)")
    parser.add_argument("--nominal-only", action="store_true",
                        help="only move the context's values to the shipped block ensemble's medoid (and rescale)")
    args = parser.parse_args()
    if args.nominal_only:
        print(nominal_from_block(args.data))
        return 0
    if args.block is not None:
        uncertainty.read_ensemble(args.block)                     # checked before it is shipped
        shutil.copyfile(args.block, args.data / "block_ensemble.csv")
        run = args.block.parent / "subset_run.json"
        if run.is_file():
            shutil.copyfile(run, args.data / "block_ensemble_run.json")
        print(nominal_from_block(args.data))
    shipped = uncertainty.shipped_ensemble()
    n = args.candidates or (3 * len(shipped) // 2 if shipped is not None else 0)
    candidates = uncertainty.joined(n, args.seed)
    if candidates is None:
        raise SystemExit("no shipped ensemble to join (data/ensemble/accepted.csv)")
    passes = constrained.run(candidates, args.scratch, BEHAVIOURS, workers=args.workers, resume=True)
    keep = passes[BEHAVIOURS].all(axis=1).to_numpy()
    kept = candidates[candidates["member"].isin(passes.loc[keep, "member"])].copy()
    kept["member"] = np.arange(len(kept))
    atomic_write(args.data / "ensemble.csv", kept.to_csv(index=False, float_format="%.17g"))
    folds = [c for c in kept.columns if c.startswith("fold:")]
    record = {"behaviours": BEHAVIOURS, "candidates": int(len(candidates)), "kept": int(len(kept)),
              "distinct_kept": int(kept[folds].round(12).drop_duplicates().shape[0]),
              "pass_fraction_of_candidates": {i: round(float(passes[i].mean()), 4) for i in BEHAVIOURS},
              "seed": args.seed,
              "method": "shipped ensemble (B1-B25) joined with the block ensemble (F constants), kept when every "
                        "behaviour listed is met; see scripts/fibroblast_ensemble.py"}
    atomic_write(args.data / "ensemble_run.json", json.dumps(record, indent=1) + "\n")
    print(f"{record['kept']} of {record['candidates']} joined members meet {', '.join(BEHAVIOURS)} "
          f"({record['distinct_kept']} distinct) -> {args.data / 'ensemble.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
