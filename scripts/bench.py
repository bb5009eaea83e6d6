"""Benchmark the pipeline: rules -> BioNetGen network -> SBML -> RoadRunner -> simulations.

Called by ``make bench``. Prints a table and writes ``bench/bench.json`` (atomically).

Each stage is timed with ``time.perf_counter`` and reported as the median over repetitions:
  network generation   build_model(), then pysb.bng.generate_equations on that fresh model
                       (BioNetGen; build_model time is reported separately)
  SBML export          alk5_pysb.io.export.to_sbml on the generated model
  RoadRunner compile   Simulator(sbml_text) from the exported text
  resting state        the first sim.resting_state() of each freshly compiled simulator
  24 h simulation      sim.run of a 24 h TGF-beta1 course at 100 pM, 241 points, all readouts,
                       resting state cached
  dose-response        25 doses log-spaced 0.1 pM - 10 nM, 24 h each: total wall time
  calibration          each shipped PEtab problem (models/petab, hepatocyte) on the lean network: one objective
                       (NLL, every condition pre-equilibrated and simulated) and one central
                       finite-difference gradient (pypesto.objective.FD, 2 objectives per parameter);
                       with --rr-sensitivities also libRoadRunner's forward sensitivities (CVODES) of one
                       8 h TGF-beta1 run for 4 parameters, against the plain run; and the wall time of a
                       few-start hepatocyte fit on 2 workers, extrapolated to 50 starts
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from alk5_pysb.pharmacology.compounds import get_compound, simulable_compounds
from alk5_pysb.io.files import atomic_write
from alk5_pysb.simulation.metrics import parse_metrics
from alk5_pysb.analysis.dose_response import dose_response, inhibition

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("alk5-pysb", "pysb", "bionetgen", "libroadrunner", "python-libsbml", "numpy", "pandas")


def _timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - t0, result


def _summary(times: list[float]) -> dict:
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "n": len(times), "all_s": [round(t, 6) for t in times]}


def _versions() -> dict:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        usable = os.cpu_count()
    return {"platform": platform.platform(), "machine": platform.machine(), "processor": platform.processor(),
            "python": platform.python_version(), "cpu_count": os.cpu_count(), "cpus_usable": usable}


def run(build_repeats: int, repeats: int, n_doses: int) -> dict:
    import pysb.bng

    from alk5_pysb.io.bng import configure_pysb
    from alk5_pysb.io.export import to_sbml
    from alk5_pysb.model import build_model
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.simulator import Simulator

    bng_dir = configure_pysb()
    stages: dict[str, dict] = {}

    # network generation (a fresh model each time: generate_equations caches on the model)
    build_t, gen_t, model = [], [], None
    for _ in range(build_repeats):
        t, model = _timed(build_model)
        build_t.append(t)
        t, _ = _timed(pysb.bng.generate_equations, model)
        gen_t.append(t)
    stages["build_model"] = _summary(build_t)
    stages["network_generation"] = _summary(gen_t)
    network = {"species": len(model.species), "reactions": len(model.reactions), "rules": len(model.rules),
               "monomers": len(model.monomers), "model_parameters": len(model.parameters),
               "observables": len(model.observables)}

    # SBML export of the generated network
    export_t, sbml = [], None
    for _ in range(build_repeats):
        t, sbml = _timed(to_sbml, model)
        export_t.append(t)
    stages["sbml_export"] = _summary(export_t)

    # RoadRunner load/compile and the first (uncached) resting state of each instance
    compile_t, rest_t, sim = [], [], None
    for _ in range(build_repeats):
        del sim                                   # free the previous compiled model first
        t, sim = _timed(Simulator, sbml)
        compile_t.append(t)
        t, _ = _timed(sim.resting_state)
        rest_t.append(t)
    stages["roadrunner_compile"] = _summary(compile_t)
    stages["resting_state"] = _summary(rest_t)
    rest_info = dict(sim.last_rest_info)

    # 24 h simulations with the resting state cached
    protocol = Experiment(ligand="TGFB1", dose_pM=100.0, t_end_min=1440.0, n_points=241)
    sim.run(protocol)                              # warm-up (first call allocates the result buffers)
    sim_t = []
    for _ in range(repeats):
        t, frame = _timed(sim.run, protocol)
        sim_t.append(t)
    stages["simulation_24h"] = _summary(sim_t)
    stages["simulation_24h"]["per_second"] = 1.0 / stages["simulation_24h"]["median_s"]
    n_readouts = frame.shape[1] - 1

    # the scan engine: a 25-dose dose-response (with Hill fits) and a 25-dose x 10-compound table
    doses = np.logspace(np.log10(0.1), np.log10(10000.0), n_doses)   # 0.1 pM - 10 nM
    metrics = parse_metrics("at:45min,at:8h,at:24h")
    t0 = time.perf_counter()
    dose_response(sim, Experiment(ligand="TGFB1", readouts=["pSmad2", "PAI1_mRNA"], metrics=metrics), doses)
    total = time.perf_counter() - t0
    stages["dose_response"] = {"n_doses": n_doses, "dose_range_pM": [0.1, 10000.0], "total_s": total,
                               "per_simulation_s": total / n_doses, "per_second": n_doses / total,
                               "readouts": 2, "metrics": [m.text for m in metrics], "includes_fits": True}
    compounds = simulable_compounds()
    inh_doses = np.logspace(-1, 5, n_doses)                              # 0.1 nM - 100 uM
    t0 = time.perf_counter()
    for name in compounds:
        inhibition(sim, Experiment(dose_pM=100.0, pretreat_min=60.0, readouts=["pSmad2", "ERK_active", "p38_active"],
                                   metrics=parse_metrics("at:60min")), get_compound(name), inh_doses)
    total = time.perf_counter() - t0
    n_sims = len(compounds) * (n_doses + 1)                               # + one untreated control each
    stages["inhibition_table"] = {"compounds": len(compounds), "n_doses": n_doses, "simulations": n_sims,
                                  "total_s": total, "per_second": n_sims / total,
                                  "protocol": "pretreat:60min, 100 pM TGF-beta1, readouts at 60 min"}

    stages["networks_24h"] = network_timings(repeats)

    return {
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "machine": _machine(),
        "versions": _versions(),
        "bionetgen": Path(bng_dir).name,       # the folder name only: no machine paths in committed records
        "network": network,
        "settings": {"build_repeats": build_repeats, "simulation_repeats": repeats,
                     "simulation": "TGFB1 100 pM, 0-1440 min, 241 points, "
                                   f"{n_readouts} readouts, rtol 1e-6, atol 1e-9 molecules, resting state cached",
                     "resting_state": rest_info},
        "timings": stages,
    }


def network_timings(repeats: int) -> dict:
    """Size and 24-h simulation time (100 pM TGF-beta1, resting state cached) of every shipped network: the
    full model, the lean TGF-beta1 one, and the TGF-beta1 ones with the optional blocks (fibrosis, cytostasis,
    cytostasis + EMT, endothelial)."""
    from alk5_pysb.io.locations import NETWORKS, models_dir
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.simulator import Simulator
    manifest = json.loads((models_dir() / "MANIFEST.json").read_text(encoding="utf-8"))
    sizes = {"full": manifest, **{name: manifest[f"{name}_network"] for name in NETWORKS if name != "full"}}
    out = {}
    for name in NETWORKS:
        sim = Simulator(network=name)
        protocol = Experiment(dose_pM=100.0, t_end_min=1440.0, n_points=241)
        sim.run(protocol)
        times = [_timed(sim.run, protocol)[0] for _ in range(repeats)]
        out[name] = {"species": sizes[name]["species"], "reactions": sizes[name]["reactions"],
                     "simulation_24h": _summary(times)}
    return out


PROBLEMS = {"literature": ROOT / "models" / "petab" / "problem.yaml", "hepatocyte": "hepatocyte"}


def calibration_timings(repeats: int, rr_sensitivities: bool = False, problem="literature") -> dict:
    """Objective and FD-gradient cost of `alk5 calibrate` on a shipped PEtab problem (lean network)."""
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    from alk5_pysb.simulation.simulator import Simulator
    sim = Simulator(network="tgfb1")
    objective = PetabObjective(load_problem(PROBLEMS[problem]), sim)
    problem = objective.pypesto_problem()
    x = objective.scale(objective.nominal)
    fun_t, grad_t = [], []
    for i in range(repeats):
        x_i = x + 1e-7 * (i + 1)               # a new point each time: no cached simulation
        t, _ = _timed(problem.objective, x_i, sensi_orders=(0,))
        fun_t.append(t)
        t, _ = _timed(problem.objective, x_i + 5e-8, sensi_orders=(1,))
        grad_t.append(t)
    out = {"parameters": len(objective.x_ids), "conditions": len(objective.conditions),
           "measurements": len(objective.rows), "objective": _summary(fun_t), "fd_gradient": _summary(grad_t)}
    if rr_sensitivities:
        out["roadrunner_forward_sensitivities"] = _rr_sensitivities(sim)
    return out


def multistart_timing(starts: int, workers: int) -> dict:
    """Wall time of `alk5 calibrate hepatocyte` with a few starts (scipy-ls, the shipped fit's settings);
    the 50-start wall time is extrapolated from it (starts are independent)."""
    import subprocess
    import sys
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "calibrate", "hepatocyte", "--starts", str(starts),
                        "--optimizer", "scipy-ls", "--workers", str(workers), "--seed", "0", "-o", f"{tmp}/fit"],
                       check=True, capture_output=True)
        wall = time.perf_counter() - t0
    return {"starts": starts, "workers": workers, "wall_s": wall, "per_start_s": wall * workers / starts,
            "extrapolated_50_starts_s": wall * 50 / starts}


RR_SENS_LIMIT_S = 60.0


def _rr_sensitivity_run(queue):
    """Child process: libRoadRunner's forward sensitivities of one 8 h run from rest (4 parameters)."""
    from alk5_pysb.simulation.simulator import Simulator
    sim = Simulator(network="tgfb1")
    rr, rest = sim.rr, sim.resting_state()

    def from_rest():
        sim._apply({})
        rr.model.setFloatingSpeciesAmounts(rest)
        rr["TGFB1_medium"] = rr["TGFB1_medium"] + 50e-3 * rr["molecules_per_nM_medium"]   # 50 pM

    from_rest()
    plain_s, _ = _timed(rr.simulate, 0, 480, 5)
    solver = rr.getSensitivitySolver()
    solver.setValue("relative_tolerance", sim.rtol)
    from_rest()
    t0 = time.perf_counter()
    try:
        rr.timeSeriesSensitivities(0, 480, 5, params=RR_SENS_PARAMETERS, k=0)
        outcome = "ok"
    except RuntimeError as err:
        outcome = " ".join(str(err).split())[:160]
    queue.put({"seconds": time.perf_counter() - t0, "outcome": outcome, "plain_run_s": plain_s})


RR_SENS_PARAMETERS = ["kon_TGFB1_TBRII", "k_phos_Smad2", "kon_ALK5_complex", "k_GS_phos"]


def _rr_sensitivities(sim) -> dict:
    """Forward sensitivities in a child process stopped after RR_SENS_LIMIT_S (CVODES may not finish)."""
    import multiprocessing
    import queue as queues
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_rr_sensitivity_run, args=(queue,))
    child.start()
    try:
        result = queue.get(timeout=RR_SENS_LIMIT_S + 30)       # + compile and resting state
    except queues.Empty:
        result = {"seconds": RR_SENS_LIMIT_S, "outcome": f"not finished after {RR_SENS_LIMIT_S:g} s",
                  "plain_run_s": float("nan")}
    child.terminate()
    child.join()
    return {"parameters": RR_SENS_PARAMETERS, **result}


