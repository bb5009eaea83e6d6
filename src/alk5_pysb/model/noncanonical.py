"""Non-canonical (non-Smad) branches.

Each output is a two-state enzyme (inactive/active) switched on catalytically and off first
order; intermediate kinases with no kinetic data are lumped into the step (named in the rule).

- ``traf6_tak1_p38_jnk``: ligand-bound ALK5 recruits and activates TRAF6; by default without needing
  its kinase activity (Sorrentino 2008), or only when it is active (``TRAF6_needs_ALK5_kinase = 1``;
  Bakin 2002); TRAF6 activates TAK1 (K63 chains), TAK1 activates p38 (via MKK3/6) and JNK (via MKK4/7).
  Active p38 phosphorylates TAB1 and switches TAK1 off into a refractory state that recovers
  slowly (Cheung et al. 2003 EMBO J 22:5793), which makes p38/JNK transient while receptors stay
  active. JNK has its own activation and inactivation constants.
- ``shca_grb2_erk``: active ALK5 kinase phosphorylates ShcA (Lee 2007); pShcA recruits
  Grb2/Sos and activates ERK (Ras-Raf-MEK lumped). Kinase-dependent, so inhibitor-sensitive.
- ``pi3k_akt``: PI3K is activated mainly by a p38-dependent autocrine factor (Horowitz 2004:
  AKT activation is delayed, blocked by p38 inhibition and transferred by conditioned medium),
  and weakly by TRAF6 ubiquitylating p85 (Hamidi 2017); PI3K activates AKT.
- ``par6_rhoa``: ligand-bound receptor complexes activate RhoA rapidly, Smad-independently
  (Bhowmick 2001); TbetaRII in the complex phosphorylates Par6, which recruits Smurf1 to
  degrade RhoA (Ozdamar 2005); RhoA is resynthesised.
- ``gadd45b_p38``: Smad-induced GADD45beta (transcription block) activates p38 through
  MTK1/MEKK4 (Takekawa 2002), a delayed second p38 input.
"""
from __future__ import annotations

from pysb import ANY

SWITCHES = {  # monomer -> (inactive, active); TAK1 also has "r", refractory after p38-TAB1 feedback
    "TRAF6": ("i", "a"), "TAK1": ("i", "a"), "p38": ("i", "a"), "JNK": ("i", "a"),
    "ShcA": ("u", "p"), "ERK": ("i", "a"), "PI3K": ("i", "a"), "AKT": ("i", "a"),
    "Par6": ("u", "p"), "RhoA": ("gdp", "gtp"),
}


def declare_monomers(b):
    for name, states in SWITCHES.items():
        b.monomer(name, ["s"], {"s": list(states) + (["r"] if name == "TAK1" else [])})
    b.monomer("p38_autocrine_factor", [])


def _switch(b, name):
    """Initial amount (all inactive) and first-order inactivation of one switch."""
    off, on = SWITCHES[name]
    mon = getattr(b.m, name)
    b.initial(mon(s=off), b.amount(f"{name}_0"))
    b.rule(f"{name}_inactivation", mon(s=on) >> mon(s=off), b.rate(f"k_off_{name}"))
    return mon, off, on


def _activates(b, rule_name, enzyme_pattern, name, rate_name):
    mon = getattr(b.m, name)
    off, on = SWITCHES[name]
    b.rule(rule_name, enzyme_pattern + mon(s=off) >> enzyme_pattern + mon(s=on), b.rate(rate_name))


