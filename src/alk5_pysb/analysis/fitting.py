"""Metrics of time courses and four-parameter Hill fits (scipy.optimize.curve_fit)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import curve_fit

from alk5_pysb.errors import UserInputError


def half_life_of_decay(frame: pd.DataFrame, readout: str, t_start: float, baseline: float = 0.0) -> float:
    """Minutes after t_start until (readout - baseline) has halved; inf if it never does."""
    sub = frame[frame["time_min"] >= t_start]
    excess = sub[readout].to_numpy() - baseline
    half = excess[0] / 2.0
    below = np.nonzero(excess <= half)[0]
    if len(below) == 0:
        return float("inf")
    j = below[0]
    t = sub["time_min"].to_numpy()
    if j == 0:
        return 0.0
    # linear interpolation between the bracketing samples
    t_half = np.interp(half, [excess[j], excess[j - 1]], [t[j], t[j - 1]])
    return float(t_half - t_start)


def hill4(dose, bottom, top, ec50, n):
    dose = np.asarray(dose, dtype=float)
    return bottom + (top - bottom) * dose**n / (ec50**n + dose**n)


@dataclass
class HillFit:
    ec50: float
    ec50_ci: tuple[float, float]
    hill: float
    bottom: float
    top: float
    converged: bool
    message: str = ""


def fit_hill(doses, values) -> HillFit:
    """Fit bottom + (top-bottom) d^n/(EC50^n + d^n) on log10(EC50); 95% CI from the covariance.

    ``bottom`` is the response at low dose and ``top`` at high dose, so for inhibition curves
    top < bottom and 'ec50' is the IC50; the Hill slope is always reported positive.
    """
    doses = np.asarray(doses, dtype=float)
    values = np.asarray(values, dtype=float)
    ok = doses > 0
    if ok.sum() < 4:
        raise UserInputError("a Hill fit needs at least 4 doses > 0")
    d, y = doses[ok], values[ok]
    span = float(np.ptp(y)) or 1.0

    def model(logd, bottom, top, logec50, n):
        return hill4(10.0**logd, bottom, top, 10.0**logec50, n)

    order = np.argsort(d)
    d, y = d[order], y[order]
    mid = 0.5 * (y.min() + y.max())
    logec0 = float(np.log10(d[np.argmin(np.abs(y - mid))]))
    try:
        # bottom = response at low dose, top = at high dose (top < bottom for inhibition)
        popt, pcov = curve_fit(model, np.log10(d), y, p0=[y[0], y[-1], logec0, 1.0],
                               method="trf", max_nfev=20000, x_scale=[span, span, 1.0, 1.0])
    except (RuntimeError, ValueError) as err:
        return HillFit(float("nan"), (float("nan"), float("nan")), float("nan"), float("nan"), float("nan"), False, str(err))
    bottom, top, logec50, n = popt
    if n < 0:   # same curve written with a positive slope
        bottom, top, n = top, bottom, -n
    se = float(np.sqrt(pcov[2, 2])) if np.all(np.isfinite(pcov)) else float("nan")
    with np.errstate(over="ignore"):      # an unbounded interval is inf, and then not "tight" below
        ci = (float(np.power(10.0, logec50 - 1.96 * se)), float(np.power(10.0, logec50 + 1.96 * se))) \
            if np.isfinite(se) else (float("nan"), float("nan"))
    inside = d.min() <= 10**logec50 <= d.max()
    tight = bool(np.isfinite(se) and 2 * 1.96 * se < 3.0)      # the 95% CI spans less than 1e3-fold
    converged = bool(inside and tight)
    message = "" if converged else (
        "EC50 outside the dose range (extrapolated)" if not inside else "EC50 poorly determined (wide or singular CI)")
    return HillFit(float(10**logec50), ci, float(n), float(bottom), float(top), converged, message)
