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


def test_run_standard_scenario(tmp_path):
    res = run("run", "sb431542_washout", "-o", str(tmp_path))
    assert res.returncode == 0, res.stderr
    data = pd.read_csv(tmp_path / "sb431542_washout.csv")
    assert set(data["metric"]) == {"at:60min", "auc:0-4h"}


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


def test_malformed_scenario_gives_line_number(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\nkind = "dose-response\n')
    res = run("run", str(bad), "-o", str(tmp_path))
    assert res.returncode == 2 and "line 3" in res.stderr


@pytest.mark.parametrize("extra, network", [([], "tgfb1"), (["--ligand", "TGFB3"], "full"),
                                            (["--set", "kon_TGFB2_TBRII=1"], "full"), (["--network", "full"], "full")])
def test_scans_pick_the_lean_network_only_when_it_has_everything(tmp_path, extra, network):
    res = run("dose-response", "--doses", "1pM,100pM", "--executor", "serial", *extra, "-o", str(tmp_path / "d.csv"))
    assert res.returncode == 0, res.stderr
    assert f"({network} network, " in res.stdout
