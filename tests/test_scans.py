import numpy as np
import pandas as pd
import pytest

from alk5_pysb.pharmacology.compounds import get_compound
from alk5_pysb.simulation.metrics import parse_metrics
from alk5_pysb.analysis.dose_response import EngineOptions, chunks_folder, dose_response, inhibition
from alk5_pysb.simulation.experiment import Experiment, schedule
from alk5_pysb.errors import UserInputError

DOSES = np.logspace(-1, 3, 7)


def ligand_scan(readouts, metrics, **kw):
    return Experiment(ligand="TGFB1", readouts=readouts, metrics=metrics, **kw)


def pretreated(readouts, metrics, protocol="pretreat:60min"):
    return Experiment(dose_pM=100.0, readouts=readouts, metrics=metrics, **schedule(protocol))


def test_dose_response_fits_per_readout_and_metric(sim):
    data, fits = dose_response(sim, ligand_scan(["pSmad2", "SMAD7_mRNA"], parse_metrics("at:45min,peak,auc:0-4h")), DOSES)
    assert len(data) == len(DOSES) * 2 * 3
    assert list(data.columns) == ["ligand", "dose_pM", "readout", "metric", "value", "unit", "error"]
    assert set(data["unit"]) >= {"molecule/cell", "molecule/cell*min"}
    row = fits[(fits.readout == "pSmad2") & (fits.metric == "at:45min")].iloc[0]
    assert row.converged and 0.5 < row.ec50 < 50 and row.bottom < row.top


def test_scan_streams_chunks_and_resumes_without_duplicates(sim, tmp_path):
    out = tmp_path / "dr.csv"
    metrics = parse_metrics("at:45min")
    full, _ = dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES, out=out)
    assert len(pd.read_csv(out)) == len(DOSES)
    chunks = sorted(chunks_folder(out).rglob("chunk-*.parquet"))
    assert len(chunks) >= 2                                   # results were written in pieces, as they came
    # an interrupted scan: the CSV was never written and the last chunk is missing
    out.unlink()
    chunks[-1].unlink()
    kept = {c: c.stat().st_mtime_ns for c in chunks[:-1]}
    resumed, _ = dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES, out=out, resume=True)
    assert all(c.stat().st_mtime_ns == t for c, t in kept.items())   # finished chunks are not recomputed
    on_disk = pd.read_csv(out)
    assert len(on_disk) == len(DOSES) and on_disk["dose_pM"].is_unique
    np.testing.assert_allclose(on_disk["value"], full["value"], rtol=1e-7)   # CSV keeps 8 digits
    with pytest.raises(UserInputError, match="--resume"):
        dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES, out=out)
    # resuming must not mix in a different scan's chunks
    with pytest.raises(UserInputError, match="different scan"):
        dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES * 2, out=out, resume=True)


def test_executors_agree_on_a_dose_response(sim, tmp_path):
    metrics = parse_metrics("at:45min")
    serial, _ = dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES[:4])
    procs, _ = dose_response(sim, ligand_scan(["pSmad2"], metrics), DOSES[:4],
                             engine=EngineOptions("processes", workers=2))
    pd.testing.assert_frame_equal(serial, procs)


def test_failed_conditions_are_kept_and_left_out_of_the_fit(sim):
    data, fits = dose_response(sim, ligand_scan(["pSmad2"], parse_metrics("at:45min"), params={"k_int": -1.0}),
                               DOSES)   # every condition rejected by the simulator
    assert len(data) == len(DOSES) and data["value"].isna().all() and (data["error"] != "").all()
    assert not fits.converged.iloc[0] and "too few to fit" in fits.message.iloc[0]


def test_inhibition_ic50_and_branch_selectivity(sim):
    sb = get_compound("SB-431542")
    data, fits = inhibition(sim, pretreated(["pSmad2", "p38_active"], parse_metrics("at:60min")), sb,
                            np.logspace(0, 5, 11))
    psmad = fits[fits.readout == "pSmad2"].iloc[0]
    assert psmad.converged and 0.3 * 84 < psmad.ic50 < 10 * 84 and psmad.pct_inhibition_at_top_dose > 95   # B10 window
    p38 = fits[fits.readout == "p38_active"].iloc[0]
    assert not p38.converged and "IC50 >" in p38.message          # kinase-independent arm is spared
    assert (data["inhibitor_nM"] == 0).sum() == 2                  # one untreated control per readout


@pytest.mark.parametrize("text, expected", [("pretreat:60min", (60, None, None)), ("co", (0, 0, None)),
                                            ("post:45min", (0, 45, None)), ("washout:0min", (60, None, 0))])
def test_protocol_grammar(text, expected):
    t = Experiment(inhibitor_nM=1.0, **schedule(text))
    assert (t.pretreat_min, t.inhibitor_at_min, t.inhibitor_washout_min) == expected
    assert t.schedule_text == text.replace("washout:0min", "washout:0min")


def test_post_treatment_is_weaker_than_pretreatment_at_early_time(sim):
    sb = get_compound("SB-431542")
    metrics = parse_metrics("at:60min")
    doses = [10_000.0]
    _, pre = inhibition(sim, pretreated(["pSmad2"], metrics), sb, doses * 4)
    _, post = inhibition(sim, pretreated(["pSmad2"], metrics, "post:45min"), sb, doses * 4)
    assert post.pct_inhibition_at_top_dose.iloc[0] < pre.pct_inhibition_at_top_dose.iloc[0]


def test_protocol_errors():
    with pytest.raises(UserInputError, match="valid protocols are pretreat"):
        schedule("before")
    with pytest.raises(UserInputError, match="> 0"):
        schedule("pretreat:0min")


def test_several_compounds_in_one_scan_match_single_runs(sim):
    doses, metrics = np.logspace(1, 5, 5), parse_metrics("at:60min")
    both, fits = inhibition(sim, pretreated(["pSmad2"], metrics), [get_compound("SB-431542"), get_compound("RepSox")],
                            doses)
    alone, alone_fits = inhibition(sim, pretreated(["pSmad2"], metrics), get_compound("RepSox"), doses)
    assert list(fits.compound) == ["SB-431542", "RepSox"]
    np.testing.assert_allclose(both[both.compound == "RepSox"]["value"], alone["value"], rtol=1e-12)
    # RepSox is the more potent compound (B10)
    assert fits.set_index("compound").ic50["RepSox"] < fits.set_index("compound").ic50["SB-431542"]
