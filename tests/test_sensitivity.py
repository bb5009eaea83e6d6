"""Sobol indices a reader can trust (issue 11, part 5): contradictions and wide intervals are flagged."""
import pandas as pd

from alk5_pysb.analysis.ensembles import READABLE_CONF, flag_unreadable, readability
from alk5_pysb.cli import main


def _row(parameter, s1, s1_conf, st, st_conf, output="pSmad2@at:45min"):
    return {"output": output, "parameter": parameter, "S1": s1, "S1_conf": s1_conf, "ST": st, "ST_conf": st_conf}


def test_contradictory_and_wide_estimates_are_flagged():
    frame = flag_unreadable(pd.DataFrame([
        _row("a", 0.60, 0.03, 0.70, 0.04),        # fine
        _row("b", -0.20, 0.05, 0.10, 0.02),       # negative beyond its CI
        _row("c", 0.50, 0.05, 0.30, 0.05),        # S1 > ST beyond both CIs
        _row("d", 0.01, 0.02, 0.02, 0.01),        # small, not top-3
    ])).set_index("parameter")["warning"]
    assert frame["a"] == "" and frame["d"] == ""
    assert "S1 < 0 beyond its 95% CI" in frame["b"]
    assert "S1 > ST beyond their 95% CIs" in frame["c"]
    wide = flag_unreadable(pd.DataFrame([_row("a", 0.6, READABLE_CONF * 1.5, 0.7, 0.04)]))
    assert "half-width" in wide.loc[0, "warning"]
    assert readability(flag_unreadable(pd.DataFrame([_row("a", 0.6, 0.03, 0.7, 0.04)])), 512) == []
    assert "raise --samples" in readability(wide, 8)[0]


def test_a_tiny_sample_warns_on_the_command_line(tmp_path, capsys):
    assert main(["sensitivity", "--params", "k_phos_Smad2,kon_Smad7_ALK5", "--readouts", "pSmad2",
                 "--metric", "at:45min", "--samples", "2", "--executor", "serial", "-o", str(tmp_path / "s")]) == 0
    captured = capsys.readouterr()
    assert "warning: pSmad2@at:45min" in captured.err and "raise --samples" in captured.err
    table = pd.read_csv(tmp_path / "s" / "sobol_indices.csv")
    assert "warning" in table and table["warning"].notna().any()
