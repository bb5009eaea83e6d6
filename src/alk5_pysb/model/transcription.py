"""Smad target genes: immediate-early vs delayed (secondary-wave) transcription.

- ``target_gene_expression``: nuclear Smad4 complexes (pSmad2/3 dimers and trimers in the
  nucleus) drive transcription through a Hill function. Immediate-early genes (SMAD7,
  GADD45B) respond directly (Nakao 1997; Mori 2000: cycloheximide-insensitive; Yoo 2003).
  Delayed genes (SERPINE1/PAI-1, CTGF, COL1A1, ACTA2) also need a Smad-induced cooperating
  transcription factor ``coTF`` (a lumped AP-1/JunB-like factor; assumed), which gives them
  the delayed, sustained kinetics seen in fibroblasts (Lund 1987: PAI-1 mRNA peaks at 8 h).
  Every mRNA is translated into its protein; mRNAs and proteins decay first order.
  Free Smad7 protein damps transcription of the immediate-early genes, whose promoters depend on
  Smad-DNA binding alone (Smad7 interferes with functional Smad-DNA complexes in the nucleus;
  Zhang et al. 2007 Mol Cell Biol 27:4488); this makes SMAD7 itself transient. Delayed genes,
  driven together with the cooperating factor, are assumed insensitive to it.

All rates and Hill constants are per-gene rows in the parameter table (``k_tx_max_<gene>``,
``K_tx_<gene>``, ``n_tx_<gene>``, ``k_tx_basal_<gene>``, ``kdeg_<gene>_mRNA``, ``k_tl``,
``kdeg_<protein>``).
"""
from __future__ import annotations


#: gene -> (mRNA readout, mRNA monomer, protein monomer, needs the cooperating factor).
#: PySB names are one namespace, so monomers carry a suffix and readouts keep the plain names.
GENES = {
    "SMAD7": ("SMAD7_mRNA", "mRNA_SMAD7", "Smad7_protein", False),
    "GADD45B": ("GADD45B_mRNA", "mRNA_GADD45B", "GADD45B_protein", False),
    "SERPINE1": ("PAI1_mRNA", "mRNA_SERPINE1", "PAI1_protein", True),
    "CTGF": ("CTGF_mRNA", "mRNA_CTGF", "CTGF_protein", True),
    "COL1A1": ("COL1A1_mRNA", "mRNA_COL1A1", "COL1A1_protein", True),
    "ACTA2": ("ACTA2_mRNA", "mRNA_ACTA2", "ACTA2_protein", True),
}
PROTEINS_MADE_HERE = ("GADD45B_protein", "PAI1_protein", "CTGF_protein", "COL1A1_protein", "ACTA2_protein", "coTF")


def declare_monomers(b):
    for _readout, mrna, _protein, _late in GENES.values():
        b.monomer(mrna, [])
    for protein in PROTEINS_MADE_HERE:
        b.monomer(protein, [])


def nuclear_smad_complexes(b):
    existing = b.model.observables.get("nuc_Smad_complex")
    if existing is not None:
        return existing
    # every nuclear Smad4 carrying at least one R-Smad (dimers and trimers counted once)
    from alk5_pysb.model.smad import smad4_complexes
    from pysb import ReactionPattern
    patterns = [pattern("n") for pattern in smad4_complexes(b).values()]
    return b.observable("nuc_Smad_complex", ReactionPattern(patterns))


def _hill(x, k, n):
    # written on the dimensionless ratio x/k so that SBML unit checks can follow it
    return (x / k) ** n / (1 + (x / k) ** n)


def target_gene_expression(b):
    smad_signal = nuclear_smad_complexes(b)
    coTF = b.m.coTF
    # free Smad7 interferes with Smad-DNA complexes (Zhang 2007): negative autoregulation
    free_smad7 = b.observable("Smad7_free", b.m.Smad7_protein(r=None))
    k_rep, n_rep = b.par("K_Smad7_repression"), b.par("n_Smad7_repression")
    repression = b.expression("Smad7_repression", 1 / (1 + (free_smad7 / k_rep) ** n_rep))
    # the cooperating factor is itself an immediate-early Smad target
    b.rule("coTF_induction", None >> coTF(),
           b.expression("rate_coTF_induction",
                        b.par("k_tx_max_coTF") * _hill(smad_signal, b.par("K_tx_coTF"), b.par("n_tx_coTF"))))
    b.rule("coTF_decay", coTF() >> None, b.rate("kdeg_coTF"))
    cotf_obs = b.observable("coTF_total", coTF())
    for gene, (readout, mrna_name, protein_name, late) in GENES.items():
        mrna = getattr(b.m, mrna_name)
        drive = _hill(smad_signal, b.par(f"K_tx_{gene}"), b.par(f"n_tx_{gene}"))
        if late:
            drive = drive * cotf_obs / (b.par("K_coTF") + cotf_obs)
        else:
            drive = drive * repression
        rate = b.expression(f"rate_{gene}_transcription",
                            b.par(f"k_tx_basal_{gene}") + b.par(f"k_tx_max_{gene}") * drive)
        b.rule(f"{gene}_transcription", None >> mrna(), rate)
        b.rule(f"{mrna_name}_decay", mrna() >> None, b.rate(f"kdeg_{readout}"))
        protein = getattr(b.m, protein_name)
        free_protein = protein(r=None, u=None) if protein_name == "Smad7_protein" else protein()
        b.rule(f"{protein_name}_translation", mrna() >> mrna() + free_protein, b.rate("k_tl"))
        if protein_name != "Smad7_protein":  # Smad7 turnover lives in the feedback block
            b.rule(f"{protein_name}_decay", protein() >> None, b.rate(f"kdeg_{protein_name.removesuffix('_protein')}"))
