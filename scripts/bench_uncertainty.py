"""Benchmark of the uncertainty layer (issue 17): called by ``make bench``; writes bench/bench_uncertainty.json.

  constraints      the constraint behaviours (B1-B25) for one parameter set (the nominal one), as the ensemble
                   evaluates them (B9 on the full network, the rest on the lean one; atol BEHAVIOUR_ATOL), per
                   behaviour on one process, and the wall time per member of 8 distinct members of the shipped
                   ensemble on 2 processes, from
                   which the 1,000-member constrained ensemble is extrapolated
  subset           the constrained-ensemble engine (ABC by subset simulation, every constraint): a population of
                   20 over 3 levels on 2 processes, wall time per level and per simulated parameter set (the first
                   level is prior draws, evaluated in full; later proposals stop at the first exceeded tolerance)
  dose-response    --ensemble 200 on a 13-dose pSmad2 dose-response at 45 min (2 processes): wall time
  profile          one hepatocyte profile (Smad2_0, both directions) and the potency problem's profile
  full ensemble    with --full-ensemble only (``make bench-ensemble``, ~30 min; bench/bench_ensemble.json): the
                   1,000-member constrained ensemble from scratch as ``alk5 ensemble --population 100 --members
                   1000`` builds it (levels to tolerance 0, then chains at tolerance 0): wall time of each part,
                   sets simulated, distinct members
Peak memory is the resident-set maximum of this process and of its children (resource.getrusage).
"""
from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


def constraints() -> dict:
    import tempfile
    import pandas as pd
    from alk5_pysb.calibration import constrained, subset
    ids = subset.constraints()
    sims = constrained._sims()
    constrained.evaluate(sims, {}, ids[:1])            # compile and pre-equilibrate once
    per = {}
    start = time.perf_counter()
    for check_id in ids:
        t = time.perf_counter()
        constrained.evaluate(sims, {}, [check_id])
        per[check_id] = round(time.perf_counter() - t, 3)
    total = time.perf_counter() - start
    # throughput as an ensemble runs: 8 distinct members of the shipped ensemble on 2 processes, wall time per
    # member (repeats of one parameter set are evaluated once, so the members must differ)
    from alk5_pysb.analysis import uncertainty
    shipped = uncertainty.shipped_ensemble()
    members = shipped.drop_duplicates(uncertainty.fold_columns(shipped)).head(8).reset_index(drop=True)
    members["member"] = range(len(members))
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        constrained.run(members, Path(folder) / "ens", ids, workers=2, progress=False)
        per_member = (time.perf_counter() - t) / len(members)
    return {"constraints": len(ids), "atol_molecules_per_cell": constrained.BEHAVIOUR_ATOL,
            "seconds_one_parameter_set_1_process": round(total, 2), "per_behaviour_s": per,
            "seconds_per_member_2_processes": round(per_member, 2), "target_s_on_2_cores": 2.0,
            "met": per_member <= 2.0, "extrapolated_1000_members_2_processes_min": round(1000 * per_member / 60, 1)}


def subset_levels(workers: int) -> dict:
    import tempfile
    from alk5_pysb.calibration import subset
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        summary = subset.run(Path(folder) / "ens", population=20, workers=workers, max_levels=3)
        wall = time.perf_counter() - t
    return {"population": 20, "levels": summary["levels"], "simulated": summary["simulated"], "wall_s": round(wall, 1),
            "wall_s_per_simulated_set": round(wall / summary["simulated"], 2), "workers": workers}


def full_ensemble(workers: int, members: int = 1000, population: int = 100) -> dict:
    import tempfile
    import pandas as pd
    from alk5_pysb.calibration import subset
    with tempfile.TemporaryDirectory() as folder:
        t = time.perf_counter()
        summary = subset.run(Path(folder) / "ens", population=population, workers=workers, members=members)
        wall = time.perf_counter() - t
        levels = pd.read_csv(Path(folder) / "ens" / "levels.csv")
    grow = levels.iloc[-1] if summary["grown"] else None
    return {"population": population, "members": summary["accepted"], "distinct": summary["distinct_accepted"],
            "levels": summary["levels"], "simulated": summary["simulated"], "wall_min": round(wall / 60, 1),
            "to_tolerance_0_min": round((wall - (grow["seconds"] if grow is not None else 0)) / 60, 1),
            "grow_min": round(grow["seconds"] / 60, 1) if grow is not None else 0.0,
            "grow_proposals": int(grow["simulated"]) if grow is not None else 0,
            "grow_move_acceptance": round(float(grow["move_acceptance"]), 3) if grow is not None else None,
            "target_min_on_2_cores": 30.0, "met": wall <= 30 * 60, "workers": workers}


def ensemble_dose_response(workers: int) -> dict:
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.analysis.dose_response import EngineOptions, dose_response
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    from alk5_pysb.simulation.simulator import Simulator
    sim = Simulator(network="tgfb1")
    members = uncertainty.draw(200, seed=0)
    members = members[["member", *[c for c in uncertainty.fold_columns(members)
                                   if c.split(":", 1)[1] in sim.table_parameters]]]
    t = time.perf_counter()
    _, fits = dose_response(sim, Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min")),
                            np.logspace(-1, 4, 13), members=members, engine=EngineOptions("processes", workers))
    wall = time.perf_counter() - t
    band = uncertainty.band(fits["ec50"])
    return {"members": 200, "doses": 13, "wall_s": round(wall, 1), "ec50_band_pM": band}


def profiles(workers: int) -> dict:
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem, problem_path
    from alk5_pysb.calibration.profiles import best_values, profile
    from alk5_pysb.simulation.simulator import Simulator
    from importlib import resources
    out = {}
    for name, parameters in (("hepatocyte", ["Smad2_0"]), ("potency", None)):
        yaml = problem_path(name)
        sim = Simulator(network="tgfb1")
        objective = PetabObjective(load_problem(yaml), sim)
        report = resources.files("alk5_pysb").joinpath(f"data/contexts/{name}/report.json")
        with resources.as_file(report) as path:
            data = json.loads(path.read_text(encoding="utf-8"))
            best = best_values(path) if "fitted" in data else {"Kd_residual_factor": data["Kd_residual_factor"]}
        t = time.perf_counter()
        _, intervals = profile(objective, best, parameters=parameters, workers=workers)
        out[name] = {"parameters": list(intervals["parameter"]), "wall_s": round(time.perf_counter() - t, 1),
                     "identifiability": dict(zip(intervals["parameter"], intervals["identifiability"]))}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "bench_uncertainty.json")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--full-ensemble", action="store_true",
                        help="only the 1,000-member constrained ensemble from scratch (~30 min)")
    args = parser.parse_args(argv)
    from alk5_pysb.io.files import atomic_write
    result = {"date": time.strftime("%Y-%m-%d")}
    parts = (("full_ensemble", lambda: full_ensemble(args.workers)),) if args.full_ensemble else (
        ("constraints", constraints), ("subset", lambda: subset_levels(args.workers)),
        ("ensemble_dose_response", lambda: ensemble_dose_response(args.workers)),
        ("profiles", lambda: profiles(args.workers)))
    for key, fn in parts:
        t = time.perf_counter()
        result[key] = fn()
        result[key]["peak_memory_mb"] = round(_peak_mb(), 0)
        print(f"{key}: {time.perf_counter() - t:.1f} s  {json.dumps(result[key])[:300]}")
    atomic_write(args.out, json.dumps(result, indent=2, default=float) + "\n", make_folder=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
