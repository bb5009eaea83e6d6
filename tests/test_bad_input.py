"""Nothing lost or mixed, and bad input as a user gives it: each case exits 2 (1 for a runtime failure)
with one line ``alk5: error: ...`` and no traceback (issue 9, section 4 and "Other defects found")."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from alk5_pysb.cli import build_parser, main

ALK5 = [sys.executable, "-m", "alk5_pysb.cli"]

# two axes: a general scan (results.parquet in the folder), not a dose-response with fits
TINY = """
[experiment]
name = "tiny"
readouts = ["pSmad2"]
metrics = ["at:45min"]
[scan]
design = "grid"
[[scan.axis]]
name = "ligand_dose"
values = "10pM,100pM"
[[scan.axis]]
name = "inhibitor_dose"
values = "0nM"
"""

# 400 conditions: long enough to be caught while running
LONG = """
[experiment]
name = "long"
readouts = ["pSmad2"]
metrics = ["at:45min"]
[scan]
design = "grid"
[[scan.axis]]
name = "ligand_dose"
values = "1pM:1nM:20"
[[scan.axis]]
name = "kon_Smad7_ALK5"
values = "0.001:0.1:20"
"""


def cli(capsys, *args):
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def one_line_error(status, err, *fragments, code=2):
    assert status == code, (status, err)
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alk5: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, err)
    return lines[0]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def children(pid: int) -> list[int]:
    try:
        return [p.pid for p in psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_for(condition, timeout=120.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def options_of(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices[command]
    return {o for a in sub._actions for o in a.option_strings}


# -- 1. one writer per scan folder -------------------------------------------------------------------
def test_second_scan_into_a_running_scans_folder_exits_2_naming_its_pid(tmp_path):
    out = tmp_path / "out"
    first = subprocess.Popen(ALK5 + ["scan", write(tmp_path / "long.toml", LONG), "-o", out, "--executor", "serial",
                                     "--chunk-size", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: (out / ".lock").is_file() and (out / ".lock").read_text(encoding="utf-8").strip()
                 or first.poll() is not None, what="the first scan's lock")
        assert first.poll() is None, first.stderr.read()
        assert (out / ".lock").read_text(encoding="utf-8").strip() == str(first.pid)
        # a different scan into the same folder (the issue: chunks of two scans interleaved)
        second = subprocess.run(ALK5 + ["scan", write(tmp_path / "tiny.toml", TINY), "-o", out, "--executor",
                                        "serial"], capture_output=True, text=True, timeout=300)
        one_line_error(second.returncode, second.stderr, f"PID {first.pid}", str(out))
        assert first.poll() is None                               # the first one goes on
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the kernel released the dead scan's lock: it can be resumed at once
    resumed = subprocess.run(ALK5 + ["scan", tmp_path / "long.toml", "-o", out, "--executor", "serial", "--resume",
                                     "--chunk-size", "2"], capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    results = pd.read_parquet(out / "results.parquet")
    assert sorted(results["condition_id"]) == list(range(400)) and "ligand_dose" in results


def test_force_does_not_remove_the_chunks_of_a_running_scan(tmp_path, capsys):
    """dose-response --force removes <out>.chunks/ only when no scan writes it."""
    from alk5_pysb.simulation.engine import folder_lock
    out = tmp_path / "dr.csv"
    chunks = tmp_path / "dr.chunks"
    (chunks / "chunks").mkdir(parents=True)
    (chunks / "chunks" / "chunk-000000.parquet").write_text("x", encoding="utf-8")
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom alk5_pysb.simulation.engine import folder_lock\n"
                               f"with folder_lock({str(chunks)!r}):\n    print('locked', flush=True)\n    time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        status, _, err = cli(capsys, "dose-response", "--doses", "1pM,10pM", "--executor", "serial", "-o", out,
                             "--force")
        one_line_error(status, err, f"PID {holder.pid}")
        assert (chunks / "chunks" / "chunk-000000.parquet").exists()
    finally:
        holder.kill()
        holder.wait()
    with folder_lock(chunks):           # released by the kernel when its holder died
        pass


# -- 2. no orphan workers --------------------------------------------------------------------------
@pytest.mark.parametrize("executor, sig", [("processes", signal.SIGKILL), ("processes", signal.SIGTERM),
                                           ("dask", signal.SIGKILL)])
def test_a_killed_scan_leaves_no_worker_processes(tmp_path, executor, sig):
    out = tmp_path / "out"
    scan = subprocess.Popen(ALK5 + ["scan", write(tmp_path / "long.toml", LONG), "-o", out, "--executor", executor,
                                    "--workers", "2", "--chunk-size", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers = []
    try:
        wait_for(lambda: any((out / "chunks").glob("chunk-*.parquet")) or scan.poll() is not None,
                 what="the first chunk")
        assert scan.poll() is None, scan.stderr.read()
        workers = children(scan.pid)
        assert len(workers) >= 2                   # two workers (and multiprocessing's resource tracker)
        scan.send_signal(sig)
        scan.wait(timeout=30)
        wait_for(lambda: not any(alive(pid) for pid in workers), timeout=10, what="the workers to exit")
    finally:
        if scan.poll() is None:
            scan.kill()
        for pid in workers:                       # never leave orphans behind, even when the test fails
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
    if sig == signal.SIGTERM:                      # a clean stop: no traceback, the conventional status
        assert scan.returncode == 128 + signal.SIGTERM
        assert "Traceback" not in scan.stderr.read()
    done = sorted((out / "chunks").glob("chunk-*.parquet"))
    assert 1 <= len(done) < 200                    # finished chunks are kept for --resume


# -- 3. refusals name options that exist -------------------------------------------------------------
def test_resume_with_a_changed_scan_file_names_force_and_force_starts_again(tmp_path, capsys):
    scan = write(tmp_path / "s.toml", TINY)
    out = tmp_path / "out"
    status, _, err = cli(capsys, "scan", scan, "-o", out, "--executor", "serial")
    assert status == 0, err
    again = one_line_error(*cli(capsys, "scan", scan, "-o", out, "--executor", "serial")[::2], "--resume", "--force")
    scan.write_text(TINY.replace('"10pM,100pM"', '"1pM,10pM,100pM"'), encoding="utf-8")
    changed = one_line_error(*cli(capsys, "scan", scan, "-o", out, "--executor", "serial", "--resume")[::2],
                             "different scan", "--force")
    for message in (again, changed):
        assert set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", message)) <= options_of("scan"), message
    status, _, err = cli(capsys, "scan", scan, "-o", out, "--executor", "serial", "--force")
    assert status == 0, err
    results = pd.read_parquet(out / "results.parquet")
    assert sorted(results["ligand_dose"]) == [1.0, 10.0, 100.0]      # only the new scan, nothing mixed
    one_line_error(*cli(capsys, "scan", scan, "-o", out, "--executor", "serial", "--force", "--resume")[::2],
                   "--force", "--resume")


def test_sensitivity_refusal_names_no_option_it_lacks(tmp_path, capsys):
    out = tmp_path / "sens"
    common = ["sensitivity", "--readouts", "pSmad2", "--metric", "at:45min", "--samples", "1", "--executor", "serial",
              "-o", out]
    status, _, err = cli(capsys, *common, "--params", "k_phos_Smad2,koff_ns")
    assert status == 0, err
    line = one_line_error(*cli(capsys, *common, "--params", "k_phos_Smad2,k_int", "--resume")[::2], "different scan")
    assert "--force" not in line and set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", line)) <= options_of("sensitivity")


# -- 4. chunk size and workers -----------------------------------------------------------------------
@pytest.mark.parametrize("option, value", [("--chunk-size", "-3"), ("--chunk-size", "0"), ("--workers", "0")])
@pytest.mark.parametrize("command, file", [("scan", "SCAN"), ("run", "SCAN"), ("run", "SCENARIO"), ("run", "INHIBITION"),
                                           ("run", "TIMECOURSE")])
def test_chunk_size_and_workers_must_be_at_least_1(tmp_path, capsys, option, value, command, file):
    """Every branch of the runner (FILES, below) refuses them before it makes its folder."""
    out = tmp_path / "out"
    status, _, err = cli(capsys, command, write(tmp_path / "s.toml", FILES[file]), "-o", out, option, value)
    one_line_error(status, err, option, ">= 1")
    assert not out.exists()                      # refused before any work


@pytest.mark.parametrize("file", ["SCAN", "SCENARIO", "INHIBITION", "TIMECOURSE"])
def test_force_and_resume_together_are_refused_by_every_branch(tmp_path, capsys, file):
    out = tmp_path / "out"
    status, _, err = cli(capsys, "run", write(tmp_path / "s.toml", FILES[file]), "-o", out, "--force", "--resume")
    one_line_error(status, err, "--resume", "--force")
    assert not out.exists()


# -- 5. experiment files: duplicates, unknown keys at every level, wrong types ---------------------------
EXPERIMENT = '[experiment]\nname = "x"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
BASE = EXPERIMENT + '[scan]\ndesign = "grid"\n'
AXIS = '[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM,10pM"\n'
LHS = EXPERIMENT + '[scan]\ndesign = "lhs"\n'


@pytest.mark.parametrize("text, fragments", [
    (BASE + AXIS + AXIS.replace("1pM,10pM", "100pM"), ["'ligand_dose'", "twice"]),
    (BASE + '[[scan.axis]]\nname = "k_int"\nvalues = "0.1,1"\nscael = "log"\n',
     ["'scael'", "[[scan.axis]] #1", "valid keys are name, values, range, scale"]),
    (LHS + 'samples = 4\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\nscael = "lin"\n', ["'scael'", "valid keys"]),
    (BASE + AXIS + 'metrcs = ["peak"]\n', ["'metrcs'", "valid keys are name,"]),
    (EXPERIMENT + 'metrcs = ["peak"]\n[scan]\ndesign = "grid"\n' + AXIS,
     ["'metrcs'", "in [experiment]", "valid keys are name, description,"]),
    (BASE + 'desing = "grid"\n' + AXIS, ["'desing'", "in [scan]", "valid keys are design,"]),
    (BASE + AXIS + '[scna]\nname = "y"\n', ["'scna'", "[scan]"]),
    (LHS + 'samples = "abc"\n[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\n',
     ["samples", "an integer >= 1", "the string 'abc'"]),
    (EXPERIMENT + 'compound = 5\n[scan]\ndesign = "grid"\n' + AXIS, ["compound", "a string", "the integer 5"]),
    (EXPERIMENT + 'ligand_dose = 100\n[scan]\ndesign = "grid"\n' + AXIS,
     ["ligand_dose", "a string with a unit", "the integer 100"]),
    (BASE.replace('["pSmad2"]', '"pSmad2"') + AXIS, ["readouts", "list of strings"]),
    (BASE + '[[scan.axis]]\nname = "ligand_dose"\nvalues = true\n', ["values", "the boolean true"]),
    (LHS + 'samples = 4\n[[scan.axis]]\nname = "k_int"\nrange = ["a", 1]\n', ["range", "two numbers"]),
    (BASE + '[[scan.axis]]\nname = "k_int"\nrange = [0.1, 1]\n', ["range", 'design = "grid"']),
    (BASE + 'axis = 3\n', ["axis", "array of tables"]),
    (BASE.replace('metrics = ["at:45min"]\n', '') + AXIS, ["a scan needs metrics"]),
    (BASE.replace('name = "x"\n', '') + AXIS, ["needs 'name'"]),
    (BASE.replace('readouts = ["pSmad2"]\n', '') + AXIS, ["needs 'readouts'"]),
    (EXPERIMENT + 'compound = "SB-431542"\nki = "30nM"\n[scan]\ndesign = "grid"\n' + AXIS, ["compound and ki"]),
    (EXPERIMENT + 'inhibitor_dose = "1uM"\npretreat = "1h"\ninhibitor_at = "1h"\n[scan]\ndesign = "grid"\n' + AXIS,
     ["pretreat and inhibitor_at"]),
])
def test_bad_scan_file_is_one_line_naming_key_type_and_file(tmp_path, capsys, text, fragments):
    path = write(tmp_path / "bad.toml", text)
    status, _, err = cli(capsys, "scan", path, "-o", tmp_path / "out")
    one_line_error(status, err, str(path), *fragments)
    assert not (tmp_path / "out").exists()


# a dose-response (the old kind = "dose-response" scenario): a grid over ligand_dose only
DOSES = '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "ligand_dose"\nvalues = "1pM,10pM"\n'
SCENARIO = EXPERIMENT + DOSES


@pytest.mark.parametrize("text, fragments", [
    (EXPERIMENT + "colour = 1\n" + DOSES, ["'colour'", "valid keys are"]),
    (SCENARIO.replace('"1pM,10pM"', "5"), ["values", "the integer 5"]),
    (EXPERIMENT + "[experiment.set]\nPPM1A_0 = \"lots\"\n" + DOSES, ["set", "numbers"]),
    (SCENARIO.replace('design = "grid"', "design = 3"), ["design", "the integer 3"]),
    (SCENARIO + "[extra]\na = 1\n", ["'extra'", "[experiment]"]),
    (SCENARIO.replace('name = "x"', 'name = "../../x"'), ["name", "plain file name", "'../../x'"]),
    (SCENARIO.replace('name = "x"', 'name = "/abs/path/x"'), ["name", "plain file name"]),
    (SCENARIO.replace('name = "x"', 'name = ".."'), ["name", "plain file name"]),
])
def test_bad_experiment_file_run_is_one_line(tmp_path, capsys, text, fragments):
    path = write(tmp_path / "bad.toml", text)
    outdir = tmp_path / "a" / "b"
    status, _, err = cli(capsys, "run", path, "-o", outdir)
    one_line_error(status, err, str(path), *fragments)
    assert not list(tmp_path.rglob("x.csv")) and not list(tmp_path.rglob("*.chunks"))


# -- 6. experiment names stay inside -o -----------------------------------------------------------
def test_experiment_name_cannot_write_outside_the_output_folder(tmp_path, capsys):
    path = write(tmp_path / "evil.toml", SCENARIO.replace('name = "x"', 'name = "../../escaped"'))
    outdir = tmp_path / "deep" / "er"
    status, _, err = cli(capsys, "run", path, "-o", outdir, "--executor", "serial")
    one_line_error(status, err, "'../../escaped'")
    assert not list(tmp_path.rglob("escaped*"))


def test_scan_name_cannot_point_outside_results(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "evil.toml", TINY.replace('name = "tiny"', 'name = "../escaped"'))
    one_line_error(*cli(capsys, "scan", path, "--executor", "serial")[::2], "plain file name")
    assert not (tmp_path / "escaped").exists() and not (tmp_path.parent / "escaped").exists()


# -- 7. compound files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("content, fragments", [
    ("name,alk5_ic50_nM,tbrii_ic50_nM\nXY-1,25,abc\n", ["row 1 (XY-1)", "column tbrii_ic50_nM", "'abc'"]),
    ("name,alk5_ic50_nM,tbrii_ic50_nM\nXY-1,25,200\nXY-2,-5,\n", ["row 2 (XY-2)", "column alk5_ic50_nM", "-5"]),
    ("name,alk5_ic50_nM,tbrii_ic50_nM\nXY-1,25,0\n", ["row 1", "column tbrii_ic50_nM", "> 0"]),
    ("name,alk5_ic50_nM,cell_ic50_nM\nXY-1,25,inf\n", ["column cell_ic50_nM", "finite"]),
    ("name,alk5_ic50_nM\nXY-1,25\nXY-1,30\n", ["XY-1", "more than once"]),
    ("", ["is empty"]),
    ("name,alk5_ic50_nM\n", ["no compounds"]),
    ("compound,potency\nXY,3\n", ["lacks columns"]),
    (None, ["is a folder"]),
    ("missing", ["not found"]),
])
def test_bad_compound_file_is_one_line(tmp_path, capsys, content, fragments):
    path = tmp_path / "mine.csv"
    if content is None:
        path.mkdir()
    elif content != "missing":
        path.write_text(content, encoding="utf-8")
    status, _, err = cli(capsys, "inhibition", "--compound-file", path, "--compound", "XY-1", "--doses", "1nM,10nM",
                         "--executor", "serial", "-o", tmp_path / "inh.csv")
    one_line_error(status, err, *fragments)
    assert not (tmp_path / "inh.chunks").exists()


def test_off_target_potency_in_a_compound_file_is_used(tmp_path):
    from alk5_pysb.pharmacology.compounds import get_compound
    path = write(tmp_path / "mine.csv", "name,alk5_ic50_nM,tbrii_ic50_nM\nXY-1,25,200\nXY-2,30,\n")
    assert get_compound("XY-1", compound_file=path).tbrii_activity(1000) < 1.0
    assert get_compound("XY-2", compound_file=path).tbrii_activity(1000) == 1.0       # empty: none reported


# -- 8. output paths ----------------------------------------------------------------------------------------
READ_ONLY = Path("/sys/alk5-test.csv")        # sysfs refuses new files, even to root


def test_simulate_output_that_is_a_folder(tmp_path, capsys):
    status, out, err = cli(capsys, "simulate", "--dose", "1pM", "--t-end", "1h", "--readouts", "pSmad2", "-o", tmp_path)
    one_line_error(status, err, str(tmp_path), "folder")
    assert out == ""


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a read-only location")
def test_simulate_output_in_a_read_only_location(capsys):
    status, _, err = cli(capsys, "simulate", "--dose", "1pM", "--t-end", "1h", "--readouts", "pSmad2", "-o", READ_ONLY)
    one_line_error(status, err, str(READ_ONLY))


def test_points_are_capped(capsys):
    one_line_error(*cli(capsys, "simulate", "--dose", "1pM", "--points", "100000000")[::2], "--points", "100000")


@pytest.mark.parametrize("command", [
    ["dose-response", "--doses", "1pM,10pM", "--executor", "serial"],
    ["dose-response", "--doses", "1pM,10pM", "--executor", "serial", "--force"],
])
def test_scan_csv_output_that_is_a_folder(tmp_path, capsys, command):
    one_line_error(*cli(capsys, *command, "-o", tmp_path)[::2], str(tmp_path), "folder")


def test_scan_csv_output_in_a_read_only_location(capsys):
    if not Path("/sys").is_dir():
        pytest.skip("no /sys")
    one_line_error(*cli(capsys, "dose-response", "--doses", "1pM,10pM", "--executor", "serial", "-o", READ_ONLY)[::2])


@pytest.mark.parametrize("command", [["scan", "SCAN", "--executor", "serial"],
                                     ["run", "tgfb1_dose_response", "--executor", "serial"],
                                     ["sensitivity", "--samples", "1", "--executor", "serial"]])
def test_folder_output_that_is_an_existing_file(tmp_path, capsys, command):
    existing = write(tmp_path / "results.txt", "mine")
    command = [str(write(tmp_path / "s.toml", TINY)) if c == "SCAN" else c for c in command]
    one_line_error(*cli(capsys, *command, "-o", existing)[::2], str(existing), "file")
    assert existing.read_text(encoding="utf-8") == "mine"


def test_scan_output_below_a_read_only_location(tmp_path, capsys):
    if not Path("/sys").is_dir():
        pytest.skip("no /sys")
    scan = write(tmp_path / "s.toml", TINY)
    one_line_error(*cli(capsys, "scan", scan, "--executor", "serial", "-o", "/sys/alk5-test")[::2], "/sys/alk5-test")


# -- 9. Dask -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["tcp://127.0.0.1:1", "nonsense", "http://127.0.0.1:8786"])
def test_unreachable_dask_scheduler_fails_fast(tmp_path, capsys, address):
    t0 = time.perf_counter()
    status, _, err = cli(capsys, "scan", write(tmp_path / "s.toml", TINY), "-o", tmp_path / "out", "--scheduler", address)
    one_line_error(status, err, "Dask scheduler", address)
    assert time.perf_counter() - t0 < 30          # 5 s connect timeout (was 30 s and a traceback)


def test_dask_scheduler_without_workers_stops_with_one_line(tmp_path):
    from distributed import LocalCluster
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        res = subprocess.run(ALK5 + ["scan", write(tmp_path / "s.toml", TINY), "-o", tmp_path / "out", "--scheduler",
                                     cluster.scheduler_address], capture_output=True, text=True, timeout=120,
                             env=dict(os.environ, ALK5_DASK_WORKER_GRACE_S="2"))
    one_line_error(res.returncode, res.stderr, "no worker", cluster.scheduler_address, code=1)


def test_dask_scan_whose_workers_are_all_lost_stops_with_one_line(tmp_path):
    from distributed import LocalCluster
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        worker = subprocess.Popen([str(Path(sys.executable).with_name("dask")), "worker", cluster.scheduler_address,
                                   "--no-nanny", "--nthreads", "1", "--no-dashboard"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        out = tmp_path / "out"
        env = dict(os.environ, ALK5_DASK_WORKER_GRACE_S="3")
        scan = subprocess.Popen(ALK5 + ["scan", write(tmp_path / "long.toml", LONG), "-o", out, "--scheduler",
                                        cluster.scheduler_address, "--chunk-size", "2"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            wait_for(lambda: any((out / "chunks").glob("chunk-*.parquet")) or scan.poll() is not None,
                     what="the first chunk")
            worker.kill()
            worker.wait()
            _, err = scan.communicate(timeout=90)
        finally:
            worker.kill()
            scan.kill()
    assert "Traceback" not in err, err
    ours = "\n".join(line for line in err.splitlines() if line.startswith("alk5"))   # dask logs its own lines
    assert ours, (scan.returncode, err)
    one_line_error(scan.returncode, ours, "workers", "--resume", code=1)


# -- 10. failed rows keep the solver's reason; solver messages go to the log ------------------------------
FAILING = """
[experiment]
name = "failing"
readouts = ["pSmad2"]
metrics = ["at:45min"]
[scan]
design = "grid"
[[scan.axis]]
name = "kon_TGFB1_TBRII"
values = [1e30]
[[scan.axis]]
name = "ligand_dose"
values = "1uM"
"""


def test_failed_rows_keep_the_solver_reason_and_cvode_stays_off_stdout(tmp_path):
    res = subprocess.run(ALK5 + ["scan", write(tmp_path / "f.toml", FAILING), "-o", tmp_path / "out", "--executor",
                                 "serial"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "(1 failed)" in res.stdout
    for stream in (res.stdout, res.stderr):
        assert "CVODE" not in stream and "cvodes" not in stream and "[ERROR]" not in stream, stream
    error = pd.read_parquet(tmp_path / "out" / "results.parquet")["error"].iloc[0]
    assert error.startswith("integration failed") and "CV_ERR_FAILURE" in error      # the reason, not cut before it
    assert "CVODEIntegrator::integrate" in error                                  # ... to its very end


def test_solver_messages_reach_the_log(tmp_path, caplog):
    import logging

    from alk5_pysb.simulation.engine import run_scan
    from alk5_pysb.io.experiment_files import conditions, parse
    from alk5_pysb.simulation.simulator import shared_simulator
    sim = shared_simulator("tgfb1")                  # the network `alk5 scan` picks for this file
    spec = parse(FAILING, "f.toml", sim.table_parameters)
    with caplog.at_level(logging.INFO, logger="alk5_pysb.solver"):
        result = run_scan(sim, spec.experiment(), conditions(spec.scan), tmp_path / "out", progress=False)
    assert result["error"].iloc[0]
    assert any("condition 0" in r.getMessage() and "hmin" in r.getMessage() for r in caplog.records), caplog.text


# -- 11. a closed stdout ---------------------------------------------------------------------------------------
def test_info_piped_into_head_exits_quietly(tmp_path):
    import fcntl
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, 4096)        # smaller than the output: the writer must wait
    info = subprocess.Popen(ALK5 + ["info"], stdout=write_end, stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    head = subprocess.run(["head", "-1"], stdin=read_end, capture_output=True, text=True, timeout=120)
    os.close(read_end)
    _, err = info.communicate(timeout=120)
    assert head.stdout.startswith("alk5-pysb model:")
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert info.returncode in (0, 141)


def test_scan_lock_file_holds_no_stale_pid_after_a_scan(tmp_path, capsys):
    out = tmp_path / "out"
    status, _, err = cli(capsys, "scan", write(tmp_path / "s.toml", TINY), "-o", out, "--executor", "serial")
    assert status == 0, err
    assert (out / ".lock").read_text(encoding="utf-8") == ""
    assert json.loads((out / "scan.json").read_text(encoding="utf-8"))["conditions"] == 2


def test_solver_output_capture_is_safe_across_threads(capfd, caplog):
    """Two conditions at once (threads of one Dask worker) share the redirection; afterwards the
    process's stdout is the real one again and both messages are in the log."""
    import logging
    import threading

    from alk5_pysb.simulation.engine import solver_output_to_log
    inside = threading.Barrier(2)

    def condition(n):
        with solver_output_to_log(f"condition {n}"):
            inside.wait(timeout=10)
            os.write(1, f"native message {n}\n".encode())
            inside.wait(timeout=10)

    with caplog.at_level(logging.INFO, logger="alk5_pysb.solver"):
        threads = [threading.Thread(target=condition, args=(n,)) for n in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    os.write(1, b"after\n")
    out, _ = capfd.readouterr()
    assert out == "after\n"
    assert {"native message 1", "native message 2"} <= {r.getMessage().split(": ", 1)[1] for r in caplog.records}


@pytest.mark.parametrize("args, fragments", [
    (["sensitivity", "--samples", "0"], ["--samples", ">= 1"]),
    (["sensitivity", "--samples", "-4"], ["--samples", ">= 1"]),
    (["sensitivity", "--params", ",,"], ["--params", "at least one"]),
    (["sensitivity", "--params", "k_int,k_int"], ["k_int", "more than once"]),
    (["population", "--cells", "3", "--params", "TBRII_0,TBRII_0"], ["TBRII_0", "more than once"]),
])
def test_bad_analysis_options_are_one_line(tmp_path, capsys, args, fragments):
    one_line_error(*cli(capsys, *args, "--executor", "serial", "-o", tmp_path / "out")[::2], *fragments)
    assert not (tmp_path / "out").exists()


CSV_SCAN = ('[experiment]\nname = "c"\nreadouts = ["pSmad2"]\nmetrics = ["at:45min"]\n'
            '[scan]\ndesign = "csv"\nconditions = "{}"\n')


@pytest.mark.parametrize("content, fragments", [
    ("ligand_dose,k_int\n1,2\nabc,3\n", ["row 2", "column ligand_dose", "'abc'"]),
    ("", ["is empty"]),
    ("ligand_dose\n", ["no conditions"]),
    (None, ["is a folder"]),
    ("missing", ["not found"]),
])
def test_bad_conditions_csv_is_one_line(tmp_path, capsys, content, fragments):
    table = tmp_path / "conditions.csv"
    if content is None:
        table.mkdir()
    elif content != "missing":
        table.write_text(content, encoding="utf-8")
    scan = write(tmp_path / "c.toml", CSV_SCAN.format(table))
    one_line_error(*cli(capsys, "scan", scan, "--executor", "serial", "-o", tmp_path / "out")[::2], str(table),
                   *fragments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("content, fragments", [
    ("ligand_dose,colour\n10,1\n", ["unknown column(s) colour", "any model parameter"]),
    ("ligand_dose,compound\n10,SB-431542\n10,aspirin\n", ["unknown compound 'aspirin'", "valid compounds are"]),
])
def test_conditions_csv_with_unknown_columns_or_compounds_is_refused_before_work(tmp_path, capsys, content,
                                                                                  fragments):
    """Not one failed row per condition: the file is wrong, so nothing runs."""
    table = write(tmp_path / "conditions.csv", content)
    scan = write(tmp_path / "c.toml", CSV_SCAN.format(table))
    one_line_error(*cli(capsys, "scan", scan, "--executor", "serial", "-o", tmp_path / "out")[::2], str(scan),
                   *fragments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, fragments", [
    (EXPERIMENT + '[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "inhibitor_dose"\nvalues = "1nM,10nM"\n',
     ["needs compound", "ki", "compound axis"]),
    (EXPERIMENT + 'compound = "SB-431542"\n[scan]\ndesign = "grid"\n[[scan.axis]]\nname = "inhibitor_dose"\n'
                  'values = "0nM"\n', ["at least one dose > 0"]),
    (EXPERIMENT + '[scan]\ndesign = "grid"\nmax_conditions = 2\n[[scan.axis]]\nname = "ligand_dose"\n'
                  'values = "1pM,10pM,100pM"\n', ["3 conditions", "max_conditions = 2", "--yes"]),
])
def test_runner_refusals_come_before_the_results_folder(tmp_path, capsys, text, fragments):
    path = write(tmp_path / "x.toml", text)
    one_line_error(*cli(capsys, "run", path, "--executor", "serial", "-o", tmp_path / "out")[::2], *fragments)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("command", ["scan", "run"])
def test_unreadable_toml_is_one_line(tmp_path, capsys, command):
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00[scan]")
    one_line_error(*cli(capsys, command, binary, "--executor", "serial", "-o", tmp_path / "out")[::2], "UTF-8")


# every branch of the runner: a dose-response, an inhibition, a time course, a general scan
FILES = {"SCENARIO": SCENARIO,
         "INHIBITION": EXPERIMENT + 'compound = "SB-431542"\npretreat = "60min"\n[scan]\ndesign = "grid"\n'
                                    '[[scan.axis]]\nname = "inhibitor_dose"\nvalues = "100nM"\n',
         "TIMECOURSE": EXPERIMENT.replace('metrics = ["at:45min"]', 't_end = "1h"'),
         "SCAN": TINY}


@pytest.mark.parametrize("command, output, fragment", [
    (["dose-response", "--doses", "1pM,10pM"], "dr.csv", "--resume"),
    (["run", "SCENARIO"], "runs", "--resume"),
    (["run", "INHIBITION"], "runs", "--resume"),
    (["run", "TIMECOURSE"], "runs", "--force"),
    (["run", "SCAN"], "runs", "--resume"),
    (["scan", "SCAN"], "scan", "--resume"),
    (["scan", "SCENARIO"], "scan", "--resume"),
    (["sensitivity", "--samples", "1", "--params", "k_int,koff_ns", "--metric", "at:45min"], "sens", "--resume"),
])
def test_every_refusal_names_only_options_of_its_command(tmp_path, capsys, command, output, fragment):
    command = [str(write(tmp_path / f"{c.lower()}.toml", FILES[c])) if c in FILES else c for c in command]
    args = [*command, "--executor", "serial", "-o", tmp_path / output]
    status, _, err = cli(capsys, *args)
    assert status == 0, err
    refusal = one_line_error(*cli(capsys, *args)[::2], fragment)
    named = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", refusal))
    assert named and named <= options_of(command[0]), (named, refusal)
