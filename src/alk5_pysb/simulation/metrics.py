"""The metric vocabulary of dose-response and inhibition scans.

``peak``, ``time_to_peak``, ``auc:0-4h``, ``at:45min``, ``at:8h``, ``steady_state``. Metrics are
read on t >= 0 (after ligand addition). ``steady_state`` is the value at the end of a long run
(7 days) and says so in its column name.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from alk5_pysb.errors import UserInputError
from alk5_pysb.io.units import parse_duration

STEADY_STATE_MIN = 7 * 1440.0
VOCABULARY = "peak, time_to_peak, auc:T0-T1 (e.g. auc:0-4h), at:T (e.g. at:45min, at:8h), steady_state"


def peak(frame: pd.DataFrame, readout: str, t_from: float = 0.0) -> tuple[float, float]:
    """(time_min, value) of the maximum of ``readout`` at t >= t_from."""
    sub = frame[frame["time_min"] >= t_from]
    i = int(np.argmax(sub[readout].to_numpy()))
    return float(sub["time_min"].iloc[i]), float(sub[readout].iloc[i])


def value_at(frame: pd.DataFrame, readout: str, t_min: float) -> float:
    return float(np.interp(t_min, frame["time_min"], frame[readout]))


def auc(frame: pd.DataFrame, readout: str, t0: float, t1: float) -> float:
    sub = frame[(frame["time_min"] >= t0) & (frame["time_min"] <= t1)]
    return float(np.trapezoid(sub[readout], sub["time_min"]))



@dataclass(frozen=True)
class Metric:
    text: str
    kind: str                 # peak | time_to_peak | auc | at | steady_state
    t0: float = 0.0
    t1: float = 0.0

    @property
    def horizon_min(self) -> float:
        """How long a simulation must run to evaluate this metric."""
        return {"peak": 0.0, "time_to_peak": 0.0, "auc": self.t1, "at": self.t0,
                "steady_state": STEADY_STATE_MIN}[self.kind]

    def unit(self, readout_unit: str) -> str:
        return {"time_to_peak": "min", "auc": f"{readout_unit}*min"}.get(self.kind, readout_unit)

    def evaluate(self, frame: pd.DataFrame, readout: str) -> float:
        if self.kind == "peak":
            return peak(frame, readout)[1]
        if self.kind == "time_to_peak":
            return peak(frame, readout)[0]
        if self.kind == "auc":
            return auc(frame, readout, self.t0, self.t1)
        if self.kind == "at":
            return value_at(frame, readout, self.t0)
        return float(frame[readout].iloc[-1])


def parse_metric(text: str) -> Metric:
    text = text.strip()
    if text in ("peak", "time_to_peak", "steady_state"):
        return Metric(text, text)
    if text.startswith("at:"):
        return Metric(text, "at", parse_duration(text[3:], what=f"metric {text!r} time"))
    if text.startswith("auc:"):
        m = re.fullmatch(r"auc:\s*([0-9.eE+]+)\s*([a-z]*)\s*-\s*([0-9.eE+]+)\s*([a-z]+)", text)
        if not m:
            raise UserInputError(f"metric {text!r}: expected auc:T0-T1 such as auc:0-4h or auc:30min-2h")
        unit0 = m.group(2) or m.group(4)
        t0 = parse_duration(m.group(1) + unit0, what=f"metric {text!r} start")
        t1 = parse_duration(m.group(3) + m.group(4), what=f"metric {text!r} end")
        if t1 <= t0:
            raise UserInputError(f"metric {text!r}: the window end must be after its start")
        return Metric(text, "auc", t0, t1)
    raise UserInputError(f"unknown metric {text!r}: valid metrics are {VOCABULARY}")


def parse_metrics(text: str) -> list[Metric]:
    items = [t for t in (text or "").split(",") if t.strip()]
    if not items:
        raise UserInputError(f"no metric given: valid metrics are {VOCABULARY}")
    metrics = [parse_metric(t) for t in items]
    if len({m.text for m in metrics}) != len(metrics):
        raise UserInputError(f"metric listed twice in {text!r}")
    return metrics


def horizon(metrics, minimum: float = 0.0) -> float:
    """Simulated time needed by all metrics (at least 4 h so that peaks are seen)."""
    return max([minimum, 240.0] + [m.horizon_min for m in metrics])


def time_grid(t_end: float, metrics) -> np.ndarray:
    """1-min resolution over the first 8 h (peaks), coarser later, plus every metric's times."""
    fine = np.arange(0.0, min(t_end, 480.0) + 1e-9, 1.0)
    coarse = np.linspace(480.0, t_end, max(2, int((t_end - 480.0) / 10.0) + 1)) if t_end > 480 else np.array([])
    extra = [m.t0 for m in metrics if m.kind in ("at", "auc")] + [m.t1 for m in metrics if m.kind == "auc"]
    return np.unique(np.concatenate([fine, coarse, extra, [t_end]]))
