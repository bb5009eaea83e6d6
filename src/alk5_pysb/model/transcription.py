"""Smad target genes: immediate-early, primary and secondary transcription.

- ``target_gene_expression``: nuclear Smad4 complexes drive transcription through a Hill function.
  Genes whose promoters need Smad3 (CAGA/SBE boxes bound by Smad3-Smad4; the major Smad2 isoform
  does not bind DNA) respond to nuclear complexes that contain pSmad3, so a Smad3 knock-down
  removes them (Yang 2003: Smad3 is the essential mediator; Bonniaud 2004: no PAI-1 or CTGF
  induction in Smad3-null lungs; Kobayashi 2006: alpha-SMA needs Smad3). The others respond to
  every nuclear Smad4 complex.
  Gene classes (``GENES``):
  * immediate-early (SMAD7, GADD45B): direct, cycloheximide-insensitive, transient (Nakao 1997;
    Afrakhte 1998; Mori 2000; Yoo 2003). Free Smad7 protein damps their transcription (Smad7
    interferes with Smad-DNA complexes; Zhang 2007 Mol Cell Biol 27:4488), which makes SMAD7 transient.
  * primary (SERPINE1/PAI-1, CTGF): direct targets (Lund 1987: cycloheximide-insensitive,
    maximal ~50-fold at 8 h; Dennler 1998: CAGA boxes; Igarashi 1993, Grotendorst 1996: CTGF).
    Their longer-lived mRNAs (t1/2 ~2 h) integrate the sustained Smad signal.
  * secondary (ACTA2): needs a Smad-induced cooperating factor ``coTF`` (lumped; for ACTA2 the
    SRF induction that its CArG boxes need, Hautmann 1997), hence a later, sustained rise.
  * stabilised mRNAs (``STABILISED``): nuclear Smad3 complexes slow their decay by up to
    ``f_stab_<gene>``-fold (mediator unknown, lumped). COL1A1 rises mostly this way (Raghow 1987:
    synthesis up 3-5-fold without a net rise in transcription), on top of a small direct
    transcriptional increase (Ignotz 1987); PAI-1 mRNA half-life rises 2.5-fold (Hep G2, 1991).
  Every mRNA is translated into its protein; mRNAs and proteins decay first order.

All rates and Hill constants are per-gene rows in the parameter table (``k_tx_max_<gene>``,
``K_tx_<gene>``, ``n_tx_<gene>``, ``k_tx_basal_<gene>``, ``kdeg_<gene>_mRNA``, ``k_tl``,
``kdeg_<protein>``).
"""
from __future__ import annotations

import sympy

#: gene -> (mRNA readout, mRNA monomer, protein monomer, class, Smad complexes that drive it).
#: PySB names are one namespace, so monomers carry a suffix and readouts keep the plain names.
GENES = {
    "SMAD7": ("SMAD7_mRNA", "mRNA_SMAD7", "Smad7_protein", "immediate-early", "Smad3"),
    "GADD45B": ("GADD45B_mRNA", "mRNA_GADD45B", "GADD45B_protein", "immediate-early", "any"),
    "SERPINE1": ("PAI1_mRNA", "mRNA_SERPINE1", "PAI1_protein", "primary", "Smad3"),
    "CTGF": ("CTGF_mRNA", "mRNA_CTGF", "CTGF_protein", "primary", "Smad3"),
    "COL1A1": ("COL1A1_mRNA", "mRNA_COL1A1", "COL1A1_protein", "primary", "Smad3"),
    "ACTA2": ("ACTA2_mRNA", "mRNA_ACTA2", "ACTA2_protein", "secondary", "Smad3"),
}
#: genes whose mRNA TGF-beta signalling stabilises (table rows f_stab_<gene>, K_stab_<gene>)
STABILISED = ("SERPINE1", "COL1A1")
PROTEINS_MADE_HERE = ("GADD45B_protein", "PAI1_protein", "CTGF_protein", "COL1A1_protein", "ACTA2_protein", "coTF")


def declare_monomers(b):
    for _readout, mrna, _protein, _kind, _driver in GENES.values():
        b.monomer(mrna, [])
    for protein in PROTEINS_MADE_HERE:
        b.monomer(protein, [])


