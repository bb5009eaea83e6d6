"""The canonical Smad arm.

- ``rsmad_phosphorylation_by_alk5``: GS-phosphorylated, inhibitor-free ALK5 that is not
  capped by Smad7 phosphorylates cytoplasmic Smad2 and Smad3 at the C-terminal SSXS motif
  (mass action on the kinase, as in Zi 2011 and Schmierer 2008).
- ``smad_complex_formation``: phosphorylated R-Smads bind Smad4 in both compartments.
  Smad4 has two R-Smad positions: ``r1`` takes pSmad2, ``r2`` takes pSmad2 or pSmad3. The
  trimers allowed are pSmad2:pSmad2:Smad4 and pSmad2:pSmad3:Smad4 (two R-Smads + one Smad4),
  with their dimer intermediates. Lucarelli 2018 fitted pSmad2:pSmad3:Smad4 as the dominant
  Smad4-containing trimer; pSmad2:pSmad2:Smad4 is kept because Smad2 is ~10x Smad3 (Clarke
  2006) and carries the Smad2 nuclear accumulation (Schmierer 2008; Zi 2011).
  pSmad3:pSmad3:Smad4 and Smad4-free R-Smad trimers are left out (fitted to zero or to
  transcriptionally inactive roles by Lucarelli 2018), which also keeps the network small.
- ``nucleocytoplasmic_shuttling``: monomers shuttle continuously, export faster than import
  (Schmierer & Hill 2005); complexes are imported 5.7x faster than monomers and are not
  exported (nuclear trapping; Schmierer 2008).
- ``nuclear_dephosphorylation_by_ppm1a``: PPM1A dephosphorylates nuclear pSmad2/3, free or held
  by Smad4, which releases them from the complex (Lin 2006); dephosphorylated Smads are exported.
"""
from __future__ import annotations

RSMADS = ("Smad2", "Smad3")


def declare_monomers(b):
    b.monomer("Smad2", ["ph", "loc", "s4"], {"ph": ["u", "p"], "loc": ["c", "n"]})
    b.monomer("Smad3", ["ph", "loc", "s4"], {"ph": ["u", "p"], "loc": ["c", "n"]})
    b.monomer("Smad4", ["r1", "r2", "loc"], {"loc": ["c", "n"]})
    b.monomer("PPM1A", ["s"])


def rsmad_phosphorylation_by_alk5(b):
    ALK5 = b.m.ALK5
    for name in RSMADS:
        smad = getattr(b.m, name)
        b.initial(smad(ph="u", loc="c", s4=None), b.amount(f"{name}_0"))
        b.rule(f"ALK5_phosphorylates_{name}",
               ALK5(gs="p", atp=None, s7=None) + smad(ph="u", loc="c", s4=None)
               >> ALK5(gs="p", atp=None, s7=None) + smad(ph="p", loc="c", s4=None),
               b.rate(f"k_phos_{name}"))


def smad4_complexes(b):
    """name -> function(loc) giving each Smad4 complex pattern (all members share loc)."""
    S2, S3, S4 = b.m.Smad2, b.m.Smad3, b.m.Smad4
    return {
        "pSmad2_Smad4": lambda loc: S4(r1=1, r2=None, loc=loc) % S2(s4=1, loc=loc),
        "Smad4_pSmad2": lambda loc: S4(r1=None, r2=1, loc=loc) % S2(s4=1, loc=loc),
        "Smad4_pSmad3": lambda loc: S4(r1=None, r2=1, loc=loc) % S3(s4=1, loc=loc),
        "pSmad2_pSmad2_Smad4": lambda loc: S4(r1=1, r2=2, loc=loc) % S2(s4=1, loc=loc) % S2(s4=2, loc=loc),
        "pSmad2_pSmad3_Smad4": lambda loc: S4(r1=1, r2=2, loc=loc) % S2(s4=1, loc=loc) % S3(s4=2, loc=loc),
    }


def smad_complex_formation(b):
    S2, S3, S4 = b.m.Smad2, b.m.Smad3, b.m.Smad4
    b.initial(S4(r1=None, r2=None, loc="c"), b.amount("Smad4_0"))
    for loc, compartment in (("c", "cytoplasm"), ("n", "nucleus")):
        kon = b.rate(f"kon_Smad_complex_{compartment}")
        koff = b.rate("koff_Smad_complex")
        b.rule(f"pSmad2_binds_Smad4_r1_{loc}",
               S4(r1=None, loc=loc) + S2(ph="p", s4=None, loc=loc) | S4(r1=1, loc=loc) % S2(ph="p", s4=1, loc=loc),
               kon, koff)
        for smad in (S2, S3):
            b.rule(f"p{smad.name}_binds_Smad4_r2_{loc}",
                   S4(r2=None, loc=loc) + smad(ph="p", s4=None, loc=loc)
                   | S4(r2=1, loc=loc) % smad(ph="p", s4=1, loc=loc),
                   kon, koff)


def nucleocytoplasmic_shuttling(b):
    for name in ("Smad2", "Smad3"):
        smad = getattr(b.m, name)
        b.rule(f"{name}_monomer_shuttling", smad(s4=None, loc="c") | smad(s4=None, loc="n"),
               b.rate(f"k_import_{name}"), b.rate(f"k_export_{name}"))
    S4 = b.m.Smad4
    b.rule("Smad4_monomer_shuttling", S4(r1=None, r2=None, loc="c") | S4(r1=None, r2=None, loc="n"),
           b.rate("k_import_Smad4"), b.rate("k_export_Smad4"))
    for name, pattern in smad4_complexes(b).items():
        b.rule(f"{name}_import", pattern("c") >> pattern("n"), b.rate("k_import_Smad_complex"))


def nuclear_dephosphorylation_by_ppm1a(b):
    PPM1A, S4 = b.m.PPM1A, b.m.Smad4
    b.initial(PPM1A(s=None), b.amount("PPM1A_0"), fixed=True)
    for name in ("Smad2", "Smad3"):
        smad = getattr(b.m, name)
        b.rule(f"PPM1A_dephosphorylates_{name}",
               PPM1A(s=None) + smad(ph="p", loc="n", s4=None) >> PPM1A(s=None) + smad(ph="u", loc="n", s4=None),
               b.rate("k_dephos_PPM1A"))
    # PPM1A also dephosphorylates R-Smads held by Smad4 and so dissociates the complex (Lin 2006)
    positions = (("r1", b.m.Smad2), ("r2", b.m.Smad2), ("r2", b.m.Smad3))
    for site, smad in positions:
        b.rule(f"PPM1A_dephosphorylates_{smad.name}_at_Smad4_{site}",
               PPM1A(s=None) + S4(loc="n", **{site: 1}) % smad(ph="p", loc="n", s4=1)
               >> PPM1A(s=None) + S4(loc="n", **{site: None}) + smad(ph="u", loc="n", s4=None),
               b.rate("k_dephos_PPM1A_complex"))
