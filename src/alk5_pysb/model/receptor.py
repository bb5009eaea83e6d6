"""Ligands, receptors and the signalling heterotetramer.

Methods, in the order the builder calls them:

- ``ligands_in_medium``: TGF-beta1/2/3 and GDF11 dimers live in the medium (volume per cell is a
  parameter, so cells deplete the ligand; Clarke 2009, Zi 2011) and bind reversibly to
  non-specific surface/matrix sites (Zi 2011).
- ``receptor_synthesis_and_trafficking``: TbetaRII, ActRIIB, ALK5 (and betaglycan) are made at
  the surface, internalised, recycled and degraded from endosomes (Vilar 2006; Zi 2011).
- ``ligand_binding_and_heterotetramer_assembly``: ligand binds the constitutively active type II
  receptor, then recruits ALK5 into ligand:(TbetaRII)2:(ALK5)2. TGF-beta2 binds TbetaRII weakly
  but is presented by betaglycan (Lopez-Casillas 1993); GDF11 uses ActRIIB with ALK5
  (Andersson 2006).
- ``complex_trafficking_and_ligand_uptake``: complexes internalise (not recycled); in endosomes
  the ligand dissociates and is degraded (ligand uptake) or the complex is degraded.
- ``fkbp12_caps_gs_domain``: FKBP12 binds the unphosphorylated GS domain (Huse 1999) and
  blocks its phosphorylation (Chen 1997); its grip is weaker inside the ligand complex.
- ``gs_domain_phosphorylation``: TbetaRII phosphorylates the GS domain of ALK5 inside the
  complex; a small ligand-independent leak acts on FKBP12-free ALK5; a phosphatase reverses it.
  TbetaRII-catalysed rates scale with ``TBRII_kinase_activity`` (1 = no drug), which the compound
  layer lowers for inhibitors that also block TbetaRII (e.g. GW788388, LY-364947).

Symmetry: type II and type I receptors are represented as ligand-independent homodimers
(one agent = two receptor chains), so the heterotetramer is one ligand + one TbetaRII dimer +
one ALK5 dimer. This keeps the network free of symmetric-complex duplicates; both ALK5 chains
of a dimer share one GS-domain state (assumed: the two chains are phosphorylated in the same
complex within a minute).
"""
from __future__ import annotations

from pysb import ANY

TGFB_ISOFORMS = ("TGFB1", "TGFB2", "TGFB3")
LIGANDS = TGFB_ISOFORMS + ("GDF11",)
TYPE_II = {"TGFB1": "TBRII", "TGFB2": "TBRII", "TGFB3": "TBRII", "GDF11": "ActRII"}


def declare_monomers(b):
    # r2: type II receptor (or trap) epitope, r1: ALK5 epitope, bg: betaglycan, ns: non-specific sites
    b.monomer("L", ["r2", "r1", "bg", "ns", "iso"], {"ns": ["f", "b"], "iso": list(b.ligands)})
    b.monomer("TBRII", ["l", "loc"], {"loc": ["s", "e"]})          # TbetaRII homodimer; s=surface, e=endosome
    b.monomer("ActRII", ["l", "loc"], {"loc": ["s", "e"]})         # ActRIIB homodimer (GDF11)
    b.monomer("TBRIII", ["l"])                                      # betaglycan, surface
    b.monomer("ALK5", ["l", "gs", "fkbp", "atp", "s7", "loc"],      # ALK5 (TbetaRI) homodimer
              {"gs": ["u", "p"], "loc": ["s", "e"]})
    b.monomer("FKBP12", ["r"])


def ligands_in_medium(b):
    L = b.m.L
    for iso in b.ligands:
        b.initial(L(r2=None, r1=None, bg=None, ns="f", iso=iso), b.par(f"{iso}_0"))
    b.rule("ligand_binds_nonspecific_sites",
           L(r2=None, r1=None, bg=None, ns="f") | L(r2=None, r1=None, bg=None, ns="b"),
           b.rate("kon_ns"), b.rate("koff_ns"))


def synthesis_holding_rest(b, prefix):
    """Synthesis rate (molecules/min) that holds the resting total of a receptor at ``<prefix>_0``.

    Without ligand a free receptor is made at the surface, internalised (k_int), recycled (k_rec)
    and degraded from endosomes (kdeg), so at rest synthesis = kdeg x the endosomal fraction
    k_int/(k_int + k_rec + kdeg) of the total. Deriving synthesis from the amount makes ``<prefix>_0``
    mean the resting amount (pre-equilibration would otherwise discard it); it reproduces Zi
    et al. 2011's synthesis constants (k_T1R, k_T2R) to 0.2%.
    """
    total, kint, krec, kdeg = b.amount(f"{prefix}_0"), b.par("k_int"), b.par("k_rec"), b.par(f"kdeg_{prefix}")
    return b.expression(f"ksyn_{prefix}", total * kdeg * kint / (kint + krec + kdeg))


