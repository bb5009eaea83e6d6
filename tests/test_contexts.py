"""Cell contexts (issue 10): the shipped hepatocyte context is its fit, and --context acts on every command."""
import json

import pandas as pd
import pytest

from alk5_pysb.cli import main
from alk5_pysb.calibration import hepatocyte
from alk5_pysb.io import contexts
from alk5_pysb.simulation.simulator import shared_simulator


@pytest.fixture(scope="module")
def report():
    return json.loads(contexts.folder("hepatocyte").joinpath("report.json").read_text(encoding="utf-8"))


def test_the_shipped_context_reproduces_its_fit(report):
    """The objective at the shipped values equals the one its report states (the context cannot drift from its
    fit), and the fitted model parameters are what --context hepatocyte applies."""
    got = hepatocyte.model_objective(report["fitted"], sim=shared_simulator(report["network"]))
    assert got["nllh"] == pytest.approx(report["nllh"], abs=1e-3)
    assert got["n_measurements"] == report["n_data"] == 123
    shipped = contexts.load("hepatocyte")
    expected = {**{k: v for k, v in report["fitted"].items() if k in hepatocyte.ESTIMATED}, **report["fixed"]}
    assert shipped == pytest.approx(expected, rel=1e-7)
    fixed = {name for name, spec in hepatocyte.FIXED.items() if spec[0] is not None}
    assert set(shipped) == set(hepatocyte.ESTIMATED) | fixed
    assert report["at_bound"] == []          # every estimate inside its search range (issue 17)


def test_the_report_compares_with_the_published_model(report):
    reference = hepatocyte.reference_objective()
    assert report["lucarelli_2018_model"]["nllh"] == pytest.approx(reference["nllh"], rel=1e-6)


def test_context_sets_the_resting_smad_amounts_as_fitted(tmp_path):
    out = tmp_path / "rest.csv"
    assert main(["simulate", "--dose", "0pM", "--t-end", "1min", "--points", "2", "--readouts",
                 "nuc_Smad2,cyt_Smad2", "--context", "hepatocyte", "-o", str(out)]) == 0
    rest = pd.read_csv(out).iloc[0]
    fitted = contexts.load("hepatocyte")["Smad2_0"]
    assert rest["nuc_Smad2"] + rest["cyt_Smad2"] == pytest.approx(fitted, rel=1e-5)     # CSV keeps 6 digits
    assert abs(fitted - 100000) / 100000 > 0.05          # the context really moves it from the table's 1e5


def test_scale_acts_on_top_of_the_context():
    sim = shared_simulator("tgfb1")
    context = contexts.load("hepatocyte")
    values = sim.resolve_parameters(scale={"Smad2_0": 0.5}, context=context)
    assert values["Smad2_0"] == pytest.approx(0.5 * context["Smad2_0"])
    assert values["k_phos_Smad2"] == pytest.approx(context["k_phos_Smad2"])


def test_a_parameter_file_is_a_context(tmp_path):
    path = tmp_path / "best.csv"
    path.write_text("name,value,unit\nSmad2_0,50000,molecule/cell\n", encoding="utf-8")
    out = tmp_path / "rest.csv"
    assert main(["simulate", "--dose", "0pM", "--t-end", "1min", "--points", "2", "--readouts",
                 "nuc_Smad2,cyt_Smad2", "--context", str(path), "-o", str(out)]) == 0
    rest = pd.read_csv(out).iloc[0]
    assert rest["nuc_Smad2"] + rest["cyt_Smad2"] == pytest.approx(50000, rel=1e-5)


@pytest.mark.parametrize("context, message", [
    ("liver", "unknown context 'liver': valid contexts are carcinoma, endothelial, epithelial, fibroblast, hepatocyte"),
    ("missing.csv", "parameter file missing.csv not found"),
])
def test_unknown_contexts_are_one_line_errors(capsys, context, message):
    assert main(["simulate", "--dose", "10pM", "--t-end", "10min", "--context", context]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_parameter_files_say_what_is_wrong(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("name,value\nSmad2_0,lots\n", encoding="utf-8")
    assert main(["simulate", "--dose", "10pM", "--t-end", "10min", "--context", str(path)]) == 2
    assert "values must be numbers >= 0" in capsys.readouterr().err
    for text, message in (("name,value\nSmad9_0,1\n", "unknown parameter(s) Smad9_0"),
                          ("name,value\nSmad2_0,1\nSmad2_0,2\n", "Smad2_0 given more than once"),
                          ("name,value,unit\nSmad2_0,100,nM\n", "Smad2_0 in nM (expected molecule/cell)")):
        path.write_text(text, encoding="utf-8")
        assert main(["simulate", "--dose", "10pM", "--t-end", "10min", "--context", str(path)]) == 2
        err = capsys.readouterr().err
        assert message in err and str(path) in err and len(err.strip().splitlines()) == 1, err
