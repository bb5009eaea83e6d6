
import pysb.bng
import pytest

from alk5_pysb.io.bng import find_bng
from alk5_pysb.model import OPTIONAL_BLOCKS, build_model

# Network size is performance: keep the full model in the fast regime (< ~250 species).
MAX_SPECIES, MAX_REACTIONS = 250, 1500


def test_network_size_is_lean(model):
    assert 100 < len(model.species) <= MAX_SPECIES
    assert len(model.reactions) <= MAX_REACTIONS


def test_mechanism_blocks_present(model):
    rule_names = {r.name for r in model.rules}
    for expected in ("TBRII_phosphorylates_GS_domain_in_complex", "FKBP12_binds_GS_domain", "ALK5_phosphorylates_Smad2",
                     "pSmad2_binds_Smad4_r1_c", "Smad7_binds_active_ALK5", "active_ALK5_activates_TRAF6",
                     "active_ALK5_phosphorylates_ShcA", "inhibitor_binds_ALK5_ATP_site", "trap_binds_TGFB1",
                     "betaglycan_presents_TGFB2_to_TBRII", "GDF11_binds_ActRII", "PPM1A_dephosphorylates_Smad2"):
        assert expected in rule_names


def test_heterotetramer_species_exist(model):
    # ligand dimer + TbetaRII dimer + ALK5 dimer, with GS phosphorylated and inhibitor-free
    found = [str(s) for s in model.species
             if {mp.monomer.name for mp in s.monomer_patterns} >= {"L", "TBRII", "ALK5"}]
    assert any("gs='p'" in s for s in found)
    assert any("Inhibitor" in s for s in found)


@pytest.mark.parametrize("block", OPTIONAL_BLOCKS)
def test_variants_leave_blocks_out(model, block):
    variant = build_model(exclude={block})
    pysb.bng.generate_equations(variant)
    assert len(variant.reactions) < len(model.reactions)
    rules = {r.name for r in variant.rules}
    if block == "feedback":
        assert "Smad7_binds_active_ALK5" not in rules
    if block == "noncanonical":
        assert not any("TRAF6" in r for r in rules)
    if block == "inhibitors":
        assert "inhibitor_binds_ALK5_ATP_site" not in rules


def test_unknown_block_lists_valid_ones():
    with pytest.raises(ValueError, match="optional blocks are"):
        build_model(exclude={"smad"})


def test_bng_found_without_setup_and_bngpath_honoured(tmp_path, monkeypatch):
    bundled = find_bng()
    assert (bundled / "BNG2.pl").is_file()
    monkeypatch.setenv("BNGPATH", str(bundled))
    assert find_bng() == bundled
    monkeypatch.setenv("BNGPATH", str(tmp_path))          # invalid BNGPATH: fall back to the package copy
    assert find_bng() == bundled


def test_tgfb1_only_network_is_lean_and_complete():
    """Each isoform brings its own complexes; the TGF-beta1 network drops them and nothing else."""
    import pysb.bng
    from alk5_pysb.model import build_model
    lean = build_model(ligands=("TGFB1",))
    pysb.bng.generate_equations(lean)
    assert lean.name == "alk5_tgfb1" and len(lean.species) == 111 and len(lean.reactions) == 426
    assert all("TGFB2" not in r.name and "TGFB3" not in r.name for r in lean.rules)
    assert {o.name for o in lean.observables} == {o.name for o in build_model().observables}
    with pytest.raises(ValueError, match="valid ligands"):
        build_model(ligands=("TGFB9",))
