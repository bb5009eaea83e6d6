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
