"""Issue 17: every parameter carries a distribution; ensembles on the commands; behaviours as constraints."""
import dataclasses
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.calibration import constrained
from alk5_pysb.analysis import checks, uncertainty, validation
from alk5_pysb.model.parameters import DISTRIBUTIONS, ParameterTableError, default_table, range_problems
from alk5_pysb.simulation.experiment import FOLD_PREFIX, Experiment

ALK5 = [sys.executable, "-m", "alk5_pysb.cli"]


def run(*args, cwd=None):
    return subprocess.run(ALK5 + list(args), capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=600)


def one_line_error(res, *words):
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in res.stderr, res.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


# -- the table ------------------------------------------------------------------------------------------
def test_every_parameter_has_a_distribution_with_its_reason():
    frame = default_table().frame
    assert set(frame["distribution"]) <= set(DISTRIBUTIONS)
    assert (frame["low"] <= frame["value"]).all() and (frame["value"] <= frame["high"]).all()
    assert frame["range_reason"].str.len().min() >= 15
    # a blanket x/10 range says that nothing narrower is known
    blanket = frame[(frame["distribution"].isin(["loguniform", "lognormal"]))
                    & np.isclose(np.log10(frame["high"] / frame["low"]), 2, atol=0.02)
                    & np.isclose(frame["value"] ** 2, frame["low"] * frame["high"], rtol=0.05)]
    assert blanket["range_reason"].str.lower().str.contains("nothing narrower").all()


@pytest.mark.parametrize("change, message", [
    ({"distribution": ""}, "no distribution"),
    ({"distribution": "gamma"}, "unknown distribution 'gamma'"),
    ({"low": 5.0, "high": 1.0}, "low 5 is above high 1"),
    ({"low": 0.1, "high": 0.5}, "outside its range"),
    ({"distribution": "loguniform", "low": 0.0, "high": 10.0}, "needs low > 0"),
    ({"range_reason": ""}, "no range_reason"),
    ({"distribution": "loguniform", "low": 0.1, "high": 10.0, "range_reason": "a range without its reason given"},
     "blanket x/10"),
])
def test_range_problems_name_what_is_wrong(change, message):
    row = pd.Series({"value": 1.0, "unit": "1/min", "distribution": "lognormal", "low": 0.5, "high": 2.0,
                     "tied_to": "", "range_reason": "stated default x/2 for a test row", **change})
    problems = range_problems("k_test", row, ["k_test"])
    assert any(message in p for p in problems), problems


def test_hill_exponents_never_drop_below_one():
    frame = default_table().frame
    hill = frame[frame.index.str.startswith("n_") & (frame["distribution"] != "point")]
    assert len(hill) >= 5 and (hill["low"] >= 1).all()
    row = pd.Series({"value": 1.0, "distribution": "uniform", "low": 0.5, "high": 2.0, "tied_to": "",
                     "range_reason": "a Hill exponent range for the test"})
    assert any("Hill exponent" in p for p in range_problems("n_tx_X", row, ["n_tx_X"]))


def test_a_context_file_with_a_bad_range_exits_2_with_one_line(tmp_path):
    bad = tmp_path / "ctx.csv"
    bad.write_text("name,value,unit,distribution,low,high,range_reason\n"
                   "Smad2_0,120000,molecule/cell,lognormal,200000,100000,measured in my cells (n = 3)\n",
                   encoding="utf-8")
    one_line_error(run("simulate", "--dose", "100pM", "--t-end", "1h", "--context", str(bad), "-o",
                       str(tmp_path / "x.csv")), "Smad2_0", "above high")
    bad.write_text("name,value,unit,distribution,low,high,range_reason\n"
                   "Smad2_0,120000,molecule/cell,weibull,100000,200000,measured in my cells (n = 3)\n", encoding="utf-8")
    one_line_error(run("simulate", "--dose", "100pM", "--t-end", "1h", "--context", str(bad), "-o",
                       str(tmp_path / "x.csv")), "unknown distribution 'weibull'")


# -- draws and ensembles ------------------------------------------------------------------------------
def test_draws_are_seeded_and_follow_the_ranges():
    table = uncertainty.prior()
    a, b = uncertainty.draw(64, seed=3, table=table), uncertainty.draw(64, seed=3, table=table)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(uncertainty.draw(64, seed=4, table=table))
    for column in uncertainty.fold_columns(a):
        name = column.split(":", 1)[1]
        row = table.loc[name]
        values = a[column] * row["value"]
        if row["distribution"] in ("loguniform", "uniform") and not row["tied_to"]:
            assert values.min() >= row["low"] * (1 - 1e-9) and values.max() <= row["high"] * (1 + 1e-9), name
    points = table.index[table["distribution"] == "point"]
    assert not any(f"fold:{p}" in a for p in points)


def test_tied_chains_keep_each_rows_own_spread():
    """koff_TGFB3_TBRII is tied to kon_TGFB3_TBRII, itself tied to kon_TGFB1_TBRII: the drawn KD = koff/kon must
    stay within koff's own (KD) range, whatever the kon draws do."""
    table = uncertainty.prior()
    members = uncertainty.draw(256, seed=7, table=table)
    for koff, kon in (("koff_TGFB3_TBRII", "kon_TGFB3_TBRII"), ("koff_TGFB2_TBRII", "kon_TGFB2_TBRII"),
                      ("koff_TGFB1_TBRII", "kon_TGFB1_TBRII")):
        assert table.loc[koff, "tied_to"] == kon
        kd_fold = members[f"fold:{koff}"] / members[f"fold:{kon}"]
        lo, hi = (table.loc[koff, c] / table.loc[koff, "value"] for c in ("low", "high"))
        inside = ((kd_fold >= lo) & (kd_fold <= hi)).mean()
        assert inside >= 0.9, (koff, inside)          # lognormal 95% range: ~95% inside
    own = uncertainty.own_folds(members, table)
    np.testing.assert_allclose(own["fold:koff_TGFB3_TBRII"], members["fold:koff_TGFB3_TBRII"]
                               / members["fold:kon_TGFB3_TBRII"])


def test_tied_parameters_share_their_partners_fold():
    table = uncertainty.prior()
    tied = table[table["tied_to"] != ""]
    assert len(tied) >= 1
    collapsed = table.copy()
    for name in tied.index:    # a tied row with a point spread of its own follows its partner exactly
        collapsed.loc[name, ["distribution", "low", "high"]] = ["point", table.loc[name, "value"], table.loc[name, "value"]]
    members = uncertainty.draw(16, seed=1, table=collapsed)
    # a point row is not drawn, so tie it by hand: the sampler multiplies by the partner's fold
    name = tied.index[0]
    members_full = uncertainty.draw(16, seed=1, table=table)
    partner = table.loc[name, "tied_to"]
    own = members_full[f"fold:{name}"] / members_full[f"fold:{partner}"]
    lo, hi = table.loc[name, "low"] / table.loc[name, "value"], table.loc[name, "high"] / table.loc[name, "value"]
    assert ((own > lo * 0.5) & (own < hi * 2)).all()
    assert f"fold:{name}" not in members


def test_an_ensemble_collapsed_to_points_equals_the_single_run(sim):
    table = uncertainty.prior()
    table["distribution"], table["low"], table["high"] = "point", table["value"], table["value"]
    assert uncertainty.fold_columns(uncertainty.draw(3, seed=0, table=table)) == []
    # the same as members that carry every fold, each collapsed to 1
    drawn = uncertainty.fold_columns(uncertainty.draw(3, seed=0))
    members = pd.DataFrame({"member": [0, 1, 2], **{c: 1.0 for c in drawn if c.split(":", 1)[1] in sim.table_parameters}})
    assert len(uncertainty.fold_columns(members)) > 100
    experiment = Experiment(dose_pM=100.0, t_end_min=240, n_points=25)
    single = sim.run(experiment, readouts=["pSmad2", "PAI1_mRNA"])
    long = uncertainty.time_courses(sim, experiment, members, ["pSmad2", "PAI1_mRNA"], progress=False)
    bands = uncertainty.time_course_bands(long, ["pSmad2", "PAI1_mRNA"])
    for r in ("pSmad2", "PAI1_mRNA"):
        np.testing.assert_allclose(bands[r], single[r], rtol=1e-12)
        np.testing.assert_allclose(bands[f"{r}_q05"], single[r], rtol=1e-12)
        np.testing.assert_allclose(bands[f"{r}_q95"], single[r], rtol=1e-12)


