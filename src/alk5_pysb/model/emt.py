"""Epithelial-to-mesenchymal transition: SNAI1, HMGA2, the ZEB-miR-200 switch, E-cadherin, vimentin and
autocrine TGF-beta (optional block).

Built only on request (``build_model(modules={"emt"})``; the ``emt`` network carries it with the cytostasis
block, so one epithelial cell shows both halves of the dual role). Sources and ranges of every constant are in
``data/parameters.csv`` (block ``emt``); the research notes are ``docs/research/emt.md`` (behaviours) and
``docs/research/emt_models.md`` (published EMT circuit models).

- ``snai1_hmga2``: nuclear Smad3-Smad4 complexes induce HMGA2 (Thuault et al. 2006 J Cell Biol 174:175) and
  SNAI1, an immediate-early gene whose promoter also needs HMGA2 for a sustained response (Thuault et al.
  2008 J Biol Chem 283:33437). SNAI1 protein is short-lived (GSK-3beta, Zhou et al. 2004 Nat Cell Biol 6:931)
  and represses its own promoter through an E-box (Peiro et al. 2006 Nucleic Acids Res 34:2077), a negative
  feedback that turns the immediate-early rise into a peak followed by a lower plateau.
- ``zeb_mir200_switch``: SNAI1 induces ZEB1/2 (lumped ``ZEB``); miR-200 binds several sites in the ZEB 3'UTRs
  and blocks translation, ZEB binds E-boxes of the miR-200 promoters and represses them (Bracken et al. 2008
  Cancer Res 68:7846; Burk et al. 2008 EMBO Rep 9:582; Gregory et al. 2008 Nat Cell Biol 10:593), and SNAI1
  also represses miR-200. The double-negative loop is the switch of the published circuits (Tian, Zhang & Xing
  2013 Biophys J 105:1079; Lu et al. 2013 PNAS 110:18144). ``ZEB_miR200_loop`` (1 = intact) scales ZEB's
  repression of miR-200: 0 cuts the loop (a test and a what-if, not a cell type).
- ``epithelial_and_mesenchymal_markers``: SNAI1 and ZEB repress CDH1 through its E-boxes and drive vimentin
  (lumped mesenchymal markers); as in Tian 2013 the two inputs add, so SNAI1 alone removes only its share of CDH1
  transcription. SNAI1 acts alone here: the SNAIL1-Smad3/4 co-repressor complex on CDH1 (Vincent et al. 2009 Nat
  Cell Biol 11:943) is not modelled as a separate Smad3 input (SNAI1 itself needs Smad3-Smad4 to be induced).
- ``autocrine_tgfb``: cells release TGF-beta that miR-200 represses (miR-141/200a target TGF-beta2; Gregory et
  al. 2011 Mol Biol Cell 22:1686: an autocrine TGF-beta/ZEB/miR-200 network maintains EMT), so the loop is
  TGF-beta -> SNAI1 -> ZEB -| miR-200 -| TGF-beta (Tian 2013). It is lumped as active TGF-beta1 released into
  the medium (secretion and activation together; the autocrine isoform there is TGF-beta2, which the
  TGF-beta1-only network does not carry); free active ligand is lost slowly in the medium. Whether a long
  exposure leaves a self-sustaining mesenchymal state is a result, not a target.

The switch's constants are those of the Tian, Zhang & Xing 2013 circuit (Hill 2 throughout), carried into
molecules per cell by one scale per species (docs/research/emt_models.md section 5), so that its thresholds keep
their ratios to the levels they act on.

Readouts: ``SNAI1_mRNA``, ``HMGA2``, ``ZEB``, ``miR200``, ``CDH1_mRNA``, ``E_cadherin``, ``vimentin`` (molecules
per cell) and ``EMT_index`` = 1 - E-cadherin / its unrepressed level (0 epithelial, 1 fully mesenchymal).
"""
from __future__ import annotations

from alk5_pysb.model.transcription import _hill, nuclear_smad_complexes, ratio_power

#: gene -> (mRNA monomer, protein monomer)
GENES = {"SNAI1": ("mRNA_SNAI1", "SNAI1_protein"), "HMGA2": ("mRNA_HMGA2", "HMGA2_protein"),
         "ZEB": ("mRNA_ZEB", "ZEB_protein"), "CDH1": ("mRNA_CDH1", "E_cadherin_protein"),
         "VIM": ("mRNA_VIM", "Vimentin_protein")}


def declare_monomers(b):
    for mrna, protein in GENES.values():
        b.monomer(mrna, [])
        b.monomer(protein, [])
    b.monomer("miRNA_200", [])


def _gene(b, gene, rate, translation=None):
    mrna_name, protein_name = GENES[gene]
    mrna, protein = getattr(b.m, mrna_name), getattr(b.m, protein_name)
    b.rule(f"{gene}_transcription", None >> mrna(), b.expression(f"rate_{gene}_transcription", rate))
    b.rule(f"{mrna_name}_decay", mrna() >> None, b.rate(f"kdeg_{gene}_mRNA"))
    k_tl = b.rate("k_tl") if translation is None else b.expression(f"k_tl_{gene}_effective", b.rate("k_tl") * translation)
    b.rule(f"{protein_name}_translation", mrna() >> mrna() + protein(), k_tl)
    b.rule(f"{protein_name}_decay", protein() >> None, b.rate(f"kdeg_{protein_name.removesuffix('_protein')}"))


