"""SBML ids that the simulation layer relies on (the exporter guarantees them)."""

LIGANDS = ("TGFB1", "TGFB2", "TGFB3", "GDF11")
#: ligands of optional blocks, carried only by their networks (BMP9: the endothelial block's ALK1 ligand)
BLOCK_LIGANDS = ("BMP9",)
ALL_LIGANDS = LIGANDS + BLOCK_LIGANDS
#: free ligand in the medium, one species per isoform
LIGAND_SPECIES = {iso: f"{iso}_medium" for iso in ALL_LIGANDS}
INHIBITOR_SPECIES = "Inhibitor_cell"
TRAP_SPECIES = "Trap_medium"
#: molecules per cell at 1 nM in each compartment (SBML parameters with assignment rules)
MOLECULES_PER_NM = {c: f"molecules_per_nM_{c}" for c in ("medium", "cytoplasm", "nucleus")}
MEDIUM = "medium"
