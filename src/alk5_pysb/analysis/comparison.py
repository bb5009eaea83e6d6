"""One table of all library compounds: literature potencies vs the model's cellular IC50s."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from alk5_pysb.pharmacology.compounds import get_compound, library, simulable_compounds
from alk5_pysb.io.files import atomic_write
from alk5_pysb.simulation.metrics import parse_metrics
from alk5_pysb.analysis.dose_response import EngineOptions, inhibition, remove_outputs
from alk5_pysb.simulation.experiment import Experiment, schedule
from alk5_pysb.io.units import parse_concentration, parse_dose_grid


def assay_readout(cell_assay: str) -> tuple[str, str]:
    """The model readout that matches a cellular assay: promoter reporters (3TP-lux, CAGA, PAI-1-luc)
    read PAI-1 transcription after a day; pSmad assays read pSmad2 at 1 h."""
    text = str(cell_assay).lower()
    if any(k in text for k in ("reporter", "luc", "transcription")):
        return "PAI1_mRNA", "at:24h"
    return "pSmad2", "at:60min"


def compare_compounds(sim, readouts=("pSmad2", "ERK_active", "p38_active"), doses="0.1nM:100uM:19",
                      ligand_dose="100pM", protocol="pretreat:60min", metric="at:60min", out=None,
                      resume=False, engine: EngineOptions | None = None) -> pd.DataFrame:
    """Run every compound with a potency; write raw rows to ``<out>.data.csv`` as they come and the
    comparison table to ``out``; all compounds run as one scan on the engine. Besides the requested readouts, the IC50 on the readout that matches
    each compound's reported cellular assay (``assay_readout``) is compared with the reported value.
    Compounds without public potency are listed, not simulated."""
    grid = parse_dose_grid(doses, to="nM", molar_mass_kDa=None, what="--doses")
    ligand_pM = parse_concentration(ligand_dose, to="pM", what="--ligand-dose")
    metric_texts = list(dict.fromkeys([m.text for m in parse_metrics(metric)] + ["at:60min", "at:24h"]))
    metrics = parse_metrics(",".join(metric_texts))
    readouts = list(dict.fromkeys(list(readouts) + ["pSmad2", "PAI1_mRNA"]))
    data_path = Path(out).with_name(Path(out).stem + ".data.csv") if out else None
    if data_path is not None and not resume:
        remove_outputs(data_path)
    lib = library()
    simulated = [get_compound(name) for name in lib.index if name in simulable_compounds()]
    experiment = Experiment(ligand="TGFB1", dose_pM=ligand_pM, readouts=readouts, metrics=metrics, **schedule(protocol))
    _, all_fits = inhibition(sim, experiment, simulated, grid, out=data_path, resume=resume, engine=engine)
    rows = []
    for name in lib.index:
        entry = lib.loc[name]
        row = {"compound": name, "alk5_ic50_nM": entry.get("alk5_ic50_nM"), "alk5_verified": entry.get("alk5_verified"),
               "tbrii_ic50_nM": entry.get("tbrii_ic50_nM"), "reported_cell_ic50_nM": entry.get("cell_ic50_nM"),
               "cell_assay": entry.get("cell_assay"), "cell_verified": entry.get("cell_verified")}
        if name not in simulable_compounds():
            row["note"] = "no public potency: not simulated (supply one with --ki or --compound-file)"
            rows.append(row)
            continue
        compound = get_compound(name)
        fits = all_fits[all_fits["compound"] == name]
        row["model_kd_cell_nM"] = compound.kd_cell_nM
        ic50 = {(f["readout"], f["metric"]): (f["ic50"] if f["converged"] else math.nan) for _, f in fits.iterrows()}
        for r in readouts:
            for m in metric_texts:
                row[f"model_ic50_{r}_{m}_nM"] = ic50.get((r, m), math.nan)
        matched = assay_readout(row["cell_assay"])
        row["matched_readout"] = f"{matched[0]} {matched[1]}"
        row["model_cell_ic50_nM"] = ic50.get(matched, math.nan)
        reported = pd.to_numeric(pd.Series([row["reported_cell_ic50_nM"]]), errors="coerce").iloc[0]
        row["model_over_reported"] = row["model_cell_ic50_nM"] / reported if reported and reported > 0 else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    if out is not None:
        atomic_write(out, table.to_csv(index=False, float_format="%.4g"))
    return table
