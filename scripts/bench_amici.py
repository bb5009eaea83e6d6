"""Benchmark AMICI (CVODES, compiled C++) on the exported SBML and check it against libRoadRunner.

    python scripts/bench_amici.py --sbml models/alk5.sbml --build-dir DIR --n 5 [--json OUT]
        [--rest-sbml models/alk5_rest.sbml] [--rest-build-dir DIR2 | --no-rest-check]

Stages:
  build        SbmlImporter(...).sbml2amici(compile=False) (symbolic import + C++ code generation),
               then the C++ compile of the model extension. Skipped when DIR holds a build of the
               same SBML (sha256), AMICI version and options; the compile time measured when it was
               built is stored in DIR and reported with "compile_mode": "reused".
  load         import of the compiled model module + get_model()
  simulate     24 h (0-1440 min, 200 points) from the SBML initial state, n TGF-beta1 doses
               log-spaced 0.1 pM - 10 nM (TGFB1_0 = dose_pM * 1e-3 * molecules_per_nM_medium),
               rtol 1e-6, atol 1e-9 molecules; then the representative dose again with atol 1e-3.
  reference    libRoadRunner on the same SBML, same tolerances and max steps as alk5_pysb.Simulator.
  rest model   check (not timed): the resting-state SBML with its dose events (alk5_rest.sbml, the
               model of the COMBINE archive) is imported and compiled too (build kept in
               --rest-build-dir, default amici_build_rest next to --build-dir, reused like the main
               build), then 100 pM TGF-beta1 for 24 h and a 60-min SB-431542 (10 uM) pre-treatment
               are compared with libRoadRunner on the same file, see rest_check(). The script exits
               with status 3 (after printing and writing the summary) if that check fails.

The SBML is imported as it is (AMICI 1.0.1 with sympy 1.14 differentiates the symbolic Hill
exponents x^n to n*x^(n-1), finite at x = 0; older sympy gave n*x^n/x = NaN at t = 0, which needed
integer literals for the exponents). One deviation from a plain simulate: the sensitivity parameter
list is emptied before the timed runs (4x faster, same results). Sensitivity code is not generated
unless --sensi-code is given (forward simulation only).

Needs amici (not a project dependency; amici 1.0 requires sympy>=1.12.1, pysb 1.17 pins sympy<1.12):
    python -m pip install -r scripts/requirements-amici.txt   # `make bench` does this in .venv-amici
A C++ compiler must be on PATH; BLAS (scipy-openblas64), swig, cmake and ninja come from pip.
The script does not import alk5_pysb, so it also runs in a separate venv with amici + libroadrunner.
The last line of stdout is the JSON summary; progress goes to stderr.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import numpy as np

MODEL_NAME = "alk5_amici"
META_FILE = "bench_amici_build.json"     # our marker in the build dir (written after the build)
T_END, N_POINTS = 1440.0, 200            # 24 h in minutes, as in the brief
DOSE_RANGE_PM = (0.1, 10000.0)           # 0.1 pM - 10 nM
MAX_STEPS = 200000                       # same as alk5_pysb.simulation.simulator.Simulator


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tool_version(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        return next(line.strip() for line in out.splitlines() if line.strip())
    except (OSError, subprocess.CalledProcessError, StopIteration):
        return None


# --- build --------------------------------------------------------------------------------------

def build(sbml: Path, build_dir: Path, readout: str, sensi_code: bool, jobs: int, import_nprocs: int,
          model_name: str = MODEL_NAME) -> dict:
    """Import + compile into build_dir unless an identical build is already there."""
    import amici
    from amici.exporters.sundials.compile import build_model_extension
    from amici.importers.sbml import SbmlImporter

    options = {"model_name": model_name, "readout": readout, "generate_sensitivity_code": sensi_code,
               "compute_conservation_laws": True}
    wanted = {"sbml_sha256": sha256(sbml), "amici_version": amici.__version__, "options": options}
    meta_path = build_dir / META_FILE
    if meta_path.is_file():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if all(meta.get(k) == v for k, v in wanted.items()) and not meta.get("failed"):
            return {**meta, "compile_mode": "reused"}
        log(f"[build] {build_dir} holds a different or failed build; rebuilding")
        shutil.rmtree(build_dir)
    elif build_dir.exists() and any(build_dir.iterdir()):
        # AMICI deletes every top-level file of its output dir: never point it at a foreign directory
        sys.exit(f"{build_dir} is not empty and has no {META_FILE}; choose an empty or new --build-dir")
    build_dir.mkdir(parents=True, exist_ok=True)

    # swig (and cmake/ninja) come from pip into this interpreter's bin dir, which is not on PATH
    # unless the venv is activated; AMICI's CMake build looks them up on PATH
    scripts = sysconfig.get_path("scripts")
    os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    # parallel C++ compile (AMICI's default is 1 job); parallel symbolic import is separate because
    # on this model 2 import processes were ~2x slower than 1 (pickling SymPy expressions)
    os.environ["AMICI_PARALLEL_COMPILE"] = str(jobs)
    os.environ["AMICI_IMPORT_NPROCS"] = str(import_nprocs)
    log(f"[build] importing {sbml} (sensitivity code: {sensi_code}, compile jobs: {jobs}, "
        f"import processes: {import_nprocs}) ...")
    try:
        t0 = time.perf_counter()
        importer = SbmlImporter(sbml)
        # the readout is an SBML assignment-rule parameter; expose it as an AMICI observable (y)
        channels = [amici.MeasurementChannel(f"{readout}_obs", formula=readout)]
        importer.sbml2amici(model_name, build_dir, observation_model=channels, verbose=False, compile=False,
                            generate_sensitivity_code=sensi_code, compute_conservation_laws=True)
        codegen_s = time.perf_counter() - t0
        log(f"[build] code generated in {codegen_s:.1f} s; compiling C++ ...")
        t0 = time.perf_counter()
        build_model_extension(build_dir, verbose=False)
        cxx_s = time.perf_counter() - t0
        log(f"[build] compiled in {cxx_s:.1f} s")
    except Exception:
        # mark the folder as ours, so that the next run rebuilds it instead of refusing a foreign folder
        meta_path.write_text(json.dumps({**wanted, "failed": True}, indent=2) + "\n", encoding="utf-8")
        raise

    meta = {**wanted, "import_codegen_s": codegen_s, "cxx_compile_s": cxx_s, "compile_s": codegen_s + cxx_s,
            "jobs": jobs, "import_nprocs": import_nprocs, "built_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "toolchain": {"cxx": tool_version(["c++", "--version"]),
                          "cmake": tool_version(["cmake", "--version"]),
                          "swig": tool_version(["swig", "-version"]),
                          "swig_path": shutil.which("swig")},
            "n_generated_files": sum(1 for _ in build_dir.rglob("*.cpp"))}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return {**meta, "compile_mode": "fresh"}


# --- simulation ---------------------------------------------------------------------------------

def cvodes_stats(rdata) -> dict:
    """AMICI stores CVODES counters at every output time; they are cumulative since t0, so the
    totals are the last entries (= the sum of the per-interval increments)."""
    out, cumulative = {}, True
    for name in ("numsteps", "num_rhs_evals", "num_err_test_fails", "num_non_lin_solv_conv_fails"):
        arr = np.asarray(getattr(rdata, name))
        out[name] = int(arr[-1]) if arr.size else None
        cumulative &= bool(arr.size == 0 or np.all(np.diff(arr) >= 0))
    out["counters_non_decreasing"] = cumulative
    out["last_order"] = int(np.asarray(rdata.order)[-1])
    out["cpu_time_ms"] = float(rdata.cpu_time)
    # CVODES Jacobian evaluations and nonlinear iterations are not copied into ReturnData
    out["num_jac_evals"] = None
    out["num_nonlin_iters"] = None
    return out


def amici_simulate(model, solver, param_id: str, molecules: float, repeats: int = 1):
    """Median wall time of `repeats` identical runs (run_simulation only) and the last ReturnData."""
    from amici.sim.sundials import run_simulation
    model.set_free_parameter_by_id(param_id, molecules)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        rdata = run_simulation(model, solver)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), rdata


def amici_result(rdata, readout: str) -> dict:
    from amici.sim.sundials import simulation_status_to_str
    y = np.asarray(rdata.y)[:, list(rdata.observable_ids).index(f"{readout}_obs")]
    return {"status": int(rdata.status), "status_str": simulation_status_to_str(rdata.status),
            "readout": y, "x": np.asarray(rdata.x), "state_ids": list(rdata.state_ids)}


def make_roadrunner(sbml: Path, rtol: float, atol: float):
    import roadrunner
    roadrunner.Logger.setLevel(roadrunner.Logger.LOG_FATAL)
    rr = roadrunner.RoadRunner(str(sbml))
    rr.integrator.relative_tolerance = rtol
    # as alk5_pysb.simulation.simulator.set_tolerances: a scalar atol is rescaled per species by RoadRunner,
    # a vector is used as given (molecules per cell), like AMICI's flat atol
    rr.integrator.setValue("absolute_tolerance", [float(atol)] * rr.model.getNumFloatingSpecies())
    rr.integrator.maximum_num_steps = MAX_STEPS
    return rr


def rr_simulate(rr, readout: str, species: list[str], molecules: float, repeats: int = 1):
    sel = ["time", readout] + species          # bare species ids are amounts (molecules per cell)
    times = []
    for _ in range(repeats):
        rr.resetAll()
        # TGFB1_0 only enters through the initial assignment of TGFB1_medium: set both
        rr["TGFB1_0"] = molecules
        rr["TGFB1_medium"] = molecules
        t0 = time.perf_counter()
        out = np.array(rr.simulate(0.0, T_END, N_POINTS, selections=sel))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def rr_effective_atol(rr, molecules: float) -> list[float]:
    """Range of the per-species absolute tolerances RoadRunner hands to CVODE at t = 0."""
    rr.resetAll()
    rr["TGFB1_0"] = molecules
    rr["TGFB1_medium"] = molecules
    vec = np.asarray(rr.integrator.getAbsoluteToleranceVector())
    return [float(vec.min()), float(np.median(vec)), float(vec.max())]


def deviation(a: np.ndarray, ref: np.ndarray) -> dict:
    """Max deviation of trajectory a from ref: relative to the reference value where that is at
    least 1e-3 of the reference peak (avoids dividing by ~0 near t=0), and relative to the peak."""
    peak = float(np.max(np.abs(ref)))
    diff = np.abs(a - ref)
    mask = np.abs(ref) >= 1e-3 * peak if peak > 0 else np.zeros_like(ref, dtype=bool)
    return {"max_rel_dev": float(np.max(diff[mask] / np.abs(ref[mask]))) if mask.any() else None,
            "max_dev_rel_to_peak": float(diff.max() / peak) if peak > 0 else None,
            "max_abs_dev": float(diff.max()), "ref_peak": peak}


def state_deviation(x: np.ndarray, ids: list[str], ref: np.ndarray, ref_ids: list[str]) -> dict:
    """Worst species over all common states: max |a - r| / max(peak_r, 1 molecule)."""
    worst, worst_id, n = 0.0, None, 0
    for j, sid in enumerate(ids):
        if sid not in ref_ids:
            continue
        r = ref[:, ref_ids.index(sid)]
        d = float(np.max(np.abs(x[:, j] - r)) / max(float(np.max(np.abs(r))), 1.0))
        n += 1
        if d > worst:
            worst, worst_id = d, sid
    return {"n_states_compared": n, "worst_species": worst_id, "worst_dev_rel_to_peak": worst}


# --- resting-state SBML (dose events) -------------------------------------------------------------

REST_SBML = "alk5_rest.sbml"
REST_BUILD = "amici_build_rest"
REST_MODEL_NAME = "alk5_rest_amici"
#: protocols of the COMBINE archive: (name, {parameter: value}, end time in min)
REST_CASES = (("TGFB1_100pM_24h", {"dose_TGFB1_pM": 100.0}, 1440.0),
              ("SB431542_10uM_pretreat_60min", {"dose_TGFB1_pM": 100.0, "Inhibitor_0": 10000.0,
                                                "ligand_time_min": 60.0}, 240.0))
REST_PROTOCOL_PARAMETERS = ("dose_TGFB1_pM", "Inhibitor_0", "ligand_time_min", "inhibitor_time_min", "Trap_0")
REST_MAX_DEV = 1e-3          # readout deviation from RoadRunner, relative to its peak


def rest_check(sbml: Path, build_dir: Path, readout: str, rtol: float, atol: float, jobs: int,
               import_nprocs: int) -> dict:
    """Import and compile the resting-state SBML (the ligand and inhibitor enter by SBML events at
    dose_TGFB1_pM, Inhibitor_0, ligand_time_min) and compare each REST_CASES protocol with
    libRoadRunner on the same file. Output times that coincide with an event (t = 0 and
    ligand_time_min) are left out of the comparison: there AMICI reports the state after the event
    and RoadRunner the state before it."""
    import amici
    from amici.sim.sundials import run_simulation
    info = build(sbml, build_dir, readout, False, jobs, import_nprocs, model_name=REST_MODEL_NAME)
    model = amici.import_model_module(REST_MODEL_NAME, build_dir).get_model()
    free = set(model.get_free_parameter_ids())
    missing = [p for p in REST_PROTOCOL_PARAMETERS if p not in free]
    if missing:
        raise RuntimeError(f"protocol parameters are not free parameters of the AMICI model: {missing}")
    defaults = {p: model.get_free_parameter_by_id(p) for p in REST_PROTOCOL_PARAMETERS}
    model.set_parameter_list([])
    solver = model.create_solver()
    solver.set_relative_tolerance(rtol)
    solver.set_absolute_tolerance(atol)
    solver.set_max_steps(MAX_STEPS)
    rr = make_roadrunner(sbml, rtol, atol)
    cases = []
    for name, values, t_end in REST_CASES:
        times = np.linspace(0.0, t_end, N_POINTS)
        model.set_timepoints(times)
        for pid, value in {**defaults, **values}.items():
            model.set_free_parameter_by_id(pid, value)
        rdata = run_simulation(model, solver)
        res = amici_result(rdata, readout)
        rr.resetAll()
        for pid, value in values.items():
            rr[pid] = value
        ref = np.array(rr.simulate(times=list(times), selections=["time", readout]))
        keep = (times != 0.0) & (times != values.get("ligand_time_min", 0.0))
        case = {"case": name, "parameters": values, "status_str": res["status_str"],
                "nan": bool(np.isnan(res["x"]).any() or np.isnan(res["readout"]).any())}
        if res["status"] == 0:
            case["readout_vs_roadrunner"] = deviation(res["readout"][keep], ref[keep, 1])
            case["readout_peak"] = float(np.max(res["readout"]))
        case["ok"] = (res["status"] == 0 and not case["nan"]
                      and case["readout_vs_roadrunner"]["max_dev_rel_to_peak"] <= REST_MAX_DEV)
        log(f"[rest] {name}: {case['status_str']}, {readout} vs RoadRunner "
            f"{case.get('readout_vs_roadrunner', {}).get('max_dev_rel_to_peak')} (relative to peak)")
        cases.append(case)
    return {"sbml": str(sbml), "sbml_sha256": info["sbml_sha256"], "build_dir": str(build_dir),
            "compile_mode": info["compile_mode"], "compile_s": info["compile_s"], "max_dev_allowed": REST_MAX_DEV,
            "cases": cases, "ok": all(c["ok"] for c in cases)}


# --- main ---------------------------------------------------------------------------------------

def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sbml", type=Path, default=Path("models/alk5.sbml"))
    ap.add_argument("--build-dir", type=Path, required=True)
    ap.add_argument("--n", type=int, default=5, help="number of TGF-beta1 doses (conditions)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per condition (median)")
    ap.add_argument("--json", type=Path, help="also write the summary here")
    ap.add_argument("--rtol", type=float, default=1e-6)
    ap.add_argument("--atol", type=float, default=1e-9, help="molecules per cell")
    ap.add_argument("--atol-alt", type=float, default=1e-3, help="extra run of the representative dose")
    ap.add_argument("--readout", default="pSmad2", help="SBML assignment-rule readout to compare")
    ap.add_argument("--sensi-code", action="store_true",
                    help="also generate sensitivity code (slower build; not needed for forward runs)")
    ap.add_argument("--rest-sbml", type=Path, default=None,
                    help="resting-state SBML with dose events to check (default: alk5_rest.sbml next to --sbml)")
    ap.add_argument("--rest-build-dir", type=Path, default=None,
                    help="AMICI build of the rest model (default: amici_build_rest next to --build-dir)")
    ap.add_argument("--no-rest-check", action="store_true", help="skip the resting-state SBML check")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel C++ compile jobs")
    ap.add_argument("--import-nprocs", type=int, default=1, help="AMICI_IMPORT_NPROCS for the symbolic import")
    args = ap.parse_args(argv)
    sbml, build_dir = args.sbml.resolve(), args.build_dir.resolve()

    t0 = time.perf_counter()
    import amici
    from amici.sim.sundials import run_simulation
    amici_import_s = time.perf_counter() - t0

    info = build(sbml, build_dir, args.readout, args.sensi_code, args.jobs, args.import_nprocs)

    t0 = time.perf_counter()
    module = amici.import_model_module(MODEL_NAME, build_dir)
    model = module.get_model()
    load_s = time.perf_counter() - t0

    times = np.linspace(0.0, T_END, N_POINTS)
    model.set_timepoints(times)
    solver = model.create_solver()
    solver.set_relative_tolerance(args.rtol)
    solver.set_absolute_tolerance(args.atol)
    solver.set_max_steps(MAX_STEPS)

    # the reference engine also gives the dose conversion (molecules per nM in the medium share)
    t0 = time.perf_counter()
    rr = make_roadrunner(sbml, args.rtol, args.atol)
    rr_load_s = time.perf_counter() - t0
    per_nM = float(rr["molecules_per_nM_medium"])
    species = list(rr.model.getFloatingSpeciesIds())
    doses_pM = np.logspace(np.log10(DOSE_RANGE_PM[0]), np.log10(DOSE_RANGE_PM[1]), args.n)
    param_id = "TGFB1_0"
    if param_id not in model.get_free_parameter_ids():
        sys.exit(f"{param_id} is not a free parameter of the AMICI model")
    rep = int(np.argmin(np.abs(np.log10(doses_pM) - 2.0)))     # the dose closest to 100 pM
    rep_mol = doses_pM[rep] * 1e-3 * per_nM

    run_simulation(model, solver)              # warm-up (first call allocates buffers)
    # By default the parameter list (sensitivity parameters) holds all free parameters; even with
    # sensitivities off AMICI 1.0 then spends most of the wall time allocating/copying per output
    # time (cpu_time_total >> cpu_time). Time that once, then empty the list: results are identical.
    n_plist = len(list(model.get_parameter_list()))
    t_default_plist, rdata_default = amici_simulate(model, solver, param_id, rep_mol, args.repeats)
    model.set_parameter_list([])

    runs, amici_t, rr_t, rep_rdata = [], [], [], None
    for i, dose in enumerate(doses_pM):
        molecules = dose * 1e-3 * per_nM
        t_a, rdata = amici_simulate(model, solver, param_id, molecules, args.repeats)
        res = amici_result(rdata, args.readout)
        t_r, ref = rr_simulate(rr, args.readout, species, molecules, args.repeats)
        amici_t.append(t_a)
        rr_t.append(t_r)
        run = {"dose_pM": float(dose), "TGFB1_0_molecules": molecules, "status": res["status"],
               "status_str": res["status_str"], "amici_s": t_a, "roadrunner_s": t_r,
               "numsteps": int(np.asarray(rdata.numsteps)[-1])}
        if res["status"] == 0:
            run["readout_vs_roadrunner"] = deviation(res["readout"], ref[:, 1])
            run["states_vs_roadrunner"] = state_deviation(res["x"], res["state_ids"], ref[:, 2:], species)
            run["readout_peak"] = float(np.max(res["readout"]))
        runs.append(run)
        if i == rep:
            rep_rdata, rep_res, rep_ref = rdata, res, ref
        log(f"[sim] {dose:10.3f} pM  status {res['status_str']}  AMICI {t_a * 1e3:8.1f} ms  "
            f"RoadRunner {t_r * 1e3:8.1f} ms  {args.readout} dev {run.get('readout_vs_roadrunner', {})}")

    # tighter absolute tolerance on the representative dose (AMICI only takes a scalar atol)
    solver.set_absolute_tolerance(args.atol_alt)
    t_alt, rdata_alt = amici_simulate(model, solver, param_id, rep_mol, args.repeats)
    res_alt = amici_result(rdata_alt, args.readout)
    alt = {"atol": args.atol_alt, "dose_pM": float(doses_pM[rep]), "status": res_alt["status"],
           "status_str": res_alt["status_str"], "amici_s": t_alt, "cvodes": cvodes_stats(rdata_alt)}
    rr.integrator.absolute_tolerance = args.atol_alt
    t_rr_alt, ref_alt = rr_simulate(rr, args.readout, species, rep_mol, args.repeats)
    alt["roadrunner_s"] = t_rr_alt
    alt["roadrunner_effective_atol_min_median_max"] = rr_effective_atol(rr, rep_mol)
    if res_alt["status"] == 0 and rep_res["status"] == 0:
        alt["readout_vs_roadrunner"] = deviation(res_alt["readout"], ref_alt[:, 1])
        alt["readout_vs_amici_default_atol"] = deviation(rep_res["readout"], res_alt["readout"])
        alt["roadrunner_readout_vs_roadrunner_default_atol"] = deviation(rep_ref[:, 1], ref_alt[:, 1])
    rr.integrator.absolute_tolerance = args.atol
    solver.set_absolute_tolerance(args.atol)

    summary = {
        "amici_version": amici.__version__,
        "sbml": str(args.sbml), "sbml_sha256": info["sbml_sha256"], "build_dir": str(build_dir),
        "compile_mode": info["compile_mode"], "compile_s": info["compile_s"],
        "import_codegen_s": info["import_codegen_s"], "cxx_compile_s": info["cxx_compile_s"],
        "build_options": info["options"], "build_jobs": info["jobs"],
        "build_import_nprocs": info.get("import_nprocs"), "toolchain": info["toolchain"],
        "amici_import_s": amici_import_s,
        "load_s": load_s,
        "n_states_solver": len(list(rep_rdata.state_ids_solver)), "n_states": len(list(rep_rdata.state_ids)),
        "settings": {"t_end_min": T_END, "n_points": N_POINTS, "rtol": args.rtol, "atol": args.atol,
                     "max_steps": MAX_STEPS, "linear_solver": "KLU (AMICI default)", "readout": args.readout,
                     "initial_state": "SBML initial amounts (not the resting steady state)"},
        "per_simulation_s": statistics.median(amici_t),
        "per_simulation_all_s": amici_t,
        "timing": f"wall time of run_simulation, median of {args.repeats} runs per condition, "
                  "then median over conditions; parameter list emptied (no sensitivities)",
        "default_parameter_list": {
            "n_parameters": n_plist, "dose_pM": float(doses_pM[rep]), "per_simulation_s": t_default_plist,
            "cpu_time_ms": float(rdata_default.cpu_time), "cpu_time_total_ms": float(rdata_default.cpu_time_total),
            "max_abs_readout_diff_vs_empty_list": float(np.max(np.abs(
                amici_result(rdata_default, args.readout)["readout"] - rep_res["readout"])))},
        "representative": {"dose_pM": float(doses_pM[rep]), "cvodes": cvodes_stats(rep_rdata),
                           "cpu_time_total_ms": float(rep_rdata.cpu_time_total)},
        "runs": runs,
        "statuses": [r["status_str"] for r in runs],
        "atol_alt": alt,
        "roadrunner": {"version": __import__("roadrunner").__version__, "load_s": rr_load_s,
                       "per_simulation_s": statistics.median(rr_t), "per_simulation_all_s": rr_t,
                       "effective_atol_min_median_max": rr_effective_atol(rr, rep_mol),
                       "note": "RoadRunner scales a scalar absolute_tolerance per species: x atol by the "
                               "initial amount, or by the compartment size if that is 0"},
        "max_readout_rel_dev": max((r["readout_vs_roadrunner"]["max_rel_dev"] for r in runs
                                    if "readout_vs_roadrunner" in r), default=None),
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "cpu_count": os.cpu_count()},
    }
    if not args.no_rest_check:
        rest_sbml = (args.rest_sbml or sbml.with_name(REST_SBML)).resolve()
        rest_dir = (args.rest_build_dir or build_dir.with_name(REST_BUILD)).resolve()
        try:
            summary["rest_model"] = rest_check(rest_sbml, rest_dir, args.readout, args.rtol, args.atol,
                                               args.jobs, args.import_nprocs)
        except (Exception, SystemExit) as exc:     # a failed import or build is the result, reported below
            summary["rest_model"] = {"sbml": str(rest_sbml), "ok": False,
                                     "error": f"{type(exc).__name__}: {str(exc)[-500:]}"}
    text = json.dumps(summary)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.json.with_suffix(args.json.suffix + ".tmp")
        tmp.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        tmp.replace(args.json)
    print(text)
    rest = summary.get("rest_model")
    if rest is not None and not rest["ok"]:
        log(f"[rest] AMICI check of {rest['sbml']} failed: {rest.get('error') or rest['cases']}")
        sys.exit(3)
    return summary


if __name__ == "__main__":
    main()
