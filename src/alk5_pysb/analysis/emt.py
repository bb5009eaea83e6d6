"""EMT as a switch: hysteresis over ligand dose, and the dose-time map of (ir)reversibility.

Both run on the EMT network (``validation_emt.emt_simulator``) with the ligand renewed with the medium every
day (``EVERY_MIN``), so that the dose, not its depletion, sets the signal:

- :func:`hysteresis`: the EMT score after ``days`` at each dose, reached from epithelial cells (up branch) and
  from cells made mesenchymal first by ``prime_pM`` for ``days`` (down branch; a medium change in between).
  The area between the branches over log10(dose) measures the memory of the ZEB-miR-200 switch: it collapses
  when the loop is cut (``ZEB_miR200_loop = 0``).
- :func:`dose_time_map`: cells exposed to a dose for a number of days, then given ligand-free medium; the EMT
  score ``after_days`` later says whether the exposure left a self-sustaining mesenchymal state.
Every result is a DataFrame; units are in the column names.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from alk5_pysb.simulation.experiment import Experiment, feeding
from alk5_pysb.simulation.metrics import value_at

EVERY_MIN = 1440.0
DAY_MIN = 1440.0
READOUTS = ["EMT_index", "E_cadherin", "ZEB", "miR200", "SNAI1", "nuc_Smad3_complex"]


def _fed(dose_pM, days, params, exposure_days=None):
    exposure = None if exposure_days is None else exposure_days * DAY_MIN
    return Experiment(dose_pM=float(dose_pM), t_end_min=days * DAY_MIN, n_points=int(days) + 1, params=dict(params),
                      **feeding(days * DAY_MIN, EVERY_MIN, exposure))


def hysteresis(sim, doses_pM, days: float = 20.0, prime_pM: float = 1000.0, params=None) -> pd.DataFrame:
    """Up and down branches of the EMT switch: one row per dose with ``dose_pM``, ``EMT_up``, ``EMT_down`` and the
    other readouts of both branches at the end of ``days``; ``attrs['area']`` is the area between the branches
    (EMT score x log10 dose)."""
    from alk5_pysb.analysis.validation_emt import emt_simulator
    emt, params = emt_simulator(sim), dict(params or {})
    emt.run(_fed(prime_pM, days, params), readouts=["EMT_index"])
    primed = emt.final_state(medium_change=True)
    rows = []
    for dose in doses_pM:
        exp = _fed(dose, days, params) if dose > 0 else Experiment(dose_pM=0.0, t_end_min=days * DAY_MIN,
                                                                    n_points=int(days) + 1, params=params)
        up = emt.run(exp, readouts=READOUTS).iloc[-1]
        down = emt.run(exp, readouts=READOUTS, start_state=primed).iloc[-1]
        rows.append({"dose_pM": float(dose), **{f"{r}_up": float(up[r]) for r in READOUTS},
                     **{f"{r}_down": float(down[r]) for r in READOUTS}})
    frame = pd.DataFrame(rows).rename(columns={"EMT_index_up": "EMT_up", "EMT_index_down": "EMT_down"})
    frame.attrs["area"] = hysteresis_area(frame)
    frame.attrs.update({"days": days, "prime_pM": prime_pM, "feeding_every_min": EVERY_MIN})
    return frame


def hysteresis_area(frame: pd.DataFrame) -> float:
    """Area between the down and up branches over log10(dose) (doses > 0): 0 without memory."""
    positive = frame[frame["dose_pM"] > 0].sort_values("dose_pM")
    gap = (positive["EMT_down"] - positive["EMT_up"]).to_numpy()
    x = np.log10(positive["dose_pM"].to_numpy())
    return float(np.sum(0.5 * (gap[1:] + gap[:-1]) * np.diff(x)))


def dose_time_map(sim, doses_pM, exposure_days, after_days: float = 14.0, params=None) -> pd.DataFrame:
    """EMT score at the end of the exposure and ``after_days`` after withdrawal, for every dose x exposure:
    columns ``dose_pM``, ``exposure_d``, ``EMT_end_of_exposure``, ``EMT_after``, ``E_cadherin_after_rel`` (of
    untreated cells) and ``persistent`` (EMT score after withdrawal >= 0.5)."""
    from alk5_pysb.analysis.validation_emt import emt_simulator
    emt, params = emt_simulator(sim), dict(params or {})
    rows = []
    for days in exposure_days:
        total = days + after_days
        rest = emt.run(Experiment(dose_pM=0.0, t_end_min=total * DAY_MIN, n_points=2, params=params),
                       readouts=["E_cadherin"]).iloc[-1]
        for dose in doses_pM:
            run = emt.run(_fed(dose, total, params, exposure_days=days), readouts=["EMT_index", "E_cadherin"])
            last = run.iloc[-1]
            rows.append({"dose_pM": float(dose), "exposure_d": float(days),
                         "EMT_end_of_exposure": value_at(run, "EMT_index", days * DAY_MIN - 1.0),      # at the last washout
                         "EMT_after": float(last["EMT_index"]),
                         "E_cadherin_after_rel": float(last["E_cadherin"] / rest["E_cadherin"]),
                         "persistent": bool(last["EMT_index"] >= 0.5)})
    frame = pd.DataFrame(rows)
    frame.attrs.update({"after_days": after_days, "feeding_every_min": EVERY_MIN})
    return frame


# --- the dual role under an ALK5 inhibitor: growth arrest at 24 h and EMT at 96 h (figures/epithelial.json) ---
DUAL_ROLE_END_MIN = 5760.0      # 96 h, medium with ligand renewed every 48 h: EMT score read here
ARREST_AT_MIN = 1440.0          # growth arrest read at 24 h
DUAL_ROLE_DOSE_PM = 100.0
SB_NM = [10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0]


def inhibitor_arms(compound, concentrations_nM=SB_NM, dose_pM: float = DUAL_ROLE_DOSE_PM) -> list:
    """(concentration, Experiment) of the dual-role inhibitor axis: pre-treated 60 min, ligand fed every 48 h."""
    from alk5_pysb.analysis.validation_emt import fed
    return [(c, Experiment(dose_pM=dose_pM, t_end_min=DUAL_ROLE_END_MIN, n_points=97, compound=compound,
                           inhibitor_nM=c, pretreat_min=60.0, **fed(DUAL_ROLE_END_MIN)))
            for c in concentrations_nM]


#: a response the top concentration (10 uM) does not halve is counted here, one half-decade step above it
NOT_HALVED_NM = 30000.0


def half_inhibition(frame: pd.DataFrame, readout: str, x: str = "x") -> float:
    """Inhibitor concentration (log-interpolated) at which ``readout`` falls to half its lowest-concentration value;
    inf when it does not within the concentrations run, nan when there is no response to halve (<= 0)."""
    sub = frame.sort_values(x)
    y, lx = sub[readout].to_numpy(), np.log10(sub[x].to_numpy())
    if not y[0] > 0:
        return float("nan")
    half = 0.5 * y[0]
    below = np.nonzero(y <= half)[0]
    if not len(below):
        return float("inf")
    i = below[0]
    return float(10 ** np.interp(half, [y[i], y[i - 1]], [lx[i], lx[i - 1]]))


def dual_role_halves(sim, folds: dict, context: str = "epithelial", compound=None) -> dict:
    """For one parameter set (``folds``) in ``context``: the inhibitor concentrations (nM) that halve the 24-h
    growth arrest and the 96-h EMT score at 100 pM TGF-beta1 (SB-431542 by default); inf where 10 uM does not halve
    it, nan where there is nothing to halve."""
    import dataclasses
    from alk5_pysb.io import contexts
    from alk5_pysb.pharmacology.compounds import get_compound
    compound = compound or get_compound("SB-431542")
    values = contexts.load(context)
    untreated = Experiment(dose_pM=0.0, t_end_min=DUAL_ROLE_END_MIN, n_points=97, folds=folds)
    pi_rest = value_at(sim.run(untreated, readouts=["proliferation_index"], context=values),
                       "proliferation_index", ARREST_AT_MIN)
    rows = []
    for c, exp in inhibitor_arms(compound):
        run = sim.run(dataclasses.replace(exp, folds=folds), readouts=["proliferation_index", "EMT_index"],
                      context=values)
        rows.append({"x": c, "growth_arrest": 1 - value_at(run, "proliferation_index", ARREST_AT_MIN) / pi_rest,
                     "EMT_score": value_at(run, "EMT_index", DUAL_ROLE_END_MIN)})
    frame = pd.DataFrame(rows)
    return {"growth_arrest_half_nM": half_inhibition(frame, "growth_arrest"),
            "EMT_half_nM": half_inhibition(frame, "EMT_score")}
