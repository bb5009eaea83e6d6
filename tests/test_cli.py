"""The alk5 command as a user runs it: exit codes and messages."""
import subprocess
import sys

import pandas as pd
import pytest

ALK5 = [sys.executable, "-m", "alk5_pysb.cli"]


def run(*args, cwd=None):
    return subprocess.run(ALK5 + list(args), capture_output=True, text=True, cwd=cwd, timeout=300)


def test_simulate_writes_csv(tmp_path):
    out = tmp_path / "tc.csv"
    res = run("simulate", "--ligand", "TGFB1", "--dose", "2.5ng/mL", "--t-end", "2h", "--readouts", "pSmad2,p38_active",
              "--inhibitor-dose", "1uM", "--pretreat", "60min", "-o", str(out))
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["time_min", "pSmad2", "p38_active"]
    assert frame["time_min"].iloc[0] == -60 and frame["time_min"].iloc[-1] == 120
    assert "100 pM" in res.stdout                # 2.5 ng/mL of a 25 kDa dimer


def test_simulate_set_and_scale(tmp_path):
    def psmad2(*extra):
        out = tmp_path / f"run{len(list(tmp_path.iterdir()))}.csv"
        res = run("simulate", "--dose", "100pM", "--t-end", "1h", "--readouts", "pSmad2", *extra, "-o", str(out))
        assert res.returncode == 0, res.stderr
        return pd.read_csv(out)["pSmad2"].iloc[-1]
    wild = psmad2()
    assert psmad2("--scale", "PPM1A_0=0.1") > 1.2 * wild          # phosphatase knock-down
    assert psmad2("--set", "Smad2_0=50000") < 0.7 * wild          # half the Smad2


@pytest.mark.parametrize("args, message", [
    (["--dose", "100"], "has no unit"),
    (["--dose=-5pM"], "negative"),
    (["--dose", "nanpM"], "not a finite number"),
    (["--dose", "5furlongs"], "is not a concentration"),
    (["--dose", "5 blargs"], "unknown unit"),
    (["--dose", "100pM", "--t-end", "5nM"], "not a duration"),
    (["--dose", "100pM", "--t-end=-2h"], "negative"),
    (["--dose", "100pM", "--ligand", "TGFB9"], "valid ligands are TGFB1, TGFB2, TGFB3, GDF11"),
    (["--dose", "100pM", "--readouts", "pSmad9"], "valid readouts: pSmad2"),
    (["--dose", "100pM", "--set", "Smad2_zero=3"], "did you mean Smad2_0"),
    (["--dose", "100pM", "--set", "Smad2_0=abc"], "not a number"),
    (["--dose", "100pM", "--set", "Smad2_0=-1"], ">= 0"),
    (["--dose", "100pM", "--washout", "48h"], "outside the simulated window"),
    (["--dose", "100pM", "--pretreat", "60min"], "need --inhibitor-dose"),
    (["--dose", "100pM", "--inhibitor-dose", "2.5ng/mL"], "expected a molar concentration"),
])
def test_bad_input_exits_2_with_one_line(args, message):
    has_t_end = any(a.startswith("--t-end") for a in args)
    res = run("simulate", *args) if has_t_end else run("simulate", *args, "--t-end", "1h")
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_export_refuses_to_overwrite_and_unknown_format(tmp_path):
    target = tmp_path / "m.sbml"
    assert run("export", "--format", "sbml", "-o", str(target)).returncode == 0
    assert target.read_text(encoding="utf-8").startswith("<?xml")
    res = run("export", "--format", "sbml", "-o", str(target))
    assert res.returncode == 2 and "--force" in res.stderr
    assert run("export", "--format", "sbml", "-o", str(target), "--force").returncode == 0
    res = run("export", "--format", "cellml", "-o", str(tmp_path / "x"))
    assert res.returncode == 2 and "invalid choice" in res.stderr
    res = run("export", "--format", "bngl", "-o", str(tmp_path / "missing" / "m.bngl"))
    assert res.returncode == 2 and "does not exist" in res.stderr


def test_info_lists_readouts_with_units_and_parameter_sources():
    res = run("info")
    assert res.returncode == 0
    assert "pSmad2" in res.stdout and "[molecule/cell]" in res.stdout and "free_ligand" in res.stdout
    assert "Zi et al. 2011" in res.stdout
    res = run("info", "--json")
    import json
    info = json.loads(res.stdout)
    assert info["network"]["species"] > 100
    assert {r["name"] for r in info["readouts"]} >= {"pSmad2", "RhoA_GTP"}


def test_info_lists_the_shipped_experiment_files():
    from alk5_pysb.io.experiment_files import load, standard_experiments
    res = run("info")
    assert res.returncode == 0, res.stderr
    assert "Shipped experiment files (alk5 run NAME):" in res.stdout
    for name in standard_experiments():
        assert f"  {name:28s} {load(name).description}" in res.stdout.splitlines()


@pytest.mark.parametrize("command", ["run", "scan"])
def test_run_and_scan_write_into_output_folders(command):
    res = run(command, "--help")
    assert res.returncode == 0
    assert "-o OUTPUT, --output OUTPUT" in res.stdout and "results/<experiment name>" in " ".join(res.stdout.split())
    assert "--outdir" not in res.stdout
