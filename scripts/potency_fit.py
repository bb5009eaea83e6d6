"""Turn an `alk5 calibrate potency` result into the shipped residual factor.

    make potency        # = alk5 calibrate potency --starts 8 --optimizer scipy-ls --workers 2 --seed 0 -o results/potency_fit
                        #   python scripts/potency_fit.py results/potency_fit

Writes the ``Kd_residual_factor`` row of ``src/alk5_pysb/data/pharmacology.csv`` (value, evidence ``fitted``, the
problem, its 95% interval) and ``src/alk5_pysb/data/contexts/potency/report.json`` (the fit). A test checks that
the shipped factor is the report's.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path

import pandas as pd

from alk5_pysb.calibration import potency

DATA = Path(__file__).resolve().parents[1] / "src" / "alk5_pysb" / "data"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fit", type=Path, help="results folder of `alk5 calibrate potency`")
    args = parser.parse_args(argv)
    ci = pd.read_csv(args.fit / "confidence.csv").set_index("parameterId")
    summary = json.loads((args.fit / "summary.json").read_text(encoding="utf-8"))
    row = ci.loc["Kd_residual_factor"]
    value, low, high = float(row["estimate"]), float(row["ci95_low"]), float(row["ci95_high"])
    compounds = potency.fitted_compounds()
    source = (f"fitted: alk5 calibrate potency ({', '.join(compounds)}: their reported cellular IC50s as derived "
              f"Hill-1 points on each declared assay readout, {summary['n_data']} points, sd 0.1 assumed; "
              f"{summary['starts']} starts, scipy-ls); 95% CI {low:.3g}-{high:.3g} (FIM)"
              + ("; at a bound of the search range" if bool(row["at_bound"]) else ""))
    path = DATA / "pharmacology.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    for r in rows:
        if r[0] == "Kd_residual_factor":
            r[1], r[3], r[4] = f"{value:.6g}", "fitted", source
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    report = {"description": "one residual factor on every compound's Cheng-Prusoff cellular Kd",
              "command": f"alk5 calibrate potency --starts {summary['starts']} --optimizer scipy-ls --workers 2 --seed 0",
              "compounds": compounds, "Kd_residual_factor": value, "ci95": [low, high],
              "at_bound": bool(row["at_bound"]), "nllh": summary["objective_nll"], "n_data": summary["n_data"],
              "starts": summary["starts"], "starts_within_0.1": summary["starts_converged"],
              "wall_time_s": summary["wall_time_s"]}
    target = potency.problem_dir() / "report.json"
    target.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"Kd_residual_factor {value:.4g} (95% CI {low:.3g}-{high:.3g}) -> {path}, {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
