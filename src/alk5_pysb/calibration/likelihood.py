"""The PEtab (v1) negative log-likelihood of each data point: one function for every objective in the package
(:class:`~alk5_pysb.calibration.objective.PetabObjective` on alk5's engine, and the published hepatocyte
model's and ours in :mod:`~alk5_pysb.calibration.hepatocyte`).

Normal or Laplace noise on the lin, log or log10 scale of the observable, constant terms included (so AIC
and BIC are right); the data live on the linear scale, so a transformed density carries the Jacobian
d(log y)/dy. ``petab.v1.calculate.calculate_single_llh`` is the reference (a test compares them).
"""
from __future__ import annotations

import numpy as np

SCALES = ("lin", "log", "log10")
NOISE_MODELS = ("normal", "laplace")


def transform(values, scales) -> np.ndarray:
    """Values on their observable's scale (lin, log or log10); log of a non-positive value is nan/-inf."""
    v = np.asarray(values, float)
    s = np.broadcast_to(np.asarray(scales), v.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s == "log", np.log(v), np.where(s == "log10", np.log10(v), v))


def nll_terms(data, model, sigma, scales, noise="normal") -> np.ndarray:
    """Negative log-likelihood of every point: ``data`` and ``model`` on the linear scale, ``sigma`` on the
    observable's scale, ``scales`` lin/log/log10 and ``noise`` normal/laplace per point (or one for all)."""
    data, model, sigma = (np.asarray(x, float) for x in (data, model, sigma))
    scales = np.broadcast_to(np.asarray(scales), data.shape)
    laplace = np.broadcast_to(np.asarray(noise), data.shape) == "laplace"
    y, m = transform(data, scales), transform(model, scales)
    with np.errstate(divide="ignore", invalid="ignore"):
        jacobian = np.where(scales == "log", np.log(data),
                            np.where(scales == "log10", np.log(data * np.log(10.0)), 0.0))
        normal = 0.5 * np.log(2 * np.pi * sigma ** 2) + 0.5 * ((y - m) / sigma) ** 2
        lap = np.log(2 * sigma) + np.abs(y - m) / sigma
        return np.where(laplace, lap, normal) + jacobian
