"""Posterior sampling of a calibration problem, computed by pyPESTO (adaptive Metropolis).

The chain starts at the best fit of ``alk5 calibrate`` and samples exp(-NLL) inside the search bounds, i.e.
the posterior under a uniform prior on each parameter's PEtab scale (log-uniform on log10 parameters): the
bounds are the only prior knowledge the problem states. Adaptive Metropolis (Haario et al. 2001; pyPESTO's
``AdaptiveMetropolisSampler``) learns the proposal covariance from the chain, so correlated pairs (an amount
and a rate that the data see only as a product) are followed along their ridge instead of being rejected.
Only function values are needed: no finite-difference gradients.

Reported (``posterior_intervals.csv``): per parameter the best fit, the posterior median and the central 95%
interval over the chain after burn-in (Geweke test, pyPESTO), next to the profile-likelihood interval when
``profile_intervals.csv`` is in the same folder; the summary gives the burn-in, the effective sample size
and the acceptance rate. A chain that Geweke's test finds not converged (its second half is then kept) or
whose effective sample size is below ``MIN_ESS`` is flagged ``rough``, not hidden: its intervals are too
rough to quote.
"""
from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd

from alk5_pysb.calibration.profiles import best_values, unscale
from alk5_pysb.errors import UserInputError
from alk5_pysb.io.files import atomic_write, make_folder

LEVEL = 0.95
#: below this effective sample size a chain's 95% interval is flagged as too rough to quote
MIN_ESS = 100


def _problem(objective):
    """The pypesto Problem to sample: a PetabObjective's (NLL on the PEtab scales) or a plain one."""
    import pypesto
    if isinstance(objective, pypesto.Problem):
        return objective, None
    if hasattr(objective, "pypesto_problem"):
        return objective.pypesto_problem(), objective
    raise TypeError(f"sample() takes a PetabObjective or a pypesto.Problem, not {type(objective).__name__}")


def sample(objective, x_best, n_samples: int, seed: int = 0, out=None) -> tuple[pd.DataFrame, dict]:
    """An adaptive Metropolis chain of ``n_samples`` steps from ``x_best`` (a dict of values, or an array on the
    parameters' scales). Returns (samples after burn-in on the linear scale, summary); with ``out`` also writes
    samples.csv, posterior_intervals.csv, sampling.json and posterior.png there."""
    import pypesto.sample as pysample
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 100:
        raise UserInputError(f"--sample: expected a number of samples >= 100, got {n_samples!r}")
    problem, petab = _problem(objective)
    free = list(problem.x_free_indices)
    names = [problem.x_names[i] for i in free]
    scales = [problem.x_scales[i] if problem.x_scales is not None else "lin" for i in free]
    if isinstance(x_best, dict):
        x0 = petab.scale({**petab.nominal, **x_best}) if petab is not None else np.array([x_best[n] for n in names])
    else:
        x0 = np.asarray(x_best, dtype=float)
    x0 = np.clip(x0, problem.lb, problem.ub)
    np.random.seed(seed)                 # pyPESTO's Metropolis samplers draw from numpy's global generator
    start = time.perf_counter()
    sampler = pysample.AdaptiveMetropolisSampler({"show_progress": False})
    result = pysample.sample(problem, n_samples=int(n_samples), sampler=sampler, x0=x0)
    seconds = time.perf_counter() - start
    burn_in = int(pysample.geweke_test(result))
    converged = burn_in < n_samples               # Geweke puts the burn-in at the end when no tail is stationary
    if not converged:                              # keep the second half, flagged: not a posterior to quote
        burn_in = n_samples // 2
    ess = pysample.effective_sample_size(result)      # None when the autocorrelation cannot be estimated
    ess = float("nan") if ess is None else float(ess)
    trace = np.asarray(result.sample_result.trace_x[0], dtype=float)
    nll = np.asarray(result.sample_result.trace_neglogpost[0], dtype=float)
    moved = np.any(np.diff(trace, axis=0) != 0, axis=1)
    kept = trace[burn_in:]
    linear = np.column_stack([unscale(kept[:, j], scales[j]) for j in range(len(names))])
    samples = pd.DataFrame(linear, columns=names)
    samples.insert(0, "nll", nll[burn_in:])
    alpha = (1 - LEVEL) / 2
    best = [unscale(x0[j], scales[j]) for j in range(len(names))]
    intervals = pd.DataFrame({"parameter": names, "scale": scales, "best": best,
                              "median": samples[names].median().to_numpy(),
                              "lower": samples[names].quantile(alpha).to_numpy(),
                              "upper": samples[names].quantile(1 - alpha).to_numpy()})
    summary = {"sampler": "pyPESTO AdaptiveMetropolisSampler", "prior": "uniform on each parameter's PEtab scale "
               "inside the search bounds", "n_samples": int(n_samples), "burn_in_geweke": burn_in,
               "effective_sample_size": round(ess, 1) if math.isfinite(ess) else None, "acceptance_rate": round(float(moved.mean()), 3),
               "converged": converged, "rough": bool(not converged or not math.isfinite(ess) or ess < MIN_ESS),
               "seed": seed, "seconds": round(seconds, 1),
               "best_nll_in_chain": float(np.min(nll)), "level": LEVEL}
    if out is not None:
        write(samples, intervals, summary, out)
    return samples, {**summary, "intervals": intervals}


