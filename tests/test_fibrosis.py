"""The fibrosis block and the fibroblast context (issue 18): network, export, other simulators, behaviours."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.analysis import validation, validation_fibrosis
from alk5_pysb.io import contexts, interop
from alk5_pysb.simulation.experiment import Experiment
from conftest import MODELS, assert_behaviour_met, behaviour_cases

FIBROSIS_READOUTS = ["alpha_SMA", "FN1_mRNA", "fibronectin", "TGFB1_mRNA", "procollagen_medium", "collagen_deposited",
                     "latent_TGFB1", "collagen_secretion", "ROCK_active", "MRTF_nuclear", "stress_fibres",
                     "traction"]


@pytest.fixture(scope="module")
def fib():
    from alk5_pysb.simulation.simulator import shared_simulator
    return shared_simulator("fibrosis")


def test_the_block_is_optional_and_reported():
    """The lean TGF-beta1 network keeps its size; the fibrosis network adds the block's species; the manifest
    reports both; a bad module or a fibrosis block without the non-canonical one is refused."""
    from alk5_pysb.model import build_model
    manifest = json.loads((MODELS / "MANIFEST.json").read_text(encoding="utf-8"))
    lean, fibrosis = manifest["tgfb1_network"], manifest["fibrosis_network"]
    assert fibrosis["species"] > lean["species"] and fibrosis["reactions"] > lean["reactions"]
    assert fibrosis["species"] - lean["species"] <= 20          # lean by construction
    with pytest.raises(ValueError, match="extra blocks are"):
        build_model(ligands=("TGFB1",), modules={"fibroblast"})
    with pytest.raises(ValueError, match="needs the non-canonical block"):
        build_model(ligands=("TGFB1",), modules={"fibrosis"}, exclude={"noncanonical"})
    model = build_model(ligands=("TGFB1",), modules={"fibrosis"})
    assert model.name == "alk5_tgfb1_fibrosis" and model.blocks[-1] == "fibrosis"
    assert {"alpha_SMA", "ROCK_active", "MRTF_nuclear"} <= {o.name for o in model.observables}


def test_fibrosis_sbml_validates_and_copasi_agrees_with_roadrunner():
    """The exported fibrosis network: 0 libsbml errors, 0 unit warnings, every protein annotated, and COPASI
    gives RoadRunner's numbers over 2 days, slow matrix pools included."""
    pytest.importorskip("basico")
    from alk5_pysb.io.annotate import annotation_problems
    from alk5_pysb.io.export import validate_sbml
    text = (MODELS / "alk5_fibrosis.sbml").read_text(encoding="utf-8")
    assert validate_sbml(text, units=True) == []
    assert annotation_problems(text) == []
    times = np.linspace(0, 2880, 49)
    names = ["pSmad2", "alpha_SMA", "FN1_mRNA", "collagen_deposited", "TGFB1_mRNA", "MRTF_nuclear", "latent_TGFB1"]
    params = {"TGFB1_0": 120_000.0}
    ref = interop.roadrunner_run(text, params, times, names)
    got = interop.copasi_run(text, params, times, names)
    for name in names:
        scale = max(float(ref[name].abs().max()), 1.0)
        np.testing.assert_allclose(got[name].to_numpy(float), ref[name].to_numpy(), rtol=1e-3, atol=1e-3 * scale,
                                   err_msg=name)
    assert ref["alpha_SMA"].iloc[-1] > 1.05 * ref["alpha_SMA"].iloc[0]      # the slow outputs do move


def test_context_runs_on_the_fibrosis_network(tmp_path):
    """--context fibroblast selects the fibrosis network and its readouts; the default context names the
    default table; alk5 info lists every context with its source."""
    out = tmp_path / "fib.csv"
    res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "simulate", "--context", "fibroblast", "--dose",
                          "100pM", "--t-end", "24h", "--points", "5", "-o", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert set(FIBROSIS_READOUTS) <= set(frame.columns)
    assert frame["FN1_mRNA"].iloc[-1] > 2 * frame["FN1_mRNA"].iloc[0]
    assert contexts.network("fibroblast") == "fibrosis" and contexts.network("epithelial") == "emt"
    assert contexts.load("epithelial") == {}
    info = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "info"], capture_output=True, text=True)
    assert "fibroblast:" in info.stdout and "Kalter & Brody 1991" in info.stdout
    bad = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "simulate", "--dose", "100pM", "--readouts",
                          "alpha_SMA", "-o", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "readout 'alpha_SMA' belongs to the fibrosis network (--context fibroblast)" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and "pSmad2" in bad.stderr     # names what exists


