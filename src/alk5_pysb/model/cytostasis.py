"""Epithelial cytostasis: MYC repression, p15/p21 induction and G1/S CDK activity (optional block).

Built only on request (``build_model(modules={"cytostasis"})``, the ``cytostasis`` network and the
``epithelial`` context), so the TGF-beta1 scans keep their lean network. Sources and ranges of every
constant are in ``data/parameters.csv`` (block ``cytostasis``); the research notes are
``docs/research/cytostasis.md``.

- ``myc_repression``: nuclear Smad3-Smad4 complexes with E2F4/5-p107 bind the MYC promoter's TGF-beta
  inhibitory element and repress it within an hour (Chen et al. 2002 Cell 110:19; Frederick et al. 2004 Mol
  Cell Biol 24:2546: Smad3 is required). ``E2F4_p107_partner`` (1 = intact) is the lumped partner; carcinoma
  cells that lose MYC repression set it to 0 (Chen, Siegel & Massague 2001 PNAS 98:992).
- ``cdk_inhibitor_induction``: Smad3-Smad4 with Sp1 induce CDKN2B (p15INK4b; Feng, Lin & Derynck 2000 EMBO J
  19:5178; ~30-fold in HaCaT, Hannon & Beach 1994 Nature 371:257) and with FoxO CDKN1A (p21Cip1; Seoane et
  al. 2004 Cell 117:211; Datto et al. 1995 PNAS 92:5545). MYC bound to Miz-1 represses both promoters, so
  their induction also needs MYC to fall (Seoane et al. 2001 Nat Cell Biol 3:400). ``FoxO_activity`` (1 =
  intact) is lowered by PI3K-AKT or FoxG1 (Seoane 2004).
- ``g1_s_cdk_activity``: a lumped G1/S CDK (CDK2/4 with their cyclins) is activated in proportion to MYC's
  help (cyclin D2, CDK4, CDC25A are MYC targets) and inactivated faster with more p15 and p21; its active
  fraction relaxes over hours, the time cells in late G1 need to pass the restriction point (TGF-beta does
  not stop cells already past G1/S: Laiho et al. 1990 Cell 62:175). ``proliferation_index`` is that active
  fraction; relative to untreated cells it stands for S-phase entry (thymidine or BrdU incorporation).
"""
from __future__ import annotations

from alk5_pysb.model.transcription import _hill, nuclear_smad_complexes, ratio_power

GENES = {"MYC": ("MYC_mRNA", "mRNA_MYC", "MYC_protein"),
         "CDKN2B": ("CDKN2B_mRNA", "mRNA_CDKN2B", "p15_protein"),
         "CDKN1A": ("CDKN1A_mRNA", "mRNA_CDKN1A", "p21_protein")}


def declare_monomers(b):
    for _readout, mrna, protein in GENES.values():
        b.monomer(mrna, [])
        b.monomer(protein, [])
    b.monomer("G1S_CDK", ["s"], {"s": ["i", "a"]})


def _gene(b, gene, rate):
    readout, mrna_name, protein_name = GENES[gene]
    mrna, protein = getattr(b.m, mrna_name), getattr(b.m, protein_name)
    b.rule(f"{gene}_transcription", None >> mrna(), b.expression(f"rate_{gene}_transcription", rate))
    b.rule(f"{mrna_name}_decay", mrna() >> None, b.rate(f"kdeg_{gene}_mRNA"))
    b.rule(f"{protein_name}_translation", mrna() >> mrna() + protein(), b.rate("k_tl"))
    b.rule(f"{protein_name}_decay", protein() >> None, b.rate(f"kdeg_{protein_name.removesuffix('_protein')}"))


def myc_repression(b):
    smad3 = nuclear_smad_complexes(b, "Smad3")
    partner, residual = b.par("E2F4_p107_partner"), b.par("r_MYC")
    x = ratio_power(smad3, b.par("K_rep_MYC"), b.par("n_rep_MYC"))
    repressed = residual + (1 - residual) / (1 + x)
    _gene(b, "MYC", b.par("k_tx_basal_MYC") * (1 - partner + partner * repressed))


def cdk_inhibitor_induction(b):
    smad3 = nuclear_smad_complexes(b, "Smad3")
    myc = b.observable("MYC", b.m.MYC_protein())
    miz_relief = 1 / (1 + myc / b.par("K_Miz_MYC"))            # MYC-Miz-1 represses both promoters
    p15 = _hill(smad3, b.par("K_tx_CDKN2B"), b.par("n_tx_CDKN2B"))            # with Sp1 (constitutive)
    _gene(b, "CDKN2B", (b.par("k_tx_basal_CDKN2B") + b.par("k_tx_max_CDKN2B") * p15) * miz_relief)
    p21 = _hill(smad3, b.par("K_tx_CDKN1A"), b.par("n_tx_CDKN1A")) * b.par("FoxO_activity")
    _gene(b, "CDKN1A", (b.par("k_tx_basal_CDKN1A") + b.par("k_tx_max_CDKN1A") * p21) * miz_relief)


def g1_s_cdk_activity(b):
    cdk = b.m.G1S_CDK
    b.initial(cdk(s="i"), b.amount("G1S_CDK_0"))
    myc = b.model.observables["MYC"]
    p15 = b.observable("p15", b.m.p15_protein())
    p21 = b.observable("p21", b.m.p21_protein())
    help_ = myc / (b.par("K_MYC_CDK") + myc)
    b.rule("G1S_CDK_activation", cdk(s="i") >> cdk(s="a"),
           b.expression("k_act_G1S_CDK_effective", b.rate("k_act_G1S_CDK") * help_))
    inhibition = 1 + p15 / b.par("K_p15_CDK") + p21 / b.par("K_p21_CDK")
    b.rule("G1S_CDK_inactivation", cdk(s="a") >> cdk(s="i"),
           b.expression("k_inact_G1S_CDK_effective", b.rate("k_inact_G1S_CDK") * inhibition))


def declare_readouts(b):
    ob = b.observable
    for readout, mrna, _protein in GENES.values():
        ob(readout, getattr(b.m, mrna)())
    active = ob("G1S_CDK_active", b.m.G1S_CDK(s="a"))
    b.expression("proliferation_index", active / b.amount("G1S_CDK_0"))
