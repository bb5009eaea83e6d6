"""Side-by-side scan benchmark (issue: scans at scale). Called by ``make bench``.

Fixed workload: a 1,000-condition dose x inhibitor grid (25 TGF-beta1 doses 0.1 pM-10 nM x 40
SB-431542 doses 1 nM-100 uM, 60 min pre-treatment), 24 h each, 200 output points, rtol 1e-6 and
atol 1e-9 molecules per cell for every tool (the engine hands CVODE a per-species vector: a
scalar would be rescaled per species by libRoadRunner). Measured in one run:

- this engine: serial, local processes, Dask LocalCluster (same number of workers);
- other tools on the same model (sampled per-simulation cost; their 1,000-condition time is
  one-time cost + 1,000 x per-simulation cost, an estimate and labelled as such): PySB
  ScipyOdeSimulator (default settings; lsoda), BioNetGen run_network, COPASI (basico);
  AMICI when it can be imported in this environment;
- one-time costs (network generation, export, compile/load) apart from per-simulation time;
- the cost of one right-hand-side evaluation, and peak memory of 1,000- and 10,000-condition
  scans (short 1 h conditions, separate processes).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PER_TOOL_TIMEOUT_S = 180


def _workload(n_ligand=25, n_inhibitor=40, output_points=200):
    import pandas as pd
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    exp = Experiment(readouts=["pSmad2", "PAI1_mRNA", "p38_active"], metrics=parse_metrics("at:60min,at:24h"),
                     compound=get_compound("SB-431542"), pretreat_min=60.0,
                     t_end_min=1440.0).for_metrics(output_points=output_points)
    grid = [(l, i) for l in np.logspace(-1, 4, n_ligand) for i in np.logspace(0, 5, n_inhibitor)]
    table = pd.DataFrame(grid, columns=["ligand_dose", "inhibitor_dose"])
    table.insert(0, "condition_id", np.arange(len(table)))
    return exp, table


def _timed(fn, *a, **k):
    t0 = time.perf_counter()
    out = fn(*a, **k)
    return time.perf_counter() - t0, out


def one_time_costs(ligands=None):
    import pysb.bng
    from alk5_pysb.io.bng import configure_pysb
    from alk5_pysb.io.export import to_sbml
    from alk5_pysb.model import build_model
    from alk5_pysb.simulation.simulator import Simulator
    configure_pysb()
    t_build, model = _timed(build_model, ligands=ligands)
    t_net, _ = _timed(pysb.bng.generate_equations, model)
    t_export, sbml = _timed(to_sbml, model)
    t_compile, sim = _timed(Simulator, sbml, 1e-6, 1e-9)
    t_rest, _ = _timed(sim.resting_state)
    costs = {"build_model_s": t_build, "network_generation_s": t_net, "sbml_export_s": t_export,
             "roadrunner_compile_s": t_compile, "resting_state_s": t_rest}
    return costs, model, sbml, sim


def engine_runs(sim, workers, executors=("serial", "processes", "dask"), label=""):
    from alk5_pysb.simulation.engine import run_scan
    exp, table = _workload()
    results = {}
    for executor in executors:
        with tempfile.TemporaryDirectory() as tmp:
            wall, frame = _timed(run_scan, sim, exp, table, Path(tmp) / "scan", executor=executor,
                                 workers=workers, progress=False)
        failed = int((frame["error"] != "").sum())
        results[executor] = {"wall_s": wall, "conditions": len(frame), "failed": failed,
                             "per_condition_s": wall / len(frame), "conditions_per_s": len(frame) / wall,
                             "workers": 1 if executor == "serial" else workers}
        print(f"  engine {executor + label:16s} {wall:7.1f} s  ({len(frame) / wall:6.1f} conditions/s, {failed} failed)",
              flush=True)
    return results


def rhs_cost(sim):
    rr = sim.rr
    rr.model.setFloatingSpeciesAmounts(sim.resting_state())
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        rr.getRatesOfChange()
    return (time.perf_counter() - t0) / n


def where_time_goes(sim, rhs_s: float) -> dict:
    """One 24 h run of 100 pM TGF-beta1 from rest. libRoadRunner does not report CVODE's counters, so
    the steps are counted by rerunning with variable_step_size (one output row per internal step);
    the floor is steps x one right-hand-side evaluation. CVODE's own counts (RHS and Jacobian
    evaluations) come from AMICI's CVODES on the same SBML (see the amici entry)."""
    from alk5_pysb.simulation.simulator import LIGAND_SPECIES
    rr, rest = sim.rr, sim.resting_state()

    def from_rest():
        sim._apply({})
        rr.model.setFloatingSpeciesAmounts(rest)
        sid = LIGAND_SPECIES["TGFB1"]
        rr[sid] = rr[sid] + 100.0 * 1e-3 * sim._molecules_per_nM("medium")
        rr.integrator.restart(0.0)

    walls = []
    for _ in range(5):
        from_rest()
        t0 = time.perf_counter()
        rr.simulate(0, 1440, 200)
        walls.append(time.perf_counter() - t0)
    from_rest()
    rr.integrator.setValue("variable_step_size", True)
    try:
        steps = len(rr.simulate(0, 1440)) - 1
    finally:
        rr.integrator.setValue("variable_step_size", False)
    wall = float(np.median(walls))
    floor = steps * rhs_s
    return {"species": len(sim.species), "steps": steps, "rhs_evaluation_s": rhs_s, "simulation_s": wall,
            "floor_steps_x_rhs_s": floor, "floor_fraction": floor / wall,
            "note": "time above the floor goes to Newton iterations, Jacobian formation and linear solves; "
                    "libRoadRunner does not count them (AMICI's CVODES counts on the same model are in other_tools)"}


