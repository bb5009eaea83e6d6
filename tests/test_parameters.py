import math

import pytest

from alk5_pysb.model.parameters import ParameterTableError, default_table, validate


def test_every_parameter_has_value_unit_and_source():
    frame = default_table().frame
    assert len(frame) > 100
    for name, row in frame.iterrows():
        assert math.isfinite(row["value"]), name
        assert str(row["unit"]).strip() not in ("", "nan"), name
        assert row["evidence"] in ("literature", "model", "calibrated", "assumed"), name
        source = str(row["source"])
        assert len(source) >= 15, f"{name}: source too short: {source!r}"
        if row["evidence"] == "assumed":
            assert source.startswith("assumed:"), f"{name}: an assumed value must say why"
        if row["evidence"] in ("literature", "model"):
            assert any(ch.isdigit() for ch in source), f"{name}: literature source needs a year"


def test_table_and_model_parameters_match(model):
    table = set(default_table().names)
    used = {p.name for p in model.parameters}
    annotation_only = {"V_endosome", "A_plasma_membrane"}   # compartment sizes used by the SBML export only
    assert used - table == set(), "model parameters missing from the table"
    assert table - used - annotation_only == set(), "table parameters the model does not use"


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