def test_a_fold_of_one_changes_nothing_and_a_fold_scales_the_value(sim):
    experiment = Experiment(dose_pM=100.0, t_end_min=60, n_points=7)
    base = sim.run(experiment, readouts=["pSmad2"])
    same = sim.run(dataclasses.replace(experiment, folds={"Smad2_0": 1.0}), readouts=["pSmad2"])
    pd.testing.assert_frame_equal(base, same)
    folded = sim.run(dataclasses.replace(experiment, folds={"Smad2_0": 0.5}), readouts=["pSmad2"])
    explicit = sim.run(experiment, readouts=["pSmad2"], params={"Smad2_0": 0.5 * sim.nominal("Smad2_0")})
    np.testing.assert_allclose(folded["pSmad2"], explicit["pSmad2"], rtol=1e-10)
    assert folded["pSmad2"].iloc[-1] < 0.8 * base["pSmad2"].iloc[-1]


def test_a_compounds_affinity_moves_with_the_members_folds(sim):
    from alk5_pysb.pharmacology.compounds import get_compound
    sb = get_compound("SB-431542")
    experiment = Experiment(dose_pM=100.0, t_end_min=60, n_points=3, compound=sb, inhibitor_nM=100.0, pretreat_min=60)
    params = sim.effective_params(dataclasses.replace(experiment, folds={"Kd_residual_factor": 2.0}))
    assert params["Kd_residual_factor"] == pytest.approx(2.0 * sb.r)
    assert params["Kd_inhibitor"] == pytest.approx(sb.kd_atp_nM)


def test_failed_members_keep_their_row_with_the_solvers_reason(sim):
    # a translation rate beyond any physical bound: the solver cannot integrate the mRNA-protein pairs
    experiment = Experiment(dose_pM=100.0, t_end_min=240, n_points=25)
    members = pd.DataFrame({"member": [0, 1], "fold:k_tl": [1.0, 1e200]})
    long = uncertainty.time_courses(sim, experiment, members, ["JNK_active"], progress=False)
    failed = long[long["error"] != ""]
    assert list(failed["member"]) == [1] and "CVODE" in failed["error"].iloc[0]
    assert (long[long["member"] == 0]["error"] == "").all()


# -- behaviours as constraints --------------------------------------------------------------------------
def test_a_behaviour_whose_simulation_fails_is_a_fail_row_and_the_others_still_run(sim):
    sim.folds = {"k_tl": 1e200}      # beyond any physical bound: CVODE fails
    try:
        table = validation.run_checks(sim, ["B16", "B1", "B20"])
    finally:
        sim.folds = {}
    for check_id in ("B16", "B1", "B20"):
        row = table.set_index("id").loc[check_id]
        assert not row["passed"] and "simulation failed" in row["model"] and "CVODE" in row["model"]
    assert len(table) == 3            # every behaviour still has its row


def test_a_knocked_out_species_does_not_break_non_integer_hill_terms(sim):
    """Smad4-null runs with Hill exponents below 1 (here n_tx_SMAD7 x0.5) once failed in CVODE: round-off below
    zero in the empty Smad4 complexes gave a non-integer power of a negative number. The Hill terms are written
    on |x/K| (model.transcription.ratio_power), so the behaviour is evaluated, not lost to the solver."""
    sim.folds = {"n_tx_SMAD7": 0.5}
    try:
        table = validation.run_checks(sim, ["B16", "B19"])
    finally:
        sim.folds = {}
    assert not table["model"].str.contains("simulation failed").any(), table["model"].tolist()
    assert "Smad4-null" in table.set_index("id").loc["B16", "model"]


def test_accepted_members_meet_every_constraint_when_rerun(tmp_path):
    ids = ["B1", "B5", "B15", "B20"]
    members = uncertainty.draw(8, seed=2)
    nominal = pd.DataFrame({"member": [8], **{c: [1.0] for c in uncertainty.fold_columns(members)}})
    members = pd.concat([members, nominal], ignore_index=True)   # the nominal model meets all four
    passes = constrained.run(members, tmp_path / "ens", ids, workers=1, progress=False)
    summary = constrained.summary(passes, ids, 2, "prior:8")
    accepted, structural = constrained.acceptance(passes, ids)
    assert summary["acceptance_rate"] == pytest.approx(accepted.sum() / len(passes))
    assert summary["drawn"] == 9 and summary["accepted"] == int(accepted.sum())
    used = [i for i in ids if i not in structural]
    assert 8 in set(passes.loc[accepted.to_numpy(), "member"]) and used == ids
    assert summary["accepted"] >= 1
    sims = constrained._sims()
    for member in passes.loc[accepted.to_numpy(), "member"]:
        again = constrained.evaluate(sims, uncertainty.member_folds(members, member), used)
        assert all(again[i]["passed"] for i in used), (member, again)
    # resume: nothing is evaluated again, the table is the same
    again = constrained.run(members, tmp_path / "ens", ids, workers=1, progress=False, resume=True)
    pd.testing.assert_frame_equal(passes.drop(columns="seconds"), again.drop(columns="seconds"))


@pytest.mark.parametrize("spec, words", [
    ("many", ["--ensemble", "'many'"]),
    ("prior:0", ["--ensemble", ">= 1"]),
    ("prior:x", ["whole number"]),
])
def test_bad_ensemble_specs_exit_2(tmp_path, spec, words):
    one_line_error(run("simulate", "--dose", "100pM", "--t-end", "1h", "--ensemble", spec, "-o",
                       str(tmp_path / "x.csv")), *words)


@pytest.mark.parametrize("text, words", [
    ("member,fold:Smad2_0\n", ["no members"]),
    ("member,fold:Smad2_0\n0,abc\n", ["must be numbers"]),
    ("member,fold:Smad2_0\n0,1.0\n0,2.0\n", ["distinct whole numbers"]),
])
def test_malformed_ensemble_files_exit_2(tmp_path, text, words):
    bad = tmp_path / "ens.csv"
    bad.write_text(text, encoding="utf-8")
    one_line_error(run("simulate", "--dose", "100pM", "--t-end", "1h", "--ensemble", str(bad), "-o",
                       str(tmp_path / "x.csv")), *words)


def test_sb431542_has_one_affinity_everywhere(sim):
    """The default inhibitor (alk5_rest.sbml, the literature PEtab problem, the figures) is the library compound."""
    from alk5_pysb.pharmacology.compounds import get_compound, residual_factor
    sb = get_compound("SB-431542")
    assert sim.nominal("Kd_inhibitor") * sim.nominal("Kd_residual_factor") == pytest.approx(sb.kd_cell_nM, rel=1e-4)
    assert sim.nominal("Kd_residual_factor") == pytest.approx(residual_factor(), rel=1e-6)
    assert sim.nominal("kon_inhibitor") == pytest.approx(sb.kon)


def test_an_ensemble_file_with_an_unknown_parameter_exits_2(tmp_path):
    bad = tmp_path / "ens.csv"
    bad.write_text("member,fold:Smad2_0,fold:no_such_k\n0,1.0,2.0\n", encoding="utf-8")
    one_line_error(run("simulate", "--dose", "100pM", "--t-end", "1h", "--ensemble", str(bad), "-o",
                       str(tmp_path / "x.csv")), "no_such_k")


def test_simulate_and_dose_response_report_bands(tmp_path):
    res = run("simulate", "--dose", "100pM", "--t-end", "2h", "--readouts", "pSmad2", "--ensemble", "prior:6",
              "--seed", "1", "-o", str(tmp_path / "tc.csv"))
    assert res.returncode == 0, res.stderr
    bands = pd.read_csv(tmp_path / "tc.csv")
    assert list(bands.columns) == ["time_min", "pSmad2", "pSmad2_q05", "pSmad2_q95"]
    late = bands.iloc[-1]
    assert late["pSmad2_q05"] <= late["pSmad2"] <= late["pSmad2_q95"] and late["pSmad2_q05"] < late["pSmad2_q95"]
    members = pd.read_csv(tmp_path / "tc.members.csv")
    assert sorted(members["member"].unique()) == list(range(6))
    res = run("dose-response", "--doses", "1pM:1nM:6", "--ensemble", "prior:4", "--executor", "serial",
              "-o", str(tmp_path / "dr.csv"))
    assert res.returncode == 0, res.stderr
    fits = pd.read_csv(tmp_path / "dr.fits.csv")
    assert {"median", "q05", "q95", "n", "n_failed"} <= set(fits.columns)
    per_member = pd.read_csv(tmp_path / "dr.member_fits.csv")
    assert sorted(per_member["member"]) == [0, 1, 2, 3]
    assert fits["q05"].iloc[0] <= fits["median"].iloc[0] <= fits["q95"].iloc[0]
    assert "90% band" in res.stdout