def _run_tool(name: str, sbml_path: str, model_pickle: str, n: int) -> dict:
    """Per-simulation cost of another tool, in a subprocess with a time limit."""
    code = f"""
import json, pickle, time, numpy as np
name, n = {name!r}, {n}
tspan = np.linspace(0, 1440, 200)
out = {{}}
if name.startswith("pysb"):
    from alk5_pysb.io.bng import configure_pysb; configure_pysb()
    from pysb.simulator import ScipyOdeSimulator
    model = pickle.load(open({model_pickle!r}, "rb"))
    kw = {{}} if name == "pysb_default" else {{"integrator": "lsoda", "compiler": "python"}}
    t0 = time.perf_counter(); sim = ScipyOdeSimulator(model, tspan, integrator_options={{"rtol": 1e-6, "atol": 1e-9}}, **kw)
    out["load_s"] = time.perf_counter() - t0
    times = []
    for i in range(n):
        t0 = time.perf_counter(); sim.run(param_values={{"TGFB1_0": 120000.0 * (1 + i)}}); times.append(time.perf_counter() - t0)
elif name == "bionetgen":
    from alk5_pysb.io.interop import bng_ode_run
    bngl = open({str(ROOT / 'models' / 'alk5.bngl')!r}).read()
    times = []
    for i in range(n):
        t0 = time.perf_counter(); bng_ode_run(bngl, {{"TGFB1_0": 120000.0}}, 1440, 199, rtol=1e-6, atol=1e-9); times.append(time.perf_counter() - t0)
elif name == "copasi":
    import basico
    t0 = time.perf_counter(); dm = basico.load_model({sbml_path!r}); out["load_s"] = time.perf_counter() - t0
    basico.set_parameters("TGFB1_0", initial_value=120000.0, model=dm)
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        basico.run_time_course(duration=1440, intervals=199, model=dm, r_tol=1e-6, a_tol=1e-9, update_model=False)
        times.append(time.perf_counter() - t0)
out["per_simulation_s"] = float(np.median(times)); out["samples"] = len(times)
print(json.dumps(out))
"""
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=PER_TOOL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout: more than {PER_TOOL_TIMEOUT_S} s for {n} simulation(s) (incl. load)"}
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": f"failed: {last[:200]}"}
    data = json.loads(res.stdout.strip().splitlines()[-1])
    data["status"] = "measured"
    return data


def amici_run(amici_python: str | None, sbml_path: str, build: str = "amici_build") -> dict:
    """AMICI compiled from our SBML, in its own venv (scripts/bench_amici.py; the build is kept in
    bench/amici_build and reused while the SBML is unchanged, its compile time stored with it)."""
    if not amici_python or not Path(amici_python).is_file():
        return {"status": "not run: no AMICI environment (make bench creates .venv-amici)"}
    out_json = ROOT / "bench" / f"{build}.json"
    cmd = [amici_python, str(ROOT / "scripts" / "bench_amici.py"), "--sbml", sbml_path, "--build-dir",
           str(ROOT / "bench" / build), "--n", "5", "--json", str(out_json)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    except subprocess.TimeoutExpired:
        return {"status": "timeout: AMICI import + build + runs took more than 3600 s"}
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        return {"status": f"failed: {last[:200]}"}
    data = json.loads(res.stdout.strip().splitlines()[-1])
    return {"status": "measured", "load_s": data["compile_s"], "compile_mode": data["compile_mode"],
            "per_simulation_s": data["per_simulation_s"], "samples": len(data["per_simulation_all_s"]),
            "cvodes": data["representative"]["cvodes"], "max_readout_rel_dev_vs_roadrunner": data["max_readout_rel_dev"],
            "roadrunner_same_task_s": data["roadrunner"]["per_simulation_s"], "amici_version": data["amici_version"],
            "rest_model": data.get("rest_model"),
            "note": "24 h from the SBML initial state, 5 doses; the SBML imported as exported (no workaround)"}


def memory_run(n_conditions: int, workers: int) -> float:
    """Peak resident memory (MB) of a scan of short (1 h) conditions, measured in its own process tree."""
    code = f"""
import resource, tempfile, numpy as np, pandas as pd
from pathlib import Path
from alk5_pysb.simulation.engine import run_scan
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.metrics import parse_metrics
from alk5_pysb.simulation.simulator import Simulator
sim = Simulator()
exp = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:60min"), pretreat_min=0.0)
table = pd.DataFrame({{"condition_id": np.arange({n_conditions}), "ligand_dose": np.logspace(-1, 4, {n_conditions})}})
with tempfile.TemporaryDirectory() as tmp:
    run_scan(sim, exp, table, Path(tmp) / "s", executor="processes", workers={workers}, chunk_size=50, progress=False)
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(max(own, kids) / 1024.0)
"""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-500:])
    return float(res.stdout.strip().splitlines()[-1])


