"""Oral pharmacokinetics of ALK5 inhibitors and dosing regimens.

A one-compartment model with first-order absorption (ka) and elimination (ke = CL/V, all per F),
from ``data/pk.csv`` (each value sourced or marked assumed/derived). Missing entries are derived:
V from CL and the half-life, ka from the reported time to peak (the root of
ln(ka/ke)/(ka - ke) = t_max). The unbound plasma concentration fu*C drives the cell (free-drug
hypothesis).

Closed forms (one compartment, dose D every tau, Gibaldi & Perrier; Rowland & Tozer):

    C(t)      = sum over doses of  A * (exp(-ke*(t - t_i)) - exp(-ka*(t - t_i))),   A = D*ka / (V*(ka - ke))
    C_ss(t)   = A * (exp(-ke*t) / (1 - exp(-ke*tau)) - exp(-ka*t) / (1 - exp(-ka*tau))),   0 <= t < tau
    t_max,ss  = ln(ka*(1 - exp(-ke*tau)) / (ke*(1 - exp(-ka*tau)))) / (ka - ke)
    C_min,ss  = C_ss(0),  C_max,ss = C_ss(t_max,ss)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from alk5_pysb.errors import UserInputError

MAX_DOSES = 100_000


@lru_cache(maxsize=1)
def pk_table() -> pd.DataFrame:
    with resources.files("alk5_pysb").joinpath("data/pk.csv").open(encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"value": str, "low": str, "high": str}, keep_default_na=False)
    from alk5_pysb.model.parameters import check_side_table
    return check_side_table(frame, lambda r: f"{r['compound']} {r['parameter']}", "data/pk.csv")


def compounds_with_pk() -> list[str]:
    return sorted(pk_table()["compound"].unique())


def _ka_from_tmax(t_max_h: float, ke: float) -> float:
    """Absorption rate whose one-compartment time to peak is t_max (the root above ke)."""
    if not t_max_h < 1 / ke:
        raise UserInputError(f"t_max {t_max_h:g} h is not reachable with elimination half-life {math.log(2) / ke:.3g} h")
    return brentq(lambda ka: math.log(ka / ke) / (ka - ke) - t_max_h, ke * (1 + 1e-9), 1e4, xtol=1e-14, rtol=1e-14)


@dataclass(frozen=True)
class OralPK:
    """One-compartment oral PK; rates per hour, volumes in L, per bioavailable fraction (CL/F, V/F)."""
    compound: str
    ka_per_h: float
    cl_L_per_h: float
    v_L: float
    fu: float
    mw_g_per_mol: float
    provenance: tuple = ()

    def __post_init__(self):
        for what in ("ka_per_h", "cl_L_per_h", "v_L", "mw_g_per_mol"):
            value = getattr(self, what)
            if not (math.isfinite(value) and value > 0):
                raise UserInputError(f"{self.compound}: PK parameter {what} must be > 0, got {value!r}")
        if not 0 < self.fu <= 1:
            raise UserInputError(f"{self.compound}: fraction unbound must be in (0, 1], got {self.fu!r}")
        if math.isclose(self.ka_per_h, self.ke_per_h, rel_tol=1e-9):
            raise UserInputError(f"{self.compound}: ka equals ke; the closed forms need ka != ke")

    @property
    def ke_per_h(self) -> float:
        return self.cl_L_per_h / self.v_L

    @property
    def t_half_h(self) -> float:
        return math.log(2) / self.ke_per_h

    def nM_per_mg_per_L(self) -> float:
        """mg/L -> nM: 1 mg/L = 1e-3 g/L / MW (g/mol) = 1e6/MW nM."""
        return 1e6 / self.mw_g_per_mol

    def _amplitude(self, dose_mg: float) -> float:
        return dose_mg * self.ka_per_h / (self.v_L * (self.ka_per_h - self.ke_per_h))

    def concentration_mg_per_L(self, t_h, dose_times_h, dose_mg: float) -> np.ndarray:
        """Total plasma concentration by superposition of every dose given before t."""
        t = np.atleast_1d(np.asarray(t_h, dtype=float))
        out = np.zeros_like(t)
        a, ka, ke = self._amplitude(dose_mg), self.ka_per_h, self.ke_per_h
        for ti in dose_times_h:
            dt = t - ti
            on = dt > 0
            out[on] += a * (np.exp(-ke * dt[on]) - np.exp(-ka * dt[on]))
        return out

    def steady_state(self, dose_mg: float, tau_h: float) -> dict[str, float]:
        """Closed-form steady state of dosing every tau: t_max, C_max, C_min (mg/L)."""
        a, ka, ke = self._amplitude(dose_mg), self.ka_per_h, self.ke_per_h
        rk, ra = 1 - math.exp(-ke * tau_h), 1 - math.exp(-ka * tau_h)

        def c_ss(t):
            return a * (math.exp(-ke * t) / rk - math.exp(-ka * t) / ra)
        t_max = math.log(ka * rk / (ke * ra)) / (ka - ke)
        return {"t_max_h": t_max, "C_max_mg_per_L": c_ss(t_max), "C_min_mg_per_L": c_ss(0.0),
                "C_avg_mg_per_L": dose_mg / (self.cl_L_per_h * tau_h)}


def pk_draws(compound: str, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` draws of a compound's PK table values from their ranges (Latin hypercube, seeded): one column per
    drawn parameter (t_half, t_max, CL_F, V_F, fu, ...), in the table's units."""
    from scipy.stats import qmc
    from alk5_pysb.model.parameters import quantile
    name = get_pk(compound).compound
    rows = pk_table()[(pk_table()["compound"] == name) & (pk_table()["distribution"] != "point")]
    u = np.clip(qmc.LatinHypercube(d=max(len(rows), 1), seed=seed).random(n), 1e-12, 1 - 1e-12)
    return pd.DataFrame({r.parameter: quantile(r.distribution, float(r.low), float(r.high), u[:, j])
                         for j, r in enumerate(rows.itertuples())})