def snai1_hmga2(b):
    smad3 = nuclear_smad_complexes(b, "Smad3")
    _gene(b, "HMGA2", b.par("k_tx_basal_HMGA2")
          + b.par("k_tx_max_HMGA2") * _hill(smad3, b.par("K_tx_HMGA2"), b.par("n_tx_HMGA2")))
    hmga2 = b.observable("HMGA2", b.m.HMGA2_protein())
    share = b.par("f_HMGA2_SNAI1")             # share of the Smad drive that needs HMGA2 on the promoter
    helper = 1 - share + share * hmga2 / (b.par("K_HMGA2_SNAI1") + hmga2)
    snai1 = b.observable("SNAI1", b.m.SNAI1_protein())
    # SNAI1 binds an E-box of its own promoter and represses it (Peiro et al. 2006): an early peak, then less
    self_repression = _repressed(snai1, b.par("K_SNAI1_self"), b.par("n_SNAI1_self"))
    _gene(b, "SNAI1", (b.par("k_tx_basal_SNAI1")
                       + b.par("k_tx_max_SNAI1") * _hill(smad3, b.par("K_tx_SNAI1"), b.par("n_tx_SNAI1")) * helper)
          * self_repression)


def _repressed(x, k, n):
    return 1 / (1 + ratio_power(x, k, n))


def zeb_mir200_switch(b):
    snai1 = b.model.observables["SNAI1"]
    mir = b.observable("miR200", b.m.miRNA_200())
    zeb = b.observable("ZEB", b.m.ZEB_protein())
    # miR-200 blocks ZEB translation through several 3'UTR sites
    silencing = _repressed(mir, b.par("K_miR200_ZEB"), b.par("n_miR200_ZEB"))
    _gene(b, "ZEB", b.par("k_tx_basal_ZEB")
          + b.par("k_tx_max_ZEB") * _hill(snai1, b.par("K_SNAI1_ZEB"), b.par("n_SNAI1_ZEB")), translation=silencing)
    # ZEB (E-box pair of the miR-200 promoters) and, weakly, SNAI1 repress miR-200 transcription (Tian 2013 form)
    zeb_seen = b.par("ZEB_miR200_loop") * zeb
    n = b.par("n_ZEB_miR200")
    rate = b.par("k_tx_basal_miR200") + b.par("k_tx_max_miR200") / (
        1 + ratio_power(snai1, b.par("K_SNAI1_miR200"), n) + ratio_power(zeb_seen, b.par("K_ZEB_miR200"), n))
    b.rule("miR200_transcription", None >> b.m.miRNA_200(), b.expression("rate_miR200_transcription", rate))
    b.rule("miR200_decay", b.m.miRNA_200() >> None, b.rate("kdeg_miR200"))


def epithelial_and_mesenchymal_markers(b):
    # two promoter inputs that add (Tian 2013): SNAI1 and ZEB, each through E-boxes
    snai1, zeb = b.model.observables["SNAI1"], b.model.observables["ZEB"]
    share, n = b.par("f_SNAI1_markers"), b.par("n_EMT_markers")
    by_snai1 = _hill(snai1, b.par("K_SNAI1_markers"), n)
    by_zeb = _hill(zeb, b.par("K_ZEB_markers"), n)
    _gene(b, "CDH1", b.par("k_tx_CDH1") * (share * (1 - by_snai1) + (1 - share) * (1 - by_zeb)))
    _gene(b, "VIM", b.par("k_tx_basal_VIM") + b.par("k_tx_max_VIM") * (share * by_snai1 + (1 - share) * by_zeb))


def autocrine_tgfb(b):
    if "TGFB1" not in b.ligands:
        raise ValueError("the emt block needs TGFB1 among the ligands (lumped autocrine TGF-beta)")
    mir = b.model.observables["miR200"]
    free = b.m.L(r2=None, r1=None, bg=None, ns="f", iso="TGFB1")
    # miR-200 (miR-141/200a) represses the autocrine TGF-beta (Gregory 2011; Tian 2013's miR-200 -| TGF-beta)
    rate = b.par("k_autocrine_TGFB_basal") + b.par("k_autocrine_TGFB_max") * _repressed(
        mir, b.par("K_miR200_TGFB"), b.par("n_miR200_TGFB"))
    b.rule("autocrine_TGFB_release", None >> free, b.expression("rate_autocrine_TGFB_release", rate))
    b.rule("autocrine_TGFB_loss_in_medium", free >> None, b.rate("kdeg_autocrine_TGFB"))


def declare_readouts(b):
    ob = b.observable
    ob("SNAI1_mRNA", b.m.mRNA_SNAI1())
    ob("ZEB_mRNA", b.m.mRNA_ZEB())
    ob("CDH1_mRNA", b.m.mRNA_CDH1())
    cadherin = ob("E_cadherin", b.m.E_cadherin_protein())
    ob("vimentin", b.m.Vimentin_protein())
    # the unrepressed (fully epithelial) E-cadherin level: transcription / mRNA decay * translation / decay
    ceiling = (b.par("k_tx_CDH1") / b.rate("kdeg_CDH1_mRNA") * b.rate("k_tl") / b.rate("kdeg_E_cadherin"))
    b.expression("EMT_index", 1 - cadherin / ceiling)
