"""It is a package, not a checkout: the wheel, installed (non-editable, core dependencies only) into a
fresh venv, runs `alk5` from any folder; regenerated exports go to the user cache, never into the
installed package."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
#: what the core install must not pull in (build, Dask, cross-check and notebook stacks)
HEAVY = {"pysb", "bionetgen", "sympy", "dask", "distributed", "tellurium", "python-copasi", "copasi-basico",
         "jupyterlab", "notebook", "ipython", "plotly", "petab", "antimony"}


def _run(args, cwd, env=None, check=True):
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A wheel built from this tree, installed without extras into a new venv."""
    root = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "dist"), str(REPO)], cwd=root)
    wheel, = (root / "dist").glob("alk5_pysb-*.whl")
    venv.create(root / "venv", with_pip=True)
    python = root / "venv" / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=root)
    return root / "venv" / "bin"


def test_core_install_is_slim(installed):
    listing = _run([str(installed / "python"), "-m", "pip", "list", "--format", "json"], cwd=installed)
    names = {p["name"].lower() for p in json.loads(listing.stdout)}
    assert not names & HEAVY, f"the core install pulls {sorted(names & HEAVY)}"
    assert len(names) < 40, f"{len(names)} packages in the core install"


def test_installed_wheel_simulates_from_any_folder(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ALK5_MODELS"}
    info = _run([str(installed / "alk5"), "info"], cwd=tmp_path, env=env)
    assert "187 species" in info.stdout and "exports in" in info.stdout and "site-packages" in info.stdout
    _run([str(installed / "alk5"), "simulate", "--dose", "100pM", "--t-end", "2h", "--readouts", "pSmad2",
          "-o", "tc.csv"], cwd=tmp_path, env=env)
    frame = pd.read_csv(tmp_path / "tc.csv")
    assert list(frame.columns) == ["time_min", "pSmad2"]
    assert 20_000 < frame["pSmad2"].max() < 60_000           # ~3.2e4 molecules/cell at 100 pM
    provenance = json.loads((tmp_path / "tc.csv.provenance.json").read_text(encoding="utf-8"))
    assert provenance["model"]["sbml"].endswith("alk5_pysb/exports/alk5.sbml")
    assert provenance["model"]["rtol"] == 1e-6
    regimen = _run([str(installed / "alk5"), "regimen", "--compound", "galunisertib", "--dose", "150mg", "--every",
                    "12h", "--days", "1", "-o", "reg"], cwd=tmp_path, env=env)
    assert "galunisertib: 2 doses of 150 mg" in regimen.stdout
    assert (tmp_path / "reg" / "cycles.csv").is_file() and (tmp_path / "reg" / "regimen.sbml").is_file()


def test_build_commands_name_the_extra(installed, tmp_path):
    result = _run([str(installed / "alk5"), "export-all", str(tmp_path / "out")], cwd=tmp_path, check=False)
    assert result.returncode == 2
    assert "pip install 'alk5-pysb[build]'" in result.stderr and "Traceback" not in result.stderr


def test_export_all_defaults_to_the_user_cache(tmp_path):
    """Regenerated exports go to $XDG_CACHE_HOME/alk5-pysb/<version>/models and are used with --models."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    alk5 = Path(sys.executable).with_name("alk5")
    out = _run([str(alk5), "export-all"], cwd=tmp_path, env=env)
    folder = tmp_path / "cache" / "alk5-pysb" / "0.1.0" / "models"
    assert (folder / "alk5.sbml").is_file() and f"--models {folder}" in out.stdout
    info = _run([str(alk5), "info", "--models", str(folder)], cwd=tmp_path, env=env)
    assert f"exports in {folder}" in info.stdout