def test_rest_is_mostly_latent_and_quiet(fib):
    """Resting fibroblasts: the autocrine loop does not run away (pSmad2 well below a stimulated level) and
    almost all TGF-beta1 in the medium is latent."""
    values = contexts.load("fibroblast")
    rest = fib.run(Experiment(dose_pM=0.0, t_end_min=60, n_points=2), readouts=["pSmad2", "free_ligand",
                                                                                  "latent_TGFB1"], params=values)
    stim = fib.run(Experiment(dose_pM=100.0, t_end_min=60, n_points=61), readouts=["pSmad2"], params=values)
    assert rest["pSmad2"].iloc[0] < 0.1 * stim["pSmad2"].max()
    assert rest["free_ligand"].iloc[0] / rest["latent_TGFB1"].iloc[0] < 0.02


def test_rock_inhibition_removes_the_gate_not_the_smads(fib):
    """ROCK at 10% activity lowers nuclear MRTF and the alpha-SMA rise but leaves pSmad2's first hour alone."""
    values = contexts.load("fibroblast")
    e = Experiment(dose_pM=100.0, t_end_min=4320, n_points=73)
    ctrl = fib.run(e, readouts=["MRTF_nuclear", "alpha_SMA", "pSmad2"], params=values)
    rock = fib.run(e, readouts=["MRTF_nuclear", "alpha_SMA", "pSmad2"], params={**values, "ROCK_activity": 0.1})
    assert rock["MRTF_nuclear"].iloc[-1] < 0.5 * ctrl["MRTF_nuclear"].iloc[-1]
    assert rock["alpha_SMA"].iloc[-1] < ctrl["alpha_SMA"].iloc[-1]
    assert rock["pSmad2"].iloc[1] == pytest.approx(ctrl["pSmad2"].iloc[1], rel=0.2)


def test_stress_fibres_follow_rock_before_alpha_sma_and_traction_weighs_alpha_sma(fib):
    """Stress fibres rise within hours (ROCK), long before alpha-SMA (Vaughan 2000); a ROCK inhibitor removes
    them; more alpha-SMA (slower turnover) raises traction but not the fibres themselves."""
    values = contexts.load("fibroblast")
    e = Experiment(dose_pM=100.0, t_end_min=4320, n_points=73)
    cols = ["stress_fibres", "traction", "alpha_SMA"]
    ctrl = fib.run(e, readouts=cols, params=values)
    assert ((ctrl["stress_fibres"] >= 0) & (ctrl["stress_fibres"] <= 1)).all()
    fibres = ctrl["stress_fibres"] - ctrl["stress_fibres"].iloc[0]
    sma = ctrl["alpha_SMA"] - ctrl["alpha_SMA"].iloc[0]
    t_fibres = ctrl["time_min"][fibres >= 0.5 * fibres.max()].iloc[0]
    t_sma = ctrl["time_min"][sma >= 0.5 * sma.max()].iloc[0]
    assert t_fibres <= 360 and t_sma >= 4 * t_fibres
    rock = fib.run(e, readouts=cols, params={**values, "ROCK_activity": 0.1})
    assert rock["stress_fibres"].max() < 0.2 * ctrl["stress_fibres"].max()
    stable = fib.run(e, readouts=cols, params={**values, "kdeg_ACTA2": 0.5 * values.get("kdeg_ACTA2", fib.nominal("kdeg_ACTA2"))})
    assert stable["alpha_SMA"].iloc[-1] > ctrl["alpha_SMA"].iloc[-1]
    assert stable["traction"].iloc[1] / stable["stress_fibres"].iloc[1] > ctrl["traction"].iloc[1] / ctrl["stress_fibres"].iloc[1]


KNOWN_MISSES = {
    # the fibroblast context's block constants are the medoid of the ensemble constrained by F1, F2, F5, F6, F8, F9,
    # F10, so those pass by construction; these three are independent of that fit and miss
    "F3": "a 30-min pulse leaves no memory (COL1A1 x1.16 at 24 h, alpha-SMA x1.03 at day 3): the autocrine loop "
          "does not hold the signal",
    "F4": "Smad2 at 10% lowers the alpha-SMA increment ~72% (band -50 to +100%): the lumped secondary factor (coTF) "
          "is induced by all nuclear Smad complexes, most of which hold Smad2",
    "F7": "CTGF is an output only: neutralising it leaves collagen synthesis unchanged (target: cut >= 50%)",
}


@pytest.mark.parametrize("check_id", behaviour_cases(validation_fibrosis.FIBROBLAST_CHECKS, KNOWN_MISSES))
def test_fibroblast_behaviour(sim, check_id):
    """Each fibroblast behaviour as written before simulation; known misses are strict xfails (FAIL rows)."""
    assert_behaviour_met(sim, check_id)


def test_fibroblast_behaviours_are_in_validate_but_not_ensemble_constraints():
    from alk5_pysb.calibration import subset
    assert set(validation_fibrosis.FIBROBLAST_CHECKS) <= set(validation.all_checks())
    assert not set(validation_fibrosis.FIBROBLAST_CHECKS) & set(subset.constraints())


