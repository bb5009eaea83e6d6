"""Endothelial cells: BMP9 and TGF-beta through ALK1, Smad1/5 and ID1, against ALK5's PAI-1 (optional block).

Built only on request (``build_model(modules={"endothelial"})``; the ``endothelial`` network and context), so the
TGF-beta1 scans keep their lean network. Sources and ranges of every constant are in ``data/parameters.csv``
(block ``endothelial``); the research notes are ``docs/research/endothelial.md``.

- ``bmp9_alk1``: BMP9 (BMP10 lumped) binds ALK1 with sub-nanomolar affinity and endoglin, which presents it to
  ALK1 (David et al. 2007 Blood 109:1953; Scharpfenecker et al. 2007 J Cell Sci 120:964; Castonguay et al. 2011
  J Biol Chem 286:30034: endoglin and the type II receptors bind overlapping sites, so endoglin hands BMP9 over).
  The type II receptors (BMPRII and ActRIIA, either suffices: David 2007) are lumped into the rate of ALK1's
  GS-domain phosphorylation (``BMPR2_ActRII_activity``, 1 = intact). Ligand-bound ALK1 is internalised and the
  ligand degraded (consumption), ALK1 recycled.
- ``tgfb_alk1``: TGF-beta recruits ALK1 into TbetaRII-ALK5 complexes and ALK5's kinase is needed for optimal
  ALK1 activation (Goumans et al. 2003 Mol Cell 12:817), which endoglin makes efficient (Lebrin et al. 2004 EMBO J
  23:4018). Lumped without new complex species: kinase-active, inhibitor-free, Smad7-free ALK5 activates free
  ALK1 in proportion to its amount, scaled by the free endoglin (half-efficient at ``K_ENG_ALK1``). So an ALK5
  inhibitor blocks TGF-beta -> pSmad1/5 without touching BMP9 -> pSmad1/5 (Shao et al. 2009 Blood 114:2197),
  unless it also binds ALK1.
- ``smad15_id1``: active ALK1 phosphorylates Smad1/5 (lumped), which drives ID1 (Goumans 2002 EMBO J 21:1743:
  ID1 via ALK1, PAI-1 via ALK5) and damps the Smad3 drive of SERPINE1 (ALK1 "directly antagonizes ALK5/Smad
  signaling", Goumans 2003; mechanism unknown, a gate on the promoter). The Smad4 that Smad1/5 would share is
  not modelled (lean; stated). ``ALK1_kinase_activity`` (1 = no drug) is set by the compound layer for drugs with
  an ALK1 potency.
Readouts: ``pSmad1_5``, ``ID1_mRNA``, ``ID1``, ``ALK1_active`` (molecules per cell), ``free_BMP9`` (pM).
"""
from __future__ import annotations

from alk5_pysb.model.transcription import _hill


def declare_monomers(b):
    b.monomer("BMP9", ["r"])
    b.monomer("ALK1", ["l", "s"], {"s": ["u", "p"]})
    b.monomer("ENG", ["l"])
    b.monomer("Smad15", ["s"], {"s": ["u", "p"]})
    b.monomer("mRNA_ID1", [])
    b.monomer("ID1_protein", [])


def alk1_antagonises_alk5_output(b):
    """Before the transcription block: pSmad1/5 gates SERPINE1's Smad3 drive."""
    psmad15 = b.observable("pSmad1_5", b.m.Smad15(s="p"))
    b.gates["SERPINE1"] = b.expression("Smad15_gate_SERPINE1", 1 / (1 + psmad15 / b.par("K_rep_SERPINE1_Smad15")))


