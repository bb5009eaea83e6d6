"""Multi-start fits of a PEtab problem with pyPESTO on alk5's engine: optimizers, starting points, starts
run in parallel and written as they finish (``--resume``), the best fit's parameter files, Wald intervals
and figures.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.calibration.objective import PetabObjective
from alk5_pysb.calibration.problem import load_problem, problem_digest
from alk5_pysb.errors import SimulationError, UserInputError
from alk5_pysb.io.files import atomic_write, make_folder


OPTIMIZERS = ("fides", "scipy-ls", "nelder-mead")
AT_BEST = 0.1           # a start "converged" when its objective is within this of the best (NLL units)
Z95 = 1.959963984540054


def optimizer(name: str, objective: PetabObjective, max_iter: int = 200):
    """The pyPESTO optimizer for --optimizer (at most ``max_iter`` iterations, or function evaluations for
    the derivative-free ones); refused with a reason when it cannot run this problem."""
    import logging

    import pypesto.optimize as optimize
    if name not in OPTIMIZERS:
        raise UserInputError(f"unknown optimizer {name!r}: valid optimizers are {', '.join(OPTIMIZERS)}")
    if name == "fides":
        try:
            import fides  # noqa: F401
        except ModuleNotFoundError:
            raise UserInputError("--optimizer fides needs the fides package (pip install fides), or use "
                                 "--optimizer scipy-ls") from None
        return optimize.FidesOptimizer(verbose=logging.ERROR, options={"maxiter": max_iter})
    if name == "scipy-ls":
        if not objective.least_squares:
            raise UserInputError("--optimizer scipy-ls needs normal noise with fixed noise parameters (residuals); "
                                 "use fides or nelder-mead for this problem")
        # pyPESTO hands "maxfun" to scipy's least_squares as max_nfev (a "max_nfev" key is ignored)
        return optimize.ScipyOptimizer(method="ls_trf", options={"maxfun": max_iter})
    return optimize.ScipyOptimizer(method="Nelder-Mead", options={"maxfev": max_iter * len(objective.x_ids)})


def startpoints(objective: PetabObjective, n: int, seed: int) -> np.ndarray:
    """n starting points, uniform within the bounds on the parameters' scales; the same for the same seed,
    so a resumed fit continues the same starts."""
    rng = np.random.default_rng(seed)
    return rng.uniform(objective.lb, objective.ub, size=(n, len(objective.x_ids)))


def run_start(problem, opt, index: int, x0) -> dict:
    """One local optimisation (pyPESTO's optimizer on the problem); one row of starts.csv."""
    from pypesto.optimize import OptimizeOptions
    t0 = time.perf_counter()
    result = opt.minimize(problem, x0=np.asarray(x0), id=str(index),
                          optimize_options=OptimizeOptions(allow_failed_starts=True))
    x = result.x if result.x is not None else np.full(len(x0), np.nan)
    # the NLL at the end point (a least-squares optimizer reports 0.5*sum(res^2), without the constant terms)
    fval = float(problem.objective(np.asarray(x), sensi_orders=(0,))) if np.all(np.isfinite(x)) else float("inf")
    fval = fval if np.isfinite(fval) else float("inf")
    return {"start": index, "objective": fval, "x": [float(v) for v in x], "exitflag": result.exitflag,
            "message": " ".join(str(result.message).split()), "n_fval": int(result.n_fval or 0),
            "time_s": time.perf_counter() - t0}


def _worker_start(blob: bytes, index: int, x0):
    from alk5_pysb.simulation.engine import _worker_sim
    problem, opt = _worker_sim(blob)          # unpickled once per worker process
    return run_start(problem, opt, index, x0)


def starts_table(rows: list[dict], objective: PetabObjective) -> pd.DataFrame:
    """starts.csv: one row per finished start, parameters on linear scale."""
    out = []
    for r in sorted(rows, key=lambda r: r["start"]):
        values = objective.unscale(r["x"]) if np.all(np.isfinite(r["x"])) else {p: np.nan for p in objective.x_ids}
        out.append({"start": r["start"], "objective": r["objective"], **{p: values[p] for p in objective.x_ids},
                    "exitflag": r["exitflag"], "message": r["message"], "n_fval": r["n_fval"],
                    "time_s": round(r["time_s"], 3)})
    return pd.DataFrame(out)


def read_starts(path: Path, objective: PetabObjective) -> list[dict]:
    frame = pd.read_csv(path)
    rows = []
    for _, r in frame.iterrows():
        values = {p: float(r[p]) for p in objective.x_ids}
        x = objective.scale(values) if all(np.isfinite(list(values.values()))) else np.full(len(objective.x_ids),
                                                                                             np.nan)
        rows.append({"start": int(r["start"]), "objective": float(r["objective"]), "x": list(x),
                     "exitflag": r["exitflag"], "message": "" if pd.isna(r["message"]) else str(r["message"]),
                     "n_fval": int(r["n_fval"]), "time_s": float(r["time_s"])})
    return rows


def fingerprint(problem_yaml, objective: PetabObjective, optimizer_name: str, seed: int) -> dict:
    """What must match for --resume to continue the same fit."""
    return {"problem": str(Path(problem_yaml).resolve()), "problem_sha256": problem_digest(problem_yaml), "seed": seed,
            "optimizer": optimizer_name, "parameters": objective.x_ids, "sbml_sha256": objective.sim.sbml_sha256}


def confidence(objective: PetabObjective, x_best) -> pd.DataFrame:
    """95% Wald intervals from the Fisher information: J'J of the residual sensitivities (normal noise), else
    the finite-difference Hessian of the NLL, clipped to the search range. Directions the data do not constrain
    (infinite standard error) and estimates within 1% of the range from a bound are not identifiable here."""
    import pypesto
    from pypesto.objective import FD
    steps = objective.fd_steps()
    if objective.least_squares:
        base = pypesto.Objective(res=objective.residuals)
        jac = FD(base, sres=True, delta_res=steps)(x_best, sensi_orders=(1,), mode="mode_res")
        info, method = jac.T @ jac, "FIM (J'J of finite-difference residual sensitivities)"
    else:
        base = pypesto.Objective(fun=objective.nll)
        info = FD(base, grad=True, hess=True, hess_via_fval=True, delta_fun=steps, delta_grad=steps)(
            x_best, sensi_orders=(2,))
        info, method = 0.5 * (info + info.T), "finite-difference Hessian of the NLL"
    sd = _standard_errors(info)
    values = objective.unscale(x_best)
    rows = []
    for i, (pid, scale) in enumerate(zip(objective.x_ids, objective.scales)):
        # a Wald interval is local: clipped to the search range; near a bound it is not a confidence statement
        lo = max(x_best[i] - Z95 * sd[i], objective.lb[i])
        hi = min(x_best[i] + Z95 * sd[i], objective.ub[i])
        back = {"lin": lambda v: v, "log": np.exp, "log10": lambda v: 10.0 ** v}[scale]
        near = min(x_best[i] - objective.lb[i], objective.ub[i] - x_best[i]) < 1e-2 * (objective.ub[i] - objective.lb[i])
        rows.append({"parameterId": pid, "scale": scale, "estimate": values[pid], "sd_on_scale": sd[i],
                     "ci95_low": float(back(lo)), "ci95_high": float(back(hi)),
                     "identifiable": bool(np.isfinite(sd[i]) and not near), "at_bound": bool(near), "method": method})
    return pd.DataFrame(rows)


def _standard_errors(info: np.ndarray) -> np.ndarray:
    """sqrt(diag(inverse)) of a symmetric information matrix; a parameter that loads on an (almost) zero
    eigenvalue is not identifiable: infinite standard error."""
    if not np.all(np.isfinite(info)):
        return np.full(len(info), np.inf)
    w, v = np.linalg.eigh(info)
    ok = w > 1e-10 * max(w.max(), 1e-300)
    cov = (v[:, ok] / w[ok]) @ v[:, ok].T
    sd = np.sqrt(np.clip(np.diag(cov), 0, None))
    weak = (np.abs(v[:, ~ok]) > 1e-3).any(axis=1)
    sd[weak] = np.inf
    return sd


def write_parameter_files(objective: PetabObjective, x_best, outdir: Path, source: str):
    """best.csv: fitted model parameters as a parameter table (the columns of data/parameters.csv, table
    units, linear scale); observable_parameters.csv: the fitted scale/offset/noise parameters."""
    from alk5_pysb.model.parameters import COLUMNS, default_table
    table = default_table().frame
    values = objective.unscale(x_best)
    low, high = objective.unscale(objective.lb), objective.unscale(objective.ub)
    model = [p for p in objective.x_ids if p in objective.sim.table_parameters]
    rows = []
    for pid in model:
        known = table.loc[pid] if pid in table.index else None
        rows.append({"name": pid, "value": values[pid], "unit": known["unit"] if known is not None else "",
                     "block": known["block"] if known is not None else "",
                     "compartment": known["compartment"] if known is not None else "",
                     "description": known["description"] if known is not None else "",
                     "evidence": "fitted", "cell_type": "", "source": source,
                     # until profiled, a fitted value is known only within the search range of its fit
                     "distribution": "loguniform" if low[pid] > 0 else "uniform",
                     "low": min(low[pid], values[pid]), "high": max(high[pid], values[pid]), "tied_to": "",
                     "range_reason": "the search range of the fit (profile-based 95% intervals: alk5 calibrate "
                                     "--profile, profile_intervals.csv)"})
    atomic_write(outdir / "best.csv", pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(index=False,
                                                                                        float_format="%.8g"))
    others = [{"parameterId": p, "value": values[p], "scale": s} for p, s in zip(objective.x_ids, objective.scales)
              if p not in model]
    atomic_write(outdir / "observable_parameters.csv",
                 pd.DataFrame(others, columns=["parameterId", "value", "scale"]).to_csv(index=False,
                                                                                          float_format="%.8g"))


def write_figures(objective: PetabObjective, rows: list[dict], x_best, outdir: Path):
    """waterfall.png (pyPESTO) and fit_<observableId>.png: data and the model (a dense line) per condition."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pypesto
    import pypesto.visualize
    from pypesto.result import OptimizerResult
    result = pypesto.Result()
    for r in rows:
        result.optimize_result.append(OptimizerResult(id=str(r["start"]), x=np.asarray(r["x"]), fval=r["objective"],
                                                      n_fval=r["n_fval"], time=r["time_s"], message=r["message"],
                                                      exitflag=r["exitflag"]))
    finite = [r["objective"] for r in rows if np.isfinite(r["objective"])]
    ax = pypesto.visualize.waterfall(result, size=(6, 4), scale_y="log10" if finite and min(finite) > 0 else "lin")
    ax.figure.savefig(outdir / "waterfall.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)

    values = objective.unscale(x_best)
    frames = objective.simulate(values, dense=241)
    for oid in sorted({r.observable for r in objective.rows}):
        conditions = sorted({r.condition for r in objective.rows if r.observable == oid})
        fig, axes = plt.subplots(1, len(conditions), figsize=(3.6 * len(conditions), 3.2), squeeze=False)
        for ax, cid in zip(axes[0], conditions):
            measured = [r for r in objective.rows if r.observable == oid and r.condition == cid]
            frame = frames[cid]
            (names, fn), _, _, _ = objective.formulas[oid]
            params = objective.model_params(values, objective.conditions[cid])
            line = [fn(*objective._scope(names, measured[0], values, row, params)) for _, row in frame.iterrows()]
            ax.plot(frame["time_min"], line, "-", color="C0", label="model")
            ax.plot([r.time for r in measured], [r.value for r in measured], "o", color="C3", label="data")
            ax.set_title(cid, fontsize=9)
            ax.set_xlabel("time after ligand (min)")
        axes[0][0].set_ylabel(oid)
        axes[0][0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(outdir / f"fit_{oid}.png", dpi=120)
        plt.close(fig)


def _write_starts(path: Path, rows, objective):
    atomic_write(path, starts_table(rows, objective).to_csv(index=False, float_format="%.10g"))


def _run_starts(problem, opt, todo, points, workers, on_done):
    """Run the starts in ``todo`` (serially or on ``workers`` processes), calling ``on_done(row)`` as each
    finishes; Ctrl-C stops the pool and keeps what finished."""
    from tqdm import tqdm
    bar = tqdm(total=len(todo), desc="starts", unit="start", disable=None)
    try:
        if workers <= 1 or len(todo) <= 1:
            for i in todo:
                on_done(run_start(problem, opt, i, points[i]))
                bar.update()
            return
        import multiprocessing
        import os
        import pickle
        from concurrent.futures import ProcessPoolExecutor, as_completed

        from alk5_pysb.simulation.engine import _init_process, _stop_pool
        blob = pickle.dumps((problem, opt))
        pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_init_process, initargs=(blob, os.getpid()))
        try:
            futures = [pool.submit(_worker_start, blob, i, points[i]) for i in todo]
            for future in as_completed(futures):
                on_done(future.result())
                bar.update()
        except BaseException:
            _stop_pool(pool)
            raise
        pool.shutdown(wait=True)
    finally:
        bar.close()


def calibrate(problem_yaml, sim, outdir, n_starts: int = 50, optimizer_name: str = "fides", workers: int = 1,
              seed: int = 0, resume: bool = False, max_iter: int = 200, command: str = "alk5 calibrate",
              label: str | None = None) -> dict:
    """Fit a PEtab problem with ``n_starts`` local optimisations; write the outputs to ``outdir`` and return
    the summary (see the module docstring and README)."""
    if n_starts < 1:
        raise UserInputError(f"--starts must be >= 1, got {n_starts}")
    if workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    if max_iter < 1:
        raise UserInputError(f"--max-iter must be >= 1, got {max_iter}")
    t0 = time.perf_counter()
    petab_problem = load_problem(problem_yaml)
    objective = PetabObjective(petab_problem, sim)
    opt = optimizer(optimizer_name, objective, max_iter)
    problem = objective.pypesto_problem()
    outdir = make_folder(outdir, "calibration results")
    starts_path, record_path = outdir / "starts.csv", outdir / "fit.json"
    record = {**fingerprint(problem_yaml, objective, optimizer_name, seed), "max_iter": max_iter}
    rows = []
    if resume and starts_path.is_file():
        previous = json.loads(record_path.read_text(encoding="utf-8")) if record_path.is_file() else {}
        changed = [k for k in record if previous.get(k) != record[k]]
        if changed:
            raise UserInputError(f"--resume: {outdir} holds a different fit ({', '.join(changed)} changed); use "
                                 "another -o folder")
        rows = read_starts(starts_path, objective)     # all of them, also beyond a smaller --starts
    elif starts_path.is_file():
        raise UserInputError(f"{starts_path} exists: continue that fit with --resume, or use another -o folder")
    atomic_write(record_path, json.dumps(record, indent=1) + "\n")
    points = startpoints(objective, n_starts, seed)
    done = {r["start"] for r in rows}
    todo = [i for i in range(n_starts) if i not in done]
    if done:
        print(f"resuming: {len(done)} of {n_starts} starts already finished")

    def on_done(row):
        rows.append(row)
        _write_starts(starts_path, rows, objective)       # a stopped fit keeps every finished start

    try:
        _run_starts(problem, opt, todo, points, workers, on_done)
    except KeyboardInterrupt:
        print(f"\n{len(rows)} finished start(s) kept in {starts_path}: rerun with --resume", flush=True)
        raise
    return finish(objective, rows, outdir, optimizer_name, time.perf_counter() - t0,
                  f"{command} {label or problem_yaml} (best of {len(rows)} starts)")


def finish(objective: PetabObjective, rows: list[dict], outdir: Path, optimizer_name: str, wall_s: float,
           source: str) -> dict:
    finite = [r for r in rows if np.isfinite(r["objective"])]
    if not finite:
        raise SimulationError(f"no start reached a finite objective ({len(rows)} starts): see {outdir / 'starts.csv'}")
    best = min(finite, key=lambda r: r["objective"])
    x_best = np.asarray(best["x"], dtype=float)
    write_parameter_files(objective, x_best, outdir, source)
    ci = confidence(objective, x_best)
    atomic_write(outdir / "confidence.csv", ci.to_csv(index=False, float_format="%.6g"))
    write_figures(objective, rows, x_best, outdir)
    nll, k, n = best["objective"], len(objective.x_ids), len(objective.rows)
    summary = {"objective_nll": nll, "n_data": n, "n_estimated": k, "AIC": 2 * k + 2 * nll,
               "BIC": k * math.log(n) + 2 * nll, "optimizer": optimizer_name, "starts": len(rows),
               "starts_finite": len(finite),
               "starts_converged": sum(r["objective"] - nll < AT_BEST for r in finite),
               "converged_definition": f"objective within {AT_BEST} of the best", "best_start": best["start"],
               "wall_time_s": round(wall_s, 2), "gradient": "central finite differences (pypesto.objective.FD)",
               "preequilibration": "alk5 Simulator: resting state (no ligand) per parameter set",
               "network": objective.sim.network}
    atomic_write(outdir / "summary.json", json.dumps(summary, indent=1) + "\n")
    return summary
