"""Dosing regimens (issue 12): the PK sub-model against its closed forms, the regimen SBML in COPASI, bad input."""
import json
import math

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.cli import main
from alk5_pysb.io import interop
from alk5_pysb.pharmacology.pk import MAX_DOSES, OralPK, Regimen, get_pk
from conftest import MODELS

REGIMEN_SBML = MODELS / "alk5_regimen.sbml"
DAY_MIN = 1440.0


@pytest.fixture(scope="module")
def regimen_text():
    return REGIMEN_SBML.read_text(encoding="utf-8")


def test_steady_state_closed_forms_equal_superposition_of_doses():
    pk = OralPK("test", ka_per_h=1.3, cl_L_per_h=20.0, v_L=150.0, fu=1.0, mw_g_per_mol=400.0)
    tau, dose = 12.0, 100.0
    ss = pk.steady_state(dose, tau)
    doses = np.arange(400) * tau                     # 400 doses: ke*tau*400 >> 1, the steady state to 1e-15
    last = doses[-1]
    t = np.array([last + tau - 1e-9, last + ss["t_max_h"]]) - tau     # inside the 399th interval
    c = pk.concentration_mg_per_L(t, doses[:-1], dose)
    assert c[0] == pytest.approx(ss["C_min_mg_per_L"], rel=1e-9)
    assert c[1] == pytest.approx(ss["C_max_mg_per_L"], rel=1e-9)
    # t_max,ss is the maximum: the concentration is lower just before and after it
    around = pk.concentration_mg_per_L(t[1] + np.array([-1e-3, 1e-3]), doses[:-1], dose)
    assert (around < c[1]).all()
    # and the average over an interval is F*D/(CL*tau)
    grid = np.linspace(last - tau, last, 200001)
    mean = np.trapezoid(pk.concentration_mg_per_L(grid, doses[:-1], dose), grid) / tau
    assert mean == pytest.approx(ss["C_avg_mg_per_L"], rel=1e-6)


def test_regimen_sbml_pk_equals_the_closed_form_to_1e_6(regimen_text):
    """The PK inside alk5_regimen.sbml (galunisertib 150 mg every 12 h), simulated by RoadRunner, gives the
    closed-form steady-state trough and peak in the 27th dosing interval (13 days in: 39 half-lives)."""
    pk = get_pk("galunisertib")
    tau = 12.0
    ss = pk.steady_state(150.0, tau)
    k = 26                                              # interval [26 tau, 27 tau)
    times = sorted({0.0, (k * tau + ss["t_max_h"]) * 60.0, (k + 1) * tau * 60.0})
    ode = interop.roadrunner_run(regimen_text, {}, times, ["C_plasma_nM"], rtol=1e-12, atol=1e-12)
    to_nM = pk.nM_per_mg_per_L()
    peak, trough = ode["C_plasma_nM"].iloc[1], ode["C_plasma_nM"].iloc[2]
    assert trough == pytest.approx(ss["C_min_mg_per_L"] * to_nM, rel=1e-6)
    assert peak == pytest.approx(ss["C_max_mg_per_L"] * to_nM, rel=1e-6)


def test_copasi_runs_the_regimen_like_roadrunner(regimen_text):
    """Two days of the shipped regimen (4 doses): plasma drug, intracellular inhibitor, pSmad2 and PAI-1 mRNA."""
    times = np.linspace(0.0, 2 * DAY_MIN, 577)
    names = ["C_plasma_nM", "C_unbound_nM", "pSmad2", "PAI1_mRNA", "TBRII_kinase_activity"]
    ref = interop.roadrunner_run(regimen_text, {}, times, names)
    got = interop.copasi_run(regimen_text, {}, times, names)
    for name in names:
        scale = max(float(ref[name].abs().max()), 1e-12)
        np.testing.assert_allclose(got[name].to_numpy(), ref[name].to_numpy(), rtol=1e-3, atol=1e-3 * scale,
                                   err_msg=name)
    # not vacuous: the drug rises and falls with each dose and pSmad2 moves with it
    assert ref["C_plasma_nM"].max() > 500 and ref["C_plasma_nM"].iloc[0] == 0.0
    assert ref["pSmad2"].min() < 0.95 * ref["pSmad2"].iloc[0]
    assert ref["TBRII_kinase_activity"].min() < 1.0       # galunisertib also blocks TbetaRII (Yingling 2018)