def nuclear_smad_complexes(b, driver="any"):
    """Observable of nuclear Smad4 complexes: all of them (``any``) or those holding pSmad3 (``Smad3``)."""
    name = "nuc_Smad_complex" if driver == "any" else "nuc_Smad3_complex"
    existing = b.model.observables.get(name)
    if existing is not None:
        return existing
    # every nuclear Smad4 carrying at least one R-Smad (dimers and trimers counted once)
    from alk5_pysb.model.smad import smad4_complexes
    from pysb import ReactionPattern
    patterns = [pattern("n") for key, pattern in smad4_complexes(b).items() if driver == "any" or "Smad3" in key]
    return b.observable(name, ReactionPattern(patterns))


def ratio_power(x, k, n):
    """(x/k)^n written on the dimensionless ratio (SBML unit checks follow it), of |x/k|: a solver's round-off
    below zero in a knocked-out species would otherwise give a non-integer power of a negative number (NaN)."""
    return sympy.Abs(x / k) ** n


def _hill(x, k, n):
    r = ratio_power(x, k, n)
    return r / (1 + r)


def target_gene_expression(b):
    coTF = b.m.coTF
    # free Smad7 interferes with Smad-DNA complexes (Zhang 2007): negative autoregulation
    free_smad7 = b.observable("Smad7_free", b.m.Smad7_protein(r=None))
    k_rep, n_rep = b.par("K_Smad7_repression"), b.par("n_Smad7_repression")
    repression = b.expression("Smad7_repression", 1 / (1 + ratio_power(free_smad7, k_rep, n_rep)))
    # the cooperating factor is itself an immediate-early Smad target
    b.rule("coTF_induction", None >> coTF(),
           b.expression("rate_coTF_induction",
                        b.par("k_tx_max_coTF") * _hill(nuclear_smad_complexes(b), b.par("K_tx_coTF"),
                                                       b.par("n_tx_coTF"))))
    b.rule("coTF_decay", coTF() >> None, b.rate("kdeg_coTF"))
    cotf_obs = b.observable("coTF_total", coTF())
    for gene, (readout, mrna_name, protein_name, kind, driver) in GENES.items():
        mrna = getattr(b.m, mrna_name)
        smad = nuclear_smad_complexes(b, driver)
        drive = _hill(smad, b.par(f"K_tx_{gene}"), b.par(f"n_tx_{gene}"))
        if kind == "secondary":
            drive = drive * cotf_obs / (b.par("K_coTF") + cotf_obs)
        if gene in b.gates:                 # another block's gate (fibrosis: nuclear MRTF on ACTA2)
            drive = drive * b.gates[gene]
        elif kind == "immediate-early":
            drive = drive * repression
        rate = b.par(f"k_tx_basal_{gene}") + b.par(f"k_tx_max_{gene}") * drive
        if gene in b.coactivators:          # another block's coactivator (fibrosis: MRTF on COL1A1)
            rate = rate * b.coactivators[gene]
        rate = b.expression(f"rate_{gene}_transcription", rate)
        b.rule(f"{gene}_transcription", None >> mrna(), rate)
        decay = b.rate(f"kdeg_{readout}")
        if gene in STABILISED:
            # stabilisation: decay slowed up to f_stab-fold, half-maximal at K_stab nuclear Smad3 complexes
            f_stab, k_stab = b.par(f"f_stab_{gene}"), b.par(f"K_stab_{gene}")
            decay = b.expression(f"kdeg_{readout}_stabilised",
                                 decay / (1 + (f_stab - 1) * _hill(smad, k_stab, 1)))
        b.rule(f"{mrna_name}_decay", mrna() >> None, decay)
        protein = getattr(b.m, protein_name)
        free_protein = protein(r=None, u=None) if protein_name == "Smad7_protein" else protein()
        b.rule(f"{protein_name}_translation", mrna() >> mrna() + free_protein, b.rate("k_tl"))
        if protein_name != "Smad7_protein":  # Smad7 turnover lives in the feedback block
            b.rule(f"{protein_name}_decay", protein() >> None, b.rate(f"kdeg_{protein_name.removesuffix('_protein')}"))
