"""Turn an `alk5 calibrate hepatocyte` result into the shipped hepatocyte context.

    make context        # = alk5 calibrate hepatocyte --starts 50 --optimizer scipy-ls --workers 2 --seed 0 --profile --sample 20000
                        #       -o results/hepatocyte_fit
                        #   python scripts/hepatocyte_context.py results/hepatocyte_fit

Writes ``src/alk5_pysb/data/contexts/hepatocyte/parameters.csv`` (the fitted model parameters, table format,
evidence ``fitted``, each with its profile-likelihood interval as its range; plus the constants the fit
fixes with a reason, ``hepatocyte.FIXED``), ``profile_intervals.csv``, the posterior's ``posterior_intervals.csv``
and ``sampling.json`` (``--sample``) and ``report.json`` (the fit: objective, AIC/BIC, every fitted value with its 95% interval,
starts, and the published Lucarelli 2018 model's objective on the same points). A test recomputes the
objective at the shipped values and compares it with the report, so the context cannot drift from its fit.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pandas as pd

from alk5_pysb.calibration import hepatocyte
from alk5_pysb.model.parameters import description_without_default

CONTEXT = Path(__file__).resolve().parents[1] / "src" / "alk5_pysb" / "data" / "contexts" / "hepatocyte"
SOURCE = ("fitted: alk5 calibrate hepatocyte (Lucarelli et al. 2018 Cell Syst 6:75, primary mouse hepatocytes, "
          "{n} points; 50 starts, scipy-ls, seed 0); 95% CI {low:.3g}-{high:.3g}{bound}")


def ranges(best: pd.DataFrame, path: Path) -> dict:
    """Each estimate's range: its profile-likelihood 95% interval (the search bound where the profile reaches it)."""
    if not path.is_file():
        raise SystemExit(f"{path} not found: run alk5 calibrate hepatocyte with --profile (make context does)")
    prof = pd.read_csv(path).set_index("parameter")
    low = [prof.loc[n, "lower_bound"] if prof.loc[n, "lower_end"] == "bound" else prof.loc[n, "lower_value"]
           for n in best["name"]]
    high = [prof.loc[n, "upper_bound"] if prof.loc[n, "upper_end"] == "bound" else prof.loc[n, "upper_value"]
            for n in best["name"]]
    reason = [f"profile-likelihood 95% interval (alk5 calibrate hepatocyte --profile): {prof.loc[n, 'identifiability']}"
              + ("; an end at the search bound" if "bound" in (prof.loc[n, "lower_end"], prof.loc[n, "upper_end"])
                 else "") for n in best["name"]]
    return {"distribution": "loguniform", "low": low, "high": high, "tied_to": "", "range_reason": reason}


def fixed_rows() -> pd.DataFrame:
    """The constants the fit fixes away from the table value (hepatocyte.FIXED), with their reasons."""
    from alk5_pysb.model.parameters import default_table
    table = default_table().frame
    rows = []
    for name, (value, evidence, dist, low, high, reason, range_reason) in hepatocyte.FIXED.items():
        if value is None:
            continue
        row = table.loc[name]
        rows.append({"name": name, "value": value, "unit": row["unit"], "block": row["block"],
                     "compartment": row["compartment"], "description": row["description"], "evidence": evidence,
                     "cell_type": "primary mouse hepatocytes", "source": reason, "distribution": dist,
                     "low": low, "high": high, "tied_to": "", "range_reason": range_reason})
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fit", type=Path, help="results folder of `alk5 calibrate hepatocyte`")
    args = parser.parse_args(argv)
    best = pd.read_csv(args.fit / "best.csv")
    others = pd.read_csv(args.fit / "observable_parameters.csv")
    ci = pd.read_csv(args.fit / "confidence.csv").set_index("parameterId")
    summary = json.loads((args.fit / "summary.json").read_text(encoding="utf-8"))
    starts = pd.read_csv(args.fit / "starts.csv")

    def source(name):
        row = ci.loc[name]
        bound = "; at a bound of the search range (interval clipped)" if bool(row["at_bound"]) else ""
        return SOURCE.format(n=summary["n_data"], low=row["ci95_low"], high=row["ci95_high"], bound=bound)
    # the table's descriptions, without the default value's unit conversions (they describe the default)
    description = best["description"].map(description_without_default)
    best = best.assign(description=description, evidence="fitted", source=[source(n) for n in best["name"]])
    best = best.assign(**ranges(best, args.fit / "profile_intervals.csv"))
    best = pd.concat([best, fixed_rows()], ignore_index=True)
    shutil.copyfile(args.fit / "profile_intervals.csv", CONTEXT / "profile_intervals.csv")
    for name in ("posterior_intervals.csv", "sampling.json"):       # alk5 calibrate --sample, when it ran
        if (args.fit / name).is_file():
            shutil.copyfile(args.fit / name, CONTEXT / name)
    best.to_csv(CONTEXT / "parameters.csv", index=False, float_format="%.8g", lineterminator="\n")

    estimated = best[best["evidence"] == "fitted"]
    fitted = {**dict(zip(estimated["name"], estimated["value"])), **dict(zip(others["parameterId"], others["value"]))}
    ours = hepatocyte.model_objective(fitted)
    reference = hepatocyte.reference_objective()
    report = {
        "description": "primary mouse hepatocytes, fitted to Lucarelli et al. 2018 (Cell Syst 6:75)",
        "command": "alk5 calibrate hepatocyte --starts 50 --optimizer scipy-ls --workers 2 --seed 0",
        "nllh": summary["objective_nll"], "n_data": summary["n_data"], "n_estimated": summary["n_estimated"],
        "AIC": summary["AIC"], "BIC": summary["BIC"], "starts": summary["starts"],
        "starts_within_0.1": summary["starts_converged"], "wall_time_s": summary["wall_time_s"],
        "network": summary.get("network"), "noise": "fixed at the published model's sd (its noise model)",
        "fitted": fitted,
        "fixed": {name: spec[0] for name, spec in hepatocyte.FIXED.items() if spec[0] is not None},
        "fixed_reasons": {name: spec[5] for name, spec in hepatocyte.FIXED.items()},
        "confidence_95": {name: [float(ci.loc[name, "ci95_low"]), float(ci.loc[name, "ci95_high"])] for name in ci.index},
        "at_bound": [name for name in ci.index if bool(ci.loc[name, "at_bound"])],
        "objective_best_starts": sorted(starts["objective"].dropna().round(4).tolist())[:10],
        "this_model": {"nllh": ours["nllh"], "chi2_common_sd": ours["chi2_common_sd"],
                       "per_observable": ours["per_observable"].round(4).reset_index().to_dict("records")},
        "lucarelli_2018_model": {"nllh": reference["nllh"], "chi2_common_sd": reference["chi2_common_sd"],
                                 "n_parameters_fitted_in_paper": int((hepatocyte.source_table("parameters")
                                                                      ["estimate"] == 1).sum()),
                                 "per_observable": reference["per_observable"].round(4).reset_index()
                                 .to_dict("records")},
    }
    (CONTEXT / "report.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(f"hepatocyte context: -log L {ours['nllh']:.2f} (fit {summary['objective_nll']:.2f}); "
          f"Lucarelli 2018 model {reference['nllh']:.2f} -> {CONTEXT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
