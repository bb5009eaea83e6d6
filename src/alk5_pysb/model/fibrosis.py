"""Fibrosis outputs of a fibroblast: the myofibroblast gate, matrix and autocrine TGF-beta (optional block).

Built only on request (``build_model(modules={"fibrosis"})``, the ``fibrosis`` network and the
``fibroblast`` context), so the TGF-beta1 scans keep their lean network. Sources and ranges of every
constant are in ``data/parameters.csv`` (block ``fibrosis``); the research notes are
``docs/research/fibrosis.md``.

- ``rock_mrtf_gate``: RhoA-GTP activates ROCK (Meyer-ter-Vehn 2006: Rho within 10 min of TGF-beta in
  fibroblasts); ROCK activity (actin polymerisation, G-actin release, lumped) moves MRTF into the
  nucleus (Sisson 2015; Zhou 2013), where it gates ACTA2 transcription with the Smad3 complex and SRF
  (CArG boxes; an AND gate, fibrosis.md section 2). Nuclear MRTF-A also drives type I collagen
  transcription, basal and induced, with SRF and Sp1 (Luchsinger et al. 2011 J Biol Chem 286:44116:
  MRTF-A loss disrupts type I collagen synthesis in lung myofibroblasts); a share ``f_MRTF_COL1A1``
  of COL1A1 transcription needs it. ROCK inhibitors remove the gate but leave pSmad2 and
  nuclear Smad2/3 intact (Meyer-ter-Vehn 2006). ``ROCK_activity`` (1 = no drug) scales ROCK's outputs.
- ``stress_fibres``: actomyosin stress fibres follow ROCK within minutes and form before and independent of
  alpha-SMA (Vaughan 2000), read as the active share of ROCK (0-1); ``traction`` weighs them by their
  alpha-SMA content (Hinz 2001 Mol Biol Cell: high-alpha-SMA fibroblasts contract gels more).
- ``fibronectin``: FN1 mRNA is a Smad3 target whose induction is partly p38-dependent (Laping 2002: p38
  inhibitors lower FN but not COL1A1 mRNA); ``p38_activity`` (1 = no drug) scales p38's share.
- ``collagen_secretion_and_deposition``: of the cell-associated pro-alpha1(I) that leaves the cell each
  minute (``kdeg_COL1A1``), a fraction is secreted as procollagen into the medium (the rest is degraded
  inside, Weill Cornell HFL-1 data); in standard culture ~6% of secreted collagen ends in the cell layer
  (J Invest Dermatol 1980), the rest is cleared from the medium; deposited collagen turns over in weeks.
- ``autocrine_latent_tgfb1``: TGFB1 mRNA is induced through AP-1 (secondary, like ACTA2: Kim 1989/1990),
  secreted as the latent complex (>98% of secreted TGF-beta is latent, Wakefield 1987), which is
  activated at a basal rate (proteases, integrin avb8) and by cell traction, i.e. ROCK activity with
  alpha-SMA stress fibres (Wipff 2007: myofibroblast contraction activates latent TGF-beta1). The active
  dimer joins the medium's TGF-beta1 and binds the receptors like the dose does; free active TGF-beta1 is
  also lost slowly in the medium (``kdeg_active_TGFB1``), which bounds the loop.
"""
from __future__ import annotations

from alk5_pysb.model.transcription import _hill, nuclear_smad_complexes


def declare_monomers(b):
    b.monomer("ROCK", ["s"], {"s": ["i", "a"]})
    b.monomer("MRTF", ["loc"], {"loc": ["c", "n"]})
    b.monomer("mRNA_FN1", [])
    b.monomer("Fibronectin", [])
    b.monomer("mRNA_TGFB1", [])
    b.monomer("LTGFB1", [])                  # latent TGF-beta1 (LAP-bound, in medium and matrix)
    b.monomer("procollagen_medium_pool", [])
    b.monomer("collagen_matrix", [])