def _receptor_traffic(b, mon, prefix, synthesis=True):
    """Constitutive synthesis (to the surface), internalisation, recycling, endosomal degradation."""
    R = getattr(b.m, mon)
    b.initial(R(l=None, loc="s"), b.amount(f"{prefix}_0"))
    if synthesis:
        b.rule(f"{prefix}_synthesis", None >> R(l=None, loc="s"), synthesis_holding_rest(b, prefix))
    b.rule(f"{prefix}_internalisation_recycling", R(l=None, loc="s") | R(l=None, loc="e"),
           b.rate("k_int"), b.rate("k_rec"))
    b.rule(f"{prefix}_degradation", R(l=None, loc="e") >> None, b.rate(f"kdeg_{prefix}"),
           delete_molecules=True)


def receptor_synthesis_and_trafficking(b):
    ALK5, TBRIII = b.m.ALK5, b.m.TBRIII
    _receptor_traffic(b, "TBRII", "TBRII")
    _receptor_traffic(b, "ActRII", "ActRII")
    b.initial(ALK5(l=None, gs="u", fkbp=None, atp=None, s7=None, loc="s"), b.amount("ALK5_0"))
    b.rule("ALK5_synthesis", None >> ALK5(l=None, gs="u", fkbp=None, atp=None, s7=None, loc="s"),
           synthesis_holding_rest(b, "ALK5"))
    b.rule("ALK5_internalisation_recycling", ALK5(l=None, loc="s") | ALK5(l=None, loc="e"),
           b.rate("k_int"), b.rate("k_rec"))
    b.rule("ALK5_degradation", ALK5(l=None, loc="e") >> None, b.rate("kdeg_ALK5"),
           delete_molecules=True)
    # betaglycan: constant surface pool (its turnover does not limit signalling; assumed)
    b.initial(TBRIII(l=None), b.amount("TBRIII_0"))


def ligand_binding_and_heterotetramer_assembly(b):
    L, TBRII, ActRII, ALK5, TBRIII = b.m.L, b.m.TBRII, b.m.ActRII, b.m.ALK5, b.m.TBRIII
    for iso in b.ligands:
        typeII = getattr(b.m, TYPE_II[iso])
        b.rule(f"{iso}_binds_{TYPE_II[iso]}",
               L(r2=None, r1=None, bg=None, ns="f", iso=iso) + typeII(l=None, loc="s")
               | L(r2=1, r1=None, bg=None, ns="f", iso=iso) % typeII(l=1, loc="s"),
               b.rate(f"kon_{iso}_{TYPE_II[iso]}"), b.rate(f"koff_{iso}_{TYPE_II[iso]}"))
    if "TGFB2" in b.ligands:
        # betaglycan presents TGF-beta2 to TbetaRII (Lopez-Casillas 1993)
        b.rule("TGFB2_binds_betaglycan",
               L(r2=None, r1=None, bg=None, ns="f", iso="TGFB2") + TBRIII(l=None)
               | L(r2=None, r1=None, bg=1, ns="f", iso="TGFB2") % TBRIII(l=1),
               b.rate("kon_TGFB2_TBRIII"), b.rate("koff_TGFB2_TBRIII"))
        b.rule("betaglycan_presents_TGFB2_to_TBRII",
               L(r2=None, r1=None, bg=1, iso="TGFB2") % TBRIII(l=1) + TBRII(l=None, loc="s")
               | L(r2=2, r1=None, bg=1, iso="TGFB2") % TBRIII(l=1) % TBRII(l=2, loc="s"),
               b.rate("kon_TBRIII_TGFB2_TBRII"), b.rate("koff_TBRIII_TGFB2_TBRII"))
    # ALK5 joins the ligand:type II complex; it displaces betaglycan (Wrana/Lopez-Casillas 1994)
    for loc in ("s", "e"):
        for typeII in (TBRII, ActRII):
            b.rule(f"ALK5_joins_{typeII.name}_complex_{loc}",
                   typeII(l=1, loc=loc) % L(r2=1, r1=None, bg=None) + ALK5(l=None, loc=loc)
                   | typeII(l=1, loc=loc) % L(r2=1, r1=2, bg=None) % ALK5(l=2, loc=loc),
                   b.rate("kon_ALK5_complex"), b.rate("koff_ALK5_complex"))
    b.rule("ALK5_displaces_betaglycan",
           TBRII(l=1, loc="s") % L(r2=1, r1=None, bg=3) % TBRIII(l=3) + ALK5(l=None, loc="s")
           >> TBRII(l=1, loc="s") % L(r2=1, r1=2, bg=None) % ALK5(l=2, loc="s") + TBRIII(l=None),
           b.rate("kon_ALK5_complex"))


