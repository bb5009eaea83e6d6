"""The scan engine: executors agree, interrupted scans resume exactly, bad scan files fail early."""
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from alk5_pysb.simulation.engine import run_scan
from alk5_pysb.io.experiment_files import conditions, parse
from alk5_pysb.errors import UserInputError

SMALL = """
[experiment]
name = "small"
readouts = ["pSmad2", "p38_active"]
metrics = ["at:45min", "peak"]
compound = "SB-431542"
pretreat = "60min"
[scan]
design = "grid"
[[scan.axis]]
name = "ligand_dose"
values = "10pM,100pM"
[[scan.axis]]
name = "inhibitor_dose"
values = "0nM,100nM,1uM"
[[scan.axis]]
name = "kon_Smad7_ALK5"
values = "0.0035,0.035"
"""


@pytest.fixture(scope="module")
def small(sim):
    spec = parse(SMALL, "small.toml", sim.table_parameters)
    return spec, spec.experiment(), conditions(spec.scan)


def test_executors_give_identical_results(sim, small, tmp_path):
    spec, exp, table = small
    assert len(table) == 12
    serial = run_scan(sim, exp, table, tmp_path / "serial", executor="serial", chunk_size=5, progress=False)
    procs = run_scan(sim, exp, table, tmp_path / "procs", executor="processes", workers=2, chunk_size=5, progress=False)
    dask = run_scan(sim, exp, table, tmp_path / "dask", executor="dask", workers=2, chunk_size=5, progress=False)
    cols = exp.columns()
    assert (serial["error"] == "").all() and serial["condition_id"].tolist() == list(range(12))
    pd.testing.assert_frame_equal(serial[cols], procs[cols])
    pd.testing.assert_frame_equal(serial[cols], dask[cols])
    # the numbers mean something: more drug, less pSmad2; more Smad7 binding, less pSmad2
    row = serial.set_index(["ligand_dose", "inhibitor_dose", "kon_Smad7_ALK5"])["pSmad2@at:45min"]
    assert row[(100.0, 1000.0, 0.035)] < row[(100.0, 0.0, 0.035)]
    assert row[(100.0, 0.0, 0.035)] < row[(100.0, 0.0, 0.0035)]


def test_failed_condition_is_recorded_and_the_scan_goes_on(sim, small, tmp_path):
    spec, exp, table = small
    table = table.copy()
    table.loc[3, "kon_Smad7_ALK5"] = -1.0        # rejected by the simulator
    result = run_scan(sim, exp, table, tmp_path / "bad", executor="serial", progress=False)
    assert len(result) == 12
    assert ">= 0" in result.loc[3, "error"] and np.isnan(result.loc[3, "pSmad2@peak"])
    assert (result.drop(index=3)["error"] == "").all()


def test_interrupted_scan_resumes_without_loss_or_duplicates(tmp_path):
    scan = tmp_path / "scan.toml"
    scan.write_text(SMALL.replace('values = "10pM,100pM"', 'values = "1pM:1nM:6"'), encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "alk5_pysb.cli", "scan", str(scan), "-o", str(out), "--executor", "serial",
           "--chunk-size", "3"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "chunks").glob("chunk-*.parquet"))) < 2:
        time.sleep(0.1)
    proc.send_signal(signal.SIGKILL)                     # a crash, not a clean stop
    proc.wait()
    done = len(list((out / "chunks").glob("chunk-*.parquet")))
    assert 2 <= done < 12                                # really interrupted part-way
    again = subprocess.run(cmd, capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr
    resumed = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    results = pd.read_parquet(out / "results.parquet")
    assert len(results) == 36 and results["condition_id"].is_unique
    assert sorted(results["condition_id"]) == list(range(36))


HEAD = '[experiment]\nname = "x"\nreadouts = ["pSmad2"]\n'


@pytest.mark.parametrize("body, message", [
    ('metrics=["peak"]\n[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "colour"\nvalues = "1,2"', "unknown axis"),
    ('metrics=["peak"]\n[scan]\ndesign = "lhs"\nsamples = 10\n[[scan.axis]]\nname = "k_int"\nrange = [1.0, 0.1]',
     "empty or reversed"),
    ('metrics=["peak"]\n[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1nM:1pM:5"', "start"),
    ('metrics=["sometimes"]\n[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM"',
     "valid metrics"),
    ('metrics=["peak"]\n[scan]\ndesign = "cube"', "not one of"),
])
def test_bad_scan_files(sim, body, message):
    with pytest.raises(UserInputError, match=message):
        parse(HEAD + body, "x.toml", sim.table_parameters)


def test_large_designs_need_yes(sim):
    spec = parse(HEAD + 'metrics=["peak"]\n[scan]\ndesign = "sobol"\nsamples = 1024\nmax_conditions = 1000\n'
                 '[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1.0]\n'
                 '[[scan.axis]]\nname = "k_rec"\nrange = [0.01, 0.1]', "x.toml", sim.table_parameters)
    with pytest.raises(UserInputError, match="--yes"):
        conditions(spec.scan)
    assert len(conditions(spec.scan, allow_large=True)) == 1024 * 6


def test_malformed_scan_file_names_the_line(sim):
    with pytest.raises(UserInputError, match="line 5"):
        parse(HEAD + '[scan]\ndesign = "grid\n', "x.toml", sim.table_parameters)


def test_sensitivity_ranks_the_phosphorylation_constant(sim, tmp_path):
    from alk5_pysb.analysis.ensembles import sensitivity
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    exp = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min"))
    indices, results = sensitivity(sim, exp, ["k_phos_Smad2", "koff_ns"], fold=10, samples=16, out=tmp_path,
                                   executor="serial")
    assert len(results) == 16 * 4
    st = indices.set_index("parameter")["ST"]
    assert st["k_phos_Smad2"] > 0.5 > st["koff_ns"]          # Smad2 phosphorylation matters, NS binding barely
    assert (tmp_path / "sobol_indices.csv").exists()


def test_population_varies_responses_and_ic50s(sim, tmp_path):
    from alk5_pysb.analysis.ensembles import population, population_table
    from alk5_pysb.pharmacology.compounds import get_compound
    from alk5_pysb.simulation.experiment import Experiment
    from alk5_pysb.simulation.metrics import parse_metrics
    table = population_table(sim, 6, 0.3, ["Smad2_0", "TBRII_0"], np.logspace(1, 5, 7), seed=3)
    assert len(table) == 6 * 8 and table.groupby("cell")["Smad2_0"].nunique().eq(1).all()
    exp = Experiment(readouts=["pSmad2"], metrics=parse_metrics("at:45min"), compound=get_compound("SB-431542"),
                     pretreat_min=60.0)
    summary, _ = population(sim, exp, table, tmp_path, executor="serial")
    assert summary["pSmad2@at:45min"].std() > 0.05 * summary["pSmad2@at:45min"].mean()
    ic50 = summary["IC50_nM pSmad2@at:45min"]
    assert ic50.notna().all() and 0.3 * 84 < ic50.median() < 10 * 84     # B10: within 0.3-10x of the reported 84 nM


def test_scan_command_rejects_bad_files_before_work(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + 'metrics = ["peak"]\n[scan]\ndesign = "grid"\n'
                   '[[scan.axis]]\nname = "ligand_dose"\nvalues = "0pM:1nM:5"\n')
    res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "scan", str(bad), "-o", str(tmp_path / "out")],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and "zero" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()                # nothing started