def report(result: dict) -> None:
    """The benchmark table and targets, printed from a result (also: --report bench/bench_scan.json)."""
    whole, targets, tools, memory = result["whole_scan_s"], result["targets"], result["other_tools"], result["peak_memory_mb"]
    anatomy, lean_anatomy, rhs = result["one_simulation"], result["tgfb1_network"]["one_simulation"], result["rhs_evaluation_s"]
    per_sim_engine, workers = targets["engine_per_sim_s"], result["workers"]
    bound = ">= " if targets["speedup_vs_pysb_default_is_lower_bound"] else ""
    print("\nwhole 1,000-condition scan, one-time costs included (s):")
    for name, value in sorted(whole.items(), key=lambda kv: kv[1]):
        print(f"  {name:28s} {value:9.1f}   ({value / whole['engine_processes']:.2f}x engine processes)")
    print(f"\nper simulation: engine {per_sim_engine * 1e3:.1f} ms (serial, incl. 2 phases)")
    print(f"one 24 h run from rest ({anatomy['species']} species): {anatomy['simulation_s'] * 1e3:.1f} ms, "
          f"{anatomy['steps']} CVODE steps x {rhs * 1e6:.1f} us per RHS = floor {anatomy['floor_steps_x_rhs_s'] * 1e3:.1f} ms "
          f"({100 * anatomy['floor_fraction']:.0f}% of the run)")
    print(f"lean TGF-beta1 network ({lean_anatomy['species']} species): {lean_anatomy['simulation_s'] * 1e3:.1f} ms, "
          f"{lean_anatomy['steps']} steps, floor {lean_anatomy['floor_steps_x_rhs_s'] * 1e3:.1f} ms")
    for name, label in (("amici", "full"), ("amici_tgfb1", "TGF-beta1")):
        amici = tools[name]
        if amici.get("status") == "measured":
            c = amici["cvodes"]
            print(f"AMICI vs RoadRunner, same 24 h task, {label} network: {amici['per_simulation_s'] * 1e3:.1f} ms vs "
                  f"{amici['roadrunner_same_task_s'] * 1e3:.1f} ms (RR/AMICI "
                  f"{targets['roadrunner_over_amici_per_sim'][name]:.2f}, target <= 1); build {amici['load_s']:.0f} s "
                  f"({amici['compile_mode']}); CVODES: {c['numsteps']} steps, {c['num_rhs_evals']} RHS evaluations, "
                  f"{c['num_err_test_fails']} error-test failures")
        else:
            print(f"AMICI ({label}): {amici['status']}")
    print(f"speed-up over PySB default ScipyOdeSimulator: {bound}{targets['speedup_vs_pysb_default']:.0f}x per simulation "
          "(target >= 10x)")
    print(f"parallel efficiency on {workers} workers: {targets['parallel_efficiency']:.2f} (target >= 0.85)")
    print(f"Dask overhead over local processes: {100 * targets['dask_overhead_vs_processes']:.0f}% (target <= 15%)")
    if memory:
        print(f"peak memory 1k / 10k conditions: {memory['1000']:.0f} / {memory['10000']:.0f} MB "
              f"(ratio {targets['memory_10k_over_1k']:.2f}, target <= 1.10)")
    print(f"lean network: parallel efficiency {targets['lean_parallel_efficiency']:.2f}; whole scan "
          f"{whole['engine_processes_tgfb1']:.1f} s on processes")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "bench_scan.json")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--amici-python", help="python of the AMICI venv (.venv-amici/bin/python)")
    parser.add_argument("--report", type=Path, help="print the table of an earlier run's JSON and stop")
    args = parser.parse_args(argv)
    if args.report:
        report(json.loads(args.report.read_text(encoding="utf-8")))
        return 0
    from alk5_pysb.io.files import atomic_write

    print("one-time costs ...", flush=True)
    costs, model, sbml, sim = one_time_costs()
    print("engine on the 1,000-condition workload ...", flush=True)
    engine = engine_runs(sim, args.workers)
    rhs = rhs_cost(sim)
    anatomy = where_time_goes(sim, rhs)
    print("the same on the lean TGF-beta1-only network ...", flush=True)
    lean_costs, _, lean_sbml, lean_sim = one_time_costs(ligands=("TGFB1",))
    lean_engine = engine_runs(lean_sim, args.workers, ("serial", "processes"), label=" (tgfb1)")
    lean_anatomy = where_time_goes(lean_sim, rhs_cost(lean_sim))
    print("other tools (sampled) ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        import pickle
        sbml_path = Path(tmp) / "alk5.sbml"
        sbml_path.write_text(sbml, encoding="utf-8")
        model_path = Path(tmp) / "model.pkl"
        model_path.write_bytes(pickle.dumps(model))
        tools = {}
        for name, n in (("pysb_default", 1), ("pysb_lsoda", 3), ("bionetgen", 2), ("copasi", 3)):
            tools[name] = _run_tool(name, str(sbml_path), str(model_path), n)
            print(f"  {name:12s} {tools[name]}", flush=True)
        tools["amici"] = amici_run(args.amici_python, str(sbml_path))
        print(f"  {'amici':12s} {tools['amici']}", flush=True)
        lean_path = Path(tmp) / "alk5_tgfb1.sbml"
        lean_path.write_text(lean_sbml, encoding="utf-8")
        tools["amici_tgfb1"] = amici_run(args.amici_python, str(lean_path), "amici_build_tgfb1")
        print(f"  {'amici_tgfb1':12s} {tools['amici_tgfb1']}", flush=True)
    memory = {}
    if not args.skip_memory:
        print("peak memory ...", flush=True)
        for n in (1000, 10000):
            memory[str(n)] = memory_run(n, args.workers)
            print(f"  {n:6d} conditions: {memory[str(n)]:.0f} MB", flush=True)

    one_time = costs["network_generation_s"] + costs["sbml_export_s"] + costs["roadrunner_compile_s"]
    best = engine["processes"]
    whole = {f"engine_{k}": one_time + v["wall_s"] for k, v in engine.items()}
    lean_one_time = lean_costs["network_generation_s"] + lean_costs["sbml_export_s"] + lean_costs["roadrunner_compile_s"]
    whole.update({f"engine_{k}_tgfb1": lean_one_time + v["wall_s"] for k, v in lean_engine.items()})
    per_sim_engine = engine["serial"]["per_condition_s"]
    for name, t in tools.items():
        if t.get("status") == "measured":
            whole[f"{name}_estimate"] = t.get("load_s", 0.0) + 1000 * t["per_simulation_s"]
    targets = {
        "parallel_efficiency": engine["serial"]["wall_s"] / (args.workers * best["wall_s"]),
        "dask_overhead_vs_processes": engine["dask"]["wall_s"] / best["wall_s"] - 1,
        "memory_10k_over_1k": (memory["10000"] / memory["1000"]) if memory else None,
        "engine_per_sim_s": per_sim_engine,
        # a timeout gives a lower bound: PySB default did not finish one simulation within the limit
        "speedup_vs_pysb_default": (tools["pysb_default"].get("per_simulation_s", PER_TOOL_TIMEOUT_S) / per_sim_engine),
        "speedup_vs_pysb_default_is_lower_bound": tools["pysb_default"].get("status") != "measured",
        # same task in the same process (bench_amici.py): RoadRunner time / AMICI time, <= 1 meets the target
        "roadrunner_over_amici_per_sim": {
            name: (tools[name]["roadrunner_same_task_s"] / tools[name]["per_simulation_s"]
                   if tools[name].get("status") == "measured" else None) for name in ("amici", "amici_tgfb1")},
        "lean_parallel_efficiency": lean_engine["serial"]["wall_s"] / (args.workers * lean_engine["processes"]["wall_s"]),
        "whole_scan_fastest": min(whole, key=whole.get),
    }
    result = {"workload": "1000 conditions (25 TGF-beta1 doses x 40 SB-431542 doses, 60 min pre-treatment), 24 h, "
                          "200 output points, rtol 1e-6, atol 1e-9 (molecules per cell)",
              "cpus": os.cpu_count(), "workers": args.workers, "one_time": costs, "engine": engine,
              "tgfb1_network": {"one_time": lean_costs, "engine": lean_engine, "one_simulation": lean_anatomy},
              "rhs_evaluation_s": rhs, "one_simulation": anatomy, "other_tools": tools, "whole_scan_s": whole, "peak_memory_mb": memory,
              "targets": targets}
    atomic_write(args.out, json.dumps(result, indent=2, default=float) + "\n", make_folder=True)

    report(result)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