def bmp9_alk1(b):
    BMP9, ALK1, ENG = b.m.BMP9, b.m.ALK1, b.m.ENG
    b.initial(BMP9(r=None), b.amount("BMP9_0"))
    b.initial(ALK1(l=None, s="u"), b.amount("ALK1_0"))
    b.initial(ENG(l=None), b.amount("ENG_0"))
    b.rule("BMP9_binds_ALK1", BMP9(r=None) + ALK1(l=None) | BMP9(r=1) % ALK1(l=1),
           b.rate("kon_BMP9_ALK1"), b.rate("koff_BMP9_ALK1"))
    b.rule("BMP9_binds_endoglin", BMP9(r=None) + ENG(l=None) | BMP9(r=1) % ENG(l=1),
           b.rate("kon_BMP9_ENG"), b.rate("koff_BMP9_ENG"))
    # endoglin and the type II receptors bind overlapping sites: endoglin hands BMP9 to ALK1
    b.rule("endoglin_presents_BMP9_to_ALK1", BMP9(r=1) % ENG(l=1) + ALK1(l=None) >> BMP9(r=1) % ALK1(l=1) + ENG(l=None),
           b.rate("k_ENG_handover_ALK1"))
    b.rule("type_II_phosphorylates_ALK1_GS", ALK1(l=1, s="u") % BMP9(r=1) >> ALK1(l=1, s="p") % BMP9(r=1),
           b.expression("k_GS_ALK1_typeII", b.rate("k_GS_ALK1") * b.par("BMPR2_ActRII_activity")))
    b.rule("BMP9_ALK1_internalised", BMP9(r=1) % ALK1(l=1) >> ALK1(l=None, s="u"), b.rate("k_int_BMP9_ALK1"))
    b.rule("ALK1_GS_dephosphorylation", ALK1(l=None, s="p") >> ALK1(l=None, s="u"), b.rate("k_GS_dephos_ALK1"))


def tgfb_alk1(b):
    alk5 = b.observable("ALK5_kinase_active", b.m.ALK5(gs="p", atp=None, s7=None))   # as for R-Smads
    eng = b.observable("ENG_free", b.m.ENG(l=None))
    efficiency = eng / (b.par("K_ENG_ALK1") + eng)
    b.rule("active_ALK5_activates_ALK1", b.m.ALK1(l=None, s="u") >> b.m.ALK1(l=None, s="p"),
           b.expression("k_act_ALK1_TGFB_effective", b.rate("k_act_ALK1_TGFB") * alk5 * efficiency))


def smad15_id1(b):
    Smad15 = b.m.Smad15
    b.initial(Smad15(s="u"), b.amount("Smad15_0"))
    active = b.observable("ALK1_active", b.m.ALK1(s="p"))
    b.rule("ALK1_phosphorylates_Smad15", Smad15(s="u") >> Smad15(s="p"),
           b.expression("k_phos_Smad15_effective", b.rate("k_phos_Smad15") * active * b.par("ALK1_kinase_activity")))
    b.rule("Smad15_dephosphorylation", Smad15(s="p") >> Smad15(s="u"), b.rate("k_dephos_Smad15"))
    psmad15 = b.model.observables["pSmad1_5"]
    mrna, protein = b.m.mRNA_ID1, b.m.ID1_protein
    rate = b.par("k_tx_basal_ID1") + b.par("k_tx_max_ID1") * _hill(psmad15, b.par("K_tx_ID1"), b.par("n_tx_ID1"))
    b.rule("ID1_transcription", None >> mrna(), b.expression("rate_ID1_transcription", rate))
    b.rule("mRNA_ID1_decay", mrna() >> None, b.rate("kdeg_ID1_mRNA"))
    b.rule("ID1_protein_translation", mrna() >> mrna() + protein(), b.rate("k_tl"))
    b.rule("ID1_protein_decay", protein() >> None, b.rate("kdeg_ID1"))


def declare_readouts(b):
    ob = b.observable
    ob("ID1_mRNA", b.m.mRNA_ID1())
    ob("ID1", b.m.ID1_protein())
    free = ob("obs_free_BMP9_molecules", b.m.BMP9(r=None))
    b.expression("free_BMP9", free / (1e-3 * b.molecules_per_nM("medium")))
