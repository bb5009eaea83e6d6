"""Headline predictions over accepted ensembles of different sizes (issue 17): do the constrained bands depend
on how many members the sampler drew?

    python scripts/ensemble_bands.py --ensemble shipped=accepted --ensemble grown=results/ens/accepted.csv \
        -o docs/research/ensemble_size_bands.csv

Each ``LABEL=SPEC`` is an ``--ensemble`` spec (``accepted``, a file, ``prior:N``). The predictions of
``alk5 measure-next`` (``measure_next.predictions``: EC50s at 45 min and 8 h, PAI-1 fold, SB-431542 and
galunisertib IC50s, ALK5 loss) are computed once per distinct parameter set and counted once per member
(repeated Markov chain states keep their weight). Writes one row per ensemble and prediction: median, 90% band,
members, distinct members; per-member values go beside it (``*_members.csv``).
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from alk5_pysb.analysis import measure_next, uncertainty
from alk5_pysb.analysis.dose_response import EngineOptions
from alk5_pysb.io.files import atomic_write
from alk5_pysb.simulation.simulator import Simulator


def member_predictions(sim, members: pd.DataFrame, engine: EngineOptions) -> pd.DataFrame:
    """Predictions per member, each distinct parameter set simulated once."""
    columns = [c for c in uncertainty.fold_columns(members) if c.split(":", 1)[1] in sim.table_parameters]
    twins = uncertainty.same_parameter_sets(members, columns)
    first = members.loc[members["member"].isin(twins), ["member", *columns]]
    values = measure_next.predictions(sim, first, engine).set_index("member")
    representative = {twin: m for m, group in twins.items() for twin in group}
    out = values.loc[[representative[int(m)] for m in members["member"]]].reset_index(drop=True)
    out.insert(0, "member", members["member"].to_numpy())
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ensemble", action="append", required=True, metavar="LABEL=SPEC")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-o", "--output", required=True, help="CSV of the bands")
    args = parser.parse_args(argv)
    sim = Simulator(network="tgfb1")
    engine = EngineOptions(executor="processes", workers=args.workers)
    rows, output = [], Path(args.output)
    for item in args.ensemble:
        label, _, spec = item.partition("=")
        members, described = uncertainty.resolve(spec)
        values = member_predictions(sim, members, engine)
        atomic_write(output.with_name(f"{output.stem}_{label}_members.csv"),
                     values.to_csv(index=False, float_format="%.6g"))
        distinct = len(members[uncertainty.fold_columns(members)].drop_duplicates())
        for prediction in measure_next.PREDICTIONS:
            b = uncertainty.band(values[prediction])
            rows.append({"ensemble": label, "source": described, "members": len(members), "distinct": distinct,
                         "prediction": prediction, "median": b["median"], "q05": b["q05"], "q95": b["q95"],
                         "failed": b["n_failed"]})
    frame = pd.DataFrame(rows)
    atomic_write(output, frame.to_csv(index=False, float_format="%.4g"))
    print(frame.pivot(index="prediction", columns="ensemble", values=["median", "q05", "q95"]).round(3).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
