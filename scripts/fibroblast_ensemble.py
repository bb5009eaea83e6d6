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
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from alk5_pysb.calibration import constrained
from alk5_pysb.analysis import uncertainty
from alk5_pysb.io.files import atomic_write

BEHAVIOURS = ["F1", "F2", "F5", "F6", "F8", "F9", "F10"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--block", type=Path, help="accepted.csv of the block run (default: the shipped block ensemble)")
    parser.add_argument("--candidates", type=int, default=600, help="joined members checked (default 600)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--scratch", type=Path, default=Path("results/fibroblast_ensemble"),
                        help="evaluations, written as they finish (--resume-safe; default results/fibroblast_ensemble)")
    parser.add_argument("--data", type=Path, default=Path("src/alk5_pysb/data/contexts/fibroblast"),
                        help="where the ensembles are written (default: the package's fibroblast context)")
    args = parser.parse_args()
    if args.block is not None:
        uncertainty.read_ensemble(args.block)                     # checked before it is shipped
        shutil.copyfile(args.block, args.data / "block_ensemble.csv")
        run = args.block.parent / "subset_run.json"
        if run.is_file():
            shutil.copyfile(run, args.data / "block_ensemble_run.json")
    candidates = uncertainty.joined(args.candidates, args.seed)
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