def traf6_tak1_p38_jnk(b):
    for name in ("TRAF6", "TAK1", "p38", "JNK"):
        _switch(b, name)
    ALK5, TRAF6, TAK1 = b.m.ALK5, b.m.TRAF6, b.m.TAK1
    # Whether TRAF6 needs ALK5's kinase is a switch (TRAF6_needs_ALK5_kinase): 0 (default) = any ligand-bound
    # ALK5 recruits it (Sorrentino 2008, the direct test); 1 = only GS-phosphorylated, inhibitor-free ALK5
    # (Bakin 2002: kinase-inactive ALK5 blocked p38). Active ALK5 acts in both settings.
    _activates(b, "active_ALK5_activates_TRAF6", ALK5(l=ANY, gs="p", atp=None), "TRAF6", "k_act_TRAF6")
    k = b.rate("k_act_TRAF6")          # k - k*switch, not k*(1 - switch): a bare 1 has no unit in the SBML
    without_kinase = b.expression("k_act_TRAF6_without_kinase", k - k * b.par("TRAF6_needs_ALK5_kinase"))
    for label, receptor in (("unphosphorylated", ALK5(l=ANY, gs="u")), ("inhibited", ALK5(l=ANY, gs="p", atp=ANY))):
        b.rule(f"{label}_liganded_ALK5_activates_TRAF6", receptor + TRAF6(s="i") >> receptor + TRAF6(s="a"),
               without_kinase)
    _activates(b, "TRAF6_activates_TAK1", TRAF6(s="a"), "TAK1", "k_act_TAK1")
    _activates(b, "TAK1_activates_p38_via_MKK3_6", TAK1(s="a"), "p38", "k_act_p38")
    _activates(b, "TAK1_activates_JNK_via_MKK4_7", TAK1(s="a"), "JNK", "k_act_JNK")
    # p38 phosphorylates TAB1 and turns TAK1 off for longer than a phosphatase cycle (Cheung 2003)
    b.rule("p38_phosphorylates_TAB1_TAK1_refractory", b.m.p38(s="a") + TAK1(s="a") >> b.m.p38(s="a") + TAK1(s="r"),
           b.rate("k_p38_TAB1_feedback"))
    b.rule("TAK1_recovers_from_TAB1_feedback", TAK1(s="r") >> TAK1(s="i"), b.rate("k_TAK1_recovery"))


def shca_grb2_erk(b):
    for name in ("ShcA", "ERK"):
        _switch(b, name)
    ALK5, ShcA = b.m.ALK5, b.m.ShcA
    _activates(b, "active_ALK5_phosphorylates_ShcA", ALK5(gs="p", atp=None), "ShcA", "k_act_ShcA")
    _activates(b, "pShcA_Grb2_Sos_activate_ERK", ShcA(s="p"), "ERK", "k_act_ERK")


def pi3k_akt(b):
    for name in ("PI3K", "AKT"):
        _switch(b, name)
    factor = b.m.p38_autocrine_factor
    # Horowitz 2004: a p38-dependent, secreted factor activates PI3K-AKT (lumped, cell-associated)
    b.rule("p38_induces_autocrine_factor", b.m.p38(s="a") >> b.m.p38(s="a") + factor(), b.rate("k_autocrine_factor"))
    b.rule("autocrine_factor_decay", factor() >> None, b.rate("kdeg_autocrine_factor"))
    _activates(b, "autocrine_factor_activates_PI3K", factor(), "PI3K", "k_act_PI3K_autocrine")
    _activates(b, "TRAF6_activates_PI3K_via_p85", b.m.TRAF6(s="a"), "PI3K", "k_act_PI3K")
    _activates(b, "PI3K_activates_AKT", b.m.PI3K(s="a"), "AKT", "k_act_AKT")


def par6_rhoa(b):
    _switch(b, "Par6")
    RhoA, Par6, L = b.m.RhoA, b.m.Par6, b.m.L
    b.initial(RhoA(s="gdp"), b.amount("RhoA_0"))
    b.rule("RhoA_inactivation", RhoA(s="gtp") >> RhoA(s="gdp"), b.rate("k_off_RhoA"))
    # synthesis = kdeg x RhoA_0, so RhoA_0 is the resting amount (pre-equilibration keeps it)
    b.rule("RhoA_synthesis", None >> RhoA(s="gdp"), b.expression("ksyn_RhoA", b.amount("RhoA_0") * b.par("kdeg_RhoA")))
    b.rule("RhoA_degradation", RhoA() >> None, b.rate("kdeg_RhoA"))
    complex_ = b.m.TBRII(l=1) % L(r2=1, r1=ANY)
    _activates(b, "receptor_complex_activates_RhoA", complex_, "RhoA", "k_act_RhoA")
    from alk5_pysb.model.receptor import tbrii_kinase
    b.rule("TBRII_phosphorylates_Par6", complex_ + Par6(s="u") >> complex_ + Par6(s="p"), tbrii_kinase(b, "k_act_Par6"))
    b.rule("pPar6_Smurf1_degrade_RhoA", Par6(s="p") + RhoA() >> Par6(s="p"), b.rate("k_Par6_Smurf1_RhoA"),
           delete_molecules=True)


def gadd45b_p38(b):
    _activates(b, "GADD45B_activates_p38_via_MTK1", b.m.GADD45B_protein(), "p38", "k_act_p38_GADD45B")
