"""Readouts: the observables every CSV and the CLI use, by their exact names.

Units and descriptions live in ``data/readouts.csv``. Receptor readouts count receptor chains
(two per homodimer agent); ``receptor_complex`` counts heterotetramers; ``free_ligand`` is the
free ligand concentration in the medium in pM; everything else is molecules per cell.
"""
from __future__ import annotations

from pysb import ANY

from alk5_pysb.model.transcription import GENES, nuclear_smad_complexes


def declare_readouts(b, exclude=()):
    m = b.m
    ob = b.observable
    ob("pSmad2", m.Smad2(ph="p"))
    ob("pSmad3", m.Smad3(ph="p"))
    ob("nuc_Smad2", m.Smad2(loc="n"))
    ob("cyt_Smad2", m.Smad2(loc="c"))
    # shuttling fluxes (molecules/min) to tell trapping from faster import (behaviour B5)
    nuc_free = ob("nuc_Smad2_monomer", m.Smad2(loc="n", s4=None))
    cyt_free = ob("cyt_Smad2_monomer", m.Smad2(loc="c", s4=None))
    cyt_bound = ob("cyt_Smad2_in_complex", m.Smad2(loc="c", s4=ANY))
    b.expression("Smad2_export_flux", b.par("k_export_Smad2") * nuc_free)
    b.expression("Smad2_import_flux", b.par("k_import_Smad2") * cyt_free + b.par("k_import_Smad_complex") * cyt_bound)
    nuclear_smad_complexes(b)
    ob("receptor_complex", m.L(r1=ANY))
    chains = {  # readout -> dimer pattern; reported as 2 chains per dimer
        "ALK5_active": m.ALK5(gs="p", atp=None),
        "ALK5_inhibited": m.ALK5(atp=ANY),
        "surface_TBRII": m.TBRII(loc="s"),
        "total_TBRII": m.TBRII(),
        "total_TBRI": m.ALK5(),
    }
    for name, pattern in chains.items():
        dimers = ob(f"obs_{name}_dimers", pattern)
        b.expression(name, 2 * dimers)
    free = ob("obs_free_ligand_molecules", m.L(r2=None, r1=None, bg=None, ns="f"))
    b.expression("free_ligand", free / (1e-3 * b.molecules_per_nM("medium")))
    for readout, mrna, protein, _kind, _driver in GENES.values():
        ob(readout, getattr(m, mrna)())
    ob("Smad7", m.Smad7_protein())
    ob("PAI1", m.PAI1_protein())
    active = {"p38_active": m.p38(s="a"), "JNK_active": m.JNK(s="a"), "ERK_active": m.ERK(s="a"),
              "AKT_active": m.AKT(s="a"), "RhoA_GTP": m.RhoA(s="gtp"), "TAK1_active": m.TAK1(s="a"),
              "TRAF6_active": m.TRAF6(s="a"), "pShcA": m.ShcA(s="p")}
    for name, pattern in active.items():
        ob(name, pattern)
    # totals for conservation checks
    ob("total_Smad2", m.Smad2())
    ob("total_Smad3", m.Smad3())
    ob("total_Smad4", m.Smad4())