def test_compound_axis_runs_each_library_compound(sim, tmp_path):
    spec = parse(HEAD + 'metrics = ["at:60min"]\npretreat = "60min"\n[scan]\ndesign = "grid"\n'
                 '[[scan.axis]]\nname = "compound"\nvalues = ["SB-431542", "RepSox"]\n'
                 '[[scan.axis]]\nname = "inhibitor_dose"\nvalues = "0nM,100nM"', "c.toml", sim.table_parameters)
    result = run_scan(sim, spec.experiment(), conditions(spec.scan), tmp_path / "c", progress=False)
    value = result.set_index(["compound", "inhibitor_dose"])["pSmad2@at:60min"]
    # no drug: the same cell, up to the solver's tolerance (the compounds' Kd enter the pre-equilibration)
    assert value[("SB-431542", 0.0)] == pytest.approx(value[("RepSox", 0.0)], rel=1e-5)
    assert value[("RepSox", 100.0)] < value[("SB-431542", 100.0)] < value[("SB-431542", 0.0)]  # RepSox more potent


def test_unknown_compound_on_an_axis_lists_the_library(sim):
    with pytest.raises(UserInputError, match="valid compounds are"):
        parse(HEAD + 'metrics = ["peak"]\n[scan]\ndesign = "grid"\n'
              '[[scan.axis]]\nname = "compound"\nvalues = ["aspirin"]', "c.toml", sim.table_parameters)


def test_resume_refuses_a_different_scan_in_the_same_folder(sim, small, tmp_path):
    spec, exp, table = small
    run_scan(sim, exp, table.iloc[:4], tmp_path / "s", chunk_size=2, progress=False)
    with pytest.raises(UserInputError, match="different scan"):
        run_scan(sim, exp, table.iloc[4:8].assign(condition_id=range(4)), tmp_path / "s", chunk_size=2,
                 resume=True, progress=False)


def test_scan_on_a_running_dask_cluster_via_scheduler_address(tmp_path):
    """The --scheduler path: a separately started scheduler with its own worker processes (one
    machine here; on a cluster the same address points at the head node)."""
    from distributed import LocalCluster
    scan = tmp_path / "scan.toml"
    scan.write_text(SMALL, encoding="utf-8")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        res = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "scan", str(scan), "-o", str(tmp_path / "c"),
                              "--scheduler", cluster.scheduler_address, "--chunk-size", "4"],
                             capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr
        # the chunks ran as tasks of this cluster's scheduler: 12 conditions in chunks of 4
        tasks = cluster.scheduler.task_prefixes.get("dask_task")
        assert tasks is not None, list(cluster.scheduler.task_prefixes)
        assert tasks.state_counts["memory"] == 3 and tasks.state_counts["erred"] == 0
    serial = subprocess.run([sys.executable, "-m", "alk5_pysb.cli", "scan", str(scan), "-o", str(tmp_path / "s"),
                             "--executor", "serial"], capture_output=True, text=True, timeout=300)
    assert serial.returncode == 0, serial.stderr
    on_cluster, local = pd.read_parquet(tmp_path / "c" / "results.parquet"), pd.read_parquet(tmp_path / "s" / "results.parquet")
    assert len(on_cluster) == 12 and (on_cluster["error"] == "").all()
    pd.testing.assert_frame_equal(on_cluster, local)


def test_default_chunks_balance_workers_and_stay_small():
    from alk5_pysb.simulation.engine import default_chunk_size
    assert default_chunk_size(1000, 2) == 50          # capped: little lost on a crash
    assert default_chunk_size(25, 2) == 4             # >= 4 chunks per worker for load balance
    assert default_chunk_size(3, 8) == 1
