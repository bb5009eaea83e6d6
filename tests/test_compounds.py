"""The compound layer (issue 12): declared assays, Cheng-Prusoff conversion, one fitted residual factor."""
import dataclasses
import json
import math

import pytest

from alk5_pysb.errors import UserInputError
from alk5_pysb.calibration import potency
from alk5_pysb.pharmacology.compounds import (ASSAY_CLASSES, VERIFIED, Compound, apparent_kd, cheng_prusoff_ki,
                                              declared_readout, get_compound, km_atp, library, pharmacology,
                                              pharmacology_table, potency_table, residual_factor,
                                              simulable_compounds)
from alk5_pysb.simulation.experiment import Experiment


def test_every_value_has_an_assay_a_source_and_a_verified_flag():
    table = potency_table()
    assert {"galunisertib", "vactosertib", "SB-431542", "RepSox", "GW788388"} <= set(table["compound"])
    for _, row in table.iterrows():
        assert row["assay_class"] in ASSAY_CLASSES and row["verified"] in VERIFIED, dict(row)
        assert len(row["source"]) > 10 and float(row["value_nM"]) > 0, dict(row)
        if row["role"] == "cellular":       # declared before any simulation
            assert row["time"] and row["ligand_dose"] and row["pretreat"], dict(row)


def test_cheng_prusoff_with_known_numbers():
    # IC50 100 nM at [ATP] = Km = 10 uM -> Ki 50 nM; against 3152 uM ATP the apparent Kd is 50 * 316.2
    assert cheng_prusoff_ki(100.0, 10.0, 10.0) == pytest.approx(50.0)
    assert cheng_prusoff_ki(100.0, 90.0, 10.0) == pytest.approx(10.0)
    assert apparent_kd(50.0, 3152.0, 10.0) == pytest.approx(50.0 * 316.2)
    km, atp = km_atp(), pharmacology()["atp_cell"]
    sb = get_compound("SB-431542")          # 94 nM kinase assay, ATP not stated -> run at Km
    assert sb.ki_nM == pytest.approx(94.0 / 2)
    assert sb.kd_cell_nM == pytest.approx(94.0 / 2 * (1 + atp / km) * residual_factor())


def test_a_binding_kd_skips_the_atp_correction():
    bound = Compound("X", 23.0, alk5_assay_class="binding Kd")
    assert bound.ki_nM == 23.0
    assert Compound("X", 23.0, alk5_assay_class="biochemical kinase", alk5_atp_uM=km_atp()).ki_nM == pytest.approx(11.5)


def test_reporter_assays_are_compared_on_the_reporter_readout():
    assert declared_readout("cellular reporter", "24h") == ("PAI1_mRNA", "at:24h")
    assert declared_readout("cellular pSmad", "60min") == ("pSmad2", "at:60min")
    lib = library()
    for name in ("vactosertib", "SB-431542", "RepSox"):
        assert declared_readout(lib.loc[name, "cell_assay_class"], lib.loc[name, "cell_time"])[0] == "PAI1_mRNA"
    assert declared_readout(lib.loc["galunisertib", "cell_assay_class"], lib.loc["galunisertib", "cell_time"])[0] == "pSmad2"
    with pytest.raises(UserInputError, match="no model readout"):
        declared_readout("biochemical kinase", "1h")


def test_no_compound_without_a_cell_free_value_is_simulated():
    assert "A-83-01" not in simulable_compounds()         # its 12 nM is a reporter value
    assert "Alk-5-IN-1" not in simulable_compounds()
    with pytest.raises(UserInputError, match="no public data.*--ki"):
        get_compound("Alk-5-IN-1")
    user = get_compound("Alk-5-IN-1", ki="30nM")            # simulable once a user supplies a Ki (used as is)
    assert user.ki_nM == 30.0
    assert user.kd_cell_nM == pytest.approx(30.0 * (1 + pharmacology()["atp_cell"] / km_atp()) * residual_factor())


def test_the_shipped_residual_factor_is_the_fit_report():
    report = json.loads((potency.problem_dir() / "report.json").read_text(encoding="utf-8"))
    row = pharmacology_table().loc["Kd_residual_factor"]
    assert row["evidence"] == "fitted" and "alk5 calibrate potency" in row["source"]
    assert float(row["value"]) == pytest.approx(report["Kd_residual_factor"], rel=1e-5)
    assert report["compounds"] == potency.fitted_compounds()


def test_committed_potency_problem_equals_render():
    folder = potency.problem_dir()
    for name, text in potency.render().items():
        assert (folder / name).read_text(encoding="utf-8") == text, f"{name} is stale: python -m alk5_pysb.calibration.potency"


