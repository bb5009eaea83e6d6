"""Issue 17: what the fibroblast and epithelial answers rest on, by Sobol total-order indices over the members'
marginals (analysis/context_attribution.py)."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.analysis import context_attribution, measure_next, uncertainty

ALK5 = [sys.executable, "-m", "alk5_pysb.cli"]


def test_every_block_constant_joins_its_mechanism_and_upstream_constants_their_module():
    """The factors table puts every constant of the context's blocks into a named mechanism (none falls through to a
    model module), keeps the upstream ligand-binding constants out of the autocrine loop (they stay in the receptor
    module), and every candidate of its own is a constant of the prior."""
    table = uncertainty.prior()
    for context, blocks in context_attribution.BLOCKS.items():
        own, group_of = context_attribution.grouping(context)
        assert own and set(own) <= set(table.index)
        for name in uncertainty.block_names(blocks):
            if name in table.index and table.loc[name, "distribution"] != "fixed":
                assert not group_of(name).startswith("upstream:"), (context, name)
        assert group_of("kon_TGFB1_TBRII") == "upstream: receptor" and group_of("Smad3_0") == "upstream: smad"
    _, group_of = context_attribution.grouping("fibroblast")
    assert group_of("k_act_LTGFB1_traction") == "autocrine TGF-beta1 loop"
    assert group_of("K_tx_ACTA2") == "ACTA2 transcription"
    with pytest.raises(Exception, match="unknown context 'lung'.*fibroblast, epithelial"):
        context_attribution.grouping("lung")


@pytest.mark.parametrize("driver, factor", [("kdeg_ACTA2", "kdeg_ACTA2"), ("k_act_ROCK", "ROCK-MRTF gate"),
                                            ("ALK5_0", "upstream: receptor")])
def test_a_number_driven_by_one_constant_is_given_to_its_factor(driver, factor):
    """Over the fibroblast ensemble's marginals, a number that follows one constant gives that constant's factor
    (itself, its mechanism module, or its model module) ST ~ 1 and every other factor ~ 0."""
    table = uncertainty.prior()
    members, _ = context_attribution.marginals("fibroblast")
    own, group_of = context_attribution.grouping("fibroblast")
    design, problem = measure_next.sobol_design(members, table, own, 128, seed=3, group_of=group_of, potencies=())
    assert len(design) == 128 * (len(set(problem["groups"])) + 2)
    values = pd.DataFrame({"member": design["member"], "n": design[f"fold:{driver}"] ** 2})
    ranking = measure_next.total_order(problem, values, table, predictions={"n": "log10"}).set_index("factor")
    assert ranking.loc[factor, "rank"] == 1 and ranking.loc[factor, "ST"] > 0.9
    assert (ranking.drop(index=factor)["ST"].abs() < 0.02).all()
    if factor == "ROCK-MRTF gate":
        assert ranking.loc[factor, "evidence"] == "assumed"
    if factor == "upstream: receptor":                      # a module's evidence: its constants' classes
        assert set(ranking.loc[factor, "evidence"].split("/")) >= {"assumed", "model"}


def test_censored_half_inhibitions_are_counted_and_capped():
    """Not halved at 10 uM (inf) is capped at 30 uM and counted; nothing to halve (nan) and a failed run are not."""
    values = pd.DataFrame({"member": [0, 1, 2, 3, 4], "growth_arrest_half_nM": [100.0, np.inf, 300.0, np.nan, np.nan],
                           "EMT_half_nM": [50.0, 200.0, np.inf, np.nan, 80.0],
                           "error": ["", "", "", "CVODE failed", ""]})
    out, censored = context_attribution.derived_numbers("epithelial", values)
    assert censored == {"growth_arrest_half_nM": 1, "EMT_half_nM": 1}
    assert np.isnan(out.loc[4, "growth_arrest_half_nM"]) and np.isnan(out.loc[4, "EMT_over_arrest"])
    cap = context_attribution.CENSORED_NM
    assert out["growth_arrest_half_nM"].tolist()[:3] == [100.0, cap, 300.0]
    assert np.isnan(out.loc[3, "EMT_half_nM"])
    assert out["EMT_over_arrest"].tolist()[:3] == pytest.approx([0.5, 200.0 / cap, cap / 300.0])


def test_the_design_runs_real_simulations_and_resumes(tmp_path):
    """Rows of the design run on the fibrosis network (the F8/F9 numbers of the nominal member equal
    prevention_reversal's), each written as it finishes; a second call runs only the rows not yet written."""
    from alk5_pysb.analysis.validation_fibrosis import prevention_reversal
    from alk5_pysb.simulation.simulator import shared_simulator
    members, _ = context_attribution.marginals("fibroblast")
    design = members.head(3).reset_index(drop=True)
    path = tmp_path / "runs.jsonl"
    first = context_attribution.run_design("fibroblast", design.head(2), path, workers=1)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 2 and first["error"].eq("").all()
    both = context_attribution.run_design("fibroblast", design, path, workers=1)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [row["member"] for row in lines] == design["member"].tolist()         # only the third ran again
    assert both.iloc[:2].equals(first)
    sim = shared_simulator("fibrosis")
    sim.folds = {k: v for k, v in uncertainty.member_folds(design, design["member"].iloc[2]).items()
                 if k in sim.table_parameters}
    try:
        direct = prevention_reversal(sim)
    finally:
        sim.folds = {}
    assert both.iloc[2]["alpha_SMA_168h_of_48h"] == pytest.approx(direct["alpha_SMA_168h_of_48h"], rel=1e-9)
    assert 0 < both.iloc[2]["alpha_SMA_168h_of_48h"] < 1


def test_epithelial_halves_follow_the_inhibitor_affinity():
    """A 10-fold weaker SB-431542 (Kd_inhibitor x10) needs more drug to halve the growth arrest (the numbers come
    from real runs of the EMT network in the epithelial context)."""
    base = context_attribution.evaluate("epithelial", {})
    weaker = context_attribution.evaluate("epithelial", {"Kd_inhibitor": 10.0})
    assert base["error"] == "" and weaker["error"] == ""
    assert 10 < base["growth_arrest_half_nM"] < 10000
    assert weaker["growth_arrest_half_nM"] > 3 * base["growth_arrest_half_nM"]


@pytest.mark.parametrize("args, words", [
    (["--context", "lung"], ["--context", "fibroblast"]),
    (["--context", "fibroblast", "--over", "prior"], ["--context", "local processes"]),
    (["--context", "epithelial", "--base", "12"], ["--base", "power of two"]),
])
def test_bad_input_of_measure_next_context_exits_2(tmp_path, args, words):
    res = subprocess.run(ALK5 + ["measure-next", *args, "-o", "out"], capture_output=True, text=True,
                         encoding="utf-8", cwd=tmp_path, timeout=600)
    assert res.returncode == 2, res.stderr
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    assert all(w in lines[0] for w in words), lines[0]


def test_measure_next_context_writes_the_ranking_and_resumes(tmp_path):
    """alk5 measure-next --context epithelial: every run of a small design on the EMT network, a ranking of every
    factor for each of the three numbers, the table, the figure; rerun on the same folder it runs nothing again."""
    out = tmp_path / "epi"
    args = ["measure-next", "--context", "epithelial", "--base", "8", "--workers", "2", "-o", str(out)]
    res = subprocess.run(ALK5 + args, capture_output=True, text=True, encoding="utf-8", timeout=1200)
    assert res.returncode == 0, res.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ranking = pd.read_csv(out / "ranking.csv")
    factors = len(summary["factors"])
    assert summary["runs"] == 8 * (factors + 2) == len((out / "runs.jsonl").read_text(encoding="utf-8").splitlines())
    assert set(ranking["prediction"]) == set(context_attribution.NUMBERS["epithelial"])
    assert (ranking.groupby("prediction").size() == factors).all()
    assert summary["failed"] == 0 and set(summary["censored"]) == {"growth_arrest_half_nM", "EMT_half_nM"}
    assert (out / "attribution.png").stat().st_size > 0
    assert "| EMT_over_arrest |" in (out / "attribution.md").read_text(encoding="utf-8")
    mtime = (out / "runs.jsonl").stat().st_mtime_ns
    again = subprocess.run(ALK5 + args, capture_output=True, text=True, encoding="utf-8", timeout=1200)
    assert again.returncode == 0, again.stderr
    assert (out / "runs.jsonl").stat().st_mtime_ns == mtime        # nothing ran again
    assert pd.read_csv(out / "ranking.csv").equals(ranking)
    other = subprocess.run(ALK5 + [*args[:-2], "--seed", "1", "-o", str(out)], capture_output=True, text=True,
                           encoding="utf-8", timeout=600)
    assert other.returncode == 2 and "another design" in other.stderr
