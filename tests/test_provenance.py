"""Provenance in every result, and the model and solver options that it records (--sbml, --rtol/--atol)."""
from __future__ import annotations

import hashlib
import json

import pytest

from alk5_pysb.cli import main

REPO_MODELS = __import__("pathlib").Path(__file__).resolve().parents[1] / "models"


def _sidecar(path):
    return json.loads(path.with_name(path.name + ".provenance.json").read_text(encoding="utf-8"))


def test_simulate_records_model_hash_solver_and_command(tmp_path, capsys):
    out = tmp_path / "tc.csv"
    assert main(["simulate", "--dose", "10pM", "--t-end", "1h", "--readouts", "pSmad2", "--rtol", "1e-7",
                 "--atol", "1e-8", "--scale", "TBRII_0=0.5", "-o", str(out)]) == 0
    record = _sidecar(out)
    sbml = REPO_MODELS / "alk5.sbml"
    assert record["model"]["sbml_sha256"] == hashlib.sha256(sbml.read_bytes()).hexdigest()
    assert record["model"]["rtol"] == 1e-7 and record["model"]["atol_molecules_per_cell"] == 1e-8
    from alk5_pysb.model.parameters import default_table
    assert record["parameters_changed"] == {"TBRII_0": pytest.approx(0.5 * default_table().value("TBRII_0"))}
    assert record["command"][:2] == ["alk5", "simulate"] and "--rtol" in record["command"]
    assert record["alk5_pysb"] == __import__("alk5_pysb").__version__


def test_tolerances_change_the_numbers_they_claim(tmp_path):
    """--rtol reaches the solver: a loose tolerance moves the result, a tight one agrees with the default."""
    import pandas as pd
    runs = {}
    for rtol in ("1e-6", "1e-9", "1e-2"):
        out = tmp_path / f"{rtol}.csv"
        assert main(["simulate", "--dose", "100pM", "--t-end", "8h", "--readouts", "pSmad2", "--rtol", rtol,
                     "-o", str(out)]) == 0
        runs[rtol] = pd.read_csv(out)["pSmad2"]
    default_error = (runs["1e-6"] - runs["1e-9"]).abs().max() / runs["1e-9"].max()
    loose_error = (runs["1e-2"] - runs["1e-9"]).abs().max() / runs["1e-9"].max()
    assert default_error < 1e-4 < loose_error


def test_dose_response_outputs_carry_sidecars(tmp_path, capsys):
    out = tmp_path / "dr.csv"
    assert main(["dose-response", "--doses", "1pM,10pM,100pM,1nM", "--executor", "serial", "-o", str(out)]) == 0
    for path in (out, tmp_path / "dr.fits.csv"):
        assert _sidecar(path)["model"]["network"] in ("full", "tgfb1")


def test_scan_folder_carries_a_provenance_record(tmp_path, capsys):
    folder = tmp_path / "scan"
    assert main(["run", "dose_x_inhibitor", "--executor", "serial", "-o", str(folder)]) == 0
    record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
    assert record["model"]["species"] > 0 and (folder / "results.parquet").is_file()


def test_user_sbml_without_the_standard_readouts_is_one_line(tmp_path, capsys):
    text = (REPO_MODELS / "alk5_tgfb1.sbml").read_text(encoding="utf-8").replace('variable="pSmad2"', 'variable="pSmad2_renamed"')
    edited = tmp_path / "edited.sbml"
    edited.write_text(text.replace('id="pSmad2"', 'id="pSmad2_renamed"'), encoding="utf-8")
    assert main(["simulate", "--dose", "10pM", "--sbml", str(edited), "-o", str(tmp_path / "x.csv")]) == 2
    err = capsys.readouterr().err
    assert "lacks what alk5 reads or sets: pSmad2" in err and "Traceback" not in err


def test_user_sbml_runs_and_is_recorded(tmp_path, capsys):
    """A modified model (here: Smad2 phosphorylation 10x faster) runs and its own hash is recorded."""
    import re
    text = (REPO_MODELS / "alk5_tgfb1.sbml").read_text(encoding="utf-8")
    match = re.search(r'(<parameter [^>]*id="k_phos_Smad2"[^>]*value=")([^"]+)"', text)
    edited = tmp_path / "fast.sbml"
    edited.write_text(text[:match.start(2)] + str(float(match.group(2)) * 10) + text[match.end(2):])
    out = tmp_path / "fast.csv"
    assert main(["simulate", "--dose", "10pM", "--t-end", "1h", "--readouts", "pSmad2", "--sbml", str(edited),
                 "-o", str(out)]) == 0
    assert _sidecar(out)["model"]["sbml"] == str(edited)
    assert _sidecar(out)["model"]["sbml_sha256"] == hashlib.sha256(edited.read_bytes()).hexdigest()