def test_gw788388_reduces_tbrii_kinase_activity(sim):
    gw = get_compound("GW788388")
    assert math.isfinite(gw.tbrii_ic50_nM) and gw.tbrii_activity(1000.0) < 0.5
    alk5_only = dataclasses.replace(gw, tbrii_ic50_nM=math.nan)
    run = lambda c: sim.run(Experiment(dose_pM=100.0, t_end_min=60, n_points=61, compound=c, inhibitor_nM=1000.0,
                                       pretreat_min=60.0), readouts=["pSmad2", "ALK5_active"]).iloc[-1]
    dual, single = run(gw), run(alk5_only)
    assert dual["ALK5_active"] < 0.9 * single["ALK5_active"]     # less GS-domain phosphorylation by TbetaRII
    assert dual["pSmad2"] < single["pSmad2"]


def test_unknown_compound_lists_the_library():
    with pytest.raises(UserInputError, match="valid compounds are galunisertib"):
        get_compound("aspirin")
    assert get_compound("sb-431542").name == "SB-431542"   # case-insensitive


def test_compound_file(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text("name,alk5_ic50_nM,tbrii_ic50_nM,alk5_assay_class\nXY-1,25,500,binding Kd\n", encoding="utf-8")
    c = get_compound(compound_file=path)
    assert (c.name, c.alk5_ic50_nM, c.tbrii_ic50_nM, c.ki_nM) == ("XY-1", 25.0, 500.0, 25.0)
    bad = tmp_path / "bad.csv"
    bad.write_text("compound,potency\nXY,3\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="lacks columns"):
        get_compound("XY", compound_file=bad)
    for column, text in (("atp_uM", "-50"), ("atp_uM", "abc"), ("kon_per_nM_min", "-1")):
        odd = tmp_path / f"odd_{column}.csv"
        odd.write_text(f"name,alk5_ic50_nM,{column}\nXY,3,{text}\n", encoding="utf-8")
        with pytest.raises(UserInputError, match=f"column {column}"):
            get_compound("XY", compound_file=odd)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,alk5_ic50_nM,alk5_assay_class\nXY,3,cellular reporter\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="alk5_assay_class"):
        get_compound("XY", compound_file=wrong)


def test_a_slow_off_rate_delays_recovery_after_washout(sim):
    """kon (per compound) sets koff = kon * Kd: a 10,000-fold slower kon (residence ~13 h) keeps ALK5 blocked after a
    wash-out, while binding during the 10-h pre-treatment is still complete."""
    sb = get_compound("SB-431542")
    slow = dataclasses.replace(sb, kon_per_nM_min=sb.kon / 10_000)
    assert slow.model_params()["kon_inhibitor"] == pytest.approx(sb.kon / 10_000)
    assert slow.residence_time_min == pytest.approx(10_000 * sb.residence_time_min)

    def after_washout(c):
        frame = sim.run(Experiment(dose_pM=100.0, t_end_min=60, n_points=61, compound=c, inhibitor_nM=10_000.0,
                                   pretreat_min=600.0, inhibitor_washout_min=0.0), readouts=["pSmad2"])
        return frame["pSmad2"].iloc[-1]
    assert after_washout(slow) < 0.5 * after_washout(sb)


def test_compare_compounds_reads_each_compound_on_its_declared_assay(tmp_path, capsys):
    import pandas as pd
    from alk5_pysb.analysis.comparison import gmfe
    from alk5_pysb.cli import main
    out = tmp_path / "cmp.csv"
    assert main(["compare-compounds", "-o", str(out), "--executor", "serial"]) == 0
    printed = capsys.readouterr().out
    table = pd.read_csv(out).set_index("compound")
    assert table.loc["vactosertib", "declared_readout"] == "PAI1_mRNA at:24h"     # a reporter
    assert table.loc["galunisertib", "declared_readout"] == "pSmad2 at:60min"     # a pSmad assay
    assert table.loc["SB-431542", "fold_error"] == pytest.approx(
        table.loc["SB-431542", "model_cell_ic50_nM"] / 84.0, rel=1e-3)
    assert pd.isna(table.loc["A-83-01", "model_cell_ic50_nM"]) and "not simulated" in table.loc["A-83-01", "note"]
    summary = json.loads(out.with_name("cmp.summary.json").read_text(encoding="utf-8"))
    compared = table[table["fold_error"].notna()]
    assert summary["gmfe_all"] == pytest.approx(gmfe(compared["fold_error"]), rel=1e-3)
    assert summary["compounds_verified"] == ["SB-431542"]
    assert out.with_name("cmp.parity.png").stat().st_size > 10_000
    assert "geometric-mean fold error" in printed