def get_pk(compound: str, fu: float | None = None, values: dict | None = None) -> OralPK:
    """PK of a compound from the table (case-insensitive); unknown names list the valid ones. ``values``
    replaces table values (an ensemble member's draw, see pk_draws)."""
    table = pk_table()
    names = {n.lower(): n for n in table["compound"].unique()}
    if compound.lower() not in names:
        raise UserInputError(f"no pharmacokinetics for compound {compound!r}: compounds with PK are "
                             f"{', '.join(compounds_with_pk())}")
    name = names[compound.lower()]
    rows = table[table["compound"] == name].set_index("parameter")
    drawn = values or {}
    value = lambda p: float(drawn[p]) if p in drawn else float(rows.loc[p, "value"]) if p in rows.index else math.nan
    cl, v, t_half, t_max = value("CL_F"), value("V_F"), value("t_half"), value("t_max")
    provenance = [(p, rows.loc[p, "value"], rows.loc[p, "unit"], rows.loc[p, "evidence"]) for p in rows.index]
    if math.isnan(v):
        v = cl * t_half / math.log(2)
        provenance.append(("V_F", f"{v:.4g}", "L", "derived: CL_F * t_half / ln 2"))
    ka = value("ka")
    if math.isnan(ka):
        ka = _ka_from_tmax(t_max, cl / v)
        provenance.append(("ka", f"{ka:.4g}", "1/h", "derived: one-compartment time to peak = t_max"))
    return OralPK(name, ka, cl, v, value("fu") if fu is None else fu, value("MW"), tuple(provenance))


@dataclass(frozen=True)
class Regimen:
    """Doses of ``dose_mg`` every ``every_h`` for ``days_on`` days, then ``days_off`` days without, ``cycles`` times."""
    dose_mg: float
    every_h: float
    days_on: float
    days_off: float = 0.0
    cycles: int = 1

    def __post_init__(self):
        checks = [("dose", self.dose_mg, "a dose > 0 mg (e.g. 150mg)"),
                  ("interval", self.every_h, "a dosing interval > 0 h (e.g. 12h)"),
                  ("days on", self.days_on, "a treatment period > 0 days")]
        for what, value, expected in checks:
            if not (math.isfinite(value) and value > 0):
                raise UserInputError(f"regimen {what} {value:g}: expected {expected}")
        if not (math.isfinite(self.days_off) and self.days_off >= 0):
            raise UserInputError(f"regimen days off {self.days_off:g}: expected 0 or more days")
        if int(self.cycles) != self.cycles or self.cycles < 1:
            raise UserInputError(f"regimen cycles {self.cycles!r}: expected a whole number >= 1")
        n = self.n_doses
        if n > MAX_DOSES:
            raise UserInputError(f"regimen has {n} doses: more than {MAX_DOSES} is refused (lengthen the interval "
                                 "or shorten the course)")

    @property
    def cycle_h(self) -> float:
        return 24.0 * (self.days_on + self.days_off)

    @property
    def doses_per_cycle(self) -> int:
        return int(math.floor(24.0 * self.days_on / self.every_h - 1e-9)) + 1

    @property
    def n_doses(self) -> int:
        return self.doses_per_cycle * int(self.cycles)

    def dose_times_h(self) -> np.ndarray:
        per_cycle = np.arange(self.doses_per_cycle) * self.every_h
        return np.concatenate([c * self.cycle_h + per_cycle for c in range(int(self.cycles))])

    @property
    def duration_h(self) -> float:
        return self.cycle_h * int(self.cycles)