# -- what to measure next -------------------------------------------------------------------------------
def test_attribution_finds_the_constant_a_prediction_rests_on():
    """RBD-FAST over a prior ensemble ranks first the constant that drives a prediction, and says which
    experiment measures it; a constant that drives nothing stays near zero."""
    from alk5_pysb.analysis import measure_next
    table = uncertainty.prior()
    members = uncertainty.draw(400, seed=5, table=table)
    fold = members["fold:Smad3_0"].to_numpy()
    noise = members["fold:kdeg_Smad7"].to_numpy()
    values = pd.DataFrame({"member": members["member"]})
    for label in measure_next.PREDICTIONS:
        values[label] = 10 * fold ** 2 * (1 + 0.01 * np.log(noise))
    ranking = measure_next.attribute(members, values, table, seed=0)
    first = ranking[ranking["prediction"] == next(iter(measure_next.PREDICTIONS))].iloc[0]
    assert first["parameter"] == "Smad3_0" and first["S1"] > 0.8
    assert "copy number" in first["experiment"].lower()
    other = ranking[(ranking["parameter"] == "TBRII_0")]["S1"].abs()
    assert (other < 0.1).all()


def test_rests_on_ranks_the_driving_input_above_the_noise_floor_only():
    """rests_on: a prediction driven by one drawn input (a PK value) and one constant lists both, each in its
    group, and nothing else passes the floor; a failed member (nan) is left out."""
    members = uncertainty.draw(96, seed=3, table=uncertainty.prior())
    rng = np.random.default_rng(1)
    drawn = pd.DataFrame({"fu": rng.uniform(0.01, 1, len(members)), "t_half": rng.uniform(4, 12, len(members))})
    values = np.log(drawn["fu"].to_numpy()) + 0.5 * np.log(members["fold:ALK5_0"].to_numpy())
    values[0] = np.nan
    found = uncertainty.rests_on(members, values, {"PK": {"fu", "t_half"}, "model": set(uncertainty.prior().index)},
                                 drawn=drawn, drawn_evidence="PK table draw")
    assert [c["constant"] for c in found["PK"]["constants"]] == ["fu"]
    assert found["PK"]["constants"][0]["evidence"] == "PK table draw" and found["PK"]["members"] == 95
    model = [c["constant"] for c in found["model"]["constants"]]
    assert model[0] == "ALK5_0" and len(model) <= 2          # one more would be a chance crossing of the floor
    assert 0 < found["model"]["noise_floor"] < 1


def test_rests_on_within_runs_drops_a_constant_that_only_marks_a_run():
    """Pooled runs cluster: a constant drawn in a different region per run, with the prediction offset per run,
    correlates across the pool but not within a run. Stratified by run, rests_on lists the constant that drives
    the prediction within each run and not the run marker; unstratified, the marker comes first."""
    from scipy.stats import spearmanr
    members = uncertainty.draw(160, seed=4, table=uncertainty.prior())
    run = np.repeat([0, 1], 80)
    marker = members["fold:kdeg_Smad7"].to_numpy() * np.where(run == 1, 30.0, 1.0)   # run 1 sits 30x higher
    members["fold:kdeg_Smad7"] = marker
    values = 10.0 * run + 0.3 * np.log(members["fold:ALK5_0"].to_numpy())
    pooled = uncertainty.rests_on(members, values, strata=False)["constants"]
    within = uncertainty.rests_on(members, values, strata=run)["constants"]
    assert pooled["constants"][0]["constant"] == "kdeg_Smad7" and pooled["strata"] == 1
    assert [c["constant"] for c in within["constants"]][:1] == ["ALK5_0"] and within["strata"] == 2
    assert "kdeg_Smad7" not in [c["constant"] for c in within["constants"]]
    # one stratum is Spearman's rho; an offset between strata alone correlates nothing
    x, y = members["fold:ALK5_0"].to_numpy(), values
    assert uncertainty.within_strata_rho(x, y, np.zeros(len(x))) == pytest.approx(spearmanr(x, y).statistic)
    unrelated = members["fold:TBRII_0"].to_numpy() + 5.0 * run
    assert spearmanr(unrelated, values).statistic > 0.6          # two separated clusters: at most ~0.75
    assert abs(uncertainty.within_strata_rho(unrelated, values, run)) < 0.2


def test_the_shipped_pooled_ensemble_knows_each_members_run():
    """shipped_runs finds each member's run by its folds, for the shipped members and for fibroblast members
    (whose ACTA2 folds come from another ensemble); prior draws belong to no run."""
    shipped = uncertainty.shipped_ensemble()
    runs = uncertainty.shipped_ensemble(with_runs=True)["run"].to_numpy()
    assert (uncertainty.shipped_runs(shipped) == runs).all() and len(set(runs)) >= 2
    assert set(uncertainty.shipped_runs(uncertainty.with_block_draws(20))) <= set(runs)
    galunisertib = uncertainty.with_compound_potency(shipped.assign(compound="galunisertib"), shipped)
    assert (galunisertib["fold:Kd_inhibitor"] != shipped["fold:Kd_inhibitor"]).all()
    assert (uncertainty.shipped_runs(galunisertib) == runs).all()
    assert uncertainty.shipped_runs(uncertainty.draw(8, seed=1)) is None


def test_each_library_compound_draws_its_own_potency_per_member():
    """Potency ratios between compounds vary across members: a compound's Kd_inhibitor fold is its own draw
    from its potency row (spread as the row says), independent of SB-431542's (the anchor keeps the member's
    fold); the same member gets the same draw in every command."""
    from alk5_pysb.pharmacology.compounds import potency_table
    members = uncertainty.draw(400, seed=2, table=uncertainty.prior())
    frame = uncertainty.with_members(pd.DataFrame({"condition_id": [0, 1], "compound": ["SB-431542", "galunisertib"]}),
                                     members)
    out = uncertainty.with_compound_potency(frame, members)
    sb = out[out["compound"] == "SB-431542"].set_index("member")["fold:Kd_inhibitor"]
    gal = out[out["compound"] == "galunisertib"].set_index("member")["fold:Kd_inhibitor"]
    assert np.allclose(sb.to_numpy(), members.set_index("member")["fold:Kd_inhibitor"].to_numpy())
    row = potency_table().query("compound == 'galunisertib' and target == 'ALK5' and role == 'input'").iloc[0]
    expected_sd = (np.log10(float(row["high"])) - np.log10(float(row["low"]))) / (2 * 1.959964)   # lognormal 95%
    assert np.std(np.log10(gal.to_numpy())) == pytest.approx(expected_sd, rel=0.1)
    assert abs(np.median(np.log10(gal.to_numpy()))) < 0.1
    assert abs(np.corrcoef(np.log(sb.to_numpy()), np.log(gal.to_numpy()))[0, 1]) < 0.15
    again = uncertainty.with_compound_potency(frame, members)
    assert again.equals(out)
    whole = uncertainty.with_compound_potency(members, members, compound="galunisertib")
    assert np.allclose(whole.set_index("member")["fold:Kd_inhibitor"].to_numpy(), gal.to_numpy())


