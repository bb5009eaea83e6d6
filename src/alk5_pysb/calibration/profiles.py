"""Profile likelihoods of a calibration problem, computed by pyPESTO (``pypesto.profile.parameter_profile``).

For each estimated parameter the profile fixes it on a path of values (on its PEtab scale) and re-optimises
all the others at every point; the 95% interval is where the profile's rise over the best negative
log-likelihood stays below chi2(1, 0.95)/2 = 1.92. pyPESTO walks each direction until the profile crosses
that threshold or reaches the parameter's bound (adaptive steps, a fraction of the search range); a
direction may also stop at ``max_steps`` re-optimisations (a time budget), which is reported, not hidden.

The objective is a :class:`~alk5_pysb.calibration.objective.PetabObjective` (a shipped problem, or any PEtab
problem alk5 runs) or a plain ``pypesto.Problem`` (a synthetic one needs no model). Inner re-optimisations
use the project's least-squares optimizer (scipy's trust-region reflective on finite-difference residual
sensitivities) when the problem has residuals with fixed noise, else L-BFGS-B on the (finite-difference)
gradient. A least-squares optimizer reports 0.5*sum(res^2), the NLL without its constant terms, so the
PEtab objective is profiled on that cost and the constant is added back in the tables (NLL column).

Identifiability per parameter (``profile_intervals.csv``):

* ``identifiable``: the profile crosses the threshold on both sides within the bounds;
* ``practically non-identifiable``: on one or both sides it reaches the bound without crossing;
* ``structurally non-identifiable``: flat, the profile rises less than ``flat_tol`` over the whole explored
  range (the data do not see the parameter, or another one compensates it exactly);
* ``undetermined``: a side stopped at ``max_steps`` before crossing or reaching the bound.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd

from alk5_pysb.errors import UserInputError

from alk5_pysb.io.files import atomic_path, atomic_write, make_folder

LEVEL = 0.95
FLAT_TOL = 0.05            # NLL units: a profile whose rise stays below this everywhere is flat
#: profile steps on the parameter's scale, as fractions of its search range (ub - lb): default, min, max
STEPS = (0.01, 0.001, 0.05)
MAX_STEPS = 40             # re-optimisations per direction
MAX_ITER = 30              # per re-optimisation: residual evaluations (least squares) or iterations (L-BFGS-B)
TOL = 1e-6                 # relative objective tolerance of the re-optimisations
_STOPPED = -99             # exitflag of the placeholder point that ends a direction at max_steps
_STOP_FVAL = 1e300
#: pyPESTO is told the optimum is this much lower than it is (and its stopping ratio is moved by as much):
#: its adaptive step caps each step's rise at half the profile's current rise over the optimum, which near
#: the optimum and along a flat profile (rise ~0) shrinks every step to the minimum step
_MARGIN = 0.2


def threshold(level: float = LEVEL) -> float:
    """The rise of the NLL over its minimum at the edge of a ``level`` profile interval: chi2(1)/2."""
    from scipy.stats import chi2
    return float(chi2.ppf(level, 1) / 2)


# -- set-up ---------------------------------------------------------------------------------------
class _Setup:
    """The problem pyPESTO profiles, its optimizer, parameter names and scales, and the NLL offset."""

    def __init__(self, objective, optimizer, max_iter: int):
        import pypesto
        import pypesto.optimize as optimize
        from pypesto.objective import FD
        if isinstance(objective, pypesto.Problem):
            self.problem, self.petab = objective, None
            self.optimizer = optimizer or optimize.ScipyOptimizer(method="L-BFGS-B", tol=TOL,
                                                                   options={"maxiter": max_iter})
        elif hasattr(objective, "pypesto_problem"):
            self.petab = objective
            least_squares = objective.least_squares and (optimizer is None or optimizer.is_least_squares())
            if least_squares:
                # the least-squares optimizer's fval is 0.5*sum(res^2): profile that cost, so that pyPESTO's
                # step control (which evaluates the objective) and the optimizer agree
                cost = lambda x: 0.5 * float(np.sum(objective.residuals(x) ** 2))   # noqa: E731
                base = pypesto.Objective(fun=cost, res=objective.residuals, x_names=objective.x_ids)
                steps = objective.fd_steps()
                fd = FD(base, grad=True, hess=False, sres=True, delta_fun=steps, delta_res=steps,
                        x_names=objective.x_ids)
                self.problem = pypesto.Problem(fd, lb=objective.lb, ub=objective.ub, x_names=objective.x_ids,
                                               x_scales=objective.scales)
                self.optimizer = optimizer or optimize.ScipyOptimizer(method="ls_trf", tol=TOL,
                                                                       options={"maxfun": max_iter})
            else:
                self.problem = objective.pypesto_problem()
                self.optimizer = optimizer or optimize.ScipyOptimizer(method="L-BFGS-B", tol=TOL,
                                                                       options={"maxiter": max_iter})
        else:
            raise TypeError(f"profile() takes a PetabObjective or a pypesto.Problem, not {type(objective).__name__}")
        p = self.problem
        self.free = list(p.x_free_indices)
        self.names = [p.x_names[i] for i in self.free]
        self.scales = [p.x_scales[i] if p.x_scales is not None else "lin" for i in self.free]
        self.lb, self.ub = np.asarray(p.lb, dtype=float), np.asarray(p.ub, dtype=float)

    def x_start(self, x_best) -> np.ndarray:
        if isinstance(x_best, dict):
            if self.petab is None:
                x_best = [x_best[n] for n in self.names]       # already on the parameters' scales
            else:
                x_best = self.petab.scale({**self.petab.nominal, **x_best})
        x = np.asarray(x_best, dtype=float)
        if x.shape != (len(self.free),):
            raise ValueError(f"x_best has {x.size} values; the problem estimates {len(self.free)} "
                             f"({', '.join(self.names)})")
        return np.clip(x, self.lb, self.ub)

    def offset(self, x) -> float:
        """NLL minus the profiled objective at x (the constant terms a least-squares cost leaves out)."""
        if self.petab is None:
            return 0.0
        return float(self.petab.nll(x) - self.problem.objective(x))


def unscale(value, scale: str):
    return {"lin": lambda v: v, "log": np.exp, "log10": lambda v: 10.0 ** v}[scale](value)


def _check_least_squares(problem, optimizer, x):
    """A least-squares optimizer on a plain pypesto Problem: its fval (0.5*sum(res^2)) must be the objective."""
    if not optimizer.is_least_squares():
        return
    res = problem.objective(x, mode="mode_res")
    f = float(problem.objective(x))
    if not math.isclose(f, 0.5 * float(np.sum(res ** 2)), rel_tol=1e-6, abs_tol=1e-9):
        raise ValueError("a least-squares optimizer reports 0.5*sum(res^2), but this problem's objective differs "
                         f"from it ({f:g} vs {0.5 * float(np.sum(res ** 2)):g}): profile with a function-value "
                         "optimizer, or make the objective the least-squares cost")


# -- pyPESTO plumbing: a step limit per direction and process parallelism -------------------------------
def _make_step_limit(inner, max_steps: int | None):
    from pypesto.optimize import Optimizer
    from pypesto.result import OptimizerResult

    class StepLimit(Optimizer):
        """The inner optimizer, at most ``max_steps`` times; then a placeholder whose objective is so high
        that pyPESTO ends the direction (the placeholder is dropped from the tables)."""

        def __init__(self):
            super().__init__()
            self.inner, self.max_steps, self.calls = inner, max_steps, 0

        def minimize(self, problem, x0=None, id=None, history_options=None, optimize_options=None):
            if self.max_steps is not None and self.calls >= self.max_steps:
                x = problem.get_full_vector(np.asarray(x0, dtype=float), problem.x_fixed_vals)
                return OptimizerResult(id=id, x=x, fval=_STOP_FVAL, exitflag=_STOPPED, n_fval=0, n_grad=0,
                                       n_hess=0, time=0.0, message=f"max_steps ({self.max_steps}) reached")
            self.calls += 1
            return self.inner.minimize(problem, x0=x0, id=id, history_options=history_options,
                                       optimize_options=optimize_options)

        def is_least_squares(self):
            return self.inner.is_least_squares()

    return StepLimit()


def _run_task(task, max_steps):
    """One direction of one profile (a pyPESTO ProfilerTask); its time_total becomes the wall time."""
    task.optimizer = _make_step_limit(task.optimizer, max_steps)
    t0 = time.perf_counter()
    out = task.execute()
    out["profile"].time_total = time.perf_counter() - t0
    return out


def _run_pickled(blob: bytes, max_steps):
    import cloudpickle
    return _run_task(cloudpickle.loads(blob), max_steps)


def _init_worker(parent_pid: int):
    import signal

    from alk5_pysb.simulation.engine import _die_with_parent
    _die_with_parent(parent_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl-C reaches the whole group: the parent stops us


def _engine(workers: int, max_steps: int | None, progress: bool):
    """A pyPESTO engine running the profile tasks (one per parameter and direction) serially or on
    ``workers`` spawned processes that die with this one, each direction limited to ``max_steps``."""
    from pypesto.engine import Engine

    class ProfileEngine(Engine):
        def execute(self, tasks, progress_bar=None):
            from tqdm import tqdm
            bar = tqdm(total=len(tasks), desc="profile directions", unit="dir", disable=not progress)
            try:
                if workers <= 1 or len(tasks) <= 1:
                    out = []
                    for task in tasks:
                        out.append(_run_task(task, max_steps))
                        bar.update()
                    return out
                import multiprocessing
                import os
                from concurrent.futures import ProcessPoolExecutor, as_completed

                import cloudpickle

                from alk5_pysb.simulation.engine import _stop_pool
                pool = ProcessPoolExecutor(max_workers=min(workers, len(tasks)),
                                           mp_context=multiprocessing.get_context("spawn"),
                                           initializer=_init_worker, initargs=(os.getpid(),))
                try:
                    futures = {pool.submit(_run_pickled, cloudpickle.dumps(t), max_steps): i
                               for i, t in enumerate(tasks)}
                    out = [None] * len(tasks)
                    for future in as_completed(futures):
                        out[futures[future]] = future.result()
                        bar.update()
                except BaseException:
                    _stop_pool(pool)
                    raise
                pool.shutdown(wait=True)
                return out
            finally:
                bar.close()

    return ProfileEngine()


# -- the profiles ---------------------------------------------------------------------------------
def profile(objective, x_best, parameters=None, workers: int = 1, out=None, *, level: float = LEVEL,
            max_steps: int | None = MAX_STEPS, max_iter: int = MAX_ITER, optimizer=None, steps=STEPS,
            flat_tol: float = FLAT_TOL, polish: bool = True, progress: bool = False):
    """Profile likelihoods of ``parameters`` (names or indices of the estimated ones; default all).

    ``objective``: a PetabObjective (``x_best`` its scaled vector, or ``{name: value}`` on linear scale with
    the rest nominal) or a pypesto.Problem (``x_best`` the free parameters on their scales). ``x_best`` is
    first re-optimised (``polish``) so that the reference is a local optimum of the same optimizer.
    ``workers`` > 1 runs the directions (two per parameter) on that many processes. ``max_steps`` bounds the
    re-optimisations per direction (None: until the threshold or the bound); ``max_iter`` bounds each one.
    ``steps``: default, min and max profile step on the parameter's scale, as fractions of its range.

    Returns ``(points, intervals)``: every profile point (parameter, value on its scale and linear,
    NLL, delta_nll, ratio, the other parameters' values) and one row per parameter (best, 95% interval,
    identifiability, wall time). With ``out`` (a folder) writes profiles.csv, profile_intervals.csv and
    profiles.png there."""
    import pypesto
    from pypesto.profile import ProfileOptions, parameter_profile
    from pypesto.result import OptimizerResult

    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if max_steps is not None and max_steps < 1:
        raise ValueError(f"max_steps must be >= 1 or None, got {max_steps}")
    t_start = time.perf_counter()
    setup = _Setup(objective, optimizer, max_iter)
    problem, opt = setup.problem, setup.optimizer
    indices = _indices(setup, parameters)
    x0 = setup.x_start(x_best)
    if setup.petab is None:
        _check_least_squares(problem, opt, x0)

    # the reference: x_best, polished by the profiles' own optimizer (same objective convention)
    f0 = float(problem.objective(x0))
    x_ref, f_ref = x0, f0
    if polish:
        r = opt.minimize(problem, x0=x0.copy(), id="polish")
        fr = float(problem.objective(problem.get_reduced_vector(r.x))) if r.x is not None else float("inf")
        if np.isfinite(fr) and fr < f0:
            x_ref, f_ref = problem.get_reduced_vector(np.asarray(r.x, dtype=float)), fr
    if not np.isfinite(f_ref):
        raise ValueError(f"the objective is not finite at x_best ({f_ref}): nothing to profile from")
    offset = setup.offset(x_ref)

    result = pypesto.Result(problem)
    result.optimize_result.append(OptimizerResult(id="best", x=problem.get_full_vector(x_ref), fval=f_ref - _MARGIN,
                                                  exitflag=0, n_fval=0, n_grad=0, n_hess=0, time=0.0))
    span = problem.ub_full - problem.lb_full
    if not np.all(np.isfinite(span[setup.free])):
        raise ValueError("profiles need finite bounds on every estimated parameter")
    default, smallest, largest = steps
    options = ProfileOptions(default_step_size_absolute=0.0, default_step_size_relative=default,
                             min_step_size_relative=smallest, max_step_size_relative=largest,
                             ratio_min=math.exp(-threshold(level) - _MARGIN), step_size_precheck_mode="off")
    result = parameter_profile(problem, result, opt, engine=_engine(workers, max_steps, progress),
                               profile_index=[setup.free[i] for i in indices], profile_options=options,
                               progress_bar=False)
    wall = time.perf_counter() - t_start

    points, intervals = _tables(setup, result, indices, x_ref, f_ref, offset, level, flat_tol)
    intervals.attrs.update(wall_time_s=wall, best_fval=f_ref, best_nll=f_ref + offset,
                           polish_improvement=f0 - f_ref, workers=workers)
    if out is not None:
        write(points, intervals, out, level)
    return points, intervals


def _indices(setup: _Setup, parameters) -> list[int]:
    if parameters is None:
        return list(range(len(setup.names)))
    if isinstance(parameters, (str, int)):
        parameters = [parameters]
    out = []
    for p in parameters:
        if isinstance(p, str):
            if p not in setup.names:
                raise UserInputError(f"--profile: {p!r} is not an estimated parameter; estimated: {', '.join(setup.names)}")
            out.append(setup.names.index(p))
        else:
            if not 0 <= int(p) < len(setup.names):
                raise UserInputError(f"parameter index {p} out of range (0-{len(setup.names) - 1})")
            out.append(int(p))
    return out


def _side(xs, deltas, best: float, bound: float, thr: float, stopped: bool):
    """The interval end on one side: walk outwards from the best point to the first point above the
    threshold, interpolating sqrt(delta) linearly (on the parameter's scale). Returns (value or nan, status)."""
    order = np.argsort(np.abs(xs - best))
    xs, deltas = xs[order], deltas[order]
    prev_x, prev_d = best, 0.0
    for x, d in zip(xs, deltas):
        if d >= thr:
            # sqrt(delta) is linear in the parameter where the profile is quadratic: interpolate in it
            lo, hi = math.sqrt(max(prev_d, 0.0)), math.sqrt(d)
            frac = (math.sqrt(thr) - lo) / (hi - lo) if hi > lo else 1.0
            return prev_x + frac * (x - prev_x), "threshold"
        prev_x, prev_d = x, d
    if abs(prev_x - bound) <= 1e-9 * max(1.0, abs(bound)):       # the outermost point (or the best) is at the bound
        return float("nan"), "bound"
    return float("nan"), "max_steps" if stopped else "stopped"


def _tables(setup: _Setup, result, indices, x_ref, f_ref, offset, level, flat_tol):
    thr = threshold(level)
    problem = setup.problem
    rows, summary = [], []
    for i in indices:
        full = setup.free[i]
        name, scale = setup.names[i], setup.scales[i]
        prof = result.profile_result.list[-1][full]
        x_path = np.asarray(prof.x_path, dtype=float)
        fvals = np.asarray(prof.fval_path, dtype=float)
        flags = np.asarray(prof.exitflag_path, dtype=object)
        placeholder = np.array([f == _STOPPED for f in flags]) | (fvals >= _STOP_FVAL)
        keep = ~placeholder & np.isfinite(fvals)
        best_x = float(x_ref[i])
        stopped_low = bool(np.any(placeholder & (x_path[full] < best_x)))
        stopped_high = bool(np.any(placeholder & (x_path[full] > best_x)))
        x_path, fvals = x_path[:, keep], fvals[keep]
        # the start of each half is the best point, carrying the optimum pyPESTO was given (f_ref - _MARGIN)
        start = np.all(np.isclose(x_path, problem.get_full_vector(x_ref)[:, None], rtol=0, atol=1e-12), axis=0)
        fvals = np.where(start, f_ref, fvals)
        # each half starts at the best point: keep one copy, sorted along the parameter
        order = np.argsort(x_path[full], kind="stable")
        x_path, fvals = x_path[:, order], fvals[order]
        _, unique = np.unique(np.round(np.c_[x_path[full], fvals], 12), axis=0, return_index=True)
        x_path, fvals = x_path[:, np.sort(unique)], fvals[np.sort(unique)]
        deltas = fvals - f_ref
        xs = x_path[full]
        lo_val, lo_status = _side(xs[xs < best_x], deltas[xs < best_x], best_x, setup.lb[i], thr, stopped_low)
        hi_val, hi_status = _side(xs[xs > best_x], deltas[xs > best_x], best_x, setup.ub[i], thr, stopped_high)
        spread = float(np.max(deltas) - min(0.0, float(np.min(deltas)))) if deltas.size else 0.0
        if spread < flat_tol:
            verdict = "structurally non-identifiable"
        elif lo_status == hi_status == "threshold":
            verdict = "identifiable"
        elif "bound" in (lo_status, hi_status):
            verdict = "practically non-identifiable"
        else:
            verdict = "undetermined"
        for k in range(x_path.shape[1]):
            others = {n: float(unscale(x_path[setup.free[j], k], s)) for j, (n, s) in
                      enumerate(zip(setup.names, setup.scales))}
            rows.append({"parameter": name, "scale": scale, "value_scaled": float(xs[k]),
                         "value": float(unscale(xs[k], scale)), "nll": float(fvals[k] + offset),
                         "delta_nll": float(deltas[k]), "ratio": float(np.exp(-deltas[k])), **others})
        label = lambda v, status: float(unscale(v, scale)) if status == "threshold" else (    # noqa: E731
            "bound" if status == "bound" else "not reached")
        summary.append({
            "parameter": name, "scale": scale, "best": float(unscale(best_x, scale)), "best_scaled": best_x,
            "lower": label(lo_val, lo_status), "upper": label(hi_val, hi_status),
            "lower_value": float(unscale(lo_val, scale)), "upper_value": float(unscale(hi_val, scale)),
            "lower_end": lo_status, "upper_end": hi_status, "identifiability": verdict,
            "lower_bound": float(unscale(setup.lb[i], scale)), "upper_bound": float(unscale(setup.ub[i], scale)),
            "explored_low": float(unscale(xs.min(), scale)) if xs.size else float("nan"),
            "explored_high": float(unscale(xs.max(), scale)) if xs.size else float("nan"),
            "max_delta_nll": float(np.max(deltas)) if deltas.size else float("nan"),
            "min_delta_nll": float(np.min(deltas)) if deltas.size else float("nan"),
            "n_points": int(xs.size), "time_s": round(float(prof.time_total), 2)})
    points = pd.DataFrame(rows)
    intervals = pd.DataFrame(summary)
    intervals.attrs["threshold"] = thr
    return points, intervals


# -- from a finished fit ----------------------------------------------------------------------------
def best_values(source) -> dict[str, float]:
    """The best estimates (linear scale) of a fit: an ``alk5 calibrate`` results folder (best.csv and
    observable_parameters.csv) or a shipped report.json (its ``fitted`` values)."""
    from pathlib import Path
    source = Path(source)
    if source.is_file() and source.suffix == ".json":
        return {k: float(v) for k, v in json.loads(source.read_text(encoding="utf-8"))["fitted"].items()}
    values = {}
    best, others = source / "best.csv", source / "observable_parameters.csv"
    if not best.is_file():
        raise FileNotFoundError(f"{best} not found: profile a finished `alk5 calibrate` results folder")
    values.update(pd.read_csv(best).set_index("name")["value"].astype(float).to_dict())
    if others.is_file() and others.stat().st_size > 0:
        frame = pd.read_csv(others)
        if len(frame):
            values.update(frame.set_index("parameterId")["value"].astype(float).to_dict())
    return values


def profile_fit(problem_yaml, sim, outdir, parameters=None, workers: int = 1, **options):
    """Profiles around the best fit of ``alk5 calibrate`` in ``outdir`` (best.csv, observable_parameters.csv),
    written into the same folder (profiles.csv, profile_intervals.csv, profiles.png)."""
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    objective = PetabObjective(load_problem(problem_yaml), sim)
    return profile(objective, best_values(outdir), parameters=parameters, workers=workers, out=outdir, **options)


# -- outputs --------------------------------------------------------------------------------------
def write(points: pd.DataFrame, intervals: pd.DataFrame, out, level: float = LEVEL):
    """profiles.csv, profile_intervals.csv and profiles.png in the folder ``out`` (each written atomically)."""
    out = make_folder(out, "profile results")
    atomic_write(out / "profiles.csv", points.to_csv(index=False, float_format="%.8g"))
    atomic_write(out / "profile_intervals.csv", intervals.to_csv(index=False, float_format="%.6g"))
    figure(points, intervals, out / "profiles.png", level)


def figure(points: pd.DataFrame, intervals: pd.DataFrame, path, level: float = LEVEL):
    """One panel per parameter: delta NLL against the parameter (log axis on log scales), the threshold,
    the best point and the bounds."""
    import matplotlib.pyplot as plt
    from alk5_pysb.analysis.plots import panel_grid
    thr = threshold(level)
    fig, axes = panel_grid(len(intervals), 2.8)
    for ax, (_, row) in zip(axes.flat, intervals.iterrows()):
        p = points[points["parameter"] == row["parameter"]].sort_values("value")
        ax.plot(p["value"], p["delta_nll"], ".-", color="C0", ms=3, lw=1)
        ax.axhline(thr, color="C3", ls="--", lw=0.8, label=f"{level:.0%} threshold")
        ax.plot([row["best"]], [0.0], "o", color="C1", ms=5, label="best")
        for b in (row["lower_bound"], row["upper_bound"]):
            ax.axvline(b, color="0.6", ls=":", lw=0.8)
        if row["scale"] != "lin":
            ax.set_xscale("log")
        top = max(thr * 1.6, min(float(p["delta_nll"].max()) if len(p) else thr, thr * 3))
        ax.set_ylim(-0.1 * thr, top)
        ax.set_title(f"{row['parameter']}\n{row['identifiability']}", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes[:, 0]:
        ax.set_ylabel("delta NLL", fontsize=8)
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
