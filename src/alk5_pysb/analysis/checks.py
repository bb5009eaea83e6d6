"""What every behaviour check shares: the row it returns (:class:`Check`), the distance to its target
(:func:`miss`, the margin ABC uses), the behaviours' inhibitor, and the network a context's behaviours run on."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


def network_simulator(sim: Simulator, network: str) -> Simulator:
    """The ``network`` of the exports ``sim`` runs on (the shared simulator of that folder, else the shipped
    one), carrying ``sim``'s ensemble folds for the parameters it has: the F and C behaviours run there."""
    from alk5_pysb.io.locations import NETWORKS
    from alk5_pysb.simulation.simulator import shared_simulator
    if sim.network == network:
        return sim
    folder = Path(sim.source).parent if sim.source and Path(sim.source).is_file() else None
    models = folder if folder is not None and (folder / NETWORKS[network]).is_file() else None
    other = shared_simulator(network, models=models, rtol=sim.rtol, atol=sim.atol)
    other.folds = {n: f for n, f in sim.folds.items() if n in other.table_parameters}
    return other