def test_total_order_over_accepted_marginals_finds_the_driving_constant():
    """Sobol total-order indices over the accepted ensemble's marginals: a prediction driven by one screened
    constant gives it ST ~ 1 and the grouped rest ~ 0; a constant collapsed to one value in the accepted
    members cannot matter; draws come only from the accepted members' own values."""
    from alk5_pysb.analysis import measure_next
    table = uncertainty.prior()
    accepted = uncertainty.shipped_ensemble()
    members, problem = measure_next.sobol_design(accepted, table, ["ALK5_0", "kon_ns"], 16, seed=1)
    assert len(members) == 16 * (len(set(problem["groups"])) + 2)
    own = uncertainty.own_folds(accepted, table)
    assert set(np.round(members["fold:ALK5_0"], 12)) <= set(np.round(own["fold:ALK5_0"], 12))
    values = pd.DataFrame({"member": members["member"]})
    for label in measure_next.PREDICTIONS:
        values[label] = 5 * members["fold:ALK5_0"] ** 3 if "lost" not in label else 0.5 * members["fold:ALK5_0"]
    ranking = measure_next.total_order(problem, values, table, seed=0)
    first = ranking[ranking["rank"] == 1]
    assert (first["factor"] == "ALK5_0").all() and (first["ST"] > 0.9).all()
    rest = ranking[ranking["factor"] != "ALK5_0"]
    assert (rest["ST"].abs() < 0.05).all()
    assert (ranking.loc[ranking["factor"] == "kon_ns", "ST"].abs() < 1e-9).all()   # one accepted value


@pytest.mark.parametrize("args, words", [
    (["measure-next", "--over", "prior", "--members", "10", "-o", "next"], ["--members", "at least 64"]),
    (["measure-next", "--base", "10", "-o", "next"], ["--base", "power of two"]),
    (["ensemble", "--vary", "fibrosiss", "--behaviours", "F1", "-o", "ens"], ["--vary fibrosiss", "fibrosis"]),
    (["ensemble", "--context", "fibroblast", "-o", "ens"], ["--context", "cell-context behaviours only"]),
    (["validate", "--ensemble", "prior:2"], ["-o DIR"]),
    (["validate", "--behaviours", "B1,B99"], ["B99", "valid: B1"]),
    (["simulate", "--dose", "100pM", "--inhibitor-washout", "30min"], ["--inhibitor-dose"]),
])
def test_bad_input_of_the_uncertainty_commands_exits_2(tmp_path, args, words):
    one_line_error(run(*args, cwd=tmp_path), *words)


def test_calibrate_profile_reports_profile_intervals(tmp_path):
    """alk5 calibrate potency --profile: the fit, then a profile-based interval of the residual factor that
    contains the estimate and is judged identifiable."""
    out = tmp_path / "fit"
    res = run("calibrate", "potency", "--starts", "2", "--optimizer", "scipy-ls", "--seed", "0",
              "--profile", "Kd_residual_factor", "-o", str(out))
    assert res.returncode == 0, res.stderr
    intervals = pd.read_csv(out / "profile_intervals.csv").set_index("parameter")
    row = intervals.loc["Kd_residual_factor"]
    assert row["identifiability"] == "identifiable"
    assert float(row["lower"]) < row["best"] < float(row["upper"])
    assert (out / "profiles.png").stat().st_size > 0 and "identifiab" in res.stdout


def test_regimen_members_carry_their_folds_and_pk_draws():
    """One regimen member with ALK5 affinity 1000x weaker is barely inhibited; the same PK and folds of 1 give the
    deterministic regimen's numbers; a PK draw changes the plasma exposure."""
    from alk5_pysb.analysis.regimen import _member_run, run_regimen
    from alk5_pysb.io.locations import sbml_path
    from alk5_pysb.pharmacology.pk import Regimen, pk_draws
    from pathlib import Path
    import tempfile
    regimen = Regimen(150.0, 12.0, 2.0, 0.0, 1)
    lean = Path(sbml_path("tgfb1")).read_text(encoding="utf-8")
    nominal_pk = {}
    same = _member_run(("galunisertib", regimen, 100.0, ["pSmad2"], lean, {}, nominal_pk, 0.5, None))
    # galunisertib also blocks TbetaRII: a 1000x weaker ALK5 affinity leaves that part, a 1000x larger residual
    # factor (the shared conversion of both potencies) removes both
    weak = _member_run(("galunisertib", regimen, 100.0, ["pSmad2"], lean, {"Kd_residual_factor": 1000.0}, nominal_pk,
                        0.5, None))
    alk5_only = _member_run(("galunisertib", regimen, 100.0, ["pSmad2"], lean, {"Kd_inhibitor": 1000.0}, nominal_pk,
                             0.5, None))
    with tempfile.TemporaryDirectory() as folder:
        reference = run_regimen("galunisertib", regimen, 100.0, ["pSmad2"], Path(folder), figure=False,
                                washout_days=0.5)
    trough = same[1].set_index("cycle")["trough_inhibition"].iloc[0]
    assert trough == pytest.approx(reference["cycles"][0]["trough_inhibition"], rel=1e-6)
    assert weak[1]["trough_inhibition"].iloc[0] < 0.05 * trough
    assert weak[1]["trough_inhibition"].iloc[0] < alk5_only[1]["trough_inhibition"].iloc[0] < trough
    draws = pk_draws("galunisertib", 8, seed=1)
    assert {"t_half", "CL_F", "fu"} <= set(draws.columns) and draws["fu"].between(0.01, 1).all()
    low_fu = _member_run(("galunisertib", regimen, 100.0, ["pSmad2"], lean, {}, {"fu": 0.01}, 0.5, None))
    assert low_fu[0]["C_unbound_nM"].max() == pytest.approx(0.01 * same[0]["C_unbound_nM"].max(), rel=1e-6)


def test_run_takes_an_ensemble_for_time_courses_and_dose_responses(tmp_path):
    res = run("run", "tgfb1_pulse", "--ensemble", "prior:3", "-o", str(tmp_path / "pulse"))
    assert res.returncode == 0, res.stderr
    bands = pd.read_csv(tmp_path / "pulse" / "tgfb1_pulse.csv")
    assert {"pSmad2", "pSmad2_q05", "pSmad2_q95"} <= set(bands.columns)
    assert sorted(pd.read_csv(tmp_path / "pulse" / "tgfb1_pulse.members.csv")["member"].unique()) == [0, 1, 2]
    res = run("run", "tgfb1_dose_response", "--ensemble", "prior:3", "--executor", "serial", "-o", str(tmp_path / "dr"))
    assert res.returncode == 0, res.stderr
    fits = pd.read_csv(tmp_path / "dr" / "tgfb1_dose_response.fits.csv")
    assert {"median", "q05", "q95"} <= set(fits.columns) and (fits["n"] + fits["n_failed"] == 3).all()


def test_compare_compounds_reports_ic50_bands_and_gmfe_bands(tmp_path):
    import json
    out = tmp_path / "cmp.csv"
    res = run("compare-compounds", "--ensemble", "prior:3", "--doses", "1nM:100uM:7", "--executor", "serial",
              "-o", str(out))
    assert res.returncode == 0, res.stderr
    table = pd.read_csv(out).set_index("compound")
    sb = table.loc["SB-431542"]
    assert sb["model_cell_ic50_q05_nM"] <= sb["model_cell_ic50_nM"] <= sb["model_cell_ic50_q95_nM"]
    assert sb["model_cell_ic50_q05_nM"] < sb["model_cell_ic50_q95_nM"]
    summary = json.loads(out.with_name("cmp.summary.json").read_text())
    assert summary["ensemble"]["members"] == 3 and "median" in summary["ensemble"]["gmfe_all"]
    members = pd.read_csv(out.with_name("cmp.member_fits.csv"))
    assert sorted(members["member"].unique()) == [0, 1, 2]


# -- ABC by subset simulation: the behaviours' margins as distance ----------------------------------------------
def test_miss_is_zero_inside_and_grows_with_the_distance_outside():
    assert checks.miss(5, 1, 10) == 0.0 and checks.miss(10, 1, 10) == 0.0
    assert checks.miss(100, 1, 10) == pytest.approx(1.0)            # one decade above
    assert checks.miss(0.01, low=0.1) == pytest.approx(1.0)
    assert checks.miss(-0.5, low=0.5) == pytest.approx(2.0)         # not positive: relative to the bound
    assert checks.miss(float("nan"), 1, 2) == checks.MISS_UNDEFINED
    assert checks.miss(1e9, high=1) == checks.MISS_UNDEFINED    # capped