def test_regimen_command_reports_cycles_and_recovery(tmp_path, capsys):
    out = tmp_path / "reg"
    assert main(["regimen", "--compound", "galunisertib", "--dose", "150mg", "--every", "12h", "--days", "2",
                 "--off", "2", "--cycles", "2", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "cycle 2" in printed and "after the last dose" in printed
    cycles = pd.read_csv(out / "cycles.csv")
    assert set(cycles["readout"]) == {"pSmad2", "PAI1_mRNA"} and list(cycles["cycle"].unique()) == [1, 2]
    course = pd.read_csv(out / "timecourse.csv")
    # the drug is gone at the end of each off-period and pSmad2 is back within 5% of untreated (a small
    # rebound above it: Smad7, induced less under the drug, is still low)
    end_off = course[course["time_h"] >= 4 * 24 - 1e-9].iloc[0]
    assert end_off["C_plasma_nM"] < 0.01 * course["C_plasma_nM"].max() and abs(end_off["pSmad2_inhibition"]) < 0.05
    assert (out / "regimen.png").is_file() and (out / "regimen.sbml").is_file()
    # nothing is lost: a second run into the same folder is refused without --force
    again = ["regimen", "--compound", "galunisertib", "--dose", "150mg", "--every", "12h", "--days", "1", "-o", str(out)]
    assert main(again) == 2 and "--force" in capsys.readouterr().err
    assert main(again + ["--force"]) == 0
    # a run too short to see recovery says so instead of reporting the end of the run as recovery
    short = ["regimen", "--compound", "galunisertib", "--dose", "150mg", "--every", "12h", "--days", "1",
             "--washout", "0", "--readouts", "pSmad2", "-o", str(tmp_path / "short")]
    assert main(short) == 0
    assert "recovery not reached" in capsys.readouterr().out
    assert json.loads((tmp_path / "short" / "summary.json").read_text())["recovery"][0]["hours_to_below_10pct"] is None


def test_cycle_metrics_and_recovery_on_a_known_course():
    from alk5_pysb.analysis.regimen import cycle_metrics, recovery
    r = Regimen(100, 12, 1, 1, 2)                          # doses at 0, 12, 48, 60 h; cycles of 48 h
    t = np.arange(0, 4 * 24 + 24 + 0.5, 0.5)
    inh = np.where(t < 24, 0.8, 0.0) + np.where((t >= 48) & (t < 72), 0.6, 0.0)
    inh = np.where((t >= 72) & (t < 80), 0.3, inh)         # slow fall after the last dose (60 h)
    frame = pd.DataFrame({"time_h": t, "x_inhibition": inh})
    cycles = cycle_metrics(frame, r, "x")
    assert list(cycles["peak_inhibition"]) == [0.8, 0.6]
    assert list(cycles["trough_inhibition"]) == [0.8, 0.6]              # the last dosing interval of each on-period
    assert list(cycles["hours_above_50pct"]) == [24.0, 24.0]
    rec = recovery(frame, r, "x")
    assert rec["hours_to_below_50pct"] == 72 - 0.5 - 60 and rec["hours_to_below_10pct"] == 80 - 0.5 - 60
    still = frame.assign(x_inhibition=np.where(t >= 60, 0.4, inh))      # never recovers within the run
    assert recovery(still, r, "x")["hours_to_below_10pct"] is None
    assert recovery(still, r, "x")["hours_to_below_50pct"] == 0.0


def test_regimen_doses_and_bad_input():
    r = Regimen(150, 12, 14, 14, 2)
    assert r.n_doses == 56 and r.dose_times_h()[28] == 28 * 24
    with pytest.raises(Exception, match="interval"):
        Regimen(150, 0, 14)
    with pytest.raises(Exception, match="interval"):
        Regimen(150, -12, 14)
    with pytest.raises(Exception, match=f"more than {MAX_DOSES}"):
        Regimen(1, 0.01, 100)


@pytest.mark.parametrize("args, fragments", [
    (["--compound", "SB-431542"], ["no pharmacokinetics", "galunisertib, vactosertib"]),
    (["--compound", "galunisertib", "--every", "0h"], ["--every", "zero"]),
    (["--compound", "galunisertib", "--every", "-12h"], ["--every"]),
    (["--compound", "galunisertib", "--every", "1s", "--days", "10"], ["more than 100000"]),
    (["--compound", "galunisertib", "--dose", "150nM"], ["--dose", "not a mass"]),
    (["--compound", "galunisertib", "--readouts", ""], ["--readouts", "distinct readouts"]),
    (["--compound", "galunisertib", "--readouts", "pSmad2,pSmad2"], ["--readouts", "distinct readouts"]),
    (["--compound", "galunisertib", "--readouts", "pSmad9"], ["--readouts", "pSmad2"]),
    (["--compound", "galunisertib", "--off", "-1"], ["--off", "'-1'"]),
])
def test_regimen_bad_input_is_one_line_exit_2(tmp_path, capsys, args, fragments):
    base = {"--dose": "150mg", "--every": "12h", "--days": "14"}
    given = dict(zip(args[::2], args[1::2]))
    argv = ["regimen"] + [f"{k}={v}" for k, v in {**base, **given}.items()] + ["-o", str(tmp_path / "r")]
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alk5: error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
