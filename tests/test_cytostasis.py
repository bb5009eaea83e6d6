"""The cytostasis block and the epithelial context (issue 19, first arm): network, export, other simulators,
behaviours C1-C10, knock-downs and bad input."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.analysis import validation_cytostasis
from alk5_pysb.io import interop
from alk5_pysb.simulation.experiment import Experiment
from conftest import MODELS, assert_behaviour_met, behaviour_cases

READOUTS = ["MYC_mRNA", "CDKN2B_mRNA", "CDKN1A_mRNA", "p15", "p21", "proliferation_index"]


@pytest.fixture(scope="module")
def cyto():
    from alk5_pysb.simulation.simulator import shared_simulator
    return shared_simulator("cytostasis")


def test_the_block_is_optional_lean_and_reported():
    manifest = json.loads((MODELS / "MANIFEST.json").read_text(encoding="utf-8"))
    lean, cyto = manifest["tgfb1_network"], manifest["cytostasis_network"]
    assert cyto["file"] == "alk5_cytostasis.sbml"
    assert 0 < cyto["species"] - lean["species"] <= 10          # 8 new species: lean by construction
    from alk5_pysb.model import build_model
    model = build_model(ligands=("TGFB1",), modules={"cytostasis"})
    assert model.name == "alk5_tgfb1_cytostasis" and model.blocks[-1] == "cytostasis"
    assert {"MYC_mRNA", "p15", "p21", "G1S_CDK_active"} <= {o.name for o in model.observables}


def test_cytostasis_sbml_validates_and_copasi_agrees_with_roadrunner():
    pytest.importorskip("basico")
    from alk5_pysb.io.annotate import annotation_problems
    from alk5_pysb.io.export import validate_sbml
    text = (MODELS / "alk5_cytostasis.sbml").read_text(encoding="utf-8")
    assert validate_sbml(text, units=True) == []
    assert annotation_problems(text) == []
    times = np.linspace(0, 1440, 49)
    names = ["pSmad2", "MYC_mRNA", "CDKN2B_mRNA", "p21", "proliferation_index"]
    params = {"TGFB1_0": 120_000.0}
    ref = interop.roadrunner_run(text, params, times, names)
    got = interop.copasi_run(text, params, times, names)
    for name in names:
        scale = max(float(ref[name].abs().max()), 1e-3)
        np.testing.assert_allclose(got[name].to_numpy(float), ref[name].to_numpy(), rtol=1e-3, atol=1e-3 * scale,
                                   err_msg=name)
    assert ref["proliferation_index"].max() > 0.01 and ref["CDKN2B_mRNA"].max() > 10     # the new outputs move


def _inhibition(cyto, params):
    e, rest = Experiment(dose_pM=100.0, t_end_min=1440, n_points=25), Experiment(dose_pM=0.0, t_end_min=1440, n_points=25)
    cols = ["proliferation_index", "ERK_active", "AKT_active", "p38_active"]
    stim, base = cyto.run(e, readouts=cols, params=params), cyto.run(rest, readouts=cols, params=params)
    return stim, base


def test_smad4_loss_removes_cytostasis_but_not_the_smad_independent_branches(cyto):
    """Smad4 at 1%: the 24-h growth inhibition nearly vanishes, while TGF-beta1 still activates ERK, AKT and p38
    (Smad-independent branches) at least as in wild-type cells."""
    wt, wt0 = _inhibition(cyto, {})
    null, null0 = _inhibition(cyto, {"Smad4_0": 0.01 * cyto.nominal("Smad4_0")})
    inhibition = lambda s, b: 1 - s["proliferation_index"].iloc[-1] / b["proliferation_index"].iloc[-1]
    assert inhibition(wt, wt0) > 0.5
    assert inhibition(null, null0) < 0.1 * inhibition(wt, wt0)
    for branch in ("ERK_active", "AKT_active", "p38_active"):
        assert null[branch].max() >= 0.8 * wt[branch].max(), branch      # kept (less Smad7 feedback may raise it)
        assert wt[branch].max() > 1.2 * wt0[branch].iloc[0], branch


def test_carcinoma_switch_keeps_the_smad_responses(cyto):
    """Losing MYC repression and CDKN2B removes part of the arrest without touching the nuclear Smad signal."""
    e = Experiment(dose_pM=100.0, t_end_min=480, n_points=9)
    normal = cyto.run(e, readouts=["nuc_Smad3_complex", "MYC_mRNA"], params={})
    ca = cyto.run(e, readouts=["nuc_Smad3_complex", "MYC_mRNA"],
                  params={"E2F4_p107_partner": 0.0, "k_tx_max_CDKN2B": 0.0})
    np.testing.assert_allclose(ca["nuc_Smad3_complex"], normal["nuc_Smad3_complex"], rtol=1e-4)
    assert ca["MYC_mRNA"].iloc[-1] == pytest.approx(ca["MYC_mRNA"].iloc[0], rel=0.01)
    assert normal["MYC_mRNA"].iloc[-1] < 0.6 * normal["MYC_mRNA"].iloc[0]


KNOWN_MISSES = {
    "C4": "the arrest is deeper than the band at 24 h (PI ~0.14 against 0.2-0.6): the G1/S CDK constants are assumed",
    "C7": "after the inhibitor at 24 h PI recovers to ~0.77 by 48 h (target >= 0.8): the CDK time constant (~8 h)",
    "C10": "the FoxO/p21 arm keeps ~37% of the arrest when MYC repression and CDKN2B are lost (target <= 30%)",
}


@pytest.mark.parametrize("check_id", behaviour_cases(validation_cytostasis.EPITHELIAL_CHECKS, KNOWN_MISSES))
def test_epithelial_behaviour(sim, check_id):
    """Each cytostasis behaviour as written before simulation; known misses are strict xfails (FAIL rows)."""
    assert_behaviour_met(sim, check_id)


def test_epithelial_context_runs_the_cytostasis_readouts_and_bad_readouts_exit_2(tmp_path):
    out = tmp_path / "epi.csv"
    res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "simulate", "--context", "epithelial", "--dose",
                          "100pM", "--t-end", "24h", "--points", "5", "-o", str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert set(READOUTS) <= set(frame.columns)
    assert frame["proliferation_index"].iloc[-1] < frame["proliferation_index"].iloc[0]
    bad = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "simulate", "--dose", "100pM", "--readouts",
                          "proliferation_index", "-o", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert bad.returncode == 2 and "proliferation_index" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