def test_margins_agree_with_the_verdicts(sim):
    """0 for every behaviour the model meets; > 0 for each it misses (here a member that breaks two)."""
    table = validation.run_checks(sim, ["B2", "B20", "B21"])
    assert (table["margin"] == 0).all() and table["passed"].all()
    sim.folds = {"k_tx_max_SERPINE1": 0.05, "k_tx_max_CTGF": 20.0}
    try:
        broken = validation.run_checks(sim, ["B20", "B21"]).set_index("id")
    finally:
        sim.folds = {}
    assert not broken["passed"].any() and (broken["margin"] > 0.05).all(), broken[["model", "margin"]]


def test_subset_simulation_accepts_only_members_that_meet_every_constraint(tmp_path):
    from alk5_pysb.calibration import subset
    ids = ["B20", "B21"]
    out = tmp_path / "ens"
    summary = subset.run(out, population=10, ids=ids, seed=3, workers=1)
    assert summary["reached_zero"] and summary["accepted"] == 10, summary
    assert summary["distinct_accepted"] >= subset.DISTINCT * 10     # chains at tolerance 0 diversify
    levels = pd.read_csv(out / "levels.csv")
    assert levels["tolerance"].iloc[-1] == 0 and (np.diff(levels["tolerance"].to_numpy()) <= 0).all()
    assert summary["simulated"] == levels["simulated"].sum()
    assert 0 < summary["prior_probability_of_meeting_all"] <= 1
    accepted = uncertainty.read_ensemble(out / "accepted.csv")
    sims = constrained._sims()
    for member in accepted["member"]:
        again = constrained.evaluate(sims, uncertainty.member_folds(accepted, member), ids)
        assert all(again[i]["passed"] for i in ids), (member, again)
    taught = pd.read_csv(out / "parameter_ranges.csv").set_index("parameter")
    assert {"prior_low", "accepted_q05", "accepted_q95"} <= set(taught.columns)
    # members follow each row's distribution: every untied log-uniform value lies in its range
    table = uncertainty.prior()
    for column in uncertainty.fold_columns(accepted):
        name = column.split(":", 1)[1]
        if table.loc[name, "distribution"] == "loguniform" and not table.loc[name, "tied_to"]:
            values = accepted[column] * table.loc[name, "value"]
            assert (values >= table.loc[name, "low"] * (1 - 1e-6)).all()
            assert (values <= table.loc[name, "high"] * (1 + 1e-6)).all()
    # resume: the finished run is read back, not simulated again
    again = subset.run(out, population=10, ids=ids, seed=3, workers=1, resume=True)
    assert again["simulated"] == summary["simulated"] and again["levels"] == summary["levels"]
    with pytest.raises(Exception, match="--resume"):
        subset.run(out, population=10, ids=ids, seed=3, workers=1)
    # grow the finished run to 30 members: chains at tolerance 0 from its distinct members
    grown = subset.run(out, population=10, ids=ids, seed=3, workers=1, resume=True, members=30)
    assert grown["grown"] and not summary["grown"]
    assert grown["accepted"] == 30 and grown["levels"] == summary["levels"] + 1
    levels = pd.read_csv(out / "levels.csv")
    assert levels["tolerance"].iloc[-1] == 0 and levels["simulated"].iloc[-1] == 30 - summary["distinct_accepted"]
    assert grown["simulated"] == summary["simulated"] + levels["simulated"].iloc[-1]
    assert grown["distinct_accepted"] == levels["distinct"].iloc[-1] > summary["distinct_accepted"]
    assert grown["prior_probability_of_meeting_all"] == summary["prior_probability_of_meeting_all"]
    bigger = uncertainty.read_ensemble(out / "accepted.csv")
    columns = uncertainty.fold_columns(bigger)
    assert set(map(tuple, accepted[columns].to_numpy())) <= set(map(tuple, bigger[columns].to_numpy()))
    new = bigger[~bigger[columns].apply(tuple, axis=1).isin(set(map(tuple, accepted[columns].to_numpy())))]
    assert len(new)
    for member in new["member"].iloc[:5]:
        again = constrained.evaluate(sims, uncertainty.member_folds(bigger, member), ids)
        assert all(again[i]["passed"] for i in ids), (member, again)
    assert not list((out / "levels").glob("*.chains.jsonl"))     # finished levels keep no partial chains


def test_level_zero_bound_stops_draws_but_changes_no_seed():
    """Level 0 stops a prior draw once it exceeds the running P0-th best complete distance: the seeds and their
    distances equal those of full evaluations, a stopped draw's distance is a lower bound above the last seed's,
    and some draws do stop (the saving). Run through a real 2-process pool, where draws finish out of order."""
    import contextlib
    import math
    from alk5_pysb.calibration import subset
    ids = subset.constraints(["B6", "B20", "B21"])
    table = uncertainty.prior()
    names = uncertainty.uncertain(table)
    z = np.random.default_rng([5, 0]).standard_normal((15, len(names)))
    context = {"sims": constrained._sims(), "names": names, "table": table, "ids": ids}
    with contextlib.ExitStack() as stack:
        pool = subset._pool(stack, context, 2)
        bounded = subset._draws(pool, z, 3, 2)
    with contextlib.ExitStack() as stack:
        subset._pool(stack, context, 1)                   # this process
        full = np.array([subset._draw_task((row, math.inf))[0] for row in z])
        alone = subset._draws(None, z, 3, 1)
    seeds = np.argsort(full, kind="stable")[:3]
    for distances in (bounded, alone):
        assert np.array_equal(np.argsort(distances, kind="stable")[:3], seeds)
        assert np.array_equal(distances[seeds], full[seeds])
        stopped = distances != full
        assert stopped.any(), (distances, full)
        assert (distances[stopped] < full[stopped]).all() and (distances[stopped] > full[seeds[-1]]).all()


def test_an_accepted_ensemble_grows_from_its_members_that_meet_the_constraints(tmp_path):
    """--grow: the start members are mapped back to their normal variates (the inverse of to_folds), checked,
    and those that meet every constraint seed chains at tolerance 0; a start member that misses is no seed."""
    from alk5_pysb.calibration import subset
    table = uncertainty.prior()
    names = uncertainty.uncertain(table)
    shipped = uncertainty.shipped_ensemble()
    start = shipped.drop_duplicates(uncertainty.fold_columns(shipped)).head(3).reset_index(drop=True)
    z = subset.to_normal(start, names, table)
    back = subset.to_folds(z[0], names, table)
    assert back == pytest.approx(uncertainty.member_folds(start, start["member"].iloc[0]), rel=1e-9)
    broken = start.iloc[[0]].copy()
    broken[FOLD_PREFIX + "k_tx_max_SERPINE1"] = 0.05          # PAI-1 barely rises: misses B20
    start = pd.concat([start, broken], ignore_index=True)
    start["member"] = range(len(start))
    ids = ["B20", "B21"]
    summary = subset.run(tmp_path / "grown", ids=ids, seed=1, workers=1, members=12, start=start)
    assert summary["grown"] and summary["accepted"] == 12 and summary["levels"] == 2
    assert summary["prior_probability_of_meeting_all"] != summary["prior_probability_of_meeting_all"]   # NaN
    levels = pd.read_csv(tmp_path / "grown" / "levels.csv")
    assert list(levels["meet_all"]) == [3, 12] and levels["simulated"].iloc[-1] == 12 - 3
    grown = uncertainty.read_ensemble(tmp_path / "grown" / "accepted.csv")
    columns = uncertainty.fold_columns(grown)
    assert not np.isclose(grown[FOLD_PREFIX + "k_tx_max_SERPINE1"], 0.05, rtol=1e-6).any()     # not a seed
    sims = constrained._sims()
    for member in grown.drop_duplicates(columns)["member"]:
        again = constrained.evaluate(sims, uncertainty.member_folds(grown, member), ids)
        assert all(again[i]["passed"] for i in ids), (member, again)
    with pytest.raises(Exception, match="at least the size"):
        subset.run(tmp_path / "small", ids=ids, workers=1, members=2, start=start)


