import math

import pandas as pd
import pytest

from alk5_pysb.pharmacology.compounds import cell_shift, get_compound, library, pharmacology, simulable_compounds
from alk5_pysb.errors import UserInputError

NUMBER_COLUMNS = {"alk5_ic50_nM": "alk5", "alk4_ic50_nM": "alk4", "tbrii_ic50_nM": "tbrii", "cell_ic50_nM": "cell"}


def test_every_number_has_a_source_and_a_verified_flag():
    lib = library()
    assert {"galunisertib", "vactosertib", "SB-431542", "SB-505124", "SB-525334", "RepSox", "A-83-01",
            "LY-364947", "GW788388", "SD-208", "Alk-5-IN-1"} <= set(lib.index)
    for name, row in lib.iterrows():
        for column, prefix in NUMBER_COLUMNS.items():
            value = pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0]
            if math.isfinite(value):
                assert isinstance(row[f"{prefix}_source"], str) and len(row[f"{prefix}_source"]) > 10, (name, column)
                assert row[f"{prefix}_verified"] in ("yes", "no"), (name, column)


def test_alk5_in_1_has_no_invented_numbers():
    row = library().loc["Alk-5-IN-1"]
    for column in NUMBER_COLUMNS:
        assert not math.isfinite(pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0])
    assert "Alk-5-IN-1" not in simulable_compounds()
    with pytest.raises(UserInputError, match="no public data.*--ki"):
        get_compound("Alk-5-IN-1")
    user = get_compound("Alk-5-IN-1", ki="30nM")     # simulable once a user supplies a potency
    assert user.name == "Alk-5-IN-1" and user.kd_cell_nM == pytest.approx(30 * cell_shift())


def test_cellular_affinity_conversion():
    sb = get_compound("SB-431542")
    # the shift is calibrated on SB-431542: biochemical 94 nM -> in-cell Kd 683 nM (Schmierer 2008)
    assert sb.kd_cell_nM == pytest.approx(683, rel=0.01)
    assert pharmacology()["atp_cell"] == pytest.approx(3152)
    assert sb.tbrii_activity(1e4) == 1.0                    # no TbetaRII off-target listed
    ly = get_compound("LY-364947")
    assert 0 < ly.tbrii_activity(ly.kd_tbrii_cell_nM) == pytest.approx(0.5)


def test_unknown_compound_lists_the_library():
    with pytest.raises(UserInputError, match="valid compounds are galunisertib"):
        get_compound("aspirin")
    assert get_compound("sb-431542").name == "SB-431542"   # case-insensitive


def test_compound_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("name,alk5_ic50_nM,tbrii_ic50_nM\nXY-1,25,500\n", encoding="utf-8")
    c = get_compound(compound_file=path)
    assert (c.name, c.alk5_ic50_nM, c.tbrii_ic50_nM) == ("XY-1", 25.0, 500.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("compound,potency\nXY,3\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="lacks columns"):
        get_compound("XY", compound_file=bad)