def rock_mrtf_gate(b):
    ROCK, MRTF = b.m.ROCK, b.m.MRTF
    b.initial(ROCK(s="i"), b.amount("ROCK_0"))
    b.initial(MRTF(loc="c"), b.amount("MRTF_0"))
    activity = b.par("ROCK_activity")
    # basal activity of cells on a stiff dish plus RhoA-GTP-driven activation
    b.rule("ROCK_basal_activation", ROCK(s="i") >> ROCK(s="a"), b.rate("k_act_ROCK_basal"))
    b.rule("RhoA_GTP_activates_ROCK", b.m.RhoA(s="gtp") + ROCK(s="i") >> b.m.RhoA(s="gtp") + ROCK(s="a"),
           b.rate("k_act_ROCK"))
    b.rule("ROCK_inactivation", ROCK(s="a") >> ROCK(s="i"), b.rate("k_off_ROCK"))
    b.rule("MRTF_basal_import_export", MRTF(loc="c") | MRTF(loc="n"), b.rate("k_MRTF_import_basal"),
           b.rate("k_MRTF_export"))
    b.rule("ROCK_drives_MRTF_import", ROCK(s="a") + MRTF(loc="c") >> ROCK(s="a") + MRTF(loc="n"),
           b.expression("k_MRTF_import_ROCK_effective", b.rate("k_MRTF_import_ROCK") * activity))
    nuclear = b.observable("MRTF_nuclear", MRTF(loc="n"))
    # the transcription block multiplies ACTA2's Smad3/SRF drive by this gate
    b.gates["ACTA2"] = nuclear / (b.par("K_MRTF_ACTA2") + nuclear)
    # type I collagen transcription needs MRTF-A with SRF/Sp1 in every state (Luchsinger 2011); a share
    # (1 - f_MRTF_COL1A1) is MRTF-independent
    share = b.par("f_MRTF_COL1A1")
    b.coactivators["COL1A1"] = 1 - share + share * nuclear / (b.par("K_MRTF_COL1A1") + nuclear)


def fibronectin(b):
    mrna, protein = b.m.mRNA_FN1, b.m.Fibronectin
    smad3 = nuclear_smad_complexes(b, "Smad3")
    p38 = b.observable("obs_p38_active_FN1", b.m.p38(s="a"))
    p38_share = b.par("f_p38_FN1")
    p38_input = b.par("p38_activity") * p38 / (b.par("K_p38_FN1") + p38)
    drive = _hill(smad3, b.par("K_tx_FN1"), b.par("n_tx_FN1")) * (1 - p38_share + p38_share * p38_input)
    b.rule("FN1_transcription", None >> mrna(),
           b.expression("rate_FN1_transcription", b.par("k_tx_basal_FN1") + b.par("k_tx_max_FN1") * drive))
    b.rule("mRNA_FN1_decay", mrna() >> None, b.rate("kdeg_FN1_mRNA"))
    b.rule("Fibronectin_translation", mrna() >> mrna() + protein(), b.rate("k_tl"))
    b.rule("Fibronectin_turnover", protein() >> None, b.rate("kdeg_FN1"))


def collagen_secretion_and_deposition(b):
    cell, medium, matrix = b.m.COL1A1_protein, b.m.procollagen_medium_pool, b.m.collagen_matrix
    # a flux copy: the cell-associated loss (kdeg_COL1A1, transcription block) stays as it is; the
    # secreted fraction of that flux appears in the medium
    b.rule("procollagen_secretion", cell() >> cell() + medium(),
           b.expression("kdeg_COL1A1_secreted", b.par("f_secreted_COL1A1") * b.rate("kdeg_COL1A1")))
    b.rule("procollagen_deposition", medium() >> matrix(), b.rate("k_deposit_collagen"))
    b.rule("procollagen_clearance", medium() >> None, b.rate("k_clear_procollagen"))
    b.rule("deposited_collagen_turnover", matrix() >> None, b.rate("kdeg_collagen_deposited"))


