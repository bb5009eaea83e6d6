"""One table of all library compounds: literature potencies vs the model's cellular IC50s."""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from .compounds import get_compound, library, simulable_compounds
from .files import atomic_write
from .metrics import parse_metrics
from .scans import inhibition, parse_treatment
from .units import parse_concentration, parse_dose_grid


def compare_compounds(sim, readouts, doses="0.1nM:100uM:19", ligand_dose="100pM", protocol="pretreat:60min",
                      metric="at:60min", out=None, resume=False) -> pd.DataFrame:
    """Run every compound with a potency; write raw rows to ``<out>.data.csv`` as they come and
    the comparison table to ``out``. Compounds without public potency are listed, not simulated."""
    grid = parse_dose_grid(doses, to="nM", molar_mass_kDa=None, what="--doses")
    ligand_pM = parse_concentration(ligand_dose, to="pM", what="--ligand-dose")
    treatment = parse_treatment(protocol)
    metrics = parse_metrics(metric)
    data_path = Path(out).with_name(Path(out).stem + ".data.csv") if out else None
    if data_path is not None and data_path.exists() and not resume:
        data_path.unlink()
    lib = library()
    rows = []
    for i, name in enumerate(lib.index):
        entry = lib.loc[name]
        row = {"compound": name, "alk5_ic50_nM": entry.get("alk5_ic50_nM"), "alk5_verified": entry.get("alk5_verified"),
               "tbrii_ic50_nM": entry.get("tbrii_ic50_nM"), "cell_ic50_nM": entry.get("cell_ic50_nM"),
               "cell_assay": entry.get("cell_assay"), "cell_verified": entry.get("cell_verified")}
        if name not in simulable_compounds():
            row["note"] = "no public potency: not simulated (supply one with --ki or --compound-file)"
            rows.append(row)
            continue
        compound = get_compound(name)
        _, fits = inhibition(sim, compound, grid, "TGFB1", ligand_pM, treatment, readouts, metrics,
                             out=data_path, resume=resume or (data_path is not None and data_path.exists()))
        row["model_kd_cell_nM"] = compound.kd_cell_nM
        for _, f in fits.iterrows():
            suffix = f"{f['readout']}" + ("" if len(metrics) == 1 else f"_{f['metric']}")
            row[f"model_ic50_{suffix}_nM"] = f["ic50"] if f["converged"] else math.nan
            row[f"pct_inhibition_top_{suffix}"] = f["pct_inhibition_at_top_dose"]
        key = f"model_ic50_{readouts[0]}" + ("" if len(metrics) == 1 else f"_{metrics[0].text}") + "_nM"
        cell = pd.to_numeric(pd.Series([row["cell_ic50_nM"]]), errors="coerce").iloc[0]
        row["model_over_reported_cell_ic50"] = row.get(key, math.nan) / cell if cell and cell > 0 else math.nan
        rows.append(row)
    table = pd.DataFrame(rows)
    if out is not None:
        atomic_write(out, table.to_csv(index=False, float_format="%.4g"))
    return table
