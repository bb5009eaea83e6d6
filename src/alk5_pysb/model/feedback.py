"""Smad7/Smurf2 negative feedback on the receptor.

- ``smad7_turnover`` (always present): Smad7 protein, made from SMAD7 mRNA (transcription
  block), is short-lived (ubiquitin-dependent; Kavsak 2000) and carries Smurf2, which binds it
  constitutively (Kavsak 2000).
- ``smad7_binds_active_alk5``: Smad7 binds activated (GS-phosphorylated, kinase-competent) ALK5 in the
  ligand complex stably and blocks R-Smad access (Nakao 1997; Hayashi 1997). An ATP-site inhibitor
  is assumed to keep Smad7 off, as it keeps R-Smads off: no study shows ALK5 loss under a kinase
  inhibitor, and down-regulation follows receptor activation (Anders 1997; Doré 2001 in fibroblasts;
  docs/research/receptor_fate.md).
- ``smad7_recruits_pp1``: Smad7 brings GADD34-PP1c, which dephosphorylates the GS domain;
  Smad7 then leaves (Shi et al. 2004 J Cell Biol 164:291).
- ``smad7_smurf2_degrade_receptors``: receptors holding Smad7:Smurf2 are ubiquitinated and
  degraded: the lipid-raft/caveolar route "contains the Smad7-Smurf2 bound receptor and is required
  for rapid receptor turnover" (Di Guglielmo 2003; Kavsak 2000). Its rate is Vilar 2006's generic
  ligand-induced degradation constant (klid), applied to this route. Smad7 goes with the receptor,
  Smurf2 is released. Kinase-independent loss of complexes runs at Zi 2011's slow kdeg_complex
  (receptor block).
"""
from __future__ import annotations

from pysb import ANY


def declare_monomers(b):
    b.monomer("Smad7_protein", ["r", "u"])     # r: ALK5; u: Smurf2
    b.monomer("Smurf2", ["s7"])


def smad7_turnover(b):
    Smad7, Smurf2 = b.m.Smad7_protein, b.m.Smurf2
    b.initial(Smurf2(s7=None), b.amount("Smurf2_0"))
    b.rule("Smad7_binds_Smurf2", Smad7(u=None) + Smurf2(s7=None) | Smad7(u=1) % Smurf2(s7=1),
           b.rate("kon_Smad7_Smurf2"), b.rate("koff_Smad7_Smurf2"))
    b.rule("free_Smad7_decay", Smad7(r=None) >> None, b.rate("kdeg_Smad7"), delete_molecules=True)


def smad7_binds_active_alk5(b):
    Smad7, ALK5 = b.m.Smad7_protein, b.m.ALK5
    b.rule("Smad7_binds_active_ALK5",
           ALK5(l=ANY, gs="p", atp=None, s7=None) + Smad7(r=None) | ALK5(l=ANY, gs="p", atp=None, s7=1) % Smad7(r=1),
           b.rate("kon_Smad7_ALK5"), b.rate("koff_Smad7_ALK5"))


def smad7_recruits_pp1(b):
    from alk5_pysb.model.receptor import smad7_gadd34_pp1_dephosphorylate_gs_domain
    smad7_gadd34_pp1_dephosphorylate_gs_domain(b)


def smad7_smurf2_degrade_receptors(b):
    ALK5, Smad7, Smurf2, L = b.m.ALK5, b.m.Smad7_protein, b.m.Smurf2, b.m.L
    k = b.rate("kdeg_Smurf2_receptor")
    b.rule("Smurf2_degrades_free_ALK5",
           ALK5(l=None, s7=1) % Smad7(r=1, u=2) % Smurf2(s7=2) >> Smurf2(s7=None), k,
           delete_molecules=True)
    for typeII in (b.m.TBRII, b.m.ActRII):
        b.rule(f"Smurf2_degrades_{typeII.name}_complex",
               typeII(l=3) % L(r2=3, r1=4) % ALK5(l=4, s7=1) % Smad7(r=1, u=2) % Smurf2(s7=2)
               >> Smurf2(s7=None), k, delete_molecules=True)
