"""Prevention versus reversal by an ALK5 inhibitor in the fibroblast context, with bands and what they rest on.

Called by ``make figures`` as ``python scripts/fibrosis_prevention_reversal.py --out figures/``. For every member
(``--members``, default 256): the fibroblast ensemble's members in turn (``uncertainty.fibroblast_members``:
upstream constants constrained by B1-B25, the fibrosis block's and ACTA2's by F1, F2, F5, F6, F8, F9, F10),
the numbers of F8/F9 (``validation_fibrosis.prevention_reversal``: continuous 100 pM TGF-beta1 fed
every 48 h, 10 uM SB-431542 from the start or from 48 h or 72 h). Each number is reported as median and 90%
band, and the constants it rests on are ranked by |Spearman rank correlation| between the member's own fold
of each constant and the number (a transparent, model-free measure over given data; constants with a single
value in the ensemble cannot correlate), listing only those above the noise floor of unrelated constants
(Bonferroni, 5%), separately for the fibrosis block with ACTA2 and the upstream constants (both are constrained sets whose
constants move together: candidates, not a clean ranking). Writes fibrosis_prevention_reversal.csv (per member) and
fibrosis_prevention_reversal.json (bands, top five constants per number, failures).
"""
from __future__ import annotations

import argparse
import json
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from alk5_pysb.analysis import context_attribution, uncertainty
from alk5_pysb.io.files import atomic_write, rounded

LABELS = {
    "prevented_alpha_SMA": "alpha-SMA 72-h increment with the inhibitor from the start (fraction of control)",
    "prevented_COL1A1": "COL1A1 mRNA 72-h increment with the inhibitor from the start (fraction of control)",
    "alpha_SMA_96h_of_48h": "alpha-SMA at 96 h, inhibitor from 48 h (fraction of its 48-h level)",
    "alpha_SMA_168h_of_48h": "alpha-SMA at 168 h, inhibitor from 48 h (fraction of its 48-h level)",
    "secretion_120h_of_untreated": "collagen secretion at 120 h, inhibitor from 72 h (fraction of untreated)",
    "deposited_144h_of_72h": "deposited collagen at 144 h, inhibitor from 72 h (fraction of its 72-h amount)",
}


def members(n: int, seed: int) -> tuple[pd.DataFrame, str]:
    return uncertainty.fibroblast_members(n, seed)


def rests_on(ens: pd.DataFrame, values: pd.DataFrame, top: int = 5) -> dict:
    """Per number, the constants it rests on (``uncertainty.rests_on``) in two groups: the fibrosis block's and
    ACTA2's (constrained by the F behaviours) and the upstream ones (constrained by B1-B25)."""
    block = set(uncertainty.block_names())
    block_ensemble = uncertainty.fibroblast_ensemble(block=True)
    if block_ensemble is not None:              # the ACTA2 rows it varies count with the block
        block |= {c.split(":", 1)[1] for c in uncertainty.fold_columns(block_ensemble)}
    upstream = set(uncertainty.prior().index) - block
    out = {}
    for key in LABELS:
        numbers = values[key].astype(float).where(values["error"].eq(""))
        out[key] = uncertainty.rests_on(ens, numbers, {"fibrosis_block_and_ACTA2": block, "upstream_constants": upstream},
                                        top=top)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="figures")
    parser.add_argument("--members", type=int, default=None,
                        help="members (default: every member of the shipped fibroblast ensemble, else 256)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    shipped = uncertainty.fibroblast_ensemble()
    n = args.members or (len(shipped) if shipped is not None else 256)
    ens, what = members(n, args.seed)
    tasks = [uncertainty.member_folds(ens, m) for m in ens["member"]]
    workers = args.workers or os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        rows = list(pool.map(partial(context_attribution.evaluate, "fibroblast"), tasks, chunksize=4))
    values = pd.DataFrame(rows)
    values.insert(0, "member", ens["member"])
    atomic_write(out / "fibrosis_prevention_reversal.csv", values.to_csv(index=False, float_format="%.5g"))
    ok = values["error"].eq("")
    summary = {"members": what, "failed": int((~ok).sum()),
               "bands": {key: {"label": label, **uncertainty.band(values.loc[ok, key])} for key, label in LABELS.items()},
               "rests_on": rests_on(ens, values),
               "method": "median and 5th-95th percentile over members; constants ranked by |Spearman rho| of their "
                         "own fold with the number, within the upstream ensemble's runs, each distinct value of a "
                         "constant counted once (uncertainty.rests_on); the floor counts those values"}
    atomic_write(out / "fibrosis_prevention_reversal.json", json.dumps(rounded(summary), indent=2, default=float) + "\n")
    for key, b in summary["bands"].items():
        parts = []
        for group, found in summary["rests_on"][key].items():
            names = ", ".join(f"{r['constant']} {r['spearman']:+.2f}" for r in found["constants"][:3]) or "none"
            parts.append(f"{group.replace('_', ' ')}: {names}")
        print(f"{key}: {b['median']:.2f} ({b['q05']:.2f}-{b['q95']:.2f}); rests on " + "; ".join(parts))
    print(f"{summary['failed']} of {len(values)} members failed -> {out / 'fibrosis_prevention_reversal.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
