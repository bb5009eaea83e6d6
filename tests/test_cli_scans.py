"""dose-response, inhibition, compare-compounds, run, validate as a user runs them."""

import pandas as pd
import pytest

from test_cli import run


def test_dose_response_command(tmp_path):
    out = tmp_path / "dr.csv"
    res = run("dose-response", "--ligand", "TGFB1", "--doses", "0.1pM:1nM:6", "--readout", "pSmad2",
              "--metric", "at:45min,at:8h", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "EC50" in res.stdout
    data, fits = pd.read_csv(out), pd.read_csv(tmp_path / "dr.fits.csv")
    assert len(data) == 12 and set(fits["metric"]) == {"at:45min", "at:8h"}
    again = run("dose-response", "--doses", "0.1pM:1nM:6", "-o", str(out))
    assert again.returncode == 2 and "--resume" in again.stderr


def test_inhibition_command_with_user_potency(tmp_path):
    out = tmp_path / "inh.csv"
    res = run("inhibition", "--compound", "Alk-5-IN-1", "--ki", "30nM", "--doses", "1nM:10uM:5",
              "--readouts", "pSmad2,p38_active", "--protocol", "post:45min", "--metric", "at:2h", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert "Alk-5-IN-1" in res.stdout and "IC50" in res.stdout
    fits = pd.read_csv(tmp_path / "inh.fits.csv")
    assert set(fits["readout"]) == {"pSmad2", "p38_active"}


def test_run_shipped_experiment(tmp_path):
    res = run("run", "sb431542_washout", "-o", str(tmp_path))
    assert res.returncode == 0, res.stderr
    assert "sb431542_washout (inhibition): 14 condition(s) (0 failed)" in res.stdout
    data = pd.read_csv(tmp_path / "sb431542_washout.csv")
    assert set(data["metric"]) == {"at:60min", "auc:0-4h"}
    assert len(data) == 14 * 2 and set(data["protocol"]) == {"washout:0min"}       # 13 doses + the control
    assert sorted(set(data["inhibitor_nM"]))[0] == 0.0
    fits = pd.read_csv(tmp_path / "sb431542_washout.fits.csv")
    assert set(fits["compound"]) == {"SB-431542"} and set(fits["metric"]) == {"at:60min", "auc:0-4h"}


@pytest.mark.parametrize("args, message", [
    (["inhibition", "--compound", "aspirin"], "valid compounds are galunisertib"),
    (["inhibition", "--compound", "Alk-5-IN-1"], "--ki"),
    (["inhibition", "--compound", "SB-431542", "--readouts", "pSmad9"], "valid readouts"),
    (["inhibition", "--compound", "SB-431542", "--metric", "maximum"], "valid metrics are"),
    (["inhibition", "--compound", "SB-431542", "--protocol", "post:48h"], "outside the simulated window"),
    (["inhibition", "--compound", "SB-431542", "--protocol", "sometimes"], "valid protocols"),
    (["dose-response", "--doses", "0pM:1nM:5"], "zero"),
    (["dose-response", "--doses=-1pM:1nM:5"], "negative"),
    (["dose-response", "--doses", "1nM:1pM:5"], "start"),
    (["dose-response", "--doses", "1pM:1nM:x"], "count"),
    (["dose-response", "--ligand", "TGFB4"], "valid ligands"),
])
def test_bad_scan_input_exits_2(tmp_path, args, message):
    res = run(*args, "-o", str(tmp_path / "x.csv"))
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_malformed_experiment_file_gives_line_number(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[experiment]\nname = "x"\nligand = "TGFB1\n', encoding="utf-8")
    res = run("run", str(bad), "-o", str(tmp_path / "out"))
    assert res.returncode == 2 and "line 3" in res.stderr and str(bad) in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


@pytest.mark.parametrize("extra, network", [([], "tgfb1"), (["--ligand", "TGFB3"], "full"),
                                            (["--set", "kon_TGFB2_TBRII=1"], "full"), (["--network", "full"], "full")])
def test_scans_pick_the_lean_network_only_when_it_has_everything(tmp_path, extra, network):
    res = run("dose-response", "--doses", "1pM,100pM", "--executor", "serial", *extra, "-o", str(tmp_path / "d.csv"))
    assert res.returncode == 0, res.stderr
    assert f"({network} network, " in res.stdout


# -- alk5 run: each branch of the runner -----------------------------------------------------------------
def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def one_line(res, *fragments):
    assert res.returncode == 2, (res.returncode, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alk5: error: ") and "Traceback" not in res.stderr, res.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, res.stderr)


def test_run_time_course(tmp_path):
    """No [scan]: the experiment's time course -> <name>.csv; pre-treatment is negative time."""
    path = write(tmp_path / "tc.toml", '[experiment]\nname = "tc"\nligand_dose = "100pM"\ncompound = "SB-431542"\n'
                 'inhibitor_dose = "10nM"\npretreat = "30min"\nwashout = "30s"\nt_end = "2h"\n'
                 'readouts = ["pSmad2", "free_ligand"]\n')
    res = run("run", str(path), "-o", str(tmp_path / "out"))
    assert res.returncode == 0, res.stderr
    assert "tc (time course): 1 condition(s) (0 failed)" in res.stdout
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"tc.csv", "tc.csv.provenance.json"}
    frame = pd.read_csv(tmp_path / "out" / "tc.csv")
    assert list(frame.columns) == ["time_min", "pSmad2", "free_ligand"]
    assert frame["time_min"].iloc[0] == -30 and frame["time_min"].iloc[-1] == 120
    before = frame[frame["time_min"] < 0]
    ligand = frame.set_index("time_min")["free_ligand"]
    assert before["free_ligand"].abs().max() < 1e-12 * ligand.max()        # no ligand during pre-treatment
    pulse = ligand[(ligand.index > 0) & (ligand.index <= 0.5)]
    assert pulse.max() > 90                                                 # 100 pM in the medium ...
    assert ligand[ligand.index > 0.5].max() < 0.05 * pulse.max()           # ... washed out at 30 s
    again = run("run", str(path), "-o", str(tmp_path / "out"))
    one_line(again, "tc.csv exists", "--force")
    assert run("run", str(path), "-o", str(tmp_path / "out"), "--force").returncode == 0


def test_run_dose_response_with_fits(tmp_path):
    """A grid over ligand_dose only: <name>.csv + <name>.fits.csv, chunks in <name>.chunks/."""
    path = write(tmp_path / "dr.toml", '[experiment]\nname = "dr"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
                 '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM:1nM:5"\n')
    res = run("run", str(path), "--output", str(tmp_path / "out"), "--executor", "serial")
    assert res.returncode == 0, res.stderr
    assert "dr (dose-response): 5 condition(s) (0 failed)" in res.stdout and "EC50" in res.stdout
    out = tmp_path / "out"
    data, fits = pd.read_csv(out / "dr.csv"), pd.read_csv(out / "dr.fits.csv")
    assert (out / "dr.chunks").is_dir() and not (out / "results.parquet").exists()
    assert list(data["dose_pM"]) == pytest.approx([1, 10 ** 0.75, 10 ** 1.5, 10 ** 2.25, 1000])
    assert set(data["ligand"]) == {"TGFB1"} and (data["error"].isna() | (data["error"] == "")).all()
    assert data["value"].is_monotonic_increasing
    (fit,) = fits.to_dict("records")
    assert fit["readout"] == "pSmad2" and fit["metric"] == "at:45min" and fit["converged"]
    assert 1 < fit["ec50"] < 1000


def test_run_inhibition_with_fits(tmp_path):
    """A grid over inhibitor_dose (and compound): the untreated control is added, IC50 per compound."""
    path = write(tmp_path / "inh.toml", '[experiment]\nname = "inh"\nligand_dose = "100pM"\npretreat = "60min"\n'
                 'readouts = ["pSmad2"]\nmetrics = ["at:60min"]\n[scan]\ndesign = "grid"\n'
                 '[[scan.axis]]\nname = "compound"\nvalues = ["SB-431542", "RepSox"]\n'
                 '[[scan.axis]]\nname = "inhibitor_dose"\nvalues = "0.1nM:10uM:5"\n')
    res = run("run", str(path), "-o", str(tmp_path / "out"), "--executor", "serial")
    assert res.returncode == 0, res.stderr
    assert "inh (inhibition): 12 condition(s) (0 failed)" in res.stdout and "IC50" in res.stdout
    data = pd.read_csv(tmp_path / "out" / "inh.csv")
    assert set(data["protocol"]) == {"pretreat:60min"} and set(data["ligand_dose_pM"]) == {100.0}
    for compound, grp in data.groupby("compound"):
        grp = grp.sort_values("inhibitor_nM")
        assert grp["inhibitor_nM"].iloc[0] == 0.0 and len(grp) == 6            # control + 5 doses
        assert grp["value"].is_monotonic_decreasing
    fits = pd.read_csv(tmp_path / "out" / "inh.fits.csv").set_index("compound")
    assert set(fits.index) == {"SB-431542", "RepSox"} and fits["converged"].all()
    assert fits.loc["RepSox", "ic50"] < fits.loc["SB-431542", "ic50"]           # RepSox is the more potent
    assert (fits["pct_inhibition_at_top_dose"] > 50).all()


def test_run_general_scan(tmp_path):
    """Any other scan: the scan engine -> results.parquet, one row per condition."""
    path = write(tmp_path / "g.toml", '[experiment]\nname = "g"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
                 '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "10pM,100pM"\n'
                 '[[scan.axis]]\nname = "PPM1A_0"\nvalues = "500,5000"\n')
    res = run("run", str(path), "-o", str(tmp_path / "out"), "--executor", "serial")
    assert res.returncode == 0, res.stderr
    assert "g (scan): 4 condition(s) (0 failed)" in res.stdout
    results = pd.read_parquet(tmp_path / "out" / "results.parquet")
    assert len(results) == 4 and (results["error"] == "").all()
    value = results.set_index(["ligand_dose", "PPM1A_0"])["pSmad2@at:45min"]
    assert value[(100.0, 500.0)] > value[(10.0, 500.0)]                        # more ligand, more pSmad2
    assert value[(100.0, 5000.0)] < value[(100.0, 500.0)]                      # more phosphatase, less
    assert not (tmp_path / "out" / "g.csv").exists()


def test_run_writes_into_results_name_by_default(tmp_path):
    write(tmp_path / "d.toml", '[experiment]\nname = "short"\nt_end = "10min"\nreadouts = ["pSmad2"]\n')
    res = run("run", "d.toml", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "results" / "short" / "short.csv").is_file()


def test_scan_needs_a_scan_table(tmp_path):
    path = write(tmp_path / "tc.toml", '[experiment]\nname = "tc"\nt_end = "10min"\nreadouts = ["pSmad2"]\n')
    one_line(run("scan", str(path), "-o", str(tmp_path / "out")), str(path), "needs a [scan] table", "alk5 run")
    one_line(run("scan", "tgfb1_pulse", "-o", str(tmp_path / "out")), "tgfb1_pulse.toml", "needs a [scan] table")
    assert not (tmp_path / "out").exists()
    assert run("run", str(path), "-o", str(tmp_path / "out")).returncode == 0      # `alk5 run` takes it


def test_scan_runs_a_dose_response_file_like_run(tmp_path):
    """`alk5 scan` on a one-axis ligand_dose grid takes the same branch as `alk5 run` (fits included)."""
    path = write(tmp_path / "dr.toml", '[experiment]\nname = "dr"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
                 '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM,10pM"\n')
    res = run("scan", str(path), "-o", str(tmp_path / "out"), "--executor", "serial")
    assert res.returncode == 0, res.stderr
    assert "dr (dose-response)" in res.stdout
    assert len(pd.read_csv(tmp_path / "out" / "dr.csv")) == 2
    fits = pd.read_csv(tmp_path / "out" / "dr.fits.csv")
    assert not fits["converged"].any() and "too few to fit" in fits["message"].iloc[0]    # said, not hidden


def test_old_outdir_option_is_gone(tmp_path):
    res = run("run", "tgfb1_pulse", "--outdir", str(tmp_path / "out"))
    assert res.returncode == 2 and "--outdir" in res.stderr and not (tmp_path / "out").exists()


def test_unknown_shipped_name_lists_the_shipped_ones(tmp_path):
    one_line(run("run", "tgfb1_dose", "-o", str(tmp_path / "out")), "'tgfb1_dose' not found",
             "dose_x_inhibitor, galunisertib_pretreatment, sb431542_washout, tgfb1_dose_response, tgfb1_pulse")


def test_set_and_scale_in_an_experiment_file_change_the_result(tmp_path):
    base = '[experiment]\nname = "{}"\nt_end = "45min"\nreadouts = ["pSmad2"]\n'
    finals = {}
    for name, extra in (("wild", ""), ("knockdown", "[experiment.scale]\nPPM1A_0 = 0.1\n"),
                        ("half", "[experiment.set]\nSmad2_0 = 50000\n")):
        res = run("run", str(write(tmp_path / f"{name}.toml", base.format(name) + extra)), "-o", str(tmp_path))
        assert res.returncode == 0, res.stderr
        finals[name] = pd.read_csv(tmp_path / f"{name}.csv")["pSmad2"].iloc[-1]
    assert finals["knockdown"] > 1.2 * finals["wild"] and finals["half"] < 0.7 * finals["wild"]
    bad = write(tmp_path / "bad.toml", base.format("bad") + "[experiment.set]\nSmad2_zero = 3\n")
    one_line(run("run", str(bad), "-o", str(tmp_path)), "Smad2_zero", "did you mean Smad2_0")


def test_csv_parameter_columns_pick_the_network_that_has_them(tmp_path):
    """kon_TGFB2_TBRII is not in the lean TGF-beta1 network: a conditions file scanning it runs on the full one."""
    write(tmp_path / "cond.csv", "ligand_dose,kon_TGFB2_TBRII\n100,0.01\n")
    path = write(tmp_path / "c.toml", '[experiment]\nname = "c"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
                 '[scan]\ndesign = "csv"\nconditions = "cond.csv"\n')
    res = run("scan", str(path), "-o", str(tmp_path / "out"), "--executor", "serial")
    assert res.returncode == 0, res.stderr
    assert "(full network, " in res.stdout and "(0 failed)" in res.stdout
    assert (pd.read_parquet(tmp_path / "out" / "results.parquet")["error"] == "").all()