def complex_trafficking_and_ligand_uptake(b):
    L, ALK5 = b.m.L, b.m.ALK5
    for typeII in (b.m.TBRII, b.m.ActRII):
        name = typeII.name
        # the type II:ligand dimer and the full heterotetramer move as units
        pairs = {
            "dimer": lambda loc, t=typeII: t(l=1, loc=loc) % L(r2=1, r1=None, bg=None),
            "tetramer": lambda loc, t=typeII: t(l=1, loc=loc) % L(r2=1, r1=2) % ALK5(l=2, loc=loc),
        }
        for kind, pattern in pairs.items():
            # complexes are internalised and not recycled (Zi 2011)
            b.rule(f"{name}_{kind}_internalisation", pattern("s") >> pattern("e"), b.rate("k_int"))
            b.rule(f"{name}_{kind}_degradation", pattern("e") >> None, b.rate("kdeg_complex"),
                   delete_molecules=True)
        # ligand uptake: in endosomes the ligand leaves the complex and is degraded
        b.rule(f"{name}_endosomal_ligand_release",
               typeII(l=1, loc="e") % L(r2=1, r1=2) % ALK5(l=2, loc="e")
               >> typeII(l=None, loc="e") + ALK5(l=None, loc="e"),
               b.rate("k_ligand_release_endosome"), delete_molecules=True)
        b.rule(f"{name}_endosomal_ligand_release_dimer",
               typeII(l=1, loc="e") % L(r2=1, r1=None, bg=None) >> typeII(l=None, loc="e"),
               b.rate("k_ligand_release_endosome"), delete_molecules=True)


def fkbp12_caps_gs_domain(b):
    ALK5, FKBP12 = b.m.ALK5, b.m.FKBP12
    b.initial(FKBP12(r=None), b.amount("FKBP12_0"), fixed=True)  # abundant, not depleted
    b.rule("FKBP12_binds_GS_domain",
           ALK5(gs="u", fkbp=None) + FKBP12(r=None) >> ALK5(gs="u", fkbp=1) % FKBP12(r=1),
           b.rate("kon_FKBP12"))
    b.rule("FKBP12_leaves_free_ALK5", ALK5(l=None, fkbp=1) % FKBP12(r=1) >> ALK5(l=None, fkbp=None) + FKBP12(r=None),
           b.rate("koff_FKBP12"))
    b.rule("FKBP12_leaves_liganded_ALK5", ALK5(l=ANY, fkbp=1) % FKBP12(r=1) >> ALK5(l=ANY, fkbp=None) + FKBP12(r=None),
           b.rate("koff_FKBP12_complex"))


def tbrii_kinase(b, rate_name):
    """A TbetaRII-catalysed rate, scaled by the fraction of TbetaRII kinase not blocked by a drug."""
    return b.expression(f"{rate_name}_TBRII", b.rate(rate_name) * b.par("TBRII_kinase_activity"))


def gs_domain_phosphorylation(b):
    ALK5 = b.m.ALK5
    b.rule("TBRII_phosphorylates_GS_domain_in_complex",
           ALK5(l=ANY, gs="u", fkbp=None) >> ALK5(l=ANY, gs="p", fkbp=None), tbrii_kinase(b, "k_GS_phos"))
    b.rule("leaky_GS_phosphorylation_without_ligand",
           ALK5(l=None, gs="u", fkbp=None) >> ALK5(l=None, gs="p", fkbp=None), b.rate("k_GS_leak"))
    b.rule("GS_domain_dephosphorylation", ALK5(gs="p", s7=None) >> ALK5(gs="u", s7=None),
           b.rate("k_GS_dephos"))


def smad7_gadd34_pp1_dephosphorylate_gs_domain(b):
    """Smad7 recruits GADD34-PP1c to ALK5 (Shi 2004); Smad7 leaves the dephosphorylated receptor."""
    ALK5, Smad7 = b.m.ALK5, b.m.Smad7_protein
    b.rule("Smad7_PP1_dephosphorylates_GS_domain",
           ALK5(gs="p", s7=1) % Smad7(r=1) >> ALK5(gs="u", s7=None) + Smad7(r=None),
           b.rate("k_GS_dephos_Smad7"))
