"""Parameters mean what they say: every parameter `alk5 info` lists changes the resting state or a
response when doubled, or it is refused as inert with a reason. Resting amounts of proteins under
turnover (receptors, RhoA) set the resting level (their synthesis is derived from them)."""
from __future__ import annotations

import numpy as np
import pytest

from alk5_pysb.pharmacology.compounds import get_compound
from alk5_pysb.simulation.experiment import Experiment
from alk5_pysb.simulation.simulator import INERT_PARAMETERS
from alk5_pysb.errors import UserInputError

MOVES = 1e-4          # relative change (on max(|x|, 1 molecule)) that counts as an effect; noise is < 1e-5


def _protocols(name, network="full"):
    """Ligand-specific constants act only when that ligand is dosed; drug and trap constants only with them (the
    endothelial network's BMP9 constants with BMP9)."""
    ligand = next((lig for lig in ("TGFB2", "TGFB3", "GDF11") if lig in name), "TGFB1")
    bmp9 = [Experiment(ligand="BMP9", dose_pM=40, t_end_min=1440, n_points=49)] if network == "endothelial" else []
    return bmp9 + [Experiment(ligand=ligand, dose_pM=100, t_end_min=1440, n_points=49),
            Experiment(ligand=ligand, dose_pM=100, t_end_min=1440, n_points=49, inhibitor_nM=1000, pretreat_min=60,
                       compound=get_compound("galunisertib")),          # TbetaRII off-target too
            Experiment(ligand=ligand, dose_pM=100, t_end_min=1440, n_points=49, trap_nM=1)]


def _change(new, old):
    return float(np.max(np.abs(new - old) / np.maximum(np.abs(old), 1.0)))


def _block_rows(blocks):
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    return list(frame.index[frame["block"].isin(blocks)])


@pytest.mark.parametrize("network", ["full", "fibrosis", "cytostasis", "emt", "endothelial"])
def test_every_listed_parameter_acts_or_is_refused_as_inert(sim, network):
    """Every table row acts on the full network, or, for an optional block's rows, on that block's network."""
    from alk5_pysb.model.builder import EXTRA_BLOCKS
    from alk5_pysb.model.parameters import default_table
    from alk5_pysb.simulation.simulator import shared_simulator
    if network == "full":
        extra = set(_block_rows(EXTRA_BLOCKS))
        listed = [n for n in default_table().frame.index if n not in extra]   # what `alk5 info` lists
    else:
        sim, listed = shared_simulator(network), _block_rows([network])
    assert set(listed) <= set(sim.table_parameters) | set(INERT_PARAMETERS)
    observables = sim.observables
    base_rest = sim.resting_state({})
    base_runs = {}
    silent = []
    for name in listed:
        if name in INERT_PARAMETERS:
            with pytest.raises(UserInputError, match="would change nothing"):
                sim.resolve_parameters(scale={name: 2})
            continue
        value = sim.resolve_parameters(scale={name: 2})[name] or 1.0     # zero defaults: set 1 instead
        params = {name: value}
        if _change(sim.resting_state(params), base_rest) > MOVES:
            continue
        moved = False
        for protocol in _protocols(name, network):
            key = repr(protocol)
            if key not in base_runs:
                base_runs[key] = sim.run(protocol, readouts=observables)[observables].to_numpy()
            if _change(sim.run(protocol, readouts=observables, params=params)[observables].to_numpy(),
                       base_runs[key]) > MOVES:
                moved = True
                break
        if not moved:
            silent.append(name)
    assert not silent, f"parameters that change nothing when doubled (list them as inert with a reason): {silent}"


@pytest.mark.parametrize("amount,total", [("TBRII_0", "total_TBRII"), ("ALK5_0", "total_TBRI")])
def test_receptor_amount_sets_the_resting_level(sim, amount, total):
    """TBRII_0/ALK5_0 are receptor dimers at rest; total_* count chains (2 per dimer)."""
    for factor in (0.5, 2.0):
        params = sim.resolve_parameters(scale={amount: factor})
        frame = sim.run(Experiment(dose_pM=0, t_end_min=1, n_points=2), readouts=[total], params=params)
        assert frame[total].iloc[0] == pytest.approx(2 * params[amount], rel=1e-3)


def test_halving_tbrii_lowers_the_response(sim):
    """TbetaRII is limiting (Zi 2011): fewer receptors, less pSmad2 (the issue's silent no-op)."""
    protocol = Experiment(dose_pM=100, t_end_min=240, n_points=241)
    base = sim.run(protocol, readouts=["pSmad2"])["pSmad2"].max()
    half = sim.run(protocol, readouts=["pSmad2"], params=sim.resolve_parameters(scale={"TBRII_0": 0.5}))
    assert half["pSmad2"].max() < 0.8 * base


def test_derived_synthesis_is_refused_with_the_amount_to_set(sim):
    with pytest.raises(UserInputError, match="derived from the resting amount TBRII_0"):
        sim.resolve_parameters(scale={"ksyn_TBRII": 0.5})


def test_rhoa_amount_sets_its_resting_level(sim):
    frame = sim.run(Experiment(dose_pM=0, t_end_min=1, n_points=2), readouts=["RhoA_total"] if "RhoA_total" in
                    sim.observables else ["RhoA_GTP"], params={"RhoA_0": 50000.0})
    base = sim.run(Experiment(dose_pM=0, t_end_min=1, n_points=2), readouts=list(frame.columns[1:]))
    assert frame.iloc[0, 1] == pytest.approx(0.5 * base.iloc[0, 1], rel=1e-3)


def test_population_with_receptor_variability_only_gives_different_cells(sim, tmp_path):
    """The issue's symptom: receptor variability gave every cell the same response (amounts were discarded)."""
    from alk5_pysb.analysis.ensembles import population, population_table
    from alk5_pysb.simulation.metrics import parse_metrics
    table = population_table(sim, 8, 0.3, ["TBRII_0", "ALK5_0"], [], seed=2)
    summary, _ = population(sim, Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min")), table, tmp_path,
                            executor="serial")
    values = summary["pSmad2@at:45min"]
    assert values.std() > 0.05 * values.mean()
    # and the cells with more TbetaRII respond more (TbetaRII is limiting, Zi 2011)
    per_cell = table.groupby("cell")["TBRII_0"].first()
    assert values.corr(per_cell.reindex(summary["cell"]).set_axis(values.index)) > 0.5