def sample_fit(problem_yaml, sim, outdir, n_samples: int, seed: int = 0):
    """Samples around the best fit of ``alk5 calibrate`` in ``outdir`` (best.csv), written into the same folder."""
    from alk5_pysb.calibration.objective import PetabObjective
    from alk5_pysb.calibration.problem import load_problem
    objective = PetabObjective(load_problem(problem_yaml), sim)
    return sample(objective, best_values(outdir), n_samples, seed, out=outdir)


def write(samples: pd.DataFrame, intervals: pd.DataFrame, summary: dict, out):
    out = make_folder(out, "sampling results")
    profile = out / "profile_intervals.csv"
    if profile.is_file():               # the two kinds of interval side by side
        prof = pd.read_csv(profile).set_index("parameter")
        for col in ("lower", "upper"):
            intervals[f"profile_{col}"] = intervals["parameter"].map(prof[col]) if col in prof else np.nan
    atomic_write(out / "samples.csv", samples.to_csv(index=False, float_format="%.8g"))
    atomic_write(out / "posterior_intervals.csv", intervals.to_csv(index=False, float_format="%.6g"))
    atomic_write(out / "sampling.json", json.dumps(summary, indent=1) + "\n")
    figure(samples, intervals, out / "posterior.png")


def figure(samples: pd.DataFrame, intervals: pd.DataFrame, path):
    """One panel per parameter: the marginal posterior (histogram; log axis on log scales), the central 95%
    interval, the best fit and, when known, the profile interval."""
    import matplotlib.pyplot as plt
    from alk5_pysb.analysis.plots import panel_grid, save_figure
    fig, axes = panel_grid(len(intervals), 2.6)
    for ax, (_, row) in zip(axes.flat, intervals.iterrows()):
        values = samples[row["parameter"]].to_numpy()
        log = row["scale"] != "lin" and np.all(values > 0)
        bins = np.geomspace(values.min(), values.max(), 30) if log and values.max() > values.min() else 30
        ax.hist(values, bins=bins, color="0.6")
        if log:
            ax.set_xscale("log")
        ax.axvspan(row["lower"], row["upper"], color="tab:blue", alpha=0.15, label="posterior 95%")
        ax.axvline(row["best"], color="k", lw=1, label="best fit")
        if "profile_lower" in row and np.isfinite(row.get("profile_lower", np.nan)):
            for edge in (row["profile_lower"], row["profile_upper"]):
                ax.axvline(edge, color="tab:red", ls="--", lw=1)
        ax.set_title(row["parameter"], fontsize=9)
        ax.set_yticks([])
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.suptitle("posterior marginals (adaptive Metropolis; red dashes: profile 95%)", fontsize=10)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)
