import math

import pytest

from alk5_pysb.model.parameters import ParameterTableError, default_table, validate


def test_every_parameter_has_value_unit_and_source():
    frame = default_table().frame
    assert len(frame) > 100
    for name, row in frame.iterrows():
        assert math.isfinite(row["value"]), name
        assert str(row["unit"]).strip() not in ("", "nan"), name
        assert row["evidence"] in ("measured", "model", "derived", "fitted", "assumed"), name
        source = str(row["source"])
        assert len(source) >= 15, f"{name}: source too short: {source!r}"
        if row["evidence"] == "assumed":
            assert source.startswith("assumed"), f"{name}: an assumed value must say why"
        if row["evidence"] in ("measured", "model"):
            assert any(ch.isdigit() for ch in source), f"{name}: a measured or model source needs a year"
        if row["evidence"] == "measured":
            assert row["cell_type"], f"{name}: a measured value names its cell type"


def test_table_and_model_parameters_match(model):
    """Every table parameter is used by the full model or by its optional block (blocks fibrosis, cytostasis),
    every model parameter is in the table, and an optional block's rows are used by its network only."""
    from alk5_pysb.model import build_model
    from alk5_pysb.model.builder import EXTRA_BLOCKS
    frame = default_table().frame
    table = set(frame.index)
    used = {p.name for p in model.parameters}
    annotation_only = {"V_endosome", "A_plasma_membrane"}   # compartment sizes used by the SBML export only
    assert used - table == set(), "model parameters missing from the table"
    extra_rows = set()
    for block in EXTRA_BLOCKS:
        rows = set(frame.index[frame["block"] == block])
        built = {p.name for p in build_model(ligands=("TGFB1",), modules={block}).parameters}
        assert built - table == set(), f"{block} network parameters missing from the table"
        assert rows and rows <= built and not rows & used, f"{block} rows are the {block} block's only"
        extra_rows |= rows
    assert table - used - extra_rows - annotation_only == set(), "table parameters the model does not use"


def test_validation_rejects_missing_source():
    frame = default_table().frame.copy()
    frame.loc["k_int", "source"] = ""
    with pytest.raises(ParameterTableError, match="k_int: no source"):
        validate(frame)
    frame = default_table().frame.copy()
    frame.loc["k_rec", "value"] = float("nan")
    with pytest.raises(ParameterTableError, match="k_rec"):
        validate(frame)


def test_bimolecular_constants_name_their_compartment():
    frame = default_table().frame
    conc = frame[frame["unit"] == "1/(nM*min)"]
    assert len(conc) > 5
    assert set(conc["compartment"]) <= {"medium", "cytoplasm", "nucleus"}


@pytest.mark.parametrize("name, changes, message", [
    ("kdeg_CTGF_mRNA", {"cell_type": ""}, "a measured value needs its cell type"),
    ("koff_TGFB1_TBRII", {"source": "derived: from the KD of del Re et al. 2004"}, "a derived value must say"),
    ("koff_TGFB1_TBRII", {"source": "del Re et al. 2004 J Biol Chem 279:22765, koff = KD x kon_TGFB1_TBRII"},
     "a derived value must say"),
    ("k_int", {"evidence": "fitted"}, "must name the alk5 calibrate problem"),
    ("k_GS_leak", {"source": "chosen so that resting pSmad2 is < 1% of Smad2"}, "must start its source with 'assumed'"),
    ("k_int", {"evidence": "literature"}, "evidence 'literature' not one of"),
])
def test_evidence_classes_carry_what_they_claim(name, changes, message):
    """measured names its cells; derived says so and names its formula and the entries it uses; fitted names its
    problem; assumed gives its reason; the old classes (literature, calibrated) are gone."""
    frame = default_table().frame.copy()
    for column, value in changes.items():
        frame.loc[name, column] = value
    with pytest.raises(ParameterTableError, match=message):
        validate(frame)


def test_evidence_counts_per_block_add_up():
    from alk5_pysb.model.parameters import EVIDENCE, evidence_counts
    counts = evidence_counts(default_table())
    assert list(counts.columns) == [*EVIDENCE, "all"]
    assert counts.loc["all", "all"] == len(default_table().frame)
    assert (counts.drop(index="all").sum() == counts.loc["all"]).all()