def table(result: dict) -> str:
    net, t = result["network"], result["timings"]
    rows = [
        ("network", f"{net['species']} species, {net['reactions']} reactions, {net['rules']} rules"),
        ("build_model (PySB rules)", f"{t['build_model']['median_s']:.3f} s"),
        ("network generation (BioNetGen)", f"{t['network_generation']['median_s']:.2f} s"),
        ("SBML export (to_sbml)", f"{t['sbml_export']['median_s']:.2f} s"),
        ("RoadRunner load + compile", f"{t['roadrunner_compile']['median_s']:.2f} s"),
        ("resting state (first, uncached)", f"{t['resting_state']['median_s'] * 1e3:.1f} ms"),
        ("24 h simulation", f"{t['simulation_24h']['median_s'] * 1e3:.1f} ms "
                            f"({t['simulation_24h']['per_second']:.1f} sims/s)"),
        (f"dose-response ({t['dose_response']['n_doses']} doses, 24 h, fits)",
         f"{t['dose_response']['total_s']:.2f} s total ({t['dose_response']['per_second']:.1f} sims/s)"),
        (f"inhibition table ({t['inhibition_table']['compounds']} compounds x {t['inhibition_table']['n_doses']} doses)",
         f"{t['inhibition_table']['total_s']:.2f} s total ({t['inhibition_table']['per_second']:.1f} sims/s)"),
    ]
    for name, net_t in t.get("networks_24h", {}).items():
        rows.append((f"{name} network: 24 h simulation", f"{net_t['simulation_24h']['median_s'] * 1e3:.1f} ms "
                     f"({net_t['species']} species, {net_t['reactions']} reactions)"))
    for name in PROBLEMS:
        cal = t.get(f"calibration_{name}")
        if not cal:
            continue
        rows.append((f"{name} problem: objective ({cal['conditions']} conditions, {cal['measurements']} data)",
                     f"{cal['objective']['median_s'] * 1e3:.1f} ms"))
        rows.append((f"{name} problem: FD gradient ({cal['parameters']} parameters)",
                     f"{cal['fd_gradient']['median_s']:.2f} s"))
        sens = cal.get("roadrunner_forward_sensitivities")
        if sens:
            rows.append(("RoadRunner forward sensitivities (4 p, 8 h)",
                         f"{sens['seconds']:.1f} s, {sens['outcome'][:40]} (plain run {sens['plain_run_s'] * 1e3:.1f} ms)"))
    fit = t.get("multistart_hepatocyte")
    if fit:
        rows.append((f"hepatocyte fit, {fit['starts']} starts on {fit['workers']} workers",
                     f"{fit['wall_s']:.0f} s ({fit['per_start_s']:.1f} s per start; 50 starts ~"
                     f"{fit['extrapolated_50_starts_s'] / 60:.1f} min)"))
    width = max(len(k) for k, _ in rows)
    s = result["settings"]
    head = (f"alk5-pysb benchmark (medians; {s['build_repeats']} repeats for one-time costs, "
            f"{s['simulation_repeats']} for simulations)")
    m, v = result["machine"], result["versions"]
    foot = (f"{m['platform']}, {m['cpu_count']} CPUs; pysb {v['pysb']}, libroadrunner {v['libroadrunner']}, "
            f"python-libsbml {v['python-libsbml']}")
    return "\n".join([head] + [f"  {k:<{width}}  {val}" for k, val in rows] + [foot])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=20, help="repetitions of the 24 h simulation (default: 20)")
    parser.add_argument("--build-repeats", type=int, default=3,
                        help="repetitions of network generation, SBML export, compile, resting state (default: 3)")
    parser.add_argument("--doses", type=int, default=25, help="doses in the dose-response run (default: 25)")
    parser.add_argument("--calibration-repeats", type=int, default=5,
                        help="repetitions of the calibration objective and gradient (0: skip; default 5)")
    parser.add_argument("--fit-starts", type=int, default=6,
                        help="starts of the timed hepatocyte fit on 2 workers (default 6; 50 are extrapolated)")
    parser.add_argument("--rr-sensitivities", action="store_true",
                        help="also time libRoadRunner's forward sensitivities (slow: tens of seconds)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "bench.json",
                        help="JSON output (default: bench/bench.json)")
    args = parser.parse_args(argv)
    for name in ("repeats", "build_repeats", "doses"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")

    result = run(args.build_repeats, args.repeats, args.doses)
    if args.calibration_repeats > 0:
        try:
            for name in PROBLEMS:
                result["timings"][f"calibration_{name}"] = calibration_timings(
                    args.calibration_repeats, args.rr_sensitivities and name == "literature", name)
            result["timings"]["multistart_hepatocyte"] = multistart_timing(args.fit_starts, 2)
        except ModuleNotFoundError as err:      # pypesto/petab: the [calibrate] extra
            print(f"calibration timings skipped: {err.name} is not installed")
    atomic_write(args.out, json.dumps(result, indent=2) + "\n", make_folder=True)
    print(table(result))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