def stress_fibres(b):
    """Stress fibres as the share of ROCK active (ROCK inhibitor included), 0-1.

    ROCK assembles actomyosin bundles within minutes (Meyer-ter-Vehn 2006), and fibres form before and
    independent of alpha-SMA (Vaughan, Howard & Tomasek 2000), so their amount follows ROCK quasi-steadily.
    """
    existing = b.model.expressions.get("stress_fibres")
    if existing is not None:
        return existing
    rock = b.observable("ROCK_active", b.m.ROCK(s="a"))
    return b.expression("stress_fibres", b.par("ROCK_activity") * rock / b.amount("ROCK_0"))


def _sma_contractility(b):
    # alpha-SMA incorporated into the fibres raises their force (Hinz et al. 2001 Mol Biol Cell 12:2730)
    sma = b.observable("alpha_SMA", b.m.ACTA2_protein())
    return sma / (b.par("K_SMA_traction") + sma)


def autocrine_latent_tgfb1(b):
    mrna, latent, L = b.m.mRNA_TGFB1, b.m.LTGFB1, b.m.L
    if "TGFB1" not in b.ligands:
        raise ValueError("the fibrosis block needs TGFB1 among the ligands (autocrine TGF-beta1)")
    complexes = nuclear_smad_complexes(b)
    cotf = b.model.observables["coTF_total"]
    # autoinduction needs AP-1 synthesis (Kim 1990): secondary, gated by the Smad-induced cooperating factor
    drive = _hill(complexes, b.par("K_tx_TGFB1"), b.par("n_tx_TGFB1")) * cotf / (b.par("K_coTF") + cotf)
    b.rule("TGFB1_transcription", None >> mrna(),
           b.expression("rate_TGFB1_transcription", b.par("k_tx_basal_TGFB1") + b.par("k_tx_max_TGFB1") * drive))
    b.rule("mRNA_TGFB1_decay", mrna() >> None, b.rate("kdeg_TGFB1_mRNA"))
    b.rule("latent_TGFB1_secretion", mrna() >> mrna() + latent(), b.rate("k_secrete_LTGFB1"))
    b.rule("latent_TGFB1_turnover", latent() >> None, b.rate("kdeg_LTGFB1"))
    # free active TGF-beta1 is also lost without cells (proteolysis, adsorption, binders): without this loss a
    # strong autocrine loop can activate faster than receptors take up, and active ligand grows without bound
    b.rule("active_TGFB1_decay_in_medium", L(r2=None, r1=None, bg=None, ns="f", iso="TGFB1") >> None,
           b.rate("kdeg_active_TGFB1"))
    traction = b.expression("traction", stress_fibres(b) * _sma_contractility(b))
    b.rule("latent_TGFB1_activation", latent() >> L(r2=None, r1=None, bg=None, ns="f", iso="TGFB1"),
           b.expression("k_activation_LTGFB1", b.rate("k_act_LTGFB1_basal") + b.rate("k_act_LTGFB1_traction") * traction))


def declare_readouts(b):
    ob = b.observable
    stress_fibres(b)
    ob("FN1_mRNA", b.m.mRNA_FN1())
    ob("fibronectin", b.m.Fibronectin())
    ob("TGFB1_mRNA", b.m.mRNA_TGFB1())
    ob("procollagen_medium", b.m.procollagen_medium_pool())
    cell = ob("obs_COL1A1_protein", b.m.COL1A1_protein())
    b.expression("collagen_secretion", b.model.expressions["kdeg_COL1A1_secreted"] * cell)
    ob("collagen_deposited", b.m.collagen_matrix())
    latent = ob("obs_latent_TGFB1_molecules", b.m.LTGFB1())
    b.expression("latent_TGFB1", latent / (1e-3 * b.molecules_per_nM("medium")))