def _seven_days(fib, params):
    from alk5_pysb.analysis.validation_fibrosis import feeding
    values = {**contexts.load("fibroblast"), **params}
    e = Experiment(dose_pM=100.0, t_end_min=10080, n_points=169, **feeding(10080))
    rest = Experiment(dose_pM=0.0, t_end_min=10080, n_points=169)
    cols = ["alpha_SMA", "MRTF_nuclear", "TGFB1_mRNA", "latent_TGFB1", "collagen_deposited", "pSmad2"]
    return fib.run(e, readouts=cols, params=values), fib.run(rest, readouts=cols, params=values)


def test_cutting_the_rhoa_mrtf_link_removes_rhoa_from_alpha_sma(fib):
    """With RhoA-GTP no longer activating ROCK (k_act_ROCK = 0), TGF-beta1 no longer moves MRTF into the nucleus
    and the alpha-SMA rise shrinks; the Smad side is unchanged in the first hour."""
    with_link, rest = _seven_days(fib, {})
    cut, cut_rest = _seven_days(fib, {"k_act_ROCK": 0.0})
    gain = lambda stim, base, col: stim[col].iloc[24] - base[col].iloc[24]          # at 24 h
    assert gain(with_link, rest, "MRTF_nuclear") > 1000
    assert abs(gain(cut, cut_rest, "MRTF_nuclear")) < 0.05 * gain(with_link, rest, "MRTF_nuclear")
    sma = lambda stim, base: stim["alpha_SMA"].iloc[72] - base["alpha_SMA"].iloc[72]   # at 72 h
    assert sma(cut, cut_rest) < 0.8 * sma(with_link, rest)
    assert cut["pSmad2"].iloc[1] == pytest.approx(with_link["pSmad2"].iloc[1], rel=0.05)


def test_removing_autoinduction_changes_the_seven_day_response(fib):
    """Without TGFB1 autoinduction (k_tx_max_TGFB1 = 0) TGFB1 mRNA and the latent pool stay at rest, and the
    7-day response (deposited collagen, alpha-SMA) is smaller: the autocrine loop adds to the signal."""
    auto, _ = _seven_days(fib, {})
    none, _ = _seven_days(fib, {"k_tx_max_TGFB1": 0.0})
    assert none["TGFB1_mRNA"].max() < 1.01 * none["TGFB1_mRNA"].iloc[0] < auto["TGFB1_mRNA"].max() / 1.5
    assert none["latent_TGFB1"].iloc[-1] < auto["latent_TGFB1"].iloc[-1]
    assert none["collagen_deposited"].iloc[-1] < auto["collagen_deposited"].iloc[-1]
    assert none["alpha_SMA"].iloc[-1] < auto["alpha_SMA"].iloc[-1]


def test_an_ensemble_can_vary_the_fibrosis_block_alone_against_the_fibroblast_behaviours(tmp_path):
    """alk5 ensemble --context fibroblast --vary fibrosis --behaviours F...: only the block's constants are drawn,
    the F behaviours are evaluated on the fibrosis network with those draws (their distances differ)."""
    from alk5_pysb.calibration import subset
    from alk5_pysb.analysis import uncertainty
    from alk5_pysb.model.parameters import default_table
    table = uncertainty.restrict(uncertainty.prior(contexts.load("fibroblast"), contexts.read_ranges("fibroblast")),
                                 ["fibrosis"])
    block = set(default_table().frame.index[default_table().frame["block"] == "fibrosis"])
    summary = subset.run(tmp_path / "ens", population=5, ids=["F6", "F10"], workers=1, table=table, max_levels=1)
    record = json.loads((tmp_path / "ens" / "subset_run.json").read_text(encoding="utf-8"))
    assert record["parameters"] and set(record["parameters"]) <= block
    level = pd.read_csv(tmp_path / "ens" / "levels" / "level_00.csv")
    assert level["distance"].nunique() > 1            # the draws reach the fibroblast behaviours
    assert summary["levels"] == 1


def test_mrtf_drives_collagen_so_rock_inhibition_lowers_col1a1(fib):
    """Nuclear MRTF is a coactivator of COL1A1 (Luchsinger 2011): ROCK at 10% lowers the 24-h COL1A1 mRNA
    increment; with the link cut (f_MRTF_COL1A1 = 0) ROCK inhibition leaves most of the increment."""
    values = contexts.load("fibroblast")
    e, rest = Experiment(dose_pM=100.0, t_end_min=1440, n_points=25), Experiment(dose_pM=0.0, t_end_min=1440, n_points=25)

    def cut_by_rock(extra):
        run = lambda exp, more: fib.run(exp, readouts=["COL1A1_mRNA"], params={**values, **extra, **more})
        inc = lambda more: run(e, more)["COL1A1_mRNA"].iloc[-1] - run(rest, more)["COL1A1_mRNA"].iloc[-1]
        return 1 - inc({"ROCK_activity": 0.1}) / inc({})

    assert cut_by_rock({}) > 0.15
    assert cut_by_rock({"f_MRTF_COL1A1": 0.0}) < 0.5 * cut_by_rock({})
