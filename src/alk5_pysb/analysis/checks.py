"""What every behaviour check shares: the row it returns (:class:`Check`), the distance to its target
(:func:`miss`, the margin ABC uses), the tables that hold the targets and the engine that judges against them
(:func:`judged`), the behaviours' inhibitor, and the network a context's behaviours run on.

The behaviours are data where they fit. ``data/behaviours/<family>.csv`` holds one row per behaviour (id,
context, network, behaviour, target as written before simulation, tag, source); ``<family>_bands.csv`` one
row per quantity a behaviour measures (id, quantity, low, high, unit, description, alternative). A check
function only simulates its protocol and computes those quantities (the irreducible part: protocols, ratios,
fits); :func:`judged` reads the bands, decides the verdict (every quantity inside its band) and the margin (the
sum of each quantity's :func:`miss`), and takes the behaviour's words and source from the table. A target
"(a) or (b)" names its options in ``alternative`` as ``SET:OPTION``: the quantities of one option must all
hold, one option of each set suffices, and the set adds the smallest option's miss to the margin.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from alk5_pysb.simulation.simulator import Simulator


@dataclass
class Check:
    id: str
    behaviour: str
    target: str
    model: str
    passed: bool
    note: str = ""
    source: str = ""
    #: how far the model is from the target (0 when it passes): the sum of each condition's miss (``miss``);
    #: the distance of a behaviour in ABC-SMC (``alk5 ensemble``)
    margin: float = float("nan")


#: a quantity that cannot be computed (no peak, a fit that did not converge) counts as a 1000-fold miss
MISS_UNDEFINED = 3.0
#: a behaviour that cannot be simulated at all is farther than any computed miss
SIMULATION_FAILED = 10 * MISS_UNDEFINED


def miss(value, low=None, high=None) -> float:
    """How far ``value`` lies outside [low, high]: 0 inside; outside, |log10(value/bound)| for positive
    numbers, otherwise the distance relative to the bound; capped at MISS_UNDEFINED."""
    v = float(value)
    if not np.isfinite(v):
        return MISS_UNDEFINED
    for bound, outside in ((low, low is not None and v < low), (high, high is not None and v > high)):
        if outside:
            far = abs(np.log10(v / bound)) if v > 0 and bound > 0 else abs(v - bound) / (abs(bound) or 1.0)
            return float(min(far, MISS_UNDEFINED))
    return 0.0


def unfit(*fits) -> float:
    """MISS_UNDEFINED for each Hill fit that did not converge."""
    return MISS_UNDEFINED * sum(not f.converged for f in fits)


def inhibitor_fields(name: str = "SB-431542", nM: float = 10_000.0, **kw) -> dict:
    """Experiment fields of a library compound at ``nM`` (default the behaviours' 10 uM SB-431542), plus ``kw``."""
    from alk5_pysb.pharmacology.compounds import get_compound
    return {"compound": get_compound(name), "inhibitor_nM": nM, **kw}


def sibling_models(sim: Simulator, network: str):
    """The exports folder ``sim`` runs from when it also holds ``network`` (``--models DIR``), else None (the
    shipped exports): a behaviour that needs another network must not silently take the shipped one."""
    from alk5_pysb.io.locations import NETWORKS
    folder = Path(sim.source).parent if sim.source and Path(sim.source).is_file() else None
    return folder if folder is not None and (folder / NETWORKS[network]).is_file() else None


def network_simulator(sim: Simulator, network: str) -> Simulator:
    """The ``network`` of the exports ``sim`` runs on (the shared simulator of that folder, else the shipped
    one), carrying ``sim``'s ensemble folds for the parameters it has: the F and C behaviours run there."""
    from alk5_pysb.simulation.simulator import shared_simulator
    if sim.network == network:
        return sim
    other = shared_simulator(network, models=sibling_models(sim, network), rtol=sim.rtol, atol=sim.atol)
    other.folds = {n: f for n, f in sim.folds.items() if n in other.table_parameters}
    return other


# -- targets as data ---------------------------------------------------------------------------------------
#: the behaviour families, in the order of the validation table (file stem in data/behaviours/)
FAMILIES = ("canonical", "fibrosis", "cytostasis", "emt", "endothelial")
BEHAVIOUR_COLUMNS = ("id", "context", "network", "behaviour", "target", "tag", "source")
BAND_COLUMNS = ("id", "quantity", "low", "high", "unit", "description", "alternative")


def _read(name: str) -> pd.DataFrame:
    path = resources.files("alk5_pysb") / "data" / "behaviours" / name
    with resources.as_file(path) as file:
        return pd.read_csv(file, dtype=str, keep_default_na=False)


@lru_cache(maxsize=None)
def behaviour_table() -> pd.DataFrame:
    """Every behaviour of every family (index: id), in the validation table's order."""
    frames = [_read(f"{family}.csv").assign(family=family) for family in FAMILIES]
    return pd.concat(frames, ignore_index=True).set_index("id")


@lru_cache(maxsize=None)
def band_table() -> pd.DataFrame:
    """Every quantity with its band (low/high: nan where the band is open on that side)."""
    frame = pd.concat([_read(f"{family}_bands.csv") for family in FAMILIES], ignore_index=True)
    frame["alternative"] = frame.get("alternative", pd.Series("", index=frame.index)).fillna("")
    for column in ("low", "high"):
        frame[column] = [float(v) if v.strip() else math.nan for v in frame[column]]
    return frame


def bands(check_id: str) -> pd.DataFrame:
    """The quantities of one behaviour, in the table's order."""
    return band_table()[band_table()["id"] == check_id]


def _bound(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def judged(check_id: str, values: dict, model: str, note: str = "") -> Check:
    """The verdict of one behaviour from the quantities its check computed: passed when every quantity of
    the bands table lies inside its band (a quantity that cannot be computed is nan and fails), margin the
    sum of each quantity's :func:`miss`. ``values`` must hold exactly the table's quantities (a check and its
    table that disagree are a programming error, not a FAIL)."""
    row = behaviour_table().loc[check_id]
    table = bands(check_id)
    expected = list(table["quantity"])
    if sorted(values) != sorted(expected):
        raise KeyError(f"{check_id}: the check computed {sorted(values)} but its bands table has {sorted(expected)}")
    options: dict[str, dict[str, list]] = {}          # set -> option -> [(inside, miss), ...]
    passed, margin = True, 0.0
    for _, band in table.iterrows():
        value, low, high = float(values[band["quantity"]]), _bound(band["low"]), _bound(band["high"])
        inside = bool(np.isfinite(value) and (low is None or value >= low) and (high is None or value <= high))
        if band["alternative"]:
            group, _, option = band["alternative"].partition(":")
            options.setdefault(group, {}).setdefault(option, []).append((inside, miss(value, low, high)))
        else:
            passed &= inside
            margin += miss(value, low, high)
    for group in options.values():         # one option of each set suffices; the nearest option's miss counts
        passed &= any(all(inside for inside, _ in option) for option in group.values())
        margin += min(sum(m for _, m in option) for option in group.values())
    return Check(check_id, row["behaviour"], row["target"], model, bool(passed), note, row["source"], margin=margin)