def test_independent_runs_are_pooled_with_equal_weight(tmp_path):
    """--runs 2: two subset simulations with consecutive seeds, each to tolerance 0; the pooled ensemble holds
    every member of both (each meets every constraint), shuffled; the prior probability is their mean."""
    from alk5_pysb.calibration import subset
    ids = ["B20", "B21"]
    pooled = subset.run_pooled(tmp_path / "pool", 2, seed=5, population=5, ids=ids, workers=1)
    assert pooled["reached_zero"] and pooled["accepted"] == 10 and [r["seed"] for r in pooled["per_run"]] == [5, 6]
    assert pooled["prior_probability_of_meeting_all"] == pytest.approx(
        np.mean([r["prior_probability_of_meeting_all"] for r in pooled["per_run"]]))
    both = uncertainty.read_ensemble(tmp_path / "pool" / "accepted.csv")
    columns = uncertainty.fold_columns(both)
    rows = lambda frame: sorted(map(tuple, frame[columns].to_numpy()))
    parts = [uncertainty.read_ensemble(tmp_path / "pool" / f"run_{k}" / "accepted.csv") for k in (1, 2)]
    assert rows(both) == rows(pd.concat(parts))
    runs = pd.read_csv(tmp_path / "pool" / "accepted.csv").set_index("member")["run"]      # each member's run
    for k, part in zip((1, 2), parts):
        assert rows(both[both["member"].map(runs) == k]) == rows(part)
    assert rows(parts[0]) != rows(parts[1])                      # independent runs
    assert (tmp_path / "pool" / "parameter_ranges.csv").is_file()
    levels = pd.read_csv(tmp_path / "pool" / "levels.csv")
    assert list(levels.groupby("run")["seed"].first()) == [5, 6]
    assert levels.groupby("run")["simulated"].sum().tolist() == [r["simulated"] for r in pooled["per_run"]]
    assert (levels.groupby("run")["tolerance"].last() == 0).all()


def test_an_interrupted_level_keeps_its_finished_chains(tmp_path):
    """Chains already written (an interrupted level) are read back, not run again; a written chain that belongs
    to other tasks (another start or length) is run afresh."""
    import json
    import pickle
    from alk5_pysb.calibration import subset
    table = uncertainty.prior()
    names = uncertainty.uncertain(table)
    ids = ["B20", "B21"]
    subset._init(pickle.dumps({"sims": constrained._sims(), "names": names, "table": table, "ids": ids}))
    z = np.zeros((3, len(names)))
    z[1] += 0.1
    z[2] -= 0.1
    tasks = [(z[k], 0.0, 3, 0.0, 0.8, [1, 1, k]) for k in range(3)]
    path = tmp_path / "level_01.chains.jsonl"
    path.write_text(json.dumps({"chain": 0, "z": [z[0].tolist()] * 3, "distance": [0.0] * 3, "accepted": 0,
                                "evaluated": 999}) + "\n"
                    + json.dumps({"chain": 1, "z": [z[2].tolist()] * 3, "distance": [0.0] * 3, "accepted": 0,
                                  "evaluated": 999}) + "\n" + '{"chain": 2, "z": [[0.1', encoding="utf-8")
    chains = subset._chains(None, tasks, path)
    assert chains[0][2] == 999                                # read back
    assert chains[1][2] == 2 and chains[2][2] == 2            # another start, and a cut line: run again
    assert np.array_equal(chains[1][0][0][0], z[1]) and len(chains[2][0]) == 3


def test_associations_find_the_constant_a_behaviour_depends_on_and_its_direction():
    """Synthetic verdicts: B1 passes when kdeg_ALK5 is low; B2 is a coin toss; B3 passes everywhere (no test)."""
    table = uncertainty.prior()
    members = uncertainty.draw(200, seed=4, table=table)
    fold = members[FOLD_PREFIX + "kdeg_ALK5"].to_numpy()
    coin = np.random.default_rng(1).random(len(members)) < 0.5
    passes = pd.DataFrame({"member": members["member"], "B1": fold < np.median(fold), "B2": coin, "B3": True})
    found, tests = constrained.associations(members, passes, ["B1", "B2", "B3"], table)
    n_columns = len(uncertainty.fold_columns(members))
    assert tests == 2 * n_columns                       # B3 has no failing member: not tested
    first = found.iloc[0]
    assert (first["behaviour"], first["parameter"]) == ("B1", "kdeg_ALK5") and first["shift_log10"] < 0
    assert first["n_pass"] == first["n_fail"] == 100
    # chance findings stay near tests x alpha (here 2 x ~150 x 1e-3 = 0.3)
    assert len(found[found["parameter"] != "kdeg_ALK5"]) <= 3


def test_associations_within_runs_ignore_a_constant_that_only_marks_a_run():
    """Pooled runs: a behaviour passes more often in run 1 than in run 0 for a reason no constant carries, and one
    constant sits 30x higher in run 1. Across the pool that constant 'explains' the verdicts; within runs (van
    Elteren) it does not, while a constant that decides the verdict within each run is still found."""
    from scipy.stats import mannwhitneyu
    table = uncertainty.prior()
    members = uncertainty.draw(240, seed=6, table=table)
    run = np.repeat([0, 1], 120)
    members[FOLD_PREFIX + "kdeg_Smad7"] *= np.where(run == 1, 30.0, 1.0)
    rng = np.random.default_rng(2)
    drive = members[FOLD_PREFIX + "kdeg_ALK5"].to_numpy()
    passes = pd.DataFrame({"member": members["member"],
                           "B1": rng.random(len(run)) < np.where(run == 1, 0.85, 0.15),
                           "B2": drive < np.median(drive)})
    pooled, _ = constrained.associations(members, passes, ["B1", "B2"], table, strata=False)
    within, tests = constrained.associations(members, passes, ["B1", "B2"], table, strata=run)
    pairs = lambda f: set(zip(f["behaviour"], f["parameter"]))
    assert ("B1", "kdeg_Smad7") in pairs(pooled) and ("B1", "kdeg_Smad7") not in pairs(within)
    assert ("B2", "kdeg_ALK5") in pairs(within) and len(within[within["behaviour"] == "B1"]) <= 2
    # one stratum, distinct values: the Mann-Whitney test's verdict
    x, met = np.log(drive), passes["B2"].to_numpy()
    rho, n = uncertainty.lineage_rho(x, met.astype(float), np.zeros(len(x)))
    assert n == len(x) and mannwhitneyu(x[met], x[~met]).pvalue < 1e-20 and rho < -0.8


def test_copies_of_one_value_count_once():
    """A constrained ensemble's chains pass values on. 30 families of 10 members share a constant's value and a
    family effect on the prediction that has nothing to do with that constant: counted member by member the
    constant crosses the floor in most replicates; counted once per value (lineage_rho), in about 5%."""
    rng = np.random.default_rng(3)
    crossings = {"copies counted once": 0, "member by member": 0}
    replicates = 200
    for _ in range(replicates):
        x = np.repeat(rng.lognormal(size=30), 10)
        y = np.repeat(rng.normal(size=30), 10) + 0.2 * rng.normal(size=300)
        rho, n = uncertainty.lineage_rho(x, y, np.zeros(300))
        crossings["copies counted once"] += abs(rho) > uncertainty.noise_floor(n, 1)
        jittered = x * rng.uniform(0.999, 1.001, 300)            # every member its own value
        rho, n = uncertainty.lineage_rho(jittered, y, np.zeros(300))
        assert n == 300
        crossings["member by member"] += abs(rho) > uncertainty.noise_floor(n, 1)
    assert crossings["copies counted once"] / replicates < 0.1
    assert crossings["member by member"] / replicates > 0.4


