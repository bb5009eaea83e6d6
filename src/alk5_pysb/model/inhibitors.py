"""Interventions.

- ``alk5_kinase_inhibitor``: an ATP-competitive small molecule binds the ALK5 ATP site
  (site ``atp``) reversibly; ALK5 with drug bound cannot phosphorylate substrates but still
  assembles with ligand and TbetaRII and still recruits TRAF6. The drug is cell-permeant and in
  excess, so its intracellular concentration is held at the dose (a fixed species). Its
  cellular affinity is ``Kd_inhibitor * Kd_residual_factor``: the Kd against cellular ATP
  (Cheng-Prusoff) times the residual factor fitted on cellular potencies, for the default (SB-431542,
  20.8 nM) as for every library compound (``pharmacology.compounds``); ``koff = kon * Kd``, so ``kon_inhibitor`` sets the residence time.
- ``ligand_trap``: a neutralising anti-TGF-beta antibody in the medium binds TGF-beta1/2/3 at
  the type II receptor epitope and so sequesters them (1D11/fresolimumab-like); it does not
  bind GDF11.
"""
from __future__ import annotations

from alk5_pysb.model.receptor import TGFB_ISOFORMS


def declare_monomers(b):
    b.monomer("Inhibitor", ["k"])
    b.monomer("Trap", ["l"])


def alk5_kinase_inhibitor(b):
    ALK5, Inhibitor = b.m.ALK5, b.m.Inhibitor
    b.initial(Inhibitor(k=None), b.amount("Inhibitor_0"), fixed=True)
    kon = b.rate("kon_inhibitor")
    # Kd against cellular ATP (Cheng-Prusoff) x the residual factor fitted on cellular potencies
    koff = b.expression("koff_inhibitor",
                        b.par("kon_inhibitor") * b.par("Kd_inhibitor") * b.par("Kd_residual_factor"))
    b.rule("inhibitor_binds_ALK5_ATP_site", ALK5(atp=None) + Inhibitor(k=None) | ALK5(atp=1) % Inhibitor(k=1),
           kon, koff)


def ligand_trap(b):
    L, Trap = b.m.L, b.m.Trap
    b.initial(Trap(l=None), b.amount("Trap_0"))
    for iso in (i for i in TGFB_ISOFORMS if i in b.ligands):
        b.rule(f"trap_binds_{iso}",
               L(r2=None, r1=None, bg=None, ns="f", iso=iso) + Trap(l=None)
               | L(r2=1, r1=None, bg=None, ns="f", iso=iso) % Trap(l=1),
               b.rate("kon_trap"), b.rate("koff_trap"))