def test_validate_ensemble_reports_pass_fractions_and_associations(tmp_path):
    """alk5 validate --ensemble: pass fractions over the given members and the shipped ensemble, and the
    association tests over the given members (their count in the summary, the table beside it)."""
    import json
    res = run("validate", "--ensemble", "prior:6", "--behaviours", "B20,B21", "--workers", "1", "-o", "v",
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    out = tmp_path / "v"
    fractions = pd.read_csv(out / "pass_fractions.csv").set_index("id")
    evaluated = (out / "members" / "evaluations.jsonl").read_text(encoding="utf-8").splitlines()   # one per member
    assert len(evaluated) == 6 and list(fractions.index) == ["B20", "B21"]
    assert (fractions["accepted ensemble"] == 1.0).all()       # every shipped member meets its constraints
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    mixed = [i for i in ("B20", "B21") if 0 < fractions.loc[i, "this ensemble"] < 1]
    n_drawn = len(uncertainty.fold_columns(uncertainty.draw(6, seed=0)))
    assert summary["association_tests"] <= len(mixed) * n_drawn
    assert summary["association_tests"] >= len(mixed) * (n_drawn - 5)    # a constant may hold one value
    found = pd.read_csv(out / "associations.csv")
    assert list(found.columns) == ["behaviour", "parameter", "p", "shift_log10", "n_pass", "n_fail",
                                  "independent_values"]
    assert summary["associations"] == len(found) and "constants associated" in res.stdout


def test_validate_ensemble_no_compare_leaves_the_shipped_ensemble_out(tmp_path):
    """--no-compare: only the given members are evaluated (DIR/members), no column and no folder for the shipped."""
    res = run("validate", "--ensemble", "prior:3", "--behaviours", "B20", "--workers", "1", "--no-compare", "-o", "v",
              cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    fractions = pd.read_csv(tmp_path / "v" / "pass_fractions.csv")
    assert list(fractions.columns) == ["id", "behaviour", "this ensemble"]
    assert not (tmp_path / "v" / "accepted").exists()
    assert len((tmp_path / "v" / "members" / "evaluations.jsonl").read_text(encoding="utf-8").splitlines()) == 3


def test_members_that_repeat_a_parameter_set_are_evaluated_once(tmp_path):
    """Markov chain states repeat: a repeat shares its twin's evaluation (same result, same recorded seconds);
    every member still has its row."""
    members = uncertainty.draw(3, seed=2)
    members = pd.concat([members, members.iloc[[0, 0, 2]]], ignore_index=True)
    members["member"] = range(len(members))
    passes = constrained.run(members, tmp_path / "ens", ["B20", "B21"], workers=1, progress=False)
    assert list(passes["member"]) == list(range(6))
    done = constrained.read_evaluations(tmp_path / "ens")
    assert done[3] == done[0] and done[4] == done[0] and done[5] == done[2]
    assert done[1]["_seconds"] != done[0]["_seconds"]


@pytest.mark.parametrize("dist", ["loguniform", "uniform", "lognormal", "normal"])
def test_cdf_inverts_the_quantile_function(dist):
    from alk5_pysb.model.parameters import cdf, quantile
    u = np.linspace(0.01, 0.99, 25)
    values = quantile(dist, 20.0, 50.0, u)      # (a normal row's values stop at 0: a range well above it)
    assert cdf(dist, 20.0, 50.0, values) == pytest.approx(u, rel=1e-12, abs=1e-14)
    assert np.all(np.diff(values) > 0)
    with pytest.raises(ValueError, match="gamma"):
        cdf("gamma", 1.0, 2.0, 1.5)


def test_the_subset_standard_normal_map_follows_the_prior_quantiles():
    from alk5_pysb.model.parameters import quantile
    """z = 0 is each row's median; the map is the prior draws' quantile function (same folds)."""
    from scipy.stats import norm
    from alk5_pysb.calibration import subset
    table = uncertainty.prior()
    names = uncertainty.uncertain(table)
    z = np.linspace(-2, 2, len(names))
    folds = subset.to_folds(z, names, table)
    own = {n: quantile(table.loc[n, "distribution"], table.loc[n, "low"], table.loc[n, "high"],
                                    np.array(norm.cdf(z[j]))) / table.loc[n, "value"] for j, n in enumerate(names)}
    expected = uncertainty.tie(own, table)
    assert folds == pytest.approx(expected)


@pytest.mark.parametrize("args, words", [
    (["ensemble", "--population", "1", "-o", "e"], ["--population", "at least 5"]),
    (["ensemble", "--population", "12", "-o", "e"], ["--population", "multiple of 5"]),
    (["ensemble", "--max-levels", "0", "-o", "e"], ["--max-levels", "at least 1"]),
    (["ensemble", "--population", "20", "--members", "10", "-o", "e"], ["--members", "at least --population (20)"]),
    (["ensemble", "--grow", "accepted", "-o", "e"], ["--grow needs --members"]),
    (["ensemble", "--runs", "0", "-o", "e"], ["--runs", "at least 1"]),
    (["ensemble", "--runs", "2", "--grow", "accepted", "--members", "200", "-o", "e"], ["--runs", "--grow"]),
    (["ensemble", "--grow", "prior:5", "--members", "10", "-o", "e"], ["--grow", "accepted", "ensemble CSV"]),
    (["ensemble", "--behaviours", "B1,B77", "-o", "e"], ["B77", "valid: B1"]),
])
def test_bad_input_of_alk5_ensemble_exits_2(tmp_path, args, words):
    one_line_error(run(*args, cwd=tmp_path), *words)


def test_the_shipped_constrained_ensemble_meets_its_constraints_when_rerun():
    """Members of src/alk5_pysb/data/ensemble/accepted.csv pass the cheap constraints again (the full re-run:
    alk5 validate --ensemble accepted, docs/research/uncertainty.md); --ensemble N takes its first N members."""
    import json
    from importlib import resources
    from alk5_pysb.calibration import subset
    shipped = uncertainty.shipped_ensemble()
    assert shipped is not None
    summary = json.loads(resources.files("alk5_pysb").joinpath("data/ensemble/summary.json").read_text())
    assert summary["reached_zero"] and summary["accepted"] == len(shipped)
    assert set(summary["constraints"]) == set(validation.CHECKS) - set(subset.STRUCTURAL)
    first, described = uncertainty.resolve("4")
    assert "shipped" in described and first.equals(shipped.iloc[:4].reset_index(drop=True))
    sims = constrained._sims()
    cheap = ["B2", "B5", "B6", "B20", "B21", "B22"]
    for member in shipped["member"].iloc[:6]:
        again = constrained.evaluate(sims, uncertainty.member_folds(shipped, member), cheap)
        assert all(again[i]["passed"] for i in cheap), (member, again)


def test_prior_draws_for_the_default_networks_leave_the_optional_blocks_out():
    """Adding constants to an optional block (fibrosis) must not change the prior draws of the default networks:
    those rows are drawn only on request (the fibroblast context's ensembles)."""
    from alk5_pysb.model.parameters import default_table
    frame = default_table().frame
    fibrosis = {f"fold:{n}" for n in frame.index[frame["block"] == "fibrosis"]}
    plain, extra = uncertainty.draw(4, seed=0), uncertainty.draw(4, seed=0, extra=True)
    assert not fibrosis & set(plain.columns)
    assert fibrosis & set(extra.columns)
    assert set(plain.columns) < set(extra.columns)


def test_each_context_family_is_constrained_on_its_own_network():
    """ABC over a block's constants runs its behaviours on the block's network: F fibrosis, C cytostasis, M emt,
    E endothelial (the lean network lacks those constants, so their folds would be dropped there)."""
    from alk5_pysb.calibration.constrained import context_networks, network_of
    assert context_networks(["B1", "F2", "C3", "M4", "E5"]) == {"fibrosis", "cytostasis", "emt", "endothelial"}
    assert context_networks(["B1", "B9"]) == set()
    sims = dict.fromkeys(["full", "tgfb1", "cytostasis", "emt"])
    assert [network_of(i, sims) for i in ("B1", "B9", "C1", "M2", "F1")] == ["tgfb1", "full", "cytostasis", "emt",
                                                                              "tgfb1"]


def test_constraint_engines_run_on_dask_with_the_same_results(tmp_path):
    """--executor dask: members evaluated on a Dask LocalCluster give the evaluations of local processes; the
    subset engine runs a level there too; an unknown executor is refused with the valid ones."""
    pytest.importorskip("distributed")
    from alk5_pysb.calibration import constrained, pools, subset
    from alk5_pysb.errors import UserInputError
    members = pd.DataFrame({"member": [0, 1, 2], "fold:k_phos_Smad2": [1.0, 0.5, 2.0]})
    local = constrained.run(members, tmp_path / "local", ["B1", "B5"], workers=1, progress=False)
    dask = constrained.run(members, tmp_path / "dask", ["B1", "B5"], workers=1, progress=False, executor="dask")
    pd.testing.assert_frame_equal(local.drop(columns="seconds"), dask.drop(columns="seconds"))
    a, b = constrained.read_evaluations(tmp_path / "local"), constrained.read_evaluations(tmp_path / "dask")
    assert all(a[m][i]["model"] == b[m][i]["model"] for m in a for i in ("B1", "B5"))
    summary = subset.run(tmp_path / "subset", population=5, ids=["B1", "B5"], workers=1, max_levels=1,
                         executor="dask")
    assert summary["levels"] == 1
    with pytest.raises(UserInputError, match="valid executors are processes, dask"):
        pools.check_executor("threads")


def test_a_behaviour_that_needs_another_network_takes_it_from_the_simulators_exports(tmp_path):
    """--models DIR: B26's regimen model and the block behaviours read that folder's networks when it has them
    (the shipped ones only when it lacks them); found when validate --ensemble --models failed in a checkout copy."""
    import shutil
    from alk5_pysb.analysis.checks import sibling_models
    from alk5_pysb.io.locations import NETWORKS, shipped_models
    from alk5_pysb.simulation.simulator import Simulator
    for network in ("full", "tgfb1"):
        shutil.copy(shipped_models() / NETWORKS[network], tmp_path / NETWORKS[network])
    sim = Simulator(network="full", models=tmp_path)
    assert sibling_models(sim, "tgfb1") == tmp_path
    assert sibling_models(sim, "fibrosis") is None            # not in that folder: the shipped one
    shutil.copy(shipped_models() / NETWORKS["fibrosis"], tmp_path / NETWORKS["fibrosis"])
    assert sibling_models(sim, "fibrosis") == tmp_path


def test_member_predictions_simulate_each_distinct_set_once_and_give_twins_its_row():
    """measure_next.member_predictions (measure-next over the accepted ensemble, scripts/ensemble_bands.py): a
    repeated Markov chain state is simulated once and keeps its weight as a member, with the same values that
    simulating it again would give."""
    from alk5_pysb.analysis import measure_next
    from alk5_pysb.analysis.dose_response import EngineOptions
    from alk5_pysb.simulation.simulator import Simulator
    shipped = uncertainty.shipped_ensemble()
    two = shipped.drop_duplicates(uncertainty.fold_columns(shipped)).head(2)
    members = pd.concat([two, two.iloc[[0]]], ignore_index=True)
    members["member"] = [10, 11, 12]
    sim = Simulator(network="tgfb1")
    engine = EngineOptions(executor="serial")
    once = measure_next.member_predictions(sim, members, engine).set_index("member")
    lean = [c for c in uncertainty.fold_columns(members) if c.split(":", 1)[1] in sim.table_parameters]
    direct = measure_next.predictions(sim, members.iloc[:2][["member", *lean]], engine).set_index("member")
    assert list(once.index) == [10, 11, 12]
    pd.testing.assert_frame_equal(once.loc[[10, 11]], direct.loc[[10, 11]])
    assert once.loc[12].equals(once.loc[10].rename(12))
    assert once.loc[10, "pSmad2 EC50 at 45 min (pM)"] != once.loc[11, "pSmad2 EC50 at 45 min (pM)"]


def test_ensemble_bands_by_run_gives_each_run_and_each_run_left_out(tmp_path):
    """scripts/ensemble_bands.py --by-run on a pooled ensemble file (column run), with its per-member values
    given (--values): rows per run and per run left out, each the band of exactly those members."""
    from alk5_pysb.analysis import measure_next
    from conftest import REPO
    shipped = uncertainty.shipped_ensemble().head(12).copy()
    shipped.insert(1, "run", [1, 2, 3] * 4)
    pooled = tmp_path / "pooled.csv"
    shipped.to_csv(pooled, index=False, float_format="%.17g")
    values = pd.DataFrame({"member": shipped["member"]})
    for j, label in enumerate(measure_next.PREDICTIONS):
        values[label] = np.arange(len(shipped), dtype=float) + 100 * j
    values.iloc[::-1].to_csv(tmp_path / "values.csv", index=False)          # any order of members
    out = tmp_path / "bands.csv"
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "ensemble_bands.py"), "--ensemble", f"P={pooled}",
                          "--values", f"P={tmp_path / 'values.csv'}", "--by-run", "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    bands = pd.read_csv(out)
    assert set(bands["ensemble"]) == {"P", "P run 1", "P run 2", "P run 3",
                                      "P without run 1", "P without run 2", "P without run 3"}
    first = list(measure_next.PREDICTIONS)[0]
    row = lambda name: bands[(bands["ensemble"] == name) & (bands["prediction"] == first)].iloc[0]   # noqa: E731
    assert row("P")["members"] == 12 and row("P run 2")["members"] == 4 and row("P without run 2")["members"] == 8
    assert row("P run 2")["median"] == pytest.approx(np.median([1, 4, 7, 10]))
    assert row("P without run 2")["median"] == pytest.approx(np.median([0, 2, 3, 5, 6, 8, 9, 11]))
    # the run bootstrap: runs drawn with replacement; runs that differ give an interval around the pooled median
    boot = pd.read_csv(tmp_path / "bands_P_run_bootstrap.csv").set_index("prediction")
    assert list(boot.index) == list(measure_next.PREDICTIONS) and (boot["runs"] == 3).all()
    assert boot.loc[first, "median"] == pytest.approx(np.median(np.arange(12)))
    assert (boot["median_lo"] <= boot["median"]).all() and (boot["median"] <= boot["median_hi"]).all()
    assert (boot["median_lo"] < boot["median_hi"]).all()
    same = pd.DataFrame({"member": shipped["member"]})      # every run holds 1, 2, 3, 4: nothing left to move
    for label in measure_next.PREDICTIONS:
        same[label] = np.arange(len(shipped)) // 3 + 1.0
    same.to_csv(tmp_path / "same.csv", index=False)
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "ensemble_bands.py"), "--ensemble", f"P={pooled}",
                          "--values", f"P={tmp_path / 'same.csv'}", "--by-run", "--resamples", "50", "-o",
                          str(tmp_path / "same_bands.csv")], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    flat = pd.read_csv(tmp_path / "same_bands_P_run_bootstrap.csv")
    assert (flat["median_lo"] == flat["median_hi"]).all() and (flat["q95_lo"] == flat["q95_hi"]).all()
    wrong = values.iloc[:5]
    wrong.to_csv(tmp_path / "wrong.csv", index=False)
    res = subprocess.run([sys.executable, str(REPO / "scripts" / "ensemble_bands.py"), "--ensemble", f"P={pooled}",
                          "--values", f"P={tmp_path / 'wrong.csv'}", "-o", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode != 0 and "not those of the ensemble" in res.stderr


def test_a_compounds_own_potency_draw_is_a_factor_of_the_sobol_design():
    """galunisertib's IC50 moves with its own potency draw (data/potency.csv), which follows the member id outside
    a design; in the Sobol design it is a factor of its own (potency:galunisertib), so a prediction driven by it
    gives that factor ST ~ 1 and no constant a share (left to the member id, the draw differs between a design row
    and its resampled twin and inflates every index). The anchor compound has no such factor."""
    from alk5_pysb.analysis import measure_next
    table = uncertainty.prior()
    accepted = uncertainty.shipped_ensemble()
    assert measure_next.potency_factors_drawn() == ["galunisertib"]
    members, problem = measure_next.sobol_design(accepted, table, ["ALK5_0"], 16, seed=2)
    assert "potency:galunisertib" in problem["names"] and "potency:galunisertib" in members
    drawn = uncertainty.with_compound_potency(members, members, compound="galunisertib")["fold:Kd_inhibitor"]
    assert drawn.nunique() == 2 * 16                       # one draw per A and B row of the design
    values = pd.DataFrame({"member": members["member"]})
    for label in measure_next.PREDICTIONS:
        values[label] = 60 * drawn.to_numpy() if label.startswith("galunisertib") else 5 * members["fold:ALK5_0"]
    ranking = measure_next.total_order(problem, values, table, seed=0)
    gal = ranking[ranking["prediction"].str.startswith("galunisertib")].set_index("factor")
    assert gal.loc["potency:galunisertib", "ST"] > 0.9 and gal.loc["potency:galunisertib", "rank"] == 1
    assert gal.loc["potency:galunisertib", "evidence"] == "compound potency"
    assert "target engagement" in gal.loc["potency:galunisertib", "experiment"]
    assert (gal.drop(index="potency:galunisertib")["ST"].abs() < 1e-9).all()
    other = ranking[~ranking["prediction"].str.startswith("galunisertib")].set_index(["prediction", "factor"])
    assert (other.xs("potency:galunisertib", level="factor")["ST"].abs() < 1e-9).all()
